//! Dice: expressions (`NdM`, `NdM+K`, `NdM-K`, flat `K`), a source of die faces, and the log that
//! records every roll so reducers can show "the dice" in world events.
//!
//! Rolls go through [`DiceSource`], implemented for every `rand::RngCore` (so `ctx.rng()` and a
//! seeded `StdRng` work as they are) and by [`Scripted`], which hands out exact faces for tests
//! and replays. One face is drawn per die, in order, never more: adding a roll somewhere is a
//! visible change in the log, which keeps replays honest.

use crate::error::{err, ErrorCode, WkError};
use spacetimedb::SpacetimeType;
use std::collections::VecDeque;
use std::fmt;
use std::fmt::Write as _;

/// Anything that can roll one die. Every `rand` generator is one.
pub trait DiceSource {
    /// A face in `1..=sides` (`sides` >= 1).
    fn roll_die(&mut self, sides: u32) -> i32;
}

impl<R: rand::RngCore + ?Sized> DiceSource for R {
    fn roll_die(&mut self, sides: u32) -> i32 {
        use rand::Rng;
        self.gen_range(1..=sides.max(1) as i32)
    }
}

/// Faces given in advance, handed out in order. For tests and replays only: it panics when it
/// runs out or when a face does not fit the die, because either means the test script is wrong.
#[derive(Debug, Clone, Default)]
pub struct Scripted {
    faces: VecDeque<i32>,
    drawn: usize,
}

impl Scripted {
    pub fn new(faces: &[i32]) -> Self {
        Scripted { faces: faces.iter().copied().collect(), drawn: 0 }
    }
    /// How many faces have been drawn so far.
    pub fn drawn(&self) -> usize {
        self.drawn
    }
    /// Faces not drawn yet.
    pub fn remaining(&self) -> usize {
        self.faces.len()
    }
}

impl DiceSource for Scripted {
    fn roll_die(&mut self, sides: u32) -> i32 {
        let face = self
            .faces
            .pop_front()
            .unwrap_or_else(|| panic!("scripted dice ran out after {} faces (wanted a d{sides})", self.drawn));
        assert!(face >= 1 && face <= sides as i32, "scripted face {face} does not fit a d{sides}");
        self.drawn += 1;
        face
    }
}

/// A parsed dice expression: `count`d`sides` + `modifier`. `count == 0` is a flat number.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiceExpr {
    pub count: u32,
    pub sides: u32,
    pub modifier: i32,
}

/// Upper bounds that keep a bad data cell or argument from asking for a million dice.
pub const MAX_DICE: u32 = 100;
pub const MAX_SIDES: u32 = 1000;
pub const MAX_FLAT: i32 = 10_000;

impl DiceExpr {
    pub const fn flat(value: i32) -> Self {
        DiceExpr { count: 0, sides: 0, modifier: value }
    }
    pub const fn dice(count: u32, sides: u32, modifier: i32) -> Self {
        DiceExpr { count, sides, modifier }
    }

    /// Parse `NdM`, `NdM+K`, `NdM-K`, `dM` (one die) or a flat `K` (may be negative). Spaces are
    /// ignored. Errors carry `E_INVALID_DICE` and say what a valid expression looks like.
    pub fn parse(text: &str) -> Result<DiceExpr, WkError> {
        let s: String = text.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_lowercase();
        let bad = |why: &str| {
            err(
                ErrorCode::InvalidDice,
                format!("`{text}` is not a dice expression ({why}); write it like 2d6, 1d8+3, 1d4-1 or a flat 5"),
            )
        };
        if s.is_empty() {
            return Err(bad("it is empty"));
        }
        let Some(dpos) = s.find('d') else {
            let v: i32 = s.parse().map_err(|_| bad("not a number"))?;
            if v.abs() > MAX_FLAT {
                return Err(bad("the number is too large"));
            }
            return Ok(DiceExpr::flat(v));
        };
        let (count_s, rest) = (&s[..dpos], &s[dpos + 1..]);
        let count: u32 =
            if count_s.is_empty() { 1 } else { count_s.parse().map_err(|_| bad("the die count is not a number"))? };
        let (sides_s, modifier) = match rest.find(['+', '-']) {
            Some(p) => {
                let m: i32 = rest[p + 1..].parse().map_err(|_| bad("the modifier is not a number"))?;
                if rest[p + 1..].starts_with(['+', '-']) {
                    return Err(bad("the modifier has two signs"));
                }
                (&rest[..p], if &rest[p..p + 1] == "-" { -m } else { m })
            }
            None => (rest, 0),
        };
        let sides: u32 = sides_s.parse().map_err(|_| bad("the die size is not a number"))?;
        if count == 0 || count > MAX_DICE {
            return Err(bad("roll 1 to 100 dice"));
        }
        if sides == 0 || sides > MAX_SIDES {
            return Err(bad("a die has 1 to 1000 sides"));
        }
        if modifier.abs() > MAX_FLAT {
            return Err(bad("the modifier is too large"));
        }
        Ok(DiceExpr { count, sides, modifier })
    }

    pub fn is_flat(&self) -> bool {
        self.count == 0
    }

    /// The expression with `delta` added to its modifier (e.g. an ability modifier on damage).
    pub fn plus(self, delta: i32) -> DiceExpr {
        DiceExpr { modifier: self.modifier + delta, ..self }
    }

    /// The SRD average, rounded down: `count * (sides + 1) / 2 + modifier`. This is how stat
    /// blocks derive their HP from hit dice (goblin `2d6` -> 7, orc `2d8+6` -> 15).
    pub fn average(&self) -> i32 {
        (self.count as i32 * (self.sides as i32 + 1) + 2 * self.modifier).div_euclid(2)
    }

    pub fn min(&self) -> i32 {
        self.count as i32 + self.modifier
    }

    pub fn max(&self) -> i32 {
        (self.count * self.sides) as i32 + self.modifier
    }

    /// Roll it once, record the roll in `log` under `purpose`, return the total.
    pub fn roll(&self, src: &mut impl DiceSource, purpose: impl Into<String>, log: &mut DiceLog) -> i32 {
        self.roll_times(1, src, purpose, log)
    }

    /// Roll with the dice count multiplied by `times` and the modifier once (a critical hit
    /// doubles the dice, not the modifiers: `times = 2`).
    pub fn roll_times(
        &self,
        times: u32,
        src: &mut impl DiceSource,
        purpose: impl Into<String>,
        log: &mut DiceLog,
    ) -> i32 {
        let n = self.count * times.max(1);
        let rolls: Vec<i32> = (0..n).map(|_| src.roll_die(self.sides)).collect();
        let total = rolls.iter().sum::<i32>() + self.modifier;
        let mut expr = String::with_capacity(12);
        let _ = write!(expr, "{}", DiceExpr { count: n, ..*self });
        log.push(DiceLogEntry { purpose: purpose.into(), expr, rolls, modifier: self.modifier, total });
        total
    }
}

impl fmt::Display for DiceExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.count == 0 {
            return write!(f, "{}", self.modifier);
        }
        write!(f, "{}d{}", self.count, self.sides)?;
        match self.modifier {
            0 => Ok(()),
            m if m > 0 => write!(f, "+{m}"),
            m => write!(f, "{m}"),
        }
    }
}

/// One recorded roll: what it was for, the expression, every face, the flat modifier and the
/// result. For rolls that keep some dice (advantage) `rolls` holds every face drawn and the
/// expression says which were kept (`2d20kh1+3`).
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq)]
pub struct DiceLogEntry {
    pub purpose: String,
    pub expr: String,
    pub rolls: Vec<i32>,
    pub modifier: i32,
    pub total: i32,
}

/// Collects every roll of one resolution, in the order they happened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiceLog {
    pub entries: Vec<DiceLogEntry>,
}

impl DiceLog {
    pub fn new() -> Self {
        DiceLog::default()
    }
    pub fn push(&mut self, e: DiceLogEntry) {
        self.entries.push(e);
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    /// Every face drawn, across entries (tests use this to count draws).
    pub fn faces(&self) -> usize {
        self.entries.iter().map(|e| e.rolls.len()).sum()
    }
    /// Hand the entries over (e.g. into a world event), leaving the log empty.
    pub fn take(&mut self) -> Vec<DiceLogEntry> {
        std::mem::take(&mut self.entries)
    }
    pub fn last(&self) -> Option<&DiceLogEntry> {
        self.entries.last()
    }
}

/// Whether a roll has advantage. Build it from sources with [`Advantage::from_sources`].
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Advantage {
    #[default]
    Normal,
    Advantage,
    Disadvantage,
}

impl Advantage {
    /// SRD 5.1: if circumstances cause a roll to have both advantage and disadvantage, you roll
    /// one die, however many sources of each there are; several sources of one kind do not stack.
    pub fn from_sources(advantage_sources: u32, disadvantage_sources: u32) -> Advantage {
        match (advantage_sources > 0, disadvantage_sources > 0) {
            (true, false) => Advantage::Advantage,
            (false, true) => Advantage::Disadvantage,
            _ => Advantage::Normal,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Advantage::Normal => "",
            Advantage::Advantage => " with advantage",
            Advantage::Disadvantage => " with disadvantage",
        }
    }
}

/// A roll that keeps `keep` of `count` dice (all when there is no advantage).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptRoll {
    /// Sum of the kept faces (the "natural" roll).
    pub natural: i32,
    /// Every face drawn.
    pub faces: Vec<i32>,
    pub modifier: i32,
    pub total: i32,
}

/// Which dice a test roll uses: `keep` dice of `sides`, plus `extra` dice under advantage or
/// disadvantage, keeping the best / worst `keep`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TestDice {
    pub keep: u32,
    pub extra: u32,
    pub sides: u32,
}

impl TestDice {
    /// dnd5e: d20, 2d20 keep one under advantage / disadvantage.
    pub const D20: TestDice = TestDice { keep: 1, extra: 1, sides: 20 };
    /// lite: 2d6, 3d6 keep two under advantage / disadvantage.
    pub const TWO_D6: TestDice = TestDice { keep: 2, extra: 1, sides: 6 };
}

/// Roll a test: exactly `keep` faces on a normal roll, `keep + extra` with advantage or
/// disadvantage. Logged as `1d20+3`, `2d20kh1+3`, `3d6kl2-1`...
/// A bonus die (Bless's 1d4) rolled and logged under `purpose`; 0 and nothing logged when
/// `sides` is 0.
pub fn bonus_die(src: &mut impl DiceSource, sides: u32, purpose: impl Into<String>, log: &mut DiceLog) -> i32 {
    if sides == 0 {
        return 0;
    }
    DiceExpr { count: 1, sides, modifier: 0 }.roll(src, purpose.into(), log)
}

pub fn roll_keep(
    src: &mut impl DiceSource,
    dice: TestDice,
    adv: Advantage,
    modifier: i32,
    purpose: impl Into<String>,
    log: &mut DiceLog,
) -> KeptRoll {
    let TestDice { keep, extra, sides } = dice;
    let n = if adv == Advantage::Normal { keep } else { keep + extra };
    let faces: Vec<i32> = (0..n).map(|_| src.roll_die(sides)).collect();
    let kept: i32 = match adv {
        Advantage::Normal => faces.iter().sum(),
        _ => {
            let mut sorted = faces.clone();
            sorted.sort_unstable();
            if adv == Advantage::Advantage {
                sorted.iter().rev().take(keep as usize).sum()
            } else {
                sorted.iter().take(keep as usize).sum()
            }
        }
    };
    // `1d20+3`, `2d20kh1+3`, `3d6kl2-1`: one string, written once.
    let mut expr = String::with_capacity(16);
    let _ = write!(expr, "{n}d{sides}");
    match adv {
        Advantage::Normal => {}
        Advantage::Advantage => {
            let _ = write!(expr, "kh{keep}");
        }
        Advantage::Disadvantage => {
            let _ = write!(expr, "kl{keep}");
        }
    }
    if modifier != 0 {
        let _ = write!(expr, "{modifier:+}");
    }
    let total = kept + modifier;
    log.push(DiceLogEntry { purpose: purpose.into(), expr, rolls: faces.clone(), modifier, total });
    KeptRoll { natural: kept, faces, modifier, total }
}

/// `+ 3` / `- 1` / `+ 0` for human text.
pub fn signed(v: i32) -> String {
    if v < 0 {
        format!("- {}", -v)
    } else {
        format!("+ {v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};

    #[test]
    fn parses_every_form() {
        assert_eq!(DiceExpr::parse("2d6").unwrap(), DiceExpr::dice(2, 6, 0));
        assert_eq!(DiceExpr::parse("1d8+3").unwrap(), DiceExpr::dice(1, 8, 3));
        assert_eq!(DiceExpr::parse("1d4-1").unwrap(), DiceExpr::dice(1, 4, -1));
        assert_eq!(DiceExpr::parse(" 3D8 + 9 ").unwrap(), DiceExpr::dice(3, 8, 9));
        assert_eq!(DiceExpr::parse("d20").unwrap(), DiceExpr::dice(1, 20, 0));
        assert_eq!(DiceExpr::parse("5").unwrap(), DiceExpr::flat(5));
        assert_eq!(DiceExpr::parse("-2").unwrap(), DiceExpr::flat(-2));
        for s in ["1d8+3", "2d6", "1d4-1", "7", "-2"] {
            assert_eq!(DiceExpr::parse(s).unwrap().to_string(), s);
        }
    }

    #[test]
    fn rejects_bad_expressions_with_a_code() {
        for s in ["", "d", "2d", "0d6", "2d0", "xd6", "2d6+", "2d6+-1", "2d6+x", "101d6", "1d1001", "abc", "2d6+3d4"] {
            let e = DiceExpr::parse(s).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidDice, "{s}");
            assert!(e.message.contains("like 2d6"), "{s}: {}", e.message);
        }
    }

    #[test]
    fn averages_match_srd_stat_blocks() {
        assert_eq!(DiceExpr::parse("2d6").unwrap().average(), 7); // goblin
        assert_eq!(DiceExpr::parse("2d8+6").unwrap().average(), 15); // orc
        assert_eq!(DiceExpr::parse("1d4-1").unwrap().average(), 1); // rat
        assert_eq!(DiceExpr::parse("8d10+40").unwrap().average(), 84); // troll
        assert_eq!(DiceExpr::parse("4").unwrap().average(), 4);
    }

    #[test]
    fn scripted_rolls_are_logged_exactly() {
        let mut src = Scripted::new(&[3, 5]);
        let mut log = DiceLog::new();
        let total = DiceExpr::parse("2d6+2").unwrap().roll(&mut src, "scimitar damage", &mut log);
        assert_eq!(total, 10);
        assert_eq!(
            log.entries,
            vec![DiceLogEntry {
                purpose: "scimitar damage".into(),
                expr: "2d6+2".into(),
                rolls: vec![3, 5],
                modifier: 2,
                total: 10
            }]
        );
        assert_eq!(src.drawn(), 2);
    }

    #[test]
    fn doubled_dice_keep_one_modifier() {
        let mut src = Scripted::new(&[1, 2, 3, 4]);
        let mut log = DiceLog::new();
        assert_eq!(DiceExpr::parse("2d6+3").unwrap().roll_times(2, &mut src, "crit", &mut log), 13);
        assert_eq!(log.entries[0].expr, "4d6+3");
    }

    #[test]
    fn flat_expressions_draw_nothing() {
        let mut src = Scripted::new(&[]);
        let mut log = DiceLog::new();
        assert_eq!(DiceExpr::flat(4).roll(&mut src, "flat", &mut log), 4);
        assert_eq!(log.faces(), 0);
    }

    #[test]
    fn seeded_rng_is_deterministic_and_in_range() {
        let mut a = StdRng::seed_from_u64(7);
        let mut b = StdRng::seed_from_u64(7);
        let mut la = DiceLog::new();
        let mut lb = DiceLog::new();
        let e = DiceExpr::parse("10d6").unwrap();
        assert_eq!(e.roll(&mut a, "x", &mut la), e.roll(&mut b, "x", &mut lb));
        assert!(la.entries[0].rolls.iter().all(|f| (1..=6).contains(f)));
    }

    #[test]
    fn advantage_sources_cancel() {
        assert_eq!(Advantage::from_sources(0, 0), Advantage::Normal);
        assert_eq!(Advantage::from_sources(3, 0), Advantage::Advantage);
        assert_eq!(Advantage::from_sources(0, 2), Advantage::Disadvantage);
        assert_eq!(Advantage::from_sources(2, 1), Advantage::Normal);
        assert_eq!(Advantage::from_sources(1, 5), Advantage::Normal);
    }

    #[test]
    fn keep_rolls_and_their_expressions() {
        let mut log = DiceLog::new();
        let r = roll_keep(&mut Scripted::new(&[4, 17]), TestDice::D20, Advantage::Advantage, 3, "t", &mut log);
        assert_eq!((r.natural, r.total), (17, 20));
        assert_eq!(log.entries[0].expr, "2d20kh1+3");
        let r = roll_keep(&mut Scripted::new(&[4, 17]), TestDice::D20, Advantage::Disadvantage, -1, "t", &mut log);
        assert_eq!((r.natural, r.total), (4, 3));
        assert_eq!(log.entries[1].expr, "2d20kl1-1");
        let r = roll_keep(&mut Scripted::new(&[2, 6, 5]), TestDice::TWO_D6, Advantage::Advantage, 0, "t", &mut log);
        assert_eq!(r.natural, 11);
        assert_eq!(log.entries[2].expr, "3d6kh2");
    }
}
