//! The panes of the studio UI: one list, from which the UI's tabs and
//! Alt+key shortcuts (`ui/src/bindings/panes.ts`, written with the other
//! bindings) and the desktop app's View menu are made, so a pane is added
//! in one place.

/// One pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pane {
    /// Its id: the UI's `PaneId`, the menu item's id.
    pub id: &'static str,
    /// Its name on the tab and in the menu.
    pub label: &'static str,
    /// Alt+this opens it (a digit or a lower-case letter).
    pub key: char,
}

/// Every pane, in tab order.
pub const PANES: &[Pane] = &[
    pane("server", "Server", '1'),
    pane("state", "State", '2'),
    pane("notify", "Notify", '3'),
    pane("requests", "Requests", '4'),
    pane("connections", "Connections", '5'),
    pane("traffic", "Traffic", '6'),
    pane("client", "Client", '7'),
    pane("replay", "Replay", '8'),
    pane("proxy", "Proxy", '9'),
    pane("scenarios", "Scenarios", '0'),
    pane("console", "Console", 'c'),
    pane("builder", "Builder", 'b'),
];

const fn pane(id: &'static str, label: &'static str, key: char) -> Pane {
    Pane { id, label, key }
}

/// The TypeScript module of [`PANES`]: the list, as literal types, and
/// `PaneId`, the union of the ids.
pub fn typescript() -> String {
    let mut out = String::from(
        "// Generated from crates/studio/src/panes.rs (studio::panes::PANES) with the other \
         bindings. Do not edit.\n\nexport const PANES = [\n",
    );
    for p in PANES {
        out.push_str(&format!(
            "  {{ id: {}, label: {}, key: {} }},\n",
            js_string(p.id),
            js_string(p.label),
            js_string(&p.key.to_string())
        ));
    }
    out.push_str(
        "] as const;\n\n/** A pane of the studio UI. */\nexport type PaneId = (typeof PANES)[number]['id'];\n",
    );
    out
}

/// A JavaScript string literal (JSON's is one; single quotes are the UI's
/// style, and no label holds one).
fn js_string(s: &str) -> String {
    let json = serde_json::Value::from(s).to_string();
    format!("'{}'", &json[1..json.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_keys_are_distinct_and_keys_are_typeable() {
        let mut ids: Vec<_> = PANES.iter().map(|p| p.id).collect();
        let mut keys: Vec<_> = PANES.iter().map(|p| p.key).collect();
        ids.sort_unstable();
        ids.dedup();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(ids.len(), PANES.len(), "an id used twice");
        assert_eq!(keys.len(), PANES.len(), "a key used twice");
        assert!(
            PANES
                .iter()
                .all(|p| p.key.is_ascii_digit() || p.key.is_ascii_lowercase()),
            "Alt+key needs a digit or a lower-case letter"
        );
    }

    #[test]
    fn the_typescript_lists_every_pane() {
        let ts = typescript();
        for p in PANES {
            assert!(
                ts.contains(&format!(
                    "{{ id: '{}', label: '{}', key: '{}' }}",
                    p.id, p.label, p.key
                )),
                "{ts}"
            );
        }
        assert!(ts.contains("export type PaneId"));
    }
}
