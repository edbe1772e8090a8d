use crate::auth;
use crate::tables::world::{config, EventPruneTimer};
use spacetimedb::{reducer, ReducerContext};

/// Keeps the event log within `config.event_log_limit`, the heaviest writer's oldest events first
/// (`db::limits::prune_events`), and forgets rate-limit buckets idle long enough to be full.
#[reducer]
pub fn prune_event_log(ctx: &ReducerContext, _timer: EventPruneTimer) -> Result<(), String> {
    auth::require_scheduler(ctx)?;
    let limit = ctx.db.config().id().find(0).map(|c| c.event_log_limit).unwrap_or(1000) as u64;
    prune_to(ctx, limit);
    crate::db::limits::forget_idle(ctx, 10_000);
    Ok(())
}

/// Delete events until at most `limit` remain (heaviest writer first). Returns how many were deleted.
pub fn prune_to(ctx: &ReducerContext, limit: u64) -> u64 {
    crate::db::limits::prune_events(ctx, limit)
}
