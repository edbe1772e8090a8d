pub mod buffs;
pub mod combat;
pub mod foundation;
pub mod items;
pub mod perks;
pub mod profiles;
pub mod replay;
pub mod world;
