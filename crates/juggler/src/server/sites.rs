//! Which web sites may use a server: the defence against cross-site
//! WebSocket hijacking and DNS rebinding (the hole fixed in Vite's dev
//! server, CVE-2025-24010). A page on any site the user has open can open a
//! WebSocket to `ws://127.0.0.1:PORT`, and a rebound DNS name can make the
//! browser send it ordinary requests: checking the `Origin` of requests
//! that carry one, and the `Host` of every request, stops both.
//!
//! Pure: the server's address and the policy in, a verdict per request out.

use std::net::{IpAddr, SocketAddr};

/// A server that answers only its own sites: requests whose `Host` and
/// (when sent) `Origin` name the server's listening address and port,
/// `localhost`, `127.0.0.1` or `[::1]` on that port, or an entry of
/// `extra`. Clients that send no `Origin` (command-line tools, back ends,
/// tests) are checked by `Host` only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SitePolicy {
    /// More sites: an origin (`http://plant.example:8080`: that scheme,
    /// host and port), a host name (`plant.example`: that host on any
    /// port), or `*` (any site: no check at all).
    pub extra: Vec<String>,
    /// What a refused request's log line tells the user to change (e.g.
    /// "add it to the workspace's server.allowedOrigins").
    pub hint: String,
}

/// A host and a port, as a request names the server.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Site {
    host: String,
    port: Option<u16>,
}

impl Site {
    /// Whether a request naming `got` names this site: a `Host` without a
    /// port names the default port of http or https.
    fn matches(&self, got: &Site) -> bool {
        self.host == got.host
            && (self.port == got.port || got.port.is_none() && matches!(self.port, Some(80 | 443)))
    }
}

/// A [`SitePolicy`] for one listening address.
#[derive(Debug, Clone)]
pub(crate) struct Sites {
    any: bool,
    /// (host, port): the server's own, on its port.
    own: Vec<Site>,
    /// Whole origins allowed (`scheme://host:port`, lower case).
    origins: Vec<String>,
    /// Host names allowed on any port.
    hosts: Vec<String>,
    pub(crate) hint: String,
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    Host(String),
    Origin(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Host(h) => write!(f, "Host {h:?} is not one of this server's"),
            Refusal::Origin(o) => write!(f, "Origin {o:?} is not one of this server's"),
        }
    }
}

impl Sites {
    pub(crate) fn new(policy: &SitePolicy, local: SocketAddr) -> Sites {
        let port = Some(local.port());
        let mut own: Vec<Site> = ["localhost", "127.0.0.1", "[::1]"]
            .iter()
            .map(|h| Site {
                host: (*h).to_owned(),
                port,
            })
            .collect();
        if !local.ip().is_unspecified() && !local.ip().is_loopback() {
            own.push(Site {
                host: host_of_ip(local.ip()),
                port,
            });
        }
        let mut origins = Vec::new();
        let mut hosts = Vec::new();
        for entry in &policy.extra {
            let entry = entry.trim().to_ascii_lowercase();
            if entry.contains("://") {
                origins.push(normalize_origin(&entry).unwrap_or(entry));
            } else if !entry.is_empty() {
                hosts.push(entry);
            }
        }
        Sites {
            any: policy.extra.iter().any(|e| e.trim() == "*"),
            own,
            origins,
            hosts,
            hint: policy.hint.clone(),
        }
    }

    /// Whether a request with these headers may go on.
    pub(crate) fn check(&self, host: Option<&str>, origin: Option<&str>) -> Result<(), Refusal> {
        if self.any {
            return Ok(());
        }
        let host_text = host.unwrap_or("");
        let host_ok = parse_authority(host_text, None).is_some_and(|s| self.allows(&s));
        if !host_ok {
            return Err(Refusal::Host(host_text.to_owned()));
        }
        if let Some(origin) = origin {
            let normalized = normalize_origin(&origin.to_ascii_lowercase());
            let ok = normalized.is_some_and(|o| {
                self.origins.contains(&o) || site_of_origin(&o).is_some_and(|s| self.allows(&s))
            });
            if !ok {
                return Err(Refusal::Origin(origin.to_owned()));
            }
        }
        Ok(())
    }

    fn allows(&self, site: &Site) -> bool {
        self.own.iter().any(|own| own.matches(site))
            || self.hosts.iter().any(|h| {
                parse_authority(h, None).is_some_and(|allowed| {
                    allowed.host == site.host && allowed.port.is_none_or(|p| Some(p) == site.port)
                })
            })
            || self
                .origins
                .iter()
                .filter_map(|o| site_of_origin(o))
                .any(|allowed| allowed.matches(site))
    }
}

fn host_of_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// `host[:port]` (an IPv6 host in brackets), lower case; `default_port`
/// when none is written.
fn parse_authority(text: &str, default_port: Option<u16>) -> Option<Site> {
    let text = text.trim().to_ascii_lowercase();
    if text.is_empty() || text.contains(['/', '@', ' ']) {
        return None;
    }
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse().ok()?),
            None if after.is_empty() => default_port,
            None => return None,
        };
        (format!("[{inside}]"), port)
    } else {
        match text.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p.parse().ok()?)),
            None => (text.clone(), default_port),
        }
    };
    Some(Site { host, port })
}

/// `scheme://host:port` with the scheme's default port written out.
fn normalize_origin(origin: &str) -> Option<String> {
    let site = site_of_origin(origin)?;
    let scheme = origin.split_once("://")?.0;
    Some(format!("{scheme}://{}:{}", site.host, site.port?))
}

fn site_of_origin(origin: &str) -> Option<Site> {
    let (scheme, rest) = origin.split_once("://")?;
    let default = match scheme {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        _ => return None,
    };
    parse_authority(rest.trim_end_matches('/'), Some(default))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sites(addr: &str, extra: &[&str]) -> Sites {
        let policy = SitePolicy {
            extra: extra.iter().map(|s| (*s).to_owned()).collect(),
            hint: String::new(),
        };
        Sites::new(&policy, addr.parse().expect("addr"))
    }

    #[test]
    fn own_hosts_on_the_own_port_only() {
        let s = sites("127.0.0.1:8080", &[]);
        for host in [
            "127.0.0.1:8080",
            "localhost:8080",
            "[::1]:8080",
            "LOCALHOST:8080",
        ] {
            assert_eq!(s.check(Some(host), None), Ok(()), "{host}");
            let origin = format!("http://{host}");
            assert_eq!(s.check(Some(host), Some(&origin)), Ok(()), "{origin}");
        }
        for host in [
            "evil.example:8080",
            "127.0.0.1:9090",
            "localhost",
            "",
            "127.0.0.1:8080/x",
        ] {
            assert!(s.check(Some(host), None).is_err(), "{host}");
        }
        assert!(s.check(None, None).is_err(), "no Host");
    }

    #[test]
    fn a_foreign_origin_is_refused_even_with_a_good_host() {
        let s = sites("127.0.0.1:8080", &[]);
        for origin in [
            "http://evil.example",
            "http://localhost:9999",
            "null",
            "file://",
            "http://127.0.0.1:8080.evil.example",
        ] {
            assert_eq!(
                s.check(Some("127.0.0.1:8080"), Some(origin)),
                Err(Refusal::Origin(origin.to_owned())),
                "{origin}"
            );
        }
    }

    #[test]
    fn a_specific_listening_address_is_its_own_site() {
        let s = sites("192.168.1.20:8080", &[]);
        assert_eq!(
            s.check(Some("192.168.1.20:8080"), Some("http://192.168.1.20:8080")),
            Ok(())
        );
        // Listening on every address: the machine's names are unknown.
        let any = sites("0.0.0.0:8080", &[]);
        assert!(any.check(Some("192.168.1.20:8080"), None).is_err());
        assert_eq!(any.check(Some("localhost:8080"), None), Ok(()));
    }

    #[test]
    fn extra_entries_widen_it() {
        let s = sites(
            "0.0.0.0:8080",
            &[
                "plant.example",
                "https://hmi.example",
                "http://10.0.0.5:8080",
            ],
        );
        // A host name: any port (behind a reverse proxy, say).
        assert_eq!(
            s.check(Some("plant.example"), Some("http://plant.example")),
            Ok(())
        );
        assert_eq!(s.check(Some("plant.example:8080"), None), Ok(()));
        // An origin: that scheme, host and port.
        assert_eq!(
            s.check(Some("hmi.example"), Some("https://hmi.example:443")),
            Ok(())
        );
        assert!(
            s.check(Some("localhost:8080"), Some("http://hmi.example"))
                .is_err()
        );
        assert_eq!(
            s.check(Some("10.0.0.5:8080"), Some("http://10.0.0.5:8080")),
            Ok(())
        );
        assert!(s.check(Some("10.0.0.5:9000"), None).is_err());
        let open = sites("127.0.0.1:8080", &["*"]);
        assert_eq!(
            open.check(Some("anything"), Some("http://evil.example")),
            Ok(())
        );
    }
}
