//! At most N open connections per client address, so one client cannot take every file
//! descriptor of a node with idle sockets. An IPv6 client counts per /64 (one subscriber
//! usually holds a whole /64 and can pick any address in it).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};

/// Peers the cap does not apply to: trusted reverse proxies, which carry every client's
/// connections. See [`crate::web::conn::cap_exempt`].
pub type Exempt = Arc<dyn Fn(IpAddr) -> bool + Send + Sync>;

/// Open connections per address (one lock held for a map update only, per connect and close).
pub struct AddressCap {
    max: usize,
    exempt: Exempt,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One admitted connection; its place is given back when dropped.
pub struct Admitted {
    counted: Option<(Arc<AddressCap>, IpAddr)>,
}

impl AddressCap {
    pub fn new(max: usize, exempt: Exempt) -> Arc<AddressCap> {
        Arc::new(AddressCap {
            max,
            exempt,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// A place for a new connection from `peer`, or `None` when that address already has
    /// `max` open.
    pub fn admit(self: &Arc<Self>, peer: IpAddr) -> Option<Admitted> {
        if (self.exempt)(peer) {
            return Some(Admitted { counted: None });
        }
        let key = address_key(peer);
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(key).or_insert(0);
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(Admitted {
            counted: Some((self.clone(), key)),
        })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let Some((cap, key)) = self.counted.take() else {
            return;
        };
        let mut open = cap.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&key) {
            *count -= 1;
            if *count == 0 {
                open.remove(&key); // the map holds only addresses with open connections
            }
        }
    }
}

/// What connections are counted under: an IPv4 address (also when written IPv4-mapped), or
/// an IPv6 address's /64.
fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = v6.to_bits() & !((1u128 << 64) - 1);
                IpAddr::V6(Ipv6Addr::from_bits(prefix))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn never() -> Exempt {
        Arc::new(|_| false)
    }

    #[test]
    fn one_address_is_capped_and_others_are_not() {
        let cap = AddressCap::new(2, never());
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let first = cap.admit(a).unwrap();
        let _second = cap.admit(a).unwrap();
        assert!(cap.admit(a).is_none());
        assert!(cap.admit("10.0.0.2".parse().unwrap()).is_some());
        drop(first);
        assert!(
            cap.admit(a).is_some(),
            "a closed connection gives its place back"
        );
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
        let cap = AddressCap::new(1, never());
        let _held = cap.admit("2001:db8:1:2::1".parse().unwrap()).unwrap();
        assert!(cap.admit("2001:db8:1:2:ffff::9".parse().unwrap()).is_none());
        assert!(cap.admit("2001:db8:1:3::1".parse().unwrap()).is_some());
        let _v4 = cap.admit("192.0.2.7".parse().unwrap()).unwrap();
        assert!(cap.admit("::ffff:192.0.2.7".parse().unwrap()).is_none());
    }

    #[test]
    fn exempt_peers_are_not_counted() {
        let proxy: IpAddr = "10.0.0.9".parse().unwrap();
        let cap = AddressCap::new(1, Arc::new(move |ip| ip == proxy));
        let _a = cap.admit(proxy).unwrap();
        assert!(cap.admit(proxy).is_some());
        assert!(cap.open.lock().unwrap().is_empty());
    }
}
