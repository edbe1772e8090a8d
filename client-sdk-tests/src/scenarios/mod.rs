pub mod foundation;
pub mod items;
pub mod world;
