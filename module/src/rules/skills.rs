//! Skills as static data: id, name, governing ability. Same columns in every ruleset.

use super::Ability;
use crate::data::{column_of, parse_csv, DataError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillDef {
    pub id: String,
    pub name: String,
    pub ability: Ability,
}

pub fn parse_skills(file: &str, text: &str) -> Result<Vec<SkillDef>, DataError> {
    #[derive(serde::Deserialize)]
    struct Row {
        id: String,
        name: String,
        ability: String,
    }
    let mut out: Vec<SkillDef> = Vec::new();
    for r in parse_csv::<Row>(file, text)? {
        let ability = Ability::parse(&r.row.ability).ok_or_else(|| {
            DataError::at(file, r.line, column_of(text, "ability"), format!("unknown ability `{}`", r.row.ability))
        })?;
        if r.row.id.is_empty() || out.iter().any(|s| s.id == r.row.id) {
            return Err(DataError::at(
                file,
                r.line,
                column_of(text, "id"),
                format!("empty or duplicate skill id `{}`", r.row.id),
            ));
        }
        out.push(SkillDef { id: r.row.id, name: r.row.name, ability });
    }
    Ok(out)
}
