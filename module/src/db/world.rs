//! Cross-system entry points called by lifecycle and admin reducers: static data loading and
//! config validation. Each system adds its part here, in a fixed order.

use crate::error::{err, ErrorCode, WkResult};
use crate::systems::config::Tunables;
use crate::tables::characters::{character, rest_state};
use crate::tables::world::travel_state;
use spacetimedb::ReducerContext;

/// Load (or reload) every static table. Validates everything before replacing anything.
pub fn load_static(ctx: &ReducerContext) -> WkResult<String> {
    // Parse every file before any table changes (a reducer error would roll back anyway, but a
    // bad file should never get as far as a half-applied diff).
    // The buff and item catalogs are the ones reducers read (parsed once per module instance),
    // so the tables written from them are exactly what the reducers use.
    let buff_defs = crate::db::buffs::catalog()?;
    let catalog = crate::db::items::catalog()?;
    crate::systems::combat::loot::load().map_err(crate::rules::static_data_error)?;
    crate::systems::spawner::load().map_err(crate::rules::static_data_error)?;
    crate::systems::perks::data::load().map_err(crate::rules::static_data_error)?;
    let (locations, classes, skills) = crate::db::load::load_into_tables(ctx)?;
    let buffs = crate::db::buffs::load_defs(ctx, buff_defs);
    let items = crate::db::load::load_items(ctx, catalog);
    let perks = crate::db::perks::load_defs(ctx)?;
    Ok(format!(
        "{locations} locations, {classes} classes, {skills} skills, {buffs} buffs, {items} items, {perks} perks"
    ))
}

/// Cross-table checks of a config change (pure checks live in systems::config).
pub fn validate_config(ctx: &ReducerContext, t: &Tunables) -> WkResult<()> {
    use crate::tables::world::location_def;
    if ctx.db.location_def().id().find(&t.start_location).is_none() {
        return Err(err(
            ErrorCode::InvalidConfig,
            format!("start_location `{}` is not a location; see SELECT id FROM location_def", t.start_location),
        ));
    }
    Ok(())
}

/// Called before a character row is deleted, so systems can refuse (e.g. in combat) or clean up.
pub fn before_character_delete(ctx: &ReducerContext, c: &crate::tables::characters::Character) -> WkResult<()> {
    if crate::db::combat::in_combat(ctx, c.id) {
        return Err(err(ErrorCode::InCombat, format!("{} is in a fight; flee or finish it first", c.name)));
    }
    crate::db::items::before_character_delete(ctx, c)?;
    Ok(())
}

/// Remove a character and everything keyed by it (after [`before_character_delete`]).
pub fn delete_character(ctx: &ReducerContext, id: u64) {
    crate::db::buffs::purge_character(ctx, id);
    crate::db::perks::purge_character(ctx, id);
    ctx.db.character().id().delete(id);
    crate::db::stats::forget(ctx, id);
    ctx.db.rest_state().character_id().delete(id);
    ctx.db.travel_state().character_id().delete(id);
}
