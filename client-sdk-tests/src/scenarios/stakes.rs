//! In play: conditions forbid world actions everywhere (the refused call's
//! code names the condition), checks roll with the advantage their sources give (the dice log
//! shows it), a long rest lowers exhaustion, and runs have stakes (a death or a deletion during
//! a run loses it; extract needs a living character, out of combat, at a safe location).
//!
//! Each scenario works in its own spot of the crossroads (x = 9000, its own y), away from the
//! items scenarios' squares and the combat scenarios' corner.

use crate::harness::{check, check_eq, wait_for, Client, Env, Runner, TestResult};
use crate::module_bindings::*;
use crate::scenarios::combat::{combat_of, spawn as spawn_monsters};
use crate::scenarios::foundation::{create, fixture, Fixture};
use crate::scenarios::world::travel;
use spacetimedb_sdk::Table;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

const LOC: &str = "crossroads";
const WAIT: Duration = Duration::from_secs(5);

static NEXT_SPOT: AtomicU32 = AtomicU32::new(0);

/// A fresh spot of the crossroads, (x, y) in feet.
fn spot() -> (f64, f64) {
    let k = NEXT_SPOT.fetch_add(1, Ordering::SeqCst);
    (9_000.0, 1_000.0 + 300.0 * k as f64)
}

/// Ruleset-specific ids.
struct Ids {
    weapon: &'static str,
    potion: &'static str,
    junk: &'static str,
    /// The exhaustion ladder, levels 1 and 2.
    exhausted_1: &'static str,
    exhausted_2: &'static str,
    /// A test roll without advantage: dice in the log (d20: 1, 2d6: 2); with disadvantage one more.
    test_dice: usize,
}

fn ids(env: &Env) -> Ids {
    if env.ruleset == "lite" {
        Ids {
            weapon: "short_blade",
            potion: "healing_draught",
            junk: "iron_scrap",
            exhausted_1: "weary_1",
            exhausted_2: "weary_2",
            test_dice: 2,
        }
    } else {
        Ids {
            weapon: "dagger",
            potion: "potion_of_healing",
            junk: "arrow",
            exhausted_1: "exhaustion_1",
            exhausted_2: "exhaustion_2",
            test_dice: 1,
        }
    }
}

fn events(c: &Client, kind: EventKind, actor: u64) -> Vec<WorldEvent> {
    let mut v: Vec<_> =
        c.conn.db.world_event().iter().filter(|e| e.kind == kind && e.actors.first() == Some(&actor)).collect();
    v.sort_by_key(|e| e.id);
    v
}

/// `key=value` from an event detail.
fn detail(e: &WorldEvent, key: &str) -> String {
    e.detail
        .split(';')
        .find_map(|kv| kv.split_once('=').filter(|(k, _)| *k == key).map(|(_, v)| v.to_string()))
        .unwrap_or_default()
}

fn has_flag(c: &Client, id: u64, key: &ModifierKey) -> bool {
    c.conn.db.effective_stats().character_id().find(&id).is_some_and(|e| e.flags.contains(key))
}

fn buff_ids(c: &Client, id: u64) -> Vec<String> {
    let mut v: Vec<ActiveBuffRow> = c.conn.db.active_buff().iter().filter(|b| b.target_id == id).collect();
    v.sort_by_key(|b| b.id);
    v.into_iter().map(|b| b.buff_id).collect()
}

fn admin_apply_buff(admin: &Client, id: u64, buff: &str) -> TestResult {
    let b = buff.to_string();
    admin.ok("admin_apply_buff", move |r| r.admin_apply_buff(id, b, 0, None))
}

fn admin_set_config(admin: &Client, k: &str, v: &str) -> TestResult {
    let (k, v) = (k.to_string(), v.to_string());
    admin.ok("admin_set_config", move |r| r.admin_set_config(k, v))
}

/// Run `f` with config changes, restoring the old values afterwards (in reverse order) whatever
/// happened.
fn with_config(admin: &Client, changes: &[(&str, &str)], f: impl FnOnce() -> TestResult) -> TestResult {
    let cfg = admin.conn.db.config().id().find(&0).ok_or("config row missing")?;
    let old = |k: &str| match k {
        "wipe_difficulty" => format!("{:?}", cfg.wipe_difficulty).to_lowercase(),
        "long_rest_secs" => cfg.rules.long_rest_secs.to_string(),
        "short_rest_secs" => cfg.rules.short_rest_secs.to_string(),
        _ => String::new(),
    };
    let restore: Vec<(String, String)> = changes.iter().map(|(k, _)| (k.to_string(), old(k))).collect();
    for (k, v) in changes {
        admin_set_config(admin, k, v)?;
    }
    let res = f();
    for (k, v) in restore.into_iter().rev() {
        let r = admin_set_config(admin, &k, &v);
        if res.is_ok() {
            r?;
        }
    }
    res
}

fn run_stash(c: &Client, id: u64) -> Vec<ItemInstanceRow> {
    c.conn.db.item_instance().iter().filter(|r| r.place == PlaceKind::RunStash && r.character_id == id).collect()
}

fn item(c: &Client, uid: u64) -> Option<ItemInstanceRow> {
    c.conn.db.item_instance().uid().find(&uid)
}

/// Admin: an item on the ground at (x, y) of the crossroads; waits for the row, returns its uid.
fn spawn_item(admin: &Client, def: &str, qty: u32, x: f64, y: f64) -> Result<u64, String> {
    let before = admin.conn.db.item_instance().iter().map(|r| r.uid).max().unwrap_or(0);
    let d = def.to_string();
    admin.ok("admin_spawn_world_item", move |r| r.admin_spawn_world_item(d, qty, LOC.into(), x, y, 3.0, 600.0))?;
    let mut uid = 0;
    wait_for("spawned item row", WAIT, || {
        uid = admin
            .conn
            .db
            .item_instance()
            .iter()
            .filter(|r| r.uid > before && r.def_id == def && r.place == PlaceKind::Ground && r.x == x && r.y == y)
            .map(|r| r.uid)
            .max()
            .unwrap_or(0);
        uid != 0
    })?;
    Ok(uid)
}

/// A player's character on a run at a fresh spot with `defs` in its run stash (uids in order).
fn runner_with_bag(
    env: &Env,
    admin: &Client,
    fx: &Fixture,
    name: &str,
    defs: &[(&str, u32)],
) -> Result<(Client, u64, Vec<u64>), String> {
    let a = Client::fresh(env)?;
    let id = create(&a, fx, name)?.id;
    let (x, y) = spot();
    a.ok("step_to", move |r| r.step_to(id, x, y))?;
    a.ok("begin_run", move |r| r.begin_run(id))?;
    let mut uids = Vec::new();
    for (def, q) in defs {
        uids.push(spawn_item(admin, def, *q, x, y)?);
    }
    if !uids.is_empty() {
        a.ok("pick_up", move |r| r.pick_up(id))?;
        let n = uids.len();
        wait_for("the bag filled", WAIT, || run_stash(&a, id).len() == n)?;
    }
    Ok((a, id, uids))
}

/// Kill a character with admin damage (dnd5e: massive damage; lite: down, then hit while down).
fn kill(admin: &Client, a: &Client, id: u64) -> TestResult {
    for _ in 0..3 {
        admin.ok("admin_damage", move |r| r.admin_damage(id, 500))?;
        let dead = |c: &Client| c.conn.db.character().id().find(&id).is_some_and(|ch| ch.sheet.vitals.dead);
        if wait_for("dead", Duration::from_secs(2), || dead(a)).is_ok() {
            return Ok(());
        }
    }
    Err("still alive after three blows".into())
}

pub fn run(env: &Env, r: &mut Runner) {
    let fx = fixture(env);
    let ids = ids(env);

    r.run("stakes: a stunned character is refused every world action with the condition's code", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let id = create(&a, &fx, "Dazed")?.id;
        let other = create(&a, &fx, "Nurse")?.id;
        let (x, y) = spot();
        a.ok("step_to", move |r| r.step_to(id, x, y))?;
        a.ok("begin_run", move |r| r.begin_run(id))?;
        let junk = spawn_item(&admin, ids.junk, 3, x, y)?;
        admin_apply_buff(&admin, id, "stunned")?;
        wait_for("cannot_act in effective_stats", WAIT, || has_flag(&a, id, &ModifierKey::CannotAct))?;
        // the answer names the condition
        let msg = match a.call("move_to", move |r| r.move_to(id, "village".into()))? {
            Ok(()) => return Err("a stunned character set out".into()),
            Err(m) => m,
        };
        check(
            msg.starts_with("E_INCAPACITATED:") && msg.contains("is stunned") && msg.contains("travel"),
            format!("move_to answer names the condition: {msg}"),
        )?;
        check(a.conn.db.travel_state().character_id().find(&id).is_none(), "no journey begun")?;
        let e = "E_INCAPACITATED";
        a.fails_with("step_to", e, move |r| r.step_to(id, x + 1.0, y))?;
        a.fails_with("ability_check", e, move |r| r.ability_check(id, CheckKind::Ability(Ability::Str), 10))?;
        a.fails_with("contest", e, move |r| {
            r.contest(id, other, CheckKind::Ability(Ability::Cha), CheckKind::Ability(Ability::Wis))
        })?;
        a.fails_with("pick_up", e, move |r| r.pick_up(id))?;
        a.fails_with("equip", e, move |r| r.equip(id, junk, LoadoutSlot::MainHand))?;
        a.fails_with("unequip", e, move |r| r.unequip(id, LoadoutSlot::MainHand))?;
        a.fails_with("move_item", e, move |r| r.move_item(id, junk, ItemTarget::Stash))?;
        a.fails_with("use_consumable", e, move |r| r.use_consumable(id, LoadoutSlot::Belt1))?;
        a.fails_with("give_item", e, move |r| r.give_item(id, junk, other))?;
        a.fails_with("extract", e, move |r| r.extract(id))?;
        check(item(&a, junk).is_some_and(|r| r.place == PlaceKind::Ground), "the item stays on the ground")?;
        check_eq(
            a.conn.db.character().id().find(&id).map(|c| (c.x, c.y, c.location_id)),
            Some((x, y, LOC.to_string())),
            "did not move",
        )?;
        // the stun ends: the same calls go through
        let stun = a.conn.db.active_buff().iter().find(|b| b.target_id == id && b.buff_id == "stunned");
        let iid = stun.ok_or("no stun row")?.id;
        admin.ok("admin_remove_buff", move |r| r.admin_remove_buff(iid))?;
        wait_for("cannot_act gone", WAIT, || !has_flag(&a, id, &ModifierKey::CannotAct))?;
        a.ok("pick_up", move |r| r.pick_up(id))?;
        a.ok("ability_check", move |r| r.ability_check(id, CheckKind::Ability(Ability::Str), 10))?;
        a.ok("step_to", move |r| r.step_to(id, x + 1.0, y))
    });

    if env.ruleset == "dnd5e" {
        r.run("stakes: a grappled character (speed 0) cannot travel but can still check", || {
            let admin = Client::admin(env)?;
            let a = Client::fresh(env)?;
            let id = create(&a, &fx, "Held")?.id;
            admin_apply_buff(&admin, id, "grappled")?;
            wait_for("speed 0", WAIT, || super::buffs::stat(&a, id, Stat::Speed) == Some(0))?;
            let msg = match a.call("move_to", move |r| r.move_to(id, "village".into()))? {
                Ok(()) => return Err("a grappled character set out".into()),
                Err(m) => m,
            };
            check(
                msg.starts_with("E_CANNOT_MOVE:") && msg.contains("grappled"),
                format!("move_to names the condition: {msg}"),
            )?;
            a.fails_with("step_to", "E_CANNOT_MOVE", move |r| r.step_to(id, 10.0, 10.0))?;
            a.ok("ability_check", move |r| r.ability_check(id, CheckKind::Ability(Ability::Str), 10))
        });
    }

    r.run("stakes: Poisoned rolls checks and contests with disadvantage (one more die in the dice log)", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let id = create(&a, &fx, "Queasy")?.id;
        let rival = create(&a, &fx, "Rival")?.id;
        let check_dice = |c: &Client, n: usize| -> Result<Vec<DiceLogEntry>, String> {
            wait_for("check event", WAIT, || events(c, EventKind::AbilityCheck, id).len() >= n)?;
            Ok(events(c, EventKind::AbilityCheck, id)[n - 1].dice.clone())
        };
        a.ok("ability_check", move |r| r.ability_check(id, CheckKind::Ability(Ability::Str), 10))?;
        let plain = check_dice(&a, 1)?;
        check_eq(plain.len(), 1, "one roll in the log")?;
        check_eq(plain[0].rolls.len(), ids.test_dice, "dice of a plain check")?;
        admin_apply_buff(&admin, id, "poisoned")?;
        wait_for("disadvantage on checks in effective_stats", WAIT, || {
            has_flag(&a, id, &ModifierKey::Disadvantage(Roll::AnyCheck))
        })?;
        a.ok("ability_check", move |r| r.ability_check(id, CheckKind::Ability(Ability::Str), 10))?;
        let poisoned = check_dice(&a, 2)?;
        check_eq(poisoned.len(), 1, "one roll in the log")?;
        check_eq(poisoned[0].rolls.len(), ids.test_dice + 1, "dice of a check with disadvantage")?;
        check(poisoned[0].expr.contains("kl"), format!("keeps the lowest: {}", poisoned[0].expr))?;
        // a skill check too (its ability comes from the skill)
        let skill = a.conn.db.skill_def().iter().next().ok_or("no skill")?.id;
        a.ok("ability_check", move |r| r.ability_check(id, CheckKind::Skill(skill), 10))?;
        check_eq(check_dice(&a, 3)?[0].rolls.len(), ids.test_dice + 1, "dice of a skill check with disadvantage")?;
        // a contest: the poisoned side rolls one more die, the other side a plain roll
        a.ok("contest", move |r| {
            r.contest(id, rival, CheckKind::Ability(Ability::Cha), CheckKind::Ability(Ability::Wis))
        })?;
        wait_for("contest event", WAIT, || !events(&a, EventKind::Contest, id).is_empty())?;
        let dice = events(&a, EventKind::Contest, id).remove(0).dice;
        check_eq(
            dice.iter().map(|d| d.rolls.len()).collect::<Vec<_>>(),
            vec![ids.test_dice + 1, ids.test_dice],
            "contest dice: poisoned actor, plain target",
        )?;
        a.ok("contest", move |r| {
            r.contest(rival, id, CheckKind::Ability(Ability::Cha), CheckKind::Ability(Ability::Wis))
        })?;
        wait_for("second contest event", WAIT, || !events(&a, EventKind::Contest, rival).is_empty())?;
        let dice = events(&a, EventKind::Contest, rival).remove(0).dice;
        check_eq(
            dice.iter().map(|d| d.rolls.len()).collect::<Vec<_>>(),
            vec![ids.test_dice, ids.test_dice + 1],
            "contest dice: plain actor, poisoned target",
        )
    });

    r.run("stakes: a death during a run empties the run stash; gear by wipe_difficulty; RunLost", || {
        let admin = Client::admin(env)?;
        with_config(&admin, &[("wipe_difficulty", "standard")], || {
            let (a, id, uids) =
                runner_with_bag(env, &admin, &fx, "Doomed", &[(ids.weapon, 1), (ids.potion, 2), (ids.junk, 7)])?;
            let (weapon, potion, junk) = (uids[0], uids[1], uids[2]);
            a.ok("equip", move |r| r.equip(id, weapon, LoadoutSlot::MainHand))?;
            a.ok("equip", move |r| r.equip(id, potion, LoadoutSlot::Belt1))?;
            admin.ok("admin_grant_currency", move |r| r.admin_grant_currency(id, 40))?;
            let master_before = a.conn.db.master_stash().owner().find(&a.identity).map_or(0, |m| m.currency_cp);
            kill(&admin, &a, id)?;
            wait_for("the bag and the belt are gone (standard)", WAIT, || {
                item(&a, junk).is_none() && item(&a, potion).is_none() && run_stash(&a, id).is_empty()
            })?;
            check(
                item(&a, weapon).is_some_and(|r| r.place == PlaceKind::Loadout && r.character_id == id),
                "the weapon stays equipped (standard keeps weapons)",
            )?;
            check(
                a.conn.db.run_state().character_id().find(&id).is_some_and(|s| !s.active && s.currency_cp == 0),
                "the run is over and its currency gone",
            )?;
            check_eq(
                a.conn.db.master_stash().owner().find(&a.identity).map_or(0, |m| m.currency_cp),
                master_before,
                "nothing reached the master stash",
            )?;
            wait_for("one RunLost event", WAIT, || events(&a, EventKind::RunLost, id).len() == 1)?;
            let ev = events(&a, EventKind::RunLost, id).remove(0);
            check_eq(
                (detail(&ev, "cause"), detail(&ev, "currency_lost_cp"), detail(&ev, "stash_items_lost")),
                ("death".into(), "40".into(), "1".into()),
                "RunLost detail",
            )?;
            check(detail(&ev, "equipped_lost").contains(&potion.to_string()), format!("belt lost: {}", ev.detail))?;
            check(!events(&a, EventKind::Died, id).is_empty(), "a Died event")?;
            // a dead character cannot extract (nor wipe: the run is already lost)
            a.fails_with("extract", "E_CHARACTER_DEAD", move |r| r.extract(id))?;
            a.fails_with("wipe", "E_NO_ACTIVE_RUN", move |r| r.wipe(id))?;
            a.fails_with("move_to", "E_CHARACTER_DEAD", move |r| r.move_to(id, "village".into()))?;
            // nor set out on a new run, nor rest back to life
            a.fails_with("begin_run", "E_CHARACTER_DEAD", move |r| r.begin_run(id))?;
            a.fails_with("rest", "E_CHARACTER_DEAD", move |r| r.rest(id, RestKind::Long, 0))?;
            a.fails_with("equip", "E_CHARACTER_DEAD", move |r| r.equip(id, weapon, LoadoutSlot::MainHand))
        })
    });

    r.run("stakes: a death by a buff loses the run too (dnd5e: exhaustion 6; lite: venom while down)", || {
        let admin = Client::admin(env)?;
        let (a, id, uids) = runner_with_bag(env, &admin, &fx, "Unlucky", &[(ids.junk, 3)])?;
        let junk = uids[0];
        if env.ruleset == "lite" {
            // down at 0 HP, then a venom tick is a hit while down (buffs::run_ticks)
            admin.ok("admin_damage", move |r| r.admin_damage(id, 500))?;
            admin_apply_buff(&admin, id, "venom")?;
        } else {
            // exhaustion 6 kills (buffs::kill)
            admin_apply_buff(&admin, id, "exhaustion_6")?;
        }
        wait_for("dead", Duration::from_secs(10), || {
            a.conn.db.character().id().find(&id).is_some_and(|c| c.sheet.vitals.dead)
        })?;
        wait_for("RunLost (cause=death) and the bag gone", WAIT, || {
            item(&a, junk).is_none() && events(&a, EventKind::RunLost, id).iter().any(|e| detail(e, "cause") == "death")
        })?;
        check(a.conn.db.run_state().character_id().find(&id).is_some_and(|s| !s.active), "the run is over")
    });

    r.run("stakes: a death outside a run loses nothing", || {
        let admin = Client::admin(env)?;
        let (a, id, uids) = runner_with_bag(env, &admin, &fx, "Homebody", &[(ids.junk, 4)])?;
        let junk = uids[0];
        // home safely first: the bag reaches the master stash
        travel(&a, id, "village")?;
        a.ok("extract", move |r| r.extract(id))?;
        wait_for("extracted", WAIT, || item(&a, junk).is_some_and(|r| r.place == PlaceKind::MasterStash))?;
        kill(&admin, &a, id)?;
        wait_for("Died event", WAIT, || !events(&a, EventKind::Died, id).is_empty())?;
        check(item(&a, junk).is_some_and(|r| r.place == PlaceKind::MasterStash), "the master stash keeps it")?;
        check(events(&a, EventKind::RunLost, id).is_empty(), "no RunLost outside a run")
    });

    r.run("stakes: extract is refused mid-fight and away from a safe place, allowed at one", || {
        let admin = Client::admin(env)?;
        let (a, id, uids) = runner_with_bag(env, &admin, &fx, "Cautious", &[(ids.junk, 5)])?;
        let junk = uids[0];
        let msg = match a.call("extract", move |r| r.extract(id))? {
            Ok(()) => return Err("extracted at the crossroads".into()),
            Err(m) => m,
        };
        check(
            msg.starts_with("E_NOT_SAFE_TO_EXTRACT:") && msg.contains(LOC),
            format!("names the place and the fix: {msg}"),
        )?;
        let rat = spawn_monsters(&admin, "rat", 1)?[0];
        a.ok("start_combat", move |r| r.start_combat(id, vec![], vec![rat]))?;
        let fight = combat_of(&a, id).ok_or("no combat")?;
        if fight.status == FightStatus::Active {
            a.fails_with("extract", "E_IN_COMBAT", move |r| r.extract(id))?;
            check(item(&a, junk).is_some_and(|r| r.place == PlaceKind::RunStash), "the bag stays in the run")?;
            a.ok("flee", move |r| r.flee(id))?;
        }
        wait_for("fight over", WAIT, || combat_of(&a, id).is_some_and(|c| c.status != FightStatus::Active))?;
        check(fight.status == FightStatus::Active, "the fight was still on when extract was tried")?;
        travel(&a, id, "village")?;
        a.ok("extract", move |r| r.extract(id))?;
        wait_for("the bag is home", WAIT, || item(&a, junk).is_some_and(|r| r.place == PlaceKind::MasterStash))?;
        wait_for("RunExtracted event", WAIT, || !events(&a, EventKind::RunExtracted, id).is_empty())
    });

    r.run("stakes: deleting a character during a run loses the run", || {
        let admin = Client::admin(env)?;
        with_config(&admin, &[("wipe_difficulty", "hardcore")], || {
            let (a, id, uids) = runner_with_bag(env, &admin, &fx, "Vanisher", &[(ids.weapon, 1), (ids.junk, 6)])?;
            let (weapon, junk) = (uids[0], uids[1]);
            a.ok("equip", move |r| r.equip(id, weapon, LoadoutSlot::MainHand))?;
            admin.ok("admin_grant_currency", move |r| r.admin_grant_currency(id, 25))?;
            let me = a.identity;
            a.ok("delete_character", move |r| r.delete_character(id))?;
            wait_for("character gone", WAIT, || a.conn.db.character().id().find(&id).is_none())?;
            check(item(&a, junk).is_none(), "the bag is lost, not moved home")?;
            check(item(&a, weapon).is_none(), "hardcore: the equipped weapon is lost too")?;
            check_eq(
                a.conn.db.master_stash().owner().find(&me).map_or(0, |m| m.currency_cp),
                0,
                "no run currency reached the master stash",
            )?;
            wait_for("RunLost event", WAIT, || !events(&a, EventKind::RunLost, id).is_empty())?;
            let ev = events(&a, EventKind::RunLost, id).remove(0);
            check_eq(
                (detail(&ev, "cause"), detail(&ev, "currency_lost_cp")),
                ("deleted".into(), "25".into()),
                "RunLost detail",
            )
        })
    });

    r.run("stakes: a long rest lowers the exhaustion condition by one level", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let id = create(&a, &fx, "Weary Walker")?.id;
        travel(&a, id, "village")?;
        admin_apply_buff(&admin, id, ids.exhausted_2)?;
        wait_for("exhausted (level 2)", WAIT, || buff_ids(&a, id) == vec![ids.exhausted_2.to_string()])?;
        with_config(&admin, &[("short_rest_secs", "1"), ("long_rest_secs", "2")], || {
            a.ok("rest", move |r| r.rest(id, RestKind::Long, 0))?;
            wait_for("one level less after a long rest", Duration::from_secs(10), || {
                buff_ids(&a, id) == vec![ids.exhausted_1.to_string()]
            })?;
            check_eq(events(&a, EventKind::RestCompleted, id).len(), 1, "one rest completed")?;
            a.ok("rest", move |r| r.rest(id, RestKind::Long, 0))?;
            wait_for("no exhaustion after a second long rest", Duration::from_secs(10), || {
                buff_ids(&a, id).is_empty() && events(&a, EventKind::RestCompleted, id).len() == 2
            })?;
            check(
                a.conn.db.world_event().iter().any(|e| {
                    e.kind == EventKind::BuffRemoved
                        && e.actors.first() == Some(&id)
                        && detail(&e, "reason") == "rest"
                        && detail(&e, "buff") == ids.exhausted_1
                }),
                "BuffRemoved (reason=rest) for the last level",
            )
        })
    });
}
