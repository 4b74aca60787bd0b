pub mod cidr_overlap;
pub mod invalid_cidr;
pub mod non_private_cidr;
pub mod subnet_capacity;
pub mod subnet_outside_network;
pub mod subnet_overlap;
pub mod vpc_prefix_length;
pub mod zone_region_mismatch;
