//! The shared Rust client of World Kernel, used by the live suite (`client-sdk-tests`), the agents
//! (`wk-agents`), the load client (`wk-bench`) and the MCP server (`wk-mcp`):
//! - [`module_bindings`]: the bindings `spacetime generate` writes (`scripts/generate.sh`);
//! - [`connect`] and [`subscribe`]: a connection with its identity, and a subscription that waits
//!   for its initial rows;
//! - [`Outcomes`] / [`call_and_wait`]: a reducer call that waits for its own result (`Ok`, or the
//!   module's `E_CODE: message`);
//! - [`on_outcomes`]: one callback for every reducer's outcome (the list of reducers is read from
//!   the bindings at build time, see `build.rs`, so a new reducer needs no edit here);
//! - [`wait_for`] and [`code`].

#[rustfmt::skip]
#[allow(clippy::all, unused)]
pub mod module_bindings;

use module_bindings::*;
use spacetimedb_sdk::{DbConnectionBuilder, DbContext, Identity, Status};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

include!(concat!(env!("OUT_DIR"), "/reducers.rs"));

/// Argument `i` (named `name`) of a reducer call, from SATS-JSON.
#[cfg(feature = "json")]
fn json_arg<T: for<'de> spacetimedb_sats::de::Deserialize<'de>>(
    args: &[serde_json::Value],
    i: usize,
    name: &str,
) -> Result<T, String> {
    let v = args.get(i).ok_or_else(|| format!("argument `{name}` missing"))?;
    serde_json::from_value::<spacetimedb_sats::serde::SerdeWrapper<T>>(v.clone())
        .map(|w| w.0)
        .map_err(|e| format!("argument `{name}`: {e}"))
}

/// A callback for every reducer event (context, reducer name).
type OutcomeFn = Arc<dyn Fn(&ReducerEventContext, &'static str) + Send + Sync>;

/// A reducer's outcome: `Ok` committed, `Err` the module's message (`E_CODE: ...`).
pub type Outcome = Result<(), String>;

/// A live connection: the SDK handle, the identity the server gave it and the token of that
/// identity (store it to come back as the same player).
pub struct Connected {
    pub conn: DbConnection,
    pub identity: Identity,
    pub token: String,
}

/// Connect to `db` at `url` as the owner of `token` (`None`: the server mints a fresh identity).
/// `builder` may add to the connection builder (e.g. `on_disconnect`); `before_run` registers
/// callbacks before the connection starts processing messages. Waits up to `timeout` for the
/// identity.
pub fn connect(
    url: &str,
    db: &str,
    token: Option<String>,
    timeout: Duration,
    builder: impl FnOnce(DbConnectionBuilder<RemoteModule>) -> DbConnectionBuilder<RemoteModule>,
    before_run: impl FnOnce(&DbConnection),
) -> Result<Connected, String> {
    let (id_tx, id_rx) = channel::<Result<(Identity, String), String>>();
    let id_tx2 = id_tx.clone();
    let b = DbConnection::builder()
        .with_uri(url)
        .with_module_name(db.to_string())
        .with_token(token)
        .on_connect(move |_c, identity, token| {
            let _ = id_tx.send(Ok((identity, token.to_string())));
        })
        .on_connect_error(move |_c, e| {
            let _ = id_tx2.send(Err(format!("connect error: {e}")));
        });
    let conn = builder(b).build().map_err(|e| format!("build connection to {url} / {db}: {e}"))?;
    before_run(&conn);
    conn.run_threaded();
    let (identity, token) = id_rx.recv_timeout(timeout).map_err(|_| "timed out connecting".to_string())??;
    Ok(Connected { conn, identity, token })
}

/// Subscribe to `queries` (`None`: every public table) and wait up to `timeout` for the initial rows.
pub fn subscribe(conn: &DbConnection, queries: Option<&[&str]>, timeout: Duration) -> Result<(), String> {
    let (sub_tx, sub_rx) = channel::<Result<(), String>>();
    let sub_tx2 = sub_tx.clone();
    let b = conn
        .subscription_builder()
        .on_applied(move |_| {
            let _ = sub_tx.send(Ok(()));
        })
        .on_error(move |_c, e| {
            let _ = sub_tx2.send(Err(format!("subscription error: {e}")));
        });
    match queries {
        None => {
            b.subscribe_to_all_tables();
        }
        Some(q) => {
            b.subscribe(q.iter().map(|q| q.to_string()).collect::<Vec<_>>());
        }
    }
    sub_rx.recv_timeout(timeout).map_err(|_| "timed out subscribing".to_string())?
}

/// The outcome of a reducer event: `Ok` committed, `Err` the module's message.
pub fn outcome(status: &Status) -> Outcome {
    match status {
        Status::Committed => Ok(()),
        Status::Failed(m) => Err(m.to_string()),
        Status::OutOfEnergy => Err("E_CLIENT: out of energy".into()),
    }
}

/// Call `f(ctx, reducer_name)` for every reducer event this connection sees (`only`: just these
/// reducers). The callback filters whose calls it wants (`ctx.event.caller_identity`, ...).
pub fn on_outcomes(
    conn: &DbConnection,
    only: Option<&'static [&'static str]>,
    f: impl Fn(&ReducerEventContext, &'static str) + Send + Sync + 'static,
) {
    let f: OutcomeFn = match only {
        None => Arc::new(f),
        Some(only) => Arc::new(move |ctx: &ReducerEventContext, name: &'static str| {
            if only.contains(&name) {
                f(ctx, name)
            }
        }),
    };
    register_every_reducer(conn, f);
}

/// The outcomes of the calls made by this connection's identity, in arrival order.
pub struct Outcomes {
    rx: Mutex<Receiver<(&'static str, Outcome)>>,
}

impl Outcomes {
    /// Start listening (call before `run_threaded`, i.e. in [`connect`]'s `before_run`).
    pub fn listen(conn: &DbConnection) -> Outcomes {
        let (tx, rx) = channel();
        let tx = Mutex::new(tx);
        on_outcomes(conn, None, move |ctx, name| {
            if Some(ctx.event.caller_identity) != ctx.try_identity() {
                return;
            }
            if let Ok(tx) = tx.lock() {
                let _ = tx.send((name, outcome(&ctx.event.status)));
            }
        });
        Outcomes { rx: Mutex::new(rx) }
    }

    /// The outcome of this identity's next call of `reducer` (calls are sequential per client);
    /// outcomes of other reducers that arrive first are dropped. `None`: none within `timeout`.
    pub fn wait(&self, reducer: &str, timeout: Duration) -> Option<Outcome> {
        let rx = self.rx.lock().ok()?;
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok((name, res)) if name == reducer => return Some(res),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
    }
}

/// Send a call with `send` and wait for its outcome. The outer `Err` says the call could not be
/// sent or got no answer within `timeout`.
pub fn call_and_wait(
    conn: &DbConnection,
    outcomes: &Outcomes,
    reducer: &str,
    timeout: Duration,
    send: impl FnOnce(&RemoteReducers) -> Result<(), spacetimedb_sdk::Error>,
) -> Result<Outcome, String> {
    send(&conn.reducers).map_err(|e| format!("sending `{reducer}`: {e}"))?;
    outcomes.wait(reducer, timeout).ok_or_else(|| format!("no result for `{reducer}` within {timeout:?}"))
}

/// Poll `cond` (typically against the client cache) until it holds or `timeout` passes.
pub fn wait_for(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if cond() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if cond() {
        Ok(())
    } else {
        Err(format!("timed out after {timeout:?} waiting for: {what}"))
    }
}

/// The error code of a reducer message: the text before the first `:`.
pub fn code(msg: &str) -> &str {
    msg.split(':').next().unwrap_or("").trim()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_bindings_reducer_is_listed() {
        let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/module_bindings"))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str()?.strip_suffix("_reducer.rs").map(str::to_string))
            .count();
        assert!(files > 10);
        assert_eq!(super::REDUCERS.len(), files);
        let create = super::REDUCERS.iter().find(|r| r.0 == "create_character").unwrap();
        assert_eq!(create.1[2], ("scores", "AbilityScores"));
    }
}
