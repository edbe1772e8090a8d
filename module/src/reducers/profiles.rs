//! Modifier-profile reducers: thin shells over `crate::db::profiles`. Rejections come
//! back as `Err("E_CODE: ...")` with every validator error; accepted requests leave a
//! `profile_validation` row with their warnings (and, for queued swaps, their fate at the turn
//! boundary).

use crate::auth;
use crate::gate::{self, Feature};
use crate::systems::profiles::Profile;
use crate::tables::profiles::ConsentDecision;
use spacetimedb::{reducer, ReducerContext};

/// Apply a stack of profiles to a fight: at once if it has none yet, else queued for the next
/// turn boundary. Admins, or a player with a character in a fight with fewer than two human
/// sides (otherwise `E_PROFILE_CONSENT_REQUIRED`: use `propose_profiles`). An empty stack
/// removes the house rules.
#[reducer]
pub fn apply_profiles(ctx: &ReducerContext, combat_id: u64, profiles: Vec<Profile>) -> Result<(), String> {
    gate::require(ctx, Feature::Profiles)?;
    gate::require(ctx, Feature::Combat)?;
    crate::systems::limits::encoded("apply_profiles", "profiles", &profiles)?;
    crate::db::limits::admit(ctx)?;
    crate::db::profiles::apply(ctx, combat_id, profiles)?;
    Ok(())
}

/// Propose a stack to a fight with two or more human sides; a player of another side consents.
/// A newer proposal supersedes a pending one. Auto-rejected after the consent timeout (60 s).
#[reducer]
pub fn propose_profiles(ctx: &ReducerContext, combat_id: u64, profiles: Vec<Profile>) -> Result<(), String> {
    gate::require(ctx, Feature::Profiles)?;
    gate::require(ctx, Feature::Combat)?;
    crate::systems::limits::encoded("propose_profiles", "profiles", &profiles)?;
    crate::db::limits::admit(ctx)?;
    crate::db::profiles::propose(ctx, combat_id, profiles)?;
    Ok(())
}

/// Approve or reject a pending proposal (not your own: `E_PROFILE_SELF_CONSENT`). Approval
/// queues the swap for the next turn boundary.
#[reducer]
pub fn consent(ctx: &ReducerContext, proposal_id: u64, decision: ConsentDecision) -> Result<(), String> {
    gate::require(ctx, Feature::Profiles)?;
    gate::require(ctx, Feature::Combat)?;
    crate::db::limits::admit(ctx)?;
    crate::db::profiles::consent(ctx, proposal_id, decision)?;
    Ok(())
}

/// Admin: the consent window of new proposals, 1..=3600 seconds (default 60).
#[reducer]
pub fn admin_set_profile_consent_timeout(ctx: &ReducerContext, secs: u32) -> Result<(), String> {
    auth::require_admin(ctx)?;
    crate::db::profiles::set_consent_timeout(ctx, secs)?;
    Ok(())
}
