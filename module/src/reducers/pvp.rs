//! Consent before one player fights another: thin shells over `crate::db::pvp`.

use crate::auth;
use crate::gate::{self, Feature};
use spacetimedb::{reducer, ReducerContext};

/// Challenge another player's character here to a fight; its player `accept_challenge`s within
/// config `challenge_ttl_secs` (120 s) or it ends. Not at safe locations; not a downed, travelling or fighting character.
#[reducer]
pub fn challenge(ctx: &ReducerContext, character_id: u64, target_character_id: u64) -> Result<(), String> {
    gate::require(ctx, Feature::Combat)?;
    let c = auth::owned_character(ctx, character_id)?;
    crate::db::limits::admit(ctx)?;
    crate::db::pvp::challenge(ctx, &c, target_character_id)?;
    Ok(())
}

/// Accept a challenge addressed to your character: the fight starts now.
#[reducer]
pub fn accept_challenge(ctx: &ReducerContext, character_id: u64, challenge_id: u64) -> Result<(), String> {
    gate::require(ctx, Feature::Combat)?;
    let c = auth::owned_character(ctx, character_id)?;
    crate::db::limits::admit(ctx)?;
    crate::db::pvp::accept(ctx, &c, challenge_id)?;
    Ok(())
}

/// Decline a challenge to your character, or withdraw one it issued.
#[reducer]
pub fn decline_challenge(ctx: &ReducerContext, character_id: u64, challenge_id: u64) -> Result<(), String> {
    gate::require(ctx, Feature::Combat)?;
    let c = auth::owned_character(ctx, character_id)?;
    crate::db::limits::admit(ctx)?;
    crate::db::pvp::decline(ctx, &c, challenge_id)?;
    Ok(())
}

/// Opt a character in to (or out of) fights with other opted-in characters at PvP locations.
#[reducer]
pub fn set_pvp_opt_in(ctx: &ReducerContext, character_id: u64, opt_in: bool) -> Result<(), String> {
    gate::require(ctx, Feature::Combat)?;
    let c = auth::owned_character(ctx, character_id)?;
    crate::db::limits::admit(ctx)?;
    crate::db::pvp::set_opt_in(ctx, &c, opt_in);
    Ok(())
}

/// From inside a fight: invite a character to `join_combat` it on your side.
#[reducer]
pub fn invite_to_combat(ctx: &ReducerContext, character_id: u64, invitee_character_id: u64) -> Result<(), String> {
    gate::require(ctx, Feature::Combat)?;
    let c = auth::owned_character(ctx, character_id)?;
    crate::db::limits::admit(ctx)?;
    crate::db::pvp::invite(ctx, &c, invitee_character_id)?;
    Ok(())
}
