//! Items: world items and contact pickup, the paper doll, consumables, stacks, the two
//! stashes and runs. Each reducer: gate, owner or admin, load rows through indexes
//! (`db::items`), call the pure planner (`systems::items`), apply its ops as one batch, record
//! events. Any error returns before the first write (or rolls the transaction back): nothing
//! changes.

use crate::auth;
use crate::db::chars;
use crate::db::conditions;
use crate::db::items::{self as db, now_micros};
use crate::error::{err, ErrorCode, WkResult};
use crate::events;
use crate::gate::{self, Feature};
use crate::rules::{ActiveRules, DiceLog, RulesEngine};
use crate::systems::conditions::Action;
use crate::systems::items::{
    self as items, AddMode, LoadoutChange, LoadoutSlot, MoveTarget, Place, RunLoss, SpawnRequest, Stash, Wearer,
    Whereabouts,
};
use crate::tables::characters::character;
use crate::tables::characters::Character;
use crate::tables::combat::loot_origin;
use crate::tables::events::EventKind;
use crate::tables::items::{item_instance, ItemInstanceRow, ItemTarget, PlaceKind};
use crate::tables::world::location_def;
use spacetimedb::{reducer, ReducerContext};

/// Gate, then the character if the sender owns it (or is an admin).
fn actor(ctx: &ReducerContext, character_id: u64) -> WkResult<Character> {
    gate::require(ctx, Feature::Items)?;
    auth::owned_character(ctx, character_id)
}

fn item_row(ctx: &ReducerContext, uid: u64) -> WkResult<ItemInstanceRow> {
    ctx.db
        .item_instance()
        .uid()
        .find(uid)
        .ok_or_else(|| err(ErrorCode::UnknownItem, format!("no item instance {uid}; see SELECT * FROM item_instance")))
}

fn not_in_combat(ctx: &ReducerContext, c: &Character) -> WkResult<()> {
    if chars::in_combat(ctx, c.id) {
        return Err(err(ErrorCode::InCombat, format!("{}'s loadout is locked in combat", c.name)));
    }
    Ok(())
}

fn uids(v: &[u64]) -> String {
    v.iter().map(|u| u.to_string()).collect::<Vec<_>>().join(",")
}

// ----- world items ----------------------------------------------------------------------------

/// Admin: put an item on the ground of a location. `contact_radius` in feet (0, 100];
/// `ttl_secs` (0, 604800]: it despawns then unless picked up.
#[reducer]
#[allow(clippy::too_many_arguments)]
pub fn admin_spawn_world_item(
    ctx: &ReducerContext,
    def_id: String,
    quantity: u32,
    location_id: String,
    x: f64,
    y: f64,
    contact_radius: f64,
    ttl_secs: f64,
) -> Result<(), String> {
    auth::require_admin(ctx)?;
    crate::systems::limits::text("admin_spawn_world_item", "def_id", &def_id)?;
    crate::systems::limits::text("admin_spawn_world_item", "location_id", &location_id)?;
    gate::require(ctx, Feature::Items)?;
    let req = SpawnRequest {
        def_id,
        quantity,
        location_id,
        x,
        y,
        contact_radius_ft: contact_radius,
        ttl_micros: db::ttl_micros(ttl_secs)?,
    };
    db::spawn(ctx, &req)?;
    Ok(())
}

/// Take every item whose contact zone holds the character (same location), nearest first (ties
/// by uid), into the run stash with stack merging; one `ItemPickedUp` event each, in that order.
/// `E_NOTHING_IN_REACH` when nothing was taken.
#[reducer]
pub fn pick_up(ctx: &ReducerContext, character_id: u64) -> Result<(), String> {
    let _span = crate::timing::span("pick_up");
    crate::db::limits::admit(ctx)?;
    let c = actor(ctx, character_id)?;
    conditions::require(ctx, &c, Action::PickUp)?;
    if chars::is_traveling(ctx, c.id) {
        return Err(err(ErrorCode::Traveling, "nothing to pick up on the road; arrive first").into());
    }
    let ground = db::ground_near(ctx, &c.location_id, c.x, c.y);
    let stash = db::run_stash(ctx, c.id);
    let catalog = db::catalog()?;
    let who = Whereabouts { character_id: c.id, location_id: c.location_id.clone(), x: c.x, y: c.y };
    let plan = items::plan_pickup(catalog, &who, &ground, &stash, now_micros(ctx))?.require_any()?;
    db::apply_for(ctx, &plan.ops, &c)?;
    for p in plan.pickups.iter().filter(|p| p.taken > 0) {
        let merged: Vec<String> = p.merged.iter().map(|(u, q)| format!("{u}:{q}")).collect();
        events::record(
            ctx,
            EventKind::ItemPickedUp,
            vec![c.id],
            format!("{} picks up {} x{}", c.name, p.def_id, p.taken),
            format!(
                "uid={};def={};taken={};left={};distance_sq={};merged={}",
                p.uid,
                p.def_id,
                p.taken,
                p.left,
                p.distance_sq_fixed,
                merged.join(",")
            ),
        );
        if let Some(origin) = ctx.db.loot_origin().uid().find(p.uid) {
            events::cross_agent(
                ctx,
                crate::systems::agents::CrossKind::LootPickup,
                vec![c.id],
                c.owner,
                &origin.owners,
                format!("{} picks up {} dropped in another player's fight", c.name, p.def_id),
                format!("uid={};def={};combat={}", p.uid, p.def_id, origin.combat_id),
            );
            if p.left == 0 {
                ctx.db.loot_origin().uid().delete(p.uid);
            }
        }
    }
    Ok(())
}

// ----- giving -------------------------------------------------------------------------------

/// Hand an item to another character at the same location: from the giver's active stash (the
/// run stash during a run, else the master stash) to the receiver's run stash when it is on a
/// run, else to the receiver owner's master stash (stacks merged; all or nothing). An
/// `ItemGiven` event with both actors, plus a `CrossAgent` one between different players.
#[reducer]
pub fn give_item(
    ctx: &ReducerContext,
    character_id: u64,
    item_uid: u64,
    target_character_id: u64,
) -> Result<(), String> {
    crate::db::limits::admit(ctx)?;
    let c = actor(ctx, character_id)?;
    if character_id == target_character_id {
        return Err(err(ErrorCode::SameCharacter, "you already hold it; name another character to give it to").into());
    }
    let target = auth::existing_character(ctx, target_character_id)?;
    conditions::require(ctx, &c, Action::Give)?;
    if chars::is_traveling(ctx, c.id) {
        return Err(err(ErrorCode::Traveling, "you are on the road; give items once you arrive").into());
    }
    if chars::is_traveling(ctx, target.id) {
        return Err(err(ErrorCode::Traveling, format!("{} is on the road; wait until they arrive", target.name)).into());
    }
    if c.location_id != target.location_id {
        return Err(err(
            ErrorCode::NotSameLocation,
            format!("{} is at {}, you are at {}; travel there first", target.name, target.location_id, c.location_id),
        )
        .into());
    }
    if target.sheet.vitals.dead {
        return Err(
            err(ErrorCode::CharacterDead, format!("{} is dead; give it to a living character", target.name)).into()
        );
    }
    let item = item_row(ctx, item_uid)?;
    let from = db::active_stash(ctx, &c);
    let to = match crate::systems::agents::gift_destination(target.id, target.owner, db::run_row(ctx, target.id).active)
    {
        crate::systems::agents::GiftDestination::RunStash(_) => db::run_stash(ctx, target.id),
        crate::systems::agents::GiftDestination::MasterStash(owner) => db::master_stash_of(ctx, owner),
    };
    let inst = from.find(item.uid).cloned().ok_or_else(|| {
        err(
            ErrorCode::ItemNotHere,
            format!("item {} is not in your {}; give from your active stash", item.uid, from.place.describe()),
        )
    })?;
    let catalog = db::catalog()?;
    let add = items::plan_add(catalog, &to, &inst, AddMode::AllOrNothing)?;
    db::apply(ctx, &add.ops)?;
    let dest = if matches!(to.place, Place::RunStash(_)) { "run" } else { "master" };
    events::record(
        ctx,
        EventKind::ItemGiven,
        vec![c.id, target.id],
        format!("{} gives {} x{} to {}", c.name, inst.def_id, inst.quantity, target.name),
        format!("uid={};def={};quantity={};to={dest}", inst.uid, inst.def_id, inst.quantity),
    );
    events::cross_agent(
        ctx,
        crate::systems::agents::CrossKind::Gift,
        vec![c.id, target.id],
        c.owner,
        &[target.owner],
        format!("{} gives {} to another player's {}", c.name, inst.def_id, target.name),
        format!("uid={};def={}", inst.uid, inst.def_id),
    );
    Ok(())
}

// ----- the paper doll -------------------------------------------------------------------------

/// Apply a loadout change planned from `before` and `stash` (as read by [`doll`]), end the buffs
/// that end on a gear change, follow the gear in the sheet's armor and the stats (so
/// `character_stats` follows at once) and record it. An empty change (re-equipping in place)
/// changes nothing.
fn finish_loadout(
    ctx: &ReducerContext,
    c: Character,
    before: &items::Loadout,
    stash: &Stash,
    change: LoadoutChange,
    what: &str,
) -> WkResult<()> {
    if change.is_empty() {
        return Ok(());
    }
    db::apply_for(ctx, &change.ops, &c)?;
    crate::db::buffs::on_loadout_change(ctx, c.id);
    let after = items::loadout_after(before, stash, &change.ops)?;
    let c = db::refresh_gear_after(ctx, c, before, &after)?;
    let equipped: Vec<String> = change.equipped.iter().map(|(u, s)| format!("{u}@{}", s.code())).collect();
    events::record(
        ctx,
        EventKind::LoadoutChanged,
        vec![c.id],
        format!("{} changes gear ({what})", c.name),
        format!("action={what};equipped={};to_stash={}", equipped.join(","), uids(&change.to_stash)),
    );
    Ok(())
}

/// A planner's `E_ITEM_NOT_HERE` for an item that does not exist at all is `E_UNKNOWN_ITEM` (the
/// item row is read only then, not on every call).
fn unknown_or_elsewhere(ctx: &ReducerContext, item_uid: u64, e: crate::error::WkError) -> crate::error::WkError {
    if e.code == ErrorCode::ItemNotHere {
        if let Err(unknown) = item_row(ctx, item_uid) {
            return unknown;
        }
    }
    e
}

fn wearer(c: &Character) -> Wearer<'_> {
    Wearer { class_id: &c.sheet.class_id, scores: c.sheet.scores }
}

/// Load what a loadout change reads: loadout, active stash, and the definitions of both.
fn doll(ctx: &ReducerContext, c: &Character) -> WkResult<(items::Loadout, Stash, &'static items::ItemCatalog)> {
    let l = db::loadout(ctx, c.id);
    let stash = db::active_stash(ctx, c);
    let catalog = db::catalog()?;
    Ok((l, stash, catalog))
}

/// Equip an item from the active stash (run stash during a run, else the master stash) or from
/// another slot. Slot rules, class and minimum scores, two-handed and displacement rules:
/// `systems::items::loadout`.
#[reducer]
pub fn equip(ctx: &ReducerContext, character_id: u64, item_uid: u64, slot: LoadoutSlot) -> Result<(), String> {
    let _span = crate::timing::span("equip");
    crate::db::limits::admit(ctx)?;
    let c = actor(ctx, character_id)?;
    conditions::require(ctx, &c, Action::ChangeGear)?;
    not_in_combat(ctx, &c)?;
    // An item from the stash that displaces nothing into it: the plan needs only its own row, not
    // the whole stash (any other case, an error included, is planned again with the whole stash).
    let l = db::loadout(ctx, c.id);
    if l.slot_of(item_uid).is_none() {
        if let Some(one) = db::active_stash_item(ctx, &c, item_uid) {
            let catalog = db::catalog()?;
            if let Ok(change) = items::equip(catalog, &l, &one, item_uid, slot, &wearer(&c)) {
                if change.to_stash.is_empty() {
                    return Ok(finish_loadout(ctx, c, &l, &one, change, "equip")?);
                }
            }
        }
    }
    let stash = db::active_stash(ctx, &c);
    let catalog = db::catalog()?;
    let change = items::equip(catalog, &l, &stash, item_uid, slot, &wearer(&c))
        .map_err(|e| unknown_or_elsewhere(ctx, item_uid, e))?;
    finish_loadout(ctx, c, &l, &stash, change, "equip")?;
    Ok(())
}

/// Take the item in `slot` back to the active stash.
#[reducer]
pub fn unequip(ctx: &ReducerContext, character_id: u64, slot: LoadoutSlot) -> Result<(), String> {
    let _span = crate::timing::span("unequip");
    crate::db::limits::admit(ctx)?;
    let c = actor(ctx, character_id)?;
    conditions::require(ctx, &c, Action::ChangeGear)?;
    not_in_combat(ctx, &c)?;
    let (l, stash, catalog) = doll(ctx, &c)?;
    let change = items::unequip(catalog, &l, &stash, slot)?;
    finish_loadout(ctx, c, &l, &stash, change, "unequip")?;
    Ok(())
}

/// Drag and drop: an item to a slot (as `equip`) or to the active stash (as `unequip`).
#[reducer]
pub fn move_item(ctx: &ReducerContext, character_id: u64, item_uid: u64, target: ItemTarget) -> Result<(), String> {
    crate::db::limits::admit(ctx)?;
    let c = actor(ctx, character_id)?;
    conditions::require(ctx, &c, Action::ChangeGear)?;
    not_in_combat(ctx, &c)?;
    let (l, stash, catalog) = doll(ctx, &c)?;
    let to = match target {
        ItemTarget::Stash => MoveTarget::Stash,
        ItemTarget::Slot(s) => MoveTarget::Slot(s),
    };
    let change = items::move_item(catalog, &l, &stash, item_uid, to, &wearer(&c))
        .map_err(|e| unknown_or_elsewhere(ctx, item_uid, e))?;
    finish_loadout(ctx, c, &l, &stash, change, "move")?;
    Ok(())
}

/// Use the consumable in a belt slot: healing is rolled with the rules engine's dice (in the
/// event) and applied by `ActiveRules::heal`; one is used up; the slot empties at 0.
/// Buff consumables apply their buff through the buff system (stacking, immunity).
#[reducer]
pub fn use_consumable(ctx: &ReducerContext, character_id: u64, slot: LoadoutSlot) -> Result<(), String> {
    crate::db::limits::admit(ctx)?;
    let mut c = actor(ctx, character_id)?;
    conditions::require(ctx, &c, Action::UseItem)?;
    if crate::db::combat::in_combat(ctx, c.id) {
        // In a fight it is a bonus action on your turn, resolved by the fight.
        return Ok(crate::db::combat::use_consumable(ctx, &c, slot)?);
    }
    let l = db::loadout(ctx, c.id);
    let catalog = db::catalog()?;
    let used = items::use_consumable(catalog, &l, slot)?;
    if let Some(id) = used.effect.buff() {
        // Through the buff system's stacking and immunity rules; an immune target is refused
        // (the transaction rolls back, nothing is used up).
        let applied = crate::db::buffs::apply(ctx, c.id, crate::systems::buffs::Application::new(id, c.id))?;
        if used.effect.temp_hp() > 0 {
            // Temporary HP do not stack: the higher of current and new is kept.
            if let Some(mut fresh) = ctx.db.character().id().find(c.id) {
                ActiveRules::grant_temp_hp(&mut fresh.sheet.vitals, used.effect.temp_hp());
                chars::save(ctx, fresh);
            }
        }
        db::apply(ctx, &used.ops)?;
        events::record(
            ctx,
            EventKind::ConsumableUsed,
            vec![c.id],
            format!("{} uses {} ({})", c.name, used.name, id),
            format!(
                "uid={};def={};slot={};buff={id};buff_instance={};remaining={}",
                used.uid,
                used.def_id,
                slot.code(),
                applied.instance_id,
                used.remaining
            ),
        );
        return Ok(());
    }
    let mut log = DiceLog::new();
    let mut rng = ctx.rng();
    let amount = items::roll_heal(&used.effect, &mut rng, &format!("{} healing", used.name), &mut log).unwrap_or(0);
    let healed = ActiveRules::heal(&c.name, &mut c.sheet.vitals, amount)?;
    db::apply(ctx, &used.ops)?;
    let c = chars::save(ctx, c);
    events::record_with_dice(
        ctx,
        EventKind::ConsumableUsed,
        vec![c.id],
        format!("{} drinks {}: {}", c.name, used.name, healed.text),
        format!(
            "uid={};def={};slot={};rolled={amount};healed={};hp_after={};remaining={}",
            used.uid,
            used.def_id,
            slot.code(),
            healed.healed,
            healed.hp_after,
            used.remaining
        ),
        log.entries,
    );
    Ok(())
}

// ----- stacks and stashes ---------------------------------------------------------------------

/// The stash (of this character or its owner) that holds `row`, or `E_ITEM_NOT_HERE`.
fn stash_holding(ctx: &ReducerContext, c: &Character, row: &ItemInstanceRow) -> WkResult<Stash> {
    match row.place {
        PlaceKind::RunStash if row.character_id == c.id => Ok(db::run_stash(ctx, c.id)),
        PlaceKind::MasterStash if row.owner == c.owner => Ok(db::master_stash_of(ctx, c.owner)),
        _ => Err(err(
            ErrorCode::ItemNotHere,
            format!("item {} is in neither {}'s run stash nor its owner's master stash", row.uid, c.name),
        )),
    }
}

/// Split `amount` off a stack into a new stack in the same stash.
#[reducer]
pub fn split_stack(ctx: &ReducerContext, character_id: u64, item_uid: u64, amount: u32) -> Result<(), String> {
    crate::db::limits::admit(ctx)?;
    let c = actor(ctx, character_id)?;
    let row = item_row(ctx, item_uid)?;
    let stash = stash_holding(ctx, &c, &row)?;
    let catalog = db::catalog()?;
    let ops = items::split_stack(catalog, &stash, item_uid, amount)?;
    let created = db::apply(ctx, &ops)?;
    events::record(
        ctx,
        EventKind::StackSplit,
        vec![c.id],
        format!("{} splits {} off a stack of {}", c.name, amount, row.def_id),
        format!("uid={item_uid};amount={amount};new_uid={}", uids(&created)),
    );
    Ok(())
}

/// Move `quantity` from stack `from_uid` into stack `into_uid` (same stash, same definition).
#[reducer]
pub fn merge_stacks(
    ctx: &ReducerContext,
    character_id: u64,
    from_uid: u64,
    into_uid: u64,
    quantity: u32,
) -> Result<(), String> {
    crate::db::limits::admit(ctx)?;
    let c = actor(ctx, character_id)?;
    let row = item_row(ctx, from_uid)?;
    item_row(ctx, into_uid)?;
    let stash = stash_holding(ctx, &c, &row)?;
    let catalog = db::catalog()?;
    let ops = items::merge_stacks(catalog, &stash, from_uid, into_uid, quantity)?;
    db::apply(ctx, &ops)?;
    events::record(
        ctx,
        EventKind::StacksMerged,
        vec![c.id],
        format!("{} merges {} {} into one stack", c.name, quantity, row.def_id),
        format!("from={from_uid};into={into_uid};quantity={quantity}"),
    );
    Ok(())
}

fn transfer(ctx: &ReducerContext, c: &Character, item: &ItemInstanceRow, from: &Stash, to: &Stash) -> WkResult<()> {
    let inst = from.find(item.uid).cloned().ok_or_else(|| {
        err(ErrorCode::ItemNotHere, format!("item {} is not in the {}", item.uid, from.place.describe()))
    })?;
    let catalog = db::catalog()?;
    let add = items::plan_add(catalog, to, &inst, AddMode::AllOrNothing)?;
    db::apply(ctx, &add.ops)?;
    events::record(
        ctx,
        EventKind::ItemTransferred,
        vec![c.id],
        format!("{} moves {} x{} to the {}", c.name, inst.def_id, inst.quantity, to.place.describe()),
        format!(
            "uid={};def={};quantity={};to={}",
            inst.uid,
            inst.def_id,
            inst.quantity,
            if matches!(to.place, Place::RunStash(_)) { "run" } else { "master" }
        ),
    );
    Ok(())
}

/// Run stash -> master stash (stacks merged). Only outside a run (`E_RUN_ACTIVE`: extract
/// instead): e.g. what was picked up in the hub.
#[reducer]
pub fn move_to_master(ctx: &ReducerContext, character_id: u64, item_uid: u64) -> Result<(), String> {
    crate::db::limits::admit(ctx)?;
    let c = actor(ctx, character_id)?;
    let item = item_row(ctx, item_uid)?;
    if db::run_row(ctx, c.id).active {
        return Err(err(ErrorCode::RunActive, "the run stash is sealed during a run; extract to bring it home").into());
    }
    let from = db::run_stash(ctx, c.id);
    let to = db::master_stash_of(ctx, c.owner);
    transfer(ctx, &c, &item, &from, &to)?;
    Ok(())
}

/// Master stash -> run stash (supplies for the expedition; lost if the run wipes). Only during
/// a run (`E_NO_ACTIVE_RUN`).
#[reducer]
pub fn move_to_run(ctx: &ReducerContext, character_id: u64, item_uid: u64) -> Result<(), String> {
    crate::db::limits::admit(ctx)?;
    let c = actor(ctx, character_id)?;
    let item = item_row(ctx, item_uid)?;
    if !db::run_row(ctx, c.id).active {
        return Err(err(ErrorCode::NoActiveRun, "begin a run first; outside a run the master stash is your bag").into());
    }
    let from = db::master_stash_of(ctx, c.owner);
    let to = db::run_stash(ctx, c.id);
    transfer(ctx, &c, &item, &from, &to)?;
    Ok(())
}

// ----- runs -----------------------------------------------------------------------------------

/// Start an expedition: the run stash becomes the active stash (`E_RUN_ACTIVE`,
/// `E_RUN_STASH_NOT_EMPTY`).
#[reducer]
pub fn begin_run(ctx: &ReducerContext, character_id: u64) -> Result<(), String> {
    crate::db::limits::admit(ctx)?;
    let c = actor(ctx, character_id)?;
    conditions::require(ctx, &c, Action::BeginRun)?;
    let mut row = db::run_row(ctx, c.id);
    let next = items::begin_run(&db::run_of(&row), &db::run_stash(ctx, c.id), now_micros(ctx))?;
    row.active = next.active;
    row.started_at_micros = next.started_at_micros;
    db::save_run(ctx, row);
    events::record(ctx, EventKind::RunBegun, vec![c.id], format!("{} sets out on a run", c.name), "");
    Ok(())
}

/// End a run successfully: the run stash (items, stacks merged, and currency) goes into the
/// master stash. All or nothing. Only a character that can act (alive, conscious, not
/// incapacitated), out of combat, not on the road, at a safe location (`systems::items::may_extract`).
#[reducer]
pub fn extract(ctx: &ReducerContext, character_id: u64) -> Result<(), String> {
    crate::db::limits::admit(ctx)?;
    let c = actor(ctx, character_id)?;
    conditions::require(ctx, &c, Action::Extract)?;
    let mut row = db::run_row(ctx, c.id);
    let safe = ctx.db.location_def().id().find(&c.location_id).is_some_and(|l| l.safe);
    let site = items::ExtractSite {
        name: &c.name,
        location_id: &c.location_id,
        location_safe: safe,
        in_combat: chars::in_combat(ctx, c.id),
        traveling: chars::is_traveling(ctx, c.id),
    };
    items::may_extract(&db::run_of(&row), &site)?;
    let run_stash = db::run_stash(ctx, c.id);
    let master = db::master_stash_of(ctx, c.owner);
    let catalog = db::catalog()?;
    let plan = items::extract(catalog, &db::run_of(&row), &run_stash, &master)?;
    db::apply(ctx, &plan.ops)?;
    db::save_master_currency(ctx, c.owner, plan.master_currency_cp);
    row.active = plan.run.active;
    row.currency_cp = plan.run_currency_cp;
    db::save_run(ctx, row);
    let n: u32 = plan.extracted.iter().map(|(_, q)| q).sum();
    events::record(
        ctx,
        EventKind::RunExtracted,
        vec![c.id],
        format!("{} extracts with {} items and {} cp", c.name, n, run_stash.currency_cp),
        format!(
            "items={};stacks={};currency_cp={};master_currency_cp={}",
            n,
            plan.extracted.len(),
            run_stash.currency_cp,
            plan.master_currency_cp
        ),
    );
    Ok(())
}

/// End a run in failure: the run stash is lost; equipped items by config `wipe_difficulty`
/// (the same rule as a death during the run: `db::items::lose_run`).
#[reducer]
pub fn wipe(ctx: &ReducerContext, character_id: u64) -> Result<(), String> {
    crate::db::limits::admit(ctx)?;
    let c = actor(ctx, character_id)?;
    db::lose_run(ctx, &c, RunLoss::Wipe)?;
    Ok(())
}

/// Admin: add currency (copper pieces) to a character's run stash during a run (loot that is
/// not an item; also how tests put currency through `extract`).
#[reducer]
pub fn admin_grant_currency(ctx: &ReducerContext, character_id: u64, amount_cp: u64) -> Result<(), String> {
    auth::require_admin(ctx)?;
    let c = actor(ctx, character_id)?;
    if amount_cp == 0 {
        return Err(err(ErrorCode::InvalidQuantity, "grant at least 1 cp").into());
    }
    let mut row = db::run_row(ctx, c.id);
    if !row.active {
        return Err(err(ErrorCode::NoActiveRun, "currency goes into the run stash; begin a run first").into());
    }
    row.currency_cp = row
        .currency_cp
        .checked_add(amount_cp)
        .ok_or_else(|| err(ErrorCode::CurrencyOverflow, "the run stash cannot hold that much currency"))?;
    db::save_run(ctx, row);
    events::record(
        ctx,
        EventKind::CurrencyGranted,
        vec![c.id],
        format!("{} finds {amount_cp} cp", c.name),
        format!("amount_cp={amount_cp}"),
    );
    Ok(())
}
