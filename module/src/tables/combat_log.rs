//! The per-combat action log: append-only, public. One row per call that changed a
//! fight, with the step's input (typed, BSATN in hex, so a replay needs nothing else), where it
//! came from, the RNG stream it drew from and the fight's state hash afterwards. The first row of
//! a combat (seq 0) is the start: seed, mode and the combatants as placed.

use spacetimedb::{table, SpacetimeType, Timestamp};

/// Who or what made a logged step happen.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CombatLogSource {
    /// The fight started (seed, combatants, initiative).
    Start,
    /// A player's reducer call (attack, move, dodge, dash, flee, end_turn, use_consumable).
    HumanCall,
    /// A character joined the running fight.
    Join,
    /// AI combatants acting on their own turns right after the start.
    AiTurns,
    /// The whole AI-only fight resolved in one call.
    InstantResolution,
    /// A human's turn ran out (turn timer or the world tick's sweeper): the AI took the turn.
    Timeout,
    /// ActionQueues: the world tick let the AI act.
    QueueTick,
    /// A player was away when their turn ran out (the AI takes over and plays on) or came back.
    Connection,
    /// House rules (modifier profiles) applied or queued: `apply_profiles` or an approved proposal.
    HouseRules,
    /// The world reached in: a buff or potion changed a combatant's numbers, or a buff's periodic
    /// damage or healing landed (drained from `fight_inbox`).
    Outside,
}

/// `by_combat_seq` lets the storage pruner delete a long fight's log over several runs from its
/// first step on (`wk-replay` skips a fight whose log no longer starts at step 0); its prefix
/// serves lookups by `combat_id` alone.
#[table(name = combat_action_log, public, index(name = by_combat_seq, btree(columns = [combat_id, seq])))]
#[derive(Clone)]
pub struct CombatActionLog {
    #[primary_key]
    #[auto_inc]
    pub id: u64,
    pub combat_id: u64,
    /// 0, 1, 2... per combat, in the order the steps happened.
    pub seq: u32,
    /// Round and turn sequence after the step.
    pub round: u32,
    pub turn_seq: u64,
    /// Combatant id of the actor (0 for fight-level steps: start, AI turns, ticks, timeouts).
    pub actor: u64,
    pub source: CombatLogSource,
    /// What was done, with its arguments, for people (`attack actor=5 target=... attack_index=0`).
    pub action: String,
    /// The fight RNG stream the step drew from (`stream_rng(seed, n)`); none if it drew nothing.
    pub rng_stream: Option<u64>,
    /// `state_hash` of the fight after the step, 16 hex digits.
    pub state_hash: String,
    /// The step itself (`LoggedStep`: action, clock, combat config) as hex BSATN: what the replay
    /// tool re-runs.
    pub step: String,
    /// What happened, one line per fight log entry (AI-chosen actions included): `[Kind] text`.
    pub lines: Vec<String>,
    pub at: Timestamp,
}
