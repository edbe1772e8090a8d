//! The seam where a fight's house rules (modifier profiles) enter the ONE attack
//! resolution, [`RulesEngine::resolve_attack_with`](super::RulesEngine::resolve_attack_with).
//!
//! There is a single attack pipeline, and its order is fixed:
//! 1. the to-hit roll (`attack_roll`), then the perk hook that rerolls it (Lucky), then the
//!    ruleset's critical on a helpless target within 5 ft (SRD: unconscious, paralyzed);
//! 2. [`AttackHooks::after_roll`] (house rules: a wider critical range);
//! 3. on a hit, the damage roll with the attacker's damage perks (Great Weapon Fighting's face
//!    rerolls, Savage Attacks' extra die: `systems::perks::combat::roll_damage`);
//! 4. [`AttackHooks::before_defenses`] (house rules: percent resistance, absorb) — other
//!    modifiers to damage come before the target's own immunity / resistance / vulnerability, as
//!    SRD 5.1 orders them ("resistance and then vulnerability are applied after all other
//!    modifiers to damage");
//! 5. the ruleset's `apply_damage` (the target's defenses, temporary HP, 0 HP);
//! 6. [`AttackHooks::after_damage`] (house rules: unkillable);
//! 7. the concentration save the damage forces.
//!
//! A fight without house rules passes [`NoHouseRules`], whose hooks change nothing, so the plain
//! `resolve_attack` and the house-rule path are the same code, perk hooks included.

use super::outcomes::{AttackRoll, DamageOutcome};
use super::sheet::{Creature, Damage, Vitals};

/// What a layer of house rules does inside one attack. Every method defaults to "no change"; an
/// implementation owns whatever state it needs (it is handed no fight).
pub trait AttackHooks {
    /// The target is helpless (unconscious, paralyzed: `crit_within_5ft`) and the attacker
    /// within 5 ft: the ruleset turns a hit into a critical hit (`RulesEngine::crit_on_helpless`).
    fn helpless_within_5ft(&self) -> bool {
        false
    }
    /// After the to-hit roll and its perk reroll, before hit or miss is acted on.
    fn after_roll(&mut self, _roll: &mut AttackRoll) {}
    /// The rolled damage (perks included) before the target's defenses; returns a note for the
    /// attack's text.
    fn before_defenses(&mut self, _damage: &mut [Damage]) -> Option<String> {
        None
    }
    /// After the damage is applied (`before`: the target's vitals just before), before the
    /// concentration save; returns a note for the attack's text.
    fn after_damage(
        &mut self,
        _target: &mut Creature,
        _before: &Vitals,
        _outcome: &mut DamageOutcome,
    ) -> Option<String> {
        None
    }
}

/// No house rules: the attack exactly as the ruleset and the perks resolve it.
pub struct NoHouseRules;

impl AttackHooks for NoHouseRules {}

/// No house rules, in a fight that knows where the combatants stand.
pub struct Situation {
    pub helpless_within_5ft: bool,
}

impl AttackHooks for Situation {
    fn helpless_within_5ft(&self) -> bool {
        self.helpless_within_5ft
    }
}
