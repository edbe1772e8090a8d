//! Pure domain logic over plain data: no `ReducerContext`, no tables, so `cargo test` covers it
//! natively. Reducers load rows, call these, and write what they decide.

pub mod agents;
pub mod buffs;
pub mod characters;
pub mod combat;
pub mod conditions;
pub mod config;
pub mod fair_dice;
pub mod items;
pub mod limits;
pub mod migrate;
pub mod perks;
pub mod profiles;
pub mod pvp;
pub mod sha256;
pub mod spawner;
pub mod stats;
pub mod stats_fixture;
pub mod storage;
pub mod travel;
pub mod view;
