//! Snapshot import: rows of a snapshot (already migrated to `systems::migrate::SCHEMA_VERSION` by
//! the tool) back into the tables. One `admin_snapshot_import` call is one batch of one table and one
//! transaction: every row is validated with the live rules first, and the first bad row fails the
//! whole batch with its code, the table, its index and its id (nothing of the batch is written).
//!
//! Ids and uids are kept. SpacetimeDB 1.2 fills an `auto_inc` column only when the value is 0 and
//! never moves the sequence past an explicit id, so a plain insert of id 900 would let a later
//! insert collide with it. [`keep_id`] therefore inserts each new row with 0 and lets the sequence
//! catch up (rows whose generated id is below the wanted one are deleted again), or, when the
//! sequence is already past the id, inserts it explicitly (no later id can collide then). Rows that
//! exist are updated: re-sending a batch (a resumed import) changes nothing.
//!
//! Timers are re-armed from the rows: buff expiry and periodic ticks, ground-item despawn, travel
//! arrival. A time already past fires right after the import (the host runs an overdue one-shot
//! at once). Derived rows (effective and character stats) are rebuilt by `finish_characters`.

use crate::auth;
use crate::error::{err, ErrorCode, WkError, WkResult};
use crate::gate::Feature;
use crate::rules::{ActiveRules, RulesEngine};
use crate::tables::buffs::{active_buff, buff_expiry_timer, buff_tick_timer, BuffExpiryTimer, BuffTickTimer, NEVER};
use crate::tables::characters::{character, rest_state};
use crate::tables::combat::{combat_config, combat_instance, combatant, monster_instance};
use crate::tables::combat_log::combat_action_log;
use crate::tables::events::world_event;
use crate::tables::gates::feature_gate;
use crate::tables::items::{item_despawn_timer, item_instance, master_stash, run_state, ItemDespawnTimer, PlaceKind};
use crate::tables::perks::{character_perk, perk_def, perk_offer};
use crate::tables::snapshot::{snapshot_import_state, SnapshotBatch, SnapshotImportState};
use crate::tables::statics::class_def;
use crate::tables::world::{admin, config, event_prune_timer, player, travel_state, travel_timer};
use crate::tables::world::{characterless_player, CharacterlessPlayer};
use crate::tables::world::{world_clock, world_state, TravelTimer};
use spacetimedb::{Identity, ReducerContext, ScheduleAt, Table, Timestamp};

/// Bound on sequence values one batch may skip while keeping ids (a world whose ids grew past
/// this per batch still imports; the batch then fails with the fix and can be split).
const MAX_BURN_PER_BATCH: u64 = 5_000_000;

fn at(micros: i64) -> ScheduleAt {
    ScheduleAt::Time(Timestamp::from_micros_since_unix_epoch(micros))
}

fn row_err(table: &str, i: usize, id: impl std::fmt::Display, e: WkError) -> WkError {
    err(
        e.code,
        format!("snapshot table `{table}` row {i} (id {id}): {}; fix or drop the row and re-send the batch", e.message),
    )
}

fn bad(code: ErrorCode, msg: impl Into<String>) -> WkError {
    err(code, msg)
}

/// The import under way (`E_SNAPSHOT_NOT_STARTED` otherwise).
pub fn current(ctx: &ReducerContext) -> WkResult<SnapshotImportState> {
    match ctx.db.snapshot_import_state().id().find(0) {
        Some(s) if !s.finished => Ok(s),
        _ => {
            Err(err(ErrorCode::SnapshotNotStarted, "no snapshot import is under way; call admin_snapshot_begin first"))
        }
    }
}

/// Start (or resume, with the same `snapshot_id`) an import into a world no player has touched.
pub fn begin(ctx: &ReducerContext, snapshot_id: String, schema_version: u32, ruleset: String) -> WkResult<bool> {
    use crate::systems::migrate::SCHEMA_VERSION;
    if schema_version != SCHEMA_VERSION {
        return Err(err(
            ErrorCode::SnapshotVersion,
            format!("the rows are schema version {schema_version}, this module imports {SCHEMA_VERSION}; migrate them first (wk-snapshot import does)"),
        ));
    }
    if ruleset != ActiveRules::ID {
        return Err(err(
            ErrorCode::SnapshotVersion,
            format!(
                "the snapshot is of the `{ruleset}` ruleset, this module runs `{}`; publish a module of that ruleset",
                ActiveRules::ID
            ),
        ));
    }
    if snapshot_id.is_empty() || snapshot_id.len() > 200 {
        return Err(err(
            ErrorCode::InvalidArgument,
            "snapshot_id must be 1..=200 characters (<commit>@<exported_at_micros>)",
        ));
    }
    if let Some(s) = ctx.db.snapshot_import_state().id().find(0) {
        if s.snapshot_id == snapshot_id {
            ctx.db.snapshot_import_state().id().update(SnapshotImportState { finished: false, ..s });
            return Ok(true); // resume
        }
    }
    if ctx.db.character().iter().next().is_some() || ctx.db.snapshot_import_state().id().find(0).is_some() {
        return Err(err(
            ErrorCode::SnapshotWorldNotEmpty,
            "this world already has characters (or another snapshot); restore into a freshly published database (publish --clear)",
        ));
    }
    // What init seeded (monsters, ground items, the first events) makes way for the snapshot's.
    for t in ctx.db.item_despawn_timer().iter().collect::<Vec<_>>() {
        ctx.db.item_despawn_timer().scheduled_id().delete(t.scheduled_id);
    }
    for r in ctx.db.item_instance().iter().collect::<Vec<_>>() {
        ctx.db.item_instance().uid().delete(r.uid);
    }
    for r in ctx.db.monster_instance().iter().collect::<Vec<_>>() {
        ctx.db.monster_instance().id().delete(r.id);
    }
    for r in ctx.db.world_event().iter().collect::<Vec<_>>() {
        ctx.db.world_event().id().delete(r.id);
    }
    ctx.db.snapshot_import_state().id().delete(0);
    ctx.db.snapshot_import_state().insert(SnapshotImportState {
        id: 0,
        snapshot_id,
        started_by: ctx.sender,
        started_at: ctx.timestamp,
        rows_imported: 0,
        finished: false,
    });
    Ok(false)
}

/// Insert a new row of an `auto_inc` table keeping its id `k` (see the module docs). `insert`
/// inserts with the given id (0 = generate) and returns the stored id.
fn keep_id<R: Clone>(
    k: u64,
    row: R,
    with_id: impl Fn(&R, u64) -> R,
    insert: impl Fn(R) -> Result<u64, String>,
    delete: impl Fn(u64),
    burned: &mut u64,
) -> WkResult<()> {
    let fail = |m: String| err(ErrorCode::SnapshotBatch, m);
    if k == 0 {
        return Err(fail("id 0 is not a stored id".into()));
    }
    loop {
        let g = insert(with_id(&row, 0)).map_err(fail)?;
        if g == k {
            return Ok(());
        }
        delete(g);
        if g > k {
            insert(with_id(&row, k)).map_err(fail)?;
            return Ok(());
        }
        *burned += 1;
        if *burned > MAX_BURN_PER_BATCH {
            return Err(fail(format!(
                "keeping id {k} needs more than {MAX_BURN_PER_BATCH} sequence steps in one batch; send smaller batches"
            )));
        }
    }
}

/// Update the row with the same primary key, or insert it keeping its id ([`keep_id`]).
/// `Ok(true)`: it was new.
macro_rules! keep {
    ($tbl:expr, $pk:ident, $row:expr, $burned:expr) => {{
        let row = $row;
        let k = row.$pk;
        if $tbl.$pk().find(k).is_some() {
            $tbl.$pk().update(row);
            Ok::<bool, WkError>(false)
        } else {
            keep_id(
                k,
                row,
                |r, v| {
                    let mut r = r.clone();
                    r.$pk = v;
                    r
                },
                |r| $tbl.try_insert(r).map(|r| r.$pk).map_err(|e| e.to_string()),
                |v| {
                    $tbl.$pk().delete(v);
                },
                $burned,
            )
            .map(|_| true)
        }
    }};
}

fn location_ok(ctx: &ReducerContext, id: &str) -> WkResult<()> {
    auth::existing_location(ctx, id)
}

fn character_owner(ctx: &ReducerContext, id: u64) -> WkResult<Identity> {
    ctx.db.character().id().find(id).map(|c| c.owner).ok_or_else(|| {
        bad(ErrorCode::UnknownCharacter, format!("character {id} is not in the world (import characters first)"))
    })
}

/// Import one batch; returns the number of rows written.
pub fn import(ctx: &ReducerContext, batch: SnapshotBatch) -> WkResult<u64> {
    let mut s = current(ctx)?;
    let n = rows_in(&batch);
    if n > crate::systems::migrate::MAX_BATCH_ROWS {
        return Err(err(
            ErrorCode::SnapshotBatch,
            format!("{n} rows in one batch; send at most {}", crate::systems::migrate::MAX_BATCH_ROWS),
        ));
    }
    let now = ctx.timestamp.to_micros_since_unix_epoch();
    let mut burned = 0u64;
    match batch {
        SnapshotBatch::Admin(rows) => {
            for r in rows {
                if ctx.db.admin().identity().find(r.identity).is_none() {
                    ctx.db.admin().insert(r);
                }
            }
        }
        SnapshotBatch::Player(rows) => {
            for r in rows {
                // Nobody is connected to a world being restored.
                let r = crate::tables::world::Player { online: false, connections: 0, ..r };
                // Queued for the storage pruner from when it was last seen; its characters'
                // batch (players come first) takes it out of the queue again.
                let (identity, seen) = (r.identity, r.last_seen.to_micros_since_unix_epoch());
                if ctx.db.player().identity().find(r.identity).is_some() {
                    ctx.db.player().identity().update(r);
                } else {
                    ctx.db.player().insert(r);
                }
                if ctx.db.character().by_owner().filter(identity).next().is_none() {
                    ctx.db.characterless_player().identity().delete(identity);
                    ctx.db.characterless_player().insert(CharacterlessPlayer { identity, since_micros: seen });
                }
            }
        }
        SnapshotBatch::Config(rows) => {
            for (i, r) in rows.into_iter().enumerate() {
                if r.id != 0 || r.ruleset != ActiveRules::ID {
                    return Err(row_err(
                        "config",
                        i,
                        r.id,
                        bad(ErrorCode::InvalidConfig, "only row 0 of this ruleset"),
                    ));
                }
                let t = crate::reducers::admin::tunables(&r);
                crate::systems::config::validate(&t).map_err(|e| row_err("config", i, r.id, e))?;
                crate::db::world::validate_config(ctx, &t).map_err(|e| row_err("config", i, r.id, e))?;
                let old = ctx.db.config().id().find(0);
                match &old {
                    Some(_) => ctx.db.config().id().update(r.clone()),
                    None => ctx.db.config().insert(r.clone()),
                };
                if old.as_ref().map(|o| o.world_tick_ms) != Some(r.world_tick_ms) {
                    for t in ctx.db.world_clock().iter().collect::<Vec<_>>() {
                        ctx.db.world_clock().scheduled_id().delete(t.scheduled_id);
                    }
                    crate::reducers::admin::schedule_clock(ctx, r.world_tick_ms);
                }
                if old.as_ref().map(|o| o.event_prune_ms) != Some(r.event_prune_ms) {
                    for t in ctx.db.event_prune_timer().iter().collect::<Vec<_>>() {
                        ctx.db.event_prune_timer().scheduled_id().delete(t.scheduled_id);
                    }
                    crate::reducers::admin::schedule_prune(ctx, r.event_prune_ms);
                }
            }
        }
        SnapshotBatch::FeatureGate(rows) => {
            for (i, r) in rows.into_iter().enumerate() {
                let known = Feature::parse(&r.feature).filter(|f| f.compiled_in());
                if known.is_none() {
                    return Err(row_err(
                        "feature_gate",
                        i,
                        &r.feature,
                        bad(ErrorCode::UnknownFeature, format!("`{}` is not a system of this module", r.feature)),
                    ));
                }
                if ctx.db.feature_gate().feature().find(r.feature.clone()).is_some() {
                    ctx.db.feature_gate().feature().update(r);
                } else {
                    ctx.db.feature_gate().insert(r);
                }
            }
        }
        SnapshotBatch::CombatConfig(rows) => {
            for r in rows {
                if ctx.db.combat_config().id().find(r.id).is_some() {
                    ctx.db.combat_config().id().update(r);
                } else {
                    ctx.db.combat_config().insert(r);
                }
            }
        }
        #[cfg(feature = "profiles")]
        SnapshotBatch::ProfileConfig(rows) => {
            use crate::tables::profiles::profile_config;
            for (i, r) in rows.into_iter().enumerate() {
                if !(1..=3600).contains(&r.consent_timeout_secs) {
                    return Err(row_err(
                        "profile_config",
                        i,
                        r.id,
                        bad(ErrorCode::InvalidConfig, "consent_timeout_secs must be 1..=3600"),
                    ));
                }
                if ctx.db.profile_config().id().find(r.id).is_some() {
                    ctx.db.profile_config().id().update(r);
                } else {
                    ctx.db.profile_config().insert(r);
                }
            }
        }
        SnapshotBatch::WorldState(rows) => {
            for r in rows {
                if ctx.db.world_state().id().find(r.id).is_some() {
                    ctx.db.world_state().id().update(r);
                } else {
                    ctx.db.world_state().insert(r);
                }
            }
        }
        SnapshotBatch::Character(rows) => {
            for (i, r) in rows.into_iter().enumerate() {
                let check = || -> WkResult<()> {
                    location_ok(ctx, &r.location_id)?;
                    crate::systems::items::world::validate_position(r.x, r.y)?;
                    let v = &r.sheet.vitals;
                    if v.max_hp < 1 || v.hp < 0 || v.hp > v.max_hp {
                        return Err(bad(
                            ErrorCode::InvalidArgument,
                            format!("hp {} of max {} is out of range", v.hp, v.max_hp),
                        ));
                    }
                    if ctx.db.class_def().id().find(r.sheet.class_id.clone()).is_none() {
                        return Err(bad(
                            ErrorCode::UnknownClass,
                            format!("class `{}` is not in this ruleset", r.sheet.class_id),
                        ));
                    }
                    Ok(())
                };
                check().map_err(|e| row_err("character", i, r.id, e))?;
                ctx.db.characterless_player().identity().delete(r.owner);
                keep!(ctx.db.character(), id, r, &mut burned)?;
            }
        }
        SnapshotBatch::RestState(rows) => {
            for (i, r) in rows.into_iter().enumerate() {
                character_owner(ctx, r.character_id)
                    .and_then(|_| location_ok(ctx, &r.location_id))
                    .map_err(|e| row_err("rest_state", i, r.character_id, e))?;
                if ctx.db.rest_state().character_id().find(r.character_id).is_some() {
                    ctx.db.rest_state().character_id().update(r);
                } else {
                    ctx.db.rest_state().insert(r);
                }
            }
        }
        SnapshotBatch::TravelState(rows) => {
            for (i, r) in rows.into_iter().enumerate() {
                character_owner(ctx, r.character_id)
                    .and_then(|_| location_ok(ctx, &r.from))
                    .and_then(|_| location_ok(ctx, &r.to))
                    .map_err(|e| row_err("travel_state", i, r.character_id, e))?;
                let id = r.character_id;
                let when = r.arrives_at_micros;
                // A batch is one transaction: a row that exists already has its timer.
                if ctx.db.travel_state().character_id().find(id).is_some() {
                    ctx.db.travel_state().character_id().update(r);
                } else {
                    ctx.db.travel_state().insert(r);
                    ctx.db.travel_timer().insert(TravelTimer {
                        scheduled_id: 0,
                        scheduled_at: at(when.max(now)),
                        character_id: id,
                    });
                }
            }
        }
        SnapshotBatch::RunState(rows) => {
            for (i, r) in rows.into_iter().enumerate() {
                character_owner(ctx, r.character_id).map_err(|e| row_err("run_state", i, r.character_id, e))?;
                if ctx.db.run_state().character_id().find(r.character_id).is_some() {
                    ctx.db.run_state().character_id().update(r);
                } else {
                    ctx.db.run_state().insert(r);
                }
            }
        }
        SnapshotBatch::MasterStash(rows) => {
            for r in rows {
                if ctx.db.master_stash().owner().find(r.owner).is_some() {
                    ctx.db.master_stash().owner().update(r);
                } else {
                    ctx.db.master_stash().insert(r);
                }
            }
        }
        SnapshotBatch::ItemInstance(rows) => {
            let cat = crate::db::rows::item_catalog()?;
            for (i, r) in rows.into_iter().enumerate() {
                let check = || -> WkResult<()> {
                    let def = cat.get(&r.def_id)?;
                    if r.quantity == 0 || r.quantity > def.stack_limit.max(1) {
                        return Err(bad(
                            ErrorCode::InvalidQuantity,
                            format!(
                                "quantity {} of `{}` is outside 1..={}",
                                r.quantity,
                                r.def_id,
                                def.stack_limit.max(1)
                            ),
                        ));
                    }
                    match r.place {
                        PlaceKind::Ground => {
                            location_ok(ctx, &r.location_id)?;
                            crate::systems::items::world::validate_position(r.x, r.y)?;
                            crate::systems::items::world::validate_radius(r.contact_radius_ft)?;
                            if r.cell != crate::systems::items::world::cell_of(r.x, r.y) {
                                return Err(bad(ErrorCode::InvalidPosition, "cell does not match the position"));
                            }
                        }
                        PlaceKind::RunStash | PlaceKind::Loadout => {
                            let owner = character_owner(ctx, r.character_id)?;
                            if owner != r.owner {
                                return Err(bad(ErrorCode::NotOwner, "the item's owner is not its character's owner"));
                            }
                            if (r.place == PlaceKind::Loadout) != r.slot.is_some() {
                                return Err(bad(
                                    ErrorCode::SlotEmpty,
                                    "a loadout item needs a slot, a stash item none",
                                ));
                            }
                        }
                        PlaceKind::MasterStash => {
                            if r.owner == Identity::ZERO {
                                return Err(bad(ErrorCode::UnknownPlayer, "a master-stash item needs its owner"));
                            }
                        }
                    }
                    Ok(())
                };
                check().map_err(|e| row_err("item_instance", i, r.uid, e))?;
                let (uid, ground, expires) = (r.uid, r.place == PlaceKind::Ground, r.expires_at_micros);
                let exists = !keep!(ctx.db.item_instance(), uid, r, &mut burned)?;
                if ground && expires != i64::MAX && !exists {
                    ctx.db.item_despawn_timer().insert(ItemDespawnTimer {
                        scheduled_id: 0,
                        scheduled_at: at(expires.max(now)),
                        uid,
                    });
                }
            }
        }
        SnapshotBatch::ActiveBuff(rows) => {
            for (i, r) in rows.into_iter().enumerate() {
                let check = || -> WkResult<()> {
                    if crate::db::rows::buff_def(&r.buff_id).is_none() {
                        return Err(bad(
                            ErrorCode::UnknownBuff,
                            format!("buff `{}` is not in this ruleset", r.buff_id),
                        ));
                    }
                    crate::db::buffs::require_target(ctx, r.target_id)?;
                    if r.stacks == 0 {
                        return Err(bad(ErrorCode::InvalidArgument, "stacks must be at least 1"));
                    }
                    if r.permanent != (r.expires_at_micros == NEVER) {
                        return Err(bad(
                            ErrorCode::InvalidDuration,
                            "a permanent buff never expires, a timed one does",
                        ));
                    }
                    Ok(())
                };
                check().map_err(|e| row_err("active_buff", i, r.id, e))?;
                let (id, permanent, expires, tick) = (r.id, r.permanent, r.expires_at_micros, r.next_tick_at_micros);
                let exists = !keep!(ctx.db.active_buff(), id, r, &mut burned)?;
                // A buff keeps its end time; one that ended while the world was down expires
                // right after the import.
                if !permanent && !exists {
                    ctx.db.buff_expiry_timer().insert(BuffExpiryTimer {
                        scheduled_id: 0,
                        scheduled_at: at(expires.max(now)),
                        buff_instance_id: id,
                    });
                }
                if tick != NEVER && !exists {
                    ctx.db.buff_tick_timer().insert(BuffTickTimer {
                        scheduled_id: 0,
                        scheduled_at: at(tick.max(now)),
                        buff_instance_id: id,
                    });
                }
            }
        }
        SnapshotBatch::CharacterPerk(rows) => {
            for (i, r) in rows.into_iter().enumerate() {
                character_owner(ctx, r.character_id)
                    .and_then(|_| {
                        ctx.db.perk_def().id().find(r.perk_id.clone()).map(|_| ()).ok_or_else(|| {
                            bad(ErrorCode::UnknownPerk, format!("perk `{}` is not in this ruleset", r.perk_id))
                        })
                    })
                    .map_err(|e| row_err("character_perk", i, r.id, e))?;
                keep!(ctx.db.character_perk(), id, r, &mut burned)?;
            }
        }
        SnapshotBatch::PvpOptIn(rows) => {
            use crate::tables::pvp::pvp_opt_in;
            for (i, r) in rows.into_iter().enumerate() {
                let owner =
                    character_owner(ctx, r.character_id).map_err(|e| row_err("pvp_opt_in", i, r.character_id, e))?;
                if owner != r.owner {
                    return Err(row_err(
                        "pvp_opt_in",
                        i,
                        r.character_id,
                        bad(ErrorCode::NotOwner, "the opt-in's owner is not its character's owner"),
                    ));
                }
                if ctx.db.pvp_opt_in().character_id().find(r.character_id).is_some() {
                    ctx.db.pvp_opt_in().character_id().update(r);
                } else {
                    ctx.db.pvp_opt_in().insert(r);
                }
            }
        }
        SnapshotBatch::PerkOffer(rows) => {
            for (i, r) in rows.into_iter().enumerate() {
                let check = || -> WkResult<()> {
                    character_owner(ctx, r.character_id)?;
                    for p in r.choices.iter().chain(r.chosen.iter()) {
                        if ctx.db.perk_def().id().find(p.clone()).is_none() {
                            return Err(bad(ErrorCode::UnknownPerk, format!("perk `{p}` is not in this ruleset")));
                        }
                    }
                    Ok(())
                };
                check().map_err(|e| row_err("perk_offer", i, r.id, e))?;
                keep!(ctx.db.perk_offer(), id, r, &mut burned)?;
            }
        }
        SnapshotBatch::MonsterInstance(rows) => {
            for (i, r) in rows.into_iter().enumerate() {
                ActiveRules::monster(&r.def_id)
                    .map(|_| ())
                    .and_then(|_| location_ok(ctx, &r.location_id))
                    .map_err(|e| row_err("monster_instance", i, r.id, e))?;
                // No fight runs after an import (fights end before export).
                let r = crate::tables::combat::MonsterInstance { combat_id: 0, ..r };
                keep!(ctx.db.monster_instance(), id, r, &mut burned)?;
            }
        }
        SnapshotBatch::WorldEvent(rows) => {
            for r in rows {
                keep!(ctx.db.world_event(), id, r, &mut burned)?;
            }
        }
        SnapshotBatch::CombatInstance(rows) => {
            for (i, r) in rows.into_iter().enumerate() {
                if r.status == crate::systems::combat::FightStatus::Active {
                    return Err(row_err(
                        "combat_instance",
                        i,
                        r.id,
                        bad(ErrorCode::SnapshotBatch, "running fights are not carried; export after they end"),
                    ));
                }
                // A fight of a snapshot older than version 6 has no end time (0): its retention
                // window (`config.fight_retention_secs`) starts at the import.
                let ended =
                    if r.ended_at_micros <= 0 || r.ended_at_micros == i64::MAX { now } else { r.ended_at_micros };
                let r = crate::tables::combat::CombatInstance { ended_at_micros: ended, ..r };
                keep!(ctx.db.combat_instance(), id, r, &mut burned)?;
            }
        }
        SnapshotBatch::Combatant(rows) => {
            for (i, r) in rows.into_iter().enumerate() {
                if r.active || ctx.db.combat_instance().id().find(r.combat_id).is_none() {
                    return Err(row_err(
                        "combatant",
                        i,
                        r.key,
                        bad(ErrorCode::SnapshotBatch, "only combatants of finished, imported fights are carried"),
                    ));
                }
                keep!(ctx.db.combatant(), key, r, &mut burned)?;
            }
        }
        SnapshotBatch::CombatActionLog(rows) => {
            for (i, r) in rows.into_iter().enumerate() {
                if ctx.db.combat_instance().id().find(r.combat_id).is_none() {
                    return Err(row_err(
                        "combat_action_log",
                        i,
                        r.id,
                        bad(
                            ErrorCode::SnapshotBatch,
                            "its fight is not in the snapshot (import combat_instance first)",
                        ),
                    ));
                }
                keep!(ctx.db.combat_action_log(), id, r, &mut burned)?;
            }
        }
    }
    s.rows_imported = s.rows_imported.saturating_add(n as u64);
    ctx.db.snapshot_import_state().id().update(s);
    Ok(n as u64)
}

fn rows_in(b: &SnapshotBatch) -> usize {
    match b {
        SnapshotBatch::Admin(v) => v.len(),
        SnapshotBatch::Player(v) => v.len(),
        SnapshotBatch::Config(v) => v.len(),
        SnapshotBatch::FeatureGate(v) => v.len(),
        SnapshotBatch::CombatConfig(v) => v.len(),
        #[cfg(feature = "profiles")]
        SnapshotBatch::ProfileConfig(v) => v.len(),
        SnapshotBatch::WorldState(v) => v.len(),
        SnapshotBatch::Character(v) => v.len(),
        SnapshotBatch::RestState(v) => v.len(),
        SnapshotBatch::TravelState(v) => v.len(),
        SnapshotBatch::RunState(v) => v.len(),
        SnapshotBatch::MasterStash(v) => v.len(),
        SnapshotBatch::ItemInstance(v) => v.len(),
        SnapshotBatch::ActiveBuff(v) => v.len(),
        SnapshotBatch::CharacterPerk(v) => v.len(),
        SnapshotBatch::PerkOffer(v) => v.len(),
        SnapshotBatch::PvpOptIn(v) => v.len(),
        SnapshotBatch::MonsterInstance(v) => v.len(),
        SnapshotBatch::WorldEvent(v) => v.len(),
        SnapshotBatch::CombatInstance(v) => v.len(),
        SnapshotBatch::Combatant(v) => v.len(),
        SnapshotBatch::CombatActionLog(v) => v.len(),
    }
}

/// Rebuild the derived rows (character stats, effective stats) of imported characters; with
/// `last`, mark the import done (returned then). Unknown ids are reported, nothing is written then.
pub fn finish_characters(ctx: &ReducerContext, ids: &[u64], last: bool) -> WkResult<Option<SnapshotImportState>> {
    let mut s = current(ctx)?;
    if ids.len() > crate::systems::migrate::MAX_BATCH_ROWS {
        return Err(err(
            ErrorCode::SnapshotBatch,
            format!("{} characters in one call; send at most {}", ids.len(), crate::systems::migrate::MAX_BATCH_ROWS),
        ));
    }
    let mut chars = Vec::with_capacity(ids.len());
    for id in ids {
        let c = ctx.db.character().id().find(*id).ok_or_else(|| {
            err(ErrorCode::UnknownCharacter, format!("character {id} was not imported; import its batch first"))
        })?;
        chars.push(c);
    }
    for c in chars {
        crate::db::stats::refresh(ctx, &c);
    }
    if !last {
        return Ok(None);
    }
    s.finished = true;
    Ok(Some(ctx.db.snapshot_import_state().id().update(s)))
}
