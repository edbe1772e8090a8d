//! Scenarios: bounded input and per-identity limits (issue 18, items 5 and 6). Anyone can mint
//! identities, so each attack here is made as a stranger would make it, and refused with its
//! code: megabyte arguments and house-rule stacks, a flood of writes from one identity, a flood
//! of the event log from many, and open proposals and challenges without end.

use crate::harness::{check, unique, wait_for, Client, Env, Runner, TestResult};
use crate::module_bindings::*;
use crate::scenarios::combat::{combat_of, spawn};
use crate::scenarios::foundation::{create, fixture, Fixture};
use crate::scenarios::profiles::{entry, profile};
use crate::scenarios::security::http_player;
use serde_json::json;
use spacetimedb_sdk::Table;
use std::time::{Duration, Instant};

fn code(m: &str) -> &str {
    m.split(':').next().unwrap_or("").trim()
}

/// `c`'s character `id` in a fight with one sturdy monster (a solo fight: house rules apply
/// directly); the fight id.
fn solo_fight(admin: &Client, c: &Client, id: u64, sturdy: &str) -> Result<u64, String> {
    let foe = spawn(admin, sturdy, 1)?[0];
    c.ok("start_combat", move |r| r.start_combat(id, vec![], vec![foe]))?;
    let mut fight = 0;
    wait_for("the solo fight", Duration::from_secs(5), || {
        fight = combat_of(c, id).filter(|f| f.status == FightStatus::Active).map(|f| f.id).unwrap_or(0);
        fight != 0
    })?;
    Ok(fight)
}

fn side_of(c: &Client, fight: u64, id: u64) -> Result<u32, String> {
    let mut side = 0;
    wait_for("the combatant row", Duration::from_secs(5), || {
        side = c
            .conn
            .db
            .combatant()
            .iter()
            .find(|r| r.combat_id == fight && r.character_id == id)
            .map(|r| r.side)
            .unwrap_or(0);
        side != 0
    })?;
    Ok(side)
}

pub fn run(env: &Env, r: &mut Runner) {
    let fx: Fixture = fixture(env);
    let sturdy = if env.ruleset == "lite" { "orc" } else { "zombie" };

    // Item 5: megabytes in arguments. Today a 100 kB name is read whole and refused as an
    // invalid name, a 1 kB location id is looked up, and a house-rule stack carrying 40 kB in an
    // unused `key` is validated, applied and stored in rows rewritten on every action.
    r.run("limits: oversized strings, lists and house-rule stacks answer E_INPUT_TOO_LONG", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let (class, scores) = (fx.class.to_string(), fx.scores.clone());
        let huge = "n".repeat(100_000);
        a.fails_with("create_character", "E_INPUT_TOO_LONG", move |r| r.create_character(huge, class, scores, vec![]))?;
        let (class, scores) = (fx.class.to_string(), fx.scores.clone());
        a.fails_with("create_character", "E_INPUT_TOO_LONG", move |r| {
            r.create_character("Listy".into(), class, scores, vec!["athletics".into(); 1000])
        })?;
        check(
            !a.conn.db.character().iter().any(|c| c.owner == a.identity),
            "no character was created by the refused calls",
        )?;
        let me = create(&a, &fx, &unique("Bounded"))?.id;
        a.fails_with("move_to", "E_INPUT_TOO_LONG", move |r| r.move_to(me, "x".repeat(1000)))?;
        a.fails_with("ability_check", "E_INPUT_TOO_LONG", move |r| {
            r.ability_check(me, CheckKind::Skill("s".repeat(1000)), 10)
        })?;
        a.fails_with("start_combat", "E_INPUT_TOO_LONG", move |r| r.start_combat(me, vec![], vec![1; 65]))?;
        admin.fails_with("admin_set_config", "E_INPUT_TOO_LONG", |r| {
            r.admin_set_config("challenge_ttl_secs".into(), "9".repeat(100))
        })?;
        // A house-rule stack: 40 kB in the unused `key` of a valid entry.
        let fight = solo_fight(&admin, &a, me, sturdy)?;
        let fat = vec![profile("fat", "*", vec![entry("hp_bonus", 1, &"k".repeat(40_000), &[])])];
        a.fails_with("apply_profiles", "E_INPUT_TOO_LONG", move |r| r.apply_profiles(fight, fat))?;
        let many = vec![profile("wide", "*", vec![entry("hp_bonus", 0, "", &vec!["slot"; 5000])])];
        a.fails_with("apply_profiles", "E_INPUT_TOO_LONG", move |r| r.apply_profiles(fight, many))?;
        check(admin.conn.db.profile_stack().combat_id().find(&fight).is_none(), "no stack stored after the refusals")?;
        // A stack of ordinary size still applies.
        let small = vec![profile("small", "*", vec![entry("hp_bonus", 1, "", &[])])];
        a.ok("apply_profiles", move |r| r.apply_profiles(fight, small))?;
        let _ = a.call("flee", move |r| r.flee(me));
        Ok(())
    });

    // Item 6: one identity's writes. Today every call commits, as fast as it can send them.
    r.run("limits: one identity's burst of writes is refused with E_RATE_LIMITED and the wait", || {
        let admin = Client::admin(env)?;
        let cfg = admin.conn.db.config().id().find(&0).ok_or("config row")?;
        check(cfg.rate_limit_per_sec > 0, "the rate limit is on by default")?;
        let (rate, burst) = (cfg.rate_limit_per_sec as f64, cfg.rate_limit_burst as usize);
        let a = Client::fresh(env)?;
        let me = create(&a, &fx, &unique("Spammer"))?.id;
        let started = Instant::now();
        let (mut ok, mut limited) = (0usize, None);
        for _ in 0..(burst * 3 + 50) {
            match a.call("ability_check", move |r| r.ability_check(me, CheckKind::Ability(Ability::Str), 10))? {
                Ok(()) => ok += 1,
                Err(m) if code(&m) == "E_RATE_LIMITED" => {
                    limited = Some(m);
                    break;
                }
                Err(m) => return Err(format!("ability_check refused with {m}")),
            }
        }
        let secs = started.elapsed().as_secs_f64();
        let msg = limited.ok_or_else(|| format!("{ok} calls in {secs:.2} s, none refused"))?;
        // The burst, plus what refilled while it was sent (create_character took one call).
        let most = burst as f64 + rate * secs + 1.0;
        check(
            ok + 1 >= burst && (ok as f64) <= most,
            format!("{ok} calls committed in {secs:.2} s; want {burst}..={most:.0}"),
        )?;
        let wait: u64 = msg
            .split("retry in ")
            .nth(1)
            .and_then(|s| s.split(" ms").next())
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| format!("no `retry in N ms` in `{msg}`"))?;
        check(wait >= 1 && wait <= (1000.0 / rate).ceil() as u64, format!("wait {wait} ms for one call at {rate}/s"))?;
        std::thread::sleep(Duration::from_millis(wait + 20));
        a.ok("ability_check", move |r| r.ability_check(me, CheckKind::Ability(Ability::Str), 10))?;
        // Admins are exempt (the operator, scripts/bench.sh).
        for _ in 0..(burst + 20) {
            admin.ok("ability_check", move |r| r.ability_check(me, CheckKind::Ability(Ability::Dex), 10))?;
        }
        Ok(())
    });

    // Item 6: the event log. Today it is pruned oldest first, so anyone writing more than
    // `event_log_limit` events (with as many identities as the rate limit requires) pushes every
    // other player's events out within a second.
    r.run("limits: identities flooding the event log do not push out another player's event", || {
        let admin = Client::admin(env)?;
        let cfg = admin.conn.db.config().id().find(&0).ok_or("config row")?;
        let limit = cfg.event_log_limit as usize;
        let per = (cfg.rate_limit_burst as usize).clamp(1, 200);
        let attackers = (limit / per + 4).min(40);
        let b = Client::fresh(env)?;
        let quiet = create(&b, &fx, &unique("Quiet"))?.id;
        b.ok("ability_check", move |r| r.ability_check(quiet, CheckKind::Ability(Ability::Wis), 10))?;
        let mut mine = 0;
        wait_for("the quiet player's event", Duration::from_secs(5), || {
            mine = b
                .conn
                .db
                .world_event()
                .iter()
                .filter(|e| e.kind == EventKind::AbilityCheck && e.actors.first() == Some(&quiet))
                .map(|e| e.id)
                .max()
                .unwrap_or(0);
            mine != 0
        })?;
        // The flood: each attacker over HTTP (no subscription), until its first refusal.
        let fx2 = &fx;
        let results: Vec<Result<usize, String>> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..4)
                .map(|t| {
                    s.spawn(move || -> Result<usize, String> {
                        let mut written = 0;
                        for _ in (t..attackers).step_by(4) {
                            let (agent, id) = http_player(env, fx2, "Flood")?;
                            for _ in 0..per + 10 {
                                match agent.call("ability_check", json!([id, {"Ability": {"Str": []}}, 10]))? {
                                    Ok(()) => written += 1,
                                    Err(m) if code(&m) == "E_RATE_LIMITED" => break,
                                    Err(m) => return Err(format!("flood call refused with {m}")),
                                }
                            }
                        }
                        Ok(written)
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap_or(Err("flood thread panicked".into()))).collect()
        });
        let mut written = 0;
        for r in results {
            written += r?;
        }
        check(written > limit, format!("setup: the flood wrote {written} events, not more than the limit {limit}"))?;
        // The pruner runs every event_prune_ms: the log is back within its limit...
        let slack = 50;
        wait_for("the log pruned back to its limit", Duration::from_secs(15), || {
            admin.conn.db.world_event().count() as usize <= limit + slack
        })?;
        std::thread::sleep(Duration::from_millis(cfg.event_prune_ms.min(5000) + 500));
        // ...and the quiet player's event is still in it.
        check(
            admin.conn.db.world_event().id().find(&mine).is_some(),
            format!("the quiet player's event {mine} was pushed out by {written} events of {attackers} identities"),
        )?;
        let flood = admin
            .conn
            .db
            .world_event()
            .iter()
            .filter(|e| e.kind == EventKind::AbilityCheck && e.caused_by != b.identity)
            .count();
        check(flood < written, format!("the flood's own events were pruned ({flood} of {written} left)"))
    });

    // Item 6: open proposals of one identity. Today one identity in many fights keeps as many
    // consent requests open as it likes.
    r.run("limits: at most 3 pending house-rule proposals per identity (E_TOO_MANY_PROPOSALS)", || {
        let admin = Client::admin(env)?;
        let (x_pl, y_pl) = (Client::fresh(env)?, Client::fresh(env)?);
        let mut fights = Vec::new();
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for i in 0..4 {
            let x = create(&x_pl, &fx, &unique(&format!("Asker{i}")))?.id;
            let y = create(&y_pl, &fx, &unique(&format!("Asked{i}")))?.id;
            let fight = solo_fight(&admin, &y_pl, y, sturdy)?;
            let side = side_of(&y_pl, fight, y)?;
            y_pl.ok("invite_to_combat", move |r| r.invite_to_combat(y, x))?;
            x_pl.ok("join_combat", move |r| r.join_combat(x, fight, side))?;
            fights.push(fight);
            xs.push(x);
            ys.push(y);
        }
        let stack = vec![profile("ask", "*", vec![entry("hp_bonus", 1, "", &[])])];
        for &f in &fights[..3] {
            let s = stack.clone();
            x_pl.ok("propose_profiles", move |r| r.propose_profiles(f, s))?;
        }
        let (f4, s) = (fights[3], stack.clone());
        let res = x_pl.fails_with("propose_profiles", "E_TOO_MANY_PROPOSALS", move |r| r.propose_profiles(f4, s));
        let pending = || {
            y_pl.conn
                .db
                .profile_proposal()
                .iter()
                .filter(|p| p.proposer == x_pl.identity && p.status == ProposalStatus::Pending)
                .count()
        };
        let after = (|| -> TestResult {
            res?;
            wait_for("three pending proposals", Duration::from_secs(5), || pending() == 3)?;
            // A new proposal in a fight that has one supersedes it: still allowed.
            let (f1, s) = (fights[0], stack.clone());
            x_pl.ok("propose_profiles", move |r| r.propose_profiles(f1, s))?;
            // Once one is answered, another fight may be asked.
            let mut pid = 0;
            wait_for("the second fight's proposal", Duration::from_secs(5), || {
                pid = y_pl
                    .conn
                    .db
                    .profile_proposal()
                    .iter()
                    .filter(|p| p.combat_id == fights[1] && p.status == ProposalStatus::Pending)
                    .map(|p| p.id)
                    .max()
                    .unwrap_or(0);
                pid != 0
            })?;
            y_pl.ok("consent", move |r| r.consent(pid, ConsentDecision::Reject))?;
            let (f4, s) = (fights[3], stack.clone());
            x_pl.ok("propose_profiles", move |r| r.propose_profiles(f4, s))?;
            wait_for("three pending proposals again (fights 1, 3 and 4)", Duration::from_secs(5), || pending() == 3)
        })();
        for (&x, &y) in xs.iter().zip(&ys) {
            let _ = x_pl.call("flee", move |r| r.flee(x));
            let _ = y_pl.call("flee", move |r| r.flee(y));
        }
        after
    });

    // The challenge cap, live (it was tested natively only).
    r.run("limits: at most 5 open challenges per identity (E_TOO_MANY_CHALLENGES)", || {
        let (x_pl, y_pl) = (Client::fresh(env)?, Client::fresh(env)?);
        let x = create(&x_pl, &fx, &unique("Duelist"))?.id;
        let mut ys = Vec::new();
        for i in 0..6 {
            ys.push(create(&y_pl, &fx, &unique(&format!("Target{i}")))?.id);
        }
        for &y in &ys[..5] {
            x_pl.ok("challenge", move |r| r.challenge(x, y))?;
        }
        let y6 = ys[5];
        x_pl.fails_with("challenge", "E_TOO_MANY_CHALLENGES", move |r| r.challenge(x, y6))?;
        for &y in &ys[..5] {
            let ch =
                y_pl.conn.db.pvp_challenge().iter().find(|c| c.challenger_id == x && c.target_id == y).map(|c| c.id);
            if let Some(ch) = ch {
                let _ = y_pl.call("decline_challenge", move |r| r.decline_challenge(y, ch));
            }
        }
        Ok(())
    });
}
