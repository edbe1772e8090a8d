//! Static definitions loaded from the active ruleset's CSV files at `init` (and by
//! `admin_reload_static_data`). Public: clients read them to build menus and tooltips.
use crate::rules::Ability;
use spacetimedb::table;

#[table(name = class_def, public)]
#[derive(Clone, PartialEq)]
pub struct ClassDefRow {
    #[primary_key]
    pub id: String,
    pub name: String,
    pub hit_die: u8,
    pub saving_throws: Vec<Ability>,
    pub primary_abilities: Vec<Ability>,
    pub skill_count: u8,
    pub skill_options: Vec<String>,
}

#[table(name = skill_def, public)]
#[derive(Clone, PartialEq)]
pub struct SkillDefRow {
    #[primary_key]
    pub id: String,
    pub name: String,
    pub ability: Ability,
}
