//! Runs (expeditions) and the two stashes (inventory spec §1, §4.C).
//!
//! - During a run the character's **run stash** is the active stash (pickups, unequips); in the
//!   hub the player's **master stash** is ([`active_stash_place`]).
//! - [`begin_run`]: only when no run is active and the run stash is empty (items and currency),
//!   so nothing from an earlier run is silently carried or lost.
//! - [`extract`]: run stash items (lowest uid first) merge into the master stash's stacks
//!   (lowest uid first), the rest move over as they are (same uids); currency is added. All or
//!   nothing: a full master stash (`E_CONTAINER_FULL`) or a currency overflow
//!   (`E_CURRENCY_OVERFLOW`) changes nothing and the run stays active.
//! - [`may_extract`]: only out of combat, not on the road, at a safe location (`location_def.safe`);
//!   the character itself must be able to act (alive, conscious, not incapacitated:
//!   `systems::conditions::forbids(Action::Extract, ..)`, checked first).
//! - [`wipe`]: the run stash is lost (items deleted, currency 0); equipped gear by
//!   [`WipeDifficulty`]. One rule for every way a run is lost ([`RunLoss`]): the voluntary `wipe`,
//!   the character's death during the run ([`lost_with`]) and its deletion during the run.
//!
//! Currency is a `u64` count of copper pieces (1 gp = 100 cp) on every storage.

use super::defs::ItemCatalog;
use super::instances::{ItemInstance, ItemOp, LoadoutSlot, Place};
use super::loadout::Loadout;
use super::stacking::{plan_add, AddMode, Stash};
use crate::error::{err, ErrorCode, WkResult};
use spacetimedb::{Identity, SpacetimeType};

/// A character's expedition state.
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunState {
    pub character_id: u64,
    pub active: bool,
    /// When the current (or last) run began; 0 before the first.
    pub started_at_micros: i64,
}

impl RunState {
    pub fn idle(character_id: u64) -> RunState {
        RunState { character_id, active: false, started_at_micros: 0 }
    }
}

/// What a wipe costs beyond the run stash (a server setting).
#[derive(SpacetimeType, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WipeDifficulty {
    /// Every equipped item is kept.
    Casual,
    /// Weapons, armor and the accessory are kept; belt consumables are lost.
    Standard,
    /// Everything equipped is lost too.
    Hardcore,
}

impl WipeDifficulty {
    pub const ALL: [WipeDifficulty; 3] = [WipeDifficulty::Casual, WipeDifficulty::Standard, WipeDifficulty::Hardcore];

    /// The config value (`wipe_difficulty`).
    pub fn code(self) -> &'static str {
        match self {
            WipeDifficulty::Casual => "casual",
            WipeDifficulty::Standard => "standard",
            WipeDifficulty::Hardcore => "hardcore",
        }
    }

    pub fn parse(s: &str) -> Option<WipeDifficulty> {
        WipeDifficulty::ALL.into_iter().find(|d| d.code() == s)
    }

    /// Is an item in this slot kept on a wipe? Exhaustive over both enums.
    pub fn keeps(self, slot: LoadoutSlot) -> bool {
        match self {
            WipeDifficulty::Casual => true,
            WipeDifficulty::Standard => !slot.is_belt(),
            WipeDifficulty::Hardcore => false,
        }
    }
}

/// The stash equips and unequips use: the run stash during a run, else the master stash.
pub fn active_stash_place(run: &RunState, owner: Identity) -> Place {
    if run.active {
        Place::RunStash(run.character_id)
    } else {
        Place::MasterStash(owner)
    }
}

/// Start a run. Codes: `E_RUN_ACTIVE`, `E_RUN_STASH_NOT_EMPTY`.
pub fn begin_run(run: &RunState, run_stash: &Stash, now_micros: i64) -> WkResult<RunState> {
    if run.active {
        return Err(err(ErrorCode::RunActive, "a run is already under way; extract or wipe first"));
    }
    if !run_stash.items.is_empty() || run_stash.currency_cp != 0 {
        return Err(err(
            ErrorCode::RunStashNotEmpty,
            "the run stash still holds items or currency from an earlier run; extract it first",
        ));
    }
    Ok(RunState { character_id: run.character_id, active: true, started_at_micros: now_micros })
}

/// The end of a successful run.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractPlan {
    pub ops: Vec<ItemOp>,
    /// New currency of the run stash (always 0) and of the master stash.
    pub run_currency_cp: u64,
    pub master_currency_cp: u64,
    pub run: RunState,
    /// (uid, quantity) of every item that came out, in order.
    pub extracted: Vec<(u64, u32)>,
}

/// Where the character stands when it asks to extract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtractSite<'a> {
    pub name: &'a str,
    pub location_id: &'a str,
    pub location_safe: bool,
    pub in_combat: bool,
    pub traveling: bool,
}

/// May a run end in extraction here? `E_IN_COMBAT`, `E_TRAVELING`, `E_NOT_SAFE_TO_EXTRACT`; a
/// character without an active run gets `E_NO_ACTIVE_RUN` first.
pub fn may_extract(run: &RunState, site: &ExtractSite) -> WkResult<()> {
    if !run.active {
        return Err(err(ErrorCode::NoActiveRun, "no run to extract from; begin a run first"));
    }
    let name = site.name;
    if site.in_combat {
        return Err(err(ErrorCode::InCombat, format!("{name} is in a fight; win it or flee before extracting")));
    }
    if site.traveling {
        return Err(err(ErrorCode::Traveling, format!("{name} is on the road; extract after arriving somewhere safe")));
    }
    if !site.location_safe {
        return Err(err(
            ErrorCode::NotSafeToExtract,
            format!("{} is not a safe place to extract; travel to a safe location first", site.location_id),
        ));
    }
    Ok(())
}

/// Extract: merge the run stash into the master stash. See the module docs.
pub fn extract(catalog: &ItemCatalog, run: &RunState, run_stash: &Stash, master: &Stash) -> WkResult<ExtractPlan> {
    if !run.active {
        return Err(err(ErrorCode::NoActiveRun, "no run to extract from; begin a run first"));
    }
    if run_stash.place != Place::RunStash(run.character_id) || !matches!(master.place, Place::MasterStash(_)) {
        return Err(err(ErrorCode::InvalidArgument, "extract moves this character's run stash into a master stash"));
    }
    let master_currency_cp = master.currency_cp.checked_add(run_stash.currency_cp).ok_or_else(|| {
        err(ErrorCode::CurrencyOverflow, "the master stash cannot hold that much currency; spend some first")
    })?;
    let mut items: Vec<ItemInstance> = run_stash.items.clone();
    items.sort_by_key(|i| i.uid);
    let mut sim = master.clone();
    let mut ops = Vec::new();
    let mut extracted = Vec::new();
    for i in &items {
        let add = plan_add(catalog, &sim, i, AddMode::AllOrNothing)?;
        sim.apply(&add.ops, std::slice::from_ref(i));
        ops.extend(add.ops);
        extracted.push((i.uid, i.quantity));
    }
    Ok(ExtractPlan { ops, run_currency_cp: 0, master_currency_cp, run: RunState { active: false, ..*run }, extracted })
}

/// The end of a failed run.
#[derive(Debug, Clone, PartialEq)]
pub struct WipePlan {
    /// Deletes: run stash items (uid order), then lost equipped items (slot order).
    pub ops: Vec<ItemOp>,
    pub run_currency_cp: u64,
    pub currency_lost_cp: u64,
    pub run: RunState,
    pub lost_equipped: Vec<(u64, LoadoutSlot)>,
}

/// How a run was lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunLoss {
    /// The player gave up (`wipe`).
    Wipe,
    /// The character died during the run.
    Death,
    /// The character was deleted during the run.
    Deleted,
}

impl RunLoss {
    pub fn code(self) -> &'static str {
        match self {
            RunLoss::Wipe => "wipe",
            RunLoss::Death => "death",
            RunLoss::Deleted => "deleted",
        }
    }
}

/// A death or a deletion loses a run under way exactly as a [`wipe`] does; outside a run nothing
/// is lost (`None`: the stashes and the gear stay as they are).
pub fn lost_with(run: &RunState, run_stash: &Stash, loadout: &Loadout, difficulty: WipeDifficulty) -> Option<WipePlan> {
    if !run.active {
        return None;
    }
    wipe(run, run_stash, loadout, difficulty).ok()
}

/// Wipe: the run stash is lost; equipped items by difficulty. `E_NO_ACTIVE_RUN` outside a run.
pub fn wipe(run: &RunState, run_stash: &Stash, loadout: &Loadout, difficulty: WipeDifficulty) -> WkResult<WipePlan> {
    if !run.active {
        return Err(err(ErrorCode::NoActiveRun, "no run to wipe"));
    }
    let mut uids: Vec<u64> = run_stash.items.iter().map(|i| i.uid).collect();
    uids.sort_unstable();
    let mut ops: Vec<ItemOp> = uids.into_iter().map(|uid| ItemOp::Delete { uid }).collect();
    let mut lost_equipped = Vec::new();
    for (slot, item) in loadout.items() {
        if !difficulty.keeps(slot) {
            ops.push(ItemOp::Delete { uid: item.uid });
            lost_equipped.push((item.uid, slot));
        }
    }
    Ok(WipePlan {
        ops,
        run_currency_cp: 0,
        currency_lost_cp: run_stash.currency_cp,
        run: RunState { active: false, ..*run },
        lost_equipped,
    })
}
