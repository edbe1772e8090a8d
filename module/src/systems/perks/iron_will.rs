//! Iron Will (requires Tough): +2 to Wisdom saving throws.

use super::hooks::{PerkHooks, PerkState, ALL_RULESETS};
use crate::rules::{Ability, DerivedStats};

pub const HOOKS: PerkHooks =
    PerkHooks { adjust_derived: Some(adjust_derived), ..PerkHooks::new("iron_will", ALL_RULESETS) };

pub fn adjust_derived(d: &mut DerivedStats, _state: &PerkState) {
    let v = d.save_bonuses.get(Ability::Wis);
    d.save_bonuses.set(Ability::Wis, v + 2);
}
