//! Starting a fight, initiative, turn advancement, end conditions and the outcome.

use super::mode::{CombatMode, ModeConfig};
use super::model::{ActionKind, ActionResult, Combatant, CombatantKind, Fight, FightStatus};
use crate::error::{err, ErrorCode, WkResult};
use crate::rules::{Creature, DiceLog, DiceSource, RulesEngine};
use rand::rngs::StdRng;
use rand::SeedableRng;

/// SplitMix64 finaliser: turns (seed, stream) into well-spread seeds for `StdRng`.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The RNG of stream `n` of a fight with this seed.
pub fn stream_rng(seed: u64, n: u64) -> StdRng {
    StdRng::seed_from_u64(mix(seed ^ mix(n)))
}

/// A defeated monster: loot drops at the location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefeatedMonster {
    pub combatant_id: u64,
    pub monster_id: String,
    pub xp: u32,
}

/// How a finished fight ended and what it pays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FightOutcome {
    pub status: FightStatus,
    pub winner: Option<u32>,
    pub rounds: u32,
    /// XP of the monsters the winners killed (monsters that fled give none).
    pub xp_total: u32,
    /// (combatant id, XP): the total split evenly among the winning side's characters that are
    /// alive and did not flee; the remainder goes one each to the lowest ids.
    pub xp_awards: Vec<(u64, u32)>,
    /// Dead monsters of any side (for loot drops).
    pub defeated_monsters: Vec<DefeatedMonster>,
    /// Combatant ids of characters who died.
    pub dead_characters: Vec<u64>,
    /// Combatant ids of everyone who fled.
    pub fled: Vec<u64>,
}

impl Fight {
    /// Set up a fight: roll initiative (stream 0 of `seed`) and start the first turn.
    /// `E_INVALID_ARGUMENT` for fewer than two sides; `E_ALREADY_IN_COMBAT` for a duplicate id.
    pub fn start<R: RulesEngine>(
        seed: u64,
        mode: CombatMode,
        combatants: Vec<Combatant>,
        cfg: &ModeConfig,
        now_micros: i64,
    ) -> WkResult<Fight> {
        let mut rng = stream_rng(seed, 0);
        let mut f = Fight::start_with::<R>(seed, mode, combatants, cfg, now_micros, &mut rng)?;
        f.rng_streams = 1;
        Ok(f)
    }

    /// [`Fight::start`] with the initiative dice from `rng` (tests script them; `start` uses
    /// stream 0 of the seed and counts it as used).
    pub fn start_with<R: RulesEngine>(
        seed: u64,
        mode: CombatMode,
        mut combatants: Vec<Combatant>,
        cfg: &ModeConfig,
        now_micros: i64,
        rng: &mut impl DiceSource,
    ) -> WkResult<Fight> {
        combatants.sort_by_key(|c| c.id);
        for c in &mut combatants {
            crate::systems::perks::combat::prepare(&mut c.creature, mode); // perk hook: mode filter, initiative
        }
        if combatants.windows(2).any(|w| w[0].id == w[1].id) {
            return Err(err(ErrorCode::AlreadyInCombat, "a combatant id appears twice; each joins once"));
        }
        let mut sides: Vec<u32> = combatants.iter().map(|c| c.side).collect();
        sides.dedup();
        sides.sort_unstable();
        sides.dedup();
        if sides.len() < 2 {
            return Err(err(ErrorCode::InvalidArgument, "a fight needs combatants on at least two sides"));
        }
        // Number combatants that share a name ("Goblin 1".."Goblin 4", by id) so logs are
        // unambiguous.
        for k in 0..combatants.len() {
            let base = combatants[k].base_name.clone();
            let same: Vec<usize> = (0..combatants.len()).filter(|&j| combatants[j].base_name == base).collect();
            if same.len() > 1 {
                let n = same.iter().position(|&j| j == k).unwrap_or(0) + 1;
                combatants[k].creature.name = format!("{base} {n}");
            }
        }
        let mut fight = Fight {
            seed,
            rng_streams: 0,
            mode,
            status: FightStatus::Active,
            winner: None,
            round: 1,
            turn_index: 0,
            turn_seq: 0,
            order: Vec::new(),
            combatants,
            now_micros,
            queue_window_micros: cfg.queue_window_micros,
            log: Vec::new(),
            log_steps: 0,
            last_human_micros: now_micros,
            ended_idle: false,
            mods: Default::default(),
        };
        fight.roll_initiative::<R>(rng);
        fight.check_end();
        if fight.status == FightStatus::Active && mode.is_turn_based() {
            let mut out = Vec::new();
            if !fight.begin_current_turn::<R>(rng, &mut out) {
                fight.advance::<R>(rng, &mut out);
            }
            fight.log.extend(out);
        }
        Ok(fight)
    }

    /// `ReplayAction::Idle`: no human acted for `idle_micros`, so the fight ends where it stands
    /// (both sides disengage, nobody wins, no dice). Does nothing to a fight that is over.
    pub fn end_idle(&mut self, idle_micros: i64) {
        if self.status != FightStatus::Active {
            return;
        }
        self.status = FightStatus::Fled;
        self.winner = None;
        self.ended_idle = true;
        self.log.push(ActionResult {
            round: self.round,
            kind: ActionKind::End,
            actor: 0,
            target: None,
            dice: Vec::new(),
            text: format!("no human has acted for {} s: the fight ends (idle)", idle_micros / 1_000_000),
        });
    }

    /// The RNG for the next reducer call on this fight: stream `rng_streams` of the seed, then
    /// the counter moves on. A reducer calls it once per transaction and passes it down; if the
    /// transaction fails, the counter rolls back with it, so a replay that repeats the accepted
    /// calls in order sees the same dice.
    pub fn next_rng(&mut self) -> StdRng {
        let rng = stream_rng(self.seed, self.rng_streams);
        self.rng_streams += 1;
        rng
    }

    /// d20 + DEX (the ruleset's `roll_initiative`), combatants taken in id order. Ties: higher
    /// initiative bonus, then higher DEX score, then lower id (the rules' `order_initiative` uses
    /// input position last, and the input is sorted by id). No re-rolls.
    fn roll_initiative<R: RulesEngine>(&mut self, rng: &mut impl DiceSource) {
        let creatures: Vec<Creature> = self.combatants.iter().map(|c| c.creature.clone()).collect();
        let mut log = DiceLog::new();
        let order = R::roll_initiative(&creatures, rng, &mut log);
        self.order = order.iter().map(|e| self.combatants[e.index].id).collect();
        for (pos, e) in order.iter().enumerate() {
            let c = &mut self.combatants[e.index];
            c.initiative = e.total;
            c.turn_order = pos as u32;
        }
        let text = order
            .iter()
            .map(|e| format!("{} {}", self.combatants[e.index].name(), e.total))
            .collect::<Vec<_>>()
            .join(", ");
        self.push(ActionKind::Initiative, 0, None, log.take(), format!("Initiative: {text}"));
    }

    /// Add a combatant to a running fight: it rolls initiative and slots into the order (after
    /// everyone it ties with who is already there). `E_ALREADY_IN_COMBAT`, `E_COMBAT_OVER`.
    pub fn join<R: RulesEngine>(&mut self, mut c: Combatant, rng: &mut impl DiceSource) -> WkResult<ActionResult> {
        self.require_active()?;
        if self.index_of(c.id).is_some() {
            return Err(err(ErrorCode::AlreadyInCombat, format!("{} is already in this fight", c.name())));
        }
        let namesakes = self.combatants.iter().filter(|o| o.base_name == c.base_name).count();
        if namesakes > 0 {
            c.creature.name = format!("{} {}", c.base_name, namesakes + 1);
        }
        crate::systems::perks::combat::prepare(&mut c.creature, self.mode); // perk hook
        let mut log = DiceLog::new();
        let e = R::roll_initiative(std::slice::from_ref(&c.creature), rng, &mut log);
        c.initiative = e[0].total;
        let key = |x: &Combatant| (std::cmp::Reverse(x.initiative), std::cmp::Reverse(x.creature.initiative_bonus));
        let pos = self
            .order
            .iter()
            .position(|id| self.get(*id).is_some_and(|o| key(&c) < key(o)))
            .unwrap_or(self.order.len());
        self.order.insert(pos, c.id);
        if pos as u32 <= self.turn_index && self.order.len() > 1 {
            // The current combatant moved one place down; keep it current.
            self.turn_index += 1;
        }
        let (id, name, init) = (c.id, c.name().to_string(), c.initiative);
        let at = self.combatants.partition_point(|x| x.id < c.id);
        self.combatants.insert(at, c);
        for (i, oid) in self.order.clone().iter().enumerate() {
            if let Some(k) = self.index_of(*oid) {
                self.combatants[k].turn_order = i as u32;
            }
        }
        Ok(self.push(ActionKind::Join, id, None, log.take(), format!("{name} joins the fight (initiative {init})")))
    }

    pub fn index_of(&self, id: u64) -> Option<usize> {
        self.combatants.binary_search_by_key(&id, |c| c.id).ok()
    }
    pub fn get(&self, id: u64) -> Option<&Combatant> {
        self.index_of(id).map(|i| &self.combatants[i])
    }
    pub fn get_mut(&mut self, id: u64) -> Option<&mut Combatant> {
        self.index_of(id).map(move |i| &mut self.combatants[i])
    }

    /// The combatant whose turn it is (turn modes, active fights).
    pub fn current_id(&self) -> Option<u64> {
        if self.status != FightStatus::Active || !self.mode.is_turn_based() {
            return None;
        }
        self.order.get(self.turn_index as usize).copied()
    }

    /// A human reconnects or drops; while disconnected the AI plays their combatant.
    pub fn set_connected(&mut self, id: u64, connected: bool) -> WkResult<()> {
        let c = self.get_mut(id).ok_or_else(|| not_in_combat(id))?;
        c.connected = connected;
        Ok(())
    }

    pub(crate) fn require_active(&self) -> WkResult<()> {
        if self.status != FightStatus::Active {
            return Err(err(ErrorCode::CombatOver, "this fight is over; start a new one"));
        }
        Ok(())
    }

    pub(crate) fn push(
        &mut self,
        kind: ActionKind,
        actor: u64,
        target: Option<u64>,
        dice: Vec<crate::rules::DiceLogEntry>,
        text: String,
    ) -> ActionResult {
        let r = ActionResult { round: self.round, kind, actor, target, dice, text };
        self.log.push(r.clone());
        r
    }

    /// Start the turn of `order[turn_index]`: reset its economy, roll its death save if it is
    /// dying. True if it can take the turn (alive, present, conscious).
    fn begin_current_turn<R: RulesEngine>(&mut self, rng: &mut impl DiceSource, out: &mut Vec<ActionResult>) -> bool {
        let Some(i) = self.order.get(self.turn_index as usize).and_then(|id| self.index_of(*id)) else { return false };
        if !self.combatants[i].is_present() {
            return false;
        }
        self.turn_seq += 1;
        let c = &mut self.combatants[i];
        c.economy = Default::default();
        let id = c.id;
        if c.creature.vitals.is_dying() && !c.creature.vitals.dies_at_zero {
            let mut log = DiceLog::new();
            let name = c.creature.name.clone();
            // The lite ruleset has no death saves (`E_NOT_DYING`): its down timer runs on world
            // time, so the turn simply passes.
            if let Ok(o) = R::death_save_with(&name, &mut c.creature.vitals, &c.creature.save_mods, rng, &mut log) {
                out.push(self.push(ActionKind::DeathSave, id, None, log.take(), o.text));
                self.check_end();
            }
        }
        let standing = self.status == FightStatus::Active && self.combatants[i].is_standing();
        // House rules: queued swap, auras, `on_turn_start` triggers.
        standing && crate::systems::profiles::runtime::turn_boundary(self, id) && self.status == FightStatus::Active
    }

    /// Move to the next combatant who can act, starting a new round when the order wraps.
    /// Dead and fled combatants are skipped; down ones roll their death save and pass.
    pub(crate) fn advance<R: RulesEngine>(&mut self, rng: &mut impl DiceSource, out: &mut Vec<ActionResult>) {
        // Bounded: an active fight has standing combatants on two sides, so one lap finds one.
        for _ in 0..=2 * self.order.len() {
            if self.status != FightStatus::Active {
                return;
            }
            self.turn_index += 1;
            if self.turn_index as usize >= self.order.len() {
                self.turn_index = 0;
                self.round += 1;
            }
            if self.begin_current_turn::<R>(rng, out) {
                let id = self.order[self.turn_index as usize];
                let name = self.get(id).map(|c| c.name().to_string()).unwrap_or_default();
                out.push(self.push(
                    ActionKind::TurnStart,
                    id,
                    None,
                    vec![],
                    format!("Round {}: {name}'s turn", self.round),
                ));
                return;
            }
        }
    }

    /// Sides that still have a conscious, present member.
    pub fn standing_sides(&self) -> Vec<u32> {
        let mut s: Vec<u32> = self.combatants.iter().filter(|c| c.is_standing()).map(|c| c.side).collect();
        s.sort_unstable();
        s.dedup();
        s
    }

    /// End the fight once at most one side is standing. The survivors' side wins; if every
    /// member of every other side fled (nobody of theirs is down or dead) the status is `Fled`.
    pub(crate) fn check_end(&mut self) {
        if self.status != FightStatus::Active {
            return;
        }
        let standing = self.standing_sides();
        if standing.len() > 1 {
            return;
        }
        self.winner = standing.first().copied();
        let losers: Vec<&Combatant> = self.combatants.iter().filter(|c| Some(c.side) != self.winner).collect();
        let all_fled = !losers.is_empty() && losers.iter().all(|c| c.fled);
        self.status = if all_fled || self.winner.is_none() && losers.iter().any(|c| c.fled) {
            FightStatus::Fled
        } else {
            FightStatus::Resolved
        };
        let text = match (self.status, self.winner) {
            (FightStatus::Fled, Some(w)) => format!("The fight is over: the others fled; side {w} holds the field"),
            (_, Some(w)) => format!("The fight is over: side {w} wins"),
            (_, None) => "The fight is over: nobody is left standing".to_string(),
        };
        self.push(ActionKind::End, 0, None, vec![], text);
    }

    /// The round limit of instant resolution: both sides disengage, nobody wins.
    pub(crate) fn end_by_round_limit(&mut self) {
        if self.status != FightStatus::Active {
            return;
        }
        self.status = FightStatus::Fled;
        self.winner = None;
        let text = format!("After {} rounds neither side prevails; they disengage", self.round.saturating_sub(1));
        self.push(ActionKind::End, 0, None, vec![], text);
    }

    /// What the fight paid out. Meaningful once it is over (XP is 0 while active).
    pub fn outcome(&self) -> FightOutcome {
        let defeated_monsters: Vec<DefeatedMonster> = self
            .combatants
            .iter()
            .filter(|c| c.is_dead())
            .filter_map(|c| match &c.kind {
                CombatantKind::Monster { monster_id } => {
                    Some(DefeatedMonster { combatant_id: c.id, monster_id: monster_id.clone(), xp: c.creature.xp })
                }
                CombatantKind::Character { .. } => None,
            })
            .collect();
        let xp_total: u32 = match (self.status, self.winner) {
            (FightStatus::Active, _) | (_, None) => 0,
            (_, Some(w)) => defeated_monsters
                .iter()
                .filter(|m| self.get(m.combatant_id).is_some_and(|c| c.side != w))
                .map(|m| m.xp)
                .sum(),
        };
        let earners: Vec<u64> = self
            .combatants
            .iter()
            .filter(|c| Some(c.side) == self.winner && !c.is_monster() && c.is_present())
            .map(|c| c.id)
            .collect();
        let xp_awards = if earners.is_empty() || xp_total == 0 {
            Vec::new()
        } else {
            let n = earners.len() as u32;
            let (each, rest) = (xp_total / n, xp_total % n);
            earners.iter().enumerate().map(|(k, id)| (*id, each + u32::from((k as u32) < rest))).collect()
        };
        FightOutcome {
            status: self.status,
            winner: self.winner,
            rounds: self.round,
            xp_total,
            xp_awards,
            defeated_monsters,
            dead_characters: self.combatants.iter().filter(|c| c.is_dead() && !c.is_monster()).map(|c| c.id).collect(),
            fled: self.combatants.iter().filter(|c| c.fled).map(|c| c.id).collect(),
        }
    }
}

pub(crate) fn not_in_combat(id: u64) -> crate::error::WkError {
    err(ErrorCode::NotInCombat, format!("combatant {id} is not in this fight; join or start one first"))
}

/// An action-queue fight in which no human acted for `idle_micros` by `now_micros`: the world
/// tick ends it ([`Fight::end_idle`]). Turn fights end through their turn timers instead.
pub fn idle_for(fight: &Fight, now_micros: i64, idle_micros: i64) -> bool {
    fight.mode == super::CombatMode::ActionQueues
        && fight.status == FightStatus::Active
        && now_micros.saturating_sub(fight.last_human_micros) >= idle_micros
}
