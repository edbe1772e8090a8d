use crate::auth;
use crate::tables::combat::TurnTimer;
use spacetimedb::{reducer, ReducerContext};

/// A timed turn ran out: the AI plays it (if it is still that turn: a stale timer does nothing).
#[reducer]
pub fn turn_timeout(ctx: &ReducerContext, timer: TurnTimer) -> Result<(), String> {
    auth::require_scheduler(ctx)?;
    crate::db::combat::timeout(ctx, timer.combat_id, timer.turn_seq)?;
    Ok(())
}
