//! A dashboard folder as the builder opens and saves it: `dashboard.json`
//! (and its schema) are the builder's files; everything else in the folder
//! is someone else's and is never written.
//!
//! Saving is guarded by what was opened: the builder hands back the text it
//! read (`base`), and a `dashboard.json` that changed on disk since then
//! (an editor, `git checkout`) or that is not a dashboard at all is left
//! alone with an error that says so. A dashboard saved unchanged is not
//! written (the file keeps its bytes and its time), even when the file is
//! not in the canonical form.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::{Dashboard, FILE_NAME, SCHEMA_FILE_NAME, read};
use crate::error::{Error, Result};

/// What `dashboard.load` answers.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub struct OpenedDashboard {
    /// The folder.
    pub dir: String,
    /// The dashboard, or null when the folder has no `dashboard.json` yet.
    #[ts(type = "import('./Dashboard').Dashboard | null")]
    pub dashboard: Option<Value>,
    /// The file's text as read (the `base` to save against), or null.
    pub text: Option<String>,
    /// Whether the folder has the builder's runtime (`runtime/main.js`),
    /// which draws `dashboard.json`: a hand-written page does not, and the
    /// builder says so rather than let widgets go where nothing draws them.
    pub runtime: bool,
}

/// What `dashboard.save` takes.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(export_to = crate::ts::DIR)]
pub struct SaveDashboard {
    /// The folder; default: the server's `staticDir`.
    #[serde(default)]
    #[ts(optional)]
    pub dir: Option<String>,
    /// The dashboard to write.
    #[ts(type = "import('./Dashboard').Dashboard")]
    pub dashboard: Value,
    /// The text the builder opened (`dashboard.load`'s `text`), null when
    /// there was no file.
    #[serde(default)]
    pub base: Option<String>,
}

/// What `dashboard.save` answers.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub struct SavedDashboard {
    /// The file written (or left as it was).
    pub path: String,
    /// The file's text now: the `base` of the next save.
    pub text: String,
    /// Whether the file was written (false: it already held this
    /// dashboard, in whatever form; `text` is then what it holds).
    pub written: bool,
}

/// The runtime's entry module in a dashboard folder.
const RUNTIME_ENTRY: &str = "runtime/main.js";

fn io(path: &Path, action: &str) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_path_buf();
    let action = action.to_owned();
    move |source| Error::Io {
        path,
        action,
        source,
    }
}

/// Reads `dir/dashboard.json`, if there is one; a file that is there but
/// not a dashboard is an error (with its problems).
pub fn open(dir: &Path) -> Result<OpenedDashboard> {
    let file = dir.join(FILE_NAME);
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(&file, "cannot read the dashboard file")(e)),
    };
    let dashboard = match &text {
        Some(t) => {
            let d = Dashboard::parse(t, &file.display().to_string())?;
            Some(serde_json::to_value(&d).map_err(|e| Error::Invalid(e.to_string()))?)
        }
        None => None,
    };
    Ok(OpenedDashboard {
        dir: dir.display().to_string(),
        dashboard,
        text,
        runtime: dir.join(RUNTIME_ENTRY).is_file(),
    })
}

/// Writes `dashboard` to `dir/dashboard.json` in its canonical form, and
/// the schema beside it when missing; refuses when the file on disk is not
/// the `base` the builder opened.
pub fn save(dir: &Path, dashboard: Value, base: Option<&str>) -> Result<SavedDashboard> {
    let file = dir.join(FILE_NAME);
    let name = file.display().to_string();
    let dashboard = Dashboard::from_value(dashboard).map_err(|problems| Error::Dashboard {
        file: name.clone(),
        problems,
    })?;
    let problems = dashboard.validate();
    if !problems.is_empty() {
        return Err(Error::Dashboard {
            file: name,
            problems,
        });
    }
    let text = dashboard.to_json_string();
    let on_disk = match std::fs::read_to_string(&file) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(&file, "cannot read the dashboard file")(e)),
    };
    if on_disk.as_deref() != base {
        return Err(Error::Invalid(match on_disk {
            Some(_) => format!(
                "{name} changed on disk since the builder opened it: nothing was written; \
                 reopen the folder to edit what is there now"
            ),
            None => format!(
                "{name} was removed since the builder opened it: nothing was written; \
                 reopen the folder"
            ),
        }));
    }
    // A hand-written file (compact, its own order) that says the same as
    // the builder's dashboard keeps its bytes: rewriting it in canonical
    // form would be a change nobody made.
    let same = on_disk
        .as_deref()
        .is_some_and(|t| t == text || read::parse(t).is_ok_and(|d| d == dashboard));
    let written = !same;
    let text = match (same, on_disk) {
        (true, Some(t)) => t,
        _ => text,
    };
    if written {
        std::fs::create_dir_all(dir).map_err(io(dir, "cannot create the dashboard folder"))?;
        write_atomically(&file, text.as_bytes())?;
    }
    let schema = dir.join(SCHEMA_FILE_NAME);
    if !schema.exists() {
        let json = serde_json::to_string_pretty(&Dashboard::json_schema()).unwrap_or_default();
        std::fs::write(&schema, json + "\n").map_err(io(&schema, "cannot write the schema"))?;
    }
    Ok(SavedDashboard {
        path: name,
        text,
        written,
    })
}

/// Writes through a temporary file beside `path` and a rename, so that a
/// browser reloading the page never reads half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp: PathBuf = path.with_extension("json.tmp");
    std::fs::write(&tmp, bytes).map_err(io(&tmp, "cannot write the dashboard file"))?;
    std::fs::rename(&tmp, path).map_err(io(path, "cannot replace the dashboard file"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> String {
        let files = crate::scaffold::files(juggler::Generation::V06, "T", true);
        let (_, bytes) = files
            .into_iter()
            .find(|(rel, _)| *rel == format!("{}/{FILE_NAME}", crate::scaffold::PAGE_DIR))
            .expect("the scaffold has a dashboard");
        String::from_utf8(bytes).expect("utf-8")
    }

    #[test]
    fn a_builder_folder_has_the_runtime() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (rel, bytes) in crate::scaffold::files(juggler::Generation::V07, "T", true) {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, bytes).expect("write");
        }
        let page = dir.path().join(crate::scaffold::PAGE_DIR);
        assert!(open(&page).expect("open").runtime);
    }

    #[test]
    fn a_dashboard_saved_unchanged_keeps_its_bytes() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(FILE_NAME), sample()).expect("write");
        let opened = open(dir.path()).expect("open");
        let text = opened.text.clone().expect("text");
        let saved = save(
            dir.path(),
            opened.dashboard.expect("dashboard"),
            Some(&text),
        )
        .expect("save");
        assert!(!saved.written, "nothing changed, nothing written");
        assert_eq!(saved.text, text, "the scaffold is in canonical form");
    }

    #[test]
    fn saving_writes_only_the_builders_files_and_refuses_a_changed_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("index.html"), "mine").expect("write");
        let opened = open(dir.path()).expect("open");
        assert!(opened.dashboard.is_none());
        assert!(!opened.runtime, "a hand-written page has no runtime");
        let d = serde_json::to_value(Dashboard::new("New")).expect("value");
        let saved = save(dir.path(), d.clone(), None).expect("save");
        assert!(saved.written);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("index.html")).expect("read"),
            "mine"
        );
        assert!(dir.path().join(SCHEMA_FILE_NAME).exists());
        // Someone else edits the file: the builder's save is refused.
        std::fs::write(dir.path().join(FILE_NAME), "{\"hand\": true}").expect("write");
        let err = save(dir.path(), d.clone(), Some(&saved.text)).expect_err("refused");
        assert!(err.to_string().contains("changed on disk"), "{err}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join(FILE_NAME)).expect("read"),
            "{\"hand\": true}"
        );
        // Nor does a save without a base overwrite a file it did not open.
        assert!(save(dir.path(), d, None).is_err());
    }

    #[test]
    fn an_invalid_dashboard_is_not_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bad = serde_json::json!({"version": 1, "title": "t", "widgets": [{"id": "a"}]});
        assert!(save(dir.path(), bad, None).is_err());
        assert!(!dir.path().join(FILE_NAME).exists());
    }
}
