//! Modifier profiles: house rules for an encounter, as data. Pure core: no tables, no
//! `ReducerContext`; the glue is `crate::db::profiles`.
//!
//! ## Model (decisions translated from the chess modifier-profile ADRs)
//! - A [`Profile`] has an id, name, version, an optional `layout` (the location id of the
//!   encounter it was written for), per-type entries ([`TypeEntry`]: `monster:<def id>`,
//!   `class:<class id>`, `character`, `monster`, `side:<n>`, or `*` = the profile's preset for
//!   everyone) and per-instance entries ([`InstanceEntry`]) keyed by the human-readable slot name
//!   of a combatant (its fight name lower-cased, spaces as `-`: `goblin-2`, `aria`).
//! - Each entry is a [`ModifierEntry`] `{kind, amount, key, list}` interpreted by the kind's
//!   descriptor in the [`registry`] (one file per kind under `kinds/`): id, attribute, label,
//!   value schema, stacking rule, apply, describe.
//! - Precedence: per-instance > per-type > preset (`*`) > base. Additive, multiplicative, union
//!   and OR kinds take every source; the override kind (crit range) takes the highest
//!   precedence, and within one precedence the later profile of the stack.
//! - An encounter carries an ordered stack of profiles (`Vec<Profile>` everywhere, on the wire
//!   too). Effects combine across the stack with the per-kind rules ([`resolve`]).
//! - The [`validate`] step runs on every apply and swap: errors reject atomically, warnings
//!   (orphan per-instance keys, dropped) are reported.
//! - Custom modifiers ([`dsl`]) are data only: descriptors composed from a fixed catalog of 15
//!   primitives with typed, bounded parameters, validated semantically, embedded whole in the
//!   profiles that use them and registered per encounter (the stack), never globally.
//! - [`runtime`] keeps the fight's profile state (`Fight::mods`): the base stats of each
//!   combatant, the resolved modifiers, counters, the queued swap. Reconciliation is
//!   retract-then-reapply from the base (idempotent). Triggers fire at their phase (turn start,
//!   on damaged, on kill) and aura contributions are read by the effective-stat resolution,
//!   recomputed after every move and at turn boundaries.
//! - House rules stay in their fight: each attribute's stack total is bounded
//!   ([`STACK_BOUNDS`], `E_PROFILE_STACK_LIMIT`); attacks go through the ruleset's one pipeline
//!   with the house rules as hooks (`rules::attack`), so perk hooks keep working;
//!   [`conditions`] takes the conditions a combatant is immune to out of its combat view; and
//!   nothing of the house rules reaches a character sheet when the fight ends
//!   (`runtime::vitals_without_house_rules`, `systems::combat::vitals_after_fight`).

pub mod conditions;
pub mod dsl;
pub mod kinds;
pub mod registry;
pub mod resolve;
pub mod runtime;
pub mod validate;

#[cfg(test)]
mod tests;

pub use dsl::{CondKind, CustomModifier, PrimitiveNode, PrimitiveOp, StatAttr};
pub use registry::{KindDescriptor, Registry, StackingRule};
pub use resolve::{resolve_target, Resolved, TargetInfo};
pub use runtime::{FightMods, ModTarget, StatBonus};
pub use validate::{validate_stack, Issue, Report, Severity};

use spacetimedb::SpacetimeType;

/// One modifier: `kind` names a registered kind (or `custom`, with `key` = the id of a custom
/// descriptor embedded in the same stack). What `amount`, `key` and `list` mean is the kind's
/// value schema (see each file under `kinds/`).
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq, Default)]
pub struct ModifierEntry {
    pub kind: String,
    pub amount: i32,
    pub key: String,
    pub list: Vec<String>,
}

impl ModifierEntry {
    pub fn new(kind: &str, amount: i32) -> ModifierEntry {
        ModifierEntry { kind: kind.into(), amount, ..Default::default() }
    }
    pub fn keyed(kind: &str, key: &str, amount: i32) -> ModifierEntry {
        ModifierEntry { kind: kind.into(), amount, key: key.into(), list: vec![] }
    }
    pub fn listed(kind: &str, list: &[&str]) -> ModifierEntry {
        ModifierEntry {
            kind: kind.into(),
            amount: 0,
            key: String::new(),
            list: list.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// Modifiers for every combatant of a type: `monster:<def id>`, `class:<class id>`,
/// `character`, `monster`, `side:<n>`, or `*` (the preset layer: everyone).
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq, Default)]
pub struct TypeEntry {
    pub target: String,
    pub modifiers: Vec<ModifierEntry>,
}

/// Modifiers for one combatant, by its slot name in the encounter layout.
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq, Default)]
pub struct InstanceEntry {
    pub slot: String,
    pub modifiers: Vec<ModifierEntry>,
}

/// A modifier profile (see the module docs).
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq, Default)]
pub struct Profile {
    pub id: String,
    pub name: String,
    pub version: u32,
    /// The encounter layout (location id) the per-instance keys were written for; `None`: any.
    pub layout: Option<String>,
    pub per_type: Vec<TypeEntry>,
    pub per_instance: Vec<InstanceEntry>,
    /// Custom modifier descriptors this profile uses, embedded whole.
    pub customs: Vec<CustomModifier>,
}

/// Where a modifier came from; higher wins for override kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Precedence {
    Base = 0,
    Preset = 1,
    Type = 2,
    Instance = 3,
}

/// Bounds of a profile document (also a DoS guard).
pub const MAX_PROFILES: usize = 8;
pub const MAX_ENTRIES_PER_PROFILE: usize = 256;
pub const MAX_ATTRIBUTES_PER_TARGET: usize = 16;

/// Bounds of the summed value of one attribute on one target over the whole stack (every
/// profile, every precedence layer, custom modifiers included): the validator rejects a stack
/// whose total leaves them (`E_PROFILE_STACK_LIMIT`), and at run time auras and trigger-earned
/// bonuses join the total clamped to them. Additive totals (`max_hp`, `attack_bonus`, `ac`) keep
/// the range one entry of the kind may have; multiplied totals (`max_hp_percent`,
/// `speed_percent`) the range of one `MultiplyAttribute`. Movement keeps its own documented clamp
/// (`kinds::movement_bonus`) and resistances cannot pass 100 %.
pub const STACK_BOUNDS: [(&str, i64, i64); 5] = [
    ("max_hp", -500, 500),
    ("attack_bonus", -20, 20),
    ("ac", -20, 20),
    ("max_hp_percent", 10, 300),
    ("speed_percent", 10, 300),
];

/// The bounds of a [`STACK_BOUNDS`] attribute.
pub fn stack_bound(attr: &str) -> (i64, i64) {
    STACK_BOUNDS.iter().find(|(a, ..)| *a == attr).map(|&(_, lo, hi)| (lo, hi)).unwrap_or((i64::MIN, i64::MAX))
}

/// `v` clamped to the bounds of a [`STACK_BOUNDS`] attribute.
pub fn bounded(attr: &str, v: i64) -> i64 {
    let (lo, hi) = stack_bound(attr);
    v.clamp(lo, hi)
}

/// The stack totals of a resolution that the bounds cover, as (attribute, total).
pub fn stack_totals(r: &Resolved) -> [(&'static str, i64); 5] {
    [
        ("max_hp", i64::from(r.hp_bonus)),
        ("attack_bonus", i64::from(r.attack_bonus)),
        ("ac", i64::from(r.ac_bonus)),
        ("max_hp_percent", i64::from(r.hp_percent)),
        ("speed_percent", i64::from(r.speed_percent)),
    ]
}

/// Trait flags (bitwise OR across sources).
pub mod traits {
    /// Damage never takes it below 1 HP.
    pub const UNKILLABLE: u32 = 1;
    /// Cannot take actions (like incapacitated).
    pub const INCAPACITATED: u32 = 2;
    /// Its attack rolls have advantage.
    pub const RECKLESS: u32 = 4;
    /// Attack rolls against it have disadvantage.
    pub const ELUSIVE: u32 = 8;
    pub const NAMES: [(&str, u32); 4] =
        [("unkillable", UNKILLABLE), ("incapacitated", INCAPACITATED), ("reckless", RECKLESS), ("elusive", ELUSIVE)];

    pub fn parse(s: &str) -> Option<u32> {
        NAMES.iter().find(|(n, _)| *n == s).map(|(_, b)| *b)
    }
}
