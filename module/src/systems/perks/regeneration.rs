//! Regeneration (per-character tick): while hurt and conscious, regain 1d4 HP every 60 s of the
//! owner's time. Nothing at 0 HP (dying creatures need healing or saves first).

use super::hooks::{CharTick, PerkHooks, ALL_RULESETS};
use crate::rules::DiceSource;

pub const EVERY_SECS: u32 = 60;

pub const HOOKS: PerkHooks =
    PerkHooks { character_tick: Some(character_tick), ..PerkHooks::new("regeneration", ALL_RULESETS) };

pub fn character_tick(t: &mut CharTick<'_>, rng: &mut dyn DiceSource) {
    let v = &mut t.sheet.vitals;
    if v.dead || v.hp <= 0 || v.hp >= v.max_hp {
        t.state.timer_secs = 0;
        return;
    }
    t.state.timer_secs = t.state.timer_secs.saturating_add(t.secs);
    let mut total = 0;
    while t.state.timer_secs >= EVERY_SECS && v.hp < v.max_hp {
        t.state.timer_secs -= EVERY_SECS;
        let d4 = rng.roll_die(4);
        let before = v.hp;
        v.hp = (v.hp + d4).min(v.max_hp);
        total += v.hp - before;
    }
    if v.hp >= v.max_hp {
        t.state.timer_secs = 0;
    }
    if total > 0 {
        t.notes.push(format!("{} regenerates {total} HP ({}/{})", t.sheet.name, v.hp, v.max_hp));
    }
}
