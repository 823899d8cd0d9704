//! `workspace.*` and `dashboard.*`: the workspace file and the builder's
//! dashboards.

use std::path::PathBuf;

use super::{Reply, answer};
use crate::command::answer::{NewDashboard, WorkspaceFile};
use crate::command::error::CommandError;
use crate::command::list::WorkspaceCommand;
use crate::dashboard::{Dashboard, Widget, folder};
use crate::engine::Engine;

/// Runs a `workspace.*` or `dashboard.*` command.
pub(crate) async fn run(engine: &Engine, command: WorkspaceCommand) -> Reply {
    match command {
        WorkspaceCommand::WorkspaceGet(()) => answer(Ok(engine.workspace())),
        WorkspaceCommand::WorkspaceSave(a) => {
            answer(engine.save(a.path, a.force.unwrap_or(false)).map(file))
        }
        WorkspaceCommand::WorkspaceOpen(a) => {
            answer(engine.open_workspace(&a.path).await.map(file))
        }
        WorkspaceCommand::DashboardNew(a) => {
            let generation = a.generation.unwrap_or(juggler::Generation::V06);
            let name = a
                .name
                .unwrap_or_else(|| crate::scaffold::DEFAULT_TITLE.to_owned());
            let made = engine
                .dashboard_new(&a.dir, generation, &name, a.builder.unwrap_or(false))
                .await;
            answer(made.map(|(path, files)| NewDashboard {
                path: path.display().to_string(),
                files,
            }))
        }
        WorkspaceCommand::DashboardLoad(a) => answer(folder::open(&dashboard_dir(engine, a.dir)?)),
        WorkspaceCommand::DashboardSave(a) => {
            let dir = dashboard_dir(engine, a.dir.map(PathBuf::from))?;
            answer(folder::save(&dir, a.dashboard, a.base.as_deref()))
        }
        WorkspaceCommand::DashboardUnanswered(a) => {
            let widgets: Vec<Option<Widget>> = a
                .widgets
                .iter()
                .map(|w| Dashboard::widget_from_value(w.clone()).ok())
                .collect();
            let widgets = widgets
                .iter()
                .enumerate()
                .filter_map(|(i, w)| Some((i, w.as_ref()?)));
            answer(Ok(engine.unanswered_requests(widgets)))
        }
    }
}

fn file(path: PathBuf) -> WorkspaceFile {
    WorkspaceFile {
        path: path.display().to_string(),
    }
}

/// The builder's folder: the one given, else the server's `staticDir`.
fn dashboard_dir(engine: &Engine, dir: Option<PathBuf>) -> Result<PathBuf, CommandError> {
    dir.or_else(|| engine.static_dir())
        .ok_or_else(|| CommandError {
            field: Some("dir".into()),
            ..CommandError::invalid(
                "the server serves no folder (server.staticDir): set one, or give the dashboard's \
             folder as dir",
            )
        })
}
