//! `static_dir` served over GET/HEAD by tower-http's `ServeDir`, behind a
//! check that nothing outside the folder is ever reached: no `..` (plain or
//! percent-encoded), no NUL, no backslash, and no symlink leading out.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::{Method, StatusCode};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::error::{Error, Result};

/// Rewrites an HTML page on its way out (see
/// [`super::ServerBuilder::transform_html`]): the request and the file's
/// bytes in, the bytes to send (or `None` to send the file as it is) out.
pub type HtmlTransform =
    Arc<dyn Fn(&http::request::Parts, bytes::Bytes) -> Option<bytes::Bytes> + Send + Sync>;

/// Pages larger than this (or of unknown length) are sent as they are.
const MAX_TRANSFORMED_HTML: usize = 16 * 1024 * 1024;

/// The static files of one server.
#[derive(Clone)]
pub(crate) struct StaticFiles {
    root: PathBuf,
    serve: ServeDir,
    transform: Option<HtmlTransform>,
}

impl StaticFiles {
    pub(crate) fn new(dir: &Path, transform: Option<HtmlTransform>) -> Result<Self> {
        let root = std::fs::canonicalize(dir).map_err(|e| {
            Error::Config(format!(
                "static_dir {} cannot be used ({e}); give an existing folder",
                dir.display()
            ))
        })?;
        if !root.is_dir() {
            return Err(Error::Config(format!(
                "static_dir {} is not a folder",
                dir.display()
            )));
        }
        Ok(StaticFiles {
            serve: ServeDir::new(&root),
            root,
            transform,
        })
    }

    pub(crate) async fn handle(self, req: Request) -> Response {
        if req.method() != Method::GET && req.method() != Method::HEAD {
            return StatusCode::METHOD_NOT_ALLOWED.into_response();
        }
        let Some(found) = self.resolve(req.uri().path()).await else {
            tracing::warn!(
                path = req.uri().path(),
                "refused a static path outside static_dir"
            );
            return StatusCode::NOT_FOUND.into_response();
        };
        let (mut parts, body) = req.into_parts();
        // ServeDir validates with Last-Modified only, which has whole
        // seconds: a file saved twice within one second was answered 304
        // with the first version (a live-reloaded page kept an old script
        // or stylesheet). The file is validated by an ETag of its
        // modification time in nanoseconds and its size instead (as
        // aiohttp, the reference's server, does).
        parts.headers.remove(http::header::IF_MODIFIED_SINCE);
        let tag = match &found {
            Some(path) => etag(path).await,
            None => None,
        };
        if let Some(tag) = &tag
            && parts
                .headers
                .get(http::header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| none_match(v, tag))
        {
            return (
                StatusCode::NOT_MODIFIED,
                [(http::header::ETAG, tag.clone())],
            )
                .into_response();
        }
        let head = self.transform.is_some().then(|| parts.clone());
        let mut res = match self.serve.oneshot(Request::from_parts(parts, body)).await {
            Ok(res) => res.map(Body::new),
            Err(never) => match never {},
        };
        if let Some(tag) = tag
            && res.status().is_success()
            && let Ok(value) = http::HeaderValue::from_str(&tag)
        {
            res.headers_mut().insert(http::header::ETAG, value);
        }
        match (head, &self.transform) {
            (Some(head), Some(transform)) => transformed(head, res, transform).await,
            _ => res,
        }
    }

    /// Where `raw` (a request's path) leads inside the folder: `None` when
    /// it is refused, `Some(None)` when nothing is there (ServeDir answers
    /// 404), else the file or folder.
    async fn resolve(&self, raw: &str) -> Option<Option<PathBuf>> {
        let Ok(decoded) = percent_encoding::percent_decode_str(raw).decode_utf8() else {
            return None;
        };
        if decoded.contains('\0') || decoded.contains('\\') {
            return None;
        }
        let mut rel = PathBuf::new();
        for seg in decoded.split('/') {
            match seg {
                "" | "." => {}
                ".." => return None,
                s => {
                    // A segment like "C:" or one that is absolute by itself.
                    if Path::new(s).is_absolute() || s.contains(':') && cfg!(windows) {
                        return None;
                    }
                    rel.push(s);
                }
            }
        }
        let candidate = self.root.join(&rel);
        match tokio::fs::canonicalize(&candidate).await {
            Ok(real) => real.starts_with(&self.root).then_some(Some(real)),
            // Missing files are ServeDir's to answer (404); a dangling
            // symlink is refused here all the same.
            Err(_) => tokio::fs::symlink_metadata(&candidate)
                .await
                .is_err()
                .then_some(None),
        }
    }
}

/// The ETag of the file at `path` (a folder's `index.html`, as ServeDir
/// serves it): its modification time in nanoseconds and its size.
async fn etag(path: &Path) -> Option<String> {
    let mut meta = tokio::fs::metadata(path).await.ok()?;
    if meta.is_dir() {
        meta = tokio::fs::metadata(path.join("index.html")).await.ok()?;
    }
    if !meta.is_file() {
        return None;
    }
    let modified = meta.modified().ok()?;
    let ns = modified
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    Some(format!("\"{ns:x}-{:x}\"", meta.len()))
}

/// Whether an `If-None-Match` value names `tag` (or is `*`); weak tags
/// compare as strong ones, as a GET may.
fn none_match(header: &str, tag: &str) -> bool {
    header.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == tag
    })
}

/// The page rewritten by `transform`, when it is a whole HTML page of a
/// GET (a HEAD, a range, a 304 or another type goes as it is). Validators
/// go: the bytes sent are no longer the file's.
async fn transformed(
    head: http::request::Parts,
    res: Response,
    transform: &HtmlTransform,
) -> Response {
    let html = res
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    let small = res
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
        .is_some_and(|n| n <= MAX_TRANSFORMED_HTML);
    if head.method != Method::GET || res.status() != StatusCode::OK || !html || !small {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_TRANSFORMED_HTML).await else {
        tracing::warn!(
            path = head.uri.path(),
            "a page could not be read to transform it"
        );
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Some(out) = transform(&head, bytes.clone()) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    for name in [
        http::header::CONTENT_LENGTH,
        http::header::ETAG,
        http::header::LAST_MODIFIED,
    ] {
        parts.headers.remove(name);
    }
    Response::from_parts(parts, Body::from(out))
}
