//! Scenarios: players, characters and every rejection, ownership, admin and scheduler
//! authorization, feature gates, the event log, the world clock.

use crate::harness::{check, check_eq, wait_for, Client, Env, Runner, TestResult};
use crate::module_bindings::*;
use spacetimedb_sdk::{DbContext, Table};
use std::time::Duration;

/// Per-ruleset fixtures: a valid class, valid scores and the expected level-1 HP.
#[derive(Clone)]
pub struct Fixture {
    pub class: &'static str,
    pub other_class: &'static str,
    pub scores: AbilityScores,
    pub bad_scores: AbilityScores,
    pub expected_hp: i32,
    pub skills: Vec<String>,
    pub bad_skill: &'static str,
}

pub fn fixture(env: &Env) -> Fixture {
    let scores = AbilityScores { str: 8, dex: 15, con: 14, int: 12, wis: 10, cha: 13 };
    if env.ruleset == "lite" {
        Fixture {
            class: "scout",
            other_class: "warrior",
            scores,
            // 17 is out of the lite range 6..=16
            bad_scores: AbilityScores { str: 17, dex: 10, con: 10, int: 10, wis: 10, cha: 10 },
            expected_hp: 10 + 6 + 1,
            skills: vec!["agility".into()],
            bad_skill: "arcana",
        }
    } else {
        Fixture {
            class: "rogue",
            other_class: "fighter",
            scores,
            // 16 is beyond point buy's 15
            bad_scores: AbilityScores { str: 16, dex: 8, con: 8, int: 8, wis: 8, cha: 8 },
            expected_hp: 8 + 2,
            skills: vec!["stealth".into(), "deception".into(), "insight".into(), "perception".into()],
            bad_skill: "arcana",
        }
    }
}

fn my_characters(c: &Client) -> Vec<Character> {
    c.conn.db.character().iter().filter(|ch| ch.owner == c.identity).collect()
}

pub fn create(c: &Client, fx: &Fixture, name: &str) -> Result<Character, String> {
    let n = name.to_string();
    let (class, scores) = (fx.class.to_string(), fx.scores.clone());
    c.ok("create_character", move |r| r.create_character(n, class, scores, vec![]))?;
    wait_for("the new character row", Duration::from_secs(5), || my_characters(c).iter().any(|ch| ch.name == name))?;
    my_characters(c).into_iter().find(|ch| ch.name == name).ok_or_else(|| "row vanished".into())
}

fn count_all(c: &Client) -> u64 {
    c.conn.db.character().count()
}

pub fn run(env: &Env, r: &mut Runner) {
    let fx = fixture(env);

    r.run("player row appears online on connect", || {
        let a = Client::fresh(env)?;
        wait_for("own player row online", Duration::from_secs(5), || {
            a.conn.db.player().identity().find(&a.identity).map(|p| p.online).unwrap_or(false)
        })?;
        let id = a.identity;
        a.disconnect();
        let watcher = Client::fresh(env)?;
        wait_for("player row offline after disconnect", Duration::from_secs(5), || {
            watcher.conn.db.player().identity().find(&id).map(|p| !p.online).unwrap_or(false)
        })
    });

    r.run("create_character: row, stats and an event another client sees", || {
        let a = Client::fresh(env)?;
        let watcher = Client::fresh(env)?;
        let skills = fx.skills.clone();
        let (class, scores) = (fx.class.to_string(), fx.scores.clone());
        a.ok("create_character", move |r| r.create_character("Ayla".into(), class, scores, skills))?;
        wait_for("character row", Duration::from_secs(5), || my_characters(&a).len() == 1)?;
        let ch = &my_characters(&a)[0];
        check_eq(ch.sheet.class_id.as_str(), fx.class, "class")?;
        check_eq(ch.sheet.vitals.hp, fx.expected_hp, "hp")?;
        check_eq(ch.sheet.vitals.max_hp, fx.expected_hp, "max_hp")?;
        check_eq(ch.sheet.level, 1, "level")?;
        check_eq(ch.is_ai, false, "is_ai")?;
        check_eq(ch.sheet.skill_proficiencies.clone(), fx.skills.clone(), "skills")?;
        let start = a.conn.db.config().id().find(&0).map(|c| c.start_location).unwrap_or_default();
        check_eq(ch.location_id.clone(), start, "start location")?;
        let id = ch.id;
        wait_for("CharacterCreated event at the watcher", Duration::from_secs(5), || {
            watcher
                .conn
                .db
                .world_event()
                .iter()
                .any(|e| e.kind == EventKind::CharacterCreated && e.actors.first() == Some(&id))
        })
    });

    r.run("create_character: default skills when none are picked", || {
        let a = Client::fresh(env)?;
        let ch = create(&a, &fx, "Defaulter")?;
        let class = a.conn.db.class_def().id().find(&fx.class.to_string()).ok_or("class_def row missing")?;
        let want: Vec<String> = class.skill_options.iter().take(class.skill_count as usize).cloned().collect();
        check_eq(ch.sheet.skill_proficiencies, want, "default skills")
    });

    r.run("create_character: every rejection has its code and writes nothing", || {
        let a = Client::fresh(env)?;
        create(&a, &fx, "Bren")?;
        let before = count_all(&a);
        let cases: Vec<(&str, String, String, AbilityScores, Vec<String>)> = vec![
            ("E_INVALID_NAME", "".into(), fx.class.into(), fx.scores.clone(), vec![]),
            ("E_INVALID_NAME", "x".repeat(33), fx.class.into(), fx.scores.clone(), vec![]),
            ("E_INVALID_NAME", " Bren2".into(), fx.class.into(), fx.scores.clone(), vec![]),
            ("E_INVALID_NAME", "Bad\u{7}Bell".into(), fx.class.into(), fx.scores.clone(), vec![]),
            ("E_NAME_TAKEN", "BREN".into(), fx.class.into(), fx.scores.clone(), vec![]),
            ("E_UNKNOWN_CLASS", "Cass".into(), "necromancer".into(), fx.scores.clone(), vec![]),
            ("E_INVALID_ABILITY_SCORES", "Cass".into(), fx.class.into(), fx.bad_scores.clone(), vec![]),
            ("E_INVALID_SKILLS", "Cass".into(), fx.class.into(), fx.scores.clone(), vec![fx.bad_skill.into()]),
            (
                "E_INVALID_SKILLS",
                "Cass".into(),
                fx.class.into(),
                fx.scores.clone(),
                vec![fx.skills[0].clone(); fx.skills.len().max(2)],
            ),
        ];
        for (code, name, class, scores, skills) in cases {
            a.fails_with("create_character", code, move |r| r.create_character(name, class, scores, skills))?;
        }
        std::thread::sleep(Duration::from_millis(200));
        check_eq(count_all(&a), before, "character count after rejections")
    });

    r.run("another player cannot delete your character", || {
        let a = Client::fresh(env)?;
        let b = Client::fresh(env)?;
        let ch = create(&a, &fx, "Mine")?;
        let id = ch.id;
        b.fails_with("delete_character", "E_NOT_OWNER", move |r| r.delete_character(id))?;
        b.fails_with("delete_character", "E_UNKNOWN_CHARACTER", |r| r.delete_character(u64::MAX))?;
        check(a.conn.db.character().id().find(&id).is_some(), "character survived")?;
        a.ok("delete_character", move |r| r.delete_character(id))?;
        wait_for("row deleted", Duration::from_secs(5), || a.conn.db.character().id().find(&id).is_none())
    });

    r.run("non-admins cannot call admin reducers", || {
        let a = Client::fresh(env)?;
        let me = a.identity;
        let scores = fx.scores.clone();
        let class = fx.class.to_string();
        a.fails_with("admin_set_feature_enabled", "E_NOT_ADMIN", |r| {
            r.admin_set_feature_enabled("characters".into(), false)
        })?;
        a.fails_with("admin_add_admin", "E_NOT_ADMIN", move |r| r.admin_add_admin(me))?;
        a.fails_with("admin_remove_admin", "E_NOT_ADMIN", move |r| r.admin_remove_admin(me))?;
        a.fails_with("admin_set_config", "E_NOT_ADMIN", |r| r.admin_set_config("event_log_limit".into(), "10".into()))?;
        a.fails_with("admin_reload_static_data", "E_NOT_ADMIN", |r| r.admin_reload_static_data())?;
        a.fails_with("admin_create_ai_character", "E_NOT_ADMIN", move |r| {
            r.admin_create_ai_character("Npc".into(), class, scores, vec![], None)
        })?;
        let gate = a.conn.db.feature_gate().feature().find(&"characters".to_string()).ok_or("gate row missing")?;
        check(gate.enabled, "gate still enabled")
    });

    r.run("clients (even admins) cannot call scheduled reducers", || {
        let a = Client::fresh(env)?;
        let admin = Client::admin(env)?;
        for c in [&a, &admin] {
            c.fails_with("world_tick", "E_SCHEDULER_ONLY", |r| {
                r.world_tick(WorldClock {
                    scheduled_id: 1,
                    scheduled_at: spacetimedb_sdk::ScheduleAt::Interval(Duration::from_secs(1).into()),
                })
            })?;
            c.fails_with("prune_event_log", "E_SCHEDULER_ONLY", |r| {
                r.prune_event_log(EventPruneTimer {
                    scheduled_id: 1,
                    scheduled_at: spacetimedb_sdk::ScheduleAt::Interval(Duration::from_secs(1).into()),
                })
            })?;
        }
        Ok(())
    });

    r.run("private admin table is not visible to players", || {
        // The database owner (the publisher) sees private tables by SpacetimeDB design; nobody else does.
        let a = Client::fresh(env)?;
        let owner = Client::admin(env)?;
        check_eq(a.conn.db.admin().count(), 0, "admin rows visible to a player")?;
        let seen = owner.conn.db.admin().iter().any(|r| r.identity == owner.identity);
        check(seen, "owner sees its own admin row")
    });

    r.run("feature gate off: E_FEATURE_DISABLED and nothing written; on again: works", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        admin.fails_with("admin_set_feature_enabled", "E_UNKNOWN_FEATURE", |r| {
            r.admin_set_feature_enabled("teleport".into(), false)
        })?;
        admin.ok("admin_set_feature_enabled", |r| r.admin_set_feature_enabled("characters".into(), false))?;
        let res = (|| -> TestResult {
            wait_for("gate row off", Duration::from_secs(5), || {
                a.conn.db.feature_gate().feature().find(&"characters".to_string()).map(|g| !g.enabled).unwrap_or(false)
            })?;
            let (class, scores) = (fx.class.to_string(), fx.scores.clone());
            a.fails_with("create_character", "E_FEATURE_DISABLED", move |r| {
                r.create_character("Gated".into(), class, scores, vec![])
            })?;
            check(my_characters(&a).is_empty(), "no row while gated")
        })();
        admin.ok("admin_set_feature_enabled", |r| r.admin_set_feature_enabled("characters".into(), true))?;
        res?;
        create(&a, &fx, "Ungated").map(|_| ())
    });

    r.run("admins: add, act, remove; the last admin stays", || {
        let admin = Client::admin(env)?;
        let b = Client::fresh(env)?;
        let bid = b.identity;
        admin.ok("admin_add_admin", move |r| r.admin_add_admin(bid))?;
        b.ok("admin_set_config", |r| r.admin_set_config("max_characters_per_player".into(), "8".into()))?;
        b.fails_with("admin_set_config", "E_INVALID_CONFIG", |r| r.admin_set_config("no_such_key".into(), "1".into()))?;
        b.fails_with("admin_set_config", "E_INVALID_CONFIG", |r| {
            r.admin_set_config("event_log_limit".into(), "-5".into())
        })?;
        admin.ok("admin_remove_admin", move |r| r.admin_remove_admin(bid))?;
        b.fails_with("admin_set_config", "E_NOT_ADMIN", |r| {
            r.admin_set_config("max_characters_per_player".into(), "8".into())
        })?;
        let me = admin.identity;
        admin.fails_with("admin_remove_admin", "E_LAST_ADMIN", move |r| r.admin_remove_admin(me))
    });

    r.run("character limit per player from config", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        admin.ok("admin_set_config", |r| r.admin_set_config("max_characters_per_player".into(), "2".into()))?;
        let res = (|| -> TestResult {
            create(&a, &fx, "One")?;
            create(&a, &fx, "Two")?;
            let (class, scores) = (fx.class.to_string(), fx.scores.clone());
            a.fails_with("create_character", "E_TOO_MANY_CHARACTERS", move |r| {
                r.create_character("Three".into(), class, scores, vec![])
            })
        })();
        admin.ok("admin_set_config", |r| r.admin_set_config("max_characters_per_player".into(), "8".into()))?;
        res
    });

    r.run("admin creates AI characters; unknown owner rejected", || {
        let admin = Client::admin(env)?;
        let (class, scores) = (fx.other_class.to_string(), fx.scores.clone());
        admin.ok("admin_create_ai_character", move |r| {
            r.admin_create_ai_character("Guard Captain".into(), class, scores, vec![], None)
        })?;
        wait_for("AI character row", Duration::from_secs(5), || {
            admin.conn.db.character().iter().any(|c| c.name == "Guard Captain" && c.is_ai && c.owner != admin.identity)
        })?;
        let ghost = spacetimedb_sdk::Identity::from_byte_array([7; 32]);
        let (class, scores) = (fx.other_class.to_string(), fx.scores.clone());
        admin.fails_with("admin_create_ai_character", "E_UNKNOWN_PLAYER", move |r| {
            r.admin_create_ai_character("Ghost".into(), class, scores, vec![], Some(ghost))
        })
    });

    r.run("the world clock ticks", || {
        let a = Client::fresh(env)?;
        let t0 = a.conn.db.world_state().id().find(&0).ok_or("world_state row missing")?.tick;
        wait_for("two more ticks", Duration::from_secs(6), || {
            a.conn.db.world_state().id().find(&0).map(|s| s.tick >= t0 + 2).unwrap_or(false)
        })
    });

    r.run("event log is pruned to the configured limit", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        admin.ok("admin_set_config", |r| r.admin_set_config("event_prune_ms".into(), "200".into()))?;
        admin.ok("admin_set_config", |r| r.admin_set_config("event_log_limit".into(), "10".into()))?;
        let res = (|| -> TestResult {
            for i in 0..6 {
                create(&a, &fx, &format!("Spam{i}"))?;
            }
            wait_for("event log at most 10 rows", Duration::from_secs(5), || a.conn.db.world_event().count() <= 10)?;
            // the newest events are the ones kept
            check(a.conn.db.world_event().iter().any(|e| e.text.contains("Spam5")), "newest event kept")
        })();
        admin.ok("admin_set_config", |r| r.admin_set_config("event_log_limit".into(), "1000".into()))?;
        admin.ok("admin_set_config", |r| r.admin_set_config("event_prune_ms".into(), "1000".into()))?;
        res
    });

    r.run("admin_reload_static_data keeps the class table", || {
        let admin = Client::admin(env)?;
        let before = admin.conn.db.class_def().count();
        admin.ok("admin_reload_static_data", |r| r.admin_reload_static_data())?;
        std::thread::sleep(Duration::from_millis(300));
        check_eq(admin.conn.db.class_def().count(), before, "class_def rows")?;
        check(before > 0, "classes loaded")
    });

    r.run("ping answers", || {
        let a = Client::fresh(env)?;
        a.ok("ping", |r| r.ping())?;
        check(a.conn.try_identity().is_some(), "identity known")
    });
}
