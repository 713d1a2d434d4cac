//! Who the client is. The connection's peer, unless the peer is one of our reverse proxies
//! (`--trusted-proxies`): then the address that proxy wrote into `--client-ip-header`, read
//! from the right, skipping our own proxies, so an address a client wrote itself on the left
//! of `X-Forwarded-For` is never believed. Limits count IPv6 clients per /64, the block one
//! household or phone is given.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

use super::AppState;

#[derive(Clone, Debug)]
pub struct ClientAddresses {
    header: Option<HeaderName>,
    trusted: Vec<IpNet>,
    /// Proxies were named (`--trusted-proxies`), not only loopback by default.
    named: bool,
}

impl ClientAddresses {
    /// With a header but no proxies named, only a proxy on this machine (loopback) is
    /// believed: the usual nginx in front of one node.
    pub fn new(header: Option<&str>, trusted: &[IpNet]) -> ClientAddresses {
        let header = header.and_then(|name| HeaderName::try_from(name.trim()).ok());
        let named = !trusted.is_empty();
        let mut trusted = trusted.to_vec();
        if header.is_some() && trusted.is_empty() {
            trusted = ["127.0.0.0/8", "::1/128"]
                .iter()
                .filter_map(|net| net.parse().ok())
                .collect();
        }
        ClientAddresses {
            header,
            trusted,
            named,
        }
    }

    /// A peer that is one of our proxies: trusted, and a header to believe is configured
    /// (or the proxies were named explicitly).
    pub fn is_proxy(&self, ip: IpAddr) -> bool {
        (self.header.is_some() || self.named) && self.is_trusted(ip)
    }

    pub fn is_trusted(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// The client's address: the peer, or what a trusted proxy says.
    pub fn client(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> Option<IpAddr> {
        let peer = peer.map(|peer| peer.ip().to_canonical())?;
        let Some(name) = &self.header else {
            return Some(peer);
        };
        if !self.is_trusted(peer) {
            return Some(peer);
        }
        // Every hop, left to right, over all copies of the header.
        let hops: Vec<&str> = headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .filter(|hop| !hop.is_empty())
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Some(ip) = parse_hop(hop) else {
                // Not an address: nothing further left can be trusted either.
                break;
            };
            client = ip;
            if !self.is_trusted(ip) {
                break;
            }
        }
        Some(client)
    }
}

/// One hop of a forwarding header: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:80`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// What limits count by: the IPv4 address, or the IPv6 /64 it belongs to.
pub fn bucket(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let block = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
            format!("{block}/64")
        }
    }
}

/// A request id is kept only from our own proxies (it is theirs, for tracing a request
/// across them); a client's own `X-Request-Id` would let it write into our log lines.
pub async fn drop_untrusted_request_id(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    if !peer.is_some_and(|ip| state.clients.is_proxy(ip)) {
        request.headers_mut().remove("x-request-id");
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: &str, values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(HeaderName::try_from(name).unwrap(), value.parse().unwrap());
        }
        map
    }

    fn peer(ip: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(ip.parse().unwrap(), 40000))
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn a_header_counts_only_from_a_trusted_proxy() {
        let clients = ClientAddresses::new(Some("X-Forwarded-For"), &nets(&["10.0.0.0/8"]));
        let sent = headers("x-forwarded-for", &["198.51.100.7"]);
        assert_eq!(
            clients.client(&sent, peer("10.1.2.3")),
            Some("198.51.100.7".parse().unwrap())
        );
        // The same header straight from the internet is the client's own word.
        assert_eq!(
            clients.client(&sent, peer("203.0.113.9")),
            Some("203.0.113.9".parse().unwrap())
        );
    }

    #[test]
    fn the_client_is_the_right_most_hop_that_is_not_ours() {
        let clients = ClientAddresses::new(
            Some("X-Forwarded-For"),
            &nets(&["10.0.0.0/8", "192.0.2.1/32"]),
        );
        // The client wrote "1.1.1.1" itself; nginx appended the real address; a second
        // proxy of ours appended the first one's.
        let sent = headers("x-forwarded-for", &["1.1.1.1, 198.51.100.7", "192.0.2.1"]);
        assert_eq!(
            clients.client(&sent, peer("10.0.0.5")),
            Some("198.51.100.7".parse().unwrap())
        );
        // Garbage on the right: the proxy itself is all that is known.
        let junk = headers("x-forwarded-for", &["198.51.100.7, unknown"]);
        assert_eq!(
            clients.client(&junk, peer("10.0.0.5")),
            Some("10.0.0.5".parse().unwrap())
        );
        let ported = headers("x-forwarded-for", &["[2001:db8::7]:443"]);
        assert_eq!(
            clients.client(&ported, peer("10.0.0.5")),
            Some("2001:db8::7".parse().unwrap())
        );
    }

    #[test]
    fn without_named_proxies_a_header_is_believed_from_loopback_only() {
        let clients = ClientAddresses::new(Some("X-Real-IP"), &[]);
        let sent = headers("x-real-ip", &["198.51.100.7"]);
        assert_eq!(
            clients.client(&sent, peer("127.0.0.1")),
            Some("198.51.100.7".parse().unwrap())
        );
        assert_eq!(
            clients.client(&sent, peer("::ffff:127.0.0.1")),
            Some("198.51.100.7".parse().unwrap())
        );
        assert_eq!(
            clients.client(&sent, peer("192.0.2.50")),
            Some("192.0.2.50".parse().unwrap())
        );
        let none = ClientAddresses::new(None, &nets(&["127.0.0.0/8"]));
        assert_eq!(
            none.client(&sent, peer("127.0.0.1")),
            Some("127.0.0.1".parse().unwrap())
        );
    }

    #[test]
    fn ipv6_clients_count_per_64() {
        let a = bucket("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = bucket("2001:db8:1:2:ffff:1:2:3".parse().unwrap());
        let c = bucket("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(bucket("198.51.100.7".parse().unwrap()), "198.51.100.7");
        assert_eq!(
            bucket("::ffff:198.51.100.7".parse().unwrap()),
            "198.51.100.7"
        );
    }
}
