//! The dnd5e static files, compiled in, and cached parses of the ones hot paths read.

use super::super::levels::{parse_levels, LevelDef};
use super::super::monsters::{parse_monsters, MonsterDef, MonsterRules};
use super::super::skills::SkillDef;
use crate::data::DataError;
use std::sync::OnceLock;

pub const CLASSES_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/dnd5e/classes.csv"));
pub const SKILLS_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/dnd5e/skills.csv"));
pub const XP_LEVELS_CSV: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/dnd5e/xp_levels.csv"));
pub const MONSTERS_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/dnd5e/monsters.csv"));

pub static FILES: &[(&str, &str)] = &[
    ("dnd5e/classes.csv", CLASSES_CSV),
    ("dnd5e/skills.csv", SKILLS_CSV),
    ("dnd5e/xp_levels.csv", XP_LEVELS_CSV),
    ("dnd5e/monsters.csv", MONSTERS_CSV),
];

pub fn levels() -> Result<Vec<LevelDef>, DataError> {
    parse_levels("dnd5e/xp_levels.csv", XP_LEVELS_CSV, Some(super::proficiency_for_level))
}

pub fn monsters() -> Result<Vec<MonsterDef>, DataError> {
    parse_monsters("dnd5e/monsters.csv", MONSTERS_CSV, MonsterRules { check_cr_xp: true, flat_numbers_only: false })
}

// Immutable parses of compiled-in text, not world state: caching them is safe in the module
// (one instance, no threads) and spares every check a CSV parse. A file that fails to parse
// yields an empty table here; `validate_static_data` (run at init and in tests) reports it.
pub fn cached_skills() -> &'static [SkillDef] {
    static CELL: OnceLock<Vec<SkillDef>> = OnceLock::new();
    CELL.get_or_init(|| super::skills().unwrap_or_default())
}

pub fn cached_monsters() -> &'static [MonsterDef] {
    static CELL: OnceLock<Vec<MonsterDef>> = OnceLock::new();
    CELL.get_or_init(|| monsters().unwrap_or_default())
}

pub fn cached_levels() -> &'static [LevelDef] {
    static CELL: OnceLock<Vec<LevelDef>> = OnceLock::new();
    CELL.get_or_init(|| levels().unwrap_or_default())
}
