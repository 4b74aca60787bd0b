//! infragen: one KDL spec of an estate → checked dependency graph → configs.
//!
//! The pipeline runs one way: `syntax` (KDL → tree with spans) → `schema`
//! (shape validation) → `lower` (typed `model`) → `graph` (petgraph + service
//! flows) → `rules` (checks) → `emit` (one module per target) → write.
//! See docs/architecture.md.

pub mod cli;
pub mod diagnostic;
pub mod diff;
pub mod emit;
pub mod graph;
pub mod lock;
pub mod lower;
pub mod model;
pub mod pipeline;
pub mod rules;
pub mod schema;
pub mod span;
pub mod syntax;
pub mod units;
