//! Combat reducers: thin shells over `crate::db::combat`. Only the owner of a character (or
//! an admin) acts for it; in turn modes only on its own turn (`E_NOT_YOUR_TURN`).

use crate::auth;
use crate::events;
use crate::gate::{self, Feature};
use crate::systems::combat::replay::{AttackArgs, MoveArgs, ReplayAction};
use crate::systems::combat::ModeConfig;
use crate::tables::combat::{combat_config, CombatConfig};
use crate::tables::events::EventKind;
use spacetimedb::{reducer, ReducerContext, Table};

/// Admin (or the spawner): a monster of the ruleset's `monsters.csv` appears at a location.
#[reducer]
pub fn admin_spawn_monster(ctx: &ReducerContext, def_id: String, location_id: String) -> Result<(), String> {
    auth::require_admin(ctx)?;
    crate::systems::limits::text("admin_spawn_monster", "def_id", &def_id)?;
    crate::systems::limits::text("admin_spawn_monster", "location_id", &location_id)?;
    gate::require(ctx, Feature::Combat)?;
    crate::db::combat::spawn_monster(ctx, &def_id, &location_id)?;
    Ok(())
}

/// Attack characters and/or monsters at your location. The mode follows who is fighting: no
/// human → resolved at once; humans → turns (or action queues for big fights).
#[reducer]
pub fn start_combat(
    ctx: &ReducerContext,
    character_id: u64,
    target_character_ids: Vec<u64>,
    target_monster_ids: Vec<u64>,
) -> Result<(), String> {
    gate::require(ctx, Feature::Combat)?;
    let c = auth::owned_character(ctx, character_id)?;
    crate::systems::limits::items("start_combat", "target_character_ids", target_character_ids.len())?;
    crate::systems::limits::items("start_combat", "target_monster_ids", target_monster_ids.len())?;
    crate::db::limits::admit(ctx)?;
    crate::db::combat::start(ctx, &c, &target_character_ids, &target_monster_ids)?;
    Ok(())
}

/// Join an active fight at your location on side 1 (attackers) or 2 (defenders).
#[reducer]
pub fn join_combat(ctx: &ReducerContext, character_id: u64, combat_id: u64, side: u32) -> Result<(), String> {
    gate::require(ctx, Feature::Combat)?;
    let c = auth::owned_character(ctx, character_id)?;
    crate::db::limits::admit(ctx)?;
    crate::db::combat::join(ctx, &c, combat_id, side)?;
    Ok(())
}

/// Attack a combatant (its id in `combatant.combatant_id`) with one of your attacks (index into
/// your creature's attacks; 0 = the main weapon or an unarmed strike).
#[reducer]
pub fn attack(
    ctx: &ReducerContext,
    character_id: u64,
    target_combatant_id: u64,
    attack_index: u32,
) -> Result<(), String> {
    let _span = crate::timing::span("attack");
    gate::require(ctx, Feature::Combat)?;
    auth::owned_character(ctx, character_id)?;
    crate::db::limits::admit(ctx)?;
    crate::db::combat::act(ctx, character_id, |me| {
        ReplayAction::Attack(AttackArgs { actor: me, target: target_combatant_id, attack_index })
    })?;
    crate::db::buffs::on_attack(ctx, character_id);
    Ok(())
}

/// Move on the encounter map (feet), within your remaining movement.
#[reducer]
pub fn move_in_combat(ctx: &ReducerContext, character_id: u64, x: f32, y: f32) -> Result<(), String> {
    let _span = crate::timing::span("move_in_combat");
    gate::require(ctx, Feature::Combat)?;
    auth::owned_character(ctx, character_id)?;
    crate::db::limits::admit(ctx)?;
    crate::db::combat::act(ctx, character_id, |me| ReplayAction::Move(MoveArgs { actor: me, x, y }))?;
    Ok(())
}

#[reducer]
pub fn dodge(ctx: &ReducerContext, character_id: u64) -> Result<(), String> {
    gate::require(ctx, Feature::Combat)?;
    auth::owned_character(ctx, character_id)?;
    crate::db::limits::admit(ctx)?;
    crate::db::combat::act(ctx, character_id, ReplayAction::Dodge)?;
    Ok(())
}

#[reducer]
pub fn dash(ctx: &ReducerContext, character_id: u64) -> Result<(), String> {
    gate::require(ctx, Feature::Combat)?;
    auth::owned_character(ctx, character_id)?;
    crate::db::limits::admit(ctx)?;
    crate::db::combat::act(ctx, character_id, ReplayAction::Dash)?;
    Ok(())
}

/// Leave the fight (your action).
#[reducer]
pub fn flee(ctx: &ReducerContext, character_id: u64) -> Result<(), String> {
    gate::require(ctx, Feature::Combat)?;
    auth::owned_character(ctx, character_id)?;
    crate::db::limits::admit(ctx)?;
    crate::db::combat::act(ctx, character_id, ReplayAction::Flee)?;
    Ok(())
}

#[reducer]
pub fn end_turn(ctx: &ReducerContext, character_id: u64) -> Result<(), String> {
    let _span = crate::timing::span("end_turn");
    gate::require(ctx, Feature::Combat)?;
    auth::owned_character(ctx, character_id)?;
    crate::db::limits::admit(ctx)?;
    crate::db::combat::act(ctx, character_id, ReplayAction::EndTurn)?;
    Ok(())
}

/// Admin: replace the combat tunables (mode thresholds, turn timeouts, AI policy).
#[reducer]
pub fn admin_set_combat_config(ctx: &ReducerContext, modes: ModeConfig) -> Result<(), String> {
    auth::require_admin(ctx)?;
    modes.validate()?;
    let row = CombatConfig { id: 0, modes };
    if ctx.db.combat_config().id().find(0).is_some() {
        ctx.db.combat_config().id().update(row);
    } else {
        ctx.db.combat_config().insert(row);
    }
    events::record(ctx, EventKind::ConfigChanged, vec![], "combat config changed", format!("{modes:?}"));
    Ok(())
}
