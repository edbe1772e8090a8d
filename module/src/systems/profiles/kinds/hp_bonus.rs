//! `hp_bonus`: additive bonus to maximum HP. Reconciling never heals: current HP becomes
//! `min(current, new max)`, so a bonus raises the ceiling only and removing one never heals.

use super::super::registry::{KindDescriptor, StackingRule};
use super::super::resolve::{Acc, Source};
use super::super::ModifierEntry;

fn check(e: &ModifierEntry) -> Result<(), String> {
    super::amount_in(e, -500, 500)
}
fn apply(acc: &mut Acc, e: &ModifierEntry, _s: Source) {
    acc.hp_bonus = acc.hp_bonus.saturating_add(e.amount);
}
fn describe(e: &ModifierEntry) -> String {
    format!("{:+} max HP", e.amount)
}
fn facts(_e: &ModifierEntry) -> Vec<String> {
    vec!["max_hp".into()]
}

pub const DESCRIPTOR: KindDescriptor = KindDescriptor {
    id: "hp_bonus",
    attribute: "max_hp",
    label: "HP bonus",
    value_schema: "amount: integer -500..=500 (added to max HP)",
    stacking: StackingRule::Additive,
    check,
    apply,
    describe,
    facts,
};
