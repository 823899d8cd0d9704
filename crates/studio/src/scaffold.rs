//! `juggler-studio new`: a dashboard project a person is happy to keep.
//!
//! The project folder holds what runs and describes the page: a
//! `workspace.json` for the studio (`staticDir: "web"`, the generation, a
//! state the view shows, rules that answer its requests, notify presets, a
//! scenario) with its JSON Schema, a `server.py` on the reference
//! `hat-juggler` that serves the page with the same state, a `README.md`
//! saying how to run both, and a `.gitignore`. The page is in [`PAGE_DIR`]
//! (`web/`), the only folder either server makes public: `index.html` with
//! an import map, `app.js` on `@hat-open/renderer` + `snabbdom`,
//! `style.css`, and the npm packages it imports vendored under `vendor/`
//! from the ones embedded in the binary (`@hat-open/juggler` 0.6.18 for
//! generation 0.6, 0.7.0 for 0.7) with their licences.
//!
//! With `--builder` the page is instead the studio builder's: an
//! `index.html` that loads the dashboard runtime (`runtime/`, see
//! [`crate::dashboard::runtime`]) and a `dashboard.json` with widgets bound
//! to the workspace's initial state and its JSON Schema; the workspace and
//! `server.py` answer every widget's request.
//!
//! Projects made before [`PAGE_DIR`] had the page at the top level
//! (`staticDir: "."`); `--force` into one keeps that layout, so the files
//! it adds are the ones the project misses, where it would look for them.

use std::path::{Path, PathBuf};

use juggler::Generation;

use crate::demo::vendor::{self, JUGGLER, juggler_version, vendored_path};
use crate::error::{Error, Result};

/// What to create.
#[derive(Debug, Clone)]
pub struct NewDashboard {
    /// The project folder: created when missing; an existing one must be
    /// empty unless `force`.
    pub dir: PathBuf,
    /// The wire generation the vendored `@hat-open/juggler` speaks.
    pub generation: Generation,
    /// The page's title (and the state's `title`).
    pub title: String,
    /// Into a folder that is not empty: write only the files that are
    /// missing, keep every file that is there.
    pub force: bool,
    /// A builder dashboard (`dashboard.json` and the runtime) instead of a
    /// hand-written page (`app.js`).
    pub builder: bool,
}

/// `juggler-studio new`'s arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct NewArgs {
    /// The project folder (created; an existing one must be empty).
    pub dir: PathBuf,
    /// Wire generation of the vendored @hat-open/juggler: 0.6 (0.6.18) or
    /// 0.7 (0.7.0, as Hat Open's own web UIs).
    #[arg(long, default_value = "0.6")]
    pub generation: Generation,
    /// The dashboard's title.
    #[arg(long, value_name = "TITLE", default_value = DEFAULT_TITLE)]
    pub name: String,
    /// Into a folder that is not empty: write only the missing files
    /// (nothing there is overwritten).
    #[arg(long)]
    pub force: bool,
    /// Start a dashboard to build in the studio's Builder pane: a
    /// dashboard.json of widgets and the runtime that draws them, instead
    /// of a hand-written app.js.
    #[arg(long)]
    pub builder: bool,
}

/// Runs `juggler-studio new`: creates the project and says what to do
/// next. Exit 0 on success, 2 when nothing could be written.
pub fn cli(args: NewArgs) -> std::process::ExitCode {
    let opts = NewDashboard {
        dir: args.dir,
        generation: args.generation,
        title: args.name,
        force: args.force,
        builder: args.builder,
    };
    match create(&opts) {
        Ok(created) => {
            let dir = opts.dir.display();
            println!(
                "Created {dir}: {} files ({} kept as they were), @hat-open/juggler {} (generation {}).",
                created.written.len(),
                created.kept.len(),
                juggler_version(opts.generation),
                opts.generation,
            );
            println!("Next:");
            if opts.builder {
                println!(
                    "  juggler-studio serve {dir}/workspace.json --ui   # build it in the Builder pane"
                );
                let dashboard = opts
                    .dir
                    .join(page_dir(&opts.dir))
                    .join(crate::dashboard::FILE_NAME);
                println!(
                    "  juggler-studio check {}   # check the layout",
                    dashboard.display()
                );
            } else {
                println!("  juggler-studio serve {dir}/workspace.json   # serve it, edit it live");
            }
            println!("  see {dir}/README.md for a real hat-juggler back end (server.py)");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

/// What [`create`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Created {
    /// Files written, relative to the folder.
    pub written: Vec<String>,
    /// Files that were there already and were kept (`force`).
    pub kept: Vec<String>,
}

/// The title when none is given.
pub const DEFAULT_TITLE: &str = "My dashboard";

const INDEX_HTML: &str = include_str!("../scaffold/index.html");
const APP_JS: &str = include_str!("../scaffold/app.js");
const STYLE_CSS: &str = include_str!("../scaffold/style.css");
const WORKSPACE_JSON: &str = include_str!("../scaffold/workspace.json");
const SERVER_PY: &str = include_str!("../scaffold/server.py");
const README_MD: &str = include_str!("../scaffold/README.md");
const WORKSPACE_SCHEMA: &str = include_str!("../workspace.schema.json");
/// Stored without its dot: a `.gitignore` in the crate would be read by git.
const GITIGNORE: &str = include_str!("../scaffold/gitignore");
const BUILDER_INDEX_HTML: &str = include_str!("../scaffold/builder/index.html");
const BUILDER_DASHBOARD: &str = include_str!("../scaffold/builder/dashboard.json");
const BUILDER_WORKSPACE: &str = include_str!("../scaffold/builder/workspace.json");
const BUILDER_SERVER_PY: &str = include_str!("../scaffold/builder/server.py");
const BUILDER_README_MD: &str = include_str!("../scaffold/builder/README.md");
const DASHBOARD_SCHEMA: &str = include_str!("../dashboard.schema.json");
/// The `@hat-open/*` packages are Apache-2.0 but ship no licence file.
const APACHE_2_0: &str = include_str!("../scaffold/Apache-2.0.txt");

/// The folder of a new project that holds the page: everything under it is
/// public over HTTP, nothing else of the project is (`server.py`, the
/// workspace, the README, the `.venv` the README makes).
pub const PAGE_DIR: &str = "web";

/// Writes the project; see the module's documentation.
pub fn create(opts: &NewDashboard) -> Result<Created> {
    let title = opts.title.trim();
    if title.is_empty() {
        return Err(Error::Invalid("--name: the title must not be empty".into()));
    }
    check_folder(&opts.dir, opts.force)?;
    let page_dir = page_dir(&opts.dir);
    check_generation(&opts.dir, &page_dir, opts.generation)?;
    let mut created = Created::default();
    for (rel, bytes) in files_in(opts.generation, title, opts.builder, &page_dir) {
        let path = opts.dir.join(&rel);
        if path.exists() {
            created.kept.push(rel);
            continue;
        }
        write(&path, &bytes)?;
        created.written.push(rel);
    }
    Ok(created)
}

/// An existing folder must be empty, unless only missing files are to be
/// written.
fn check_folder(dir: &Path, force: bool) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    if !dir.is_dir() {
        return Err(Error::Invalid(format!(
            "{} exists and is not a folder: choose another path",
            dir.display()
        )));
    }
    let mut entries = std::fs::read_dir(dir).map_err(|e| Error::Io {
        path: dir.to_owned(),
        action: "cannot read the folder".into(),
        source: e,
    })?;
    if entries.next().is_some() && !force {
        return Err(Error::Invalid(format!(
            "{} is not empty: choose a new folder, or add --force to write only the files \
             that are missing (nothing there is overwritten)",
            dir.display()
        )));
    }
    Ok(())
}

/// A folder that holds a project of the other generation is refused:
/// `--force` keeps its files, so its client, workspace and back end would
/// speak 0.6 and 0.7 at once (a page that never connects).
fn check_generation(dir: &Path, page_dir: &str, generation: Generation) -> Result<()> {
    let Some((found, what)) = existing_generation(dir, page_dir) else {
        return Ok(());
    };
    if found == generation {
        return Ok(());
    }
    Err(Error::Invalid(format!(
        "{} holds a juggler {found} project ({what}): --force only adds the missing files, so \
         the folder would mix {found} and {generation}; add --generation {found}, or choose a \
         new folder",
        dir.display()
    )))
}

/// Where the page of the project in `dir` is, relative to it: the
/// workspace's `staticDir` when it names a folder inside the project, else
/// the top level when a page is there (a project made before
/// [`PAGE_DIR`], without its workspace), else [`PAGE_DIR`].
fn page_dir(dir: &Path) -> String {
    let static_dir = read_json(&dir.join("workspace.json"))
        .and_then(|ws| ws.pointer("/server/staticDir")?.as_str().map(str::to_owned));
    if let Some(rel) = static_dir.as_deref().and_then(inside) {
        return rel;
    }
    let page_on_top = ["index.html", "vendor"]
        .iter()
        .any(|rel| dir.join(rel).exists());
    if static_dir.is_none() && page_on_top {
        ".".to_owned()
    } else {
        PAGE_DIR.to_owned()
    }
}

/// `rel` as a folder inside the project (`"."` for its top level, `/` as
/// the separator), or `None` when it leads out of it.
fn inside(rel: &str) -> Option<String> {
    use std::path::Component;
    let mut parts = Vec::new();
    for c in Path::new(rel).components() {
        match c {
            Component::CurDir => {}
            Component::Normal(p) => parts.push(p.to_str()?),
            _ => return None,
        }
    }
    Some(if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    })
}

fn read_json(path: &Path) -> Option<serde_json::Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// The generation of a project already in `dir` (its page in `page_dir`),
/// and what tells it: the vendored client's version, else the workspace's
/// server generation.
fn existing_generation(dir: &Path, page_dir: &str) -> Option<(Generation, String)> {
    let read = |rel: &str| read_json(&dir.join(rel));
    let package = page_path(page_dir, &format!("vendor/{JUGGLER}/package.json"));
    if let Some(version) =
        read(&package).and_then(|p| p.get("version")?.as_str().map(str::to_owned))
    {
        let generation = match version.split('.').take(2).collect::<Vec<_>>()[..] {
            ["0", "6"] => Some(Generation::V06),
            ["0", "7"] => Some(Generation::V07),
            _ => None,
        };
        if let Some(g) = generation {
            let at = page_path(page_dir, &format!("vendor/{JUGGLER}"));
            return Some((g, format!("{at} {version}")));
        }
    }
    let workspace = read("workspace.json")?;
    let generation = workspace.pointer("/server/generation")?.as_str()?;
    let g = generation.parse().ok()?;
    Some((
        g,
        format!("workspace.json's server.generation {generation}"),
    ))
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    let fail = |e: std::io::Error| Error::Io {
        path: path.to_owned(),
        action: "cannot write the new dashboard's file".into(),
        source: e,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    std::fs::write(path, bytes).map_err(fail)
}

/// `rel`, a file of the page, relative to the project.
fn page_path(page_dir: &str, rel: &str) -> String {
    if page_dir == "." {
        rel.to_owned()
    } else {
        format!("{page_dir}/{rel}")
    }
}

/// Every file of a new project (a builder dashboard's when `builder`):
/// (path relative to the folder, content), the page's under [`PAGE_DIR`].
pub fn files(generation: Generation, title: &str, builder: bool) -> Vec<(String, Vec<u8>)> {
    files_in(generation, title, builder, PAGE_DIR)
}

/// [`files`] with the page in `page_dir` (relative to the project, `"."`
/// for its top level).
fn files_in(
    generation: Generation,
    title: &str,
    builder: bool,
    page_dir: &str,
) -> Vec<(String, Vec<u8>)> {
    // The title lands in HTML, JSON and Markdown: escaped for each.
    let html_title = title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let json_title = json_text(title);
    let fill = |template: &str, title: &str| {
        fill(template, generation, title)
            .replace("{{staticDir}}", &json_text(page_dir))
            .into_bytes()
    };
    let (mut page, project) = if builder {
        let mut page = vec![
            (
                "index.html".to_owned(),
                fill(BUILDER_INDEX_HTML, &html_title),
            ),
            (
                crate::dashboard::FILE_NAME.to_owned(),
                fill(BUILDER_DASHBOARD, &json_title),
            ),
            (
                crate::dashboard::SCHEMA_FILE_NAME.to_owned(),
                DASHBOARD_SCHEMA.as_bytes().to_vec(),
            ),
        ];
        for (rel, text) in crate::dashboard::runtime::FILES {
            page.push(((*rel).to_owned(), text.as_bytes().to_vec()));
        }
        let project = [
            (BUILDER_WORKSPACE, json_title.as_str()),
            (BUILDER_SERVER_PY, title),
            (BUILDER_README_MD, title),
        ];
        (page, project)
    } else {
        let page = vec![
            ("index.html".to_owned(), fill(INDEX_HTML, &html_title)),
            ("app.js".to_owned(), APP_JS.as_bytes().to_vec()),
            ("style.css".to_owned(), STYLE_CSS.as_bytes().to_vec()),
        ];
        let project = [
            (WORKSPACE_JSON, json_title.as_str()),
            (SERVER_PY, title),
            (README_MD, title),
        ];
        (page, project)
    };
    let mut licensed = Vec::new();
    for (rel, bytes) in vendor::VENDOR {
        let Some(rel) = vendored_path(rel, generation) else {
            continue;
        };
        if let Some(package) = hat_open_package(&rel)
            && !licensed.contains(&package)
        {
            licensed.push(package);
        }
        page.push((format!("vendor/{rel}"), bytes.to_vec()));
    }
    for package in licensed {
        page.push((
            format!("vendor/{package}/LICENSE"),
            APACHE_2_0.as_bytes().to_vec(),
        ));
    }
    let [
        (workspace, ws_title),
        (server, server_title),
        (readme, readme_title),
    ] = project;
    let mut out = vec![
        ("workspace.json".to_owned(), fill(workspace, ws_title)),
        (
            "workspace.schema.json".to_owned(),
            WORKSPACE_SCHEMA.as_bytes().to_vec(),
        ),
        ("server.py".to_owned(), fill(server, server_title)),
        ("README.md".to_owned(), fill(readme, readme_title)),
        (".gitignore".to_owned(), GITIGNORE.as_bytes().to_vec()),
    ];
    out.extend(
        page.into_iter()
            .map(|(rel, bytes)| (page_path(page_dir, &rel), bytes)),
    );
    out
}

/// `text` escaped to go between a JSON string's quotes (also a Python
/// string's, for what a title or a folder name holds).
fn json_text(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or_default()
        .to_owned()
}

/// `@hat-open/NAME` for a file of that package.
fn hat_open_package(rel: &str) -> Option<String> {
    let rest = rel.strip_prefix("@hat-open/")?;
    let name = rest.split('/').next()?;
    Some(format!("@hat-open/{name}"))
}

/// Fills a template's `{{title}}` (already escaped for the file),
/// `{{generation}}`, `{{jugglerVersion}}` and `{{pipSpec}}`.
fn fill(template: &str, generation: Generation, title: &str) -> String {
    let pip_spec = match generation {
        Generation::V06 => ">=0.6,<0.7",
        Generation::V07 => ">=0.7,<0.8",
    };
    template
        .replace("{{title}}", title)
        .replace("{{generation}}", &generation.to_string())
        .replace("{{jugglerVersion}}", juggler_version(generation))
        .replace("{{pipSpec}}", pip_spec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workspace::Workspace;

    /// A generation 0.6 project titled [`DEFAULT_TITLE`] in `dir`.
    fn project(dir: &Path, builder: bool, force: bool) -> NewDashboard {
        NewDashboard {
            dir: dir.to_owned(),
            generation: Generation::V06,
            title: DEFAULT_TITLE.into(),
            force,
            builder,
        }
    }

    fn new_in(dir: &Path, generation: Generation) -> Created {
        create(&NewDashboard {
            dir: dir.to_owned(),
            generation,
            title: "Tank <farm> \"north\"".into(),
            force: false,
            builder: false,
        })
        .expect("created")
    }

    #[test]
    fn each_generation_vendors_its_own_juggler_with_licences() {
        for (generation, version) in [(Generation::V06, "0.6.18"), (Generation::V07, "0.7.0")] {
            let dir = tempfile::tempdir().expect("tempdir");
            let project = dir.path().join("dash");
            let created = new_in(&project, generation);
            assert!(created.kept.is_empty());
            let manifest =
                std::fs::read_to_string(project.join("web/vendor/@hat-open/juggler/package.json"))
                    .expect("the vendored juggler");
            assert!(
                manifest.contains(&format!("\"version\": \"{version}\"")),
                "{manifest}"
            );
            assert!(!project.join("web/vendor").join(vendor::JUGGLER_07).exists());
            for licence in [
                "web/vendor/@hat-open/juggler/LICENSE",
                "web/vendor/@hat-open/renderer/LICENSE",
                "web/vendor/@hat-open/util/LICENSE",
                "web/vendor/snabbdom/LICENSE",
            ] {
                assert!(project.join(licence).is_file(), "{licence}");
            }
            for import in [
                "web/vendor/@hat-open/juggler/index.js",
                "web/vendor/@hat-open/renderer/index.js",
                "web/vendor/@hat-open/util/index.js",
                "web/vendor/snabbdom/build/index.js",
            ] {
                assert!(project.join(import).is_file(), "{import}");
            }
        }
    }

    #[test]
    fn the_workspace_is_valid_and_names_its_generation_and_title() {
        for (generation, text) in [(Generation::V06, "0.6"), (Generation::V07, "0.7")] {
            let dir = tempfile::tempdir().expect("tempdir");
            new_in(dir.path(), generation);
            let ws = Workspace::load(&dir.path().join("workspace.json")).expect("valid");
            assert_eq!(ws.initial_state["title"], "Tank <farm> \"north\"");
            assert_eq!(juggler::Generation::from(ws.server.generation), generation);
            assert_eq!(ws.server.static_dir.as_deref(), Some("web"));
            let html = std::fs::read_to_string(dir.path().join("web/index.html")).expect("html");
            assert!(
                html.contains("<title>Tank &lt;farm&gt; \"north\"</title>"),
                "{html}"
            );
            assert!(
                html.contains(&format!("wire generation\n     {text}")),
                "{html}"
            );
        }
    }

    #[test]
    fn a_folder_that_is_not_empty_is_refused_unless_forced() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("notes.md"), "mine").expect("write");
        let opts = project(dir.path(), false, false);
        let err = create(&opts).expect_err("refused").to_string();
        assert!(
            err.contains("is not empty") && err.contains("--force"),
            "{err}"
        );
        assert!(!dir.path().join("web").exists(), "nothing written");
        let created = create(&NewDashboard {
            force: true,
            ..opts.clone()
        })
        .expect("forced");
        assert!(created.kept.is_empty(), "{:?}", created.kept);
        assert!(created.written.contains(&"web/index.html".to_owned()));
        std::fs::write(dir.path().join("web/app.js"), "// mine").expect("write");
        let created = create(&NewDashboard {
            force: true,
            ..opts
        })
        .expect("forced");
        assert_eq!(created.written, Vec::<String>::new());
        assert!(created.kept.contains(&"web/app.js".to_owned()));
        let mine = std::fs::read_to_string(dir.path().join("web/app.js")).expect("read");
        assert_eq!(mine, "// mine", "a file that was there is kept");
    }

    /// `server.py`, the workspace, the README and `.gitignore` were in the
    /// folder both servers serve, so any browser could read them.
    #[test]
    fn only_the_page_is_in_the_served_folder() {
        for builder in [false, true] {
            let dir = tempfile::tempdir().expect("tempdir");
            create(&NewDashboard {
                dir: dir.path().to_owned(),
                generation: Generation::V07,
                title: DEFAULT_TITLE.into(),
                force: false,
                builder,
            })
            .expect("created");
            let ws = Workspace::load(&dir.path().join("workspace.json")).expect("valid");
            let served = dir
                .path()
                .join(ws.server.static_dir.as_deref().expect("a staticDir"));
            assert_eq!(served, dir.path().join(PAGE_DIR));
            assert!(served.join("index.html").is_file());
            let mut top: Vec<String> = std::fs::read_dir(dir.path())
                .expect("read")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            top.sort();
            assert_eq!(
                top,
                [
                    ".gitignore",
                    "README.md",
                    "server.py",
                    "web",
                    "workspace.json",
                    "workspace.schema.json"
                ]
            );
            let server = std::fs::read_to_string(dir.path().join("server.py")).expect("read");
            assert!(
                server.contains("STATIC_DIR = HERE / \"web\"\n")
                    && server.contains("static_dir=STATIC_DIR,"),
                "{server}"
            );
        }
    }

    /// What a project made before `web/` has: the page at the top level.
    fn old_layout(dir: &Path, builder: bool) {
        for (rel, bytes) in files_in(Generation::V06, DEFAULT_TITLE, builder, ".") {
            write(&dir.join(rel), &bytes).expect("write");
        }
    }

    #[test]
    fn a_project_with_the_page_at_the_top_level_still_loads_checks_and_is_completed_in_place() {
        let dir = tempfile::tempdir().expect("tempdir");
        old_layout(dir.path(), true);
        let ws = Workspace::load(&dir.path().join("workspace.json")).expect("valid");
        assert_eq!(ws.server.static_dir.as_deref(), Some("."));
        let dashboard = dir.path().join("dashboard.json");
        std::fs::write(
            &dashboard,
            std::fs::read_to_string(&dashboard)
                .expect("read")
                .replace("/level/value", "/level/nope"),
        )
        .expect("write");
        let report = crate::check::check(&dashboard).expect("valid");
        assert!(
            report.contains("/level/nope is not in the initialState"),
            "{report}"
        );
        let opened = crate::dashboard::folder::open(dir.path()).expect("the builder opens it");
        assert!(opened.runtime && opened.dashboard.is_some());

        // --force adds what is missing where this project has it.
        for rel in ["server.py", "index.html"] {
            std::fs::remove_file(dir.path().join(rel)).expect("rm");
        }
        let opts = project(dir.path(), true, true);
        let created = create(&opts).expect("forced");
        assert_eq!(created.written, ["server.py", "index.html"]);
        assert!(!dir.path().join(PAGE_DIR).exists());
        let err = create(&NewDashboard {
            generation: Generation::V07,
            ..opts
        })
        .expect_err("refused")
        .to_string();
        assert!(err.contains("(vendor/@hat-open/juggler 0.6.18)"), "{err}");

        // Without its workspace, the page on top still tells the layout.
        let dir = tempfile::tempdir().expect("tempdir");
        old_layout(dir.path(), false);
        std::fs::remove_file(dir.path().join("workspace.json")).expect("rm");
        let created = create(&project(dir.path(), false, true)).expect("forced");
        assert_eq!(created.written, ["workspace.json"]);
        let ws = Workspace::load(&dir.path().join("workspace.json")).expect("valid");
        assert_eq!(ws.server.static_dir.as_deref(), Some("."));
    }

    /// `new --force --generation 0.7` over a 0.6 project kept the 0.6
    /// client and workspace and added a 0.7 `server.py`.
    #[test]
    fn forcing_the_other_generation_into_a_project_is_refused() {
        for builder in [false, true] {
            let dir = tempfile::tempdir().expect("tempdir");
            let opts = NewDashboard {
                dir: dir.path().to_owned(),
                generation: Generation::V06,
                title: DEFAULT_TITLE.into(),
                force: false,
                builder,
            };
            create(&opts).expect("0.6");
            std::fs::remove_file(dir.path().join("server.py")).expect("rm");
            let other = NewDashboard {
                generation: Generation::V07,
                force: true,
                ..opts.clone()
            };
            let err = create(&other).expect_err("refused").to_string();
            assert!(
                err.contains("holds a juggler 0.6 project (web/vendor/@hat-open/juggler 0.6.")
                    && err.contains("--generation 0.6"),
                "{err}"
            );
            assert!(!dir.path().join("server.py").exists(), "nothing written");
            let ignored = std::fs::read_to_string(dir.path().join(".gitignore")).expect("read");
            assert!(ignored.lines().any(|l| l == ".venv/"), "{ignored}");
            // Without the client, the workspace tells.
            std::fs::remove_dir_all(dir.path().join("web/vendor")).expect("rm");
            let err = create(&other).expect_err("refused").to_string();
            assert!(
                err.contains("workspace.json's server.generation 0.6"),
                "{err}"
            );
            // The same generation fills in what is missing.
            let created = create(&NewDashboard {
                force: true,
                ..opts
            })
            .expect("same");
            assert!(created.written.contains(&"server.py".to_owned()));
        }
    }
}

#[cfg(test)]
#[path = "scaffold/builder_tests.rs"]
mod builder_tests;
