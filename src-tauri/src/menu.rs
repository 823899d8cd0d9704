//! The native menu. Its items do what the UI's own shortcuts do: each one
//! is handed to the UI as `window.dispatchEvent(new CustomEvent('studio-menu',
//! {detail: ID}))` (see `ui/src/App.svelte`); Quit stops the app.

use tauri::menu::{Menu, MenuBuilder, MenuEvent, MenuItemBuilder, SubmenuBuilder};
use tauri::{AppHandle, Manager, Runtime};

/// The menu id of File › Quit (handled here, not by the UI).
pub const QUIT: &str = "quit";

/// Builds File, View and Help.
pub fn build<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<Menu<R>> {
    let item = |id: &str, label: &str, keys: &str| {
        MenuItemBuilder::with_id(id, label)
            .accelerator(keys)
            .build(app)
    };
    let file = SubmenuBuilder::new(app, "File")
        .item(&item("open", "Open…", "CmdOrCtrl+O")?)
        .item(&item("save", "Save", "CmdOrCtrl+S")?)
        .item(&item("save-as", "Save As…", "CmdOrCtrl+Shift+S")?)
        .separator()
        .item(&item(QUIT, "Quit", "CmdOrCtrl+Q")?)
        .build()?;
    let mut view = SubmenuBuilder::new(app, "View");
    // The UI's panes, in its order, with its keys (one list: studio::panes).
    for pane in studio::panes::PANES {
        let keys = format!("Alt+{}", pane.key.to_ascii_uppercase());
        view = view.item(&item(pane.id, pane.label, &keys)?);
    }
    let view = view.build()?;
    let help = SubmenuBuilder::new(app, "Help")
        .item(&item("help", "Keyboard shortcuts", "F1")?)
        .build()?;
    MenuBuilder::new(app).items(&[&file, &view, &help]).build()
}

/// The script that hands menu item `id` to the UI.
pub fn dispatch_script(id: &str) -> String {
    // A JSON string is a valid JavaScript string literal.
    let detail = serde_json::Value::from(id);
    format!("window.dispatchEvent(new CustomEvent('studio-menu', {{detail: {detail}}}))")
}

/// Handles a click (or accelerator) on a menu item.
pub fn on_event<R: Runtime>(app: &AppHandle<R>, event: MenuEvent) {
    let id = event.id().as_ref();
    if id == QUIT {
        crate::quit_asking(app);
        return;
    }
    match app.get_webview_window(crate::MAIN_WINDOW) {
        Some(window) => {
            if let Err(e) = window.eval(dispatch_script(id)) {
                tracing::warn!("menu item {id}: cannot reach the UI: {e}");
            }
        }
        None => tracing::warn!("menu item {id}: no main window"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatch_script_quotes_the_id() {
        assert_eq!(
            dispatch_script("save-as"),
            "window.dispatchEvent(new CustomEvent('studio-menu', {detail: \"save-as\"}))"
        );
        assert!(dispatch_script("a\"); alert(1); (\"").contains(r#"\"); alert(1); (\""#));
    }
}
