//! Scenarios: bounded storage (issue 18, item 4). Nothing a player does may grow a table
//! forever: an action-queue fight nobody plays ends, a finished fight goes with every row of it
//! after the retention window, and a `player` row of an identity that never made a character
//! goes after its grace period. Each shortens its config key as admin and puts it back.

use crate::harness::{check, check_eq, unique, wait_for, Client, Env, Runner, TestResult};
use crate::http::HttpAgent;
use crate::module_bindings::*;
use crate::scenarios::combat::{combat_of, events_for_combat};
use crate::scenarios::foundation::{create, fixture, Fixture};
use spacetimedb_sdk::Table;
use std::time::Duration;

fn set_cfg(admin: &Client, k: &str, v: &str) -> TestResult {
    let (k, v) = (k.to_string(), v.to_string());
    admin.ok("admin_set_config", move |r| r.admin_set_config(k, v))
}

/// Run `body` with config `key` set to `value`, then put the default back (also on failure).
fn with_cfg(admin: &Client, key: &str, value: &str, default: &str, body: impl FnOnce() -> TestResult) -> TestResult {
    set_cfg(admin, key, value)?;
    let res = body();
    let restored = set_cfg(admin, key, default);
    res.and(restored)
}

/// The admin's SQL, which reads private tables too (the database owner).
fn owner_sql(env: &Env) -> Result<HttpAgent, String> {
    let token = env.admin_token.clone().ok_or("WK_ADMIN_TOKEN not set")?;
    Ok(HttpAgent::with_token(&env.url, &env.db, &token))
}

fn rows(sql: &HttpAgent, q: &str) -> Result<usize, String> {
    Ok(sql.sql(q)?.len())
}

/// Four characters of one player in one fight: more humans than classic turns take, so an
/// action-queue fight. Nobody acts. Returns (the player, the starter's id, the fight).
fn idle_queue_fight(env: &Env, fx: &Fixture) -> Result<(Client, u64, CombatInstance), String> {
    let a = Client::fresh(env)?;
    let mut ids = Vec::new();
    for k in 0..4 {
        ids.push(create(&a, fx, &unique(&format!("Idler{k}")))?.id);
    }
    let (me, others) = (ids[0], ids[1..].to_vec());
    a.ok("start_combat", move |r| r.start_combat(me, others, vec![]))?;
    let mut fight = None;
    wait_for("the fight's row", Duration::from_secs(5), || {
        fight = combat_of(&a, me);
        fight.is_some()
    })?;
    let fight = fight.ok_or("no fight")?;
    check_eq(fight.mode, CombatMode::ActionQueues, "four humans fight in action queues")?;
    Ok((a, me, fight))
}

fn ended(c: &Client, id: u64) -> bool {
    c.conn.db.combat_instance().id().find(&id).is_some_and(|f| f.status != FightStatus::Active)
}

pub fn run(env: &Env, r: &mut Runner) {
    let fx: Fixture = fixture(env);

    // The attack: four characters start a fight and never act; before, the fight logged a
    // QueueTick step every world tick forever.
    r.run("storage: an action-queue fight where no human acts ends after queue_idle_secs (reason=idle)", || {
        let admin = Client::admin(env)?;
        with_cfg(&admin, "queue_idle_secs", "3", "300", || {
            let (a, _me, fight) = idle_queue_fight(env, &fx)?;
            wait_for("the idle fight ends", Duration::from_secs(15), || ended(&a, fight.id))?;
            let f = a.conn.db.combat_instance().id().find(&fight.id).ok_or("the fight's row")?;
            check_eq(f.winner, None, "an idle end has no winner")?;
            check(f.summary.contains("idle"), format!("the summary names the reason: {}", f.summary))?;
            check(f.revealed_seed.is_some(), "the idle end reveals the seed like any end")?;
            let mut end = Vec::new();
            wait_for("its CombatEnded event", Duration::from_secs(5), || {
                end = events_for_combat(&admin, fight.id, EventKind::CombatEnded);
                !end.is_empty()
            })?;
            check(end[0].detail.contains("reason=idle"), format!("CombatEnded says reason=idle: {}", end[0].detail))?;
            // The log stops growing once it ended.
            let sql = owner_sql(env)?;
            let q = format!("SELECT id FROM combat_action_log WHERE combat_id = {}", fight.id);
            let n = rows(&sql, &q)?;
            std::thread::sleep(Duration::from_millis(2500));
            check_eq(rows(&sql, &q)?, n, "no step is logged after the idle end")
        })
    });

    r.run("storage: a human who acts keeps an action-queue fight alive past queue_idle_secs", || {
        let admin = Client::admin(env)?;
        with_cfg(&admin, "queue_idle_secs", "4", "300", || {
            let (a, me, fight) = idle_queue_fight(env, &fx)?;
            // A 1 ft step every 2 s (movement, not an action: the budget lasts).
            for k in 0..4 {
                std::thread::sleep(Duration::from_secs(2));
                let row = a
                    .conn
                    .db
                    .combatant()
                    .iter()
                    .find(|c| c.combat_id == fight.id && c.combatant_id == me)
                    .ok_or("my combatant row")?;
                let x = if k % 2 == 0 { row.x + 1.0 } else { row.x - 1.0 };
                let y = row.y;
                a.ok("move_in_combat", move |r| r.move_in_combat(me, x, y))?;
            }
            check(!ended(&a, fight.id), "8 s with an action every 2 s: still running (idle limit 4 s)")?;
            wait_for("then, left alone, it ends", Duration::from_secs(15), || ended(&a, fight.id))
        })
    });

    // A finished fight is deleted whole after the retention window: instance, combatants,
    // action log and the private state and seed.
    r.run("storage: a finished fight and every row of it are pruned after fight_retention_secs", || {
        let admin = Client::admin(env)?;
        let sql = owner_sql(env)?;
        with_cfg(&admin, "queue_idle_secs", "2", "300", || {
            let (a, _me, fight) = idle_queue_fight(env, &fx)?;
            wait_for("the fight ends", Duration::from_secs(15), || ended(&a, fight.id))?;
            let id = fight.id;
            check(rows(&sql, &format!("SELECT id FROM combat_action_log WHERE combat_id = {id}"))? > 0, "a log")?;
            check(a.conn.db.combatant().iter().any(|c| c.combat_id == id), "combatant rows")?;
            // Within the default retention (an hour) it stays.
            std::thread::sleep(Duration::from_millis(2500));
            check(a.conn.db.combat_instance().id().find(&id).is_some(), "kept within the retention window")?;
            with_cfg(&admin, "fight_retention_secs", "2", "3600", || {
                wait_for("the fight's row is pruned", Duration::from_secs(15), || {
                    a.conn.db.combat_instance().id().find(&id).is_none()
                })?;
                check(!a.conn.db.combatant().iter().any(|c| c.combat_id == id), "its combatants are gone")?;
                for t in ["combat_action_log", "combatant", "profile_validation", "profile_proposal", "action_cooldown"]
                {
                    check_eq(rows(&sql, &format!("SELECT * FROM {t} WHERE combat_id = {id}"))?, 0, t)?;
                }
                for t in ["combat_state", "combat_seed", "profile_stack"] {
                    check_eq(rows(&sql, &format!("SELECT * FROM {t} WHERE combat_id = {id}"))?, 0, t)?;
                }
                Ok(())
            })
        })
    });

    // A running fight is never pruned, however old: only finished ones.
    r.run("storage: fight_retention_secs never prunes a running fight", || {
        let admin = Client::admin(env)?;
        with_cfg(&admin, "fight_retention_secs", "1", "3600", || {
            let (a, _me, fight) = idle_queue_fight(env, &fx)?;
            std::thread::sleep(Duration::from_secs(3));
            let f = a.conn.db.combat_instance().id().find(&fight.id).ok_or("the running fight was pruned")?;
            check_eq(f.status, FightStatus::Active, "still running")?;
            let stay = a.conn.db.combatant().iter().any(|c| c.combat_id == fight.id && c.active);
            check(stay, "its combatants stay")
        })?;
        // Leave nothing running behind: end it the idle way.
        with_cfg(&admin, "queue_idle_secs", "1", "300", || {
            let a = Client::fresh(env)?;
            wait_for("the fight ends", Duration::from_secs(15), || {
                a.conn
                    .db
                    .combat_instance()
                    .iter()
                    .all(|f| f.mode != CombatMode::ActionQueues || f.status != FightStatus::Active)
            })
        })
    });

    // Identities are free to mint: one that connects and never makes a character must not keep
    // a row for ever. One with a character keeps its row.
    r.run("storage: player rows of identities that never made a character are pruned after player_grace_secs", || {
        let admin = Client::admin(env)?;
        with_cfg(&admin, "player_grace_secs", "2", "3600", || {
            let ghost = Client::fresh(env)?;
            let ghost_id = ghost.identity;
            let keeper = Client::fresh(env)?;
            let keeper_id = keeper.identity;
            create(&keeper, &fx, &unique("Keeper"))?;
            wait_for("both player rows", Duration::from_secs(5), || {
                admin.conn.db.player().identity().find(&ghost_id).is_some()
                    && admin.conn.db.player().identity().find(&keeper_id).is_some()
            })?;
            // Connected: never pruned, whatever the grace.
            std::thread::sleep(Duration::from_secs(4));
            check(admin.conn.db.player().identity().find(&ghost_id).is_some(), "a connected player stays")?;
            ghost.disconnect();
            keeper.disconnect();
            wait_for("the characterless player's row is pruned", Duration::from_secs(15), || {
                admin.conn.db.player().identity().find(&ghost_id).is_none()
            })?;
            check(admin.conn.db.player().identity().find(&keeper_id).is_some(), "a player with a character stays")
        })
    });
}
