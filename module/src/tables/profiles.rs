//! Modifier-profile schema. The profiles in force live in the fight itself
//! (`Fight::mods`, private `combat_state`); these are the public projections and the consent
//! workflow.

use crate::systems::profiles::{Issue, Profile, Resolved, StatBonus};
use crate::timers::profiles::profile_consent_timeout;
use spacetimedb::{table, Identity, ScheduleAt, SpacetimeType, Timestamp};

/// The stack of profiles in force on a fight (public projection of `Fight::mods`).
#[table(name = profile_stack, public)]
#[derive(Clone)]
pub struct ProfileStack {
    #[primary_key]
    pub combat_id: u64,
    pub profiles: Vec<Profile>,
    /// A swap is queued for the next turn boundary.
    pub swap_pending: bool,
    /// Stacks applied so far on this fight (1 after the first apply).
    pub applied: u64,
}

/// What the house rules make of each combatant (public, rewritten with the fight).
#[table(name = profile_effect, public)]
#[derive(Clone, PartialEq)]
pub struct ProfileEffect {
    #[primary_key]
    #[auto_inc]
    pub key: u64,
    #[index(btree)]
    pub combat_id: u64,
    pub combatant_id: u64,
    pub slot: String,
    pub resolved: Resolved,
    pub aura: StatBonus,
    pub earned: StatBonus,
    pub speed_ft: f32,
    pub max_hp: i32,
}

/// The outcome of a profile request, visible to every client (filter on `requester`). A request
/// rejected outright returns `Err("E_CODE: ...")` to the caller and leaves no row (the
/// transaction rolls back); rows record accepted requests with their warnings, and the later
/// fate of queued swaps (`applied` / `rejected` at the boundary, `superseded`).
#[table(name = profile_validation, public)]
#[derive(Clone)]
pub struct ProfileValidation {
    #[primary_key]
    #[auto_inc]
    pub id: u64,
    #[index(btree)]
    pub combat_id: u64,
    #[index(btree)]
    pub requester: Identity,
    /// `apply`, `propose`, `consent`.
    pub action: String,
    /// `applied`, `queued`, `proposed`, `rejected`, `superseded`.
    pub status: String,
    pub ok: bool,
    pub issues: Vec<Issue>,
    pub at: Timestamp,
}

#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalStatus {
    Pending,
    Approved,
    Rejected,
    TimedOut,
    Superseded,
}

#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentDecision {
    Approve,
    Reject,
}

/// A proposed swap waiting for the other side's consent.
#[table(name = profile_proposal, public)]
#[derive(Clone)]
pub struct ProfileProposal {
    #[primary_key]
    #[auto_inc]
    pub id: u64,
    #[index(btree)]
    pub combat_id: u64,
    /// Indexed: one identity may have at most `systems::limits::MAX_OPEN_PROPOSALS` pending.
    #[index(btree)]
    pub proposer: Identity,
    pub proposer_side: u32,
    pub profiles: Vec<Profile>,
    pub status: ProposalStatus,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub decided_by: Option<Identity>,
    /// Every player, other than the proposer, with a human character in the fight when
    /// it was proposed; all of them must approve (one rejection rejects it).
    pub consenters: Vec<Identity>,
    /// Those of `consenters` who approved so far.
    pub approved_by: Vec<Identity>,
}

/// Consent timeout of one proposal (auto-reject). A superseded or decided proposal's timer does
/// nothing.
#[table(name = profile_consent_timer, scheduled(profile_consent_timeout))]
pub struct ProfileConsentTimer {
    #[primary_key]
    #[auto_inc]
    pub scheduled_id: u64,
    pub scheduled_at: ScheduleAt,
    pub proposal_id: u64,
}

/// Profile settings (row 0). `consent_timeout_secs` defaults to 60; admins may change it
/// (`admin_set_profile_consent_timeout`, 1..=3600; the live tests shorten it).
#[table(name = profile_config, public)]
#[derive(Clone)]
pub struct ProfileConfig {
    #[primary_key]
    pub id: u32,
    pub consent_timeout_secs: u32,
}

pub const DEFAULT_CONSENT_TIMEOUT_SECS: u32 = 60;
