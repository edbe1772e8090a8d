use crate::rules::AbilityScores;
use spacetimedb::{table, Identity, Timestamp};

/// A character: owned by a player identity (or by the world itself for NPCs created by an admin
/// without an owner). Public: the world is visible to every client.
#[table(name = character, public)]
#[derive(Clone)]
pub struct Character {
    #[primary_key]
    #[auto_inc]
    pub id: u64,
    #[index(btree)]
    pub owner: Identity,
    pub name: String,
    pub class_id: String,
    pub is_ai: bool,
    #[index(btree)]
    pub location_id: String,
    pub level: u32,
    pub xp: u32,
    pub hp: i32,
    pub max_hp: i32,
    pub temp_hp: i32,
    pub scores: AbilityScores,
    /// Skill proficiencies (ids from the ruleset's skills.csv).
    pub skills: Vec<String>,
    pub created_at: Timestamp,
}
