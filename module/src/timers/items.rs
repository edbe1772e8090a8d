use crate::auth;
use crate::tables::items::ItemDespawnTimer;
use spacetimedb::{reducer, ReducerContext};

/// Despawn of one world item at its time to live. Idempotent (`db::items::despawn`): the item may
/// have been picked up, or swept by the world tick already.
#[reducer]
pub fn despawn_world_item(ctx: &ReducerContext, timer: ItemDespawnTimer) -> Result<(), String> {
    auth::require_scheduler(ctx)?;
    crate::db::items::despawn(ctx, timer.uid);
    Ok(())
}
