//! `custom`: attach the custom modifier whose id is `key` (a descriptor embedded in a profile of
//! the same stack; see `dsl`). Union: each descriptor applies once per target.

use super::super::registry::{KindDescriptor, StackingRule};
use super::super::resolve::{Acc, Source};
use super::super::ModifierEntry;

fn check(e: &ModifierEntry) -> Result<(), String> {
    if e.key.is_empty() || e.key.len() > 64 {
        return Err("custom needs `key` = the id (1..=64 chars) of a custom descriptor embedded in the stack".into());
    }
    Ok(())
}
fn apply(acc: &mut Acc, e: &ModifierEntry, _s: Source) {
    if !acc.customs.contains(&e.key) {
        acc.customs.push(e.key.clone());
    }
}
fn describe(e: &ModifierEntry) -> String {
    format!("custom modifier `{}`", e.key)
}
fn facts(e: &ModifierEntry) -> Vec<String> {
    vec![format!("custom:{}", e.key)]
}

pub const DESCRIPTOR: KindDescriptor = KindDescriptor {
    id: "custom",
    attribute: "custom",
    label: "Custom modifier",
    value_schema: "key: id of a custom descriptor embedded in a profile of the stack",
    stacking: StackingRule::Union,
    check,
    apply,
    describe,
    facts,
};
