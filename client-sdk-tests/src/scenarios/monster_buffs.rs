//! Monsters carry buffs and conditions like characters, in play: an admin applies them to a
//! spawned monster through the same `admin_apply_buff` (target = `MONSTER_ID_BASE` + instance id, the
//! monster's combatant id), they sit in the same `active_buff` table, they change the monster's
//! combatant (a poisoned rat bites with disadvantage: two d20 in the dice log, three d6 in lite;
//! an AC buff is its `combatant.ac`, at once when applied mid-fight), its condition immunities
//! refuse, and the rows go when the monster dies (in a fight, or of poison outside one).

use crate::harness::{check, check_eq, wait_for, Client, Env, Runner, TestResult};
use crate::module_bindings::*;
use crate::scenarios::combat::{combat_of, events_for_combat, spawn};
use crate::scenarios::foundation::{create, fixture};
use crate::scenarios::truth::{await_attack_on, combatant_of, flee_out};
use spacetimedb_sdk::Table;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);
/// Monster combatant and buff-target ids: `MONSTER_ID_BASE + instance id`.
const MONSTER_ID_BASE: u64 = 1 << 48;

fn buffs_on(c: &Client, target: u64) -> Vec<ActiveBuffRow> {
    c.conn.db.active_buff().iter().filter(|b| b.target_id == target).collect()
}

/// The ruleset's AC buff (+2 Shield of Faith in dnd5e, +2 Guarded in lite; not lite's Warded,
/// which ends Poisoned) and its bonus.
fn ac_buff(env: &Env) -> (&'static str, i32) {
    if env.ruleset == "lite" {
        ("guarded", 2)
    } else {
        ("shield_of_faith", 2)
    }
}

/// The ruleset's periodic poison and how many applications kill a fresh rat at its first tick
/// (dnd5e: 1d4 against 1 HP; lite: 1 a stack against 3 HP).
fn venom(env: &Env) -> (&'static str, usize) {
    if env.ruleset == "lite" {
        ("venom", 3)
    } else {
        ("poison_dot", 1)
    }
}

fn apply(admin: &Client, target: u64, buff: &str) -> TestResult {
    let b = buff.to_string();
    admin.ok("admin_apply_buff", move |r| r.admin_apply_buff(target, b, 0, Some(600)))
}

pub fn run(env: &Env, r: &mut Runner) {
    let fx = fixture(env);

    r.run("monster buffs: unknown monsters and condition immunities refuse", || {
        let admin = Client::admin(env)?;
        admin.fails_with("admin_apply_buff", "E_UNKNOWN_MONSTER", |r| {
            r.admin_apply_buff(MONSTER_ID_BASE + 999_999_999, "poisoned".into(), 0, Some(60))
        })?;
        admin.fails_with("admin_dispel", "E_UNKNOWN_MONSTER", |r| {
            r.admin_dispel(MONSTER_ID_BASE + 999_999_999, BuffCategory::Magical)
        })?;
        // Skeletons are immune to poisoned (both rulesets' monsters.csv).
        let skel = MONSTER_ID_BASE + spawn(&admin, "skeleton", 1)?[0];
        admin.fails_with("admin_apply_buff", "E_BUFF_IMMUNE", |r| {
            r.admin_apply_buff(skel, "poisoned".into(), 0, Some(60))
        })?;
        check(buffs_on(&admin, skel).is_empty(), "no row for a refused buff")?;
        let (ac, _) = ac_buff(env);
        apply(&admin, skel, ac)?;
        wait_for("the skeleton's buff row", WAIT, || buffs_on(&admin, skel).iter().any(|b| b.buff_id == ac))
    });

    r.run("monster buffs: a poisoned rat bites with disadvantage, an AC buff is its combatant's AC", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let me = create(&a, &fx, "RatBaiter")?;
        let id = me.id;
        let rats = spawn(&admin, "rat", 2)?;
        let (r1, r2) = (MONSTER_ID_BASE + rats[0], MONSTER_ID_BASE + rats[1]);
        let (ac, bonus) = ac_buff(env);
        apply(&admin, r1, "poisoned")?;
        apply(&admin, r2, "poisoned")?;
        apply(&admin, r1, ac)?;
        wait_for("the rats' buff rows", WAIT, || buffs_on(&a, r1).len() == 2 && buffs_on(&a, r2).len() == 1)?;
        a.ok("start_combat", move |r| r.start_combat(id, vec![], rats))?;
        let fight = combat_of(&a, id).ok_or("no combat")?;
        check_eq(fight.status, FightStatus::Active, "two rats cannot end the fight before my first turn")?;
        wait_for("the rats' combatant rows", WAIT, || {
            combatant_of(&a, fight.id, r1).is_some() && combatant_of(&a, fight.id, r2).is_some()
        })?;
        let (ac1, ac2) = (combatant_of(&a, fight.id, r1).unwrap().ac, combatant_of(&a, fight.id, r2).unwrap().ac);
        check_eq(ac1, ac2 + bonus, "the buffed rat's combatant.ac")?;
        // Mid-fight: the other rat's combatant follows its new buff at once.
        apply(&admin, r2, ac)?;
        wait_for("the second rat's AC follows its buff", WAIT, || {
            combatant_of(&a, fight.id, r2).is_some_and(|r| r.ac == ac2 + bonus)
        })?;
        let logged = a
            .conn
            .db
            .combat_action_log()
            .iter()
            .any(|l| l.combat_id == fight.id && l.source == CombatLogSource::Outside && l.actor == r2);
        check(logged, "the monster's change is a logged step of the fight")?;
        // End my turns until a rat bites: its attack roll keeps the lower of two d20 (lite: 3d6 keep 2).
        let want = if env.ruleset == "lite" { "3d6kl2" } else { "2d20kl1" };
        let attack = await_attack_on(&a, fight.id, id, 6);
        let _ = flee_out(&a, id);
        let e = attack?.ok_or("no rat attacked within six turns")?;
        let d = e.dice.into_iter().find(|d| d.purpose.contains("attack")).ok_or("no attack roll in the dice log")?;
        check(
            d.expr.starts_with(want) && d.rolls.len() == if env.ruleset == "lite" { 3 } else { 2 },
            format!("a poisoned rat's attack roll is {want}: {} {:?}", d.expr, d.rolls),
        )
    });

    r.run("monster buffs: poison kills a fighting rat in its fight, and its buffs go with it", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let me = create(&a, &fx, "RatWatcher")?;
        let id = me.id;
        let rat = spawn(&admin, "rat", 1)?[0];
        let target = MONSTER_ID_BASE + rat;
        a.ok("start_combat", move |r| r.start_combat(id, vec![], vec![rat]))?;
        let fight = combat_of(&a, id).ok_or("no combat")?;
        check_eq(fight.status, FightStatus::Active, "a fresh rat cannot end the fight before my first turn")?;
        let (v, n) = venom(env);
        for _ in 0..n {
            apply(&admin, target, v)?;
        }
        apply(&admin, target, "poisoned")?;
        wait_for("the rat's buff rows", WAIT, || buffs_on(&a, target).len() == 2)?;
        // The first tick, 6 s later, is damage in the fight: the rat dies there, the fight ends.
        wait_for("the rat dies of poison in the fight", Duration::from_secs(12), || {
            a.conn.db.monster_instance().id().find(&rat).is_none()
        })?;
        let tick_logged = a
            .conn
            .db
            .combat_action_log()
            .iter()
            .any(|l| l.combat_id == fight.id && l.source == CombatLogSource::Outside && l.actor == target);
        check(tick_logged, "the tick is a logged step of the fight")?;
        wait_for("no buff row outlives the rat", WAIT, || buffs_on(&a, target).is_empty())?;
        check(
            !events_for_combat(&a, fight.id, EventKind::MonsterKilled).is_empty(),
            "a MonsterKilled event for the fight",
        )?;
        let f = combat_of(&a, id).ok_or("no combat")?;
        check(f.status != FightStatus::Active, "the fight is over")
    });

    r.run("monster buffs: poison kills a rat outside a fight, and its buffs go with it", || {
        let admin = Client::admin(env)?;
        let rat = spawn(&admin, "rat", 1)?[0];
        let target = MONSTER_ID_BASE + rat;
        let (v, n) = venom(env);
        for _ in 0..n {
            apply(&admin, target, v)?;
        }
        let (ac, _) = ac_buff(env);
        apply(&admin, target, ac)?;
        wait_for("the rat's buff rows", WAIT, || buffs_on(&admin, target).len() == 2)?;
        wait_for("the rat dies of poison", Duration::from_secs(12), || {
            admin.conn.db.monster_instance().id().find(&rat).is_none()
        })?;
        let killed = admin
            .conn
            .db
            .world_event()
            .iter()
            .any(|e| e.kind == EventKind::MonsterKilled && e.detail.starts_with(&format!("monster={rat};")));
        check(killed, "a MonsterKilled event names the rat")?;
        wait_for("no buff row outlives the rat", WAIT, || buffs_on(&admin, target).is_empty())
    });
}
