//! One error type with stable codes. Clients and AI agents match on the code (the text before the
//! first `:`); the message names the fix. Codes are never renamed once shipped.

use std::fmt;

/// One table defines the codes: the enum, `as_str` and `ALL` cannot drift apart.
macro_rules! error_codes {
    ($($variant:ident => $code:literal,)*) => {
        /// Stable error codes. Add new ones at the end of their group; never reuse or rename.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($variant,)*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }
        }
    };
}

error_codes! {
    // --- authorization
    NotAdmin => "E_NOT_ADMIN",
    NotOwner => "E_NOT_OWNER",
    SchedulerOnly => "E_SCHEDULER_ONLY",
    LastAdmin => "E_LAST_ADMIN",
    UnknownPlayer => "E_UNKNOWN_PLAYER",
    // --- gates and config
    FeatureDisabled => "E_FEATURE_DISABLED",
    UnknownFeature => "E_UNKNOWN_FEATURE",
    InvalidConfig => "E_INVALID_CONFIG",
    // --- characters
    InvalidName => "E_INVALID_NAME",
    NameTaken => "E_NAME_TAKEN",
    UnknownClass => "E_UNKNOWN_CLASS",
    InvalidAbilityScores => "E_INVALID_ABILITY_SCORES",
    InvalidSkills => "E_INVALID_SKILLS",
    UnknownCharacter => "E_UNKNOWN_CHARACTER",
    TooManyCharacters => "E_TOO_MANY_CHARACTERS",
    CharacterDead => "E_CHARACTER_DEAD",
    // --- static data
    StaticData => "E_STATIC_DATA",
    // --- rules / world actions
    UnknownSkill => "E_UNKNOWN_SKILL",
    InvalidDc => "E_INVALID_DC",
    UnknownLocation => "E_UNKNOWN_LOCATION",
    NotANeighbour => "E_NOT_A_NEIGHBOUR",
    AlreadyThere => "E_ALREADY_THERE",
    Traveling => "E_TRAVELING",
    InCombat => "E_IN_COMBAT",
    NotSafeToRest => "E_NOT_SAFE_TO_REST",
    Resting => "E_RESTING",
    SameCharacter => "E_SAME_CHARACTER",
    NotSameLocation => "E_NOT_SAME_LOCATION",
    InvalidArgument => "E_INVALID_ARGUMENT",
    NoHitDice => "E_NO_HIT_DICE",
    Unconscious => "E_UNCONSCIOUS",
    InvalidDice => "E_INVALID_DICE",
    NotDying => "E_NOT_DYING",
    UnknownMonster => "E_UNKNOWN_MONSTER",
    NotResting => "E_NOT_RESTING",
    // --- buffs
    UnknownBuff => "E_UNKNOWN_BUFF",
    UnknownModifierKey => "E_UNKNOWN_MODIFIER_KEY",
    ModifierValueOutOfRange => "E_MODIFIER_VALUE_OUT_OF_RANGE",
    ModifierTypeMismatch => "E_MODIFIER_TYPE_MISMATCH",
    InvalidModifier => "E_INVALID_MODIFIER",
    InvalidBuffDef => "E_INVALID_BUFF_DEF",
    BuffImmune => "E_BUFF_IMMUNE",
    InvalidDuration => "E_INVALID_DURATION",
    UnknownBuffInstance => "E_UNKNOWN_BUFF_INSTANCE",
    // --- items
    UnknownItem => "E_UNKNOWN_ITEM",
    UnknownItemDef => "E_UNKNOWN_ITEM_DEF",
    InvalidItemDef => "E_INVALID_ITEM_DEF",
    InvalidQuantity => "E_INVALID_QUANTITY",
    StackLimit => "E_STACK_LIMIT",
    NotStackable => "E_NOT_STACKABLE",
    DifferentItemDefs => "E_DIFFERENT_ITEM_DEFS",
    ContainerFull => "E_CONTAINER_FULL",
    ItemNotHere => "E_ITEM_NOT_HERE",
    SlotIncompatible => "E_SLOT_INCOMPATIBLE",
    SlotEmpty => "E_SLOT_EMPTY",
    ClassRestricted => "E_CLASS_RESTRICTED",
    AbilityTooLow => "E_ABILITY_TOO_LOW",
    NotConsumable => "E_NOT_CONSUMABLE",
    InvalidPosition => "E_INVALID_POSITION",
    InvalidRadius => "E_INVALID_RADIUS",
    InvalidTtl => "E_INVALID_TTL",
    NothingInReach => "E_NOTHING_IN_REACH",
    RunActive => "E_RUN_ACTIVE",
    NoActiveRun => "E_NO_ACTIVE_RUN",
    CurrencyOverflow => "E_CURRENCY_OVERFLOW",
    RunStashNotEmpty => "E_RUN_STASH_NOT_EMPTY",
    // --- combat
    NotInCombat => "E_NOT_IN_COMBAT",
    NotYourTurn => "E_NOT_YOUR_TURN",
    AlreadyInCombat => "E_ALREADY_IN_COMBAT",
    InvalidTarget => "E_INVALID_TARGET",
    OutOfRange => "E_OUT_OF_RANGE",
    TooFar => "E_TOO_FAR",
    NoActionLeft => "E_NO_ACTION_LEFT",
    CombatOver => "E_COMBAT_OVER",
    Incapacitated => "E_INCAPACITATED",
    NotSupported => "E_NOT_SUPPORTED",
    UnknownPerk => "E_UNKNOWN_PERK",
    PerkNotOwned => "E_PERK_NOT_OWNED",
    PerkNotOffered => "E_PERK_NOT_OFFERED",
    OfferAlreadyChosen => "E_OFFER_ALREADY_CHOSEN",
    UnknownOffer => "E_UNKNOWN_OFFER",
    PerkNotReady => "E_PERK_NOT_READY",
    // Internal: a fight's state could not be encoded for `combat_state` (the transaction aborts).
    FightStateEncode => "E_FIGHT_STATE_ENCODE",
    // --- modifier profiles
    ProfileAttrLimit => "E_PROFILE_ATTR_LIMIT",
    ProfileUnkillableSide => "E_PROFILE_UNKILLABLE_SIDE",
    ProfileDeadlock => "E_PROFILE_DEADLOCK",
    ProfileOrphanInstance => "E_PROFILE_ORPHAN_INSTANCE",
    ProfileUnknownKind => "E_PROFILE_UNKNOWN_KIND",
    ProfileBadValue => "E_PROFILE_BAD_VALUE",
    CustomStructure => "E_CUSTOM_STRUCTURE",
    CustomParam => "E_CUSTOM_PARAM",
    CustomDepth => "E_CUSTOM_DEPTH",
    CustomSize => "E_CUSTOM_SIZE",
    ProfileConsentRequired => "E_PROFILE_CONSENT_REQUIRED",
    ProfileSelfConsent => "E_PROFILE_SELF_CONSENT",
    ProfileProposalClosed => "E_PROFILE_PROPOSAL_CLOSED",
    ProfileNotParticipant => "E_PROFILE_NOT_PARTICIPANT",
    ProfileStackLimit => "E_PROFILE_STACK_LIMIT",
    // --- conditions everywhere, runs with stakes
    CannotMove => "E_CANNOT_MOVE",
    NotSafeToExtract => "E_NOT_SAFE_TO_EXTRACT",
    Charmed => "E_CHARMED",
    Frightened => "E_FRIGHTENED",
    // --- snapshots, migrations, restore
    SnapshotVersion => "E_SNAPSHOT_VERSION",
    SnapshotWorldNotEmpty => "E_SNAPSHOT_WORLD_NOT_EMPTY",
    SnapshotNotStarted => "E_SNAPSHOT_NOT_STARTED",
    SnapshotBatch => "E_SNAPSHOT_BATCH",
    // --- a world safe to open to strangers
    SafeLocation => "E_SAFE_LOCATION",
    PvpConsentRequired => "E_PVP_CONSENT_REQUIRED",
    InvitationRequired => "E_INVITATION_REQUIRED",
    UnknownChallenge => "E_UNKNOWN_CHALLENGE",
    TooManyChallenges => "E_TOO_MANY_CHALLENGES",
    TargetDown => "E_TARGET_DOWN",
    // --- per-identity limits and bounded input
    InputTooLong => "E_INPUT_TOO_LONG",
    RateLimited => "E_RATE_LIMITED",
    TooManyProposals => "E_TOO_MANY_PROPOSALS",
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
        let all = ErrorCode::ALL;
        assert!(!all.is_empty());
        let mut seen = std::collections::HashSet::new();
        for c in all {
            let s = c.as_str();
            assert!(s.starts_with("E_") && s.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_'), "{s}");
            assert!(seen.insert(s), "duplicate code {s}");
        }
    }
}
