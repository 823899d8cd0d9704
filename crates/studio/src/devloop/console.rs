//! The dashboard's console: what its pages report (uncaught errors,
//! unhandled rejections, `console.error`/`console.warn`, failed loads),
//! kept per page, newest last, within fixed bounds so that a page that
//! floods errors cannot grow the studio's memory.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Entries kept per page; older ones go first.
pub const PER_PAGE: usize = 200;
/// Pages kept; the page heard from least recently goes first.
pub const PAGES: usize = 20;
/// Longest message and stack kept, in bytes (cut at a character).
pub const TEXT_LIMIT: usize = 4 * 1024;

/// What kind of report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR, rename = "ConsoleLevel")]
pub enum Level {
    /// An uncaught exception.
    Uncaught,
    /// A promise rejected with nobody handling it.
    Rejection,
    /// A script, module, stylesheet or image that failed to load, or a
    /// `fetch` / `XMLHttpRequest` answered with an HTTP error or not at all.
    Load,
    /// `console.error`.
    Error,
    /// `console.warn`.
    Warn,
}

impl Level {
    /// Whether it counts as an error (a scenario step fails on one).
    pub fn is_error(self) -> bool {
        !matches!(self, Level::Warn)
    }

    /// `uncaught`, `rejection`, `load`, `error` or `warn`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Uncaught => "uncaught",
            Level::Rejection => "rejection",
            Level::Load => "load",
            Level::Error => "error",
            Level::Warn => "warn",
        }
    }
}

/// What a page sends about one problem.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// What kind.
    pub level: Level,
    /// What the page said (the error's message, the console's arguments).
    pub message: String,
    /// The script or resource (a URL), when known.
    #[serde(default)]
    pub source: Option<String>,
    /// 1-based line in `source`.
    #[serde(default)]
    pub line: Option<u32>,
    /// 1-based column in `source`.
    #[serde(default)]
    pub column: Option<u32>,
    /// The JavaScript stack, when there is one.
    #[serde(default)]
    pub stack: Option<String>,
}

/// One kept report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub struct ConsoleEntry {
    /// Counts every entry of the studio's run, dropped ones included.
    #[ts(type = "number")]
    pub seq: u64,
    /// Milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub at: u64,
    /// The page that reported it (its id).
    #[ts(type = "number")]
    pub page: u64,
    /// The page's address then.
    pub url: String,
    /// What kind.
    pub level: Level,
    /// What the page said.
    pub message: String,
    /// The script or resource, when known.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// 1-based line in `source`.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column in `source`.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// The JavaScript stack.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
}

impl ConsoleEntry {
    /// `URL:LINE:COLUMN` where it happened, or the page's address.
    pub fn place(&self) -> String {
        match (&self.source, self.line) {
            (Some(src), Some(line)) => format!("{src}:{line}:{}", self.column.unwrap_or(0)),
            (Some(src), None) => src.clone(),
            (None, _) => self.url.clone(),
        }
    }
}

struct PageLog {
    page: u64,
    entries: VecDeque<ConsoleEntry>,
    dropped: u64,
}

/// Every page's recent reports.
#[derive(Default)]
pub struct ConsoleLog {
    pages: VecDeque<PageLog>,
    next_seq: u64,
    errors: u64,
}

impl ConsoleLog {
    /// Keeps a report of `page` (at `url`), dropping the oldest beyond the
    /// bounds; returns the entry as kept.
    pub fn push(&mut self, page: u64, url: &str, report: Report, at: u64) -> ConsoleEntry {
        self.next_seq += 1;
        if report.level.is_error() {
            self.errors += 1;
        }
        let entry = ConsoleEntry {
            seq: self.next_seq,
            at,
            page,
            url: cut(url.to_owned()),
            level: report.level,
            message: cut(report.message),
            source: report.source.map(cut),
            line: report.line,
            column: report.column,
            stack: report.stack.map(cut),
        };
        let log = match self.pages.iter().position(|p| p.page == page) {
            Some(i) => {
                // The page heard from last goes to the back.
                let log = self.pages.remove(i).unwrap_or_else(|| PageLog::new(page));
                self.pages.push_back(log);
                self.pages.back_mut()
            }
            None => {
                if self.pages.len() == PAGES {
                    self.pages.pop_front();
                }
                self.pages.push_back(PageLog::new(page));
                self.pages.back_mut()
            }
        };
        if let Some(log) = log {
            if log.entries.len() == PER_PAGE {
                log.entries.pop_front();
                log.dropped += 1;
            }
            log.entries.push_back(entry.clone());
        }
        entry
    }

    /// Every kept entry, oldest first.
    pub fn entries(&self) -> Vec<ConsoleEntry> {
        let mut all: Vec<ConsoleEntry> = self
            .pages
            .iter()
            .flat_map(|p| p.entries.iter().cloned())
            .collect();
        all.sort_by_key(|e| e.seq);
        all
    }

    /// Entries kept now (never more than `PAGES × PER_PAGE`).
    pub fn len(&self) -> usize {
        self.pages.iter().map(|p| p.entries.len()).sum()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Errors reported since the start (kept or not): a scenario compares
    /// this before and after a step.
    pub fn error_count(&self) -> u64 {
        self.errors
    }

    /// Entries of `page` dropped for its bound.
    pub fn dropped(&self, page: u64) -> u64 {
        self.pages
            .iter()
            .find(|p| p.page == page)
            .map_or(0, |p| p.dropped)
    }

    /// Forgets every entry (the counts go on).
    pub fn clear(&mut self) {
        self.pages.clear();
    }
}

impl PageLog {
    fn new(page: u64) -> Self {
        PageLog {
            page,
            entries: VecDeque::new(),
            dropped: 0,
        }
    }
}

/// `text` cut to [`TEXT_LIMIT`] bytes at a character boundary.
fn cut(mut text: String) -> String {
    if text.len() > TEXT_LIMIT {
        let mut end = TEXT_LIMIT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(message: &str) -> Report {
        Report {
            level: Level::Error,
            message: message.into(),
            source: Some("http://127.0.0.1:1/app.js".into()),
            line: Some(3),
            column: Some(7),
            stack: None,
        }
    }

    #[test]
    fn a_page_that_floods_keeps_only_its_latest() {
        let mut log = ConsoleLog::default();
        for i in 0..10_000 {
            log.push(1, "http://127.0.0.1:1/", report(&format!("boom {i}")), i);
        }
        assert_eq!(log.len(), PER_PAGE);
        assert_eq!(log.dropped(1), 10_000 - PER_PAGE as u64);
        assert_eq!(log.error_count(), 10_000);
        let entries = log.entries();
        assert_eq!(
            entries.last().map(|e| e.message.as_str()),
            Some("boom 9999")
        );
        assert_eq!(entries[0].place(), "http://127.0.0.1:1/app.js:3:7");
    }

    #[test]
    fn many_pages_keep_the_most_recent_ones() {
        let mut log = ConsoleLog::default();
        for page in 0..(PAGES as u64 + 5) {
            log.push(page, "u", report("x"), 0);
        }
        assert_eq!(log.len(), PAGES);
        assert!(log.entries().iter().all(|e| e.page >= 5));
    }

    #[test]
    fn long_texts_are_cut_at_a_character() {
        let mut log = ConsoleLog::default();
        let e = log.push(1, "u", report(&"é".repeat(TEXT_LIMIT)), 0);
        assert!(e.message.len() <= TEXT_LIMIT + '…'.len_utf8());
        assert!(e.message.ends_with('…'));
    }
}
