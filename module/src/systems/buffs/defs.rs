//! Buff definitions (`buffs.csv`): what a buff is (category, flags), how it behaves (stacking,
//! duration, exclusive group) and what it does (modifiers, immunities, periodic effect) are
//! separate fields, so each axis can be validated and reasoned about on its own.
//! Column reference: `static_data/dnd5e/BUFFS.md`.

use super::modifiers::{parse_modifiers, Modifier};
use super::vocab::DamageType;
use crate::data::{column_of, list, parse_csv, DataError};
use crate::error::{err, ErrorCode, WkError, WkResult};
use rand::Rng;
use spacetimedb::SpacetimeType;
use std::collections::BTreeMap;
use std::fmt;

/// One round of combat is 6 seconds of world time (SRD 5.1). `3r` in a duration means 18 s.
pub const ROUND_MICROS: i64 = 6_000_000;
pub const SECOND_MICROS: i64 = 1_000_000;
/// Longest timed duration a definition or an application may ask for: 366 days. Longer effects
/// are `permanent` and removed explicitly.
pub const MAX_DURATION_MICROS: i64 = 366 * 24 * 3600 * SECOND_MICROS;
/// Periodic effects tick at most once a second and at least once an hour.
pub const MIN_TICK_MICROS: i64 = SECOND_MICROS;
pub const MAX_TICK_MICROS: i64 = 3600 * SECOND_MICROS;
pub const MAX_STACKS_LIMIT: u8 = 99;

/// What a buff is, for dispelling and display.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BuffCategory {
    /// Bodily: poison, exhaustion, being well fed.
    Natural,
    /// Mechanical: grappled, prone, a stance.
    Physical,
    /// Arcane magic: removed by dispel magic.
    Magical,
    /// Divine favour or curse.
    Divine,
}

impl BuffCategory {
    pub const ALL: [BuffCategory; 4] =
        [BuffCategory::Natural, BuffCategory::Physical, BuffCategory::Magical, BuffCategory::Divine];

    pub fn code(self) -> &'static str {
        match self {
            BuffCategory::Natural => "natural",
            BuffCategory::Physical => "physical",
            BuffCategory::Magical => "magical",
            BuffCategory::Divine => "divine",
        }
    }

    pub fn parse(s: &str) -> Option<BuffCategory> {
        BuffCategory::ALL.into_iter().find(|c| c.code() == s)
    }
}

/// Behaviour flags. Death removes a buff unless it `persists_on_death` (`removed_on_death` only
/// says so explicitly; setting both is an error).
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct BuffFlags {
    pub persists_on_death: bool,
    pub removed_on_death: bool,
    pub removed_on_loadout_change: bool,
    pub removed_on_attack: bool,
    /// One of the SRD conditions (display, and target condition immunities refer to these).
    pub condition: bool,
}

impl BuffFlags {
    pub const NAMES: [&'static str; 5] =
        ["persists_on_death", "removed_on_death", "removed_on_loadout_change", "removed_on_attack", "condition"];

    fn set(&mut self, name: &str) -> bool {
        match name {
            "persists_on_death" => self.persists_on_death = true,
            "removed_on_death" => self.removed_on_death = true,
            "removed_on_loadout_change" => self.removed_on_loadout_change = true,
            "removed_on_attack" => self.removed_on_attack = true,
            "condition" => self.condition = true,
            _ => return false,
        }
        true
    }

    pub fn validate(&self) -> WkResult<()> {
        if self.persists_on_death && self.removed_on_death {
            return Err(err(
                ErrorCode::InvalidBuffDef,
                "a buff cannot both persist on death and be removed on death; keep one flag",
            ));
        }
        Ok(())
    }
}

/// What re-applying a buff the target already has does. See `stacking.rs` for the full rules.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StackingPolicy {
    /// The new application replaces the old instance (whoever applied either).
    Replace,
    /// One instance gains stacks up to `max_stacks`; at the cap a re-application refreshes.
    Additive,
    /// The stronger application wins; a weaker one is dropped (not kept dormant).
    StrongestWins,
    /// The end time is extended to the later of the two; never a second instance.
    Refresh,
}

impl StackingPolicy {
    pub fn code(self) -> &'static str {
        match self {
            StackingPolicy::Replace => "replace",
            StackingPolicy::Additive => "additive",
            StackingPolicy::StrongestWins => "strongest_wins",
            StackingPolicy::Refresh => "refresh",
        }
    }

    pub fn parse(s: &str) -> Option<StackingPolicy> {
        [StackingPolicy::Replace, StackingPolicy::Additive, StackingPolicy::StrongestWins, StackingPolicy::Refresh]
            .into_iter()
            .find(|p| p.code() == s)
    }
}

/// Default duration of a buff.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BuffDuration {
    /// Until removed (by a selector, a reducer or death).
    Permanent,
    /// This many microseconds of world time.
    Timed(i64),
}

impl BuffDuration {
    /// `30s`, `10m`, `1h`, `3r` (rounds of 6 s) or `permanent`.
    pub fn parse(s: &str) -> WkResult<BuffDuration> {
        if s == "permanent" {
            return Ok(BuffDuration::Permanent);
        }
        let bad = || {
            err(
                ErrorCode::InvalidDuration,
                format!(
                    "duration `{s}` is not valid; write e.g. `30s`, `10m`, `1h`, `3r` (rounds of 6 s) or `permanent`"
                ),
            )
        };
        let unit = s.chars().last().ok_or_else(bad)?;
        let per = match unit {
            's' => SECOND_MICROS,
            'm' => 60 * SECOND_MICROS,
            'h' => 3600 * SECOND_MICROS,
            'r' => ROUND_MICROS,
            _ => return Err(bad()),
        };
        let n: i64 = s[..s.len() - 1].parse().map_err(|_| bad())?;
        let micros = n.checked_mul(per).ok_or_else(bad)?;
        validate_duration_micros(micros)?;
        Ok(BuffDuration::Timed(micros))
    }

    pub fn micros(self) -> Option<i64> {
        match self {
            BuffDuration::Permanent => None,
            BuffDuration::Timed(m) => Some(m),
        }
    }
}

/// A timed duration must be positive and at most [`MAX_DURATION_MICROS`].
pub fn validate_duration_micros(micros: i64) -> WkResult<()> {
    if micros <= 0 || micros > MAX_DURATION_MICROS {
        return Err(err(
            ErrorCode::InvalidDuration,
            format!("duration {micros} us is out of range; use 1 us ..= 366 days, or a permanent buff"),
        ));
    }
    Ok(())
}

/// The amount of one periodic tick, `NdS+B`: `1d4`, `2d6+1`, or a flat `2`. Kept apart from
/// `rules::DiceExpr` because it is stored in definition rows (`SpacetimeType`) and bounded for
/// ticks (at most 20d100). TODO(unify): reuse `rules::DiceExpr` once it derives `SpacetimeType`.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TickDice {
    pub count: u8,
    pub sides: u8,
    pub bonus: i16,
}

impl TickDice {
    pub fn parse(s: &str) -> Option<TickDice> {
        let (dice, bonus) = match s.find(['+', '-']) {
            Some(i) if s.contains('d') => (&s[..i], s[i..].trim_start_matches('+').parse::<i16>().ok()?),
            _ => (s, 0),
        };
        let d = match dice.split_once('d') {
            Some((c, sides)) => TickDice { count: c.parse().ok()?, sides: sides.parse().ok()?, bonus },
            None => TickDice { count: 0, sides: 0, bonus: dice.parse().ok()? },
        };
        d.is_valid().then_some(d)
    }

    /// 0..=20 dice of 1..=100 sides, bonus -100..=100, and a positive maximum.
    pub fn is_valid(&self) -> bool {
        self.count <= 20
            && (self.count == 0 || (1..=100).contains(&self.sides))
            && (-100..=100).contains(&self.bonus)
            && self.max() > 0
    }

    pub fn max(&self) -> i32 {
        self.count as i32 * self.sides as i32 + self.bonus as i32
    }

    /// Roll it; never negative.
    pub fn roll(&self, rng: &mut impl Rng) -> i32 {
        let mut total = self.bonus as i32;
        for _ in 0..self.count {
            total += rng.gen_range(1..=self.sides as i32);
        }
        total.max(0)
    }
}

impl fmt::Display for TickDice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.count, self.bonus) {
            (0, b) => write!(f, "{b}"),
            (c, 0) => write!(f, "{c}d{}", self.sides),
            (c, b) => write!(f, "{c}d{}{b:+}", self.sides),
        }
    }
}

/// Damage or healing per interval.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodicKind {
    Damage(DamageType),
    Heal,
}

#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PeriodicEffect {
    pub kind: PeriodicKind,
    pub amount: TickDice,
    /// Ticks fall at `started_at + k * interval` for k >= 1 while the buff is active.
    pub interval_micros: i64,
}

impl PeriodicEffect {
    /// `damage:1d4:poison:6s` or `heal:2:6s` (interval in `s`, `m` or `r`).
    pub fn parse(s: &str) -> WkResult<PeriodicEffect> {
        let bad = |why: &str| {
            err(
                ErrorCode::InvalidBuffDef,
                format!("periodic effect `{s}`: {why}; write `damage:1d4:poison:6s` or `heal:2:6s`"),
            )
        };
        let parts: Vec<&str> = s.split(':').map(str::trim).collect();
        let (kind, amount, interval) = match parts[..] {
            ["damage", amount, ty, interval] => {
                let d = DamageType::parse(ty).ok_or_else(|| bad("unknown damage type"))?;
                (PeriodicKind::Damage(d), amount, interval)
            }
            ["heal", amount, interval] => (PeriodicKind::Heal, amount, interval),
            _ => return Err(bad("unknown shape")),
        };
        let amount = TickDice::parse(amount).ok_or_else(|| bad("bad amount (NdS+B, at most 20d100)"))?;
        let interval_micros = match BuffDuration::parse(interval) {
            Ok(BuffDuration::Timed(m)) => m,
            _ => return Err(bad("bad interval")),
        };
        let p = PeriodicEffect { kind, amount, interval_micros };
        p.validate()?;
        Ok(p)
    }

    pub fn validate(&self) -> WkResult<()> {
        if !self.amount.is_valid() {
            return Err(err(ErrorCode::InvalidBuffDef, format!("periodic amount `{}` is not valid", self.amount)));
        }
        if !(MIN_TICK_MICROS..=MAX_TICK_MICROS).contains(&self.interval_micros) {
            return Err(err(
                ErrorCode::InvalidBuffDef,
                format!("periodic interval {} us is out of range; use 1 s ..= 1 h", self.interval_micros),
            ));
        }
        Ok(())
    }
}

/// A buff definition (a `*Def` row).
#[derive(SpacetimeType, Debug, Clone, PartialEq)]
pub struct BuffDef {
    pub id: String,
    pub name: String,
    pub category: BuffCategory,
    pub flags: BuffFlags,
    pub stacking: StackingPolicy,
    /// 1 unless `stacking` is additive.
    pub max_stacks: u8,
    pub duration: BuffDuration,
    pub modifiers: Vec<Modifier>,
    /// Buff ids or exclusive-group names this buff prevents while active.
    pub immunities: Vec<String>,
    pub periodic: Option<PeriodicEffect>,
    /// At most one buff of a group is active; a higher or equal rank replaces a lower one.
    pub exclusive_group: Option<String>,
    pub group_rank: u8,
}

fn is_snake_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && s.starts_with(|c: char| c.is_ascii_lowercase())
}

impl BuffDef {
    /// Apply-time validation of a single definition (an admin-made buff, a row read back).
    /// Cross-references (immunities naming real buffs) are checked by [`BuffCatalog::new`].
    pub fn validate(&self) -> WkResult<()> {
        self.check().map_err(|(_, e)| e)
    }

    /// Validation that also says which CSV column is at fault.
    fn check(&self) -> Result<(), (&'static str, WkError)> {
        let def = |col: &'static str, m: String| Err((col, err(ErrorCode::InvalidBuffDef, m)));
        if !is_snake_id(&self.id) {
            return def("id", format!("buff id `{}` must be lower_snake_case", self.id));
        }
        if self.name.trim().is_empty() {
            return def("name", format!("buff `{}` needs a name", self.id));
        }
        self.flags.validate().map_err(|e| ("flags", e))?;
        match self.stacking {
            StackingPolicy::Additive => {
                if !(1..=MAX_STACKS_LIMIT).contains(&self.max_stacks) {
                    return def(
                        "max_stacks",
                        format!("additive buff `{}`: max_stacks must be 1..={MAX_STACKS_LIMIT}", self.id),
                    );
                }
            }
            StackingPolicy::Replace | StackingPolicy::StrongestWins | StackingPolicy::Refresh => {
                if self.max_stacks != 1 {
                    return def(
                        "max_stacks",
                        format!(
                            "buff `{}` is {}: max_stacks must be 1 (only additive buffs stack)",
                            self.id,
                            self.stacking.code()
                        ),
                    );
                }
            }
        }
        if let BuffDuration::Timed(m) = self.duration {
            validate_duration_micros(m).map_err(|e| ("duration", e))?;
        }
        for m in &self.modifiers {
            m.validate().map_err(|e| ("modifiers", e))?;
        }
        if let Some(p) = &self.periodic {
            p.validate().map_err(|e| ("periodic", e))?;
        }
        match &self.exclusive_group {
            Some(g) if !is_snake_id(g) => {
                return def("exclusive_group", format!("exclusive group `{g}` must be lower_snake_case"))
            }
            None if self.group_rank != 0 => {
                return def("group_rank", format!("buff `{}` has a group_rank but no exclusive_group", self.id))
            }
            _ => {}
        }
        for i in &self.immunities {
            if !is_snake_id(i) {
                return def("immunities", format!("immunity `{i}` must be a buff id or exclusive group"));
            }
            if *i == self.id || Some(i) == self.exclusive_group.as_ref() {
                return def("immunities", format!("buff `{}` cannot grant immunity to itself", self.id));
            }
        }
        Ok(())
    }

    /// Does an immunity entry (buff id or exclusive group) block this buff?
    pub fn blocked_by(&self, immunity: &str) -> bool {
        self.id == immunity || self.exclusive_group.as_deref() == Some(immunity)
    }
}

/// A validated set of definitions with lookup by id.
#[derive(Debug, Clone, Default)]
pub struct BuffCatalog {
    defs: Vec<BuffDef>,
    index: BTreeMap<String, usize>,
}

impl BuffCatalog {
    /// Validate every definition and the cross-references between them: unique ids, immunities
    /// naming a known buff or group, no group named like a buff.
    pub fn new(defs: Vec<BuffDef>) -> WkResult<BuffCatalog> {
        let mut index = BTreeMap::new();
        for (i, d) in defs.iter().enumerate() {
            d.validate()?;
            if index.insert(d.id.clone(), i).is_some() {
                return Err(err(ErrorCode::InvalidBuffDef, format!("duplicate buff id `{}`", d.id)));
            }
        }
        let cat = BuffCatalog { defs, index };
        for d in &cat.defs {
            cat.check_refs(d).map_err(|(_, e)| e)?;
        }
        Ok(cat)
    }

    fn check_refs(&self, d: &BuffDef) -> Result<(), (&'static str, WkError)> {
        if let Some(g) = &d.exclusive_group {
            if self.index.contains_key(g) {
                return Err((
                    "exclusive_group",
                    err(
                        ErrorCode::InvalidBuffDef,
                        format!("exclusive group `{g}` has the same name as a buff; rename one"),
                    ),
                ));
            }
        }
        for i in &d.immunities {
            if !self.index.contains_key(i) && !self.is_group(i) {
                return Err((
                    "immunities",
                    err(
                        ErrorCode::UnknownBuff,
                        format!(
                            "buff `{}` grants immunity to `{i}`, which is neither a buff nor an exclusive group",
                            d.id
                        ),
                    ),
                ));
            }
        }
        Ok(())
    }

    pub fn is_group(&self, name: &str) -> bool {
        self.defs.iter().any(|d| d.exclusive_group.as_deref() == Some(name))
    }

    /// Look up a definition; `E_UNKNOWN_BUFF` when there is none.
    pub fn get(&self, id: &str) -> WkResult<&BuffDef> {
        self.find(id).ok_or_else(|| err(ErrorCode::UnknownBuff, format!("no buff `{id}`; see buffs.csv for the ids")))
    }

    /// Look up a definition (`None` when there is none; no error text built).
    pub fn find(&self, id: &str) -> Option<&BuffDef> {
        self.index.get(id).map(|i| &self.defs[*i])
    }

    pub fn defs(&self) -> &[BuffDef] {
        &self.defs
    }

    pub fn len(&self) -> usize {
        self.defs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }
}

/// Parse and validate `buffs.csv`. Every error names file, line and column, and its message
/// starts with the stable code (`E_UNKNOWN_MODIFIER_KEY: ...`), the same code the apply-time
/// check gives.
///
/// Columns: `id,name,category,flags,stacking,max_stacks,duration,modifiers,immunities,periodic,
/// exclusive_group,group_rank` (the last may be empty: 0).
pub fn parse_buffs(file: &str, text: &str) -> Result<BuffCatalog, DataError> {
    #[derive(serde::Deserialize)]
    struct Row {
        id: String,
        name: String,
        category: String,
        flags: String,
        stacking: String,
        max_stacks: u8,
        duration: String,
        modifiers: String,
        immunities: String,
        periodic: String,
        exclusive_group: String,
        group_rank: Option<u8>,
    }
    let rows = parse_csv::<Row>(file, text)?;
    let col = |h: &str| column_of(text, h);
    let at = |line: u64, header: &str, e: WkError| DataError::at(file, line, col(header), e.to_string());
    let def_err = |m: String| err(ErrorCode::InvalidBuffDef, m);
    let mut defs = Vec::with_capacity(rows.len());
    let mut lines = Vec::with_capacity(rows.len());
    for r in rows {
        let (line, row) = (r.line, r.row);
        let category = BuffCategory::parse(&row.category).ok_or_else(|| {
            at(
                line,
                "category",
                def_err(format!("unknown category `{}`; use natural, physical, magical or divine", row.category)),
            )
        })?;
        let mut flags = BuffFlags::default();
        for f in list(&row.flags) {
            if !flags.set(&f) {
                return Err(at(
                    line,
                    "flags",
                    def_err(format!("unknown flag `{f}`; use {}", BuffFlags::NAMES.join(", "))),
                ));
            }
        }
        let stacking = StackingPolicy::parse(&row.stacking).ok_or_else(|| {
            at(
                line,
                "stacking",
                def_err(format!(
                    "unknown stacking `{}`; use replace, additive, strongest_wins or refresh",
                    row.stacking
                )),
            )
        })?;
        let duration = BuffDuration::parse(&row.duration).map_err(|e| at(line, "duration", e))?;
        let modifiers = parse_modifiers(&row.modifiers).map_err(|e| at(line, "modifiers", e))?;
        let periodic = match row.periodic.as_str() {
            "" => None,
            p => Some(PeriodicEffect::parse(p).map_err(|e| at(line, "periodic", e))?),
        };
        let def = BuffDef {
            id: row.id,
            name: row.name,
            category,
            flags,
            stacking,
            max_stacks: row.max_stacks,
            duration,
            modifiers,
            immunities: list(&row.immunities),
            periodic,
            exclusive_group: (!row.exclusive_group.is_empty()).then_some(row.exclusive_group),
            group_rank: row.group_rank.unwrap_or(0),
        };
        def.check().map_err(|(header, e)| at(line, header, e))?;
        if defs.iter().any(|d: &BuffDef| d.id == def.id) {
            return Err(at(line, "id", def_err(format!("duplicate buff id `{}`", def.id))));
        }
        defs.push(def);
        lines.push(line);
    }
    if defs.is_empty() {
        return Err(DataError::at(file, 1, 0, "E_INVALID_BUFF_DEF: no buffs defined"));
    }
    // Cross-references, pointed at the row that makes them.
    let probe = BuffCatalog { index: defs.iter().enumerate().map(|(i, d)| (d.id.clone(), i)).collect(), defs };
    for (d, line) in probe.defs.iter().zip(&lines) {
        probe.check_refs(d).map_err(|(header, e)| at(*line, header, e))?;
    }
    BuffCatalog::new(probe.defs).map_err(|e| DataError::at(file, 0, 0, e.to_string()))
}
