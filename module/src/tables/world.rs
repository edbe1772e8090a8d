use crate::timers::event_prune::prune_event_log;
use crate::timers::storage_prune::prune_storage;
use crate::timers::travel::arrive;
use crate::timers::world_tick::world_tick;
use spacetimedb::{table, Identity, ScheduleAt, Timestamp};

/// Identities allowed to administer the world. Private: never subscribed to by clients.
#[table(name = admin)]
pub struct Admin {
    #[primary_key]
    pub identity: Identity,
    pub added_at: Timestamp,
}

/// The single configuration row (id 0). Public so clients and agents can read the tunables.
/// Changed only through `admin_set_config` (admin).
#[table(name = config, public)]
#[derive(Clone)]
pub struct Config {
    #[primary_key]
    pub id: u32,
    /// Active ruleset id (`dnd5e` or `lite`), fixed at compile time.
    pub ruleset: String,
    /// World clock period in milliseconds.
    pub world_tick_ms: u64,
    /// Maximum number of rows kept in `world_event`; older ones are pruned by a timer.
    pub event_log_limit: u32,
    /// Event-log prune timer period in milliseconds.
    pub event_prune_ms: u64,
    pub max_characters_per_player: u32,
    /// Location id where new characters appear.
    pub start_location: String,
    /// World-time parameters of the ruleset: rest lengths, round length, recovery, regeneration.
    pub rules: crate::rules::RulesConfig,
    /// What a wiped run costs beyond the run stash (`wipe_difficulty`: casual, standard, hardcore).
    pub wipe_difficulty: crate::systems::items::WipeDifficulty,
    /// Spawner (world tick step 7): runs every this many ticks; 0 = off.
    pub spawn_every_ticks: u32,
    /// Spawner cap of monsters per non-safe location.
    pub max_monsters_per_location: u32,
    /// Spawner cap of ground items per non-safe location.
    pub max_ground_items_per_location: u32,
    /// How long a PvP challenge stays open, seconds.
    pub challenge_ttl_secs: u32,
    /// Calls per second one identity may make, sustained, to the reducers that change the world
    /// (`db::limits::admit`); 0 = no limit. Admins are exempt.
    pub rate_limit_per_sec: u32,
    /// Calls one identity may make at once before the sustained rate applies.
    pub rate_limit_burst: u32,
    /// Bounded storage (`timers::storage_prune`, docs/operations.md): a finished fight and all
    /// its rows are deleted this many seconds after it ended ...
    pub fight_retention_secs: u32,
    /// ... or sooner, oldest first, when more finished fights than this are kept.
    pub max_finished_fights: u32,
    /// An action-queue fight in which no human acted for this many seconds ends.
    pub queue_idle_secs: u32,
    /// A `player` row of an identity that never made a character goes after this many seconds
    /// offline ...
    pub player_grace_secs: u32,
    /// ... or sooner, longest offline first, when more than this many are kept.
    pub max_characterless_players: u32,
    /// Storage pruner period (ms).
    pub storage_prune_ms: u64,
    /// The most rows one storage-pruner run deletes.
    pub prune_batch_rows: u32,
}

/// World clock state (id 0): how many ticks have run and when. Public.
#[table(name = world_state, public)]
#[derive(Clone)]
pub struct WorldState {
    #[primary_key]
    pub id: u32,
    pub tick: u64,
    pub started_at: Timestamp,
    pub last_tick_at: Timestamp,
    /// Sub-second remainder carried to the next tick, so world time adds up exactly.
    pub carry_micros: i64,
}

/// The world clock: one interval row; each firing runs `world_tick`.
#[table(name = world_clock, scheduled(world_tick))]
pub struct WorldClock {
    #[primary_key]
    #[auto_inc]
    pub scheduled_id: u64,
    pub scheduled_at: ScheduleAt,
}

/// Interval timer that keeps `world_event` within `config.event_log_limit`.
#[table(name = event_prune_timer, scheduled(prune_event_log))]
pub struct EventPruneTimer {
    #[primary_key]
    #[auto_inc]
    pub scheduled_id: u64,
    pub scheduled_at: ScheduleAt,
}

/// The token bucket of one identity (`db::limits::admit`). Private: it tells nobody else anything.
/// A bucket idle long enough to be full again is forgotten by `prune_event_log`.
#[table(name = rate_bucket)]
pub struct RateBucket {
    #[primary_key]
    pub identity: Identity,
    /// Thousandths of a call left.
    pub tokens_milli: u64,
    /// When it was last written, micros since the epoch (indexed: idle buckets are forgotten).
    #[index(btree)]
    pub updated_micros: i64,
}

/// One row per identity that ever connected or acted.
/// Interval timer of the storage pruner (finished fights, characterless players).
#[table(name = storage_prune_timer, scheduled(prune_storage))]
pub struct StoragePruneTimer {
    #[primary_key]
    #[auto_inc]
    pub scheduled_id: u64,
    pub scheduled_at: ScheduleAt,
}

/// A player that has not made a character yet (private): the storage pruner's queue, oldest
/// `since_micros` first. Written with the `player` row, deleted when the identity makes its
/// first character (the row then stays for good).
#[table(name = characterless_player)]
pub struct CharacterlessPlayer {
    #[primary_key]
    pub identity: Identity,
    /// When the player was last seen (micros), as far as the queue knows: the pruner reads the
    /// `player` row before deleting and pushes a row seen since back.
    #[index(btree)]
    pub since_micros: i64,
}

/// One row per identity that connected or acted (one that never made a character is pruned
/// after `config.player_grace_secs` offline).
#[table(name = player, public)]
#[derive(Clone)]
pub struct Player {
    #[primary_key]
    pub identity: Identity,
    pub online: bool,
    /// Open connections (websocket sessions and in-flight HTTP calls).
    pub connections: u32,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
}

/// A location of the world graph (static, from `static_data/world/locations.csv`).
#[table(name = location_def, public)]
#[derive(Clone, PartialEq)]
pub struct LocationDefRow {
    #[primary_key]
    pub id: String,
    pub name: String,
    /// A long rest is possible here.
    pub safe: bool,
    /// Players' characters that both opted in (`pvp_opt_in`) may fight here without a challenge.
    pub pvp: bool,
    pub neighbours: Vec<crate::systems::travel::Edge>,
    pub description: String,
}

/// A journey under way (one per character). The character stays at `from` until it arrives.
#[table(name = travel_state, public)]
#[derive(Clone)]
pub struct TravelState {
    #[primary_key]
    pub character_id: u64,
    pub from: String,
    pub to: String,
    pub departed_at: Timestamp,
    /// Arrival time as micros, indexed so the sweeper finds overdue journeys without a scan.
    #[index(btree)]
    pub arrives_at_micros: i64,
}

/// One-shot timer: fires `arrive` at the arrival time of a journey.
#[table(name = travel_timer, scheduled(arrive))]
pub struct TravelTimer {
    #[primary_key]
    #[auto_inc]
    pub scheduled_id: u64,
    pub scheduled_at: ScheduleAt,
    pub character_id: u64,
}
