//! The spawner (pure): which monster and which ground item appear at a location, chosen with
//! weights from `static_data/world/spawns.csv` (monsters, shared by every ruleset) and the
//! active ruleset's `loot.csv` (items, weighted by `chance_pct`). The world tick decides when
//! (`spawn_every_ticks`) and how many (the per-location caps); see `crate::db::spawner`.

use crate::data::{column_of, parse_csv, DataError};
use crate::rules::DiceSource;

pub const SPAWNS_CSV: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/world/spawns.csv"));

/// One row of `spawns.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpawnRow {
    pub location_id: String,
    pub monster_id: String,
    pub weight: u32,
}

/// Parse and cross-check: locations and monsters must exist (empty lists skip that check),
/// weight 1..=1000.
pub fn parse_spawns(
    file: &str,
    text: &str,
    location_ids: &[&str],
    monster_ids: &[&str],
) -> Result<Vec<SpawnRow>, DataError> {
    #[derive(serde::Deserialize)]
    struct Row {
        location_id: String,
        monster_id: String,
        weight: u32,
    }
    let mut out = Vec::new();
    for r in parse_csv::<Row>(file, text)? {
        let row = r.row;
        if !location_ids.is_empty() && !location_ids.contains(&row.location_id.as_str()) {
            return Err(DataError::at(
                file,
                r.line,
                column_of(text, "location_id"),
                format!("unknown location `{}`", row.location_id),
            ));
        }
        if !monster_ids.is_empty() && !monster_ids.contains(&row.monster_id.as_str()) {
            return Err(DataError::at(
                file,
                r.line,
                column_of(text, "monster_id"),
                format!("unknown monster `{}` (it must exist in every ruleset's monsters.csv)", row.monster_id),
            ));
        }
        if !(1..=1000).contains(&row.weight) {
            return Err(DataError::at(file, r.line, column_of(text, "weight"), "weight must be 1..=1000"));
        }
        out.push(SpawnRow { location_id: row.location_id, monster_id: row.monster_id, weight: row.weight });
    }
    Ok(out)
}

/// The shipped table, checked against the world's locations and the active ruleset's monsters.
pub fn load() -> Result<Vec<SpawnRow>, DataError> {
    use crate::rules::{ActiveRules, RulesEngine};
    let monsters = ActiveRules::monsters()?;
    let m: Vec<&str> = monsters.iter().map(|x| x.id.as_str()).collect();
    let locs = crate::systems::travel::shipped()?;
    let l: Vec<&str> = locs.iter().map(|x| x.id.as_str()).collect();
    parse_spawns("world/spawns.csv", SPAWNS_CSV, &l, &m)
}

/// The table for use in a reducer (checked at `init` through [`load`]).
pub fn table() -> Vec<SpawnRow> {
    parse_spawns("world/spawns.csv", SPAWNS_CSV, &[], &[]).unwrap_or_default()
}

/// Weighted choice: one die of the total weight; `None` when there is nothing to choose.
pub fn pick_weighted<'a, T>(options: &'a [(T, u32)], rng: &mut impl DiceSource) -> Option<&'a T> {
    let total: u32 = options.iter().map(|(_, w)| *w).sum();
    if total == 0 {
        return None;
    }
    let mut roll = rng.roll_die(total).max(1) as u32;
    for (t, w) in options {
        if roll <= *w {
            return Some(t);
        }
        roll -= *w;
    }
    None
}

/// A monster for this location (`None`: the location has no rows).
pub fn pick_monster<'a>(table: &'a [SpawnRow], location_id: &str, rng: &mut impl DiceSource) -> Option<&'a str> {
    let opts: Vec<(&str, u32)> =
        table.iter().filter(|r| r.location_id == location_id).map(|r| (r.monster_id.as_str(), r.weight)).collect();
    pick_weighted(&opts, rng).copied()
}

/// A ground item: any row of the ruleset's loot table, weighted by its chance.
pub fn pick_item<'a>(
    loot: &'a [crate::systems::combat::loot::LootRow],
    rng: &mut impl DiceSource,
) -> Option<(&'a str, u32)> {
    let opts: Vec<((&str, u32), u32)> =
        loot.iter().map(|r| ((r.item_id.as_str(), r.quantity), u32::from(r.chance_pct))).collect();
    pick_weighted(&opts, rng).copied()
}

/// How many to add to reach a cap (never negative).
pub fn missing(count: usize, cap: u32) -> u32 {
    (cap as usize).saturating_sub(count) as u32
}

/// Whether this world tick is a spawner tick (`every` 0 = never).
pub fn due(tick: u64, every: u32) -> bool {
    every > 0 && tick.is_multiple_of(u64::from(every))
}

/// What one location has now, for a spawner step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocationCount {
    pub location_id: String,
    pub monsters: usize,
    pub ground_items: usize,
}

/// The spawner's caps for one step and whether each half of it runs (its feature gate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopUp {
    pub monster_cap: u32,
    pub item_cap: u32,
    /// At most this many new monsters and items per location in one step.
    pub per_call: u32,
    pub monsters_on: bool,
    pub items_on: bool,
}

/// Ground items from the spawner land within this square (ft) of the location's origin, where
/// characters arrive.
pub const ITEM_SPREAD_FT: f64 = 40.0;

/// One thing a spawner step adds.
#[derive(Debug, Clone, PartialEq)]
pub enum Spawn {
    Monster { location_id: String, def: String },
    Item { location_id: String, def: String, quantity: u32, x: f64, y: f64 },
}

/// One spawner step (the world tick's, and a fresh world's seeding): per location in the given
/// order, monsters up to the cap then items up to the cap, at most `per_call` of each, drawn from
/// `rng` in that order. The rows side writes exactly this plan.
pub fn plan_top_up<G: rand::Rng>(
    spawns: &[SpawnRow],
    loot: &[crate::systems::combat::loot::LootRow],
    locations: &[LocationCount],
    t: TopUp,
    rng: &mut G,
) -> Vec<Spawn> {
    let mut out = Vec::new();
    for loc in locations {
        if t.monsters_on {
            for _ in 0..missing(loc.monsters, t.monster_cap).min(t.per_call) {
                let Some(def) = pick_monster(spawns, &loc.location_id, rng) else { break };
                out.push(Spawn::Monster { location_id: loc.location_id.clone(), def: def.to_string() });
            }
        }
        if t.items_on {
            for _ in 0..missing(loc.ground_items, t.item_cap).min(t.per_call) {
                let Some((item, quantity)) = pick_item(loot, rng) else { break };
                let x = rng.gen_range(0.0..ITEM_SPREAD_FT).round();
                let y = rng.gen_range(0.0..ITEM_SPREAD_FT).round();
                out.push(Spawn::Item { location_id: loc.location_id.clone(), def: item.to_string(), quantity, x, y });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Scripted;

    #[test]
    fn shipped_spawns_load_against_both_rulesets_monsters() {
        let t = load().unwrap_or_else(|e| panic!("{e}"));
        assert!(!t.is_empty());
        // every monster must also exist in the other ruleset
        let dnd = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/dnd5e/monsters.csv"));
        let lite = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../static_data/lite/monsters.csv"));
        for text in [dnd, lite] {
            for r in &t {
                assert!(
                    text.lines().any(|l| l.split(',').next() == Some(r.monster_id.as_str())),
                    "{} missing from a ruleset",
                    r.monster_id
                );
            }
        }
    }

    #[test]
    fn bad_rows_name_line_and_column() {
        let h = "location_id,monster_id,weight\n";
        let e = parse_spawns("s.csv", &format!("{h}moon,rat,1\n"), &["cave"], &["rat"]).unwrap_err();
        assert_eq!((e.line, e.column), (2, 1));
        let e = parse_spawns("s.csv", &format!("{h}cave,dragon,1\n"), &["cave"], &["rat"]).unwrap_err();
        assert_eq!(e.column, 2);
        let e = parse_spawns("s.csv", &format!("{h}cave,rat,0\n"), &["cave"], &["rat"]).unwrap_err();
        assert_eq!(e.column, 3);
    }

    #[test]
    fn weighted_pick_follows_the_die() {
        let t = vec![
            SpawnRow { location_id: "cave".into(), monster_id: "rat".into(), weight: 3 },
            SpawnRow { location_id: "road".into(), monster_id: "bandit".into(), weight: 5 },
            SpawnRow { location_id: "cave".into(), monster_id: "goblin".into(), weight: 1 },
        ];
        // cave total weight 4: 1..=3 rat, 4 goblin; other locations' rows are ignored
        assert_eq!(pick_monster(&t, "cave", &mut Scripted::new(&[3])), Some("rat"));
        assert_eq!(pick_monster(&t, "cave", &mut Scripted::new(&[4])), Some("goblin"));
        assert_eq!(pick_monster(&t, "town", &mut Scripted::new(&[1])), None);
    }

    #[test]
    fn caps_and_cadence() {
        assert_eq!(missing(1, 3), 2);
        assert_eq!(missing(5, 3), 0);
        assert!(due(20, 10) && !due(21, 10) && !due(20, 0));
    }
}
