//! The lite ruleset's rules, one test each, with exact numbers.

use super::*;
use crate::rules::dice::Scripted;
use rand::{rngs::StdRng, SeedableRng};

fn class(id: &str) -> ClassDef {
    Lite::classes().unwrap().into_iter().find(|c| c.id == id).unwrap()
}

/// Warrior 1: STR 14 (+1), DEX 12 (0), CON 13 (+1), INT 10, WIS 10, CHA 13 (+1); skilled in Might. 19 HP.
fn kara() -> CharacterSheet {
    Lite::new_character(
        "Kara",
        &class("warrior"),
        AbilityScores::from_array([14, 12, 13, 10, 10, 13]),
        vec!["might".into()],
    )
}

/// Scout 1: DEX 16 (+2); skilled in Wits. 16 HP.
fn lio() -> CharacterSheet {
    Lite::new_character(
        "Lio",
        &class("scout"),
        AbilityScores::from_array([10, 16, 12, 12, 10, 12]),
        vec!["wits".into()],
    )
}

fn skill(id: &str) -> CheckKind {
    CheckKind::Skill(id.to_string())
}

fn monster(id: &str) -> Creature {
    Lite::creature_from_monster(&Lite::monster(id).unwrap(), false, &mut Scripted::new(&[]), &mut DiceLog::new())
}

fn cfg() -> RulesConfig {
    Lite::default_config()
}

#[test]
fn every_shipped_file_loads() {
    Lite::validate_static_data().unwrap();
    assert_eq!(Lite::static_files().len(), 4);
    assert_eq!(Lite::levels().unwrap().len(), 10);
    assert_eq!(Lite::monsters().unwrap().len(), 8);
    assert_eq!(monster("troll").multiattack, vec![0, 1, 1]);
}

#[test]
fn checks_are_2d6_plus_bonus_plus_2_if_skilled() {
    let r = Lite::ability_check(&kara(), &skill("might"), 8, Advantage::Normal, &mut Scripted::new(&[3, 4])).unwrap();
    assert_eq!((r.natural, r.modifier, r.total, r.success), (7, 3, 10, true));
    assert_eq!(r.text, "Kara rolls Might: 10 (2d6 7 + 3) vs DC 8 — success");
    assert_eq!(r.dice[0].expr, "2d6+3");
    let r = Lite::ability_check(&kara(), &skill("charm"), 9, Advantage::Normal, &mut Scripted::new(&[3, 4])).unwrap();
    assert_eq!((r.total, r.success), (8, false), "CHA +1, not skilled");
    let r = Lite::ability_check(
        &kara(),
        &CheckKind::Ability(Ability::Dex),
        7,
        Advantage::Normal,
        &mut Scripted::new(&[3, 4]),
    )
    .unwrap();
    assert_eq!((r.total, r.success), (7, true), "meeting the target succeeds");
}

#[test]
fn advantage_keeps_the_best_two_of_three_and_sources_cancel() {
    let r =
        Lite::ability_check(&kara(), &skill("might"), 8, Advantage::Advantage, &mut Scripted::new(&[6, 1, 5])).unwrap();
    assert_eq!((r.natural, r.total), (11, 14));
    assert_eq!(r.dice[0].expr, "3d6kh2+3");
    let r = Lite::ability_check(&kara(), &skill("might"), 8, Advantage::Disadvantage, &mut Scripted::new(&[6, 1, 5]))
        .unwrap();
    assert_eq!(r.natural, 6);
    let mut dice = Scripted::new(&[2, 2, 6]);
    Lite::ability_check(&kara(), &skill("might"), 8, Advantage::from_sources(1, 3), &mut dice).unwrap();
    assert_eq!(dice.drawn(), 2, "cancelled: a plain 2d6");
}

#[test]
fn target_numbers_and_skills_are_validated() {
    let mut none = Scripted::new(&[]);
    for tn in [1, 21] {
        assert_eq!(
            Lite::ability_check(&kara(), &skill("might"), tn, Advantage::Normal, &mut none).unwrap_err().code,
            ErrorCode::InvalidDc
        );
    }
    let e = Lite::ability_check(&kara(), &skill("deception"), 8, Advantage::Normal, &mut none).unwrap_err();
    assert_eq!(e.code, ErrorCode::UnknownSkill);
}

#[test]
fn contests_and_ties() {
    let n = Advantage::Normal;
    // Kara Charm +1 vs Lio Wits +2.
    let tie = Lite::contest(&kara(), &skill("charm"), n, &lio(), &skill("wits"), n, &mut Scripted::new(&[4, 4, 3, 4]))
        .unwrap();
    assert_eq!((tie.actor.total, tie.target.total, tie.winner, tie.actor_wins), (9, 9, ContestWinner::Tie, false));
    let win = Lite::contest(&kara(), &skill("charm"), n, &lio(), &skill("wits"), n, &mut Scripted::new(&[6, 4, 3, 4]))
        .unwrap();
    assert_eq!((win.winner, win.actor_wins), (ContestWinner::Actor, true));
}

#[test]
fn derived_stats() {
    let d = Lite::derive(&lio());
    assert_eq!((d.proficiency_bonus, d.ac, d.initiative_bonus), (1, 9, 2));
    assert_eq!(d.passive_perception, 9, "7 + Wits (INT 0 + skilled 2)");
    assert_eq!(d.carrying_capacity_lb, 100, "STR 10 x 10");
    assert_eq!(d.attack_bonuses.dex, 3);
    assert_eq!(d.save_bonuses.dex, 4, "scouts are trained in DEX saves");
    assert_eq!(defense(&ArmorWorn::heavy(16), 2), 10, "chain mail: 7 + 3, no DEX");
    assert_eq!(defense(&ArmorWorn::heavy(16).with_shield(), 0), 11);
    assert_eq!(defense(&ArmorWorn::light(11), 2), 9);
    assert_eq!([1, 3, 4, 7, 10].map(training_bonus), [1, 1, 2, 3, 4]);
}

#[test]
fn attacks_have_no_crits_and_no_automatic_results() {
    let goblin = monster("goblin");
    let r = Lite::attack_roll(
        "Goblin",
        &goblin.attacks[0],
        14,
        Advantage::Normal,
        &mut Scripted::new(&[6, 6]),
        &mut DiceLog::new(),
    );
    assert_eq!((r.total, r.hit, r.crit), (13, false, false), "double six is not special");
    let mut big = goblin.attacks[0].clone();
    big.to_hit = 10;
    let r = Lite::attack_roll("Goblin", &big, 8, Advantage::Normal, &mut Scripted::new(&[1, 1]), &mut DiceLog::new());
    assert!(r.hit, "double one is not special either");
    assert_eq!(r.text, "Goblin attacks with Scimitar: 12 (2d6 2 + 10) vs defense 8 — hit");
}

#[test]
fn damage_is_flat() {
    let goblin = monster("goblin");
    let mut log = DiceLog::new();
    let d = Lite::roll_damage(&goblin.attacks[0], true, &mut Scripted::new(&[]), &mut log);
    assert_eq!(d, vec![Damage::new(3, DamageType::Slashing)]);
    assert_eq!((log.entries[0].expr.as_str(), log.faces()), ("3", 0));
    let longsword = WeaponDef {
        id: "longsword".into(),
        name: "Longsword".into(),
        ability: Ability::Str,
        finesse: false,
        damage: DiceExpr::parse("1d8").unwrap(),
        damage_type: DamageType::Slashing,
        magical: false,
    };
    let a = Lite::weapon_attack(&kara(), &longsword);
    assert_eq!((a.to_hit, a.damage[0].dice), (2, DiceExpr::flat(5)), "average 4 + STR 1");
}

#[test]
fn defenses_and_temp_hp_work_as_in_dnd5e() {
    let mut skeleton = monster("skeleton");
    let o = Lite::apply_damage(
        "Skeleton",
        &mut skeleton.vitals,
        &skeleton.defenses,
        &[Damage::new(3, DamageType::Bludgeoning), Damage::new(4, DamageType::Poison)],
        false,
    );
    assert_eq!((o.taken, skeleton.vitals.hp), (6, 4));
    let mut k = kara();
    Lite::grant_temp_hp(&mut k.vitals, 4);
    Lite::grant_temp_hp(&mut k.vitals, 2);
    let o = Lite::apply_damage("Kara", &mut k.vitals, &k.defenses, &[Damage::new(6, DamageType::Slashing)], false);
    assert_eq!((o.absorbed_by_temp_hp, k.vitals.hp), (4, 17));
}

#[test]
fn zero_hp_is_down_then_dead_after_the_timer_unless_healed() {
    let mut k = kara();
    let o = Lite::apply_damage("Kara", &mut k.vitals, &k.defenses, &[Damage::new(25, DamageType::Slashing)], false);
    assert!(o.dropped_to_zero && !o.died && !o.instant_death, "no massive damage in lite");
    let mut none = Scripted::new(&[]);
    assert!(!Lite::world_tick(&mut k, None, 59, false, &cfg(), &mut none).died);
    let t = Lite::world_tick(&mut k, None, 1, false, &cfg(), &mut none);
    assert!(t.died && k.vitals.dead);
    assert_eq!(t.text, "Kara dies of their wounds");

    let mut k = kara();
    Lite::apply_damage("Kara", &mut k.vitals, &k.defenses, &[Damage::new(25, DamageType::Slashing)], false);
    Lite::world_tick(&mut k, None, 50, false, &cfg(), &mut none);
    let h = Lite::heal("Kara", &mut k.vitals, 5).unwrap();
    assert!(h.regained_consciousness);
    assert!(!Lite::world_tick(&mut k, None, 60, true, &cfg(), &mut none).died, "healed: the timer is gone");
}

#[test]
fn any_damage_while_down_kills_and_there_are_no_death_saves() {
    let mut k = kara();
    k.vitals.hp = 0;
    let o = Lite::apply_damage("Kara", &mut k.vitals, &k.defenses, &[Damage::new(1, DamageType::Piercing)], false);
    assert!(o.instant_death && k.vitals.dead);
    let mut v = Vitals { hp: 0, ..Vitals::new(10) };
    let e = Lite::death_save("Kara", &mut v, &mut Scripted::new(&[]), &mut DiceLog::new()).unwrap_err();
    assert_eq!(e.code, ErrorCode::NotDying);
    let mut goblin = monster("goblin");
    assert!(
        Lite::apply_damage(
            "Goblin",
            &mut goblin.vitals,
            &goblin.defenses,
            &[Damage::new(6, DamageType::Slashing)],
            false
        )
        .died
    );
}

#[test]
fn concentration_breaks_on_any_damage_without_a_save() {
    let mut v = Vitals { concentrating: true, ..Vitals::new(19) };
    let o = Lite::apply_damage("Kara", &mut v, &Defenses::default(), &[Damage::new(1, DamageType::Cold)], false);
    assert_eq!((o.concentration_dc, o.concentration_lost, v.concentrating), (None, true, false));
}

#[test]
fn regeneration_out_of_combat() {
    let mut k = kara();
    k.vitals.hp = 10;
    let mut none = Scripted::new(&[]);
    assert_eq!(Lite::world_tick(&mut k, None, 25, false, &cfg(), &mut none).hp_regained, 2);
    assert_eq!(k.vitals.regen_carry_secs, 5);
    assert_eq!(Lite::world_tick(&mut k, None, 5, false, &cfg(), &mut none).hp_regained, 1);
    assert_eq!(Lite::world_tick(&mut k, None, 100, true, &cfg(), &mut none).hp_regained, 0, "not in combat");
    assert_eq!(Lite::world_tick(&mut k, None, 1_000, false, &cfg(), &mut none).hp_regained, 6);
    assert_eq!((k.vitals.hp, k.vitals.regen_carry_secs), (19, 0));
}

#[test]
fn rests_heal_half_or_all_and_there_are_no_hit_dice() {
    let mut k = kara();
    k.vitals.hp = 2;
    let short = Lite::begin_rest(
        &k,
        RestKind::Short,
        &RestContext { location_safe: false, in_combat: false, current: None },
        &cfg(),
    )
    .unwrap();
    assert_eq!(short.required_secs, 30);
    let done = RestState { elapsed_secs: 30, ..short };
    let o = Lite::complete_rest(&mut k, &done, 3, &mut Scripted::new(&[])).unwrap();
    assert_eq!((o.hp_regained, k.vitals.hp), (9, 11), "half of 19, rounded down");
    assert_eq!(o.exhaustion_removed, 0, "a short rest lifts no weariness");
    let unsafe_long = Lite::begin_rest(
        &k,
        RestKind::Long,
        &RestContext { location_safe: false, in_combat: false, current: None },
        &cfg(),
    );
    assert_eq!(unsafe_long.unwrap_err().code, ErrorCode::NotSafeToRest);
    let long = RestState { kind: RestKind::Long, elapsed_secs: 240, required_secs: 240 };
    let o = Lite::complete_rest(&mut k, &long, 0, &mut Scripted::new(&[])).unwrap();
    assert_eq!(k.vitals.hp, 19);
    assert_eq!((o.exhaustion_removed, Lite::EXHAUSTION_GROUP), (1, "weariness"), "a long rest lifts one level");
    assert_eq!(Lite::spend_hit_dice(&mut k, 1, &mut Scripted::new(&[])).unwrap_err().code, ErrorCode::NoHitDice);
}

#[test]
fn levels_from_the_lite_table() {
    assert_eq!([0, 999, 1_000, 2_000, 37_000, u32::MAX].map(Lite::level_for_xp), [1, 1, 2, 3, 10, 10]);
    let mut k = kara();
    let o = Lite::award_xp(&mut k, 2_000);
    assert_eq!((o.level_after, o.max_hp_gained, k.vitals.max_hp), (3, 18, 37), "2 x (8 + CON 1)");
}

#[test]
fn seeded_fights_replay_exactly() {
    let run = |seed| {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut log = DiceLog::new();
        let mut orc = monster("orc");
        let mut k = Lite::creature_from_sheet(&kara(), &[]);
        for _ in 0..100 {
            let a = k.attacks[0].clone();
            Lite::resolve_attack(&k.clone(), &a, &mut orc, Advantage::Normal, &mut rng, &mut log).unwrap();
            if orc.vitals.dead {
                break;
            }
            let a = orc.attacks[0].clone();
            Lite::resolve_attack(&orc.clone(), &a, &mut k, Advantage::Normal, &mut rng, &mut log).unwrap();
            if k.vitals.hp <= 0 {
                break;
            }
        }
        (log, orc.vitals, k.vitals)
    };
    let (a, b) = (run(9), run(9));
    assert_eq!(a, b);
    assert!(a.1.dead || a.2.hp <= 0);
}

#[test]
fn lite_has_no_hit_dice_so_any_request_is_accepted() {
    let mut s = kara();
    s.hit_dice_remaining = 0;
    assert!(Lite::check_hit_dice_request(&s, RestKind::Short, 5).is_ok());
}
