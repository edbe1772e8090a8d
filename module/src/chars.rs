//! Character rows <-> the rules: the one place that writes a character, so derived stats and the
//! tick index never go stale.

use crate::rules::{ActiveRules, RulesEngine};
use crate::tables::characters::{character, character_stats, rest_state, Character, CharacterStats};
use crate::tables::world::travel_state;
use spacetimedb::{ReducerContext, Table};

/// Whether the world tick has anything to do for this character.
pub fn needs_tick(c: &Character, resting: bool) -> bool {
    let v = &c.sheet.vitals;
    !v.dead && (resting || v.hp < v.max_hp)
}

/// Insert a new character and its derived stats.
pub fn insert(ctx: &ReducerContext, mut c: Character) -> Character {
    c.needs_tick = needs_tick(&c, false);
    let c = ctx.db.character().insert(c);
    refresh_stats(ctx, &c);
    c
}

/// Write a changed character: keeps `needs_tick` and `character_stats` in step.
pub fn save(ctx: &ReducerContext, mut c: Character) -> Character {
    c.sheet.name = c.name.clone();
    c.needs_tick = needs_tick(&c, is_resting(ctx, c.id));
    let c = ctx.db.character().id().update(c);
    refresh_stats(ctx, &c);
    c
}

/// Write a character of which only the whereabouts changed (`location_id`, `x`, `y`): neither the
/// stats nor the world tick's flag read them, so unlike [`save`] nothing is refreshed (a step
/// costs one row write, not a stats recomputation).
pub fn save_position(ctx: &ReducerContext, c: Character) -> Character {
    ctx.db.character().id().update(c)
}

pub fn refresh_stats(ctx: &ReducerContext, c: &Character) {
    let mut derived = ActiveRules::derive(&c.sheet);
    // Perk passives (Alert, Iron Will).
    crate::perks_db::adjust_derived(ctx, c.id, &mut derived);
    // Effective stats (derived base + active buffs) share this invalidation point.
    crate::buffs::publish_effective(ctx, c, &derived);
    // Written only when the derived stats changed (as the effective stats above).
    let row = CharacterStats { character_id: c.id, derived, updated_at: ctx.timestamp };
    match ctx.db.character_stats().character_id().find(c.id) {
        Some(old) if old.derived == row.derived => {}
        Some(_) => {
            ctx.db.character_stats().character_id().update(row);
        }
        None => {
            ctx.db.character_stats().insert(row);
        }
    }
}

/// Remove a character and everything keyed by it.
pub fn delete(ctx: &ReducerContext, id: u64) {
    crate::buffs::purge_character(ctx, id);
    crate::perks_db::purge_character(ctx, id);
    ctx.db.character().id().delete(id);
    ctx.db.character_stats().character_id().delete(id);
    ctx.db.rest_state().character_id().delete(id);
    ctx.db.travel_state().character_id().delete(id);
}

pub fn is_resting(ctx: &ReducerContext, id: u64) -> bool {
    ctx.db.rest_state().character_id().find(id).is_some()
}

pub fn is_traveling(ctx: &ReducerContext, id: u64) -> bool {
    ctx.db.travel_state().character_id().find(id).is_some()
}

/// Whether the character is in a fight. There is no combat system yet (issue 6); when it lands
/// this reads its combatant table, and every caller already honours the answer.
pub fn in_combat(ctx: &ReducerContext, id: u64) -> bool {
    crate::combat::in_combat(ctx, id)
}

/// The equipped items' modifier data (item uid, slot, label, modifiers) in the fixed slot order
/// main hand, off hand, body, accessory: what `effective_stats` adds as equipment sources. Empty
/// for an unknown character; a definition missing from `item_def` is logged and contributes nothing.
pub fn equipment_sources_for(ctx: &ReducerContext, character_id: u64) -> Vec<crate::systems::items::EquippedSource> {
    let Some(c) = ctx.db.character().id().find(character_id) else {
        return Vec::new();
    };
    crate::items_db::equipment_sources(ctx, &c).unwrap_or_else(|e| {
        log::warn!("equipment sources of character {character_id}: {e}");
        Vec::new()
    })
}
