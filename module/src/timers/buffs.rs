//! Buff timers: the one-shot expiry at a buff's end and the one-shot periodic tick. Both are
//! idempotent: they act on what the `active_buff` row says now, never on what the timer says
//! (a buff already gone, refreshed to a later end or ticked by the sweeper is left alone).
//! They run whether or not the `buffs` gate is open: a switched-off system must not leave
//! buffs stuck on characters. What they change for a fighting bearer lands in its fight in the
//! same transaction (`combat::drain_inbox`).

use crate::auth;
use crate::tables::buffs::{BuffExpiryTimer, BuffTickTimer};
use spacetimedb::{reducer, ReducerContext, ScheduleAt};

/// Expire a buff exactly at its end.
#[reducer]
pub fn expire_buff(ctx: &ReducerContext, timer: BuffExpiryTimer) -> Result<(), String> {
    auth::require_scheduler(ctx)?;
    let at = match timer.scheduled_at {
        ScheduleAt::Time(t) => t.to_micros_since_unix_epoch(),
        ScheduleAt::Interval(_) => 0,
    };
    crate::db::buffs::expire_if_due(ctx, timer.buff_instance_id, timer.scheduled_id, at);
    crate::db::combat::drain_inbox(ctx)?; // a fighting bearer's combatant follows at once
    Ok(())
}

/// Run the periodic ticks of a buff that are due.
#[reducer]
pub fn tick_buff(ctx: &ReducerContext, timer: BuffTickTimer) -> Result<(), String> {
    auth::require_scheduler(ctx)?;
    crate::db::buffs::run_ticks(ctx, timer.buff_instance_id, Some(timer.scheduled_id));
    crate::db::combat::drain_inbox(ctx)?; // a fighting bearer takes the tick in its fight
    Ok(())
}
