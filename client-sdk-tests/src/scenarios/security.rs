//! Scenarios: a world safe to open to strangers. Each one is an attack (or a broken
//! promise) tried as a stranger would, and refused with its code.

use crate::harness::{check, check_eq, unique, wait_for, Client, Env, Runner, TestResult};
use crate::http::{some_u64, HttpAgent};
use crate::module_bindings::*;
use crate::scenarios::combat::{combat_of, events_for_combat, set_turn_secs, spawn};
use crate::scenarios::foundation::{create, fixture, Fixture};
use crate::scenarios::world::travel;
use serde_json::{json, Value};
use spacetimedb_sdk::Table;
use std::time::Duration;

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

/// A consented duel: `a`'s character `x` challenges `b`'s `y`, `b` accepts; the fight id.
pub(crate) fn duel(a: &Client, x: u64, b: &Client, y: u64) -> Result<u64, String> {
    a.ok("challenge", move |r| r.challenge(x, y))?;
    let mut ch = 0;
    wait_for("the challenge row at its target", Duration::from_secs(5), || {
        ch = b
            .conn
            .db
            .pvp_challenge()
            .iter()
            .find(|c| c.challenger_id == x && c.target_id == y)
            .map(|c| c.id)
            .unwrap_or(0);
        ch != 0
    })?;
    b.ok("accept_challenge", move |r| r.accept_challenge(y, ch))?;
    let mut fight = 0;
    wait_for("the accepted duel's fight", Duration::from_secs(5), || {
        fight = combat_of(a, x).filter(|f| f.status == FightStatus::Active).map(|f| f.id).unwrap_or(0);
        fight != 0
    })?;
    Ok(fight)
}

fn challenge_of(c: &Client, x: u64, y: u64) -> Option<u64> {
    c.conn.db.pvp_challenge().iter().find(|ch| ch.challenger_id == x && ch.target_id == y).map(|ch| ch.id)
}

fn set_cfg(admin: &Client, k: &str, v: &str) -> TestResult {
    let (k, v) = (k.to_string(), v.to_string());
    admin.ok("admin_set_config", move |r| r.admin_set_config(k, v))
}

pub fn run(env: &Env, r: &mut Runner) {
    let fx: Fixture = fixture(env);
    let sturdy = if env.ruleset == "lite" { "orc" } else { "zombie" };

    // Every HTTP call connects and disconnects; the disconnect must not hand the agent's
    // character to the AI. Start, read whose turn it is, move, attack, end the turn: five calls.
    r.run("an HTTP agent plays its own turns in separate calls", || {
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
                wait_for(
                    "the AI takes the away agent's character when its turn runs out",
                    Duration::from_secs(10),
                    || !events_for_combat(&admin, cid, EventKind::CombatControl).is_empty(),
                )?;
                let ev = events_for_combat(&admin, cid, EventKind::CombatControl);
                check(ev.iter().any(|e| e.detail.contains("connected=false")), "a hand-over event (connected=false)")?;
            }
            Ok(())
        })();
        set_turn_secs(&admin, 60)?;
        res
    });

    // The attack (A starts a fight with B's character at the crossroads, B never
    // asked), then every way of consenting, and what consent never allows.
    r.run("PvP needs the target player's consent: challenge, accept, decline, expiry", || {
        let admin = Client::admin(env)?;
        let (a, b, c) = (Client::fresh(env)?, Client::fresh(env)?, Client::fresh(env)?);
        let x = create(&a, &fx, "Griefer")?.id;
        let y = create(&b, &fx, "Newcomer")?.id;
        let z = create(&c, &fx, "Bystander")?.id;
        a.fails_with("start_combat", "E_PVP_CONSENT_REQUIRED", move |r| r.start_combat(x, vec![y], vec![]))?;
        check(combat_of(&b, y).is_none(), "no fight for the newcomer")?;
        // A challenge; only its target can accept it.
        a.ok("challenge", move |r| r.challenge(x, y))?;
        wait_for("the challenge row", Duration::from_secs(5), || challenge_of(&b, x, y).is_some())?;
        let ch = challenge_of(&b, x, y).ok_or("challenge")?;
        c.fails_with("accept_challenge", "E_NOT_OWNER", move |r| r.accept_challenge(y, ch))?;
        c.fails_with("accept_challenge", "E_UNKNOWN_CHALLENGE", move |r| r.accept_challenge(z, ch))?;
        a.fails_with("accept_challenge", "E_UNKNOWN_CHALLENGE", move |r| r.accept_challenge(x, ch))?;
        // Declined: gone, no fight.
        b.ok("decline_challenge", move |r| r.decline_challenge(y, ch))?;
        wait_for("the declined challenge is gone", Duration::from_secs(5), || challenge_of(&a, x, y).is_none())?;
        b.fails_with("accept_challenge", "E_UNKNOWN_CHALLENGE", move |r| r.accept_challenge(y, ch))?;
        check(combat_of(&b, y).is_none(), "no fight after a decline")?;
        // Expired: its timer ends it.
        set_cfg(&admin, "challenge_ttl_secs", "2")?;
        let res = (|| -> TestResult {
            a.ok("challenge", move |r| r.challenge(x, y))?;
            wait_for("the second challenge", Duration::from_secs(5), || challenge_of(&b, x, y).is_some())?;
            let ch2 = challenge_of(&b, x, y).ok_or("challenge")?;
            wait_for("its timer ends the challenge", Duration::from_secs(8), || challenge_of(&b, x, y).is_none())?;
            b.fails_with("accept_challenge", "E_UNKNOWN_CHALLENGE", move |r| r.accept_challenge(y, ch2))
        })();
        set_cfg(&admin, "challenge_ttl_secs", "120")?;
        res?;
        // Accepted: the fight starts, both human.
        let fight = duel(&a, x, &b, y)?;
        let f = a.conn.db.combat_instance().id().find(&fight).ok_or("fight row")?;
        check_eq(f.mode, CombatMode::ClassicTurns, "a duel of two humans")?;
        // A third player cannot join a side with humans uninvited, nor the other.
        c.fails_with("join_combat", "E_INVITATION_REQUIRED", move |r| r.join_combat(z, fight, 2))?;
        c.fails_with("join_combat", "E_INVITATION_REQUIRED", move |r| r.join_combat(z, fight, 1))?;
        // B invites C onto B's side: C joins it (and only it).
        let mut side_b = 0;
        wait_for("B's combatant row", Duration::from_secs(5), || {
            side_b = b
                .conn
                .db
                .combatant()
                .iter()
                .find(|r| r.combat_id == fight && r.character_id == y)
                .map(|r| r.side)
                .unwrap_or(0);
            side_b != 0
        })?;
        let other_side = 3 - side_b;
        b.ok("invite_to_combat", move |r| r.invite_to_combat(y, z))?;
        c.fails_with("join_combat", "E_INVITATION_REQUIRED", move |r| r.join_combat(z, fight, other_side))?;
        c.ok("join_combat", move |r| r.join_combat(z, fight, side_b))?;
        let _ = a.call("flee", move |r| r.flee(x));
        let _ = b.call("flee", move |r| r.flee(y));
        Ok(())
    });

    r.run("PvP never at a safe location, never on a downed or travelling character", || {
        let admin = Client::admin(env)?;
        let (a, b) = (Client::fresh(env)?, Client::fresh(env)?);
        let x = create(&a, &fx, "Bully")?.id;
        let y = create(&b, &fx, "Villager")?.id;
        // Downed: 0 HP (not dead).
        let hp = b.conn.db.character().id().find(&y).map(|c| c.sheet.vitals.hp).ok_or("target row")?;
        admin.ok("admin_damage", move |r| r.admin_damage(y, hp))?;
        wait_for("the target at 0 HP", Duration::from_secs(5), || {
            a.conn.db.character().id().find(&y).is_some_and(|c| c.sheet.vitals.hp == 0)
        })?;
        a.fails_with("challenge", "E_TARGET_DOWN", move |r| r.challenge(x, y))?;
        let max = a.conn.db.character().id().find(&y).map(|c| c.sheet.vitals.max_hp).unwrap_or(10);
        admin.ok("admin_set_hp", move |r| r.admin_set_hp(y, max))?;
        // Travelling: on the road to the village.
        b.ok("move_to", move |r| r.move_to(y, "village".into()))?;
        a.fails_with("challenge", "E_TRAVELING", move |r| r.challenge(x, y))?;
        // Safe: both in the village, even a challenge is refused.
        wait_for("the target in the village", Duration::from_secs(15), || {
            a.conn.db.character().id().find(&y).is_some_and(|c| c.location_id == "village")
        })?;
        travel(&a, x, "village")?;
        a.fails_with("challenge", "E_SAFE_LOCATION", move |r| r.challenge(x, y))?;
        a.fails_with("start_combat", "E_SAFE_LOCATION", move |r| r.start_combat(x, vec![y], vec![]))
    });

    r.run("PvP location: only characters that both opted in fight without a challenge", || {
        let (a, b) = (Client::fresh(env)?, Client::fresh(env)?);
        let x = create(&a, &fx, "Gladiator")?.id;
        let y = create(&b, &fx, "Challenger")?.id;
        let arena = a.conn.db.location_def().iter().find(|l| l.pvp).map(|l| l.id).ok_or("no PvP location")?;
        check_eq(arena.as_str(), "old_road", "the shipped PvP location")?;
        let (ar1, ar2) = (arena.clone(), arena.clone());
        std::thread::scope(|s| {
            let t = s.spawn(|| travel(&b, y, &ar2));
            let r1 = travel(&a, x, &ar1);
            r1.and(t.join().unwrap_or(Err("travel thread".into())))
        })?;
        a.fails_with("start_combat", "E_PVP_CONSENT_REQUIRED", move |r| r.start_combat(x, vec![y], vec![]))?;
        a.ok("set_pvp_opt_in", move |r| r.set_pvp_opt_in(x, true))?;
        a.fails_with("start_combat", "E_PVP_CONSENT_REQUIRED", move |r| r.start_combat(x, vec![y], vec![]))?;
        b.ok("set_pvp_opt_in", move |r| r.set_pvp_opt_in(y, true))?;
        a.ok("start_combat", move |r| r.start_combat(x, vec![y], vec![]))?;
        wait_for("the arena fight", Duration::from_secs(5), || {
            combat_of(&b, y).is_some_and(|f| f.status == FightStatus::Active)
        })?;
        let _ = a.call("flee", move |r| r.flee(x));
        let _ = b.call("flee", move |r| r.flee(y));
        Ok(())
    });

    // X joins Y's side (one human side), then rewrites the house rules for Y's
    // character; a second identity of X "consents". Now: every other player with a human
    // character in the fight at proposal time must consent, and only they count.
    r.run("house rules change another player's character only with that player's consent", || {
        use crate::scenarios::profiles::{entry, profile};
        let admin = Client::admin(env)?;
        let (x_pl, y_pl, x_alt) = (Client::fresh(env)?, Client::fresh(env)?, Client::fresh(env)?);
        let x = create(&x_pl, &fx, "Meddler")?.id;
        let y = create(&y_pl, &fx, "Victim")?.id;
        let foe = spawn(&admin, sturdy, 1)?[0];
        y_pl.ok("start_combat", move |r| r.start_combat(y, vec![], vec![foe]))?;
        let mut cid = 0;
        wait_for("Y's fight", Duration::from_secs(5), || {
            cid = combat_of(&x_pl, y).filter(|f| f.status == FightStatus::Active).map(|f| f.id).unwrap_or(0);
            cid != 0
        })?;
        let mut side = 0;
        wait_for("Y's combatant row", Duration::from_secs(5), || {
            side = y_pl
                .conn
                .db
                .combatant()
                .iter()
                .find(|r| r.combat_id == cid && r.character_id == y)
                .map(|r| r.side)
                .unwrap_or(0);
            side != 0
        })?;
        y_pl.ok("invite_to_combat", move |r| r.invite_to_combat(y, x))?;
        x_pl.ok("join_combat", move |r| r.join_combat(x, cid, side))?;
        let harm = vec![profile("harm", "*", vec![entry("hp_bonus", -5, "", &[])])];
        let h = harm.clone();
        x_pl.fails_with("apply_profiles", "E_PROFILE_CONSENT_REQUIRED", move |r| r.apply_profiles(cid, h))?;
        let h = harm.clone();
        x_pl.ok("propose_profiles", move |r| r.propose_profiles(cid, h))?;
        let mut pid = 0;
        wait_for("the proposal", Duration::from_secs(5), || {
            pid = y_pl
                .conn
                .db
                .profile_proposal()
                .iter()
                .filter(|p| p.combat_id == cid && p.status == ProposalStatus::Pending)
                .map(|p| p.id)
                .max()
                .unwrap_or(0);
            pid != 0
        })?;
        let prop = y_pl.conn.db.profile_proposal().id().find(&pid).ok_or("proposal row")?;
        check_eq(prop.consenters.clone(), vec![y_pl.identity], "Y, and only Y, must consent")?;
        x_alt.fails_with("consent", "E_PROFILE_NOT_PARTICIPANT", move |r| r.consent(pid, ConsentDecision::Approve))?;
        x_pl.fails_with("consent", "E_PROFILE_SELF_CONSENT", move |r| r.consent(pid, ConsentDecision::Approve))?;
        check(admin.conn.db.profile_stack().combat_id().find(&cid).is_none(), "nothing applied without Y")?;
        y_pl.ok("consent", move |r| r.consent(pid, ConsentDecision::Reject))?;
        wait_for("rejected by Y", Duration::from_secs(5), || {
            admin.conn.db.profile_proposal().id().find(&pid).is_some_and(|p| p.status == ProposalStatus::Rejected)
        })?;
        check(admin.conn.db.profile_stack().combat_id().find(&cid).is_none(), "nothing applied after Y said no")?;
        let _ = x_pl.call("flee", move |r| r.flee(x));
        let _ = y_pl.call("flee", move |r| r.flee(y));
        Ok(())
    });
}
