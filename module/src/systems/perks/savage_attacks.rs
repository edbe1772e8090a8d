//! Savage Attacks (combat hot path, dnd5e): on a critical hit, roll one extra damage die of the
//! attack's first damage part and add it.

use super::hooks::{PerkHooks, DND5E_ONLY};
use super::DynDice;
use crate::rules::{AttackDef, DiceExpr, DiceLog, DiceSource};

pub const HOOKS: PerkHooks = PerkHooks { crit_extra: Some(crit_extra), ..PerkHooks::new("savage_attacks", DND5E_ONLY) };

pub fn crit_extra(attack: &AttackDef, rng: &mut dyn DiceSource, log: &mut DiceLog) -> i32 {
    let Some(part) = attack.damage.first() else { return 0 };
    if part.dice.sides < 2 || part.dice.count == 0 {
        return 0;
    }
    let die = DiceExpr { count: 1, sides: part.dice.sides, modifier: 0 };
    die.roll(&mut DynDice(rng), format!("{} damage, Savage Attacks", attack.name), log)
}
