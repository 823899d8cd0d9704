//! The npm packages built into the studio (`@hat-open/juggler` of both
//! generations and what it needs), which the demo and `new` write under a
//! page's `vendor/`: what they are, and where each goes for a generation.

use juggler::Generation;

include!(concat!(env!("OUT_DIR"), "/demo_vendor.rs"));

/// The npm folder that holds `@hat-open/juggler` 0.7.0 (an npm alias, as
/// 0.6.18 already has the package's own name).
pub(crate) const JUGGLER_07: &str = "juggler07";
pub(crate) const JUGGLER: &str = "@hat-open/juggler";

/// Where an embedded package file goes under `vendor/` for `generation`,
/// or `None` when that generation does not use it.
pub(crate) fn vendored_path(rel: &str, generation: Generation) -> Option<String> {
    let rel = rel.trim_start_matches('/');
    let in_package = |name: &str| {
        rel.strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('/'))
    };
    match generation {
        Generation::V06 if in_package(JUGGLER_07) => None,
        Generation::V06 => Some(rel.to_owned()),
        Generation::V07 if in_package(JUGGLER) => None,
        Generation::V07 => match rel.strip_prefix(JUGGLER_07) {
            Some(rest) if rest.starts_with('/') => Some(format!("{JUGGLER}{rest}")),
            _ => Some(rel.to_owned()),
        },
    }
}

/// The version of `@hat-open/juggler` vendored for `generation`.
pub fn juggler_version(generation: Generation) -> &'static str {
    let name = match generation {
        Generation::V06 => JUGGLER,
        Generation::V07 => JUGGLER_07,
    };
    PACKAGES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| *v)
        .unwrap_or("?")
}
