//! The address lock: a committed text file that pins every host's private
//! address, so adding, removing or resizing a group never moves another host
//! (a changed `private_ip` replaces an instance). One line per host:
//! `NAME SUBNET-PATH ADDRESS`, sorted by name.

use std::collections::BTreeMap;
use std::net::IpAddr;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressLock {
    /// host name → (subnet path `vpc/subnet`, address)
    pub entries: BTreeMap<String, (String, IpAddr)>,
}

pub const HEADER: &str = "# infragen address lock: commit this file. `infragen build` keeps every\n# host listed here at its address; new hosts take the lowest free one.\n";

impl AddressLock {
    pub fn parse(text: &str) -> Result<AddressLock, String> {
        let mut entries = BTreeMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let parts: Vec<&str> = line.split_whitespace().collect();
            let [name, subnet, addr] = parts[..] else {
                return Err(format!("line {}: expected `HOST SUBNET ADDRESS`", i + 1));
            };
            let addr: IpAddr = addr
                .parse()
                .map_err(|_| format!("line {}: `{addr}` is not an address", i + 1))?;
            entries.insert(name.to_string(), (subnet.to_string(), addr));
        }
        Ok(AddressLock { entries })
    }

    pub fn render(&self) -> String {
        let mut out = String::from(HEADER);
        for (name, (subnet, addr)) in &self.entries {
            out.push_str(&format!("{name} {subnet} {addr}\n"));
        }
        out
    }
}
