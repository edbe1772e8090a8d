//! "lite": a deliberately small second ruleset that proves the seam. Its own static data under
//! static_data/lite/.
//!
//! The rules, all of them:
//! - Stat bonus = (score - 10) / 3, rounded down. Tests roll 2d6 + bonus (+2 if skilled in the
//!   skill, or proficient in the save) and succeed on meeting the target number (2..=20).
//!   Advantage rolls 3d6 and keeps the best two, disadvantage the worst two; sources cancel as in
//!   dnd5e.
//! - Attacks: 2d6 + stat bonus + training bonus (the level table's `proficiency_bonus`) vs the
//!   target's defense (7 + DEX bonus + armor bonus (base AC - 10) / 2 + 1 for a shield). No
//!   critical hits, no automatic hits or misses.
//! - Damage is flat: a weapon deals its average + the stat bonus (at least 1), monsters the number
//!   in their stat line. Immunity / resistance / vulnerability and temporary HP work as in dnd5e.
//! - 0 HP = down. No death saves: a downed character dies after `down_to_dead_secs` of world time
//!   unless healed, and any damage while down kills outright. Monsters die at 0 HP.
//! - Concentration breaks on any damage (no save).
//! - Out of combat, characters above 0 HP regenerate 1 HP per `regen_interval_secs`.
//! - Rests: a short rest (anywhere out of combat) restores half the maximum HP, a long rest (safe
//!   location) all of it. There are no hit dice.
//! - Level up: + `hit_die` (the class's flat HP per level) + CON bonus HP, at least 1.

#[cfg(test)]
mod lite_tests;

use super::damage::{absorb, begin_damage};
use super::dice::{roll_keep, signed, DiceExpr, DiceLog, DiceSource, KeptRoll, TestDice};
use super::levels::{parse_levels, LevelDef};
use super::monsters::{parse_monsters, MonsterDef, MonsterRules};
use super::outcomes::*;
use super::resolve;
use super::sheet::*;
use super::skills::{parse_skills, SkillDef};
use super::{parse_classes, Ability, AbilityScores, Advantage, ClassDef, RulesEngine};
use crate::data::DataError;
use crate::error::{err, ErrorCode, WkError};
use std::sync::OnceLock;

pub struct Lite;

pub const CLASSES_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/lite/classes.csv"));
pub const SKILLS_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/lite/skills.csv"));
pub const XP_LEVELS_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/lite/xp_levels.csv"));
pub const MONSTERS_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/lite/monsters.csv"));

static FILES: &[(&str, &str)] = &[
    ("lite/classes.csv", CLASSES_CSV),
    ("lite/skills.csv", SKILLS_CSV),
    ("lite/xp_levels.csv", XP_LEVELS_CSV),
    ("lite/monsters.csv", MONSTERS_CSV),
];

/// What being skilled (or proficient in a save) adds to a test.
pub const SKILLED_BONUS: i32 = 2;

/// Stat bonus in lite: (score - 10) / 3, rounded toward negative infinity.
pub fn stat_bonus(score: u8) -> i32 {
    (score as i32 - 10).div_euclid(3)
}

/// Training bonus (the level table's `proficiency_bonus`): +1 at levels 1-3, +1 every 3 levels.
pub fn training_bonus(level: u8) -> i32 {
    (level.clamp(1, 10) as i32 + 2) / 3
}

/// Defense: 7 + DEX bonus + armor bonus ((base AC - 10) / 2, none unarmored) + 1 for a shield.
/// The dex cap of medium / heavy armor applies as in dnd5e.
pub fn defense(armor: &ArmorWorn, dex_bonus: i32) -> i32 {
    let dex = match armor.dex_cap.filter(|_| armor.base_ac > 0) {
        None => dex_bonus,
        Some(0) => 0,
        Some(cap) => dex_bonus.min(cap as i32),
    };
    let armor_bonus = (armor.base_ac as i32 - 10).max(0) / 2;
    7 + dex + armor_bonus + i32::from(armor.shield)
}

pub fn skills() -> Result<Vec<SkillDef>, DataError> {
    parse_skills("lite/skills.csv", SKILLS_CSV)
}

fn levels() -> Result<Vec<LevelDef>, DataError> {
    parse_levels("lite/xp_levels.csv", XP_LEVELS_CSV, Some(training_bonus))
}

fn cached_skills() -> &'static [SkillDef] {
    static CELL: OnceLock<Vec<SkillDef>> = OnceLock::new();
    CELL.get_or_init(|| skills().unwrap_or_default())
}

fn cached_levels() -> &'static [LevelDef] {
    static CELL: OnceLock<Vec<LevelDef>> = OnceLock::new();
    CELL.get_or_init(|| levels().unwrap_or_default())
}

fn bonuses_of(scores: &AbilityScores) -> AbilityBonuses {
    AbilityBonuses::from_fn(|a| stat_bonus(scores.get(a)))
}

impl RulesEngine for Lite {
    const ID: &'static str = "lite";
    const TEST_DIE: &'static str = "2d6";
    /// Weary, Very Weary, Spent: lite's exhaustion.
    const EXHAUSTION_GROUP: &'static str = "weariness";

    fn static_files() -> &'static [(&'static str, &'static str)] {
        FILES
    }

    fn classes() -> Result<Vec<ClassDef>, DataError> {
        let skills = skills()?;
        let ids: Vec<&str> = skills.iter().map(|s| s.id.as_str()).collect();
        parse_classes("lite/classes.csv", CLASSES_CSV, &ids)
    }

    fn skills() -> Result<Vec<SkillDef>, DataError> {
        skills()
    }

    fn cached_skills() -> &'static [SkillDef] {
        cached_skills()
    }

    /// Lite has no hit dice: the count is ignored, so any request is fine.
    fn check_hit_dice_request(_sheet: &CharacterSheet, _kind: RestKind, _count: u8) -> Result<(), WkError> {
        Ok(())
    }

    fn cached_monsters() -> &'static [MonsterDef] {
        static CELL: OnceLock<Vec<MonsterDef>> = OnceLock::new();
        CELL.get_or_init(|| Self::monsters().unwrap_or_default())
    }

    fn levels() -> Result<Vec<LevelDef>, DataError> {
        levels()
    }

    fn monsters() -> Result<Vec<MonsterDef>, DataError> {
        parse_monsters("lite/monsters.csv", MONSTERS_CSV, MonsterRules { check_cr_xp: false, flat_numbers_only: true })
    }

    /// Lite: every score 6..=16 and the six sum to at most 72 (an average of 12).
    fn validate_ability_scores(scores: &AbilityScores) -> Result<(), WkError> {
        let a = scores.as_array();
        if let Some(bad) = a.iter().find(|s| !(6..=16).contains(*s)) {
            return Err(err(ErrorCode::InvalidAbilityScores, format!("score {bad} is outside 6..=16 (lite ruleset)")));
        }
        let sum: u32 = a.iter().map(|s| *s as u32).sum();
        if sum > 72 {
            return Err(err(ErrorCode::InvalidAbilityScores, format!("scores sum to {sum}; lite allows at most 72")));
        }
        Ok(())
    }

    fn choose_skills(class: &ClassDef, picked: &[String]) -> Result<Vec<String>, WkError> {
        super::choose_skills_from(class, picked)
    }

    /// Lite: flat 10 + per-level HP + CON bonus.
    fn starting_max_hp(class: &ClassDef, scores: &AbilityScores) -> i32 {
        (10 + class.hit_die as i32 + stat_bonus(scores.con)).max(1)
    }

    fn default_config() -> RulesConfig {
        RulesConfig {
            short_rest_secs: 30,
            long_rest_secs: 240,
            round_secs: 6,
            stable_recovery_secs: 150,
            down_to_dead_secs: 60,
            regen_interval_secs: 10,
        }
    }

    fn proficiency_bonus(level: u8) -> i32 {
        training_bonus(level)
    }

    fn level_for_xp(xp: u32) -> u8 {
        super::levels::level_for_xp(cached_levels(), xp)
    }

    fn derive(sheet: &CharacterSheet) -> DerivedStats {
        let b = bonuses_of(&sheet.scores);
        let training = training_bonus(sheet.level);
        let skills: Vec<SkillBonus> = cached_skills()
            .iter()
            .map(|s| {
                let proficient = sheet.proficient_in_skill(&s.id);
                SkillBonus {
                    skill_id: s.id.clone(),
                    bonus: b.get(s.ability) + if proficient { SKILLED_BONUS } else { 0 },
                    proficient,
                }
            })
            .collect();
        // Lite has no perception skill: noticing things is Wits (INT).
        let wits = skills.iter().find(|s| s.skill_id == "wits").map_or(b.int, |s| s.bonus);
        let save_dcs = AbilityBonuses::from_fn(|a| 7 + training + b.get(a));
        DerivedStats {
            level: sheet.level,
            proficiency_bonus: training,
            ability_mods: b,
            save_bonuses: AbilityBonuses::from_fn(|a| {
                b.get(a) + if sheet.proficient_in_save(a) { SKILLED_BONUS } else { 0 }
            }),
            attack_bonuses: AbilityBonuses::from_fn(|a| b.get(a) + training),
            save_dcs,
            save_dc: save_dcs.get(sheet.key_ability),
            ac: defense(&sheet.armor, b.dex),
            initiative_bonus: b.dex,
            passive_perception: 7 + wits,
            carrying_capacity_lb: sheet.scores.str_ as i32 * 10,
            skills,
        }
    }

    fn check_bonus(sheet: &CharacterSheet, kind: &CheckKind) -> Result<i32, WkError> {
        match kind {
            CheckKind::Ability(a) => Ok(stat_bonus(sheet.scores.get(*a))),
            CheckKind::Skill(id) => {
                let skill = cached_skills().iter().find(|s| &s.id == id).ok_or_else(|| {
                    err(
                        ErrorCode::UnknownSkill,
                        format!("unknown skill `{id}`; the lite ruleset has might, agility, wits, charm"),
                    )
                })?;
                Ok(stat_bonus(sheet.scores.get(skill.ability))
                    + if sheet.proficient_in_skill(id) { SKILLED_BONUS } else { 0 })
            }
        }
    }

    fn dc_range() -> std::ops::RangeInclusive<i32> {
        2..=20
    }

    fn roll_test(
        modifier: i32,
        adv: Advantage,
        purpose: &str,
        rng: &mut impl DiceSource,
        log: &mut DiceLog,
    ) -> KeptRoll {
        roll_keep(rng, TestDice::TWO_D6, adv, modifier, purpose, log)
    }

    /// Lite monsters have flat HP; `roll_hp` changes nothing (and rolls nothing).
    fn creature_from_monster(
        def: &MonsterDef,
        _roll_hp: bool,
        _rng: &mut impl DiceSource,
        _log: &mut DiceLog,
    ) -> Creature {
        let b = bonuses_of(&def.scores);
        let save_bonuses =
            AbilityBonuses::from_fn(|a| def.saving_throws.iter().find(|(s, _)| *s == a).map_or(b.get(a), |(_, v)| *v));
        Creature {
            id: def.id.clone(),
            name: def.name.clone(),
            ac: def.ac,
            vitals: Vitals { dies_at_zero: true, ..Vitals::new(def.hp) },
            defenses: def.defenses.clone(),
            ability_mods: b,
            save_bonuses,
            initiative_bonus: b.dex,
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

    fn weapon_attack(sheet: &CharacterSheet, weapon: &WeaponDef) -> AttackDef {
        let b = |a: Ability| stat_bonus(sheet.scores.get(a));
        let bonus = if weapon.finesse { b(Ability::Str).max(b(Ability::Dex)) } else { b(weapon.ability) };
        AttackDef {
            id: weapon.id.clone(),
            name: weapon.name.clone(),
            to_hit: bonus + training_bonus(sheet.level),
            damage: vec![DamageDice {
                dice: DiceExpr::flat((weapon.damage.average() + bonus).max(1)),
                damage_type: weapon.damage_type,
            }],
            magical: weapon.magical,
            bonus_die: 0,
        }
    }

    /// 2d6 + bonus vs defense; no criticals, no automatic hits or misses.
    fn attack_roll(
        attacker: &str,
        attack: &AttackDef,
        target_ac: i32,
        adv: Advantage,
        rng: &mut impl DiceSource,
        log: &mut DiceLog,
    ) -> AttackRoll {
        let mut r =
            roll_keep(rng, TestDice::TWO_D6, adv, attack.to_hit, format!("{attacker}: {} attack", attack.name), log);
        r.total += crate::rules::dice::bonus_die(
            rng,
            attack.bonus_die,
            format!("{attacker}: {} attack, bonus d{}", attack.name, attack.bonus_die),
            log,
        );
        let hit = r.total >= target_ac;
        let text = format!(
            "{attacker} attacks with {}{}: {} (2d6 {} {}) vs defense {target_ac} — {}",
            attack.name,
            adv.label(),
            r.total,
            r.natural,
            signed(attack.to_hit),
            if hit { "hit" } else { "miss" }
        );
        AttackRoll { natural: r.natural, total: r.total, target_ac, hit, crit: false, advantage: adv, text }
    }

    /// Flat damage: each part deals its average (a flat number in lite data). Logged with no faces.
    fn roll_damage(attack: &AttackDef, _crit: bool, rng: &mut impl DiceSource, log: &mut DiceLog) -> Vec<Damage> {
        attack
            .damage
            .iter()
            .map(|part| {
                let purpose = format!("{} damage ({})", attack.name, part.damage_type.id());
                let amount = DiceExpr::flat(part.dice.average().max(0)).roll(rng, &purpose, log);
                Damage { amount, damage_type: part.damage_type, magical: attack.magical }
            })
            .collect()
    }

    fn apply_damage(
        name: &str,
        vitals: &mut Vitals,
        defenses: &Defenses,
        damage: &[Damage],
        _crit: bool,
    ) -> DamageOutcome {
        let mut out = match begin_damage(name, vitals, defenses, damage) {
            Ok(out) => out,
            Err(already_dead) => return already_dead,
        };
        let taken = out.taken;
        let was_down = vitals.hp <= 0;
        let (absorbed, hp_lost, _leftover) = absorb(vitals, taken);
        out.absorbed_by_temp_hp = absorbed;
        out.hp_lost = hp_lost;
        let mut tail = String::new();
        if was_down && taken > absorbed {
            vitals.dead = true;
            out.instant_death = true;
            tail = " — hit while down, dies".into();
        } else if !was_down && vitals.hp <= 0 {
            out.dropped_to_zero = true;
            if vitals.dies_at_zero {
                vitals.dead = true;
                tail = " — drops and dies".into();
            } else {
                vitals.stable = false;
                vitals.down_secs = 0;
                tail = " — down".into();
            }
        }
        out.died = vitals.dead;
        if vitals.concentrating && taken > 0 {
            vitals.concentrating = false;
            out.concentration_lost = true;
            tail.push_str(", concentration broken");
        }
        out.hp_after = vitals.hp;
        out.text = format!("{name} takes {taken} damage ({}/{} HP){tail}", vitals.hp, vitals.max_hp);
        out
    }

    fn death_save(
        name: &str,
        vitals: &mut Vitals,
        _rng: &mut impl DiceSource,
        _log: &mut DiceLog,
    ) -> Result<DeathSaveOutcome, WkError> {
        if vitals.dead {
            return Err(err(ErrorCode::CharacterDead, format!("{name} is dead")));
        }
        Err(err(
            ErrorCode::NotDying,
            format!("the lite ruleset has no death saves: {name} must be healed before the down timer runs out"),
        ))
    }

    fn award_xp(sheet: &mut CharacterSheet, xp: u32) -> XpOutcome {
        let xp_before = sheet.xp;
        let level_before = sheet.level;
        sheet.xp = sheet.xp.saturating_add(xp);
        let target = Self::level_for_xp(sheet.xp).max(sheet.level);
        let mut gained = 0;
        while sheet.level < target {
            sheet.level += 1;
            let hp = (sheet.hit_die as i32 + stat_bonus(sheet.scores.con)).max(1);
            gained += hp;
            sheet.vitals.max_hp += hp;
            if sheet.vitals.hp > 0 {
                sheet.vitals.hp += hp;
            }
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
        _count: u8,
        _rng: &mut impl DiceSource,
    ) -> Result<HitDiceOutcome, WkError> {
        Err(err(
            ErrorCode::NoHitDice,
            format!(
                "the lite ruleset has no hit dice; {} heals by resting (a short rest restores half their HP)",
                sheet.name
            ),
        ))
    }

    fn begin_rest(
        sheet: &CharacterSheet,
        kind: RestKind,
        ctx: &RestContext,
        config: &RulesConfig,
    ) -> Result<RestState, WkError> {
        resolve::begin_rest(sheet, kind, ctx, config, kind == RestKind::Long)
    }

    /// Short: half the maximum HP back. Long: all of it, temporary HP cleared. Lite has no hit
    /// dice, so `hit_dice_to_spend` is ignored.
    fn complete_rest(
        sheet: &mut CharacterSheet,
        state: &RestState,
        _hit_dice_to_spend: u8,
        _rng: &mut impl DiceSource,
    ) -> Result<RestOutcome, WkError> {
        resolve::require_rest_done(state)?;
        Self::can_act(sheet)?;
        let v = &mut sheet.vitals;
        let before = v.hp;
        match state.kind {
            RestKind::Short => v.hp = (v.hp + v.max_hp / 2).min(v.max_hp),
            RestKind::Long => {
                v.hp = v.max_hp;
                v.temp_hp = 0;
            }
        }
        v.regen_carry_secs = 0;
        let healed = v.hp - before;
        Ok(RestOutcome {
            kind: state.kind,
            hp_regained: healed,
            hit_dice_spent: 0,
            hit_dice_regained: 0,
            // A night's sleep lifts one level of weariness, as a long rest does exhaustion.
            exhaustion_removed: u8::from(state.kind == RestKind::Long),
            dice: vec![],
            text: format!(
                "{} finishes a {} and regains {healed} HP ({}/{})",
                sheet.name,
                state.kind.label(),
                v.hp,
                v.max_hp
            ),
        })
    }

    /// Bleeding out while down; 1 HP per `regen_interval_secs` out of combat otherwise.
    fn world_tick(
        sheet: &mut CharacterSheet,
        rest: Option<&mut RestState>,
        elapsed_secs: u32,
        in_combat: bool,
        config: &RulesConfig,
        _rng: &mut impl DiceSource,
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
        if v.dead {
            // nothing grows back on the dead
        } else if v.hp <= 0 {
            v.down_secs = v.down_secs.saturating_add(elapsed_secs);
            if v.down_secs >= config.down_to_dead_secs {
                v.dead = true;
                out.died = true;
                texts.push(format!("{name} dies of their wounds"));
            }
        } else if !in_combat && config.regen_interval_secs > 0 && v.hp < v.max_hp {
            v.regen_carry_secs = v.regen_carry_secs.saturating_add(elapsed_secs);
            let steps = (v.regen_carry_secs / config.regen_interval_secs) as i32;
            v.regen_carry_secs %= config.regen_interval_secs;
            let before = v.hp;
            v.hp = (v.hp + steps).min(v.max_hp);
            out.hp_regained = v.hp - before;
            if v.hp == v.max_hp {
                v.regen_carry_secs = 0;
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

    #[test]
    fn shipped_data_loads() {
        assert_eq!(Lite::classes().unwrap().len(), 3);
        assert_eq!(skills().unwrap().len(), 4);
        Lite::validate_static_data().unwrap();
    }

    #[test]
    fn scores_and_hp() {
        let ok = AbilityScores::from_array([12, 12, 12, 12, 12, 12]);
        assert!(Lite::validate_ability_scores(&ok).is_ok());
        let over = AbilityScores::from_array([16, 16, 16, 12, 6, 8]);
        assert_eq!(Lite::validate_ability_scores(&over).unwrap_err().code, ErrorCode::InvalidAbilityScores);
        let warrior = Lite::classes().unwrap().into_iter().find(|c| c.id == "warrior").unwrap();
        assert_eq!(Lite::starting_max_hp(&warrior, &ok), 18);
    }
}
