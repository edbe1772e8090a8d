//! D&D 5e (SRD 5.1) adapted to a persistent world. Numbers from the SRD 5.1 (CC-BY-4.0, see
//! static_data/dnd5e/ATTRIBUTION.md).
//!
//! Adaptations to a world that never pauses (also in docs/rules.md):
//! - Rests are world time: a short rest is `short_rest_secs` anywhere out of combat, a long rest
//!   `long_rest_secs` in a location flagged safe. Combat interrupts either and the progress is
//!   lost. Hit dice are spent when a short rest completes.
//! - Out of combat, a dying character rolls one death save per `round_secs` of world time (the
//!   combat system rolls them on turns); a stable character wakes with 1 HP after
//!   `stable_recovery_secs` (SRD: 1d4 hours, made a fixed duration so ticks need no dice).
//! - No natural regeneration outside rests.
//! - Level-up HP uses the SRD fixed value (die / 2 + 1) + CON modifier, at least 1, so levelling
//!   needs no dice. Hit dice spent on a short rest heal die + CON modifier each, at least 0 per
//!   die (a negative CON never makes resting hurt); spending stops once HP is full.
//! - Monsters die at 0 HP (SRD "Monsters and Death"); characters make death saves.
//! - Exhaustion is the `exhaustion` buff group (levels 1-6 in buffs.csv); a long rest lowers it by one.
//! - Not modelled yet: spell slots, multiclassing, reactions, conditions' mechanical effects.

mod data;
#[cfg(test)]
mod srd_tests;

use super::damage::{absorb, begin_damage};
use super::dice::{bonus_die, roll_keep, signed, DiceExpr, DiceLog, DiceSource, KeptRoll, TestDice};
use super::levels::LevelDef;
use super::monsters::MonsterDef;
use super::outcomes::*;
use super::resolve;
use super::sheet::*;
use super::skills::{parse_skills, SkillDef};
use super::{parse_classes, Ability, AbilityScores, Advantage, ClassDef, RulesEngine};
use crate::data::DataError;
use crate::error::{err, ErrorCode, WkError};

pub use data::{CLASSES_CSV, MONSTERS_CSV, SKILLS_CSV, XP_LEVELS_CSV};

pub struct Dnd5e;

/// Point-buy budget and costs (SRD 5.1 "Variant: Customizing Ability Scores").
pub const POINT_BUY_BUDGET: u32 = 27;

/// Cost of one score under point buy; `None` outside 8..=15.
pub fn point_buy_cost(score: u8) -> Option<u32> {
    match score {
        8 => Some(0),
        9 => Some(1),
        10 => Some(2),
        11 => Some(3),
        12 => Some(4),
        13 => Some(5),
        14 => Some(7),
        15 => Some(9),
        _ => None,
    }
}

/// Ability modifier: floor((score - 10) / 2).
pub fn ability_modifier(score: u8) -> i32 {
    (score as i32 - 10).div_euclid(2)
}

/// SRD proficiency bonus: +2 at levels 1-4, +1 every four levels after (+6 at 17-20).
pub fn proficiency_for_level(level: u8) -> i32 {
    2 + (level.clamp(1, 20) as i32 - 1) / 4
}

/// Passive score: 10 + bonus, +5 with advantage, -5 with disadvantage.
pub fn passive_score(bonus: i32, adv: Advantage) -> i32 {
    10 + bonus
        + match adv {
            Advantage::Normal => 0,
            Advantage::Advantage => 5,
            Advantage::Disadvantage => -5,
        }
}

/// AC: unarmored 10 + DEX; armored base + DEX (capped for medium / heavy armor); shield +2.
pub fn armor_class(armor: &ArmorWorn, dex_mod: i32) -> i32 {
    let body = if armor.base_ac == 0 {
        10 + dex_mod
    } else {
        // Heavy armor (cap 0) ignores DEX entirely, a negative modifier included.
        armor.base_ac as i32
            + match armor.dex_cap {
                None => dex_mod,
                Some(0) => 0,
                Some(cap) => dex_mod.min(cap as i32),
            }
    };
    body + if armor.shield { 2 } else { 0 }
}

/// Carrying capacity in pounds: STR score x 15.
pub fn carrying_capacity(str_score: u8) -> i32 {
    str_score as i32 * 15
}

/// Concentration save DC: 10 or half the damage taken (rounded down), whichever is higher.
pub fn concentration_dc(damage_taken: i32) -> i32 {
    (damage_taken / 2).max(10)
}

/// HP gained per level after the first with the SRD fixed value: die / 2 + 1 + CON, at least 1.
pub fn level_up_hp(hit_die: u8, con: u8) -> i32 {
    (hit_die as i32 / 2 + 1 + ability_modifier(con)).max(1)
}

pub fn skills() -> Result<Vec<SkillDef>, DataError> {
    parse_skills("dnd5e/skills.csv", SKILLS_CSV)
}

fn mods_of(scores: &AbilityScores) -> AbilityBonuses {
    AbilityBonuses::from_fn(|a| ability_modifier(scores.get(a)))
}

fn damage_text(name: &str, parts: &[DamagePart]) -> String {
    let list: Vec<String> = parts
        .iter()
        .map(|p| {
            let note = match p.defense {
                DefenseApplied::Normal => String::new(),
                DefenseApplied::Immune => format!(" (immune, from {})", p.damage.amount),
                DefenseApplied::Resisted => format!(" (resisted from {})", p.damage.amount),
                DefenseApplied::Vulnerable => format!(" (vulnerable, from {})", p.damage.amount),
                DefenseApplied::ResistedAndVulnerable => {
                    format!(" (resisted and vulnerable, from {})", p.damage.amount)
                }
            };
            format!("{} {}{note}", p.applied, p.damage.damage_type.id())
        })
        .collect();
    format!("{name} takes {}", list.join(" + "))
}

impl RulesEngine for Dnd5e {
    const ID: &'static str = "dnd5e";
    const TEST_DIE: &'static str = "d20";

    fn static_files() -> &'static [(&'static str, &'static str)] {
        data::FILES
    }

    fn classes() -> Result<Vec<ClassDef>, DataError> {
        let skills = skills()?;
        let ids: Vec<&str> = skills.iter().map(|s| s.id.as_str()).collect();
        parse_classes("dnd5e/classes.csv", CLASSES_CSV, &ids)
    }

    fn skills() -> Result<Vec<SkillDef>, DataError> {
        skills()
    }

    fn cached_skills() -> &'static [SkillDef] {
        data::cached_skills()
    }

    fn cached_monsters() -> &'static [MonsterDef] {
        data::cached_monsters()
    }

    fn levels() -> Result<Vec<LevelDef>, DataError> {
        data::levels()
    }

    fn monsters() -> Result<Vec<MonsterDef>, DataError> {
        data::monsters()
    }

    /// Point buy with a 27-point budget, every score 8..=15. The standard array
    /// (15, 14, 13, 12, 10, 8) costs exactly 27, so it is accepted in any order.
    fn validate_ability_scores(scores: &AbilityScores) -> Result<(), WkError> {
        let mut total = 0;
        for s in scores.as_array() {
            total += point_buy_cost(s).ok_or_else(|| {
                err(ErrorCode::InvalidAbilityScores, format!("score {s} is outside 8..=15; use point buy (27 points, 8..=15) or the standard array 15,14,13,12,10,8"))
            })?;
        }
        if total > POINT_BUY_BUDGET {
            return Err(err(
                ErrorCode::InvalidAbilityScores,
                format!("these scores cost {total} points; point buy allows {POINT_BUY_BUDGET} (costs 8:0 9:1 10:2 11:3 12:4 13:5 14:7 15:9)"),
            ));
        }
        Ok(())
    }

    fn choose_skills(class: &ClassDef, picked: &[String]) -> Result<Vec<String>, WkError> {
        super::choose_skills_from(class, picked)
    }

    /// Level 1: the hit die's maximum + CON modifier, at least 1.
    fn starting_max_hp(class: &ClassDef, scores: &AbilityScores) -> i32 {
        (class.hit_die as i32 + ability_modifier(scores.con)).max(1)
    }

    fn default_config() -> RulesConfig {
        RulesConfig {
            short_rest_secs: 60,
            long_rest_secs: 480,
            round_secs: 6,
            stable_recovery_secs: 150,
            down_to_dead_secs: 60,
            regen_interval_secs: 0,
        }
    }

    fn proficiency_bonus(level: u8) -> i32 {
        proficiency_for_level(level)
    }

    fn level_for_xp(xp: u32) -> u8 {
        super::levels::level_for_xp(data::cached_levels(), xp)
    }

    fn derive(sheet: &CharacterSheet) -> DerivedStats {
        let mods = mods_of(&sheet.scores);
        let prof = proficiency_for_level(sheet.level);
        let save_bonuses =
            AbilityBonuses::from_fn(|a| mods.get(a) + if sheet.proficient_in_save(a) { prof } else { 0 });
        let save_dcs = AbilityBonuses::from_fn(|a| 8 + prof + mods.get(a));
        let skills: Vec<SkillBonus> = data::cached_skills()
            .iter()
            .map(|s| {
                let proficient = sheet.proficient_in_skill(&s.id);
                SkillBonus {
                    skill_id: s.id.clone(),
                    bonus: mods.get(s.ability) + if proficient { prof } else { 0 },
                    proficient,
                }
            })
            .collect();
        let perception = skills.iter().find(|s| s.skill_id == "perception").map_or(mods.wis, |s| s.bonus);
        DerivedStats {
            level: sheet.level,
            proficiency_bonus: prof,
            ability_mods: mods,
            save_bonuses,
            attack_bonuses: AbilityBonuses::from_fn(|a| mods.get(a) + prof),
            save_dcs,
            save_dc: save_dcs.get(sheet.key_ability),
            ac: armor_class(&sheet.armor, mods.dex),
            initiative_bonus: mods.dex,
            passive_perception: passive_score(perception, Advantage::Normal),
            carrying_capacity_lb: carrying_capacity(sheet.scores.str_),
            skills,
        }
    }

    fn check_bonus(sheet: &CharacterSheet, kind: &CheckKind) -> Result<i32, WkError> {
        match kind {
            CheckKind::Ability(a) => Ok(ability_modifier(sheet.scores.get(*a))),
            CheckKind::Skill(id) => {
                let skill = data::cached_skills().iter().find(|s| &s.id == id).ok_or_else(|| {
                    err(
                        ErrorCode::UnknownSkill,
                        format!("unknown skill `{id}`; see static_data/dnd5e/skills.csv for the 18 skill ids"),
                    )
                })?;
                let prof = if sheet.proficient_in_skill(id) { proficiency_for_level(sheet.level) } else { 0 };
                Ok(ability_modifier(sheet.scores.get(skill.ability)) + prof)
            }
        }
    }

    /// DCs 1..=40: the SRD's scale tops out at 30 ("nearly impossible"); 40 leaves room for
    /// world-authored challenges while still catching nonsense.
    fn dc_range() -> std::ops::RangeInclusive<i32> {
        1..=40
    }

    fn roll_test(
        modifier: i32,
        adv: Advantage,
        purpose: &str,
        rng: &mut impl DiceSource,
        log: &mut DiceLog,
    ) -> KeptRoll {
        roll_keep(rng, TestDice::D20, adv, modifier, purpose, log)
    }

    fn creature_from_monster(
        def: &MonsterDef,
        roll_hp: bool,
        rng: &mut impl DiceSource,
        log: &mut DiceLog,
    ) -> Creature {
        let hp = if roll_hp { def.hp_dice.roll(rng, format!("{}: hit points", def.name), log).max(1) } else { def.hp };
        let mods = mods_of(&def.scores);
        let save_bonuses = AbilityBonuses::from_fn(|a| {
            def.saving_throws.iter().find(|(s, _)| *s == a).map_or(mods.get(a), |(_, b)| *b)
        });
        Creature {
            id: def.id.clone(),
            name: def.name.clone(),
            ac: def.ac,
            vitals: Vitals { dies_at_zero: true, ..Vitals::new(hp) },
            defenses: def.defenses.clone(),
            ability_mods: mods,
            save_bonuses,
            initiative_bonus: mods.dex,
            dex_score: def.scores.dex,
            attacks: def.attacks.clone(),
            multiattack: def
                .multiattack
                .iter()
                .filter_map(|m| def.attacks.iter().position(|a| &a.id == m).map(|p| p as u32))
                .collect(),
            xp: def.xp,
            perks: Vec::new(),
            save_mods: Default::default(),
        }
    }

    /// To hit: ability modifier + proficiency (all classes here are proficient with the weapons
    /// they carry); damage: the weapon's dice + the same modifier. Finesse uses the better of
    /// STR and DEX.
    fn weapon_attack(sheet: &CharacterSheet, weapon: &WeaponDef) -> AttackDef {
        let m = |a: Ability| ability_modifier(sheet.scores.get(a));
        let ability_mod = if weapon.finesse { m(Ability::Str).max(m(Ability::Dex)) } else { m(weapon.ability) };
        AttackDef {
            id: weapon.id.clone(),
            name: weapon.name.clone(),
            to_hit: ability_mod + proficiency_for_level(sheet.level),
            damage: vec![DamageDice { dice: weapon.damage.plus(ability_mod), damage_type: weapon.damage_type }],
            magical: weapon.magical,
            bonus_die: 0,
        }
    }

    /// SRD: a natural 20 always hits and is a critical hit; a natural 1 always misses; otherwise
    /// the total must meet or beat the AC.
    fn attack_roll(
        attacker: &str,
        attack: &AttackDef,
        target_ac: i32,
        adv: Advantage,
        rng: &mut impl DiceSource,
        log: &mut DiceLog,
    ) -> AttackRoll {
        let mut r =
            roll_keep(rng, TestDice::D20, adv, attack.to_hit, format!("{attacker}: {} attack", attack.name), log);
        let die = bonus_die(
            rng,
            attack.bonus_die,
            format!("{attacker}: {} attack, bonus d{}", attack.name, attack.bonus_die),
            log,
        );
        r.total += die;
        let crit = r.natural == 20;
        let hit = crit || (r.natural != 1 && r.total >= target_ac);
        let verdict = match (hit, crit, r.natural) {
            (_, true, _) => "critical hit",
            (false, _, 1) => "natural 1, miss",
            (true, _, _) => "hit",
            (false, _, _) => "miss",
        };
        let bonus = if attack.bonus_die > 0 { format!(" + d{} {die}", attack.bonus_die) } else { String::new() };
        let text = format!(
            "{attacker} attacks with {}{}: {} (d20 {} {}{bonus}) vs AC {target_ac} — {verdict}",
            attack.name,
            adv.label(),
            r.total,
            r.natural,
            signed(attack.to_hit)
        );
        AttackRoll { natural: r.natural, total: r.total, target_ac, hit, crit, advantage: adv, text }
    }

    /// SRD (unconscious, paralyzed): any attack that hits the creature is a critical hit if the
    /// attacker is within 5 feet of it.
    fn crit_on_helpless(roll: &mut AttackRoll) {
        if roll.hit && !roll.crit {
            roll.crit = true;
            roll.text.push_str(" (critical: a helpless target within 5 ft)");
        }
    }

    /// A critical hit rolls the damage dice twice; modifiers are added once. Damage is never
    /// negative.
    fn roll_damage(attack: &AttackDef, crit: bool, rng: &mut impl DiceSource, log: &mut DiceLog) -> Vec<Damage> {
        attack
            .damage
            .iter()
            .map(|part| {
                let purpose = format!(
                    "{} damage ({}){}",
                    attack.name,
                    part.damage_type.id(),
                    if crit { ", critical" } else { "" }
                );
                let amount = part.dice.roll_times(if crit { 2 } else { 1 }, rng, purpose, log).max(0);
                Damage { amount, damage_type: part.damage_type, magical: attack.magical }
            })
            .collect()
    }

    /// SRD order: defenses per damage instance, then temporary HP, then HP. Dropping to 0 HP:
    /// instant death if the damage left over is at least the HP maximum, otherwise unconscious
    /// and dying (monsters die). Damage while at 0 HP: one death-save failure, two from a
    /// critical hit, instant death if it is at least the HP maximum. Concentration: any damage
    /// taken calls for a CON save, DC max(10, half the damage); 0 HP ends it outright.
    fn apply_damage(
        name: &str,
        vitals: &mut Vitals,
        defenses: &Defenses,
        damage: &[Damage],
        crit: bool,
    ) -> DamageOutcome {
        let mut out = match begin_damage(name, vitals, defenses, damage) {
            Ok(out) => out,
            Err(already_dead) => return already_dead,
        };
        let (parts, taken) = (out.parts.clone(), out.taken);
        let was_down = vitals.hp <= 0;
        let (absorbed, hp_lost, leftover) = absorb(vitals, taken);
        out.absorbed_by_temp_hp = absorbed;
        out.hp_lost = hp_lost;
        let mut tail = String::new();
        if was_down {
            let hp_damage = taken - absorbed;
            if hp_damage > 0 {
                if hp_damage >= vitals.max_hp {
                    vitals.dead = true;
                    out.instant_death = true;
                    tail = " — massive damage, killed outright".into();
                } else if vitals.dies_at_zero {
                    vitals.dead = true;
                    tail = " — dies".into();
                } else {
                    vitals.stable = false;
                    let add: u8 = if crit { 2 } else { 1 };
                    vitals.death_save_failures = (vitals.death_save_failures + add).min(3);
                    out.death_save_failures_added = add;
                    if vitals.death_save_failures >= 3 {
                        vitals.dead = true;
                        tail = format!(" at 0 HP — {add} death save failure(s), dies");
                    } else {
                        tail = format!(" at 0 HP — {add} death save failure(s) ({}/3)", vitals.death_save_failures);
                    }
                }
            }
        } else if vitals.hp <= 0 {
            out.dropped_to_zero = true;
            if leftover >= vitals.max_hp {
                vitals.dead = true;
                out.instant_death = true;
                tail = format!(" — massive damage ({leftover} past 0 HP, max {}), killed outright", vitals.max_hp);
            } else if vitals.dies_at_zero {
                vitals.dead = true;
                tail = " — drops to 0 HP and dies".into();
            } else {
                vitals.reset_death_saves();
                vitals.stable = false;
                vitals.down_secs = 0;
                tail = " — drops to 0 HP, unconscious and dying".into();
            }
        }
        out.died = vitals.dead;
        if vitals.concentrating {
            if vitals.dead || vitals.hp <= 0 {
                vitals.concentrating = false;
                out.concentration_lost = true;
            } else if taken > 0 {
                out.concentration_dc = Some(concentration_dc(taken));
            }
        }
        out.hp_after = vitals.hp;
        let temp = if absorbed > 0 { format!(", {absorbed} absorbed by temporary HP") } else { String::new() };
        out.text = format!("{}{temp} ({}/{} HP){tail}", damage_text(name, &parts), vitals.hp, vitals.max_hp);
        out
    }

    /// SRD death saving throw: d20, no modifiers; 10+ succeeds; natural 1 = two failures;
    /// natural 20 = regain 1 HP; three successes = stable; three failures = dead.
    fn death_save(
        name: &str,
        vitals: &mut Vitals,
        rng: &mut impl DiceSource,
        log: &mut DiceLog,
    ) -> Result<DeathSaveOutcome, WkError> {
        Self::death_save_with(name, vitals, &SaveMods::default(), rng, log)
    }

    /// As [`Self::death_save`], with what the creature's view gives every saving throw: advantage
    /// or disadvantage (exhaustion 3+), a bonus die (Bless). Naturals 1 and 20 are the d20's.
    fn death_save_with(
        name: &str,
        vitals: &mut Vitals,
        mods: &SaveMods,
        rng: &mut impl DiceSource,
        log: &mut DiceLog,
    ) -> Result<DeathSaveOutcome, WkError> {
        if vitals.dead {
            return Err(err(ErrorCode::CharacterDead, format!("{name} is dead; no more death saves")));
        }
        if !vitals.is_dying() {
            return Err(err(
                ErrorCode::NotDying,
                format!("{name} is not dying (above 0 HP or stable); death saves are only for creatures dying at 0 HP"),
            ));
        }
        let before = log.len();
        let natural = roll_keep(rng, TestDice::D20, mods.death(), 0, format!("{name}: death save"), log).natural;
        let total = natural + bonus_die(rng, mods.die, format!("{name}: death save, bonus d{}", mods.die), log);
        let effect = match natural {
            20 => {
                vitals.hp = 1;
                vitals.reset_death_saves();
                vitals.stable = false;
                vitals.down_secs = 0;
                DeathSaveEffect::Revived
            }
            1 => {
                vitals.death_save_failures = (vitals.death_save_failures + 2).min(3);
                if vitals.death_save_failures >= 3 {
                    vitals.dead = true;
                    DeathSaveEffect::Died
                } else {
                    DeathSaveEffect::DoubleFailure
                }
            }
            _ if total >= 10 => {
                vitals.death_save_successes += 1;
                if vitals.death_save_successes >= 3 {
                    vitals.stable = true;
                    vitals.reset_death_saves();
                    vitals.down_secs = 0;
                    DeathSaveEffect::Stabilized
                } else {
                    DeathSaveEffect::Success
                }
            }
            _ => {
                vitals.death_save_failures += 1;
                if vitals.death_save_failures >= 3 {
                    vitals.dead = true;
                    DeathSaveEffect::Died
                } else {
                    DeathSaveEffect::Failure
                }
            }
        };
        let what = match effect {
            DeathSaveEffect::Success => format!("success ({}/3)", vitals.death_save_successes),
            DeathSaveEffect::Failure => format!("failure ({}/3)", vitals.death_save_failures),
            DeathSaveEffect::DoubleFailure => {
                format!("natural 1, two failures ({}/3)", vitals.death_save_failures)
            }
            DeathSaveEffect::Revived => "natural 20, regains 1 HP and wakes".into(),
            DeathSaveEffect::Stabilized => "third success, stable".into(),
            DeathSaveEffect::Died => "third failure, dies".into(),
        };
        Ok(DeathSaveOutcome {
            natural,
            effect,
            successes: vitals.death_save_successes,
            failures: vitals.death_save_failures,
            dice: log.entries[before..].to_vec(),
            text: format!("{name} death save: d20 {natural} — {what}"),
        })
    }

    fn award_xp(sheet: &mut CharacterSheet, xp: u32) -> XpOutcome {
        let xp_before = sheet.xp;
        let level_before = sheet.level;
        sheet.xp = sheet.xp.saturating_add(xp);
        let target = Self::level_for_xp(sheet.xp).max(sheet.level);
        let mut gained = 0;
        while sheet.level < target {
            sheet.level += 1;
            let hp = level_up_hp(sheet.hit_die, sheet.scores.con);
            gained += hp;
            sheet.vitals.max_hp += hp;
            if sheet.vitals.hp > 0 {
                sheet.vitals.hp += hp;
            }
            sheet.hit_dice_remaining = (sheet.hit_dice_remaining + 1).min(sheet.level);
        }
        let text = if sheet.level > level_before {
            format!("{} gains {xp} XP ({}) and reaches level {} (+{gained} max HP)", sheet.name, sheet.xp, sheet.level)
        } else {
            format!("{} gains {xp} XP ({})", sheet.name, sheet.xp)
        };
        XpOutcome { xp_before, xp_after: sheet.xp, level_before, level_after: sheet.level, max_hp_gained: gained, text }
    }

    fn spend_hit_dice(
        sheet: &mut CharacterSheet,
        count: u8,
        rng: &mut impl DiceSource,
    ) -> Result<HitDiceOutcome, WkError> {
        Self::can_act(sheet)?;
        if count == 0 {
            return Err(err(ErrorCode::InvalidArgument, "spend at least one hit die"));
        }
        if count > sheet.hit_dice_remaining {
            return Err(err(
                ErrorCode::NoHitDice,
                format!(
                    "{} has {} hit dice left; spend at most that many, or take a long rest to regain some",
                    sheet.name, sheet.hit_dice_remaining
                ),
            ));
        }
        let con = ability_modifier(sheet.scores.con);
        let die = DiceExpr::dice(1, sheet.hit_die as u32, con);
        let mut log = DiceLog::new();
        let before = sheet.vitals.hp;
        let mut spent = 0u8;
        while spent < count && sheet.vitals.hp < sheet.vitals.max_hp {
            let heal = die.roll(rng, format!("{}: hit die", sheet.name), &mut log).max(0);
            sheet.vitals.hp = (sheet.vitals.hp + heal).min(sheet.vitals.max_hp);
            spent += 1;
        }
        sheet.hit_dice_remaining -= spent;
        let healed = sheet.vitals.hp - before;
        let text = format!(
            "{} spends {spent} hit dice and regains {healed} HP ({}/{})",
            sheet.name, sheet.vitals.hp, sheet.vitals.max_hp
        );
        Ok(HitDiceOutcome { dice_spent: spent, healed, hp_after: sheet.vitals.hp, dice: log.take(), text })
    }

    /// Short rest: anywhere out of combat. Long rest: a safe location.
    fn begin_rest(
        sheet: &CharacterSheet,
        kind: RestKind,
        ctx: &RestContext,
        config: &RulesConfig,
    ) -> Result<RestState, WkError> {
        resolve::begin_rest(sheet, kind, ctx, config, kind == RestKind::Long)
    }

    /// Short rest: spend up to `hit_dice_to_spend` hit dice. Long rest: all HP back, temporary HP
    /// gone, half the character's total hit dice back (at least 1), death saves reset, one
    /// level of exhaustion removed (reported in the outcome; the buff system lowers the
    /// `exhaustion` buff). (SRD's "one long rest per 24 hours" is not enforced: world
    /// time runs much faster than the fiction's.)
    fn complete_rest(
        sheet: &mut CharacterSheet,
        state: &RestState,
        hit_dice_to_spend: u8,
        rng: &mut impl DiceSource,
    ) -> Result<RestOutcome, WkError> {
        resolve::require_rest_done(state)?;
        Self::can_act(sheet)?;
        match state.kind {
            RestKind::Short => {
                let (spent, healed, dice, extra) = if hit_dice_to_spend > 0 {
                    let o = Self::spend_hit_dice(sheet, hit_dice_to_spend, rng)?;
                    (o.dice_spent, o.healed, o.dice, format!("; {}", o.text))
                } else {
                    (0, 0, vec![], String::new())
                };
                Ok(RestOutcome {
                    kind: RestKind::Short,
                    hp_regained: healed,
                    hit_dice_spent: spent,
                    hit_dice_regained: 0,
                    exhaustion_removed: 0,
                    dice,
                    text: format!("{} finishes a short rest{extra}", sheet.name),
                })
            }
            RestKind::Long => {
                let v = &mut sheet.vitals;
                let healed = v.max_hp - v.hp;
                v.hp = v.max_hp;
                v.temp_hp = 0;
                v.reset_death_saves();
                v.stable = false;
                v.down_secs = 0;
                let regain = ((sheet.level / 2).max(1)).min(sheet.level - sheet.hit_dice_remaining.min(sheet.level));
                sheet.hit_dice_remaining += regain;
                Ok(RestOutcome {
                    kind: RestKind::Long,
                    hp_regained: healed,
                    hit_dice_spent: 0,
                    hit_dice_regained: regain,
                    // SRD: "reduces a creature's exhaustion level by 1" (the `exhaustion` buffs).
                    exhaustion_removed: 1,
                    dice: vec![],
                    text: format!(
                        "{} finishes a long rest: {healed} HP back (full), {regain} hit dice regained",
                        sheet.name
                    ),
                })
            }
        }
    }

    /// dnd5e has no regeneration outside rests. Out of combat, a dying character rolls a death
    /// save per `round_secs`; a stable one wakes with 1 HP after `stable_recovery_secs`.
    fn world_tick(
        sheet: &mut CharacterSheet,
        rest: Option<&mut RestState>,
        elapsed_secs: u32,
        in_combat: bool,
        config: &RulesConfig,
        rng: &mut impl DiceSource,
    ) -> TickOutcome {
        let mut out = TickOutcome {
            rest: resolve::tick_rest(rest, elapsed_secs, in_combat || sheet.vitals.dead),
            hp_regained: 0,
            death_saves: vec![],
            regained_consciousness: false,
            died: false,
            dice: vec![],
            text: String::new(),
        };
        let mut texts: Vec<String> = vec![];
        let name = sheet.name.clone();
        let v = &mut sheet.vitals;
        if !v.dead && v.hp <= 0 && !in_combat {
            v.down_secs = v.down_secs.saturating_add(elapsed_secs);
            if !v.stable {
                let mut log = DiceLog::new();
                let round = config.round_secs.max(1);
                while v.is_dying() && v.down_secs >= round {
                    v.down_secs -= round;
                    if let Ok(ds) = Self::death_save(&name, v, rng, &mut log) {
                        texts.push(ds.text.clone());
                        out.death_saves.push(ds);
                    }
                }
                // A partial round carries over to the next tick.
                out.regained_consciousness = v.hp > 0;
                out.died = v.dead;
                out.dice = log.take();
            } else if v.down_secs >= config.stable_recovery_secs {
                v.hp = 1;
                v.stable = false;
                v.down_secs = 0;
                v.reset_death_saves();
                out.hp_regained = 1;
                out.regained_consciousness = true;
                texts.push(format!("{name} wakes with 1 HP"));
            }
        }
        match out.rest {
            RestTick::Ready => texts.push(format!("{name} has rested long enough")),
            RestTick::Interrupted => texts.push(format!("{name}'s rest is interrupted")),
            _ => {}
        }
        out.text = resolve::join_text(&texts);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(a: [u8; 6]) -> AbilityScores {
        AbilityScores::from_array(a)
    }

    #[test]
    fn shipped_classes_load() {
        let classes = Dnd5e::classes().unwrap();
        assert_eq!(classes.len(), 12);
        let fighter = classes.iter().find(|c| c.id == "fighter").unwrap();
        assert_eq!(fighter.hit_die, 10);
        assert_eq!(skills().unwrap().len(), 18);
    }

    #[test]
    fn modifier_table() {
        let expect = [(1, -5), (3, -4), (8, -1), (9, -1), (10, 0), (11, 0), (12, 1), (15, 2), (20, 5), (30, 10)];
        for (s, m) in expect {
            assert_eq!(ability_modifier(s), m, "score {s}");
        }
    }

    #[test]
    fn standard_array_and_point_buy() {
        assert!(Dnd5e::validate_ability_scores(&scores([8, 10, 12, 13, 14, 15])).is_ok());
        assert!(Dnd5e::validate_ability_scores(&scores([8, 8, 8, 8, 8, 8])).is_ok());
        let over = Dnd5e::validate_ability_scores(&scores([15, 15, 15, 10, 8, 8])).unwrap_err();
        assert_eq!(over.code, ErrorCode::InvalidAbilityScores);
        let high = Dnd5e::validate_ability_scores(&scores([16, 8, 8, 8, 8, 8])).unwrap_err();
        assert_eq!(high.code, ErrorCode::InvalidAbilityScores);
        assert!(Dnd5e::validate_ability_scores(&scores([7, 8, 8, 8, 8, 8])).is_err());
    }

    #[test]
    fn starting_hp_is_max_die_plus_con() {
        let classes = Dnd5e::classes().unwrap();
        let wizard = classes.iter().find(|c| c.id == "wizard").unwrap();
        assert_eq!(Dnd5e::starting_max_hp(wizard, &scores([8, 14, 14, 15, 12, 8])), 8);
        assert_eq!(Dnd5e::starting_max_hp(wizard, &scores([8, 14, 8, 15, 12, 8])), 5);
    }

    #[test]
    fn skill_picks() {
        let classes = Dnd5e::classes().unwrap();
        let rogue = classes.iter().find(|c| c.id == "rogue").unwrap();
        assert_eq!(Dnd5e::choose_skills(rogue, &[]).unwrap().len(), 4);
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(Dnd5e::choose_skills(rogue, &s(&["stealth", "deception", "insight", "perception"])).is_ok());
        assert_eq!(Dnd5e::choose_skills(rogue, &s(&["stealth"])).unwrap_err().code, ErrorCode::InvalidSkills);
        assert_eq!(
            Dnd5e::choose_skills(rogue, &s(&["stealth", "stealth", "insight", "perception"])).unwrap_err().code,
            ErrorCode::InvalidSkills
        );
        assert_eq!(
            Dnd5e::choose_skills(rogue, &s(&["arcana", "deception", "insight", "perception"])).unwrap_err().code,
            ErrorCode::InvalidSkills
        );
    }
}
