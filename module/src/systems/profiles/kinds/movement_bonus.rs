//! `movement_bonus`: additive feet of speed; the sum of all sources is clamped to
//! [`MIN_FT`, `MAX_FT`] and the effective speed never drops below 0.

use super::super::registry::{KindDescriptor, StackingRule};
use super::super::resolve::{Acc, Source};
use super::super::ModifierEntry;

/// The documented range of the summed movement bonus, in feet.
pub const MIN_FT: i32 = -60;
pub const MAX_FT: i32 = 60;

fn check(e: &ModifierEntry) -> Result<(), String> {
    super::amount_in(e, MIN_FT, MAX_FT)
}
fn apply(acc: &mut Acc, e: &ModifierEntry, _s: Source) {
    acc.movement_bonus_ft = acc.movement_bonus_ft.saturating_add(e.amount);
}
fn describe(e: &ModifierEntry) -> String {
    format!("{:+} ft speed", e.amount)
}
fn facts(_e: &ModifierEntry) -> Vec<String> {
    vec!["speed".into()]
}

pub const DESCRIPTOR: KindDescriptor = KindDescriptor {
    id: "movement_bonus",
    attribute: "speed",
    label: "Movement bonus",
    value_schema: "amount: feet -60..=60; the sum of all sources is clamped to -60..=60",
    stacking: StackingRule::AdditiveClamped { min: MIN_FT, max: MAX_FT },
    check,
    apply,
    describe,
    facts,
};
