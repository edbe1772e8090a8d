//! Using a consumable from a belt slot (inventory spec CoA 3): decide the effect, take one from
//! the stack, clear the slot when the stack reaches 0 (the instance is deleted: quantity 0 never
//! persists).
//!
//! The reducer then applies the effect: healing is rolled with the rules engine's dice
//! ([`roll_heal`]) and applied with `RulesEngine::heal`; a buff effect is applied through the
//! buff system with the buff's default duration. If applying the effect fails (the character is
//! dead, a buff immunity), the reducer returns the error and the whole transaction — including
//! the decrement — rolls back: nothing is used up for nothing.

use super::defs::{ConsumableEffect, ItemCatalog, ItemType};
use super::instances::{ItemOp, LoadoutSlot};
use super::loadout::Loadout;
use crate::error::{err, ErrorCode, WkResult};
use crate::rules::{DiceExpr, DiceLog, DiceSource};

/// What using a consumable does.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsumableUse {
    pub uid: u64,
    pub def_id: String,
    pub name: String,
    pub slot: LoadoutSlot,
    pub effect: ConsumableEffect,
    /// How many are left in the slot after this use (0: the slot is now empty).
    pub remaining: u32,
    /// `SetQuantity` (remaining > 0) or `Delete` (remaining == 0).
    pub ops: Vec<ItemOp>,
}

/// Use the consumable in a belt slot. Codes: `E_SLOT_INCOMPATIBLE` (not a belt slot),
/// `E_SLOT_EMPTY`, `E_NOT_CONSUMABLE`.
pub fn use_consumable(catalog: &ItemCatalog, loadout: &Loadout, slot: LoadoutSlot) -> WkResult<ConsumableUse> {
    if !slot.is_belt() {
        return Err(err(
            ErrorCode::SlotIncompatible,
            format!("consumables are used from belt_1 or belt_2, not {}", slot.code()),
        ));
    }
    let item = loadout.get(slot).ok_or_else(|| {
        err(ErrorCode::SlotEmpty, format!("{} of character {} is empty", slot.code(), loadout.character_id))
    })?;
    let def = catalog.get(&item.def_id)?;
    let effect = match (&def.effect, def.item_type) {
        (Some(e), ItemType::Consumable) => e.clone(),
        _ => return Err(err(ErrorCode::NotConsumable, format!("{} cannot be used up", def.name))),
    };
    if item.quantity == 0 {
        // A persisted 0 breaks the invariant; refuse rather than underflow.
        return Err(err(ErrorCode::InvalidQuantity, format!("item {} has quantity 0", item.uid)));
    }
    let remaining = item.quantity - 1;
    let op = if remaining == 0 {
        ItemOp::Delete { uid: item.uid }
    } else {
        ItemOp::SetQuantity { uid: item.uid, quantity: remaining }
    };
    Ok(ConsumableUse {
        uid: item.uid,
        def_id: def.id.clone(),
        name: def.name.clone(),
        slot,
        effect,
        remaining,
        ops: vec![op],
    })
}

/// Roll a healing effect with the rules engine's dice (logged under `purpose`). Any `rand`
/// generator is a `DiceSource` (`&mut ctx.rng()`); tests pass `Scripted` faces.
pub fn roll_heal(
    effect: &ConsumableEffect,
    src: &mut impl DiceSource,
    purpose: &str,
    log: &mut DiceLog,
) -> Option<i32> {
    match effect {
        ConsumableEffect::Heal(d) => Some(DiceExpr::from(*d).roll(src, purpose, log)),
        ConsumableEffect::Buff(_) | ConsumableEffect::BuffTempHp(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::defs::{BuffTempHp, ConsumableEffect};
    use crate::error::ErrorCode;

    #[test]
    fn a_buff_effect_may_carry_temporary_hit_points() {
        let e = ConsumableEffect::parse("buff:heroic_blessing;temp_hp:10").expect("parses");
        assert_eq!(e, ConsumableEffect::BuffTempHp(BuffTempHp { buff: "heroic_blessing".into(), temp_hp: 10 }));
        assert_eq!((e.buff(), e.temp_hp()), (Some("heroic_blessing"), 10));
        assert_eq!(ConsumableEffect::parse(&e.code()).unwrap(), e, "round trip");
        for bad in ["heal:1d4;temp_hp:10", "buff:x;temp_hp:0", "buff:x;temp_hp:101", "buff:x;hp:3", "buff:x;temp_hp:"] {
            assert_eq!(ConsumableEffect::parse(bad).unwrap_err().code, ErrorCode::InvalidItemDef, "{bad}");
        }
    }

    #[cfg(feature = "dnd5e")]
    #[test]
    fn the_shipped_potion_of_heroism_grants_ten_temporary_hp_and_a_blessing() {
        let cat = crate::systems::items::load().expect("items load");
        let d = cat.get("potion_of_heroism").expect("shipped");
        let e = d.effect.clone().expect("a consumable effect");
        assert_eq!((e.buff(), e.temp_hp()), (Some("heroic_blessing"), 10));
    }
}
