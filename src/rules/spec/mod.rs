pub mod duplicate_name;
pub mod duplicate_property;
pub mod invalid_value;
pub mod kdl_syntax;
pub mod missing_value;
pub mod unknown_node;
pub mod unknown_property;
pub mod unresolved_reference;
