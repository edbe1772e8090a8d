//! `perks.csv` of the active ruleset: what a perk is called, what it needs, how often it is
//! offered. Behaviour lives in the perk files; this is only data.

use crate::data::{column_of, parse_csv, DataError};
use crate::rules::Ability;
use crate::systems::combat::CombatMode;

#[cfg(feature = "dnd5e")]
pub const PERKS_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/dnd5e/perks.csv"));
#[cfg(all(feature = "lite", not(feature = "dnd5e")))]
pub const PERKS_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/lite/perks.csv"));

pub const DND5E_PERKS_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/dnd5e/perks.csv"));
pub const LITE_PERKS_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/lite/perks.csv"));

/// The file name of the active ruleset's table (for error messages).
pub fn active_file() -> &'static str {
    if cfg!(feature = "dnd5e") {
        "dnd5e/perks.csv"
    } else {
        "lite/perks.csv"
    }
}

/// One row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerkDef {
    pub id: String,
    pub name: String,
    pub description: String,
    pub stackable: bool,
    pub min_level: u8,
    pub ability_min: Option<(Ability, u8)>,
    pub requires_perk: Option<String>,
    pub weight: u32,
    /// Bit per combat mode ([`mode_bit`]) in which its combat hooks apply.
    pub modes: u8,
}

/// The bit of a combat mode in [`PerkDef::modes`].
pub fn mode_bit(m: CombatMode) -> u8 {
    match m {
        CombatMode::InstantResolution => 1,
        CombatMode::RelaxedTurns => 2,
        CombatMode::ClassicTurns => 4,
        CombatMode::ActionQueues => 8,
    }
}

pub const ALL_MODES: u8 = 15;

/// `all` or `|`-separated `instant`, `relaxed`, `classic`, `queues`.
pub fn parse_modes(cell: &str) -> Option<u8> {
    if cell.trim() == "all" {
        return Some(ALL_MODES);
    }
    let mut bits = 0u8;
    for p in cell.split('|') {
        bits |= match p.trim() {
            "instant" => mode_bit(CombatMode::InstantResolution),
            "relaxed" => mode_bit(CombatMode::RelaxedTurns),
            "classic" => mode_bit(CombatMode::ClassicTurns),
            "queues" => mode_bit(CombatMode::ActionQueues),
            _ => return None,
        };
    }
    (bits != 0).then_some(bits)
}

/// Parse and validate: ids lower_snake_case and unique, `min_level` 1..=20, `ability_min` like
/// `str:13` (3..=30), `requires_perk` names another row, weight 1..=1000, modes valid.
pub fn parse_perks(file: &str, text: &str) -> Result<Vec<PerkDef>, DataError> {
    #[derive(serde::Deserialize)]
    struct Row {
        id: String,
        name: String,
        description: String,
        stackable: bool,
        min_level: u8,
        ability_min: String,
        requires_perk: String,
        weight: u32,
        modes: String,
    }
    let rows = parse_csv::<Row>(file, text)?;
    let mut out: Vec<PerkDef> = Vec::new();
    let at = |line: u64, col: &str, msg: String| DataError::at(file, line, column_of(text, col), msg);
    for r in &rows {
        let row = &r.row;
        if row.id.is_empty() || !row.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return Err(at(r.line, "id", format!("id `{}` must be lower_snake_case", row.id)));
        }
        if out.iter().any(|p| p.id == row.id) {
            return Err(at(r.line, "id", format!("duplicate id `{}`", row.id)));
        }
        if !(1..=20).contains(&row.min_level) {
            return Err(at(r.line, "min_level", "min_level must be 1..=20".into()));
        }
        let ability_min = if row.ability_min.trim().is_empty() {
            None
        } else {
            let (a, v) = row.ability_min.split_once(':').unwrap_or(("", ""));
            let ability = Ability::parse(&a.trim().to_ascii_uppercase());
            let value = v.trim().parse::<u8>().ok().filter(|v| (3..=30).contains(v));
            match (ability, value) {
                (Some(a), Some(v)) => Some((a, v)),
                _ => return Err(at(r.line, "ability_min", format!("`{}`: write e.g. str:13", row.ability_min))),
            }
        };
        if !(1..=1000).contains(&row.weight) {
            return Err(at(r.line, "weight", "weight must be 1..=1000".into()));
        }
        let Some(modes) = parse_modes(&row.modes) else {
            return Err(at(r.line, "modes", format!("`{}`: all, or instant|relaxed|classic|queues", row.modes)));
        };
        let requires = row.requires_perk.trim();
        out.push(PerkDef {
            id: row.id.clone(),
            name: row.name.clone(),
            description: row.description.clone(),
            stackable: row.stackable,
            min_level: row.min_level,
            ability_min,
            requires_perk: (!requires.is_empty()).then(|| requires.to_string()),
            weight: row.weight,
            modes,
        });
    }
    for (r, p) in rows.iter().zip(&out) {
        if let Some(req) = &p.requires_perk {
            if req == &p.id || !out.iter().any(|o| &o.id == req) {
                return Err(at(r.line, "requires_perk", format!("`{req}` is not another perk in this file")));
            }
        }
    }
    Ok(out)
}

/// The active ruleset's table, checked against the manifest (every row has an implementation
/// that supports this ruleset, and every such implementation has a row).
pub fn load() -> Result<Vec<PerkDef>, DataError> {
    use crate::rules::{ActiveRules, RulesEngine};
    let defs = parse_perks(active_file(), PERKS_CSV)?;
    check_against_manifest(active_file(), PERKS_CSV, &defs, ActiveRules::ID)?;
    Ok(defs)
}

/// For use in a reducer (validated at `init` through [`load`]).
pub fn table() -> Vec<PerkDef> {
    parse_perks(active_file(), PERKS_CSV).unwrap_or_default()
}

/// CSV ⇔ implementation bijection for one ruleset.
pub fn check_against_manifest(file: &str, text: &str, defs: &[PerkDef], ruleset: &str) -> Result<(), DataError> {
    use super::manifest::PERK_HOOKS_IN_ORDER;
    for d in defs {
        let impls = PERK_HOOKS_IN_ORDER.iter().filter(|h| h.id == d.id).count();
        let supported = PERK_HOOKS_IN_ORDER.iter().any(|h| h.id == d.id && h.supports(ruleset));
        if impls != 1 || !supported {
            return Err(DataError::at(
                file,
                0,
                column_of(text, "id"),
                format!("perk `{}` has {impls} implementations for the {ruleset} ruleset (need exactly one)", d.id),
            ));
        }
    }
    for h in PERK_HOOKS_IN_ORDER.iter().filter(|h| h.supports(ruleset)) {
        if defs.iter().filter(|d| d.id == h.id).count() != 1 {
            return Err(DataError::at(
                file,
                0,
                column_of(text, "id"),
                format!("perk `{}` is implemented for {ruleset} but has no row in this file", h.id),
            ));
        }
    }
    Ok(())
}
