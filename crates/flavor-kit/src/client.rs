//! The client's address: the peer's, or, when the peer is one of the configured trusted proxies
//! (`server.trusted_proxies`), the address it forwarded in `X-Forwarded-For`.
//!
//! The gateway registers the proxies once per app ([`TrustedProxies`], an `app_data` value);
//! without it, or with an empty list, `X-Forwarded-For` is never believed.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::Arc;

use actix_web::HttpRequest;

/// The forwarding header trusted proxies set.
pub const FORWARDED_FOR: &str = "x-forwarded-for";

/// The client of `req`: the peer address, or, when the peer is a trusted proxy, the nearest
/// address in `X-Forwarded-For` that is not a trusted proxy itself (read right to left, so a
/// client cannot choose it by sending the header). `None` when the peer is unknown.
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let peer = canonical(req.peer_addr()?.ip());
    match req.app_data::<TrustedProxies>() {
        Some(trusted) if trusted.contains(peer) => Some(forwarded(req, trusted).unwrap_or(peer)),
        _ => Some(peer),
    }
}

/// The nearest untrusted address of `X-Forwarded-For` (every instance of the header, in order);
/// the farthest one when all are trusted; `None` when the header is absent or does not parse.
fn forwarded(req: &HttpRequest, trusted: &TrustedProxies) -> Option<IpAddr> {
    let mut hops = Vec::new();
    for value in req.headers().get_all(FORWARDED_FOR) {
        for hop in value.to_str().ok()?.split(',') {
            hops.push(canonical(IpAddr::from_str(hop.trim()).ok()?));
        }
    }
    let farthest = *hops.first()?;
    Some(
        hops.into_iter()
            .rev()
            .find(|ip| !trusted.contains(*ip))
            .unwrap_or(farthest),
    )
}

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`) as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// An address block: `10.0.0.0/8`, `2001:db8::/32`, or one address (`192.0.2.7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Whether `ip` is in the block.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                masked(u128::from(u32::from(ip)), 32, self.prefix) == u128::from(u32::from(net))
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                masked(u128::from(ip), 128, self.prefix) == u128::from(net)
            }
            _ => false,
        }
    }
}

/// `bits`-wide `value` with all but its first `prefix` bits cleared.
fn masked(value: u128, bits: u8, prefix: u8) -> u128 {
    if prefix == 0 {
        return 0;
    }
    let keep = u128::MAX << (bits - prefix);
    value & keep & (u128::MAX >> (128 - bits))
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let network = canonical(
            IpAddr::from_str(addr.trim()).map_err(|_| format!("`{s}` is not an address"))?,
        );
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(|| format!("`{s}` has no prefix length between 0 and {bits}"))?,
        };
        let exact = match network {
            IpAddr::V4(v4) => {
                masked(u128::from(u32::from(v4)), 32, prefix) == u128::from(u32::from(v4))
            }
            IpAddr::V6(v6) => masked(u128::from(v6), 128, prefix) == u128::from(v6),
        };
        if !exact {
            return Err(format!("`{s}` has host bits set past its prefix"));
        }
        Ok(Self { network, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// The proxies whose `X-Forwarded-For` is believed (`server.trusted_proxies`). Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<[Cidr]>);

impl TrustedProxies {
    /// The blocks of `list` (CIDRs or single addresses); the error names the first that does
    /// not parse.
    pub fn parse<S: AsRef<str>>(list: &[S]) -> Result<Self, String> {
        let blocks = list
            .iter()
            .map(|s| s.as_ref().parse::<Cidr>())
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self(blocks.into()))
    }

    /// Whether `ip` is a trusted proxy.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|c| c.contains(ip))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use actix_web::test::TestRequest;

    use super::*;

    fn request(peer: &str, forwarded: &[&str], trusted: &[&str]) -> HttpRequest {
        let mut req = TestRequest::default().peer_addr(peer.parse().unwrap());
        for f in forwarded {
            req = req.append_header((FORWARDED_FOR, *f));
        }
        if !trusted.is_empty() {
            req = req.app_data(TrustedProxies::parse(trusted).unwrap());
        }
        req.to_http_request()
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        // No list: the header is ignored.
        assert_eq!(
            client_ip(&request("10.0.0.5:1", &["203.0.113.9"], &[])),
            ip("10.0.0.5")
        );
        // A peer outside the list: ignored too.
        let r = request("198.51.100.1:1", &["203.0.113.9"], &["10.0.0.0/8"]);
        assert_eq!(client_ip(&r), ip("198.51.100.1"));
        // A trusted peer: the nearest untrusted hop, whatever the client prepended.
        let r = request(
            "10.0.0.5:1",
            &["1.2.3.4, 203.0.113.9, 10.0.0.7"],
            &["10.0.0.0/8"],
        );
        assert_eq!(client_ip(&r), ip("203.0.113.9"));
        let r = request("10.0.0.5:1", &["1.2.3.4", "203.0.113.9"], &["10.0.0.0/8"]);
        assert_eq!(client_ip(&r), ip("203.0.113.9"));
        // All hops trusted: the farthest; no header or garbage: the peer.
        let r = request("10.0.0.5:1", &["10.1.1.1, 10.0.0.7"], &["10.0.0.0/8"]);
        assert_eq!(client_ip(&r), ip("10.1.1.1"));
        assert_eq!(
            client_ip(&request("10.0.0.5:1", &[], &["10.0.0.0/8"])),
            ip("10.0.0.5")
        );
        let r = request("10.0.0.5:1", &["nonsense"], &["10.0.0.0/8"]);
        assert_eq!(client_ip(&r), ip("10.0.0.5"));
        // IPv6 and IPv4-mapped addresses.
        let r = request("[::ffff:10.0.0.5]:1", &["2001:db8::1"], &["10.0.0.5"]);
        assert_eq!(client_ip(&r), ip("2001:db8::1"));
    }

    #[test]
    fn blocks_parse_and_match() {
        let c: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(c.contains("10.255.0.1".parse().unwrap()));
        assert!(!c.contains("11.0.0.1".parse().unwrap()));
        assert!(!c.contains("::1".parse().unwrap()));
        let one: Cidr = "192.0.2.7".parse().unwrap();
        assert_eq!(one.to_string(), "192.0.2.7/32");
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains("2001:db8:ffff::1".parse().unwrap()));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
        for bad in ["10.0.0.1/8", "10.0.0.0/33", "nope", "10.0.0.0/x", "::1/129"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
        assert!(TrustedProxies::parse(&["10.0.0.0/8", "bad"]).is_err());
    }
}
