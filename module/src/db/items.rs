//! Item rows <-> the items pure core (`systems::items`): loads places, stashes, loadouts and the
//! definitions a call needs through indexes (never a scan of runtime rows), applies a planner's
//! `ItemOp`s as one batch, keeps the character sheet's armor in step with the loadout, spawns
//! and despawns world items. Compiled whatever the cargo features: the despawn timer, the world
//! tick's sweeper and character deletion need it even when the item reducers are compiled out.

use super::{chars, stats};
use crate::error::{err, ErrorCode, WkResult};
use crate::events;
use crate::systems::items::{
    self as items, equipment_effects, ItemInstance, ItemOp, Place, RunLoss, SpawnRequest, WipePlan,
};
use crate::tables::characters::{character, Character};
use crate::tables::combat::loot_origin;
use crate::tables::events::EventKind;
use crate::tables::items::{
    item_despawn_timer, item_instance, master_stash, run_state, ItemDespawnTimer, ItemInstanceRow, MasterStash,
    PlaceKind, RunStateRow,
};
use crate::tables::world::config;
use spacetimedb::{Identity, ReducerContext, ScheduleAt, Table, Timestamp};

// The reads live in `rows` (the bottom of the layer); item callers find them here too.
pub use super::rows::{
    active_stash, active_stash_item, character_rows, ground_near, instance, item_catalog as catalog, loadout,
    master_currency, master_stash_of, now_micros, place_of, run_of, run_row, run_stash, world_item,
};

pub fn save_run(ctx: &ReducerContext, r: RunStateRow) {
    if ctx.db.run_state().character_id().find(r.character_id).is_some() {
        ctx.db.run_state().character_id().update(r);
    } else {
        ctx.db.run_state().insert(r);
    }
}

pub fn save_master_currency(ctx: &ReducerContext, owner: Identity, currency_cp: u64) {
    let row = MasterStash { owner, currency_cp };
    if ctx.db.master_stash().owner().find(owner).is_some() {
        ctx.db.master_stash().owner().update(row);
    } else {
        ctx.db.master_stash().insert(row);
    }
}

// ----- plain data -> rows ---------------------------------------------------------------------

/// Write a place into a row's columns, resetting the columns of every other place.
/// The owners of the characters one batch of ops puts items with: each character row is read at
/// most once per batch, and not at all for the character the caller already holds.
struct Owners<'a> {
    ctx: &'a ReducerContext,
    known: Vec<(u64, Identity)>,
}

impl Owners<'_> {
    fn of(&mut self, cid: u64) -> WkResult<Identity> {
        if let Some((_, o)) = self.known.iter().find(|(id, _)| *id == cid) {
            return Ok(*o);
        }
        let owner = self
            .ctx
            .db
            .character()
            .id()
            .find(cid)
            .map(|c| c.owner)
            .ok_or_else(|| err(ErrorCode::UnknownCharacter, format!("no character {cid} to hold the item")))?;
        self.known.push((cid, owner));
        Ok(owner)
    }
}

fn set_place(owners: &mut Owners, r: &mut ItemInstanceRow, place: &Place) -> WkResult<()> {
    r.character_id = 0;
    r.owner = Identity::ZERO;
    r.location_id = String::new();
    r.slot = None;
    r.x = 0.0;
    r.y = 0.0;
    r.contact_radius_ft = 0.0;
    r.cell = 0;
    r.expires_at_micros = i64::MAX;
    match place {
        Place::Ground(_) => {
            // Planners never put an item back on the ground (a spawn inserts its row directly).
            return Err(err(ErrorCode::InvalidArgument, "items cannot be dropped on the ground here"));
        }
        Place::RunStash(cid) => {
            r.place = PlaceKind::RunStash;
            r.character_id = *cid;
            r.owner = owners.of(*cid)?;
        }
        Place::MasterStash(owner) => {
            r.place = PlaceKind::MasterStash;
            r.owner = *owner;
        }
        Place::Loadout(l) => {
            r.place = PlaceKind::Loadout;
            r.character_id = l.character_id;
            r.slot = Some(l.slot);
            r.owner = owners.of(l.character_id)?;
        }
    }
    Ok(())
}

fn row_mut(ctx: &ReducerContext, uid: u64) -> WkResult<ItemInstanceRow> {
    ctx.db.item_instance().uid().find(uid).ok_or_else(|| {
        err(ErrorCode::UnknownItem, format!("no item instance {uid}; list your items and use one of their uids"))
    })
}

/// Apply a plan's ops in order (one transaction: the reducer's). Returns the uids created.
pub fn apply(ctx: &ReducerContext, ops: &[ItemOp]) -> WkResult<Vec<u64>> {
    apply_with(ctx, ops, Owners { ctx, known: Vec::new() })
}

/// [`apply`] for ops made on behalf of `c` (its row as the caller read it in this transaction):
/// items it takes or equips get its owner without a second read of its row.
pub fn apply_for(ctx: &ReducerContext, ops: &[ItemOp], c: &Character) -> WkResult<Vec<u64>> {
    apply_with(ctx, ops, Owners { ctx, known: vec![(c.id, c.owner)] })
}

fn apply_with(ctx: &ReducerContext, ops: &[ItemOp], mut owners: Owners) -> WkResult<Vec<u64>> {
    let mut created = Vec::new();
    for op in ops {
        match op {
            ItemOp::Move { uid, to } => {
                let mut r = row_mut(ctx, *uid)?;
                set_place(&mut owners, &mut r, to)?;
                ctx.db.item_instance().uid().update(r);
            }
            ItemOp::SetQuantity { uid, quantity } => {
                let mut r = row_mut(ctx, *uid)?;
                r.quantity = *quantity;
                ctx.db.item_instance().uid().update(r);
            }
            ItemOp::Delete { uid } => {
                row_mut(ctx, *uid)?;
                ctx.db.item_instance().uid().delete(uid);
            }
            ItemOp::Create { def_id, quantity, place } => {
                let mut r = blank_row(ctx, def_id, *quantity);
                set_place(&mut owners, &mut r, place)?;
                created.push(ctx.db.item_instance().insert(r).uid);
            }
        }
    }
    Ok(created)
}

fn blank_row(ctx: &ReducerContext, def_id: &str, quantity: u32) -> ItemInstanceRow {
    ItemInstanceRow {
        uid: 0,
        def_id: def_id.to_string(),
        quantity,
        place: PlaceKind::MasterStash,
        character_id: 0,
        owner: Identity::ZERO,
        location_id: String::new(),
        slot: None,
        x: 0.0,
        y: 0.0,
        contact_radius_ft: 0.0,
        cell: 0,
        spawned_at_micros: now_micros(ctx),
        expires_at_micros: i64::MAX,
    }
}

// ----- gear -> stats --------------------------------------------------------------------------

/// Write the loadout's armor into the sheet and save, so `character_stats` (AC...) follows the
/// gear in the same transaction. Returns the saved character.
pub fn refresh_gear(ctx: &ReducerContext, mut c: Character) -> WkResult<Character> {
    let l = loadout(ctx, c.id);
    let eff = equipment_effects(catalog()?, &l, c.sheet.scores.str_)?;
    if c.sheet.armor == eff.armor {
        // The sheet is unchanged (a weapon or trinket moved): no character write, only the stats.
        stats::refresh_with(ctx, &c, eff.sources);
        return Ok(c);
    }
    c.sheet.armor = eff.armor;
    Ok(chars::save(ctx, c))
}

/// After a loadout change from `before` to `after` (both as the reducer holds them, the change
/// already applied): write the new armor into the sheet, or refresh the stats when the equipped
/// modifier sources changed. When neither changed (a dagger swapped for a dagger, a plain weapon
/// put away) nothing the stats are computed from changed, so nothing is read or written (buffs
/// the change ended refreshed the stats when they were removed).
pub fn refresh_gear_after(
    ctx: &ReducerContext,
    mut c: Character,
    before: &items::Loadout,
    after: &items::Loadout,
) -> WkResult<Character> {
    let catalog = catalog()?;
    let old = equipment_effects(catalog, before, c.sheet.scores.str_)?;
    let new = equipment_effects(catalog, after, c.sheet.scores.str_)?;
    if c.sheet.armor != new.armor {
        c.sheet.armor = new.armor;
        return Ok(chars::save(ctx, c));
    }
    if old.sources != new.sources {
        stats::refresh_with(ctx, &c, new.sources);
    }
    Ok(c)
}

/// What combat needs of the gear: the equipped weapons (main hand first) and the catalog that
/// gives their reach. Empty when nothing is wielded (an unarmed strike).
pub fn combat_gear(
    ctx: &ReducerContext,
    c: &Character,
) -> (Vec<crate::rules::WeaponDef>, Option<&'static items::ItemCatalog>) {
    let l = loadout(ctx, c.id);
    let Ok(catalog) = catalog() else { return (Vec::new(), None) };
    match equipment_effects(catalog, &l, c.sheet.scores.str_) {
        Ok(eff) => (eff.weapons, Some(catalog)),
        Err(_) => (Vec::new(), Some(catalog)),
    }
}

// ----- world items ----------------------------------------------------------------------------

/// Time to live in seconds (a float from callers) -> micros. NaN, infinite, 0 or negative is
/// `E_INVALID_TTL`; the range is checked by the pure core.
pub fn ttl_micros(ttl_secs: f64) -> WkResult<i64> {
    if !ttl_secs.is_finite() || ttl_secs <= 0.0 || ttl_secs > (items::MAX_TTL_MICROS / 1_000_000) as f64 {
        return Err(err(
            ErrorCode::InvalidTtl,
            format!("time to live {ttl_secs} s is invalid; use a finite number of seconds in (0, 604800]"),
        ));
    }
    Ok((ttl_secs * 1_000_000.0).round() as i64)
}

/// Spawn a world item (the admin reducer and, later, system spawners: loot drops, chests).
/// Validates everything first (`E_UNKNOWN_ITEM_DEF`, `E_INVALID_QUANTITY`, `E_UNKNOWN_LOCATION`,
/// `E_INVALID_POSITION`, `E_INVALID_RADIUS`, `E_INVALID_TTL`); schedules its despawn. Returns the uid.
pub fn spawn(ctx: &ReducerContext, req: &SpawnRequest) -> WkResult<u64> {
    let r = spawn_quiet(ctx, req)?;
    events::record(
        ctx,
        EventKind::ItemSpawned,
        vec![],
        format!("{} x{} appears at {} ({:.1}, {:.1})", r.def_id, r.quantity, r.location_id, r.x, r.y),
        format!(
            "uid={};def={};quantity={};location={};x={};y={};radius={};expires_at={}",
            r.uid, r.def_id, r.quantity, r.location_id, r.x, r.y, r.contact_radius_ft, r.expires_at_micros
        ),
    );
    Ok(r.uid)
}

/// [`spawn`] without its event (bulk seeding records one event for the batch).
pub fn spawn_quiet(ctx: &ReducerContext, req: &SpawnRequest) -> WkResult<ItemInstanceRow> {
    let now = now_micros(ctx);
    let catalog = catalog()?;
    let plan = items::plan_spawn(catalog, req, now)?;
    crate::auth::existing_location(ctx, &req.location_id)?;
    let mut r = blank_row(ctx, &req.def_id, req.quantity);
    r.place = PlaceKind::Ground;
    r.location_id = req.location_id.clone();
    r.x = req.x;
    r.y = req.y;
    r.contact_radius_ft = plan.contact_radius_ft;
    r.cell = items::cell_of(r.x, r.y);
    r.expires_at_micros = plan.expires_at_micros;
    let r = ctx.db.item_instance().insert(r);
    schedule_despawn(ctx, r.uid, plan.expires_at_micros);
    Ok(r)
}

/// Put one item straight into a character's run stash (bulk seeding for benchmarks; the caller
/// has put the character on a run).
pub fn seed_run_stash_item(ctx: &ReducerContext, c: &Character, def_id: &str) {
    let mut r = blank_row(ctx, def_id, 1);
    r.place = PlaceKind::RunStash;
    r.character_id = c.id;
    r.owner = c.owner;
    ctx.db.item_instance().insert(r);
}

fn schedule_despawn(ctx: &ReducerContext, uid: u64, at_micros: i64) {
    ctx.db.item_despawn_timer().insert(ItemDespawnTimer {
        scheduled_id: 0,
        scheduled_at: ScheduleAt::Time(Timestamp::from_micros_since_unix_epoch(at_micros)),
        uid,
    });
}

/// Despawn one world item if it is due (the timer and the sweeper). Idempotent: an item picked
/// up or already gone is a no-op; one not yet due (an early timer) gets a new timer.
pub fn despawn(ctx: &ReducerContext, uid: u64) {
    let now = now_micros(ctx);
    let row = ctx.db.item_instance().uid().find(uid);
    let item = row.as_ref().and_then(world_item);
    match items::plan_despawn(item.as_ref(), now) {
        items::Despawn::Gone => {}
        items::Despawn::NotYet { expires_at_micros } => schedule_despawn(ctx, uid, expires_at_micros),
        items::Despawn::Delete(op) => {
            ctx.db.loot_origin().uid().delete(uid);
            if apply(ctx, &[op]).is_ok() {
                if let Some(w) = item {
                    events::record(
                        ctx,
                        EventKind::ItemDespawned,
                        vec![],
                        format!(
                            "{} x{} at {} crumbles to dust",
                            w.instance.def_id, w.instance.quantity, w.spot.location_id
                        ),
                        format!("uid={uid};def={};location={}", w.instance.def_id, w.spot.location_id),
                    );
                }
            }
        }
    }
}

/// The world tick's sweeper: every ground item past its expiry (index range on
/// `expires_at_micros`; non-ground rows hold `i64::MAX` and are never in range).
pub fn sweep_expired(ctx: &ReducerContext) {
    let now = now_micros(ctx);
    let due: Vec<u64> = ctx.db.item_instance().by_expires().filter(i64::MIN..=now).map(|r| r.uid).collect();
    for uid in due {
        despawn(ctx, uid);
    }
}

// ----- character lifecycle --------------------------------------------------------------------

/// A run is lost ([`RunLoss`]: the voluntary `wipe`, the character's death, its deletion), by the
/// one rule of the pure core (`systems::items::wipe`): the run stash's items and currency are
/// gone, equipped items by config `wipe_difficulty`, the run ends; one event says what was lost
/// (`RunWiped` for a wipe, `RunLost` otherwise). A wipe outside a run is `E_NO_ACTIVE_RUN`; a
/// death or deletion outside a run loses nothing (`Ok(None)`).
pub fn lose_run(ctx: &ReducerContext, c: &Character, cause: RunLoss) -> WkResult<Option<WipePlan>> {
    let mut row = run_row(ctx, c.id);
    if !row.active && cause != RunLoss::Wipe {
        return Ok(None); // the common case (a death in the hub) reads nothing more
    }
    let difficulty = ctx
        .db
        .config()
        .id()
        .find(0)
        .map(|cfg| cfg.wipe_difficulty)
        .ok_or_else(|| err(ErrorCode::InvalidConfig, "config row missing; republish the module"))?;
    let stash = run_stash(ctx, c.id);
    let l = loadout(ctx, c.id);
    let plan = match cause {
        RunLoss::Wipe => items::wipe(&run_of(&row), &stash, &l, difficulty)?,
        RunLoss::Death | RunLoss::Deleted => match items::lost_with(&run_of(&row), &stash, &l, difficulty) {
            Some(p) => p,
            None => return Ok(None),
        },
    };
    apply(ctx, &plan.ops)?;
    row.active = plan.run.active;
    row.currency_cp = plan.run_currency_cp;
    save_run(ctx, row);
    if !plan.lost_equipped.is_empty() {
        // the sheet's armor follows the gear (read again: the caller's copy may be older)
        let fresh = ctx.db.character().id().find(c.id).unwrap_or_else(|| c.clone());
        refresh_gear(ctx, fresh)?;
    }
    let mut stash_uids: Vec<u64> = stash.items.iter().map(|i| i.uid).collect();
    stash_uids.sort_unstable();
    let lost: Vec<String> = plan.lost_equipped.iter().map(|(u, s)| format!("{u}@{}", s.code())).collect();
    let what = format!(
        "difficulty={};stash_items_lost={};stash_uids={};currency_lost_cp={};equipped_lost={}",
        difficulty.code(),
        stash.items.len(),
        stash_uids.iter().map(u64::to_string).collect::<Vec<_>>().join(","),
        plan.currency_lost_cp,
        lost.join(",")
    );
    let (kind, text) = match cause {
        RunLoss::Wipe => {
            (EventKind::RunWiped, format!("{}'s run ends in a wipe ({}): the bag is lost", c.name, difficulty.code()))
        }
        RunLoss::Death => {
            (EventKind::RunLost, format!("{} dies on a run: the bag ({} cp) is lost", c.name, plan.currency_lost_cp))
        }
        RunLoss::Deleted => (
            EventKind::RunLost,
            format!("{} leaves the world mid-run: the bag ({} cp) is lost", c.name, plan.currency_lost_cp),
        ),
    };
    events::record(ctx, kind, vec![c.id], text, format!("cause={};{what}", cause.code()));
    Ok(Some(plan))
}

/// Before a character is deleted: a run under way is lost first ([`lose_run`]); then what is
/// left of its loadout and its run stash (hub pickups) go to the owner's master stash (stacks
/// merged; `E_CONTAINER_FULL` refuses the deletion), run currency too; the run row goes.
pub fn before_character_delete(ctx: &ReducerContext, c: &Character) -> WkResult<()> {
    lose_run(ctx, c, RunLoss::Deleted)?;
    let mut master = master_stash_of(ctx, c.owner);
    let run = run_stash(ctx, c.id);
    let l = loadout(ctx, c.id);
    let mut leaving: Vec<ItemInstance> = l.items().map(|(_, i)| i.clone()).collect();
    leaving.extend(run.items.iter().cloned());
    if leaving.is_empty() && run.currency_cp == 0 {
        ctx.db.run_state().character_id().delete(c.id);
        return Ok(());
    }
    let catalog = catalog()?;
    let mut ops = Vec::new();
    for i in &leaving {
        let add = items::plan_add(catalog, &master, i, items::AddMode::AllOrNothing)?;
        master.apply(&add.ops, std::slice::from_ref(i));
        ops.extend(add.ops);
    }
    let currency = master.currency_cp.checked_add(run.currency_cp).ok_or_else(|| {
        err(ErrorCode::CurrencyOverflow, "the master stash cannot take this character's currency; spend some first")
    })?;
    apply(ctx, &ops)?;
    save_master_currency(ctx, c.owner, currency);
    ctx.db.run_state().character_id().delete(c.id);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::ttl_micros;
    use crate::error::ErrorCode;

    #[test]
    fn ttl_seconds_become_micros_and_bad_ones_have_a_code() {
        assert_eq!(ttl_micros(2.0), Ok(2_000_000));
        assert_eq!(ttl_micros(0.5), Ok(500_000));
        assert_eq!(ttl_micros(604_800.0), Ok(604_800_000_000));
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -1.0, 604_801.0] {
            assert_eq!(ttl_micros(bad).unwrap_err().code, ErrorCode::InvalidTtl, "{bad}");
        }
    }
}
