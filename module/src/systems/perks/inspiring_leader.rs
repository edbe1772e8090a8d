//! Inspiring Leader (global effects step, after buff upkeep): every 600 s of world time each
//! conscious owner gains temporary HP equal to its level + CHA modifier (SRD formula, at least
//! 0); temporary HP do not stack, the higher stays.

use super::hooks::{EffectsOwner, PerkHooks, ALL_RULESETS};
use crate::rules::{Ability, DiceSource};

pub const EVERY_SECS: u32 = 600;

pub const HOOKS: PerkHooks =
    PerkHooks { effects_step: Some(effects_step), ..PerkHooks::new("inspiring_leader", ALL_RULESETS) };

pub fn temp_hp_for(owner: &EffectsOwner) -> i32 {
    let cha = owner.sheet.scores.get(Ability::Cha) as i32;
    owner.sheet.level as i32 + ((cha - 10).div_euclid(2)).max(0)
}

pub fn effects_step(owners: &mut [EffectsOwner], secs: u32, _rng: &mut dyn DiceSource, notes: &mut Vec<String>) {
    for o in owners.iter_mut() {
        if o.sheet.vitals.dead || o.sheet.vitals.hp <= 0 {
            continue;
        }
        o.state.timer_secs = o.state.timer_secs.saturating_add(secs);
        o.changed = true;
        if o.state.timer_secs >= EVERY_SECS {
            o.state.timer_secs %= EVERY_SECS;
            let amount = temp_hp_for(o);
            let now = crate::rules::damage::grant_temp_hp(&mut o.sheet.vitals, amount);
            notes.push(format!("{} is inspired: {now} temporary HP", o.sheet.name));
        }
    }
}
