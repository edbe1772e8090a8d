//! Scenarios: fights on the live server are reproducible. AI-only fights (instant
//! resolution) and a human fight in RelaxedTurns with one turn that times out (the AI takes it)
//! are fought; their `combat_action_log` rows (and those of every other fight in the database)
//! are fetched through the SDK and replayed natively
//! by `wk-replay` (built with this run's ruleset; `scripts/test.sh` sets WK_REPLAY_BIN): every
//! step's state hash must match. A log with one altered hash must be reported as diverging.

use crate::harness::{check, check_eq, wait_for, Client, Env, Runner};
use crate::module_bindings::*;
use crate::scenarios::combat::{combat_of, events_for_combat, set_turn_secs, spawn};
use crate::scenarios::foundation::{create, fixture, Fixture};
use spacetimedb_sdk::Table;
use std::time::Duration;

fn log_of(c: &Client, combat_id: u64) -> Vec<CombatActionLog> {
    let mut v: Vec<CombatActionLog> =
        c.conn.db.combat_action_log().iter().filter(|r| r.combat_id == combat_id).collect();
    v.sort_by_key(|r| r.seq);
    v
}

/// The replay tool's CSV (see wk-replay's docs): combat_id, seq, rng_stream, state_hash, step,
/// and each fight's public dice record from `combat_instance` (commitment; seed and nonce once over).
fn to_csv(c: &Client, rows: &[CombatActionLog]) -> String {
    to_csv_with(rows, |id| c.conn.db.combat_instance().id().find(&id))
}

fn to_csv_with(rows: &[CombatActionLog], fight: impl Fn(u64) -> Option<CombatInstance>) -> String {
    let mut s = String::from("combat_id,seq,rng_stream,state_hash,step,seed_commitment,revealed_seed,seed_nonce\n");
    for r in rows {
        let stream = r.rng_stream.map(|n| n.to_string()).unwrap_or_default();
        let f = fight(r.combat_id);
        let commitment = f.as_ref().map(|f| f.seed_commitment.clone()).unwrap_or_default();
        let seed = f.as_ref().and_then(|f| f.revealed_seed).map(|n| n.to_string()).unwrap_or_default();
        let nonce = f.as_ref().map(|f| f.seed_nonce.clone()).unwrap_or_default();
        s.push_str(&format!(
            "{},{},{},{},{},{commitment},{seed},{nonce}\n",
            r.combat_id, r.seq, stream, r.state_hash, r.step
        ));
    }
    s
}

/// Run wk-replay on a CSV; (exit code, stdout).
fn replay_file(csv: &str, tag: &str) -> Result<(i32, String), String> {
    let bin = std::env::var("WK_REPLAY_BIN")
        .map_err(|_| "WK_REPLAY_BIN is not set: build wk-replay for this ruleset and point it there".to_string())?;
    let path = std::env::temp_dir().join(format!("wk-replay-{}-{tag}.csv", std::process::id()));
    std::fs::write(&path, csv).map_err(|e| format!("writing {}: {e}", path.display()))?;
    let out = std::process::Command::new(&bin)
        .arg("--file")
        .arg(&path)
        .output()
        .map_err(|e| format!("running {bin}: {e}"))?;
    let _ = std::fs::remove_file(&path);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    Ok((out.status.code().unwrap_or(-1), text))
}

/// A human fight against a rat with a 1 s turn timer: the human dodges and ends the turn once,
/// lets the next turn time out (the AI plays it), then flees. Returns the combat id.
fn human_fight(env: &Env, fx: &Fixture, admin: &Client) -> Result<u64, String> {
    let a = Client::fresh(env)?;
    let rat = spawn(admin, "rat", 1)?[0];
    let me = create(&a, fx, "Auditor")?;
    let id = me.id;
    a.ok("start_combat", move |r| r.start_combat(id, vec![], vec![rat]))?;
    let fight = combat_of(&a, id).ok_or("no combat")?;
    check_eq(fight.mode, CombatMode::RelaxedTurns, "mode")?;
    check_eq(fight.status, FightStatus::Active, "a fresh rat cannot end the fight before the human's turn")?;
    a.ok("dodge", move |r| r.dodge(id))?;
    a.ok("end_turn", move |r| r.end_turn(id))?;
    wait_for("the AI plays the timed-out turn", Duration::from_secs(8), || {
        log_of(&a, fight.id).iter().any(|r| r.source == CombatLogSource::Timeout)
            || combat_of(&a, id).is_some_and(|c| c.status != FightStatus::Active)
    })?;
    // Flee on a turn of mine: only a finished fight reveals its seed, and only then replays.
    wait_for("the human fight ends (I flee)", Duration::from_secs(10), || {
        if combat_of(&a, id).is_some_and(|c| c.status == FightStatus::Active && c.current_combatant == Some(id)) {
            let _ = a.call("flee", move |r| r.flee(id));
        }
        combat_of(&a, id).is_some_and(|c| c.status != FightStatus::Active)
    })?;
    Ok(fight.id)
}

pub fn run(env: &Env, r: &mut Runner) {
    let fx = fixture(env);

    r.run("replay: AI fights and a human fight with a timed-out turn replay natively, 100% match", || {
        let admin = Client::admin(env)?;
        // AI-only fights: two skirmishes and an AI character against goblins.
        let guard = if env.ruleset == "lite" { "bandit" } else { "guard" };
        let before = admin.conn.db.combat_instance().iter().map(|c| c.id).max().unwrap_or(0);
        for n in [2usize, 4] {
            let (a, b) = (vec![guard.to_string(); n], vec!["goblin".to_string(); n + 1]);
            admin.ok("admin_skirmish", move |r| r.admin_skirmish("crossroads".into(), a, b))?;
        }
        let goblins = spawn(&admin, "goblin", 2)?;
        let (class, scores) = (fx.other_class.to_string(), fx.scores.clone());
        admin.ok("admin_create_ai_character", move |r| {
            r.admin_create_ai_character("Replayer".into(), class, scores, vec![], None)
        })?;
        let mut sid = 0;
        wait_for("AI character", Duration::from_secs(5), || {
            sid = admin.conn.db.character().iter().find(|c| c.name == "Replayer" && c.is_ai).map(|c| c.id).unwrap_or(0);
            sid != 0
        })?;
        admin.ok("start_combat", move |r| r.start_combat(sid, vec![], goblins))?;
        // The human fight with a timeout.
        set_turn_secs(&admin, 1)?;
        let human = human_fight(env, &fx, &admin);
        set_turn_secs(&admin, 60)?;
        let human = human?;
        let mut ids: Vec<u64> =
            admin.conn.db.combat_instance().iter().map(|c| c.id).filter(|id| *id > before).collect();
        ids.sort();
        check(ids.len() >= 4 && ids.contains(&human), format!("fights fought: {ids:?}"))?;

        // Every fight has a contiguous log that starts with the start step.
        let mut rows = Vec::new();
        for id in &ids {
            let log = log_of(&admin, *id);
            check(!log.is_empty(), format!("combat {id} has a log"))?;
            check(log.iter().enumerate().all(|(i, r)| r.seq == i as u32), format!("combat {id}: seq 0, 1, 2..."))?;
            check_eq(log[0].source, CombatLogSource::Start, "the first entry is the start")?;
            check(log.iter().all(|r| r.state_hash.len() == 16 && !r.step.is_empty()), "hash and step stored")?;
            rows.extend(log);
        }
        let human_log = log_of(&admin, human);
        for want in [CombatLogSource::HumanCall, CombatLogSource::Timeout] {
            check(human_log.iter().any(|r| r.source == want), format!("the human fight logs a {want:?} step"))?;
        }
        let timeout = human_log.iter().find(|r| r.source == CombatLogSource::Timeout).ok_or("no timeout")?;
        check(timeout.rng_stream.is_some() && !timeout.lines.is_empty(), "the AI's turn drew dice and acted")?;
        check(rows.iter().any(|r| r.source == CombatLogSource::InstantResolution), "an instant resolution is logged")?;

        // Replay them all natively, with every other fight this database has seen (the combat
        // scenarios before this one: classic turns, potions, disconnects, rejections...).
        let mut all: Vec<CombatActionLog> = admin.conn.db.combat_action_log().iter().collect();
        all.sort_by_key(|r| (r.combat_id, r.seq));
        let mut every: Vec<u64> = all.iter().map(|r| r.combat_id).collect();
        every.dedup();
        check(ids.iter().all(|id| every.contains(id)), "this scenario's fights are among them")?;
        let (code, out) = replay_file(&to_csv(&admin, &all), "all")?;
        // Running fights keep their seed secret: only the finished ones replay.
        let finished =
            |id: &u64| admin.conn.db.combat_instance().id().find(id).is_some_and(|f| f.revealed_seed.is_some());
        check(ids.iter().all(finished), "this scenario's fights are over and their seeds revealed")?;
        let n = every.iter().filter(|id| finished(id)).count();
        check(code == 0 && out.contains(&format!("{n}/{n} match (100%)")), format!("wk-replay exit {code}:\n{out}"))?;

        // The check can fail: one altered hash in the human fight is a divergence at that step.
        let mut bad = human_log.clone();
        let k = bad.len() - 1;
        bad[k].state_hash = format!("{:016x}", u64::from_str_radix(&bad[k].state_hash, 16).unwrap_or(0) ^ 1);
        let (code, out) = replay_file(&to_csv(&admin, &bad), "bad")?;
        check(
            code == 1 && out.contains(&format!("divergence at action {k}")),
            format!("a tampered log diverges at action {k}: exit {code}:\n{out}"),
        )
    });

    // Fair dice: nobody can read a running fight's seed (so nobody can predict its rolls), the
    // public row commits to it from the start and reveals it at the end, where wk-replay checks
    // the commitment and replays the fight; an action that rolls nothing takes no dice.
    r.run("fair dice: a running fight's seed is secret, committed, revealed at the end and verified; free moves take no dice", || {
        let admin = Client::admin(env)?;
        set_turn_secs(&admin, 60)?;
        let a = Client::fresh(env)?;
        let rat = spawn(&admin, "rat", 1)?[0];
        let me = create(&a, &fx, "Dicer")?.id;
        a.ok("start_combat", move |r| r.start_combat(me, vec![], vec![rat]))?;
        let fight = combat_of(&a, me).ok_or("no combat")?;
        check_eq(fight.status, FightStatus::Active, "the fight runs")?;
        // A stranger's view of the running fight: a commitment, no seed anywhere public.
        let stranger = Client::fresh(env)?;
        let id = fight.id;
        let mut seen = None;
        wait_for("the fight in the stranger's cache", Duration::from_secs(5), || {
            seen = stranger.conn.db.combat_instance().id().find(&id);
            seen.is_some() && !log_of(&stranger, id).is_empty()
        })?;
        let seen = seen.ok_or("no fight row")?;
        check(
            seen.seed_commitment.len() == 64 && seen.seed_commitment.chars().all(|c| c.is_ascii_hexdigit()),
            format!("a SHA-256 commitment from the start: {:?}", seen.seed_commitment),
        )?;
        check(seen.revealed_seed.is_none() && seen.seed_nonce.is_empty(), "no seed or nonce while it runs")?;
        let start = log_of(&stranger, id).into_iter().next().ok_or("no start row")?;
        check(start.action.contains(" seed=0 "), format!("the public start step has the seed blanked: {}", start.action))?;
        let started = events_for_combat(&stranger, id, EventKind::CombatStarted);
        check(
            started.iter().all(|e| !e.detail.contains("seed=") && e.detail.contains("commitment=")),
            format!("the CombatStarted event carries the commitment, not the seed: {started:?}"),
        )?;
        // A zero-length move on my turn: logged, but no RNG stream taken.
        wait_for("my turn", Duration::from_secs(8), || combat_of(&a, me).is_some_and(|f| f.current_combatant == Some(me)))?;
        let pos = a.conn.db.combatant().iter().find(|c| c.combat_id == id && c.character_id == me).ok_or("my row")?;
        let (x, y) = (pos.x, pos.y);
        a.ok("move_in_combat", move |r| r.move_in_combat(me, x, y))?;
        let mut mv = None;
        wait_for("the move in the log", Duration::from_secs(5), || {
            mv = log_of(&a, id).into_iter().find(|r| r.action.starts_with("move"));
            mv.is_some()
        })?;
        let mv = mv.ok_or("no move row")?;
        check(mv.rng_stream.is_none(), format!("a zero-length move takes no dice stream: {:?}", mv.rng_stream))?;
        // The fight ends (I flee): seed and nonce are revealed; wk-replay verifies and replays.
        a.ok("flee", move |r| r.flee(me))?;
        let mut over = None;
        wait_for("the revealed seed", Duration::from_secs(5), || {
            over = a.conn.db.combat_instance().id().find(&id).filter(|f| f.revealed_seed.is_some());
            over.is_some()
        })?;
        let over = over.ok_or("not revealed")?;
        check(over.seed_commitment == seen.seed_commitment, "the commitment did not change")?;
        let log = log_of(&a, id);
        let (code, out) = replay_file(&to_csv(&a, &log), "fair")?;
        check(code == 0 && out.contains("1/1 match"), format!("wk-replay verifies and replays: exit {code}:\n{out}"))?;
        // The check can fail: another seed does not match the commitment.
        let mut forged = over.clone();
        forged.revealed_seed = over.revealed_seed.map(|s| s ^ 1);
        let (code, out) = replay_file(&to_csv_with(&log, |_| Some(forged.clone())), "forged")?;
        check(code == 1 && out.contains("COMMITMENT MISMATCH"), format!("a forged seed is refused: exit {code}:\n{out}"))?;
        Ok(())
    });
}
