//! One error type with stable codes. Clients and AI agents match on the code (the text before the
//! first `:`); the message names the fix. Codes are never renamed once shipped.

use std::fmt;

/// Stable error codes. Add new ones at the end of their group; never reuse or rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    // --- authorization
    NotAdmin,
    NotOwner,
    SchedulerOnly,
    LastAdmin,
    UnknownPlayer,
    // --- gates and config
    FeatureDisabled,
    UnknownFeature,
    InvalidConfig,
    // --- characters
    InvalidName,
    NameTaken,
    UnknownClass,
    InvalidAbilityScores,
    InvalidSkills,
    UnknownCharacter,
    TooManyCharacters,
    CharacterDead,
    // --- static data
    StaticData,
    // --- rules / world actions (issue 3)
    UnknownSkill,
    InvalidDc,
    UnknownLocation,
    NotANeighbour,
    AlreadyThere,
    Traveling,
    InCombat,
    NotSafeToRest,
    Resting,
    SameCharacter,
    NotSameLocation,
    InvalidArgument,
    NoHitDice,
    Unconscious,
    InvalidDice,
    NotDying,
    UnknownMonster,
    NotResting,
    // --- buffs (issue 5)
    UnknownBuff,
    UnknownModifierKey,
    ModifierValueOutOfRange,
    ModifierTypeMismatch,
    InvalidModifier,
    InvalidBuffDef,
    BuffImmune,
    InvalidDuration,
    UnknownBuffInstance,
    // --- items (issue 4)
    UnknownItem,
    UnknownItemDef,
    InvalidItemDef,
    InvalidQuantity,
    StackLimit,
    NotStackable,
    DifferentItemDefs,
    ContainerFull,
    ItemNotHere,
    SlotIncompatible,
    SlotEmpty,
    ClassRestricted,
    AbilityTooLow,
    NotConsumable,
    InvalidPosition,
    InvalidRadius,
    InvalidTtl,
    NothingInReach,
    RunActive,
    NoActiveRun,
    CurrencyOverflow,
    RunStashNotEmpty,
    // --- combat (issue 6)
    NotInCombat,
    NotYourTurn,
    AlreadyInCombat,
    InvalidTarget,
    OutOfRange,
    TooFar,
    NoActionLeft,
    CombatOver,
    Incapacitated,
    NotSupported,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotAdmin => "E_NOT_ADMIN",
            ErrorCode::NotOwner => "E_NOT_OWNER",
            ErrorCode::SchedulerOnly => "E_SCHEDULER_ONLY",
            ErrorCode::LastAdmin => "E_LAST_ADMIN",
            ErrorCode::UnknownPlayer => "E_UNKNOWN_PLAYER",
            ErrorCode::FeatureDisabled => "E_FEATURE_DISABLED",
            ErrorCode::UnknownFeature => "E_UNKNOWN_FEATURE",
            ErrorCode::InvalidConfig => "E_INVALID_CONFIG",
            ErrorCode::InvalidName => "E_INVALID_NAME",
            ErrorCode::NameTaken => "E_NAME_TAKEN",
            ErrorCode::UnknownClass => "E_UNKNOWN_CLASS",
            ErrorCode::InvalidAbilityScores => "E_INVALID_ABILITY_SCORES",
            ErrorCode::InvalidSkills => "E_INVALID_SKILLS",
            ErrorCode::UnknownCharacter => "E_UNKNOWN_CHARACTER",
            ErrorCode::TooManyCharacters => "E_TOO_MANY_CHARACTERS",
            ErrorCode::CharacterDead => "E_CHARACTER_DEAD",
            ErrorCode::StaticData => "E_STATIC_DATA",
            ErrorCode::UnknownSkill => "E_UNKNOWN_SKILL",
            ErrorCode::InvalidDc => "E_INVALID_DC",
            ErrorCode::UnknownLocation => "E_UNKNOWN_LOCATION",
            ErrorCode::NotANeighbour => "E_NOT_A_NEIGHBOUR",
            ErrorCode::AlreadyThere => "E_ALREADY_THERE",
            ErrorCode::Traveling => "E_TRAVELING",
            ErrorCode::InCombat => "E_IN_COMBAT",
            ErrorCode::NotSafeToRest => "E_NOT_SAFE_TO_REST",
            ErrorCode::Resting => "E_RESTING",
            ErrorCode::SameCharacter => "E_SAME_CHARACTER",
            ErrorCode::NotSameLocation => "E_NOT_SAME_LOCATION",
            ErrorCode::InvalidArgument => "E_INVALID_ARGUMENT",
            ErrorCode::NoHitDice => "E_NO_HIT_DICE",
            ErrorCode::Unconscious => "E_UNCONSCIOUS",
            ErrorCode::InvalidDice => "E_INVALID_DICE",
            ErrorCode::NotDying => "E_NOT_DYING",
            ErrorCode::UnknownMonster => "E_UNKNOWN_MONSTER",
            ErrorCode::NotResting => "E_NOT_RESTING",
            ErrorCode::UnknownBuff => "E_UNKNOWN_BUFF",
            ErrorCode::UnknownModifierKey => "E_UNKNOWN_MODIFIER_KEY",
            ErrorCode::ModifierValueOutOfRange => "E_MODIFIER_VALUE_OUT_OF_RANGE",
            ErrorCode::ModifierTypeMismatch => "E_MODIFIER_TYPE_MISMATCH",
            ErrorCode::InvalidModifier => "E_INVALID_MODIFIER",
            ErrorCode::InvalidBuffDef => "E_INVALID_BUFF_DEF",
            ErrorCode::BuffImmune => "E_BUFF_IMMUNE",
            ErrorCode::InvalidDuration => "E_INVALID_DURATION",
            ErrorCode::UnknownBuffInstance => "E_UNKNOWN_BUFF_INSTANCE",
            ErrorCode::UnknownItem => "E_UNKNOWN_ITEM",
            ErrorCode::UnknownItemDef => "E_UNKNOWN_ITEM_DEF",
            ErrorCode::InvalidItemDef => "E_INVALID_ITEM_DEF",
            ErrorCode::InvalidQuantity => "E_INVALID_QUANTITY",
            ErrorCode::StackLimit => "E_STACK_LIMIT",
            ErrorCode::NotStackable => "E_NOT_STACKABLE",
            ErrorCode::DifferentItemDefs => "E_DIFFERENT_ITEM_DEFS",
            ErrorCode::ContainerFull => "E_CONTAINER_FULL",
            ErrorCode::ItemNotHere => "E_ITEM_NOT_HERE",
            ErrorCode::SlotIncompatible => "E_SLOT_INCOMPATIBLE",
            ErrorCode::SlotEmpty => "E_SLOT_EMPTY",
            ErrorCode::ClassRestricted => "E_CLASS_RESTRICTED",
            ErrorCode::AbilityTooLow => "E_ABILITY_TOO_LOW",
            ErrorCode::NotConsumable => "E_NOT_CONSUMABLE",
            ErrorCode::InvalidPosition => "E_INVALID_POSITION",
            ErrorCode::InvalidRadius => "E_INVALID_RADIUS",
            ErrorCode::InvalidTtl => "E_INVALID_TTL",
            ErrorCode::NothingInReach => "E_NOTHING_IN_REACH",
            ErrorCode::RunActive => "E_RUN_ACTIVE",
            ErrorCode::NoActiveRun => "E_NO_ACTIVE_RUN",
            ErrorCode::CurrencyOverflow => "E_CURRENCY_OVERFLOW",
            ErrorCode::RunStashNotEmpty => "E_RUN_STASH_NOT_EMPTY",
            ErrorCode::NotInCombat => "E_NOT_IN_COMBAT",
            ErrorCode::NotYourTurn => "E_NOT_YOUR_TURN",
            ErrorCode::AlreadyInCombat => "E_ALREADY_IN_COMBAT",
            ErrorCode::InvalidTarget => "E_INVALID_TARGET",
            ErrorCode::OutOfRange => "E_OUT_OF_RANGE",
            ErrorCode::TooFar => "E_TOO_FAR",
            ErrorCode::NoActionLeft => "E_NO_ACTION_LEFT",
            ErrorCode::CombatOver => "E_COMBAT_OVER",
            ErrorCode::Incapacitated => "E_INCAPACITATED",
            ErrorCode::NotSupported => "E_NOT_SUPPORTED",
        }
    }
}

/// An error with its stable code and a message that names the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WkError {
    pub code: ErrorCode,
    pub message: String,
}

impl WkError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        WkError { code, message: message.into() }
    }
}

impl fmt::Display for WkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

/// The reducer boundary: `Err("E_CODE: message")`.
impl From<WkError> for String {
    fn from(e: WkError) -> String {
        e.to_string()
    }
}

/// Shorthand: `Err(err(ErrorCode::X, "..."))`.
pub fn err(code: ErrorCode, message: impl Into<String>) -> WkError {
    WkError::new(code, message)
}

pub type WkResult<T> = Result<T, WkError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_string_starts_with_code() {
        let s: String = err(ErrorCode::NotOwner, "use a character you own").into();
        assert_eq!(s, "E_NOT_OWNER: use a character you own");
    }

    #[test]
    fn codes_are_unique_and_well_formed() {
        use ErrorCode::*;
        let all = [
            NotAdmin,
            NotOwner,
            SchedulerOnly,
            LastAdmin,
            UnknownPlayer,
            FeatureDisabled,
            UnknownFeature,
            InvalidConfig,
            InvalidName,
            NameTaken,
            UnknownClass,
            InvalidAbilityScores,
            InvalidSkills,
            UnknownCharacter,
            TooManyCharacters,
            CharacterDead,
            StaticData,
            UnknownSkill,
            InvalidDc,
            UnknownLocation,
            NotANeighbour,
            AlreadyThere,
            Traveling,
            InCombat,
            NotSafeToRest,
            Resting,
            SameCharacter,
            NotSameLocation,
            InvalidArgument,
            NoHitDice,
            Unconscious,
            InvalidDice,
            NotDying,
            UnknownMonster,
            NotResting,
            // buffs
            UnknownBuff,
            UnknownModifierKey,
            ModifierValueOutOfRange,
            ModifierTypeMismatch,
            InvalidModifier,
            InvalidBuffDef,
            BuffImmune,
            InvalidDuration,
            UnknownBuffInstance,
            // items
            UnknownItem,
            UnknownItemDef,
            InvalidItemDef,
            InvalidQuantity,
            StackLimit,
            NotStackable,
            DifferentItemDefs,
            ContainerFull,
            ItemNotHere,
            SlotIncompatible,
            SlotEmpty,
            ClassRestricted,
            AbilityTooLow,
            NotConsumable,
            InvalidPosition,
            InvalidRadius,
            InvalidTtl,
            NothingInReach,
            RunActive,
            NoActiveRun,
            CurrencyOverflow,
            RunStashNotEmpty,
            // combat
            NotInCombat,
            NotYourTurn,
            AlreadyInCombat,
            InvalidTarget,
            OutOfRange,
            TooFar,
            NoActionLeft,
            CombatOver,
            Incapacitated,
            NotSupported,
        ];
        let mut seen = std::collections::HashSet::new();
        for c in all {
            let s = c.as_str();
            assert!(s.starts_with("E_") && s.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_'), "{s}");
            assert!(seen.insert(s), "duplicate code {s}");
        }
    }
}
