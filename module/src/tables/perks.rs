//! Perks: the active ruleset's `perks.csv` (static), what each character owns, and level-up
//! offers. All public: the world is visible to every client.

use crate::systems::perks::PerkState;
use spacetimedb::{table, Timestamp};

/// One row of the active ruleset's `perks.csv` (loaded by `init` / `admin_reload_static_data`).
#[table(name = perk_def, public)]
#[derive(Clone)]
pub struct PerkDefRow {
    #[primary_key]
    pub id: String,
    pub name: String,
    pub description: String,
    pub stackable: bool,
    pub min_level: u8,
    /// `STR 13`, or empty.
    pub ability_min: String,
    /// Another perk that must be owned first, or empty.
    pub requires_perk: String,
    pub weight: u32,
    /// Bit per combat mode in which its combat hooks apply (1 instant, 2 relaxed, 4 classic, 8 queues).
    pub modes: u8,
    /// Position in the dispatch manifest (the order its hooks run in).
    pub dispatch_order: u32,
}

/// A perk a character owns, with its per-perk state (stacks, charges, timers). `by_perk` ends
/// with the id: many characters share a perk (SpacetimeDB 1.2 scans a shared key on delete).
#[table(name = character_perk, public, index(name = by_perk, btree(columns = [perk_id, id])))]
#[derive(Clone)]
pub struct CharacterPerk {
    #[primary_key]
    #[auto_inc]
    pub id: u64,
    #[index(btree)]
    pub character_id: u64,
    pub perk_id: String,
    pub state: PerkState,
    pub picked_at: Timestamp,
}

/// A level-up offer: up to `OFFER_SIZE` perks drawn by weight from the eligible ones. `chosen`
/// is set by `choose_perk`; a chosen offer cannot be used again.
#[table(name = perk_offer, public)]
#[derive(Clone)]
pub struct PerkOffer {
    #[primary_key]
    #[auto_inc]
    pub id: u64,
    #[index(btree)]
    pub character_id: u64,
    /// The level reached that earned the offer.
    pub level: u8,
    pub choices: Vec<String>,
    pub chosen: Option<String>,
    pub created_at: Timestamp,
}
