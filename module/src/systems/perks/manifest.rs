//! The authoritative perk order. Every dispatch table below is derived from
//! [`PERK_HOOKS_IN_ORDER`] by filtering, never by sorting: the position of a perk here is the
//! order its hooks run in within a phase, and therefore the order in which they draw random
//! numbers. Moving a line changes replays; `tests.rs` pins the order of draws.
//!
//! Adding a perk: see docs/perks.md, "Add a perk in four steps".

use super::hooks::PerkHooks;
pub use super::hooks::{CharacterTickFn, DeathFn, EffectsFn, WorldTickFn};
use super::{
    alert, great_weapon_fighting, inspiring_leader, iron_will, lucky, quickened, regeneration, relentless_endurance,
    resilient, savage_attacks, second_wind, tough,
};

/// Every perk, in dispatch order.
pub const PERK_HOOKS_IN_ORDER: &[&PerkHooks] = &[
    &tough::HOOKS,
    &resilient::HOOKS,
    &iron_will::HOOKS,
    &alert::HOOKS,
    &quickened::HOOKS,
    &second_wind::HOOKS,
    &regeneration::HOOKS,
    &inspiring_leader::HOOKS,
    &relentless_endurance::HOOKS,
    &lucky::HOOKS,
    &great_weapon_fighting::HOOKS,
    &savage_attacks::HOOKS,
];

/// One step of the global effects phase. Buff upkeep is always first.
#[derive(Clone, Copy)]
pub enum EffectsStep {
    /// Buff timers: periodic ticks and overdue expiries (`crate::db::buffs::sweep`).
    BuffUpkeep,
    Perk(&'static str, EffectsFn),
}

impl EffectsStep {
    pub fn name(&self) -> &'static str {
        match self {
            EffectsStep::BuffUpkeep => "buff_upkeep",
            EffectsStep::Perk(id, _) => id,
        }
    }
}

/// The descriptor of a perk id.
pub fn hooks_for(id: &str) -> Option<&'static PerkHooks> {
    PERK_HOOKS_IN_ORDER.iter().copied().find(|h| h.id == id)
}

/// Perks with a world-tick hook, in manifest order.
pub fn world_tick_steps_of(manifest: &[&'static PerkHooks]) -> Vec<(&'static str, WorldTickFn)> {
    manifest.iter().filter_map(|h| h.world_tick.map(|f| (h.id, f))).collect()
}

/// Perks with a per-character tick hook, in manifest order.
pub fn character_tick_steps_of(manifest: &[&'static PerkHooks]) -> Vec<(&'static str, CharacterTickFn)> {
    manifest.iter().filter_map(|h| h.character_tick.map(|f| (h.id, f))).collect()
}

/// The global effects phase: buff upkeep first, then perk effects hooks in manifest order.
pub fn effects_steps_of(manifest: &[&'static PerkHooks]) -> Vec<EffectsStep> {
    let mut steps = vec![EffectsStep::BuffUpkeep];
    steps.extend(manifest.iter().filter_map(|h| h.effects_step.map(|f| EffectsStep::Perk(h.id, f))));
    steps
}

/// Perks with a death hook, in manifest order.
pub fn death_hooks_of(manifest: &[&'static PerkHooks]) -> Vec<(&'static str, DeathFn)> {
    manifest.iter().filter_map(|h| h.on_death.map(|f| (h.id, f))).collect()
}

pub fn world_tick_steps() -> Vec<(&'static str, WorldTickFn)> {
    world_tick_steps_of(PERK_HOOKS_IN_ORDER)
}
pub fn character_tick_steps() -> Vec<(&'static str, CharacterTickFn)> {
    character_tick_steps_of(PERK_HOOKS_IN_ORDER)
}
pub fn effects_steps() -> Vec<EffectsStep> {
    effects_steps_of(PERK_HOOKS_IN_ORDER)
}
pub fn death_hooks() -> Vec<(&'static str, DeathFn)> {
    death_hooks_of(PERK_HOOKS_IN_ORDER)
}

/// Perk ids whose owners the world tick visits (world-tick or per-character hooks).
pub fn ticking_ids() -> Vec<&'static str> {
    PERK_HOOKS_IN_ORDER.iter().filter(|h| h.world_tick.is_some() || h.character_tick.is_some()).map(|h| h.id).collect()
}
