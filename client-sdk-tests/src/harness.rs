//! Test harness: connections with fresh identities, reducer calls that wait for their own result,
//! waits with timeouts that fail loudly, and the registry that hands the scenarios to libtest-mimic.

use crate::module_bindings::*;
use spacetimedb_sdk::{DbContext, Identity};
use std::time::Duration;

pub const TIMEOUT: Duration = Duration::from_secs(10);

pub type TestResult = Result<(), String>;

/// The world under test (main.rs reads it from the command line or the WK_* variables).
#[derive(Clone, Debug)]
pub struct Env {
    pub url: String,
    pub db: String,
    pub ruleset: String,
    pub admin_token: Option<String>,
}

/// One simulated player: its own connection and identity, subscribed to every public table.
pub struct Client {
    pub conn: DbConnection,
    pub identity: Identity,
    results: wk_client::Outcomes,
}

impl Client {
    /// A fresh anonymous identity (the server mints it).
    pub fn fresh(env: &Env) -> Result<Client, String> {
        Client::connect(env, None)
    }

    /// The publisher's identity (admin), from the CLI token.
    pub fn admin(env: &Env) -> Result<Client, String> {
        let token = env
            .admin_token
            .clone()
            .ok_or("WK_ADMIN_TOKEN not set (scripts/test.sh sets it from `spacetime login show --token`)")?;
        Client::connect(env, Some(token))
    }

    pub fn connect(env: &Env, token: Option<String>) -> Result<Client, String> {
        let mut results = None;
        let c = wk_client::connect(
            &env.url,
            &env.db,
            token,
            TIMEOUT,
            |b| b,
            |conn| {
                results = Some(wk_client::Outcomes::listen(conn));
            },
        )?;
        wk_client::subscribe(&c.conn, None, TIMEOUT)?;
        let results = results.ok_or("outcome listener not registered")?;
        Ok(Client { conn: c.conn, identity: c.identity, results })
    }

    /// Wait for the result of this client's next call of `reducer` (calls are sequential per client).
    pub fn wait_result(&self, reducer: &str) -> Result<Result<(), String>, String> {
        self.results.wait(reducer, TIMEOUT).ok_or_else(|| format!("no result for `{reducer}` within {TIMEOUT:?}"))
    }

    pub fn disconnect(self) {
        drop(self);
    }
}

/// Every test client hangs up when it goes out of scope, so scenarios do not leak connections.
impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.conn.disconnect();
    }
}

impl Client {
    /// Call a reducer and wait for its own outcome: `Ok(())` committed, `Err(message)` failed.
    pub fn call(
        &self,
        reducer: &str,
        send: impl FnOnce(&RemoteReducers) -> Result<(), spacetimedb_sdk::Error>,
    ) -> Result<Result<(), String>, String> {
        send(&self.conn.reducers).map_err(|e| format!("sending `{reducer}`: {e}"))?;
        self.wait_result(reducer)
    }

    /// The call must commit.
    pub fn ok(
        &self,
        reducer: &str,
        send: impl FnOnce(&RemoteReducers) -> Result<(), spacetimedb_sdk::Error>,
    ) -> TestResult {
        match self.call(reducer, send)? {
            Ok(()) => Ok(()),
            Err(m) => Err(format!("`{reducer}` failed: {m}")),
        }
    }

    /// The call must fail with exactly this error code (the text before the first `:`).
    pub fn fails_with(
        &self,
        reducer: &str,
        code: &str,
        send: impl FnOnce(&RemoteReducers) -> Result<(), spacetimedb_sdk::Error>,
    ) -> TestResult {
        match self.call(reducer, send)? {
            Ok(()) => Err(format!("`{reducer}` committed, expected {code}")),
            Err(m) => {
                let got = m.split(':').next().unwrap_or("").trim();
                if got == code {
                    Ok(())
                } else {
                    Err(format!("`{reducer}` failed with `{m}`, expected {code}"))
                }
            }
        }
    }
}

/// Poll `cond` against the client cache until it holds or the timeout passes.
pub fn wait_for(what: &str, timeout: Duration, cond: impl FnMut() -> bool) -> TestResult {
    wk_client::wait_for(what, timeout, cond)
}

pub fn check(cond: bool, what: impl Into<String>) -> TestResult {
    if cond {
        Ok(())
    } else {
        Err(what.into())
    }
}

pub fn check_eq<T: PartialEq + std::fmt::Debug>(got: T, want: T, what: &str) -> TestResult {
    if got == want {
        Ok(())
    } else {
        Err(format!("{what}: got {got:?}, want {want:?}"))
    }
}

/// The scenarios' registry. Each scenario file registers its scenarios with [`Runner::run`] in
/// order; libtest-mimic (main.rs) decides which run (filter, `--skip`, `--exact`, `--list`) and
/// prints their outcomes. The closures borrow the scenario function's locals (`env`, fixtures), so
/// they cannot outlive it: instead of storing them, the registration is done in passes.
/// - [`names`]: one pass that only records the names, in order (the libtest-mimic trials).
/// - [`serve`]: on the scenario thread, passes that run the closure whose number a trial asked
///   for and skip the others; a trial waits for its scenario's result.
///
/// So the code of a scenario file outside its `r.run` closures runs once per pass: it must only
/// compute fixtures (no calls, no connections).
pub struct Runner {
    next: usize,
    mode: Mode,
}

enum Mode {
    Collect(Vec<String>),
    Execute(Exec),
}

/// A trial's request: run scenario number `.0`, send its result on `.1`.
pub type Request = (usize, std::sync::mpsc::Sender<TestResult>);

struct Exec {
    requests: std::sync::mpsc::Receiver<Request>,
    /// The request not served yet: a later scenario's, or an earlier one's (the next pass).
    pending: Option<Request>,
    /// Every trial is gone (the run ended): skip the rest.
    closed: bool,
}

impl Runner {
    /// Register a scenario (a collecting pass), or run it if it is the one asked for.
    pub fn run(&mut self, name: &str, f: impl FnOnce() -> TestResult) {
        let idx = self.next;
        self.next += 1;
        let x = match &mut self.mode {
            Mode::Collect(names) => {
                names.push(name.to_string());
                return;
            }
            Mode::Execute(x) => x,
        };
        if x.closed {
            return;
        }
        if x.pending.is_none() {
            match x.requests.recv() {
                Ok(req) => x.pending = Some(req),
                Err(_) => {
                    x.closed = true;
                    return;
                }
            }
        }
        if let Some((want, reply)) = x.pending.take() {
            if want != idx {
                x.pending = Some((want, reply));
                return;
            }
            let _ = reply.send(execute(f));
        }
    }
}

/// Run one scenario; a panic is that scenario's failure, with the panic's message.
fn execute(f: impl FnOnce() -> TestResult) -> TestResult {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(res) => res,
        Err(p) => {
            let msg = p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()));
            Err(format!("panicked: {}", msg.unwrap_or_default()))
        }
    }
}

/// The names of the scenarios `register` registers, in registration order.
pub fn names(env: &Env, register: fn(&Env, &mut Runner)) -> Vec<String> {
    let mut r = Runner { next: 0, mode: Mode::Collect(Vec::new()) };
    register(env, &mut r);
    match r.mode {
        Mode::Collect(names) => names,
        Mode::Execute(_) => Vec::new(),
    }
}

/// Serve the trials' requests until every trial is gone: each request runs the scenario with that
/// number (as [`names`] numbered them) and answers with its result. Requests come in
/// registration order on one test thread; with several, a request for an earlier scenario is
/// served by the next pass.
pub fn serve(env: &Env, register: fn(&Env, &mut Runner), requests: std::sync::mpsc::Receiver<Request>) {
    let mut exec = Exec { requests, pending: None, closed: false };
    loop {
        let mut r = Runner { next: 0, mode: Mode::Execute(exec) };
        register(env, &mut r);
        let (count, Mode::Execute(mut x)) = (r.next, r.mode) else { return };
        if x.closed || count == 0 {
            return;
        }
        if let Some((want, reply)) = x.pending.take() {
            if want >= count {
                let _ = reply.send(Err(format!("no scenario number {want} (there are {count})")));
            } else {
                x.pending = Some((want, reply));
            }
        }
        exec = x;
    }
}

/// A name no other call of this process returns: the clock alone repeats when threads ask within
/// the same microsecond (the flood scenario's four threads did, and one found another identity's
/// character under "its" name).
pub fn unique(prefix: &str) -> String {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let k = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros()).unwrap_or(0)
        % 1_000_000;
    format!("{prefix}{n}x{k}")
}
