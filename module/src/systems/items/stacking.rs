//! Stacking and stashes. Equipment never stacks; consumables and materials stack up to their
//! definition's limit (≤ 99).
//!
//! ## Adding to a stash ([`plan_add`])
//! 1. Merge into existing stacks of the same definition, **lowest uid first**, each up to the
//!    limit (so the result does not depend on row order).
//! 2. What is left becomes a new stack: the incoming instance itself moves in (keeping its uid)
//!    with the remaining quantity — if the stash has room for one more stack.
//! 3. If it has no room, [`AddMode`] decides: `AllOrNothing` fails with `E_CONTAINER_FULL` and
//!    changes nothing; `Partial` (pickups) keeps the merged part and leaves the rest where it
//!    was (a ground item keeps the remainder as its quantity — a documented split).
//!
//! An instance whose whole quantity merged away is deleted: quantity 0 never persists.

use super::defs::ItemCatalog;
use super::instances::{ItemInstance, ItemOp, Place};
use crate::error::{err, ErrorCode, WkResult};

/// Most stacks a run stash (expedition bag) holds: "infinite (or high)" in the spec; bounded so
/// a row set cannot grow without limit.
pub const RUN_STASH_MAX_STACKS: u32 = 200;
/// Most stacks a master stash holds.
pub const MASTER_STASH_MAX_STACKS: u32 = 1000;

/// A stash as the planners see it. `currency_cp`: copper pieces (1 gp = 100 cp, 1 sp = 10 cp),
/// the one currency of this game, kept on every storage.
#[derive(Debug, Clone, PartialEq)]
pub struct Stash {
    pub place: Place,
    /// Instances in this stash (any order; planners sort by uid).
    pub items: Vec<ItemInstance>,
    pub currency_cp: u64,
    pub max_stacks: u32,
}

impl Stash {
    /// An empty run stash of a character.
    pub fn run(character_id: u64) -> Stash {
        Stash {
            place: Place::RunStash(character_id),
            items: Vec::new(),
            currency_cp: 0,
            max_stacks: RUN_STASH_MAX_STACKS,
        }
    }

    /// An empty master stash of a player.
    pub fn master(owner: spacetimedb::Identity) -> Stash {
        Stash {
            place: Place::MasterStash(owner),
            items: Vec::new(),
            currency_cp: 0,
            max_stacks: MASTER_STASH_MAX_STACKS,
        }
    }

    pub fn with_items(mut self, items: Vec<ItemInstance>) -> Stash {
        self.items = items;
        self
    }

    pub fn find(&self, uid: u64) -> Option<&ItemInstance> {
        self.items.iter().find(|i| i.uid == uid)
    }

    pub fn has_room(&self) -> bool {
        (self.items.len() as u32) < self.max_stacks
    }

    /// Follow a plan so the next plan sees its result. `incoming`: instances from elsewhere that
    /// the ops may move in (with their quantities before the ops).
    pub fn apply(&mut self, ops: &[ItemOp], incoming: &[ItemInstance]) {
        let mut outside: Vec<ItemInstance> = incoming.to_vec();
        for op in ops {
            match op {
                ItemOp::SetQuantity { uid, quantity } => {
                    if let Some(s) = self.items.iter_mut().find(|i| i.uid == *uid) {
                        s.quantity = *quantity;
                    } else if let Some(s) = outside.iter_mut().find(|i| i.uid == *uid) {
                        s.quantity = *quantity;
                    }
                }
                ItemOp::Move { uid, to } if *to == self.place => {
                    if let Some(pos) = outside.iter().position(|i| i.uid == *uid) {
                        self.items.push(outside.remove(pos));
                    }
                }
                ItemOp::Move { uid, .. } => {
                    if let Some(pos) = self.items.iter().position(|i| i.uid == *uid) {
                        outside.push(self.items.remove(pos));
                    }
                }
                ItemOp::Delete { uid } => {
                    self.items.retain(|i| i.uid != *uid);
                    outside.retain(|i| i.uid != *uid);
                }
                ItemOp::Create { def_id, quantity, place } if *place == self.place => {
                    // A placeholder uid: planners never refer to a created instance again.
                    self.items.push(ItemInstance::new(0, def_id, *quantity));
                }
                ItemOp::Create { .. } => {}
            }
        }
    }
}

/// What to do with what does not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddMode {
    /// Everything goes in, or `E_CONTAINER_FULL` and nothing changes.
    AllOrNothing,
    /// What fits goes in; the rest stays where it was, with the remaining quantity.
    Partial,
}

/// The outcome of adding one instance to a stash.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AddPlan {
    pub ops: Vec<ItemOp>,
    /// (existing stack uid, quantity merged into it), lowest uid first.
    pub merged: Vec<(u64, u32)>,
    /// Quantity that went in (merged + new stack).
    pub added: u32,
    /// Quantity that did not fit and stayed where it was (Partial only).
    pub left: u32,
}

/// Plan adding `item` (currently somewhere else) to `stash`. See the module docs for the order.
pub fn plan_add(catalog: &ItemCatalog, stash: &Stash, item: &ItemInstance, mode: AddMode) -> WkResult<AddPlan> {
    let def = catalog.get(&item.def_id)?;
    check_quantity(item.quantity, def.stack_limit, &def.name)?;
    let mut plan = AddPlan::default();
    let mut remaining = item.quantity;
    if def.stackable() {
        let mut same: Vec<&ItemInstance> =
            stash.items.iter().filter(|s| s.def_id == item.def_id && s.uid != item.uid).collect();
        same.sort_by_key(|s| s.uid);
        for s in same {
            if remaining == 0 {
                break;
            }
            let room = def.stack_limit.saturating_sub(s.quantity);
            let take = room.min(remaining);
            if take == 0 {
                continue;
            }
            plan.ops.push(ItemOp::SetQuantity { uid: s.uid, quantity: s.quantity + take });
            plan.merged.push((s.uid, take));
            remaining -= take;
        }
    }
    if remaining == 0 {
        plan.ops.push(ItemOp::Delete { uid: item.uid });
    } else if stash.has_room() {
        if remaining != item.quantity {
            plan.ops.push(ItemOp::SetQuantity { uid: item.uid, quantity: remaining });
        }
        plan.ops.push(ItemOp::Move { uid: item.uid, to: stash.place.clone() });
    } else {
        match mode {
            AddMode::AllOrNothing => {
                return Err(err(
                    ErrorCode::ContainerFull,
                    format!(
                        "the {} is full ({} stacks); make room before adding {}",
                        stash.place.describe(),
                        stash.max_stacks,
                        def.name
                    ),
                ))
            }
            AddMode::Partial => {
                plan.left = remaining;
                if remaining != item.quantity {
                    plan.ops.push(ItemOp::SetQuantity { uid: item.uid, quantity: remaining });
                }
            }
        }
    }
    plan.added = item.quantity - plan.left;
    Ok(plan)
}

/// A quantity an instance may have: 1..=limit (`E_INVALID_QUANTITY`).
pub fn check_quantity(quantity: u32, limit: u32, name: &str) -> WkResult<()> {
    if quantity == 0 {
        return Err(err(ErrorCode::InvalidQuantity, format!("quantity of {name} must be at least 1")));
    }
    if quantity > limit {
        return Err(err(ErrorCode::InvalidQuantity, format!("{name} stacks to {limit}; {quantity} is over the limit")));
    }
    Ok(())
}

fn in_stash(stash: &Stash, uid: u64) -> WkResult<&ItemInstance> {
    stash.find(uid).ok_or_else(|| {
        err(
            ErrorCode::ItemNotHere,
            format!("item {uid} is not in the {}; pick an item from it", stash.place.describe()),
        )
    })
}

/// Split `amount` off a stack into a new stack in the same stash. Codes: `E_ITEM_NOT_HERE`,
/// `E_NOT_STACKABLE`, `E_INVALID_QUANTITY` (0, or not less than the stack), `E_CONTAINER_FULL`.
pub fn split_stack(catalog: &ItemCatalog, stash: &Stash, uid: u64, amount: u32) -> WkResult<Vec<ItemOp>> {
    let item = in_stash(stash, uid)?;
    let def = catalog.get(&item.def_id)?;
    if !def.stackable() {
        return Err(err(ErrorCode::NotStackable, format!("{} does not stack, so it cannot be split", def.name)));
    }
    if amount == 0 || amount >= item.quantity {
        return Err(err(
            ErrorCode::InvalidQuantity,
            format!("split 1..={} off a stack of {} {}", item.quantity.saturating_sub(1), item.quantity, def.name),
        ));
    }
    if !stash.has_room() {
        return Err(err(
            ErrorCode::ContainerFull,
            format!("the {} has no room for another stack", stash.place.describe()),
        ));
    }
    Ok(vec![
        ItemOp::SetQuantity { uid, quantity: item.quantity - amount },
        ItemOp::Create { def_id: item.def_id.clone(), quantity: amount, place: stash.place.clone() },
    ])
}

/// Move `quantity` from stack `from` into stack `into` (both in `stash`). Moving the whole of
/// `from` deletes it. Codes: `E_ITEM_NOT_HERE`, `E_INVALID_ARGUMENT` (same stack),
/// `E_DIFFERENT_ITEM_DEFS`, `E_NOT_STACKABLE`, `E_INVALID_QUANTITY` (0 or more than `from`
/// holds), `E_STACK_LIMIT` (`into` would go over its limit).
pub fn merge_stacks(
    catalog: &ItemCatalog,
    stash: &Stash,
    from: u64,
    into: u64,
    quantity: u32,
) -> WkResult<Vec<ItemOp>> {
    let a = in_stash(stash, from)?;
    let b = in_stash(stash, into)?;
    if from == into {
        return Err(err(ErrorCode::InvalidArgument, "merge two different stacks"));
    }
    if a.def_id != b.def_id {
        return Err(err(
            ErrorCode::DifferentItemDefs,
            format!("cannot merge `{}` into `{}`: only stacks of the same item merge", a.def_id, b.def_id),
        ));
    }
    let def = catalog.get(&a.def_id)?;
    if !def.stackable() {
        return Err(err(ErrorCode::NotStackable, format!("{} does not stack", def.name)));
    }
    if quantity == 0 || quantity > a.quantity {
        return Err(err(ErrorCode::InvalidQuantity, format!("merge 1..={} from stack {from}", a.quantity)));
    }
    if b.quantity + quantity > def.stack_limit {
        return Err(err(
            ErrorCode::StackLimit,
            format!(
                "{} stacks to {}; stack {into} holds {} and can take {} more",
                def.name,
                def.stack_limit,
                b.quantity,
                def.stack_limit - b.quantity
            ),
        ));
    }
    let mut ops = vec![ItemOp::SetQuantity { uid: into, quantity: b.quantity + quantity }];
    if quantity == a.quantity {
        ops.push(ItemOp::Delete { uid: from });
    } else {
        ops.push(ItemOp::SetQuantity { uid: from, quantity: a.quantity - quantity });
    }
    Ok(ops)
}
