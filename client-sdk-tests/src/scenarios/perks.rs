//! Scenarios: level up → offer → choose → effect in derived stats; the death-hook perk
//! (Relentless Endurance) keeps a character at 1 HP once, then not again until a long rest;
//! Second Wind as an action; rejection codes.

use crate::harness::{check, check_eq, wait_for, Client, Env, Runner, TestResult};
use crate::module_bindings::*;
use crate::scenarios::foundation::{create, fixture, Fixture};
use spacetimedb_sdk::Table;
use std::time::Duration;

const T: Duration = Duration::from_secs(5);

fn offers(c: &Client, id: u64) -> Vec<PerkOffer> {
    let mut v: Vec<PerkOffer> = c.conn.db.perk_offer().iter().filter(|o| o.character_id == id).collect();
    v.sort_by_key(|o| o.id);
    v
}

fn perk_state(c: &Client, id: u64, perk: &str) -> Option<PerkState> {
    c.conn.db.character_perk().iter().find(|p| p.character_id == id && p.perk_id == perk).map(|p| p.state)
}

fn ch(c: &Client, id: u64) -> Result<Character, String> {
    c.conn.db.character().id().find(&id).ok_or_else(|| format!("character {id} vanished"))
}

fn events(c: &Client, kind: EventKind, id: u64) -> usize {
    c.conn.db.world_event().iter().filter(|e| e.kind == kind && e.actors.first() == Some(&id)).count()
}

/// Grant XP and wait until the cache shows the new XP total.
fn grant_xp(admin: &Client, id: u64, xp: u32) -> TestResult {
    wait_for("the character in the admin's cache", T, || ch(admin, id).is_ok())?;
    let before = ch(admin, id)?.sheet.xp;
    admin.ok("admin_grant_xp", move |r| r.admin_grant_xp(id, xp))?;
    wait_for("the XP total", T, || ch(admin, id).is_ok_and(|c| c.sheet.xp == before + xp))
}

/// One `admin_damage` hit that would kill a healthy character outright (dnd5e: massive damage;
/// lite: a hit while down kills), waited for through its event.
fn hit(admin: &Client, id: u64) -> TestResult {
    let n = events(admin, EventKind::HpSet, id);
    admin.ok("admin_damage", move |r| r.admin_damage(id, 10_000))?;
    wait_for("the damage event", T, || events(admin, EventKind::HpSet, id) > n)
}

/// Hit until the character is dead or a perk saved it (hp back at 1 after being at 0).
fn kill(admin: &Client, id: u64) -> Result<bool, String> {
    let saves = events(admin, EventKind::PerkTriggered, id);
    for _ in 0..3 {
        hit(admin, id)?;
        if events(admin, EventKind::PerkTriggered, id) > saves {
            return Ok(true);
        }
        if ch(admin, id)?.sheet.vitals.dead {
            return Ok(false);
        }
    }
    Err("three lethal hits neither killed nor were prevented".into())
}

fn travel(c: &Client, id: u64, to: &str) -> TestResult {
    let dest = to.to_string();
    c.ok("move_to", move |r| r.move_to(id, dest))?;
    wait_for(&format!("arrival at {to}"), Duration::from_secs(15), || ch(c, id).is_ok_and(|x| x.location_id == to))
}

/// Perks whose effect shows in the derived stats / sheet at once.
const VISIBLE: [&str; 3] = ["alert", "tough", "resilient"];

pub fn run(env: &Env, r: &mut Runner) {
    let fx: Fixture = fixture(env);

    r.run("perks: level up offers perks; the choice shows in derived stats; rejections", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let b = Client::fresh(env)?;
        let c = create(&a, &fx, "Perky")?;
        let id = c.id;
        check(offers(&a, id).is_empty(), "no offer at level 1")?;
        wait_for("perk_def rows", T, || a.conn.db.perk_def().count() >= 10)?;
        // Level up until an offer holds a perk with an at-once visible effect.
        let mut found = None;
        for _ in 0..8 {
            grant_xp(&admin, id, 1_000)?;
            wait_for("an offer", T, || !offers(&a, id).is_empty())?;
            found = offers(&a, id)
                .into_iter()
                .filter(|o| o.chosen.is_none())
                .find_map(|o| o.choices.iter().find(|p| VISIBLE.contains(&p.as_str())).map(|p| (o.id, p.clone())));
            if found.is_some() {
                break;
            }
        }
        let (offer_id, perk) = found.ok_or("no offer with alert, tough or resilient in 8 grants")?;
        let o = a.conn.db.perk_offer().id().find(&offer_id).ok_or("offer row")?;
        check(!o.choices.is_empty() && o.choices.len() <= 3, "an offer holds 1..=3 perks")?;
        let lvl = ch(&a, id)?.sheet.level;
        check(lvl >= 2, "levelled up")?;
        check_eq(events(&a, EventKind::PerkOffered, id) >= 1, true, "PerkOffered event")?;

        // Someone else may not choose for this character; outside the offer is refused.
        let p = perk.clone();
        b.fails_with("choose_perk", "E_NOT_OWNER", move |r| r.choose_perk(offer_id, p))?;
        let outside =
            a.conn.db.perk_def().iter().map(|d| d.id).find(|d| !o.choices.contains(d)).ok_or("a perk outside")?;
        a.fails_with("choose_perk", "E_PERK_NOT_OFFERED", move |r| r.choose_perk(offer_id, outside))?;
        let p = perk.clone();
        a.fails_with("choose_perk", "E_UNKNOWN_OFFER", move |r| r.choose_perk(u64::MAX, p))?;

        let before = ch(&a, id)?;
        let init0 = a.conn.db.character_stats().character_id().find(&id).ok_or("stats")?.derived.initiative_bonus;
        let p = perk.clone();
        a.ok("choose_perk", move |r| r.choose_perk(offer_id, p))?;
        wait_for("character_perk row", T, || perk_state(&a, id, &perk).is_some_and(|s| s.stacks == 1))?;
        match perk.as_str() {
            "alert" => wait_for("initiative +5 in character_stats", T, || {
                a.conn
                    .db
                    .character_stats()
                    .character_id()
                    .find(&id)
                    .is_some_and(|s| s.derived.initiative_bonus == init0 + 5)
            })?,
            "tough" => {
                let want = before.sheet.vitals.max_hp + 2 * lvl as i32;
                wait_for("max HP +2 per level", T, || ch(&a, id).is_ok_and(|c| c.sheet.vitals.max_hp == want))?;
                wait_for("effective Max HP follows", T, || super::buffs::stat(&a, id, Stat::MaxHp) == Some(want))?
            }
            _ => {
                let want = (before.sheet.scores.con + 1).min(20);
                wait_for("CON +1", T, || ch(&a, id).is_ok_and(|c| c.sheet.scores.con == want))?;
                wait_for("effective CON follows", T, || super::buffs::stat(&a, id, Stat::Con) == Some(want as i32))?
            }
        }
        check_eq(
            a.conn.db.perk_offer().id().find(&offer_id).and_then(|o| o.chosen),
            Some(perk.clone()),
            "offer marked chosen",
        )?;
        // Twice from the same offer: refused.
        let p = perk.clone();
        a.fails_with("choose_perk", "E_OFFER_ALREADY_CHOSEN", move |r| r.choose_perk(offer_id, p))?;
        // Switched off at runtime: refused with the gate's code, then back on.
        admin.ok("admin_set_feature_enabled", |r| r.admin_set_feature_enabled("perks".into(), false))?;
        let p = perk.clone();
        let res = a.fails_with("choose_perk", "E_FEATURE_DISABLED", move |r| r.choose_perk(offer_id, p));
        admin.ok("admin_set_feature_enabled", |r| r.admin_set_feature_enabled("perks".into(), true))?;
        res
    });

    r.run("perks: Relentless Endurance keeps a character at 1 HP once, then not again until a long rest", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let c = create(&a, &fx, "Stubborn")?;
        let id = c.id;
        wait_for("the character in the admin's cache", T, || ch(&admin, id).is_ok())?;
        admin.ok("admin_grant_perk", move |r| r.admin_grant_perk(id, "relentless_endurance".into()))?;
        wait_for("the perk is owned, charged", T, || {
            perk_state(&a, id, "relentless_endurance").is_some_and(|s| s.charges == 1)
        })?;
        admin.fails_with("admin_grant_perk", "E_OFFER_ALREADY_CHOSEN", move |r| {
            r.admin_grant_perk(id, "relentless_endurance".into())
        })?;
        check(kill(&admin, id)?, "the first death is prevented")?;
        let v = ch(&admin, id)?.sheet.vitals;
        check(!v.dead && v.hp == 1, format!("alive at 1 HP, got hp {} dead {}", v.hp, v.dead))?;
        wait_for("the use is spent", T, || perk_state(&a, id, "relentless_endurance").is_some_and(|s| s.charges == 0))?;

        // A long rest restores it (at a safe place, short rest time for the test).
        travel(&a, id, "village")?;
        let long0 = admin.conn.db.config().id().find(&0).ok_or("config")?.rules.long_rest_secs.to_string();
        let short0 = admin.conn.db.config().id().find(&0).ok_or("config")?.rules.short_rest_secs.to_string();
        admin.ok("admin_set_config", |r| r.admin_set_config("short_rest_secs".into(), "1".into()))?;
        admin.ok("admin_set_config", |r| r.admin_set_config("long_rest_secs".into(), "2".into()))?;
        let rested = (|| {
            a.ok("rest", move |r| r.rest(id, RestKind::Long, 0))?;
            wait_for("the long rest completes", Duration::from_secs(8), || events(&a, EventKind::RestCompleted, id) > 0)
        })();
        admin.ok("admin_set_config", move |r| r.admin_set_config("long_rest_secs".into(), long0))?;
        admin.ok("admin_set_config", move |r| r.admin_set_config("short_rest_secs".into(), short0))?;
        rested?;
        wait_for("recharged by the long rest", T, || {
            perk_state(&a, id, "relentless_endurance").is_some_and(|s| s.charges == 1)
        })?;
        check(kill(&admin, id)?, "prevented again after the long rest")?;
        check_eq(ch(&admin, id)?.sheet.vitals.hp, 1, "at 1 HP again")?;
        // No rest in between: this time the character dies.
        check(!kill(&admin, id)?, "the next death is not prevented")?;
        wait_for("the owner sees the character dead", T, || ch(&a, id).is_ok_and(|c| c.sheet.vitals.dead))?;
        check(events(&admin, EventKind::Died, id) >= 1, "a Died event")
    });

    r.run("perks: Second Wind heals once (use_perk), rejections", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let b = Client::fresh(env)?;
        let c = create(&a, &fx, "Winded")?;
        let id = c.id;
        a.fails_with("use_perk", "E_PERK_NOT_OWNED", move |r| r.use_perk(id, "second_wind".into()))?;
        admin.ok("admin_grant_perk", move |r| r.admin_grant_perk(id, "second_wind".into()))?;
        wait_for("owned", T, || perk_state(&a, id, "second_wind").is_some_and(|s| s.charges == 1))?;
        admin.ok("admin_set_hp", move |r| r.admin_set_hp(id, 1))?;
        wait_for("hurt", T, || ch(&a, id).is_ok_and(|c| c.sheet.vitals.hp == 1))?;
        b.fails_with("use_perk", "E_NOT_OWNER", move |r| r.use_perk(id, "second_wind".into()))?;
        a.ok("use_perk", move |r| r.use_perk(id, "second_wind".into()))?;
        wait_for("healed by 1d10 + level", T, || ch(&a, id).is_ok_and(|c| c.sheet.vitals.hp >= 3))?;
        wait_for("spent", T, || perk_state(&a, id, "second_wind").is_some_and(|s| s.charges == 0))?;
        a.fails_with("use_perk", "E_PERK_NOT_READY", move |r| r.use_perk(id, "second_wind".into()))?;
        admin.ok("admin_grant_perk", move |r| r.admin_grant_perk(id, "alert".into()))?;
        a.fails_with("use_perk", "E_NOT_SUPPORTED", move |r| r.use_perk(id, "alert".into()))?;
        a.fails_with("use_perk", "E_UNKNOWN_PERK", move |r| r.use_perk(id, "nope".into()))
    });
}
