//! Snapshot support: the schema version of the running module (public) and the bookkeeping of an
//! import in progress (private). See `systems::migrate` and docs/operations.md.

use spacetimedb::{table, Identity, Timestamp};

/// Written by `init` (id 0): which snapshot layout this module exports and imports. Operators and
/// `wk-snapshot` read it to decide whether a snapshot needs migrating.
#[table(name = schema_meta, public)]
#[derive(Clone)]
pub struct SchemaMeta {
    #[primary_key]
    pub id: u32,
    pub schema_version: u32,
    /// Active ruleset id, so a snapshot is not imported into a module of another ruleset.
    pub ruleset: String,
    pub published_at: Timestamp,
}

/// The import under way or done (id 0). `admin_snapshot_begin` with the same `snapshot_id` resumes it;
/// `admin_snapshot_finish` marks it done. Private: operators read it with the owner's token.
#[table(name = snapshot_import_state)]
#[derive(Clone)]
pub struct SnapshotImportState {
    #[primary_key]
    pub id: u32,
    /// `<commit>@<exported_at_micros>` of the snapshot being imported.
    pub snapshot_id: String,
    pub started_by: Identity,
    pub started_at: Timestamp,
    pub rows_imported: u64,
    pub finished: bool,
}

/// One `admin_snapshot_import` call: rows of one carried table (at most
/// `systems::migrate::MAX_BATCH_ROWS`). The variants follow `systems::migrate::CARRIED`.
#[derive(spacetimedb::SpacetimeType)]
pub enum SnapshotBatch {
    Admin(Vec<crate::tables::world::Admin>),
    Player(Vec<crate::tables::world::Player>),
    Config(Vec<crate::tables::world::Config>),
    FeatureGate(Vec<crate::tables::gates::FeatureGate>),
    CombatConfig(Vec<crate::tables::combat::CombatConfig>),
    #[cfg(feature = "profiles")]
    ProfileConfig(Vec<crate::tables::profiles::ProfileConfig>),
    WorldState(Vec<crate::tables::world::WorldState>),
    Character(Vec<crate::tables::characters::Character>),
    RestState(Vec<crate::tables::characters::RestStateRow>),
    TravelState(Vec<crate::tables::world::TravelState>),
    RunState(Vec<crate::tables::items::RunStateRow>),
    MasterStash(Vec<crate::tables::items::MasterStash>),
    ItemInstance(Vec<crate::tables::items::ItemInstanceRow>),
    ActiveBuff(Vec<crate::tables::buffs::ActiveBuffRow>),
    CharacterPerk(Vec<crate::tables::perks::CharacterPerk>),
    PerkOffer(Vec<crate::tables::perks::PerkOffer>),
    MonsterInstance(Vec<crate::tables::combat::MonsterInstance>),
    WorldEvent(Vec<crate::tables::events::WorldEvent>),
    CombatInstance(Vec<crate::tables::combat::CombatInstance>),
    Combatant(Vec<crate::tables::combat::CombatantRow>),
    CombatActionLog(Vec<crate::tables::combat_log::CombatActionLog>),
    /// Schema version 5: PvP opt-ins are carried (after their characters).
    PvpOptIn(Vec<crate::tables::pvp::PvpOptIn>),
}
