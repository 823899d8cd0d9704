//! The one line the studio adds to the pages it serves under development:
//! its small client (`client.js`), as a classic script at the top of the
//! head, so that it runs before the page's own scripts and sees their
//! errors. Only in what is sent: the files on disk never change.

/// Where the client is served, on the dashboard's own server.
pub const CLIENT_PATH: &str = "/__studio/client.js";
/// The client's WebSocket, on the dashboard's own server.
pub const SOCKET_PATH: &str = "/__studio/socket";
/// A request with this query parameter set to `0`/`off`/`false`, or this
/// header set to `off`, gets the page as it is.
pub const OPT_OUT: &str = "studio";

const TAG: &str = "<script src=\"/__studio/client.js\" data-juggler-studio></script>";

/// The page with the client's script tag: right after `<head …>`, else
/// after `<html …>`, else after what comes before the content (a byte
/// order mark, comments, the doctype: a tag before the doctype would put
/// the page in quirks mode). `None` when the page has it already, or is
/// UTF-16. Works on the bytes, so a page in any ASCII-compatible encoding
/// (windows-1252, Latin-1…) gets it too.
pub fn inject(page: &[u8]) -> Option<Vec<u8>> {
    if page.starts_with(&[0xFF, 0xFE]) || page.starts_with(&[0xFE, 0xFF]) {
        return None;
    }
    if find(page, TAG.as_bytes(), 0).is_some() {
        return None;
    }
    let lower = page.to_ascii_lowercase();
    let at = after_open_tag(&lower, b"head")
        .or_else(|| after_open_tag(&lower, b"html"))
        .unwrap_or_else(|| prolog_end(&lower));
    let mut out = Vec::with_capacity(page.len() + TAG.len());
    out.extend_from_slice(&page[..at]);
    out.extend_from_slice(TAG.as_bytes());
    out.extend_from_slice(&page[at..]);
    Some(out)
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// Whether a request asks for the page as it is (query `studio=off`,
/// `0` or `false`, or the header `X-Juggler-Studio: off`).
pub fn opted_out(query: Option<&str>, header: Option<&str>) -> bool {
    let off = |v: &str| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "0" | "off" | "false"
        )
    };
    header.is_some_and(off)
        || query.is_some_and(|q| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .any(|(k, v)| k == OPT_OUT && off(v))
        })
}

/// The byte offset just after the `>` of the first `<NAME` or `<NAME …>`
/// tag in `lower` (the page in ASCII lower case), outside comments.
fn after_open_tag(lower: &[u8], name: &[u8]) -> Option<usize> {
    let mut needle = b"<".to_vec();
    needle.extend_from_slice(name);
    let mut from = 0;
    while let Some(i) = find(lower, &needle, from) {
        let next = lower.get(i + needle.len()).copied();
        let is_tag = matches!(next, Some(b'>' | b' ' | b'\t' | b'\n' | b'\r' | b'/'));
        if is_tag && !in_comment(lower, i) {
            return find(lower, b">", i).map(|end| end + 1);
        }
        from = i + needle.len();
    }
    None
}

/// Whether offset `i` of `lower` is inside a comment.
fn in_comment(lower: &[u8], i: usize) -> bool {
    let open = lower[..i].windows(4).rposition(|w| w == b"<!--");
    open.is_some_and(|c| find(&lower[..i], b"-->", c).is_none())
}

/// Where the content starts: after a UTF-8 byte order mark, whitespace,
/// comments and the doctype.
fn prolog_end(lower: &[u8]) -> usize {
    let mut at = if lower.starts_with(&[0xEF, 0xBB, 0xBF]) {
        3
    } else {
        0
    };
    let content = |at: usize| {
        at + lower[at..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count()
    };
    loop {
        let start = content(at);
        let rest = &lower[start..];
        let end = if rest.starts_with(b"<!--") {
            find(lower, b"-->", start + 4).map(|e| e + 3)
        } else if rest.starts_with(b"<!doctype") {
            find(lower, b">", start).map(|e| e + 1)
        } else {
            None
        };
        match end {
            Some(end) => at = end,
            None => return at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn injected(page: &str) -> Option<String> {
        inject(page.as_bytes()).map(|b| String::from_utf8(b).expect("utf-8"))
    }

    #[test]
    fn the_tag_goes_first_in_the_head() {
        let page =
            "<!doctype html>\n<html lang=\"en\">\n<HEAD>\n<script type=\"importmap\">{}</script>";
        let out = injected(page).expect("injected");
        assert_eq!(
            out,
            format!(
                "<!doctype html>\n<html lang=\"en\">\n<HEAD>{TAG}\n<script type=\"importmap\">{{}}</script>"
            )
        );
        assert_eq!(injected(&out), None, "once");
    }

    #[test]
    fn pages_without_a_head_still_get_it() {
        assert_eq!(
            injected("<html><body>x</body></html>").as_deref(),
            Some(format!("<html>{TAG}<body>x</body></html>").as_str())
        );
        assert_eq!(
            injected("<!DOCTYPE html><p>x").as_deref(),
            Some(format!("<!DOCTYPE html>{TAG}<p>x").as_str())
        );
        assert_eq!(
            injected("<p>x").as_deref(),
            Some(format!("{TAG}<p>x").as_str())
        );
        // A <header> is not the head, and a commented-out head does not count.
        assert_eq!(
            injected("<!-- <head> --><header></header>").as_deref(),
            Some(format!("<!-- <head> -->{TAG}<header></header>").as_str())
        );
    }

    /// A tag before the doctype put the page in quirks mode (and before a
    /// byte order mark made it show as text).
    #[test]
    fn the_doctype_stays_first_after_a_bom_or_comments() {
        assert_eq!(
            injected("\u{FEFF}<!doctype html><p>x").as_deref(),
            Some(format!("\u{FEFF}<!doctype html>{TAG}<p>x").as_str())
        );
        assert_eq!(
            injected("<!-- built 2026 -->\n<!DOCTYPE html>\n<p>x").as_deref(),
            Some(format!("<!-- built 2026 -->\n<!DOCTYPE html>{TAG}\n<p>x").as_str())
        );
    }

    /// A page that is not UTF-8 (windows-1252 here) got no client at all.
    #[test]
    fn a_page_in_another_encoding_gets_it_too() {
        let page = b"<html><head><meta charset=\"windows-1252\"></head><p>caf\xe9</p></html>";
        let out = inject(page).expect("injected");
        let mut want = b"<html><head>".to_vec();
        want.extend_from_slice(TAG.as_bytes());
        want.extend_from_slice(&page[12..]);
        assert_eq!(out, want);
        assert_eq!(inject(&[0xFF, 0xFE, b'<', 0]), None, "UTF-16 is left alone");
    }

    #[test]
    fn a_request_can_opt_out() {
        assert!(opted_out(Some("a=1&studio=off"), None));
        assert!(opted_out(Some("studio=0"), None));
        assert!(opted_out(None, Some("off")));
        assert!(!opted_out(Some("studio=on"), None));
        assert!(!opted_out(Some("xstudio=off"), None));
        assert!(!opted_out(None, None));
    }
}
