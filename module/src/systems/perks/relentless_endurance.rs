//! Relentless Endurance (death hook): when the owner would die, it drops to 1 HP instead. Once;
//! a completed long rest restores the use.

use super::hooks::{PerkHooks, PerkState, ALL_RULESETS};
use crate::rules::{CharacterSheet, RestKind};

pub const HOOKS: PerkHooks = PerkHooks {
    on_pick: Some(on_pick),
    on_death: Some(on_death),
    on_rest: Some(on_rest),
    ..PerkHooks::new("relentless_endurance", ALL_RULESETS)
};

pub fn on_pick(_sheet: &mut CharacterSheet, state: &mut PerkState) {
    state.charges = 1;
}

pub fn on_death(sheet: &mut CharacterSheet, state: &mut PerkState) -> Option<String> {
    if state.charges == 0 {
        return None;
    }
    state.charges = 0;
    let v = &mut sheet.vitals;
    v.dead = false;
    v.hp = 1;
    v.death_save_successes = 0;
    v.death_save_failures = 0;
    v.stable = false;
    v.down_secs = 0;
    Some(format!("{} refuses to fall: Relentless Endurance leaves them at 1 HP", sheet.name))
}

pub fn on_rest(state: &mut PerkState, kind: RestKind) {
    if kind == RestKind::Long {
        state.charges = 1;
    }
}
