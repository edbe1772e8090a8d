//! What rules resolutions return: decisions as plain data, each with the dice that made it and a
//! short human `text` for world events.

use super::dice::{Advantage, DiceLogEntry};
use super::sheet::Damage;
use super::Ability;
use crate::error::{err, ErrorCode, WkError};
use spacetimedb::SpacetimeType;

/// What is being checked: a raw ability or a skill (by id from the ruleset's `skills.csv`).
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub enum CheckKind {
    Ability(Ability),
    Skill(String),
}

/// One d20 (dnd5e) / 2d6 (lite) test against a number: ability check, skill check, save.
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// "Deception", "STR check", "CON save".
    pub label: String,
    /// The kept die / dice before modifiers.
    pub natural: i32,
    pub modifier: i32,
    pub total: i32,
    /// The number to meet or beat (for a contest: the other side's total).
    pub dc: i32,
    pub success: bool,
    pub advantage: Advantage,
    pub dice: Vec<DiceLogEntry>,
    pub text: String,
}

/// Who came out ahead in a contest.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContestWinner {
    Actor,
    Target,
    /// Equal totals: SRD "the situation remains the same as it was before the contest", so the
    /// initiator (actor) does not get what they tried; `actor_wins` is false.
    Tie,
}

/// A contest (e.g. Deception vs Insight): both roll, higher total wins, a tie keeps the status quo.
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub struct ContestResult {
    pub actor: CheckResult,
    pub target: CheckResult,
    pub winner: ContestWinner,
    /// Whether the initiator achieves what they attempted (only on a strict win).
    pub actor_wins: bool,
    pub dice: Vec<DiceLogEntry>,
    pub text: String,
}

/// An attack roll against an armor class / defense.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttackRoll {
    pub natural: i32,
    pub total: i32,
    pub target_ac: i32,
    pub hit: bool,
    pub crit: bool,
    pub advantage: Advantage,
    pub text: String,
}

/// How one damage instance fared against the target's defenses.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefenseApplied {
    Normal,
    Immune,
    Resisted,
    Vulnerable,
    /// Resistance and vulnerability to the same type: halve, then double (SRD order).
    ResistedAndVulnerable,
}

#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub struct DamagePart {
    pub damage: Damage,
    pub applied: i32,
    pub defense: DefenseApplied,
}

/// The result of applying damage to a creature.
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub struct DamageOutcome {
    pub parts: Vec<DamagePart>,
    /// Damage before defenses.
    pub raw: i32,
    /// Damage taken after immunity / resistance / vulnerability (temp HP still absorbs from it).
    pub taken: i32,
    pub absorbed_by_temp_hp: i32,
    pub hp_lost: i32,
    pub hp_after: i32,
    pub dropped_to_zero: bool,
    /// Death-save failures added by damage at 0 HP (dnd5e).
    pub death_save_failures_added: u8,
    /// Massive damage (dnd5e) or any damage while down (lite).
    pub instant_death: bool,
    pub died: bool,
    /// Set when the target was concentrating and took damage (dnd5e: the DC of the CON save).
    pub concentration_dc: Option<i32>,
    pub concentration_lost: bool,
    pub text: String,
}

/// What one death saving throw did.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeathSaveEffect {
    Success,
    Failure,
    /// Natural 1: two failures.
    DoubleFailure,
    /// Natural 20: regains 1 HP and wakes.
    Revived,
    /// Third success.
    Stabilized,
    /// Third failure.
    Died,
}

#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub struct DeathSaveOutcome {
    pub natural: i32,
    pub effect: DeathSaveEffect,
    pub successes: u8,
    pub failures: u8,
    pub dice: Vec<DiceLogEntry>,
    pub text: String,
}

#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub struct HealOutcome {
    pub healed: i32,
    pub hp_after: i32,
    /// Was at 0 HP and is conscious again (death saves reset).
    pub regained_consciousness: bool,
    pub text: String,
}

#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub struct HitDiceOutcome {
    pub dice_spent: u8,
    pub healed: i32,
    pub hp_after: i32,
    pub dice: Vec<DiceLogEntry>,
    pub text: String,
}

#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub struct XpOutcome {
    pub xp_before: u32,
    pub xp_after: u32,
    pub level_before: u8,
    pub level_after: u8,
    pub max_hp_gained: i32,
    pub text: String,
}

/// One entry of an initiative order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitiativeEntry {
    /// Index into the combatant slice that was passed in.
    pub index: usize,
    pub natural: i32,
    pub bonus: i32,
    pub total: i32,
}

/// A full attack: roll, damage if it hit, the concentration save it forced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttackOutcome {
    pub roll: AttackRoll,
    pub damage: Option<DamageOutcome>,
    pub concentration: Option<CheckResult>,
    pub text: String,
}

#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestKind {
    Short,
    Long,
}

impl RestKind {
    pub fn label(self) -> &'static str {
        match self {
            RestKind::Short => "short rest",
            RestKind::Long => "long rest",
        }
    }
}

/// A rest in progress. The world never pauses: a rest is world time spent resting, advanced by
/// `world_tick`, ready when `elapsed_secs >= required_secs`, lost when interrupted.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestState {
    pub kind: RestKind,
    pub elapsed_secs: u32,
    pub required_secs: u32,
}

impl RestState {
    pub fn remaining_secs(&self) -> u32 {
        self.required_secs.saturating_sub(self.elapsed_secs)
    }
    pub fn is_ready(&self) -> bool {
        self.elapsed_secs >= self.required_secs
    }
}

/// Where and how a rest would start; the reducer fills it from the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestContext {
    pub location_safe: bool,
    pub in_combat: bool,
    /// The rest already under way, if any.
    pub current: Option<RestState>,
}

#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub struct RestOutcome {
    pub kind: RestKind,
    pub hp_regained: i32,
    pub hit_dice_spent: u8,
    pub hit_dice_regained: u8,
    /// Levels of the exhaustion condition (`RulesEngine::EXHAUSTION_GROUP`) the rest removes;
    /// the buff system lowers the character's exhaustion buff by this many.
    pub exhaustion_removed: u8,
    pub dice: Vec<DiceLogEntry>,
    pub text: String,
}

/// What a tick did to a rest under way.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestTick {
    /// No rest under way.
    NotResting,
    /// Seconds still to rest.
    InProgress(u32),
    /// Enough time has passed; the reducer completes it with `complete_rest`.
    Ready,
    /// In combat: the rest is lost; the reducer drops the `RestState`.
    Interrupted,
}

#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub struct TickOutcome {
    pub rest: RestTick,
    pub hp_regained: i32,
    /// Death saves rolled by the tick (dnd5e, dying out of combat).
    pub death_saves: Vec<DeathSaveOutcome>,
    pub regained_consciousness: bool,
    pub died: bool,
    pub dice: Vec<DiceLogEntry>,
    /// Empty when nothing noteworthy happened.
    pub text: String,
}

/// World-time parameters of the rules. The config row carries them; each ruleset has defaults
/// (`RulesEngine::default_config`).
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub struct RulesConfig {
    /// World seconds of resting for a short rest (SRD: 1 hour).
    pub short_rest_secs: u32,
    /// World seconds of resting in a safe place for a long rest (SRD: 8 hours).
    pub long_rest_secs: u32,
    /// World seconds per round for death saves rolled out of combat (SRD round: 6 s).
    pub round_secs: u32,
    /// dnd5e: seconds a stable creature stays at 0 HP before waking with 1 HP (SRD: 1d4 hours).
    pub stable_recovery_secs: u32,
    /// lite: seconds a downed character survives before dying unless healed.
    pub down_to_dead_secs: u32,
    /// lite: out-of-combat regeneration, 1 HP per this many seconds; 0 = none.
    pub regen_interval_secs: u32,
}

impl RulesConfig {
    /// Reject durations that would make rests instant or ticks meaningless.
    pub fn validate(&self) -> Result<(), WkError> {
        let checks = [
            ("short_rest_secs", self.short_rest_secs),
            ("long_rest_secs", self.long_rest_secs),
            ("round_secs", self.round_secs),
            ("stable_recovery_secs", self.stable_recovery_secs),
            ("down_to_dead_secs", self.down_to_dead_secs),
        ];
        for (name, v) in checks {
            if v == 0 {
                return Err(err(ErrorCode::InvalidConfig, format!("{name} must be at least 1 second")));
            }
        }
        if self.long_rest_secs < self.short_rest_secs {
            return Err(err(ErrorCode::InvalidConfig, "long_rest_secs must be at least short_rest_secs"));
        }
        Ok(())
    }
}
