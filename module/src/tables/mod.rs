//! Schema only, one file per aggregate. Names by role: `*_def` static data loaded from CSV,
//! state tables for runtime rows, `*_timer` / clock tables for schedules.

pub mod buffs;
pub mod characters;
pub mod combat;
pub mod combat_log;
pub mod dice;
pub mod events;
pub mod gates;
pub mod items;
pub mod perks;
#[cfg(feature = "profiles")]
pub mod profiles;
pub mod pvp;
pub mod snapshot;
pub mod statics;
pub mod world;
