//! `static_dir` served over GET/HEAD by tower-http's `ServeDir`, behind a
//! check that nothing outside the folder is ever reached: no `..` (plain or
//! percent-encoded), no NUL, no backslash, and no symlink leading out.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::{Method, StatusCode};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::error::{Error, Result};

/// The static files of one server.
#[derive(Clone, Debug)]
pub(crate) struct StaticFiles {
    root: PathBuf,
    serve: ServeDir,
}

impl StaticFiles {
    pub(crate) fn new(dir: &Path) -> Result<Self> {
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
        })
    }

    pub(crate) async fn handle(self, req: Request) -> Response {
        if req.method() != Method::GET && req.method() != Method::HEAD {
            return StatusCode::METHOD_NOT_ALLOWED.into_response();
        }
        if !self.allowed(req.uri().path()).await {
            tracing::warn!(
                path = req.uri().path(),
                "refused a static path outside static_dir"
            );
            return StatusCode::NOT_FOUND.into_response();
        }
        match self.serve.oneshot(req).await {
            Ok(res) => res.map(Body::new),
            Err(never) => match never {},
        }
    }

    async fn allowed(&self, raw: &str) -> bool {
        let Ok(decoded) = percent_encoding::percent_decode_str(raw).decode_utf8() else {
            return false;
        };
        if decoded.contains('\0') || decoded.contains('\\') {
            return false;
        }
        let mut rel = PathBuf::new();
        for seg in decoded.split('/') {
            match seg {
                "" | "." => {}
                ".." => return false,
                s => {
                    // A segment like "C:" or one that is absolute by itself.
                    if Path::new(s).is_absolute() || s.contains(':') && cfg!(windows) {
                        return false;
                    }
                    rel.push(s);
                }
            }
        }
        let candidate = self.root.join(&rel);
        match tokio::fs::canonicalize(&candidate).await {
            Ok(real) => real.starts_with(&self.root),
            // Missing files are ServeDir's to answer (404); a dangling
            // symlink is refused here all the same.
            Err(_) => tokio::fs::symlink_metadata(&candidate).await.is_err(),
        }
    }
}
