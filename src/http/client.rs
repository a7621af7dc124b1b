//! Who the client is: the TCP peer, or, when the peer is a proxy we trust,
//! the address that proxy put in `X-Forwarded-For`. Used for approval
//! evidence and for the failed-attempt limiter.

use std::net::IpAddr;

use actix_web::HttpRequest;

/// The proxies (load balancers) whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpAddr>);

impl TrustedProxies {
    pub fn new(proxies: Vec<IpAddr>) -> TrustedProxies {
        TrustedProxies(proxies)
    }

    /// Parses `10.0.0.5,10.0.0.6` (empty: trust none).
    pub fn parse(text: &str) -> Result<TrustedProxies, String> {
        let mut out = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            out.push(part.parse::<IpAddr>().map_err(|_| format!("'{part}' is not an IP address"))?);
        }
        Ok(TrustedProxies(out))
    }

    /// Is this peer one of the proxies?
    pub fn trusts(&self, peer: IpAddr) -> bool {
        self.0.contains(&peer)
    }

    /// The client's address. Without a trusted peer, `X-Forwarded-For` is
    /// ignored (anyone can write it). From a trusted peer, the header is read
    /// from the right, skipping further trusted proxies: the first address
    /// left is the one the nearest trusted proxy saw.
    pub fn client_ip(&self, req: &HttpRequest) -> Option<IpAddr> {
        let peer = req.peer_addr()?.ip();
        self.resolve(peer, req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()))
    }

    fn resolve<'a>(&self, peer: IpAddr, forwarded: impl Iterator<Item = &'a str>) -> Option<IpAddr> {
        if !self.0.contains(&peer) {
            return Some(peer);
        }
        let hops: Vec<&str> = forwarded.flat_map(|v| v.split(',')).map(str::trim).collect();
        for hop in hops.iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) if self.0.contains(&ip) => continue,
                Ok(ip) => return Some(ip),
                // Garbage where an address should be: stop believing the header here.
                Err(_) => return Some(peer),
            }
        }
        Some(peer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn a_forwarded_address_is_believed_only_from_a_trusted_proxy() {
        let none = TrustedProxies::default();
        assert_eq!(none.resolve(ip("203.0.113.9"), ["198.51.100.1"].into_iter()), Some(ip("203.0.113.9")), "spoofed header ignored");
        let lb = TrustedProxies::parse("10.0.0.5, 10.0.0.6").unwrap_or_default();
        assert_eq!(lb.resolve(ip("10.0.0.5"), ["198.51.100.1"].into_iter()), Some(ip("198.51.100.1")));
        // The client wrote its own header; the balancer appended what it saw.
        assert_eq!(lb.resolve(ip("10.0.0.5"), ["1.2.3.4, 198.51.100.1"].into_iter()), Some(ip("198.51.100.1")));
        assert_eq!(lb.resolve(ip("10.0.0.5"), ["198.51.100.1, 10.0.0.6"].into_iter()), Some(ip("198.51.100.1")), "two trusted hops");
        assert_eq!(lb.resolve(ip("10.0.0.5"), std::iter::empty()), Some(ip("10.0.0.5")));
        assert_eq!(lb.resolve(ip("10.0.0.5"), ["nonsense"].into_iter()), Some(ip("10.0.0.5")));
        assert!(TrustedProxies::parse("10.0.0.5,bogus").is_err());
    }
}
