//! InstantResolution: the whole fight in one call, and its narrative summary.

use super::ai::ai_take_turn;
use super::fight::FightOutcome;
use super::mode::ModeConfig;
use super::model::{ActionResult, Combatant, Fight, FightStatus};
use crate::rules::{DiceSource, RulesEngine};

/// A finished instant fight.
#[derive(Debug, Clone, PartialEq)]
pub struct InstantOutcome {
    pub outcome: FightOutcome,
    /// Every log line of the fight, initiative first (what the reducer writes as events).
    pub events: Vec<ActionResult>,
    /// "3 rounds; 2 goblins killed; 1 guard wounded; the guards win".
    pub summary: String,
}

/// Run the fight with the AI playing every combatant until it ends or `max_instant_rounds`
/// rounds have passed (then both sides disengage: `Fled`, no winner). Works on a fight of any
/// turn mode; callers use it for InstantResolution. Draws come from `rng` in a fixed order
/// (initiative order, each turn's actions in sequence), so the same fight and the same RNG
/// give the same log; a reducer passes `&mut fight.next_rng()`.
pub fn simulate_instant<R: RulesEngine>(
    fight: &mut Fight,
    rng: &mut impl DiceSource,
    cfg: &ModeConfig,
) -> InstantOutcome {
    run_instant::<R>(fight, rng, cfg);
    InstantOutcome { outcome: fight.outcome(), events: fight.log.clone(), summary: summary(fight) }
}

/// [`simulate_instant`] without building its [`InstantOutcome`] (a copy of the whole log): the
/// fight's own `log`, `status` and `outcome()` say everything (the reducer and the replay use this).
pub fn run_instant<R: RulesEngine>(fight: &mut Fight, rng: &mut impl DiceSource, cfg: &ModeConfig) {
    // Every round has at most one turn per combatant; the bound only guards against a bug.
    let max_turns = (cfg.max_instant_rounds as usize + 1) * (fight.order.len() + 1);
    for _ in 0..max_turns {
        if fight.status != FightStatus::Active {
            break;
        }
        if fight.round > cfg.max_instant_rounds {
            fight.end_by_round_limit();
            break;
        }
        ai_take_turn::<R>(fight, rng, &cfg.ai);
    }
    if fight.status == FightStatus::Active {
        fight.end_by_round_limit();
    }
}

/// English plural of a creature name, lowercased ("goblin" → "goblins", "wolf" → "wolves").
pub fn plural(name: &str) -> String {
    let n = name.to_lowercase();
    if let Some(stem) = n.strip_suffix('y').filter(|s| !s.ends_with(['a', 'e', 'i', 'o', 'u'])) {
        format!("{stem}ies")
    } else if let Some(stem) = n.strip_suffix("lf") {
        format!("{stem}lves")
    } else if n.ends_with('s') || n.ends_with('x') || n.ends_with("ch") || n.ends_with("sh") {
        format!("{n}es")
    } else {
        format!("{n}s")
    }
}

fn counted(groups: &[(String, u32)], verb: &str) -> Vec<String> {
    groups
        .iter()
        .map(|(name, n)| {
            let who = if *n == 1 { name.to_lowercase() } else { plural(name) };
            format!("{n} {who} {verb}")
        })
        .collect()
}

fn group<'a>(cs: impl Iterator<Item = &'a Combatant>) -> Vec<(String, u32)> {
    let mut g: Vec<(String, u32)> = Vec::new();
    for c in cs {
        match g.iter_mut().find(|(n, _)| *n == c.base_name) {
            Some((_, k)) => *k += 1,
            None => g.push((c.base_name.clone(), 1)),
        }
    }
    g
}

/// How a side is called in the summary: "the guards", "the goblins and the wolf".
fn side_label(fight: &Fight, side: u32) -> String {
    let g = group(fight.combatants.iter().filter(|c| c.side == side));
    let parts: Vec<String> = g
        .iter()
        .map(|(n, k)| if *k == 1 { format!("the {}", n.to_lowercase()) } else { format!("the {}", plural(n)) })
        .collect();
    parts.join(" and ")
}

fn verb(fight: &Fight, side: u32, many: &'static str, one: &'static str) -> &'static str {
    if fight.combatants.iter().filter(|c| c.side == side).count() == 1 {
        one
    } else {
        many
    }
}

/// The narrative line of a finished fight.
pub fn summary(fight: &Fight) -> String {
    let rounds = fight.round;
    let mut parts = vec![format!("{rounds} round{}", if rounds == 1 { "" } else { "s" })];
    let cs = &fight.combatants;
    parts.extend(counted(&group(cs.iter().filter(|c| c.is_dead())), "killed"));
    parts.extend(counted(&group(cs.iter().filter(|c| c.is_down())), "down"));
    parts.extend(counted(&group(cs.iter().filter(|c| c.fled && !c.is_dead())), "fled"));
    let wounded = cs.iter().filter(|c| c.is_standing() && c.creature.vitals.hp < c.creature.vitals.max_hp);
    parts.extend(counted(&group(wounded), "wounded"));
    let verdict = match (fight.status, fight.winner) {
        (FightStatus::Active, _) => "the fight goes on".to_string(),
        (FightStatus::Resolved, Some(w)) => format!("{} {}", side_label(fight, w), verb(fight, w, "win", "wins")),
        (FightStatus::Fled, Some(w)) => {
            format!("{} {} the field", side_label(fight, w), verb(fight, w, "hold", "holds"))
        }
        (_, None) => "nobody wins".to_string(),
    };
    parts.push(verdict);
    if fight.ended_idle {
        parts.push("ended: no human acted (idle)".to_string());
    }
    parts.join("; ")
}
