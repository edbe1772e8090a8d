//! Which combat mode an encounter runs in, decided from who is fighting, and the
//! admin-tunable numbers behind it.

use crate::error::{err, ErrorCode, WkResult};
use spacetimedb::SpacetimeType;

/// How a fight is paced. Chosen once per encounter by [`select_mode`].
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CombatMode {
    /// No human involved: the whole fight is simulated in one call ([`super::simulate_instant`]).
    InstantResolution,
    /// One human in a small fight: generous turn timer; AI combatants act at once on their turns.
    RelaxedTurns,
    /// Two or three humans: initiative order, a turn timer each; a human whose turn runs out while
    /// their player is offline is played by the AI until they reconnect.
    ClassicTurns,
    /// Large fights with humans: no turns; action / bonus / reaction / movement budgets per
    /// window ([`super::Cooldown`]).
    ActionQueues,
}

impl CombatMode {
    /// Is there a "current combatant" whose owner alone may act? (InstantResolution steps
    /// through turns too, but only the AI plays it.)
    pub fn is_turn_based(self) -> bool {
        match self {
            CombatMode::InstantResolution | CombatMode::RelaxedTurns | CombatMode::ClassicTurns => true,
            CombatMode::ActionQueues => false,
        }
    }

    /// Whether a fight log line of `kind` becomes a world event in this mode. Every line is kept
    /// in the combat's action log; in an instant fight the turn markers ("Round 2: goblin #3's
    /// turn", "... ends their turn") are not actions anyone took and are not events (they were
    /// 81 of the 134 events of an 8-vs-8 fight). Every action still writes its event with its dice.
    pub fn records_event(self, kind: super::ActionKind) -> bool {
        !(self == CombatMode::InstantResolution
            && matches!(kind, super::ActionKind::TurnStart | super::ActionKind::EndTurn))
    }

    /// Seconds a turn may last before the AI takes it; `None` where no turn timer runs.
    pub fn turn_timeout_secs(self, cfg: &ModeConfig) -> Option<u32> {
        match self {
            CombatMode::RelaxedTurns => Some(cfg.relaxed_turn_secs),
            CombatMode::ClassicTurns => Some(cfg.classic_turn_secs),
            CombatMode::InstantResolution | CombatMode::ActionQueues => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            CombatMode::InstantResolution => "instant",
            CombatMode::RelaxedTurns => "relaxed_turns",
            CombatMode::ClassicTurns => "classic_turns",
            CombatMode::ActionQueues => "action_queues",
        }
    }
}

/// What the AI does on its own. Stored with the mode config so admins can tune it.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub struct AiPolicy {
    /// An AI combatant (never a human's combatant the AI is standing in for) flees when its HP
    /// drop below this percentage of its maximum. 0 disables fleeing.
    pub flee_below_hp_pct: u8,
}

impl Default for AiPolicy {
    fn default() -> Self {
        AiPolicy { flee_below_hp_pct: 25 }
    }
}

/// Admin-tunable constants of the mode table and the timers (a config row carries them).
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModeConfig {
    /// One human and at most this many combatants in total → RelaxedTurns.
    pub relaxed_max_combatants: u32,
    /// From 2 up to this many humans → ClassicTurns (while the fight is not too big).
    pub classic_max_humans: u32,
    /// A fight with humans and more combatants than this always uses ActionQueues, whatever the
    /// human count ("above a configured size").
    pub max_turn_based_combatants: u32,
    /// Turn timer of RelaxedTurns, seconds.
    pub relaxed_turn_secs: u32,
    /// Turn timer of ClassicTurns, seconds.
    pub classic_turn_secs: u32,
    /// Length of one ActionQueues budget window (SRD round: 6 s), microseconds.
    pub queue_window_micros: i64,
    /// InstantResolution stops after this many rounds (both sides disengage).
    pub max_instant_rounds: u32,
    pub ai: AiPolicy,
}

impl Default for ModeConfig {
    fn default() -> Self {
        ModeConfig {
            relaxed_max_combatants: 4,
            classic_max_humans: 3,
            max_turn_based_combatants: 8,
            relaxed_turn_secs: 60,
            classic_turn_secs: 60,
            queue_window_micros: 6_000_000,
            max_instant_rounds: 50,
            ai: AiPolicy::default(),
        }
    }
}

impl ModeConfig {
    /// Reject numbers that would make the table or the timers meaningless (`E_INVALID_CONFIG`).
    pub fn validate(&self) -> WkResult<()> {
        let checks: [(&str, i64); 6] = [
            ("relaxed_max_combatants", i64::from(self.relaxed_max_combatants)),
            ("classic_max_humans", i64::from(self.classic_max_humans)),
            ("relaxed_turn_secs", i64::from(self.relaxed_turn_secs)),
            ("classic_turn_secs", i64::from(self.classic_turn_secs)),
            ("queue_window_micros", self.queue_window_micros),
            ("max_instant_rounds", i64::from(self.max_instant_rounds)),
        ];
        for (name, v) in checks {
            if v < 1 {
                return Err(err(ErrorCode::InvalidConfig, format!("{name} must be at least 1")));
            }
        }
        if self.relaxed_max_combatants < 2 {
            return Err(err(ErrorCode::InvalidConfig, "relaxed_max_combatants must be at least 2 (a human and a foe)"));
        }
        if self.max_turn_based_combatants < self.relaxed_max_combatants {
            return Err(err(
                ErrorCode::InvalidConfig,
                "max_turn_based_combatants must be at least relaxed_max_combatants",
            ));
        }
        if self.ai.flee_below_hp_pct > 100 {
            return Err(err(ErrorCode::InvalidConfig, "ai.flee_below_hp_pct is a percentage, 0..=100"));
        }
        Ok(())
    }
}

/// The mode table, first matching row wins:
///
/// | humans | total combatants                     | mode              |
/// |--------|--------------------------------------|-------------------|
/// | 0      | any                                  | InstantResolution |
/// | ≥ 1    | > `max_turn_based_combatants` (8)    | ActionQueues      |
/// | 1      | ≤ `relaxed_max_combatants` (4)       | RelaxedTurns      |
/// | 2..=`classic_max_humans` (3) | any (≤ 8)    | ClassicTurns      |
/// | else   |                                      | ActionQueues      |
///
/// Edge cases, decided on purpose: one human with 5 to 8 others (e.g. 1 human + 6) →
/// ActionQueues (the ADR's "5+ combatants": one person should not wait through 6 AI turns);
/// 2–3 humans with 5..=8 combatants → ClassicTurns (the ADR lists the human-count row before the
/// size row, and a small party expects D&D turns); 4+ humans → ActionQueues at any size.
/// `total` is raised to `humans` if a caller passes fewer (a human is a combatant).
pub fn select_mode(humans: u32, total: u32, cfg: &ModeConfig) -> CombatMode {
    let total = total.max(humans);
    if humans == 0 {
        return CombatMode::InstantResolution;
    }
    if total > cfg.max_turn_based_combatants {
        return CombatMode::ActionQueues;
    }
    if humans == 1 && total <= cfg.relaxed_max_combatants {
        return CombatMode::RelaxedTurns;
    }
    if humans >= 2 && humans <= cfg.classic_max_humans {
        return CombatMode::ClassicTurns;
    }
    CombatMode::ActionQueues
}
