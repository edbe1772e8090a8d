//! One truth, in play: the numbers a client reads in `effective_stats` are the numbers the fight
//! rolls with, and what happens to a fighting character outside the fight (a buff applied, a
//! buff's periodic damage) reaches its fight at once.

use crate::harness::{check, check_eq, wait_for, Client, Env, Runner, TestResult};
use crate::module_bindings::*;
use crate::scenarios::buffs::stat;
use crate::scenarios::combat::{close_in, combat_of, events_for_combat, spawn};
use crate::scenarios::foundation::{create, fixture};
use spacetimedb_sdk::Table;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

pub(crate) fn combatant_of(c: &Client, combat_id: u64, combatant_id: u64) -> Option<CombatantRow> {
    c.conn.db.combatant().iter().find(|r| r.combat_id == combat_id && r.combatant_id == combatant_id)
}

/// The ruleset's AC buff (+2 Shield of Faith in dnd5e, +1 Warded in lite) and its bonus.
fn ac_buff(env: &Env) -> (&'static str, i32) {
    if env.ruleset == "lite" {
        ("warded", 1)
    } else {
        ("shield_of_faith", 2)
    }
}

/// The ruleset's periodic poison (Venom).
fn venom(env: &Env) -> &'static str {
    if env.ruleset == "lite" {
        "venom"
    } else {
        "poison_dot"
    }
}

pub(crate) fn flee_out(c: &Client, id: u64) -> TestResult {
    // Flee on my turn; if the rules refuse (the action is spent), end the turn and try on the next.
    for _ in 0..6 {
        match combat_of(c, id) {
            Some(f) if f.status == FightStatus::Active && f.current_combatant == Some(id) => {
                if !matches!(c.call("flee", move |r| r.flee(id)), Ok(Ok(()))) {
                    let _ = c.call("end_turn", move |r| r.end_turn(id));
                }
            }
            Some(f) if f.status == FightStatus::Active => std::thread::sleep(Duration::from_millis(200)),
            _ => return Ok(()),
        }
    }
    wait_for("the fight is over", WAIT, || combat_of(c, id).is_none_or(|f| f.status != FightStatus::Active))
}

/// End my turns (up to `turns` of them) until a monster's attack on character `me` is an event of
/// fight `combat_id`; that event (`None`: no attack came, or the fight ended).
pub(crate) fn await_attack_on(c: &Client, combat_id: u64, me: u64, turns: usize) -> Result<Option<WorldEvent>, String> {
    for _ in 0..turns {
        let hit = events_for_combat(c, combat_id, EventKind::CombatAction)
            .into_iter()
            .find(|e| e.detail.contains(";kind=Attack;") && e.detail.contains(&format!(";target={me}")));
        if hit.is_some() {
            return Ok(hit);
        }
        match combat_of(c, me) {
            Some(f) if f.status == FightStatus::Active && f.current_combatant == Some(me) => {
                c.ok("end_turn", move |r| r.end_turn(me))?;
            }
            Some(f) if f.status == FightStatus::Active => std::thread::sleep(Duration::from_millis(200)),
            _ => break,
        }
    }
    Ok(None)
}

pub fn run(env: &Env, r: &mut Runner) {
    let fx = fixture(env);

    r.run("truth: a buff's AC is the combatant's AC and the AC monsters roll against", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let me = create(&a, &fx, "Shielded")?;
        let id = me.id;
        let base = stat(&a, id, Stat::ArmorClass).ok_or("no effective AC")?;
        let (buff, bonus) = ac_buff(env);
        let b = buff.to_string();
        admin.ok("admin_apply_buff", move |r| r.admin_apply_buff(id, b, 0, Some(600)))?;
        wait_for("effective AC raised", WAIT, || stat(&a, id, Stat::ArmorClass) == Some(base + bonus))?;
        let rats = spawn(&admin, "rat", 2)?;
        a.ok("start_combat", move |r| r.start_combat(id, vec![], rats))?;
        let fight = combat_of(&a, id).ok_or("no combat")?;
        wait_for("my combatant row", WAIT, || combatant_of(&a, fight.id, id).is_some())?;
        let row = combatant_of(&a, fight.id, id).ok_or("no combatant row")?;
        check_eq(row.ac, base + bonus, "combatant.ac equals the effective AC")?;
        // Let the rats attack (end my turns) until one of their attacks is logged, then read the
        // AC it rolled against from its text.
        let needle = if env.ruleset == "lite" {
            format!("vs defense {}", base + bonus)
        } else {
            format!("vs AC {}", base + bonus)
        };
        let attack = await_attack_on(&a, fight.id, id, 4);
        let _ = flee_out(&a, id);
        let e = attack?.ok_or("no rat attacked within four turns")?;
        check(e.text.contains(&needle), format!("a rat's attack rolls against {needle}: {}", e.text))
    });

    r.run("truth: a buff applied mid-fight changes the combatant at once, its end changes it back", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let me = create(&a, &fx, "Midfight")?;
        let id = me.id;
        let base = stat(&a, id, Stat::ArmorClass).ok_or("no effective AC")?;
        let rat = spawn(&admin, "rat", 1)?[0];
        a.ok("start_combat", move |r| r.start_combat(id, vec![], vec![rat]))?;
        let fight = combat_of(&a, id).ok_or("no combat")?;
        check_eq(fight.status, FightStatus::Active, "a fresh rat cannot end the fight before my first turn")?;
        wait_for("my combatant row", WAIT, || combatant_of(&a, fight.id, id).is_some_and(|r| r.ac == base))?;
        let (buff, bonus) = ac_buff(env);
        let b = buff.to_string();
        admin.ok("admin_apply_buff", move |r| r.admin_apply_buff(id, b, 0, Some(600)))?;
        wait_for("the combatant's AC follows the buff", WAIT, || {
            combatant_of(&a, fight.id, id).is_some_and(|r| r.ac == base + bonus)
        })?;
        let logged = a
            .conn
            .db
            .combat_action_log()
            .iter()
            .any(|l| l.combat_id == fight.id && l.source == CombatLogSource::Outside && l.actor == id);
        check(logged, "the change is a logged step of the fight (replayable)")?;
        let inst =
            a.conn.db.active_buff().iter().find(|x| x.target_id == id && x.buff_id == buff).ok_or("no buff row")?;
        let iid = inst.id;
        admin.ok("admin_remove_buff", move |r| r.admin_remove_buff(iid))?;
        wait_for("the combatant's AC back", WAIT, || combatant_of(&a, fight.id, id).is_some_and(|r| r.ac == base))?;
        flee_out(&a, id)
    });

    r.run("truth: poison ticking during a fight is damage in the fight, and the fight's end keeps it", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let me = create(&a, &fx, "Envenomed")?;
        let id = me.id;
        let rat = spawn(&admin, "rat", 1)?[0];
        a.ok("start_combat", move |r| r.start_combat(id, vec![], vec![rat]))?;
        let fight = combat_of(&a, id).ok_or("no combat")?;
        check_eq(fight.status, FightStatus::Active, "a fresh rat cannot end the fight before my first turn")?;
        wait_for("my combatant row", WAIT, || combatant_of(&a, fight.id, id).is_some())?;
        let v = venom(env).to_string();
        admin.ok("admin_apply_buff", move |r| r.admin_apply_buff(id, v, 0, Some(30)))?;
        // The first tick lands 6 s after the application, through the fight.
        wait_for("a tick in the fight's log", Duration::from_secs(10), || {
            a.conn.db.combat_action_log().iter().any(|l| {
                l.combat_id == fight.id
                    && l.source == CombatLogSource::Outside
                    && l.lines.iter().any(|x| x.contains("Venom"))
            })
        })?;
        let hp_in_fight = combatant_of(&a, fight.id, id).ok_or("no combatant row")?.hp;
        check(
            hp_in_fight < me.sheet.vitals.hp,
            format!("the combatant took the tick: {hp_in_fight} < {}", me.sheet.vitals.hp),
        )?;
        // End the fight now (before the next tick): the sheet keeps the fight's HP.
        let vid = a.conn.db.active_buff().iter().find(|x| x.target_id == id && x.buff_id == venom(env)).map(|x| x.id);
        if let Some(iid) = vid {
            admin.ok("admin_remove_buff", move |r| r.admin_remove_buff(iid))?;
        }
        a.ok("flee", move |r| r.flee(id))?;
        wait_for("fight over", WAIT, || combat_of(&a, id).is_some_and(|f| f.status != FightStatus::Active))?;
        let final_hp = combatant_of(&a, fight.id, id).ok_or("no combatant row")?.hp;
        wait_for("the sheet holds the fight's HP", WAIT, || {
            a.conn.db.character().id().find(&id).is_some_and(|c| c.sheet.vitals.hp == final_hp)
        })?;
        check(final_hp < me.sheet.vitals.hp, "the tick's damage survived the fight's end")
    });

    if env.ruleset == "dnd5e" {
        r.run("truth: a +1 weapon's bonus is in the attack's dice log", || {
            let admin = Client::admin(env)?;
            let a = Client::fresh(env)?;
            let me = create(&a, &fx, "Blade")?;
            let id = me.id;
            let (x, y) = (9_400.0, 9_400.0);
            a.ok("step_to", move |r| r.step_to(id, x, y))?;
            a.ok("begin_run", move |r| r.begin_run(id))?;
            admin.ok("admin_spawn_world_item", move |r| {
                r.admin_spawn_world_item("dagger_plus_1".into(), 1, "crossroads".into(), x, y, 5.0, 600.0)
            })?;
            a.ok("pick_up", move |r| r.pick_up(id))?;
            let mut uid = 0;
            wait_for("the dagger in the bag", WAIT, || {
                uid = a
                    .conn
                    .db
                    .item_instance()
                    .iter()
                    .find(|i| i.character_id == id && i.def_id == "dagger_plus_1")
                    .map(|i| i.uid)
                    .unwrap_or(0);
                uid != 0
            })?;
            a.ok("equip", move |r| r.equip(id, uid, LoadoutSlot::MainHand))?;
            wait_for("effective attack bonus +1", WAIT, || stat(&a, id, Stat::AttackBonus) == Some(1))?;
            let derived = a.conn.db.character_stats().character_id().find(&id).ok_or("no character_stats")?.derived;
            // Finesse: the better of STR and DEX, with proficiency; plus the dagger's +1.
            let want = derived.attack_bonuses.str.max(derived.attack_bonuses.dex) + 1;
            let rat = spawn(&admin, "rat", 1)?[0];
            a.ok("start_combat", move |r| r.start_combat(id, vec![], vec![rat]))?;
            let fight = combat_of(&a, id).ok_or("no combat")?;
            check_eq(fight.status, FightStatus::Active, "a fresh rat cannot end the fight before my first turn")?;
            wait_for("my turn", WAIT, || combat_of(&a, id).is_some_and(|f| f.current_combatant == Some(id)))?;
            let target = 1u64 << 48 | rat;
            close_in(&a, fight.id, id, target)?;
            a.ok("attack", move |r| r.attack(id, target, 0))?;
            let mut entry = None;
            wait_for("my attack's event", WAIT, || {
                entry = events_for_combat(&a, fight.id, EventKind::CombatAction)
                    .into_iter()
                    .filter(|e| e.detail.contains(";kind=Attack;") && e.detail.contains(&format!(";actor={id};")))
                    .find_map(|e| e.dice.into_iter().find(|d| d.purpose.contains("attack")));
                entry.is_some()
            })?;
            let entry = entry.ok_or("no attack roll in the dice log")?;
            check_eq(entry.modifier, want, &format!("to-hit modifier of {}", entry.purpose))?;
            flee_out(&a, id)
        });
    }
}
