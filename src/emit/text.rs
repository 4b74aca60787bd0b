//! Small text helpers shared by the emitters that write line-oriented
//! configs (Patroni, etcd, HAProxy, strongSwan, Elasticsearch).

use std::net::IpAddr;

/// `addr:port`, with brackets around IPv6 addresses.
pub fn host_port(ip: IpAddr, port: u16) -> String {
    match ip {
        IpAddr::V4(v4) => format!("{v4}:{port}"),
        IpAddr::V6(v6) => format!("[{v6}]:{port}"),
    }
}

/// A text file built line by line, with indentation in spaces.
#[derive(Default)]
pub struct Text(String);

impl Text {
    pub fn new(header: String) -> Self {
        Text(header)
    }

    pub fn line(&mut self, indent: usize, s: impl AsRef<str>) {
        self.0.extend(std::iter::repeat_n(' ', indent));
        self.0.push_str(s.as_ref());
        self.0.push('\n');
    }

    pub fn blank(&mut self) {
        self.0.push('\n');
    }

    pub fn finish(self) -> String {
        self.0
    }
}
