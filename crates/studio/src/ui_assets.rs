//! The studio UI (`ui/`, built by `npm --prefix ui run build`), embedded by
//! `build.rs` so that `juggler-studio serve --ui` can serve it to a browser
//! with nothing else installed.

use crate::error::{Error, Result};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/ui_assets.rs"));
}

/// Whether this binary was built with the UI.
pub fn embedded() -> bool {
    !embedded::FILES.is_empty()
}

/// Writes the embedded UI into a fresh temporary folder (removed when the
/// returned value is dropped) for the control endpoint to serve.
pub fn unpack() -> Result<tempfile::TempDir> {
    if !embedded() {
        return Err(Error::Invalid(
            "this juggler-studio was built without the studio UI: run `npm --prefix ui ci && \
             npm --prefix ui run build`, then build juggler-studio again (scripts/run.sh does \
             both), or pass --ui-dir with a built UI folder"
                .into(),
        ));
    }
    crate::demo::unpack_files(
        "juggler-studio-ui-",
        "studio UI",
        embedded::FILES
            .iter()
            .map(|(rel, bytes)| ((*rel).to_owned(), *bytes)),
    )
}
