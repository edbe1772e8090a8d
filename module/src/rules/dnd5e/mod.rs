//! D&D 5e (SRD 5.1) adapted to a persistent world. Numbers from the SRD 5.1 (CC-BY-4.0).

use super::skills::{parse_skills, SkillDef};
use super::{parse_classes, AbilityScores, ClassDef, RulesEngine};
use crate::data::DataError;
use crate::error::{err, ErrorCode, WkError};

pub struct Dnd5e;

pub const CLASSES_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/dnd5e/classes.csv"));
pub const SKILLS_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/dnd5e/skills.csv"));

static FILES: &[(&str, &str)] = &[("dnd5e/classes.csv", CLASSES_CSV), ("dnd5e/skills.csv", SKILLS_CSV)];

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

pub fn skills() -> Result<Vec<SkillDef>, DataError> {
    parse_skills("dnd5e/skills.csv", SKILLS_CSV)
}

impl RulesEngine for Dnd5e {
    const ID: &'static str = "dnd5e";

    fn static_files() -> &'static [(&'static str, &'static str)] {
        FILES
    }

    fn classes() -> Result<Vec<ClassDef>, DataError> {
        let skills = skills()?;
        let ids: Vec<&str> = skills.iter().map(|s| s.id.as_str()).collect();
        parse_classes("dnd5e/classes.csv", CLASSES_CSV, &ids)
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
        assert_eq!(Dnd5e::choose_skills(rogue, &s(&["stealth", "stealth", "insight", "perception"])).unwrap_err().code, ErrorCode::InvalidSkills);
        assert_eq!(Dnd5e::choose_skills(rogue, &s(&["arcana", "deception", "insight", "perception"])).unwrap_err().code, ErrorCode::InvalidSkills);
    }
}
