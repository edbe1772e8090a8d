//! What one caller may send and do, in one place (pure: no tables, no host calls).
//!
//! Anyone can mint identities, so every argument and every identity is bounded:
//! - [`ARG_BOUNDS`]: every string and list argument of every client-callable reducer, with its
//!   bound; reducers check them first ([`text`], [`texts`], [`items`], [`encoded`]) and answer
//!   `E_INPUT_TOO_LONG` naming the argument and the bound. A native test (`catalogue`) reads the
//!   generated bindings and fails when a reducer takes a string or list without an entry here, and
//!   `docs/reducers.md` lists the bounds.
//! - [`take`]: the token bucket of one identity (`db::limits::admit`, every reducer a player calls
//!   to change the world); `E_RATE_LIMITED` says how long to wait.
//! - [`MAX_OPEN_PROPOSALS`]: pending house-rule proposals of one identity (challenges have
//!   `systems::pvp::MAX_OPEN_CHALLENGES`).
//! - [`fair_prune`]: which events the event-log pruner deletes, heaviest writer first, so one
//!   identity cannot push other players' events out of the log.

use crate::error::{err, ErrorCode, WkError, WkResult};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

/// Static-data ids (class, skill, location, item, buff, perk, monster, feature, config key).
pub const ID_BYTES: usize = 64;
/// Character names: 32 characters of at most 4 UTF-8 bytes (`E_INVALID_NAME` checks the rest).
pub const NAME_BYTES: usize = 128;
/// A config value as text.
pub const CONFIG_VALUE_BYTES: usize = 64;
/// `admin_add_dice_entropy`: 128 hex digits (64 bytes) at most.
pub const ENTROPY_HEX_BYTES: usize = 128;
/// Skill ids a new character names (the class's `skill_count` is smaller).
pub const MAX_SKILLS: usize = 8;
/// Characters and monsters one `start_combat` names (each list; `db::combat` caps the total at 64).
pub const MAX_FIGHT_TARGETS: usize = 64;
/// Monsters per side of an `admin_skirmish`.
pub const MAX_SKIRMISH_SIDE: usize = 32;
/// A house-rule stack (`Vec<Profile>`), encoded as on the wire (BSATN). A stack is stored in the
/// fight and in its proposal, projection and validation rows, rewritten as the fight goes on.
pub const PROFILE_STACK_BYTES: usize = 32 * 1024;
/// Rows of one snapshot batch, ids of one `admin_snapshot_finish` (checked in `db::snapshot`).
pub const SNAPSHOT_ROWS: usize = crate::systems::migrate::MAX_BATCH_ROWS;
/// Pending house-rule proposals one identity may have open at once.
pub const MAX_OPEN_PROPOSALS: usize = 3;

/// The bound of one argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// A string: at most this many bytes (UTF-8).
    Bytes(usize),
    /// A list: at most this many elements (its elements are numbers or fixed-size).
    Items(usize),
    /// A list of strings: at most `items` elements of at most `bytes` bytes each.
    Strings { items: usize, bytes: usize },
    /// A structured value: at most this many bytes encoded as on the wire (BSATN).
    Encoded(usize),
}

impl Limit {
    pub fn describe(self) -> String {
        match self {
            Limit::Bytes(b) => format!("≤ {b} bytes"),
            Limit::Items(n) => format!("≤ {n} elements"),
            Limit::Strings { items, bytes } => format!("≤ {items} elements of ≤ {bytes} bytes"),
            Limit::Encoded(b) => format!("≤ {b} bytes encoded (BSATN)"),
        }
    }
}

/// One bounded argument. `code` is what an oversized value answers; `checked_in` names the module
/// that checks it when the reducer's own body does not (the catalogue test reads the bodies).
#[derive(Debug, Clone, Copy)]
pub struct ArgBound {
    pub reducer: &'static str,
    pub arg: &'static str,
    pub limit: Limit,
    pub code: ErrorCode,
    pub checked_in: Option<&'static str>,
}

const fn b(reducer: &'static str, arg: &'static str, limit: Limit) -> ArgBound {
    ArgBound { reducer, arg, limit, code: ErrorCode::InputTooLong, checked_in: None }
}

/// Every string and list argument of every reducer (scheduled and lifecycle reducers take none
/// from clients). A `CheckKind` is bounded by its skill id.
pub const ARG_BOUNDS: &[ArgBound] = &[
    b("create_character", "name", Limit::Bytes(NAME_BYTES)),
    b("create_character", "class_id", Limit::Bytes(ID_BYTES)),
    b("create_character", "skills", Limit::Strings { items: MAX_SKILLS, bytes: ID_BYTES }),
    b("admin_create_ai_character", "name", Limit::Bytes(NAME_BYTES)),
    b("admin_create_ai_character", "class_id", Limit::Bytes(ID_BYTES)),
    b("admin_create_ai_character", "skills", Limit::Strings { items: MAX_SKILLS, bytes: ID_BYTES }),
    b("ability_check", "check", Limit::Bytes(ID_BYTES)),
    b("contest", "actor_check", Limit::Bytes(ID_BYTES)),
    b("contest", "target_check", Limit::Bytes(ID_BYTES)),
    b("move_to", "location_id", Limit::Bytes(ID_BYTES)),
    b("admin_spawn_world_item", "def_id", Limit::Bytes(ID_BYTES)),
    b("admin_spawn_world_item", "location_id", Limit::Bytes(ID_BYTES)),
    b("admin_spawn_monster", "def_id", Limit::Bytes(ID_BYTES)),
    b("admin_spawn_monster", "location_id", Limit::Bytes(ID_BYTES)),
    b("admin_skirmish", "location_id", Limit::Bytes(ID_BYTES)),
    b("admin_skirmish", "side_a", Limit::Strings { items: MAX_SKIRMISH_SIDE, bytes: ID_BYTES }),
    b("admin_skirmish", "side_b", Limit::Strings { items: MAX_SKIRMISH_SIDE, bytes: ID_BYTES }),
    b("start_combat", "target_character_ids", Limit::Items(MAX_FIGHT_TARGETS)),
    b("start_combat", "target_monster_ids", Limit::Items(MAX_FIGHT_TARGETS)),
    b("admin_apply_buff", "buff_id", Limit::Bytes(ID_BYTES)),
    b("choose_perk", "perk_id", Limit::Bytes(ID_BYTES)),
    b("use_perk", "perk_id", Limit::Bytes(ID_BYTES)),
    b("admin_grant_perk", "perk_id", Limit::Bytes(ID_BYTES)),
    b("apply_profiles", "profiles", Limit::Encoded(PROFILE_STACK_BYTES)),
    b("propose_profiles", "profiles", Limit::Encoded(PROFILE_STACK_BYTES)),
    b("admin_add_dice_entropy", "entropy_hex", Limit::Bytes(ENTROPY_HEX_BYTES)),
    b("admin_set_config", "key", Limit::Bytes(ID_BYTES)),
    b("admin_set_config", "value", Limit::Bytes(CONFIG_VALUE_BYTES)),
    b("admin_set_feature_enabled", "feature", Limit::Bytes(ID_BYTES)),
    b("admin_snapshot_begin", "snapshot_id", Limit::Bytes(NAME_BYTES)),
    b("admin_snapshot_begin", "ruleset", Limit::Bytes(ID_BYTES)),
    ArgBound {
        reducer: "admin_snapshot_import",
        arg: "batch",
        limit: Limit::Items(SNAPSHOT_ROWS),
        code: ErrorCode::SnapshotBatch,
        checked_in: Some("db::snapshot (rows of one batch; each row validated like a live reducer)"),
    },
    ArgBound {
        reducer: "admin_snapshot_finish",
        arg: "character_ids",
        limit: Limit::Items(SNAPSHOT_ROWS),
        code: ErrorCode::SnapshotBatch,
        checked_in: Some("db::snapshot"),
    },
];

/// The bound of `reducer`'s argument `arg`, if declared.
pub fn bound(reducer: &str, arg: &str) -> Option<&'static ArgBound> {
    ARG_BOUNDS.iter().find(|a| a.reducer == reducer && a.arg == arg)
}

fn too_long(reducer: &str, arg: &str, got: String, limit: Limit) -> WkError {
    err(
        ErrorCode::InputTooLong,
        format!("`{arg}` of {reducer} is {got}; send {} (docs/reducers.md, \"Input bounds\")", limit.describe()),
    )
}

/// No bound declared (a programming error the catalogue test catches): refuse, fail closed.
fn undeclared(reducer: &str, arg: &str) -> WkError {
    err(ErrorCode::InputTooLong, format!("`{arg}` of {reducer} has no declared bound; the module refuses it"))
}

/// A string argument within its byte bound.
pub fn text(reducer: &str, arg: &str, v: &str) -> WkResult<()> {
    match bound(reducer, arg).map(|a| a.limit) {
        Some(l @ Limit::Bytes(max)) if v.len() > max => Err(too_long(reducer, arg, format!("{} bytes", v.len()), l)),
        Some(Limit::Bytes(_)) => Ok(()),
        _ => Err(undeclared(reducer, arg)),
    }
}

/// A list argument within its element bound.
pub fn items(reducer: &str, arg: &str, n: usize) -> WkResult<()> {
    match bound(reducer, arg).map(|a| a.limit) {
        Some(l @ Limit::Items(max)) if n > max => Err(too_long(reducer, arg, format!("{n} elements"), l)),
        Some(Limit::Items(_)) => Ok(()),
        _ => Err(undeclared(reducer, arg)),
    }
}

/// A list of strings within its element and byte bounds.
pub fn texts(reducer: &str, arg: &str, v: &[String]) -> WkResult<()> {
    match bound(reducer, arg).map(|a| a.limit) {
        Some(l @ Limit::Strings { items, bytes }) => {
            if v.len() > items {
                return Err(too_long(reducer, arg, format!("{} elements", v.len()), l));
            }
            if let Some(s) = v.iter().find(|s| s.len() > bytes) {
                return Err(too_long(reducer, arg, format!("an element of {} bytes", s.len()), l));
            }
            Ok(())
        }
        _ => Err(undeclared(reducer, arg)),
    }
}

/// A structured argument within its encoded-size bound (its BSATN length, as on the wire).
pub fn encoded<T: spacetimedb::sats::ser::Serialize + ?Sized>(reducer: &str, arg: &str, v: &T) -> WkResult<()> {
    match bound(reducer, arg).map(|a| a.limit) {
        Some(l @ Limit::Encoded(max)) => {
            let n = spacetimedb::sats::bsatn::to_len(v).unwrap_or(usize::MAX);
            if n > max {
                Err(too_long(reducer, arg, format!("{n} bytes encoded"), l))
            } else {
                Ok(())
            }
        }
        _ => Err(undeclared(reducer, arg)),
    }
}

/// A check argument: an ability, or a skill id within its byte bound.
pub fn check_kind(reducer: &str, arg: &str, k: &crate::rules::CheckKind) -> WkResult<()> {
    match k {
        crate::rules::CheckKind::Skill(s) => text(reducer, arg, s),
        crate::rules::CheckKind::Ability(_) => text(reducer, arg, ""),
    }
}

// ----- the token bucket of one identity -----------------------------------------------------

/// Calls per second (sustained) and burst of one identity; `per_sec == 0` switches it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_sec: u32,
    pub burst: u32,
}

/// The defaults: about 20 calls/s sustained, 60 at once (a person or an agent playing never
/// comes near; a script flooding the world does at once).
pub const DEFAULT_RATE: RateLimit = RateLimit { per_sec: 20, burst: 60 };

impl RateLimit {
    pub fn off(self) -> bool {
        self.per_sec == 0
    }

    /// After this long without a call a bucket is full again: its row can be forgotten.
    pub fn refill_micros(self) -> i64 {
        if self.off() {
            return 0;
        }
        (i64::from(self.burst.max(1)) * 1_000_000).div_euclid(i64::from(self.per_sec)) + 1
    }
}

/// One identity's bucket: thousandths of a call, and when it was last written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    pub tokens_milli: u64,
    pub at_micros: i64,
}

/// Take one call from the bucket at `now`: the bucket to store, or the milliseconds to wait until
/// one call is available. A missing bucket is full. A clock that went backwards refills nothing.
pub fn take(prev: Option<Bucket>, now: i64, rate: RateLimit) -> Result<Bucket, u64> {
    let per_sec = u64::from(rate.per_sec.max(1));
    let cap = u64::from(rate.burst.max(1)) * 1000;
    let tokens = match prev {
        None => cap,
        Some(b) => {
            let elapsed = u64::try_from(now.saturating_sub(b.at_micros)).unwrap_or(0);
            // per_sec calls/s = per_sec thousandths per millisecond = per_sec / 1000 per µs
            b.tokens_milli.saturating_add(elapsed.saturating_mul(per_sec) / 1000).min(cap)
        }
    };
    if tokens >= 1000 {
        Ok(Bucket { tokens_milli: tokens - 1000, at_micros: now })
    } else {
        Err((1000 - tokens).div_ceil(per_sec))
    }
}

/// `E_RATE_LIMITED` with the wait.
pub fn rate_limited(wait_ms: u64, rate: RateLimit) -> WkError {
    err(
        ErrorCode::RateLimited,
        format!(
            "too many calls from this identity; retry in {wait_ms} ms (at most {} calls/s, bursts of {}: config rate_limit_per_sec, rate_limit_burst)",
            rate.per_sec, rate.burst
        ),
    )
}

/// `E_TOO_MANY_PROPOSALS` unless a proposer with `pending` open proposals (in other fights) may
/// open one more.
pub fn may_propose(pending: usize) -> WkResult<()> {
    if pending >= MAX_OPEN_PROPOSALS {
        return Err(err(
            ErrorCode::TooManyProposals,
            format!(
                "you have {pending} pending house-rule proposals (at most {MAX_OPEN_PROPOSALS}); wait for an answer or the timeout"
            ),
        ));
    }
    Ok(())
}

// ----- the event log: pruned heaviest writer first -------------------------------------------

/// The ids of `excess` events to delete from a log given oldest first as (id, writer): always the
/// oldest event of the writer that holds the most events now (ties: the older event goes). So
/// the log keeps every event of the writers with the fewest events, and one writer flooding it
/// only pushes out its own events, down to the level of the others. Deterministic.
pub fn fair_prune<K: Ord + Copy>(oldest_first: &[(u64, K)], excess: usize) -> Vec<u64> {
    let mut by_writer: BTreeMap<K, Vec<usize>> = BTreeMap::new();
    for (i, (_, k)) in oldest_first.iter().enumerate() {
        by_writer.entry(*k).or_default().push(i);
    }
    // (events left, the older next event first, writer) -> max-heap pops the heaviest writer.
    let mut heap: BinaryHeap<(usize, Reverse<usize>, K)> =
        by_writer.iter().map(|(k, pos)| (pos.len(), Reverse(pos[0]), *k)).collect();
    let mut next: BTreeMap<K, usize> = BTreeMap::new();
    let mut out = Vec::with_capacity(excess.min(oldest_first.len()));
    while out.len() < excess {
        let Some((left, Reverse(pos), k)) = heap.pop() else { break };
        out.push(oldest_first[pos].0);
        let n = next.entry(k).or_insert(0);
        *n += 1;
        if left > 1 {
            heap.push((left - 1, Reverse(by_writer[&k][*n]), k));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_lists_and_stacks_over_their_bound_are_refused_with_the_argument_named() {
        assert!(text("move_to", "location_id", "crossroads").is_ok());
        let e = text("move_to", "location_id", &"x".repeat(65)).unwrap_err();
        assert_eq!(e.code, ErrorCode::InputTooLong);
        assert!(e.message.contains("`location_id` of move_to is 65 bytes") && e.message.contains("≤ 64"), "{e}");
        assert!(text("move_to", "location_id", &"x".repeat(64)).is_ok());
        assert!(items("start_combat", "target_monster_ids", 64).is_ok());
        assert_eq!(items("start_combat", "target_monster_ids", 65).unwrap_err().code, ErrorCode::InputTooLong);
        let skills = vec!["athletics".to_string(); 9];
        assert!(texts("create_character", "skills", &skills).unwrap_err().message.contains("9 elements"));
        let skills = vec!["a".repeat(65)];
        assert!(texts("create_character", "skills", &skills).unwrap_err().message.contains("65 bytes"));
        assert!(texts("create_character", "skills", &[]).is_ok());
        // A house-rule stack: unused `key` / `list` fields count too.
        use crate::systems::profiles::{ModifierEntry, Profile, TypeEntry};
        let fat = ModifierEntry { kind: "hp_bonus".into(), amount: 1, key: "k".repeat(40_000), list: vec![] };
        let stack = vec![Profile {
            id: "p".into(),
            per_type: vec![TypeEntry { target: "*".into(), modifiers: vec![fat] }],
            ..Default::default()
        }];
        let e = encoded("apply_profiles", "profiles", &stack).unwrap_err();
        assert_eq!(e.code, ErrorCode::InputTooLong);
        assert!(e.message.contains("bytes encoded"), "{e}");
        let small = vec![Profile { id: "p".into(), ..Default::default() }];
        assert!(encoded("propose_profiles", "profiles", &small).is_ok());
    }

    #[test]
    fn an_undeclared_argument_is_refused_fail_closed() {
        assert_eq!(text("move_to", "nope", "").unwrap_err().code, ErrorCode::InputTooLong);
        // the wrong kind of check for a declared bound, too
        assert!(items("move_to", "location_id", 0).is_err());
    }

    #[test]
    fn every_bound_is_declared_once() {
        for (i, a) in ARG_BOUNDS.iter().enumerate() {
            assert!(
                ARG_BOUNDS[..i].iter().all(|o| (o.reducer, o.arg) != (a.reducer, a.arg)),
                "{}.{} twice",
                a.reducer,
                a.arg
            );
        }
    }

    const R: RateLimit = RateLimit { per_sec: 20, burst: 60 };

    #[test]
    fn a_bucket_allows_its_burst_then_the_sustained_rate() {
        let mut b = None;
        for i in 0..60 {
            b = Some(take(b, 0, R).unwrap_or_else(|_| panic!("call {i} of the burst refused")));
        }
        // The 61st at the same instant waits for one call: 1000 / 20 = 50 ms.
        assert_eq!(take(b, 0, R), Err(50));
        // 25 ms later, half a call: 25 ms left.
        assert_eq!(take(b, 25_000, R), Err(25));
        // 50 ms later, one call.
        let b2 = take(b, 50_000, R).unwrap();
        assert_eq!(b2.tokens_milli, 0);
        // A second later, 20 calls and no more.
        let mut b = Some(b2);
        for _ in 0..20 {
            b = Some(take(b, 1_050_000, R).unwrap());
        }
        assert!(take(b, 1_050_000, R).is_err());
        // A long pause refills only to the burst.
        let full = take(b, 1_000_000_000, R).unwrap();
        assert_eq!(full.tokens_milli, 59_000);
    }

    #[test]
    fn a_clock_going_backwards_refills_nothing_and_refill_time_covers_the_burst() {
        let b = Bucket { tokens_milli: 0, at_micros: 1_000_000 };
        assert_eq!(take(Some(b), 0, R), Err(50));
        assert_eq!(R.refill_micros(), 3_000_001);
        let full = take(Some(b), 1_000_000 + R.refill_micros(), R).unwrap();
        assert_eq!(full.tokens_milli, 59_000, "a bucket idle for refill_micros is full");
        assert!(
            rate_limited(50, R).to_string().starts_with("E_RATE_LIMITED: ")
                && rate_limited(50, R).message.contains("retry in 50 ms")
        );
    }

    #[test]
    fn proposals_are_capped_per_identity() {
        assert!(may_propose(MAX_OPEN_PROPOSALS - 1).is_ok());
        assert_eq!(may_propose(MAX_OPEN_PROPOSALS).unwrap_err().code, ErrorCode::TooManyProposals);
    }

    #[test]
    fn the_heaviest_writer_loses_its_own_oldest_events_first() {
        // B writes once, then A floods: only A's events go.
        let mut log = vec![(1, 'b')];
        log.extend((2..=101).map(|id| (id, 'a')));
        let gone = fair_prune(&log, 50);
        assert_eq!(gone, (2..=51).collect::<Vec<u64>>());
        // Old-style pruning would have taken B's event first.
        assert!(!gone.contains(&1));
        // Down to the level of the others; then the older event of equals goes first.
        let log = vec![(1, 'b'), (2, 'a'), (3, 'a'), (4, 'c'), (5, 'a')];
        assert_eq!(fair_prune(&log, 2), vec![2, 3]);
        assert_eq!(fair_prune(&log, 3), vec![2, 3, 1]);
        assert_eq!(fair_prune(&log, 10).len(), 5);
        assert!(fair_prune::<char>(&[], 3).is_empty());
    }

    #[test]
    fn many_writers_share_the_log_evenly() {
        // 10 writers with 100 events each, interleaved; B with 3. Prune to 100 rows.
        let mut log = vec![];
        let mut id = 0;
        for _ in 0..100 {
            for w in 0..10u8 {
                id += 1;
                log.push((id, w));
            }
        }
        for _ in 0..3 {
            id += 1;
            log.push((id, 200u8));
        }
        let gone = fair_prune(&log, log.len() - 100);
        let kept: Vec<&(u64, u8)> = log.iter().filter(|(i, _)| !gone.contains(i)).collect();
        assert_eq!(kept.iter().filter(|(_, w)| *w == 200).count(), 3, "B keeps every event");
        for w in 0..10u8 {
            let n = kept.iter().filter(|(_, x)| *x == w).count();
            assert!((9..=10).contains(&n), "writer {w} keeps {n}");
        }
    }
}
