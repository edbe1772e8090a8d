use crate::auth;
use crate::tables::pvp::PvpChallengeTimer;
use spacetimedb::{reducer, ReducerContext};

/// A challenge's window ran out: it ends unanswered (an accepted or declined one is gone
/// already, and its timer does nothing). Scheduler only.
#[reducer]
pub fn pvp_challenge_timeout(ctx: &ReducerContext, timer: PvpChallengeTimer) -> Result<(), String> {
    auth::require_scheduler(ctx)?;
    crate::db::pvp::expire(ctx, timer.challenge_id);
    Ok(())
}
