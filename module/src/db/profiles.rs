//! Modifier-profile rows <-> the pure core. The stack in force lives in the fight
//! (`Fight::mods`); this file authorizes requests, validates, applies or queues swaps, runs the
//! consent workflow and rewrites the public projections (`profile_stack`, `profile_effect`,
//! `profile_validation`) whenever the combat glue commits a fight (`profile_rows::sync`).
//!
//! Who may change the house rules of a fight: an admin, or a player with a human-played
//! (non-AI) character in it. When every human character of the fight is the caller's (solo,
//! AI-only, or all of one player's) `apply_profiles` applies directly; otherwise a player must
//! `propose_profiles` and EVERY other player with a human character in the fight at that moment
//! must `consent` (house rules change another player's character only with that
//! player's consent; a player or second identity who joins later has no say). An admin may
//! still `apply_profiles`: the game master's override.
//! The first stack of a fight applies at once (setting up the encounter); every later change is
//! a swap queued for the next turn boundary (turn modes; action-queue fights have no turns and
//! apply at once), last write wins.

use super::profile_rows::set_status;
use crate::auth;
use crate::error::{err, ErrorCode, WkResult};
use crate::events;
use crate::rules::ActiveRules;
use crate::systems::combat::{CombatantKind, Fight, FightStatus};
use crate::systems::profiles::runtime::{self, TypeTag};
use crate::systems::profiles::{validate_stack, Issue, Profile, Registry, Report};
use crate::tables::characters::character;
use crate::tables::combat::combat_instance;
use crate::tables::combat_log::CombatLogSource;
use crate::tables::events::EventKind;
use crate::tables::profiles::{
    profile_config, profile_consent_timer, profile_proposal, profile_validation, ConsentDecision, ProfileConfig,
    ProfileConsentTimer, ProfileProposal, ProfileValidation, ProposalStatus, DEFAULT_CONSENT_TIMEOUT_SECS,
};
use spacetimedb::{ReducerContext, ScheduleAt, Table, TimeDuration};

fn consent_timeout_secs(ctx: &ReducerContext) -> u32 {
    ctx.db.profile_config().id().find(0).map(|c| c.consent_timeout_secs).unwrap_or(DEFAULT_CONSENT_TIMEOUT_SECS)
}

pub fn set_consent_timeout(ctx: &ReducerContext, secs: u32) -> WkResult<()> {
    if !(1..=3600).contains(&secs) {
        return Err(err(ErrorCode::InvalidConfig, "consent_timeout_secs must be 1..=3600 (default 60)"));
    }
    let row = ProfileConfig { id: 0, consent_timeout_secs: secs };
    if ctx.db.profile_config().id().find(0).is_some() {
        ctx.db.profile_config().id().update(row);
    } else {
        ctx.db.profile_config().insert(row);
    }
    Ok(())
}

/// The active fight `combat_id`, with its layout and type tags (class keys, condition sources)
/// refreshed.
fn active_fight(ctx: &ReducerContext, combat_id: u64) -> WkResult<Fight> {
    let inst = ctx.db.combat_instance().id().find(combat_id).ok_or_else(|| {
        err(ErrorCode::NotInCombat, format!("no fight {combat_id}; see SELECT * FROM combat_instance"))
    })?;
    if inst.status != FightStatus::Active {
        return Err(err(ErrorCode::CombatOver, "this fight is over; house rules apply to active fights"));
    }
    let mut fight = crate::db::combat::load(ctx, combat_id)?;
    fight.mods.layout = inst.location_id.clone();
    fight.mods.tags = fight
        .combatants
        .iter()
        .filter_map(|c| match c.kind {
            CombatantKind::Character { character_id } => ctx.db.character().id().find(character_id).map(|ch| TypeTag {
                combatant_id: c.id,
                tags: vec![format!("class:{}", ch.sheet.class_id)],
                sources: super::stats::condition_sources(ctx, &ch),
                base_speed_ft: super::stats::BASE_SPEED_FT,
            }),
            _ => None,
        })
        .collect();
    Ok(fight)
}

/// Sides on which the caller owns a human-played character.
fn caller_sides(ctx: &ReducerContext, fight: &Fight) -> Vec<u32> {
    let mut s: Vec<u32> = fight
        .combatants
        .iter()
        .filter(|c| !c.is_ai)
        .filter_map(|c| match c.kind {
            CombatantKind::Character { character_id } => {
                ctx.db.character().id().find(character_id).filter(|ch| ch.owner == ctx.sender).map(|_| c.side)
            }
            _ => None,
        })
        .collect();
    s.sort_unstable();
    s.dedup();
    s
}

/// The players other than the caller with a human-played character in the fight.
fn other_players(ctx: &ReducerContext, fight: &Fight) -> Vec<spacetimedb::Identity> {
    let owners: Vec<spacetimedb::Identity> = fight
        .combatants
        .iter()
        .filter(|c| !c.is_ai)
        .filter_map(|c| match c.kind {
            CombatantKind::Character { character_id } => ctx.db.character().id().find(character_id).map(|ch| ch.owner),
            _ => None,
        })
        .collect();
    crate::systems::pvp::consenters(ctx.sender, &owners)
}

fn check(fight: &Fight, stack: &[Profile]) -> WkResult<Report> {
    let report = validate_stack(stack, &Registry::builtin(), &runtime::encounter(fight));
    if report.ok() {
        Ok(report)
    } else {
        // The first error's code leads; every error follows (clients split on "; ").
        let first = report.errors().next().map(|i| i.code.clone()).unwrap_or_default();
        let code = ErrorCode::ALL.iter().copied().find(|c| c.as_str() == first).unwrap_or(ErrorCode::ProfileBadValue);
        let text = report.error_text();
        let msg = text.strip_prefix(&format!("{first}: ")).unwrap_or(&text).to_string();
        Err(err(code, msg))
    }
}

fn record(ctx: &ReducerContext, combat_id: u64, action: &str, status: &str, ok: bool, issues: Vec<Issue>) -> u64 {
    ctx.db
        .profile_validation()
        .insert(ProfileValidation {
            id: 0,
            combat_id,
            requester: ctx.sender,
            action: action.into(),
            status: status.into(),
            ok,
            issues,
            at: ctx.timestamp,
        })
        .id
}

/// Apply now (first stack, or a fight without turns) or queue for the next turn boundary, as a
/// logged fight step (`ReplayAction::HouseRules`), so the fight's replay applies it at the same
/// point. Returns the status word.
fn apply_or_queue(
    ctx: &ReducerContext,
    combat_id: u64,
    fight: &mut Fight,
    stack: Vec<Profile>,
    request: u64,
) -> WkResult<&'static str> {
    use crate::systems::combat::replay::{self, HouseRulesArgs, LoggedStep, ReplayAction};
    let will_apply = runtime::applies_now(fight);
    let cfg = crate::db::combat::mode_config(ctx);
    let step = LoggedStep::new(
        ctx.timestamp.to_micros_since_unix_epoch(),
        &cfg,
        ReplayAction::HouseRules(HouseRulesArgs {
            layout: fight.mods.layout.clone(),
            tags: fight.mods.tags.clone(),
            stack,
            request,
        }),
    );
    let applied = replay::apply::<ActiveRules>(fight, &step)?;
    crate::db::combat_log::append(ctx, combat_id, fight, &step, CombatLogSource::HouseRules, &applied);
    Ok(if will_apply { "applied" } else { "queued" })
}

pub fn apply(ctx: &ReducerContext, combat_id: u64, profiles: Vec<Profile>) -> WkResult<()> {
    let mut fight = active_fight(ctx, combat_id)?;
    let admin = auth::is_admin(ctx);
    if !admin && caller_sides(ctx, &fight).is_empty() {
        return Err(err(
            ErrorCode::ProfileNotParticipant,
            "only an admin or a player with a character in this fight can change its house rules",
        ));
    }
    if !admin && !other_players(ctx, &fight).is_empty() {
        return Err(err(
            ErrorCode::ProfileConsentRequired,
            "other players' characters fight here: propose_profiles and let every one of them consent",
        ));
    }
    let report = check(&fight, &profiles)?;
    let request = record(ctx, combat_id, "apply", "pending", true, report.issues.clone());
    let status = apply_or_queue(ctx, combat_id, &mut fight, profiles, request)?;
    set_status(ctx, request, status, true, None);
    events::record(
        ctx,
        EventKind::HouseRules,
        vec![],
        format!("house rules for fight {combat_id}: {status}"),
        format!("combat={combat_id};action=apply;status={status};request={request}"),
    );
    crate::db::combat::commit(ctx, combat_id, fight, &crate::db::combat::mode_config(ctx))?;
    Ok(())
}

pub fn propose(ctx: &ReducerContext, combat_id: u64, profiles: Vec<Profile>) -> WkResult<()> {
    let fight = active_fight(ctx, combat_id)?;
    let mine = caller_sides(ctx, &fight);
    let Some(&side) = mine.first() else {
        return Err(err(ErrorCode::ProfileNotParticipant, "propose with a character of yours that is in this fight"));
    };
    let consenters = other_players(ctx, &fight);
    if consenters.is_empty() {
        return Err(err(ErrorCode::InvalidArgument, "no other player fights here to consent: use apply_profiles"));
    }
    // One identity's pending proposals elsewhere are capped (a new one here supersedes this
    // fight's pending one): consenters are asked by at most MAX_OPEN_PROPOSALS open requests.
    let pending_elsewhere = ctx
        .db
        .profile_proposal()
        .proposer()
        .filter(ctx.sender)
        .filter(|p| p.status == ProposalStatus::Pending && p.combat_id != combat_id)
        .count();
    crate::systems::limits::may_propose(pending_elsewhere)?;
    let report = check(&fight, &profiles)?;
    for mut p in ctx
        .db
        .profile_proposal()
        .combat_id()
        .filter(combat_id)
        .filter(|p| p.status == ProposalStatus::Pending)
        .collect::<Vec<_>>()
    {
        p.status = ProposalStatus::Superseded;
        ctx.db.profile_proposal().id().update(p);
    }
    let secs = consent_timeout_secs(ctx);
    let expires = ctx.timestamp + TimeDuration::from_micros(i64::from(secs) * 1_000_000);
    let prop = ctx.db.profile_proposal().insert(ProfileProposal {
        id: 0,
        combat_id,
        proposer: ctx.sender,
        proposer_side: side,
        profiles,
        status: ProposalStatus::Pending,
        created_at: ctx.timestamp,
        expires_at: expires,
        decided_by: None,
        consenters,
        approved_by: Vec::new(),
    });
    ctx.db.profile_consent_timer().insert(ProfileConsentTimer {
        scheduled_id: 0,
        scheduled_at: ScheduleAt::Time(expires),
        proposal_id: prop.id,
    });
    record(ctx, combat_id, "propose", "proposed", true, report.issues);
    events::record(
        ctx,
        EventKind::HouseRules,
        vec![],
        format!("side {side} proposes new house rules for fight {combat_id} (consent within {secs} s)"),
        format!("combat={combat_id};action=propose;proposal={}", prop.id),
    );
    Ok(())
}

pub fn consent(ctx: &ReducerContext, proposal_id: u64, decision: ConsentDecision) -> WkResult<()> {
    let mut prop = ctx.db.profile_proposal().id().find(proposal_id).ok_or_else(|| {
        err(ErrorCode::ProfileProposalClosed, format!("no proposal {proposal_id}; see SELECT * FROM profile_proposal"))
    })?;
    if prop.status != ProposalStatus::Pending {
        return Err(err(
            ErrorCode::ProfileProposalClosed,
            format!("proposal {proposal_id} is {:?}; only pending proposals take consent", prop.status),
        ));
    }
    if prop.proposer == ctx.sender {
        return Err(err(ErrorCode::ProfileSelfConsent, "you proposed this; the other side must consent"));
    }
    let mut fight = active_fight(ctx, prop.combat_id)?;
    // Only the players snapshotted at proposal time (every other player with a human
    // character in the fight then) count, each once; all must approve.
    if !prop.consenters.contains(&ctx.sender) {
        return Err(err(
            ErrorCode::ProfileNotParticipant,
            "only a player whose character was a human combatant of this fight when it was proposed can consent",
        ));
    }
    let combat_id = prop.combat_id;
    if decision == ConsentDecision::Approve {
        let consenters = prop.consenters.clone();
        let left = crate::systems::pvp::approve(&consenters, &mut prop.approved_by, ctx.sender)?;
        if left > 0 {
            ctx.db.profile_proposal().id().update(prop);
            events::record(
                ctx,
                EventKind::HouseRules,
                vec![],
                format!("a player approves the proposed house rules for fight {combat_id}; {left} more must"),
                format!("combat={combat_id};action=approve_partial;proposal={proposal_id};left={left}"),
            );
            return Ok(());
        }
    }
    prop.decided_by = Some(ctx.sender);
    match decision {
        ConsentDecision::Reject => {
            prop.status = ProposalStatus::Rejected;
            ctx.db.profile_proposal().id().update(prop);
            record(ctx, combat_id, "consent", "rejected", true, vec![]);
            events::record(
                ctx,
                EventKind::HouseRules,
                vec![],
                format!("the proposed house rules for fight {combat_id} are rejected"),
                format!("combat={combat_id};action=reject;proposal={proposal_id}"),
            );
            Ok(())
        }
        ConsentDecision::Approve => {
            let report = check(&fight, &prop.profiles)?;
            let request = record(ctx, combat_id, "consent", "pending", true, report.issues);
            let status = apply_or_queue(ctx, combat_id, &mut fight, prop.profiles.clone(), request)?;
            set_status(ctx, request, status, true, None);
            prop.status = ProposalStatus::Approved;
            ctx.db.profile_proposal().id().update(prop);
            events::record(
                ctx,
                EventKind::HouseRules,
                vec![],
                format!("the proposed house rules for fight {combat_id} are approved ({status})"),
                format!("combat={combat_id};action=approve;proposal={proposal_id};status={status}"),
            );
            crate::db::combat::commit(ctx, combat_id, fight, &crate::db::combat::mode_config(ctx))?;
            Ok(())
        }
    }
}

/// The consent timer fired: a still-pending proposal is rejected; anything else is left alone.
pub fn consent_timed_out(ctx: &ReducerContext, proposal_id: u64) {
    let Some(mut prop) = ctx.db.profile_proposal().id().find(proposal_id) else { return };
    if prop.status != ProposalStatus::Pending {
        return; // decided or superseded: a stale timer does nothing
    }
    prop.status = ProposalStatus::TimedOut;
    let combat_id = prop.combat_id;
    ctx.db.profile_proposal().id().update(prop);
    events::record(
        ctx,
        EventKind::HouseRules,
        vec![],
        format!("nobody consented to the proposed house rules for fight {combat_id} in time: rejected"),
        format!("combat={combat_id};action=timeout;proposal={proposal_id}"),
    );
}
