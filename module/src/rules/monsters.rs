//! Monsters as static data (`monsters.csv`, same columns in every ruleset; see COLUMNS.md).
//! Parsed into [`MonsterDef`] and cross-checked; every error names file, line and column.

use super::dice::DiceExpr;
use super::sheet::{AttackDef, Condition, DamageDice, DamageType, DefenseRule, Defenses};
use super::{Ability, AbilityScores};
use crate::data::{column_of, list, parse_csv, DataError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Size {
    Tiny,
    Small,
    Medium,
    Large,
    Huge,
    Gargantuan,
}

impl Size {
    pub fn parse(s: &str) -> Option<Size> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "tiny" => Size::Tiny,
            "small" => Size::Small,
            "medium" => Size::Medium,
            "large" => Size::Large,
            "huge" => Size::Huge,
            "gargantuan" => Size::Gargantuan,
            _ => return None,
        })
    }
}

/// SRD 5.1 creature types.
pub const CREATURE_TYPES: [&str; 14] = [
    "aberration",
    "beast",
    "celestial",
    "construct",
    "dragon",
    "elemental",
    "fey",
    "fiend",
    "giant",
    "humanoid",
    "monstrosity",
    "ooze",
    "plant",
    "undead",
];

pub const SPEED_MODES: [&str; 5] = ["walk", "fly", "swim", "climb", "burrow"];

/// SRD 5.1 "Experience Points by Challenge Rating", CR 0 to 30, CR written as in stat blocks.
pub const CR_XP: [(&str, u32); 34] = [
    ("0", 10),
    ("1/8", 25),
    ("1/4", 50),
    ("1/2", 100),
    ("1", 200),
    ("2", 450),
    ("3", 700),
    ("4", 1100),
    ("5", 1800),
    ("6", 2300),
    ("7", 2900),
    ("8", 3900),
    ("9", 5000),
    ("10", 5900),
    ("11", 7200),
    ("12", 8400),
    ("13", 10000),
    ("14", 11500),
    ("15", 13000),
    ("16", 15000),
    ("17", 18000),
    ("18", 20000),
    ("19", 22000),
    ("20", 25000),
    ("21", 33000),
    ("22", 41000),
    ("23", 50000),
    ("24", 62000),
    ("25", 75000),
    ("26", 90000),
    ("27", 105000),
    ("28", 120000),
    ("29", 135000),
    ("30", 155000),
];

/// A monster as defined in static data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonsterDef {
    pub id: String,
    pub name: String,
    pub size: Size,
    pub creature_type: String,
    pub ac: i32,
    /// Average HP as printed in the stat block (equals `hp_dice.average()`).
    pub hp: i32,
    pub hp_dice: DiceExpr,
    /// (mode, feet): `walk` always present.
    pub speeds: Vec<(String, u16)>,
    pub scores: AbilityScores,
    /// Saving throws the stat block lists (others use the ability modifier).
    pub saving_throws: Vec<(Ability, i32)>,
    pub defenses: Defenses,
    pub attacks: Vec<AttackDef>,
    /// Attack ids made by one Attack action, in order (empty: the first attack once).
    pub multiattack: Vec<String>,
    /// Challenge rating as written (`1/4`).
    pub cr: String,
    /// Challenge rating times 8, for ordering and filtering (`1/4` -> 2).
    pub cr_eighths: u32,
    pub xp: u32,
}

impl MonsterDef {
    pub fn walk_speed(&self) -> u16 {
        self.speeds.iter().find(|(m, _)| m == "walk").map(|(_, f)| *f).unwrap_or(0)
    }
}

/// What a ruleset demands of its monster file beyond the shared checks.
#[derive(Debug, Clone, Copy)]
pub struct MonsterRules {
    /// dnd5e: `xp` must match the SRD XP of the `cr`.
    pub check_cr_xp: bool,
    /// lite: damage and HP are flat numbers, no dice.
    pub flat_numbers_only: bool,
}

/// `1/4` -> 2, `3` -> 24 (CR times 8); `None` when it is not a CR.
pub fn cr_eighths(cr: &str) -> Option<u32> {
    match cr.trim() {
        "1/8" => Some(1),
        "1/4" => Some(2),
        "1/2" => Some(4),
        s => s.parse::<u32>().ok().filter(|n| *n <= 30).map(|n| n * 8),
    }
}

pub fn xp_for_cr(cr: &str) -> Option<u32> {
    CR_XP.iter().find(|(c, _)| *c == cr.trim()).map(|(_, xp)| *xp)
}

fn title(id: &str) -> String {
    let s = id.replace('_', " ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => s,
    }
}

/// Parse one `attacks` cell: `id:+hit:dice:type[:dice:type...]` entries separated by `|`.
pub fn parse_attacks(cell: &str) -> Result<Vec<AttackDef>, String> {
    let mut out: Vec<AttackDef> = Vec::new();
    for entry in cell.split('|').map(str::trim).filter(|s| !s.is_empty()) {
        let parts: Vec<&str> = entry.split(':').map(str::trim).collect();
        if parts.len() < 4 || !parts.len().is_multiple_of(2) {
            return Err(format!(
                "attack `{entry}`: write id:+hit:dice:type, with more dice:type pairs for extra damage"
            ));
        }
        let id = parts[0];
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return Err(format!("attack id `{id}` must be lower_snake_case"));
        }
        if out.iter().any(|a| a.id == id) {
            return Err(format!("attack id `{id}` appears twice"));
        }
        if !parts[1].starts_with(['+', '-']) {
            return Err(format!("attack `{id}`: to-hit `{}` needs a sign, like +4 or -1", parts[1]));
        }
        let to_hit: i32 = parts[1]
            .trim_start_matches('+')
            .parse()
            .map_err(|_| format!("attack `{id}`: to-hit `{}` is not a number", parts[1]))?;
        let mut damage = Vec::new();
        for pair in parts[2..].chunks(2) {
            let dice = DiceExpr::parse(pair[0]).map_err(|e| format!("attack `{id}`: {}", e.message))?;
            let damage_type = DamageType::parse(pair[1]).ok_or_else(|| {
                format!("attack `{id}`: unknown damage type `{}` (use one of the 13 SRD types, e.g. slashing)", pair[1])
            })?;
            damage.push(DamageDice { dice, damage_type });
        }
        out.push(AttackDef { id: id.to_string(), name: title(id), to_hit, damage, magical: false, bonus_die: 0 });
    }
    Ok(out)
}

/// Parse and validate a monster file.
pub fn parse_monsters(file: &str, text: &str, rules: MonsterRules) -> Result<Vec<MonsterDef>, DataError> {
    #[derive(serde::Deserialize)]
    struct Row {
        id: String,
        name: String,
        size: String,
        #[serde(rename = "type")]
        creature_type: String,
        ac: i32,
        hp: i32,
        hp_dice: String,
        speed: String,
        #[serde(rename = "str")]
        str_: u8,
        dex: u8,
        con: u8,
        int: u8,
        wis: u8,
        cha: u8,
        saving_throws: String,
        damage_resistances: String,
        damage_immunities: String,
        damage_vulnerabilities: String,
        condition_immunities: String,
        attacks: String,
        multiattack: String,
        cr: String,
        xp: u32,
    }
    let col = |h: &str| column_of(text, h);
    let mut out: Vec<MonsterDef> = Vec::new();
    for r in parse_csv::<Row>(file, text)? {
        let (line, row) = (r.line, r.row);
        let at = |h: &str, m: String| DataError::at(file, line, col(h), m);
        if row.id.is_empty() || !row.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            return Err(at("id", "id must be lower_snake_case and not empty".into()));
        }
        if out.iter().any(|m| m.id == row.id) {
            return Err(at("id", format!("duplicate monster id `{}`", row.id)));
        }
        if row.name.is_empty() {
            return Err(at("name", "name must not be empty".into()));
        }
        let size = Size::parse(&row.size).ok_or_else(|| {
            at("size", format!("unknown size `{}` (tiny, small, medium, large, huge, gargantuan)", row.size))
        })?;
        if !CREATURE_TYPES.contains(&row.creature_type.as_str()) {
            return Err(at(
                "type",
                format!("unknown creature type `{}` (one of: {})", row.creature_type, CREATURE_TYPES.join(", ")),
            ));
        }
        if !(1..=30).contains(&row.ac) {
            return Err(at("ac", format!("ac {} is outside 1..=30", row.ac)));
        }
        let hp_dice = DiceExpr::parse(&row.hp_dice).map_err(|e| at("hp_dice", e.message))?;
        if rules.flat_numbers_only && !hp_dice.is_flat() {
            return Err(at("hp_dice", "this ruleset uses flat HP: write a number, not dice".into()));
        }
        if row.hp < 1 || row.hp != hp_dice.average() {
            return Err(at(
                "hp",
                format!("hp {} must be the average of {} ({})", row.hp, row.hp_dice, hp_dice.average()),
            ));
        }
        let mut speeds: Vec<(String, u16)> = Vec::new();
        for s in list(&row.speed) {
            let (mode, feet) = s
                .split_once(':')
                .ok_or_else(|| at("speed", format!("speed `{s}`: write mode:feet, e.g. walk:30;fly:60")))?;
            if !SPEED_MODES.contains(&mode) {
                return Err(at("speed", format!("unknown speed mode `{mode}` (one of: {})", SPEED_MODES.join(", "))));
            }
            let feet: u16 = feet.parse().map_err(|_| at("speed", format!("speed `{s}`: feet must be a number")))?;
            speeds.push((mode.to_string(), feet));
        }
        if !speeds.iter().any(|(m, _)| m == "walk") {
            return Err(at("speed", "list a walk speed (walk:0 for creatures that only fly)".into()));
        }
        let scores =
            AbilityScores { str_: row.str_, dex: row.dex, con: row.con, int: row.int, wis: row.wis, cha: row.cha };
        if let Some(a) = Ability::ALL.into_iter().find(|a| !(1..=30).contains(&scores.get(*a))) {
            return Err(at(
                &a.code().to_ascii_lowercase(),
                format!("{} {} is outside 1..=30", a.code(), scores.get(a)),
            ));
        }
        let mut saving_throws = Vec::new();
        for s in list(&row.saving_throws) {
            let pos = s
                .find(['+', '-'])
                .ok_or_else(|| at("saving_throws", format!("`{s}`: write ABILITY+bonus, e.g. WIS+0")))?;
            let a = Ability::parse(&s[..pos])
                .ok_or_else(|| at("saving_throws", format!("`{s}`: unknown ability (STR, DEX, CON, INT, WIS, CHA)")))?;
            let b: i32 =
                s[pos + 1..].parse().map_err(|_| at("saving_throws", format!("`{s}`: the bonus is not a number")))?;
            saving_throws.push((a, if &s[pos..pos + 1] == "-" { -b } else { b }));
        }
        let rules_of = |cell: &str, header: &str| -> Result<Vec<DefenseRule>, DataError> {
            list(cell)
                .iter()
                .map(|s| {
                    DefenseRule::parse(s).ok_or_else(|| {
                        at(
                            header,
                            format!(
                                "unknown damage type `{s}` (one of the 13 SRD types, optionally with (nonmagical))"
                            ),
                        )
                    })
                })
                .collect()
        };
        let immunities = rules_of(&row.damage_immunities, "damage_immunities")?;
        let resistances = rules_of(&row.damage_resistances, "damage_resistances")?;
        let vulnerabilities = rules_of(&row.damage_vulnerabilities, "damage_vulnerabilities")?;
        if let Some(r) = resistances.iter().find(|r| immunities.contains(r)) {
            return Err(at(
                "damage_resistances",
                format!("`{}` is both an immunity and a resistance; keep the immunity", r.damage_type.id()),
            ));
        }
        let mut condition_immunities = Vec::new();
        for c in list(&row.condition_immunities) {
            let cond =
                Condition::parse(&c).ok_or_else(|| at("condition_immunities", format!("unknown condition `{c}`")))?;
            if !condition_immunities.contains(&cond) {
                condition_immunities.push(cond);
            }
        }
        let attacks = parse_attacks(&row.attacks).map_err(|m| at("attacks", m))?;
        if attacks.is_empty() {
            return Err(at("attacks", "every monster needs at least one attack".into()));
        }
        if rules.flat_numbers_only {
            if let Some(a) = attacks.iter().find(|a| a.damage.iter().any(|d| !d.dice.is_flat())) {
                return Err(at(
                    "attacks",
                    format!("attack `{}`: this ruleset uses flat damage; write a number, not dice", a.id),
                ));
            }
        }
        let multiattack = list(&row.multiattack);
        if let Some(m) = multiattack.iter().find(|m| !attacks.iter().any(|a| &a.id == *m)) {
            return Err(at("multiattack", format!("`{m}` is not one of this monster's attacks")));
        }
        let cr_eighths = cr_eighths(&row.cr)
            .ok_or_else(|| at("cr", format!("cr `{}` must be 0, 1/8, 1/4, 1/2 or 1..=30", row.cr)))?;
        if rules.check_cr_xp {
            let want = xp_for_cr(&row.cr).unwrap_or(0);
            // CR 0 creatures with no effective attacks are worth 0 XP in the SRD.
            if row.xp != want && !(row.cr == "0" && row.xp == 0) {
                return Err(at("xp", format!("CR {} is worth {want} XP, not {}", row.cr, row.xp)));
            }
        }
        out.push(MonsterDef {
            id: row.id,
            name: row.name,
            size,
            creature_type: row.creature_type,
            ac: row.ac,
            hp: row.hp,
            hp_dice,
            speeds,
            scores,
            saving_throws,
            defenses: Defenses { immunities, resistances, vulnerabilities, condition_immunities },
            attacks,
            multiattack,
            cr: row.cr,
            cr_eighths,
            xp: row.xp,
        });
    }
    if out.is_empty() {
        return Err(DataError::at(file, 1, 0, "no monsters defined"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "id,name,size,type,ac,hp,hp_dice,speed,str,dex,con,int,wis,cha,saving_throws,damage_resistances,damage_immunities,damage_vulnerabilities,condition_immunities,attacks,multiattack,cr,xp\n";
    const GOBLIN: &str = "goblin,Goblin,small,humanoid,15,7,2d6,walk:30,8,14,10,10,8,8,,,,,,scimitar:+4:1d6+2:slashing|shortbow:+4:1d6+2:piercing,,1/4,50";
    const DND: MonsterRules = MonsterRules { check_cr_xp: true, flat_numbers_only: false };

    fn parse_one(row: &str) -> Result<Vec<MonsterDef>, DataError> {
        parse_monsters("m.csv", &format!("{HEADER}{row}\n"), DND)
    }

    #[test]
    fn goblin_parses() {
        let m = &parse_one(GOBLIN).unwrap()[0];
        assert_eq!((m.ac, m.hp, m.cr_eighths, m.xp), (15, 7, 2, 50));
        assert_eq!(m.attacks[0].name, "Scimitar");
        assert_eq!(m.attacks[1].damage[0].dice, DiceExpr::dice(1, 6, 2));
    }

    /// Each broken cell is reported at its own column.
    #[test]
    fn errors_point_at_the_cell() {
        let cases = [
            (GOBLIN.replace("small", "smol"), "size"),
            (GOBLIN.replace("humanoid", "goblinoid"), "type"),
            (GOBLIN.replace(",7,2d6,", ",8,2d6,"), "hp"),
            (GOBLIN.replace("2d6,walk", "2x6,walk"), "hp_dice"),
            (GOBLIN.replace("walk:30", "run:30"), "speed"),
            (GOBLIN.replace("slashing|", "slicing|"), "attacks"),
            (GOBLIN.replace("+4:1d6+2:slashing", "4:1d6+2:slashing"), "attacks"),
            (GOBLIN.replace(",,1/4", ",bite,1/4"), "multiattack"),
            (GOBLIN.replace("1/4,50", "1/3,50"), "cr"),
            (GOBLIN.replace("1/4,50", "1/4,60"), "xp"),
            (GOBLIN.replace(",,,,,,scimitar", ",,fyre,,,,scimitar"), "damage_resistances"),
            (GOBLIN.replace(",,,,,scimitar", ",,,,dizzy,scimitar"), "condition_immunities"),
            (GOBLIN.replace(",8,14,", ",0,14,"), "str"),
        ];
        for (row, header) in cases {
            let e = parse_one(&row).unwrap_err();
            assert_eq!((e.line, e.column), (2, column_of(HEADER, header)), "{header}: {e}");
        }
    }

    #[test]
    fn duplicate_ids_and_flat_only() {
        let e = parse_monsters("m.csv", &format!("{HEADER}{GOBLIN}\n{GOBLIN}\n"), DND).unwrap_err();
        assert_eq!((e.line, e.column), (3, 1));
        let lite = MonsterRules { check_cr_xp: false, flat_numbers_only: true };
        let e = parse_monsters("m.csv", &format!("{HEADER}{GOBLIN}\n"), lite).unwrap_err();
        assert_eq!(e.column, column_of(HEADER, "hp_dice"));
    }

    #[test]
    fn cr_table() {
        assert_eq!(cr_eighths("0"), Some(0));
        assert_eq!(cr_eighths("1/2"), Some(4));
        assert_eq!(cr_eighths("5"), Some(40));
        assert_eq!(cr_eighths("31"), None);
        assert_eq!(xp_for_cr("5"), Some(1800));
    }
}
