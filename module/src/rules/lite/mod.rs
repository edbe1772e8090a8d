//! "lite": a deliberately small second ruleset that proves the seam. 2d6 + stat bonus vs a
//! target number, flat damage, no death saves. Its own static data under static_data/lite/.

use super::skills::{parse_skills, SkillDef};
use super::{parse_classes, AbilityScores, ClassDef, RulesEngine};
use crate::data::DataError;
use crate::error::{err, ErrorCode, WkError};

pub struct Lite;

pub const CLASSES_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/lite/classes.csv"));
pub const SKILLS_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/lite/skills.csv"));

static FILES: &[(&str, &str)] = &[("lite/classes.csv", CLASSES_CSV), ("lite/skills.csv", SKILLS_CSV)];

/// Stat bonus in lite: (score - 10) / 3, rounded toward negative infinity.
pub fn stat_bonus(score: u8) -> i32 {
    (score as i32 - 10).div_euclid(3)
}

pub fn skills() -> Result<Vec<SkillDef>, DataError> {
    parse_skills("lite/skills.csv", SKILLS_CSV)
}

impl RulesEngine for Lite {
    const ID: &'static str = "lite";

    fn static_files() -> &'static [(&'static str, &'static str)] {
        FILES
    }

    fn classes() -> Result<Vec<ClassDef>, DataError> {
        let skills = skills()?;
        let ids: Vec<&str> = skills.iter().map(|s| s.id.as_str()).collect();
        parse_classes("lite/classes.csv", CLASSES_CSV, &ids)
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_data_loads() {
        assert_eq!(Lite::classes().unwrap().len(), 3);
        assert_eq!(skills().unwrap().len(), 4);
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
