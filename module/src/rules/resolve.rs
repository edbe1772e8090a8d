//! Resolution steps that are the same in every ruleset (the numbers differ, the flow does not):
//! check text, initiative ordering, rest bookkeeping.

use super::dice::{signed, Advantage, KeptRoll};
use super::outcomes::{InitiativeEntry, RestContext, RestKind, RestState, RestTick, RulesConfig};
use super::sheet::CharacterSheet;
use crate::error::{err, ErrorCode, WkError};

/// "Ayla rolls Deception: 14 (d20 11 + 3) vs DC 12 — success".
pub fn check_text(
    who: &str,
    label: &str,
    die: &str,
    roll: &KeptRoll,
    adv: Advantage,
    dc: i32,
    success: bool,
) -> String {
    let dice = match adv {
        Advantage::Normal => format!("{die} {}", roll.natural),
        _ => format!("{die}{} {:?} → {}", adv.label(), roll.faces, roll.natural),
    };
    let verdict = if success { "success" } else { "failure" };
    format!("{who} rolls {label}: {} ({dice} {}) vs DC {dc} — {verdict}", roll.total, signed(roll.modifier))
}

/// Sort initiative rolls: higher total first; ties go to the higher initiative bonus, then the
/// higher DEX score, then the earlier position in the input (callers pass combatants in a stable
/// order, e.g. by entity id). No re-rolls, so a tie never consumes extra dice and replays stay
/// identical.
pub fn order_initiative(mut entries: Vec<InitiativeEntry>, dex_scores: &[u8]) -> Vec<InitiativeEntry> {
    entries.sort_by(|a, b| {
        b.total
            .cmp(&a.total)
            .then(b.bonus.cmp(&a.bonus))
            .then(dex_scores.get(b.index).cmp(&dex_scores.get(a.index)))
            .then(a.index.cmp(&b.index))
    });
    entries
}

/// Shared preconditions of a rest: alive, conscious (SRD: a long rest needs at least 1 HP),
/// not in combat, not already resting, and a safe location where the ruleset demands one.
pub fn begin_rest(
    sheet: &CharacterSheet,
    kind: RestKind,
    ctx: &RestContext,
    config: &RulesConfig,
    needs_safe: bool,
) -> Result<RestState, WkError> {
    config.validate()?;
    if sheet.vitals.dead {
        return Err(err(ErrorCode::CharacterDead, format!("{} is dead and cannot rest", sheet.name)));
    }
    if sheet.vitals.hp <= 0 {
        return Err(err(
            ErrorCode::Unconscious,
            format!("{} is at 0 HP; heal them (or wait to stabilise and wake) before resting", sheet.name),
        ));
    }
    if ctx.in_combat {
        return Err(err(
            ErrorCode::InCombat,
            format!("{} is in combat; end or flee the fight before resting", sheet.name),
        ));
    }
    if let Some(cur) = ctx.current {
        return Err(err(
            ErrorCode::Resting,
            format!(
                "{} is already taking a {} ({} s left); wait for it or stop it first",
                sheet.name,
                cur.kind.label(),
                cur.remaining_secs()
            ),
        ));
    }
    if needs_safe && !ctx.location_safe {
        return Err(err(
            ErrorCode::NotSafeToRest,
            format!("a {} needs a safe location; travel to one (see locations.csv `safe`)", kind.label()),
        ));
    }
    let required_secs = match kind {
        RestKind::Short => config.short_rest_secs,
        RestKind::Long => config.long_rest_secs,
    };
    Ok(RestState { kind, elapsed_secs: 0, required_secs })
}

/// A rest may only be completed once its time has passed.
pub fn require_rest_done(state: &RestState) -> Result<(), WkError> {
    if !state.is_ready() {
        return Err(err(
            ErrorCode::Resting,
            format!("the {} needs {} more seconds of world time", state.kind.label(), state.remaining_secs()),
        ));
    }
    Ok(())
}

/// Advance a rest by world time. Combat interrupts it (the progress is lost: the world never
/// pauses, and SRD long rests interrupted by fighting must start over).
pub fn tick_rest(rest: Option<&mut RestState>, elapsed_secs: u32, in_combat: bool) -> RestTick {
    match rest {
        None => RestTick::NotResting,
        Some(_) if in_combat => RestTick::Interrupted,
        Some(r) => {
            r.elapsed_secs = r.elapsed_secs.saturating_add(elapsed_secs).min(r.required_secs);
            if r.is_ready() {
                RestTick::Ready
            } else {
                RestTick::InProgress(r.remaining_secs())
            }
        }
    }
}

/// Join non-empty sentences for a tick's text.
pub fn join_text(parts: &[String]) -> String {
    parts.iter().filter(|s| !s.is_empty()).cloned().collect::<Vec<_>>().join("; ")
}
