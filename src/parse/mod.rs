//! Parsers for the files casstune reads. They report syntax and positions, never judge.

pub mod env_sh;
pub mod jvm;
pub mod yaml;
