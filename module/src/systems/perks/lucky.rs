//! Lucky (combat hot path): an attack roll whose natural result is the lowest possible (a natural
//! 1 on a d20; snake eyes on lite's 2d6) is rerolled once and the new roll stands. The reroll is
//! made by the one attack pipeline (`RulesEngine::resolve_attack_with`, house rules or not)
//! through `perks::combat::lucky_reroll`.

use super::hooks::{PerkHooks, ALL_RULESETS};

pub const HOOKS: PerkHooks = PerkHooks { reroll_lowest_attack: true, ..PerkHooks::new("lucky", ALL_RULESETS) };
