//! The paper doll: six slots per character (main hand, off hand, body, accessory, belt ×2) and
//! the pure planners `equip`, `unequip`, `move_item`.
//!
//! ## Rules (inventory spec §4.A), in the order they are checked
//! 1. The item is in the character's loadout or in the active stash (`E_ITEM_NOT_HERE`).
//! 2. Slot compatibility (`E_SLOT_INCOMPATIBLE`): the definition's slot must fit the target
//!    (`either_hand` fits both hands; `belt` fits either belt slot; `none` fits nothing).
//! 3. Class restriction (`E_CLASS_RESTRICTED`), then minimum ability scores
//!    (`E_ABILITY_TOO_LOW`), against the character's sheet (base scores).
//! 4. Displacement:
//!    - a filled target slot sends its item to the stash, or **swaps** it into the source slot
//!      when the item came from another slot and the displaced item fits there (otherwise it
//!      goes to the stash too);
//!    - a two-handed weapon equipped in the main hand sends the off-hand item to the stash;
//!    - equipping anything in the off hand while a two-handed weapon is in the main hand sends
//!      the two-hander to the stash (the newest choice wins: the player just asked for the
//!      off-hand item).
//! 5. Everything sent to the stash must fit (`E_CONTAINER_FULL`, nothing changes); stackable
//!    items (belt consumables) merge into the stash's stacks.
//!
//! Re-equipping an item into the slot it already occupies changes nothing (an empty change).
//! A whole stack goes onto a belt slot; split it first to carry part of it.
//!
//! Which stash: the run stash during a run, the master stash otherwise
//! ([`super::runs::active_stash_place`]).

use super::defs::ItemCatalog;
use super::instances::{ItemInstance, ItemOp, Ledger, LoadoutSlot, Place};
use super::stacking::{plan_add, AddMode, Stash};
use crate::error::{err, ErrorCode, WkResult};
use crate::rules::AbilityScores;

/// One character's equipped items.
#[derive(Debug, Clone, PartialEq)]
pub struct Loadout {
    pub character_id: u64,
    /// Indexed by [`LoadoutSlot::index`].
    pub slots: [Option<ItemInstance>; 6],
}

impl Loadout {
    pub fn new(character_id: u64) -> Loadout {
        Loadout { character_id, slots: Default::default() }
    }

    /// Build from instance rows (only this character's loadout places are read).
    pub fn from_rows(character_id: u64, rows: &[(ItemInstance, Place)]) -> Loadout {
        let mut l = Loadout::new(character_id);
        for (i, p) in rows {
            if let Place::Loadout(r) = p {
                if r.character_id == character_id {
                    l.slots[r.slot.index()] = Some(i.clone());
                }
            }
        }
        l
    }

    pub fn get(&self, slot: LoadoutSlot) -> Option<&ItemInstance> {
        self.slots[slot.index()].as_ref()
    }

    pub fn with(mut self, slot: LoadoutSlot, item: ItemInstance) -> Loadout {
        self.slots[slot.index()] = Some(item);
        self
    }

    /// The slot holding `uid`, if any.
    pub fn slot_of(&self, uid: u64) -> Option<LoadoutSlot> {
        LoadoutSlot::ALL.into_iter().find(|s| self.get(*s).is_some_and(|i| i.uid == uid))
    }

    pub fn place(&self, slot: LoadoutSlot) -> Place {
        Place::loadout(self.character_id, slot)
    }

    /// Equipped items in slot order.
    pub fn items(&self) -> impl Iterator<Item = (LoadoutSlot, &ItemInstance)> {
        LoadoutSlot::ALL.into_iter().filter_map(|s| self.get(s).map(|i| (s, i)))
    }
}

/// The character-sheet facts equipping checks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wearer<'a> {
    pub class_id: &'a str,
    pub scores: AbilityScores,
}

/// What a loadout change does: the ops to apply (in order, as one batch) and a summary for
/// events. Any change invalidates derived stats (and removes buffs flagged
/// `removed_on_loadout_change`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LoadoutChange {
    pub ops: Vec<ItemOp>,
    /// Items that went to the stash (displaced or unequipped), in order.
    pub to_stash: Vec<u64>,
    /// Items that ended in a slot: (uid, slot).
    pub equipped: Vec<(u64, LoadoutSlot)>,
}

impl LoadoutChange {
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

/// The loadout after `ops` (a loadout change planned from `before` and `stash`), by the ops'
/// reference semantics ([`Ledger::apply`]): what the rows hold once the ops are applied, known
/// without reading them back.
pub fn loadout_after(before: &Loadout, stash: &Stash, ops: &[ItemOp]) -> WkResult<Loadout> {
    let mut ledger = Ledger::new(0);
    for slot in LoadoutSlot::ALL {
        if let Some(i) = before.get(slot) {
            ledger.rows.insert(i.uid, (i.clone(), before.place(slot)));
        }
    }
    for i in &stash.items {
        ledger.rows.insert(i.uid, (i.clone(), stash.place.clone()));
    }
    ledger.next_uid = ledger.rows.keys().max().map_or(1, |m| m + 1);
    ledger.apply(ops)?;
    Ok(Loadout::from_rows(before.character_id, &ledger.as_rows()))
}

/// Where [`move_item`] sends an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveTarget {
    Stash,
    Slot(LoadoutSlot),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Stash,
    Slot(LoadoutSlot),
}

fn fits(catalog: &ItemCatalog, item: &ItemInstance, slot: LoadoutSlot) -> bool {
    catalog.get(&item.def_id).is_ok_and(|d| slot.accepts(d.slot))
}

fn is_two_handed(catalog: &ItemCatalog, item: Option<&ItemInstance>) -> bool {
    item.and_then(|i| catalog.get(&i.def_id).ok()).is_some_and(|d| d.two_handed)
}

/// Check that an item may go into a slot for this wearer (rules 2 and 3), without planning.
/// Clients can use the same answer to dim incompatible items (inventory spec CoA 1).
pub fn can_equip(catalog: &ItemCatalog, item: &ItemInstance, target: LoadoutSlot, wearer: &Wearer) -> WkResult<()> {
    let def = catalog.get(&item.def_id)?;
    if !target.accepts(def.slot) {
        return Err(err(
            ErrorCode::SlotIncompatible,
            format!("{} goes in {}, not {}", def.name, def.slot.code(), target.code()),
        ));
    }
    def.check_class(wearer.class_id)?;
    def.check_scores(&wearer.scores)
}

/// Equip `uid` (from the stash or another slot) into `target`. See the module docs.
pub fn equip(
    catalog: &ItemCatalog,
    loadout: &Loadout,
    stash: &Stash,
    uid: u64,
    target: LoadoutSlot,
    wearer: &Wearer,
) -> WkResult<LoadoutChange> {
    let (item, source) = match loadout.slot_of(uid) {
        Some(s) => (loadout.get(s).cloned().expect("slot_of found it"), Source::Slot(s)),
        None => match stash.find(uid) {
            Some(i) => (i.clone(), Source::Stash),
            None => {
                return Err(err(
                    ErrorCode::ItemNotHere,
                    format!(
                        "item {uid} is neither equipped by character {} nor in the {}",
                        loadout.character_id,
                        stash.place.describe()
                    ),
                ))
            }
        },
    };
    can_equip(catalog, &item, target, wearer)?;
    if source == Source::Slot(target) {
        return Ok(LoadoutChange::default());
    }
    let mut slots = loadout.slots.clone();
    let mut to_stash: Vec<ItemInstance> = Vec::new();
    let mut swapped: Option<(ItemInstance, LoadoutSlot)> = None;
    if let Source::Slot(s) = source {
        slots[s.index()] = None;
    }
    if let Some(occupant) = slots[target.index()].take() {
        match source {
            Source::Slot(s) if fits(catalog, &occupant, s) => {
                slots[s.index()] = Some(occupant.clone());
                swapped = Some((occupant, s));
            }
            _ => to_stash.push(occupant),
        }
    }
    slots[target.index()] = Some(item.clone());
    let main = LoadoutSlot::MainHand.index();
    let off = LoadoutSlot::OffHand.index();
    if is_two_handed(catalog, slots[main].as_ref()) && slots[off].is_some() {
        let evict = if target == LoadoutSlot::MainHand { off } else { main };
        let gone = slots[evict].take().expect("checked above");
        if swapped.as_ref().is_some_and(|(s, _)| s.uid == gone.uid) {
            swapped = None;
        }
        to_stash.push(gone);
    }

    let mut change = LoadoutChange::default();
    let mut sim = stash.clone();
    if source == Source::Stash {
        let leave = [ItemOp::Move { uid, to: loadout.place(target) }];
        sim.apply(&leave, &[]);
    }
    if let Some((occ, s)) = &swapped {
        change.ops.push(ItemOp::Move { uid: occ.uid, to: loadout.place(*s) });
        change.equipped.push((occ.uid, *s));
    }
    for x in &to_stash {
        let add = plan_add(catalog, &sim, x, AddMode::AllOrNothing)?;
        sim.apply(&add.ops, std::slice::from_ref(x));
        change.ops.extend(add.ops);
        change.to_stash.push(x.uid);
    }
    change.ops.push(ItemOp::Move { uid, to: loadout.place(target) });
    change.equipped.push((uid, target));
    Ok(change)
}

/// Take the item out of `slot` into the stash (merging a belt stack into the stash's stacks).
/// Codes: `E_SLOT_EMPTY`, `E_CONTAINER_FULL`.
pub fn unequip(catalog: &ItemCatalog, loadout: &Loadout, stash: &Stash, slot: LoadoutSlot) -> WkResult<LoadoutChange> {
    let item = loadout.get(slot).ok_or_else(|| {
        err(ErrorCode::SlotEmpty, format!("{} of character {} is empty", slot.code(), loadout.character_id))
    })?;
    let add = plan_add(catalog, stash, item, AddMode::AllOrNothing)?;
    Ok(LoadoutChange { ops: add.ops, to_stash: vec![item.uid], equipped: Vec::new() })
}

/// Move an item between the stash and the loadout or between slots (drag and drop).
/// To a slot: [`equip`]. To the stash: [`unequip`] of the slot holding it
/// (`E_INVALID_ARGUMENT` if it is already in the stash, `E_ITEM_NOT_HERE` if in neither).
pub fn move_item(
    catalog: &ItemCatalog,
    loadout: &Loadout,
    stash: &Stash,
    uid: u64,
    to: MoveTarget,
    wearer: &Wearer,
) -> WkResult<LoadoutChange> {
    match to {
        MoveTarget::Slot(s) => equip(catalog, loadout, stash, uid, s, wearer),
        MoveTarget::Stash => match loadout.slot_of(uid) {
            Some(s) => unequip(catalog, loadout, stash, s),
            None if stash.find(uid).is_some() => {
                Err(err(ErrorCode::InvalidArgument, format!("item {uid} is already in the stash")))
            }
            None => Err(err(
                ErrorCode::ItemNotHere,
                format!("item {uid} is neither equipped by character {} nor in the stash", loadout.character_id),
            )),
        },
    }
}
