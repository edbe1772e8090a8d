//! `traits`: trait flags named in `list` (`unkillable`, `incapacitated`, `reckless`, `elusive`),
//! combined with bitwise OR.

use super::super::registry::{KindDescriptor, StackingRule};
use super::super::resolve::{Acc, Source};
use super::super::{traits, ModifierEntry};

fn check(e: &ModifierEntry) -> Result<(), String> {
    if e.list.is_empty() {
        return Err("traits needs at least one trait name in `list`".into());
    }
    for t in &e.list {
        if traits::parse(t).is_none() {
            let names: Vec<&str> = traits::NAMES.iter().map(|(n, _)| *n).collect();
            return Err(format!("`{t}` is not a trait; use one of {}", names.join(", ")));
        }
    }
    Ok(())
}
fn apply(acc: &mut Acc, e: &ModifierEntry, _s: Source) {
    for t in &e.list {
        acc.traits |= traits::parse(t).unwrap_or(0);
    }
}
fn describe(e: &ModifierEntry) -> String {
    format!("traits: {}", e.list.join(", "))
}
fn facts(e: &ModifierEntry) -> Vec<String> {
    e.list.iter().map(|t| format!("trait:{t}")).collect()
}

pub const DESCRIPTOR: KindDescriptor = KindDescriptor {
    id: "traits",
    attribute: "trait_flags",
    label: "Trait flags",
    value_schema: "list: trait names (unkillable, incapacitated, reckless, elusive)",
    stacking: StackingRule::BitOr,
    check,
    apply,
    describe,
    facts,
};
