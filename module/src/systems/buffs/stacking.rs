//! The stacking engine: what applying a buff to a target does, given what the target already
//! has. Pure: it returns a [`Decision`] for the reducer to write, never touches a table.
//!
//! Order of the rules (each documented in BUFFS.md):
//! 1. The application is checked (`E_INVALID_ARGUMENT`, `E_INVALID_DURATION`).
//! 2. Immunity blocks it (`E_BUFF_IMMUNE`): the target's own condition immunities plus what its
//!    active buffs grant (see [`collect_immunities`]); an entry names a buff id or an exclusive
//!    group.
//! 3. Exclusive group: another buff of the same group with a higher rank keeps its place and the
//!    new one is [`Decision::Dropped`]; an equal or lower rank is replaced (exhaustion 2 -> 3,
//!    one stance for another).
//! 4. The stacking policy against an active instance of the same buff (any source):
//!    - replace: the old instance goes, a new one comes (new source, new start, new end).
//!    - additive: one instance gains stacks (capped at `max_stacks`) and its end moves to the
//!      later of the two ends; at the cap a re-application only refreshes the end time (it is
//!      not an error: a poisoner keeps poisoning).
//!    - strongest_wins: a stronger application replaces; an equal one refreshes; a weaker one
//!      is **dropped**, not kept dormant. Dormant instances would need promotion logic on every
//!      expiry and a second row the stats must ignore; dropping keeps one row per buff and is
//!      what 5e does ("the most potent effect applies"), at the price of losing a weaker but
//!      longer effect.
//!    - refresh: the end moves to the later of the old end and `now + duration` (never shortens;
//!      permanent beats timed). Never a second instance.
//!
//! Only *active* instances (`now < expires_at`) take part: the reducer should expire due
//! instances first (see `lifecycle::due`) so their events are written as expiries.

use super::defs::{validate_duration_micros, BuffCatalog, BuffCategory, BuffDef, BuffFlags, StackingPolicy};
use super::lifecycle::is_active;
use crate::error::{err, ErrorCode, WkResult};

/// An active buff instance on a target: the future table row, as plain data. The behaviour
/// fields (`category`, `flags`, `exclusive_group`, `group_rank`) are copied from the definition
/// at apply time so a data reload does not change how a running buff is removed or stacked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveBuff {
    pub id: u64,
    pub buff_id: String,
    /// Who applied it (character id; 0 = the world / system).
    pub source_id: u64,
    pub stacks: u8,
    pub strength: i32,
    pub started_at: i64,
    /// `None`: permanent. Active iff `now < expires_at`.
    pub expires_at: Option<i64>,
    pub category: BuffCategory,
    pub flags: BuffFlags,
    pub exclusive_group: Option<String>,
    pub group_rank: u8,
}

/// A request to apply a buff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub buff_id: String,
    pub source_id: u64,
    /// Compared by strongest_wins (spell level, potency). 0 when irrelevant.
    pub strength: i32,
    /// Stacks to add (>= 1); only additive buffs keep more than one.
    pub stacks: u8,
    /// Overrides the definition's default duration (microseconds).
    pub duration_micros: Option<i64>,
    /// Overrides the definition's category (a `charmed` laid by a spell is magical and dispellable).
    pub category: Option<BuffCategory>,
}

impl Application {
    pub fn new(buff_id: &str, source_id: u64) -> Self {
        Application {
            buff_id: buff_id.to_string(),
            source_id,
            strength: 0,
            stacks: 1,
            duration_micros: None,
            category: None,
        }
    }
}

/// A buff instance to insert; the reducer gives it an id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBuff {
    pub buff_id: String,
    pub source_id: u64,
    pub stacks: u8,
    pub strength: i32,
    pub started_at: i64,
    pub expires_at: Option<i64>,
    pub category: BuffCategory,
    pub flags: BuffFlags,
    pub exclusive_group: Option<String>,
    pub group_rank: u8,
}

impl NewBuff {
    pub fn with_id(self, id: u64) -> ActiveBuff {
        ActiveBuff {
            id,
            buff_id: self.buff_id,
            source_id: self.source_id,
            stacks: self.stacks,
            strength: self.strength,
            started_at: self.started_at,
            expires_at: self.expires_at,
            category: self.category,
            flags: self.flags,
            exclusive_group: self.exclusive_group,
            group_rank: self.group_rank,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// strongest_wins: the active instance is stronger.
    WeakerThanActive,
    /// exclusive group: the active member has a higher rank.
    LowerRankInGroup,
}

/// What applying a buff does. Ids in `old` are sorted ascending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Insert(NewBuff),
    /// Delete `old` (same buff, or members of the exclusive group), then insert `new`.
    Replace {
        old: Vec<u64>,
        new: NewBuff,
    },
    AddStack {
        id: u64,
        new_stacks: u8,
        new_expires: Option<i64>,
    },
    /// Only the end time changes (it may stay the same, e.g. both permanent).
    Refresh {
        id: u64,
        new_expires: Option<i64>,
    },
    /// Nothing changes; `kept` is the instance that won.
    Dropped {
        kept: u64,
        reason: DropReason,
    },
}

impl Decision {
    /// Whether carrying out this decision changes what a character's stats are computed from:
    /// which instances are active and their stacks. A refresh only moves an instance's end (the
    /// stats never read it) and a dropped application changes nothing, so the glue skips the
    /// stats refresh for both.
    pub fn changes_stat_sources(&self) -> bool {
        match self {
            Decision::Insert(_) | Decision::Replace { .. } | Decision::AddStack { .. } => true,
            Decision::Refresh { .. } | Decision::Dropped { .. } => false,
        }
    }
}

/// The later of two ends; `None` (permanent) is the latest.
pub fn later_end(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        _ => None,
    }
}

/// Everything the target is immune to right now: its own condition immunities (race, monster
/// stat block: pass `rules::Condition::id()`s; `exhaustion` names the whole group) and the
/// immunities granted by the definitions of its active buffs. Sorted, deduplicated.
pub fn collect_immunities<'a>(
    target_immunities: impl IntoIterator<Item = &'a str>,
    active_defs: impl IntoIterator<Item = &'a BuffDef>,
) -> Vec<&'a str> {
    let mut out: Vec<&str> = target_immunities.into_iter().collect();
    for d in active_defs {
        out.extend(d.immunities.iter().map(String::as_str));
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Active instances a newly applied definition grants immunity against (applying
/// `protection_from_poison` while poisoned): the reducer should remove them with the apply, so
/// the target is never both immune to and affected by a buff. Ids ascending.
pub fn ended_by_new_immunities(def: &BuffDef, active: &[ActiveBuff], now: i64) -> Vec<u64> {
    let mut ids: Vec<u64> = active
        .iter()
        .filter(|b| is_active(b, now))
        .filter(|b| def.immunities.iter().any(|i| *i == b.buff_id || b.exclusive_group.as_deref() == Some(i.as_str())))
        .map(|b| b.id)
        .collect();
    ids.sort_unstable();
    ids
}

/// The buff ids whose active instances can change what applying `def` decides
/// ([`collect_immunities`] + [`decide`]) and ends ([`ended_by_new_immunities`]): `def` itself,
/// the other members of its exclusive group, the definitions granting an immunity that blocks it,
/// and those its own immunities end. Deciding over the target's instances of these ids only gives
/// the same result as over all of them (an instance's group is its definition's), so a reducer
/// needs to read only these. Sorted, deduplicated.
pub fn relevant_ids(catalog: &BuffCatalog, def: &BuffDef) -> Vec<String> {
    let ends = |d: &BuffDef| def.immunities.iter().any(|i| d.blocked_by(i));
    let blocks = |d: &BuffDef| d.immunities.iter().any(|i| def.blocked_by(i));
    let rival = |d: &BuffDef| def.exclusive_group.is_some() && d.exclusive_group == def.exclusive_group;
    let mut ids: Vec<String> = catalog
        .defs()
        .iter()
        .filter(|d| d.id == def.id || rival(d) || blocks(d) || ends(d))
        .map(|d| d.id.clone())
        .collect();
    if !ids.contains(&def.id) {
        ids.push(def.id.clone());
    }
    ids.sort_unstable();
    ids
}

/// Decide what applying `app` (of definition `def`) to a target with `active` buffs does at
/// `now`. `immunities` comes from [`collect_immunities`].
pub fn decide(
    active: &[ActiveBuff],
    immunities: &[&str],
    app: &Application,
    def: &BuffDef,
    now: i64,
) -> WkResult<Decision> {
    if app.buff_id != def.id {
        return Err(err(
            ErrorCode::InvalidArgument,
            format!("application is for `{}` but the definition is `{}`", app.buff_id, def.id),
        ));
    }
    if app.stacks == 0 {
        return Err(err(ErrorCode::InvalidArgument, "apply at least 1 stack"));
    }
    let duration = match app.duration_micros {
        Some(d) => {
            validate_duration_micros(d)?;
            Some(d)
        }
        None => def.duration.micros(),
    };
    let expires_at = match duration {
        Some(d) => Some(now.checked_add(d).ok_or_else(|| {
            err(ErrorCode::InvalidDuration, "the buff would end past the end of time; use a shorter duration")
        })?),
        None => None,
    };
    if let Some(i) = immunities.iter().find(|i| def.blocked_by(i)) {
        return Err(err(
            ErrorCode::BuffImmune,
            format!("the target is immune to `{}` (immunity `{i}`); remove the immunity first", def.id),
        ));
    }

    let new = NewBuff {
        buff_id: def.id.clone(),
        source_id: app.source_id,
        stacks: app.stacks.min(def.max_stacks).max(1),
        strength: app.strength,
        started_at: now,
        expires_at,
        category: app.category.unwrap_or(def.category),
        flags: def.flags,
        exclusive_group: def.exclusive_group.clone(),
        group_rank: def.group_rank,
    };

    // Exclusive group: other members either outrank the new one or are displaced by it.
    let mut old: Vec<u64> = Vec::new();
    if let Some(group) = &def.exclusive_group {
        let rivals = active
            .iter()
            .filter(|b| is_active(b, now) && b.buff_id != def.id && b.exclusive_group.as_ref() == Some(group));
        for b in rivals {
            if b.group_rank > def.group_rank {
                return Ok(Decision::Dropped { kept: b.id, reason: DropReason::LowerRankInGroup });
            }
            old.push(b.id);
        }
    }

    let mut same: Vec<&ActiveBuff> = active.iter().filter(|b| is_active(b, now) && b.buff_id == def.id).collect();
    same.sort_by_key(|b| b.id);
    let Some(existing) = same.first().copied() else {
        return Ok(if old.is_empty() {
            Decision::Insert(new)
        } else {
            old.sort_unstable();
            Decision::Replace { old, new }
        });
    };
    // More than one instance of a buff (or a group rival next to it) means the invariant was
    // broken by hand: start clean rather than pick one.
    if same.len() > 1 || !old.is_empty() {
        old.extend(same.iter().map(|b| b.id));
        old.sort_unstable();
        return Ok(Decision::Replace { old, new });
    }

    let refreshed = later_end(existing.expires_at, expires_at);
    Ok(match def.stacking {
        StackingPolicy::Replace => Decision::Replace { old: vec![existing.id], new },
        StackingPolicy::Refresh => Decision::Refresh { id: existing.id, new_expires: refreshed },
        StackingPolicy::Additive => {
            if existing.stacks >= def.max_stacks {
                Decision::Refresh { id: existing.id, new_expires: refreshed }
            } else {
                let new_stacks = existing.stacks.saturating_add(app.stacks).min(def.max_stacks);
                Decision::AddStack { id: existing.id, new_stacks, new_expires: refreshed }
            }
        }
        StackingPolicy::StrongestWins => match app.strength.cmp(&existing.strength) {
            std::cmp::Ordering::Greater => Decision::Replace { old: vec![existing.id], new },
            std::cmp::Ordering::Equal => Decision::Refresh { id: existing.id, new_expires: refreshed },
            std::cmp::Ordering::Less => Decision::Dropped { kept: existing.id, reason: DropReason::WeakerThanActive },
        },
    })
}
