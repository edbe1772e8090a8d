//! Per-identity limits over rows (`systems::limits` decides): the token bucket every reducer a
//! player calls to change the world takes a call from, and the event log pruned heaviest writer
//! first.

use crate::auth;
use crate::error::WkResult;
use crate::systems::limits::{self, Bucket, RateLimit, DEFAULT_RATE};
use crate::tables::events::world_event;
use crate::tables::world::{config, rate_bucket, RateBucket};
use spacetimedb::{ReducerContext, Table};

fn rate(ctx: &ReducerContext) -> RateLimit {
    ctx.db
        .config()
        .id()
        .find(0)
        .map(|c| RateLimit { per_sec: c.rate_limit_per_sec, burst: c.rate_limit_burst })
        .unwrap_or(DEFAULT_RATE)
}

/// Take one call from the caller's bucket, or `E_RATE_LIMITED` with the wait. Admins and the
/// scheduler are exempt; config `rate_limit_per_sec = 0` switches it off. Called after the
/// reducer's own authorization (a refused call answers its own code), before anything is
/// written; a call that fails later rolls its token back with everything else, so only calls
/// that change the world are counted.
pub fn admit(ctx: &ReducerContext) -> WkResult<()> {
    if ctx.sender == ctx.identity() || auth::is_admin(ctx) {
        return Ok(());
    }
    let rate = rate(ctx);
    if rate.off() {
        return Ok(());
    }
    let now = ctx.timestamp.to_micros_since_unix_epoch();
    let prev = ctx.db.rate_bucket().identity().find(ctx.sender);
    let had = prev.is_some();
    let b = limits::take(prev.map(|r| Bucket { tokens_milli: r.tokens_milli, at_micros: r.updated_micros }), now, rate)
        .map_err(|wait_ms| limits::rate_limited(wait_ms, rate))?;
    let row = RateBucket { identity: ctx.sender, tokens_milli: b.tokens_milli, updated_micros: b.at_micros };
    if had {
        ctx.db.rate_bucket().identity().update(row);
    } else {
        ctx.db.rate_bucket().insert(row);
    }
    Ok(())
}

/// Forget the buckets idle long enough to be full again (a missing bucket is full): the table
/// holds only identities that called within the last `burst / per_sec` seconds. At most `max`
/// rows per call. Returns how many were deleted.
pub fn forget_idle(ctx: &ReducerContext, max: usize) -> usize {
    let r = rate(ctx);
    let cutoff = ctx.timestamp.to_micros_since_unix_epoch().saturating_sub(r.refill_micros());
    let idle: Vec<_> =
        ctx.db.rate_bucket().updated_micros().filter(i64::MIN..cutoff).take(max).map(|b| b.identity).collect();
    for id in &idle {
        ctx.db.rate_bucket().identity().delete(id);
    }
    idle.len()
}

/// Delete events until at most `limit` remain, the heaviest writer's oldest first
/// (`systems::limits::fair_prune`), so one identity flooding the log pushes out only its own
/// events. Reads the whole log when it is over the limit. Returns how many were deleted.
pub fn prune_events(ctx: &ReducerContext, limit: u64) -> u64 {
    let count = ctx.db.world_event().count();
    if count <= limit {
        return 0;
    }
    let excess = (count - limit) as usize;
    let oldest_first: Vec<(u64, spacetimedb::Identity)> =
        ctx.db.world_event().at_micros().filter(i64::MIN..).map(|e| (e.id, e.caused_by)).collect();
    let gone = limits::fair_prune(&oldest_first, excess);
    for id in &gone {
        ctx.db.world_event().id().delete(id);
    }
    gone.len() as u64
}
