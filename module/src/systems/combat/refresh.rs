//! The world reaching into a running fight: a combatant's view refreshed when something outside
//! the fight changed it (a buff applied, ending or ticking, a potion drunk), and damage or healing
//! from outside the fight's own dice (a buff's periodic damage, rolled by the caller and logged
//! with the step). No dice are drawn here, so a refresh never moves the fight's RNG streams.

use super::{ActionKind, ActionResult, CombatFlags, Fight, Reach};
use crate::error::{err, ErrorCode, WkResult};
use crate::rules::{Creature, Damage, RulesEngine};
use spacetimedb::SpacetimeType;

/// A combatant's numbers as the world resolves them now (`systems::view::creature` for a
/// character): everything but its vitals, which are the fight's own.
#[derive(SpacetimeType, Debug, Clone, PartialEq)]
pub struct CombatantView {
    pub creature: Creature,
    pub reaches: Vec<Reach>,
    pub speed_ft: f32,
    pub flags: CombatFlags,
    /// Its own modifier sources tagged by condition (`systems::profiles::conditions`), for house
    /// rules that make it immune to a condition; empty when it holds none.
    pub sources: Vec<crate::systems::profiles::conditions::HeldSource>,
    /// The sources of its charm (`cannot_harm_source`) and fear (`cannot_approach_source`).
    pub cannot_harm: Vec<u64>,
    pub cannot_approach: Vec<u64>,
}

/// Arguments of `ReplayAction::Refresh`.
#[derive(SpacetimeType, Debug, Clone, PartialEq)]
pub struct RefreshArgs {
    pub combatant: u64,
    /// The new view; `None` when only damage or healing arrives.
    pub view: Option<CombatantView>,
    /// Damage from outside the fight (already rolled), through the combatant's defenses.
    pub damage: Vec<Damage>,
    /// Healing from outside the fight (already rolled).
    pub heal: i32,
    /// Temporary hit points granted from outside the fight (a potion's); the higher is kept.
    pub temp_hp: i32,
    /// What caused it, for the log ("Venom", "Shield of Faith").
    pub source: String,
}

impl Fight {
    /// Apply an outside change to one combatant. The view replaces the combatant's stats (AC,
    /// attacks, saves, defenses, speed, flags); its current HP is kept (clamped to a new max),
    /// as are its name in this fight, the perks prepared for this fight's mode and its
    /// initiative. House rules in force are applied again over the new numbers.
    pub fn refresh<R: RulesEngine>(&mut self, a: &RefreshArgs) -> WkResult<ActionResult> {
        self.require_active()?;
        let i = self
            .index_of(a.combatant)
            .ok_or_else(|| err(ErrorCode::NotInCombat, format!("combatant {} is not in this fight", a.combatant)))?;
        let mut texts = Vec::new();
        if let Some(v) = &a.view {
            let c = &mut self.combatants[i];
            let old = std::mem::replace(&mut c.creature, v.creature.clone());
            let max_hp = c.creature.vitals.max_hp.max(1);
            c.creature.vitals = crate::rules::Vitals { max_hp, hp: old.vitals.hp.min(max_hp), ..old.vitals };
            c.creature.name = old.name;
            c.creature.perks = old.perks;
            c.creature.initiative_bonus = old.initiative_bonus;
            c.reaches = v.reaches.clone();
            c.speed_ft = v.speed_ft;
            c.flags = v.flags;
            c.cannot_harm = v.cannot_harm.clone();
            c.cannot_approach = v.cannot_approach.clone();
            texts.push(format!("{}: {} (AC {})", c.creature.name, a.source, c.creature.ac));
            crate::systems::profiles::runtime::rebase(self, a.combatant, &v.sources);
        }
        let c = &mut self.combatants[i];
        if !a.damage.is_empty() && !c.creature.vitals.dead {
            let cr = &mut c.creature;
            let o = R::apply_damage(&cr.name, &mut cr.vitals, &cr.defenses, &a.damage, false);
            texts.push(format!("{} ({})", o.text, a.source));
        }
        if a.heal > 0 && !c.creature.vitals.dead {
            let cr = &mut c.creature;
            if let Ok(o) = R::heal(&cr.name, &mut cr.vitals, a.heal) {
                texts.push(format!("{} ({})", o.text, a.source));
            }
        }
        if a.temp_hp > 0 && !c.creature.vitals.dead {
            let now = R::grant_temp_hp(&mut c.creature.vitals, a.temp_hp);
            texts.push(format!("{} has {now} temporary HP ({})", c.creature.name, a.source));
        }
        let r = self.push(ActionKind::Effect, a.combatant, None, vec![], texts.join("; "));
        self.check_end();
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{ActiveRules, DamageType};
    use crate::systems::combat::replay::{self, LoggedStep, ReplayAction, StartArgs};
    use crate::systems::combat::{monster_combatant, state_hash, CombatMode, Combatant, CombatantKind, ModeConfig};

    type R = ActiveRules;

    fn fighter(id: u64, side: u32, x: f32) -> Combatant {
        let d = R::monster("bandit").or_else(|_| R::monster("goblin")).expect("a shipped monster");
        let mut c = monster_combatant::<R>(id, side, &d, None).at(x, 0.0);
        if side == 1 {
            c.kind = CombatantKind::Character { character_id: id };
            c.is_ai = false;
            c.connected = true;
            c.creature.vitals.dies_at_zero = false;
        }
        c
    }

    fn fight() -> (crate::systems::combat::Fight, Vec<LoggedStep>) {
        let cfg = ModeConfig::default();
        let start = LoggedStep::new(
            1_000_000,
            &cfg,
            ReplayAction::Start(StartArgs {
                ruleset: R::ID.into(),
                seed: 7,
                mode: CombatMode::RelaxedTurns,
                combatants: vec![fighter(1, 1, 0.0), fighter(2, 2, 30.0)],
            }),
        );
        let (f, _) = replay::start::<R>(&start).expect("start");
        (f, vec![start])
    }

    fn refresh_step(args: RefreshArgs) -> LoggedStep {
        LoggedStep::new(2_000_000, &ModeConfig::default(), ReplayAction::Refresh(args))
    }

    #[test]
    fn a_new_view_changes_the_combatant_at_once_and_keeps_its_hp() {
        let (mut f, _) = fight();
        let hp_before = {
            let c = f.get_mut(1).unwrap();
            c.creature.vitals.hp -= 3;
            c.creature.vitals.hp
        };
        let mut view = {
            let c = f.get(1).unwrap();
            CombatantView {
                creature: c.creature.clone(),
                reaches: c.reaches.clone(),
                speed_ft: 60.0,
                flags: c.flags,
                sources: vec![],
                cannot_harm: vec![],
                cannot_approach: vec![],
            }
        };
        view.creature.ac += 2;
        view.creature.vitals.hp = 999; // a view's HP is never taken: the fight owns the vitals
        let ac = view.creature.ac;
        let streams = f.rng_streams;
        let args =
            RefreshArgs { combatant: 1, view: Some(view), damage: vec![], heal: 0, temp_hp: 0, source: "Haste".into() };
        replay::apply::<R>(&mut f, &refresh_step(args)).expect("refresh");
        let c = f.get(1).unwrap();
        assert_eq!((c.creature.ac, c.speed_ft, c.creature.vitals.hp), (ac, 60.0, hp_before));
        assert_eq!(f.rng_streams, streams, "a refresh draws no dice");
        assert_eq!(f.log.last().map(|l| l.kind), Some(ActionKind::Effect));
    }

    #[test]
    fn outside_damage_goes_through_the_combatants_defenses_and_can_drop_it() {
        let (mut f, _) = fight();
        let hp = f.get(1).unwrap().creature.vitals.hp;
        let args = RefreshArgs {
            combatant: 1,
            view: None,
            damage: vec![Damage::new(2, DamageType::Poison)],
            heal: 0,
            temp_hp: 0,
            source: "Venom".into(),
        };
        replay::apply::<R>(&mut f, &refresh_step(args.clone())).expect("damage");
        let after = f.get(1).unwrap().creature.vitals.hp;
        let immune = f.get(1).unwrap().creature.defenses.immunities.iter().any(|r| r.damage_type == DamageType::Poison);
        assert_eq!(after, if immune { hp } else { hp - 2 });
        // Enough damage drops the combatant, and the fight sees it (it may end).
        let big = RefreshArgs { damage: vec![Damage::new(10_000, DamageType::Fire)], ..args };
        replay::apply::<R>(&mut f, &refresh_step(big)).expect("damage");
        assert!(f.get(1).unwrap().creature.vitals.hp <= 0);
        assert_ne!(f.status, crate::systems::combat::FightStatus::Active, "side 1 has nobody standing");
    }

    #[test]
    fn a_refresh_replays_to_the_same_state() {
        let (mut f, steps) = fight();
        let mut view = {
            let c = f.get(1).unwrap();
            CombatantView {
                creature: c.creature.clone(),
                reaches: c.reaches.clone(),
                speed_ft: c.speed_ft,
                flags: c.flags,
                sources: vec![],
                cannot_harm: vec![],
                cannot_approach: vec![],
            }
        };
        view.creature.attacks[0].to_hit += 1;
        let step = refresh_step(RefreshArgs {
            combatant: 1,
            view: Some(view),
            damage: vec![Damage::new(1, DamageType::Fire)],
            heal: 0,
            temp_hp: 5,
            source: "Bless".into(),
        });
        replay::apply::<R>(&mut f, &step).expect("refresh");
        let (mut g, _) = replay::start::<R>(&steps[0]).expect("start");
        replay::apply::<R>(&mut g, &step).expect("replayed");
        assert_eq!(state_hash(&f), state_hash(&g));
    }

    #[test]
    fn a_refresh_for_someone_not_in_the_fight_is_refused() {
        let (mut f, _) = fight();
        let args = RefreshArgs { combatant: 99, view: None, damage: vec![], heal: 1, temp_hp: 0, source: "x".into() };
        let e = replay::apply::<R>(&mut f, &refresh_step(args)).expect_err("not in the fight");
        assert_eq!(e.code, crate::error::ErrorCode::NotInCombat);
    }

    #[test]
    fn haste_gives_one_more_action_each_turn() {
        let (mut f, _) = fight();
        let cur = f.current_id().expect("a turn fight has a current combatant");
        let other = if cur == 1 { 2 } else { 1 };
        // Next to each other, and an AC nothing hits, so no damage dice are drawn.
        let at = f.get(cur).unwrap().pos;
        f.get_mut(other).unwrap().pos = crate::systems::combat::Pos { x: at.x + 5.0, y: at.y };
        f.get_mut(other).unwrap().creature.ac = 100;
        let miss: Vec<i32> = if R::TEST_DIE == "d20" { vec![1] } else { vec![1, 1] };
        let mut dice = crate::rules::Scripted::new(&miss.repeat(3));
        f.attack::<R>(cur, other, 0, &mut dice).expect("the action");
        let e = f.attack::<R>(cur, other, 0, &mut dice).expect_err("no second action without haste");
        assert_eq!(e.code, crate::error::ErrorCode::NoActionLeft);
        f.get_mut(cur).unwrap().flags.extra_action = true;
        f.attack::<R>(cur, other, 0, &mut dice).expect("haste's extra action");
        let e = f.attack::<R>(cur, other, 0, &mut dice).expect_err("only one extra action");
        assert_eq!(e.code, crate::error::ErrorCode::NoActionLeft);
    }
}
