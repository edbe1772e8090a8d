//! Posts to a running fight from the layers below `combat` (`stats`, `buffs`): a fighting
//! character's or monster's view changed, or outside damage or healing landed. Posts name the
//! combatant id (`fight_inbox.character_id`: a character id, or `MONSTER_ID_BASE + instance id`). `combat::drain_inbox` applies
//! them to the fight as logged steps. Calls nothing above `rows`.

use super::rows;
use crate::rules::Damage;
use crate::tables::combat::{fight_inbox, FightInbox};
use spacetimedb::{ReducerContext, Table};

/// The combatant's resolved view changed; if it is fighting, its combatant is rebuilt (one
/// pending post per combatant is enough: the drain reads the rows as they are then).
pub fn post_view(ctx: &ReducerContext, character_id: u64, source: &str) {
    let Some(combat_id) = rows::combat_of(ctx, character_id) else { return };
    if ctx.db.fight_inbox().character_id().filter(character_id).any(|p| p.view) {
        return;
    }
    ctx.db.fight_inbox().insert(FightInbox {
        id: 0,
        combat_id,
        character_id,
        view: true,
        damage: Vec::new(),
        heal: 0,
        temp_hp: 0,
        source: source.to_string(),
    });
}

/// Damage, healing or temporary HP from outside a fight for a fighting combatant: posted for the
/// fight (true), or `false` when it is not fighting (the caller applies it to the sheet or the
/// monster's row).
pub fn post_effect(
    ctx: &ReducerContext,
    character_id: u64,
    damage: Vec<Damage>,
    (heal, temp_hp): (i32, i32),
    source: &str,
) -> bool {
    let Some(combat_id) = rows::combat_of(ctx, character_id) else { return false };
    ctx.db.fight_inbox().insert(FightInbox {
        id: 0,
        combat_id,
        character_id,
        view: false,
        damage,
        heal,
        temp_hp,
        source: source.to_string(),
    });
    true
}
