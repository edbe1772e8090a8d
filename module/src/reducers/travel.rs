//! Travel along the location graph. A journey takes the edge's travel time in world seconds.

use crate::auth;
use crate::db::{chars, conditions};
use crate::error::{err, ErrorCode};
use crate::events;
use crate::gate::{self, Feature};
use crate::systems::conditions::Action;
use crate::systems::travel::{self, Edge, LocationDef, TravellerState};
use crate::tables::characters::rest_state;
use crate::tables::events::EventKind;
use crate::tables::world::{location_def, travel_state, travel_timer, LocationDefRow, TravelState, TravelTimer};
use spacetimedb::{reducer, ReducerContext, ScheduleAt, Table};

pub fn location_from_row(r: &LocationDefRow) -> LocationDef {
    LocationDef {
        id: r.id.clone(),
        name: r.name.clone(),
        safe: r.safe,
        pvp: r.pvp,
        neighbours: r.neighbours.iter().map(|e| Edge { to: e.to.clone(), travel_secs: e.travel_secs }).collect(),
        description: r.description.clone(),
    }
}

/// Set out for a neighbouring location. Not while in combat or already travelling, nor while a
/// condition forbids it (`E_INCAPACITATED`, `E_CANNOT_MOVE`); moving interrupts a rest. Arrival is a one-shot timer at `now + travel_secs`.
#[reducer]
pub fn move_to(ctx: &ReducerContext, character_id: u64, location_id: String) -> Result<(), String> {
    gate::require(ctx, Feature::Travel)?;
    let c = auth::owned_character(ctx, character_id)?;
    crate::systems::limits::text("move_to", "location_id", &location_id)?;
    crate::db::limits::admit(ctx)?;
    conditions::require(ctx, &c, Action::Travel)?;
    let here = ctx.db.location_def().id().find(&c.location_id).map(|r| location_from_row(&r)).ok_or_else(|| {
        err(
            ErrorCode::UnknownLocation,
            format!("{} stands at unknown location `{}`; ask an admin", c.name, c.location_id),
        )
    })?;
    let who = TravellerState { traveling: chars::is_traveling(ctx, c.id), in_combat: chars::in_combat(ctx, c.id) };
    let secs = travel::plan(&here, &location_id, |id| ctx.db.location_def().id().find(id.to_string()).is_some(), who)?;
    if let Some(r) = ctx.db.rest_state().character_id().find(c.id) {
        ctx.db.rest_state().character_id().delete(c.id);
        events::record(
            ctx,
            EventKind::RestInterrupted,
            vec![c.id],
            format!("{} breaks off their {} to travel", c.name, r.rest.kind.label()),
            "reason=travel",
        );
        chars::save(ctx, c.clone());
    }
    let arrives = ctx.timestamp.to_micros_since_unix_epoch() + secs as i64 * 1_000_000;
    ctx.db.travel_state().insert(TravelState {
        character_id: c.id,
        from: here.id.clone(),
        to: location_id.clone(),
        departed_at: ctx.timestamp,
        arrives_at_micros: arrives,
    });
    ctx.db.travel_timer().insert(TravelTimer {
        scheduled_id: 0,
        scheduled_at: ScheduleAt::Time(spacetimedb::Timestamp::from_micros_since_unix_epoch(arrives)),
        character_id: c.id,
    });
    events::record(
        ctx,
        EventKind::TravelStarted,
        vec![c.id],
        format!("{} sets out from {} to {} ({secs} s)", c.name, here.id, location_id),
        format!("from={};to={location_id};secs={secs}", here.id),
    );
    Ok(())
}

/// Step to a position (feet) inside the current location, e.g. onto an item to pick it up. Not
/// while travelling (`E_TRAVELING`); positions are checked like item positions
/// (`E_INVALID_POSITION`: finite, 0..=10 000). Instant and without an event: positions change
/// often and the character row itself shows them.
#[reducer]
pub fn step_to(ctx: &ReducerContext, character_id: u64, x: f64, y: f64) -> Result<(), String> {
    let _span = crate::timing::span("step_to");
    gate::require(ctx, Feature::Travel)?;
    let mut c = auth::owned_character(ctx, character_id)?;
    crate::db::limits::admit(ctx)?;
    conditions::require(ctx, &c, Action::Step)?;
    if chars::is_traveling(ctx, c.id) {
        return Err(err(ErrorCode::Traveling, "you are on the road; step around after you arrive").into());
    }
    crate::systems::items::validate_position(x, y)?;
    c.x = x;
    c.y = y;
    chars::save_position(ctx, c);
    Ok(())
}
