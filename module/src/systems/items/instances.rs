//! Item instances, the places they can be, the operations that change them, and the invariant
//! that ties them together: **every instance is in exactly one place**, with a quantity of
//! 1..=its stack limit (1 for equipment). Quantity 0 never persists: an operation that would
//! leave 0 deletes the instance instead.
//!
//! Every planner in this module returns a list of [`ItemOp`]s. The reducer applies them in order
//! as one batch (one transaction); [`Ledger`] is the reference applier the tests use, and
//! [`check_invariants`] is the checker every scenario runs after each step.

use super::defs::{EquipSlot, ItemCatalog};
use crate::error::{err, ErrorCode, WkResult};
use spacetimedb::{Identity, SpacetimeType};
use std::collections::BTreeMap;

/// One concrete item (inventory spec `ItemInstance`): a unique id, what it is and how many.
/// The uid never changes while the item exists: moving, merging into it, or equipping keeps it,
/// so a saved game restores the exact instances (inventory spec CoA 4).
#[derive(SpacetimeType, Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemInstance {
    pub uid: u64,
    pub def_id: String,
    pub quantity: u32,
}

impl ItemInstance {
    pub fn new(uid: u64, def_id: &str, quantity: u32) -> Self {
        ItemInstance { uid, def_id: def_id.to_string(), quantity }
    }
}

/// The six paper-doll slots. Belts take consumables only.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LoadoutSlot {
    MainHand,
    OffHand,
    Body,
    Accessory,
    Belt1,
    Belt2,
}

impl LoadoutSlot {
    /// The fixed slot order (also the order equipment feeds effective stats in).
    pub const ALL: [LoadoutSlot; 6] = [
        LoadoutSlot::MainHand,
        LoadoutSlot::OffHand,
        LoadoutSlot::Body,
        LoadoutSlot::Accessory,
        LoadoutSlot::Belt1,
        LoadoutSlot::Belt2,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn code(self) -> &'static str {
        match self {
            LoadoutSlot::MainHand => "main_hand",
            LoadoutSlot::OffHand => "off_hand",
            LoadoutSlot::Body => "body",
            LoadoutSlot::Accessory => "accessory",
            LoadoutSlot::Belt1 => "belt_1",
            LoadoutSlot::Belt2 => "belt_2",
        }
    }

    pub fn is_belt(self) -> bool {
        matches!(self, LoadoutSlot::Belt1 | LoadoutSlot::Belt2)
    }

    /// Does a definition with this equip slot fit here? Exhaustive over both enums.
    pub fn accepts(self, slot: EquipSlot) -> bool {
        match slot {
            EquipSlot::MainHand => self == LoadoutSlot::MainHand,
            EquipSlot::OffHand => self == LoadoutSlot::OffHand,
            EquipSlot::EitherHand => matches!(self, LoadoutSlot::MainHand | LoadoutSlot::OffHand),
            EquipSlot::Body => self == LoadoutSlot::Body,
            EquipSlot::Accessory => self == LoadoutSlot::Accessory,
            EquipSlot::Belt => self.is_belt(),
            EquipSlot::None => false,
        }
    }
}

/// A point on the ground: a location and a position in feet in that location's 2D plane.
#[derive(SpacetimeType, Debug, Clone, PartialEq)]
pub struct GroundSpot {
    pub location_id: String,
    pub x: f64,
    pub y: f64,
}

/// Which character's loadout slot.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LoadoutRef {
    pub character_id: u64,
    pub slot: LoadoutSlot,
}

/// Where an instance is. Exactly one per instance.
#[derive(SpacetimeType, Debug, Clone, PartialEq)]
pub enum Place {
    /// Lying in the world (a world item: see `world.rs` for radius and TTL).
    Ground(GroundSpot),
    /// A character's expedition bag (lost on a wipe).
    RunStash(u64),
    /// A player's persistent storage, keyed by their identity.
    MasterStash(Identity),
    /// Equipped.
    Loadout(LoadoutRef),
}

impl Place {
    pub fn loadout(character_id: u64, slot: LoadoutSlot) -> Place {
        Place::Loadout(LoadoutRef { character_id, slot })
    }

    pub fn is_stash(&self) -> bool {
        matches!(self, Place::RunStash(_) | Place::MasterStash(_))
    }

    /// Short text for messages and world events.
    pub fn describe(&self) -> String {
        match self {
            Place::Ground(g) => format!("ground at {} ({:.1}, {:.1})", g.location_id, g.x, g.y),
            Place::RunStash(c) => format!("run stash of character {c}"),
            Place::MasterStash(_) => "master stash".to_string(),
            Place::Loadout(l) => format!("{} of character {}", l.slot.code(), l.character_id),
        }
    }
}

/// One change the reducer applies to the instance rows, in list order.
#[derive(Debug, Clone, PartialEq)]
pub enum ItemOp {
    /// Put an existing instance somewhere else (uid and quantity unchanged).
    Move { uid: u64, to: Place },
    /// Change an existing instance's quantity (always 1..=stack limit).
    SetQuantity { uid: u64, quantity: u32 },
    /// The instance ceases to exist (used up, merged away, lost in a wipe, despawned).
    Delete { uid: u64 },
    /// A new instance (a split stack). The reducer assigns the uid (auto_inc).
    Create { def_id: String, quantity: u32, place: Place },
}

/// A set of instances with their places: the reference semantics of [`ItemOp`] and what the
/// invariant checker reads. Rows are kept by uid, so iteration order is deterministic.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ledger {
    pub rows: BTreeMap<u64, (ItemInstance, Place)>,
    /// Next uid [`ItemOp::Create`] hands out (like an auto_inc column).
    pub next_uid: u64,
}

impl Ledger {
    pub fn new(first_uid: u64) -> Self {
        Ledger { rows: BTreeMap::new(), next_uid: first_uid }
    }

    /// Add an instance (a spawn). Returns its uid.
    pub fn insert(&mut self, def_id: &str, quantity: u32, place: Place) -> u64 {
        let uid = self.next_uid;
        self.next_uid += 1;
        self.rows.insert(uid, (ItemInstance::new(uid, def_id, quantity), place));
        uid
    }

    pub fn get(&self, uid: u64) -> Option<&(ItemInstance, Place)> {
        self.rows.get(&uid)
    }

    /// Instances in one place, lowest uid first.
    pub fn in_place(&self, place: &Place) -> Vec<ItemInstance> {
        self.rows.values().filter(|(_, p)| p == place).map(|(i, _)| i.clone()).collect()
    }

    /// Apply ops in order; an op on a missing uid is `E_UNKNOWN_ITEM` (a planner bug).
    /// Returns the uids created, in order.
    pub fn apply(&mut self, ops: &[ItemOp]) -> WkResult<Vec<u64>> {
        let mut created = Vec::new();
        for op in ops {
            match op {
                ItemOp::Move { uid, to } => self.row_mut(*uid)?.1 = to.clone(),
                ItemOp::SetQuantity { uid, quantity } => self.row_mut(*uid)?.0.quantity = *quantity,
                ItemOp::Delete { uid } => {
                    self.rows.remove(uid).ok_or_else(|| unknown(*uid))?;
                }
                ItemOp::Create { def_id, quantity, place } => {
                    created.push(self.insert(def_id, *quantity, place.clone()));
                }
            }
        }
        Ok(created)
    }

    fn row_mut(&mut self, uid: u64) -> WkResult<&mut (ItemInstance, Place)> {
        self.rows.get_mut(&uid).ok_or_else(|| unknown(uid))
    }

    /// The rows as a list (what [`check_invariants`] takes).
    pub fn as_rows(&self) -> Vec<(ItemInstance, Place)> {
        self.rows.values().cloned().collect()
    }
}

fn unknown(uid: u64) -> crate::error::WkError {
    err(ErrorCode::UnknownItem, format!("no item instance {uid}; list your items and use one of their uids"))
}

/// What broke. Each names the uid (and the place) so a report can point at the row.
#[derive(Debug, Clone, PartialEq)]
pub enum Violation {
    /// The same uid appears in more than one row (two places at once).
    Duplicated {
        uid: u64,
        places: Vec<Place>,
    },
    ZeroQuantity {
        uid: u64,
    },
    OverStackLimit {
        uid: u64,
        quantity: u32,
        limit: u32,
    },
    UnknownDef {
        uid: u64,
        def_id: String,
    },
    /// Two instances in one loadout slot.
    SlotConflict {
        character_id: u64,
        slot: LoadoutSlot,
        uids: Vec<u64>,
    },
    /// An instance in a slot its definition does not fit.
    WrongSlot {
        uid: u64,
        slot: LoadoutSlot,
    },
    /// A two-handed weapon in the main hand and something in the off hand.
    TwoHandedConflict {
        character_id: u64,
    },
    /// A position that is not finite or out of range.
    BadPosition {
        uid: u64,
    },
}

/// Check "every instance in exactly one place" and the quantity rules over a set of
/// (instance, place) rows (as loaded from tables, or a [`Ledger`]). Returns every violation,
/// in a deterministic order (by uid, then by slot), empty when all is well.
pub fn check_invariants(catalog: &ItemCatalog, rows: &[(ItemInstance, Place)]) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut by_uid: BTreeMap<u64, Vec<&(ItemInstance, Place)>> = BTreeMap::new();
    for r in rows {
        by_uid.entry(r.0.uid).or_default().push(r);
    }
    let mut slots: BTreeMap<LoadoutRef, Vec<u64>> = BTreeMap::new();
    for (uid, rs) in &by_uid {
        if rs.len() > 1 {
            out.push(Violation::Duplicated { uid: *uid, places: rs.iter().map(|r| r.1.clone()).collect() });
        }
        let (inst, place) = rs[0];
        if inst.quantity == 0 {
            out.push(Violation::ZeroQuantity { uid: *uid });
        }
        match catalog.get(&inst.def_id) {
            Err(_) => out.push(Violation::UnknownDef { uid: *uid, def_id: inst.def_id.clone() }),
            Ok(def) => {
                if inst.quantity > def.stack_limit {
                    out.push(Violation::OverStackLimit { uid: *uid, quantity: inst.quantity, limit: def.stack_limit });
                }
                if let Place::Loadout(l) = place {
                    if !l.slot.accepts(def.slot) {
                        out.push(Violation::WrongSlot { uid: *uid, slot: l.slot });
                    }
                }
            }
        }
        if let Place::Ground(g) = place {
            if super::world::validate_position(g.x, g.y).is_err() {
                out.push(Violation::BadPosition { uid: *uid });
            }
        }
        for (_, p) in rs.iter() {
            if let Place::Loadout(l) = p {
                slots.entry(*l).or_default().push(*uid);
            }
        }
    }
    for (l, uids) in &slots {
        if uids.len() > 1 {
            out.push(Violation::SlotConflict { character_id: l.character_id, slot: l.slot, uids: uids.clone() });
        }
        if l.slot == LoadoutSlot::MainHand {
            let two_handed = uids
                .iter()
                .any(|u| by_uid[u].first().and_then(|r| catalog.get(&r.0.def_id).ok()).is_some_and(|d| d.two_handed));
            let off = LoadoutRef { character_id: l.character_id, slot: LoadoutSlot::OffHand };
            if two_handed && slots.contains_key(&off) {
                out.push(Violation::TwoHandedConflict { character_id: l.character_id });
            }
        }
    }
    out
}
