//! The actions, as a validated state machine over [`Fight`]. Every action checks, in order: the
//! fight is active (`E_COMBAT_OVER`), the actor is in it (`E_NOT_IN_COMBAT`), it is their turn
//! in turn modes (`E_NOT_YOUR_TURN`), they can act (`E_CHARACTER_DEAD`, `E_UNCONSCIOUS`,
//! `E_INCAPACITATED`), the target and range, and the budget (`E_NO_ACTION_LEFT`, `E_TOO_FAR`).
//! Nothing is rolled before every check passed, so a rejected action draws no dice.

use super::cooldown::{Budget, FEET_EPSILON};
use super::fight::not_in_combat;
use super::model::{ActionKind, ActionResult, Fight, Pos, RangeBand, MELEE_REACH_FT};
use crate::error::{err, ErrorCode, WkResult};
use crate::rules::{Advantage, DiceExpr, DiceLog, DiceSource, RulesEngine};

impl Fight {
    /// Index of an actor allowed to act now (see the module docs for the checks).
    pub(crate) fn acting_index(&self, actor: u64) -> WkResult<usize> {
        self.require_active()?;
        let i = self.index_of(actor).ok_or_else(|| not_in_combat(actor))?;
        let c = &self.combatants[i];
        if c.fled {
            return Err(err(ErrorCode::NotInCombat, format!("{} fled this fight", c.name())));
        }
        if self.mode.is_turn_based() && self.current_id() != Some(actor) {
            let cur = self.current_id().and_then(|id| self.get(id)).map(|c| c.name().to_string()).unwrap_or_default();
            return Err(err(ErrorCode::NotYourTurn, format!("it is {cur}'s turn; wait for yours")));
        }
        if c.is_dead() {
            return Err(err(ErrorCode::CharacterDead, format!("{} is dead", c.name())));
        }
        if c.is_down() {
            return Err(err(ErrorCode::Unconscious, format!("{} is unconscious at 0 HP", c.name())));
        }
        Ok(i)
    }

    fn check_budget(&self, i: usize, b: Budget) -> WkResult<()> {
        let c = &self.combatants[i];
        if c.flags.cannot_act {
            return Err(err(ErrorCode::Incapacitated, format!("{} is incapacitated and cannot act", c.name())));
        }
        if self.mode.is_turn_based() {
            let e = &c.economy;
            let used = match b {
                // Haste: a second action once the first is used.
                Budget::Action => e.action_used && (!c.flags.extra_action || e.extra_action_used),
                Budget::BonusAction => e.bonus_used,
                Budget::Reaction => e.reaction_used,
            };
            if used {
                return Err(err(
                    ErrorCode::NoActionLeft,
                    format!("{} has used their {} this turn; end the turn", c.name(), b.label()),
                ));
            }
            Ok(())
        } else {
            c.cooldown.can_act(b, self.now_micros, self.queue_window_micros)
        }
    }

    fn spend(&mut self, i: usize, b: Budget) -> WkResult<()> {
        self.check_budget(i, b)?;
        let (now, window, turn) = (self.now_micros, self.queue_window_micros, self.mode.is_turn_based());
        let c = &mut self.combatants[i];
        if turn {
            match b {
                Budget::Action if c.economy.action_used => c.economy.extra_action_used = true,
                Budget::Action => c.economy.action_used = true,
                Budget::BonusAction => c.economy.bonus_used = true,
                Budget::Reaction => c.economy.reaction_used = true,
            }
            Ok(())
        } else {
            if c.cooldown.expired(now, window) {
                c.economy.dodging = false;
            }
            c.cooldown.consume(b, now, window)
        }
    }

    /// Feet the combatant may still move (this turn, or this budget window).
    pub fn movement_left(&self, id: u64) -> f32 {
        let Some(c) = self.get(id) else { return 0.0 };
        if self.mode.is_turn_based() {
            (c.speed_ft + c.economy.dash_ft - c.economy.movement_used_ft).max(0.0)
        } else {
            c.cooldown.movement_left(self.now_micros, self.queue_window_micros, c.speed_ft)
        }
    }

    /// Is a hostile, conscious creature within 5 ft of combatant `i`? (Ranged attacks then have
    /// disadvantage.)
    fn enemy_adjacent(&self, i: usize) -> bool {
        let me = &self.combatants[i];
        self.combatants
            .iter()
            .any(|o| o.side != me.side && o.is_standing() && o.pos.dist(me.pos) <= MELEE_REACH_FT + FEET_EPSILON)
    }

    /// Advantage of attacker `a` on target `t` in this band: conditions and buffs of both,
    /// long range, a ranged attack with an enemy adjacent, a dodging target, an unconscious
    /// target. SRD: any number of sources of both cancel to a normal roll.
    pub fn attack_advantage(&self, a: usize, t: usize, band: RangeBand) -> Advantage {
        let (att, tgt) = (&self.combatants[a], &self.combatants[t]);
        let dist = att.pos.dist(tgt.pos);
        let (t_adv, t_dis) = tgt.flags.against(dist);
        let mut adv = u32::from(att.flags.attack_advantage) + u32::from(t_adv);
        let mut dis = u32::from(att.flags.attack_disadvantage) + u32::from(t_dis);
        if band == RangeBand::Long {
            dis += 1;
        }
        if band != RangeBand::Melee && self.enemy_adjacent(a) {
            dis += 1;
        }
        if tgt.economy.dodging {
            dis += 1;
        }
        if tgt.is_down() {
            adv += 1;
        }
        Advantage::from_sources(adv, dis)
    }

    /// Is target `t` helpless (down at 0 HP, or `crit_within_5ft`: paralyzed, unconscious) with
    /// attacker `a` within 5 ft? A hit then is a critical hit where the ruleset has them.
    pub fn helpless_within_5ft(&self, a: usize, t: usize) -> bool {
        let (att, tgt) = (&self.combatants[a], &self.combatants[t]);
        att.pos.dist(tgt.pos) <= MELEE_REACH_FT + FEET_EPSILON && (tgt.is_down() || tgt.flags.crit_within_5ft)
    }

    /// Validate a target for a hostile action by `a`.
    fn hostile_target(&self, a: usize, target: u64) -> WkResult<usize> {
        let t = self
            .index_of(target)
            .ok_or_else(|| err(ErrorCode::InvalidTarget, format!("combatant {target} is not in this fight")))?;
        let (att, tgt) = (&self.combatants[a], &self.combatants[t]);
        if t == a {
            return Err(err(ErrorCode::InvalidTarget, format!("{} cannot attack themselves", att.name())));
        }
        if tgt.is_dead() || tgt.fled {
            let why = if tgt.fled { "fled" } else { "is dead" };
            return Err(err(ErrorCode::InvalidTarget, format!("{} {why}; pick another target", tgt.name())));
        }
        if tgt.side == att.side {
            return Err(err(ErrorCode::InvalidTarget, format!("{} is on your side", tgt.name())));
        }
        if att.cannot_harm.contains(&tgt.id) {
            return Err(err(
                ErrorCode::Charmed,
                format!("{} is charmed by {} and cannot attack them; pick another target", att.name(), tgt.name()),
            ));
        }
        Ok(t)
    }

    /// The Attack action with attack `attack_index` of the actor's creature. If that attack is
    /// part of the creature's multiattack, the whole routine is made against the target (each
    /// attack that reaches; it stops when the target dies). Damage, 0 HP consequences and
    /// concentration saves come from the rules engine.
    pub fn attack<R: RulesEngine>(
        &mut self,
        actor: u64,
        target: u64,
        attack_index: usize,
        rng: &mut impl DiceSource,
    ) -> WkResult<ActionResult> {
        let a = self.acting_index(actor)?;
        let t = self.hostile_target(a, target)?;
        let (att, tgt) = (&self.combatants[a], &self.combatants[t]);
        let Some(attack) = att.creature.attacks.get(attack_index) else {
            let names: Vec<String> =
                att.creature.attacks.iter().enumerate().map(|(k, x)| format!("{k} = {}", x.name)).collect();
            return Err(err(
                ErrorCode::InvalidArgument,
                format!("{} has no attack {attack_index}; use one of: {}", att.name(), names.join(", ")),
            ));
        };
        let dist = att.pos.dist(tgt.pos);
        let reach = att.reach(attack_index);
        if reach.band(dist).is_none() {
            let how = if reach.long_ft > 0.0 {
                format!("range {:.0}/{:.0} ft", reach.normal_ft, reach.long_ft)
            } else {
                format!("reach {:.0} ft", reach.melee_ft)
            };
            return Err(err(
                ErrorCode::OutOfRange,
                format!("{} is {dist:.1} ft away; {} has {how}; move closer first", tgt.name(), attack.name),
            ));
        }
        self.spend(a, Budget::Action)?;
        let routine: Vec<usize> = if self.combatants[a].creature.multiattack.contains(&(attack_index as u32)) {
            self.combatants[a].creature.multiattack.iter().map(|&i| i as usize).collect()
        } else {
            vec![attack_index]
        };
        let mut log = DiceLog::new();
        let mut texts = Vec::new();
        for k in routine {
            if self.combatants[t].is_dead() {
                break;
            }
            let Some(band) = self.combatants[a].reach(k).band(dist) else { continue };
            let adv = self.attack_advantage(a, t, band);
            if self.combatants[a].creature.attacks.get(k).is_none() {
                continue;
            }
            // Through the house rules; exactly `R::resolve_attack` without profiles.
            let o = crate::systems::profiles::runtime::resolve_attack::<R>(self, a, t, k, adv, rng, &mut log)?;
            texts.push(o.text);
        }
        let r = self.push(ActionKind::Attack, actor, Some(target), log.take(), texts.join(". "));
        self.check_end();
        Ok(r)
    }

    /// Move in a straight line to `to` within the movement left (`E_TOO_FAR`,
    /// `E_INVALID_POSITION`). Costs no action; may be split around actions.
    pub fn move_to(&mut self, actor: u64, to: Pos) -> WkResult<ActionResult> {
        let i = self.acting_index(actor)?;
        if !to.is_finite() {
            return Err(err(ErrorCode::InvalidPosition, "the destination must be finite x, y in feet"));
        }
        let from = self.combatants[i].pos;
        let d = from.dist(to);
        let left = self.movement_left(actor);
        if d > left + FEET_EPSILON {
            return Err(err(
                ErrorCode::TooFar,
                format!("that is {d:.1} ft but {} has {left:.1} ft of movement left", self.combatants[i].name()),
            ));
        }
        // Frightened: never willingly closer to the source of its fear.
        for src in &self.combatants[i].cannot_approach {
            let Some(s) = self.get(*src).filter(|s| s.is_present()) else { continue };
            if to.dist(s.pos) + FEET_EPSILON < from.dist(s.pos) {
                return Err(err(
                    ErrorCode::Frightened,
                    format!(
                        "{} is frightened of {} and cannot move closer to them; move elsewhere",
                        self.combatants[i].name(),
                        s.name()
                    ),
                ));
            }
        }
        let (now, window, turn) = (self.now_micros, self.queue_window_micros, self.mode.is_turn_based());
        let c = &mut self.combatants[i];
        if turn {
            c.economy.movement_used_ft += d;
        } else {
            c.cooldown.consume_movement(d, now, window, c.speed_ft)?;
        }
        c.pos = to;
        let text = format!("{} moves {d:.0} ft to ({:.0}, {:.0})", c.name(), to.x, to.y);
        crate::systems::profiles::runtime::after_move(self); // auras follow
        Ok(self.push(ActionKind::Move, actor, None, vec![], text))
    }

    /// The Dash action: extra movement equal to the speed (turn modes; in ActionQueues the
    /// window's movement is the speed and Dash is not offered).
    pub fn dash(&mut self, actor: u64) -> WkResult<ActionResult> {
        let i = self.acting_index(actor)?;
        if !self.mode.is_turn_based() {
            return Err(err(ErrorCode::InvalidArgument, "Dash is not available in action-queue fights"));
        }
        self.spend(i, Budget::Action)?;
        let c = &mut self.combatants[i];
        c.economy.dash_ft += c.speed_ft;
        let text = format!("{} dashes", c.name());
        Ok(self.push(ActionKind::Dash, actor, None, vec![], text))
    }

    /// The Dodge action: attacks against the actor have disadvantage until its next turn.
    pub fn dodge(&mut self, actor: u64) -> WkResult<ActionResult> {
        let i = self.acting_index(actor)?;
        self.spend(i, Budget::Action)?;
        let c = &mut self.combatants[i];
        c.economy.dodging = true;
        let text = format!("{} takes the Dodge action", c.name());
        Ok(self.push(ActionKind::Dodge, actor, None, vec![], text))
    }

    /// Leave the fight (uses the action; no opportunity attacks are modelled). In turn modes the
    /// turn passes to the next combatant; the results include that turn start.
    pub fn flee<R: RulesEngine>(&mut self, actor: u64, rng: &mut impl DiceSource) -> WkResult<Vec<ActionResult>> {
        let i = self.acting_index(actor)?;
        self.spend(i, Budget::Action)?;
        self.combatants[i].fled = true;
        let text = format!("{} flees the fight", self.combatants[i].name());
        let mut out = vec![self.push(ActionKind::Flee, actor, None, vec![], text)];
        self.check_end();
        if self.mode.is_turn_based() && self.status == super::model::FightStatus::Active {
            self.advance::<R>(rng, &mut out);
        }
        Ok(out)
    }

    /// Use an item as a bonus action on the actor or an ally within 5 ft (down allies included:
    /// a potion wakes them). `heal`: the item's healing dice, rolled and applied through the
    /// rules; `None` for an item whose effect the reducer applies itself (a buff) — only the
    /// bonus action is spent then.
    pub fn use_item<R: RulesEngine>(
        &mut self,
        actor: u64,
        target: u64,
        item_name: &str,
        heal: Option<DiceExpr>,
        rng: &mut impl DiceSource,
    ) -> WkResult<ActionResult> {
        let a = self.acting_index(actor)?;
        let t = self
            .index_of(target)
            .ok_or_else(|| err(ErrorCode::InvalidTarget, format!("combatant {target} is not in this fight")))?;
        let (me, tg) = (&self.combatants[a], &self.combatants[t]);
        if tg.side != me.side || !tg.is_present() {
            return Err(err(
                ErrorCode::InvalidTarget,
                format!("{item_name} can only be used on yourself or a living ally who is still here"),
            ));
        }
        let dist = me.pos.dist(tg.pos);
        if dist > MELEE_REACH_FT + FEET_EPSILON {
            return Err(err(
                ErrorCode::OutOfRange,
                format!("{} is {dist:.1} ft away; move within 5 ft to use {item_name} on them", tg.name()),
            ));
        }
        self.spend(a, Budget::BonusAction)?;
        let mut log = DiceLog::new();
        let who = self.combatants[a].name().to_string();
        let text = match heal {
            Some(d) => {
                let amount = d.roll(rng, format!("{who}: {item_name} healing"), &mut log);
                let tg = &mut self.combatants[t];
                let name = tg.creature.name.clone();
                let h = R::heal(&name, &mut tg.creature.vitals, amount)?;
                format!("{who} uses {item_name}: {}", h.text)
            }
            None => format!("{who} uses {item_name}"),
        };
        let r = self.push(ActionKind::UseItem, actor, Some(target), log.take(), text);
        self.check_end();
        Ok(r)
    }

    /// End the actor's turn; the next combatant who can act starts theirs (dying ones roll their
    /// death save on the way). Turn modes only.
    pub fn end_turn<R: RulesEngine>(&mut self, actor: u64, rng: &mut impl DiceSource) -> WkResult<Vec<ActionResult>> {
        if !self.mode.is_turn_based() {
            return Err(err(ErrorCode::InvalidArgument, "action-queue fights have no turns to end"));
        }
        self.acting_index(actor)?;
        let name = self.get(actor).map(|c| c.name().to_string()).unwrap_or_default();
        let mut out = vec![self.push(ActionKind::EndTurn, actor, None, vec![], format!("{name} ends their turn"))];
        self.advance::<R>(rng, &mut out);
        Ok(out)
    }

    /// A stale-safe turn timeout: if `turn_seq` is still the current turn, the AI plays it.
    /// Otherwise (the turn already ended, the fight is over) nothing happens.
    pub fn timeout_turn<R: RulesEngine>(
        &mut self,
        turn_seq: u64,
        rng: &mut impl DiceSource,
        policy: &super::mode::AiPolicy,
    ) -> Vec<ActionResult> {
        if self.status != super::model::FightStatus::Active || !self.mode.is_turn_based() || turn_seq != self.turn_seq {
            return Vec::new();
        }
        super::ai::ai_take_turn::<R>(self, rng, policy)
    }
}
