pub mod alert_for_too_short;
pub mod eol_os;
pub mod invalid_bucket_name;
pub mod same_region_migration;
pub mod terraform_name_collision;
