//! Test harness: connections with fresh identities, reducer calls that wait for their own result,
//! waits with timeouts that fail loudly, and a tiny runner printing `PASS name` / `FAIL name`.

use crate::module_bindings::*;
use spacetimedb_sdk::{DbContext, Identity, Status};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
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
    results: Mutex<Receiver<(String, Result<(), String>)>>,
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
        let (id_tx, id_rx) = channel::<Result<Identity, String>>();
        let id_tx2 = id_tx.clone();
        let conn = DbConnection::builder()
            .with_uri(env.url.as_str())
            .with_module_name(env.db.clone())
            .with_token(token)
            .on_connect(move |_c, identity, _token| {
                let _ = id_tx.send(Ok(identity));
            })
            .on_connect_error(move |_c, e| {
                let _ = id_tx2.send(Err(format!("connect error: {e}")));
            })
            .build()
            .map_err(|e| format!("build connection: {e}"))?;
        let (tx, rx) = channel();
        register_result_listeners(&conn, tx);
        conn.run_threaded();
        let identity = id_rx.recv_timeout(TIMEOUT).map_err(|_| "timed out connecting".to_string())??;
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
        sub_rx.recv_timeout(TIMEOUT).map_err(|_| "timed out subscribing".to_string())??;
        Ok(Client { conn, identity, results: Mutex::new(rx) })
    }

    /// Wait for the result of this client's next call of `reducer` (calls are sequential per client).
    pub fn wait_result(&self, reducer: &str) -> Result<Result<(), String>, String> {
        let rx = self.results.lock().map_err(|_| "poisoned")?;
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok((name, res)) if name == reducer => return Ok(res),
                Ok(_) => continue,
                Err(_) => return Err(format!("no result for `{reducer}` within {TIMEOUT:?}")),
            }
        }
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

/// Routes this connection's own reducer outcomes to the channel `wait_result` reads.
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
                    Status::OutOfEnergy => Err("out of energy".into()),
                };
                if let Ok(tx) = tx.lock() {
                    let _ = tx.send(($name.to_string(), res));
                }
            });
        })*
    };
}

fn register_result_listeners(conn: &DbConnection, tx: Sender<(String, Result<(), String>)>) {
    let tx = Arc::new(Mutex::new(tx));
    listen!(conn, tx;
        on_ping "ping" ();
        on_add_admin "add_admin" (a);
        on_remove_admin "remove_admin" (a);
        on_set_feature_enabled "set_feature_enabled" (a, b);
        on_set_config "set_config" (a, b);
        on_reload_static_data "reload_static_data" ();
        on_create_character "create_character" (a, b, c, d);
        on_create_ai_character "create_ai_character" (a, b, c, d, e);
        on_delete_character "delete_character" (a);
        on_world_tick "world_tick" (a);
        on_prune_event_log "prune_event_log" (a);
        on_ability_check "ability_check" (a, b, c);
        on_contest "contest" (a, b, c, d);
        on_move_to "move_to" (a, b);
        on_rest "rest" (a, b, c);
        on_stop_rest "stop_rest" (a);
        on_arrive "arrive" (a);
        on_apply_buff "apply_buff" (a, b, c, d);
        on_remove_buff "remove_buff" (a);
        on_dispel "dispel" (a, b);
        on_remove_buffs_by_source "remove_buffs_by_source" (a);
        on_expire_buff "expire_buff" (a);
        on_tick_buff "tick_buff" (a);
        on_spawn_monster "spawn_monster" (a, b);
        on_start_combat "start_combat" (a, b, c);
        on_join_combat "join_combat" (a, b, c);
        on_challenge "challenge" (a, b);
        on_accept_challenge "accept_challenge" (a, b);
        on_decline_challenge "decline_challenge" (a, b);
        on_set_pvp_opt_in "set_pvp_opt_in" (a, b);
        on_invite_to_combat "invite_to_combat" (a, b);
        on_apply_profiles "apply_profiles" (a, b);
        on_propose_profiles "propose_profiles" (a, b);
        on_consent "consent" (a, b);
        on_set_profile_consent_timeout "set_profile_consent_timeout" (a);
        on_profile_consent_timeout "profile_consent_timeout" (a);
        on_attack "attack" (a, b, c);
        on_move_in_combat "move_in_combat" (a, b, c);
        on_dodge "dodge" (a);
        on_dash "dash" (a);
        on_flee "flee" (a);
        on_end_turn "end_turn" (a);
        on_set_combat_config "set_combat_config" (a);
        on_turn_timeout "turn_timeout" (a);
        on_step_to "step_to" (a, b, c);
        on_spawn_world_item "spawn_world_item" (a, b, c, d, e, f, g);
        on_pick_up "pick_up" (a);
        on_equip "equip" (a, b, c);
        on_unequip "unequip" (a, b);
        on_move_item "move_item" (a, b, c);
        on_use_consumable "use_consumable" (a, b);
        on_split_stack "split_stack" (a, b, c);
        on_merge_stacks "merge_stacks" (a, b, c, d);
        on_move_to_master "move_to_master" (a, b);
        on_move_to_run "move_to_run" (a, b);
        on_begin_run "begin_run" (a);
        on_extract "extract" (a);
        on_wipe "wipe" (a);
        on_admin_set_hp "admin_set_hp" (a, b);
        on_admin_grant_currency "admin_grant_currency" (a, b);
        on_despawn_world_item "despawn_world_item" (a);
        on_admin_skirmish "admin_skirmish" (a, b, c);
        on_give_item "give_item" (a, b, c);
        on_choose_perk "choose_perk" (a, b);
        on_use_perk "use_perk" (a, b);
        on_admin_grant_xp "admin_grant_xp" (a, b);
        on_admin_damage "admin_damage" (a, b);
        on_admin_grant_perk "admin_grant_perk" (a, b);
    );
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
pub fn wait_for(what: &str, timeout: Duration, mut cond: impl FnMut() -> bool) -> TestResult {
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
