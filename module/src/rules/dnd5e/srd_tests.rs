//! One test per SRD 5.1 rule, with exact numbers. Most use scripted dice (`Scripted`) so the
//! face that matters is stated in the test; the seeded-RNG tests at the end pin whole runs.

use super::*;
use crate::rules::dice::{DiceLogEntry, Scripted};
use rand::{rngs::StdRng, SeedableRng};

fn class(id: &str) -> ClassDef {
    Dnd5e::classes().unwrap().into_iter().find(|c| c.id == id).unwrap()
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Rogue 1: STR 8, DEX 15, CON 13, INT 12, WIS 10, CHA 14; Deception, Insight, Perception, Stealth.
fn ayla() -> CharacterSheet {
    let scores = AbilityScores::from_array([8, 15, 13, 12, 10, 14]);
    Dnd5e::new_character("Ayla", &class("rogue"), scores, strs(&["deception", "insight", "perception", "stealth"]))
}

/// Fighter 1: STR 15, DEX 12, CON 14, INT 8, WIS 13, CHA 10; Athletics, Perception. 12 HP.
fn bram() -> CharacterSheet {
    let scores = AbilityScores::from_array([15, 12, 14, 8, 13, 10]);
    Dnd5e::new_character("Bram", &class("fighter"), scores, strs(&["athletics", "perception"]))
}

fn skill(id: &str) -> CheckKind {
    CheckKind::Skill(id.to_string())
}

fn attack(to_hit: i32, dice: &str, t: DamageType) -> AttackDef {
    AttackDef {
        id: "test".into(),
        name: "Test".into(),
        to_hit,
        damage: vec![DamageDice { dice: DiceExpr::parse(dice).unwrap(), damage_type: t }],
        magical: false,
        bonus_die: 0,
    }
}

fn monster(id: &str) -> Creature {
    let def = Dnd5e::monster(id).unwrap();
    Dnd5e::creature_from_monster(&def, false, &mut Scripted::new(&[]), &mut DiceLog::new())
}

fn dying(max_hp: i32) -> Vitals {
    Vitals { hp: 0, ..Vitals::new(max_hp) }
}

// ----- static data ----------------------------------------------------------------------------

#[test]
fn every_shipped_file_loads() {
    Dnd5e::validate_static_data().unwrap();
    assert_eq!(Dnd5e::static_files().len(), 4);
    assert_eq!(Dnd5e::levels().unwrap().len(), 20);
    let monsters = Dnd5e::monsters().unwrap();
    assert!(monsters.len() >= 30, "{} monsters", monsters.len());
    for cr in ["0", "1/8", "1/4", "1/2", "1", "2", "3", "4", "5"] {
        assert!(monsters.iter().any(|m| m.cr == cr), "no CR {cr} monster");
    }
    assert!(monsters.iter().all(|m| m.cr_eighths <= 40), "CR 0 to 5 only");
}

#[test]
fn srd_stat_blocks_are_faithful() {
    let goblin = Dnd5e::monster("goblin").unwrap();
    assert_eq!(
        (goblin.ac, goblin.hp, goblin.hp_dice.to_string(), goblin.cr.as_str(), goblin.xp),
        (15, 7, "2d6".into(), "1/4", 50)
    );
    assert_eq!(goblin.attacks[0].to_hit, 4);
    assert_eq!(goblin.attacks[0].damage[0].dice.to_string(), "1d6+2");
    let troll = Dnd5e::monster("troll").unwrap();
    assert_eq!((troll.ac, troll.hp, troll.hp_dice.to_string(), troll.xp), (15, 84, "8d10+40".into(), 1800));
    assert_eq!(troll.multiattack, strs(&["bite", "claw", "claw"]));
    let c = monster("troll");
    assert_eq!(c.multiattack, vec![0, 1, 1]);
    assert_eq!(c.attack_routine().iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), vec!["Bite", "Claw", "Claw"]);
    let skeleton = Dnd5e::monster("skeleton").unwrap();
    assert!(skeleton.defenses.vulnerabilities.contains(&DefenseRule::of(DamageType::Bludgeoning)));
    assert!(skeleton.defenses.immune_to_condition(Condition::Poisoned));
    assert_eq!(Dnd5e::monster("beholder").unwrap_err().code, ErrorCode::UnknownMonster);
}

// ----- derived data ---------------------------------------------------------------------------

#[test]
fn derived_stats_of_a_fighter() {
    let d = Dnd5e::derive(&bram());
    assert_eq!(d.proficiency_bonus, 2);
    assert_eq!(d.ability_mods, AbilityBonuses { str_: 2, dex: 1, con: 2, int: -1, wis: 1, cha: 0 });
    assert_eq!(d.save_bonuses, AbilityBonuses { str_: 4, dex: 1, con: 4, int: -1, wis: 1, cha: 0 });
    assert_eq!((d.attack_bonuses.str_, d.attack_bonuses.dex), (4, 3));
    assert_eq!(d.save_dc, 12, "8 + 2 + STR 2");
    assert_eq!(d.save_dcs.wis, 11);
    assert_eq!((d.ac, d.initiative_bonus, d.passive_perception, d.carrying_capacity_lb), (11, 1, 13, 225));
    assert_eq!(d.skills.len(), 18);
    assert_eq!(d.skill("athletics"), Some(4));
    assert_eq!(d.skill("insight"), Some(1));
}

#[test]
fn armor_class_formulas() {
    assert_eq!(armor_class(&ArmorWorn::NONE, 2), 12, "unarmored: 10 + DEX");
    assert_eq!(armor_class(&ArmorWorn::light(11), 3), 14, "leather: 11 + DEX");
    assert_eq!(armor_class(&ArmorWorn::medium(13), 3), 15, "chain shirt: DEX capped at +2");
    assert_eq!(armor_class(&ArmorWorn::medium(13), -1), 12, "medium armor keeps a negative DEX");
    assert_eq!(armor_class(&ArmorWorn::heavy(16), 3), 16, "chain mail: no DEX");
    assert_eq!(armor_class(&ArmorWorn::heavy(16), -1), 16, "heavy armor ignores a negative DEX too");
    assert_eq!(armor_class(&ArmorWorn::heavy(18).with_shield(), 0), 20, "plate + shield");
    assert_eq!(armor_class(&ArmorWorn::NONE.with_shield(), 1), 13);
    let mut b = bram();
    b.armor = ArmorWorn::heavy(16).with_shield();
    assert_eq!(Dnd5e::derive(&b).ac, 18);
}

#[test]
fn proficiency_bonus_by_level_matches_the_table() {
    let expect = [(1, 2), (4, 2), (5, 3), (8, 3), (9, 4), (12, 4), (13, 5), (16, 5), (17, 6), (20, 6)];
    for (level, bonus) in expect {
        assert_eq!(Dnd5e::proficiency_bonus(level), bonus, "level {level}");
    }
    for l in Dnd5e::levels().unwrap() {
        assert_eq!(l.proficiency_bonus, proficiency_for_level(l.level));
    }
}

#[test]
fn xp_thresholds_give_levels() {
    let expect =
        [(0, 1), (299, 1), (300, 2), (899, 2), (900, 3), (6_500, 5), (354_999, 19), (355_000, 20), (u32::MAX, 20)];
    for (xp, level) in expect {
        assert_eq!(Dnd5e::level_for_xp(xp), level, "{xp} XP");
    }
}

#[test]
fn awarding_xp_levels_up_with_fixed_hp() {
    let mut b = bram();
    let o = Dnd5e::award_xp(&mut b, 900);
    // Fighter d10: fixed 6 + CON 2 = 8 per level, two levels.
    assert_eq!((o.level_before, o.level_after, o.max_hp_gained), (1, 3, 16));
    assert_eq!((b.vitals.hp, b.vitals.max_hp, b.hit_dice_remaining), (28, 28, 3));
    assert_eq!(o.text, "Bram gains 900 XP (900) and reaches level 3 (+16 max HP)");
    let o = Dnd5e::award_xp(&mut b, 10);
    assert_eq!((o.level_after, o.max_hp_gained), (3, 0));
    assert_eq!(level_up_hp(6, 6), 2, "d6 with CON -2: 4 - 2");
    assert_eq!(level_up_hp(6, 1), 1, "never below 1");
}

#[test]
fn passive_perception_and_carrying_capacity() {
    let d = Dnd5e::derive(&ayla());
    assert_eq!(d.passive_perception, 12, "10 + WIS 0 + proficiency 2");
    assert_eq!(passive_score(2, Advantage::Advantage), 17);
    assert_eq!(passive_score(2, Advantage::Disadvantage), 7);
    assert_eq!(d.carrying_capacity_lb, 120, "STR 8 x 15");
    assert_eq!(carrying_capacity(15), 225);
}

// ----- checks, contests, saves ----------------------------------------------------------------

#[test]
fn ability_check_text_and_dice() {
    let r =
        Dnd5e::ability_check(&ayla(), &skill("deception"), 12, Advantage::Normal, &mut Scripted::new(&[10])).unwrap();
    assert_eq!((r.natural, r.modifier, r.total, r.success), (10, 4, 14, true));
    assert_eq!(r.text, "Ayla rolls Deception: 14 (d20 10 + 4) vs DC 12 — success");
    assert_eq!(
        r.dice,
        vec![DiceLogEntry {
            purpose: "Ayla: Deception".into(),
            expr: "1d20+4".into(),
            rolls: vec![10],
            modifier: 4,
            total: 14
        }]
    );
    let r = Dnd5e::ability_check(
        &ayla(),
        &CheckKind::Ability(Ability::Str),
        10,
        Advantage::Normal,
        &mut Scripted::new(&[10]),
    )
    .unwrap();
    assert_eq!((r.total, r.success), (9, false));
    assert_eq!(r.text, "Ayla rolls STR check: 9 (d20 10 - 1) vs DC 10 — failure");
}

#[test]
fn meeting_the_dc_succeeds_and_natural_20_is_not_automatic_on_checks() {
    let meet =
        Dnd5e::ability_check(&ayla(), &skill("stealth"), 15, Advantage::Normal, &mut Scripted::new(&[11])).unwrap();
    assert!(meet.success);
    let nat20 =
        Dnd5e::ability_check(&ayla(), &skill("athletics"), 25, Advantage::Normal, &mut Scripted::new(&[20])).unwrap();
    assert_eq!((nat20.total, nat20.success), (19, false));
}

#[test]
fn all_18_skills_use_their_ability_and_proficiency() {
    let expect = [
        ("acrobatics", 2),
        ("animal_handling", 0),
        ("arcana", 1),
        ("athletics", -1),
        ("deception", 4),
        ("history", 1),
        ("insight", 2),
        ("intimidation", 2),
        ("investigation", 1),
        ("medicine", 0),
        ("nature", 1),
        ("perception", 2),
        ("performance", 2),
        ("persuasion", 2),
        ("religion", 1),
        ("sleight_of_hand", 2),
        ("stealth", 4),
        ("survival", 0),
    ];
    let a = ayla();
    let d = Dnd5e::derive(&a);
    assert_eq!(d.skills.len(), 18);
    for (id, bonus) in expect {
        assert_eq!(d.skill(id), Some(bonus), "{id}");
        let r = Dnd5e::ability_check(&a, &skill(id), 10, Advantage::Normal, &mut Scripted::new(&[10])).unwrap();
        assert_eq!(r.total, 10 + bonus, "{id}");
    }
}

#[test]
fn advantage_takes_the_higher_die_and_disadvantage_the_lower() {
    let r = Dnd5e::ability_check(&ayla(), &skill("deception"), 12, Advantage::Advantage, &mut Scripted::new(&[4, 17]))
        .unwrap();
    assert_eq!((r.natural, r.total), (17, 21));
    assert_eq!(r.dice[0].expr, "2d20kh1+4");
    assert_eq!(r.text, "Ayla rolls Deception: 21 (d20 with advantage [4, 17] → 17 + 4) vs DC 12 — success");
    let r =
        Dnd5e::ability_check(&ayla(), &skill("deception"), 12, Advantage::Disadvantage, &mut Scripted::new(&[4, 17]))
            .unwrap();
    assert_eq!((r.natural, r.total, r.success), (4, 8, false));
}

#[test]
fn two_advantages_and_one_disadvantage_roll_one_normal_d20() {
    let adv = Advantage::from_sources(2, 1);
    assert_eq!(adv, Advantage::Normal);
    let mut dice = Scripted::new(&[11, 3]);
    let r = Dnd5e::ability_check(&ayla(), &skill("deception"), 12, adv, &mut dice).unwrap();
    assert_eq!(dice.drawn(), 1, "exactly one d20");
    assert_eq!(r.dice.len(), 1);
    assert_eq!(r.dice[0].rolls, vec![11]);
    assert_eq!(r.dice[0].expr, "1d20+4");
    assert_eq!(r.total, 15);
}

#[test]
fn check_validation_codes() {
    let a = ayla();
    let mut none = Scripted::new(&[]);
    let e = Dnd5e::ability_check(&a, &skill("lockpicking"), 10, Advantage::Normal, &mut none).unwrap_err();
    assert_eq!(e.code, ErrorCode::UnknownSkill);
    assert!(e.message.contains("deception"), "lists the valid ids: {}", e.message);
    for dc in [0, 41, -3] {
        assert_eq!(
            Dnd5e::ability_check(&a, &skill("stealth"), dc, Advantage::Normal, &mut none).unwrap_err().code,
            ErrorCode::InvalidDc
        );
    }
    let mut down = ayla();
    down.vitals.hp = 0;
    assert_eq!(
        Dnd5e::ability_check(&down, &skill("stealth"), 10, Advantage::Normal, &mut none).unwrap_err().code,
        ErrorCode::Unconscious
    );
    down.vitals.dead = true;
    assert_eq!(
        Dnd5e::ability_check(&down, &skill("stealth"), 10, Advantage::Normal, &mut none).unwrap_err().code,
        ErrorCode::CharacterDead
    );
}

#[test]
fn contest_higher_total_wins_and_a_tie_keeps_the_status_quo() {
    let (a, b) = (ayla(), bram());
    let n = Advantage::Normal;
    // Ayla's Deception +4 against Bram's Insight +1; Ayla rolls first.
    let win =
        Dnd5e::contest(&a, &skill("deception"), n, &b, &skill("insight"), n, &mut Scripted::new(&[10, 12])).unwrap();
    assert_eq!((win.actor.total, win.target.total, win.winner, win.actor_wins), (14, 13, ContestWinner::Actor, true));
    assert_eq!(win.text, "Ayla Deception 14 vs Bram Insight 13 — Ayla wins");
    assert_eq!(win.dice.len(), 2);
    let tie =
        Dnd5e::contest(&a, &skill("deception"), n, &b, &skill("insight"), n, &mut Scripted::new(&[9, 12])).unwrap();
    assert_eq!((tie.winner, tie.actor_wins, tie.target.success), (ContestWinner::Tie, false, true));
    let lose =
        Dnd5e::contest(&a, &skill("deception"), n, &b, &skill("insight"), n, &mut Scripted::new(&[5, 15])).unwrap();
    assert_eq!((lose.actor.total, lose.target.total, lose.winner), (9, 16, ContestWinner::Target));
    let mut out_cold = bram();
    out_cold.vitals.hp = 0;
    let e = Dnd5e::contest(&a, &skill("deception"), n, &out_cold, &skill("insight"), n, &mut Scripted::new(&[]))
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::Unconscious);
}

#[test]
fn saving_throws_add_proficiency() {
    let c = Dnd5e::creature_from_sheet(&bram(), &[]);
    let mut log = DiceLog::new();
    let r = Dnd5e::saving_throw(&c, Ability::Con, 15, Advantage::Normal, &mut Scripted::new(&[11]), &mut log);
    assert_eq!((r.total, r.success), (15, true), "d20 11 + CON 2 + proficiency 2");
    let r = Dnd5e::saving_throw(&c, Ability::Dex, 13, Advantage::Normal, &mut Scripted::new(&[11]), &mut log);
    assert_eq!((r.total, r.success), (12, false), "no DEX save proficiency");
    assert_eq!(r.text, "Bram rolls DEX save: 12 (d20 11 + 1) vs DC 13 — failure");
    let zombie = monster("zombie");
    assert_eq!(zombie.save_bonuses.wis, 0, "stat block lists WIS +0 although WIS 6 is -2");
    assert_eq!(zombie.save_bonuses.con, 3);
}

// ----- attacks and damage ---------------------------------------------------------------------

#[test]
fn natural_1_misses_whatever_the_bonus() {
    let r = Dnd5e::attack_roll(
        "Bram",
        &attack(30, "1d8", DamageType::Slashing),
        10,
        Advantage::Normal,
        &mut Scripted::new(&[1]),
        &mut DiceLog::new(),
    );
    assert_eq!((r.total, r.hit, r.crit), (31, false, false));
    assert!(r.text.ends_with("natural 1, miss"), "{}", r.text);
}

#[test]
fn natural_20_hits_any_ac_and_is_critical() {
    let r = Dnd5e::attack_roll(
        "Bram",
        &attack(0, "1d8", DamageType::Slashing),
        40,
        Advantage::Normal,
        &mut Scripted::new(&[20]),
        &mut DiceLog::new(),
    );
    assert_eq!((r.total, r.hit, r.crit), (20, true, true));
    let meets = Dnd5e::attack_roll(
        "Bram",
        &attack(5, "1d8", DamageType::Slashing),
        15,
        Advantage::Normal,
        &mut Scripted::new(&[10]),
        &mut DiceLog::new(),
    );
    assert!(meets.hit && !meets.crit, "meeting the AC hits");
    assert_eq!(meets.text, "Bram attacks with Test: 15 (d20 10 + 5) vs AC 15 — hit");
    let short = Dnd5e::attack_roll(
        "Bram",
        &attack(5, "1d8", DamageType::Slashing),
        15,
        Advantage::Normal,
        &mut Scripted::new(&[9]),
        &mut DiceLog::new(),
    );
    assert!(!short.hit);
}

#[test]
fn critical_hits_double_dice_not_modifiers() {
    let mut log = DiceLog::new();
    let d = Dnd5e::roll_damage(&attack(5, "1d8+3", DamageType::Slashing), true, &mut Scripted::new(&[5, 7]), &mut log);
    assert_eq!(d, vec![Damage::new(15, DamageType::Slashing)], "5 + 7 + 3, not (5 + 3) * 2");
    assert_eq!((log.entries[0].expr.as_str(), log.entries[0].rolls.clone()), ("2d8+3", vec![5, 7]));
    let normal = Dnd5e::roll_damage(
        &attack(5, "1d8+3", DamageType::Slashing),
        false,
        &mut Scripted::new(&[5]),
        &mut DiceLog::new(),
    );
    assert_eq!(normal[0].amount, 8);
    // Every damage part doubles its dice: basilisk bite 2d6+3 piercing + 2d6 poison.
    let basilisk = Dnd5e::monster("basilisk").unwrap();
    let mut log = DiceLog::new();
    let d = Dnd5e::roll_damage(&basilisk.attacks[0], true, &mut Scripted::new(&[1, 2, 3, 4, 6, 6, 6, 6]), &mut log);
    assert_eq!((d[0].amount, d[1].amount), (13, 24));
    assert_eq!((log.entries[0].expr.as_str(), log.entries[1].expr.as_str()), ("4d6+3", "4d6"));
}

#[test]
fn defenses_in_srd_order_with_rounding() {
    let fire = |n| [Damage::new(n, DamageType::Fire)];
    let d = |res: usize, vul: bool| Defenses {
        resistances: vec![DefenseRule::of(DamageType::Fire); res],
        vulnerabilities: if vul { vec![DefenseRule::of(DamageType::Fire)] } else { vec![] },
        ..Default::default()
    };
    let taken = |defs: &Defenses, n| Dnd5e::apply_damage("X", &mut Vitals::new(50), defs, &fire(n), false).taken;
    assert_eq!(taken(&d(1, false), 7), 3, "resistance halves, rounding down");
    assert_eq!(taken(&d(2, false), 7), 3, "two resistances count once");
    assert_eq!(taken(&d(1, true), 7), 6, "halve then double");
    assert_eq!(taken(&d(0, true), 7), 14);
    let immune = Defenses { immunities: vec![DefenseRule::of(DamageType::Fire)], ..d(1, true) };
    assert_eq!(taken(&immune, 7), 0, "immunity first");
    // Real stat blocks: skeleton (vulnerable to bludgeoning, immune to poison), shadow (resists
    // nonmagical slashing).
    let mut skeleton = monster("skeleton");
    let o = Dnd5e::apply_damage(
        "Skeleton",
        &mut skeleton.vitals,
        &skeleton.defenses,
        &[Damage::new(5, DamageType::Bludgeoning), Damage::new(5, DamageType::Poison)],
        false,
    );
    assert_eq!((o.raw, o.taken, o.hp_after), (10, 10, 3));
    assert_eq!(o.text, "Skeleton takes 10 bludgeoning (vulnerable, from 5) + 0 poison (immune, from 5) (3/13 HP)");
    let shadow = monster("shadow");
    let mut v = shadow.vitals.clone();
    assert_eq!(
        Dnd5e::apply_damage("Shadow", &mut v, &shadow.defenses, &[Damage::new(9, DamageType::Slashing)], false).taken,
        4
    );
    let magic = Damage { amount: 9, damage_type: DamageType::Slashing, magical: true };
    assert_eq!(Dnd5e::apply_damage("Shadow", &mut v, &shadow.defenses, &[magic], false).taken, 9);
}

#[test]
fn temporary_hp_absorb_first_and_do_not_stack() {
    let mut b = bram();
    assert_eq!(Dnd5e::grant_temp_hp(&mut b.vitals, 5), 5);
    assert_eq!(Dnd5e::grant_temp_hp(&mut b.vitals, 3), 5);
    let o = Dnd5e::apply_damage("Bram", &mut b.vitals, &b.defenses, &[Damage::new(8, DamageType::Slashing)], false);
    assert_eq!((o.absorbed_by_temp_hp, o.hp_lost, b.vitals.temp_hp, b.vitals.hp), (5, 3, 0, 9));
    assert_eq!(o.text, "Bram takes 8 slashing, 5 absorbed by temporary HP (9/12 HP)");
}

#[test]
fn dropping_to_zero_means_unconscious_and_dying_but_monsters_die() {
    let mut v = Vitals::new(12);
    v.death_save_failures = 1;
    let o = Dnd5e::apply_damage("Bram", &mut v, &Defenses::default(), &[Damage::new(15, DamageType::Slashing)], false);
    assert!(o.dropped_to_zero && !o.died && !o.instant_death);
    assert!(v.is_dying() && v.death_save_failures == 0);
    let mut goblin = monster("goblin");
    let o = Dnd5e::apply_damage(
        "Goblin",
        &mut goblin.vitals,
        &goblin.defenses,
        &[Damage::new(7, DamageType::Piercing)],
        false,
    );
    assert!(o.died && goblin.vitals.dead);
}

#[test]
fn massive_damage_kills_outright() {
    // 5 of 12 HP left: 17 damage leaves 12 past 0 (= max) -> dead; 16 leaves 11 -> dying.
    let mut v = Vitals { hp: 5, ..Vitals::new(12) };
    let o =
        Dnd5e::apply_damage("Bram", &mut v, &Defenses::default(), &[Damage::new(17, DamageType::Bludgeoning)], false);
    assert!(o.instant_death && v.dead);
    let mut v = Vitals { hp: 5, ..Vitals::new(12) };
    let o =
        Dnd5e::apply_damage("Bram", &mut v, &Defenses::default(), &[Damage::new(16, DamageType::Bludgeoning)], false);
    assert!(!o.instant_death && v.is_dying());
    // Already at 0: a hit of at least the maximum is also instant death.
    let mut v = dying(12);
    assert!(
        Dnd5e::apply_damage("Bram", &mut v, &Defenses::default(), &[Damage::new(12, DamageType::Fire)], false)
            .instant_death
    );
}

#[test]
fn damage_at_zero_hp_adds_death_save_failures() {
    let mut v = dying(12);
    let o = Dnd5e::apply_damage("Bram", &mut v, &Defenses::default(), &[Damage::new(3, DamageType::Slashing)], false);
    assert_eq!((o.death_save_failures_added, v.death_save_failures), (1, 1));
    let o = Dnd5e::apply_damage("Bram", &mut v, &Defenses::default(), &[Damage::new(3, DamageType::Slashing)], true);
    assert_eq!((o.death_save_failures_added, v.death_save_failures, v.dead), (2, 3, true));
    let mut stable = Vitals { stable: true, ..dying(12) };
    Dnd5e::apply_damage("Bram", &mut stable, &Defenses::default(), &[Damage::new(1, DamageType::Slashing)], false);
    assert_eq!((stable.stable, stable.death_save_failures), (false, 1), "damage ends stability");
    let mut shielded = Vitals { temp_hp: 5, ..dying(12) };
    let o = Dnd5e::apply_damage(
        "Bram",
        &mut shielded,
        &Defenses::default(),
        &[Damage::new(3, DamageType::Slashing)],
        false,
    );
    assert_eq!(o.death_save_failures_added, 0, "temporary HP took it all");
}

#[test]
fn death_saves_each_branch() {
    let save = |v: &mut Vitals, face: i32| {
        Dnd5e::death_save("Bram", v, &mut Scripted::new(&[face]), &mut DiceLog::new()).unwrap()
    };
    let mut v = dying(12);
    assert_eq!(save(&mut v, 10).effect, DeathSaveEffect::Success);
    assert_eq!(save(&mut v, 9).effect, DeathSaveEffect::Failure);
    assert_eq!((v.death_save_successes, v.death_save_failures), (1, 1));
    let o = save(&mut v, 15);
    assert_eq!((o.effect, o.successes), (DeathSaveEffect::Success, 2));
    let o = save(&mut v, 15);
    assert_eq!(o.effect, DeathSaveEffect::Stabilized);
    assert!(v.stable && !v.dead && v.hp == 0 && v.death_save_successes == 0);
    assert_eq!(o.text, "Bram death save: d20 15 — third success, stable");

    let mut v = dying(12);
    let o = save(&mut v, 1);
    assert_eq!((o.effect, o.failures), (DeathSaveEffect::DoubleFailure, 2));
    assert_eq!(save(&mut v, 9).effect, DeathSaveEffect::Died);
    assert!(v.dead);

    let mut v = Vitals { death_save_failures: 1, ..dying(12) };
    assert_eq!(save(&mut v, 1).effect, DeathSaveEffect::Died, "a natural 1 on one failure kills");

    let mut v = Vitals { death_save_failures: 2, death_save_successes: 2, ..dying(12) };
    let o = save(&mut v, 20);
    assert_eq!(o.effect, DeathSaveEffect::Revived);
    assert_eq!((v.hp, v.death_save_successes, v.death_save_failures), (1, 0, 0));

    let mut up = Vitals::new(12);
    let e = Dnd5e::death_save("Bram", &mut up, &mut Scripted::new(&[]), &mut DiceLog::new()).unwrap_err();
    assert_eq!(e.code, ErrorCode::NotDying);
    let mut stable = Vitals { stable: true, ..dying(12) };
    assert_eq!(
        Dnd5e::death_save("Bram", &mut stable, &mut Scripted::new(&[]), &mut DiceLog::new()).unwrap_err().code,
        ErrorCode::NotDying
    );
    let mut dead = Vitals { dead: true, ..dying(12) };
    assert_eq!(
        Dnd5e::death_save("Bram", &mut dead, &mut Scripted::new(&[]), &mut DiceLog::new()).unwrap_err().code,
        ErrorCode::CharacterDead
    );
}

#[test]
fn healing_at_zero_restores_consciousness_and_resets_saves() {
    let mut v = Vitals { death_save_successes: 2, death_save_failures: 1, ..dying(12) };
    let o = Dnd5e::heal("Bram", &mut v, 4).unwrap();
    assert!(o.regained_consciousness);
    assert_eq!((v.hp, v.death_save_successes, v.death_save_failures, v.stable), (4, 0, 0, false));
    assert_eq!(o.text, "Bram regains 4 HP and wakes (4/12)");
}

#[test]
fn concentration_dc_is_half_the_damage_or_10() {
    assert_eq!(concentration_dc(1), 10);
    assert_eq!(concentration_dc(21), 10);
    assert_eq!(concentration_dc(22), 11);
    assert_eq!(concentration_dc(35), 17);
    let mut v = Vitals { concentrating: true, ..Vitals::new(50) };
    let o = Dnd5e::apply_damage("Ayla", &mut v, &Defenses::default(), &[Damage::new(22, DamageType::Cold)], false);
    assert_eq!(o.concentration_dc, Some(11));
    let o = Dnd5e::apply_damage("Ayla", &mut v, &Defenses::default(), &[Damage::new(40, DamageType::Cold)], false);
    assert!(o.concentration_lost && !v.concentrating, "0 HP ends concentration outright");
}

#[test]
fn an_attack_that_hits_forces_a_concentration_save() {
    let goblin = monster("goblin");
    let mut b = bram();
    b.vitals.concentrating = true;
    let mut target = Dnd5e::creature_from_sheet(&b, &[]);
    let mut log = DiceLog::new();
    // Scimitar: d20 15 + 4 = 19 vs AC 11 hits; 1d6 4 + 2 = 6 slashing; CON save DC 10: d20 5 + 4 = 9 fails.
    let o = Dnd5e::resolve_attack(
        &goblin,
        &goblin.attacks[0],
        &mut target,
        Advantage::Normal,
        &mut Scripted::new(&[15, 4, 5]),
        &mut log,
    )
    .unwrap();
    assert_eq!(o.damage.as_ref().unwrap().taken, 6);
    let c = o.concentration.unwrap();
    assert_eq!((c.dc, c.total, c.success), (10, 9, false));
    assert!(!target.vitals.concentrating);
    assert_eq!(target.vitals.hp, 6);
    assert_eq!(log.len(), 3);
    assert_eq!(
        o.text,
        "Goblin attacks with Scimitar: 19 (d20 15 + 4) vs AC 11 — hit; Bram takes 6 slashing (6/12 HP); Bram rolls CON save: 9 (d20 5 + 4) vs DC 10 — failure"
    );
    // The sheet takes the vitals back after the fight.
    b.vitals = target.vitals.clone();
    assert_eq!(b.vitals.hp, 6);
}

#[test]
fn character_weapons_add_ability_and_proficiency() {
    let longsword = WeaponDef {
        id: "longsword".into(),
        name: "Longsword".into(),
        ability: Ability::Str,
        finesse: false,
        damage: DiceExpr::parse("1d8").unwrap(),
        damage_type: DamageType::Slashing,
        magical: false,
    };
    let a = Dnd5e::weapon_attack(&bram(), &longsword);
    assert_eq!((a.to_hit, a.damage[0].dice.to_string()), (4, "1d8+2".to_string()));
    let rapier = WeaponDef { finesse: true, id: "rapier".into(), name: "Rapier".into(), ..longsword };
    let a = Dnd5e::weapon_attack(&ayla(), &rapier);
    assert_eq!((a.to_hit, a.damage[0].dice.to_string()), (4, "1d8+2".to_string()), "finesse picks DEX +2 over STR -1");
    let unarmed = Dnd5e::creature_from_sheet(&ayla(), &[]);
    assert_eq!((unarmed.attacks[0].to_hit, unarmed.attacks[0].damage[0].dice), (1, DiceExpr::flat(0)));
}

#[test]
fn initiative_ties_break_by_bonus_then_dex_then_order() {
    let fighters = vec![monster("goblin"), monster("wolf"), monster("ogre")];
    // Goblin 10 + 2, wolf 10 + 2, ogre 13 - 1: all 12. Bonus: goblin = wolf > ogre; DEX: wolf 15 > goblin 14.
    let order = Dnd5e::roll_initiative(&fighters, &mut Scripted::new(&[10, 10, 13]), &mut DiceLog::new());
    assert_eq!(order.iter().map(|e| e.index).collect::<Vec<_>>(), vec![1, 0, 2]);
    assert!(order.iter().all(|e| e.total == 12));
    let order = Dnd5e::roll_initiative(&fighters, &mut Scripted::new(&[3, 10, 20]), &mut DiceLog::new());
    assert_eq!(order.iter().map(|e| (e.index, e.total)).collect::<Vec<_>>(), vec![(2, 19), (1, 12), (0, 5)]);
}

// ----- rests and world time -------------------------------------------------------------------

fn cfg() -> RulesConfig {
    Dnd5e::default_config()
}

fn ctx(safe: bool, combat: bool, current: Option<RestState>) -> RestContext {
    RestContext { location_safe: safe, in_combat: combat, current }
}

#[test]
fn rests_start_only_where_and_when_allowed() {
    let b = bram();
    let s = Dnd5e::begin_rest(&b, RestKind::Short, &ctx(false, false, None), &cfg()).unwrap();
    assert_eq!(s, RestState { kind: RestKind::Short, elapsed_secs: 0, required_secs: 60 });
    assert_eq!(Dnd5e::begin_rest(&b, RestKind::Long, &ctx(true, false, None), &cfg()).unwrap().required_secs, 480);
    let code =
        |sheet: &CharacterSheet, kind, c: RestContext| Dnd5e::begin_rest(sheet, kind, &c, &cfg()).unwrap_err().code;
    assert_eq!(code(&b, RestKind::Long, ctx(false, false, None)), ErrorCode::NotSafeToRest);
    assert_eq!(code(&b, RestKind::Short, ctx(true, true, None)), ErrorCode::InCombat);
    assert_eq!(code(&b, RestKind::Short, ctx(true, false, Some(s))), ErrorCode::Resting);
    let mut down = bram();
    down.vitals.hp = 0;
    assert_eq!(code(&down, RestKind::Long, ctx(true, false, None)), ErrorCode::Unconscious);
    down.vitals.dead = true;
    assert_eq!(code(&down, RestKind::Long, ctx(true, false, None)), ErrorCode::CharacterDead);
    let bad = RulesConfig { long_rest_secs: 0, ..cfg() };
    assert_eq!(
        Dnd5e::begin_rest(&b, RestKind::Long, &ctx(true, false, None), &bad).unwrap_err().code,
        ErrorCode::InvalidConfig
    );
}

#[test]
fn rest_progress_follows_world_time_and_combat_interrupts() {
    let mut b = bram();
    let mut s = Dnd5e::begin_rest(&b, RestKind::Short, &ctx(false, false, None), &cfg()).unwrap();
    let mut none = Scripted::new(&[]);
    assert_eq!(Dnd5e::world_tick(&mut b, Some(&mut s), 30, false, &cfg(), &mut none).rest, RestTick::InProgress(30));
    assert_eq!(Dnd5e::complete_rest(&mut b, &s, 0, &mut none).unwrap_err().code, ErrorCode::Resting);
    let t = Dnd5e::world_tick(&mut b, Some(&mut s), 45, false, &cfg(), &mut none);
    assert_eq!((t.rest, t.text.as_str()), (RestTick::Ready, "Bram has rested long enough"));
    assert_eq!(Dnd5e::world_tick(&mut b, Some(&mut s), 5, true, &cfg(), &mut none).rest, RestTick::Interrupted);
    assert_eq!(Dnd5e::world_tick(&mut b, None, 5, false, &cfg(), &mut none).rest, RestTick::NotResting);
}

#[test]
fn short_rest_spends_hit_dice() {
    let mut b = bram();
    Dnd5e::award_xp(&mut b, 900); // level 3, 28 HP, 3 hit dice
    b.vitals.hp = 10;
    let done = RestState { kind: RestKind::Short, elapsed_secs: 60, required_secs: 60 };
    // d10 3 + CON 2 = 5, d10 6 + 2 = 8.
    let o = Dnd5e::complete_rest(&mut b, &done, 2, &mut Scripted::new(&[3, 6])).unwrap();
    assert_eq!((o.hp_regained, o.hit_dice_spent, b.vitals.hp, b.hit_dice_remaining), (13, 2, 23, 1));
    assert_eq!(o.text, "Bram finishes a short rest; Bram spends 2 hit dice and regains 13 HP (23/28)");
    assert_eq!(Dnd5e::complete_rest(&mut b, &done, 2, &mut Scripted::new(&[])).unwrap_err().code, ErrorCode::NoHitDice);
}

#[test]
fn hit_dice_stop_at_full_hp_and_never_hurt() {
    let mut b = bram();
    Dnd5e::award_xp(&mut b, 900);
    b.vitals.hp = 27;
    let o = Dnd5e::spend_hit_dice(&mut b, 2, &mut Scripted::new(&[5])).unwrap();
    assert_eq!((o.dice_spent, o.healed, b.hit_dice_remaining), (1, 1, 2), "the second die is kept");
    assert_eq!(Dnd5e::spend_hit_dice(&mut b, 0, &mut Scripted::new(&[])).unwrap_err().code, ErrorCode::InvalidArgument);
    let mut frail =
        Dnd5e::new_character("Frail", &class("wizard"), AbilityScores::from_array([8, 8, 6, 15, 8, 8]), vec![]);
    frail.vitals.hp = 1;
    let o = Dnd5e::spend_hit_dice(&mut frail, 1, &mut Scripted::new(&[1])).unwrap();
    assert_eq!(o.healed, 0, "d6 1 - 2 counts as 0, not -1");
}

#[test]
fn long_rest_restores_everything_and_half_the_hit_dice() {
    let mut b = bram();
    Dnd5e::award_xp(&mut b, 2_700); // level 4
    b.vitals.hp = 3;
    b.vitals.temp_hp = 4;
    b.hit_dice_remaining = 0;
    let done = RestState { kind: RestKind::Long, elapsed_secs: 480, required_secs: 480 };
    let o = Dnd5e::complete_rest(&mut b, &done, 0, &mut Scripted::new(&[])).unwrap();
    assert_eq!((b.vitals.hp, b.vitals.max_hp, b.vitals.temp_hp, b.hit_dice_remaining), (36, 36, 0, 2));
    assert_eq!((o.hp_regained, o.hit_dice_regained), (33, 2));
    // one level of exhaustion: the buff system lowers the `exhaustion` group by this
    assert_eq!((o.exhaustion_removed, Dnd5e::EXHAUSTION_GROUP), (1, "exhaustion"));
    let mut one = bram();
    one.hit_dice_remaining = 0;
    assert_eq!(
        Dnd5e::complete_rest(&mut one, &done, 0, &mut Scripted::new(&[])).unwrap().hit_dice_regained,
        1,
        "at least one"
    );
    assert_eq!(
        Dnd5e::complete_rest(&mut one, &done, 0, &mut Scripted::new(&[])).unwrap().hit_dice_regained,
        0,
        "never above the level"
    );
}

#[test]
fn dying_out_of_combat_rolls_a_death_save_per_round_then_wakes_when_stable() {
    let mut b = bram();
    b.vitals.hp = 0;
    let mut dice = Scripted::new(&[12, 15, 11]);
    let t = Dnd5e::world_tick(&mut b, None, 18, false, &cfg(), &mut dice);
    assert_eq!(
        t.death_saves.iter().map(|d| d.effect).collect::<Vec<_>>(),
        vec![DeathSaveEffect::Success, DeathSaveEffect::Success, DeathSaveEffect::Stabilized]
    );
    assert!(b.vitals.stable && b.vitals.hp == 0);
    let mut none = Scripted::new(&[]);
    assert!(!Dnd5e::world_tick(&mut b, None, 149, false, &cfg(), &mut none).regained_consciousness);
    let t = Dnd5e::world_tick(&mut b, None, 1, false, &cfg(), &mut none);
    assert!(t.regained_consciousness && b.vitals.hp == 1 && !b.vitals.stable);
    assert_eq!(t.text, "Bram wakes with 1 HP");
    // In combat the combat system rolls death saves on turns: the tick rolls none.
    b.vitals.hp = 0;
    assert!(Dnd5e::world_tick(&mut b, None, 60, true, &cfg(), &mut none).death_saves.is_empty());
    // A partial round carries over.
    let mut dice = Scripted::new(&[12]);
    assert_eq!(Dnd5e::world_tick(&mut b, None, 8, false, &cfg(), &mut dice).death_saves.len(), 1);
    assert_eq!(b.vitals.down_secs, 2);
}

#[test]
fn no_natural_regeneration_in_dnd5e() {
    let mut b = bram();
    b.vitals.hp = 5;
    let t = Dnd5e::world_tick(&mut b, None, 10_000, false, &cfg(), &mut Scripted::new(&[]));
    assert_eq!((t.hp_regained, b.vitals.hp), (0, 5));
}

// ----- seeded RNG -----------------------------------------------------------------------------

/// Every entry that keeps all its dice adds up: faces + modifier = total.
fn assert_log_consistent(log: &DiceLog) {
    for e in &log.entries {
        if !e.expr.contains('k') {
            assert_eq!(e.rolls.iter().sum::<i32>() + e.modifier, e.total, "{e:?}");
        }
    }
}

fn skirmish(seed: u64) -> (DiceLog, Creature, Creature, u32) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut log = DiceLog::new();
    let mut orc = Dnd5e::creature_from_monster(&Dnd5e::monster("orc").unwrap(), true, &mut rng, &mut log);
    let mut guard = Dnd5e::creature_from_monster(&Dnd5e::monster("guard").unwrap(), true, &mut rng, &mut log);
    let mut rounds = 0;
    while !orc.vitals.dead && !guard.vitals.dead && rounds < 100 {
        rounds += 1;
        let a = orc.attacks[0].clone();
        Dnd5e::resolve_attack(&orc, &a, &mut guard, Advantage::Normal, &mut rng, &mut log).unwrap();
        if guard.vitals.dead {
            break;
        }
        let a = guard.attacks[0].clone();
        Dnd5e::resolve_attack(&guard, &a, &mut orc, Advantage::Normal, &mut rng, &mut log).unwrap();
    }
    (log, orc, guard, rounds)
}

#[test]
fn seeded_fights_replay_exactly() {
    let (log_a, orc_a, guard_a, rounds_a) = skirmish(42);
    let (log_b, orc_b, guard_b, rounds_b) = skirmish(42);
    assert_eq!(log_a, log_b);
    assert_eq!((&orc_a.vitals, &guard_a.vitals, rounds_a), (&orc_b.vitals, &guard_b.vitals, rounds_b));
    assert!(orc_a.vitals.dead != guard_a.vitals.dead, "exactly one side fell");
    assert_log_consistent(&log_a);
    // Rolled HP sit inside their dice: orc 2d8+6 (8..=22), guard 2d8+2 (4..=18).
    assert!((8..=22).contains(&orc_a.vitals.max_hp) && (4..=18).contains(&guard_a.vitals.max_hp));
    assert_eq!((log_a.entries[0].total, log_a.entries[1].total), (orc_a.vitals.max_hp, guard_a.vitals.max_hp));
    // Pinned outcome of seed 42 (see `seeded_checks_are_pinned` for why pinning is meaningful).
    assert_eq!(
        (orc_a.vitals.max_hp, guard_a.vitals.max_hp, rounds_a, orc_a.vitals.hp, guard_a.vitals.hp, log_a.len()),
        (13, 13, 3, 5, 0, 10)
    );
}

#[test]
fn seeded_checks_are_pinned() {
    // rand 0.8 StdRng is stable for a given seed: these numbers change only if the order or
    // number of draws changes, which is exactly what this test guards.
    let mut rng = StdRng::seed_from_u64(2024);
    let totals: Vec<i32> = (0..5)
        .map(|_| Dnd5e::ability_check(&ayla(), &skill("deception"), 12, Advantage::Normal, &mut rng).unwrap().total)
        .collect();
    let mut again = StdRng::seed_from_u64(2024);
    let naturals: Vec<i32> = (0..5).map(|_| again.roll_die(20)).collect();
    assert_eq!(totals, naturals.iter().map(|n| n + 4).collect::<Vec<_>>());
    assert_eq!(totals, PINNED_2024.to_vec());
}

const PINNED_2024: [i32; 5] = [21, 15, 13, 17, 16];

#[test]
fn a_short_rest_may_not_ask_for_more_hit_dice_than_remain() {
    let mut s = ayla();
    s.hit_dice_remaining = 1;
    assert!(Dnd5e::check_hit_dice_request(&s, RestKind::Short, 1).is_ok());
    assert_eq!(Dnd5e::check_hit_dice_request(&s, RestKind::Short, 2).unwrap_err().code, ErrorCode::NoHitDice);
    // a long rest spends none, so the count is not held against it
    assert!(Dnd5e::check_hit_dice_request(&s, RestKind::Long, 5).is_ok());
}
