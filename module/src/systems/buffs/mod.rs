//! Buffs and conditions, pure core. Plain data in, decisions out; no tables.
//!
//! - [`modifiers`]: the modifier keys, operations, ranges and their validation.
//! - [`defs`]: buff definitions and the `buffs.csv` parser.
//! - [`stacking`]: what applying a buff does (insert, replace, add a stack, refresh, drop).
//! - [`lifecycle`]: the expiry rule, periodic ticks and removal selectors.
//! - [`target`]: who a buff sits on (a character, or a monster instance by its combatant id).
//! - [`vocab`]: damage types and roll kinds (local until `rules/` ships its own).
//!
//! Effective stats (base + equipment + buffs + profiles) live in [`crate::systems::stats`].
//! Reference for data authors: `static_data/dnd5e/BUFFS.md`.

pub mod defs;
pub mod lifecycle;
pub mod modifiers;
pub mod stacking;
pub mod target;
pub mod vocab;

#[cfg(test)]
mod tests;

pub use defs::*;
pub use lifecycle::*;
pub use modifiers::*;
pub use stacking::*;
pub use target::*;
pub use vocab::*;

use crate::data::DataError;

pub const DND5E_BUFFS_FILE: &str = "dnd5e/buffs.csv";
pub const DND5E_BUFFS_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/dnd5e/buffs.csv"));
pub const LITE_BUFFS_FILE: &str = "lite/buffs.csv";
pub const LITE_BUFFS_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/lite/buffs.csv"));

/// The buff file of the ruleset compiled in (file name, text).
#[cfg(feature = "dnd5e")]
pub const BUFFS: (&str, &str) = (DND5E_BUFFS_FILE, DND5E_BUFFS_CSV);
#[cfg(all(feature = "lite", not(feature = "dnd5e")))]
pub const BUFFS: (&str, &str) = (LITE_BUFFS_FILE, LITE_BUFFS_CSV);

/// Parse and validate the active ruleset's buff definitions.
pub fn load() -> Result<BuffCatalog, DataError> {
    parse_buffs(BUFFS.0, BUFFS.1)
}

/// The active ruleset's buff definitions, parsed once per module instance. They are compiled
/// into the module, so they cannot change while it runs: reducers read them here, and the
/// `buff_def` table is the clients' copy of the same catalog (written from it at init and on
/// reload). A definition read costs a map lookup instead of a table read and a row decode.
pub fn shipped() -> Result<&'static BuffCatalog, &'static DataError> {
    static CELL: std::sync::OnceLock<Result<BuffCatalog, DataError>> = std::sync::OnceLock::new();
    CELL.get_or_init(load).as_ref()
}
