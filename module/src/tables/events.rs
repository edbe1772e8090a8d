use spacetimedb::{table, Identity, SpacetimeType, Timestamp};

/// What happened. All-unit so it can be indexed and filtered on.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    WorldStarted,
    PlayerConnected,
    PlayerDisconnected,
    AdminAdded,
    AdminRemoved,
    FeatureToggled,
    ConfigChanged,
    StaticDataReloaded,
    CharacterCreated,
    CharacterDeleted,
    AbilityCheck,
    Contest,
    TravelStarted,
    Arrived,
    RestStarted,
    RestCompleted,
    RestInterrupted,
    DeathSave,
    Stabilized,
    Died,
    Recovered,
    // --- buffs
    BuffApplied,
    BuffRefreshed,
    BuffStacked,
    BuffReplaced,
    BuffDropped,
    BuffExpired,
    BuffRemoved,
    BuffTick,
    CombatStarted,
    CombatAction,
    CombatEnded,
    CombatJoined,
    CombatControl,
    MonsterSpawned,
    MonsterKilled,
    XpAwarded,
    // --- items
    ItemSpawned,
    ItemPickedUp,
    ItemDespawned,
    LoadoutChanged,
    ConsumableUsed,
    StackSplit,
    StacksMerged,
    ItemTransferred,
    RunBegun,
    RunExtracted,
    RunWiped,
    CurrencyGranted,
    HpSet,
    LootDropped,
    // --- agents
    /// `give_item`: an item handed from one character to another (actors: giver, receiver).
    ItemGiven,
    /// An interaction between characters of DIFFERENT players, recorded right after the event it
    /// refers to. Detail: `kind=contest|shared_fight|loot_pickup|gift;owners=<n>;...`.
    CrossAgent,
    // --- perks
    /// A level-up offer was made (detail: `offer=<id>;level=<n>;choices=a|b|c`).
    PerkOffered,
    /// `choose_perk` (detail: `offer=<id>;perk=<id>;stacks=<n>`).
    PerkChosen,
    /// `use_perk` (detail: `perk=<id>`).
    PerkUsed,
    /// A perk hook changed something on its own: a tick, an effects step, a prevented death
    /// (detail: `perk=<id>;phase=<phase>`).
    PerkTriggered,
    // --- modifier profiles
    /// House rules: a stack applied, queued, proposed, consented to, rejected or timed out.
    /// Detail: `combat=<id>;action=...`.
    HouseRules,
    // --- runs have stakes
    /// A run ended in loss without a `wipe`: the character died during it or was deleted
    /// (detail: `cause=death|deleted;difficulty=..;stash_items_lost=n;stash_uids=..;
    /// currency_lost_cp=n;equipped_lost=uid@slot,..`).
    RunLost,
    // --- snapshots
    /// A snapshot import finished (detail: `snapshot=<commit>@<exported_at_micros>;rows=<n>`).
    WorldRestored,
    // --- a world safe to open to strangers
    /// A challenge issued, accepted, declined or expired; a PvP opt-in; an invitation to a fight.
    /// Detail: `challenge=<id>;action=issued|accepted|declined|expired` / `action=opt_in;on=..` /
    /// `combat=<id>;action=invite;side=<n>`.
    PvpChallenge,
}

/// The world event log: what clients and agents watch. Bounded by `config.event_log_limit`.
#[table(name = world_event, public)]
#[derive(Clone)]
pub struct WorldEvent {
    #[primary_key]
    #[auto_inc]
    pub id: u64,
    pub kind: EventKind,
    /// Character ids involved, actor first.
    pub actors: Vec<u64>,
    /// The identity that caused it (the module identity for world-driven events).
    pub caused_by: Identity,
    /// Human-readable line.
    pub text: String,
    /// Machine-readable detail, `key=value` pairs separated by `;`.
    pub detail: String,
    /// Every die rolled for this event, in order, with its purpose ("Deception check", "1d8 hit die").
    pub dice: Vec<crate::rules::DiceLogEntry>,
    pub at: Timestamp,
    /// `at` as micros since the epoch, indexed for pruning oldest-first.
    #[index(btree)]
    pub at_micros: i64,
}
