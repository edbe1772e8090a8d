//! Great Weapon Fighting (combat hot path, dnd5e): a damage die showing 1 or 2 is rerolled once
//! and the new face stands (dice of 3+ sides; flat damage is never rerolled).

use super::hooks::{PerkHooks, DND5E_ONLY};

pub const HOOKS: PerkHooks =
    PerkHooks { reroll_damage_face: Some(reroll_face), ..PerkHooks::new("great_weapon_fighting", DND5E_ONLY) };

pub fn reroll_face(face: i32, sides: u32) -> bool {
    sides > 2 && face <= 2
}
