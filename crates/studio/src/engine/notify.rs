//! Notifications to dashboards, and the notify presets.

use serde_json::Value;

use super::{Engine, now_ms};
use crate::error::{Error, Result};
use crate::model::SentNotification;
use crate::workspace;

impl Engine {
    /// Sends a notification to `targets` (empty: every connection).
    /// Returns how many connections it was sent to.
    pub async fn notify(&self, name: &str, data: Value, targets: &[u64]) -> Result<usize> {
        let server = self.inner.host.server().ok_or_else(|| {
            Error::Invalid("the server is not running: start it, then send".into())
        })?;
        let conns: Vec<_> = server
            .connections()
            .into_iter()
            .filter(|c| targets.is_empty() || targets.contains(&c.id()))
            .collect();
        if !targets.is_empty() && conns.len() < targets.len() {
            return Err(Error::Invalid(format!(
                "some of the connections {targets:?} are gone; choose open ones"
            )));
        }
        let mut sent = 0;
        for conn in &conns {
            if conn.notify(name, &data).await.is_ok() {
                sent += 1;
            }
        }
        self.inner.requests.notified(SentNotification {
            time: now_ms(),
            name: name.to_owned(),
            data,
            targets: targets.to_vec(),
            sent,
        });
        Ok(sent)
    }

    /// Replaces the notify presets (saved with the workspace).
    pub fn set_notify_presets(&self, presets: Value) -> Result<()> {
        let presets: Vec<workspace::NotifyPreset> = crate::json::from_value(&presets)
            .map_err(|e| Error::serde("invalid notify presets", "notifyPresets", &e))?;
        self.inner.workspace.set_notify_presets(presets);
        Ok(())
    }

    /// Saves one preset (replacing the one of that name, else appended),
    /// leaving the others as they are.
    pub fn save_notify_preset(&self, name: &str, data: Value) -> Result<()> {
        self.inner.workspace.edit_notify_presets(|list| {
            let preset = workspace::NotifyPreset {
                name: name.to_owned(),
                data,
            };
            match list.iter_mut().find(|p| p.name == name) {
                Some(old) => *old = preset,
                None => list.push(preset),
            }
            Ok(())
        })
    }

    /// Deletes the preset called `name`.
    pub fn remove_notify_preset(&self, name: &str) -> Result<()> {
        self.inner.workspace.edit_notify_presets(|list| {
            let at = list
                .iter()
                .position(|p| p.name == name)
                .ok_or_else(|| no_preset(name))?;
            list.remove(at);
            Ok(())
        })
    }

    /// The data of the preset called `name` as pretty-printed JSON text,
    /// numbers exactly as held (the UI's copy has them as doubles).
    pub fn notify_preset_text(&self, name: &str) -> Result<String> {
        self.inner.workspace.read_notify_presets(|list| {
            let preset = list
                .iter()
                .find(|p| p.name == name)
                .ok_or_else(|| no_preset(name))?;
            serde_json::to_string_pretty(&preset.data)
                .map_err(|e| Error::Invalid(format!("cannot write the preset as JSON: {e}")))
        })
    }
}

fn no_preset(name: &str) -> Error {
    Error::field("", "name", format!("no notify preset is called {name:?}"))
}
