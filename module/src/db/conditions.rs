//! What a character's conditions allow, for every reducer that acts in the world: one helper,
//! [`require`], over the one pure rule (`systems::conditions::forbids`). It reads the
//! character's published effective view (the flags and speed that its conditions, buffs and gear
//! resolve to, written by `stats` from the one resolution), so the answer is exactly what a client
//! sees: the small `stats_input` row first, the `effective_stats` row and the speed line of
//! `effective_stat` (for the causes) only when a flag is set or the character cannot move.

use super::stats::BASE_SPEED_FT;
use crate::error::WkResult;
use crate::systems::buffs::modifiers::{KeyKind, Stat};
use crate::systems::conditions::{forbids, Action, Cause, Standing};
use crate::tables::buffs::{effective_stat, effective_stats, stat_row_id};
use crate::tables::characters::Character;
use spacetimedb::ReducerContext;

/// The character's standing: its sheet with the flags and speed in force, and their sources.
pub fn standing<'a>(ctx: &ReducerContext, c: &'a Character) -> Standing<'a> {
    // The common case from one small row: nothing flagged and free to move.
    if let Some((flags, speed)) = super::stats::standing_of(ctx, c.id) {
        if flags.is_empty() && speed > 0 {
            return Standing::plain(&c.sheet, speed);
        }
    }
    let Some(row) = ctx.db.effective_stats().character_id().find(c.id) else {
        return Standing::plain(&c.sheet, BASE_SPEED_FT);
    };
    let speed_line = ctx.db.effective_stat().id().find(stat_row_id(c.id, Stat::Speed));
    let speed = speed_line.as_ref().map_or(BASE_SPEED_FT, |l| l.value);
    if row.flags.is_empty() && speed > 0 {
        return Standing::plain(&c.sheet, speed);
    }
    let flags = row.other.iter().filter(|x| matches!(x.key.kind(), KeyKind::Flag(_)));
    let slow = speed_line.iter().flat_map(|l| l.contributions.iter()).filter(|x| x.effective);
    let causes = flags.chain(slow).map(|x| Cause { label: x.label.clone(), key: x.key }).collect();
    Standing::new(&c.sheet, &row.flags, speed, causes)
}

/// `Ok(standing)` when the character may do `action` now; otherwise the condition's code
/// (`E_CHARACTER_DEAD`, `E_UNCONSCIOUS`, `E_INCAPACITATED` naming it, `E_CANNOT_MOVE`). The
/// standing's flags give the advantage of a check (`systems::conditions::check_advantage`).
pub fn require<'a>(ctx: &ReducerContext, c: &'a Character, action: Action) -> WkResult<Standing<'a>> {
    // The flags and speed from the small row decide; the causes (for the refusal's message) are
    // read from `effective_stats` only when the action is refused.
    if let Some((flags, speed)) = super::stats::standing_of(ctx, c.id) {
        let s = Standing::new(&c.sheet, &flags, speed, Vec::new());
        if forbids(action, &s).is_ok() {
            return Ok(s);
        }
    }
    let s = standing(ctx, c);
    forbids(action, &s)?;
    Ok(s)
}
