pub mod buffs;
pub mod foundation;
pub mod world;
