//! Resilient (stackable): +1 Constitution per pick, to at most 20. The score itself changes, so
//! every derived number that reads CON follows.

use super::hooks::{PerkHooks, PerkState, ALL_RULESETS};
use crate::rules::{Ability, CharacterSheet};

pub const HOOKS: PerkHooks = PerkHooks { on_pick: Some(on_pick), ..PerkHooks::new("resilient", ALL_RULESETS) };

pub fn on_pick(sheet: &mut CharacterSheet, _state: &mut PerkState) {
    let con = sheet.scores.get(Ability::Con);
    sheet.scores.set(Ability::Con, (con + 1).min(20).max(con));
}
