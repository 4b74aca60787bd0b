//! infragen: one KDL spec of an estate → checked dependency graph → configs.
//!
//! The pipeline runs one way: `syntax` (KDL → tree with spans) → `schema`
//! (shape validation) → `lower` (typed `model`) → `graph` (petgraph + service
//! flows) → `rules` (checks) → `emit` (one module per target) → write.
//! See docs/architecture.md.

pub mod diagnostic;
pub mod span;
pub mod syntax;
pub mod schema;
pub mod units;
pub mod model;
pub mod lock;
pub mod lower;
