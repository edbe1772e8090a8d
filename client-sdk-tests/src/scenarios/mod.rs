pub mod foundation;
pub mod world;
