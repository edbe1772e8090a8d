//! World items: items lying on the ground of a location, with a contact radius and a time to
//! live, and the contact pickup that moves them into a character's run stash.
//!
//! ## Space
//! A location is a 2D plane measured in feet; a valid coordinate is finite and within
//! `0.0..=MAX_COORD_FT` (10 000 ft). NaN, infinities, negatives and larger values are each
//! `E_INVALID_POSITION`.
//!
//! ## Contact and pickup order
//! A character touches an item when both are in the same location and the distance from the
//! character to the item is at most the item's contact radius (the edge counts). Comparisons are
//! exact: positions are converted to fixed point (1/1024 ft) and squared distances compared as
//! integers, so no float rounding can reorder two items or flip the edge case between runs.
//! Several items in reach are taken in the order (distance, uid). Expired items (TTL reached,
//! despawn pending) are never taken.
//!
//! Each taken item goes to the run stash with stack merging ([`super::stacking::plan_add`],
//! `Partial` mode): what fits is taken, the rest stays on the ground with the remaining quantity.

use super::defs::ItemCatalog;
use super::instances::{GroundSpot, ItemInstance, ItemOp, Place};
use super::stacking::{check_quantity, plan_add, AddMode, Stash};
use crate::error::{err, ErrorCode, WkResult};
use spacetimedb::SpacetimeType;

/// Coordinates are `0.0..=MAX_COORD_FT` feet on both axes.
pub const MAX_COORD_FT: f64 = 10_000.0;
/// Largest contact radius: 100 ft (a big loot chest is a few feet; this catches typos).
pub const MAX_CONTACT_RADIUS_FT: f64 = 100.0;
/// Longest time to live: 7 days of world time.
pub const MAX_TTL_MICROS: i64 = 7 * 24 * 3600 * 1_000_000;
/// Fixed-point scale for exact distance comparisons: 1/1024 ft.
pub const FIXED_PER_FT: f64 = 1024.0;

/// Side of the grid cells ground items are indexed by. Larger than the largest contact radius
/// (with room for the fixed-point rounding of the contact test), so an item whose zone contains a
/// point lies in the point's cell or one of its 8 neighbours: a pickup reads 3 × 3 cells of its
/// location, never the whole ground of it.
pub const CELL_FT: f64 = 128.0;
/// Cells per axis row in the packed cell key (10,000 ft / 128 ft = 79 cells fit).
const CELL_ROW: i64 = 1 << 10;

fn cell_axis(v: f64) -> i64 {
    // NaN never reaches here (positions are validated); it would land in cell 0.
    (v.clamp(0.0, MAX_COORD_FT) / CELL_FT).floor() as i64
}

/// The grid cell key of a position (`cx * 1024 + cy`).
pub fn cell_of(x: f64, y: f64) -> i64 {
    cell_axis(x) * CELL_ROW + cell_axis(y)
}

/// The cell-key ranges (inclusive) covering the 3 × 3 cells around a position: one range per
/// column of cells, in ascending order.
pub fn cell_ranges_near(x: f64, y: f64) -> Vec<(i64, i64)> {
    let (cx, cy) = (cell_axis(x), cell_axis(y));
    ((cx - 1).max(0)..=cx + 1).map(|c| (c * CELL_ROW + (cy - 1).max(0), c * CELL_ROW + cy + 1)).collect()
}

/// An item on the ground, as the pickup planner reads it (the reducer joins the instance row
/// with its world-item row).
#[derive(SpacetimeType, Debug, Clone, PartialEq)]
pub struct WorldItem {
    pub instance: ItemInstance,
    pub spot: GroundSpot,
    pub contact_radius_ft: f64,
    pub spawned_at_micros: i64,
    /// Despawn time (spawn + TTL).
    pub expires_at_micros: i64,
}

impl WorldItem {
    pub fn is_expired(&self, now_micros: i64) -> bool {
        now_micros >= self.expires_at_micros
    }
}

/// What a spawn asks for (from an admin reducer or a system: loot drop, chest).
#[derive(Debug, Clone, PartialEq)]
pub struct SpawnRequest {
    pub def_id: String,
    pub quantity: u32,
    pub location_id: String,
    pub x: f64,
    pub y: f64,
    pub contact_radius_ft: f64,
    pub ttl_micros: i64,
}

/// A validated spawn: the instance row to insert on the ground (uid from auto_inc) and the
/// world-item facts (radius, expiry) for its row and its despawn timer.
#[derive(Debug, Clone, PartialEq)]
pub struct SpawnPlan {
    pub create: ItemOp,
    pub contact_radius_ft: f64,
    pub expires_at_micros: i64,
}

fn coord_ok(v: f64) -> bool {
    v.is_finite() && (0.0..=MAX_COORD_FT).contains(&v)
}

/// A position in a location's plane (`E_INVALID_POSITION` naming the range).
pub fn validate_position(x: f64, y: f64) -> WkResult<()> {
    for (name, v) in [("x", x), ("y", y)] {
        if !coord_ok(v) {
            return Err(err(
                ErrorCode::InvalidPosition,
                format!("{name} = {v} is not a position; use a finite number of feet in 0..={MAX_COORD_FT}"),
            ));
        }
    }
    Ok(())
}

/// Contact radius: finite, > 0, ≤ [`MAX_CONTACT_RADIUS_FT`] (`E_INVALID_RADIUS`).
pub fn validate_radius(r: f64) -> WkResult<()> {
    if !r.is_finite() || r <= 0.0 || r > MAX_CONTACT_RADIUS_FT {
        return Err(err(
            ErrorCode::InvalidRadius,
            format!("contact radius {r} ft is invalid; use a finite number of feet in (0, {MAX_CONTACT_RADIUS_FT}]"),
        ));
    }
    Ok(())
}

/// Time to live: > 0 and ≤ [`MAX_TTL_MICROS`] (`E_INVALID_TTL`).
pub fn validate_ttl(ttl_micros: i64) -> WkResult<()> {
    if ttl_micros <= 0 || ttl_micros > MAX_TTL_MICROS {
        return Err(err(
            ErrorCode::InvalidTtl,
            format!("time to live {ttl_micros} µs is invalid; use 1..={MAX_TTL_MICROS} µs (7 days)"),
        ));
    }
    Ok(())
}

/// Validate a spawn. Order of checks: definition (`E_UNKNOWN_ITEM_DEF`), quantity
/// (`E_INVALID_QUANTITY`: 1..=stack limit), location id not empty (`E_UNKNOWN_LOCATION`; the
/// reducer checks it exists), position, radius, TTL. Nothing is created on any error.
pub fn plan_spawn(catalog: &ItemCatalog, req: &SpawnRequest, now_micros: i64) -> WkResult<SpawnPlan> {
    let def = catalog.get(&req.def_id)?;
    check_quantity(req.quantity, def.stack_limit, &def.name)?;
    if req.location_id.trim().is_empty() {
        return Err(err(ErrorCode::UnknownLocation, "spawn needs a location id"));
    }
    validate_position(req.x, req.y)?;
    validate_radius(req.contact_radius_ft)?;
    validate_ttl(req.ttl_micros)?;
    let expires_at_micros = now_micros.checked_add(req.ttl_micros).ok_or_else(|| {
        err(ErrorCode::InvalidTtl, "spawn time plus time to live overflows; use a shorter time to live")
    })?;
    Ok(SpawnPlan {
        create: ItemOp::Create {
            def_id: def.id.clone(),
            quantity: req.quantity,
            place: Place::Ground(GroundSpot { location_id: req.location_id.clone(), x: req.x, y: req.y }),
        },
        contact_radius_ft: req.contact_radius_ft,
        expires_at_micros,
    })
}

fn fixed(v: f64) -> i64 {
    (v * FIXED_PER_FT).round() as i64
}

/// Squared distance in fixed-point units (1/1024 ft)², exact for valid positions.
pub fn distance_sq_fixed(ax: f64, ay: f64, bx: f64, by: f64) -> u64 {
    // Saturating throughout: a corrupt row (huge or NaN coordinates) reads as far away, never
    // as an overflow panic.
    let dx = fixed(ax).saturating_sub(fixed(bx)).unsigned_abs();
    let dy = fixed(ay).saturating_sub(fixed(by)).unsigned_abs();
    dx.saturating_mul(dx).saturating_add(dy.saturating_mul(dy))
}

/// Does the contact zone of `item` contain the point? Same location and distance ≤ radius.
pub fn in_contact(item: &WorldItem, location_id: &str, x: f64, y: f64) -> bool {
    if item.spot.location_id != location_id {
        return false;
    }
    let r = fixed(item.contact_radius_ft).unsigned_abs();
    distance_sq_fixed(item.spot.x, item.spot.y, x, y) <= r.saturating_mul(r)
}

/// Where the character is.
#[derive(Debug, Clone, PartialEq)]
pub struct Whereabouts {
    pub character_id: u64,
    pub location_id: String,
    pub x: f64,
    pub y: f64,
}

/// One item taken (or partly taken) by a pickup, in pickup order: one world event each.
#[derive(Debug, Clone, PartialEq)]
pub struct Pickup {
    pub uid: u64,
    pub def_id: String,
    pub distance_sq_fixed: u64,
    /// Quantity that went into the run stash.
    pub taken: u32,
    /// Quantity left on the ground (the stash was full): the item stays with this quantity.
    pub left: u32,
    /// Existing stacks it merged into: (uid, quantity).
    pub merged: Vec<(u64, u32)>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PickupPlan {
    pub pickups: Vec<Pickup>,
    pub ops: Vec<ItemOp>,
}

impl PickupPlan {
    /// The reducer's `pick_up` answers `E_NOTHING_IN_REACH` when nothing was taken.
    pub fn require_any(self) -> WkResult<PickupPlan> {
        if self.pickups.iter().all(|p| p.taken == 0) {
            return Err(err(ErrorCode::NothingInReach, "no item within reach here; move closer to one"));
        }
        Ok(self)
    }
}

/// Every item whose contact zone contains the character, in pickup order (distance, then uid).
/// Items of other locations and expired items are never selected.
pub fn items_in_reach<'a>(who: &Whereabouts, ground: &'a [WorldItem], now_micros: i64) -> Vec<(u64, &'a WorldItem)> {
    let mut v: Vec<(u64, &WorldItem)> = ground
        .iter()
        .filter(|g| !g.is_expired(now_micros) && in_contact(g, &who.location_id, who.x, who.y))
        .map(|g| (distance_sq_fixed(g.spot.x, g.spot.y, who.x, who.y), g))
        .collect();
    v.sort_by_key(|(d, g)| (*d, g.instance.uid));
    v
}

/// Plan a contact pickup into `run_stash` (the character's). `E_INVALID_POSITION` for a bad
/// character position; an empty plan when nothing is in reach (see [`PickupPlan::require_any`]).
pub fn plan_pickup(
    catalog: &ItemCatalog,
    who: &Whereabouts,
    ground: &[WorldItem],
    run_stash: &Stash,
    now_micros: i64,
) -> WkResult<PickupPlan> {
    validate_position(who.x, who.y)?;
    if run_stash.place != Place::RunStash(who.character_id) {
        return Err(err(ErrorCode::NotOwner, "pickups go into the picking character's own run stash"));
    }
    let mut stash = run_stash.clone();
    let mut plan = PickupPlan::default();
    for (d, g) in items_in_reach(who, ground, now_micros) {
        let add = plan_add(catalog, &stash, &g.instance, AddMode::Partial)?;
        stash.apply(&add.ops, std::slice::from_ref(&g.instance));
        plan.ops.extend(add.ops);
        plan.pickups.push(Pickup {
            uid: g.instance.uid,
            def_id: g.instance.def_id.clone(),
            distance_sq_fixed: d,
            taken: add.added,
            left: add.left,
            merged: add.merged,
        });
    }
    Ok(plan)
}

/// What the despawn timer of one world item does (idempotent: the timer may fire late, twice,
/// or after the item was picked up).
#[derive(Debug, Clone, PartialEq)]
pub enum Despawn {
    /// Still on the ground and expired: delete it.
    Delete(ItemOp),
    /// Still on the ground but not yet expired (a timer fired early): keep, reschedule.
    NotYet { expires_at_micros: i64 },
    /// No longer on the ground (picked up, already despawned): nothing to do.
    Gone,
}

pub fn plan_despawn(item: Option<&WorldItem>, now_micros: i64) -> Despawn {
    match item {
        None => Despawn::Gone,
        Some(w) if w.is_expired(now_micros) => Despawn::Delete(ItemOp::Delete { uid: w.instance.uid }),
        Some(w) => Despawn::NotYet { expires_at_micros: w.expires_at_micros },
    }
}

/// The sweeper: uids of every expired ground item, lowest first.
pub fn expired(ground: &[WorldItem], now_micros: i64) -> Vec<u64> {
    let mut v: Vec<u64> = ground.iter().filter(|g| g.is_expired(now_micros)).map(|g| g.instance.uid).collect();
    v.sort_unstable();
    v
}

#[cfg(test)]
mod cell_tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn in_ranges(cell: i64, ranges: &[(i64, i64)]) -> bool {
        ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&cell))
    }

    /// The pickup reads only the 3 × 3 cells around the character: every item whose zone contains
    /// the character must be in them, including zones of the largest radius, on cell edges and
    /// at the plane's borders.
    #[test]
    fn every_item_in_contact_lies_in_the_cells_near_the_point() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut checked = 0;
        for n in 0..200_000 {
            let (x, y) = if n % 4 == 0 {
                // On cell edges and the borders.
                let e = |r: &mut StdRng| (r.gen_range(0..=79) as f64 * CELL_FT).min(MAX_COORD_FT);
                (e(&mut rng), e(&mut rng))
            } else {
                (rng.gen_range(0.0..=MAX_COORD_FT), rng.gen_range(0.0..=MAX_COORD_FT))
            };
            let radius = if n % 2 == 0 { MAX_CONTACT_RADIUS_FT } else { rng.gen_range(0.01..=MAX_CONTACT_RADIUS_FT) };
            let a = rng.gen_range(0.0..std::f64::consts::TAU);
            let d = radius * rng.gen_range(0.9..=1.0001);
            let (ix, iy) = ((x + d * a.cos()).clamp(0.0, MAX_COORD_FT), (y + d * a.sin()).clamp(0.0, MAX_COORD_FT));
            let item = WorldItem {
                instance: super::super::instances::ItemInstance::new(1, "dagger", 1),
                spot: GroundSpot { location_id: "l".into(), x: ix, y: iy },
                contact_radius_ft: radius,
                spawned_at_micros: 0,
                expires_at_micros: i64::MAX,
            };
            if in_contact(&item, "l", x, y) {
                checked += 1;
                assert!(
                    in_ranges(cell_of(ix, iy), &cell_ranges_near(x, y)),
                    "item at ({ix}, {iy}) r={radius} touches ({x}, {y}) but its cell is not searched"
                );
            }
        }
        assert!(checked > 100_000, "the sample must exercise contacts ({checked})");
    }

    #[test]
    fn far_items_are_outside_the_searched_cells() {
        // Two cells away on either axis is never read.
        let r = cell_ranges_near(1000.0, 1000.0);
        assert!(!in_ranges(cell_of(1000.0 + 2.0 * CELL_FT, 1000.0), &r));
        assert!(!in_ranges(cell_of(1000.0, 1000.0 - 2.0 * CELL_FT), &r));
        assert!(in_ranges(cell_of(1000.0 + CELL_FT, 1000.0 - CELL_FT), &r));
        assert_eq!(cell_ranges_near(0.0, 0.0).len(), 2, "no column left of the plane");
    }
}
