//! Scenarios: checks and contests through the active ruleset (dice reach subscribers),
//! travel along the location graph with travel time honoured, rests, derived stats.

use crate::harness::{check, check_eq, wait_for, Client, Env, Runner, TestResult};
use crate::module_bindings::*;
use crate::scenarios::foundation::{create, fixture, Fixture};
use spacetimedb_sdk::Table;
use std::time::{Duration, Instant};

/// Ruleset-specific skill ids: (a skill the fixture class is proficient in, a deceptive skill, an
/// insight-like skill).
fn skills(env: &Env) -> (&'static str, &'static str, &'static str) {
    if env.ruleset == "lite" {
        ("agility", "charm", "wits")
    } else {
        ("stealth", "deception", "insight")
    }
}

fn events_of(c: &Client, kind: EventKind, actor: u64) -> Vec<WorldEvent> {
    c.conn.db.world_event().iter().filter(|e| e.kind == kind && e.actors.first() == Some(&actor)).collect()
}

fn location_of(c: &Client, id: u64) -> String {
    c.conn.db.character().id().find(&id).map(|ch| ch.location_id).unwrap_or_default()
}

/// Travel `id` from wherever it is to `to` (a neighbour) and wait for arrival.
pub(crate) fn travel(c: &Client, id: u64, to: &str) -> TestResult {
    let dest = to.to_string();
    c.ok("move_to", move |r| r.move_to(id, dest))?;
    wait_for(&format!("arrival at {to}"), Duration::from_secs(15), || location_of(c, id) == to)
}

fn with_config(
    admin: &Client,
    changes: &[(&str, &str)],
    restore: &[(&str, &str)],
    f: impl FnOnce() -> TestResult,
) -> TestResult {
    for (k, v) in changes {
        let (k, v) = (k.to_string(), v.to_string());
        admin.ok("admin_set_config", move |r| r.admin_set_config(k, v))?;
    }
    let res = f();
    for (k, v) in restore {
        let (k, v) = (k.to_string(), v.to_string());
        admin.ok("admin_set_config", move |r| r.admin_set_config(k, v))?;
    }
    res
}

pub fn run(env: &Env, r: &mut Runner) {
    let fx: Fixture = fixture(env);
    let (skill, deceive, insight) = skills(env);

    r.run("derived stats are published for a new character", || {
        let a = Client::fresh(env)?;
        let ch = create(&a, &fx, "Statty")?;
        wait_for("character_stats row", Duration::from_secs(5), || {
            a.conn.db.character_stats().character_id().find(&ch.id).is_some()
        })?;
        let st = a.conn.db.character_stats().character_id().find(&ch.id).ok_or("no stats")?.derived;
        if env.ruleset == "lite" {
            // lite: defense 7 + DEX bonus ((15-10) div 3 = 1), no armor
            check_eq(st.ac, 8, "lite AC")
        } else {
            // dnd5e rogue, DEX 15: unarmored AC 10 + 2; initiative +2; proficiency +2 at level 1;
            // carrying capacity STR 8 x 15
            check_eq(st.ac, 12, "AC")?;
            check_eq(st.initiative_bonus, 2, "initiative")?;
            check_eq(st.proficiency_bonus, 2, "proficiency bonus")?;
            check_eq(st.carrying_capacity_lb, 120, "carrying capacity")
        }
    });

    r.run("ability_check: event with the dice reaches another subscriber", || {
        let a = Client::fresh(env)?;
        let watcher = Client::fresh(env)?;
        let ch = create(&a, &fx, "Checker")?;
        let id = ch.id;
        a.ok("ability_check", move |r| r.ability_check(id, CheckKind::Skill(skill.into()), 12))?;
        a.ok("ability_check", move |r| r.ability_check(id, CheckKind::Ability(Ability::Str), 10))?;
        wait_for("two AbilityCheck events at the watcher", Duration::from_secs(5), || {
            events_of(&watcher, EventKind::AbilityCheck, id).len() == 2
        })?;
        for e in events_of(&watcher, EventKind::AbilityCheck, id) {
            check(!e.dice.is_empty(), format!("event without dice: {}", e.text))?;
            check(e.detail.contains("total=") && e.detail.contains("success="), format!("detail: {}", e.detail))?;
            let d = &e.dice[0];
            check(
                !d.rolls.is_empty() && d.total == d.rolls.iter().sum::<i32>() + d.modifier,
                format!("dice add up: {d:?}"),
            )?;
        }
        Ok(())
    });

    r.run("ability_check: rejections have their codes", || {
        let a = Client::fresh(env)?;
        let b = Client::fresh(env)?;
        let ch = create(&a, &fx, "Rejected")?;
        let id = ch.id;
        let before = events_of(&a, EventKind::AbilityCheck, id).len();
        a.fails_with("ability_check", "E_UNKNOWN_SKILL", move |r| {
            r.ability_check(id, CheckKind::Skill("basket_weaving".into()), 10)
        })?;
        a.fails_with("ability_check", "E_INVALID_DC", move |r| {
            r.ability_check(id, CheckKind::Ability(Ability::Dex), 0)
        })?;
        a.fails_with("ability_check", "E_INVALID_DC", move |r| {
            r.ability_check(id, CheckKind::Ability(Ability::Dex), 1000)
        })?;
        b.fails_with("ability_check", "E_NOT_OWNER", move |r| {
            r.ability_check(id, CheckKind::Ability(Ability::Dex), 10)
        })?;
        a.fails_with("ability_check", "E_UNKNOWN_CHARACTER", |r| {
            r.ability_check(u64::MAX, CheckKind::Ability(Ability::Dex), 10)
        })?;
        std::thread::sleep(Duration::from_millis(200));
        check_eq(events_of(&a, EventKind::AbilityCheck, id).len(), before, "no check events from rejected calls")
    });

    r.run("contest between two players' characters: both actors, both rolls", || {
        let a = Client::fresh(env)?;
        let b = Client::fresh(env)?;
        let liar = create(&a, &fx, "Liar")?;
        let mark = create(&b, &fx, "Mark")?;
        let (lid, mid) = (liar.id, mark.id);
        a.ok("contest", move |r| {
            r.contest(lid, mid, CheckKind::Skill(deceive.into()), CheckKind::Skill(insight.into()))
        })?;
        wait_for("Contest event", Duration::from_secs(5), || !events_of(&b, EventKind::Contest, lid).is_empty())?;
        let e = events_of(&b, EventKind::Contest, lid).remove(0);
        check_eq(e.actors.clone(), vec![lid, mid], "actors")?;
        check(e.dice.len() >= 2, format!("both sides rolled: {:?}", e.dice))?;
        check(e.detail.contains("actor_wins="), format!("detail: {}", e.detail))
    });

    r.run("contest: rejections have their codes", || {
        let a = Client::fresh(env)?;
        let b = Client::fresh(env)?;
        let x = create(&a, &fx, "Xan")?;
        let y = create(&b, &fx, "Yor")?;
        let (xid, yid) = (x.id, y.id);
        let ck = || CheckKind::Skill(deceive.into());
        let ins = || CheckKind::Skill(insight.into());
        a.fails_with("contest", "E_SAME_CHARACTER", move |r| r.contest(xid, xid, ck(), ins()))?;
        a.fails_with("contest", "E_UNKNOWN_CHARACTER", move |r| r.contest(xid, u64::MAX, ck(), ins()))?;
        b.fails_with("contest", "E_NOT_OWNER", move |r| r.contest(xid, yid, ck(), ins()))?;
        a.fails_with("contest", "E_UNKNOWN_SKILL", move |r| {
            r.contest(xid, yid, CheckKind::Skill("juggling".into()), ins())
        })?;
        travel(&b, yid, "village")?;
        a.fails_with("contest", "E_NOT_SAME_LOCATION", move |r| r.contest(xid, yid, ck(), ins()))
    });

    r.run("move_to: travel time honoured, arrival event, rejections", || {
        let a = Client::fresh(env)?;
        let ch = create(&a, &fx, "Walker")?;
        let id = ch.id;
        let start = ch.location_id.clone();
        check_eq(start.as_str(), "crossroads", "start")?;
        a.fails_with("move_to", "E_UNKNOWN_LOCATION", move |r| r.move_to(id, "atlantis".into()))?;
        a.fails_with("move_to", "E_NOT_A_NEIGHBOUR", move |r| r.move_to(id, "temple".into()))?;
        a.fails_with("move_to", "E_ALREADY_THERE", move |r| r.move_to(id, "crossroads".into()))?;
        let travel_secs = a
            .conn
            .db
            .location_def()
            .id()
            .find(&"crossroads".to_string())
            .and_then(|l| l.neighbours.iter().find(|e| e.to == "village").map(|e| e.travel_secs))
            .ok_or("crossroads-village edge missing")?;
        let sent = Instant::now();
        a.ok("move_to", move |r| r.move_to(id, "village".into()))?;
        check(a.conn.db.travel_state().character_id().find(&id).is_some(), "travel_state row while on the road")?;
        check_eq(location_of(&a, id), start.clone(), "still at the origin while travelling")?;
        a.fails_with("move_to", "E_TRAVELING", move |r| r.move_to(id, "forest_edge".into()))?;
        a.fails_with("ability_check", "E_TRAVELING", move |r| {
            r.ability_check(id, CheckKind::Ability(Ability::Wis), 10)
        })?;
        wait_for("arrival", Duration::from_secs(travel_secs as u64 + 5), || location_of(&a, id) == "village")?;
        let took = sent.elapsed();
        check(
            took >= Duration::from_secs(travel_secs as u64) - Duration::from_millis(300),
            format!("arrived too early: {took:?} for {travel_secs} s"),
        )?;
        check(a.conn.db.travel_state().character_id().find(&id).is_none(), "travel_state cleared")?;
        wait_for("Arrived event", Duration::from_secs(3), || !events_of(&a, EventKind::Arrived, id).is_empty())
    });

    r.run("clients cannot call the arrival timer", || {
        let a = Client::fresh(env)?;
        let ch = create(&a, &fx, "Sneaky")?;
        let id = ch.id;
        a.fails_with("arrive", "E_SCHEDULER_ONLY", move |r| {
            r.arrive(TravelTimer {
                scheduled_id: 1,
                scheduled_at: spacetimedb_sdk::ScheduleAt::Time(spacetimedb_sdk::Timestamp::now()),
                character_id: id,
            })
        })?;
        check_eq(location_of(&a, id), "crossroads".to_string(), "did not move")
    });

    r.run("rest: long rest needs a safe place, completes after its world time", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let ch = create(&a, &fx, "Sleeper")?;
        let id = ch.id;
        a.fails_with("rest", "E_NOT_SAFE_TO_REST", move |r| r.rest(id, RestKind::Long, 0))?;
        travel(&a, id, "village")?;
        let (short0, long0) = {
            let c = admin.conn.db.config().id().find(&0).ok_or("config")?;
            (c.rules.short_rest_secs.to_string(), c.rules.long_rest_secs.to_string())
        };
        with_config(
            &admin,
            &[("short_rest_secs", "1"), ("long_rest_secs", "2")],
            &[("long_rest_secs", &long0), ("short_rest_secs", &short0)],
            || {
                // hurt first, so the completed long rest has something to restore
                admin.ok("admin_set_hp", move |r| r.admin_set_hp(id, 1))?;
                wait_for("hurt", Duration::from_secs(5), || {
                    a.conn.db.character().id().find(&id).is_some_and(|c| c.sheet.vitals.hp == 1)
                })?;
                a.ok("rest", move |r| r.rest(id, RestKind::Long, 0))?;
                check(a.conn.db.rest_state().character_id().find(&id).is_some(), "rest_state row")?;
                a.fails_with("rest", "E_RESTING", move |r| r.rest(id, RestKind::Short, 0))?;
                wait_for("RestCompleted", Duration::from_secs(8), || {
                    !events_of(&a, EventKind::RestCompleted, id).is_empty()
                })?;
                check(a.conn.db.rest_state().character_id().find(&id).is_none(), "rest_state cleared")?;
                wait_for("a long rest restores all HP", Duration::from_secs(3), || {
                    a.conn.db.character().id().find(&id).is_some_and(|c| c.sheet.vitals.hp == c.sheet.vitals.max_hp)
                })
            },
        )
    });

    r.run("rest: stop_rest and travel interrupt; rejections", || {
        let a = Client::fresh(env)?;
        let ch = create(&a, &fx, "Fidget")?;
        let id = ch.id;
        a.fails_with("stop_rest", "E_NOT_RESTING", move |r| r.stop_rest(id))?;
        if env.ruleset == "dnd5e" {
            a.fails_with("rest", "E_NO_HIT_DICE", move |r| r.rest(id, RestKind::Short, 5))?;
        }
        a.ok("rest", move |r| r.rest(id, RestKind::Short, 0))?;
        a.ok("stop_rest", move |r| r.stop_rest(id))?;
        wait_for("RestInterrupted (stopped)", Duration::from_secs(3), || {
            events_of(&a, EventKind::RestInterrupted, id).len() == 1
        })?;
        a.ok("rest", move |r| r.rest(id, RestKind::Short, 0))?;
        a.ok("move_to", move |r| r.move_to(id, "village".into()))?;
        wait_for("RestInterrupted (travel)", Duration::from_secs(3), || {
            events_of(&a, EventKind::RestInterrupted, id).iter().any(|e| e.detail.contains("travel"))
        })?;
        check(a.conn.db.rest_state().character_id().find(&id).is_none(), "rest cleared by travel")
    });

    r.run("world actions gated off answer E_FEATURE_DISABLED", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let ch = create(&a, &fx, "Gated2")?;
        let id = ch.id;
        let mut res: TestResult = Ok(());
        for feature in ["social", "travel", "rest"] {
            let f = feature.to_string();
            admin.ok("admin_set_feature_enabled", move |r| r.admin_set_feature_enabled(f, false))?;
            let out = match feature {
                "social" => a.fails_with("ability_check", "E_FEATURE_DISABLED", move |r| {
                    r.ability_check(id, CheckKind::Ability(Ability::Dex), 10)
                }),
                "travel" => a.fails_with("move_to", "E_FEATURE_DISABLED", move |r| r.move_to(id, "village".into())),
                _ => a.fails_with("rest", "E_FEATURE_DISABLED", move |r| r.rest(id, RestKind::Short, 0)),
            };
            let f = feature.to_string();
            admin.ok("admin_set_feature_enabled", move |r| r.admin_set_feature_enabled(f, true))?;
            if res.is_ok() {
                res = out;
            }
        }
        res?;
        check_eq(location_of(&a, id), "crossroads".to_string(), "nothing moved while gated")
    });
}
