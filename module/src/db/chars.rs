//! Character rows: the one place that writes a character, so its derived projections (through
//! `stats::refresh`) and the tick flag never go stale.

use super::stats;
use crate::tables::characters::{character, Character};
use crate::tables::world::{characterless_player, CharacterlessPlayer};
use spacetimedb::{ReducerContext, Table};

/// Whether the world tick has anything to do for this character.
pub fn needs_tick(c: &Character, resting: bool) -> bool {
    let v = &c.sheet.vitals;
    !v.dead && (resting || v.hp < v.max_hp)
}

/// Insert a new character and its derived stats. Its owner's `player` row is no longer a
/// characterless one the storage pruner may delete.
pub fn insert(ctx: &ReducerContext, mut c: Character) -> Character {
    c.needs_tick = needs_tick(&c, false);
    let c = ctx.db.character().insert(c);
    ctx.db.characterless_player().identity().delete(c.owner);
    stats::refresh(ctx, &c);
    c
}

/// Queue a new `player` row for the storage pruner (`timers::storage_prune`) until its
/// identity makes a character.
pub fn queue_characterless(ctx: &ReducerContext, identity: spacetimedb::Identity) {
    let since_micros = ctx.timestamp.to_micros_since_unix_epoch();
    if ctx.db.characterless_player().identity().find(identity).is_none() {
        ctx.db.characterless_player().insert(CharacterlessPlayer { identity, since_micros });
    }
}

/// Write a changed character: keeps `needs_tick` and `character_stats` in step.
pub fn save(ctx: &ReducerContext, mut c: Character) -> Character {
    c.sheet.name = c.name.clone();
    c.needs_tick = needs_tick(&c, is_resting(ctx, c.id));
    let c = ctx.db.character().id().update(c);
    stats::refresh(ctx, &c);
    c
}

/// Write a character of which only the whereabouts changed (`location_id`, `x`, `y`): neither the
/// stats nor the world tick's flag read them, so unlike [`save`] nothing is refreshed (a step
/// costs one row write, not a stats recomputation).
pub fn save_position(ctx: &ReducerContext, c: Character) -> Character {
    ctx.db.character().id().update(c)
}

pub use super::rows::{in_combat, is_resting, is_traveling};
