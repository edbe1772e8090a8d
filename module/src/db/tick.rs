//! The world tick's perk and effects phases, in manifest order: perk world clocks, the global
//! effects phase (buff upkeep, then each perk's effects step) and the per-character tick. Above
//! both `perks` and `buffs`, so neither calls the other for the tick.

use super::rows::PERKS_ON;
use super::{buffs, chars, perks};
use crate::events;
use crate::systems::perks::dispatch;
use crate::systems::perks::hooks::EffectsOwner;
use crate::systems::perks::manifest::{self, EffectsStep};
use crate::tables::characters::character;
use crate::tables::events::EventKind;
use crate::tables::perks::{character_perk, CharacterPerk};
use spacetimedb::ReducerContext;
use std::collections::BTreeMap;

/// Owners of any of these perks, ascending id (deterministic visiting order).
fn owners_of(ctx: &ReducerContext, ids: &[&str]) -> Vec<u64> {
    let mut out: Vec<u64> =
        ids.iter().flat_map(|id| ctx.db.character_perk().by_perk().filter(*id)).map(|r| r.character_id).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Per-owner clocks from the world-tick phase.
#[derive(Default)]
pub struct Clocks(BTreeMap<u64, u32>);

impl Clocks {
    pub fn secs_for(&self, character_id: u64, world_secs: u32) -> u32 {
        self.0.get(&character_id).copied().unwrap_or(world_secs)
    }
}

/// World-tick phase (the first tick work after the clock advances).
pub fn world_phase(ctx: &ReducerContext, secs: u32) -> Clocks {
    let mut clocks = Clocks::default();
    if !PERKS_ON || secs == 0 {
        return clocks;
    }
    let table = manifest::world_tick_steps();
    let ids: Vec<&str> = table.iter().map(|(id, _)| *id).collect();
    for cid in owners_of(ctx, &ids) {
        let owned = perks::owned_of(&perks::rows_of(ctx, cid));
        clocks.0.insert(cid, dispatch::world_clock(&table, &owned, secs));
    }
    clocks
}

/// The global effects phase: buff upkeep first (always, even with perks compiled out), then each
/// perk's effects step over its owners (living, not fighting), in manifest order.
pub fn effects_phase(ctx: &ReducerContext, now: i64, secs: u32) {
    for step in manifest::effects_steps() {
        match step {
            EffectsStep::BuffUpkeep => buffs::sweep(ctx, now),
            EffectsStep::Perk(id, f) => {
                if !PERKS_ON || secs == 0 {
                    continue;
                }
                let rows: Vec<CharacterPerk> = ctx.db.character_perk().by_perk().filter(id).collect();
                let mut owners = Vec::new();
                let mut row_of = Vec::new();
                for r in rows {
                    let Some(c) = ctx.db.character().id().find(r.character_id) else { continue };
                    if c.sheet.vitals.dead || chars::in_combat(ctx, c.id) {
                        continue;
                    }
                    owners.push(EffectsOwner { character_id: c.id, sheet: c.sheet, state: r.state, changed: false });
                    row_of.push(r);
                }
                owners.sort_by_key(|o| o.character_id);
                row_of.sort_by_key(|r| r.character_id);
                if owners.is_empty() {
                    continue;
                }
                let mut rng = ctx.rng();
                let notes = dispatch::effects_step(f, &mut owners, secs, &mut rng);
                for (o, mut r) in owners.into_iter().zip(row_of) {
                    if !o.changed {
                        continue;
                    }
                    let Some(mut c) = ctx.db.character().id().find(o.character_id) else { continue };
                    if r.state != o.state {
                        r.state = o.state;
                        ctx.db.character_perk().id().update(r);
                    }
                    if c.sheet != o.sheet {
                        c.sheet = o.sheet;
                        chars::save(ctx, c);
                    }
                }
                for n in notes {
                    events::record(ctx, EventKind::PerkTriggered, vec![], n, format!("perk={id};phase=effects"));
                }
            }
        }
    }
}

/// Per-character tick phase: owners of perks with a tick hook (living, not fighting), each
/// running its perks in manifest order with the owner's clock.
pub fn character_phase(ctx: &ReducerContext, clocks: &Clocks, world_secs: u32) {
    if !PERKS_ON || world_secs == 0 {
        return;
    }
    let table = manifest::character_tick_steps();
    let ids: Vec<&str> = table.iter().map(|(id, _)| *id).collect();
    for cid in owners_of(ctx, &ids) {
        let Some(mut c) = ctx.db.character().id().find(cid) else { continue };
        if c.sheet.vitals.dead || chars::in_combat(ctx, cid) {
            continue;
        }
        let rows = perks::rows_of(ctx, cid);
        let mut owned = perks::owned_of(&rows);
        let before = c.sheet.clone();
        let mut rng = ctx.rng();
        let secs = clocks.secs_for(cid, world_secs);
        let notes = dispatch::character_tick(&table, &mut owned, &mut c.sheet, secs, false, &mut rng);
        perks::write_states(ctx, &rows, &owned);
        if c.sheet != before {
            chars::save(ctx, c);
        }
        for n in notes {
            events::record(ctx, EventKind::PerkTriggered, vec![cid], n, "phase=character_tick");
        }
    }
}
