//! One agent's connection: its own identity (the server mints a fresh one), a subscription to the
//! public tables, and reducer calls that wait for their own outcome (`Ok` or the `E_` message).

use crate::module_bindings::*;
use spacetimedb_sdk::{DbContext, Identity, Status};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const CALL_TIMEOUT: Duration = Duration::from_secs(8);

/// Load statistics (`wk-agents --stats FILE`, issue 12): every call's outcome with its latency, and
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
    results: Receiver<(String, Result<(), String>)>,
}

impl Conn {
    pub fn open(url: &str, db: &str) -> Result<Conn, String> {
        let (id_tx, id_rx) = channel::<Result<Identity, String>>();
        let id_tx2 = id_tx.clone();
        let conn = DbConnection::builder()
            .with_uri(url)
            .with_module_name(db.to_string())
            .on_connect(move |_c, identity, _token| {
                let _ = id_tx.send(Ok(identity));
            })
            .on_connect_error(move |_c, e| {
                let _ = id_tx2.send(Err(format!("connect error: {e}")));
            })
            .on_disconnect(|_c, _e| stats::disconnected())
            .build()
            .map_err(|e| format!("build connection to {url} / {db}: {e}"))?;
        let (tx, rx) = channel();
        register(&conn, tx);
        conn.run_threaded();
        let identity =
            id_rx.recv_timeout(Duration::from_secs(15)).map_err(|_| "timed out connecting".to_string())??;
        let (sub_tx, sub_rx) = channel::<Result<(), String>>();
        let sub_tx2 = sub_tx.clone();
        conn.subscription_builder()
            .on_applied(move |_| {
                let _ = sub_tx.send(Ok(()));
            })
            .on_error(move |_c, e| {
                let _ = sub_tx2.send(Err(format!("subscription error: {e}")));
            })
            .subscribe_to_all_tables();
        sub_rx.recv_timeout(Duration::from_secs(15)).map_err(|_| "timed out subscribing".to_string())??;
        Ok(Conn { conn, identity, results: rx })
    }

    /// Send a call and wait for its outcome. `Err` carries the module's message (`E_CODE: ...`),
    /// or `E_CLIENT: ...` when the call could not be sent or timed out.
    pub fn call(
        &self,
        reducer: &str,
        send: impl FnOnce(&RemoteReducers) -> Result<(), spacetimedb_sdk::Error>,
    ) -> Result<(), String> {
        let sent = Instant::now();
        let res = self.call_inner(reducer, send);
        let outcome = match &res {
            Ok(()) => "ok",
            Err(m) => code(m),
        };
        stats::record(sent, sent.elapsed().as_secs_f64() * 1000.0, outcome);
        res
    }

    fn call_inner(
        &self,
        reducer: &str,
        send: impl FnOnce(&RemoteReducers) -> Result<(), spacetimedb_sdk::Error>,
    ) -> Result<(), String> {
        send(&self.conn.reducers).map_err(|e| format!("E_CLIENT: sending `{reducer}`: {e}"))?;
        let deadline = Instant::now() + CALL_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.results.recv_timeout(left) {
                Ok((name, res)) if name == reducer => return res,
                Ok(_) => continue,
                Err(_) => return Err(format!("E_CLIENT: no result for `{reducer}` within {CALL_TIMEOUT:?}")),
            }
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        let _ = self.conn.disconnect();
    }
}

/// The error code of a reducer message: the text before the first `:`.
pub fn code(msg: &str) -> &str {
    msg.split(':').next().unwrap_or("").trim()
}

macro_rules! listen {
    ($conn:expr, $tx:expr; $($on:ident $name:literal ($($arg:ident),*);)*) => {
        $({
            let tx = $tx.clone();
            $conn.reducers.$on(move |ctx: &ReducerEventContext, $($arg: &_),*| {
                $(let _ = $arg;)*
                if Some(ctx.event.caller_identity) != ctx.try_identity() {
                    return;
                }
                let res = match &ctx.event.status {
                    Status::Committed => Ok(()),
                    Status::Failed(m) => Err(m.to_string()),
                    Status::OutOfEnergy => Err("E_CLIENT: out of energy".into()),
                };
                if let Ok(tx) = tx.lock() {
                    let _ = tx.send(($name.to_string(), res));
                }
            });
        })*
    };
}

fn register(conn: &DbConnection, tx: Sender<(String, Result<(), String>)>) {
    let tx = Arc::new(Mutex::new(tx));
    listen!(conn, tx;
        on_create_character "create_character" (a, b, c, d);
        on_contest "contest" (a, b, c, d);
        on_move_to "move_to" (a, b);
        on_rest "rest" (a, b, c);
        on_start_combat "start_combat" (a, b, c);
        on_join_combat "join_combat" (a, b, c);
        on_invite_to_combat "invite_to_combat" (a, b);
        on_attack "attack" (a, b, c);
        on_move_in_combat "move_in_combat" (a, b, c);
        on_end_turn "end_turn" (a);
        on_step_to "step_to" (a, b, c);
        on_pick_up "pick_up" (a);
        on_equip "equip" (a, b, c);
        on_use_consumable "use_consumable" (a, b);
        on_begin_run "begin_run" (a);
        on_move_to_master "move_to_master" (a, b);
        on_give_item "give_item" (a, b, c);
    );
}
