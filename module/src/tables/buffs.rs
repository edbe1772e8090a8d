//! Buffs: definitions, active instances, their one-shot timers, and the published
//! effective stats. The logic that writes them lives in `crate::db::buffs`; the pure rules in
//! `systems::buffs` and `systems::stats`.

use crate::systems::buffs::modifiers::{ModOp, ModValue, ModifierKey, Stat};
use crate::systems::buffs::vocab::DamageSet;
use crate::systems::buffs::{BuffCategory, BuffDef, BuffFlags};
use crate::systems::stats::SourceKind;
use crate::timers::buffs::{expire_buff, tick_buff};
use spacetimedb::{table, ScheduleAt, Timestamp};

/// `expires_at_micros` of a permanent buff, and `next_tick_at_micros` of one with no tick due.
/// Never reached by a clock, so index ranges `..=now` never include them.
pub const NEVER: i64 = i64::MAX;

/// A buff definition from the active ruleset's `buffs.csv` (loaded at `init` and by
/// `admin_reload_static_data`). Public: clients read names, modifiers and durations from here.
#[table(name = buff_def, public)]
#[derive(Clone, PartialEq)]
pub struct BuffDefRow {
    #[primary_key]
    pub id: String,
    pub name: String,
    pub category: BuffCategory,
    pub def: BuffDef,
}

/// An active buff instance on a character. Behaviour fields (category, flags, group) are copied
/// from the definition at apply time, so a data reload does not change how a running buff is
/// removed or stacked. Active iff `now < expires_at_micros` (permanent: `NEVER`).
///
/// Non-unique indexes on columns many rows share (a source of 0, `NEVER`) end with the primary
/// key: in SpacetimeDB 1.2 removing a row from a non-unique index scans every row under its key,
/// and every re-application or tick rewrites the row.
#[table(
    name = active_buff,
    public,
    index(name = by_source, btree(columns = [source_id, id])),
    index(name = by_target_buff, btree(columns = [target_id, buff_id])),
    index(name = by_expires, btree(columns = [expires_at_micros, id])),
    index(name = by_next_tick, btree(columns = [next_tick_at_micros, id]))
)]
#[derive(Clone)]
pub struct ActiveBuffRow {
    #[primary_key]
    #[auto_inc]
    pub id: u64,
    /// The character that bears it (`by_target_buff`: its instances, or those of one buff).
    pub target_id: u64,
    pub buff_id: String,
    /// The character that applied it; 0 = the world / a system.
    pub source_id: u64,
    pub stacks: u8,
    pub strength: i32,
    pub started_at_micros: i64,
    /// End time; `NEVER` for a permanent buff. Indexed for the sweeper (`by_expires`).
    pub expires_at_micros: i64,
    pub permanent: bool,
    pub category: BuffCategory,
    pub flags: BuffFlags,
    pub exclusive_group: Option<String>,
    pub group_rank: u8,
    /// When the periodic effect next ticks (`NEVER`: no periodic effect / no tick left).
    pub next_tick_at_micros: i64,
    /// Ticks in `(started_at, last_tick_at]` are done; the next run counts from here.
    pub last_tick_at_micros: i64,
}

/// One-shot: fires `expire_buff` exactly at a timed buff's end. Re-armed when the end moves.
#[table(name = buff_expiry_timer, scheduled(expire_buff))]
pub struct BuffExpiryTimer {
    #[primary_key]
    #[auto_inc]
    pub scheduled_id: u64,
    pub scheduled_at: ScheduleAt,
    #[index(btree)]
    pub buff_instance_id: u64,
}

/// One-shot per tick: fires `tick_buff` at the next tick of a periodic buff; each run schedules
/// the following one.
#[table(name = buff_tick_timer, scheduled(tick_buff))]
pub struct BuffTickTimer {
    #[primary_key]
    #[auto_inc]
    pub scheduled_id: u64,
    pub scheduled_at: ScheduleAt,
    #[index(btree)]
    pub buff_instance_id: u64,
}

/// One modifier as it took part in a character's effective stats.
#[derive(spacetimedb::SpacetimeType, Clone, Debug, PartialEq)]
pub struct StatContribution {
    pub source_kind: SourceKind,
    /// Buff instance id (item instance / profile id for those sources later).
    pub source_id: u64,
    /// What a player reads ("Shield of Faith").
    pub label: String,
    pub key: ModifierKey,
    pub op: ModOp,
    /// After stacks (`add` x stacks, `multiply` ^ stacks).
    pub value: ModValue,
    /// It changed the result (not overridden, not a losing floor or ceiling).
    pub effective: bool,
}

/// One line of a character's effective stats: base, final value and who contributed. One row per
/// character and `Stat` (`id` = [`stat_row_id`]); a refresh rewrites only the lines whose numbers
/// or sources changed, so a Shield of Faith writes the AC line and nothing else. Subscribe with
/// `SELECT * FROM effective_stat WHERE character_id = N`.
#[table(name = effective_stat, public)]
#[derive(Clone, PartialEq)]
pub struct EffectiveStat {
    /// `character_id * 16 + the stat's place in Stat::ALL` ([`stat_row_id`]).
    #[primary_key]
    pub id: u64,
    /// For clients that subscribe by character (no reducer reads by it: they go by `id`). Every
    /// character has one row per stat, so the key is shared by 14 rows, never more.
    #[index(btree)]
    pub character_id: u64,
    pub stat: Stat,
    pub base: i32,
    pub value: i32,
    pub clamped: bool,
    pub contributions: Vec<StatContribution>,
    /// `AC 18 = 16 base + 2 Shield of Faith`.
    pub explain: String,
    /// When this line last changed (a refresh that changes nothing does not write it).
    pub updated_at: Timestamp,
}

// A stat's place must fit the 4 low bits of a line's id.
const _: () = assert!(Stat::COUNT <= 16);

/// The `effective_stat` row id of a character's line for `stat`.
pub fn stat_row_id(character_id: u64, stat: Stat) -> u64 {
    let place = Stat::ALL.iter().position(|s| *s == stat).unwrap_or(0) as u64;
    (character_id << 4) | place
}

/// Private: what a character's derived projections (`character_stats`, `effective_stat`,
/// `effective_stats`) were last computed from, as bytes (its sheet, equipped items, active buffs
/// and owned perks, each in BSATN), and the standing every world action checks (the flag keys in
/// force and the speed). A refresh whose inputs are the same bytes resolves and writes nothing, so
/// callers never need to know whether a refresh already happened in the transaction; a condition
/// check reads this small row instead of the public rows. Written only by `db::stats`.
#[table(name = stats_input)]
#[derive(Clone)]
pub struct StatsInput {
    #[primary_key]
    pub character_id: u64,
    pub inputs: Vec<u8>,
    pub flags: Vec<ModifierKey>,
    pub speed: i32,
    /// Hashes (FNV-1a of the BSATN) of the `character_stats` derived numbers, of the
    /// `effective_stats` row and of each `effective_stat` line (in `Stat::ALL` order), their times
    /// aside, as last written: a refresh compares these instead of reading the public rows back,
    /// and rewrites only what changed.
    pub derived_hash: u64,
    pub view_hash: u64,
    pub line_hashes: Vec<u64>,
}

/// A character's flags and damage defenses in force (its numbers are the `effective_stat`
/// lines): ruleset-derived base + equipment + active buffs (sources ordered by slot, then buff
/// instance id). Written by every refresh that changes it; base stats are never mutated by buffs.
#[table(name = effective_stats, public)]
#[derive(Clone, PartialEq)]
pub struct EffectiveStatsRow {
    #[primary_key]
    pub character_id: u64,
    pub resistances: DamageSet,
    pub vulnerabilities: DamageSet,
    pub immunities: DamageSet,
    /// Flag keys in force (advantage, cannot_act, ...).
    pub flags: Vec<ModifierKey>,
    /// Contributions to flag and damage keys (why a flag is set).
    pub other: Vec<StatContribution>,
    /// When these last changed (a refresh that changes nothing does not write the row).
    pub updated_at: Timestamp,
}
