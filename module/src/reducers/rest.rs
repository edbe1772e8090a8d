//! Rests in a world that never pauses: a rest is world time spent resting (config
//! `short_rest_secs` / `long_rest_secs`), a long one only at a safe location; the world tick
//! advances it and applies its benefits when done; travel or combat interrupts it.

use crate::auth;
use crate::db::chars;
use crate::error::{err, ErrorCode};
use crate::events;
use crate::gate::{self, Feature};
use crate::rules::{ActiveRules, RestContext, RestKind, RulesEngine};
use crate::tables::characters::{rest_state, RestStateRow};
use crate::tables::events::EventKind;
use crate::tables::world::{config, location_def};
use spacetimedb::{reducer, ReducerContext, Table};

/// Start resting. `hit_dice_to_spend`: hit dice to roll for healing when a short rest completes
/// (dnd5e; ignored by a long rest and by rulesets without hit dice).
#[reducer]
pub fn rest(ctx: &ReducerContext, character_id: u64, kind: RestKind, hit_dice_to_spend: u8) -> Result<(), String> {
    gate::require(ctx, Feature::Rest)?;
    let c = auth::owned_character(ctx, character_id)?;
    crate::db::limits::admit(ctx)?;
    // SRD: a rest needs at least 1 hit point at its start (the dead and the dying cannot rest).
    ActiveRules::can_act(&c.sheet)?;
    if chars::is_traveling(ctx, c.id) {
        return Err(err(ErrorCode::Traveling, "you cannot rest on the road; arrive first").into());
    }
    let current = ctx.db.rest_state().character_id().find(c.id).map(|r| r.rest);
    if current.is_some() {
        return Err(err(ErrorCode::Resting, "already resting; stop_rest first to change it").into());
    }
    ActiveRules::check_hit_dice_request(&c.sheet, kind, hit_dice_to_spend)?;
    let safe = ctx.db.location_def().id().find(&c.location_id).map(|l| l.safe).unwrap_or(false);
    let cfg = ctx.db.config().id().find(0).ok_or_else(|| err(ErrorCode::InvalidConfig, "config row missing"))?;
    let state = ActiveRules::begin_rest(
        &c.sheet,
        kind,
        &RestContext { location_safe: safe, in_combat: chars::in_combat(ctx, c.id), current },
        &cfg.rules,
    )?;
    ctx.db.rest_state().insert(RestStateRow {
        character_id: c.id,
        rest: state,
        location_id: c.location_id.clone(),
        hit_dice_to_spend,
        started_at: ctx.timestamp,
    });
    chars::save(ctx, c.clone());
    events::record(
        ctx,
        EventKind::RestStarted,
        vec![c.id],
        format!("{} begins a {} at {} ({} s)", c.name, kind.label(), c.location_id, state.required_secs),
        format!("kind={};secs={}", kind.label(), state.required_secs),
    );
    Ok(())
}

/// Stop resting early; the progress is lost.
#[reducer]
pub fn stop_rest(ctx: &ReducerContext, character_id: u64) -> Result<(), String> {
    gate::require(ctx, Feature::Rest)?;
    let c = auth::owned_character(ctx, character_id)?;
    crate::db::limits::admit(ctx)?;
    let r = ctx
        .db
        .rest_state()
        .character_id()
        .find(c.id)
        .ok_or_else(|| err(ErrorCode::NotResting, format!("{} is not resting; nothing to stop", c.name)))?;
    ctx.db.rest_state().character_id().delete(c.id);
    chars::save(ctx, c.clone());
    events::record(
        ctx,
        EventKind::RestInterrupted,
        vec![c.id],
        format!("{} stops their {}", c.name, r.rest.kind.label()),
        "reason=stopped",
    );
    Ok(())
}
