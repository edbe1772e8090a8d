//! Consent before fighting another player: challenges, PvP opt-ins and invitations
//! to join a fight. Public: each player sees what is asked of them.

use crate::timers::pvp::pvp_challenge_timeout;
use spacetimedb::{table, Identity, ScheduleAt, Timestamp};

/// An open challenge: `challenger_id` asks to fight `target_id` (both characters, at
/// `location_id`). Gone when accepted (the fight starts), declined or expired.
#[table(name = pvp_challenge, public)]
#[derive(Clone)]
pub struct PvpChallenge {
    #[primary_key]
    #[auto_inc]
    pub id: u64,
    #[index(btree)]
    pub challenger_id: u64,
    #[index(btree)]
    pub target_id: u64,
    /// Who issued it (the cap on open challenges counts these).
    #[index(btree)]
    pub challenger_owner: Identity,
    pub target_owner: Identity,
    pub location_id: String,
    pub created_at: Timestamp,
    pub expires_at_micros: i64,
}

/// Ends a challenge nobody answered.
#[table(name = pvp_challenge_timer, scheduled(pvp_challenge_timeout))]
pub struct PvpChallengeTimer {
    #[primary_key]
    #[auto_inc]
    pub scheduled_id: u64,
    pub scheduled_at: ScheduleAt,
    #[index(btree)]
    pub challenge_id: u64,
}

/// A character that accepts fights with other opted-in characters at PvP locations.
#[table(name = pvp_opt_in, public)]
#[derive(Clone)]
pub struct PvpOptIn {
    #[primary_key]
    pub character_id: u64,
    pub owner: Identity,
    pub since: Timestamp,
}

/// An invitation to join a running fight on the inviter's side. Used up by `join_combat`; gone
/// when the fight ends.
#[table(name = combat_invite, public)]
#[derive(Clone)]
pub struct CombatInvite {
    #[primary_key]
    #[auto_inc]
    pub id: u64,
    #[index(btree)]
    pub combat_id: u64,
    pub side: u32,
    #[index(btree)]
    pub invitee_id: u64,
    pub inviter_id: u64,
    pub created_at: Timestamp,
}
