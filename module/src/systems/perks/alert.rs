//! Alert: +5 initiative (shown in the derived stats; added to the combatant when a fight starts).

use super::hooks::{PerkHooks, PerkState, ALL_RULESETS};
use crate::rules::DerivedStats;

pub const BONUS: i32 = 5;

pub const HOOKS: PerkHooks = PerkHooks {
    adjust_derived: Some(adjust_derived),
    initiative_bonus: Some(initiative_bonus),
    ..PerkHooks::new("alert", ALL_RULESETS)
};

pub fn adjust_derived(d: &mut DerivedStats, _state: &PerkState) {
    d.initiative_bonus += BONUS;
}

pub fn initiative_bonus(_state: &PerkState) -> i32 {
    BONUS
}
