//! Benchmark seeding: `admin_seed_scale` fills a world with many characters and item
//! instances in few transactions, so `scripts/bench.sh` can run the same reducer mix against an
//! almost empty world and a world of 10,000 characters and 100,000 items and compare latencies
//! (a hot path that scans a table shows up as a ratio well above 1).

use crate::auth;
use crate::db::load::class_from_row;
use crate::error::{err, ErrorCode};
use crate::gate::{self, Feature};
use crate::rules::{AbilityScores, ActiveRules, RulesEngine};
use crate::systems::items::SpawnRequest;
use crate::tables::characters::{character, Character};
use crate::tables::items::{item_def, RunStateRow};
use crate::tables::statics::class_def;
use crate::tables::world::{config, location_def};
use rand::Rng;
use spacetimedb::{reducer, ReducerContext, Table};

/// Most characters one call seeds (keeps each transaction bounded).
pub const MAX_SEED_CHARACTERS: u32 = 2_000;
/// Most run-stash items per seeded character.
pub const MAX_SEED_ITEMS_PER_CHARACTER: u32 = 20;
/// Most ground items one call seeds.
pub const MAX_SEED_GROUND_ITEMS: u32 = 20_000;

/// Admin: seed `characters` AI characters owned by the world (named `seed-<n>`, at the start
/// location, each on a run with `items_per_character` single items in its run stash) and
/// `ground_items` world items spread over every location (random positions, radius 5 ft, a day to
/// live). Rows go through the same writers as play (stats rows, despawn timers); one event per
/// call instead of one per row.
#[reducer]
pub fn admin_seed_scale(
    ctx: &ReducerContext,
    characters: u32,
    items_per_character: u32,
    ground_items: u32,
) -> Result<(), String> {
    auth::require_admin(ctx)?;
    gate::require(ctx, Feature::Characters)?;
    gate::require(ctx, Feature::Items)?;
    if characters > MAX_SEED_CHARACTERS
        || items_per_character > MAX_SEED_ITEMS_PER_CHARACTER
        || ground_items > MAX_SEED_GROUND_ITEMS
    {
        return Err(err(
            ErrorCode::InvalidArgument,
            format!(
                "seed at most {MAX_SEED_CHARACTERS} characters, {MAX_SEED_ITEMS_PER_CHARACTER} items each and \
                 {MAX_SEED_GROUND_ITEMS} ground items per call; call it several times for more"
            ),
        )
        .into());
    }
    let start = ctx
        .db
        .config()
        .id()
        .find(0)
        .ok_or_else(|| err(ErrorCode::InvalidConfig, "config row missing; republish the module"))?
        .start_location;
    let class_row = ctx
        .db
        .class_def()
        .iter()
        .next()
        .ok_or_else(|| err(ErrorCode::StaticData, "no classes loaded; call admin_reload_static_data"))?;
    let class = class_from_row(&class_row);
    // Item definitions in id order; a stash item of each in turn.
    let mut defs: Vec<String> = ctx.db.item_def().iter().map(|d| d.id).collect();
    defs.sort();
    if defs.is_empty() && (items_per_character > 0 || ground_items > 0) {
        return Err(err(ErrorCode::StaticData, "no item definitions loaded; call admin_reload_static_data").into());
    }
    let scores = AbilityScores::from_array([15, 14, 13, 12, 10, 8]);
    let base = ctx.db.character().count();
    let now = crate::db::items::now_micros(ctx);
    for n in 0..characters as u64 {
        let name = format!("seed-{}", base + n);
        let sheet = ActiveRules::new_character(&name, &class, scores, Vec::new());
        let c = crate::db::chars::insert(
            ctx,
            Character {
                id: 0,
                owner: ctx.identity(),
                name,
                is_ai: true,
                location_id: start.clone(),
                sheet,
                needs_tick: false,
                created_at: ctx.timestamp,
                x: 0.0,
                y: 0.0,
            },
        );
        crate::db::items::save_run(
            ctx,
            RunStateRow { character_id: c.id, active: true, started_at_micros: now, currency_cp: 0 },
        );
        for k in 0..items_per_character as usize {
            crate::db::items::seed_run_stash_item(ctx, &c, &defs[(c.id as usize + k) % defs.len()]);
        }
    }
    let locations: Vec<String> = ctx.db.location_def().iter().map(|l| l.id).collect();
    let mut rng = ctx.rng();
    for k in 0..ground_items as usize {
        let req = SpawnRequest {
            def_id: defs[k % defs.len()].clone(),
            quantity: 1,
            location_id: locations[k % locations.len()].clone(),
            x: rng.gen_range(0.0..=10_000.0),
            y: rng.gen_range(0.0..=10_000.0),
            contact_radius_ft: 5.0,
            ttl_micros: 86_400 * 1_000_000,
        };
        crate::db::items::spawn_quiet(ctx, &req)?;
    }
    log::info!("admin_seed_scale: {characters} characters x {items_per_character} items, {ground_items} ground items");
    Ok(())
}
