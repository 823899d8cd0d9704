//! Generates the Tauri context (config, capabilities, icons) at build time.
//! The app's commands are listed so that each needs a permission in
//! `capabilities/` (none is granted by default).

fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(
        tauri_build::AppManifest::new().commands(&[
            "control_address",
            "pick_path",
            "save_path",
            "open_url",
            "save_text",
        ]),
    ))
    .unwrap_or_else(|e| panic!("tauri-build: {e:#}"));
}
