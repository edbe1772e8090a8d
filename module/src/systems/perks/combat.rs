//! Combat hot paths. A character's combatant carries a snapshot of its combat-relevant perks
//! (`Creature::perks`, taken by the glue when the combatant is built); `Fight::start` / `join`
//! call [`prepare`] once the mode is known, and the one attack pipeline
//! (`RulesEngine::resolve_attack_with`, which fights with house rules use too) calls
//! [`lucky_reroll`] and [`roll_damage`]. Every function walks the manifest in order, so two perks touching the
//! same roll always act (and draw) in manifest order.

use super::data::mode_bit;
use super::hooks::{PerkHooks, PerkState, RerollDamageFaceFn};
use super::manifest::PERK_HOOKS_IN_ORDER;
use super::DynDice;
use crate::rules::{AttackDef, Creature, Damage, DiceLog, DiceLogEntry, DiceSource, RulesEngine};
use crate::systems::combat::CombatMode;
use spacetimedb::SpacetimeType;

/// One perk in a combatant's snapshot.
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub struct CombatPerk {
    pub perk_id: String,
    pub stacks: u8,
    /// `PerkDef::modes`: the combat modes in which it applies.
    pub modes: u8,
}

/// The snapshot's perks that have hooks, in manifest order.
fn active(perks: &[CombatPerk]) -> impl Iterator<Item = (&'static PerkHooks, &CombatPerk)> {
    PERK_HOOKS_IN_ORDER.iter().filter_map(move |h| perks.iter().find(|p| p.perk_id == h.id).map(|p| (*h, p)))
}

/// Once the fight's mode is known: drop perks not allowed in this mode, add initiative bonuses.
pub fn prepare(creature: &mut Creature, mode: CombatMode) {
    let bit = mode_bit(mode);
    creature.perks.retain(|p| p.modes & bit != 0);
    let bonus: i32 = active(&creature.perks)
        .filter_map(|(h, p)| h.initiative_bonus.map(|f| f(&PerkState { stacks: p.stacks, ..Default::default() })))
        .sum();
    creature.initiative_bonus += bonus;
}

/// The perk (first in manifest order) that rerolls an attack roll showing `natural`, when
/// `natural` is the lowest result the test dice can give.
pub fn lucky_reroll(perks: &[CombatPerk], natural: i32, lowest: i32) -> Option<&'static str> {
    if natural != lowest {
        return None;
    }
    active(perks).find(|(h, _)| h.reroll_lowest_attack).map(|(h, _)| h.id)
}

/// Rerolls a die face once when any of the hooks asks for it, and remembers the face it
/// replaced (perk, sides, face) so the dice log can show it.
struct RerollFaces<'a, D: DiceSource + ?Sized> {
    inner: &'a mut D,
    hooks: &'a [(&'static str, RerollDamageFaceFn)],
    replaced: Vec<(&'static str, u32, i32)>,
}

impl<D: DiceSource + ?Sized> DiceSource for RerollFaces<'_, D> {
    fn roll_die(&mut self, sides: u32) -> i32 {
        let face = self.inner.roll_die(sides);
        if let Some((id, _)) = self.hooks.iter().find(|(_, f)| f(face, sides)) {
            self.replaced.push((id, sides, face));
            self.inner.roll_die(sides)
        } else {
            face
        }
    }
}

/// The ruleset's damage roll with the attacker's damage perks: face rerolls wrap the dice
/// (Great Weapon Fighting), critical extras are rolled after (Savage Attacks), each in manifest
/// order. Without such perks it is exactly `R::roll_damage`. A rerolled face is logged as its own
/// entry after the damage roll (the damage entry holds the face that stands), so every die drawn
/// appears in the dice log.
pub fn roll_damage<R: RulesEngine + ?Sized>(
    perks: &[CombatPerk],
    attack: &AttackDef,
    crit: bool,
    rng: &mut impl DiceSource,
    log: &mut DiceLog,
) -> Vec<Damage> {
    let rerolls: Vec<(&'static str, RerollDamageFaceFn)> =
        active(perks).filter_map(|(h, _)| h.reroll_damage_face.map(|f| (h.id, f))).collect();
    let mut dmg = if rerolls.is_empty() {
        R::roll_damage(attack, crit, rng, log)
    } else {
        let mut dice = RerollFaces { inner: rng, hooks: &rerolls, replaced: Vec::new() };
        let dmg = R::roll_damage(attack, crit, &mut dice, log);
        for (id, sides, face) in dice.replaced {
            log.push(DiceLogEntry {
                purpose: format!("{id}: {} damage d{sides} showed {face}, rerolled", attack.name),
                expr: format!("1d{sides}"),
                rolls: vec![face],
                modifier: 0,
                total: face,
            });
        }
        dmg
    };
    if crit {
        for (h, _) in active(perks) {
            if let Some(f) = h.crit_extra {
                let extra = f(attack, &mut DynDice(rng), log);
                if let Some(first) = dmg.first_mut() {
                    first.amount += extra.max(0);
                }
            }
        }
    }
    dmg
}

/// The lowest natural result of a ruleset's test dice (`"d20"` → 1, `"2d6"` → 2).
pub fn lowest_natural(test_die: &str) -> i32 {
    test_die.split('d').next().and_then(|n| n.parse::<i32>().ok()).unwrap_or(1).max(1)
}
