//! `condition_immunity`: immunity to the conditions in `list` (set union across sources); added
//! to the combatant's defenses, and in the fight the conditions it holds are taken out of its
//! combat view (flags, speed) and the `incapacitated` trait is blocked (see `conditions`).

use super::super::registry::{KindDescriptor, StackingRule};
use super::super::resolve::{Acc, Source};
use super::super::ModifierEntry;
use crate::rules::Condition;

fn check(e: &ModifierEntry) -> Result<(), String> {
    if e.list.is_empty() || e.list.len() > Condition::ALL.len() {
        return Err("condition_immunity needs 1..=15 condition ids in `list`".into());
    }
    for c in &e.list {
        if Condition::parse(c).is_none() {
            let ids: Vec<&str> = Condition::ALL.iter().map(|c| c.id()).collect();
            return Err(format!("`{c}` is not a condition; use one of {}", ids.join(", ")));
        }
    }
    Ok(())
}
fn apply(acc: &mut Acc, e: &ModifierEntry, _s: Source) {
    for c in e.list.iter().filter_map(|c| Condition::parse(c)) {
        if !acc.condition_immunities.contains(&c) {
            acc.condition_immunities.push(c);
        }
    }
}
fn describe(e: &ModifierEntry) -> String {
    format!("immune to {}", e.list.join(", "))
}
fn facts(e: &ModifierEntry) -> Vec<String> {
    e.list.iter().map(|c| format!("immune:{}", c.to_ascii_lowercase())).collect()
}

pub const DESCRIPTOR: KindDescriptor = KindDescriptor {
    id: "condition_immunity",
    attribute: "condition_immunities",
    label: "Condition immunities",
    value_schema: "list: condition ids (1..=15)",
    stacking: StackingRule::Union,
    check,
    apply,
    describe,
    facts,
};
