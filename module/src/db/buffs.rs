//! Buff rows <-> the pure core (`systems::buffs`, `systems::stats`): the one place that writes
//! `active_buff`, its timers and `effective_stats`. Reducers (`reducers/buffs.rs`), timers
//! (`timers/buffs.rs`), the world tick and other systems (rules engine, consumables, combat)
//! call these functions; they never write the tables themselves.
//!
//! - [`apply`]: expire the target's due instances, decide with `stacking::decide`, write the
//!   decision, arm the expiry and tick timers, record the event, refresh effective stats.
//! - Expiry: a one-shot `buff_expiry_timer` row at `expires_at` ([`expire_if_due`]); the world
//!   tick's [`sweep`] expires whatever is overdue (a lost timer; after a restart the one-shot
//!   fires at once and the sweep is the backstop). Both check the row (`now >= expires_at`),
//!   never the timer, so a refreshed buff is never expired early.
//! - Periodic effects ([`run_ticks`]): ticks at `started_at + k * interval` (k >= 1, before the
//!   end), one-shot timer per tick, late runs catch up with `ticks_between`; damage and healing go
//!   through the rules engine to `sheet.vitals` and are written with `chars::save`.
//! - Removal: by instance, category ([`dispel`]), source, and behaviour trigger ([`on_death`],
//!   [`on_loadout_change`], [`on_attack`]).
//! - Effective stats are written by `stats::refresh` (through `chars::save` or directly).
//!
//! - Targets: a character, or a monster instance by its combatant id (`MONSTER_ID_BASE +
//!   instance id`, `systems::buffs::BuffTarget`): the same rows, timers, stacking and expiry. A
//!   fighting monster's changes go to its fight (`inbox`); out of a fight its periodic damage
//!   lowers `monster_instance.hp` and at 0 it dies ([`outside_to_monster`]). A monster leaving
//!   the world takes its buffs with it ([`purge_monster`]).
//!
//! These functions do not check the `buffs` gate or the caller: callers decide (the reducers are
//! admin-only and gated; timers always run so a switched-off system never leaves buffs stuck).

use super::rows::{buff_def as def_of, end_of, to_active};
use super::{chars, rows, stats};
use crate::error::{err, ErrorCode, WkResult};
use crate::events;
use crate::rules::MonsterDef;
use crate::rules::{ActiveRules, Damage, RulesEngine};
use crate::systems::buffs::modifiers::ModifierKey;
use crate::systems::buffs::{
    collect_immunities, decide, ended_by_new_immunities, lower_level, monster_dies_at, monster_target, next_tick,
    select_by_category, select_by_trigger, tick_amount, ticks_between, ActiveBuff, Application, BuffCatalog,
    BuffCategory, BuffDef, BuffTarget, Decision, DropReason, NewBuff, PeriodicEffect, PeriodicKind, RemovalTrigger,
};
use crate::systems::items::RunLoss;
use crate::tables::buffs::{
    active_buff, buff_def, buff_expiry_timer, buff_tick_timer, ActiveBuffRow, BuffDefRow, BuffExpiryTimer,
    BuffTickTimer, NEVER,
};
use crate::tables::characters::{character, Character};
use crate::tables::combat::{monster_instance, MonsterInstance};
use crate::tables::events::EventKind;
use spacetimedb::{ReducerContext, ScheduleAt, Table, Timestamp};
use std::collections::BTreeSet;

/// At most this many periodic ticks are applied in one catch-up run (after long downtime).
pub const MAX_CATCHUP_TICKS: u64 = 1000;

fn now(ctx: &ReducerContext) -> i64 {
    ctx.timestamp.to_micros_since_unix_epoch()
}

/// What [`apply`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The instance that carries the buff now (the kept one when dropped).
    pub instance_id: u64,
    /// `BuffApplied`, `BuffRefreshed`, `BuffStacked`, `BuffReplaced` or `BuffDropped`.
    pub kind: EventKind,
}

pub use super::rows::{buff_catalog as catalog, buff_rows as rows_of};

// ------------------------------------------------------------------ definitions

pub fn def_row(d: &BuffDef) -> BuffDefRow {
    BuffDefRow { id: d.id.clone(), name: d.name.clone(), category: d.category, def: d.clone() }
}

/// Replace `buff_def` with a validated catalog; unchanged rows stay untouched. Returns the count.
pub fn load_defs(ctx: &ReducerContext, cat: &BuffCatalog) -> usize {
    let rows: Vec<BuffDefRow> = cat.defs().iter().map(def_row).collect();
    for old in ctx.db.buff_def().iter().collect::<Vec<_>>() {
        if !rows.iter().any(|r| r.id == old.id) {
            ctx.db.buff_def().id().delete(&old.id);
        }
    }
    let n = rows.len();
    for r in rows {
        match ctx.db.buff_def().id().find(&r.id) {
            Some(old) if old == r => {}
            Some(_) => {
                ctx.db.buff_def().id().update(r);
            }
            None => {
                ctx.db.buff_def().insert(r);
            }
        }
    }
    n
}

fn end_text(end: Option<i64>) -> String {
    end.map_or_else(|| "permanent".to_string(), |e| e.to_string())
}

fn name_of(ctx: &ReducerContext, id: u64) -> String {
    match BuffTarget::of(id) {
        BuffTarget::Character(c) => {
            ctx.db.character().id().find(c).map(|c| c.name).unwrap_or_else(|| format!("character {c}"))
        }
        BuffTarget::Monster(m) => monster_name(m, rows::monster(ctx, m).map(|r| r.name).as_deref()),
    }
}

fn monster_name(id: u64, name: Option<&str>) -> String {
    format!("{} #{id}", name.unwrap_or("monster"))
}

/// Who a buff sits on, read from its rows.
enum Bearer {
    Character(Character),
    Monster(MonsterInstance, MonsterDef),
}

impl Bearer {
    fn name(&self) -> String {
        match self {
            Bearer::Character(c) => c.name.clone(),
            Bearer::Monster(m, _) => monster_name(m.id, Some(&m.name)),
        }
    }

    /// Conditions it cannot have: the sheet's, or the monster definition's.
    fn condition_immunities(&self) -> Vec<&str> {
        let d = match self {
            Bearer::Character(c) => &c.sheet.defenses,
            Bearer::Monster(_, def) => &def.defenses,
        };
        d.condition_immunities.iter().map(|c| c.id()).collect()
    }
}

/// The bearer of a target id: `E_UNKNOWN_CHARACTER` / `E_UNKNOWN_MONSTER` when there is none.
fn bearer(ctx: &ReducerContext, target_id: u64) -> WkResult<Bearer> {
    match BuffTarget::of(target_id) {
        BuffTarget::Character(id) => ctx.db.character().id().find(id).map(Bearer::Character).ok_or_else(|| {
            err(ErrorCode::UnknownCharacter, format!("no character {target_id}; pick an existing target"))
        }),
        BuffTarget::Monster(id) => {
            let m = rows::monster(ctx, id).ok_or_else(|| {
                err(
                    ErrorCode::UnknownMonster,
                    format!(
                        "no monster instance {id} (target {target_id} = MONSTER_ID_BASE + instance id); see SELECT * FROM monster_instance"
                    ),
                )
            })?;
            let def = <ActiveRules as RulesEngine>::monster(&m.def_id)?;
            Ok(Bearer::Monster(m, def))
        }
    }
}

/// A buff target exists (a character, or a monster instance by `MONSTER_ID_BASE + instance id`):
/// `E_UNKNOWN_CHARACTER` / `E_UNKNOWN_MONSTER` otherwise.
pub fn require_target(ctx: &ReducerContext, target_id: u64) -> WkResult<()> {
    bearer(ctx, target_id).map(|_| ())
}

fn detail(r: &ActiveBuffRow) -> String {
    format!(
        "instance={};buff={};target={};source={};stacks={};expires_at={}",
        r.id,
        r.buff_id,
        r.target_id,
        r.source_id,
        r.stacks,
        end_text(end_of(r))
    )
}

/// The characters an instance involves (events name characters; a monster bearer or source is in
/// the event's detail).
fn actors(r: &ActiveBuffRow) -> Vec<u64> {
    let is_char = |id: u64| id != 0 && matches!(BuffTarget::of(id), BuffTarget::Character(_));
    let mut v = Vec::new();
    if is_char(r.target_id) {
        v.push(r.target_id);
    }
    if is_char(r.source_id) && r.source_id != r.target_id {
        v.push(r.source_id);
    }
    v
}

// ------------------------------------------------------------------ timers

fn at(micros: i64) -> ScheduleAt {
    ScheduleAt::Time(Timestamp::from_micros_since_unix_epoch(micros))
}

fn arm_expiry(ctx: &ReducerContext, id: u64, end: i64) {
    ctx.db.buff_expiry_timer().insert(BuffExpiryTimer { scheduled_id: 0, scheduled_at: at(end), buff_instance_id: id });
}

fn arm_tick(ctx: &ReducerContext, id: u64, when: i64) {
    ctx.db.buff_tick_timer().insert(BuffTickTimer { scheduled_id: 0, scheduled_at: at(when), buff_instance_id: id });
}

/// Delete the instance's pending timers, except `keep` (the one running right now: the host
/// deletes it after its reducer).
fn disarm(ctx: &ReducerContext, id: u64, keep: Option<u64>) {
    for t in ctx.db.buff_expiry_timer().buff_instance_id().filter(id).collect::<Vec<_>>() {
        if Some(t.scheduled_id) != keep {
            ctx.db.buff_expiry_timer().scheduled_id().delete(t.scheduled_id);
        }
    }
    for t in ctx.db.buff_tick_timer().buff_instance_id().filter(id).collect::<Vec<_>>() {
        if Some(t.scheduled_id) != keep {
            ctx.db.buff_tick_timer().scheduled_id().delete(t.scheduled_id);
        }
    }
}

fn disarm_expiry(ctx: &ReducerContext, id: u64) {
    for t in ctx.db.buff_expiry_timer().buff_instance_id().filter(id).collect::<Vec<_>>() {
        ctx.db.buff_expiry_timer().scheduled_id().delete(t.scheduled_id);
    }
}

fn disarm_ticks(ctx: &ReducerContext, id: u64, keep: Option<u64>) {
    for t in ctx.db.buff_tick_timer().buff_instance_id().filter(id).collect::<Vec<_>>() {
        if Some(t.scheduled_id) != keep {
            ctx.db.buff_tick_timer().scheduled_id().delete(t.scheduled_id);
        }
    }
}

// ------------------------------------------------------------------ apply

/// [`relevant_ids`] of a definition of the shipped catalog, worked out once per module instance.
/// `None` for a definition the shipped catalog does not have (then every instance is relevant).
fn relevant_of(def: &BuffDef) -> Option<&'static [String]> {
    static MAP: std::sync::OnceLock<std::collections::BTreeMap<String, Vec<String>>> = std::sync::OnceLock::new();
    let map = MAP.get_or_init(|| {
        let Ok(cat) = catalog() else { return Default::default() };
        cat.defs().iter().map(|d| (d.id.clone(), crate::systems::buffs::relevant_ids(cat, d))).collect()
    });
    map.get(&def.id).map(Vec::as_slice)
}

/// The target's instances of the buff ids `ids` (all of them when `None`), by instance id (by the
/// `(target_id, buff_id)` index: an id the target does not hold costs a lookup that finds nothing).
fn rows_of_ids(ctx: &ReducerContext, target_id: u64, ids: Option<&[String]>) -> Vec<ActiveBuffRow> {
    let Some(ids) = ids else { return rows_of(ctx, target_id) };
    let index = ctx.db.active_buff().by_target_buff();
    let mut v: Vec<ActiveBuffRow> = ids.iter().flat_map(|id| index.filter((target_id, id.as_str()))).collect();
    v.sort_by_key(|r| r.id);
    v
}

/// Apply a buff to a character or a monster instance (`target_id` = `MONSTER_ID_BASE + instance
/// id`): the entry point for the admin reducer and for other systems (rules engine, consumables,
/// combat). `source_id` 0 = the world. Errors (nothing written by the reducer that returns them):
/// `E_UNKNOWN_CHARACTER` (target or source), `E_UNKNOWN_MONSTER`, `E_UNKNOWN_BUFF`, the
/// definition's validation codes, `E_INVALID_DURATION`, `E_BUFF_IMMUNE` (the sheet's or the
/// monster definition's condition immunities, or an active buff's).
pub fn apply(ctx: &ReducerContext, target_id: u64, app: Application) -> WkResult<Applied> {
    let target = bearer(ctx, target_id)?;
    if app.source_id != 0 && bearer(ctx, app.source_id).is_err() {
        return Err(err(
            ErrorCode::UnknownCharacter,
            format!("no source character or monster {}; pass 0 when the world applies the buff", app.source_id),
        ));
    }
    let def = def_of(&app.buff_id).ok_or_else(|| {
        err(ErrorCode::UnknownBuff, format!("no buff `{}`; see SELECT id FROM buff_def", app.buff_id))
    })?;
    def.validate()?;
    let now = now(ctx);
    // Only the target's instances that can change this application's outcome are read
    // (`systems::buffs::relevant_ids`: usually the buff's own instance); a change of stats reads
    // them all in the refresh. Read again only when some were due and expired here.
    let relevant = relevant_of(def);
    let mut rows = rows_of_ids(ctx, target_id, relevant);
    let mut expired = 0;
    if rows.iter().any(|r| !r.permanent && now >= r.expires_at_micros) {
        expired = expire_due_of(ctx, target_id, now);
        rows = rows_of_ids(ctx, target_id, relevant);
    }
    let active: Vec<ActiveBuff> = rows.iter().map(to_active).collect();
    let active_defs: Vec<&BuffDef> = rows.iter().filter_map(|r| def_of(&r.buff_id)).collect();
    let own = target.condition_immunities();
    let immunities = collect_immunities(own, active_defs.iter().copied());
    let decision = decide(&active, &immunities, &app, def, now)?;
    let name = target.name();
    let restat = decision.changes_stat_sources();
    let applied = match decision {
        Decision::Insert(new) => {
            end_by_immunity(ctx, def, &active, now);
            let row = insert_new(ctx, target_id, new, def);
            events::record(
                ctx,
                EventKind::BuffApplied,
                actors(&row),
                format!("{name} gains {}", def.name),
                detail(&row),
            );
            Applied { instance_id: row.id, kind: EventKind::BuffApplied }
        }
        Decision::Replace { old, new } => {
            end_by_immunity(ctx, def, &active, now);
            let mut replaced = Vec::new();
            for id in &old {
                if let Some(r) = ctx.db.active_buff().id().find(id) {
                    replaced.push(r.buff_id.clone());
                    delete_row(ctx, r.id, None);
                }
            }
            let row = insert_new(ctx, target_id, new, def);
            let old_ids: Vec<String> = old.iter().map(u64::to_string).collect();
            events::record(
                ctx,
                EventKind::BuffReplaced,
                actors(&row),
                format!("{name}: {} replaces {}", def.name, replaced.join(", ")),
                format!("{};replaced={}", detail(&row), old_ids.join(",")),
            );
            Applied { instance_id: row.id, kind: EventKind::BuffReplaced }
        }
        Decision::AddStack { id, new_stacks, new_expires } => {
            let row = update_end(ctx, id, row_in(&rows, id), Some(new_stacks), new_expires, def)?;
            events::record(
                ctx,
                EventKind::BuffStacked,
                actors(&row),
                format!("{name}'s {} grows to {} stacks", def.name, row.stacks),
                detail(&row),
            );
            Applied { instance_id: id, kind: EventKind::BuffStacked }
        }
        Decision::Refresh { id, new_expires } => {
            let row = update_end(ctx, id, row_in(&rows, id), None, new_expires, def)?;
            events::record(
                ctx,
                EventKind::BuffRefreshed,
                actors(&row),
                format!("{name}'s {} is refreshed", def.name),
                detail(&row),
            );
            Applied { instance_id: id, kind: EventKind::BuffRefreshed }
        }
        Decision::Dropped { kept, reason } => {
            let why = match reason {
                DropReason::WeakerThanActive => "weaker_than_active",
                DropReason::LowerRankInGroup => "lower_rank_in_group",
            };
            events::record(
                ctx,
                EventKind::BuffDropped,
                vec![target_id],
                format!("{} on {name} has no effect: a stronger effect is active", def.name),
                format!("buff={};target={target_id};source={};kept={kept};reason={why}", def.id, app.source_id),
            );
            Applied { instance_id: kept, kind: EventKind::BuffDropped }
        }
    };
    let dies = applied.kind != EventKind::BuffDropped && def.modifiers.iter().any(|m| m.key == ModifierKey::Dies);
    match target {
        Bearer::Character(_) if dies => {
            kill(ctx, target_id, &def.name);
            refresh(ctx, target_id); // the sheet changed: read it again
        }
        Bearer::Monster(m, _) if dies && rows::combat_of(ctx, target_id).is_none() => {
            kill_monster(ctx, m, &def.name);
        }
        _ if restat && expired > 0 => refresh(ctx, target_id), // an expiry's last tick may have written the row
        // nothing above wrote the character row
        Bearer::Character(c) if restat => stats::refresh(ctx, &c),
        Bearer::Monster(..) if restat => refresh(ctx, target_id),
        _ => {}
    }
    Ok(applied)
}

/// A newly applied buff ends the target's instances it grants immunity against.
fn end_by_immunity(ctx: &ReducerContext, def: &BuffDef, active: &[ActiveBuff], now: i64) {
    for id in ended_by_new_immunities(def, active, now) {
        remove_instance(ctx, id, EventKind::BuffRemoved, &format!("immunity_from_{}", def.id), None);
    }
}

fn insert_new(ctx: &ReducerContext, target_id: u64, n: NewBuff, def: &BuffDef) -> ActiveBuffRow {
    let next = def
        .periodic
        .and_then(|p| next_tick(n.started_at, p.interval_micros, n.expires_at, n.started_at))
        .unwrap_or(NEVER);
    let row = ctx.db.active_buff().insert(ActiveBuffRow {
        id: 0,
        target_id,
        buff_id: n.buff_id,
        source_id: n.source_id,
        stacks: n.stacks,
        strength: n.strength,
        started_at_micros: n.started_at,
        expires_at_micros: n.expires_at.unwrap_or(NEVER),
        permanent: n.expires_at.is_none(),
        category: n.category,
        flags: n.flags,
        exclusive_group: n.exclusive_group,
        group_rank: n.group_rank,
        next_tick_at_micros: next,
        last_tick_at_micros: n.started_at,
    });
    if let Some(end) = n.expires_at {
        arm_expiry(ctx, row.id, end);
    }
    if next != NEVER {
        arm_tick(ctx, row.id, next);
    }
    row
}

/// Instance `id` among rows already read.
fn row_in(rows: &[ActiveBuffRow], id: u64) -> Option<ActiveBuffRow> {
    rows.iter().find(|r| r.id == id).cloned()
}

/// New stacks and/or end of an instance; re-arms the expiry and (if the end moved) the tick.
fn update_end(
    ctx: &ReducerContext,
    id: u64,
    row: Option<ActiveBuffRow>,
    stacks: Option<u8>,
    new_end: Option<i64>,
    def: &BuffDef,
) -> WkResult<ActiveBuffRow> {
    // `decide` only names instances it was given, so the row exists; fail cleanly if not.
    let mut row =
        row.ok_or_else(|| err(ErrorCode::UnknownBuffInstance, format!("buff instance {id} vanished; apply again")))?;
    if let Some(s) = stacks {
        row.stacks = s;
    }
    let old_end = end_of(&row);
    if old_end != new_end {
        row.permanent = new_end.is_none();
        row.expires_at_micros = new_end.unwrap_or(NEVER);
        match (old_end, new_end) {
            // Later end: the armed timer stays; when it fires at the old end it finds the buff
            // still running and re-arms itself at the new end (`expire_if_due`). A refresh then
            // writes no timer rows: re-applications far outnumber expiries.
            (Some(old), Some(new)) if new > old => {}
            _ => {
                disarm_expiry(ctx, id);
                if let Some(end) = new_end {
                    arm_expiry(ctx, id, end);
                }
            }
        }
        let next = def
            .periodic
            .and_then(|p| next_tick(row.started_at_micros, p.interval_micros, new_end, row.last_tick_at_micros))
            .unwrap_or(NEVER);
        if next != row.next_tick_at_micros {
            row.next_tick_at_micros = next;
            disarm_ticks(ctx, id, None);
            if next != NEVER {
                arm_tick(ctx, id, next);
            }
        }
    }
    Ok(ctx.db.active_buff().id().update(row))
}

/// A buff whose definition kills (exhaustion 6): the bearer dies; death removes what does not
/// persist on death.
fn kill(ctx: &ReducerContext, target_id: u64, cause: &str) {
    let Some(mut c) = ctx.db.character().id().find(target_id) else {
        return;
    };
    if c.sheet.vitals.dead {
        return;
    }
    c.sheet.vitals.hp = 0;
    c.sheet.vitals.dead = true;
    let c = chars::save(ctx, c);
    events::record(ctx, EventKind::Died, vec![c.id], format!("{} dies ({cause})", c.name), "cause=buff");
    on_death(ctx, c.id);
}

// ------------------------------------------------------------------ removal and expiry

/// Delete an instance and its timers; no event.
fn delete_row(ctx: &ReducerContext, id: u64, keep_timer: Option<u64>) {
    ctx.db.active_buff().id().delete(id);
    disarm(ctx, id, keep_timer);
}

/// Remove an instance with its event; refreshes the target's effective stats.
fn remove_instance(
    ctx: &ReducerContext,
    id: u64,
    kind: EventKind,
    reason: &str,
    keep_timer: Option<u64>,
) -> Option<ActiveBuffRow> {
    let row = remove_instance_deferred(ctx, id, kind, reason, keep_timer)?;
    refresh(ctx, row.target_id);
    Some(row)
}

/// [`remove_instance`] without the stats refresh: the caller refreshes each target once after a
/// batch (a burst of expiries on one character recomputes its stats once, not per buff).
fn remove_instance_deferred(
    ctx: &ReducerContext,
    id: u64,
    kind: EventKind,
    reason: &str,
    keep_timer: Option<u64>,
) -> Option<ActiveBuffRow> {
    let row = ctx.db.active_buff().id().find(id)?;
    delete_row(ctx, id, keep_timer);
    let label = def_of(&row.buff_id).map(|d| d.name.clone()).unwrap_or_else(|| row.buff_id.clone());
    let who = name_of(ctx, row.target_id);
    let (text, extra) = if kind == EventKind::BuffExpired {
        let late = now(ctx) - row.expires_at_micros;
        (format!("{label} on {who} wears off"), format!(";lateness_us={late}"))
    } else {
        (format!("{label} is removed from {who} ({reason})"), String::new())
    };
    events::record(ctx, kind, actors(&row), text, format!("{};reason={reason}{extra}", detail(&row)));
    Some(row)
}

/// Refresh a character's derived and effective stats (no-op for a deleted character); a fighting
/// monster's combatant is rebuilt (posted to its fight; a monster has no stats projection).
fn refresh(ctx: &ReducerContext, target_id: u64) {
    match BuffTarget::of(target_id) {
        BuffTarget::Character(id) => {
            if let Some(c) = ctx.db.character().id().find(id) {
                stats::refresh(ctx, &c);
            }
        }
        BuffTarget::Monster(_) => super::inbox::post_view(ctx, target_id, "its buffs change"),
    }
}

/// The expiry timer's work: expire the instance if the row says it is due. A timer that fires
/// before the row's end (it was refreshed, or the host fired a hair early) does nothing, except
/// that a timer for exactly the current end re-arms itself so the end is still met on time.
pub fn expire_if_due(ctx: &ReducerContext, id: u64, timer_id: u64, timer_at: i64) {
    let Some(row) = ctx.db.active_buff().id().find(id) else {
        return;
    };
    if row.permanent {
        return;
    }
    let now = now(ctx);
    if now < row.expires_at_micros {
        // Fired early, or the buff was extended after this timer was armed (extensions keep the
        // timer, see `update_end`): re-arm at the end in force, unless another timer has it.
        let other = ctx.db.buff_expiry_timer().buff_instance_id().filter(id).any(|t| t.scheduled_id != timer_id);
        if timer_at <= row.expires_at_micros && !other {
            arm_expiry(ctx, id, row.expires_at_micros);
        }
        return;
    }
    let mut targets = BTreeSet::new();
    targets.extend(expire_deferred(ctx, id, now, Some(timer_id)));
    // Burst drain: whatever else is already due expires in this same transaction (oldest first,
    // at most DRAIN_BATCH), its timers deleted so they never fire. 10,000 buffs due in the same
    // second then take a few dozen transactions instead of 10,000, and each target's stats are
    // recomputed once per batch.
    let mut due: Vec<(i64, u64)> = ctx
        .db
        .active_buff()
        .by_expires()
        .filter(i64::MIN..=now)
        .take(DRAIN_BATCH)
        .map(|r| (r.expires_at_micros, r.id))
        .collect();
    due.sort_unstable();
    for (_, other) in due {
        targets.extend(expire_deferred(ctx, other, now, None));
    }
    for t in targets {
        refresh(ctx, t);
    }
}

/// How many other overdue instances one expiry timer also expires (see [`expire_if_due`]).
const DRAIN_BATCH: usize = 256;

/// Expire one instance: run the ticks that fell before its end, then remove it.
fn expire(ctx: &ReducerContext, id: u64, now: i64, keep_timer: Option<u64>) {
    if let Some(t) = expire_deferred(ctx, id, now, keep_timer) {
        refresh(ctx, t);
    }
}

/// [`expire`] without the stats refresh; returns the target to refresh.
fn expire_deferred(ctx: &ReducerContext, id: u64, now: i64, keep_timer: Option<u64>) -> Option<u64> {
    let row = ctx.db.active_buff().id().find(id)?;
    if row.permanent || now < row.expires_at_micros {
        return None;
    }
    if row.next_tick_at_micros <= now {
        run_ticks(ctx, id, None);
    }
    remove_instance_deferred(ctx, id, EventKind::BuffExpired, "expired", keep_timer).map(|r| r.target_id)
}

/// Expire the target's due instances (before applying, so they count as expiries, not rivals);
/// returns how many there were.
fn expire_due_of(ctx: &ReducerContext, target_id: u64, now: i64) -> usize {
    let mut due: Vec<(i64, u64)> = ctx
        .db
        .active_buff()
        .by_target_buff()
        .filter(target_id)
        .filter(|r| !r.permanent && now >= r.expires_at_micros)
        .map(|r| (r.expires_at_micros, r.id))
        .collect();
    due.sort_unstable();
    let n = due.len();
    for (_, id) in due {
        expire(ctx, id, now, None);
    }
    n
}

/// World-tick step: periodic ticks whose timer is overdue, then instances past their end, both
/// found by an index range (`..= now`), never a scan. Oldest first, ties by id.
pub fn sweep(ctx: &ReducerContext, now: i64) {
    let mut ticks: Vec<(i64, u64)> =
        ctx.db.active_buff().by_next_tick().filter(i64::MIN..=now).map(|r| (r.next_tick_at_micros, r.id)).collect();
    ticks.sort_unstable();
    for (_, id) in ticks {
        run_ticks(ctx, id, None);
    }
    let mut due: Vec<(i64, u64)> =
        ctx.db.active_buff().by_expires().filter(i64::MIN..=now).map(|r| (r.expires_at_micros, r.id)).collect();
    due.sort_unstable();
    let mut targets = BTreeSet::new();
    for (_, id) in due {
        targets.extend(expire_deferred(ctx, id, now, None));
    }
    for t in targets {
        refresh(ctx, t);
    }
}

/// Remove one instance by id (admin reducer). `E_UNKNOWN_BUFF_INSTANCE` when there is none.
pub fn remove(ctx: &ReducerContext, id: u64, reason: &str) -> WkResult<ActiveBuffRow> {
    remove_instance(ctx, id, EventKind::BuffRemoved, reason, None).ok_or_else(|| {
        err(ErrorCode::UnknownBuffInstance, format!("no active buff instance {id}; see SELECT * FROM active_buff"))
    })
}

/// Dispel: remove every instance of a category from a character or monster. Returns how many.
pub fn dispel(ctx: &ReducerContext, target_id: u64, category: BuffCategory) -> usize {
    let active: Vec<ActiveBuff> = rows_of(ctx, target_id).iter().map(to_active).collect();
    let ids = select_by_category(&active, category);
    let reason = format!("dispel_{}", category.code());
    ids.iter().filter(|id| remove_instance(ctx, **id, EventKind::BuffRemoved, &reason, None).is_some()).count()
}

/// Remove everything one source applied (its concentration broke, it died). Returns how many.
pub fn remove_by_source(ctx: &ReducerContext, source_id: u64) -> usize {
    let mut ids: Vec<u64> = ctx.db.active_buff().by_source().filter(source_id).map(|r| r.id).collect();
    ids.sort_unstable();
    ids.iter().filter(|id| remove_instance(ctx, **id, EventKind::BuffRemoved, "source", None).is_some()).count()
}

fn on_trigger(ctx: &ReducerContext, character_id: u64, trigger: RemovalTrigger, reason: &str) -> usize {
    let active: Vec<ActiveBuff> = rows_of(ctx, character_id).iter().map(to_active).collect();
    let ids = select_by_trigger(&active, trigger);
    ids.iter().filter(|id| remove_instance(ctx, **id, EventKind::BuffRemoved, reason, None).is_some()).count()
}

/// The one death handler. Every path that kills a character calls it once the dead character
/// is saved (and its `Died` event recorded): a fight's end, a buff's periodic damage, a buff that
/// kills (exhaustion 6), `admin_damage`, the world tick's failed death saves. Everything that
/// does not persist on death ends, and a run under way is lost (`items::lose_run`: the run
/// stash, its currency and equipped items by `wipe_difficulty`; one `RunLost` event). Returns how
/// many buffs ended.
pub fn on_death(ctx: &ReducerContext, character_id: u64) -> usize {
    let n = on_trigger(ctx, character_id, RemovalTrigger::Death, "death");
    if let Some(c) = ctx.db.character().id().find(character_id) {
        // Fails only on a missing config row or a vanished item row; a death must still stand.
        if let Err(e) = super::items::lose_run(ctx, &c, RunLoss::Death) {
            log::error!("run of dead character {character_id} not settled: {e}");
        }
    }
    n
}

/// A rest lowered the bearer's exhaustion ladder (`RulesEngine::EXHAUSTION_GROUP`) by `levels`:
/// each level replaces the active buff of the group with the next lower one (keeping its source
/// and what is left of its time) or ends it at the bottom (`systems::buffs::lower_level`). A
/// `BuffRemoved` event (reason `rest`) and, for a lower level, a `BuffApplied` event each.
pub fn lower_exhaustion(ctx: &ReducerContext, character_id: u64, levels: u8) {
    let group = <ActiveRules as RulesEngine>::EXHAUSTION_GROUP;
    let Ok(cat) = catalog() else { return };
    for _ in 0..levels {
        let now = now(ctx);
        let active: Vec<ActiveBuff> = rows_of(ctx, character_id).iter().map(to_active).collect();
        let Some(step) = lower_level(&active, group, cat.defs(), now) else { return };
        let Some(old) = remove_instance(ctx, step.remove, EventKind::BuffRemoved, "rest", None) else { return };
        if let Some(lower) = step.apply {
            let source = if ctx.db.character().id().find(old.source_id).is_some() { old.source_id } else { 0 };
            let app = Application { duration_micros: step.remaining_micros, ..Application::new(&lower, source) };
            if let Err(e) = apply(ctx, character_id, app) {
                // immune to the group by now: the level simply ends
                log::info!("exhaustion of {character_id} not lowered to {lower}: {e}");
            }
        }
    }
}

/// The bearer's gear changed (items call this after applying the change): its buffs that end on
/// a loadout change go, each refreshing the stats. Only the definitions that carry
/// `removed_on_loadout_change` are looked up, by the `(target_id, buff_id)` index (an instance's
/// flags are its definition's), so a bearer without such a buff costs no row read. Returns how
/// many ended.
pub fn on_loadout_change(ctx: &ReducerContext, character_id: u64) -> usize {
    let Ok(catalog) = catalog() else { return 0 };
    let mut ids: Vec<u64> = Vec::new();
    for d in catalog.defs().iter().filter(|d| d.flags.removed_on_loadout_change) {
        let rows = ctx.db.active_buff().by_target_buff().filter((character_id, d.id.as_str()));
        ids.extend(rows.filter(|r| r.flags.removed_on_loadout_change).map(|r| r.id));
    }
    ids.sort_unstable();
    for id in &ids {
        remove_instance(ctx, *id, EventKind::BuffRemoved, "loadout_change", None);
    }
    ids.len()
}

/// The bearer attacked (items call this).
pub fn on_attack(ctx: &ReducerContext, character_id: u64) -> usize {
    on_trigger(ctx, character_id, RemovalTrigger::Attack, "attack")
}

/// A character is being deleted: its buffs go (with events; `stats::forget` takes its stats rows).
pub fn purge_character(ctx: &ReducerContext, character_id: u64) {
    for r in rows_of(ctx, character_id) {
        delete_row(ctx, r.id, None);
        events::record(
            ctx,
            EventKind::BuffRemoved,
            actors(&r),
            format!("{} ends: its bearer left the world", r.buff_id),
            format!("{};reason=character_deleted", detail(&r)),
        );
    }
}

// ------------------------------------------------------------------ monsters

/// A monster instance leaves the world (killed, despawned): its buffs go with it (rows, timers,
/// one `BuffRemoved` event each with `reason`). Returns how many.
pub fn purge_monster(ctx: &ReducerContext, instance_id: u64, reason: &str) -> usize {
    let rows = rows_of(ctx, monster_target(instance_id));
    for r in &rows {
        delete_row(ctx, r.id, None);
        events::record(
            ctx,
            EventKind::BuffRemoved,
            actors(r),
            format!("{} ends: its bearer left the world", r.buff_id),
            format!("{};reason={reason}", detail(r)),
        );
    }
    rows.len()
}

/// A monster outside any fight dies of a buff (its periodic damage, a buff that kills): the row
/// goes, a `MonsterKilled` event, its buffs with it. No loot: nobody slew it.
fn kill_monster(ctx: &ReducerContext, m: MonsterInstance, cause: &str) {
    ctx.db.monster_instance().id().delete(m.id);
    events::record(
        ctx,
        EventKind::MonsterKilled,
        vec![],
        format!("{} dies of {cause}", m.name),
        format!("monster={};def={};cause=buff", m.id, m.def_id),
    );
    purge_monster(ctx, m.id, "monster_killed");
}

/// A monster's HP after outside damage or healing, through its effective defenses (`None`: it
/// has no definition any more). Writes nothing.
fn monster_hp_after(ctx: &ReducerContext, m: &MonsterInstance, damage: &[Damage], heal: i32) -> Option<i32> {
    let (_, creature, _) = stats::monster_view(ctx, m).ok()?;
    let mut vitals = creature.vitals.clone();
    if !damage.is_empty() {
        ActiveRules::apply_damage(&m.name, &mut vitals, &creature.defenses, damage, false);
    }
    if heal > 0 {
        let _ = ActiveRules::heal(&m.name, &mut vitals, heal);
    }
    Some(vitals.hp)
}

/// Write a monster's new HP; at 0 it dies (`systems::buffs::monster_dies_at`).
fn settle_monster(ctx: &ReducerContext, mut m: MonsterInstance, hp: i32, cause: &str) {
    if monster_dies_at(hp) {
        kill_monster(ctx, m, cause);
    } else if hp != m.hp {
        m.hp = hp;
        ctx.db.monster_instance().id().update(m);
    }
}

/// Damage or healing from outside a fight for a monster that is not fighting (a post whose fight
/// ended first): through its effective defenses to `monster_instance.hp`; at 0 HP it dies.
pub fn outside_to_monster(ctx: &ReducerContext, target_id: u64, damage: &[Damage], heal: i32, source: &str) {
    let BuffTarget::Monster(id) = BuffTarget::of(target_id) else { return };
    let Some(m) = rows::monster(ctx, id).filter(|m| m.hp > 0) else { return };
    if let Some(hp) = monster_hp_after(ctx, &m, damage, heal) {
        settle_monster(ctx, m, hp, source);
    }
}

/// Periodic ticks on a monster: to its fight when it fights, else to its row (at 0 HP it dies).
fn tick_monster(ctx: &ReducerContext, row: &ActiveBuffRow, p: &PeriodicEffect, n: u64) {
    let BuffTarget::Monster(id) = BuffTarget::of(row.target_id) else { return };
    let Some(m) = rows::monster(ctx, id).filter(|m| m.hp > 0) else { return };
    let label = def_of(&row.buff_id).map(|d| d.name.clone()).unwrap_or_else(|| row.buff_id.clone());
    let who = monster_name(m.id, Some(&m.name));
    let mut rng = ctx.rng();
    let amounts: Vec<i32> = (0..n).map(|_| tick_amount(p, row.stacks, &mut rng)).collect();
    let total: i32 = amounts.iter().sum();
    let (damage, heal): (Vec<Damage>, i32) = match p.kind {
        PeriodicKind::Damage(ty) => (amounts.iter().map(|a| Damage::new(*a, ty)).collect(), 0),
        PeriodicKind::Heal => (Vec::new(), total),
    };
    if super::inbox::post_effect(ctx, row.target_id, damage.clone(), (heal, 0), &label) {
        events::record(
            ctx,
            EventKind::BuffTick,
            actors(row),
            format!("{who}'s {label} ticks for {total} in the fight"),
            format!("{};ticks={n};amount={total};in_fight=true", detail(row)),
        );
        return;
    }
    let Some(hp) = monster_hp_after(ctx, &m, &damage, heal) else { return };
    let what = match p.kind {
        PeriodicKind::Damage(ty) => format!("takes {} {} damage", (m.hp - hp).max(0), ty.id()),
        PeriodicKind::Heal => format!("regains {} HP", (hp - m.hp).max(0)),
    };
    events::record(
        ctx,
        EventKind::BuffTick,
        actors(row),
        format!("{who} {what} from {label}"),
        format!("{};ticks={n};amount={total};hp_after={}", detail(row), hp.max(0)),
    );
    settle_monster(ctx, m, hp, &label); // a death records its own events after the tick's
}

// ------------------------------------------------------------------ periodic effects

/// Run the periodic ticks of an instance that are due (timer or sweeper). Idempotent: the row
/// remembers the last tick time, so a second run in the same moment does nothing.
pub fn run_ticks(ctx: &ReducerContext, id: u64, keep_timer: Option<u64>) {
    let Some(mut row) = ctx.db.active_buff().id().find(id) else {
        return;
    };
    let now = now(ctx);
    if row.next_tick_at_micros > now {
        return;
    }
    let Some(p) = def_of(&row.buff_id).and_then(|d| d.periodic) else {
        row.next_tick_at_micros = NEVER;
        ctx.db.active_buff().id().update(row);
        disarm_ticks(ctx, id, keep_timer);
        return;
    };
    let end = end_of(&row);
    let n = ticks_between(row.started_at_micros, p.interval_micros, end, row.last_tick_at_micros, now)
        .min(MAX_CATCHUP_TICKS);
    let next = next_tick(row.started_at_micros, p.interval_micros, end, now).unwrap_or(NEVER);
    row.last_tick_at_micros = now;
    row.next_tick_at_micros = next;
    let row = ctx.db.active_buff().id().update(row);
    disarm_ticks(ctx, id, keep_timer);
    if next != NEVER {
        arm_tick(ctx, id, next);
    }
    if n == 0 {
        return;
    }
    if let BuffTarget::Monster(_) = BuffTarget::of(row.target_id) {
        tick_monster(ctx, &row, &p, n);
        return;
    }
    let Some(mut c) = ctx.db.character().id().find(row.target_id) else {
        return;
    };
    if c.sheet.vitals.dead {
        return;
    }
    let label = def_of(&row.buff_id).map(|d| d.name.clone()).unwrap_or_else(|| row.buff_id.clone());
    let mut rng = ctx.rng();
    if crate::db::rows::in_combat(ctx, c.id) {
        // In a fight the fight holds the character's HP: the ticks go to it (`combat::drain_inbox`),
        // through the combatant's defenses, and the fight's end writes the result back.
        let amounts: Vec<i32> = (0..n).map(|_| tick_amount(&p, row.stacks, &mut rng)).collect();
        let total: i32 = amounts.iter().sum();
        let (damage, heal) = match p.kind {
            PeriodicKind::Damage(ty) => (amounts.iter().map(|a| Damage::new(*a, ty)).collect(), 0),
            PeriodicKind::Heal => (Vec::new(), total),
        };
        super::inbox::post_effect(ctx, c.id, damage, (heal, 0), &label);
        events::record(
            ctx,
            EventKind::BuffTick,
            actors(&row),
            format!("{}'s {label} ticks for {total} in the fight", c.name),
            format!("{};ticks={n};amount={total};in_fight=true", detail(&row)),
        );
        return;
    }
    let defenses = stats::defenses(ctx, &c);
    let (mut total, mut died, mut done) = (0i32, false, 0u64);
    for _ in 0..n {
        let amount = tick_amount(&p, row.stacks, &mut rng);
        done += 1;
        match p.kind {
            PeriodicKind::Damage(ty) => {
                let o = ActiveRules::apply_damage(
                    &c.name,
                    &mut c.sheet.vitals,
                    &defenses,
                    &[Damage::new(amount, ty)],
                    false,
                );
                total += o.hp_lost;
                if o.died {
                    died = true;
                    break;
                }
            }
            PeriodicKind::Heal => {
                if let Ok(o) = ActiveRules::heal(&c.name, &mut c.sheet.vitals, amount) {
                    total += o.healed;
                }
            }
        }
    }
    let what = match p.kind {
        PeriodicKind::Damage(ty) => format!("takes {total} {} damage", ty.id()),
        PeriodicKind::Heal => format!("regains {total} HP"),
    };
    let died = died && !crate::db::perks::on_death(ctx, &mut c); // perk death hook
    let c = chars::save(ctx, c);
    events::record(
        ctx,
        EventKind::BuffTick,
        actors(&row),
        format!("{} {what} from {label}", c.name),
        format!("{};ticks={done};amount={total};hp_after={}", detail(&row), c.sheet.vitals.hp),
    );
    if died {
        events::record(ctx, EventKind::Died, vec![c.id], format!("{} dies of {label}", c.name), "cause=buff");
        on_death(ctx, c.id);
    }
}
