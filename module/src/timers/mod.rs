//! One file per scheduled table's reducer. Every one starts with `auth::require_scheduler`.

pub mod buffs;
pub mod combat;
pub mod event_prune;
pub mod items;
#[cfg(feature = "profiles")]
pub mod profiles;
pub mod pvp;
pub mod storage_prune;
pub mod travel;
pub mod world_tick;
