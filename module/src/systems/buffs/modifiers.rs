//! Modifier keys: the one list of things a buff, a piece of equipment or a profile may change.
//!
//! Every key answers, through exhaustive matches (no `_` arm), what it is ([`KeyKind`]) and which
//! operations it accepts with which values ([`ModifierKey::range`]). Adding a key therefore
//! fails to compile until someone decides those answers. The documented table lives in
//! `static_data/dnd5e/BUFFS.md`; a test checks that every key there parses and vice versa.
//!
//! Validation is the same function at load time (CSV, turned into a `DataError` with file, line
//! and column by the caller) and at apply time (an admin-made buff, a row read back): each
//! failure has its own stable code.

use super::vocab::{ability_lower, parse_ability_lower, AttackRange, DamageType, Roll};
use crate::error::{err, ErrorCode, WkResult};
use crate::rules::Ability;
use spacetimedb::SpacetimeType;
use std::fmt;

/// What a modifier changes.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModifierKey {
    /// An ability score (`str` .. `cha`).
    Ability(Ability),
    ArmorClass,
    AttackBonus,
    DamageBonus,
    /// Bonus to every saving throw.
    SaveBonus,
    /// A die added to the bearer's attack rolls; the value is its size (4: +1d4, Bless).
    AttackDie,
    /// A die added to the bearer's saving throws, death saves included (4: +1d4, Bless).
    SaveDie,
    /// Walking speed in feet.
    Speed,
    MaxHp,
    /// Half damage of this type.
    Resistance(DamageType),
    /// Double damage of this type.
    Vulnerability(DamageType),
    /// No damage of this type.
    Immunity(DamageType),
    /// The bearer rolls these with advantage.
    Advantage(Roll),
    /// The bearer rolls these with disadvantage.
    Disadvantage(Roll),
    /// Attack rolls against the bearer have advantage.
    AttackersAdvantage(AttackRange),
    /// Attack rolls against the bearer have disadvantage.
    AttackersDisadvantage(AttackRange),
    /// The bearer automatically fails saving throws of this ability.
    AutoFailSave(Ability),
    /// No actions or reactions (incapacitated).
    CannotAct,
    CannotSpeak,
    /// Blind: fails any check that requires sight.
    CannotSee,
    /// Deaf: fails any check that requires hearing.
    CannotHear,
    /// Unaware of its surroundings.
    Unaware,
    /// Cannot be seen without magic or a special sense.
    Unseen,
    /// A hit from an attacker within 5 feet is a critical hit.
    CritWithin5ft,
    /// Cannot attack or target with harmful effects the source of the buff (charmed).
    CannotHarmSource,
    /// Cannot willingly move closer to the source of the buff (frightened).
    CannotApproachSource,
    /// One additional action on each turn (haste).
    ExtraAction,
    /// The bearer dies (exhaustion 6). The reducer layer acts on it.
    Dies,
}

/// Numeric stats, in the order they are stored in [`crate::systems::stats::EffectiveStats`].
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stat {
    Str,
    Dex,
    Con,
    Int,
    Wis,
    Cha,
    ArmorClass,
    AttackBonus,
    DamageBonus,
    SaveBonus,
    Speed,
    MaxHp,
    AttackDie,
    SaveDie,
}

impl Stat {
    pub const COUNT: usize = 14;
    pub const ALL: [Stat; Stat::COUNT] = [
        Stat::Str,
        Stat::Dex,
        Stat::Con,
        Stat::Int,
        Stat::Wis,
        Stat::Cha,
        Stat::ArmorClass,
        Stat::AttackBonus,
        Stat::DamageBonus,
        Stat::SaveBonus,
        Stat::Speed,
        Stat::MaxHp,
        Stat::AttackDie,
        Stat::SaveDie,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn of_ability(a: Ability) -> Stat {
        match a {
            Ability::Str => Stat::Str,
            Ability::Dex => Stat::Dex,
            Ability::Con => Stat::Con,
            Ability::Int => Stat::Int,
            Ability::Wis => Stat::Wis,
            Ability::Cha => Stat::Cha,
        }
    }

    /// The modifier key that changes this stat.
    pub fn key(self) -> ModifierKey {
        match self {
            Stat::Str => ModifierKey::Ability(Ability::Str),
            Stat::Dex => ModifierKey::Ability(Ability::Dex),
            Stat::Con => ModifierKey::Ability(Ability::Con),
            Stat::Int => ModifierKey::Ability(Ability::Int),
            Stat::Wis => ModifierKey::Ability(Ability::Wis),
            Stat::Cha => ModifierKey::Ability(Ability::Cha),
            Stat::ArmorClass => ModifierKey::ArmorClass,
            Stat::AttackBonus => ModifierKey::AttackBonus,
            Stat::DamageBonus => ModifierKey::DamageBonus,
            Stat::SaveBonus => ModifierKey::SaveBonus,
            Stat::Speed => ModifierKey::Speed,
            Stat::MaxHp => ModifierKey::MaxHp,
            Stat::AttackDie => ModifierKey::AttackDie,
            Stat::SaveDie => ModifierKey::SaveDie,
        }
    }

    /// The final value is clamped into this range after all modifiers (a pile of penalties must
    /// not produce a negative speed or a zero max HP).
    pub fn clamp_range(self) -> (i32, i32) {
        match self {
            Stat::Str | Stat::Dex | Stat::Con | Stat::Int | Stat::Wis | Stat::Cha => (1, 30),
            Stat::ArmorClass => (0, 50),
            Stat::AttackBonus | Stat::DamageBonus | Stat::SaveBonus => (-50, 50),
            Stat::Speed => (0, 1000),
            Stat::MaxHp => (1, 100_000),
            Stat::AttackDie | Stat::SaveDie => (0, 12),
        }
    }
}

/// How a key is resolved by the effective-stats function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A number (see [`Stat`]).
    Stat(Stat),
    /// A member of the resistance set.
    Resistance(DamageType),
    /// A member of the vulnerability set.
    Vulnerability(DamageType),
    /// A member of the damage-immunity set.
    Immunity(DamageType),
    /// A flag; the number is its bit in [`FlagSet`].
    Flag(u32),
}

/// Operations, in FoundryVTT's active-effect mode order (CUSTOM 0, MULTIPLY 1, ADD 2,
/// DOWNGRADE 3, UPGRADE 4, OVERRIDE 5; default priority = mode x 10, applied in ascending
/// priority). We apply in exactly that order: multiply, add, downgrade, upgrade, override.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ModOp {
    Multiply,
    Add,
    /// `min(current, value)`: a ceiling.
    Downgrade,
    /// `max(current, value)`: a floor ("AC can't be less than 16").
    Upgrade,
    /// Replace the value; the last override in source order wins.
    Override,
}

impl ModOp {
    pub const ALL: [ModOp; 5] = [ModOp::Multiply, ModOp::Add, ModOp::Downgrade, ModOp::Upgrade, ModOp::Override];

    /// FoundryVTT's default priority for this mode.
    pub fn priority(self) -> u8 {
        match self {
            ModOp::Multiply => 10,
            ModOp::Add => 20,
            ModOp::Downgrade => 30,
            ModOp::Upgrade => 40,
            ModOp::Override => 50,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            ModOp::Multiply => "multiply",
            ModOp::Add => "add",
            ModOp::Downgrade => "downgrade",
            ModOp::Upgrade => "upgrade",
            ModOp::Override => "override",
        }
    }

    pub fn parse(s: &str) -> Option<ModOp> {
        ModOp::ALL.into_iter().find(|o| o.code() == s)
    }
}

/// A modifier's value. Its variant must match what the key and operation take.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq)]
pub enum ModValue {
    Int(i32),
    Float(f64),
    Flag(bool),
}

impl fmt::Display for ModValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModValue::Int(v) => write!(f, "{v}"),
            ModValue::Float(v) => write!(f, "{v}"),
            ModValue::Flag(v) => write!(f, "{v}"),
        }
    }
}

/// What values a (key, operation) pair accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRange {
    Int {
        min: i32,
        max: i32,
    },
    Float {
        min: f64,
        max: f64,
    },
    /// Only `true`: a flag is set by being present; remove the modifier to unset it.
    Flag,
}

impl ValueRange {
    fn type_name(self) -> &'static str {
        match self {
            ValueRange::Int { .. } => "an integer",
            ValueRange::Float { .. } => "a number",
            ValueRange::Flag => "`true`",
        }
    }
}

impl fmt::Display for ValueRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueRange::Int { min, max } => write!(f, "integer {min}..={max}"),
            ValueRange::Float { min, max } => write!(f, "number {min}..={max}"),
            ValueRange::Flag => write!(f, "flag (true)"),
        }
    }
}

/// One change: key, operation, value.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq)]
pub struct Modifier {
    pub key: ModifierKey,
    pub op: ModOp,
    pub value: ModValue,
}

impl Modifier {
    pub fn new(key: ModifierKey, op: ModOp, value: ModValue) -> Self {
        Modifier { key, op, value }
    }

    /// A flag modifier (`override:true`).
    pub fn flag(key: ModifierKey) -> Self {
        Modifier { key, op: ModOp::Override, value: ModValue::Flag(true) }
    }

    pub fn int(key: ModifierKey, op: ModOp, v: i32) -> Self {
        Modifier { key, op, value: ModValue::Int(v) }
    }

    /// Apply-time (and load-time) validation: the operation is allowed for the key
    /// (`E_MODIFIER_TYPE_MISMATCH`), the value has the type that operation takes
    /// (`E_MODIFIER_TYPE_MISMATCH`) and lies in range (`E_MODIFIER_VALUE_OUT_OF_RANGE`).
    pub fn validate(&self) -> WkResult<()> {
        let key = self.key.code();
        let op = self.op.code();
        let range = self.key.range(self.op).ok_or_else(|| {
            err(
                ErrorCode::ModifierTypeMismatch,
                format!("`{key}` does not take `{op}`; allowed: {}", self.key.allowed_ops_text()),
            )
        })?;
        let in_range = match (range, self.value) {
            (ValueRange::Int { min, max }, ModValue::Int(v)) => (min..=max).contains(&v),
            (ValueRange::Float { min, max }, ModValue::Float(v)) => v.is_finite() && v >= min && v <= max,
            (ValueRange::Flag, ModValue::Flag(v)) => v,
            (r, v) => {
                return Err(err(
                    ErrorCode::ModifierTypeMismatch,
                    format!("`{key}:{op}` takes {}, got `{v}`", r.type_name()),
                ))
            }
        };
        if !in_range {
            return Err(err(
                ErrorCode::ModifierValueOutOfRange,
                format!("`{key}:{op}:{}` is out of range; use {range}", self.value),
            ));
        }
        Ok(())
    }
}

/// Canonical text: `key:op:value` (flags too, so the text is unambiguous).
impl fmt::Display for Modifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.key.code(), self.op.code(), self.value)
    }
}

/// A set of flags as a bitset (bit numbers from [`ModifierKey::kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct FlagSet(pub u64);

impl FlagSet {
    pub fn has(self, key: ModifierKey) -> bool {
        match key.kind() {
            KeyKind::Flag(bit) => self.0 & (1u64 << bit) != 0,
            _ => false,
        }
    }

    pub fn set_bit(&mut self, bit: u32) {
        self.0 |= 1u64 << bit;
    }
}

const ADV: u32 = 0;
const DIS: u32 = ADV + Roll::COUNT;
const ATK_ADV: u32 = DIS + Roll::COUNT;
const ATK_DIS: u32 = ATK_ADV + 3;
const AUTO_FAIL: u32 = ATK_DIS + 3;
const SINGLE: u32 = AUTO_FAIL + 6;

/// Ability score ranges: add -10..=10; set / floor / ceiling 1..=30 (the SRD maximum).
const ABILITY_ADD: ValueRange = ValueRange::Int { min: -10, max: 10 };
const ABILITY_SET: ValueRange = ValueRange::Int { min: 1, max: 30 };
const AC_ADD: ValueRange = ValueRange::Int { min: -10, max: 10 };
const AC_SET: ValueRange = ValueRange::Int { min: 0, max: 30 };
const BONUS_ADD: ValueRange = ValueRange::Int { min: -10, max: 10 };
const BONUS_SET: ValueRange = ValueRange::Int { min: -10, max: 20 };
const SPEED_ADD: ValueRange = ValueRange::Int { min: -120, max: 120 };
const SPEED_SET: ValueRange = ValueRange::Int { min: 0, max: 240 };
const HP_ADD: ValueRange = ValueRange::Int { min: -500, max: 500 };
const HP_SET: ValueRange = ValueRange::Int { min: 1, max: 9999 };
const FACTOR: ValueRange = ValueRange::Float { min: 0.0, max: 4.0 };
const DIE: ValueRange = ValueRange::Int { min: 0, max: 12 };

impl ModifierKey {
    /// Every key, for documentation and tests (grows with the enum; a test checks the count).
    pub fn all() -> Vec<ModifierKey> {
        let mut v = Vec::new();
        for a in Ability::ALL {
            v.push(ModifierKey::Ability(a));
        }
        v.extend([
            ModifierKey::ArmorClass,
            ModifierKey::AttackBonus,
            ModifierKey::DamageBonus,
            ModifierKey::SaveBonus,
            ModifierKey::Speed,
            ModifierKey::MaxHp,
            ModifierKey::AttackDie,
            ModifierKey::SaveDie,
        ]);
        for d in DamageType::ALL {
            v.push(ModifierKey::Resistance(d));
            v.push(ModifierKey::Vulnerability(d));
            v.push(ModifierKey::Immunity(d));
        }
        let mut rolls = vec![Roll::Attack, Roll::AnyCheck, Roll::AnySave];
        for a in Ability::ALL {
            rolls.push(Roll::Check(a));
            rolls.push(Roll::Save(a));
        }
        for r in rolls {
            v.push(ModifierKey::Advantage(r));
            v.push(ModifierKey::Disadvantage(r));
        }
        for r in [AttackRange::Any, AttackRange::Within5ft, AttackRange::Beyond5ft] {
            v.push(ModifierKey::AttackersAdvantage(r));
            v.push(ModifierKey::AttackersDisadvantage(r));
        }
        for a in Ability::ALL {
            v.push(ModifierKey::AutoFailSave(a));
        }
        v.extend([
            ModifierKey::CannotAct,
            ModifierKey::CannotSpeak,
            ModifierKey::CannotSee,
            ModifierKey::CannotHear,
            ModifierKey::Unaware,
            ModifierKey::Unseen,
            ModifierKey::CritWithin5ft,
            ModifierKey::CannotHarmSource,
            ModifierKey::CannotApproachSource,
            ModifierKey::ExtraAction,
            ModifierKey::Dies,
        ]);
        v
    }

    /// How the key resolves. Exhaustive: a new key must pick a kind (and a flag bit).
    pub fn kind(self) -> KeyKind {
        match self {
            ModifierKey::Ability(a) => KeyKind::Stat(Stat::of_ability(a)),
            ModifierKey::ArmorClass => KeyKind::Stat(Stat::ArmorClass),
            ModifierKey::AttackBonus => KeyKind::Stat(Stat::AttackBonus),
            ModifierKey::DamageBonus => KeyKind::Stat(Stat::DamageBonus),
            ModifierKey::SaveBonus => KeyKind::Stat(Stat::SaveBonus),
            ModifierKey::Speed => KeyKind::Stat(Stat::Speed),
            ModifierKey::MaxHp => KeyKind::Stat(Stat::MaxHp),
            ModifierKey::AttackDie => KeyKind::Stat(Stat::AttackDie),
            ModifierKey::SaveDie => KeyKind::Stat(Stat::SaveDie),
            ModifierKey::Resistance(d) => KeyKind::Resistance(d),
            ModifierKey::Vulnerability(d) => KeyKind::Vulnerability(d),
            ModifierKey::Immunity(d) => KeyKind::Immunity(d),
            ModifierKey::Advantage(r) => KeyKind::Flag(ADV + r.index()),
            ModifierKey::Disadvantage(r) => KeyKind::Flag(DIS + r.index()),
            ModifierKey::AttackersAdvantage(r) => KeyKind::Flag(ATK_ADV + r.index()),
            ModifierKey::AttackersDisadvantage(r) => KeyKind::Flag(ATK_DIS + r.index()),
            ModifierKey::AutoFailSave(a) => KeyKind::Flag(AUTO_FAIL + a as u32),
            ModifierKey::CannotAct => KeyKind::Flag(SINGLE),
            ModifierKey::CannotSpeak => KeyKind::Flag(SINGLE + 1),
            ModifierKey::CannotSee => KeyKind::Flag(SINGLE + 2),
            ModifierKey::CannotHear => KeyKind::Flag(SINGLE + 3),
            ModifierKey::Unaware => KeyKind::Flag(SINGLE + 4),
            ModifierKey::Unseen => KeyKind::Flag(SINGLE + 5),
            ModifierKey::CritWithin5ft => KeyKind::Flag(SINGLE + 6),
            ModifierKey::CannotHarmSource => KeyKind::Flag(SINGLE + 7),
            ModifierKey::CannotApproachSource => KeyKind::Flag(SINGLE + 8),
            ModifierKey::ExtraAction => KeyKind::Flag(SINGLE + 9),
            ModifierKey::Dies => KeyKind::Flag(SINGLE + 10),
        }
    }

    /// The values `op` accepts on this key, or `None` when the key does not take `op`.
    /// Exhaustive over keys: a new key must state its operations and ranges.
    pub fn range(self, op: ModOp) -> Option<ValueRange> {
        use ModOp::*;
        let numeric = |add: ValueRange, set: ValueRange, mul: Option<ValueRange>| match op {
            Add => Some(add),
            Override | Upgrade | Downgrade => Some(set),
            Multiply => mul,
        };
        let flag = || match op {
            Override => Some(ValueRange::Flag),
            Add | Multiply | Upgrade | Downgrade => None,
        };
        match self {
            ModifierKey::Ability(_) => numeric(ABILITY_ADD, ABILITY_SET, None),
            ModifierKey::ArmorClass => numeric(AC_ADD, AC_SET, None),
            ModifierKey::AttackBonus | ModifierKey::DamageBonus | ModifierKey::SaveBonus => {
                numeric(BONUS_ADD, BONUS_SET, None)
            }
            ModifierKey::Speed => numeric(SPEED_ADD, SPEED_SET, Some(FACTOR)),
            ModifierKey::MaxHp => numeric(HP_ADD, HP_SET, Some(FACTOR)),
            // A die is not a number to add to: the largest (upgrade) or a set one applies.
            ModifierKey::AttackDie | ModifierKey::SaveDie => match op {
                Upgrade | Override | Downgrade => Some(DIE),
                Add | Multiply => None,
            },
            ModifierKey::Resistance(_)
            | ModifierKey::Vulnerability(_)
            | ModifierKey::Immunity(_)
            | ModifierKey::Advantage(_)
            | ModifierKey::Disadvantage(_)
            | ModifierKey::AttackersAdvantage(_)
            | ModifierKey::AttackersDisadvantage(_)
            | ModifierKey::AutoFailSave(_)
            | ModifierKey::CannotAct
            | ModifierKey::CannotSpeak
            | ModifierKey::CannotSee
            | ModifierKey::CannotHear
            | ModifierKey::Unaware
            | ModifierKey::Unseen
            | ModifierKey::CritWithin5ft
            | ModifierKey::CannotHarmSource
            | ModifierKey::CannotApproachSource
            | ModifierKey::ExtraAction
            | ModifierKey::Dies => flag(),
        }
    }

    /// A flag key is set by being present; the CSV may write it bare (`cannot_act`).
    pub fn is_flag(self) -> bool {
        !matches!(self.kind(), KeyKind::Stat(_))
    }

    fn allowed_ops_text(self) -> String {
        ModOp::ALL
            .into_iter()
            .filter_map(|o| self.range(o).map(|r| format!("{} ({r})", o.code())))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The CSV spelling.
    pub fn code(self) -> String {
        match self {
            ModifierKey::Ability(a) => ability_lower(a).to_string(),
            ModifierKey::ArmorClass => "armor_class".into(),
            ModifierKey::AttackBonus => "attack_bonus".into(),
            ModifierKey::DamageBonus => "damage_bonus".into(),
            ModifierKey::SaveBonus => "save_bonus".into(),
            ModifierKey::Speed => "speed".into(),
            ModifierKey::MaxHp => "max_hp".into(),
            ModifierKey::AttackDie => "attack_die".into(),
            ModifierKey::SaveDie => "save_die".into(),
            ModifierKey::Resistance(d) => format!("resistance:{}", d.id()),
            ModifierKey::Vulnerability(d) => format!("vulnerability:{}", d.id()),
            ModifierKey::Immunity(d) => format!("immunity:{}", d.id()),
            ModifierKey::Advantage(r) => format!("advantage:{}", r.code()),
            ModifierKey::Disadvantage(r) => format!("disadvantage:{}", r.code()),
            ModifierKey::AttackersAdvantage(r) => with_range("attackers_advantage", r),
            ModifierKey::AttackersDisadvantage(r) => with_range("attackers_disadvantage", r),
            ModifierKey::AutoFailSave(a) => format!("auto_fail_save:{}", ability_lower(a)),
            ModifierKey::CannotAct => "cannot_act".into(),
            ModifierKey::CannotSpeak => "cannot_speak".into(),
            ModifierKey::CannotSee => "cannot_see".into(),
            ModifierKey::CannotHear => "cannot_hear".into(),
            ModifierKey::Unaware => "unaware".into(),
            ModifierKey::Unseen => "unseen".into(),
            ModifierKey::CritWithin5ft => "crit_within_5ft".into(),
            ModifierKey::CannotHarmSource => "cannot_harm_source".into(),
            ModifierKey::CannotApproachSource => "cannot_approach_source".into(),
            ModifierKey::ExtraAction => "extra_action".into(),
            ModifierKey::Dies => "dies".into(),
        }
    }

    pub fn parse(s: &str) -> Option<ModifierKey> {
        let (head, rest) = match s.split_once(':') {
            Some((h, r)) => (h, Some(r)),
            None => (s, None),
        };
        let key = match (head, rest) {
            ("armor_class", None) => ModifierKey::ArmorClass,
            ("attack_bonus", None) => ModifierKey::AttackBonus,
            ("damage_bonus", None) => ModifierKey::DamageBonus,
            ("save_bonus", None) => ModifierKey::SaveBonus,
            ("speed", None) => ModifierKey::Speed,
            ("max_hp", None) => ModifierKey::MaxHp,
            ("attack_die", None) => ModifierKey::AttackDie,
            ("save_die", None) => ModifierKey::SaveDie,
            ("resistance", Some(d)) => ModifierKey::Resistance(DamageType::parse(d)?),
            ("vulnerability", Some(d)) => ModifierKey::Vulnerability(DamageType::parse(d)?),
            ("immunity", Some(d)) => ModifierKey::Immunity(DamageType::parse(d)?),
            ("advantage", Some(r)) => ModifierKey::Advantage(Roll::parse(r)?),
            ("disadvantage", Some(r)) => ModifierKey::Disadvantage(Roll::parse(r)?),
            ("attackers_advantage", r) => ModifierKey::AttackersAdvantage(AttackRange::parse(r.unwrap_or(""))?),
            ("attackers_disadvantage", r) => ModifierKey::AttackersDisadvantage(AttackRange::parse(r.unwrap_or(""))?),
            ("auto_fail_save", Some(a)) => ModifierKey::AutoFailSave(parse_ability_lower(a)?),
            ("cannot_act", None) => ModifierKey::CannotAct,
            ("cannot_speak", None) => ModifierKey::CannotSpeak,
            ("cannot_see", None) => ModifierKey::CannotSee,
            ("cannot_hear", None) => ModifierKey::CannotHear,
            ("unaware", None) => ModifierKey::Unaware,
            ("unseen", None) => ModifierKey::Unseen,
            ("crit_within_5ft", None) => ModifierKey::CritWithin5ft,
            ("cannot_harm_source", None) => ModifierKey::CannotHarmSource,
            ("cannot_approach_source", None) => ModifierKey::CannotApproachSource,
            ("extra_action", None) => ModifierKey::ExtraAction,
            ("dies", None) => ModifierKey::Dies,
            (a, None) => ModifierKey::Ability(parse_ability_lower(a)?),
            _ => return None,
        };
        // `attackers_advantage:` (empty range) is not a spelling.
        if rest == Some("") {
            return None;
        }
        Some(key)
    }
}

fn with_range(base: &str, r: AttackRange) -> String {
    match r {
        AttackRange::Any => base.to_string(),
        AttackRange::Within5ft | AttackRange::Beyond5ft => format!("{base}:{}", r.code()),
    }
}

/// Key prefixes that accept `all` for every damage type (`resistance:all`).
const ALL_DAMAGE_PREFIXES: [&str; 3] = ["resistance", "vulnerability", "immunity"];

/// Parse a modifiers cell: `;`-separated items, each `key:op:value`, or a bare flag key
/// (`cannot_act`, short for `cannot_act:override:true`). `resistance:all` (and `vulnerability:all`,
/// `immunity:all`) expand to one modifier per damage type. Every item is validated.
///
/// Codes: unknown key `E_UNKNOWN_MODIFIER_KEY`; unknown operation or missing value
/// `E_INVALID_MODIFIER`; operation not allowed for the key or value of the wrong type
/// `E_MODIFIER_TYPE_MISMATCH`; value out of range `E_MODIFIER_VALUE_OUT_OF_RANGE`.
pub fn parse_modifiers(cell: &str) -> WkResult<Vec<Modifier>> {
    let mut out = Vec::new();
    for item in cell.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        parse_one(item, &mut out)?;
    }
    Ok(out)
}

fn parse_one(item: &str, out: &mut Vec<Modifier>) -> WkResult<()> {
    let parts: Vec<&str> = item.split(':').map(str::trim).collect();
    let n = parts.len();
    // `key:op:value` where the key itself may contain `:` (`advantage:save:dex:override:true`).
    if n >= 3 {
        if let Some(op) = ModOp::parse(parts[n - 2]) {
            let key_text = parts[..n - 2].join(":");
            let value_text = parts[n - 1];
            if let [prefix, "all"] = parts[..n - 2] {
                if ALL_DAMAGE_PREFIXES.contains(&prefix) {
                    for d in DamageType::ALL {
                        let key = ModifierKey::parse(&format!("{prefix}:{}", d.id())).expect("prefix is a damage key");
                        out.push(build(key, op, value_text)?);
                    }
                    return Ok(());
                }
            }
            let key = ModifierKey::parse(&key_text).ok_or_else(|| unknown_key(&key_text))?;
            out.push(build(key, op, value_text)?);
            return Ok(());
        }
    }
    if let [prefix, "all"] = parts[..] {
        if ALL_DAMAGE_PREFIXES.contains(&prefix) {
            for d in DamageType::ALL {
                let key = ModifierKey::parse(&format!("{prefix}:{}", d.id())).expect("prefix is a damage key");
                out.push(Modifier::flag(key));
            }
            return Ok(());
        }
    }
    let joined = parts.join(":");
    if let Some(key) = ModifierKey::parse(&joined) {
        if key.is_flag() {
            out.push(Modifier::flag(key));
            return Ok(());
        }
        return Err(err(
            ErrorCode::InvalidModifier,
            format!("`{item}` needs an operation and a value, e.g. `{}:add:1`", key.code()),
        ));
    }
    // `speed:plus:10`: a known key followed by something that is not an operation.
    if n >= 3 && ModifierKey::parse(&parts[..n - 2].join(":")).is_some() {
        return Err(err(
            ErrorCode::InvalidModifier,
            format!(
                "unknown operation `{}` in `{item}`; use add, multiply, override, upgrade or downgrade",
                parts[n - 2]
            ),
        ));
    }
    if n >= 2 && ModifierKey::parse(&parts[..n - 1].join(":")).is_some() {
        return Err(err(
            ErrorCode::InvalidModifier,
            format!("`{item}` is missing its operation or value; write `key:op:value`"),
        ));
    }
    let key_text = if n >= 3 { parts[..n - 2].join(":") } else { joined };
    Err(unknown_key(&key_text))
}

fn unknown_key(key: &str) -> crate::error::WkError {
    err(
        ErrorCode::UnknownModifierKey,
        format!("unknown modifier key `{key}`; the supported keys are listed in static_data/dnd5e/BUFFS.md"),
    )
}

fn build(key: ModifierKey, op: ModOp, text: &str) -> WkResult<Modifier> {
    let range = key.range(op).ok_or_else(|| {
        err(
            ErrorCode::ModifierTypeMismatch,
            format!("`{}` does not take `{}`; allowed: {}", key.code(), op.code(), key.allowed_ops_text()),
        )
    })?;
    let mismatch = || {
        err(
            ErrorCode::ModifierTypeMismatch,
            format!("`{}:{}` takes {}, got `{text}`", key.code(), op.code(), range.type_name()),
        )
    };
    let value = match range {
        ValueRange::Int { .. } => ModValue::Int(text.trim_start_matches('+').parse::<i32>().map_err(|_| mismatch())?),
        ValueRange::Float { .. } => {
            let v = text.parse::<f64>().map_err(|_| mismatch())?;
            ModValue::Float(v)
        }
        ValueRange::Flag => match text {
            "true" => ModValue::Flag(true),
            "false" => ModValue::Flag(false),
            _ => return Err(mismatch()),
        },
    };
    let m = Modifier { key, op, value };
    m.validate()?;
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(cell: &str) -> ErrorCode {
        parse_modifiers(cell).unwrap_err().code
    }

    #[test]
    fn every_key_round_trips_through_its_spelling_and_has_a_unique_flag_bit() {
        let all = ModifierKey::all();
        assert_eq!(all.len(), 6 + 8 + 13 * 3 + 15 * 2 + 6 + 6 + 11);
        let mut bits = std::collections::HashSet::new();
        for k in &all {
            assert_eq!(ModifierKey::parse(&k.code()), Some(*k), "{}", k.code());
            if let KeyKind::Flag(b) = k.kind() {
                assert!(b < 64);
                assert!(bits.insert(b), "flag bit {b} used twice ({})", k.code());
            }
            assert!(ModOp::ALL.iter().any(|o| k.range(*o).is_some()), "{} takes no operation", k.code());
        }
    }

    #[test]
    fn a_well_formed_cell_parses_in_order() {
        let m = parse_modifiers("attack_bonus:add:2; speed:multiply:0.5;cannot_act;advantage:save:dex:override:true")
            .unwrap();
        assert_eq!(m[0], Modifier::int(ModifierKey::AttackBonus, ModOp::Add, 2));
        assert_eq!(m[1], Modifier::new(ModifierKey::Speed, ModOp::Multiply, ModValue::Float(0.5)));
        assert_eq!(m[2], Modifier::flag(ModifierKey::CannotAct));
        assert_eq!(m[3], Modifier::flag(ModifierKey::Advantage(Roll::Save(Ability::Dex))));
        assert_eq!(m[3].to_string(), "advantage:save:dex:override:true");
    }

    #[test]
    fn resistance_all_expands_to_every_damage_type() {
        let m = parse_modifiers("resistance:all").unwrap();
        assert_eq!(m.len(), 13);
        assert!(m.contains(&Modifier::flag(ModifierKey::Resistance(DamageType::Thunder))));
    }

    #[test]
    fn each_kind_of_bad_modifier_has_its_own_code() {
        assert_eq!(code_of("luck:add:1"), ErrorCode::UnknownModifierKey);
        assert_eq!(code_of("resistance:sonic"), ErrorCode::UnknownModifierKey);
        assert_eq!(code_of("speed:plus:10"), ErrorCode::InvalidModifier);
        assert_eq!(code_of("speed"), ErrorCode::InvalidModifier);
        assert_eq!(code_of("speed:add"), ErrorCode::InvalidModifier);
        assert_eq!(code_of("armor_class:multiply:2"), ErrorCode::ModifierTypeMismatch);
        assert_eq!(code_of("cannot_act:add:1"), ErrorCode::ModifierTypeMismatch);
        assert_eq!(code_of("attack_bonus:add:1.5"), ErrorCode::ModifierTypeMismatch);
        assert_eq!(code_of("cannot_act:override:1"), ErrorCode::ModifierTypeMismatch);
        assert_eq!(code_of("attack_bonus:add:11"), ErrorCode::ModifierValueOutOfRange);
        assert_eq!(code_of("str:override:31"), ErrorCode::ModifierValueOutOfRange);
        assert_eq!(code_of("speed:multiply:5"), ErrorCode::ModifierValueOutOfRange);
        assert_eq!(code_of("speed:multiply:NaN"), ErrorCode::ModifierValueOutOfRange);
        assert_eq!(code_of("cannot_act:override:false"), ErrorCode::ModifierValueOutOfRange);
    }

    #[test]
    fn apply_time_validation_gives_the_same_codes_as_load_time() {
        let bad_type = Modifier::new(ModifierKey::ArmorClass, ModOp::Add, ModValue::Float(1.0));
        assert_eq!(bad_type.validate().unwrap_err().code, ErrorCode::ModifierTypeMismatch);
        let bad_op = Modifier::int(ModifierKey::CannotAct, ModOp::Add, 1);
        assert_eq!(bad_op.validate().unwrap_err().code, ErrorCode::ModifierTypeMismatch);
        let too_big = Modifier::int(ModifierKey::Speed, ModOp::Add, 500);
        let e = too_big.validate().unwrap_err();
        assert_eq!(e.code, ErrorCode::ModifierValueOutOfRange);
        assert!(e.message.contains("-120..=120"), "{}", e.message);
        assert!(Modifier::flag(ModifierKey::Dies).validate().is_ok());
    }
}
