//! Where things are and how our `bench_server` is built: shared by the
//! benchmark harness and the soak binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::{Error, Result};

/// The repository root (the bench crate's parent).
pub fn repo_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .map_or(manifest.clone(), Path::to_path_buf)
}

/// The cargo target directory.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// `cargo build --release ARGS` in `root`.
pub fn cargo_build(root: &Path, args: &[&str]) -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--release"])
        .args(args)
        .current_dir(root)
        .stdin(Stdio::null())
        .status()?;
    if !status.success() {
        return Err(Error::Setup(format!(
            "cargo build --release {}: {status}",
            args.join(" ")
        )));
    }
    Ok(())
}

/// `cargo build --release -p juggler --example bench_server`; returns the
/// binary.
pub fn build_ours(root: &Path) -> Result<PathBuf> {
    cargo_build(root, &["-p", "juggler", "--example", "bench_server"])?;
    ours_bin(root)
}

/// Our release `bench_server`, which must exist.
pub fn ours_bin(root: &Path) -> Result<PathBuf> {
    let bin = target_dir(root).join("release/examples/bench_server");
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(Error::Setup(format!("{} is missing", bin.display())))
    }
}
