use crate::auth;
use crate::tables::world::{world_state, WorldClock};
use spacetimedb::{reducer, ReducerContext};

/// The world clock. Later systems hang their per-tick work here (regeneration, rest progress,
/// sweepers, spawners), always in the order written below.
#[reducer]
pub fn world_tick(ctx: &ReducerContext, _clock: WorldClock) -> Result<(), String> {
    auth::require_scheduler(ctx)?;
    if let Some(mut s) = ctx.db.world_state().id().find(0) {
        s.tick += 1;
        s.last_tick_at = ctx.timestamp;
        ctx.db.world_state().id().update(s);
    }
    Ok(())
}
