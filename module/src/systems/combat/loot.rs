//! Loot tables (`static_data/<ruleset>/loot.csv`): what a slain monster drops. Pure: parsed and
//! cross-checked against the monsters and items of the ruleset; rolled with the fight's RNG.

use crate::data::{column_of, parse_csv, DataError};
use crate::rules::DiceSource;

pub const DND5E_LOOT_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/dnd5e/loot.csv"));
pub const LITE_LOOT_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/lite/loot.csv"));

#[cfg(feature = "dnd5e")]
pub const LOOT: (&str, &str) = ("dnd5e/loot.csv", DND5E_LOOT_CSV);
#[cfg(all(feature = "lite", not(feature = "dnd5e")))]
pub const LOOT: (&str, &str) = ("lite/loot.csv", LITE_LOOT_CSV);

/// One row: `monster_id` (`*` = any monster) drops `quantity` of `item_id` with `chance_pct`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LootRow {
    pub monster_id: String,
    pub item_id: String,
    pub quantity: u32,
    pub chance_pct: u8,
}

/// Parse and cross-check a loot file: monsters and items must exist (empty lists skip that check),
/// quantity 1..=99, chance 1..=100.
pub fn parse_loot(file: &str, text: &str, monster_ids: &[&str], item_ids: &[&str]) -> Result<Vec<LootRow>, DataError> {
    #[derive(serde::Deserialize)]
    struct Row {
        monster_id: String,
        item_id: String,
        quantity: u32,
        chance_pct: u8,
    }
    let mut out = Vec::new();
    for r in parse_csv::<Row>(file, text)? {
        let row = r.row;
        if !monster_ids.is_empty() && row.monster_id != "*" && !monster_ids.contains(&row.monster_id.as_str()) {
            return Err(DataError::at(
                file,
                r.line,
                column_of(text, "monster_id"),
                format!("unknown monster `{}`", row.monster_id),
            ));
        }
        if !item_ids.is_empty() && !item_ids.contains(&row.item_id.as_str()) {
            return Err(DataError::at(
                file,
                r.line,
                column_of(text, "item_id"),
                format!("unknown item `{}`", row.item_id),
            ));
        }
        if !(1..=99).contains(&row.quantity) {
            return Err(DataError::at(file, r.line, column_of(text, "quantity"), "quantity must be 1..=99"));
        }
        if !(1..=100).contains(&row.chance_pct) {
            return Err(DataError::at(file, r.line, column_of(text, "chance_pct"), "chance_pct must be 1..=100"));
        }
        out.push(LootRow {
            monster_id: row.monster_id,
            item_id: row.item_id,
            quantity: row.quantity,
            chance_pct: row.chance_pct,
        });
    }
    Ok(out)
}

/// The active ruleset's loot table, checked against its monsters and items.
pub fn load() -> Result<Vec<LootRow>, DataError> {
    use crate::rules::{ActiveRules, RulesEngine};
    let monsters = ActiveRules::monsters()?;
    let m: Vec<&str> = monsters.iter().map(|x| x.id.as_str()).collect();
    let items = crate::systems::items::shipped().map_err(Clone::clone)?;
    let i: Vec<&str> = items.defs().iter().map(|x| x.id.as_str()).collect();
    parse_loot(LOOT.0, LOOT.1, &m, &i)
}

/// The loot table for use in a reducer: parsed once per module instance (the cross-checks ran
/// at `init` through [`load`], so every id is known to exist).
pub fn table() -> &'static [LootRow] {
    static CELL: std::sync::OnceLock<Vec<LootRow>> = std::sync::OnceLock::new();
    CELL.get_or_init(|| parse_loot(LOOT.0, LOOT.1, &[], &[]).unwrap_or_default())
}

/// Roll the drops of one slain monster: every matching row in file order, one d100 each.
pub fn roll(table: &[LootRow], monster_id: &str, rng: &mut impl DiceSource) -> Vec<(String, u32)> {
    table
        .iter()
        .filter(|r| r.monster_id == "*" || r.monster_id == monster_id)
        .filter(|r| rng.roll_die(100) <= i32::from(r.chance_pct))
        .map(|r| (r.item_id.clone(), r.quantity))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Scripted;

    #[test]
    fn shipped_loot_loads() {
        let t = load().unwrap_or_else(|e| panic!("{e}"));
        assert!(t.iter().any(|r| r.monster_id == "*"));
        assert!(t.iter().any(|r| r.monster_id == "goblin"));
    }

    #[test]
    fn bad_rows_name_line_and_column() {
        let h = "monster_id,item_id,quantity,chance_pct\n";
        let e = parse_loot("l.csv", &format!("{h}dragon,dagger,1,50\n"), &["goblin"], &["dagger"]).unwrap_err();
        assert_eq!((e.line, e.column), (2, 1));
        let e = parse_loot("l.csv", &format!("{h}goblin,sword,1,50\n"), &["goblin"], &["dagger"]).unwrap_err();
        assert_eq!((e.line, e.column), (2, 2));
        let e = parse_loot("l.csv", &format!("{h}goblin,dagger,0,50\n"), &["goblin"], &["dagger"]).unwrap_err();
        assert_eq!(e.column, 3);
        let e = parse_loot("l.csv", &format!("{h}goblin,dagger,1,0\n"), &["goblin"], &["dagger"]).unwrap_err();
        assert_eq!(e.column, 4);
    }

    #[test]
    fn rolls_every_matching_row_in_order_against_its_chance() {
        let table = vec![
            LootRow { monster_id: "*".into(), item_id: "potion".into(), quantity: 1, chance_pct: 15 },
            LootRow { monster_id: "goblin".into(), item_id: "scimitar".into(), quantity: 1, chance_pct: 30 },
            LootRow { monster_id: "orc".into(), item_id: "axe".into(), quantity: 1, chance_pct: 100 },
        ];
        // d100 15 <= 15: potion; 31 > 30: no scimitar; the orc row is not rolled at all
        let drops = roll(&table, "goblin", &mut Scripted::new(&[15, 31]));
        assert_eq!(drops, vec![("potion".to_string(), 1)]);
        let drops = roll(&table, "goblin", &mut Scripted::new(&[16, 30]));
        assert_eq!(drops, vec![("scimitar".to_string(), 1)]);
    }
}
