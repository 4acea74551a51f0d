#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

// progenitor does not document every item it emits (typify's struct builders and their
// setters), so the lint is relaxed on the generated module only; the items that codegen emits
// itself are documented. rustfmt is kept off the file: it is prettyplease's output, and
// `cargo xtask codegen --check` compares it byte for byte.
#[allow(missing_docs)]
#[rustfmt::skip]
mod generated;

pub use generated::*;
