//! Juggler Studio, the desktop app. Everything lives in the library.

// No console window next to the app on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    juggler_studio_desktop::run()
}
