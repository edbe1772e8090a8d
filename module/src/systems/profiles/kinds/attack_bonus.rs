//! `attack_bonus`: additive bonus to every attack roll (to-hit).

use super::super::registry::{KindDescriptor, StackingRule};
use super::super::resolve::{Acc, Source};
use super::super::ModifierEntry;

fn check(e: &ModifierEntry) -> Result<(), String> {
    super::amount_in(e, -20, 20)
}
fn apply(acc: &mut Acc, e: &ModifierEntry, _s: Source) {
    acc.attack_bonus = acc.attack_bonus.saturating_add(e.amount);
}
fn describe(e: &ModifierEntry) -> String {
    format!("{:+} to hit", e.amount)
}
fn facts(_e: &ModifierEntry) -> Vec<String> {
    vec!["attack_bonus".into()]
}

pub const DESCRIPTOR: KindDescriptor = KindDescriptor {
    id: "attack_bonus",
    attribute: "attack_bonus",
    label: "Attack bonus",
    value_schema: "amount: integer -20..=20 (added to attack rolls)",
    stacking: StackingRule::Additive,
    check,
    apply,
    describe,
    facts,
};
