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
    let text = text.into();
    log::info!("event {kind:?}: {text}");
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
