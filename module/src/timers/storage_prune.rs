use crate::auth;
use crate::tables::world::{config, StoragePruneTimer};
use spacetimedb::{reducer, ReducerContext};

/// Bounded storage: deletes finished fights past `config.fight_retention_secs` (or beyond
/// `max_finished_fights`) with all their rows, and `player` rows of identities that never made a
/// character after `player_grace_secs` offline; at most `prune_batch_rows` rows per run
/// (`db::prune`).
#[reducer]
pub fn prune_storage(ctx: &ReducerContext, _timer: StoragePruneTimer) -> Result<(), String> {
    auth::require_scheduler(ctx)?;
    let Some(c) = ctx.db.config().id().find(0) else { return Ok(()) };
    let done = crate::db::prune::run(ctx, &crate::db::prune::limits(&c));
    if done.rows > 0 {
        log::debug!("storage pruned: {} fights, {} players, {} rows", done.fights, done.players, done.rows);
    }
    Ok(())
}
