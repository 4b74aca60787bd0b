pub mod alert_for_too_short;
pub mod alert_without_receiver;
pub mod alertmanager_receiver_unsupported;
pub mod eol_os;
pub mod invalid_bucket_name;
pub mod same_region_migration;
pub mod slo_objective_invalid;
pub mod terraform_name_collision;
