//! Glue of the combat action log: every path that changes a fight applies a
//! `LoggedStep` through `systems::combat::replay` and appends it here with the state hash.

use crate::systems::combat::replay::{encode_step, line_text, Applied, LoggedStep};
use crate::systems::combat::{hash_hex, state_hash, Fight};
use crate::tables::combat_log::{combat_action_log, CombatActionLog, CombatLogSource};
use spacetimedb::{ReducerContext, Table};

/// Append the step just applied to `fight` (its new lines are `fight.log[applied.first_line..]`).
pub fn append(
    ctx: &ReducerContext,
    combat_id: u64,
    fight: &mut Fight,
    step: &LoggedStep,
    source: CombatLogSource,
    applied: &Applied,
) {
    let seq = fight.log_steps;
    fight.log_steps += 1;
    let lines = fight.log.get(applied.first_line..).unwrap_or_default().iter().map(line_text).collect();
    ctx.db.combat_action_log().insert(CombatActionLog {
        id: 0,
        combat_id,
        seq,
        round: fight.round,
        turn_seq: fight.turn_seq,
        actor: step.action.actor(),
        source,
        action: step.action.describe(),
        rng_stream: applied.stream,
        state_hash: hash_hex(state_hash(fight)),
        step: encode_step(step),
        lines,
        at: ctx.timestamp,
    });
}
