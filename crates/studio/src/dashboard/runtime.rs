//! The dashboard runtime (`crates/studio/runtime/`), embedded: the page's
//! ES modules and stylesheet that draw a `dashboard.json`, written into a
//! dashboard's folder under `runtime/` beside the vendored npm packages.

/// The runtime's files: (path in the dashboard's folder, text).
pub const FILES: &[(&str, &str)] = &[
    ("runtime/main.js", include_str!("../../runtime/main.js")),
    ("runtime/view.js", include_str!("../../runtime/view.js")),
    ("runtime/bodies.js", include_str!("../../runtime/bodies.js")),
    ("runtime/edit.js", include_str!("../../runtime/edit.js")),
    ("runtime/paths.js", include_str!("../../runtime/paths.js")),
    ("runtime/format.js", include_str!("../../runtime/format.js")),
    (
        "runtime/template.js",
        include_str!("../../runtime/template.js"),
    ),
    (
        "runtime/requests.js",
        include_str!("../../runtime/requests.js"),
    ),
    ("runtime/trends.js", include_str!("../../runtime/trends.js")),
    (
        "runtime/widgets/index.js",
        include_str!("../../runtime/widgets/index.js"),
    ),
    (
        "runtime/widgets/display.js",
        include_str!("../../runtime/widgets/display.js"),
    ),
    (
        "runtime/widgets/controls.js",
        include_str!("../../runtime/widgets/controls.js"),
    ),
    (
        "runtime/widgets/table.js",
        include_str!("../../runtime/widgets/table.js"),
    ),
    (
        "runtime/widgets/trend.js",
        include_str!("../../runtime/widgets/trend.js"),
    ),
    (
        "runtime/widgets/notifications.js",
        include_str!("../../runtime/widgets/notifications.js"),
    ),
    ("runtime/style.css", include_str!("../../runtime/style.css")),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file of `crates/studio/runtime/` is embedded, and nothing else.
    #[test]
    fn every_runtime_file_is_embedded() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut on_disk = Vec::new();
        let mut stack = vec![root.join("runtime")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("read runtime/").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let rel = path.strip_prefix(root).expect("under the crate");
                    on_disk.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        on_disk.sort();
        let mut embedded: Vec<String> = FILES.iter().map(|(p, _)| (*p).to_owned()).collect();
        embedded.sort();
        assert_eq!(embedded, on_disk);
    }
}
