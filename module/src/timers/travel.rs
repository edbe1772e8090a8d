use crate::auth;
use crate::db::chars;
use crate::events;
use crate::tables::characters::character;
use crate::tables::events::EventKind;
use crate::tables::world::{travel_state, TravelTimer};
use spacetimedb::{reducer, ReducerContext};

/// Arrival of a journey, exactly at its arrival time. Idempotent: the sweeper in the world tick
/// may have completed it already (e.g. after a restart).
#[reducer]
pub fn arrive(ctx: &ReducerContext, timer: TravelTimer) -> Result<(), String> {
    auth::require_scheduler(ctx)?;
    complete_arrival(ctx, timer.character_id);
    Ok(())
}

/// Complete a journey (called by the arrival timer and by the world tick's sweeper). Idempotent:
/// a journey already completed is a no-op.
pub fn complete_arrival(ctx: &ReducerContext, character_id: u64) {
    let Some(t) = ctx.db.travel_state().character_id().find(character_id) else {
        return;
    };
    ctx.db.travel_state().character_id().delete(character_id);
    if let Some(mut c) = ctx.db.character().id().find(character_id) {
        c.location_id = t.to.clone();
        // A new location, a new plane: arrivals stand at its origin.
        c.x = 0.0;
        c.y = 0.0;
        let c = chars::save_position(ctx, c);
        events::record(
            ctx,
            EventKind::Arrived,
            vec![c.id],
            format!("{} arrives at {}", c.name, t.to),
            format!("from={};to={}", t.from, t.to),
        );
    }
}
