//! The one resolution: a character's effective view from all of its sources, and the combat
//! creature built from that view. Pure; `db::stats` feeds it rows and publishes it
//! (`effective_stats`, `character_stats`), `db::combat` builds combatants from it, so the AC a
//! client reads is the AC attacks roll against.
//!
//! What it reads, in order:
//! 1. the sheet (ability scores, level, class, armor, vitals, the sheet's own defenses);
//! 2. the modifier sources in their fixed order (equipment by slot, then active buffs by instance
//!    id; a fight's house rules are layered on top by `systems::profiles` inside the fight);
//! 3. ability-score modifiers are resolved first; the ruleset then derives AC, saves, attack and
//!    damage bonuses from the *effective* ability scores (an Amulet of Health's CON counts);
//! 4. perk passives adjust the derived numbers (Alert, Iron Will);
//! 5. every other stat is resolved over those derived numbers (`systems::stats` documents the
//!    order of operations: multiply, add, downgrade, upgrade, override, clamp).
//!
//! [`creature`] turns the view into the ruleset's combat creature: the ruleset's attacks from the
//! effective abilities, plus the view's attack and damage bonuses, AC, save bonus, max HP,
//! resistances, vulnerabilities and immunities.

use crate::rules::{
    CharacterSheet, Creature, DefenseRule, Defenses, DerivedStats, MonsterDef, RulesEngine, SaveMods, WeaponDef,
};
use crate::systems::buffs::modifiers::Stat;
use crate::systems::buffs::vocab::DamageSet;
use crate::systems::stats::{effective_stats, BaseStats, EffectiveStats, ModifierSource};

/// Walking speed the effective stats start from: the sheet has no speed yet (SRD default for
/// Medium creatures). Replace with the sheet's value when races/monsters carry one.
pub const BASE_SPEED_FT: i32 = 30;

fn damage_set(rules: &[DefenseRule]) -> DamageSet {
    let mut s = DamageSet::EMPTY;
    for r in rules {
        s.insert(r.damage_type);
    }
    s
}

/// The numbers before modifiers: the sheet's ability scores, the ruleset's derived AC, max HP, the
/// sheet's damage defenses. Attack, damage and save bonuses start at 0: they are what modifiers
/// add on top of the ruleset's own bonuses.
pub fn base_stats(sheet: &CharacterSheet, derived: &DerivedStats) -> BaseStats {
    BaseStats {
        abilities: sheet.scores,
        armor_class: derived.ac,
        attack_bonus: 0,
        damage_bonus: 0,
        save_bonus: 0,
        speed: BASE_SPEED_FT,
        max_hp: sheet.vitals.max_hp,
        resistances: damage_set(&sheet.defenses.resistances),
        vulnerabilities: damage_set(&sheet.defenses.vulnerabilities),
        immunities: damage_set(&sheet.defenses.immunities),
    }
}

/// A character's resolved view.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// The ruleset's derived stats of the sheet as it is (with perk passives): `character_stats`.
    pub derived: DerivedStats,
    /// Everything after modifiers: `effective_stats`, and what every roll reads.
    pub eff: EffectiveStats,
}

impl View {
    pub fn get(&self, stat: Stat) -> i32 {
        self.eff.get(stat)
    }
}

/// The sheet with its effective ability scores (what the ruleset derives rolls from).
pub fn effective_sheet(sheet: &CharacterSheet, eff: &EffectiveStats) -> CharacterSheet {
    let mut s = sheet.clone();
    for a in crate::rules::Ability::ALL {
        s.scores.set(a, eff.get(Stat::of_ability(a)).clamp(1, 30) as u8);
    }
    s
}

/// Resolve a character (see the module docs for the order). `adjust` applies perk passives to
/// derived stats.
pub fn resolve<R: RulesEngine>(
    sheet: &CharacterSheet,
    sources: &[ModifierSource],
    adjust: &dyn Fn(&mut DerivedStats),
) -> View {
    let mut derived = R::derive(sheet);
    adjust(&mut derived);
    let eff = effective_stats(&base_stats(sheet, &derived), sources);
    let moved =
        crate::rules::Ability::ALL.into_iter().any(|a| eff.get(Stat::of_ability(a)) != i32::from(sheet.scores.get(a)));
    if !moved {
        return View { derived, eff };
    }
    // Ability modifiers changed a score: derive again from the effective scores, then resolve the
    // other stats over that (the ability modifiers apply to the sheet's own scores once).
    let mut derived_eff = R::derive(&effective_sheet(sheet, &eff));
    adjust(&mut derived_eff);
    let eff = effective_stats(&base_stats(sheet, &derived_eff), sources);
    View { derived, eff }
}

/// The sheet's own defense rules plus every damage type the view adds (equipment, buffs).
pub fn defenses(sheet: &Defenses, eff: &EffectiveStats) -> Defenses {
    let mut d = sheet.clone();
    let add = |rules: &mut Vec<DefenseRule>, set: DamageSet| {
        for t in set.iter() {
            if !rules.iter().any(|r| r.damage_type == t && !r.nonmagical_only) {
                rules.push(DefenseRule::of(t));
            }
        }
    };
    add(&mut d.resistances, eff.resistances);
    add(&mut d.vulnerabilities, eff.vulnerabilities);
    add(&mut d.immunities, eff.immunities);
    d
}

/// The combat creature of a character with these weapons, from its resolved view.
pub fn creature<R: RulesEngine>(sheet: &CharacterSheet, view: &View, weapons: &[WeaponDef]) -> Creature {
    let eff = &view.eff;
    let mut c = R::creature_from_sheet(&effective_sheet(sheet, eff), weapons);
    apply_effective(&mut c, &sheet.defenses, eff);
    c
}

/// The effective numbers a creature fights with, over the ruleset's creature: AC, attack and
/// damage bonus and the attack die on every attack, save bonus, die and advantage (from the
/// conditions' flags, `systems::conditions::save_mods`), max HP (current HP clamped), and the
/// base defenses plus what modifiers add. The same for characters and monsters.
fn apply_effective(c: &mut Creature, base_defenses: &Defenses, eff: &EffectiveStats) {
    c.ac = eff.get(Stat::ArmorClass);
    let (to_hit, dmg) = (eff.get(Stat::AttackBonus), eff.get(Stat::DamageBonus));
    let die = eff.get(Stat::AttackDie).max(0) as u32;
    for a in &mut c.attacks {
        a.to_hit += to_hit;
        a.bonus_die = die;
        if let Some(first) = a.damage.first_mut() {
            first.dice.modifier += dmg;
        }
    }
    let save = eff.get(Stat::SaveBonus);
    for a in crate::rules::Ability::ALL {
        c.save_bonuses.set(a, c.save_bonuses.get(a) + save);
    }
    c.save_mods =
        SaveMods { die: eff.get(Stat::SaveDie).max(0) as u32, ..crate::systems::conditions::save_mods(eff.flags) };
    c.vitals.max_hp = eff.get(Stat::MaxHp);
    c.vitals.hp = c.vitals.hp.min(c.vitals.max_hp);
    c.defenses = defenses(base_defenses, eff);
}

/// A monster's numbers before modifiers: its stat block (`def`: scores, walking speed) and the
/// ruleset's creature built from it (`base`: AC, max HP, damage defenses). Attack, damage and
/// save bonuses start at 0, as a character's do.
pub fn monster_base(def: &MonsterDef, base: &Creature) -> BaseStats {
    BaseStats {
        abilities: def.scores,
        armor_class: base.ac,
        attack_bonus: 0,
        damage_bonus: 0,
        save_bonus: 0,
        speed: i32::from(def.walk_speed()),
        max_hp: base.vitals.max_hp,
        resistances: damage_set(&base.defenses.resistances),
        vulnerabilities: damage_set(&base.defenses.vulnerabilities),
        immunities: damage_set(&base.defenses.immunities),
    }
}

/// A monster's effective stats from its modifier sources (its active buffs and conditions by
/// instance id). Ability-score modifiers show in the view but the stat block's attacks and saves
/// are not derived again from them (a monster has no sheet to derive from).
pub fn monster_effective(def: &MonsterDef, base: &Creature, sources: &[ModifierSource]) -> EffectiveStats {
    effective_stats(&monster_base(def, base), sources)
}

/// The creature a monster fights with: its stat block's creature (`base`, from
/// `RulesEngine::creature_from_monster`) with the same effective modifiers a character's gets
/// (AC, attack and damage bonus, attack die, saves with their die and advantage, max HP, defenses).
/// Speed and condition flags are the combatant's: `eff.get(Stat::Speed)`,
/// `CombatFlags::from_effective(eff)`.
pub fn monster_creature(base: &Creature, eff: &EffectiveStats) -> Creature {
    let mut c = base.clone();
    apply_effective(&mut c, &base.defenses, eff);
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::dice::Scripted;
    use crate::rules::{AbilityScores, ActiveRules, Advantage, DiceLog};
    use crate::systems::buffs::modifiers::{ModOp, ModValue, Modifier, ModifierKey};
    use crate::systems::stats::SourceKind;

    fn sheet() -> CharacterSheet {
        let classes = ActiveRules::classes().expect("classes load");
        ActiveRules::new_character("Tess", &classes[0], AbilityScores::from_array([15, 14, 13, 12, 10, 8]), vec![])
    }

    fn m(key: ModifierKey, op: ModOp, v: i32) -> Modifier {
        Modifier { key, op, value: ModValue::Int(v) }
    }

    fn view_with(s: &CharacterSheet, mods: &[Modifier]) -> View {
        let src = [ModifierSource { kind: SourceKind::Buff, id: 1, label: "test", stacks: 1, modifiers: mods }];
        resolve::<ActiveRules>(s, &src, &|_| {})
    }

    #[test]
    fn base_stats_come_from_the_derived_sheet_and_modifiers_add_on_top() {
        let s = sheet();
        let derived = ActiveRules::derive(&s);
        let base = base_stats(&s, &derived);
        assert_eq!(base.armor_class, derived.ac);
        assert_eq!(base.max_hp, s.vitals.max_hp);
        assert_eq!((base.attack_bonus, base.speed), (0, BASE_SPEED_FT));
        let v = view_with(&s, &[m(ModifierKey::ArmorClass, ModOp::Add, 2)]);
        assert_eq!(v.get(Stat::ArmorClass), derived.ac + 2);
        assert_eq!(v.eff.base(Stat::ArmorClass), derived.ac);
    }

    #[test]
    fn the_creature_carries_the_views_ac_attack_damage_saves_and_max_hp() {
        let s = sheet();
        let plain = creature::<ActiveRules>(&s, &view_with(&s, &[]), &[]);
        let mods = [
            m(ModifierKey::ArmorClass, ModOp::Add, 2),
            m(ModifierKey::AttackBonus, ModOp::Add, 1),
            m(ModifierKey::DamageBonus, ModOp::Add, 3),
            m(ModifierKey::SaveBonus, ModOp::Add, 1),
            m(ModifierKey::MaxHp, ModOp::Add, 5),
        ];
        let v = view_with(&s, &mods);
        let c = creature::<ActiveRules>(&s, &v, &[]);
        assert_eq!(c.ac, plain.ac + 2);
        assert_eq!(c.ac, v.get(Stat::ArmorClass), "the combatant's AC is the view's AC");
        assert_eq!(c.attacks[0].to_hit, plain.attacks[0].to_hit + 1);
        assert_eq!(c.attacks[0].damage[0].dice.modifier, plain.attacks[0].damage[0].dice.modifier + 3);
        for a in crate::rules::Ability::ALL {
            assert_eq!(c.save_bonuses.get(a), plain.save_bonuses.get(a) + 1);
        }
        assert_eq!(c.vitals.max_hp, plain.vitals.max_hp + 5);
    }

    #[test]
    fn an_ability_modifier_reaches_the_rolls_derived_from_it() {
        let s = sheet();
        let plain = creature::<ActiveRules>(&s, &view_with(&s, &[]), &[]);
        // STR 15 -> 19 (+2 -> +4): the unarmed strike's to-hit and damage follow.
        let v = view_with(&s, &[m(ModifierKey::Ability(crate::rules::Ability::Str), ModOp::Upgrade, 19)]);
        assert_eq!(v.get(Stat::Str), 19);
        let c = creature::<ActiveRules>(&s, &v, &[]);
        let (d_plain, d) = (ActiveRules::derive(&s), ActiveRules::derive(&effective_sheet(&s, &v.eff)));
        let gain =
            d.ability_mods.get(crate::rules::Ability::Str) - d_plain.ability_mods.get(crate::rules::Ability::Str);
        assert!(gain > 0);
        assert_eq!(c.attacks[0].to_hit, plain.attacks[0].to_hit + gain);
        assert_eq!(
            c.save_bonuses.get(crate::rules::Ability::Str),
            plain.save_bonuses.get(crate::rules::Ability::Str) + gain
        );
        // `derived` (character_stats) stays the sheet's own; the effective AC base is re-derived.
        assert_eq!(v.derived, d_plain);
    }

    #[test]
    fn a_resistance_from_a_modifier_halves_the_damage_the_creature_takes() {
        let s = sheet();
        let fire = crate::rules::DamageType::Fire;
        let v = view_with(&s, &[Modifier::flag(ModifierKey::Resistance(fire))]);
        let mut c = creature::<ActiveRules>(&s, &v, &[]);
        let plain = creature::<ActiveRules>(&s, &view_with(&s, &[]), &[]);
        let hp = c.vitals.hp;
        let dmg = [crate::rules::Damage { amount: 4, damage_type: fire, magical: false }];
        let o = ActiveRules::apply_damage(&c.name.clone(), &mut c.vitals, &c.defenses.clone(), &dmg, false);
        let mut p = plain.clone();
        ActiveRules::apply_damage(&p.name.clone(), &mut p.vitals, &plain.defenses, &dmg, false);
        assert!(hp - c.vitals.hp < hp - p.vitals.hp, "resisted: {}", o.text);
    }

    #[test]
    fn saves_roll_with_the_views_advantage_and_auto_fail() {
        use crate::rules::Ability;
        use crate::systems::buffs::vocab::Roll;
        let s = sheet();
        let flag = |k| Modifier::flag(k);
        // Stunned: STR and DEX saves fail without a roll; a CON save still rolls.
        let stunned = view_with(
            &s,
            &[flag(ModifierKey::AutoFailSave(Ability::Str)), flag(ModifierKey::AutoFailSave(Ability::Dex))],
        );
        let c = creature::<ActiveRules>(&s, &stunned, &[]);
        let mut log = DiceLog::new();
        let r = ActiveRules::saving_throw(&c, Ability::Dex, 1, Advantage::Normal, &mut Scripted::new(&[]), &mut log);
        assert!(!r.success && r.dice.is_empty(), "{}", r.text);
        // Exhaustion 3: disadvantage on every save, so a CON (concentration) save rolls two dice
        // and a death save does too.
        let tired = view_with(&s, &[flag(ModifierKey::Disadvantage(Roll::AnySave))]);
        let c = creature::<ActiveRules>(&s, &tired, &[]);
        let faces: Vec<i32> = if ActiveRules::TEST_DIE == "d20" { vec![15, 3] } else { vec![6, 1, 1] };
        let r =
            ActiveRules::saving_throw(&c, Ability::Con, 10, Advantage::Normal, &mut Scripted::new(&faces), &mut log);
        assert_eq!(r.advantage, Advantage::Disadvantage, "{}", r.text);
        assert!(!r.success, "the lower roll is kept: {}", r.text);
        assert_eq!(c.save_mods.death(), Advantage::Disadvantage);
        // Advantage on DEX saves (Haste) cancels a caller's disadvantage.
        let hasted = view_with(&s, &[flag(ModifierKey::Advantage(Roll::Save(Ability::Dex)))]);
        let c = creature::<ActiveRules>(&s, &hasted, &[]);
        assert_eq!(c.save_mods.advantage_for(Ability::Dex, Advantage::Disadvantage), Advantage::Normal);
        assert_eq!(c.save_mods.advantage_for(Ability::Dex, Advantage::Normal), Advantage::Advantage);
        assert_eq!(c.save_mods.death(), Advantage::Normal);
    }

    #[test]
    fn blesss_die_is_rolled_into_attacks_and_saves() {
        use crate::rules::Ability;
        let s = sheet();
        let up = |k| Modifier { key: k, op: ModOp::Upgrade, value: ModValue::Int(4) };
        let v = view_with(&s, &[up(ModifierKey::AttackDie), up(ModifierKey::SaveDie)]);
        assert_eq!((v.get(Stat::AttackDie), v.get(Stat::SaveDie)), (4, 4));
        let c = creature::<ActiveRules>(&s, &v, &[]);
        let plain = creature::<ActiveRules>(&s, &view_with(&s, &[]), &[]);
        assert!(c.attacks.iter().all(|a| a.bonus_die == 4) && plain.attacks.iter().all(|a| a.bonus_die == 0));
        let atk = &c.attacks[0];
        // One test roll, then the d4 (3): the total is roll + to-hit + 3, with the die in the log.
        let natural: Vec<i32> = if ActiveRules::TEST_DIE == "d20" { vec![10] } else { vec![5, 5] };
        let mut faces = natural.clone();
        faces.push(3);
        let mut log = DiceLog::new();
        let r = ActiveRules::attack_roll("Tess", atk, 99, Advantage::Normal, &mut Scripted::new(&faces), &mut log);
        assert_eq!(r.total, 10 + atk.to_hit + 3, "{}", r.text);
        assert!(log.entries.iter().any(|e| e.expr == "1d4" && e.total == 3), "{:?}", log.entries);
        let mut log = DiceLog::new();
        let save =
            ActiveRules::saving_throw(&c, Ability::Wis, 99, Advantage::Normal, &mut Scripted::new(&faces), &mut log);
        assert_eq!(save.total, 10 + c.save_bonuses.get(Ability::Wis) + 3, "{}", save.text);
    }

    #[cfg(feature = "dnd5e")]
    #[test]
    fn a_blessed_death_save_counts_the_die() {
        let mut v = crate::rules::Vitals { hp: 0, max_hp: 10, ..Default::default() };
        let mods = SaveMods { die: 4, ..Default::default() };
        // A natural 8 fails; 8 + 3 on the d4 is 11: a success.
        let o = ActiveRules::death_save_with("Tess", &mut v, &mods, &mut Scripted::new(&[8, 3]), &mut DiceLog::new())
            .expect("dying");
        assert_eq!((v.death_save_successes, v.death_save_failures), (1, 0), "{}", o.text);
        let mut w = crate::rules::Vitals { hp: 0, max_hp: 10, ..Default::default() };
        ActiveRules::death_save("Tess", &mut w, &mut Scripted::new(&[8]), &mut DiceLog::new()).expect("dying");
        assert_eq!(w.death_save_failures, 1);
    }

    #[test]
    fn the_view_ac_is_the_ac_an_attack_rolls_against() {
        let s = sheet();
        let v = view_with(&s, &[m(ModifierKey::ArmorClass, ModOp::Add, 2)]);
        let target = creature::<ActiveRules>(&s, &v, &[]);
        let attacker = creature::<ActiveRules>(&s, &view_with(&s, &[]), &[]);
        let atk = attacker.attacks[0].clone();
        // A roll that would hit the plain AC exactly misses the buffed one.
        let need = target.ac - 2 - atk.to_hit;
        // Faces for a natural `need`: one d20 (dnd5e) or two d6 (lite).
        let faces: Vec<i32> = if ActiveRules::TEST_DIE == "d20" {
            vec![need]
        } else {
            let a = (need / 2).clamp(1, 6);
            vec![a, need - a]
        };
        assert!(faces.iter().all(|f| (1..=20).contains(f)) && need >= 2, "the fixture needs a plain roll ({need})");
        let mut dice = Scripted::new(&faces);
        let mut log = DiceLog::new();
        let r = ActiveRules::attack_roll("a", &atk, target.ac, Advantage::Normal, &mut dice, &mut log);
        assert!(!r.hit, "{}", r.text);
        let mut dice = Scripted::new(&faces);
        let r = ActiveRules::attack_roll("a", &atk, target.ac - 2, Advantage::Normal, &mut dice, &mut log);
        assert!(r.hit, "{}", r.text);
    }

    // ----- monsters -------------------------------------------------------------------------

    fn goblin_with(buffs: &[&str]) -> crate::systems::combat::Combatant {
        use crate::systems::combat::{monster_combatant, CombatFlags};
        let cat = crate::systems::buffs::shipped().expect("buffs load");
        let def = ActiveRules::monster("goblin").expect("goblin");
        let mut cb = monster_combatant::<ActiveRules>(crate::systems::buffs::monster_target(1), 2, &def, None);
        let defs: Vec<&crate::systems::buffs::BuffDef> = buffs.iter().map(|b| cat.find(b).expect(b)).collect();
        let sources: Vec<ModifierSource> = defs
            .iter()
            .enumerate()
            .map(|(i, d)| ModifierSource {
                kind: SourceKind::Buff,
                id: i as u64 + 1,
                label: &d.name,
                stacks: 1,
                modifiers: &d.modifiers,
            })
            .collect();
        let eff = monster_effective(&def, &cb.creature, &sources);
        cb.creature = monster_creature(&cb.creature, &eff);
        cb.speed_ft = eff.get(Stat::Speed).max(0) as f32;
        cb.flags = CombatFlags::from_effective(&eff);
        cb
    }

    #[test]
    fn a_monsters_view_starts_from_its_stat_block() {
        let def = ActiveRules::monster("goblin").expect("goblin");
        let plain = crate::systems::combat::monster_combatant::<ActiveRules>(1, 2, &def, None);
        let g = goblin_with(&[]);
        assert_eq!(g.creature, plain.creature, "no sources: the stat block's creature unchanged");
        assert_eq!(g.speed_ft, f32::from(def.walk_speed()));
        assert_eq!(g.flags, crate::systems::combat::CombatFlags::default());
    }

    #[test]
    fn a_monsters_buffs_reach_its_ac_attacks_saves_and_defenses() {
        let s = sheet();
        let def = ActiveRules::monster("goblin").expect("goblin");
        let base = crate::systems::combat::monster_combatant::<ActiveRules>(1, 2, &def, None).creature;
        let fire = crate::rules::DamageType::Fire;
        let mods = [
            m(ModifierKey::ArmorClass, ModOp::Add, 2),
            m(ModifierKey::AttackBonus, ModOp::Add, 1),
            m(ModifierKey::DamageBonus, ModOp::Add, 3),
            m(ModifierKey::SaveBonus, ModOp::Add, 1),
            Modifier::flag(ModifierKey::Resistance(fire)),
            Modifier::flag(ModifierKey::AutoFailSave(crate::rules::Ability::Dex)),
        ];
        let src = [ModifierSource { kind: SourceKind::Buff, id: 1, label: "test", stacks: 1, modifiers: &mods }];
        let eff = monster_effective(&def, &base, &src);
        let c = monster_creature(&base, &eff);
        assert_eq!(c.ac, base.ac + 2);
        assert_eq!(c.attacks[0].to_hit, base.attacks[0].to_hit + 1);
        assert_eq!(c.attacks[0].damage[0].dice.modifier, base.attacks[0].damage[0].dice.modifier + 3);
        for a in crate::rules::Ability::ALL {
            assert_eq!(c.save_bonuses.get(a), base.save_bonuses.get(a) + 1);
        }
        assert!(c.defenses.resistances.iter().any(|r| r.damage_type == fire));
        // An auto-failed DEX save rolls no die.
        let mut log = DiceLog::new();
        let r = ActiveRules::saving_throw(
            &c,
            crate::rules::Ability::Dex,
            1,
            Advantage::Normal,
            &mut Scripted::new(&[]),
            &mut log,
        );
        assert!(!r.success && r.dice.is_empty(), "{}", r.text);
        let _ = s;
    }

    /// A poisoned goblin attacks with disadvantage: the same dice that hit unpoisoned miss, and
    /// the roll says so.
    #[test]
    fn a_poisoned_goblin_attacks_with_disadvantage() {
        use crate::systems::combat::{CombatMode, Fight, ModeConfig};
        // One high and one low test roll (dnd5e: 19 then 1; lite: 6+6, and a 1 for the third d6).
        let faces: Vec<i32> = if ActiveRules::TEST_DIE == "d20" { vec![19, 1] } else { vec![6, 6, 1] };
        let mut faces = faces;
        faces.extend([1; 12]);
        let run = |buffs: &[&str]| {
            let g = goblin_with(buffs);
            let to_hit = g.creature.attacks[0].to_hit;
            let target = ActiveRules::monster("goblin").expect("goblin");
            let mut t = crate::systems::combat::monster_combatant::<ActiveRules>(7, 1, &target, None).at(5.0, 0.0);
            t.creature.ac = to_hit + 10;
            t.creature.vitals.hp = 999;
            t.creature.vitals.max_hp = 999;
            let mut f = Fight::start::<ActiveRules>(
                1,
                CombatMode::ActionQueues,
                vec![g.at(0.0, 0.0), t],
                &ModeConfig::default(),
                0,
            )
            .expect("fight");
            let id = crate::systems::buffs::monster_target(1);
            f.attack::<ActiveRules>(id, 7, 0, &mut Scripted::new(&faces)).expect("attack")
        };
        let plain = run(&[]);
        assert!(plain.text.contains("hit") && !plain.text.contains("disadvantage"), "{}", plain.text);
        let poisoned = run(&["poisoned"]);
        assert!(poisoned.text.contains("disadvantage") && poisoned.text.contains("miss"), "{}", poisoned.text);
        assert!(goblin_with(&["poisoned"]).flags.attack_disadvantage);
    }

    /// A frightened, restrained monster: disadvantage on its attacks and DEX saves, no speed,
    /// attackers with advantage (the SRD conditions' keys, as on a character).
    #[cfg(feature = "dnd5e")]
    #[test]
    fn a_frightened_restrained_monster_carries_its_conditions_flags() {
        use crate::rules::Ability;
        let g = goblin_with(&["frightened", "restrained"]);
        assert!(g.flags.attack_disadvantage);
        assert_eq!(g.speed_ft, 0.0);
        assert_eq!(g.flags.against(5.0), (true, false));
        assert_eq!(g.creature.save_mods.advantage_for(Ability::Dex, Advantage::Normal), Advantage::Disadvantage);
        assert_eq!(g.creature.save_mods.advantage_for(Ability::Con, Advantage::Normal), Advantage::Normal);
    }
}
