//! Checks and contests: social interaction between characters through the rules engine.

use crate::auth;
use crate::db::{chars, conditions};
use crate::error::{err, ErrorCode, WkResult};
use crate::events;
use crate::gate::{self, Feature};
use crate::rules::{ActiveRules, Advantage, CheckKind, RulesEngine};
use crate::systems::conditions::{check_ability, check_advantage, Action, Standing};
use crate::tables::characters::Character;
use crate::tables::events::EventKind;
use spacetimedb::{reducer, ReducerContext};

/// Roll an ability or skill check for one of your characters against a DC, with the advantage
/// or disadvantage its conditions and buffs give. The result, with the dice, is a world event.
#[reducer]
pub fn ability_check(ctx: &ReducerContext, character_id: u64, check: CheckKind, dc: i32) -> Result<(), String> {
    gate::require(ctx, Feature::Social)?;
    let c = auth::owned_character(ctx, character_id)?;
    crate::systems::limits::check_kind("ability_check", "check", &check)?;
    crate::db::limits::admit(ctx)?;
    let standing = ready_to_act(ctx, &c, Action::Check)?;
    ActiveRules::validate_check_kind(&check)?;
    ActiveRules::validate_dc(dc)?;
    let adv = advantage_of(&standing, &check);
    let r = ActiveRules::ability_check(&c.sheet, &check, dc, adv, &mut ctx.rng())?;
    events::record_with_dice(
        ctx,
        EventKind::AbilityCheck,
        vec![c.id],
        r.text.clone(),
        format!("check={};total={};dc={dc};success={}", r.label, r.total, r.success),
        r.dice,
    );
    Ok(())
}

/// A contest between your character and another character at the same location, e.g.
/// deception vs insight, persuasion vs insight, intimidation vs insight. Higher total wins; a tie
/// keeps the status quo (the initiator does not get their way).
#[reducer]
pub fn contest(
    ctx: &ReducerContext,
    actor_id: u64,
    target_id: u64,
    actor_check: CheckKind,
    target_check: CheckKind,
) -> Result<(), String> {
    gate::require(ctx, Feature::Social)?;
    let actor = auth::owned_character(ctx, actor_id)?;
    crate::systems::limits::check_kind("contest", "actor_check", &actor_check)?;
    crate::systems::limits::check_kind("contest", "target_check", &target_check)?;
    crate::db::limits::admit(ctx)?;
    if actor_id == target_id {
        return Err(err(ErrorCode::SameCharacter, "a character cannot contest itself; pick another target").into());
    }
    let target = auth::existing_character(ctx, target_id)?;
    let actor_standing = ready_to_act(ctx, &actor, Action::Contest)?;
    if target.sheet.vitals.dead {
        return Err(err(ErrorCode::CharacterDead, format!("{} is dead; pick a living target", target.name)).into());
    }
    if chars::is_traveling(ctx, target.id) {
        return Err(err(ErrorCode::Traveling, format!("{} is on the road; wait until they arrive", target.name)).into());
    }
    if actor.location_id != target.location_id {
        return Err(err(
            ErrorCode::NotSameLocation,
            format!(
                "{} is at {}, you are at {}; travel there first",
                target.name, target.location_id, actor.location_id
            ),
        )
        .into());
    }
    ActiveRules::validate_check_kind(&actor_check)?;
    ActiveRules::validate_check_kind(&target_check)?;
    let actor_adv = advantage_of(&actor_standing, &actor_check);
    let target_adv = advantage_of(&conditions::standing(ctx, &target), &target_check);
    let r = ActiveRules::contest(
        &actor.sheet,
        &actor_check,
        actor_adv,
        &target.sheet,
        &target_check,
        target_adv,
        &mut ctx.rng(),
    )?;
    events::record_with_dice(
        ctx,
        EventKind::Contest,
        vec![actor.id, target.id],
        r.text.clone(),
        format!(
            "actor_check={};actor_total={};target_check={};target_total={};actor_wins={}",
            r.actor.label, r.actor.total, r.target.label, r.target.total, r.actor_wins
        ),
        r.dice,
    );
    events::cross_agent(
        ctx,
        crate::systems::agents::CrossKind::Contest,
        vec![actor.id, target.id],
        actor.owner,
        &[target.owner],
        format!("{} and {} (different players) contest: {}", actor.name, target.name, r.text),
        format!(
            "actor={};target={};actor_check={};target_check={};actor_wins={}",
            actor.id, target.id, r.actor.label, r.target.label, r.actor_wins
        ),
    );
    Ok(())
}

/// Common preconditions for acting in the world: alive, conscious, no condition forbidding it
/// (`db::conditions::require`), not on the road. Returns the standing (its flags give the
/// advantage of the roll).
pub fn ready_to_act<'a>(ctx: &ReducerContext, c: &'a Character, action: Action) -> WkResult<Standing<'a>> {
    let standing = conditions::require(ctx, c, action)?;
    if chars::is_traveling(ctx, c.id) {
        return Err(err(ErrorCode::Traveling, format!("{} is on the road; wait until you arrive", c.name)));
    }
    Ok(standing)
}

/// The advantage the character's conditions and buffs give this check (Poisoned, exhaustion:
/// disadvantage; Rage: advantage on STR checks).
fn advantage_of(s: &Standing, check: &CheckKind) -> Advantage {
    check_advantage(s.flags, check_ability(check, ActiveRules::cached_skills()))
}
