//! Buff reducers: thin shells over `crate::db::buffs`. All are admin-only: players never
//! apply or remove buffs directly; they get them through systems (spells, consumables, combat)
//! that call `crate::db::buffs::apply` and friends internally with their own rules. Every reducer is
//! behind the `buffs` gate; the expiry and tick timers are not (see `timers/buffs.rs`). A change to
//! a fighting character reaches its fight in the same transaction (`combat::drain_inbox`).

use crate::auth;
use crate::error::{err, ErrorCode};
use crate::gate::{self, Feature};
use crate::systems::buffs::{Application, BuffCategory, SECOND_MICROS};
use crate::tables::characters::character;
use spacetimedb::{reducer, ReducerContext};

/// Apply a buff to a character or a monster instance. A monster is named by its combatant id,
/// `MONSTER_ID_BASE` (2^48 = 281474976710656) + `monster_instance.id`; its definition's condition
/// immunities refuse like a character's (`E_BUFF_IMMUNE`), and while it fights its combatant
/// follows at once. `source_character_id` 0 = the world; `duration_secs` overrides the
/// definition's default (1 s ..= 366 days). Stacking, immunity and expiry: docs/buffs.md.
#[reducer]
pub fn admin_apply_buff(
    ctx: &ReducerContext,
    target_character_id: u64,
    buff_id: String,
    source_character_id: u64,
    duration_secs: Option<u32>,
) -> Result<(), String> {
    let _span = crate::timing::span("admin_apply_buff");
    gate::require(ctx, Feature::Buffs)?;
    auth::require_admin(ctx)?;
    crate::systems::limits::text("admin_apply_buff", "buff_id", &buff_id)?;
    let mut app = Application::new(&buff_id, source_character_id);
    app.duration_micros = duration_secs.map(|s| s as i64 * SECOND_MICROS);
    let sp = crate::timing::span("admin_apply_buff/apply");
    crate::db::buffs::apply(ctx, target_character_id, app)?;
    sp.end();
    let _sp = crate::timing::span("admin_apply_buff/drain");
    crate::db::combat::drain_inbox(ctx)?; // a fighting bearer's combatant follows at once
    Ok(())
}

/// Remove one buff instance (`SELECT * FROM active_buff` for ids).
#[reducer]
pub fn admin_remove_buff(ctx: &ReducerContext, buff_instance_id: u64) -> Result<(), String> {
    gate::require(ctx, Feature::Buffs)?;
    auth::require_admin(ctx)?;
    crate::db::buffs::remove(ctx, buff_instance_id, "removed")?;
    crate::db::combat::drain_inbox(ctx)?; // a fighting bearer's combatant follows at once
    Ok(())
}

/// Remove every buff of a category from a character or a monster instance (`MONSTER_ID_BASE` +
/// instance id, as in `apply_buff`) (dispel magic: `Magical`).
#[reducer]
pub fn admin_dispel(ctx: &ReducerContext, target_character_id: u64, category: BuffCategory) -> Result<(), String> {
    gate::require(ctx, Feature::Buffs)?;
    auth::require_admin(ctx)?;
    crate::db::buffs::require_target(ctx, target_character_id)?;
    crate::db::buffs::dispel(ctx, target_character_id, category);
    crate::db::combat::drain_inbox(ctx)?; // a fighting bearer's combatant follows at once
    Ok(())
}

/// Remove every buff a source applied, on every character (`0`: everything the world applied).
/// A source that no longer exists is accepted while buffs from it remain.
#[reducer]
pub fn admin_remove_buffs_by_source(ctx: &ReducerContext, source_character_id: u64) -> Result<(), String> {
    gate::require(ctx, Feature::Buffs)?;
    auth::require_admin(ctx)?;
    let removed = crate::db::buffs::remove_by_source(ctx, source_character_id);
    crate::db::combat::drain_inbox(ctx)?; // a fighting bearer's combatant follows at once
    if removed == 0 && source_character_id != 0 && ctx.db.character().id().find(source_character_id).is_none() {
        return Err(err(
            ErrorCode::UnknownCharacter,
            format!("no character {source_character_id} and no buffs from it; check the id"),
        )
        .into());
    }
    Ok(())
}
