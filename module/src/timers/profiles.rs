use crate::auth;
use crate::tables::profiles::ProfileConsentTimer;
use spacetimedb::{reducer, ReducerContext};

/// A proposal's consent window ran out: auto-reject it if it is still pending (a superseded or
/// decided proposal's timer does nothing). Scheduler only.
#[reducer]
pub fn profile_consent_timeout(ctx: &ReducerContext, timer: ProfileConsentTimer) -> Result<(), String> {
    auth::require_scheduler(ctx)?;
    crate::db::profiles::consent_timed_out(ctx, timer.proposal_id);
    Ok(())
}
