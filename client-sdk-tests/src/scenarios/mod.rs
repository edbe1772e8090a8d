pub mod buffs;
pub mod foundation;
