//! Vocabulary of modifier keys: damage sets, the rolls advantage applies to, attack ranges.
//! Damage types themselves come from the rules engine.

use crate::rules::Ability;
use spacetimedb::SpacetimeType;

/// Damage types are the rules engine's (`rules::sheet::DamageType`, spelled `fire`, `poison`, ...).
pub use crate::rules::DamageType;

/// Bit position of a damage type in a [`DamageSet`].
pub fn damage_index(d: DamageType) -> u32 {
    d as u32
}

/// A set of damage types as a bitset (resistances, vulnerabilities, immunities).
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct DamageSet {
    pub bits: u16,
}

impl DamageSet {
    pub const EMPTY: DamageSet = DamageSet { bits: 0 };

    pub fn contains(self, d: DamageType) -> bool {
        self.bits & (1 << damage_index(d)) != 0
    }

    pub fn insert(&mut self, d: DamageType) {
        self.bits |= 1 << damage_index(d);
    }

    pub fn with(mut self, d: DamageType) -> Self {
        self.insert(d);
        self
    }

    pub fn iter(self) -> impl Iterator<Item = DamageType> {
        DamageType::ALL.into_iter().filter(move |d| self.contains(*d))
    }
}

/// What a d20 roll is for, as far as advantage and disadvantage care.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Roll {
    /// Attack rolls made by the bearer.
    Attack,
    /// Every ability check.
    AnyCheck,
    /// Ability checks of one ability.
    Check(Ability),
    /// Every saving throw.
    AnySave,
    /// Saving throws of one ability.
    Save(Ability),
}

impl Roll {
    /// Number of distinct rolls (for flag indexing).
    pub const COUNT: u32 = 15;

    /// Dense index 0..15.
    pub fn index(self) -> u32 {
        match self {
            Roll::Attack => 0,
            Roll::AnyCheck => 1,
            Roll::Check(a) => 2 + a as u32,
            Roll::AnySave => 8,
            Roll::Save(a) => 9 + a as u32,
        }
    }

    /// CSV spelling after `advantage:` / `disadvantage:` (`attack`, `check`, `check:str`,
    /// `save`, `save:dex`).
    pub fn code(self) -> String {
        match self {
            Roll::Attack => "attack".into(),
            Roll::AnyCheck => "check".into(),
            Roll::Check(a) => format!("check:{}", ability_lower(a)),
            Roll::AnySave => "save".into(),
            Roll::Save(a) => format!("save:{}", ability_lower(a)),
        }
    }

    pub fn parse(s: &str) -> Option<Roll> {
        match s {
            "attack" => Some(Roll::Attack),
            "check" => Some(Roll::AnyCheck),
            "save" => Some(Roll::AnySave),
            _ => {
                let (kind, ability) = s.split_once(':')?;
                let a = parse_ability_lower(ability)?;
                match kind {
                    "check" => Some(Roll::Check(a)),
                    "save" => Some(Roll::Save(a)),
                    _ => None,
                }
            }
        }
    }
}

/// Which attackers an "attacks against the bearer" modifier concerns (prone distinguishes them).
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AttackRange {
    Any,
    /// The attacker is within 5 feet of the bearer.
    Within5ft,
    /// The attacker is farther than 5 feet.
    Beyond5ft,
}

impl AttackRange {
    pub fn index(self) -> u32 {
        match self {
            AttackRange::Any => 0,
            AttackRange::Within5ft => 1,
            AttackRange::Beyond5ft => 2,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            AttackRange::Any => "",
            AttackRange::Within5ft => "within_5ft",
            AttackRange::Beyond5ft => "beyond_5ft",
        }
    }

    pub fn parse(s: &str) -> Option<AttackRange> {
        match s {
            "" => Some(AttackRange::Any),
            "within_5ft" => Some(AttackRange::Within5ft),
            "beyond_5ft" => Some(AttackRange::Beyond5ft),
            _ => None,
        }
    }
}

/// Lower-case ability code as used in modifier keys (`str`, `dex`, ...).
pub fn parse_ability_lower(s: &str) -> Option<Ability> {
    Ability::ALL.into_iter().find(|a| ability_lower(*a) == s)
}

pub fn ability_lower(a: Ability) -> &'static str {
    match a {
        Ability::Str => "str",
        Ability::Dex => "dex",
        Ability::Con => "con",
        Ability::Int => "int",
        Ability::Wis => "wis",
        Ability::Cha => "cha",
    }
}
