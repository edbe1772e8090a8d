//! Reads: rows -> plain data, for every system of the layer. The bottom of `db/`: it writes
//! nothing and calls no other `db` module, so every other module (the stats writer included) can
//! read what it needs here without calling around in a circle.

use crate::error::WkResult;
use crate::systems::buffs::{ActiveBuff, BuffCatalog, BuffDef};
use crate::systems::items::{
    self as items, GroundSpot, ItemCatalog, ItemInstance, Loadout, LoadoutRef, Place, RunState, Stash, WorldItem,
    MASTER_STASH_MAX_STACKS, RUN_STASH_MAX_STACKS,
};
use crate::systems::perks::OwnedPerk;
use crate::tables::buffs::{active_buff, ActiveBuffRow};
use crate::tables::characters::{rest_state, Character};
use crate::tables::combat::{combatant, monster_instance, MonsterInstance};
use crate::tables::items::{item_instance, master_stash, run_state, ItemInstanceRow, PlaceKind, RunStateRow};
use crate::tables::perks::{character_perk, CharacterPerk};
use crate::tables::world::travel_state;
use spacetimedb::{Identity, ReducerContext};

// ----- characters -----------------------------------------------------------------------------

pub fn is_resting(ctx: &ReducerContext, id: u64) -> bool {
    ctx.db.rest_state().character_id().find(id).is_some()
}

pub fn is_traveling(ctx: &ReducerContext, id: u64) -> bool {
    ctx.db.travel_state().character_id().find(id).is_some()
}

/// The active fight a character is in, if any (one index lookup).
pub fn active_combat_of(ctx: &ReducerContext, character_id: u64) -> Option<u64> {
    ctx.db.combatant().by_character_active().filter((character_id, true)).next().map(|r| r.combat_id)
}

pub fn in_combat(ctx: &ReducerContext, character_id: u64) -> bool {
    active_combat_of(ctx, character_id).is_some()
}

// ----- monsters -------------------------------------------------------------------------------

/// A monster instance (by instance id, not combatant id).
pub fn monster(ctx: &ReducerContext, instance_id: u64) -> Option<MonsterInstance> {
    ctx.db.monster_instance().id().find(instance_id)
}

/// The active fight of a combatant id (`systems::buffs::BuffTarget`): a character's, or a
/// monster instance's (`MONSTER_ID_BASE + instance id`; its row names the fight it is in).
pub fn combat_of(ctx: &ReducerContext, combatant_id: u64) -> Option<u64> {
    match crate::systems::buffs::BuffTarget::of(combatant_id) {
        crate::systems::buffs::BuffTarget::Character(id) => active_combat_of(ctx, id),
        crate::systems::buffs::BuffTarget::Monster(id) => monster(ctx, id).map(|m| m.combat_id).filter(|c| *c != 0),
    }
}

// ----- items ----------------------------------------------------------------------------------

pub fn now_micros(ctx: &ReducerContext) -> i64 {
    ctx.timestamp.to_micros_since_unix_epoch()
}

pub fn instance(r: &ItemInstanceRow) -> ItemInstance {
    ItemInstance { uid: r.uid, def_id: r.def_id.clone(), quantity: r.quantity }
}

/// The row's place in the pure core's terms (`None`: a loadout row without a slot, a corrupt row).
pub fn place_of(r: &ItemInstanceRow) -> Option<Place> {
    Some(match r.place {
        PlaceKind::Ground => Place::Ground(GroundSpot { location_id: r.location_id.clone(), x: r.x, y: r.y }),
        PlaceKind::RunStash => Place::RunStash(r.character_id),
        PlaceKind::MasterStash => Place::MasterStash(r.owner),
        PlaceKind::Loadout => Place::Loadout(LoadoutRef { character_id: r.character_id, slot: r.slot? }),
    })
}

pub fn world_item(r: &ItemInstanceRow) -> Option<WorldItem> {
    (r.place == PlaceKind::Ground).then(|| WorldItem {
        instance: instance(r),
        spot: GroundSpot { location_id: r.location_id.clone(), x: r.x, y: r.y },
        contact_radius_ft: r.contact_radius_ft,
        spawned_at_micros: r.spawned_at_micros,
        expires_at_micros: r.expires_at_micros,
    })
}

/// The item catalog (compiled into the module and parsed once per module instance; `item_def`
/// is its copy for clients). Unknown ids are not in it, so the planners answer
/// `E_UNKNOWN_ITEM_DEF` for them.
pub fn item_catalog() -> WkResult<&'static ItemCatalog> {
    items::shipped().map_err(crate::rules::static_data_error)
}

pub fn run_row(ctx: &ReducerContext, character_id: u64) -> RunStateRow {
    ctx.db.run_state().character_id().find(character_id).unwrap_or(RunStateRow {
        character_id,
        active: false,
        started_at_micros: 0,
        currency_cp: 0,
    })
}

pub fn run_of(r: &RunStateRow) -> RunState {
    RunState { character_id: r.character_id, active: r.active, started_at_micros: r.started_at_micros }
}

pub fn master_currency(ctx: &ReducerContext, owner: Identity) -> u64 {
    ctx.db.master_stash().owner().find(owner).map(|m| m.currency_cp).unwrap_or(0)
}

pub fn character_rows(ctx: &ReducerContext, character_id: u64, kind: PlaceKind) -> Vec<ItemInstanceRow> {
    ctx.db.item_instance().by_character_place().filter((character_id, kind)).collect()
}

pub fn run_stash(ctx: &ReducerContext, character_id: u64) -> Stash {
    let items = character_rows(ctx, character_id, PlaceKind::RunStash).iter().map(instance).collect();
    Stash {
        place: Place::RunStash(character_id),
        items,
        currency_cp: run_row(ctx, character_id).currency_cp,
        max_stacks: RUN_STASH_MAX_STACKS,
    }
}

pub fn master_stash_of(ctx: &ReducerContext, owner: Identity) -> Stash {
    let items =
        ctx.db.item_instance().by_owner_place().filter((owner, PlaceKind::MasterStash)).map(|r| instance(&r)).collect();
    Stash {
        place: Place::MasterStash(owner),
        items,
        currency_cp: master_currency(ctx, owner),
        max_stacks: MASTER_STASH_MAX_STACKS,
    }
}

/// The stash loadout changes use: the run stash during a run, else the owner's master stash.
pub fn active_stash(ctx: &ReducerContext, c: &Character) -> Stash {
    if run_row(ctx, c.id).active {
        run_stash(ctx, c.id)
    } else {
        master_stash_of(ctx, c.owner)
    }
}

/// The part of the active stash (see [`active_stash`]) that is the one item `uid`: `None` when
/// the item is not in it. For plans that only take that item out of the stash (an equip that
/// displaces nothing into it), which then read one row instead of the whole stash.
pub fn active_stash_item(ctx: &ReducerContext, c: &Character, uid: u64) -> Option<Stash> {
    let r = ctx.db.item_instance().uid().find(uid)?;
    let run = run_row(ctx, c.id);
    let (place, currency_cp, max_stacks) = match r.place {
        PlaceKind::RunStash if run.active && r.character_id == c.id => {
            (Place::RunStash(c.id), run.currency_cp, RUN_STASH_MAX_STACKS)
        }
        PlaceKind::MasterStash if !run.active && r.owner == c.owner => {
            (Place::MasterStash(c.owner), master_currency(ctx, c.owner), MASTER_STASH_MAX_STACKS)
        }
        _ => return None,
    };
    Some(Stash { place, items: vec![instance(&r)], currency_cp, max_stacks })
}

pub fn loadout(ctx: &ReducerContext, character_id: u64) -> Loadout {
    let rows: Vec<(ItemInstance, Place)> = character_rows(ctx, character_id, PlaceKind::Loadout)
        .iter()
        .filter_map(|r| place_of(r).map(|p| (instance(r), p)))
        .collect();
    Loadout::from_rows(character_id, &rows)
}

/// The ground items whose contact zone could contain (x, y): those in the 3 × 3 grid cells around
/// it (every zone is smaller than a cell), by the `(location_id, place, cell)` index.
pub fn ground_near(ctx: &ReducerContext, location_id: &str, x: f64, y: f64) -> Vec<WorldItem> {
    let index = ctx.db.item_instance().by_location_place_cell();
    items::cell_ranges_near(x, y)
        .into_iter()
        .flat_map(|(lo, hi)| index.filter((location_id, PlaceKind::Ground, lo..=hi)).collect::<Vec<_>>())
        .filter_map(|r| world_item(&r))
        .collect()
}

// ----- buffs ----------------------------------------------------------------------------------

/// The buff catalog (compiled into the module and parsed once per module instance; `buff_def`
/// is its copy for clients).
pub fn buff_catalog() -> WkResult<&'static BuffCatalog> {
    crate::systems::buffs::shipped().map_err(crate::rules::static_data_error)
}

/// A buff definition from [`buff_catalog`]. `None`: no such buff in this module's data.
pub fn buff_def(buff_id: &str) -> Option<&'static BuffDef> {
    buff_catalog().ok()?.find(buff_id)
}

pub fn end_of(r: &ActiveBuffRow) -> Option<i64> {
    (!r.permanent).then_some(r.expires_at_micros)
}

pub fn to_active(r: &ActiveBuffRow) -> ActiveBuff {
    ActiveBuff {
        id: r.id,
        buff_id: r.buff_id.clone(),
        source_id: r.source_id,
        stacks: r.stacks,
        strength: r.strength,
        started_at: r.started_at_micros,
        expires_at: end_of(r),
        category: r.category,
        flags: r.flags,
        exclusive_group: r.exclusive_group.clone(),
        group_rank: r.group_rank,
    }
}

/// The target's instances, by instance id (the fixed source order of effective stats).
pub fn buff_rows(ctx: &ReducerContext, target_id: u64) -> Vec<ActiveBuffRow> {
    let mut v: Vec<ActiveBuffRow> = ctx.db.active_buff().by_target_buff().filter(target_id).collect();
    v.sort_by_key(|r| r.id);
    v
}

// ----- perks ----------------------------------------------------------------------------------

/// Whether the perk system is compiled in.
pub const PERKS_ON: bool = cfg!(feature = "perks");

/// A character's perk rows, by row id (the fixed dispatch order).
pub fn perk_rows(ctx: &ReducerContext, character_id: u64) -> Vec<CharacterPerk> {
    let mut rows: Vec<CharacterPerk> = ctx.db.character_perk().character_id().filter(character_id).collect();
    rows.sort_by_key(|r| r.id);
    rows
}

pub fn owned_of(rows: &[CharacterPerk]) -> Vec<OwnedPerk> {
    rows.iter().map(|r| OwnedPerk { perk_id: r.perk_id.clone(), state: r.state }).collect()
}
