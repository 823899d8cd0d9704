//! A mock made from the real back end: a workspace built from a recording,
//! so a dashboard can be developed offline against something that answers
//! and changes the way the recorded back end did.
//!
//! - the initial state is the back end's first state (a session recorded
//!   through the studio starts from `null`, and a hat-juggler back end
//!   sends its first state an autoflush delay after the first answers);
//! - each request seen gets a rule answering what the back end answered:
//!   one rule per distinct request data (matched on it) with the most
//!   recent answer, or a `cycle` of the distinct answers, and a catch-all
//!   per name for data never seen;
//! - when the recorded state changed right after an answer (before the
//!   next request), the rule sets the state the way it changed: the
//!   smallest subtree that holds every change, at its recorded value,
//!   leaving out the paths the back end also changed at no request (a
//!   timer's tick);
//! - each rule waits as long as the back end took to answer (request to
//!   answer, the median of its requests), unless asked not to
//!   ([`How::latency`]): a dashboard's spinner and timeout code sees the
//!   slow request it must handle;
//! - the notifications seen become notify presets;
//! - the generation is the recorded one.
//!
//! Pure: a recording in, a workspace out.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::error::Result;
use crate::recording::{Event, Recording, Timeline};
use crate::rules::{Action, NameMatch, Rule, RuleMatch};
use crate::workspace::{NotifyPreset, Workspace};

/// How a rule answers a request that the back end answered more than once.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub enum Answers {
    /// The most recent answer.
    #[default]
    Latest,
    /// The distinct answers in turn, as recorded.
    Cycle,
}

/// How a mock is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct How {
    /// See [`Answers`].
    pub answers: Answers,
    /// Whether each rule waits as long as the back end took to answer.
    pub latency: bool,
}

impl Default for How {
    fn default() -> How {
        Answers::default().into()
    }
}

impl From<Answers> for How {
    fn from(answers: Answers) -> How {
        How {
            answers,
            latency: true,
        }
    }
}

/// What `replay.mock` made: the workspace file and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub struct MockMade {
    /// The workspace file written.
    pub path: String,
    /// How many rules it has.
    pub rules: usize,
    /// How many notify presets it has.
    pub notify_presets: usize,
    /// `proxy.mock`: the session it was made from (`proxy ID connection N`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub source: Option<String>,
    /// Requests the recording holds no answer to (it ended first, or the
    /// back end never answered): they got no rule. Each name once, in the
    /// order seen.
    pub unanswered: Vec<String>,
    /// `proxy.mock`: the names of the requests whose data or answer the
    /// traffic log left out (larger than it keeps of one message): no rule
    /// was made from them (one may be, from others of the same name); a
    /// recording of the session keeps them. Each name once.
    pub too_big: Vec<String>,
    /// What the user is told of `unanswered` and `tooBig`, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub note: Option<String>,
}

impl MockMade {
    /// What `mock`, written to `out`, holds.
    pub fn of(out: &std::path::Path, mock: &Mock, source: Option<String>) -> MockMade {
        MockMade {
            path: out.display().to_string(),
            rules: mock.workspace.rules.len(),
            notify_presets: mock.workspace.notify_presets.len(),
            source,
            unanswered: mock.unanswered.clone(),
            too_big: mock.too_big.clone(),
            note: mock.note(),
        }
    }
}

/// A mock made from a recording.
#[derive(Debug, Clone)]
pub struct Mock {
    /// The workspace written.
    pub workspace: Workspace,
    /// See [`MockMade::unanswered`].
    pub unanswered: Vec<String>,
    /// See [`MockMade::too_big`].
    pub too_big: Vec<String>,
}

impl Mock {
    /// What the user is told of the requests that got no rule.
    pub fn note(&self) -> Option<String> {
        let notes: Vec<String> = [
            (!self.unanswered.is_empty()).then(|| unanswered_note(&self.unanswered)),
            (!self.too_big.is_empty()).then(|| too_big_note(&self.too_big)),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!notes.is_empty()).then(|| notes.join(" "))
    }
}

/// The names of the requests of `recording` with no answer in it, each
/// once, in the order seen (pings left out).
pub fn unanswered(recording: &Recording) -> Vec<String> {
    let answered: std::collections::HashSet<u64> = recording
        .entries
        .iter()
        .filter_map(|e| match &e.event {
            Event::Response { id, .. } => Some(*id),
            _ => None,
        })
        .collect();
    let mut names: Vec<String> = Vec::new();
    for e in &recording.entries {
        if let Event::Request { id, name, .. } = &e.event
            && !name.is_empty()
            && !answered.contains(id)
            && !names.contains(name)
        {
            names.push(name.clone());
        }
    }
    names
}

/// The most notify presets taken (the first distinct ones seen).
const MAX_PRESETS: usize = 50;

/// One request seen, with what followed it.
struct Seen {
    name: String,
    data: Value,
    success: bool,
    answer: Value,
    /// Milliseconds from the request to its answer.
    rtt_ms: f64,
    /// Where the state changed and to what, if it did.
    set_state: Option<(Value, Value)>,
}

/// `juggler-studio mock`'s arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct MockArgs {
    /// The recording (from the Client, Connections or Proxy pane's Record,
    /// or `juggler-studio record`, which holds no requests).
    pub recording: std::path::PathBuf,
    /// Where to write the workspace.
    #[arg(long, short = 'o', value_name = "WORKSPACE.json")]
    pub out: std::path::PathBuf,
    /// A request answered more than once: its latest answer, or its
    /// distinct answers in turn.
    #[arg(long, value_enum, default_value = "latest")]
    pub answers: Answers,
    /// Answer at once: without it, each rule waits as long as the back end
    /// took to answer (its requests' median round trip, request to answer).
    #[arg(long)]
    pub no_latency: bool,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
    /// The folder of the dashboard to serve with the mock (its
    /// server.staticDir: relative to the mock's folder when inside it, else
    /// absolute). Without it the mock serves no page: give `serve`
    /// --static-dir.
    #[arg(long, value_name = "DIR")]
    pub static_dir: Option<std::path::PathBuf>,
}

/// `text` as one word for a POSIX shell: as it is when nothing in it is
/// special, else in single quotes.
pub fn shell_quote(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./,:=@%+".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// `--static-dir DIR` as the mock workspace at `out` keeps it: relative to
/// its folder when inside it (the project moves as one), else absolute; an
/// error when it is no folder.
fn static_dir_of(dir: &std::path::Path, out: &std::path::Path) -> Result<String> {
    if !dir.is_dir() {
        return Err(crate::error::Error::Invalid(format!(
            "--static-dir {}: no such folder: give the folder of your dashboard's page \
             (its index.html)",
            dir.display()
        )));
    }
    crate::workspace::static_dir_setting(dir, Some(out))
}

/// Runs `juggler-studio mock`: 0 written, 2 when it cannot be.
pub fn cli(args: MockArgs) -> std::process::ExitCode {
    let how = How {
        answers: args.answers,
        latency: !args.no_latency,
    };
    let static_dir = args
        .static_dir
        .as_deref()
        .map(|dir| static_dir_of(dir, &args.out))
        .transpose();
    let result = static_dir.and_then(|dir| {
        let mut mock = make(&args.recording, &args.out, how, args.force)?;
        if let Some(dir) = dir {
            mock.workspace.server.static_dir = Some(dir);
            mock.workspace.save(&args.out)?;
        }
        Ok(mock)
    });
    match result {
        Ok(mock) => {
            let ws = &mock.workspace;
            println!(
                "Wrote {}: the first recorded state, {} rules, {} notify presets (generation {}).",
                args.out.display(),
                ws.rules.len(),
                ws.notify_presets.len(),
                juggler::Generation::from(ws.server.generation),
            );
            if let Some(note) = mock.note() {
                println!("{note}");
            }
            if ws.rules.is_empty() {
                println!(
                    "The recording holds no requests (a `juggler-studio record` session sends \
                     none): record a dashboard's connection, a proxied browser or a Client \
                     pane session to get rules."
                );
            }
            let out = shell_quote(&args.out.display().to_string());
            if ws.server.static_dir.is_some() {
                println!("Serve it: juggler-studio serve {out}");
            } else {
                println!(
                    "Serve it with your dashboard's page (the mock serves none of its own; or \
                     make it with --static-dir): juggler-studio serve {out} --static-dir \
                     YOUR_PAGE_FOLDER"
                );
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

/// Writes to `out` the workspace that mocks the back end recorded in
/// `recording`; an existing `out` only with `force`.
pub fn make(
    recording: &std::path::Path,
    out: &std::path::Path,
    how: How,
    force: bool,
) -> Result<Mock> {
    refuse_existing(out, force)?;
    let recording = Recording::read_session(recording)?;
    write(&recording, out, how, force)
}

/// What the user is told of requests that got no rule.
pub fn unanswered_note(names: &[String]) -> String {
    format!(
        "No rule for {} (the recording holds no answer to {}): such a request is answered \
         null, with a warning in the log; record until the back end has answered, or add \
         rules in the Requests pane.",
        names.join(", "),
        if names.len() == 1 { "it" } else { "them" }
    )
}

/// What the user is told of requests whose data or answer the traffic log
/// left out.
pub fn too_big_note(names: &[String]) -> String {
    let (requests, them) = if names.len() == 1 {
        ("a request", "it")
    } else {
        ("requests", "them")
    };
    format!(
        "The traffic log left out the data or the answer of {requests} named {} (larger than \
         it keeps of one message): no rule was made from {them}. Record the session from its \
         start instead (the browser's Record button in the Proxy pane, or `juggler-studio \
         proxy --record FILE`: a recording keeps every message whole) and make the workspace \
         from the recording, or add rules in the Requests pane.",
        names.join(", ")
    )
}

/// Writes to `out` the workspace that mocks the back end recorded in
/// `recording` (already in memory); an existing `out` only with `force`.
pub fn write(recording: &Recording, out: &std::path::Path, how: How, force: bool) -> Result<Mock> {
    refuse_existing(out, force)?;
    let ws = workspace_from(recording, how)?;
    ws.save(out)?;
    Ok(Mock {
        workspace: ws,
        unanswered: unanswered(recording),
        too_big: Vec::new(),
    })
}

fn refuse_existing(out: &std::path::Path, force: bool) -> Result<()> {
    if out.exists() && !force {
        return Err(crate::error::Error::Invalid(format!(
            "{} exists: choose another file, or overwrite it (--force)",
            out.display()
        )));
    }
    Ok(())
}

/// The workspace that mocks the recorded back end.
pub fn workspace_from(recording: &Recording, how: impl Into<How>) -> Result<Workspace> {
    let how = how.into();
    let timeline = Timeline::new(recording.entries.clone())?;
    let seen = requests(&timeline)?;
    let mut ws = Workspace {
        initial_state: first_state(&timeline)?,
        rules: rules(&seen, how),
        notify_presets: presets(&timeline),
        // A request the recording never saw gets null (with a warning), as
        // in a replay: the page goes on rather than throwing.
        unanswered: Some(crate::workspace::Unanswered::Null),
        ..Workspace::default()
    };
    ws.server.generation = match recording.header.generation.as_str() {
        "0.7" => juggler::Generation::V07.into(),
        _ => juggler::Generation::V06.into(),
    };
    Ok(ws)
}

/// The back end's first state (see [`attribution::initial_entry`]).
fn first_state(timeline: &Timeline) -> Result<Value> {
    match attribution::initial_entry(timeline.entries(), |k| timeline.state_at(k))? {
        Some(i) => timeline.state_at(i + 1),
        None => Ok(Value::Null),
    }
}

/// Every answered request (pings left out), in order, with what it
/// changed in the state: the changes that came with its answer (see
/// [`attribution::changes_end`]), less the first state and the paths the
/// back end also changed by itself (at no request).
fn requests(timeline: &Timeline) -> Result<Vec<Seen>> {
    let entries = timeline.entries();
    let start = attribution::initial_entry(entries, |k| timeline.state_at(k))?.map_or(0, |i| i + 1);
    let mut found = Vec::new();
    let mut in_window = vec![false; entries.len()];
    for (i, entry) in entries.iter().enumerate() {
        let Event::Request { id, name, data } = &entry.event else {
            continue;
        };
        if name.is_empty() {
            continue;
        }
        let answer = entries[i + 1..]
            .iter()
            .enumerate()
            .find_map(|(k, e)| match &e.event {
                Event::Response {
                    id: rid,
                    success,
                    data,
                } if rid == id => Some((i + 1 + k, e.t, *success, data.clone())),
                _ => None,
            });
        let Some((at, t, success, answer)) = answer else {
            continue;
        };
        let rtt_ms = (t - entry.t).max(0.0);
        let end = attribution::changes_end(entries, i, at, t);
        for w in in_window.iter_mut().take(end).skip((i + 1).max(start)) {
            *w = true;
        }
        found.push((i, end, name.clone(), data.clone(), success, answer, rtt_ms));
    }
    let touched_in = |range: std::ops::Range<usize>, keep: &dyn Fn(usize) -> bool| {
        entries[range.clone()]
            .iter()
            .enumerate()
            .filter(|(n, _)| keep(range.start + n))
            .filter_map(|(_, e)| match &e.event {
                Event::State { diff } => Some(attribution::touched(diff)),
                _ => None,
            })
            .flatten()
            .collect::<Vec<_>>()
    };
    let background = touched_in(start.min(entries.len())..entries.len(), &|k| !in_window[k]);
    let mut out = Vec::new();
    for (i, end, name, data, success, answer, rtt_ms) in found {
        let from = (i + 1).max(start);
        let before = timeline.state_at(from)?;
        let after = timeline.state_at(end.max(from))?;
        let mut made = before.clone();
        for path in touched_in(from..end.max(from), &|_| true) {
            if !background.iter().any(|b| attribution::related(b, &path)) {
                attribution::take_from(&mut made, &after, &path);
            }
        }
        out.push(Seen {
            name,
            data,
            success,
            answer,
            rtt_ms,
            set_state: changed_subtree(&before, &made),
        });
    }
    Ok(out)
}

/// The smallest subtree holding every difference of `after` from
/// `before`: `(path, value)` for a `setState`, `None` when equal.
fn changed_subtree(before: &Value, after: &Value) -> Option<(Value, Value)> {
    if before == after {
        return None;
    }
    let mut path = Vec::new();
    let (mut b, mut a) = (before, after);
    loop {
        let step = match (b, a) {
            (Value::Object(bo), Value::Object(ao)) => {
                let mut differ = ao
                    .iter()
                    .filter(|(k, v)| bo.get(*k) != Some(v))
                    .map(|(k, _)| k)
                    .chain(bo.keys().filter(|k| !ao.contains_key(*k)));
                match (differ.next(), differ.next()) {
                    (Some(k), None) if bo.contains_key(k) && ao.contains_key(k) => {
                        (json!(k), &bo[k], &ao[k])
                    }
                    _ => break,
                }
            }
            (Value::Array(ba), Value::Array(aa)) if ba.len() == aa.len() => {
                let mut differ = ba.iter().zip(aa).enumerate().filter(|(_, (x, y))| x != y);
                match (differ.next(), differ.next()) {
                    (Some((i, (x, y))), None) => (json!(i), x, y),
                    _ => break,
                }
            }
            _ => break,
        };
        path.push(step.0);
        (b, a) = (step.1, step.2);
    }
    Some((Value::Array(path), a.clone()))
}

/// Rules: per name, one per distinct data (most data first, so a rule for
/// `{"id": 1}` does not shadow one for `{"id": 1, "x": 2}`), then one for
/// any data.
fn rules(seen: &[Seen], how: How) -> Vec<Rule> {
    let mut by_name: BTreeMap<&str, Vec<&Seen>> = BTreeMap::new();
    for s in seen {
        by_name.entry(&s.name).or_default().push(s);
    }
    let mut out = Vec::new();
    for (name, all) in by_name {
        let mut by_data: Vec<(&Value, Vec<&Seen>)> = Vec::new();
        for s in &all {
            match by_data.iter_mut().find(|(d, _)| **d == s.data) {
                Some((_, v)) => v.push(s),
                None => by_data.push((&s.data, vec![s])),
            }
        }
        by_data.sort_by_key(|(d, _)| std::cmp::Reverse(d.to_string().len()));
        let distinct = by_data.len();
        for (n, (data, group)) in by_data.into_iter().enumerate() {
            let matcher = (distinct > 1 && !data.is_null()).then(|| data.clone());
            out.push(rule(name, n, matcher, &group, how));
        }
        if distinct > 1 {
            out.push(rule(name, distinct, None, &all, how));
        }
    }
    out
}

fn rule(name: &str, n: usize, data: Option<Value>, seen: &[&Seen], how: How) -> Rule {
    let id = if n == 0 {
        format!("mock {name}")
    } else {
        format!("mock {name} #{}", n + 1)
    };
    Rule {
        id,
        enabled: true,
        matcher: RuleMatch {
            name: NameMatch::Exact(name.to_owned()),
            data,
        },
        delay_ms: if how.latency { median_rtt(seen) } else { 0 },
        action: action(seen, how.answers),
    }
}

/// The median time the back end took to answer `seen` (ms, rounded).
fn median_rtt(seen: &[&Seen]) -> u32 {
    let mut rtts: Vec<f64> = seen.iter().map(|s| s.rtt_ms).collect();
    rtts.sort_by(f64::total_cmp);
    let n = rtts.len();
    let median = match n {
        0 => 0.0,
        _ if n % 2 == 1 => rtts[n / 2],
        _ => (rtts[n / 2 - 1] + rtts[n / 2]) / 2.0,
    };
    // `as` saturates: a day-long wait is as unusable as any longer one.
    median.round() as u32
}

/// What the back end did: the latest answer (setting the state when it
/// changed after it), or the distinct successful answers in turn.
fn action(seen: &[&Seen], answers: Answers) -> Action {
    let Some(latest) = seen.last() else {
        return Action::Respond { value: Value::Null };
    };
    if !latest.success {
        return Action::Fail {
            value: latest.answer.clone(),
        };
    }
    if let Some((path, value)) = &latest.set_state {
        return Action::SetState {
            path: path.clone(),
            value: value.clone(),
            respond: latest.answer.clone(),
        };
    }
    let mut distinct: Vec<Value> = Vec::new();
    for s in seen.iter().filter(|s| s.success) {
        if !distinct.contains(&s.answer) {
            distinct.push(s.answer.clone());
        }
    }
    match answers {
        Answers::Cycle if distinct.len() > 1 => Action::Cycle { values: distinct },
        _ => Action::Respond {
            value: latest.answer.clone(),
        },
    }
}

/// The distinct notifications seen, in order.
fn presets(timeline: &Timeline) -> Vec<NotifyPreset> {
    let mut out: Vec<NotifyPreset> = Vec::new();
    for entry in timeline.entries() {
        if let Event::Notify { name, data } = &entry.event
            && !out.iter().any(|p| p.name == *name && p.data == *data)
            && out.len() < MAX_PRESETS
        {
            out.push(NotifyPreset {
                name: name.clone(),
                data: data.clone(),
            });
        }
    }
    out
}

mod attribution;
pub mod session;

#[cfg(test)]
mod tests;
