//! The SDK half of the reliability suite (the rest is `scripts/reliability.py`):
//! NaN and infinities, which JSON cannot carry, sent over BSATN to every reducer that takes a
//! float; and private tables refused to a non-owner's subscription.

use crate::harness::{check, wait_for, Client, Env, Runner, TestResult};
use crate::module_bindings::*;
use crate::scenarios::foundation::{create, fixture};
use spacetimedb_sdk::{DbContext, Table};
use std::sync::mpsc::channel;
use std::time::Duration;

/// Every reducer with an f32/f64 parameter. `scripts/reliability.py fuzz` compares this list with
/// the module's schema and fails when a float-taking reducer is missing here.
pub const FLOAT_REDUCERS: &[&str] = &["step_to", "move_in_combat", "admin_spawn_world_item"];

const BAD: [f64; 4] = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0];

/// The call must be refused with exactly `code` (a non-finite float never commits, and is named
/// as the bad argument it is, not refused by some other check on the way).
fn refused(
    c: &Client,
    reducer: &str,
    code: &str,
    send: impl FnOnce(&RemoteReducers) -> Result<(), spacetimedb_sdk::Error>,
) -> TestResult {
    match c.call(reducer, send)? {
        Ok(()) => Err(format!("`{reducer}` committed a non-finite float")),
        Err(m) if m.starts_with(&format!("{code}:")) => Ok(()),
        Err(m) => Err(format!("`{reducer}` answered {m:?}, expected {code}")),
    }
}

pub fn run(env: &Env, r: &mut Runner) {
    let fx = fixture(env);

    r.run("reliability: NaN and infinities are refused by every float-taking reducer", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let me = create(&a, &fx, "Nanette")?;
        let id = me.id;
        let mut covered = std::collections::BTreeSet::new();
        for &v in &BAD[..3] {
            for (x, y) in [(v, 1.0), (1.0, v)] {
                refused(&a, "step_to", "E_INVALID_POSITION", move |r| r.step_to(id, x, y))?;
                covered.insert("step_to");
            }
        }
        let here = a.conn.db.character().id().find(&id).ok_or("my character")?;
        check(here.x == me.x && here.y == me.y, format!("position moved: ({}, {})", here.x, here.y))?;
        // In a fight, so the move reaches its validation.
        let loc = here.location_id.clone();
        let before: Vec<u64> = admin.conn.db.monster_instance().iter().map(|m| m.id).collect();
        let l = loc.clone();
        admin.ok("admin_spawn_monster", move |r| r.admin_spawn_monster("rat".into(), l))?;
        let mut rat = 0;
        wait_for("the spawned rat", Duration::from_secs(5), || {
            rat = admin.conn.db.monster_instance().iter().find(|m| !before.contains(&m.id)).map(|m| m.id).unwrap_or(0);
            rat != 0
        })?;
        a.ok("start_combat", move |r| r.start_combat(id, vec![], vec![rat]))?;
        for &v in &BAD[..3] {
            let v = v as f32;
            for (x, y) in [(v, 1.0f32), (1.0, v)] {
                refused(&a, "move_in_combat", "E_INVALID_POSITION", move |r| r.move_in_combat(id, x, y))?;
                covered.insert("move_in_combat");
            }
        }
        for &v in &BAD[..3] {
            for k in 0..4 {
                let mut f = [10.0, 10.0, 5.0, 60.0];
                f[k] = v;
                let l = loc.clone();
                let code = ["E_INVALID_POSITION", "E_INVALID_POSITION", "E_INVALID_RADIUS", "E_INVALID_TTL"][k];
                // An item of the ruleset, so the float is the only thing wrong with the call.
                let item = if env.ruleset == "lite" { "healing_draught" } else { "dagger" };
                refused(&admin, "admin_spawn_world_item", code, move |r| {
                    r.admin_spawn_world_item(item.into(), 1, l, f[0], f[1], f[2], f[3])
                })?;
                covered.insert("admin_spawn_world_item");
            }
        }
        let bad_rows: Vec<u64> = admin
            .conn
            .db
            .item_instance()
            .iter()
            .filter(|i| !(i.x.is_finite() && i.y.is_finite() && i.contact_radius_ft.is_finite()))
            .map(|i| i.uid)
            .collect();
        check(bad_rows.is_empty(), format!("items with non-finite coordinates: {bad_rows:?}"))?;
        let want: std::collections::BTreeSet<&str> = FLOAT_REDUCERS.iter().copied().collect();
        check(covered == want, format!("covered {covered:?}, FLOAT_REDUCERS {want:?}"))?;
        crate::scenarios::items::invariants(&admin)
    });

    r.run("reliability: private tables are refused to a non-owner's subscription", || {
        let list = std::env::var("WK_PRIVATE_TABLES")
            .map_err(|_| "WK_PRIVATE_TABLES not set (scripts/test.sh sets it from `reliability.py private-tables`)")?;
        let tables: Vec<String> = list.split(',').filter(|t| !t.is_empty()).map(String::from).collect();
        check(!tables.is_empty(), "WK_PRIVATE_TABLES is empty")?;
        let c = Client::fresh(env)?;
        let mut leaked = Vec::new();
        for t in &tables {
            let (tx, rx) = channel::<Result<(), String>>();
            let tx2 = tx.clone();
            c.conn
                .subscription_builder()
                .on_applied(move |_| {
                    let _ = tx.send(Ok(()));
                })
                .on_error(move |_c, e| {
                    let _ = tx2.send(Err(e.to_string()));
                })
                .subscribe([format!("SELECT * FROM {t}")]);
            match rx.recv_timeout(Duration::from_secs(10)) {
                Ok(Err(_)) => {}
                Ok(Ok(())) => leaked.push(t.clone()),
                Err(_) => return Err(format!("no answer to subscribing to {t}")),
            }
        }
        check(leaked.is_empty(), format!("a non-owner subscribed to private tables {leaked:?}"))?;
        check(c.conn.is_active(), "the connection survived the refused subscriptions")
    });
}
