//! `crit_range`: the lowest natural d20 that is a critical hit (`amount` 2..=20; 19 means
//! 19–20). An override: the highest precedence wins (per-instance > per-type > preset), ties go
//! to the later profile of the stack. Rulesets without critical hits (lite) still count it as a
//! hit, and damage dice do not double there.

use super::super::registry::{KindDescriptor, StackingRule};
use super::super::resolve::{Acc, Source};
use super::super::ModifierEntry;

fn check(e: &ModifierEntry) -> Result<(), String> {
    super::amount_in(e, 2, 20)
}
fn apply(acc: &mut Acc, e: &ModifierEntry, s: Source) {
    let rank = (s.precedence, s.profile);
    if acc.crit.is_none_or(|(r, _)| rank >= r) {
        acc.crit = Some((rank, e.amount.clamp(2, 20) as u8));
    }
}
fn describe(e: &ModifierEntry) -> String {
    format!("critical hit on {}–20", e.amount)
}
fn facts(_e: &ModifierEntry) -> Vec<String> {
    vec!["crit_range".into()]
}

pub const DESCRIPTOR: KindDescriptor = KindDescriptor {
    id: "crit_range",
    attribute: "crit_range",
    label: "Critical range override",
    value_schema: "amount: lowest natural d20 that crits, 2..=20",
    stacking: StackingRule::PrecedenceWins,
    check,
    apply,
    describe,
    facts,
};
