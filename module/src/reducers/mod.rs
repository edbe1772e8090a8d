//! Thin transactional shells: authorize, gate, load, call the pure core, write, record an event.
//! Each system's reducers compile only with its cargo feature.

pub mod admin;
#[cfg(feature = "combat")]
pub mod bench;
#[cfg(feature = "buffs")]
pub mod buffs;
#[cfg(feature = "characters")]
pub mod characters;
#[cfg(feature = "combat")]
pub mod combat;
#[cfg(feature = "items")]
pub mod items;
#[cfg(feature = "perks")]
pub mod perks;
#[cfg(feature = "profiles")]
pub mod profiles;
#[cfg(feature = "combat")]
pub mod pvp;
#[cfg(feature = "rest")]
pub mod rest;
#[cfg(all(feature = "characters", feature = "items"))]
pub mod scale;
pub mod snapshot;
#[cfg(feature = "social")]
pub mod social;
#[cfg(feature = "travel")]
pub mod travel;
