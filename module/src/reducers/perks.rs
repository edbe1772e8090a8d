//! Perk reducers: choose from a level-up offer, use a perk's action. The pure rules live in
//! `systems::perks`; rows and phases in `crate::db::perks`.

use crate::auth;
use crate::gate::{self, Feature};
use spacetimedb::{reducer, ReducerContext};

/// Pick `perk_id` from level-up offer `offer_id` (the offer names its character) and apply it at
/// once. `E_UNKNOWN_OFFER` (no such offer), `E_NOT_OWNER` (someone else's character),
/// `E_PERK_NOT_OFFERED` (not in the offer), `E_OFFER_ALREADY_CHOSEN` (offer used, or a
/// non-stackable perk already owned).
#[reducer]
pub fn choose_perk(ctx: &ReducerContext, offer_id: u64, perk_id: String) -> Result<(), String> {
    let character_id = crate::db::perks::offer_character(ctx, offer_id)?;
    let c = auth::owned_character(ctx, character_id)?;
    crate::systems::limits::text("choose_perk", "perk_id", &perk_id)?;
    crate::db::limits::admit(ctx)?;
    gate::require(ctx, Feature::Perks)?;
    crate::db::perks::choose(ctx, c, offer_id, &perk_id)?;
    Ok(())
}

/// Use an owned perk's action (Second Wind: regain 1d10 + level HP). Outside combat only
/// (`E_IN_COMBAT`); `E_PERK_NOT_OWNED`, `E_PERK_NOT_READY` (spent), `E_NOT_SUPPORTED` (passive).
#[reducer]
pub fn use_perk(ctx: &ReducerContext, character_id: u64, perk_id: String) -> Result<(), String> {
    let c = auth::owned_character(ctx, character_id)?;
    crate::systems::limits::text("use_perk", "perk_id", &perk_id)?;
    crate::db::limits::admit(ctx)?;
    gate::require(ctx, Feature::Perks)?;
    crate::db::perks::use_perk(ctx, c, &perk_id)?;
    Ok(())
}
