//! Quickened Recovery (world-tick phase): the owner's clock runs 1.5x world time, so the rules
//! tick (rest progress, recovery, regeneration) and the perk ticks see more seconds.

use super::hooks::{OwnerClock, PerkHooks, PerkState, ALL_RULESETS};

pub const HOOKS: PerkHooks = PerkHooks { world_tick: Some(world_tick), ..PerkHooks::new("quickened", ALL_RULESETS) };

pub fn world_tick(clock: &mut OwnerClock, _state: &PerkState) {
    clock.secs = clock.secs.saturating_add(clock.secs / 2);
}
