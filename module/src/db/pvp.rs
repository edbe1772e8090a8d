//! Challenges, PvP opt-ins and invitations <-> rows. The consent rules themselves are
//! `systems::pvp`; `combat::start` and `combat::join` check them.

use super::combat;
use crate::error::{err, ErrorCode, WkResult};
use crate::events;
use crate::rules::{ActiveRules, RulesEngine};
use crate::systems::pvp::{self, MAX_INVITES_PER_FIGHT, MAX_OPEN_CHALLENGES};
use crate::tables::characters::{character, Character};
use crate::tables::combat::combatant;
use crate::tables::events::EventKind;
use crate::tables::pvp::{
    combat_invite, pvp_challenge, pvp_challenge_timer, pvp_opt_in, CombatInvite, PvpChallenge, PvpChallengeTimer,
    PvpOptIn,
};
use spacetimedb::{ReducerContext, ScheduleAt, Table, Timestamp};

fn now(ctx: &ReducerContext) -> i64 {
    ctx.timestamp.to_micros_since_unix_epoch()
}

/// `challenger` asks `target`'s player for a fight here. Both must be able to fight now (alive,
/// up, here, not on the road or in a fight), the place not safe; one open challenge per pair.
pub fn challenge(ctx: &ReducerContext, challenger: &Character, target_id: u64) -> WkResult<u64> {
    let target = ctx
        .db
        .character()
        .id()
        .find(target_id)
        .ok_or_else(|| err(ErrorCode::UnknownCharacter, format!("no character {target_id}")))?;
    if target.id == challenger.id {
        return Err(err(ErrorCode::SameCharacter, "a character cannot challenge itself"));
    }
    if target.owner == challenger.owner {
        return Err(err(ErrorCode::InvalidArgument, "both characters are yours: start_combat needs no challenge"));
    }
    <ActiveRules as RulesEngine>::can_act(&challenger.sheet)?;
    let loc = challenger.location_id.clone();
    combat::check_fighter(ctx, challenger, &loc)?;
    combat::check_fighter(ctx, &target, &loc)?;
    pvp::check_not_down(target.sheet.vitals.hp, target.sheet.vitals.dead, &target.name)?;
    if combat::place(ctx, &loc).safe {
        return Err(err(ErrorCode::SafeLocation, format!("{loc} is a safe location; no player fights another here")));
    }
    let mine: Vec<PvpChallenge> = ctx.db.pvp_challenge().challenger_owner().filter(challenger.owner).collect();
    if mine.iter().any(|c| c.challenger_id == challenger.id && c.target_id == target.id) {
        return Err(err(ErrorCode::InvalidArgument, format!("{} already has your open challenge", target.name)));
    }
    if mine.len() >= MAX_OPEN_CHALLENGES {
        return Err(err(
            ErrorCode::TooManyChallenges,
            format!("you have {} open challenges (at most {MAX_OPEN_CHALLENGES})", mine.len()),
        ));
    }
    use crate::tables::world::config;
    let ttl = ctx.db.config().id().find(0).map(|c| c.challenge_ttl_secs).unwrap_or(120).max(1);
    let expires = now(ctx) + i64::from(ttl) * 1_000_000;
    let row = ctx.db.pvp_challenge().insert(PvpChallenge {
        id: 0,
        challenger_id: challenger.id,
        target_id: target.id,
        challenger_owner: challenger.owner,
        target_owner: target.owner,
        location_id: loc.clone(),
        created_at: ctx.timestamp,
        expires_at_micros: expires,
    });
    ctx.db.pvp_challenge_timer().insert(PvpChallengeTimer {
        scheduled_id: 0,
        scheduled_at: ScheduleAt::Time(Timestamp::from_micros_since_unix_epoch(expires)),
        challenge_id: row.id,
    });
    events::record(
        ctx,
        EventKind::PvpChallenge,
        vec![challenger.id, target.id],
        format!("{} challenges {} to a fight at {loc}", challenger.name, target.name),
        format!("challenge={};action=issued;expires_at={expires}", row.id),
    );
    Ok(row.id)
}

fn open_challenge(ctx: &ReducerContext, challenge_id: u64) -> WkResult<PvpChallenge> {
    ctx.db
        .pvp_challenge()
        .id()
        .find(challenge_id)
        .filter(|c| c.expires_at_micros > now(ctx))
        .ok_or_else(|| err(ErrorCode::UnknownChallenge, format!("no open challenge {challenge_id}")))
}

fn close(ctx: &ReducerContext, c: &PvpChallenge, action: &str) {
    ctx.db.pvp_challenge().id().delete(c.id);
    for t in ctx.db.pvp_challenge_timer().challenge_id().filter(c.id).collect::<Vec<_>>() {
        ctx.db.pvp_challenge_timer().scheduled_id().delete(t.scheduled_id);
    }
    events::record(
        ctx,
        EventKind::PvpChallenge,
        vec![c.challenger_id, c.target_id],
        format!("challenge {} {action}", c.id),
        format!("challenge={};action={action}", c.id),
    );
}

/// The target's player says yes: the fight starts now, where both are (the checks of
/// `start_combat` run again: both still here, able, not in another fight).
pub fn accept(ctx: &ReducerContext, target: &Character, challenge_id: u64) -> WkResult<u64> {
    let c = open_challenge(ctx, challenge_id)?;
    if c.target_id != target.id {
        return Err(err(
            ErrorCode::UnknownChallenge,
            format!("challenge {challenge_id} is not addressed to {}", target.name),
        ));
    }
    let challenger = ctx
        .db
        .character()
        .id()
        .find(c.challenger_id)
        .ok_or_else(|| err(ErrorCode::UnknownChallenge, "the challenger is gone"))?;
    close(ctx, &c, "accepted");
    combat::start_consented(ctx, &challenger, &[target.id], &[], &[target.id])
}

/// Either side withdraws or declines.
pub fn decline(ctx: &ReducerContext, me: &Character, challenge_id: u64) -> WkResult<()> {
    let c = open_challenge(ctx, challenge_id)?;
    if c.target_id != me.id && c.challenger_id != me.id {
        return Err(err(ErrorCode::UnknownChallenge, format!("challenge {challenge_id} is not {}'s", me.name)));
    }
    close(ctx, &c, "declined");
    Ok(())
}

/// The timer: an unanswered challenge ends (idempotent).
pub fn expire(ctx: &ReducerContext, challenge_id: u64) {
    if let Some(c) = ctx.db.pvp_challenge().id().find(challenge_id) {
        close(ctx, &c, "expired");
    }
}

pub fn set_opt_in(ctx: &ReducerContext, c: &Character, on: bool) {
    let had = ctx.db.pvp_opt_in().character_id().find(c.id).is_some();
    match (had, on) {
        (false, true) => {
            ctx.db.pvp_opt_in().insert(PvpOptIn { character_id: c.id, owner: c.owner, since: ctx.timestamp });
        }
        (true, false) => {
            ctx.db.pvp_opt_in().character_id().delete(c.id);
        }
        _ => return,
    }
    events::record(
        ctx,
        EventKind::PvpChallenge,
        vec![c.id],
        format!("{} {} PvP at PvP locations", c.name, if on { "opts in to" } else { "opts out of" }),
        format!("action=opt_in;on={on}"),
    );
}

/// A human of a running fight invites another character to join it on the inviter's side.
pub fn invite(ctx: &ReducerContext, inviter: &Character, invitee_id: u64) -> WkResult<()> {
    let combat_id = combat::active_combat_of(ctx, inviter.id).ok_or_else(|| {
        err(ErrorCode::NotInCombat, format!("{} is not in a fight; invite from inside one", inviter.name))
    })?;
    let invitee = ctx
        .db
        .character()
        .id()
        .find(invitee_id)
        .ok_or_else(|| err(ErrorCode::UnknownCharacter, format!("no character {invitee_id}")))?;
    let side = ctx
        .db
        .combatant()
        .combat_id()
        .filter(combat_id)
        .find(|r| r.character_id == inviter.id)
        .map(|r| r.side)
        .ok_or_else(|| err(ErrorCode::NotInCombat, "no combatant row for the inviter"))?;
    let open: Vec<CombatInvite> = ctx.db.combat_invite().combat_id().filter(combat_id).collect();
    if open.iter().any(|i| i.invitee_id == invitee.id && i.side == side) {
        return Ok(());
    }
    if open.len() >= MAX_INVITES_PER_FIGHT {
        return Err(err(
            ErrorCode::InvalidArgument,
            format!("fight {combat_id} has {MAX_INVITES_PER_FIGHT} open invitations already"),
        ));
    }
    ctx.db.combat_invite().insert(CombatInvite {
        id: 0,
        combat_id,
        side,
        invitee_id: invitee.id,
        inviter_id: inviter.id,
        created_at: ctx.timestamp,
    });
    events::record(
        ctx,
        EventKind::PvpChallenge,
        vec![inviter.id, invitee.id],
        format!("{} invites {} to fight {combat_id} on side {side}", inviter.name, invitee.name),
        format!("combat={combat_id};action=invite;side={side}"),
    );
    Ok(())
}
