//! The client's address as the reference reports it: the last `Forwarded`
//! element's `for`, else a single `X-Forwarded-For` header's last entry, else
//! the socket's peer address.

use std::net::SocketAddr;

use http::HeaderMap;

/// The remote address of a request.
pub fn remote_address(headers: &HeaderMap, peer: Option<SocketAddr>) -> String {
    if let Some(addr) = forwarded_for(headers) {
        return addr;
    }
    let xff: Vec<_> = headers.get_all("x-forwarded-for").iter().collect();
    if let [only] = xff.as_slice() {
        if let Some(last) = only.to_str().ok().and_then(|v| v.rsplit(',').next()) {
            return last.trim().to_owned();
        }
    }
    peer.map(|p| p.ip().to_string()).unwrap_or_default()
}

/// `for` of the last element of all `Forwarded` headers (RFC 7239), unquoted.
fn forwarded_for(headers: &HeaderMap) -> Option<String> {
    let last_element = headers
        .get_all(http::header::FORWARDED)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| split_outside_quotes(v, ','))
        .rfind(|e| !e.trim().is_empty())?;
    split_outside_quotes(&last_element, ';')
        .into_iter()
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("for")
                .then(|| unquote(v.trim()))
        })
        .next()
        .filter(|v| !v.is_empty())
}

fn split_outside_quotes(s: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' if quoted => {
                cur.push(c);
                escaped = true;
            }
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            c if c == sep && !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn unquote(v: &str) -> String {
    match v.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => {
            let mut out = String::new();
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                } else {
                    out.push(c);
                }
            }
            out
        }
        None => v.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                http::HeaderName::from_bytes(k.as_bytes()).expect("name"),
                v.parse().expect("value"),
            );
        }
        h
    }

    #[test]
    fn picks_like_the_reference() {
        let peer: SocketAddr = "10.0.0.9:5000".parse().expect("addr");
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[], "10.0.0.9"),
            (
                &[("forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43")],
                "192.0.2.60",
            ),
            (
                &[("forwarded", "for=1.1.1.1, for=\"[2001:db8::1]:4711\"")],
                "[2001:db8::1]:4711",
            ),
            (
                &[("forwarded", "for=1.1.1.1"), ("forwarded", "for=2.2.2.2")],
                "2.2.2.2",
            ),
            (&[("forwarded", "proto=https")], "10.0.0.9"),
            (&[("x-forwarded-for", "1.1.1.1, 3.3.3.3 ")], "3.3.3.3"),
            (
                &[
                    ("x-forwarded-for", "1.1.1.1"),
                    ("x-forwarded-for", "2.2.2.2"),
                ],
                "10.0.0.9",
            ),
            (
                &[("forwarded", "for=4.4.4.4"), ("x-forwarded-for", "5.5.5.5")],
                "4.4.4.4",
            ),
        ];
        for (h, expect) in cases {
            assert_eq!(remote_address(&headers(h), Some(peer)), *expect, "{h:?}");
        }
    }
}
