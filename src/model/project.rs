//! Project naming, tags and the first-boot baseline.

#[derive(Debug, Clone, Default)]
pub struct Backend {
    pub bucket: String,
    pub key: String,
    pub region: String,
    pub lock_table: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Project {
    /// Naming prefix; "infragen" when the spec has no `project`.
    pub name: String,
    /// The `project` node (default when the spec has none).
    pub span: crate::span::Span,
    pub owner: Option<String>,
    pub tags: Vec<(String, String)>,
    pub backend: Option<Backend>,
}

impl Project {
    /// The name a cloud resource gets (the `Name` tag, Azure names, the
    /// ElastiCache replication group id): project-prefixed.
    pub fn cloud_name(&self, name: &str) -> String {
        format!("{}-{name}", self.name)
    }
}

#[derive(Debug, Clone)]
pub struct Admin {
    pub name: String,
    pub ssh_key: String,
}

#[derive(Debug, Clone, Default)]
pub struct Docker {
    pub log_driver: Option<String>,
    pub log_max_size: Option<String>,
    pub log_max_file: Option<u32>,
    pub storage_driver: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Baseline {
    pub admins: Vec<Admin>,
    pub domain: Option<String>,
    pub packages: Vec<String>,
    pub docker: Option<Docker>,
    pub network_tuning: Option<String>,
    pub command_log: Option<String>,
}
