//! The world event log: every visible change writes one row here.

use crate::rules::DiceLogEntry;
use crate::tables::events::{world_event, EventKind, WorldEvent};
use spacetimedb::{ReducerContext, Table};

pub fn record(
    ctx: &ReducerContext,
    kind: EventKind,
    actors: Vec<u64>,
    text: impl Into<String>,
    detail: impl Into<String>,
) {
    record_with_dice(ctx, kind, actors, text, detail, Vec::new());
}

/// An event that shows its dice (every roll, in order, with its purpose).
pub fn record_with_dice(
    ctx: &ReducerContext,
    kind: EventKind,
    actors: Vec<u64>,
    text: impl Into<String>,
    detail: impl Into<String>,
    dice: Vec<DiceLogEntry>,
) {
    // No `log::info!` copy of the event: the table is the log, and a module log line per event is
    // a host call plus a log-file write (a fight records one event per action).
    let _span = crate::timing::span("events/record");
    let text = text.into();
    ctx.db.world_event().insert(WorldEvent {
        id: 0,
        kind,
        actors,
        caused_by: ctx.sender,
        text,
        detail: detail.into(),
        dice,
        at: ctx.timestamp,
        at_micros: ctx.timestamp.to_micros_since_unix_epoch(),
    });
}

/// Record a `CrossAgent` event when `actor_owner` and any of `other_owners` are different players
/// (see `systems::agents`). `kind` goes first in the detail (`kind=gift;...`). Returns whether
/// one was recorded.
pub fn cross_agent(
    ctx: &ReducerContext,
    kind: crate::systems::agents::CrossKind,
    actors: Vec<u64>,
    actor_owner: spacetimedb::Identity,
    other_owners: &[spacetimedb::Identity],
    text: impl Into<String>,
    detail: impl Into<String>,
) -> bool {
    use crate::systems::agents::{is_cross, player_owners};
    if !is_cross(actor_owner, other_owners, ctx.identity()) {
        return false;
    }
    let mut all = vec![actor_owner];
    all.extend_from_slice(other_owners);
    let n = player_owners(&all, ctx.identity()).len();
    let detail = detail.into();
    let sep = if detail.is_empty() { "" } else { ";" };
    record(ctx, EventKind::CrossAgent, actors, text, format!("kind={};owners={n}{sep}{detail}", kind.code()));
    true
}
