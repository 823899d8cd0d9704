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
/// after `<html …>` or the doctype, else at the very start. `None` when
/// the page has it already.
pub fn inject(page: &str) -> Option<String> {
    if page.contains(TAG) {
        return None;
    }
    let at = after_open_tag(page, "head")
        .or_else(|| after_open_tag(page, "html"))
        .or_else(|| after_doctype(page))
        .unwrap_or(0);
    let mut out = String::with_capacity(page.len() + TAG.len() + 1);
    out.push_str(&page[..at]);
    out.push_str(TAG);
    out.push_str(&page[at..]);
    Some(out)
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
/// tag (any case), outside comments.
fn after_open_tag(page: &str, name: &str) -> Option<usize> {
    let lower = page.to_ascii_lowercase();
    let needle = format!("<{name}");
    let mut from = 0;
    while let Some(i) = lower[from..].find(&needle).map(|i| i + from) {
        let next = lower.as_bytes().get(i + needle.len()).copied();
        let is_tag = matches!(next, Some(b'>' | b' ' | b'\t' | b'\n' | b'\r' | b'/'));
        let in_comment = lower[..i]
            .rfind("<!--")
            .is_some_and(|c| !lower[c..i].contains("-->"));
        if is_tag && !in_comment {
            return lower[i..].find('>').map(|end| i + end + 1);
        }
        from = i + needle.len();
    }
    None
}

fn after_doctype(page: &str) -> Option<usize> {
    let lower = page.trim_start().to_ascii_lowercase();
    if !lower.starts_with("<!doctype") {
        return None;
    }
    let lead = page.len() - page.trim_start().len();
    lower.find('>').map(|end| lead + end + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_goes_first_in_the_head() {
        let page =
            "<!doctype html>\n<html lang=\"en\">\n<HEAD>\n<script type=\"importmap\">{}</script>";
        let out = inject(page).expect("injected");
        assert_eq!(
            out,
            format!(
                "<!doctype html>\n<html lang=\"en\">\n<HEAD>{TAG}\n<script type=\"importmap\">{{}}</script>"
            )
        );
        assert_eq!(inject(&out), None, "once");
    }

    #[test]
    fn pages_without_a_head_still_get_it() {
        assert_eq!(
            inject("<html><body>x</body></html>").as_deref(),
            Some(format!("<html>{TAG}<body>x</body></html>").as_str())
        );
        assert_eq!(
            inject("<!DOCTYPE html><p>x").as_deref(),
            Some(format!("<!DOCTYPE html>{TAG}<p>x").as_str())
        );
        assert_eq!(
            inject("<p>x").as_deref(),
            Some(format!("{TAG}<p>x").as_str())
        );
        // A <header> is not the head, and a commented-out head does not count.
        assert_eq!(
            inject("<!-- <head> --><header></header>").as_deref(),
            Some(format!("{TAG}<!-- <head> --><header></header>").as_str())
        );
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
