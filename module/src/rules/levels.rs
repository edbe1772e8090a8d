//! Level table (`xp_levels.csv`): XP needed for each level and the proficiency bonus at it.
//! Same columns in every ruleset.

use crate::data::{column_of, parse_csv, DataError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelDef {
    pub level: u8,
    /// Total XP needed to reach this level.
    pub xp: u32,
    pub proficiency_bonus: i32,
}

/// Parse and validate: levels 1, 2, 3... in order, level 1 at 0 XP, XP strictly increasing, and
/// (when `expected_proficiency` is given) every proficiency bonus equal to the ruleset's formula.
pub fn parse_levels(
    file: &str,
    text: &str,
    expected_proficiency: Option<fn(u8) -> i32>,
) -> Result<Vec<LevelDef>, DataError> {
    #[derive(serde::Deserialize)]
    struct Row {
        level: u8,
        xp: u32,
        proficiency_bonus: i32,
    }
    let col = |h: &str| column_of(text, h);
    let mut out: Vec<LevelDef> = Vec::new();
    for r in parse_csv::<Row>(file, text)? {
        let (line, row) = (r.line, r.row);
        let want_level = out.len() as u8 + 1;
        if row.level != want_level {
            return Err(DataError::at(
                file,
                line,
                col("level"),
                format!("expected level {want_level} here; list levels 1, 2, 3... in order"),
            ));
        }
        match out.last() {
            None if row.xp != 0 => return Err(DataError::at(file, line, col("xp"), "level 1 must need 0 XP")),
            Some(prev) if row.xp <= prev.xp => {
                return Err(DataError::at(
                    file,
                    line,
                    col("xp"),
                    format!("xp must grow with level (level {} needs {})", prev.level, prev.xp),
                ))
            }
            _ => {}
        }
        if let Some(f) = expected_proficiency {
            let want = f(row.level);
            if row.proficiency_bonus != want {
                return Err(DataError::at(
                    file,
                    line,
                    col("proficiency_bonus"),
                    format!("level {} has proficiency bonus +{want}, not {}", row.level, row.proficiency_bonus),
                ));
            }
        }
        out.push(LevelDef { level: row.level, xp: row.xp, proficiency_bonus: row.proficiency_bonus });
    }
    if out.is_empty() {
        return Err(DataError::at(file, 1, 0, "no levels defined"));
    }
    Ok(out)
}

/// The highest level whose XP threshold `xp` reaches.
pub fn level_for_xp(levels: &[LevelDef], xp: u32) -> u8 {
    levels.iter().take_while(|l| l.xp <= xp).last().map(|l| l.level).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_gaps_and_shrinking_xp() {
        let e = parse_levels("x.csv", "level,xp,proficiency_bonus\n1,0,2\n3,10,2\n", None).unwrap_err();
        assert_eq!((e.line, e.column), (3, 1));
        let e = parse_levels("x.csv", "level,xp,proficiency_bonus\n1,0,2\n2,0,2\n", None).unwrap_err();
        assert_eq!((e.line, e.column), (3, 2));
        let e = parse_levels("x.csv", "level,xp,proficiency_bonus\n1,5,2\n", None).unwrap_err();
        assert_eq!(e.line, 2);
        let e = parse_levels("x.csv", "level,xp,proficiency_bonus\n1,0,3\n", Some(|_| 2)).unwrap_err();
        assert_eq!(e.column, 3);
    }

    #[test]
    fn level_lookup() {
        let l = parse_levels("x.csv", "level,xp,proficiency_bonus\n1,0,2\n2,300,2\n3,900,2\n", None).unwrap();
        assert_eq!(level_for_xp(&l, 0), 1);
        assert_eq!(level_for_xp(&l, 299), 1);
        assert_eq!(level_for_xp(&l, 300), 2);
        assert_eq!(level_for_xp(&l, 1_000_000), 3);
    }
}
