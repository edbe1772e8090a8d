//! Authorization helpers, used by every reducer. They fail closed: no row, no right.

use crate::error::{err, ErrorCode, WkResult};
use crate::tables::characters::{character, Character};
use crate::tables::world::{admin, location_def};
use spacetimedb::{ReducerContext, Table};

pub fn is_admin(ctx: &ReducerContext) -> bool {
    ctx.db.admin().identity().find(ctx.sender).is_some()
}

pub fn require_admin(ctx: &ReducerContext) -> WkResult<()> {
    if is_admin(ctx) {
        Ok(())
    } else {
        Err(err(ErrorCode::NotAdmin, "this reducer is for admins; ask an admin to call it or to admin_add_admin you"))
    }
}

/// Mandatory first line of every scheduled reducer: in SpacetimeDB 1.x any client can call a
/// scheduled reducer directly.
pub fn require_scheduler(ctx: &ReducerContext) -> WkResult<()> {
    if ctx.sender == ctx.identity() {
        Ok(())
    } else {
        Err(err(ErrorCode::SchedulerOnly, "this reducer is run by the world's scheduler; clients cannot call it"))
    }
}

/// The character, if the sender owns it or is an admin.
pub fn owned_character(ctx: &ReducerContext, character_id: u64) -> WkResult<Character> {
    let c = ctx.db.character().id().find(character_id).ok_or_else(|| {
        err(
            ErrorCode::UnknownCharacter,
            format!("no character {character_id}; list yours with SELECT * FROM character"),
        )
    })?;
    if c.owner == ctx.sender || is_admin(ctx) {
        Ok(c)
    } else {
        Err(err(ErrorCode::NotOwner, format!("character {character_id} is not yours; act with a character you own")))
    }
}

/// Any existing character (for targets of social actions and the like).
pub fn existing_character(ctx: &ReducerContext, character_id: u64) -> WkResult<Character> {
    ctx.db.character().id().find(character_id).ok_or_else(|| {
        err(ErrorCode::UnknownCharacter, format!("no character {character_id}; pick an existing target"))
    })
}

/// `E_UNKNOWN_LOCATION` unless `location_id` is a location of the world (spawns name one).
pub fn existing_location(ctx: &ReducerContext, location_id: &str) -> WkResult<()> {
    if ctx.db.location_def().id().find(location_id.to_string()).is_none() {
        return Err(err(
            ErrorCode::UnknownLocation,
            format!("no location `{location_id}`; see SELECT id FROM location_def"),
        ));
    }
    Ok(())
}

/// Number of admins; the last one can never be removed.
pub fn admin_count(ctx: &ReducerContext) -> u64 {
    ctx.db.admin().count()
}
