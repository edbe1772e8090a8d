//! Time and removal: the expiry rule, periodic tick arithmetic and removal selectors.
//!
//! **Expiry rule**: a buff is active iff `now < expires_at` (permanent buffs always are). At
//! `expires_at - 1` µs it is present, at `expires_at` it is gone. The one-shot timer fires at
//! `expires_at`; the sweeper expires whatever [`due`] lists, so a lost or late timer (or a server
//! that was down) ends the buff on the next sweep and never later than that.
//!
//! **Ticks**: a periodic effect ticks at `started_at + k * interval` for k = 1, 2, ... while the
//! buff is active, so a tick that falls exactly on `expires_at` does not happen (poison for 60 s
//! every 6 s ticks 9 times). Refreshing keeps `started_at`, so the rhythm does not shift.
//! Catch-up after downtime counts every missed tick with [`ticks_between`].

use super::defs::{BuffCategory, BuffDef, PeriodicEffect};
use super::stacking::ActiveBuff;
use rand::Rng;

/// Is the buff active at `now`?
pub fn is_active(b: &ActiveBuff, now: i64) -> bool {
    match b.expires_at {
        Some(end) => now < end,
        None => true,
    }
}

/// Instances that are due for expiry at `now` (`now >= expires_at`), ordered by end time then id
/// so the sweeper writes its events deterministically.
pub fn due(active: &[ActiveBuff], now: i64) -> Vec<u64> {
    let mut v: Vec<(i64, u64)> =
        active.iter().filter_map(|b| b.expires_at.filter(|e| now >= *e).map(|e| (e, b.id))).collect();
    v.sort_unstable();
    v.into_iter().map(|(_, id)| id).collect()
}

/// The earliest end among active instances (when to schedule the next expiry timer).
pub fn next_expiry(active: &[ActiveBuff], now: i64) -> Option<i64> {
    active.iter().filter(|b| is_active(b, now)).filter_map(|b| b.expires_at).min()
}

/// The first tick strictly after `after`, if it falls before `expires_at` (else the effect is
/// over: schedule nothing).
pub fn next_tick(started_at: i64, interval: i64, expires_at: Option<i64>, after: i64) -> Option<i64> {
    if interval <= 0 {
        return None;
    }
    let k = if after < started_at { 1 } else { (after - started_at).div_euclid(interval) + 1 };
    let t = started_at.checked_add(k.checked_mul(interval)?)?;
    match expires_at {
        Some(end) if t >= end => None,
        _ => Some(t),
    }
}

/// How many ticks fall in `(from, to]` (and before `expires_at`). Deterministic integer maths;
/// use it to catch up after downtime and to test schedules.
pub fn ticks_between(started_at: i64, interval: i64, expires_at: Option<i64>, from: i64, to: i64) -> u64 {
    if interval <= 0 {
        return 0;
    }
    // Ticks are started_at + k * interval with k >= 1 and tick < expires_at.
    let hi = match expires_at {
        Some(end) => to.min(end - 1),
        None => to,
    };
    let lo = from.max(started_at);
    if hi <= lo {
        return 0;
    }
    let k_hi = (hi - started_at).div_euclid(interval);
    let k_lo = (lo - started_at).div_euclid(interval);
    (k_hi - k_lo) as u64
}

/// The amount of one tick: the dice are rolled once per stack and summed (three stacks of
/// `1d4` poison roll 3d4). Randomness from the caller's RNG.
pub fn tick_amount(effect: &PeriodicEffect, stacks: u8, rng: &mut impl Rng) -> i32 {
    (0..stacks.max(1)).map(|_| effect.amount.roll(rng)).sum()
}

/// Why buffs are being removed by behaviour flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemovalTrigger {
    /// The bearer died: everything that does not persist on death.
    Death,
    /// The bearer changed its equipment.
    LoadoutChange,
    /// The bearer attacked.
    Attack,
}

fn sorted(mut v: Vec<u64>) -> Vec<u64> {
    v.sort_unstable();
    v
}

/// Dispel: every instance of a category (dispel magic passes `Magical`). Ids ascending.
pub fn select_by_category(active: &[ActiveBuff], category: BuffCategory) -> Vec<u64> {
    sorted(active.iter().filter(|b| b.category == category).map(|b| b.id).collect())
}

/// Everything one source applied (its concentration broke, it died, it was banished).
pub fn select_by_source(active: &[ActiveBuff], source_id: u64) -> Vec<u64> {
    sorted(active.iter().filter(|b| b.source_id == source_id).map(|b| b.id).collect())
}

/// Every instance of a buff or of an exclusive group (a cure removes `poisoned`, a greater
/// restoration the whole `exhaustion` group).
pub fn select_by_buff(active: &[ActiveBuff], buff_or_group: &str) -> Vec<u64> {
    sorted(
        active
            .iter()
            .filter(|b| b.buff_id == buff_or_group || b.exclusive_group.as_deref() == Some(buff_or_group))
            .map(|b| b.id)
            .collect(),
    )
}

/// Instances a behaviour trigger removes.
pub fn select_by_trigger(active: &[ActiveBuff], trigger: RemovalTrigger) -> Vec<u64> {
    let hit = |b: &ActiveBuff| match trigger {
        RemovalTrigger::Death => !b.flags.persists_on_death,
        RemovalTrigger::LoadoutChange => b.flags.removed_on_loadout_change,
        RemovalTrigger::Attack => b.flags.removed_on_attack,
    };
    sorted(active.iter().filter(|b| hit(b)).map(|b| b.id).collect())
}

/// One level down a ladder of ranked buffs (exhaustion 3 -> 2, weary 1 -> gone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelDown {
    /// The instance that goes.
    pub remove: u64,
    /// The next lower level of the group to apply in its place (`None`: the condition ends).
    pub apply: Option<String>,
    /// What is left of the removed instance's time (`None`: permanent), for the lower level.
    pub remaining_micros: Option<i64>,
}

/// Lower the bearer's buff of exclusive group `group` by one level (a long rest and the
/// exhaustion ladder): the active instance of the group (the highest rank if the data ever
/// allowed two) is replaced by the group's definition with the next lower rank, or ends when
/// there is none. `None` when no buff of the group is active.
pub fn lower_level<'a>(
    active: &[ActiveBuff],
    group: &str,
    defs: impl IntoIterator<Item = &'a BuffDef>,
    now: i64,
) -> Option<LevelDown> {
    let top = active
        .iter()
        .filter(|b| b.exclusive_group.as_deref() == Some(group) && is_active(b, now))
        .max_by_key(|b| (b.group_rank, std::cmp::Reverse(b.id)))?;
    let lower = defs
        .into_iter()
        .filter(|d| d.exclusive_group.as_deref() == Some(group) && d.group_rank < top.group_rank)
        .max_by_key(|d| d.group_rank)
        .map(|d| d.id.clone());
    Some(LevelDown { remove: top.id, apply: lower, remaining_micros: top.expires_at.map(|end| end - now) })
}
