//! Combat schema. The authoritative fight state is the pure `Fight` in the private
//! `combat_state` table; `combat_instance` and `combatant` are the public projections clients
//! subscribe to, rewritten in the same transaction as every change.

use crate::rules::Damage;
use crate::systems::combat::{CombatMode, Cooldown, FightStatus, ModeConfig};
use crate::timers::combat::turn_timeout;
use spacetimedb::{table, ScheduleAt, Timestamp};

/// Finished fights stay as the public record, so a status or an untimed deadline (`i64::MAX`) is
/// shared by many rows: those indexes end with the primary key (in SpacetimeDB 1.2 removing a
/// row from a non-unique index scans every row under its key, and every turn rewrites the row).
#[table(
    name = combat_instance,
    public,
    index(name = by_status, btree(columns = [status, id])),
    index(name = by_turn_deadline, btree(columns = [turn_deadline_micros, id])),
    index(name = by_ended, btree(columns = [ended_at_micros, id]))
)]
#[derive(Clone)]
pub struct CombatInstance {
    #[primary_key]
    #[auto_inc]
    pub id: u64,
    /// Not indexed: no reducer looks fights up by location.
    pub location_id: String,
    pub mode: CombatMode,
    pub status: FightStatus,
    /// Winning side (1 = the side that started the fight, 2 = the other), when over.
    pub winner: Option<u32>,
    pub round: u32,
    /// Combatant id whose turn it is (turn modes).
    pub current_combatant: Option<u64>,
    pub turn_seq: u64,
    /// When the current turn times out (micros; i64::MAX when no turn is timed). Indexed so the
    /// world tick's sweeper finds overdue turns (`by_turn_deadline`).
    pub turn_deadline_micros: i64,
    /// SHA-256 commitment to the fight's dice (`systems::fair_dice::commitment`), 64 hex digits,
    /// from the start: the seed itself stays private while the fight runs.
    pub seed_commitment: String,
    /// The fight's RNG seed, revealed when the fight is over (with the action log it reproduces
    /// the fight; `wk-replay` checks it against the commitment).
    pub revealed_seed: Option<u64>,
    /// The commitment's nonce (hex), revealed with the seed; empty while the fight runs.
    pub seed_nonce: String,
    pub started_at: Timestamp,
    /// Narrative summary once the fight is over.
    pub summary: String,
    /// When the fight ended (micros; i64::MAX while it runs, a key every running fight shares,
    /// hence `by_ended` ends with the id). The storage pruner takes finished fights oldest first
    /// (`config.fight_retention_secs`, `max_finished_fights`).
    pub ended_at_micros: i64,
}

/// The whole fight as the pure core sees it, while it is active (deleted when it ends). Private:
/// clients read the projections. `fight` is the BSATN encoding of a `Fight`
/// (`db::combat::{load, commit}` are its only reader and writer): one flat byte column the host
/// stores as it is, rather than the nested value it would otherwise decode and re-encode on every
/// action (the costliest write of a combat action before).
#[table(name = combat_state)]
#[derive(Clone)]
pub struct CombatState {
    #[primary_key]
    pub combat_id: u64,
    pub fight: Vec<u8>,
}

/// Rows of finished fights stay (with `active = false`) as the fight's public record; "is this
/// character fighting?" is one lookup on `(character_id, active)`, whatever the character's history.
/// The key ends with the primary key: every monster's row has `character_id` 0, and a key shared
/// by every monster combatant ever would be scanned on each rewrite (SpacetimeDB 1.2 index delete).
#[table(
    name = combatant,
    public,
    index(name = by_character_active, btree(columns = [character_id, active, key]))
)]
#[derive(Clone, PartialEq)]
pub struct CombatantRow {
    #[primary_key]
    #[auto_inc]
    pub key: u64,
    #[index(btree)]
    pub combat_id: u64,
    /// Id inside the fight (character id for characters, MONSTER_ID_BASE + instance id for monsters).
    pub combatant_id: u64,
    /// Character id, or 0 for a monster.
    pub character_id: u64,
    /// Monster instance id, or 0 for a character (not indexed: no reducer looks it up).
    pub monster_instance_id: u64,
    pub name: String,
    pub side: u32,
    pub is_ai: bool,
    pub connected: bool,
    pub initiative: i32,
    pub turn_order: u32,
    pub x: f32,
    pub y: f32,
    pub hp: i32,
    pub max_hp: i32,
    pub ac: i32,
    pub fled: bool,
    pub down: bool,
    pub dead: bool,
    /// Whether the combatant is still part of an active fight (false once the fight ended).
    pub active: bool,
    /// This turn's action is spent (turn modes; the fight's public view of its turn economy).
    pub action_used: bool,
    /// This turn's bonus action is spent.
    pub bonus_action_used: bool,
    /// Feet of movement left this turn (speed plus Dash, minus what was walked).
    pub movement_left_ft: f32,
}

/// One-shot timer per timed turn; stale ones (the turn already ended) do nothing.
#[table(name = turn_timer, scheduled(turn_timeout))]
pub struct TurnTimer {
    #[primary_key]
    #[auto_inc]
    pub scheduled_id: u64,
    pub scheduled_at: ScheduleAt,
    #[index(btree)]
    pub combat_id: u64,
    pub turn_seq: u64,
}

/// ActionQueues budgets per combatant (action / bonus / reaction / movement per 6 s window).
#[table(name = action_cooldown, public)]
#[derive(Clone)]
pub struct ActionCooldown {
    #[primary_key]
    pub combatant_key: u64,
    #[index(btree)]
    pub combat_id: u64,
    pub cooldown: Cooldown,
}

/// A monster in the world, spawned from the ruleset's monster definitions.
#[table(name = monster_instance, public, index(name = by_location, btree(columns = [location_id, id])))]
#[derive(Clone)]
pub struct MonsterInstance {
    #[primary_key]
    #[auto_inc]
    pub id: u64,
    pub def_id: String,
    pub name: String,
    /// Indexed with the id (`by_location`): a location's monsters share it.
    pub location_id: String,
    pub hp: i32,
    pub max_hp: i32,
    /// The fight it is in, 0 when none.
    pub combat_id: u64,
    pub spawned_at: Timestamp,
}

/// Combat tunables (id 0), admin-tunable with `admin_set_combat_config`.
#[table(name = combat_config, public)]
#[derive(Clone)]
pub struct CombatConfig {
    #[primary_key]
    pub id: u32,
    pub modes: ModeConfig,
}

/// Where a dropped loot item came from (private): the fight and the players who had characters
/// in it, so a pickup by another player is recorded as a cross-agent event. Deleted when the
/// item is picked up whole or despawns.
#[table(name = loot_origin)]
#[derive(Clone)]
pub struct LootOrigin {
    #[primary_key]
    pub uid: u64,
    pub combat_id: u64,
    pub owners: Vec<spacetimedb::Identity>,
}

/// Outside changes waiting for a running fight (private): a fighting character's resolved view
/// changed (a buff applied or ended, a potion) or outside damage or healing arrived (a buff's
/// periodic tick). Posted by the layers below combat (`db::inbox`), drained into the fight as
/// logged `Refresh` steps by `db::combat::drain_inbox` at the end of the reducer or timer that
/// posted (and by the world tick as a backstop), so the fight and the world share one state.
#[table(name = fight_inbox)]
#[derive(Clone)]
pub struct FightInbox {
    #[primary_key]
    #[auto_inc]
    pub id: u64,
    #[index(btree)]
    pub combat_id: u64,
    /// The combatant id: a character id, or `MONSTER_ID_BASE + monster instance id`.
    #[index(btree)]
    pub character_id: u64,
    /// The combatant's view changed: rebuild it from the rows.
    pub view: bool,
    pub damage: Vec<Damage>,
    pub heal: i32,
    pub temp_hp: i32,
    /// What caused it ("Venom", "effective stats").
    pub source: String,
}
