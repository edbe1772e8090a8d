use crate::rules::{CharacterSheet, DerivedStats, RestState};
use spacetimedb::{table, Identity, Timestamp};

/// A character: owned by a player identity (or by the world itself for NPCs an admin creates
/// without an owner). Public: the world is visible to every client. The rules state (scores,
/// level, HP, death saves, hit dice...) is the active ruleset's `CharacterSheet`.
///
/// Every non-unique index ends with the primary key, so no key is shared by many rows: in
/// SpacetimeDB 1.2 removing a row from a non-unique index scans every row under its key (and an
/// update is a remove plus an insert in every index), so a key like "the world's identity" or
/// `needs_tick = false`, shared by every character, made each `step_to` cost grow with the world.
/// Lookups filter by the leading column as before (a prefix of the key).
#[table(
    name = character,
    public,
    index(name = by_owner, btree(columns = [owner, id])),
    index(name = by_needs_tick, btree(columns = [needs_tick, id]))
)]
#[derive(Clone)]
pub struct Character {
    #[primary_key]
    #[auto_inc]
    pub id: u64,
    pub owner: Identity,
    pub name: String,
    pub is_ai: bool,
    /// Not indexed: no reducer looks characters up by location (clients filter their cache).
    pub location_id: String,
    pub sheet: CharacterSheet,
    /// Whether the world tick has work for this character (hurt, dying, resting). Indexed so the
    /// tick visits only those, never the whole table (`by_needs_tick`).
    pub needs_tick: bool,
    pub created_at: Timestamp,
    /// Position in feet in the location's plane (0..=10 000 on both axes; see
    /// `systems::items::world`). 0,0 on creation and on arrival; changed by `step_to`.
    pub x: f64,
    pub y: f64,
}

/// Derived stats of a character as the active ruleset computes them (AC, attack bonuses, save
/// DCs, skills, passive perception...), refreshed in the same transaction as every change.
#[table(name = character_stats, public)]
#[derive(Clone)]
pub struct CharacterStats {
    #[primary_key]
    pub character_id: u64,
    pub derived: DerivedStats,
    /// When the derived stats last changed (a refresh that changes nothing does not write the row).
    pub updated_at: Timestamp,
}

/// A rest under way (one per character). Advanced by the world tick; lost when interrupted.
#[table(name = rest_state, public)]
#[derive(Clone)]
pub struct RestStateRow {
    #[primary_key]
    pub character_id: u64,
    pub rest: RestState,
    pub location_id: String,
    /// Hit dice to spend when a short rest completes.
    pub hit_dice_to_spend: u8,
    pub started_at: Timestamp,
}
