//! Phase entry points over plain data. The glue (`crate::db::perks`) loads rows, calls these with
//! the tables from [`super::manifest`], and writes back what changed. The table is a parameter so
//! the guard tests can run a phase with a reordered manifest.

use super::hooks::OwnerClock;
use super::hooks::{CharTick, EffectsOwner, OwnedPerk, PerkHooks, PerkState};
use super::manifest::{hooks_for, CharacterTickFn, DeathFn, EffectsFn, WorldTickFn, PERK_HOOKS_IN_ORDER};
use crate::error::{err, ErrorCode, WkResult};
use crate::rules::{CharacterSheet, DerivedStats, DiceSource, RestKind};

fn state_of<'a>(owned: &'a mut [OwnedPerk], id: &str) -> Option<&'a mut PerkState> {
    owned.iter_mut().find(|o| o.perk_id == id).map(|o| &mut o.state)
}

/// On pick: bump the stacks (a new perk starts at 1) and run its apply hook.
pub fn pick(hooks: &PerkHooks, sheet: &mut CharacterSheet, existing: Option<PerkState>) -> PerkState {
    let mut state = existing.unwrap_or_default();
    state.stacks = state.stacks.saturating_add(1);
    if let Some(f) = hooks.on_pick {
        f(sheet, &mut state);
    }
    state
}

/// Levels gained after picks: every owned perk's level-up hook, in manifest order.
pub fn level_up(owned: &[OwnedPerk], sheet: &mut CharacterSheet, levels: u8) {
    for h in PERK_HOOKS_IN_ORDER {
        if let (Some(f), Some(o)) = (h.on_level_up, owned.iter().find(|o| o.perk_id == h.id)) {
            f(sheet, &o.state, levels);
        }
    }
}

/// Passive derived-stat adjustments, in manifest order.
pub fn adjust_derived(owned: &[OwnedPerk], derived: &mut DerivedStats) {
    for h in PERK_HOOKS_IN_ORDER {
        if let (Some(f), Some(o)) = (h.adjust_derived, owned.iter().find(|o| o.perk_id == h.id)) {
            f(derived, &o.state);
        }
    }
}

/// World-tick phase for one owner: its clock for the rest of this tick.
pub fn world_clock(table: &[(&'static str, WorldTickFn)], owned: &[OwnedPerk], world_secs: u32) -> u32 {
    let mut clock = OwnerClock { world_secs, secs: world_secs };
    for (id, f) in table {
        if let Some(o) = owned.iter().find(|o| o.perk_id == *id) {
            f(&mut clock, &o.state);
        }
    }
    clock.secs
}

/// Per-character tick: every owned perk with a tick hook, in table order, drawing from `rng`.
pub fn character_tick(
    table: &[(&'static str, CharacterTickFn)],
    owned: &mut [OwnedPerk],
    sheet: &mut CharacterSheet,
    secs: u32,
    in_combat: bool,
    rng: &mut dyn DiceSource,
) -> Vec<String> {
    let mut notes = Vec::new();
    for (id, f) in table {
        if let Some(state) = state_of(owned, id) {
            let mut t = CharTick { sheet, state, secs, in_combat, notes: &mut notes };
            f(&mut t, rng);
        }
    }
    notes
}

/// One perk's global effects step over all its owners.
pub fn effects_step(f: EffectsFn, owners: &mut [EffectsOwner], secs: u32, rng: &mut dyn DiceSource) -> Vec<String> {
    let mut notes = Vec::new();
    f(owners, secs, rng, &mut notes);
    notes
}

/// Death: the first owned death hook (table order) that prevents the death wins; later ones do
/// not run. `Some((perk_id, text))` when the character lives.
pub fn death(
    table: &[(&'static str, DeathFn)],
    owned: &mut [OwnedPerk],
    sheet: &mut CharacterSheet,
) -> Option<(&'static str, String)> {
    if !sheet.vitals.dead {
        return None;
    }
    for (id, f) in table {
        if let Some(state) = state_of(owned, id) {
            if let Some(text) = f(sheet, state) {
                return Some((id, text));
            }
        }
    }
    None
}

/// A completed rest: every owned perk's rest hook.
pub fn rest(owned: &mut [OwnedPerk], kind: RestKind) {
    for h in PERK_HOOKS_IN_ORDER {
        if let Some(f) = h.on_rest {
            if let Some(state) = state_of(owned, h.id) {
                f(state, kind);
            }
        }
    }
}

/// The `use_perk` action: `E_UNKNOWN_PERK`, `E_PERK_NOT_OWNED`, `E_NOT_SUPPORTED` (passive perk).
pub fn use_perk(
    owned: &mut [OwnedPerk],
    perk_id: &str,
    sheet: &mut CharacterSheet,
    rng: &mut dyn DiceSource,
) -> WkResult<String> {
    let Some(h) = hooks_for(perk_id) else {
        return Err(err(ErrorCode::UnknownPerk, format!("`{perk_id}` is not a perk; see SELECT * FROM perk_def")));
    };
    let Some(state) = state_of(owned, perk_id) else {
        return Err(err(
            ErrorCode::PerkNotOwned,
            format!("you do not have `{perk_id}`; pick it from a level-up offer"),
        ));
    };
    let Some(f) = h.on_use else {
        return Err(err(ErrorCode::NotSupported, format!("`{perk_id}` is passive; it has no action to use")));
    };
    f(sheet, state, rng)
}
