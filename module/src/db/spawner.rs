//! The spawner on the world clock (rows side of `systems::spawner`): every `spawn_every_ticks`
//! world ticks, each non-safe location below its caps gets one monster (from
//! `static_data/world/spawns.csv`) and one ground item (from the ruleset's `loot.csv`). Counts use
//! the indexes (`monster_instance.location_id`, `item_instance (location_id, place)`), never a scan
//! of the instance tables. `seed` gives a fresh world its first monsters and items at `init`.

use crate::gate::{self, Feature};
use crate::systems::items::SpawnRequest;
use crate::systems::spawner as pure;
use crate::tables::combat::monster_instance;
use crate::tables::items::{item_instance, PlaceKind};
use crate::tables::world::{config, location_def};
use spacetimedb::{ReducerContext, Table};

/// Ground items from the spawner: contact radius (ft) and time to live.
const ITEM_RADIUS_FT: f64 = 5.0;
const ITEM_TTL_MICROS: i64 = 15 * 60 * 1_000_000;

/// World tick step: run the spawner when this tick is due.
pub fn tick(ctx: &ReducerContext, tick: u64) {
    let Some(cfg) = ctx.db.config().id().find(0) else { return };
    if !pure::due(tick, cfg.spawn_every_ticks) {
        return;
    }
    top_up(ctx, cfg.max_monsters_per_location.min(1_000), cfg.max_ground_items_per_location.min(1_000), 1);
}

/// A fresh world: up to the caps' first monster and two items at every non-safe location.
pub fn seed(ctx: &ReducerContext) {
    let Some(cfg) = ctx.db.config().id().find(0) else { return };
    top_up(ctx, cfg.max_monsters_per_location.min(1), cfg.max_ground_items_per_location.min(2), 2);
}

/// At each non-safe location: at most `per_call` new monsters and items, never over the caps
/// (the pure `spawner::plan_top_up` decides; this counts by the indexes and writes).
fn top_up(ctx: &ReducerContext, monster_cap: u32, item_cap: u32, per_call: u32) {
    let t = pure::TopUp {
        monster_cap,
        item_cap,
        per_call,
        monsters_on: gate::require(ctx, Feature::Combat).is_ok(),
        items_on: gate::require(ctx, Feature::Items).is_ok(),
    };
    let spawns = pure::table();
    let loot = crate::systems::combat::loot::table();
    // Counted up to the cap only (all the plan needs): a location that holds far more (seeded, or
    // dropped by players) costs the tick `cap` rows, not all of them.
    let (mcap, icap) = (monster_cap as usize, item_cap as usize);
    let locations: Vec<pure::LocationCount> = ctx
        .db
        .location_def()
        .iter()
        .filter(|l| !l.safe)
        .map(|l| pure::LocationCount {
            monsters: if t.monsters_on {
                ctx.db.monster_instance().by_location().filter(&l.id).take(mcap).count()
            } else {
                0
            },
            ground_items: if t.items_on {
                ctx.db
                    .item_instance()
                    .by_location_place_cell()
                    .filter((l.id.as_str(), PlaceKind::Ground))
                    .take(icap)
                    .count()
            } else {
                0
            },
            location_id: l.id,
        })
        .collect();
    let mut rng = ctx.rng();
    for s in pure::plan_top_up(&spawns, loot, &locations, t, &mut rng) {
        match s {
            pure::Spawn::Monster { location_id, def } => {
                if let Err(e) = crate::db::combat::spawn_monster(ctx, &def, &location_id) {
                    log::warn!("spawner: {def} at {location_id}: {e}");
                }
            }
            pure::Spawn::Item { location_id, def, quantity, x, y } => {
                let req = SpawnRequest {
                    def_id: def,
                    quantity,
                    location_id,
                    x,
                    y,
                    contact_radius_ft: ITEM_RADIUS_FT,
                    ttl_micros: ITEM_TTL_MICROS,
                };
                // a loot row may name several of an item that does not stack: spawn one then
                if crate::db::items::spawn(ctx, &req).is_err() {
                    let one = SpawnRequest { quantity: 1, ..req };
                    if let Err(e) = crate::db::items::spawn(ctx, &one) {
                        log::warn!("spawner: {} at {}: {e}", one.def_id, one.location_id);
                    }
                }
            }
        }
    }
}
