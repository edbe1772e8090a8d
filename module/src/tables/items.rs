//! Items: definitions, instances with their one place, despawn timers, runs and the
//! stashes' currency. The pure core is `systems::items`; `crate::db::items` converts rows <-> it.

use crate::systems::items::{ItemDef, LoadoutSlot};
use crate::timers::items::despawn_world_item;
use spacetimedb::{table, Identity, ScheduleAt, SpacetimeType};

/// Static item definitions of the active ruleset (`items.csv`), loaded at init and by
/// `admin_reload_static_data`. Public: clients build tooltips and dim incompatible items from it.
#[table(name = item_def, public)]
#[derive(Clone, PartialEq)]
pub struct ItemDefRow {
    #[primary_key]
    pub id: String,
    pub def: ItemDef,
}

/// Which of the four places an instance is in. All-unit so it can lead an index.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlaceKind {
    /// Lying in a location (`location_id`, `x`, `y`, `contact_radius_ft`, `expires_at_micros`).
    Ground,
    /// A character's expedition bag (`character_id`).
    RunStash,
    /// A player's persistent storage (`owner`).
    MasterStash,
    /// Equipped (`character_id`, `slot`).
    Loadout,
}

/// One item instance and its one place, as plain indexed columns. Columns that do not belong to
/// the place hold neutral values: `character_id` 0, `owner` the zero identity, `location_id`
/// empty, `slot` none, position and radius 0, `expires_at_micros` `i64::MAX` (so the despawn
/// sweeper's range `..=now` never sees a non-ground row). Every lookup a reducer makes has an
/// index: a character's run stash or loadout `(character_id, place)`, a master stash
/// `(owner, place)`, the ground of a location `(location_id, place)` and near a point
/// `(location_id, place, cell)`, expiry `expires_at_micros`.
///
/// Each index ends with `uid`, so every key is one row's: the neutral values make keys that
/// every item elsewhere shares (`("", RunStash, 0)`, `expires_at_micros = i64::MAX`,
/// `(0, Ground)` for all ground items), and in SpacetimeDB 1.2 removing a row from a non-unique
/// index scans every row under its key, so an equip or a pickup cost grew with the world's items.
/// Lookups filter by a prefix of the columns, as before.
#[table(
    name = item_instance,
    public,
    index(name = by_character_place, btree(columns = [character_id, place, uid])),
    index(name = by_owner_place, btree(columns = [owner, place, uid])),
    index(name = by_location_place_cell, btree(columns = [location_id, place, cell, uid])),
    index(name = by_expires, btree(columns = [expires_at_micros, uid]))
)]
#[derive(Clone, Debug, PartialEq)]
pub struct ItemInstanceRow {
    #[primary_key]
    #[auto_inc]
    pub uid: u64,
    pub def_id: String,
    pub quantity: u32,
    pub place: PlaceKind,
    /// RunStash / Loadout: the character (else 0).
    pub character_id: u64,
    /// MasterStash: the player; RunStash / Loadout: the character's owner (else zero).
    pub owner: Identity,
    /// Ground: the location (else empty).
    pub location_id: String,
    /// Loadout: the slot.
    pub slot: Option<LoadoutSlot>,
    /// Ground: position in feet in the location's plane.
    pub x: f64,
    pub y: f64,
    /// Ground: the contact zone's radius in feet.
    pub contact_radius_ft: f64,
    /// Ground: the grid cell of (x, y) (`systems::items::world::cell_of`; 0 elsewhere), so a
    /// pickup reads the 3 × 3 cells around the character instead of the location's whole ground.
    pub cell: i64,
    pub spawned_at_micros: i64,
    /// Ground: despawn time; `i64::MAX` elsewhere (`by_expires`).
    pub expires_at_micros: i64,
}

/// One-shot timer: despawns one world item at its expiry. Idempotent handler; the world tick
/// sweeps anything a lost timer left behind.
#[table(name = item_despawn_timer, scheduled(despawn_world_item))]
pub struct ItemDespawnTimer {
    #[primary_key]
    #[auto_inc]
    pub scheduled_id: u64,
    pub scheduled_at: ScheduleAt,
    pub uid: u64,
}

/// A character's expedition state and the run stash's currency (copper pieces).
#[table(name = run_state, public)]
#[derive(Clone, Debug)]
pub struct RunStateRow {
    #[primary_key]
    pub character_id: u64,
    pub active: bool,
    pub started_at_micros: i64,
    pub currency_cp: u64,
}

/// A player's master stash currency (copper pieces). The items are `item_instance` rows with
/// `place = MasterStash`.
#[table(name = master_stash, public)]
#[derive(Clone, Debug)]
pub struct MasterStash {
    #[primary_key]
    pub owner: Identity,
    pub currency_cp: u64,
}

/// Where `move_item` sends an item: the active stash, or a loadout slot.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemTarget {
    Stash,
    Slot(LoadoutSlot),
}
