//! Issue 18 scenarios: a world safe to open to strangers. Each one is an attack (or a broken
//! promise) from the issue, tried as a stranger would, and refused with its code.

use crate::harness::{check, check_eq, wait_for, Client, Env, Runner, TestResult};
use crate::http::{some_u64, HttpAgent};
use crate::module_bindings::*;
use crate::scenarios::combat::{events_for_combat, set_turn_secs, spawn};
use crate::scenarios::foundation::{fixture, Fixture};
use serde_json::{json, Value};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn unique(prefix: &str) -> String {
    let n = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros()).unwrap_or(0) % 1_000_000_000;
    format!("{prefix}{n}")
}

fn scores_json(fx: &Fixture) -> Value {
    let s = &fx.scores;
    json!({"str_": s.str, "dex": s.dex, "con": s.con, "int": s.int, "wis": s.wis, "cha": s.cha})
}

/// A fresh HTTP player with one character (its id).
pub(crate) fn http_player(env: &Env, fx: &Fixture, prefix: &str) -> Result<(HttpAgent, u64), String> {
    let agent = HttpAgent::new(&env.url, &env.db)?;
    let name = unique(prefix);
    agent.ok("create_character", json!([name, fx.class, scores_json(fx), []]))?;
    let rows = agent.sql("SELECT * FROM character")?;
    let id = rows
        .iter()
        .find(|r| r["name"] == name.as_str())
        .and_then(|r| r["id"].as_u64())
        .ok_or("the new character row is not in SELECT * FROM character")?;
    Ok((agent, id))
}

/// The agent's view of its fight, over SQL: (combat id, status tag, current combatant, turn_seq).
fn fight_state(a: &HttpAgent, combat_id: u64) -> Result<(String, Option<u64>, u64), String> {
    let rows = a.sql(&format!("SELECT * FROM combat_instance WHERE id = {combat_id}"))?;
    let f = rows.first().ok_or("no combat_instance row")?;
    let status = f["status"].as_object().and_then(|o| o.keys().next().cloned()).unwrap_or_default();
    Ok((status, some_u64(&f["current_combatant"]), f["turn_seq"].as_u64().unwrap_or(0)))
}

fn my_combatant(a: &HttpAgent, me: u64) -> Result<serde_json::Map<String, Value>, String> {
    let rows = a.sql(&format!("SELECT * FROM combatant WHERE character_id = {me}"))?;
    rows.into_iter().max_by_key(|r| r["combat_id"].as_u64()).ok_or_else(|| "no combatant row for me".into())
}

pub fn run(env: &Env, r: &mut Runner) {
    let fx: Fixture = fixture(env);
    let sturdy = if env.ruleset == "lite" { "orc" } else { "zombie" };

    // Item 7: every HTTP call connects and disconnects; the disconnect must not hand the agent's
    // character to the AI. Start, read whose turn it is, move, attack, end the turn: five calls.
    r.run("an HTTP agent plays its own turns in separate calls (issue 18)", || {
        let admin = Client::admin(env)?;
        set_turn_secs(&admin, 60)?;
        let res = (|| -> TestResult {
            let (agent, me) = http_player(env, &fx, "Courier")?;
            let foe = spawn(&admin, sturdy, 1)?[0];
            agent.ok("start_combat", json!([me, [], [foe]]))?;
            std::thread::sleep(Duration::from_millis(300)); // the disconnect after the call has run
            let row = my_combatant(&agent, me)?;
            let cid = row["combat_id"].as_u64().ok_or("combat id")?;
            let (status, cur, seq) = fight_state(&agent, cid)?;
            check_eq(status.as_str(), "Active", "the fight still runs after the starting call returned")?;
            check_eq(cur, Some(me), "it is the agent's turn (the AI did not play it at the disconnect)")?;
            check(row["connected"] == true, "the agent's combatant is still the agent's (connected)")?;
            // Close in and attack.
            let foes = agent.sql(&format!("SELECT * FROM combatant WHERE combat_id = {cid}"))?;
            let it = foes.iter().find(|r| r["monster_instance_id"] == foe).ok_or("the monster's combatant row")?;
            let target = it["combatant_id"].as_u64().ok_or("target id")?;
            let (mx, my) = (row["x"].as_f64().unwrap_or(0.0), row["y"].as_f64().unwrap_or(0.0));
            let (tx, ty) = (it["x"].as_f64().unwrap_or(0.0), it["y"].as_f64().unwrap_or(0.0));
            let d = ((tx - mx).powi(2) + (ty - my).powi(2)).sqrt();
            if d > 5.0 {
                let k = (d - 4.0) / d;
                agent.ok("move_in_combat", json!([me, mx + (tx - mx) * k, my + (ty - my) * k]))?;
            }
            agent.ok("attack", json!([me, target, 0]))?;
            std::thread::sleep(Duration::from_millis(300));
            let attacks = events_for_combat(&admin, cid, EventKind::CombatAction)
                .into_iter()
                .filter(|e| e.actors.first() == Some(&me) && e.detail.contains("kind=Attack"))
                .count();
            check(attacks >= 1, "the agent's attack is in the fight's events")?;
            let (status, cur, seq2) = fight_state(&agent, cid)?;
            if status != "Active" {
                return Err(format!("the fight ended after one attack ({status}); pick a sturdier foe"));
            }
            check_eq((cur, seq2), (Some(me), seq), "still the agent's turn after its attack")?;
            // A 3 s timer for the next turn: the agent ends its turn, the foe acts, the agent's next
            // turn comes; the agent stays away, so when that turn runs out the AI takes over.
            set_turn_secs(&admin, 3)?;
            agent.ok("end_turn", json!([me]))?;
            std::thread::sleep(Duration::from_millis(300));
            let (status, cur, seq3) = fight_state(&agent, cid)?;
            if status == "Active" {
                check(seq3 > seq, "the turn moved on after end_turn")?;
                check_eq(cur, Some(me), "the agent's turn again after the foe's")?;
                check(my_combatant(&agent, me)?["connected"] == true, "still the agent's after end_turn")?;
                wait_for("the AI takes the away agent's character when its turn runs out", Duration::from_secs(10), || {
                    !events_for_combat(&admin, cid, EventKind::CombatControl).is_empty()
                })?;
                let ev = events_for_combat(&admin, cid, EventKind::CombatControl);
                check(ev.iter().any(|e| e.detail.contains("connected=false")), "a hand-over event (connected=false)")?;
            }
            Ok(())
        })();
        set_turn_secs(&admin, 60)?;
        res
    });
}
