//! The AI policy: deterministic, no dice of its own (only the actions it takes roll).
//!
//! On its turn an AI-controlled combatant:
//! 1. flees if it is an AI combatant (not a human's stand-in) below `flee_below_hp_pct` HP;
//! 2. picks the closest standing enemy (ties: lower id);
//! 3. scores every attack it could make this turn — from where it stands, or after walking up to
//!    melee reach or normal range within its movement — as average damage, ×0.6 with
//!    disadvantage, ×1.2 with advantage; best score wins (ties: no walking, then melee, then the
//!    lower attack index);
//!    an attack from long range is made after walking as close as the movement allows;
//! 4. with no attack in reach this turn it walks toward the target, dashes and walks again;
//! 5. ends its turn.

use super::mode::AiPolicy;
use super::model::{ActionResult, Fight, FightStatus, RangeBand, MELEE_REACH_FT};
use crate::rules::{Advantage, DiceSource, RulesEngine};

fn avg_damage(fight: &Fight, i: usize, k: usize) -> f32 {
    let Some(a) = fight.combatants[i].creature.attacks.get(k) else { return 0.0 };
    a.damage.iter().map(|d| d.dice.count as f32 * (d.dice.sides as f32 + 1.0) / 2.0 + d.dice.modifier as f32).sum()
}

/// The closest standing enemy of combatant `i` it may attack (not its charmer; ties: lower id).
pub fn closest_enemy(fight: &Fight, i: usize) -> Option<usize> {
    let me = &fight.combatants[i];
    fight
        .combatants
        .iter()
        .enumerate()
        .filter(|(_, o)| o.side != me.side && o.is_standing() && !me.cannot_harm.contains(&o.id))
        .min_by(|(_, x), (_, y)| me.pos.dist(x.pos).total_cmp(&me.pos.dist(y.pos)).then(x.id.cmp(&y.id)))
        .map(|(j, _)| j)
}

#[derive(Debug, Clone, Copy)]
enum Plan {
    /// Attack index, and the distance to close to first (None: attack from here).
    Attack(usize, Option<f32>),
    Approach,
}

fn plan(fight: &Fight, i: usize, t: usize) -> Plan {
    let me = &fight.combatants[i];
    let dist = me.pos.dist(fight.combatants[t].pos);
    let left = fight.movement_left(me.id);
    // (score, walks, ranged, attack index, distance to close to); the best is the highest score,
    // then no walking, then melee (thrown weapons are not used up, but melee keeps them), then
    // the lower index.
    let mut best: Option<(f32, bool, bool, usize, Option<f32>)> = None;
    let mut consider = |c: (f32, bool, bool, usize, Option<f32>)| {
        let better = match best {
            None => true,
            Some(b) => c.0 > b.0 + 1e-4 || ((c.0 - b.0).abs() <= 1e-4 && (c.1, c.2, c.3) < (b.1, b.2, b.3)),
        };
        if better {
            best = Some(c);
        }
    };
    for k in 0..me.creature.attacks.len() {
        let reach = me.reach(k);
        let dmg = avg_damage(fight, i, k);
        let score = |band: RangeBand| match fight.attack_advantage(i, t, band) {
            Advantage::Disadvantage => dmg * 0.6,
            Advantage::Advantage => dmg * 1.2,
            Advantage::Normal => dmg,
        };
        if let Some(band) = reach.band(dist) {
            consider((score(band), false, band != RangeBand::Melee, k, None));
        }
        if reach.melee_ft > 0.0 && dist > reach.melee_ft && dist - reach.melee_ft <= left {
            consider((score(RangeBand::Melee), true, false, k, Some(reach.melee_ft)));
        }
        if reach.long_ft > 0.0 && dist > reach.normal_ft && dist - reach.normal_ft <= left {
            // After walking up, a ranged attacker is not assumed to be next to anyone.
            consider((dmg, true, true, k, Some(reach.normal_ft)));
        }
    }
    match best {
        Some((_, _, _, k, close_to)) => Plan::Attack(k, close_to),
        None => Plan::Approach,
    }
}

/// Walk toward combatant `t` until `stop_at` feet away (or the movement runs out).
fn walk_toward(fight: &mut Fight, i: usize, t: usize, stop_at: f32, out: &mut Vec<ActionResult>) {
    let (id, from, to) = (fight.combatants[i].id, fight.combatants[i].pos, fight.combatants[t].pos);
    let gap = from.dist(to) - stop_at;
    let step = gap.min(fight.movement_left(id));
    if step <= 0.0 {
        return;
    }
    // Aim a hair inside the goal so float rounding never leaves it just out of reach.
    let dest = from.toward(to, (step + 0.005).min(from.dist(to)));
    if let Ok(r) = fight.move_to(id, dest) {
        out.push(r);
    } else if let Ok(r) = fight.move_to(id, from.toward(to, step)) {
        out.push(r);
    }
}

/// Take the actions of combatant `i` for one turn (or one ActionQueues window) without ending
/// the turn. Errors never escape: an action the rules refuse is simply not taken.
pub(crate) fn ai_act<R: RulesEngine>(
    fight: &mut Fight,
    i: usize,
    rng: &mut impl DiceSource,
    policy: &AiPolicy,
    out: &mut Vec<ActionResult>,
) {
    let c = &fight.combatants[i];
    if !c.is_standing() || c.flags.cannot_act || fight.status != FightStatus::Active {
        return;
    }
    let id = c.id;
    if c.is_ai && policy.flee_below_hp_pct > 0 && c.hp_pct() < i32::from(policy.flee_below_hp_pct) {
        if let Ok(v) = fight.flee::<R>(id, rng) {
            out.extend(v);
            return;
        }
    }
    let Some(t) = closest_enemy(fight, i) else { return };
    let target = fight.combatants[t].id;
    match plan(fight, i, t) {
        Plan::Attack(k, close_to) => {
            if let Some(goal) = close_to {
                walk_toward(fight, i, t, goal, out);
            } else {
                // From long range, close in as far as the movement allows (never out of range:
                // walking toward the target only shortens the shot) to fight better next turn.
                let reach = fight.combatants[i].reach(k);
                let dist = fight.combatants[i].pos.dist(fight.combatants[t].pos);
                if reach.band(dist) == Some(RangeBand::Long) {
                    let goal = if reach.melee_ft > 0.0 { reach.melee_ft } else { reach.normal_ft };
                    walk_toward(fight, i, t, goal, out);
                }
            }
            if let Ok(r) = fight.attack::<R>(id, target, k, rng) {
                out.push(r);
            }
        }
        Plan::Approach => {
            walk_toward(fight, i, t, MELEE_REACH_FT, out);
            if fight.mode.is_turn_based() && matches!(plan(fight, i, t), Plan::Approach) {
                if let Ok(r) = fight.dash(id) {
                    out.push(r);
                    walk_toward(fight, i, t, MELEE_REACH_FT, out);
                }
            } else if let Plan::Attack(k, None) = plan(fight, i, t) {
                if let Ok(r) = fight.attack::<R>(id, target, k, rng) {
                    out.push(r);
                }
            }
        }
    }
}

/// Play the current combatant's turn with the AI and end it (turn modes). Used for AI
/// combatants, for humans whose turn timed out and for disconnected humans.
pub fn ai_take_turn<R: RulesEngine>(
    fight: &mut Fight,
    rng: &mut impl DiceSource,
    policy: &AiPolicy,
) -> Vec<ActionResult> {
    let mut out = Vec::new();
    let Some(id) = fight.current_id() else { return out };
    let Some(i) = fight.index_of(id) else { return out };
    let seq = fight.turn_seq;
    ai_act::<R>(fight, i, rng, policy, &mut out);
    // Fleeing already passed the turn on.
    if fight.status == FightStatus::Active && fight.turn_seq == seq {
        if let Ok(v) = fight.end_turn::<R>(id, rng) {
            out.extend(v);
        }
    }
    out
}

/// Play turns while the current combatant is AI-controlled (RelaxedTurns / ClassicTurns call
/// this after every human turn, so the human is only ever waited on for their own turn).
/// Stops at a connected human's turn, at the end of the fight, or after `max_turns`.
pub fn run_ai_turns<R: RulesEngine>(
    fight: &mut Fight,
    rng: &mut impl DiceSource,
    policy: &AiPolicy,
    max_turns: u32,
) -> Vec<ActionResult> {
    let mut out = Vec::new();
    for _ in 0..max_turns {
        let Some(id) = fight.current_id() else { break };
        if !fight.get(id).is_some_and(|c| c.ai_controlled()) {
            break;
        }
        out.extend(ai_take_turn::<R>(fight, rng, policy));
    }
    out
}

/// ActionQueues driver, called by the reducer on a tick at `fight.now_micros`: each dying
/// combatant whose budget window has run out rolls a death save (one per window), and each
/// AI-controlled combatant whose action is available acts. Initiative order.
pub fn queue_tick<R: RulesEngine>(
    fight: &mut Fight,
    rng: &mut impl DiceSource,
    policy: &AiPolicy,
) -> Vec<ActionResult> {
    let mut out = Vec::new();
    if fight.mode.is_turn_based() {
        return out;
    }
    let (now, window) = (fight.now_micros, fight.queue_window_micros);
    for id in fight.order.clone() {
        if fight.status != FightStatus::Active {
            break;
        }
        let Some(i) = fight.index_of(id) else { continue };
        let c = &mut fight.combatants[i];
        if c.creature.vitals.is_dying() && !c.creature.vitals.dies_at_zero && c.cooldown.expired(now, window) {
            c.cooldown.touch(now, window);
            let name = c.creature.name.clone();
            let mut log = crate::rules::DiceLog::new();
            if let Ok(o) = R::death_save_with(&name, &mut c.creature.vitals, &c.creature.save_mods, rng, &mut log) {
                out.push(fight.push(super::model::ActionKind::DeathSave, id, None, log.take(), o.text));
                fight.check_end();
            }
            continue;
        }
        let c = &fight.combatants[i];
        if c.ai_controlled() && c.is_standing() && c.cooldown.can_act(super::Budget::Action, now, window).is_ok() {
            ai_act::<R>(fight, i, rng, policy, &mut out);
        }
    }
    out
}
