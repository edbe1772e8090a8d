//! Scenarios: world items (spawn, contact pickup order, despawn), the paper doll and the
//! stats it drives, consumables, stacks, stashes and runs, ownership, gates, determinism. Every
//! scenario ends with the live invariant check over all `item_instance` rows.
//!
//! Each scenario works in its own square of the start location (`region`), far enough from the
//! others' that no contact zone (radius <= 5 ft here) reaches across.

use crate::harness::{check, check_eq, wait_for, Client, Env, Runner, TestResult};
use crate::module_bindings::*;
use crate::scenarios::foundation::{create, fixture, Fixture};
use spacetimedb_sdk::{Identity, Table};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

const LOC: &str = "crossroads";
const WAIT: Duration = Duration::from_secs(5);

/// Item ids of the active ruleset for each role a scenario needs.
struct Ids {
    weapon: &'static str,
    two_hander: &'static str,
    body: &'static str,
    shield: &'static str,
    stackable: &'static str,
    potion: &'static str,
    /// Restricted to the fixture's `other_class` and needing STR 13+ (the fixture has STR 8).
    restricted: &'static str,
    buff_potion: Option<&'static str>,
    /// AC the shield adds (dnd5e +2; lite defense +1).
    shield_ac: i32,
}

fn ids(env: &Env) -> Ids {
    if env.ruleset == "lite" {
        Ids {
            weapon: "short_blade",
            two_hander: "hunting_bow",
            body: "leather_vest",
            shield: "iron_shield",
            stackable: "iron_scrap",
            potion: "healing_draught",
            restricted: "great_axe",
            buff_potion: None,
            shield_ac: 1,
        }
    } else {
        Ids {
            weapon: "dagger",
            two_hander: "greatsword",
            body: "leather",
            shield: "shield",
            stackable: "arrow",
            potion: "potion_of_healing",
            restricted: "vanguard_blade",
            buff_potion: Some("potion_of_heroism"),
            shield_ac: 2,
        }
    }
}

static NEXT_REGION: AtomicU32 = AtomicU32::new(0);

/// A fresh square of the start location: its centre (x, y) in feet.
fn region() -> (f64, f64) {
    let k = NEXT_REGION.fetch_add(1, Ordering::SeqCst);
    (200.0 + 400.0 * (k % 20) as f64, 200.0 + 400.0 * (k / 20) as f64)
}

fn all_items(c: &Client) -> Vec<ItemInstanceRow> {
    c.conn.db.item_instance().iter().collect()
}

fn item(c: &Client, uid: u64) -> Option<ItemInstanceRow> {
    c.conn.db.item_instance().uid().find(&uid)
}

fn run_stash(c: &Client, cid: u64) -> Vec<ItemInstanceRow> {
    let mut v: Vec<_> =
        all_items(c).into_iter().filter(|r| r.place == PlaceKind::RunStash && r.character_id == cid).collect();
    v.sort_by_key(|r| r.uid);
    v
}

fn master_stash(c: &Client, owner: Identity) -> Vec<ItemInstanceRow> {
    let mut v: Vec<_> =
        all_items(c).into_iter().filter(|r| r.place == PlaceKind::MasterStash && r.owner == owner).collect();
    v.sort_by_key(|r| r.uid);
    v
}

fn in_slot(c: &Client, cid: u64, slot: LoadoutSlot) -> Option<ItemInstanceRow> {
    all_items(c).into_iter().find(|r| r.place == PlaceKind::Loadout && r.character_id == cid && r.slot == Some(slot))
}

fn events(c: &Client, kind: EventKind, actor: u64) -> Vec<WorldEvent> {
    let mut v: Vec<_> =
        c.conn.db.world_event().iter().filter(|e| e.kind == kind && e.actors.first() == Some(&actor)).collect();
    v.sort_by_key(|e| e.id);
    v
}

/// `key=value` from an event detail.
fn detail(e: &WorldEvent, key: &str) -> String {
    e.detail
        .split(';')
        .find_map(|kv| kv.split_once('=').filter(|(k, _)| *k == key).map(|(_, v)| v.to_string()))
        .unwrap_or_default()
}

fn ac(c: &Client, cid: u64) -> i32 {
    c.conn.db.character_stats().character_id().find(&cid).map(|s| s.derived.ac).unwrap_or(i32::MIN)
}

fn hp(c: &Client, cid: u64) -> i32 {
    c.conn.db.character().id().find(&cid).map(|ch| ch.sheet.vitals.hp).unwrap_or(i32::MIN)
}

/// Admin spawn at (x, y) in `loc`; waits for the row and returns its uid.
#[allow(clippy::too_many_arguments)]
fn spawn_at(
    admin: &Client,
    def: &str,
    qty: u32,
    loc: &str,
    x: f64,
    y: f64,
    radius: f64,
    ttl: f64,
) -> Result<u64, String> {
    let before = all_items(admin).iter().map(|r| r.uid).max().unwrap_or(0);
    let (d, l) = (def.to_string(), loc.to_string());
    admin.ok("admin_spawn_world_item", move |r| r.admin_spawn_world_item(d, qty, l, x, y, radius, ttl))?;
    let find = || {
        all_items(admin)
            .into_iter()
            .filter(|r| {
                r.uid > before
                    && r.place == PlaceKind::Ground
                    && r.def_id == def
                    && r.x == x
                    && r.y == y
                    && r.location_id == loc
            })
            .map(|r| r.uid)
            .max()
    };
    wait_for(&format!("spawned {def} row"), WAIT, || find().is_some())?;
    find().ok_or_else(|| "spawned row vanished".into())
}

fn spawn(admin: &Client, def: &str, qty: u32, x: f64, y: f64) -> Result<u64, String> {
    spawn_at(admin, def, qty, LOC, x, y, 5.0, 600.0)
}

fn step(c: &Client, cid: u64, x: f64, y: f64) -> TestResult {
    c.ok("step_to", move |r| r.step_to(cid, x, y))?;
    wait_for("the step", WAIT, || c.conn.db.character().id().find(&cid).is_some_and(|ch| ch.x == x && ch.y == y))
}

fn pick(c: &Client, cid: u64) -> TestResult {
    c.ok("pick_up", move |r| r.pick_up(cid))
}

fn create_other(c: &Client, fx: &Fixture, name: &str) -> Result<Character, String> {
    let (n, class, scores) = (name.to_string(), fx.other_class.to_string(), fx.scores.clone());
    c.ok("create_character", move |r| r.create_character(n, class, scores, vec![]))?;
    let me = c.identity;
    wait_for("the new character row", WAIT, || {
        c.conn.db.character().iter().any(|ch| ch.owner == me && ch.name == name)
    })?;
    c.conn.db.character().iter().find(|ch| ch.owner == me && ch.name == name).ok_or_else(|| "row vanished".into())
}

/// Does a definition's slot fit a loadout slot? (Mirror of the module's rule, for the checker.)
fn accepts(slot: LoadoutSlot, def: &EquipSlot) -> bool {
    match def {
        EquipSlot::MainHand => slot == LoadoutSlot::MainHand,
        EquipSlot::OffHand => slot == LoadoutSlot::OffHand,
        EquipSlot::EitherHand => matches!(slot, LoadoutSlot::MainHand | LoadoutSlot::OffHand),
        EquipSlot::Body => slot == LoadoutSlot::Body,
        EquipSlot::Accessory => slot == LoadoutSlot::Accessory,
        EquipSlot::Belt => matches!(slot, LoadoutSlot::Belt1 | LoadoutSlot::Belt2),
        EquipSlot::None => false,
    }
}

/// The live invariant: every instance is in exactly one well-formed place (its place kind's
/// columns set, every other place's columns neutral, the holding character's owner as its
/// owner), with a known definition and a quantity in
/// 1..=its stack limit; no two instances share a loadout slot; no off-hand item beside a
/// two-handed weapon.
pub fn invariants(c: &Client) -> TestResult {
    let rows = all_items(c);
    let mut slots = std::collections::BTreeMap::new();
    let mut bad = Vec::new();
    for r in &rows {
        let Some(def) = c.conn.db.item_def().id().find(&r.def_id) else {
            bad.push(format!("{}: unknown def {}", r.uid, r.def_id));
            continue;
        };
        if r.quantity == 0 || r.quantity > def.def.stack_limit {
            bad.push(format!("{}: quantity {} (limit {})", r.uid, r.quantity, def.def.stack_limit));
        }
        let ok = match r.place {
            PlaceKind::Ground => {
                !r.location_id.is_empty()
                    && r.character_id == 0
                    && r.slot.is_none()
                    && [r.x, r.y].iter().all(|v| v.is_finite() && (0.0..=10_000.0).contains(v))
                    && r.contact_radius_ft > 0.0
                    && r.expires_at_micros < i64::MAX
            }
            PlaceKind::RunStash => {
                r.character_id != 0 && r.slot.is_none() && r.location_id.is_empty() && r.expires_at_micros == i64::MAX
            }
            PlaceKind::MasterStash => {
                r.character_id == 0
                    && r.owner != Identity::ZERO
                    && r.slot.is_none()
                    && r.location_id.is_empty()
                    && r.expires_at_micros == i64::MAX
            }
            PlaceKind::Loadout => {
                r.character_id != 0
                    && r.slot.is_some_and(|s| accepts(s, &def.def.slot))
                    && r.location_id.is_empty()
                    && r.expires_at_micros == i64::MAX
            }
        };
        if !ok {
            bad.push(format!("{}: malformed place {:?}", r.uid, r));
        }
        // An item with a character (its run stash or a slot) carries that character's owner.
        if matches!(r.place, PlaceKind::RunStash | PlaceKind::Loadout) {
            let holder = c.conn.db.character().id().find(&r.character_id).map(|ch| ch.owner);
            if holder != Some(r.owner) {
                bad.push(format!("{}: owner {} but character {} is {holder:?}'s", r.uid, r.owner, r.character_id));
            }
        }
        if let (PlaceKind::Loadout, Some(s)) = (r.place, r.slot) {
            let key = (r.character_id, s as u8);
            if let Some(other) = slots.insert(key, (r.uid, def.def.two_handed)) {
                bad.push(format!("{} and {} share slot {s:?} of {}", r.uid, other.0, r.character_id));
            }
        }
    }
    for ((cid, s), (uid, two_handed)) in &slots {
        if *s == LoadoutSlot::MainHand as u8 && *two_handed && slots.contains_key(&(*cid, LoadoutSlot::OffHand as u8)) {
            bad.push(format!("two-handed {uid} of {cid} beside an off-hand item"));
        }
    }
    check(bad.is_empty(), format!("item invariants broken: {}", bad.join("; ")))
}

/// Run a scenario, then the invariant check over every item row.
fn scenario(r: &mut Runner, env: &Env, name: &str, f: impl FnOnce() -> TestResult) {
    r.run(name, || {
        f()?;
        let watcher = Client::fresh(env)?;
        invariants(&watcher)
    });
}

fn admin_set_config(admin: &Client, k: &str, v: &str) -> TestResult {
    let (k, v) = (k.to_string(), v.to_string());
    admin.ok("admin_set_config", move |r| r.admin_set_config(k, v))
}

/// One scripted sequence of spawns, steps and pickups in region (bx, by) by a fresh player.
/// Returns the pickups (spawn index, quantity taken) in event order and the final run stash as
/// (spawn index or `new`, def, quantity), so two runs compare without their absolute uids.
type DetOutcome = (Vec<(usize, u32)>, Vec<(String, String, u32)>);

fn determinism_run(env: &Env, fx: &Fixture, ids: &Ids, admin: &Client, name: &str) -> Result<DetOutcome, String> {
    let (bx, by) = region();
    let a = Client::fresh(env)?;
    let ch = create(&a, fx, name)?;
    let id = ch.id;
    step(&a, id, bx, by)?;
    let plan: [(&str, u32, f64, f64); 6] = [
        (ids.stackable, 70, 3.0, 0.0),
        (ids.weapon, 1, 0.0, 2.0),
        (ids.stackable, 50, 0.0, -2.0), // same distance as the weapon: uid decides
        (ids.potion, 2, 1.0, 1.0),
        (ids.body, 1, 30.0, 0.0), // out of reach until the second step
        (ids.stackable, 40, 31.0, 0.0),
    ];
    let mut uids = Vec::new();
    for (def, q, dx, dy) in plan {
        uids.push(spawn(admin, def, q, bx + dx, by + dy)?);
    }
    pick(&a, id)?;
    step(&a, id, bx + 30.0, by + 1.0)?;
    pick(&a, id)?;
    wait_for("six pickups", WAIT, || events(&a, EventKind::ItemPickedUp, id).len() >= 6)?;
    let index = |uid: u64| uids.iter().position(|u| *u == uid);
    let order = events(&a, EventKind::ItemPickedUp, id)
        .iter()
        .map(|e| {
            let uid: u64 = detail(e, "uid").parse().unwrap_or(0);
            (index(uid).unwrap_or(usize::MAX), detail(e, "taken").parse().unwrap_or(0))
        })
        .collect();
    let stash = run_stash(&a, id)
        .into_iter()
        .map(|r| (index(r.uid).map(|i| i.to_string()).unwrap_or_else(|| "new".into()), r.def_id, r.quantity))
        .collect();
    Ok((order, stash))
}

pub fn run(env: &Env, r: &mut Runner) {
    let fx = fixture(env);
    let ids = ids(env);

    scenario(r, env, "items: spawn is admin-only and validates every argument", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let (bx, by) = region();
        let w = ids.weapon.to_string();
        let s = ids.stackable.to_string();
        let before = all_items(&admin).len();
        a.fails_with("admin_spawn_world_item", "E_NOT_ADMIN", {
            let w = w.clone();
            move |r| r.admin_spawn_world_item(w, 1, LOC.into(), bx, by, 2.0, 60.0)
        })?;
        type Case = (&'static str, String, u32, String, f64, f64, f64, f64);
        let cases: Vec<Case> = vec![
            ("E_UNKNOWN_ITEM_DEF", "no_such_item".into(), 1, LOC.into(), bx, by, 2.0, 60.0),
            ("E_INVALID_QUANTITY", w.clone(), 0, LOC.into(), bx, by, 2.0, 60.0),
            ("E_INVALID_QUANTITY", w.clone(), 2, LOC.into(), bx, by, 2.0, 60.0),
            ("E_INVALID_QUANTITY", s.clone(), 100, LOC.into(), bx, by, 2.0, 60.0),
            ("E_UNKNOWN_LOCATION", w.clone(), 1, "atlantis".into(), bx, by, 2.0, 60.0),
            ("E_INVALID_POSITION", w.clone(), 1, LOC.into(), f64::NAN, by, 2.0, 60.0),
            ("E_INVALID_POSITION", w.clone(), 1, LOC.into(), -1.0, by, 2.0, 60.0),
            ("E_INVALID_POSITION", w.clone(), 1, LOC.into(), bx, f64::INFINITY, 2.0, 60.0),
            ("E_INVALID_POSITION", w.clone(), 1, LOC.into(), 10_001.0, by, 2.0, 60.0),
            ("E_INVALID_RADIUS", w.clone(), 1, LOC.into(), bx, by, f64::NAN, 60.0),
            ("E_INVALID_RADIUS", w.clone(), 1, LOC.into(), bx, by, -1.0, 60.0),
            ("E_INVALID_RADIUS", w.clone(), 1, LOC.into(), bx, by, 0.0, 60.0),
            ("E_INVALID_RADIUS", w.clone(), 1, LOC.into(), bx, by, f64::INFINITY, 60.0),
            ("E_INVALID_TTL", w.clone(), 1, LOC.into(), bx, by, 2.0, f64::NAN),
            ("E_INVALID_TTL", w.clone(), 1, LOC.into(), bx, by, 2.0, -5.0),
            ("E_INVALID_TTL", w.clone(), 1, LOC.into(), bx, by, 2.0, 0.0),
            ("E_INVALID_TTL", w.clone(), 1, LOC.into(), bx, by, 2.0, f64::INFINITY),
        ];
        for (code, def, q, loc, x, y, rad, ttl) in cases {
            admin.fails_with("admin_spawn_world_item", code, move |r| {
                r.admin_spawn_world_item(def, q, loc, x, y, rad, ttl)
            })?;
        }
        std::thread::sleep(Duration::from_millis(200));
        check_eq(all_items(&admin).len(), before, "no row from rejected spawns")?;
        let uid = spawn(&admin, ids.stackable, 99, bx, by)?;
        let row = item(&admin, uid).ok_or("spawned row")?;
        check_eq(row.quantity, 99, "quantity")?;
        check(row.expires_at_micros > row.spawned_at_micros, "expiry after spawn")?;
        wait_for("ItemSpawned event", WAIT, || {
            admin
                .conn
                .db
                .world_event()
                .iter()
                .any(|e| e.kind == EventKind::ItemSpawned && detail(&e, "uid") == uid.to_string())
        })
    });

    scenario(r, env, "items: step_to validates the position", || {
        let a = Client::fresh(env)?;
        let ch = create(&a, &fx, "Stepper")?;
        let id = ch.id;
        check_eq((ch.x, ch.y), (0.0, 0.0), "created at the origin")?;
        for (x, y) in [(f64::NAN, 1.0), (-0.5, 1.0), (1.0, f64::INFINITY), (1.0, 10_000.5)] {
            a.fails_with("step_to", "E_INVALID_POSITION", move |r| r.step_to(id, x, y))?;
        }
        let b = Client::fresh(env)?;
        b.fails_with("step_to", "E_NOT_OWNER", move |r| r.step_to(id, 5.0, 5.0))?;
        step(&a, id, 10_000.0, 0.0)
    });

    scenario(r, env, "items: pick_up takes what is in contact, by distance then uid, never elsewhere", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let ch = create(&a, &fx, "Picker")?;
        let id = ch.id;
        let (bx, by) = region();
        step(&a, id, bx, by)?;
        a.fails_with("pick_up", "E_NOTHING_IN_REACH", move |r| r.pick_up(id))?;
        let far = spawn(&admin, ids.weapon, 1, bx + 3.0, by)?; // distance 3
        let near_b = spawn(&admin, ids.body, 1, bx, by + 1.0)?; // distance 1, lower uid
        let near_c = spawn(&admin, ids.shield, 1, bx - 1.0, by)?; // distance 1, higher uid
        let mid = spawn(&admin, ids.stackable, 5, bx + 1.5, by + 1.5)?; // distance ~2.12
        let out_of_reach = spawn_at(&admin, ids.weapon, 1, LOC, bx + 10.0, by, 5.0, 600.0)?;
        let elsewhere = spawn_at(&admin, ids.weapon, 1, "village", bx, by, 5.0, 600.0)?;
        pick(&a, id)?;
        wait_for("four pickup events", WAIT, || events(&a, EventKind::ItemPickedUp, id).len() == 4)?;
        let order: Vec<u64> =
            events(&a, EventKind::ItemPickedUp, id).iter().map(|e| detail(e, "uid").parse().unwrap_or(0)).collect();
        check_eq(order, vec![near_b, near_c, mid, far], "pickup order (distance, then uid)")?;
        wait_for("all four in the run stash", WAIT, || run_stash(&a, id).len() == 4)?;
        let stash: Vec<u64> = run_stash(&a, id).iter().map(|r| r.uid).collect();
        check_eq(stash, vec![far, near_b, near_c, mid], "run stash keeps the instances' uids")?;
        check(item(&a, out_of_reach).is_some_and(|r| r.place == PlaceKind::Ground), "out of reach stays")?;
        check(item(&a, elsewhere).is_some_and(|r| r.place == PlaceKind::Ground), "another location's item stays")?;
        a.fails_with("pick_up", "E_NOTHING_IN_REACH", move |r| r.pick_up(id))?;
        // the edge of the contact zone counts
        step(&a, id, bx + 5.0, by)?;
        pick(&a, id)?;
        wait_for("edge pickup", WAIT, || item(&a, out_of_reach).is_some_and(|r| r.place == PlaceKind::RunStash))?;
        check(item(&a, elsewhere).is_some_and(|r| r.place == PlaceKind::Ground), "still never taken")
    });

    scenario(r, env, "items: stacks merge up to 99; split_stack and merge_stacks with their codes", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let ch = create(&a, &fx, "Stacker")?;
        let id = ch.id;
        let (bx, by) = region();
        step(&a, id, bx, by)?;
        let s1 = spawn(&admin, ids.stackable, 60, bx + 1.0, by)?;
        let s2 = spawn(&admin, ids.stackable, 60, bx + 2.0, by)?;
        let w = spawn(&admin, ids.weapon, 1, bx + 3.0, by)?;
        pick(&a, id)?;
        wait_for("stacks 99 + 21 and the weapon", WAIT, || {
            let q: Vec<(u64, u32)> = run_stash(&a, id).iter().map(|r| (r.uid, r.quantity)).collect();
            q == vec![(s1, 99), (s2, 21), (w, 1)]
        })?;
        let second = events(&a, EventKind::ItemPickedUp, id).into_iter().find(|e| detail(e, "uid") == s2.to_string());
        check_eq(second.map(|e| detail(&e, "merged")), Some(format!("{s1}:39")), "merge recorded in the event")?;
        a.fails_with("split_stack", "E_INVALID_QUANTITY", move |r| r.split_stack(id, s1, 0))?;
        a.fails_with("split_stack", "E_INVALID_QUANTITY", move |r| r.split_stack(id, s1, 99))?;
        a.fails_with("split_stack", "E_NOT_STACKABLE", move |r| r.split_stack(id, w, 1))?;
        a.fails_with("split_stack", "E_UNKNOWN_ITEM", move |r| r.split_stack(id, u64::MAX, 1))?;
        a.ok("split_stack", move |r| r.split_stack(id, s1, 10))?;
        wait_for("a new stack of 10", WAIT, || run_stash(&a, id).len() == 4)?;
        let new = run_stash(&a, id).iter().find(|r| r.uid > w).map(|r| (r.uid, r.quantity)).ok_or("new stack")?;
        check_eq(new.1, 10, "split amount")?;
        check_eq(item(&a, s1).map(|r| r.quantity), Some(89), "rest of the stack")?;
        let n = new.0;
        a.fails_with("merge_stacks", "E_STACK_LIMIT", move |r| r.merge_stacks(id, s2, s1, 11))?;
        a.fails_with("merge_stacks", "E_DIFFERENT_ITEM_DEFS", move |r| r.merge_stacks(id, w, s1, 1))?;
        a.fails_with("merge_stacks", "E_INVALID_QUANTITY", move |r| r.merge_stacks(id, n, s2, 11))?;
        a.fails_with("merge_stacks", "E_INVALID_ARGUMENT", move |r| r.merge_stacks(id, s2, s2, 1))?;
        a.ok("merge_stacks", move |r| r.merge_stacks(id, n, s2, 10))?;
        wait_for("merged stack gone", WAIT, || item(&a, n).is_none())?;
        check_eq(item(&a, s2).map(|r| r.quantity), Some(31), "merged into")?;
        a.ok("merge_stacks", move |r| r.merge_stacks(id, s2, s1, 5))?;
        wait_for("partial merge", WAIT, || item(&a, s1).is_some_and(|r| r.quantity == 94))?;
        check_eq(item(&a, s2).map(|r| r.quantity), Some(26), "what is left")
    });

    scenario(r, env, "items: equip/unequip/move with slot rules, two-handed, AC follows armor", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let ch = create(&a, &fx, "Doll")?;
        let id = ch.id;
        let (bx, by) = region();
        step(&a, id, bx, by)?;
        a.ok("begin_run", move |r| r.begin_run(id))?;
        let weapon = spawn(&admin, ids.weapon, 1, bx + 1.0, by)?;
        let two = spawn(&admin, ids.two_hander, 1, bx + 1.0, by)?;
        let body = spawn(&admin, ids.body, 1, bx + 1.0, by)?;
        let shield = spawn(&admin, ids.shield, 1, bx + 1.0, by)?;
        let potion = spawn(&admin, ids.potion, 3, bx + 1.0, by)?;
        pick(&a, id)?;
        wait_for("five items in the bag", WAIT, || run_stash(&a, id).len() == 5)?;
        wait_for("stats", WAIT, || ac(&a, id) != i32::MIN)?;
        let ac0 = ac(&a, id);
        use LoadoutSlot::*;
        a.fails_with("equip", "E_SLOT_INCOMPATIBLE", move |r| r.equip(id, body, MainHand))?;
        a.fails_with("equip", "E_SLOT_INCOMPATIBLE", move |r| r.equip(id, potion, Body))?;
        a.fails_with("equip", "E_SLOT_INCOMPATIBLE", move |r| r.equip(id, weapon, Belt1))?;
        a.fails_with("equip", "E_UNKNOWN_ITEM", move |r| r.equip(id, u64::MAX, MainHand))?;
        a.fails_with("unequip", "E_SLOT_EMPTY", move |r| r.unequip(id, Accessory))?;
        // dnd5e: a stance (`removed_on_loadout_change`) ends when the gear changes; Bless stays.
        let has = |b: &'static str| a.conn.db.active_buff().iter().any(|r| r.target_id == id && r.buff_id == b);
        if env.ruleset == "dnd5e" {
            for b in ["defensive_stance", "bless"] {
                admin.ok("admin_apply_buff", move |r| r.admin_apply_buff(id, b.into(), 0, Some(600)))?;
            }
            wait_for("stance and bless held", WAIT, || has("defensive_stance") && has("bless"))?;
        }
        a.ok("equip", move |r| r.equip(id, shield, OffHand))?;
        if env.ruleset == "dnd5e" {
            wait_for("the stance ends with the gear change", WAIT, || !has("defensive_stance"))?;
            check(has("bless"), "bless (not removed on a gear change) stays")?;
            let bless = a.conn.db.active_buff().iter().find(|x| x.target_id == id && x.buff_id == "bless");
            let bless = bless.map_or(0, |x| x.id);
            admin.ok("admin_remove_buff", move |r| r.admin_remove_buff(bless))?;
            wait_for("bless removed", WAIT, || !has("bless"))?;
        }
        wait_for("AC with the shield", WAIT, || ac(&a, id) == ac0 + ids.shield_ac)?;
        a.ok("unequip", move |r| r.unequip(id, OffHand))?;
        wait_for("AC back without the shield", WAIT, || ac(&a, id) == ac0)?;
        check(item(&a, shield).is_some_and(|r| r.place == PlaceKind::RunStash), "shield back in the bag")?;
        a.ok("equip", move |r| r.equip(id, body, Body))?;
        a.ok("equip", move |r| r.equip(id, shield, OffHand))?;
        a.ok("equip", move |r| r.equip(id, weapon, MainHand))?;
        a.ok("equip", move |r| r.equip(id, potion, Belt1))?;
        wait_for("four slots filled", WAIT, || {
            [MainHand, OffHand, Body, Belt1].iter().all(|s| in_slot(&a, id, *s).is_some())
        })?;
        let armored = ac(&a, id);
        check(armored >= ac0 + ids.shield_ac, format!("armor and shield raise AC: {ac0} -> {armored}"))?;
        // a two-handed weapon displaces the main-hand weapon and sends the off-hand item to the stash
        a.ok("equip", move |r| r.equip(id, two, MainHand))?;
        wait_for("two-hander equipped, off hand emptied", WAIT, || {
            in_slot(&a, id, MainHand).is_some_and(|r| r.uid == two) && in_slot(&a, id, OffHand).is_none()
        })?;
        check(item(&a, shield).is_some_and(|r| r.place == PlaceKind::RunStash), "shield to the stash")?;
        check(item(&a, weapon).is_some_and(|r| r.place == PlaceKind::RunStash), "old weapon to the stash")?;
        wait_for("AC without the shield", WAIT, || ac(&a, id) == armored - ids.shield_ac)?;
        // move_item: belt slot to belt slot, then to the stash
        a.ok("move_item", move |r| r.move_item(id, potion, ItemTarget::Slot(Belt2)))?;
        wait_for("potion on belt 2", WAIT, || in_slot(&a, id, Belt2).is_some_and(|r| r.uid == potion))?;
        check(in_slot(&a, id, Belt1).is_none(), "belt 1 emptied")?;
        a.ok("move_item", move |r| r.move_item(id, two, ItemTarget::Stash))?;
        wait_for("two-hander in the stash", WAIT, || item(&a, two).is_some_and(|r| r.place == PlaceKind::RunStash))?;
        a.fails_with("move_item", "E_INVALID_ARGUMENT", move |r| r.move_item(id, two, ItemTarget::Stash))?;
        a.ok("move_item", move |r| r.move_item(id, weapon, ItemTarget::Slot(MainHand)))?;
        a.ok("unequip", move |r| r.unequip(id, Body))?;
        wait_for("AC back to base", WAIT, || ac(&a, id) == ac0)
    });

    scenario(r, env, "items: class restriction and minimum ability scores have their codes", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let wrong_class = create(&a, &fx, "Wrongclass")?;
        let weak = create_other(&a, &fx, "Weakling")?;
        let (bx, by) = region();
        for (ch, dx) in [(&wrong_class, 0.0), (&weak, 50.0)] {
            let id = ch.id;
            step(&a, id, bx + dx, by)?;
            a.ok("begin_run", move |r| r.begin_run(id))?;
            spawn(&admin, ids.restricted, 1, bx + dx + 1.0, by)?;
            pick(&a, id)?;
            wait_for("restricted item in the bag", WAIT, || run_stash(&a, id).len() == 1)?;
        }
        let (w, k) = (wrong_class.id, weak.id);
        let wu = run_stash(&a, w)[0].uid;
        let ku = run_stash(&a, k)[0].uid;
        a.fails_with("equip", "E_CLASS_RESTRICTED", move |r| r.equip(w, wu, LoadoutSlot::MainHand))?;
        a.fails_with("equip", "E_ABILITY_TOO_LOW", move |r| r.equip(k, ku, LoadoutSlot::MainHand))?;
        // and an item of another character's bag is not here
        a.fails_with("equip", "E_ITEM_NOT_HERE", move |r| r.equip(w, ku, LoadoutSlot::MainHand))?;
        check(
            in_slot(&a, w, LoadoutSlot::MainHand).is_none() && in_slot(&a, k, LoadoutSlot::MainHand).is_none(),
            "nothing equipped",
        )
    });

    scenario(r, env, "items: use_consumable heals with dice, decrements, clears the slot at 0", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let ch = create(&a, &fx, "Drinker")?;
        let id = ch.id;
        let (bx, by) = region();
        step(&a, id, bx, by)?;
        a.ok("begin_run", move |r| r.begin_run(id))?;
        let potion = spawn(&admin, ids.potion, 2, bx, by)?;
        pick(&a, id)?;
        wait_for("potions in the bag", WAIT, || run_stash(&a, id).len() == 1)?;
        a.ok("equip", move |r| r.equip(id, potion, LoadoutSlot::Belt1))?;
        a.fails_with("use_consumable", "E_SLOT_EMPTY", move |r| r.use_consumable(id, LoadoutSlot::Belt2))?;
        a.fails_with("use_consumable", "E_SLOT_INCOMPATIBLE", move |r| r.use_consumable(id, LoadoutSlot::MainHand))?;
        a.fails_with("admin_set_hp", "E_NOT_ADMIN", move |r| r.admin_set_hp(id, 1))?;
        admin.ok("admin_set_hp", move |r| r.admin_set_hp(id, 1))?;
        wait_for("hurt", WAIT, || hp(&a, id) >= 1 && hp(&a, id) <= 2)?;
        a.ok("use_consumable", move |r| r.use_consumable(id, LoadoutSlot::Belt1))?;
        wait_for("ConsumableUsed event", WAIT, || events(&a, EventKind::ConsumableUsed, id).len() == 1)?;
        let e = events(&a, EventKind::ConsumableUsed, id).remove(0);
        check(!e.dice.is_empty(), format!("healing dice in the event: {}", e.text))?;
        let healed: i32 = detail(&e, "healed").parse().unwrap_or(0);
        let rolled: i32 = detail(&e, "rolled").parse().unwrap_or(0);
        check_eq(rolled, e.dice[0].total, "rolled = dice total")?;
        check(healed >= 1, format!("healed: {}", e.detail))?;
        let after: i32 = detail(&e, "hp_after").parse().unwrap_or(0);
        wait_for("HP raised", WAIT, || hp(&a, id) >= after)?;
        check_eq(item(&a, potion).map(|r| r.quantity), Some(1), "one used")?;
        check_eq(detail(&e, "remaining"), "1".to_string(), "remaining in the event")?;
        a.ok("use_consumable", move |r| r.use_consumable(id, LoadoutSlot::Belt1))?;
        wait_for("slot cleared at 0", WAIT, || {
            item(&a, potion).is_none() && in_slot(&a, id, LoadoutSlot::Belt1).is_none()
        })?;
        a.fails_with("use_consumable", "E_SLOT_EMPTY", move |r| r.use_consumable(id, LoadoutSlot::Belt1))?;
        if let Some(buff) = ids.buff_potion {
            let b = spawn(&admin, buff, 1, bx, by)?;
            pick(&a, id)?;
            wait_for("buff potion in the bag", WAIT, || item(&a, b).is_some_and(|r| r.place == PlaceKind::RunStash))?;
            a.ok("equip", move |r| r.equip(id, b, LoadoutSlot::Belt2))?;
            a.ok("use_consumable", move |r| r.use_consumable(id, LoadoutSlot::Belt2))?;
            wait_for("the potion's buff is active", WAIT, || {
                a.conn.db.active_buff().iter().any(|r| r.target_id == id && r.buff_id == "heroic_blessing")
            })?;
            wait_for("the potion used up", WAIT, || {
                item(&a, b).is_none() && in_slot(&a, id, LoadoutSlot::Belt2).is_none()
            })?;
        }
        Ok(())
    });

    scenario(r, env, "items: gear changes effective stats at once and reverts (with its source)", || {
        if env.ruleset != "dnd5e" {
            return Ok(()); // the +5 blade is dnd5e content
        }
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        // a fighter strong enough for the Vanguard Blade (STR 15, fighter/paladin only)
        let scores = AbilityScores { str: 15, dex: 14, con: 13, int: 12, wis: 10, cha: 8 };
        a.ok("create_character", move |r| r.create_character("Champion".into(), "fighter".into(), scores, vec![]))?;
        let me = a.identity;
        let mut id = 0;
        wait_for("champion row", WAIT, || {
            id =
                a.conn.db.character().iter().find(|c| c.owner == me && c.name == "Champion").map(|c| c.id).unwrap_or(0);
            id != 0
        })?;
        let attack = |c: &Client| super::buffs::line(c, id, Stat::AttackBonus).map(|l| (l.value, l.contributions));
        wait_for("effective stats row", WAIT, || attack(&a).is_some())?;
        let (before, _) = attack(&a).ok_or("no attack line")?;
        let (bx, by) = region();
        step(&a, id, bx, by)?;
        a.ok("begin_run", move |r| r.begin_run(id))?;
        let blade = spawn(&admin, "vanguard_blade", 1, bx, by)?;
        pick(&a, id)?;
        wait_for("blade in the bag", WAIT, || item(&a, blade).is_some_and(|r| r.place == PlaceKind::RunStash))?;
        a.ok("equip", move |r| r.equip(id, blade, LoadoutSlot::MainHand))?;
        // same transaction as the equip: visible as soon as the equip's rows are
        wait_for("attack +5 from the blade", WAIT, || attack(&a).is_some_and(|(v, _)| v == before + 5))?;
        let (_, contributions) = attack(&a).ok_or("no attack line")?;
        check(
            contributions
                .iter()
                .any(|c| c.source_kind == SourceKind::Equipment && c.source_id == blade && c.label == "Vanguard Blade"),
            format!("the blade is named as the source: {contributions:?}"),
        )?;
        a.ok("unequip", move |r| r.unequip(id, LoadoutSlot::MainHand))?;
        wait_for("attack back after unequip", WAIT, || attack(&a).is_some_and(|(v, _)| v == before))?;
        invariants(&a)
    });

    scenario(r, env, "items: runs: begin_run, extract merges into the master stash, stash transfers", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let ch = create(&a, &fx, "Runner")?;
        let id = ch.id;
        let me = a.identity;
        let (bx, by) = region();
        step(&a, id, bx, by)?;
        a.fails_with("extract", "E_NO_ACTIVE_RUN", move |r| r.extract(id))?;
        a.fails_with("wipe", "E_NO_ACTIVE_RUN", move |r| r.wipe(id))?;
        // picked up in the hub: the run stash is not empty, so no run until it is moved home
        let loot = spawn(&admin, ids.stackable, 50, bx, by)?;
        pick(&a, id)?;
        wait_for("hub pickup", WAIT, || run_stash(&a, id).len() == 1)?;
        a.fails_with("begin_run", "E_RUN_STASH_NOT_EMPTY", move |r| r.begin_run(id))?;
        a.fails_with("move_to_run", "E_NO_ACTIVE_RUN", move |r| r.move_to_run(id, loot))?;
        a.ok("move_to_master", move |r| r.move_to_master(id, loot))?;
        wait_for("in the master stash", WAIT, || master_stash(&a, me).iter().any(|r| r.uid == loot))?;
        a.ok("begin_run", move |r| r.begin_run(id))?;
        a.fails_with("begin_run", "E_RUN_ACTIVE", move |r| r.begin_run(id))?;
        let more = spawn(&admin, ids.stackable, 60, bx, by)?;
        let w = spawn(&admin, ids.weapon, 1, bx, by)?;
        pick(&a, id)?;
        wait_for("run loot", WAIT, || run_stash(&a, id).len() == 2)?;
        a.fails_with("move_to_master", "E_RUN_ACTIVE", move |r| r.move_to_master(id, w))?;
        a.fails_with("admin_grant_currency", "E_NOT_ADMIN", move |r| r.admin_grant_currency(id, 5))?;
        admin.ok("admin_grant_currency", move |r| r.admin_grant_currency(id, 250))?;
        // extraction needs a safe place: the crossroads is not one
        a.fails_with("extract", "E_NOT_SAFE_TO_EXTRACT", move |r| r.extract(id))?;
        crate::scenarios::world::travel(&a, id, "village")?;
        a.ok("extract", move |r| r.extract(id))?;
        wait_for("run stash emptied", WAIT, || run_stash(&a, id).is_empty())?;
        let master: Vec<(u64, u32)> = master_stash(&a, me).iter().map(|r| (r.uid, r.quantity)).collect();
        check_eq(master, vec![(loot, 99), (more, 11), (w, 1)], "merged into the master stash, uids kept")?;
        wait_for("currency moved", WAIT, || {
            a.conn.db.master_stash().owner().find(&me).is_some_and(|m| m.currency_cp == 250)
                && a.conn.db.run_state().character_id().find(&id).is_some_and(|s| !s.active && s.currency_cp == 0)
        })?;
        // supplies for the next run; equipping outside a run uses the master stash
        a.ok("equip", move |r| r.equip(id, w, LoadoutSlot::MainHand))?;
        a.ok("begin_run", move |r| r.begin_run(id))?;
        a.ok("move_to_run", move |r| r.move_to_run(id, more))?;
        wait_for("supplies in the bag", WAIT, || item(&a, more).is_some_and(|r| r.place == PlaceKind::RunStash))?;
        a.ok("extract", move |r| r.extract(id))?;
        wait_for("supplies home again", WAIT, || item(&a, more).is_some_and(|r| r.place == PlaceKind::MasterStash))
    });

    scenario(r, env, "items: wipe loses the bag; equipped gear by wipe_difficulty", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let ch = create(&a, &fx, "Wiper")?;
        let id = ch.id;
        let (bx, by) = region();
        step(&a, id, bx, by)?;
        let mut res = (|| -> TestResult {
            admin_set_config(&admin, "wipe_difficulty", "standard")?;
            a.ok("begin_run", move |r| r.begin_run(id))?;
            let w = spawn(&admin, ids.weapon, 1, bx, by)?;
            let p = spawn(&admin, ids.potion, 2, bx, by)?;
            let junk = spawn(&admin, ids.stackable, 7, bx, by)?;
            pick(&a, id)?;
            wait_for("loot", WAIT, || run_stash(&a, id).len() == 3)?;
            a.ok("equip", move |r| r.equip(id, w, LoadoutSlot::MainHand))?;
            a.ok("equip", move |r| r.equip(id, p, LoadoutSlot::Belt1))?;
            admin.ok("admin_grant_currency", move |r| r.admin_grant_currency(id, 40))?;
            a.ok("wipe", move |r| r.wipe(id))?;
            wait_for("bag and belt lost (standard)", WAIT, || item(&a, junk).is_none() && item(&a, p).is_none())?;
            check(in_slot(&a, id, LoadoutSlot::MainHand).is_some_and(|r| r.uid == w), "weapon kept (standard)")?;
            check(
                a.conn.db.run_state().character_id().find(&id).is_some_and(|s| !s.active && s.currency_cp == 0),
                "run over, currency lost",
            )?;
            wait_for("RunWiped event", WAIT, || {
                events(&a, EventKind::RunWiped, id).iter().any(|e| detail(e, "currency_lost_cp") == "40")
            })?;
            admin_set_config(&admin, "wipe_difficulty", "hardcore")?;
            a.ok("begin_run", move |r| r.begin_run(id))?;
            a.ok("wipe", move |r| r.wipe(id))?;
            wait_for("weapon lost (hardcore)", WAIT, || item(&a, w).is_none())?;
            admin.fails_with("admin_set_config", "E_INVALID_CONFIG", |r| {
                r.admin_set_config("wipe_difficulty".into(), "brutal".into())
            })
        })();
        let restore = admin_set_config(&admin, "wipe_difficulty", "standard");
        if res.is_ok() {
            res = restore;
        }
        res
    });

    scenario(r, env, "items: another player cannot touch your items", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let b = Client::fresh(env)?;
        let ch = create(&a, &fx, "Owner")?;
        let id = ch.id;
        let (bx, by) = region();
        step(&a, id, bx, by)?;
        a.ok("begin_run", move |r| r.begin_run(id))?;
        let s = spawn(&admin, ids.stackable, 10, bx, by)?;
        let p = spawn(&admin, ids.potion, 1, bx, by)?;
        pick(&a, id)?;
        wait_for("loot", WAIT, || run_stash(&a, id).len() == 2)?;
        a.ok("equip", move |r| r.equip(id, p, LoadoutSlot::Belt1))?;
        b.fails_with("pick_up", "E_NOT_OWNER", move |r| r.pick_up(id))?;
        b.fails_with("equip", "E_NOT_OWNER", move |r| r.equip(id, s, LoadoutSlot::Belt2))?;
        b.fails_with("unequip", "E_NOT_OWNER", move |r| r.unequip(id, LoadoutSlot::Belt1))?;
        b.fails_with("move_item", "E_NOT_OWNER", move |r| r.move_item(id, p, ItemTarget::Stash))?;
        b.fails_with("use_consumable", "E_NOT_OWNER", move |r| r.use_consumable(id, LoadoutSlot::Belt1))?;
        b.fails_with("split_stack", "E_NOT_OWNER", move |r| r.split_stack(id, s, 1))?;
        b.fails_with("merge_stacks", "E_NOT_OWNER", move |r| r.merge_stacks(id, s, s, 1))?;
        b.fails_with("move_to_master", "E_NOT_OWNER", move |r| r.move_to_master(id, s))?;
        b.fails_with("move_to_run", "E_NOT_OWNER", move |r| r.move_to_run(id, s))?;
        b.fails_with("begin_run", "E_NOT_OWNER", move |r| r.begin_run(id))?;
        b.fails_with("extract", "E_NOT_OWNER", move |r| r.extract(id))?;
        b.fails_with("wipe", "E_NOT_OWNER", move |r| r.wipe(id))?;
        // b's own character cannot reach a's items either
        let mine = create(&b, &fx, "Thief")?;
        let t = mine.id;
        b.fails_with("split_stack", "E_ITEM_NOT_HERE", move |r| r.split_stack(t, s, 1))?;
        b.fails_with("equip", "E_ITEM_NOT_HERE", move |r| r.equip(t, s, LoadoutSlot::Belt1))?;
        check_eq(
            item(&a, s).map(|r| (r.place, r.character_id, r.quantity)),
            Some((PlaceKind::RunStash, id, 10)),
            "untouched",
        )
    });

    scenario(r, env, "items: deleting a character outside a run sends its gear and hub pickups home", || {
        // (during a run the run is lost first: scenarios/stakes.rs)
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let me = a.identity;
        let ch = create(&a, &fx, "Retiree")?;
        let id = ch.id;
        let (bx, by) = region();
        step(&a, id, bx, by)?;
        let w = spawn(&admin, ids.weapon, 1, bx, by)?;
        let s = spawn(&admin, ids.stackable, 9, bx, by)?;
        pick(&a, id)?;
        wait_for("hub pickups", WAIT, || run_stash(&a, id).len() == 2)?;
        a.ok("move_to_master", move |r| r.move_to_master(id, w))?;
        wait_for("weapon at home", WAIT, || item(&a, w).is_some_and(|r| r.place == PlaceKind::MasterStash))?;
        a.ok("equip", move |r| r.equip(id, w, LoadoutSlot::MainHand))?;
        a.ok("delete_character", move |r| r.delete_character(id))?;
        wait_for("both in the master stash", WAIT, || {
            let m: Vec<u64> = master_stash(&a, me).iter().map(|r| r.uid).collect();
            m == vec![w, s]
        })?;
        wait_for("run state gone", WAIT, || a.conn.db.run_state().character_id().find(&id).is_none())?;
        check(events(&a, EventKind::RunLost, id).is_empty(), "no run was lost")
    });

    scenario(r, env, "items: gate off answers E_FEATURE_DISABLED", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let ch = create(&a, &fx, "Gated4")?;
        let id = ch.id;
        let (bx, by) = region();
        admin.ok("admin_set_feature_enabled", |r| r.admin_set_feature_enabled("items".into(), false))?;
        let w = ids.weapon.to_string();
        let res = (|| -> TestResult {
            admin.fails_with("admin_spawn_world_item", "E_FEATURE_DISABLED", move |r| {
                r.admin_spawn_world_item(w, 1, LOC.into(), bx, by, 2.0, 60.0)
            })?;
            a.fails_with("pick_up", "E_FEATURE_DISABLED", move |r| r.pick_up(id))?;
            a.fails_with("begin_run", "E_FEATURE_DISABLED", move |r| r.begin_run(id))?;
            a.fails_with("unequip", "E_FEATURE_DISABLED", move |r| r.unequip(id, LoadoutSlot::MainHand))?;
            a.fails_with("use_consumable", "E_FEATURE_DISABLED", move |r| r.use_consumable(id, LoadoutSlot::Belt1))
        })();
        admin.ok("admin_set_feature_enabled", |r| r.admin_set_feature_enabled("items".into(), true))?;
        res?;
        a.ok("begin_run", move |r| r.begin_run(id))
    });

    scenario(r, env, "items: despawn at the time to live; the timer is scheduler-only", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let (bx, by) = region();
        let short = spawn_at(&admin, ids.weapon, 1, LOC, bx, by, 2.0, 2.0)?;
        let long = spawn_at(&admin, ids.weapon, 1, LOC, bx + 10.0, by, 2.0, 600.0)?;
        a.fails_with("despawn_world_item", "E_SCHEDULER_ONLY", move |r| {
            r.despawn_world_item(ItemDespawnTimer {
                scheduled_id: 1,
                scheduled_at: spacetimedb_sdk::ScheduleAt::Time(spacetimedb_sdk::Timestamp::now()),
                uid: long,
            })
        })?;
        check(item(&a, short).is_some(), "still there before its time")?;
        wait_for("despawned after 2 s", Duration::from_secs(8), || item(&a, short).is_none())?;
        wait_for("ItemDespawned event", WAIT, || {
            a.conn
                .db
                .world_event()
                .iter()
                .any(|e| e.kind == EventKind::ItemDespawned && detail(&e, "uid") == short.to_string())
        })?;
        check(item(&a, long).is_some(), "the long-lived item stays")
    });

    scenario(r, env, "items: determinism: the same spawns and moves give the same pickups and state", || {
        let admin = Client::admin(env)?;
        let first = determinism_run(env, &fx, &ids, &admin, "Twin")?;
        let second = determinism_run(env, &fx, &ids, &admin, "Twin")?;
        check_eq(first.0.len(), 6, "six pickups")?;
        // potion (1.4 ft), then the tie at 2 ft by uid (weapon, then the 50-stack), then the
        // 70-stack at 3 ft; after the step: the armor (1 ft), then the 40-stack
        let idx: Vec<usize> = first.0.iter().map(|p| p.0).collect();
        check_eq(idx, vec![3, 1, 2, 0, 4, 5], "pickup order by distance, then uid")?;
        check_eq(first.clone(), second, "two runs, same pickups and final state")
    });

    scenario(r, env, "items: give_item hands an item to another player's character (run stash or master)", || {
        let admin = Client::admin(env)?;
        let a = Client::fresh(env)?;
        let b = Client::fresh(env)?;
        let ca = create_other(&a, &fx, "Giver")?;
        let cb = create_other(&b, &fx, "Taker")?;
        let (x, y) = region();
        let (ia, ib) = (ca.id, cb.id);
        a.ok("begin_run", move |r| r.begin_run(ia))?;
        let u1 = spawn(&admin, ids.potion, 1, x, y)?;
        let u2 = spawn(&admin, ids.weapon, 1, x, y + 1.0)?;
        step(&a, ia, x, y)?;
        pick(&a, ia)?;
        wait_for("both in the giver's run stash", WAIT, || run_stash(&a, ia).len() == 2)?;
        // the receiver has no run: the master stash of its owner
        a.ok("give_item", move |r| r.give_item(ia, u1, ib))?;
        wait_for("gift in the receiver's master stash", WAIT, || {
            master_stash(&a, b.identity).iter().any(|i| i.def_id == ids.potion)
        })?;
        let given = events(&a, EventKind::ItemGiven, ia);
        let last = given.last().ok_or("no ItemGiven event")?;
        check_eq(last.actors.clone(), vec![ia, ib], "ItemGiven names giver and receiver")?;
        check_eq(detail(last, "to"), "master".to_string(), "ItemGiven destination")?;
        let cross: Vec<WorldEvent> = events(&a, EventKind::CrossAgent, ia);
        check(cross.iter().any(|e| detail(e, "kind") == "gift"), "a CrossAgent kind=gift event between the players")?;
        // rejections name the fix and change nothing
        a.fails_with("give_item", "E_ITEM_NOT_HERE", move |r| r.give_item(ia, u1, ib))?;
        a.fails_with("give_item", "E_SAME_CHARACTER", move |r| r.give_item(ia, u2, ia))?;
        b.fails_with("give_item", "E_NOT_OWNER", move |r| r.give_item(ia, u2, ib))?;
        // the receiver on a run: its run stash
        b.ok("begin_run", move |r| r.begin_run(ib))?;
        a.ok("give_item", move |r| r.give_item(ia, u2, ib))?;
        wait_for("gift in the receiver's run stash", WAIT, || run_stash(&b, ib).iter().any(|i| i.uid == u2))?;
        check(run_stash(&a, ia).is_empty(), "the giver's run stash is empty")
    });
}
