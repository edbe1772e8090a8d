//! Ruleset-neutral vocabulary shared by every ruleset, the tables and the reducers.

use spacetimedb::SpacetimeType;

/// The six ability scores. Every ruleset shipped here uses them (the lite ruleset reads them
/// differently, but from the same sheet), so character rows stay ruleset-neutral.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ability {
    Str,
    Dex,
    Con,
    Int,
    Wis,
    Cha,
}

impl Ability {
    pub const ALL: [Ability; 6] = [Ability::Str, Ability::Dex, Ability::Con, Ability::Int, Ability::Wis, Ability::Cha];

    /// Short code used in static data (`STR`, `DEX`, ...).
    pub fn code(self) -> &'static str {
        match self {
            Ability::Str => "STR",
            Ability::Dex => "DEX",
            Ability::Con => "CON",
            Ability::Int => "INT",
            Ability::Wis => "WIS",
            Ability::Cha => "CHA",
        }
    }

    pub fn parse(code: &str) -> Option<Ability> {
        Ability::ALL.into_iter().find(|a| a.code().eq_ignore_ascii_case(code.trim()))
    }
}

/// A full set of ability scores. Also the argument type of `create_character`.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbilityScores {
    pub str_: u8,
    pub dex: u8,
    pub con: u8,
    pub int: u8,
    pub wis: u8,
    pub cha: u8,
}

impl AbilityScores {
    pub fn get(&self, a: Ability) -> u8 {
        match a {
            Ability::Str => self.str_,
            Ability::Dex => self.dex,
            Ability::Con => self.con,
            Ability::Int => self.int,
            Ability::Wis => self.wis,
            Ability::Cha => self.cha,
        }
    }

    pub fn set(&mut self, a: Ability, v: u8) {
        match a {
            Ability::Str => self.str_ = v,
            Ability::Dex => self.dex = v,
            Ability::Con => self.con = v,
            Ability::Int => self.int = v,
            Ability::Wis => self.wis = v,
            Ability::Cha => self.cha = v,
        }
    }

    pub fn as_array(&self) -> [u8; 6] {
        [self.str_, self.dex, self.con, self.int, self.wis, self.cha]
    }

    pub fn from_array(a: [u8; 6]) -> Self {
        AbilityScores { str_: a[0], dex: a[1], con: a[2], int: a[3], wis: a[4], cha: a[5] }
    }
}

/// A character class as loaded from `classes.csv` of the active ruleset. The column meanings are
/// shared by all rulesets (see static_data/README.md); `hit_die` is the die size for dnd5e and
/// the flat HP per level for lite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassDef {
    pub id: String,
    pub name: String,
    pub hit_die: u8,
    pub saving_throws: Vec<Ability>,
    pub primary_abilities: Vec<Ability>,
    /// How many skill proficiencies the class picks at creation.
    pub skill_count: u8,
    /// The skill ids it may pick them from.
    pub skill_options: Vec<String>,
}
