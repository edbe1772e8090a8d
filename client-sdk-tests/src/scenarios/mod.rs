pub mod foundation;
