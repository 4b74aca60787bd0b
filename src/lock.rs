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
            if entries
                .insert(name.to_string(), (subnet.to_string(), addr))
                .is_some()
            {
                // Last-wins would let `--locked` pass a lock that says two
                // things about one host.
                return Err(format!(
                    "line {}: host `{name}` is listed twice; keep one line per host",
                    i + 1
                ));
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_listed_twice_is_an_error() {
        let text = "a net/s 10.0.0.4\nb net/s 10.0.0.5\na net/s 10.0.0.6\n";
        let err = AddressLock::parse(text).unwrap_err();
        assert!(err.contains("line 3") && err.contains("`a`"), "{err}");
    }

    #[test]
    fn render_parses_back() {
        let text = "a net/s 10.0.0.4\nb net/s 10.0.0.5\n";
        let lock = AddressLock::parse(text).unwrap();
        assert_eq!(AddressLock::parse(&lock.render()).unwrap(), lock);
    }
}
