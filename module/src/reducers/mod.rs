//! Thin transactional shells: authorize, gate, load, call the pure core, write, record an event.

pub mod admin;
#[cfg(feature = "characters")]
pub mod characters;
