pub mod flow_text;
pub mod host_peer_without_address;
pub mod ikev1;
pub mod open_to_world;
pub mod required_flow_blocked;
pub mod secret_in_text;
pub mod secret_literal;
pub mod weak_ike_proposal;
