//! The reports `run --junit FILE` and `run --json FILE` write, for a CI
//! server to read instead of scraping the ✓/✗ text.

use std::fmt::Write as _;

use serde_json::json;

use super::{FAILED, Outcome, PASSED, RunOptions, STOPPED, UNUSABLE};

/// Writes the files asked for; an error names the file and what to do.
pub(super) fn write(opts: &RunOptions, outcomes: &[Outcome], code: u8) -> Result<(), String> {
    let suite = opts.workspace.display().to_string();
    let files = [
        (&opts.junit, junit(&suite, outcomes)),
        (&opts.json, to_json(&suite, outcomes, code)),
    ];
    for (path, text) in files {
        let Some(path) = path else { continue };
        std::fs::write(path, text).map_err(|e| {
            format!(
                "cannot write the report {}: {e} (check that its folder exists and is writable)",
                path.display()
            )
        })?;
    }
    Ok(())
}

fn outcome_name(code: u8) -> &'static str {
    match code {
        PASSED => "passed",
        FAILED => "failed",
        STOPPED => "stopped",
        _ => "unusable",
    }
}

fn to_json(suite: &str, outcomes: &[Outcome], code: u8) -> String {
    let scenarios: Vec<_> = outcomes
        .iter()
        .map(|o| {
            json!({
                "name": o.name,
                "outcome": outcome_name(o.code),
                "exitCode": o.code,
                "report": o.report,
                "error": o.problem,
            })
        })
        .collect();
    let doc = json!({
        "workspace": suite,
        "passed": code == PASSED,
        "exitCode": code,
        "scenarios": scenarios,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// JUnit XML as Jenkins, GitLab and GitHub's test reporters read it: a
/// testcase per scenario; a failed step is a `failure`, a scenario that
/// could not run or was stopped an `error`.
fn junit(suite: &str, outcomes: &[Outcome]) -> String {
    let count = |c: u8| outcomes.iter().filter(|o| o.code == c).count();
    let seconds = |o: &Outcome| o.report.as_ref().map_or(0.0, |r| r.duration_ms / 1000.0);
    let total: f64 = outcomes.iter().map(seconds).sum();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"juggler-studio run\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{total:.3}\">",
        outcomes.len(),
        count(FAILED),
        count(UNUSABLE) + count(STOPPED)
    );
    let _ = writeln!(
        x,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{total:.3}\">",
        escape(suite),
        outcomes.len(),
        count(FAILED),
        count(UNUSABLE) + count(STOPPED)
    );
    for o in outcomes {
        let _ = writeln!(
            x,
            "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\">",
            escape(&o.name),
            escape(suite),
            seconds(o)
        );
        let failed_step = o
            .report
            .as_ref()
            .and_then(|r| r.results.iter().find(|s| !s.ok))
            .map(|s| s.message.clone());
        let message = failed_step
            .or_else(|| o.problem.clone())
            .unwrap_or_default();
        let tag = match o.code {
            PASSED => None,
            FAILED => Some("failure"),
            _ => Some("error"),
        };
        if let Some(tag) = tag {
            let _ = writeln!(
                x,
                "      <{tag} message=\"{}\" type=\"{}\">{}</{tag}>",
                escape(&message),
                outcome_name(o.code),
                escape(o.problem.as_deref().unwrap_or(&message))
            );
        }
        if let Some(report) = &o.report {
            let _ = writeln!(
                x,
                "      <system-out>{}</system-out>",
                escape(&report.to_text())
            );
        }
        x.push_str("    </testcase>\n");
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

/// Text as XML character data or an attribute value; characters XML 1.0
/// cannot hold (most control characters) become U+FFFD.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_keeps_xml_well_formed() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>\u{1}\n"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\u{fffd}\n"
        );
    }
}
