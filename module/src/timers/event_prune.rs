use crate::auth;
use crate::tables::events::world_event;
use crate::tables::world::{config, EventPruneTimer};
use spacetimedb::{reducer, ReducerContext, Table};

/// Keeps the event log within `config.event_log_limit`, oldest first (by the `at_micros` index).
#[reducer]
pub fn prune_event_log(ctx: &ReducerContext, _timer: EventPruneTimer) -> Result<(), String> {
    auth::require_scheduler(ctx)?;
    let limit = ctx.db.config().id().find(0).map(|c| c.event_log_limit).unwrap_or(1000) as u64;
    prune_to(ctx, limit);
    Ok(())
}

/// Delete the oldest events until at most `limit` remain. Returns how many were deleted.
pub fn prune_to(ctx: &ReducerContext, limit: u64) -> u64 {
    let count = ctx.db.world_event().count();
    if count <= limit {
        return 0;
    }
    let excess = count - limit;
    let oldest: Vec<u64> =
        ctx.db.world_event().at_micros().filter(i64::MIN..).take(excess as usize).map(|e| e.id).collect();
    for id in &oldest {
        ctx.db.world_event().id().delete(id);
    }
    oldest.len() as u64
}
