//! Native tests of replay: seeded fights replay exactly; a changed rule is caught at the first
//! divergent action; the hash and the encoding; every draw has a purpose; and a small world run
//! twice ends identical.

use super::replay::*;
use super::*;
use crate::data::DataError;
use crate::error::WkError;
use crate::rules::*;
use crate::systems::spawner;

type R = ActiveRules;

#[cfg(feature = "dnd5e")]
const GUARD: &str = "guard";
#[cfg(not(feature = "dnd5e"))]
const GUARD: &str = "bandit";

fn monster(id: u64, side: u32, def: &str, x: f32, y: f32) -> Combatant {
    let d = R::monster(def).unwrap();
    monster_combatant::<R>(id, side, &d, None).at(x, y)
}

fn hero(id: u64, side: u32, x: f32, y: f32) -> Combatant {
    let mut c = monster(id, side, GUARD, x, y);
    c.kind = CombatantKind::Character { character_id: id };
    c.is_ai = false;
    c.connected = true;
    c.creature.name = format!("Hero{id}");
    c.base_name = c.creature.name.clone();
    c.creature.vitals.dies_at_zero = false;
    c.creature.xp = 0;
    c
}

fn cfg() -> ModeConfig {
    ModeConfig::default()
}

fn step(now: i64, a: ReplayAction) -> LoggedStep {
    LoggedStep::new(now, &cfg(), a)
}

fn start_step(seed: u64, mode: CombatMode, combatants: Vec<Combatant>) -> LoggedStep {
    step(1_000, ReplayAction::Start(StartArgs { ruleset: R::ID.into(), seed, mode, combatants }))
}

/// An AI-only fight as `combat::begin` runs it: start, then instant resolution.
fn instant_fight(seed: u64, guards: u64, goblins: u64) -> Recorder {
    let mut cs = Vec::new();
    for k in 0..guards {
        cs.push(monster(1 + k, 1, GUARD, 0.0, 5.0 * k as f32));
    }
    for k in 0..goblins {
        cs.push(monster(11 + k, 2, "goblin", 30.0, 5.0 * k as f32));
    }
    let mut r = Recorder::start::<R>(start_step(seed, CombatMode::InstantResolution, cs)).unwrap();
    r.step::<R>(step(1_000, ReplayAction::Instant)).unwrap();
    r
}

/// A human (id 1) against goblins in RelaxedTurns: the human attacks on some turns, moves and
/// ends the turn on others, lets one turn time out (the AI takes it), drops and comes back.
fn human_fight(seed: u64) -> Recorder {
    let cs = vec![hero(1, 1, 0.0, 0.0), monster(11, 2, "goblin", 5.0, 0.0), monster(12, 2, "goblin", 0.0, 5.0)];
    let mut r = Recorder::start::<R>(start_step(seed, CombatMode::RelaxedTurns, cs)).unwrap();
    r.step::<R>(step(2_000, ReplayAction::AiTurns)).unwrap();
    let mut now = 3_000;
    for turn in 0..40u32 {
        let f = r.fight();
        if f.status != FightStatus::Active {
            break;
        }
        assert_eq!(f.current_id(), Some(1), "after the AI turns it is the human's turn");
        now += 1_000;
        match turn % 4 {
            1 => {
                // The turn runs out: the AI plays it for the human.
                let seq = f.turn_seq;
                r.step::<R>(step(now, ReplayAction::Timeout(seq))).unwrap();
            }
            3 => {
                // The player drops (the AI plays on), then comes back.
                r.step::<R>(step(now, ReplayAction::Connection(ConnectionArgs { combatant: 1, connected: false })))
                    .unwrap();
                if r.fight().status == FightStatus::Active {
                    r.step::<R>(step(now, ReplayAction::Connection(ConnectionArgs { combatant: 1, connected: true })))
                        .unwrap();
                }
            }
            _ => {
                let target = f.combatants.iter().find(|c| c.side == 2 && c.is_present()).map(|c| c.id).unwrap();
                let _ = r.step::<R>(step(now, ReplayAction::Move(MoveArgs { actor: 1, x: 0.0, y: 0.0 })));
                let attack = ReplayAction::Attack(AttackArgs { actor: 1, target, attack_index: 0 });
                // Refused (out of reach after the goblins moved): not logged, like a failed call.
                let _ = r.step::<R>(step(now, attack));
                if r.fight().status == FightStatus::Active {
                    r.step::<R>(step(now, ReplayAction::EndTurn(1))).unwrap();
                }
            }
        }
    }
    r
}

#[test]
fn seeded_fights_replay_exactly() {
    for seed in [1u64, 42, 0xdead_beef, u64::MAX] {
        for r in [instant_fight(seed, 3, 4), instant_fight(seed, 1, 1), human_fight(seed)] {
            let report = replay::<R>(&r.entries, |_| {});
            assert!(report.ok(), "seed {seed}: {}", report.divergence.unwrap());
            assert_eq!(report.matched, r.entries.len());
            let (a, b) = (report.fight.unwrap(), r.fight().clone());
            assert_eq!(state_hash(&a), state_hash(&b));
            assert_eq!(a.combatants, b.combatants);
        }
    }
}

#[test]
fn human_fight_logs_every_kind_of_step() {
    // The first of a few seeds whose fight lasts long enough for a timed-out turn.
    let r = (7..40).map(human_fight).find(|r| r.entries.len() > 8).expect("a fight of some length");
    let has = |p: fn(&ReplayAction) -> bool| r.entries.iter().any(|e| p(&e.step.action));
    assert!(has(|a| matches!(a, ReplayAction::Start(_))));
    assert!(has(|a| matches!(a, ReplayAction::Attack(_))));
    assert!(has(|a| matches!(a, ReplayAction::Timeout(_))), "a timed-out turn is in the log");
    assert!(r.entries.iter().enumerate().all(|(i, e)| e.seq == i as u32));
    // Every step that draws takes its own stream, in order: 0 (start), 1, 2, ...
    let streams: Vec<u64> = r.entries.iter().filter_map(|e| e.rng_stream).collect();
    assert_eq!(streams, (0..streams.len() as u64).collect::<Vec<_>>());
    assert_eq!(r.fight().rng_streams, streams.len() as u64);
    // A step that rolls nothing (the zero-length moves here) takes no stream: free actions
    // cannot skip ahead through the dice.
    let moves: Vec<&LogEntry> = r.entries.iter().filter(|e| matches!(e.step.action, ReplayAction::Move(_))).collect();
    assert!(!moves.is_empty());
    assert!(moves.iter().all(|e| e.rng_stream.is_none()), "a move draws nothing and takes no stream");
}

#[test]
fn a_tampered_log_is_caught_where_it_was_changed() {
    // A step with a different argument: an attack aimed at the other goblin. (A miss against
    // either leaves the same state, so look for an attack where the change shows.)
    let mut found = 0;
    for seed in 9..14 {
        let r = human_fight(seed);
        let attacks: Vec<usize> =
            (0..r.entries.len()).filter(|&k| matches!(r.entries[k].step.action, ReplayAction::Attack(_))).collect();
        assert!(!attacks.is_empty());
        for k in attacks {
            let mut bad = r.entries.clone();
            if let ReplayAction::Attack(a) = &mut bad[k].step.action {
                a.target = if a.target == 11 { 12 } else { 11 };
            }
            if let Some(d) = replay::<R>(&bad, |_| {}).divergence {
                assert_eq!(d.index, k, "caught at the changed step: {d}");
                found += 1;
            }
        }
    }
    assert!(found > 0, "some retargeted attack changes the fight");
    let r = human_fight(9);
    // A stored hash off by one bit.
    let mut bad = r.entries.clone();
    bad[3].hash ^= 1;
    let d = replay::<R>(&bad, |_| {}).divergence.unwrap();
    assert_eq!((d.index, d.expected_hash), (3, r.entries[3].hash ^ 1));
    assert_eq!(d.actual_hash, Some(r.entries[3].hash));
    // A step that drew dice missing from the middle: the next one draws from the wrong stream.
    let k = (2..r.entries.len()).find(|&k| r.entries[k].rng_stream.is_some()).unwrap();
    let mut bad = r.entries.clone();
    bad.remove(k);
    assert_eq!(replay::<R>(&bad, |_| {}).divergence.unwrap().index, k);
}

/// The active ruleset with one change: every damage roll deals 1 more (a "rules change").
struct Harsher;

impl RulesEngine for Harsher {
    const ID: &'static str = R::ID;
    const TEST_DIE: &'static str = R::TEST_DIE;
    fn static_files() -> &'static [(&'static str, &'static str)] {
        R::static_files()
    }
    fn classes() -> Result<Vec<ClassDef>, DataError> {
        R::classes()
    }
    fn skills() -> Result<Vec<SkillDef>, DataError> {
        R::skills()
    }
    fn cached_skills() -> &'static [SkillDef] {
        R::cached_skills()
    }
    fn cached_monsters() -> &'static [MonsterDef] {
        R::cached_monsters()
    }
    fn levels() -> Result<Vec<LevelDef>, DataError> {
        R::levels()
    }
    fn monsters() -> Result<Vec<MonsterDef>, DataError> {
        R::monsters()
    }
    fn validate_ability_scores(scores: &AbilityScores) -> Result<(), WkError> {
        R::validate_ability_scores(scores)
    }
    fn choose_skills(class: &ClassDef, picked: &[String]) -> Result<Vec<String>, WkError> {
        R::choose_skills(class, picked)
    }
    fn starting_max_hp(class: &ClassDef, scores: &AbilityScores) -> i32 {
        R::starting_max_hp(class, scores)
    }
    fn default_config() -> RulesConfig {
        R::default_config()
    }
    fn proficiency_bonus(level: u8) -> i32 {
        R::proficiency_bonus(level)
    }
    fn level_for_xp(xp: u32) -> u8 {
        R::level_for_xp(xp)
    }
    fn derive(sheet: &CharacterSheet) -> DerivedStats {
        R::derive(sheet)
    }
    fn check_bonus(sheet: &CharacterSheet, kind: &CheckKind) -> Result<i32, WkError> {
        R::check_bonus(sheet, kind)
    }
    fn dc_range() -> std::ops::RangeInclusive<i32> {
        R::dc_range()
    }
    fn roll_test(
        modifier: i32,
        adv: Advantage,
        purpose: &str,
        rng: &mut impl DiceSource,
        log: &mut DiceLog,
    ) -> dice::KeptRoll {
        R::roll_test(modifier, adv, purpose, rng, log)
    }
    fn creature_from_monster(
        def: &MonsterDef,
        roll_hp: bool,
        rng: &mut impl DiceSource,
        log: &mut DiceLog,
    ) -> Creature {
        R::creature_from_monster(def, roll_hp, rng, log)
    }
    fn weapon_attack(sheet: &CharacterSheet, weapon: &WeaponDef) -> AttackDef {
        R::weapon_attack(sheet, weapon)
    }
    fn attack_roll(
        attacker: &str,
        attack: &AttackDef,
        target_ac: i32,
        adv: Advantage,
        rng: &mut impl DiceSource,
        log: &mut DiceLog,
    ) -> AttackRoll {
        R::attack_roll(attacker, attack, target_ac, adv, rng, log)
    }
    /// The change: +1 on the first damage part.
    fn roll_damage(attack: &AttackDef, crit: bool, rng: &mut impl DiceSource, log: &mut DiceLog) -> Vec<Damage> {
        let mut d = R::roll_damage(attack, crit, rng, log);
        if let Some(first) = d.first_mut() {
            first.amount += 1;
        }
        d
    }
    fn apply_damage(
        name: &str,
        vitals: &mut Vitals,
        defenses: &Defenses,
        damage: &[Damage],
        crit: bool,
    ) -> DamageOutcome {
        R::apply_damage(name, vitals, defenses, damage, crit)
    }
    fn death_save(
        name: &str,
        vitals: &mut Vitals,
        rng: &mut impl DiceSource,
        log: &mut DiceLog,
    ) -> Result<DeathSaveOutcome, WkError> {
        R::death_save(name, vitals, rng, log)
    }
    fn award_xp(sheet: &mut CharacterSheet, xp: u32) -> XpOutcome {
        R::award_xp(sheet, xp)
    }
    fn spend_hit_dice(
        sheet: &mut CharacterSheet,
        count: u8,
        rng: &mut impl DiceSource,
    ) -> Result<HitDiceOutcome, WkError> {
        R::spend_hit_dice(sheet, count, rng)
    }
    fn check_hit_dice_request(sheet: &CharacterSheet, kind: RestKind, count: u8) -> Result<(), WkError> {
        R::check_hit_dice_request(sheet, kind, count)
    }
    fn begin_rest(
        sheet: &CharacterSheet,
        kind: RestKind,
        ctx: &RestContext,
        config: &RulesConfig,
    ) -> Result<RestState, WkError> {
        R::begin_rest(sheet, kind, ctx, config)
    }
    fn complete_rest(
        sheet: &mut CharacterSheet,
        state: &RestState,
        hit_dice_to_spend: u8,
        rng: &mut impl DiceSource,
    ) -> Result<RestOutcome, WkError> {
        R::complete_rest(sheet, state, hit_dice_to_spend, rng)
    }
    fn world_tick(
        sheet: &mut CharacterSheet,
        rest: Option<&mut RestState>,
        elapsed_secs: u32,
        in_combat: bool,
        config: &RulesConfig,
        rng: &mut impl DiceSource,
    ) -> TickOutcome {
        R::world_tick(sheet, rest, elapsed_secs, in_combat, config, rng)
    }
}

/// The first step after which the two rulesets' fights differ, found without the hash: run
/// both side by side and compare the states field by field.
fn first_state_difference(entries: &[LogEntry]) -> Option<usize> {
    let (mut a, _) = start::<R>(&entries[0].step).unwrap();
    let (mut b, _) = start::<Harsher>(&entries[0].step).unwrap();
    for (i, e) in entries.iter().enumerate().skip(1) {
        apply::<R>(&mut a, &e.step).unwrap();
        if apply::<Harsher>(&mut b, &e.step).is_err() {
            return Some(i);
        }
        a.log.clear();
        b.log.clear();
        if a != b {
            return Some(i);
        }
    }
    None
}

#[test]
fn a_changed_damage_rule_is_caught_at_the_first_divergent_action() {
    let mut caught = 0;
    for seed in [3u64, 5, 8, 13, 21] {
        for r in [human_fight(seed), instant_fight(seed, 2, 3)] {
            assert!(replay::<R>(&r.entries, |_| {}).ok());
            let mut damage_steps = Vec::new();
            let report = replay::<Harsher>(&r.entries, |t| {
                if t.lines.iter().any(|l| l.kind == ActionKind::Attack && l.dice.len() > 1) {
                    damage_steps.push(t.index);
                }
            });
            let Some(d) = report.divergence else {
                // Every hit killed outright (HP stops at 0 either way): the states never differ.
                assert_eq!(first_state_difference(&r.entries), None, "seed {seed}: a difference went unnoticed");
                continue;
            };
            let expected = first_state_difference(&r.entries).expect("the states differ somewhere");
            assert_eq!(d.index, expected, "seed {seed}: {d}");
            assert!(d.index > 0, "initiative does not involve damage");
            assert!(damage_steps.contains(&d.index), "the divergent step dealt damage: {d}");
            assert_eq!(report.matched, d.index);
            caught += 1;
        }
    }
    assert!(caught >= 5, "most of these fights have a hit that does not kill: {caught}");
}

#[test]
fn the_hash_covers_state_and_ignores_the_rest() {
    let r = instant_fight(11, 2, 2);
    let f = r.fight().clone();
    let h = state_hash(&f);
    assert_eq!(h, state_hash(&f.clone()));
    let mut g = f.clone();
    g.log.push(ActionResult {
        round: 1,
        kind: ActionKind::End,
        actor: 0,
        target: None,
        dice: vec![],
        text: "x".into(),
    });
    g.now_micros += 5;
    g.combatants[0].creature.name = "renamed".into();
    assert_eq!(state_hash(&g), h, "log, clock and names are not state");
    let changes: Vec<fn(&mut Fight)> = vec![
        |f| f.combatants[0].creature.vitals.hp -= 1,
        |f| f.combatants[1].pos.x = f32::from_bits(f.combatants[1].pos.x.to_bits() ^ 1),
        |f| f.combatants[0].creature.vitals.concentrating ^= true,
        |f| f.combatants[1].flags.attackers_advantage.within_5ft ^= true,
        |f| f.combatants[0].economy.dodging ^= true,
        |f| f.round += 1,
        |f| f.turn_seq += 1,
        |f| f.rng_streams += 1,
        |f| f.order.reverse(),
    ];
    for (i, change) in changes.iter().enumerate() {
        let mut g = f.clone();
        change(&mut g);
        assert_ne!(state_hash(&g), h, "change {i} must change the hash");
    }
}

#[test]
fn steps_round_trip_through_their_encoding() {
    let r = human_fight(5);
    for e in &r.entries {
        let hex = encode_step(&e.step);
        assert_eq!(decode_step(&hex).unwrap(), e.step);
        assert_eq!(decode_step(&hex.to_uppercase()).unwrap(), e.step);
    }
    let join = step(9, ReplayAction::Join(hero(5, 2, 30.0, 10.0)));
    assert_eq!(decode_step(&encode_step(&join)).unwrap(), join);
    assert_eq!(from_hex("0aff").unwrap(), vec![10, 255]);
    assert!(from_hex("abc").is_err());
    assert!(from_hex("zz").is_err());
    assert!(decode_step("00").is_err());
}

#[test]
fn every_draw_has_a_purpose_in_the_dice_log() {
    for seed in [1u64, 2, 3] {
        for r in [instant_fight(seed, 3, 4), human_fight(seed)] {
            let mut draws = 0;
            let report = replay::<R>(&r.entries, |t| {
                assert_eq!(unlogged_draws(t.applied, t.lines), 0, "step {} drew without logging", t.index);
                let logged: usize = t.lines.iter().flat_map(|l| l.dice.iter()).map(|d| d.rolls.len()).sum();
                assert_eq!(t.applied.draws.len(), logged);
                draws += t.applied.draws.len();
            });
            assert!(report.ok());
            assert!(draws > 0);
        }
    }
}

#[test]
fn join_and_action_queue_steps_replay() {
    let mut cs = vec![hero(1, 1, 0.0, 0.0), hero(2, 1, 0.0, 5.0)];
    for k in 0..4 {
        cs.push(monster(11 + k, 2, "goblin", 20.0, 5.0 * k as f32));
    }
    let mut r = Recorder::start::<R>(start_step(77, CombatMode::ActionQueues, cs)).unwrap();
    r.step::<R>(step(2_000, ReplayAction::Join(monster(20, 2, "goblin", 25.0, 0.0)))).unwrap();
    for k in 0..30 {
        let now = 2_000 + k * 6_000_000;
        let _ = r.step::<R>(step(now, ReplayAction::Attack(AttackArgs { actor: 1, target: 11, attack_index: 0 })));
        r.step::<R>(step(now, ReplayAction::QueueTick)).unwrap();
        if r.fight().status != FightStatus::Active {
            break;
        }
    }
    assert!(r.entries.iter().any(|e| matches!(e.step.action, ReplayAction::Join(_))));
    assert!(r.entries.iter().any(|e| matches!(e.step.action, ReplayAction::QueueTick)));
    let report = replay::<R>(&r.entries, |_| {});
    assert!(report.ok(), "{}", report.divergence.unwrap());
}

/// Bounded storage: four humans who never act. The idle rule ends the fight where it stands
/// (nobody wins, no dice), the end is a logged step, and the log replays to the same hashes.
#[test]
fn an_idle_action_queue_fight_ends_by_a_logged_step_that_replays() {
    let cs = vec![hero(1, 1, 0.0, 0.0), hero(2, 1, 0.0, 5.0), hero(3, 2, 30.0, 0.0), hero(4, 2, 30.0, 5.0)];
    let mut r = Recorder::start::<R>(start_step(5, CombatMode::ActionQueues, cs)).unwrap();
    let idle = 300 * 1_000_000;
    assert_eq!(r.fight().last_human_micros, 1_000, "the idle clock starts at the start");
    for k in 1..5 {
        r.step::<R>(step(1_000 + k * 1_000_000, ReplayAction::QueueTick)).unwrap();
    }
    assert!(!idle_for(r.fight(), 1_000 + idle - 1, idle), "one micro short of the limit");
    assert!(idle_for(r.fight(), 1_000 + idle, idle));
    r.step::<R>(step(1_000 + idle, ReplayAction::Idle(idle))).unwrap();
    let f = r.fight();
    assert_eq!((f.status, f.winner, f.ended_idle), (FightStatus::Fled, None, true));
    assert!(f.combatants.iter().all(|c| c.creature.vitals.hp == c.creature.vitals.max_hp), "nobody was hurt");
    assert!(summary(f).contains("idle"), "{}", summary(f));
    assert!(!idle_for(f, i64::MAX, idle), "a fight that is over is not idle");
    let last = r.entries.last().unwrap();
    assert!(matches!(last.step.action, ReplayAction::Idle(_)));
    assert_eq!(last.rng_stream, None, "the idle end rolls nothing");
    let report = replay::<R>(&r.entries, |_| {});
    assert!(report.ok(), "{}", report.divergence.unwrap());
    // Only action-queue fights end this way: turn fights end through their turn timers.
    let turns = Recorder::start::<R>(start_step(
        5,
        CombatMode::ClassicTurns,
        vec![hero(1, 1, 0.0, 0.0), hero(2, 2, 30.0, 0.0)],
    ))
    .unwrap();
    assert!(!idle_for(turns.fight(), i64::MAX, idle));
}

// ----- world-level determinism ----------------------------------------------------------------

/// One fight of a world run: its final state, its log (steps and hashes) and the loot its dead
/// monsters drop.
type WorldFight = (Fight, Vec<LogEntry>, Vec<(String, u32)>);

/// Everything that matters at the end of a small world run.
#[derive(Debug, Clone, PartialEq)]
struct WorldEnd {
    fights: Vec<WorldFight>,
    /// Monsters still alive at each location (def, HP).
    alive: Vec<(String, String, i32)>,
    /// Ground items the spawner placed (location, def, quantity, x, y).
    ground: Vec<(String, String, u32, f64, f64)>,
    /// Attacks the human made (each one a step that had to succeed).
    human_attacks: usize,
}

/// The spawner's caps in the world run (one new monster and item per location and tick).
const WORLD_TOP_UP: spawner::TopUp =
    spawner::TopUp { monster_cap: 3, item_cap: 2, per_call: 1, monsters_on: true, items_on: true };

/// A small world driven by one world seed, through the module's own steps: each tick the
/// module's spawner step (`spawner::plan_top_up`, which the world tick's spawner writes) adds
/// monsters and ground items from the world RNG; then at every location with monsters a party
/// fights them through the fight engine the reducers use (fight seed from the world RNG). Even
/// ticks the party is AI-only (instant); odd ticks a human plays: step toward the nearest enemy
/// when out of reach, attack when in reach, end the turn; every third turn times out. Every step
/// the script takes must succeed (a refused step fails the test). Loot comes from each fight's
/// own stream after it ends, as in `combat::commit`.
fn run_world(world_seed: u64, ticks: u32) -> WorldEnd {
    use rand::{Rng, SeedableRng};
    let mut world = rand::rngs::StdRng::seed_from_u64(world_seed);
    let spawns = spawner::table();
    let loot = loot::table();
    let mut locations: Vec<String> = spawns.iter().map(|s| s.location_id.clone()).collect();
    locations.sort();
    locations.dedup();
    let mut alive: Vec<(String, String, i32)> = Vec::new();
    let mut ground = Vec::new();
    let mut fights = Vec::new();
    let mut human_attacks = 0;
    let mut next_id = 100u64;
    for tick in 0..ticks {
        let counts: Vec<spawner::LocationCount> = locations
            .iter()
            .map(|l| spawner::LocationCount {
                location_id: l.clone(),
                monsters: alive.iter().filter(|m| &m.0 == l).count(),
                ground_items: ground.iter().filter(|g: &&(String, String, u32, f64, f64)| &g.0 == l).count(),
            })
            .collect();
        for s in spawner::plan_top_up(&spawns, loot, &counts, WORLD_TOP_UP, &mut world) {
            match s {
                spawner::Spawn::Monster { location_id, def } => {
                    let hp = monster(0, 2, &def, 0.0, 0.0).creature.vitals.max_hp;
                    alive.push((location_id, def, hp));
                }
                spawner::Spawn::Item { location_id, def, quantity, x, y } => {
                    ground.push((location_id, def, quantity, x, y))
                }
            }
        }
        for loc in &locations {
            let here: Vec<usize> = (0..alive.len()).filter(|&i| &alive[i].0 == loc).collect();
            if here.is_empty() {
                continue;
            }
            let mut cs = vec![monster(1, 1, GUARD, 0.0, 0.0), monster(2, 1, GUARD, 0.0, 5.0)];
            let human = tick % 2 == 1;
            if human {
                cs[0] = hero(1, 1, 0.0, 0.0);
            }
            for (k, &i) in here.iter().enumerate() {
                let mut m = monster(next_id + k as u64, 2, &alive[i].1, 30.0, 5.0 * k as f32);
                m.creature.vitals.hp = alive[i].2;
                cs.push(m);
            }
            next_id += 100;
            let seed: u64 = world.gen();
            let mode = if human { CombatMode::RelaxedTurns } else { CombatMode::InstantResolution };
            let now = i64::from(tick) * 1_000_000;
            let mut r = Recorder::start::<R>(step(
                now,
                ReplayAction::Start(StartArgs { ruleset: R::ID.into(), seed, mode, combatants: cs }),
            ))
            .unwrap();
            if !human {
                r.step::<R>(step(now, ReplayAction::Instant)).unwrap();
            } else {
                r.step::<R>(step(now, ReplayAction::AiTurns)).unwrap();
                for turn in 0..60 {
                    let f = r.fight();
                    if f.status != FightStatus::Active {
                        break;
                    }
                    assert_eq!(f.current_id(), Some(1), "after the AI's turns it is the human's turn");
                    if turn % 3 == 2 {
                        r.step::<R>(step(now, ReplayAction::Timeout(f.turn_seq))).unwrap();
                        continue;
                    }
                    human_attacks += human_turn(&mut r, now);
                }
            }
            // Loot from the fight's next stream; survivors go back to the location.
            let mut f = r.fight().clone();
            let mut rng = f.next_rng();
            let mut drops = Vec::new();
            for c in f.combatants.iter().filter(|c| c.side == 2) {
                if let CombatantKind::Monster { monster_id } = &c.kind {
                    if c.creature.vitals.dead || c.creature.vitals.hp <= 0 {
                        drops.extend(loot::roll(loot, monster_id, &mut rng));
                    }
                }
            }
            let mut survivors = Vec::new();
            for (k, &i) in here.iter().enumerate() {
                if let Some(c) = f.get(next_id - 100 + k as u64) {
                    if c.creature.vitals.hp > 0 && !c.creature.vitals.dead {
                        survivors.push((alive[i].0.clone(), alive[i].1.clone(), c.creature.vitals.hp));
                    }
                }
            }
            alive.retain(|m| &m.0 != loc);
            alive.extend(survivors);
            fights.push((r.fight().clone(), r.entries.clone(), drops));
        }
    }
    WorldEnd { fights, alive, ground, human_attacks }
}

/// The human's (combatant 1) turn in the world run: out of reach of the nearest enemy, step
/// toward it (up to the movement left, stopping 4 ft short); in reach, attack; then end the
/// turn. Every step must succeed. Returns the attacks made (0 or 1).
fn human_turn(r: &mut Recorder, now: i64) -> usize {
    let f = r.fight();
    let me = f.get(1).expect("the hero is in the fight").clone();
    let mut attacks = 0;
    if me.is_standing() {
        let nearest = f
            .combatants
            .iter()
            .filter(|c| c.side == 2 && c.is_present())
            .min_by(|a, b| me.pos.dist(a.pos).total_cmp(&me.pos.dist(b.pos)).then(a.id.cmp(&b.id)))
            .map(|c| (c.id, c.pos));
        if let Some((target, at)) = nearest {
            let d = me.pos.dist(at);
            if me.reach(0).band(d).is_none() {
                let go = (d - 4.0).min(f.movement_left(1)).max(0.0);
                if go > 0.0 {
                    let k = go / d;
                    let (x, y) = (me.pos.x + (at.x - me.pos.x) * k, me.pos.y + (at.y - me.pos.y) * k);
                    r.step::<R>(step(now, ReplayAction::Move(MoveArgs { actor: 1, x, y }))).unwrap();
                }
            }
            let f = r.fight();
            let (me, at) = (f.get(1).unwrap(), f.get(target).unwrap().pos);
            if f.status == FightStatus::Active && me.is_standing() && me.reach(0).band(me.pos.dist(at)).is_some() {
                r.step::<R>(step(now, ReplayAction::Attack(AttackArgs { actor: 1, target, attack_index: 0 }))).unwrap();
                attacks = 1;
            }
        }
    }
    if r.fight().status == FightStatus::Active {
        r.step::<R>(step(now, ReplayAction::EndTurn(1))).unwrap();
    }
    attacks
}

#[test]
fn two_identical_world_runs_end_identical() {
    let a = run_world(2024, 6);
    let b = run_world(2024, 6);
    assert!(a.fights.len() >= 6, "the run fights: {}", a.fights.len());
    assert!(a.human_attacks >= 3, "the human attacked {} times", a.human_attacks);
    assert!(!a.ground.is_empty(), "the spawner placed ground items");
    assert_eq!(a, b);
    // Every fight of the run also replays from its log alone.
    for (f, entries, _) in &a.fights {
        let report = replay::<R>(entries, |_| {});
        assert!(report.ok(), "{}", report.divergence.unwrap());
        assert_eq!(state_hash(report.fight.as_ref().unwrap()), state_hash(f), "final state");
    }
    // The comparison can fail: another world seed gives another world.
    assert_ne!(run_world(2025, 6), a);
}

/// House rules are fight steps: a stack applied before the first human action and a second one
/// queued mid-fight (applied at the next turn boundary) replay to the same hashes, and a log that
/// leaves the house rules out diverges.
#[test]
fn house_rules_steps_replay_and_leaving_them_out_diverges() {
    use crate::systems::profiles::{ModifierEntry, Profile, TypeEntry};
    let stack = |id: &str, attack: i32, crit: i32| {
        vec![Profile {
            id: id.into(),
            name: id.into(),
            version: 1,
            per_type: vec![
                TypeEntry {
                    target: "monster:goblin".into(),
                    modifiers: vec![ModifierEntry::new("attack_bonus", attack)],
                },
                TypeEntry { target: "*".into(), modifiers: vec![ModifierEntry::new("crit_range", crit)] },
            ],
            ..Default::default()
        }]
    };
    let house = |request: u64, s: Vec<Profile>| {
        ReplayAction::HouseRules(HouseRulesArgs { layout: "arena".into(), tags: vec![], stack: s, request })
    };
    for seed in [3u64, 77, 1234] {
        let cs = vec![hero(1, 1, 0.0, 0.0), monster(11, 2, "goblin", 5.0, 0.0), monster(12, 2, "goblin", 0.0, 5.0)];
        let mut r = Recorder::start::<R>(start_step(seed, CombatMode::RelaxedTurns, cs)).unwrap();
        r.step::<R>(step(1_500, house(1, stack("first", 4, 18)))).unwrap();
        assert_eq!(r.fight().mods.applied, 1, "the first stack applies at once");
        r.step::<R>(step(2_000, ReplayAction::AiTurns)).unwrap();
        let mut now = 3_000;
        for turn in 0..12u32 {
            if r.fight().status != FightStatus::Active {
                break;
            }
            now += 1_000;
            if turn == 2 {
                r.step::<R>(step(now, house(2, stack("second", -2, 20)))).unwrap();
                assert!(r.fight().mods.pending.is_some(), "a later stack waits for the turn boundary");
            }
            let target = r.fight().combatants.iter().find(|c| c.side == 2 && c.is_present()).map(|c| c.id).unwrap();
            let _ = r.step::<R>(step(now, ReplayAction::Attack(AttackArgs { actor: 1, target, attack_index: 0 })));
            if r.fight().status == FightStatus::Active {
                r.step::<R>(step(now, ReplayAction::EndTurn(1))).unwrap();
            }
        }
        assert!(r.fight().mods.applied >= 1);
        let report = replay::<R>(&r.entries, |_| {});
        assert!(report.ok(), "seed {seed}: {}", report.divergence.unwrap());
        assert_eq!(report.matched, r.entries.len());
        // The same log without the first house-rules step diverges right where it was left out:
        // the house rules in force are part of the state hash.
        let at = r.entries.iter().position(|e| matches!(&e.step.action, ReplayAction::HouseRules(h) if h.request == 1));
        let at = at.expect("the first house-rules step is logged");
        let mut without = r.entries.clone();
        without.remove(at);
        let report = replay::<R>(&without, |_| {});
        assert!(!report.ok(), "seed {seed}: a log missing the house rules must not replay clean");
        assert_eq!(report.matched, at, "seed {seed}: caught at the step after the missing one");
    }
}
