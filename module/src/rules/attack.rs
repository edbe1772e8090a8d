//! The seam where a fight's house rules (issue 8's modifier profiles) enter the ONE attack
//! resolution, [`RulesEngine::resolve_attack_with`](super::RulesEngine::resolve_attack_with).
//!
//! There is a single attack pipeline, and its order is fixed:
//! 1. the to-hit roll (`attack_roll`), then the perk hook that rerolls it (Lucky);
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
