//! Perks (feats and traits): behaviour owned by one file per perk, dispatched from one ordered
//! manifest so that hook order and RNG consumption never drift. Pure: no tables, no
//! `ReducerContext`; the glue in `crate::db::perks` converts rows and calls these.
//!
//! Layout (three concerns, kept apart):
//! - data and selection: [`data`] (`perks.csv`), [`selection`] (eligibility, weighted offers);
//!   they never name a perk implementation;
//! - implementation ownership: one file per perk (`tough.rs`, `alert.rs`, ...), each exporting
//!   exactly one `pub const HOOKS: PerkHooks` that declares only the phases it owns, with the hook
//!   functions in the same file;
//! - dispatch: [`hooks`] (the descriptor and its contexts), [`manifest`] (the authoritative
//!   order and the per-phase tables derived from it without re-sorting), [`dispatch`] (phase
//!   entry points over plain data) and [`combat`] (the hot-path hooks the rules call during an
//!   attack).
//!
//! Phases, and where the runtime calls them:
//! 1. on pick (`choose_perk`; plus `on_level_up` for perks that grow with level, e.g. Tough);
//! 2. world tick (`timers::world_tick`, first step after the clock advances): transforms each
//!    owner's elapsed seconds for the rest of the tick;
//! 3. global effects step (world tick): `EffectsStep::BuffUpkeep` is ALWAYS the first step,
//!    then every perk effects hook in manifest order;
//! 4. per-character tick (world tick, after the rules tick);
//! 5. death hook (every place a character goes from alive to dead in a transaction).
//!
//! Invariants (guarded by `tests.rs`): manifest ids are unique; every `perks.csv` row of a
//! ruleset has exactly one implementation and every implementation that declares the ruleset
//! has exactly one row; derived tables are order-preserving projections of the manifest; random
//! draws happen inside the perk's own hook, from the RNG passed down, in manifest order.

pub mod combat;
pub mod data;
pub mod dispatch;
pub mod hooks;
pub mod manifest;
pub mod selection;

pub mod alert;
pub mod great_weapon_fighting;
pub mod inspiring_leader;
pub mod iron_will;
pub mod lucky;
pub mod quickened;
pub mod regeneration;
pub mod relentless_endurance;
pub mod resilient;
pub mod savage_attacks;
pub mod second_wind;
pub mod tough;

#[cfg(test)]
mod tests;

pub use data::PerkDef;
pub use hooks::{OwnedPerk, PerkHooks, PerkState};

use crate::rules::DiceSource;

/// How many perks a level-up offer shows (fewer when fewer are eligible).
pub const OFFER_SIZE: usize = 3;

/// A `&mut dyn DiceSource` usable where the rules want `&mut impl DiceSource` (hook functions are
/// plain `fn` pointers, so they take the RNG as a trait object).
pub struct DynDice<'a>(pub &'a mut dyn DiceSource);

impl DiceSource for DynDice<'_> {
    fn roll_die(&mut self, sides: u32) -> i32 {
        self.0.roll_die(sides)
    }
}
