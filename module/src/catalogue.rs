//! The reducer catalogue: every reducer the module exports, who may call it, and the error codes
//! it can answer, each with the general fix. `docs/reducers.md` is rendered from this table plus
//! the argument lists of the generated bindings, and the tests below keep all three in sync.
//!
//! Adding a reducer (or merging a branch that adds some):
//! 1. regenerate the bindings (`scripts/generate.sh`);
//! 2. add a [`ReducerDoc`] to [`REDUCERS`] (any position; the docs are grouped and sorted):
//!    `name`, `group` (the system), `caller`, a one-line `summary`, and `errors`: every code the
//!    reducer's path can answer for some input or world state — auth helpers (`owned_character`:
//!    `UnknownCharacter`, `NotOwner`; `require_admin`: `NotAdmin`), `gate::require`
//!    (`FeatureDisabled`), loads and the pure core it calls. Leave out re-checks of invariants
//!    valid tables never break (static data validity, internal item-op consistency);
//! 3. a new `ErrorCode` gets its fix in [`fix`] (the match is exhaustive: it will not compile
//!    without one);
//! 4. `WK_BLESS=1 cargo test -p world-kernel --lib catalogue` rewrites `docs/reducers.md`; commit it.
//!
//! The tests fail when a bindings reducer has no entry (or an entry no reducer), when the docs are
//! stale, and when a reducer's own body names an `ErrorCode::X` missing from its list.
//! [`declared_errors`] lets live tests assert that every code a reducer returns is declared.

use crate::error::ErrorCode;
use crate::error::ErrorCode as E;

/// Who may call a reducer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// Any identity, no precondition.
    Anyone,
    /// Any identity; the caller becomes a player (and the owner of what it creates).
    Player,
    /// The owner of the character named by this argument, or an admin.
    Owner(&'static str),
    /// Admins only (`E_NOT_ADMIN` otherwise).
    Admin,
    /// The world's scheduler only; clients get `E_SCHEDULER_ONLY`.
    Scheduler,
    /// Run by the host (publish, connect, disconnect); not callable.
    Lifecycle,
}

impl Caller {
    pub fn describe(self) -> String {
        match self {
            Caller::Anyone => "anyone".to_string(),
            Caller::Player => "any player (the caller owns the result)".to_string(),
            Caller::Owner(arg) => format!("the owner of `{arg}`, or an admin"),
            Caller::Admin => "admins only".to_string(),
            Caller::Scheduler => "the world's scheduler only (clients get `E_SCHEDULER_ONLY`)".to_string(),
            Caller::Lifecycle => "the host (lifecycle reducer; not callable)".to_string(),
        }
    }
}

/// One catalogue entry.
#[derive(Debug, Clone, Copy)]
pub struct ReducerDoc {
    pub name: &'static str,
    /// The system it belongs to (a heading in docs/reducers.md).
    pub group: &'static str,
    pub caller: Caller,
    pub summary: &'static str,
    /// The codes it can answer, in the order a call meets them (roughly).
    pub errors: &'static [ErrorCode],
}

/// The general fix for a code (the message of each error adds the specifics).
/// Exhaustive on purpose: a new code does not compile without its fix.
pub fn fix(code: ErrorCode) -> &'static str {
    match code {
        E::NotAdmin => "This reducer is for admins: ask an admin to call it, or to `add_admin` you.",
        E::NotOwner => "Act with a character you own (`SELECT * FROM character WHERE owner = <your identity>`).",
        E::SchedulerOnly => "Do not call it: the world's scheduler runs it.",
        E::LastAdmin => "Add another admin first; the last admin cannot be removed.",
        E::UnknownPlayer => "Use an identity that has connected at least once (`SELECT * FROM player`) or is an admin.",
        E::FeatureDisabled => "The system is switched off; wait, or ask an admin to `set_feature_enabled(<system>, true)`.",
        E::UnknownFeature => "Use a system compiled into this module: `SELECT feature FROM feature_gate`.",
        E::InvalidConfig => "Use a value in the range the message names (README \"Config\"); a missing config row needs a republish.",
        E::InvalidName => "Use 1-32 printable characters without leading or trailing spaces.",
        E::NameTaken => "Pick a name none of the owner's characters uses (case-insensitive).",
        E::UnknownClass => "Use a class id of the active ruleset: `SELECT id FROM class_def`.",
        E::InvalidAbilityScores => "Follow the ruleset's method (dnd5e: point buy, 8..=15, cost <= 27; lite: 6..=16, sum <= 72).",
        E::InvalidSkills => "Pass `[]` for the class default or exactly its `skill_count` distinct ids from its `skill_options`.",
        E::UnknownCharacter => "Use an existing character id: `SELECT id, name FROM character`.",
        E::TooManyCharacters => "Delete one of your characters first (limit: config `max_characters_per_player`).",
        E::CharacterDead => "The character is dead: act with (or target) a living character, or create a new one.",
        E::StaticData => "Fix the static-data file at the file/line/column the message names, then republish or reload.",
        E::UnknownSkill => "Use a skill id of the active ruleset (`SELECT id FROM skill_def`) or an ability.",
        E::InvalidDc => "Use a DC inside the ruleset's range named in the message.",
        E::UnknownLocation => "Use a location id from `SELECT id FROM location_def`.",
        E::NotANeighbour => "Travel one edge at a time: pick a neighbour from the location's `neighbours`.",
        E::AlreadyThere => "You are already there; pick another destination.",
        E::Traveling => "Wait until the journey ends (`travel_state` row gone, an `Arrived` event).",
        E::InCombat => "End the fight first (win, or `flee` on your turn).",
        E::NotSafeToRest => "Take a long rest at a safe location (`location_def.safe`), or a short rest here.",
        E::Resting => "Wait for the rest to finish, or `stop_rest` first.",
        E::SameCharacter => "Name a different character as the target.",
        E::NotSameLocation => "Travel to the target's location first (`move_to`).",
        E::InvalidArgument => "Fix the argument the message names (range, count or choice).",
        E::NoHitDice => "Spend at most the hit dice you have left (`sheet.hit_dice_remaining`); a long rest restores them.",
        E::Unconscious => "The character is at 0 HP: heal it (a potion from an ally) or wait until it stabilises and wakes.",
        E::InvalidDice => "Write dice as NdS+M, e.g. 2d6+1.",
        E::NotDying => "Only a creature at 0 HP that is neither stable nor dead makes death saves.",
        E::UnknownMonster => "Use a monster of the ruleset's monsters.csv, or an existing instance: `SELECT * FROM monster_instance`.",
        E::NotResting => "Nothing to stop: the character is not resting.",
        E::UnknownBuff => "Use a buff id from `SELECT id FROM buff_def`.",
        E::UnknownModifierKey => "Use a modifier key the buff system knows (README \"Buffs\").",
        E::ModifierValueOutOfRange => "Keep the modifier value inside the range the message names.",
        E::ModifierTypeMismatch => "Give the modifier key a value of its type (number or flag).",
        E::InvalidModifier => "Write modifiers as key:value pairs (README \"Buffs\").",
        E::InvalidBuffDef => "Fix the buff definition (buffs.csv) as the message says.",
        E::BuffImmune => "The target is immune: remove the immunity first or pick another target.",
        E::InvalidDuration => "Use a duration of 1 s ..= 366 days.",
        E::UnknownBuffInstance => "Use an id from `SELECT * FROM active_buff`; it may have expired already.",
        E::UnknownItem => "Use an item uid from `SELECT * FROM item_instance`; it may have been used, moved or despawned.",
        E::UnknownItemDef => "Use an item definition id from `SELECT id FROM item_def`.",
        E::InvalidItemDef => "Fix the item definition (items.csv) as the message says.",
        E::InvalidQuantity => "Use a quantity of at least 1 and at most the stack (or stack limit).",
        E::StackLimit => "Merge fewer: the target stack would pass the definition's stack limit.",
        E::NotStackable => "This item does not stack; split and merge only stackable items.",
        E::DifferentItemDefs => "Merge only stacks of the same item definition.",
        E::ContainerFull => "Make room first (merge stacks, move items to the other stash, or extract).",
        E::ItemNotHere => "Use an item in the place the reducer reads (your active stash, or the slot named); check `item_instance.place`.",
        E::SlotIncompatible => "Use a slot that accepts the item's `item_def.slot` (belt slots take consumables).",
        E::SlotEmpty => "Name a slot that holds an item (`SELECT * FROM item_instance WHERE character_id = <id>`).",
        E::ClassRestricted => "Only the classes the item names may equip it; pick another item.",
        E::AbilityTooLow => "The character misses the item's minimum score; pick another item.",
        E::NotConsumable => "Only consumables can be used up; equip other items instead.",
        E::InvalidPosition => "Use finite coordinates in feet, 0..=10000 (the encounter map: finite x, y).",
        E::InvalidRadius => "Use a contact radius in (0, 100] feet.",
        E::InvalidTtl => "Use a time to live in (0, 604800] seconds.",
        E::NothingInReach => "Step onto an item first (`step_to` its x, y; see `item_instance` rows at your location), or make room in the run stash.",
        E::RunActive => "A run is under way: `extract` (keep the bag) or `wipe` first.",
        E::NoActiveRun => "Begin a run first (`begin_run`).",
        E::CurrencyOverflow => "Spend or move some currency first; the stash cannot hold more.",
        E::RunStashNotEmpty => "Empty the run stash first (`move_to_master` each item) before beginning a run.",
        E::NotInCombat => "Join or start a fight first (`join_combat`, `start_combat`); see `combatant` for yours.",
        E::NotYourTurn => "Wait for your turn (`combat_instance.current_combatant`, a turn event); act or `end_turn` then.",
        E::AlreadyInCombat => "Finish or flee the current fight first; a creature fights in one fight at a time.",
        E::InvalidTarget => "Target a living combatant of the other side (or yourself / an ally for items), present in this fight.",
        E::OutOfRange => "Move closer first (`move_in_combat`): melee reach is 5 ft, ranged attacks have a range.",
        E::TooFar => "Move at most your movement left this turn (`dash` adds your speed).",
        E::NoActionLeft => "That action is spent this turn (or on cooldown): `end_turn`, or wait for the window to reopen.",
        E::CombatOver => "The fight is over; start a new one.",
        E::Incapacitated => "A condition (stunned, paralyzed, unconscious...) forbids acting now: wait until it ends or have it removed (`effective_stats.flags` has `CannotAct`); in a fight, `end_turn`.",
        E::NotSupported => "The active ruleset does not support this (or the perk is passive); use another action.",
        E::UnknownPerk => "Use a perk id of this ruleset (`SELECT id FROM perk_def`).",
        E::PerkNotOwned => "Use a perk the character has (`SELECT * FROM character_perk WHERE character_id = <id>`).",
        E::PerkNotOffered => "Choose one of the offer's `choices` (`SELECT * FROM perk_offer WHERE id = <offer>`).",
        E::OfferAlreadyChosen => {
            "That offer is used (or the perk does not stack and is owned); wait for the next level-up offer."
        }
        E::UnknownOffer => "Use an open offer of your character (`SELECT * FROM perk_offer WHERE character_id = <id>`).",
        E::PerkNotReady => "The perk's charges are spent; a short or long rest (or its recharge) restores them.",
        E::ProfileAttrLimit => "Resolve at most 16 attributes on any one combatant: merge or drop entries of the stack.",
        E::ProfileUnkillableSide => "Leave every side a way to lose: drop `unkillable` (or the absorb / immunity) from one of them.",
        E::ProfileDeadlock => "Leave every side a legal action: do not zero a whole side's movement and attacks.",
        E::ProfileOrphanInstance => "(Warning) Use slot names of the encounter layout; entries for unknown slots are dropped.",
        E::ProfileUnknownKind => "Use a registered modifier kind (README, Modifier profiles) or a `custom` entry.",
        E::ProfileBadValue => "Give the kind a value of its schema and range (README, Modifier profiles).",
        E::CustomStructure => "Fix the custom modifier's node list: known primitives, children that exist, one root.",
        E::CustomParam => "Keep each primitive's parameters within their documented bounds.",
        E::CustomDepth => "Nest custom primitives at most 3 deep.",
        E::CustomSize => "Use at most 50 primitives in one custom modifier.",
        E::ProfileConsentRequired => "Two or more human sides: call `propose_profiles` and wait for the other side's `consent`.",
        E::ProfileSelfConsent => "The other side must consent; wait for its answer (or the timeout).",
        E::ProfileProposalClosed => "The proposal was answered, superseded or timed out; propose again.",
        E::ProfileNotParticipant => "Act with a character of yours that is a human combatant in this fight (or as an admin).",
        E::CannotMove => "The character's speed is 0 (grappled, restrained, exhaustion 5): wait until the condition ends or have it removed (`effective_stats`).",
        E::NotSafeToExtract => "Extract at a safe location (`location_def.safe`, e.g. a village): travel there first (`move_to`).",
    }
}

// `codes![A, B]` = `&[ErrorCode::A, ErrorCode::B]`.
macro_rules! codes {
    ($($c:ident),* $(,)?) => { &[$(E::$c),*] };
}

// `codes_and_profile_checks![A, B]` = `codes![A, B, <every code the profile validator can answer>]`
// (apply_profiles, propose_profiles and consent all validate the whole stack).
macro_rules! codes_and_profile_checks {
    ($($c:ident),* $(,)?) => {
        codes![
            $($c,)*
            ProfileAttrLimit,
            ProfileUnkillableSide,
            ProfileDeadlock,
            ProfileUnknownKind,
            ProfileBadValue,
            CustomStructure,
            CustomParam,
            CustomDepth,
            CustomSize
        ]
    };
}

/// Every reducer of the module (docs/reducers.md lists them by group, then name).
pub const REDUCERS: &[ReducerDoc] = &[
    // ----- lifecycle
    ReducerDoc {
        name: "init",
        group: "lifecycle",
        caller: Caller::Lifecycle,
        summary: "Runs once at publish, as the publisher: records the first admin, writes config, loads static data, seeds gates, spawns and starts the world clock. Bad static data aborts the publish.",
        errors: codes![StaticData],
    },
    ReducerDoc {
        name: "client_connected",
        group: "lifecycle",
        caller: Caller::Lifecycle,
        summary: "A connection opened: the caller's `player` row is created or marked online; characters fighting under the AI get their player back.",
        errors: &[],
    },
    ReducerDoc {
        name: "client_disconnected",
        group: "lifecycle",
        caller: Caller::Lifecycle,
        summary: "A connection closed; when it was the player's last, the player goes offline and its fighting characters go to the AI.",
        errors: &[],
    },
    // ----- admin
    ReducerDoc {
        name: "ping",
        group: "admin",
        caller: Caller::Anyone,
        summary: "Health check and benchmark baseline: does nothing, succeeds.",
        errors: &[],
    },
    ReducerDoc {
        name: "add_admin",
        group: "admin",
        caller: Caller::Admin,
        summary: "Make an identity an admin (idempotent).",
        errors: codes![NotAdmin],
    },
    ReducerDoc {
        name: "remove_admin",
        group: "admin",
        caller: Caller::Admin,
        summary: "Remove an admin; the last one cannot be removed.",
        errors: codes![NotAdmin, UnknownPlayer, LastAdmin],
    },
    ReducerDoc {
        name: "set_feature_enabled",
        group: "admin",
        caller: Caller::Admin,
        summary: "Switch a compiled-in system on or off at runtime (`characters`, `social`, `travel`, `rest`, `buffs`, `combat`, `items`).",
        errors: codes![NotAdmin, UnknownFeature],
    },
    ReducerDoc {
        name: "set_config",
        group: "admin",
        caller: Caller::Admin,
        summary: "Change one tunable of the `config` table (`key`, `value` as text); timer periods take effect at once.",
        errors: codes![NotAdmin, InvalidConfig],
    },
    ReducerDoc {
        name: "reload_static_data",
        group: "admin",
        caller: Caller::Admin,
        summary: "Re-validate and reload the compiled-in static tables; nothing is replaced unless everything is valid.",
        errors: codes![NotAdmin, StaticData],
    },
    ReducerDoc {
        name: "admin_set_hp",
        group: "admin",
        caller: Caller::Admin,
        summary: "Test / GM hook: set a living character's current HP to 1..=max.",
        errors: codes![NotAdmin, UnknownCharacter, InvalidArgument],
    },
    // ----- characters
    ReducerDoc {
        name: "create_character",
        group: "characters",
        caller: Caller::Player,
        summary: "Create a character for the caller at the start location (README \"Characters\": name, class, scores, skills).",
        errors: codes![
            FeatureDisabled,
            InvalidName,
            InvalidConfig,
            NameTaken,
            TooManyCharacters,
            UnknownClass,
            InvalidAbilityScores,
            InvalidSkills,
        ],
    },
    ReducerDoc {
        name: "create_ai_character",
        group: "characters",
        caller: Caller::Admin,
        summary: "Create an AI-controlled character; `owner` none = owned by the world itself. Exempt from the per-player limit.",
        errors: codes![
            NotAdmin,
            FeatureDisabled,
            UnknownPlayer,
            InvalidName,
            InvalidConfig,
            NameTaken,
            UnknownClass,
            InvalidAbilityScores,
            InvalidSkills,
        ],
    },
    ReducerDoc {
        name: "delete_character",
        group: "characters",
        caller: Caller::Owner("character_id"),
        summary: "Delete a character; a run under way is lost first (as a death: the run stash, its currency, gear by `wipe_difficulty`), then what is left of its loadout and run stash goes to the owner's master stash.",
        errors: codes![FeatureDisabled, UnknownCharacter, NotOwner, InCombat, InvalidConfig, ContainerFull, CurrencyOverflow],
    },
    // ----- social
    ReducerDoc {
        name: "ability_check",
        group: "social",
        caller: Caller::Owner("character_id"),
        summary: "Roll an ability or skill check against a DC (dnd5e d20, lite 2d6); a world event with the dice.",
        errors: codes![
            FeatureDisabled,
            UnknownCharacter,
            NotOwner,
            CharacterDead,
            Unconscious,
            Incapacitated,
            Traveling,
            UnknownSkill,
            InvalidDc,
        ],
    },
    ReducerDoc {
        name: "contest",
        group: "social",
        caller: Caller::Owner("actor_id"),
        summary: "Contest your character against another at the same location (e.g. deception vs insight); higher total wins, a tie keeps the status quo. A cross-agent event between players.",
        errors: codes![
            FeatureDisabled,
            UnknownCharacter,
            NotOwner,
            SameCharacter,
            CharacterDead,
            Unconscious,
            Incapacitated,
            Traveling,
            NotSameLocation,
            UnknownSkill,
        ],
    },
    // ----- travel
    ReducerDoc {
        name: "move_to",
        group: "travel",
        caller: Caller::Owner("character_id"),
        summary: "Set out for a neighbouring location; arrival after the edge's travel time (world seconds). Interrupts a rest.",
        errors: codes![
            FeatureDisabled,
            UnknownCharacter,
            NotOwner,
            CharacterDead,
            Unconscious,
            Incapacitated,
            CannotMove,
            UnknownLocation,
            Traveling,
            InCombat,
            AlreadyThere,
            NotANeighbour,
        ],
    },
    ReducerDoc {
        name: "step_to",
        group: "travel",
        caller: Caller::Owner("character_id"),
        summary: "Step to a position (feet, 0..=10000) inside the current location, e.g. onto an item to pick it up.",
        errors: codes![
            FeatureDisabled,
            UnknownCharacter,
            NotOwner,
            CharacterDead,
            Unconscious,
            Incapacitated,
            CannotMove,
            Traveling,
            InvalidPosition,
        ],
    },
    // ----- rest
    ReducerDoc {
        name: "rest",
        group: "rest",
        caller: Caller::Owner("character_id"),
        summary: "Start a short or long rest in world time (long: safe locations only); `hit_dice_to_spend` is rolled when a short rest completes (dnd5e).",
        errors: codes![
            FeatureDisabled,
            UnknownCharacter,
            NotOwner,
            Traveling,
            Resting,
            NoHitDice,
            InvalidConfig,
            CharacterDead,
            Unconscious,
            InCombat,
            NotSafeToRest,
        ],
    },
    ReducerDoc {
        name: "stop_rest",
        group: "rest",
        caller: Caller::Owner("character_id"),
        summary: "Stop resting early; the progress is lost.",
        errors: codes![FeatureDisabled, UnknownCharacter, NotOwner, NotResting],
    },
    // ----- buffs
    ReducerDoc {
        name: "apply_buff",
        group: "buffs",
        caller: Caller::Admin,
        summary: "Apply a buff (source 0 = the world; `duration_secs` overrides the default, 1 s ..= 366 days). Stacking and immunity: README \"Buffs\".",
        errors: codes![FeatureDisabled, NotAdmin, UnknownCharacter, UnknownBuff, InvalidDuration, BuffImmune],
    },
    ReducerDoc {
        name: "remove_buff",
        group: "buffs",
        caller: Caller::Admin,
        summary: "Remove one buff instance (`SELECT * FROM active_buff`).",
        errors: codes![FeatureDisabled, NotAdmin, UnknownBuffInstance],
    },
    ReducerDoc {
        name: "dispel",
        group: "buffs",
        caller: Caller::Admin,
        summary: "Remove every buff of a category (e.g. `{\"Magical\":[]}`) from a character.",
        errors: codes![FeatureDisabled, NotAdmin, UnknownCharacter],
    },
    ReducerDoc {
        name: "remove_buffs_by_source",
        group: "buffs",
        caller: Caller::Admin,
        summary: "Remove every buff a source applied, on every character (0: everything the world applied).",
        errors: codes![FeatureDisabled, NotAdmin, UnknownCharacter],
    },
    // ----- items
    ReducerDoc {
        name: "spawn_world_item",
        group: "items",
        caller: Caller::Admin,
        summary: "Put an item on the ground of a location, with a contact radius (feet) and a time to live (seconds).",
        errors: codes![
            NotAdmin,
            FeatureDisabled,
            InvalidTtl,
            UnknownItemDef,
            InvalidQuantity,
            UnknownLocation,
            InvalidPosition,
            InvalidRadius,
        ],
    },
    ReducerDoc {
        name: "pick_up",
        group: "items",
        caller: Caller::Owner("character_id"),
        summary: "Take every item whose contact zone holds the character, nearest first, into the run stash (stacks merged).",
        errors: codes![FeatureDisabled, UnknownCharacter, NotOwner, CharacterDead, Unconscious, Incapacitated, Traveling, NothingInReach],
    },
    ReducerDoc {
        name: "give_item",
        group: "items",
        caller: Caller::Owner("character_id"),
        summary: "Hand an item from your active stash to a character at your location (its run stash during its run, else its owner's master stash). A cross-agent event between players.",
        errors: codes![
            FeatureDisabled,
            UnknownCharacter,
            NotOwner,
            SameCharacter,
            CharacterDead,
            Unconscious,
            Incapacitated,
            Traveling,
            NotSameLocation,
            UnknownItem,
            ItemNotHere,
            ContainerFull,
        ],
    },
    ReducerDoc {
        name: "equip",
        group: "items",
        caller: Caller::Owner("character_id"),
        summary: "Equip an item from the active stash or another slot (slot, class, minimum scores, two-handed rules).",
        errors: codes![
            FeatureDisabled,
            UnknownCharacter,
            NotOwner,
            CharacterDead,
            Unconscious,
            Incapacitated,
            InCombat,
            UnknownItem,
            ItemNotHere,
            SlotIncompatible,
            ClassRestricted,
            AbilityTooLow,
            ContainerFull,
        ],
    },
    ReducerDoc {
        name: "unequip",
        group: "items",
        caller: Caller::Owner("character_id"),
        summary: "Take the item in a slot back to the active stash.",
        errors: codes![
            FeatureDisabled,
            UnknownCharacter,
            NotOwner,
            CharacterDead,
            Unconscious,
            Incapacitated,
            InCombat,
            SlotEmpty,
            ContainerFull,
        ],
    },
    ReducerDoc {
        name: "move_item",
        group: "items",
        caller: Caller::Owner("character_id"),
        summary: "Drag and drop: an item to a slot (as `equip`) or to the stash (as `unequip`); `target` is `{\"Stash\":[]}` or `{\"Slot\":{\"MainHand\":[]}}`.",
        errors: codes![
            FeatureDisabled,
            UnknownCharacter,
            NotOwner,
            CharacterDead,
            Unconscious,
            Incapacitated,
            InCombat,
            UnknownItem,
            ItemNotHere,
            InvalidArgument,
            SlotIncompatible,
            ClassRestricted,
            AbilityTooLow,
            ContainerFull,
        ],
    },
    ReducerDoc {
        name: "use_consumable",
        group: "items",
        caller: Caller::Owner("character_id"),
        summary: "Use the consumable on a belt slot (healing rolled with the dice, or its buff); in a fight it is a bonus action on your turn.",
        errors: codes![
            FeatureDisabled,
            UnknownCharacter,
            NotOwner,
            CharacterDead,
            Unconscious,
            Incapacitated,
            SlotIncompatible,
            SlotEmpty,
            NotConsumable,
            InvalidQuantity,
            BuffImmune,
            CombatOver,
            NotYourTurn,
            NoActionLeft,
        ],
    },
    ReducerDoc {
        name: "split_stack",
        group: "items",
        caller: Caller::Owner("character_id"),
        summary: "Split `amount` off a stack into a new stack in the same stash.",
        errors: codes![
            FeatureDisabled,
            UnknownCharacter,
            NotOwner,
            UnknownItem,
            ItemNotHere,
            NotStackable,
            InvalidQuantity,
            ContainerFull,
        ],
    },
    ReducerDoc {
        name: "merge_stacks",
        group: "items",
        caller: Caller::Owner("character_id"),
        summary: "Move `quantity` from one stack into another of the same definition in the same stash.",
        errors: codes![
            FeatureDisabled,
            UnknownCharacter,
            NotOwner,
            UnknownItem,
            ItemNotHere,
            InvalidArgument,
            DifferentItemDefs,
            NotStackable,
            InvalidQuantity,
            StackLimit,
        ],
    },
    ReducerDoc {
        name: "move_to_master",
        group: "items",
        caller: Caller::Owner("character_id"),
        summary: "Run stash -> master stash, outside a run (during a run: extract).",
        errors: codes![FeatureDisabled, UnknownCharacter, NotOwner, UnknownItem, RunActive, ItemNotHere, ContainerFull],
    },
    ReducerDoc {
        name: "move_to_run",
        group: "items",
        caller: Caller::Owner("character_id"),
        summary: "Master stash -> run stash, during a run (supplies; lost if the run wipes).",
        errors: codes![FeatureDisabled, UnknownCharacter, NotOwner, UnknownItem, NoActiveRun, ItemNotHere, ContainerFull],
    },
    ReducerDoc {
        name: "begin_run",
        group: "items",
        caller: Caller::Owner("character_id"),
        summary: "Start an expedition: the run stash becomes the active stash.",
        errors: codes![FeatureDisabled, UnknownCharacter, NotOwner, RunActive, RunStashNotEmpty],
    },
    ReducerDoc {
        name: "extract",
        group: "items",
        caller: Caller::Owner("character_id"),
        summary: "End a run successfully: the run stash (items and currency) goes into the master stash, all or nothing. Only alive, able to act, out of combat, at a safe location.",
        errors: codes![
            FeatureDisabled,
            UnknownCharacter,
            NotOwner,
            CharacterDead,
            Unconscious,
            Incapacitated,
            NoActiveRun,
            InCombat,
            Traveling,
            NotSafeToExtract,
            CurrencyOverflow,
            ContainerFull,
        ],
    },
    ReducerDoc {
        name: "wipe",
        group: "items",
        caller: Caller::Owner("character_id"),
        summary: "End a run in failure: the run stash is lost; equipped items by config `wipe_difficulty` (the same loss as a death during the run).",
        errors: codes![FeatureDisabled, UnknownCharacter, NotOwner, InvalidConfig, NoActiveRun],
    },
    ReducerDoc {
        name: "admin_grant_currency",
        group: "items",
        caller: Caller::Admin,
        summary: "Add currency (copper pieces) to a character's run stash during a run.",
        errors: codes![NotAdmin, FeatureDisabled, UnknownCharacter, InvalidQuantity, NoActiveRun, CurrencyOverflow],
    },
    // ----- combat
    ReducerDoc {
        name: "spawn_monster",
        group: "combat",
        caller: Caller::Admin,
        summary: "A monster of the ruleset's monsters.csv appears at a location (the spawner does this on the world clock).",
        errors: codes![NotAdmin, FeatureDisabled, UnknownMonster, UnknownLocation],
    },
    ReducerDoc {
        name: "start_combat",
        group: "combat",
        caller: Caller::Owner("character_id"),
        summary: "Attack characters and/or monsters at your location (at most 64 targets); the mode follows who is fighting (no human: resolved at once).",
        errors: codes![
            FeatureDisabled,
            UnknownCharacter,
            NotOwner,
            InvalidTarget,
            InvalidArgument,
            CharacterDead,
            Unconscious,
            NotSameLocation,
            Traveling,
            AlreadyInCombat,
            UnknownMonster,
        ],
    },
    ReducerDoc {
        name: "join_combat",
        group: "combat",
        caller: Caller::Owner("character_id"),
        summary: "Join an active fight at your location on side 1 (attackers) or 2 (defenders).",
        errors: codes![
            FeatureDisabled,
            UnknownCharacter,
            NotOwner,
            NotInCombat,
            CombatOver,
            InvalidArgument,
            CharacterDead,
            Unconscious,
            NotSameLocation,
            Traveling,
            AlreadyInCombat,
        ],
    },
    ReducerDoc {
        name: "attack",
        group: "combat",
        caller: Caller::Owner("character_id"),
        summary: "Attack a combatant (`combatant.combatant_id`) with one of your attacks (0 = main weapon or unarmed); uses your action.",
        errors: codes![
            FeatureDisabled,
            UnknownCharacter,
            NotOwner,
            NotInCombat,
            CombatOver,
            NotYourTurn,
            CharacterDead,
            Unconscious,
            InvalidTarget,
            InvalidArgument,
            OutOfRange,
            Incapacitated,
            NoActionLeft,
        ],
    },
    ReducerDoc {
        name: "move_in_combat",
        group: "combat",
        caller: Caller::Owner("character_id"),
        summary: "Move on the encounter map (feet) within your remaining movement; costs no action.",
        errors: codes![
            FeatureDisabled,
            UnknownCharacter,
            NotOwner,
            NotInCombat,
            CombatOver,
            NotYourTurn,
            CharacterDead,
            Unconscious,
            InvalidPosition,
            TooFar,
        ],
    },
    ReducerDoc {
        name: "dodge",
        group: "combat",
        caller: Caller::Owner("character_id"),
        summary: "The Dodge action: attacks against you have disadvantage until your next turn.",
        errors: codes![
            FeatureDisabled,
            UnknownCharacter,
            NotOwner,
            NotInCombat,
            CombatOver,
            NotYourTurn,
            CharacterDead,
            Unconscious,
            Incapacitated,
            NoActionLeft,
        ],
    },
    ReducerDoc {
        name: "dash",
        group: "combat",
        caller: Caller::Owner("character_id"),
        summary: "The Dash action: extra movement equal to your speed (turn modes only).",
        errors: codes![
            FeatureDisabled,
            UnknownCharacter,
            NotOwner,
            NotInCombat,
            CombatOver,
            NotYourTurn,
            CharacterDead,
            Unconscious,
            InvalidArgument,
            Incapacitated,
            NoActionLeft,
        ],
    },
    ReducerDoc {
        name: "flee",
        group: "combat",
        caller: Caller::Owner("character_id"),
        summary: "Leave the fight (uses your action).",
        errors: codes![
            FeatureDisabled,
            UnknownCharacter,
            NotOwner,
            NotInCombat,
            CombatOver,
            NotYourTurn,
            CharacterDead,
            Unconscious,
            Incapacitated,
            NoActionLeft,
        ],
    },
    ReducerDoc {
        name: "end_turn",
        group: "combat",
        caller: Caller::Owner("character_id"),
        summary: "End your turn (turn modes only); the next combatant starts theirs.",
        errors: codes![
            FeatureDisabled,
            UnknownCharacter,
            NotOwner,
            NotInCombat,
            InvalidArgument,
            CombatOver,
            NotYourTurn,
            CharacterDead,
            Unconscious,
        ],
    },
    ReducerDoc {
        name: "set_combat_config",
        group: "combat",
        caller: Caller::Admin,
        summary: "Replace the combat tunables (mode thresholds, turn timeouts, AI policy).",
        errors: codes![NotAdmin, InvalidConfig],
    },
    ReducerDoc {
        name: "admin_skirmish",
        group: "combat",
        caller: Caller::Admin,
        summary: "Benchmark / GM hook: spawn two lines of monsters (1..=32 a side) at a location and resolve the fight at once.",
        errors: codes![NotAdmin, FeatureDisabled, InvalidArgument, UnknownMonster, UnknownLocation],
    },
    ReducerDoc {
        name: "admin_bench_effective_stats",
        group: "buffs",
        caller: Caller::Admin,
        summary: "Benchmark hook: resolve the 50-modifier effective-stats fixture 1..=10,000 times in the module (timed by a host stopwatch; writes nothing).",
        errors: codes![NotAdmin, FeatureDisabled, InvalidArgument],
    },
    ReducerDoc {
        name: "admin_seed_scale",
        group: "items",
        caller: Caller::Admin,
        summary: "Benchmark hook: seed up to 2,000 AI characters (each on a run with up to 20 stash items) and up to 20,000 ground items per call.",
        errors: codes![NotAdmin, FeatureDisabled, InvalidArgument, InvalidConfig, StaticData],
    },
    // ----- perks
    ReducerDoc {
        name: "choose_perk",
        group: "perks",
        caller: Caller::Owner("offer_id"),
        summary: "Take one perk of a level-up offer (the caller must own the offer's character); its on-pick hook applies at once.",
        errors: codes![
            UnknownOffer,
            UnknownCharacter,
            NotOwner,
            FeatureDisabled,
            PerkNotOffered,
            OfferAlreadyChosen,
            UnknownPerk,
            StaticData
        ],
    },
    ReducerDoc {
        name: "use_perk",
        group: "perks",
        caller: Caller::Owner("character_id"),
        summary: "Use a perk's action (Second Wind) outside combat.",
        errors: codes![
            UnknownCharacter,
            NotOwner,
            FeatureDisabled,
            InCombat,
            UnknownPerk,
            PerkNotOwned,
            NotSupported,
            PerkNotReady,
            Unconscious,
            StaticData
        ],
    },
    ReducerDoc {
        name: "admin_grant_xp",
        group: "admin",
        caller: Caller::Admin,
        summary: "Test / GM hook: award XP as a fight does (levels, perk level-up hooks, one perk offer per level gained).",
        errors: codes![NotAdmin, UnknownCharacter, InvalidArgument],
    },
    ReducerDoc {
        name: "admin_damage",
        group: "admin",
        caller: Caller::Admin,
        summary: "Test / GM hook: bludgeoning damage through the ruleset and the perk death hook; not in a fight. A death loses a run under way.",
        errors: codes![NotAdmin, UnknownCharacter, InvalidArgument, InCombat],
    },
    ReducerDoc {
        name: "admin_grant_perk",
        group: "admin",
        caller: Caller::Admin,
        summary: "Test / GM hook: give a perk without an offer (its on-pick hook runs).",
        errors: codes![NotAdmin, UnknownCharacter, UnknownPerk, OfferAlreadyChosen, StaticData],
    },
    // ----- modifier profiles
    ReducerDoc {
        name: "apply_profiles",
        group: "profiles",
        caller: Caller::Player,
        summary: "Apply an ordered stack of modifier profiles to an active fight (a participant with a human character, or an admin); validated whole, queued to the next turn boundary once a stack is on.",
        errors: codes_and_profile_checks![FeatureDisabled, NotInCombat, CombatOver, ProfileNotParticipant, ProfileConsentRequired],
    },
    ReducerDoc {
        name: "propose_profiles",
        group: "profiles",
        caller: Caller::Player,
        summary: "Propose a profile stack to a fight with two or more human sides; the other side consents (or it times out).",
        errors: codes_and_profile_checks![FeatureDisabled, NotInCombat, CombatOver, ProfileNotParticipant, InvalidArgument],
    },
    ReducerDoc {
        name: "consent",
        group: "profiles",
        caller: Caller::Player,
        summary: "Approve or reject another side's proposal (approval re-validates it and applies or queues it).",
        errors: codes_and_profile_checks![FeatureDisabled, ProfileProposalClosed, ProfileSelfConsent, ProfileNotParticipant, NotInCombat, CombatOver],
    },
    ReducerDoc {
        name: "set_profile_consent_timeout",
        group: "profiles",
        caller: Caller::Admin,
        summary: "How long a proposal waits for consent before it is rejected (1..=3600 s, default 60).",
        errors: codes![NotAdmin, InvalidConfig],
    },
    ReducerDoc {
        name: "profile_consent_timeout",
        group: "scheduled",
        caller: Caller::Scheduler,
        summary: "A proposal's consent timer: rejects it if still open (a superseded proposal's timer does nothing).",
        errors: codes![SchedulerOnly],
    },
    // ----- scheduled (timers)
    ReducerDoc {
        name: "world_tick",
        group: "scheduled",
        caller: Caller::Scheduler,
        summary: "The world clock: time, travel and buff sweeps, combat, rests and recovery, item despawn, the spawner.",
        errors: codes![SchedulerOnly],
    },
    ReducerDoc {
        name: "prune_event_log",
        group: "scheduled",
        caller: Caller::Scheduler,
        summary: "Keeps the event log within config `event_log_limit`, oldest first.",
        errors: codes![SchedulerOnly],
    },
    ReducerDoc {
        name: "arrive",
        group: "scheduled",
        caller: Caller::Scheduler,
        summary: "Arrival of a journey at its arrival time (idempotent).",
        errors: codes![SchedulerOnly],
    },
    ReducerDoc {
        name: "expire_buff",
        group: "scheduled",
        caller: Caller::Scheduler,
        summary: "Expire a buff exactly at its end (idempotent).",
        errors: codes![SchedulerOnly],
    },
    ReducerDoc {
        name: "tick_buff",
        group: "scheduled",
        caller: Caller::Scheduler,
        summary: "Run the periodic ticks of a buff that are due.",
        errors: codes![SchedulerOnly],
    },
    ReducerDoc {
        name: "despawn_world_item",
        group: "scheduled",
        caller: Caller::Scheduler,
        summary: "Despawn one world item at its time to live (idempotent).",
        errors: codes![SchedulerOnly],
    },
    ReducerDoc {
        name: "turn_timeout",
        group: "scheduled",
        caller: Caller::Scheduler,
        summary: "A timed turn ran out: the AI plays it (a stale timer does nothing).",
        errors: codes![SchedulerOnly],
    },
];

/// The catalogue entry of a reducer.
pub fn entry(name: &str) -> Option<&'static ReducerDoc> {
    REDUCERS.iter().find(|r| r.name == name)
}

/// The codes a reducer declares (None: no such reducer). For live tests and fuzzers: a code a
/// reducer returned that is not in here is a catalogue bug.
pub fn declared_errors(name: &str) -> Option<&'static [ErrorCode]> {
    entry(name).map(|r| r.errors)
}

#[cfg(test)]
mod tests;
