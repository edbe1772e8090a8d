//! Items, world items and inventory, pure core. Plain data in, decisions out; no
//! tables, no host calls. Every planner returns a list of [`ItemOp`]s that the reducer applies
//! as one batch; [`Ledger`] is their reference semantics and [`check_invariants`] the checker
//! ("every instance in exactly one place", quantity rules).
//!
//! - [`defs`]: item definitions and the `items.csv` parser (column reference:
//!   `static_data/dnd5e/ITEMS.md`).
//! - [`instances`]: instances, places, loadout slots, ops, the ledger and the invariant checker.
//! - [`stacking`]: stashes, adding with stack merging, `split_stack`, `merge_stacks`.
//! - [`world`]: spawn validation, contact pickup in (distance, uid) order, despawn.
//! - [`loadout`]: the paper doll: `equip`, `unequip`, `move_item`.
//! - [`equipment`]: equipped items -> modifier sources, `ArmorWorn`, weapons.
//! - [`consumables`]: `use_consumable` from a belt slot.
//! - [`runs`]: `begin_run`, `extract`, `wipe`, currency.

pub mod consumables;
pub mod defs;
pub mod equipment;
pub mod instances;
pub mod loadout;
pub mod runs;
pub mod stacking;
pub mod world;

#[cfg(test)]
mod tests;

pub use consumables::*;
pub use defs::*;
pub use equipment::*;
pub use instances::*;
pub use loadout::*;
pub use runs::*;
pub use stacking::*;
pub use world::*;

use crate::data::DataError;

pub const DND5E_ITEMS_FILE: &str = "dnd5e/items.csv";
pub const DND5E_ITEMS_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/dnd5e/items.csv"));
pub const LITE_ITEMS_FILE: &str = "lite/items.csv";
pub const LITE_ITEMS_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/lite/items.csv"));

/// The item file of the ruleset compiled in (file name, text).
#[cfg(feature = "dnd5e")]
pub const ITEMS: (&str, &str) = (DND5E_ITEMS_FILE, DND5E_ITEMS_CSV);
#[cfg(all(feature = "lite", not(feature = "dnd5e")))]
pub const ITEMS: (&str, &str) = (LITE_ITEMS_FILE, LITE_ITEMS_CSV);

/// Parse and validate the active ruleset's items, cross-checked against its classes and buffs.
pub fn load() -> Result<ItemCatalog, DataError> {
    use crate::rules::{ActiveRules, RulesEngine};
    let classes = ActiveRules::classes()?;
    let class_ids: Vec<&str> = classes.iter().map(|c| c.id.as_str()).collect();
    let buffs = crate::systems::buffs::shipped().map_err(Clone::clone)?;
    let buff_ids: Vec<&str> = buffs.defs().iter().map(|b| b.id.as_str()).collect();
    parse_items(ITEMS.0, ITEMS.1, &class_ids, &buff_ids)
}

/// The active ruleset's item definitions, parsed once per module instance (compiled into the
/// module, so fixed while it runs). Reducers read them here; the `item_def` table is the
/// clients' copy of the same catalog, written from it at init and on reload.
pub fn shipped() -> Result<&'static ItemCatalog, &'static DataError> {
    static CELL: std::sync::OnceLock<Result<ItemCatalog, DataError>> = std::sync::OnceLock::new();
    CELL.get_or_init(load).as_ref()
}
