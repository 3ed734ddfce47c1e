//! The address guard: the crawler resolves every host itself and refuses private, loopback,
//! link-local, cloud-metadata and other non-public addresses, unless the source allows
//! loopback explicitly. IP-literal URLs skip DNS, so they are checked before each request
//! and on every redirect. The same holds for http and https: TLS runs over a connection
//! the resolver already allowed.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::Url;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AddressPolicy {
    pub allow_loopback: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    #[error("refused to fetch {url}: scheme {scheme:?} is not http or https")]
    Scheme { url: String, scheme: String },
    #[error("refused to connect to {addr} ({class} address)")]
    Address { addr: IpAddr, class: &'static str },
    #[error("refused {url}: it has no host")]
    NoHost { url: String },
}

/// The class of a non-public address, or None for a public one.
pub fn non_public_class(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => v4_class(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4_class(v4),
            None => v6_class(v6),
        },
    }
}

fn v4_class(ip: Ipv4Addr) -> Option<&'static str> {
    let o = ip.octets();
    Some(match o {
        _ if ip.is_loopback() => "loopback",
        _ if ip.is_private() => "private",
        [169, 254, 169, 254] => "cloud metadata",
        _ if ip.is_link_local() => "link-local",
        _ if ip.is_unspecified() => "unspecified",
        _ if ip.is_broadcast() => "broadcast",
        _ if ip.is_multicast() => "multicast",
        [100, b, ..] if (64..128).contains(&b) => "shared (CGNAT)",
        [0, ..] => "this-network",
        [192, 0, 0, _] => "IETF protocol",
        [198, b, ..] if b == 18 || b == 19 => "benchmarking",
        [b, ..] if b >= 240 => "reserved",
        _ => return None,
    })
}

fn v6_class(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    Some(match first {
        _ if ip.is_loopback() => "loopback",
        _ if ip.is_unspecified() => "unspecified",
        _ if ip.is_multicast() => "multicast",
        f if f & 0xfe00 == 0xfc00 => "unique-local (private)",
        f if f & 0xffc0 == 0xfe80 => "link-local",
        // AWS's IPv6 metadata endpoint lives in fd00:ec2::/32, covered by fc00::/7 above.
        _ => return None,
    })
}

impl AddressPolicy {
    pub fn check(&self, ip: IpAddr) -> Result<(), GuardError> {
        match non_public_class(ip) {
            None => Ok(()),
            Some("loopback") if self.allow_loopback => Ok(()),
            Some(class) => Err(GuardError::Address { addr: ip, class }),
        }
    }

    /// Checks what can be checked without DNS: scheme, host presence, IP literals.
    pub fn check_url(&self, url: &Url) -> Result<(), GuardError> {
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(GuardError::Scheme {
                url: url.to_string(),
                scheme: url.scheme().to_owned(),
            });
        }
        match url.host() {
            None => Err(GuardError::NoHost {
                url: url.to_string(),
            }),
            Some(url::Host::Ipv4(ip)) => self.check(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => self.check(IpAddr::V6(ip)),
            Some(url::Host::Domain(_)) => Ok(()),
        }
    }
}

/// A DNS resolver for reqwest that drops every refused address; if none is left the
/// connection fails with the guard's reason.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    pub policy: AddressPolicy,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refusal = None;
            let allowed: Vec<SocketAddr> = resolved
                .into_iter()
                .filter(|addr| match policy.check(addr.ip()) {
                    Ok(()) => true,
                    Err(e) => {
                        refusal = Some(e);
                        false
                    }
                })
                .collect();
            if allowed.is_empty() {
                let err: Box<dyn std::error::Error + Send + Sync> = match refusal {
                    Some(e) => Box::new(e),
                    None => format!("{host} resolved to no address").into(),
                };
                return Err(err);
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// An HTTP(S) client whose every connection and redirect passes the guard. HTTPS trusts
/// the system's roots and `extra_roots` besides.
pub fn guarded_client(
    policy: AddressPolicy,
    user_agent: &str,
    extra_roots: Vec<reqwest::Certificate>,
) -> reqwest::Result<reqwest::Client> {
    let redirect = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 5 {
            attempt.error("too many redirects (more than 5)")
        } else if let Err(e) = policy.check_url(attempt.url()) {
            attempt.error(e)
        } else {
            attempt.follow()
        }
    });
    reqwest::Client::builder()
        .user_agent(user_agent)
        .redirect(redirect)
        .dns_resolver(Arc::new(GuardedResolver { policy }))
        .tls_certs_merge(extra_roots)
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(30))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(policy: AddressPolicy, url: &str) -> bool {
        policy.check_url(&Url::parse(url).expect("url")).is_err()
    }

    #[test]
    fn refuses_internal_literals_unless_loopback_is_allowed() {
        let strict = AddressPolicy::default();
        let loopback_ok = AddressPolicy {
            allow_loopback: true,
        };
        for url in [
            "http://127.0.0.1/",
            "http://[::1]/",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[fe80::1]/",
            "http://[fd00:ec2::254]/",
            "http://[::ffff:10.0.0.1]/",
            "http://0.0.0.0/",
            "http://100.64.0.1/",
            "file:///etc/passwd",
            "ftp://example.com/",
        ] {
            assert!(refused(strict, url), "{url} should be refused");
        }
        assert!(!refused(loopback_ok, "http://127.0.0.1:8080/"));
        assert!(!refused(loopback_ok, "http://[::1]/"));
        assert!(refused(loopback_ok, "http://10.0.0.1/"));
        assert!(refused(loopback_ok, "http://169.254.169.254/"));
        assert!(!refused(strict, "http://93.184.216.34/"));
        assert!(!refused(strict, "https://example.com/"));
    }

    #[tokio::test]
    async fn resolver_refuses_names_that_resolve_to_loopback() {
        let resolver = GuardedResolver {
            policy: AddressPolicy::default(),
        };
        let name: Name = "localhost".parse().expect("name");
        let err = resolver.resolve(name).await.err().expect("refused");
        assert!(err.to_string().contains("loopback"), "{err}");

        let allowing = GuardedResolver {
            policy: AddressPolicy {
                allow_loopback: true,
            },
        };
        let name: Name = "localhost".parse().expect("name");
        assert!(allowing.resolve(name).await.is_ok());
    }
}
