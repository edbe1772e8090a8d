//! Test harness: connections with fresh identities, reducer calls that wait for their own result,
//! waits with timeouts that fail loudly, and a tiny runner printing `PASS name` / `FAIL name`.

use crate::module_bindings::*;
use spacetimedb_sdk::{DbContext, Identity};
use std::time::{Duration, Instant};

pub const TIMEOUT: Duration = Duration::from_secs(10);

pub type TestResult = Result<(), String>;

pub struct Env {
    pub url: String,
    pub db: String,
    pub ruleset: String,
    pub admin_token: Option<String>,
}

impl Env {
    pub fn from_env() -> Env {
        Env {
            url: std::env::var("WK_URL").unwrap_or_else(|_| "http://127.0.0.1:3000".into()),
            db: std::env::var("WK_DB").unwrap_or_else(|_| "world-kernel".into()),
            ruleset: std::env::var("WK_RULESET").unwrap_or_else(|_| "dnd5e".into()),
            admin_token: std::env::var("WK_ADMIN_TOKEN").ok().filter(|t| !t.is_empty()),
        }
    }
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

/// Runs scenarios in order, printing `PASS name` / `FAIL name: why`; returns (passed, failed).
pub struct Runner {
    pub passed: usize,
    pub failed: usize,
    filter: Option<String>,
}

impl Runner {
    pub fn new() -> Runner {
        Runner { passed: 0, failed: 0, filter: std::env::args().nth(1) }
    }

    pub fn run(&mut self, name: &str, f: impl FnOnce() -> TestResult) {
        if let Some(flt) = &self.filter {
            if !name.contains(flt.as_str()) {
                return;
            }
        }
        let started = Instant::now();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        let ms = started.elapsed().as_millis();
        match outcome {
            Ok(Ok(())) => {
                self.passed += 1;
                println!("PASS {name} ({ms} ms)");
            }
            Ok(Err(e)) => {
                self.failed += 1;
                println!("FAIL {name}: {e}");
            }
            Err(p) => {
                self.failed += 1;
                let msg =
                    p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()));
                println!("FAIL {name}: panicked: {}", msg.unwrap_or_default());
            }
        }
    }
}
