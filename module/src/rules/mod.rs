//! The rules seam. A ruleset is a compile-time implementation of [`RulesEngine`]; reducers only
//! ever call [`ActiveRules`], chosen by cargo feature (`dnd5e` default, `lite` the second).
//! Everything here is pure: plain data in, decisions out, randomness from an `Rng` passed in.

pub mod skills;
pub mod types;

#[cfg(feature = "dnd5e")]
pub mod dnd5e;
#[cfg(feature = "lite")]
pub mod lite;

pub use types::*;

use crate::data::DataError;
use crate::error::{err, WkError};

/// The contract a ruleset must satisfy. Grows with each system (checks, combat, rests, ticks).
pub trait RulesEngine {
    /// Short id of the ruleset (`dnd5e`, `lite`), recorded in the config row.
    const ID: &'static str;

    /// The static data files of this ruleset, as (file name, text) pairs, compiled in.
    fn static_files() -> &'static [(&'static str, &'static str)];

    /// Parse and validate this ruleset's class list.
    fn classes() -> Result<Vec<ClassDef>, DataError>;

    /// Validate ability scores for a new character (the method is the ruleset's; see README).
    fn validate_ability_scores(scores: &AbilityScores) -> Result<(), WkError>;

    /// Validate the skill proficiencies picked at creation; an empty pick means the class default.
    /// Returns the final list of skill ids.
    fn choose_skills(class: &ClassDef, picked: &[String]) -> Result<Vec<String>, WkError>;

    /// Maximum HP of a new level-1 character of this class.
    fn starting_max_hp(class: &ClassDef, scores: &AbilityScores) -> i32;
}

#[cfg(all(feature = "dnd5e", not(feature = "lite")))]
pub type ActiveRules = dnd5e::Dnd5e;
#[cfg(all(feature = "lite", not(feature = "dnd5e")))]
pub type ActiveRules = lite::Lite;

#[cfg(all(feature = "dnd5e", feature = "lite"))]
compile_error!("enable exactly one ruleset feature: `dnd5e` (default) or `lite` (with --no-default-features)");
#[cfg(not(any(feature = "dnd5e", feature = "lite")))]
compile_error!("enable a ruleset feature: `dnd5e` (default) or `lite`");

/// Shared parser for `classes.csv` (same columns in every ruleset).
pub fn parse_classes(file: &str, text: &str, known_skills: &[&str]) -> Result<Vec<ClassDef>, DataError> {
    #[derive(serde::Deserialize)]
    struct Row {
        id: String,
        name: String,
        hit_die: u8,
        saving_throws: String,
        primary_abilities: String,
        skill_count: u8,
        skill_options: String,
    }
    let rows = crate::data::parse_csv::<Row>(file, text)?;
    let col = |h: &str| crate::data::column_of(text, h);
    let mut out: Vec<ClassDef> = Vec::new();
    for r in rows {
        let line = r.line;
        let row = r.row;
        if row.id.is_empty() || !row.id.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(DataError::at(file, line, col("id"), "id must be lower_snake_case and not empty"));
        }
        if out.iter().any(|c| c.id == row.id) {
            return Err(DataError::at(file, line, col("id"), format!("duplicate class id `{}`", row.id)));
        }
        if row.hit_die == 0 || row.hit_die > 20 {
            return Err(DataError::at(file, line, col("hit_die"), "hit_die must be 1..=20"));
        }
        let abilities = |cell: &str, header: &str| -> Result<Vec<Ability>, DataError> {
            crate::data::list(cell)
                .iter()
                .map(|c| {
                    Ability::parse(c).ok_or_else(|| {
                        DataError::at(file, line, col(header), format!("unknown ability `{c}` (use STR, DEX, CON, INT, WIS, CHA)"))
                    })
                })
                .collect()
        };
        let saving_throws = abilities(&row.saving_throws, "saving_throws")?;
        let primary_abilities = abilities(&row.primary_abilities, "primary_abilities")?;
        if primary_abilities.is_empty() {
            return Err(DataError::at(file, line, col("primary_abilities"), "at least one primary ability"));
        }
        let skill_options = crate::data::list(&row.skill_options);
        for s in &skill_options {
            if !known_skills.contains(&s.as_str()) {
                return Err(DataError::at(file, line, col("skill_options"), format!("unknown skill `{s}`")));
            }
        }
        if (row.skill_count as usize) > skill_options.len() {
            return Err(DataError::at(file, line, col("skill_count"), "skill_count exceeds the number of skill_options"));
        }
        out.push(ClassDef {
            id: row.id,
            name: row.name,
            hit_die: row.hit_die,
            saving_throws,
            primary_abilities,
            skill_count: row.skill_count,
            skill_options,
        });
    }
    if out.is_empty() {
        return Err(DataError::at(file, 1, 0, "no classes defined"));
    }
    Ok(out)
}

/// Shared skill-pick validation: exactly `skill_count` distinct skills from the class options,
/// or an empty pick for the class default (the first `skill_count` options).
pub fn choose_skills_from(class: &ClassDef, picked: &[String]) -> Result<Vec<String>, WkError> {
    let n = class.skill_count as usize;
    if picked.is_empty() {
        return Ok(class.skill_options.iter().take(n).cloned().collect());
    }
    if picked.len() != n {
        return Err(err(
            crate::error::ErrorCode::InvalidSkills,
            format!("{} picks {n} skills, got {}; pick {n} from: {} (or none for the default)", class.name, picked.len(), class.skill_options.join(", ")),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for p in picked {
        if !class.skill_options.contains(p) {
            return Err(err(crate::error::ErrorCode::InvalidSkills, format!("`{p}` is not a {} skill; pick from: {}", class.name, class.skill_options.join(", "))));
        }
        if out.contains(p) {
            return Err(err(crate::error::ErrorCode::InvalidSkills, format!("`{p}` picked twice; pick {n} different skills")));
        }
        out.push(p.clone());
    }
    Ok(out)
}

