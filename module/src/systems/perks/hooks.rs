//! The hooks descriptor every perk file exports, and the plain-data contexts its hooks receive.

use crate::error::WkResult;
use crate::rules::{CharacterSheet, DerivedStats, DiceLog, DiceSource, RestKind};
use spacetimedb::SpacetimeType;

/// Per-character state of one owned perk (stored in `character_perk`).
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PerkState {
    /// How many times it was picked (1 unless the perk is stackable).
    pub stacks: u8,
    /// Uses left (Second Wind, Relentless Endurance); meaning is the perk's own.
    pub charges: u8,
    /// Seconds accumulated towards the perk's next periodic effect.
    pub timer_secs: u32,
}

/// One owned perk as the dispatchers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedPerk {
    pub perk_id: String,
    pub state: PerkState,
}

/// The world-tick phase: each owner's clock for the rest of this tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnerClock {
    /// Seconds the world advanced.
    pub world_secs: u32,
    /// Seconds this owner lives through (rules tick and perk ticks use this).
    pub secs: u32,
}

/// The per-character tick phase.
pub struct CharTick<'a> {
    pub sheet: &'a mut CharacterSheet,
    pub state: &'a mut PerkState,
    pub secs: u32,
    pub in_combat: bool,
    /// What happened, for the event log.
    pub notes: &'a mut Vec<String>,
}

/// One owner in the global effects step.
#[derive(Debug, Clone, PartialEq)]
pub struct EffectsOwner {
    pub character_id: u64,
    pub sheet: CharacterSheet,
    pub state: PerkState,
    /// Set by the hook when it changed `sheet` or `state` (the glue writes only those).
    pub changed: bool,
}

pub type ApplyFn = fn(&mut CharacterSheet, &mut PerkState);
pub type LevelUpFn = fn(&mut CharacterSheet, &PerkState, u8);
pub type DerivedFn = fn(&mut DerivedStats, &PerkState);
pub type WorldTickFn = fn(&mut OwnerClock, &PerkState);
pub type CharacterTickFn = fn(&mut CharTick<'_>, &mut dyn DiceSource);
pub type EffectsFn = fn(&mut [EffectsOwner], u32, &mut dyn DiceSource, &mut Vec<String>);
pub type DeathFn = fn(&mut CharacterSheet, &mut PerkState) -> Option<String>;
pub type RestFn = fn(&mut PerkState, RestKind);
pub type UseFn = fn(&mut CharacterSheet, &mut PerkState, &mut dyn DiceSource) -> WkResult<String>;
pub type InitiativeFn = fn(&PerkState) -> i32;

/// A hook-side change to damage dice: reroll a face once (Great Weapon Fighting).
pub type RerollDamageFaceFn = fn(face: i32, sides: u32) -> bool;
/// Extra damage on a critical hit, rolled by the perk (Savage Attacks).
pub type CritExtraFn = fn(attack: &crate::rules::AttackDef, rng: &mut dyn DiceSource, log: &mut DiceLog) -> i32;

/// Everything a perk owns. Every field but `id` and `rulesets` is optional: a perk declares only
/// the phases it takes part in.
#[derive(Clone, Copy)]
pub struct PerkHooks {
    pub id: &'static str,
    /// Rulesets whose `perks.csv` must list this perk (and no other ruleset may).
    pub rulesets: &'static [&'static str],
    // ----- on pick ------------------------------------------------------------------------
    /// When picked (after `stacks` is incremented).
    pub on_pick: Option<ApplyFn>,
    /// When the owner gains levels after the pick (`levels` gained now).
    pub on_level_up: Option<LevelUpFn>,
    /// Passive: adjusts the derived stats the ruleset computed (character_stats, effective base).
    pub adjust_derived: Option<DerivedFn>,
    // ----- world tick (first) -------------------------------------------------------------
    pub world_tick: Option<WorldTickFn>,
    // ----- per-character tick -------------------------------------------------------------
    pub character_tick: Option<CharacterTickFn>,
    // ----- global effects step (after buff upkeep) ----------------------------------------
    pub effects_step: Option<EffectsFn>,
    // ----- death --------------------------------------------------------------------------
    /// The owner went from alive to dead in this transaction. `Some(text)`: prevented.
    pub on_death: Option<DeathFn>,
    /// A rest completed (resets per-rest charges).
    pub on_rest: Option<RestFn>,
    /// An action the owner takes with `use_perk`.
    pub on_use: Option<UseFn>,
    // ----- combat hot paths (rules::resolve_attack, Fight::start) -------------------------
    pub initiative_bonus: Option<InitiativeFn>,
    /// Reroll a d20-style test whose natural result is the lowest possible (Lucky).
    pub reroll_lowest_attack: bool,
    pub reroll_damage_face: Option<RerollDamageFaceFn>,
    pub crit_extra: Option<CritExtraFn>,
}

impl PerkHooks {
    /// A descriptor that owns nothing yet (perk files fill in their phases with `..`).
    pub const fn new(id: &'static str, rulesets: &'static [&'static str]) -> PerkHooks {
        PerkHooks {
            id,
            rulesets,
            on_pick: None,
            on_level_up: None,
            adjust_derived: None,
            world_tick: None,
            character_tick: None,
            effects_step: None,
            on_death: None,
            on_rest: None,
            on_use: None,
            initiative_bonus: None,
            reroll_lowest_attack: false,
            reroll_damage_face: None,
            crit_extra: None,
        }
    }

    /// Whether any combat hot-path hook is declared (the perk goes into the combat snapshot).
    pub fn in_combat(&self) -> bool {
        self.initiative_bonus.is_some()
            || self.reroll_lowest_attack
            || self.reroll_damage_face.is_some()
            || self.crit_extra.is_some()
    }

    pub fn supports(&self, ruleset: &str) -> bool {
        self.rulesets.contains(&ruleset)
    }
}

/// Both rulesets.
pub const ALL_RULESETS: &[&str] = &["dnd5e", "lite"];
/// dnd5e only (critical hits, damage dice).
pub const DND5E_ONLY: &[&str] = &["dnd5e"];
