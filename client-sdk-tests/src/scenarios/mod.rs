pub mod buffs;
pub mod combat;
pub mod foundation;
pub mod items;
pub mod reliability;
pub mod world;
