//! Combat, pure core: modes, combatants, initiative, actions, turns, the AI, instant
//! resolution and action-queue budgets. Plain data in, decisions out; no tables, no host calls;
//! every roll goes through the active ruleset (`R: RulesEngine`) with an RNG passed in.
//!
//! ## Model
//! - [`select_mode`] picks the [`CombatMode`] from (humans, combatants) with [`ModeConfig`].
//! - A [`Fight`] holds everything: its `seed`, mode, status, round, the initiative `order`, the
//!   current `turn_index` and `turn_seq`, the [`Combatant`]s (sorted by id) and a log of
//!   [`ActionResult`]s. [`Fight::start`] rolls initiative (d20 + DEX through the rules; ties:
//!   higher initiative bonus, higher DEX score, lower id) and begins the first turn.
//! - Actions are methods that validate and then change the fight: [`Fight::attack`],
//!   [`Fight::move_to`], [`Fight::dash`], [`Fight::dodge`], [`Fight::flee`], [`Fight::use_item`],
//!   [`Fight::end_turn`], [`Fight::join`]. Turn modes allow only the current combatant
//!   (`E_NOT_YOUR_TURN`); ActionQueues checks the [`Cooldown`] budgets at `fight.now_micros`.
//! - Turn boundaries ([`Fight::end_turn`], fleeing) skip dead and fled combatants; dying
//!   characters roll their death save when their turn comes (dnd5e; lite has none). Monsters
//!   die at 0 HP (the rules' `dies_at_zero`). Concentration saves come with damage
//!   (`RulesEngine::resolve_attack`). The fight ends when at most one side has a conscious,
//!   present member; [`Fight::outcome`] gives XP (for the winners) and the dead monsters (loot).
//! - The AI ([`ai_take_turn`], [`run_ai_turns`], [`queue_tick`]) plays monsters, timed-out
//!   turns ([`Fight::timeout_turn`]) and disconnected humans. [`simulate_instant`] runs a whole
//!   fight with it and writes the narrative summary.
//!
//! ## Determinism and replay
//! A fight owns a seed. Each reducer call on it takes `let mut rng = fight.next_rng();`
//! (`StdRng` seeded from seed and a stream counter that is part of the fight state) and passes
//! it down; draws happen in a fixed order, and rejected actions draw nothing. Re-running the
//! accepted calls in order from the starting state reproduces the log exactly (
//! replay tool). Tests may pass `rules::Scripted` faces instead.
//!
//! ## What the reducers layer stores
//! - `combat_instance`: id, location, `mode`, `status`, `winner`, `round`, `turn_index` /
//!   current combatant id, `turn_seq`, turn deadline (indexed micros), `seed`, `rng_streams`,
//!   `queue_window_micros`.
//! - `combatant` (indexed by combat): id, combat, [`CombatantKind`] (character id or monster
//!   id), side, `initiative`, `turn_order`, `is_ai`, `connected`, position x/y (feet), speed,
//!   current vitals (HP, temp HP, death saves, concentration: write back to the character sheet
//!   when the fight ends), `fled`, and the [`TurnEconomy`] fields (action/bonus/reaction used,
//!   movement used, dash feet, dodging). The rest of [`Combatant`] (creature stats, attacks,
//!   reaches, flags) is derived again on load from the sheet + equipment + buffs, or the
//!   monster definition.
//! - `turn_timer` (scheduled): combat id and the `turn_seq` it was armed for; on expiry call
//!   [`Fight::timeout_turn`] (a stale timer does nothing), then [`run_ai_turns`], then arm a
//!   new timer for the new `turn_seq` if a human is current.
//! - `action_cooldown`: the [`Cooldown`] of each combatant (ActionQueues).
//! - RelaxedTurns / ClassicTurns: after a human's action that passes the turn (`end_turn`,
//!   `flee`), call [`run_ai_turns`] so AI combatants act at once, then arm the timer.
//!   ActionQueues: call [`queue_tick`] on a short scheduled tick with `fight.now_micros` set.
//! - `Fight::log` is in-memory only: write the entries appended by a call as world events and
//!   do not persist the log itself. Each call's input is logged as a [`replay::LoggedStep`] in
//!   `combat_action_log` with the [`state_hash`] after it (see [`replay`]).
//! - Every [`ActionResult`] becomes a world event (text + dice log); after the fight, write
//!   vitals back, award [`FightOutcome::xp_awards`], drop loot for
//!   [`FightOutcome::defeated_monsters`], delete monster instances that died.
//!
//! Not modelled yet: opportunity attacks and other reactions (the reaction budget is tracked),
//! occupancy / cover, auto-crits against unconscious targets, spells, ammunition use.

pub mod actions;
pub mod ai;
pub mod cooldown;
pub mod fight;
pub mod hash;
pub mod instant;
pub mod loot;
pub mod mode;
pub mod model;
pub mod refresh;
pub mod replay;
pub mod write_back;

#[cfg(test)]
mod replay_tests;
#[cfg(test)]
mod tests;

pub use ai::{ai_take_turn, closest_enemy, queue_tick, run_ai_turns};
pub use cooldown::{Budget, Cooldown, FEET_EPSILON};
pub use fight::{idle_for, stream_rng, DefeatedMonster, FightOutcome};
pub use hash::{hash_hex, state_hash};
pub use instant::{plural, run_instant, simulate_instant, summary, InstantOutcome};
pub use mode::{select_mode, AiPolicy, CombatMode, ModeConfig};
pub use model::*;
pub use refresh::{CombatantView, RefreshArgs};
pub use write_back::vitals_after_fight;

use crate::rules::{DiceLog, MonsterDef, RulesEngine, Scripted};
use crate::systems::items::ItemCatalog;

/// A monster combatant with the definition's average HP (no dice drawn), its walking speed and
/// the reach of each attack (see [`Reach::for_attack`]).
pub fn monster_combatant<R: RulesEngine>(
    id: u64,
    side: u32,
    def: &MonsterDef,
    catalog: Option<&ItemCatalog>,
) -> Combatant {
    // Average HP draws nothing, so an empty script is a safe dice source here.
    let creature = R::creature_from_monster(def, false, &mut Scripted::new(&[]), &mut DiceLog::new());
    Combatant::new(
        id,
        side,
        CombatantKind::Monster { monster_id: def.id.clone() },
        creature,
        f32::from(def.walk_speed()),
        catalog,
    )
}
