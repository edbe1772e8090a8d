//! Second Wind. Action (`use_perk`): regain 1d10 + level HP; the perk is then spent. Per-character
//! tick: while spent, every 60 s of the owner's time roll a d6 and recharge on 5-6 (the SRD's
//! "Recharge 5–6"). A completed rest recharges it too.

use super::hooks::{CharTick, PerkHooks, PerkState, ALL_RULESETS};
use super::DynDice;
use crate::error::{err, ErrorCode, WkResult};
use crate::rules::{CharacterSheet, DiceExpr, DiceLog, DiceSource, RestKind};

pub const RECHARGE_EVERY_SECS: u32 = 60;

pub const HOOKS: PerkHooks = PerkHooks {
    on_pick: Some(on_pick),
    character_tick: Some(character_tick),
    on_rest: Some(on_rest),
    on_use: Some(on_use),
    ..PerkHooks::new("second_wind", ALL_RULESETS)
};

pub fn on_pick(_sheet: &mut CharacterSheet, state: &mut PerkState) {
    state.charges = 1;
    state.timer_secs = 0;
}

pub fn on_use(sheet: &mut CharacterSheet, state: &mut PerkState, rng: &mut dyn DiceSource) -> WkResult<String> {
    if sheet.vitals.dead || sheet.vitals.hp <= 0 {
        return Err(err(ErrorCode::Unconscious, format!("{} cannot act at 0 HP", sheet.name)));
    }
    if state.charges == 0 {
        return Err(err(
            ErrorCode::PerkNotReady,
            "Second Wind is spent; it recharges on a 5-6 rolled each minute, or after a rest",
        ));
    }
    let mut log = DiceLog::new();
    let dice = DiceExpr { count: 1, sides: 10, modifier: sheet.level as i32 };
    let amount = dice.roll(&mut DynDice(rng), format!("{}: Second Wind", sheet.name), &mut log);
    let healed = crate::rules::damage::heal(&mut sheet.vitals, amount, &sheet.name)?;
    state.charges = 0;
    state.timer_secs = 0;
    Ok(format!("{} uses Second Wind: {}", sheet.name, healed.text))
}

pub fn character_tick(t: &mut CharTick<'_>, rng: &mut dyn DiceSource) {
    if t.state.charges > 0 {
        t.state.timer_secs = 0;
        return;
    }
    t.state.timer_secs = t.state.timer_secs.saturating_add(t.secs);
    while t.state.timer_secs >= RECHARGE_EVERY_SECS {
        t.state.timer_secs -= RECHARGE_EVERY_SECS;
        let d6 = rng.roll_die(6);
        if d6 >= 5 {
            t.state.charges = 1;
            t.state.timer_secs = 0;
            t.notes.push(format!("{}'s Second Wind recharges (d6 {d6})", t.sheet.name));
            return;
        }
    }
}

pub fn on_rest(state: &mut PerkState, _kind: RestKind) {
    state.charges = 1;
    state.timer_secs = 0;
}
