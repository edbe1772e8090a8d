//! `resistance`: percent damage resistance against one damage type (`key`), stacking
//! multiplicatively: `1 − ∏(1 − rᵢ)` (two 50 % sources give 75 %). Applied to each damage
//! instance of that type before the ruleset's own immunity / resistance / vulnerability (SRD 5.1
//! applies those after every other modifier to damage), rounding the reduction down; pinned by
//! `profile_resistance_applies_before_the_rulesets_own_defenses`.

use super::super::registry::{KindDescriptor, StackingRule};
use super::super::resolve::{Acc, Source};
use super::super::ModifierEntry;
use crate::rules::DamageType;

fn check(e: &ModifierEntry) -> Result<(), String> {
    if DamageType::parse(&e.key).is_none() {
        let ids: Vec<&str> = DamageType::ALL.iter().map(|t| t.id()).collect();
        return Err(format!("resistance key `{}` is not a damage type; use one of {}", e.key, ids.join(", ")));
    }
    super::amount_in(e, 1, 100)
}
fn apply(acc: &mut Acc, e: &ModifierEntry, _s: Source) {
    if let Some(t) = DamageType::parse(&e.key) {
        let keep = 1.0 - f64::from(e.amount.clamp(0, 100)) / 100.0;
        match acc.resist_keep.iter_mut().find(|(d, _)| *d == t) {
            Some((_, k)) => *k *= keep,
            None => acc.resist_keep.push((t, keep)),
        }
    }
}
fn describe(e: &ModifierEntry) -> String {
    format!("{}% {} resistance", e.amount, e.key)
}
fn facts(e: &ModifierEntry) -> Vec<String> {
    vec![format!("resist:{}", e.key.to_ascii_lowercase())]
}

pub const DESCRIPTOR: KindDescriptor = KindDescriptor {
    id: "resistance",
    attribute: "damage_resistance",
    label: "Damage resistance",
    value_schema: "key: damage type id; amount: percent 1..=100",
    stacking: StackingRule::Multiplicative,
    check,
    apply,
    describe,
    facts,
};
