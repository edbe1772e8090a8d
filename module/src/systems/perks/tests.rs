//! Guard tests of the perk registry and seeded behaviour of every perk.

use super::combat::{lucky_reroll, prepare, CombatPerk};
use super::data::{check_against_manifest, mode_bit, parse_perks, ALL_MODES, DND5E_PERKS_CSV, LITE_PERKS_CSV};
use super::hooks::{EffectsOwner, PerkHooks};
use super::manifest::*;
use super::*;
use crate::error::ErrorCode;
use crate::rules::{AbilityScores, ActiveRules, CharacterSheet, DiceLog, DiceSource, RestKind, RulesEngine};
use crate::systems::combat::CombatMode;
use rand::SeedableRng;
use std::collections::VecDeque;

type R = ActiveRules;

#[cfg(feature = "dnd5e")]
const GUARD: &str = "guard";
#[cfg(not(feature = "dnd5e"))]
const GUARD: &str = "bandit";

/// Hands out queued faces (then a fixed 3) and records the die size of every draw.
#[derive(Default)]
struct Recorder {
    faces: VecDeque<i32>,
    draws: Vec<u32>,
}

impl Recorder {
    fn new(faces: &[i32]) -> Recorder {
        Recorder { faces: faces.iter().copied().collect(), draws: Vec::new() }
    }
}

impl DiceSource for Recorder {
    fn roll_die(&mut self, sides: u32) -> i32 {
        self.draws.push(sides);
        self.faces.pop_front().unwrap_or(3.min(sides as i32))
    }
}

fn sheet(level: u8) -> CharacterSheet {
    let class = R::classes().unwrap().into_iter().next().unwrap();
    let mut s = R::new_character("Hero", &class, AbilityScores::from_array([14, 12, 14, 10, 10, 14]), vec![]);
    s.level = level;
    s
}

fn owned(ids: &[&str]) -> Vec<OwnedPerk> {
    ids.iter()
        .map(|id| OwnedPerk { perk_id: id.to_string(), state: PerkState { stacks: 1, ..Default::default() } })
        .collect()
}

fn pick(id: &str, s: &mut CharacterSheet) -> PerkState {
    dispatch::pick(manifest::hooks_for(id).unwrap(), s, None)
}

fn ids(m: &[&PerkHooks]) -> Vec<&'static str> {
    m.iter().map(|h| h.id).collect()
}

// ----- registry guards ------------------------------------------------------------------------

#[test]
fn every_perk_id_appears_exactly_once_in_the_manifest() {
    let all = ids(PERK_HOOKS_IN_ORDER);
    for id in &all {
        assert_eq!(all.iter().filter(|x| *x == id).count(), 1, "`{id}` is listed more than once");
    }
    assert!(all.len() >= 12);
}

#[test]
fn every_csv_perk_has_exactly_one_implementation_and_vice_versa_per_ruleset() {
    for (ruleset, file, text) in
        [("dnd5e", "dnd5e/perks.csv", DND5E_PERKS_CSV), ("lite", "lite/perks.csv", LITE_PERKS_CSV)]
    {
        let defs = parse_perks(file, text).unwrap();
        check_against_manifest(file, text, &defs, ruleset).unwrap();
        let mut csv: Vec<&str> = defs.iter().map(|d| d.id.as_str()).collect();
        let mut imp: Vec<&str> = PERK_HOOKS_IN_ORDER.iter().filter(|h| h.supports(ruleset)).map(|h| h.id).collect();
        csv.sort_unstable();
        imp.sort_unstable();
        assert_eq!(csv, imp, "{ruleset}");
    }
    // The active table loads and validates.
    assert!(data::load().unwrap().len() >= 10);
    // A row without an implementation, or an implementation without a row, is refused.
    let extra = format!("{DND5E_PERKS_CSV}ghost,Ghost,none,false,1,,,1,all\n");
    let defs = parse_perks("x", &extra).unwrap();
    assert!(check_against_manifest("x", &extra, &defs, "dnd5e").unwrap_err().message.contains("ghost"));
    let missing: String =
        DND5E_PERKS_CSV.lines().filter(|l| !l.starts_with("lucky,")).map(|l| format!("{l}\n")).collect();
    let defs = parse_perks("x", &missing).unwrap();
    assert!(check_against_manifest("x", &missing, &defs, "dnd5e").unwrap_err().message.contains("lucky"));
    // A dnd5e-only perk in the lite file is refused too.
    let lite_plus = format!("{LITE_PERKS_CSV}savage_attacks,Savage,x,false,1,,,1,all\n");
    let defs = parse_perks("x", &lite_plus).unwrap();
    assert!(check_against_manifest("x", &lite_plus, &defs, "lite").is_err());
}

#[test]
fn every_phase_has_at_least_one_perk() {
    assert!(!world_tick_steps().is_empty());
    assert!(!character_tick_steps().is_empty());
    assert!(effects_steps().len() > 1);
    assert!(!death_hooks().is_empty());
    assert!(PERK_HOOKS_IN_ORDER.iter().any(|h| h.on_pick.is_some()));
}

/// Each derived table is exactly the manifest filtered by the phase, in manifest order; the
/// explicit wiring pins which perk owns which phase.
#[test]
fn dispatch_tables_are_order_preserving_projections_of_the_manifest() {
    let has = |f: fn(&PerkHooks) -> bool| -> Vec<&str> {
        PERK_HOOKS_IN_ORDER.iter().filter(|h| f(h)).map(|h| h.id).collect()
    };
    let w: Vec<&str> = world_tick_steps().iter().map(|(id, _)| *id).collect();
    let c: Vec<&str> = character_tick_steps().iter().map(|(id, _)| *id).collect();
    let e: Vec<&str> = effects_steps().iter().skip(1).map(|s| s.name()).collect();
    let d: Vec<&str> = death_hooks().iter().map(|(id, _)| *id).collect();
    assert_eq!(w, has(|h| h.world_tick.is_some()));
    assert_eq!(c, has(|h| h.character_tick.is_some()));
    assert_eq!(e, has(|h| h.effects_step.is_some()));
    assert_eq!(d, has(|h| h.on_death.is_some()));
    // Subsequences: positions in the manifest strictly increase.
    let pos = |id: &str| PERK_HOOKS_IN_ORDER.iter().position(|h| h.id == id).unwrap();
    for t in [&w, &c, &e, &d] {
        assert!(t.windows(2).all(|p| pos(p[0]) < pos(p[1])), "{t:?} is not in manifest order");
    }
    // Explicit wiring.
    assert_eq!(w, vec!["quickened"]);
    assert_eq!(c, vec!["second_wind", "regeneration"]);
    assert_eq!(e, vec!["inspiring_leader"]);
    assert_eq!(d, vec!["relentless_endurance"]);
    // A reordered manifest gives reordered tables (no hidden sort).
    let mut rev: Vec<&'static PerkHooks> = PERK_HOOKS_IN_ORDER.to_vec();
    rev.reverse();
    let rc: Vec<&str> = character_tick_steps_of(&rev).iter().map(|(id, _)| *id).collect();
    assert_eq!(rc, vec!["regeneration", "second_wind"]);
}

#[test]
fn buff_upkeep_is_always_the_first_effects_step() {
    let steps = effects_steps();
    assert!(matches!(steps[0], EffectsStep::BuffUpkeep));
    assert_eq!(steps.iter().filter(|s| matches!(s, EffectsStep::BuffUpkeep)).count(), 1);
    // Whatever the manifest holds (even nothing, even reversed).
    assert!(matches!(effects_steps_of(&[])[0], EffectsStep::BuffUpkeep));
    let mut rev: Vec<&'static PerkHooks> = PERK_HOOKS_IN_ORDER.to_vec();
    rev.reverse();
    assert_eq!(effects_steps_of(&rev)[0].name(), "buff_upkeep");
}

/// A fixed scenario: a hurt character whose Second Wind is spent and who regenerates, 60 s. The
/// draws are pinned: Second Wind's d6 first, then Regeneration's d4 (manifest order). Moving
/// either line in the manifest changes this sequence and fails the test.
#[test]
fn rng_draw_order_follows_the_manifest() {
    fn scenario(table: &[(&'static str, CharacterTickFn)]) -> (Vec<u32>, i32) {
        let mut s = sheet(3);
        s.vitals.hp = s.vitals.max_hp - 10;
        let mut o = owned(&["regeneration", "second_wind"]);
        let mut rng = Recorder::new(&[2, 4]);
        dispatch::character_tick(table, &mut o, &mut s, 60, false, &mut rng);
        (rng.draws, s.vitals.max_hp - s.vitals.hp)
    }
    let (draws, missing) = scenario(&character_tick_steps());
    assert_eq!(draws, vec![6, 4], "second_wind draws its d6 before regeneration's d4");
    assert_eq!(missing, 6, "regeneration healed the d4 face it drew (4)");
    let mut rev: Vec<&'static PerkHooks> = PERK_HOOKS_IN_ORDER.to_vec();
    rev.reverse();
    let (draws_rev, missing_rev) = scenario(&character_tick_steps_of(&rev));
    assert_eq!(draws_rev, vec![4, 6]);
    assert_ne!(missing_rev, missing, "a reordered manifest hands the faces to other hooks");
}

#[test]
fn shipped_files_parse_and_bad_cells_are_refused() {
    let d = parse_perks("dnd5e/perks.csv", DND5E_PERKS_CSV).unwrap();
    assert!(d.len() >= 12);
    let iron = d.iter().find(|p| p.id == "iron_will").unwrap();
    assert_eq!(iron.requires_perk.as_deref(), Some("tough"));
    assert_eq!(d.iter().find(|p| p.id == "alert").unwrap().modes, ALL_MODES);
    let head = "id,name,description,stackable,min_level,ability_min,requires_perk,weight,modes\n";
    for bad in [
        "a,A,x,false,1,,,1,sometimes\n",
        "a,A,x,false,0,,,1,all\n",
        "a,A,x,false,1,luck:13,,1,all\n",
        "a,A,x,false,1,,b,1,all\n",
        "a,A,x,false,1,,,0,all\n",
        "A b,A,x,false,1,,,1,all\n",
        "a,A,x,false,1,,,1,all\na,A,x,false,1,,,1,all\n",
    ] {
        assert!(parse_perks("t", &format!("{head}{bad}")).is_err(), "{bad}");
    }
}

// ----- selection ------------------------------------------------------------------------------

#[test]
fn offers_draw_only_eligible_perks_and_are_deterministic_for_a_seed() {
    let defs = data::table();
    let mut s = sheet(2);
    s.scores = AbilityScores::from_array([10, 10, 10, 10, 10, 10]);
    let el: Vec<&str> = selection::eligible(&defs, &s, &[]).iter().map(|d| d.id.as_str()).collect();
    assert!(!el.contains(&"iron_will"), "needs tough");
    assert!(!el.contains(&"regeneration"), "needs CON 13");
    assert!(!el.contains(&"quickened"), "needs level 3");
    let el2: Vec<&str> =
        selection::eligible(&defs, &s, &owned(&["tough", "resilient"])).iter().map(|d| d.id.as_str()).collect();
    assert!(el2.contains(&"iron_will") && !el2.contains(&"tough") && el2.contains(&"resilient"), "{el2:?}");

    let a = selection::draw_offer(&defs, &s, &[], OFFER_SIZE, &mut rand::rngs::StdRng::seed_from_u64(7));
    let b = selection::draw_offer(&defs, &s, &[], OFFER_SIZE, &mut rand::rngs::StdRng::seed_from_u64(7));
    assert_eq!(a, b);
    assert_eq!(a.len(), OFFER_SIZE);
    let mut u = a.clone();
    u.sort();
    u.dedup();
    assert_eq!(u.len(), a.len(), "no duplicates in an offer");
    assert!(a.iter().all(|id| el.contains(&id.as_str())));
    // Weights: one die of the total weight per pick, scripted.
    let total: u32 = selection::eligible(&defs, &s, &[]).iter().map(|d| d.weight).sum();
    let first = selection::draw_offer(&defs, &s, &[], 1, &mut crate::rules::Scripted::new(&[1]));
    assert_eq!(first, vec![el[0].to_string()]);
    let last = selection::draw_offer(&defs, &s, &[], 1, &mut crate::rules::Scripted::new(&[total as i32]));
    assert_eq!(last, vec![el[el.len() - 1].to_string()]);
}

#[test]
fn choices_outside_the_offer_or_twice_are_refused() {
    let defs = data::table();
    let choices = vec!["tough".to_string(), "alert".to_string()];
    assert!(selection::check_choice(&defs, &choices, None, "alert", &[]).is_ok());
    let e = |r: crate::error::WkResult<()>| r.unwrap_err().code;
    assert_eq!(e(selection::check_choice(&defs, &choices, None, "lucky", &[])), ErrorCode::PerkNotOffered);
    assert_eq!(e(selection::check_choice(&defs, &choices, Some("tough"), "alert", &[])), ErrorCode::OfferAlreadyChosen);
    assert_eq!(
        e(selection::check_choice(&defs, &choices, None, "alert", &owned(&["alert"]))),
        ErrorCode::OfferAlreadyChosen
    );
    let st = vec!["resilient".to_string()];
    assert!(selection::check_choice(&defs, &st, None, "resilient", &owned(&["resilient"])).is_ok(), "stackable");
}

// ----- each perk, seeded ----------------------------------------------------------------------

#[test]
fn tough_adds_two_max_hp_per_level_now_and_later() {
    let mut s = sheet(3);
    let (max, hp) = (s.vitals.max_hp, s.vitals.hp);
    let st = pick("tough", &mut s);
    assert_eq!(st.stacks, 1);
    assert_eq!((s.vitals.max_hp, s.vitals.hp), (max + 6, hp + 6));
    dispatch::level_up(&[OwnedPerk { perk_id: "tough".into(), state: st }], &mut s, 2);
    assert_eq!(s.vitals.max_hp, max + 10);
}

#[test]
fn alert_raises_derived_and_combat_initiative_in_allowed_modes() {
    let s = sheet(1);
    let mut d = R::derive(&s);
    let before = d.initiative_bonus;
    dispatch::adjust_derived(&owned(&["alert"]), &mut d);
    assert_eq!(d.initiative_bonus, before + 5);

    let def = R::monster(GUARD).unwrap();
    let mut c = R::creature_from_monster(&def, false, &mut Recorder::new(&[]), &mut DiceLog::new());
    let base = c.initiative_bonus;
    c.perks = vec![CombatPerk { perk_id: "alert".into(), stacks: 1, modes: ALL_MODES }];
    prepare(&mut c, CombatMode::ClassicTurns);
    assert_eq!(c.initiative_bonus, base + 5);
    let mut c2 = R::creature_from_monster(&def, false, &mut Recorder::new(&[]), &mut DiceLog::new());
    c2.perks = vec![CombatPerk { perk_id: "alert".into(), stacks: 1, modes: mode_bit(CombatMode::InstantResolution) }];
    prepare(&mut c2, CombatMode::ClassicTurns);
    assert_eq!(c2.initiative_bonus, base, "not allowed in this mode");
    assert!(c2.perks.is_empty());
}

#[test]
fn resilient_raises_con_to_at_most_20_and_iron_will_raises_wis_saves() {
    let mut s = sheet(1);
    let con = s.scores.con;
    pick("resilient", &mut s);
    assert_eq!(s.scores.con, con + 1);
    s.scores.con = 20;
    pick("resilient", &mut s);
    assert_eq!(s.scores.con, 20);
    let mut d = R::derive(&s);
    let w = d.save_bonuses.get(crate::rules::Ability::Wis);
    dispatch::adjust_derived(&owned(&["iron_will"]), &mut d);
    assert_eq!(d.save_bonuses.get(crate::rules::Ability::Wis), w + 2);
}

#[test]
fn quickened_runs_the_owners_clock_at_one_and_a_half() {
    let t = world_tick_steps();
    assert_eq!(dispatch::world_clock(&t, &owned(&["quickened"]), 10), 15);
    assert_eq!(dispatch::world_clock(&t, &owned(&["tough"]), 10), 10);
}

#[test]
fn second_wind_heals_once_then_recharges_on_five_or_six() {
    let mut s = sheet(2);
    s.vitals.hp = 1;
    let mut o = vec![OwnedPerk { perk_id: "second_wind".into(), state: pick("second_wind", &mut s) }];
    assert_eq!(o[0].state.charges, 1);
    let text = dispatch::use_perk(&mut o, "second_wind", &mut s, &mut Recorder::new(&[7])).unwrap();
    assert_eq!(s.vitals.hp, 1 + 7 + 2, "{text}");
    let err = dispatch::use_perk(&mut o, "second_wind", &mut s, &mut Recorder::new(&[7])).unwrap_err();
    assert_eq!(err.code, ErrorCode::PerkNotReady);
    assert_eq!(
        dispatch::use_perk(&mut o, "tough", &mut s, &mut Recorder::new(&[])).unwrap_err().code,
        ErrorCode::PerkNotOwned
    );
    assert_eq!(
        dispatch::use_perk(&mut o, "nope", &mut s, &mut Recorder::new(&[])).unwrap_err().code,
        ErrorCode::UnknownPerk
    );
    // 30 s: no roll yet; 90 s more: a 4 (no), then a 5 (recharged).
    let t = character_tick_steps();
    let mut rng = Recorder::new(&[4, 5]);
    dispatch::character_tick(&t, &mut o, &mut s, 30, false, &mut rng);
    assert!(rng.draws.is_empty());
    dispatch::character_tick(&t, &mut o, &mut s, 90, false, &mut rng);
    assert_eq!(rng.draws, vec![6, 6]);
    assert_eq!(o[0].state.charges, 1);
    // A rest also recharges it.
    o[0].state.charges = 0;
    dispatch::rest(&mut o, RestKind::Short);
    assert_eq!(o[0].state.charges, 1);
}

#[test]
fn regeneration_heals_a_d4_a_minute_only_while_hurt_and_conscious() {
    let t = character_tick_steps();
    let mut s = sheet(2);
    s.vitals.hp = s.vitals.max_hp - 10;
    let mut o = owned(&["regeneration"]);
    let mut rng = Recorder::new(&[3, 2]);
    dispatch::character_tick(&t, &mut o, &mut s, 150, false, &mut rng);
    assert_eq!(s.vitals.max_hp - s.vitals.hp, 5);
    assert_eq!(o[0].state.timer_secs, 30);
    s.vitals.hp = 0;
    let mut rng = Recorder::new(&[]);
    dispatch::character_tick(&t, &mut o, &mut s, 600, false, &mut rng);
    assert!(rng.draws.is_empty() && s.vitals.hp == 0, "nothing at 0 HP");
}

#[test]
fn relentless_endurance_saves_once_per_long_rest() {
    let d = death_hooks();
    let mut s = sheet(2);
    let mut o = vec![OwnedPerk { perk_id: "relentless_endurance".into(), state: pick("relentless_endurance", &mut s) }];
    s.vitals.hp = 0;
    s.vitals.dead = true;
    let saved = dispatch::death(&d, &mut o, &mut s);
    assert_eq!(saved.map(|x| x.0), Some("relentless_endurance"));
    assert!(!s.vitals.dead && s.vitals.hp == 1);
    s.vitals.hp = 0;
    s.vitals.dead = true;
    assert!(dispatch::death(&d, &mut o, &mut s).is_none(), "spent");
    assert!(s.vitals.dead);
    dispatch::rest(&mut o, RestKind::Short);
    assert_eq!(o[0].state.charges, 0, "a short rest does not restore it");
    dispatch::rest(&mut o, RestKind::Long);
    assert!(dispatch::death(&d, &mut o, &mut s).is_some(), "a long rest does");
    // Not dead: the hook does not run.
    let mut alive = sheet(2);
    assert!(dispatch::death(&d, &mut o, &mut alive).is_none());
}

#[cfg(feature = "dnd5e")]
fn greatsword() -> crate::rules::AttackDef {
    use crate::rules::{AttackDef, DamageDice, DamageType, DiceExpr};
    AttackDef {
        id: "greatsword".into(),
        name: "Greatsword".into(),
        to_hit: 5,
        damage: vec![DamageDice {
            dice: DiceExpr { count: 2, sides: 6, modifier: 3 },
            damage_type: DamageType::Slashing,
        }],
        magical: false,
        bonus_die: 0,
    }
}

fn perk(id: &str) -> Vec<CombatPerk> {
    vec![CombatPerk { perk_id: id.into(), stacks: 1, modes: ALL_MODES }]
}

#[test]
fn lucky_rerolls_the_lowest_natural_attack_roll() {
    let low = combat::lowest_natural(R::TEST_DIE);
    assert_eq!(lucky_reroll(&perk("lucky"), low, low), Some("lucky"));
    assert_eq!(lucky_reroll(&perk("lucky"), low + 1, low), None);
    assert_eq!(lucky_reroll(&perk("alert"), low, low), None);

    let def = R::monster(GUARD).unwrap();
    let mut attacker = R::creature_from_monster(&def, false, &mut Recorder::new(&[]), &mut DiceLog::new());
    let mut target = attacker.clone();
    target.ac = 5;
    let attack = attacker.attacks[0].clone();
    // Lowest natural, then a high roll.
    let faces: Vec<i32> = if R::TEST_DIE == "d20" { vec![1, 15] } else { vec![1, 1, 6, 6] };
    let mut t1 = target.clone();
    let o = R::resolve_attack(
        &attacker,
        &attack,
        &mut t1,
        crate::rules::Advantage::Normal,
        &mut Recorder::new(&faces),
        &mut DiceLog::new(),
    )
    .unwrap();
    assert!(!o.roll.hit, "without Lucky the lowest natural misses");
    attacker.perks = perk("lucky");
    let mut t2 = target.clone();
    let o = R::resolve_attack(
        &attacker,
        &attack,
        &mut t2,
        crate::rules::Advantage::Normal,
        &mut Recorder::new(&faces),
        &mut DiceLog::new(),
    )
    .unwrap();
    assert!(o.roll.hit && o.roll.natural > low, "{}", o.text);
    assert!(o.text.contains("lucky"), "{}", o.text);
}

#[cfg(feature = "dnd5e")]
#[test]
fn savage_attacks_adds_a_die_on_a_crit_only() {
    use super::combat::roll_damage;
    let a = greatsword();
    let roll = |perks: &[CombatPerk], crit: bool, faces: &[i32]| {
        let mut rng = Recorder::new(faces);
        let d = roll_damage::<R>(perks, &a, crit, &mut rng, &mut DiceLog::new());
        (d[0].amount, rng.draws.len())
    };
    // Crit: 4d6 + 3; with Savage Attacks one more d6.
    assert_eq!(roll(&[], true, &[1, 2, 3, 4]), (13, 4));
    assert_eq!(roll(&perk("savage_attacks"), true, &[1, 2, 3, 4, 6]), (19, 5));
    assert_eq!(roll(&perk("savage_attacks"), false, &[1, 2]), (6, 2), "no crit, no extra die");
}

#[cfg(feature = "dnd5e")]
#[test]
fn great_weapon_fighting_rerolls_ones_and_twos_once() {
    use super::combat::roll_damage;
    let a = greatsword();
    let roll = |perks: &[CombatPerk], faces: &[i32]| {
        let mut rng = Recorder::new(faces);
        roll_damage::<R>(perks, &a, false, &mut rng, &mut DiceLog::new())[0].amount
    };
    assert_eq!(roll(&[], &[1, 5]), 9);
    assert_eq!(roll(&perk("great_weapon_fighting"), &[1, 5, 2, 6]), 5 + 6 + 3);
    assert_eq!(roll(&perk("great_weapon_fighting"), &[1, 1, 4]), 1 + 4 + 3, "the reroll stands, even a 1");
    // The replaced faces are in the dice log, each once, after the damage roll; with them every
    // drawn die is logged.
    let mut rng = Recorder::new(&[1, 5, 2, 6]);
    let mut log = DiceLog::new();
    roll_damage::<R>(&perk("great_weapon_fighting"), &a, false, &mut rng, &mut log);
    let rerolled: Vec<(String, Vec<i32>)> = log
        .entries
        .iter()
        .filter(|e| e.purpose.starts_with("great_weapon_fighting:"))
        .map(|e| (e.expr.clone(), e.rolls.clone()))
        .collect();
    assert_eq!(rerolled, vec![("1d6".to_string(), vec![1]), ("1d6".to_string(), vec![2])]);
    assert_eq!(log.entries.iter().map(|e| e.rolls.len()).sum::<usize>(), rng.draws.len());
    assert_eq!(log.entries[0].rolls, vec![5, 6], "the damage entry keeps the faces that stand");
}

#[test]
fn inspiring_leader_grants_temp_hp_every_ten_minutes() {
    let mut s = sheet(3);
    s.scores.cha = 14;
    let mut owners = vec![EffectsOwner {
        character_id: 1,
        sheet: s,
        state: PerkState { stacks: 1, ..Default::default() },
        changed: false,
    }];
    let f = inspiring_leader::HOOKS.effects_step.unwrap();
    let notes = dispatch::effects_step(f, &mut owners, 599, &mut Recorder::new(&[]));
    assert!(notes.is_empty() && owners[0].sheet.vitals.temp_hp == 0);
    let notes = dispatch::effects_step(f, &mut owners, 1, &mut Recorder::new(&[]));
    assert_eq!(notes.len(), 1);
    assert_eq!(owners[0].sheet.vitals.temp_hp, 3 + 2);
    assert!(owners[0].changed);
}

/// The call sites in `Fight::start` / `Fight::join`: the snapshot is filtered by the fight's mode
/// and Alert's bonus reaches the initiative roll.
#[test]
fn fights_apply_the_perk_snapshot_for_their_mode() {
    use crate::systems::combat::{monster_combatant, Fight, ModeConfig};
    let def = R::monster(GUARD).unwrap();
    let mut a = monster_combatant::<R>(1, 1, &def, None);
    let b = monster_combatant::<R>(2, 2, &def, None);
    let c = monster_combatant::<R>(3, 1, &def, None);
    let base = a.creature.initiative_bonus;
    a.creature.perks = perk("alert");
    let f =
        Fight::start::<R>(9, CombatMode::ClassicTurns, vec![a.clone(), b.clone()], &ModeConfig::default(), 0).unwrap();
    assert_eq!(f.get(1).unwrap().creature.initiative_bonus, base + 5);
    assert_eq!(f.get(2).unwrap().creature.initiative_bonus, base);
    a.creature.perks =
        vec![CombatPerk { perk_id: "alert".into(), stacks: 1, modes: mode_bit(CombatMode::ActionQueues) }];
    let mut f = Fight::start::<R>(9, CombatMode::ClassicTurns, vec![a, b], &ModeConfig::default(), 0).unwrap();
    assert_eq!(f.get(1).unwrap().creature.initiative_bonus, base);
    assert!(f.get(1).unwrap().creature.perks.is_empty());
    // Joining later goes through the same hook.
    let mut c = c;
    c.creature.perks = perk("alert");
    f.join::<R>(c, &mut Recorder::new(&[])).unwrap();
    assert_eq!(f.get(3).unwrap().creature.initiative_bonus, base + 5);
}
