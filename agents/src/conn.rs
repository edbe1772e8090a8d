//! One agent's connection: its own identity (the server mints a fresh one), a subscription to the
//! public tables, and reducer calls that wait for their own outcome (`Ok` or the `E_` message).

use crate::module_bindings::*;
use spacetimedb_sdk::{DbContext, Identity};
use std::time::{Duration, Instant};

pub const CALL_TIMEOUT: Duration = Duration::from_secs(8);

/// Load statistics (`wk-agents --stats FILE`): every call's outcome with its latency, and
/// connections the server closed while the agents were still running.
pub mod stats {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::{Mutex, OnceLock};
    use std::time::Instant;

    /// (seconds since start, latency ms, "ok" or the error code)
    pub static SAMPLES: Mutex<Vec<(f64, f64, String)>> = Mutex::new(Vec::new());
    pub static SERVER_DISCONNECTS: AtomicU64 = AtomicU64::new(0);
    /// Set when the run ends: disconnects after it are ours.
    pub static CLOSING: AtomicBool = AtomicBool::new(false);
    static START: OnceLock<Instant> = OnceLock::new();
    /// Samples are kept only with `--stats` (a run without end would otherwise grow without bound).
    static ENABLED: AtomicBool = AtomicBool::new(false);

    pub fn start(keep_samples: bool) {
        START.get_or_init(Instant::now);
        ENABLED.store(keep_samples, Ordering::SeqCst);
    }

    pub fn record(at: Instant, latency_ms: f64, outcome: &str) {
        if !ENABLED.load(Ordering::Relaxed) {
            return;
        }
        let t = START.get().map(|s| at.saturating_duration_since(*s).as_secs_f64()).unwrap_or(0.0);
        if let Ok(mut v) = SAMPLES.lock() {
            v.push((t, latency_ms, outcome.to_string()));
        }
    }

    pub fn disconnected() {
        if !CLOSING.load(Ordering::SeqCst) {
            SERVER_DISCONNECTS.fetch_add(1, Ordering::SeqCst);
        }
    }
}

pub struct Conn {
    pub conn: DbConnection,
    pub identity: Identity,
    results: wk_client::Outcomes,
}

impl Conn {
    pub fn open(url: &str, db: &str) -> Result<Conn, String> {
        let timeout = Duration::from_secs(15);
        let mut results = None;
        let c = wk_client::connect(
            url,
            db,
            None,
            timeout,
            |b| b.on_disconnect(|_c, _e| stats::disconnected()),
            |conn| results = Some(wk_client::Outcomes::listen(conn)),
        )?;
        wk_client::subscribe(&c.conn, None, timeout)?;
        let results = results.ok_or("outcome listener not registered")?;
        Ok(Conn { conn: c.conn, identity: c.identity, results })
    }

    /// Send a call and wait for its outcome. `Err` carries the module's message (`E_CODE: ...`),
    /// or `E_CLIENT: ...` when the call could not be sent or timed out.
    pub fn call(
        &self,
        reducer: &str,
        send: impl FnOnce(&RemoteReducers) -> Result<(), spacetimedb_sdk::Error>,
    ) -> Result<(), String> {
        let sent = Instant::now();
        let res = wk_client::call_and_wait(&self.conn, &self.results, reducer, CALL_TIMEOUT, send)
            .unwrap_or_else(|e| Err(format!("E_CLIENT: {e}")));
        let outcome = match &res {
            Ok(()) => "ok",
            Err(m) => code(m),
        };
        stats::record(sent, sent.elapsed().as_secs_f64() * 1000.0, outcome);
        res
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        let _ = self.conn.disconnect();
    }
}

pub use wk_client::code;
