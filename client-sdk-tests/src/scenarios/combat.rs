//! Combat scenarios: an AI-only fight resolves in one call; relaxed and classic turns with
//! ownership and turn order enforced; the effect of `attack`, `dodge`, `dash` and `join_combat`
//! seen in the rows and the dice log; a short turn timeout makes the AI act; a player who is away
//! when their turn runs out is handed to the AI; rejections with their codes.

use crate::harness::{check, check_eq, wait_for, Client, Env, Runner, TestResult};
use crate::module_bindings::*;
use crate::scenarios::foundation::{create, fixture, Fixture};
use spacetimedb_sdk::Table;
use std::time::Duration;

const SPAWN_AT: &str = "crossroads";

/// Spawn `n` monsters of `def` at the crossroads (admin) and return their instance ids.
pub(crate) fn spawn(admin: &Client, def: &str, n: usize) -> Result<Vec<u64>, String> {
    let before: Vec<u64> = admin.conn.db.monster_instance().iter().map(|m| m.id).collect();
    for _ in 0..n {
        let d = def.to_string();
        admin.ok("admin_spawn_monster", move |r| r.admin_spawn_monster(d, SPAWN_AT.into()))?;
    }
    let mut ids: Vec<u64> = Vec::new();
    // 10 s: on a loaded machine the subscription update can lag the reducer's result.
    let waited = wait_for("spawned monsters", Duration::from_secs(10), || {
        ids = admin
            .conn
            .db
            .monster_instance()
            .iter()
            .filter(|m| !before.contains(&m.id) && m.def_id == def && m.combat_id == 0)
            .map(|m| m.id)
            .collect();
        ids.len() >= n
    });
    if let Err(e) = waited {
        let seen: Vec<String> = admin
            .conn
            .db
            .monster_instance()
            .iter()
            .filter(|m| !before.contains(&m.id))
            .map(|m| format!("#{} {} at {} combat {}", m.id, m.def_id, m.location_id, m.combat_id))
            .collect();
        return Err(format!("{e}; new monster rows seen: [{}]", seen.join(", ")));
    }
    ids.sort();
    ids.truncate(n);
    Ok(ids)
}

/// The fight a character is (or was last) in.
pub(crate) fn combat_of(c: &Client, character_id: u64) -> Option<CombatInstance> {
    let ids: Vec<u64> =
        c.conn.db.combatant().iter().filter(|r| r.character_id == character_id).map(|r| r.combat_id).collect();
    ids.iter().max().and_then(|id| c.conn.db.combat_instance().id().find(id))
}

/// Step `me` to within 5 ft of `target` in fight `combat_id` (wherever its turn took it).
pub(crate) fn close_in(c: &Client, combat_id: u64, me: u64, target: u64) -> TestResult {
    let row = |cid: u64| c.conn.db.combatant().iter().find(|r| r.combat_id == combat_id && r.combatant_id == cid);
    let (mine, its) = (row(me).ok_or("my combatant row")?, row(target).ok_or("the target's combatant row")?);
    let (dx, dy) = (its.x - mine.x, its.y - mine.y);
    let dist = (dx * dx + dy * dy).sqrt();
    if dist > 5.0 {
        let k = (dist - 4.0) / dist;
        let (nx, ny) = (mine.x + dx * k, mine.y + dy * k);
        c.ok("move_in_combat", move |r| r.move_in_combat(me, nx, ny))?;
    }
    Ok(())
}

pub(crate) fn set_turn_secs(admin: &Client, secs: u32) -> TestResult {
    let mut modes = admin.conn.db.combat_config().id().find(&0).ok_or("combat_config row missing")?.modes;
    modes.relaxed_turn_secs = secs;
    modes.classic_turn_secs = secs;
    admin.ok("admin_set_combat_config", move |r| r.admin_set_combat_config(modes))
}

pub(crate) fn events_for_combat(c: &Client, combat_id: u64, kind: EventKind) -> Vec<WorldEvent> {
    let tag = format!("combat={combat_id};");
    c.conn.db.world_event().iter().filter(|e| e.kind == kind && e.detail.starts_with(&tag)).collect()
}

/// A fight's combatant row.
fn row_of(c: &Client, combat_id: u64, combatant_id: u64) -> Option<CombatantRow> {
    c.conn.db.combatant().iter().find(|r| r.combat_id == combat_id && r.combatant_id == combatant_id)
}

/// The `Attack` action events of `actor` on `target` in a fight.
fn attacks_by(c: &Client, combat_id: u64, actor: u64, target: u64) -> Vec<WorldEvent> {
    let tag = format!(";kind=Attack;actor={actor};target={target}");
    events_for_combat(c, combat_id, EventKind::CombatAction).into_iter().filter(|e| e.detail.ends_with(&tag)).collect()
}

/// A human against a fresh rat in relaxed turns, on the human's first turn: (client, character
/// id, fight, the rat's combatant id).
fn human_vs_rat(env: &Env, fx: &Fixture, name: &str) -> Result<(Client, u64, CombatInstance, u64), String> {
    let admin = Client::admin(env)?;
    let a = Client::fresh(env)?;
    let rat = spawn(&admin, "rat", 1)?[0];
    let id = create(&a, fx, name)?.id;
    a.ok("start_combat", move |r| r.start_combat(id, vec![], vec![rat]))?;
    let fight = combat_of(&a, id).ok_or("no combat")?;
    check_eq(fight.status, FightStatus::Active, "a fresh rat cannot end the fight before the human's first turn")?;
    check_eq(fight.current_combatant, Some(id), "after the AI's turns it is the human's turn")?;
    Ok((a, id, fight, 1u64 << 48 | rat))
}

pub fn run(env: &Env, r: &mut Runner) {
    let fx: Fixture = fixture(env);

    r.run("AI-only fight resolves in one call with its events", || {
        let admin = Client::admin(env)?;
        let goblins = spawn(&admin, "goblin", 2)?;
        let (class, scores) = (fx.other_class.to_string(), fx.scores.clone());
        admin.ok("admin_create_ai_character", move |r| {
            r.admin_create_ai_character("Sergeant".into(), class, scores, vec![], None)
        })?;
        let mut sid = 0;
        wait_for("AI character", Duration::from_secs(5), || {
            sid = admin.conn.db.character().iter().find(|c| c.name == "Sergeant" && c.is_ai).map(|c| c.id).unwrap_or(0);
            sid != 0
        })?;
        let g = goblins.clone();
        admin.ok("start_combat", move |r| r.start_combat(sid, vec![], g))?;
        wait_for("fight over", Duration::from_secs(5), || {
            combat_of(&admin, sid).map(|c| c.status != FightStatus::Active).unwrap_or(false)
        })?;
        let fight = combat_of(&admin, sid).ok_or("no combat row")?;
        check_eq(fight.mode, CombatMode::InstantResolution, "mode")?;
        check(!fight.summary.is_empty() && fight.summary.contains("round"), format!("summary: {}", fight.summary))?;
        wait_for("CombatEnded event", Duration::from_secs(3), || {
            !events_for_combat(&admin, fight.id, EventKind::CombatEnded).is_empty()
        })?;
        let actions = events_for_combat(&admin, fight.id, EventKind::CombatAction);
        check(actions.len() >= 3, format!("per-action events: {}", actions.len()))?;
        check(actions.iter().any(|e| !e.dice.is_empty()), "actions carry their dice")?;
        check(actions.iter().any(|e| e.detail.contains(";kind=Attack;")), "attacks are events")?;
        // The turn markers of an instant fight are in its action log, not in the events.
        let markers: Vec<&WorldEvent> = actions
            .iter()
            .filter(|e| e.detail.contains(";kind=TurnStart;") || e.detail.contains(";kind=EndTurn;"))
            .collect();
        check(markers.is_empty(), format!("turn markers written as events: {}", markers.len()))?;
        let logged: Vec<String> = admin
            .conn
            .db
            .combat_action_log()
            .iter()
            .filter(|l| l.combat_id == fight.id && l.source == CombatLogSource::InstantResolution)
            .flat_map(|l| l.lines)
            .collect();
        check(
            logged.iter().any(|l| l.starts_with("[TurnStart]")) && logged.iter().any(|l| l.starts_with("[EndTurn]")),
            format!("the instant step's log keeps the turn markers ({} lines)", logged.len()),
        )?;
        check(
            admin.conn.db.combatant().iter().filter(|r| r.combat_id == fight.id).all(|r| !r.active),
            "combatants released",
        )?;
        // loot of the slain lies on the ground where the fight was
        for e in admin.conn.db.world_event().iter().filter(|e| e.kind == EventKind::LootDropped) {
            let uid: u64 =
                e.detail.split(';').find_map(|kv| kv.strip_prefix("uid=")).and_then(|v| v.parse().ok()).unwrap_or(0);
            if let Some(item) = admin.conn.db.item_instance().uid().find(&uid) {
                check(
                    item.place == PlaceKind::Ground && item.location_id == SPAWN_AT,
                    format!("loot {uid} on the ground"),
                )?;
            }
        }
        // dead goblins are gone, survivors are free again
        for id in goblins {
            if let Some(m) = admin.conn.db.monster_instance().id().find(&id) {
                check(m.combat_id == 0 && m.hp > 0, format!("surviving goblin {id} released"))?;
            }
        }
        Ok(())
    });

    r.run("admin_skirmish: admin-only; an 8-vs-8 monster fight resolves in one call", || {
        let guard = if env.ruleset == "lite" { "bandit" } else { "guard" };
        let (side_a, side_b) = (vec![guard.to_string(); 8], vec!["goblin".to_string(); 8]);
        let player = Client::fresh(env)?;
        let (a, b) = (side_a.clone(), side_b.clone());
        player.fails_with("admin_skirmish", "E_NOT_ADMIN", move |r| r.admin_skirmish(SPAWN_AT.into(), a, b))?;
        let admin = Client::admin(env)?;
        admin.fails_with("admin_skirmish", "E_INVALID_ARGUMENT", move |r| {
            r.admin_skirmish(SPAWN_AT.into(), vec![], vec!["goblin".into()])
        })?;
        let before = admin.conn.db.combat_instance().iter().map(|c| c.id).max().unwrap_or(0);
        admin.ok("admin_skirmish", move |r| r.admin_skirmish(SPAWN_AT.into(), side_a, side_b))?;
        let mut fight = None;
        wait_for("the skirmish's combat row, resolved", Duration::from_secs(5), || {
            fight = admin.conn.db.combat_instance().iter().find(|c| c.id > before);
            fight.as_ref().is_some_and(|f| f.status != FightStatus::Active)
        })?;
        let fight = fight.ok_or("no combat row")?;
        check_eq(fight.mode, CombatMode::InstantResolution, "mode")?;
        check(fight.winner.is_some() || fight.status == FightStatus::Fled, format!("outcome: {:?}", fight.status))?;
        wait_for("16 combatants, all released", Duration::from_secs(3), || {
            let rows: Vec<_> = admin.conn.db.combatant().iter().filter(|r| r.combat_id == fight.id).collect();
            rows.len() == 16 && rows.iter().all(|r| !r.active)
        })
    });

    r.run("relaxed turns: the human acts, others are refused, the AI answers at once", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let b = Client::fresh(env)?;
        let rat = spawn(&admin, "rat", 1)?[0];
        let me = create(&a, &fx, "Ratcatcher")?;
        let bystander = create(&b, &fx, "Bystander")?;
        let (id, bid) = (me.id, bystander.id);
        a.ok("start_combat", move |r| r.start_combat(id, vec![], vec![rat]))?;
        let fight = combat_of(&a, id).ok_or("no combat")?;
        check_eq(fight.mode, CombatMode::RelaxedTurns, "mode")?;
        check_eq(fight.status, FightStatus::Active, "a fresh rat cannot end the fight before the human's first turn")?;
        {
            check_eq(fight.current_combatant, Some(id), "after the AI's turns it is the human's turn")?;
            check(fight.turn_deadline_micros < i64::MAX, "the human's turn is timed")?;
            let target = 1u64 << 48 | rat;
            b.fails_with("attack", "E_NOT_OWNER", move |r| r.attack(id, target, 0))?;
            b.fails_with("attack", "E_NOT_IN_COMBAT", move |r| r.attack(bid, target, 0))?;
            a.fails_with("attack", "E_INVALID_TARGET", move |r| r.attack(id, id, 0))?;
            a.fails_with("move_to", "E_IN_COMBAT", move |r| r.move_to(id, "village".into()))?;
            a.fails_with("delete_character", "E_IN_COMBAT", move |r| r.delete_character(id))?;
            let seq = fight.turn_seq;
            // step next to the rat (wherever its turn took it), then strike
            close_in(&a, fight.id, id, target)?;
            a.ok("attack", move |r| r.attack(id, target, 0))?;
            a.ok("end_turn", move |r| r.end_turn(id))?;
            let now = combat_of(&a, id).ok_or("no combat")?;
            check(
                now.status != FightStatus::Active || now.turn_seq >= seq + 2,
                format!("turn passed and the rat answered: seq {} -> {}", seq, now.turn_seq),
            )?;
            check(!events_for_combat(&a, fight.id, EventKind::CombatAction).is_empty(), "action events")?;
            if now.status == FightStatus::Active {
                a.ok("flee", move |r| r.flee(id))?;
            }
        }
        wait_for("fight over", Duration::from_secs(5), || {
            combat_of(&a, id).map(|c| c.status != FightStatus::Active).unwrap_or(false)
        })?;
        let released = a.conn.db.combatant().iter().filter(|r| r.character_id == id).all(|r| !r.active);
        check(released, "released after the fight")
    });

    r.run("a potion in a fight is a bonus action on your turn", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let potion = if env.ruleset == "lite" { "healing_draught" } else { "potion_of_healing" };
        let me = create(&a, &fx, "Drinker")?;
        let id = me.id;
        let (x, y) = (9_500.0, 9_500.0);
        a.ok("step_to", move |r| r.step_to(id, x, y))?;
        a.ok("begin_run", move |r| r.begin_run(id))?;
        let p = potion.to_string();
        admin
            .ok("admin_spawn_world_item", move |r| r.admin_spawn_world_item(p, 1, SPAWN_AT.into(), x, y, 5.0, 600.0))?;
        a.ok("pick_up", move |r| r.pick_up(id))?;
        let mut uid = 0;
        wait_for("potion in the bag", Duration::from_secs(5), || {
            uid = a
                .conn
                .db
                .item_instance()
                .iter()
                .find(|i| i.character_id == id && i.def_id == potion)
                .map(|i| i.uid)
                .unwrap_or(0);
            uid != 0
        })?;
        a.ok("equip", move |r| r.equip(id, uid, LoadoutSlot::Belt1))?;
        let rat = spawn(&admin, "rat", 1)?[0];
        a.ok("start_combat", move |r| r.start_combat(id, vec![], vec![rat]))?;
        let fight = combat_of(&a, id).ok_or("no combat")?;
        check_eq(fight.status, FightStatus::Active, "a fresh rat cannot end the fight before the human's first turn")?;
        a.ok("use_consumable", move |r| r.use_consumable(id, LoadoutSlot::Belt1))?;
        a.fails_with("use_consumable", "E_SLOT_EMPTY", move |r| r.use_consumable(id, LoadoutSlot::Belt1))?;
        wait_for("the use is a fight action and the potion is gone", Duration::from_secs(5), || {
            let acted = events_for_combat(&a, fight.id, EventKind::CombatAction)
                .iter()
                .any(|e| e.detail.contains("kind=UseItem"));
            acted && a.conn.db.item_instance().uid().find(&uid).is_none()
        })?;
        a.ok("flee", move |r| r.flee(id))
    });

    r.run("classic turns between two humans: only the current combatant acts", || {
        let a = Client::fresh(env)?;
        let b = Client::fresh(env)?;
        let x = create(&a, &fx, "Duelist A")?;
        let y = create(&b, &fx, "Duelist B")?;
        let (xid, yid) = (x.id, y.id);
        // Another player's character is fought by consent (a challenge it accepts).
        crate::scenarios::security::duel(&a, xid, &b, yid)?;
        let fight = combat_of(&a, xid).ok_or("no combat")?;
        check_eq(fight.mode, CombatMode::ClassicTurns, "mode")?;
        let cur = fight.current_combatant.ok_or("no current combatant")?;
        let (cur_client, cur_id, other_client, other_id) =
            if cur == xid { (&a, xid, &b, yid) } else { (&b, yid, &a, xid) };
        other_client.fails_with("end_turn", "E_NOT_YOUR_TURN", move |r| r.end_turn(other_id))?;
        other_client.fails_with("attack", "E_NOT_YOUR_TURN", move |r| r.attack(other_id, cur_id, 0))?;
        cur_client.ok("dodge", move |r| r.dodge(cur_id))?;
        cur_client.ok("end_turn", move |r| r.end_turn(cur_id))?;
        // the reducer's result may arrive before its row updates: wait for the projection
        let passed = wait_for("the turn passed to the other human", Duration::from_secs(5), || {
            combat_of(&a, xid).is_some_and(|c| c.current_combatant == Some(other_id))
        });
        let after = combat_of(&a, xid).ok_or("no combat")?;
        passed.map_err(|e| format!("{e}: current is {:?}, want {other_id}", after.current_combatant))?;
        other_client.ok("flee", move |r| r.flee(other_id))?;
        wait_for("fight over after a flight", Duration::from_secs(5), || {
            combat_of(&a, xid).map(|c| c.status != FightStatus::Active).unwrap_or(false)
        })
    });

    // A turn's deadline is set when the turn starts: acting within the turn does not move it
    // (before, every action re-armed the timer and so extended the turn).
    r.run("a turn's deadline is fixed when it starts; actions do not extend it", || {
        // The admin hangs up before the fight's setup: a second live connection of the same
        // identity (human_vs_rat spawns the rat through its own admin connection) does not get
        // the rows that connection's reducers write (seen with SpacetimeDB 1.2), and its cache
        // then panics on the rat's next update.
        set_turn_secs(&Client::admin(env)?, 60)?;
        let (a, id, fight, _rat) = human_vs_rat(env, &fx, "Steady")?;
        let deadline = fight.turn_deadline_micros;
        check(deadline != i64::MAX, "the human's turn is timed")?;
        let seq = fight.turn_seq;
        std::thread::sleep(Duration::from_millis(300));
        a.ok("dodge", move |r| r.dodge(id))?;
        let row = combat_of(&a, id).ok_or("no combat")?;
        check_eq(row.turn_seq, seq, "still the same turn")?;
        check_eq(row.turn_deadline_micros, deadline, "the deadline after an action")?;
        a.ok("end_turn", move |r| r.end_turn(id))?;
        wait_for("the human's next turn", Duration::from_secs(5), || {
            combat_of(&a, id).is_some_and(|c| {
                c.status != FightStatus::Active || (c.turn_seq > seq && c.current_combatant == Some(id))
            })
        })?;
        let next = combat_of(&a, id).ok_or("no combat")?;
        if next.status == FightStatus::Active {
            check(next.turn_deadline_micros > deadline, "a new turn gets a new deadline")?;
        }
        Ok(())
    });

    r.run("a short turn timeout makes the AI play the human's turn", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        set_turn_secs(&admin, 1)?;
        let res = (|| -> TestResult {
            let rat = spawn(&admin, "rat", 1)?[0];
            let me = create(&a, &fx, "Dozer")?;
            let id = me.id;
            a.ok("start_combat", move |r| r.start_combat(id, vec![], vec![rat]))?;
            let fight = combat_of(&a, id).ok_or("no combat")?;
            check_eq(
                fight.status,
                FightStatus::Active,
                "a fresh rat cannot end the fight before the human's first turn",
            )?;
            let seq = fight.turn_seq;
            wait_for("the AI plays the timed-out turn", Duration::from_secs(6), || {
                combat_of(&a, id).map(|c| c.status != FightStatus::Active || c.turn_seq > seq).unwrap_or(false)
            })?;
            let mine = events_for_combat(&a, fight.id, EventKind::CombatAction)
                .into_iter()
                .filter(|e| e.actors.first() == Some(&id))
                .count();
            check(mine >= 1, "an action by the idle human's character, played by the AI")
        })();
        set_turn_secs(&admin, 60)?;
        res
    });

    // A disconnect alone hands nothing over (an HTTP agent disconnects after every
    // call); the AI takes the character when a turn of the absent player runs out.
    r.run("a disconnect hands the combatant to the AI when its turn runs out", || {
        let admin = Client::admin(env)?;
        set_turn_secs(&admin, 3)?;
        let res = (|| -> TestResult {
            let a = Client::fresh(env)?;
            let rat = spawn(&admin, "rat", 1)?[0];
            let me = create(&a, &fx, "Leaver")?;
            let id = me.id;
            a.ok("start_combat", move |r| r.start_combat(id, vec![], vec![rat]))?;
            let fight = combat_of(&a, id).ok_or("no combat")?;
            check_eq(
                fight.status,
                FightStatus::Active,
                "a fresh rat cannot end the fight before the human's first turn",
            )?;
            let seq = fight.turn_seq;
            drop(a);
            std::thread::sleep(Duration::from_millis(800));
            let row = admin.conn.db.combatant().iter().find(|r| r.character_id == id && r.combat_id == fight.id);
            check(row.is_some_and(|r| r.connected), "still the player's right after the disconnect")?;
            check(
                admin.conn.db.combat_instance().id().find(&fight.id).is_some_and(|c| c.turn_seq == seq),
                "the AI does not play the turn at the disconnect",
            )?;
            wait_for("AI takes over when the turn runs out", Duration::from_secs(10), || {
                let row = admin.conn.db.combatant().iter().find(|r| r.character_id == id && r.combat_id == fight.id);
                let inst = admin.conn.db.combat_instance().id().find(&fight.id);
                let handed = row.map(|r| !r.connected || !r.active).unwrap_or(false);
                let moved = inst.map(|c| c.status != FightStatus::Active || c.turn_seq > seq).unwrap_or(false);
                handed && moved
            })?;
            wait_for("CombatControl event", Duration::from_secs(3), || {
                !events_for_combat(&admin, fight.id, EventKind::CombatControl).is_empty()
            })
        })();
        set_turn_secs(&admin, 60)?;
        res
    });

    r.run("attack: the target's HP falls by exactly the damage in the dice log", || {
        // A strong fighter (unarmed: 1 + STR) against a tough, easy-to-hit monster, until a hit
        // lands: every attack's HP change must equal its logged damage, and one must do damage.
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let def = if env.ruleset == "lite" { "orc" } else { "zombie" };
        let m = spawn(&admin, def, 1)?[0];
        let strong = Fixture {
            class: fx.other_class,
            scores: AbilityScores { str: 15, dex: 14, con: 13, int: 12, wis: 10, cha: 8 },
            ..fx.clone()
        };
        let id = create(&a, &strong, "Striker")?.id;
        a.ok("start_combat", move |r| r.start_combat(id, vec![], vec![m]))?;
        let fight = combat_of(&a, id).ok_or("no combat")?;
        let target = 1u64 << 48 | m;
        let mut seen = Vec::new();
        let mut last_seen = 0;
        for _turn in 0..6 {
            let f = combat_of(&a, id).ok_or("no combat")?;
            check(f.status == FightStatus::Active, format!("the fight ended before a hit: {seen:?}"))?;
            check_eq(f.current_combatant, Some(id), "it is my turn")?;
            close_in(&a, fight.id, id, target)?;
            let before = row_of(&a, fight.id, target).ok_or("the target's row")?.hp;
            // This attack's event is the first one after every attack seen so far: counting them
            // would take an earlier extra one (an opportunity attack on the target's turn) for it.
            let prev = attacks_by(&a, fight.id, id, target).iter().map(|e| e.id).max().unwrap_or(0);
            a.ok("attack", move |r| r.attack(id, target, 0))?;
            let mut ev = Vec::new();
            wait_for("the attack's event", Duration::from_secs(5), || {
                ev = attacks_by(&a, fight.id, id, target).into_iter().filter(|e| e.id > prev).collect();
                ev.sort_by_key(|e| e.id);
                !ev.is_empty()
            })?;
            let e = ev.first().ok_or("no attack event")?;
            let damage: i32 = e.dice.iter().filter(|d| d.purpose.contains(" damage (")).map(|d| d.total.max(0)).sum();
            let after = row_of(&a, fight.id, target).ok_or("the target's row")?.hp;
            // On a mismatch, every event of the fight since the last check says what happened.
            let since: Vec<String> = events_for_combat(&a, fight.id, EventKind::CombatAction)
                .into_iter()
                .filter(|x| x.id > last_seen)
                .map(|x| format!("{} [{}]", x.text, x.detail))
                .collect();
            check_eq(
                before - after,
                damage.min(before),
                &format!("HP {before} -> {after}, {}; events: {since:?}", e.text),
            )?;
            last_seen = e.id;
            seen.push(e.text.clone());
            if damage > 0 {
                return Ok(());
            }
            let seq = f.turn_seq;
            a.ok("end_turn", move |r| r.end_turn(id))?;
            wait_for("my next turn", Duration::from_secs(5), || {
                combat_of(&a, id).is_some_and(|c| c.status != FightStatus::Active || c.turn_seq > seq + 1)
            })?;
        }
        Err(format!("no damaging hit in 6 turns: {seen:?}"))
    });

    r.run("dodge: attacks against the dodger roll with disadvantage", || {
        let (a, id, fight, rat) = human_vs_rat(env, &fx, "Dodger")?;
        close_in(&a, fight.id, id, rat)?;
        // The rat may have attacked before the human's first turn (it won the initiative): only
        // attacks after the dodge count.
        let before = attacks_by(&a, fight.id, rat, id).iter().map(|e| e.id).max().unwrap_or(0);
        a.ok("dodge", move |r| r.dodge(id))?;
        a.ok("end_turn", move |r| r.end_turn(id))?;
        let mut ev = Vec::new();
        wait_for("the rat's attack on the dodger", Duration::from_secs(5), || {
            ev = attacks_by(&a, fight.id, rat, id).into_iter().filter(|e| e.id > before).collect();
            !ev.is_empty()
        })?;
        let roll =
            ev[0].dice.iter().find(|d| d.purpose.ends_with(" attack")).ok_or("no attack roll in the dice log")?;
        // dnd5e: two d20, the lower kept; lite: 3d6, the lower two kept.
        let want = if env.ruleset == "lite" { ("3d6kl2", 3) } else { ("2d20kl1", 2) };
        check(
            roll.expr.starts_with(want.0) && roll.rolls.len() == want.1,
            format!("the rat's attack roll is {} with faces {:?}, want {}", roll.expr, roll.rolls, want.0),
        )?;
        // Dropping the client hands the fight to the AI, which ends it.
        Ok(())
    });

    r.run("dash: a move beyond the speed but within twice it succeeds after a dash", || {
        let (a, id, fight, rat) = human_vs_rat(env, &fx, "Sprinter")?;
        let (mine, its) =
            (row_of(&a, fight.id, id).ok_or("my row")?, row_of(&a, fight.id, rat).ok_or("the rat's row")?);
        // Away from the rat (straight along x when on top of it). Characters have 30 ft of speed:
        // 45 ft is beyond it and within twice it; 45 + 30 ft is beyond twice it.
        let (dx, dy) = (mine.x - its.x, mine.y - its.y);
        let d = (dx * dx + dy * dy).sqrt();
        let (ux, uy) = if d > 0.1 { (dx / d, dy / d) } else { (1.0, 0.0) };
        let (x1, y1) = (mine.x + 45.0 * ux, mine.y + 45.0 * uy);
        let (x2, y2) = (x1 + 30.0 * ux, y1 + 30.0 * uy);
        a.fails_with("move_in_combat", "E_TOO_FAR", move |r| r.move_in_combat(id, x1, y1))?;
        a.ok("dash", move |r| r.dash(id))?;
        a.ok("move_in_combat", move |r| r.move_in_combat(id, x1, y1))?;
        wait_for("my row at the new spot", Duration::from_secs(5), || {
            row_of(&a, fight.id, id).is_some_and(|m| (m.x - x1).abs() < 0.5 && (m.y - y1).abs() < 0.5)
        })?;
        a.fails_with("move_in_combat", "E_TOO_FAR", move |r| r.move_in_combat(id, x2, y2))?;
        // Dropping the client hands the fight to the AI, which ends it.
        Ok(())
    });

    r.run("join_combat: the joiner is a combatant in the fight's initiative order", || {
        let (a, id, fight, _rat) = human_vs_rat(env, &fx, "Opener")?;
        let b = Client::fresh(env)?;
        let bid = create(&b, &fx, "Latecomer")?.id;
        let side = row_of(&a, fight.id, id).ok_or("my row")?.side;
        let fid = fight.id;
        // Another player's fight is joined only by invitation from the side joined.
        b.fails_with("join_combat", "E_INVITATION_REQUIRED", move |r| r.join_combat(bid, fid, side))?;
        a.ok("invite_to_combat", move |r| r.invite_to_combat(id, bid))?;
        b.ok("join_combat", move |r| r.join_combat(bid, fid, side))?;
        let mut rows = Vec::new();
        wait_for("the joiner's combatant row", Duration::from_secs(5), || {
            rows = a.conn.db.combatant().iter().filter(|r| r.combat_id == fid && r.active).collect();
            rows.iter().any(|r| r.character_id == bid)
        })?;
        let joiner = rows.iter().find(|r| r.character_id == bid).ok_or("joiner row")?;
        check_eq(joiner.side, side, "the joiner's side")?;
        rows.sort_by_key(|r| r.turn_order);
        let order: Vec<(u32, i32, String)> =
            rows.iter().map(|r| (r.turn_order, r.initiative, r.name.clone())).collect();
        let distinct = rows.windows(2).all(|w| w[0].turn_order < w[1].turn_order);
        let by_initiative = rows.windows(2).all(|w| w[0].initiative >= w[1].initiative);
        check(distinct && by_initiative, format!("turn order by initiative, the joiner in it: {order:?}"))?;
        check_eq(rows.len(), 3, "the human, the rat and the joiner")?;
        // Dropping the client hands the fight to the AI, which ends it.
        Ok(())
    });

    r.run("combat rejections have their codes", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let me = create(&a, &fx, "Brawler")?;
        let id = me.id;
        a.fails_with("start_combat", "E_INVALID_TARGET", move |r| r.start_combat(id, vec![], vec![]))?;
        a.fails_with("start_combat", "E_UNKNOWN_MONSTER", move |r| r.start_combat(id, vec![], vec![u64::MAX]))?;
        a.fails_with("start_combat", "E_UNKNOWN_CHARACTER", move |r| r.start_combat(id, vec![u64::MAX], vec![]))?;
        a.fails_with("attack", "E_NOT_IN_COMBAT", move |r| r.attack(id, 1, 0))?;
        a.fails_with("end_turn", "E_NOT_IN_COMBAT", move |r| r.end_turn(id))?;
        a.fails_with("admin_spawn_monster", "E_NOT_ADMIN", |r| {
            r.admin_spawn_monster("goblin".into(), SPAWN_AT.into())
        })?;
        admin.fails_with("admin_spawn_monster", "E_UNKNOWN_MONSTER", |r| {
            r.admin_spawn_monster("tarrasque".into(), SPAWN_AT.into())
        })?;
        admin.fails_with("admin_spawn_monster", "E_UNKNOWN_LOCATION", |r| {
            r.admin_spawn_monster("goblin".into(), "atlantis".into())
        })?;
        a.fails_with("turn_timeout", "E_SCHEDULER_ONLY", |r| {
            r.turn_timeout(TurnTimer {
                scheduled_id: 1,
                scheduled_at: spacetimedb_sdk::ScheduleAt::Time(spacetimedb_sdk::Timestamp::now()),
                combat_id: 1,
                turn_seq: 1,
            })
        })?;
        // a monster elsewhere cannot be attacked from here
        let far = Client::fresh(env)?;
        let walker = create(&far, &fx, "Faraway")?;
        let wid = walker.id;
        far.ok("move_to", move |r| r.move_to(wid, "village".into()))?;
        wait_for("arrival", Duration::from_secs(10), || {
            far.conn.db.character().id().find(&wid).map(|c| c.location_id == "village").unwrap_or(false)
        })?;
        a.fails_with("start_combat", "E_NOT_SAME_LOCATION", move |r| r.start_combat(id, vec![wid], vec![]))?;
        // gate off
        admin.ok("admin_set_feature_enabled", |r| r.admin_set_feature_enabled("combat".into(), false))?;
        let gated = a.fails_with("start_combat", "E_FEATURE_DISABLED", move |r| r.start_combat(id, vec![], vec![1]));
        admin.ok("admin_set_feature_enabled", |r| r.admin_set_feature_enabled("combat".into(), true))?;
        gated
    });
}
