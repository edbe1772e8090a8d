//! Tough: +2 max HP per level when picked, and +2 more at every later level.

use super::hooks::{PerkHooks, PerkState, ALL_RULESETS};
use crate::rules::CharacterSheet;

pub const HOOKS: PerkHooks =
    PerkHooks { on_pick: Some(on_pick), on_level_up: Some(on_level_up), ..PerkHooks::new("tough", ALL_RULESETS) };

/// Raise max HP by `amount`; current HP follows unless the character is down (like a level up).
fn raise_max_hp(sheet: &mut CharacterSheet, amount: i32) {
    sheet.vitals.max_hp += amount;
    if sheet.vitals.hp > 0 && !sheet.vitals.dead {
        sheet.vitals.hp += amount;
    }
}

pub fn on_pick(sheet: &mut CharacterSheet, _state: &mut PerkState) {
    raise_max_hp(sheet, 2 * sheet.level as i32);
}

pub fn on_level_up(sheet: &mut CharacterSheet, state: &PerkState, levels: u8) {
    raise_max_hp(sheet, 2 * levels as i32 * state.stacks.max(1) as i32);
}
