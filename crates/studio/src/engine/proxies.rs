//! The proxies service (`proxy.start` / `proxy.stop` / `proxy.override`),
//! published at `/proxies`.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};
use tokio::net::TcpListener;

use super::{Engine, Publisher};
use crate::error::{Error, Result};
use crate::model::ProxyInfo;
use crate::proxy::{Proxy, ProxySettings, ProxySink};
use crate::recording::Header;
use crate::traffic::{Peer, ProxySide};

/// The running proxies by id.
pub(super) struct Proxies {
    running: Mutex<Running>,
    publish: Publisher,
}

#[derive(Default)]
struct Running {
    by_id: HashMap<String, Proxy>,
    /// The number of the last proxy started (`p1`, `p2`…).
    last: u64,
    /// Proxies whose every browser is recorded, by id.
    record: HashMap<String, RecordBrowsers>,
}

/// Where the browsers of a proxy are recorded (`proxy --record FILE`).
struct RecordBrowsers {
    /// The first browser's file; the next ones' are numbered after it.
    path: PathBuf,
    /// The browsers recorded so far (each once: a browser that reconnects
    /// is a new connection, and a new file).
    seen: HashSet<u64>,
}

/// The file of the `n`th browser recorded (from 1): `path` itself, then
/// `NAME-2.EXT`, `NAME-3.EXT`… beside it.
pub fn numbered(path: &Path, n: usize) -> PathBuf {
    if n <= 1 {
        return path.to_owned();
    }
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{n}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{n}"),
    };
    path.with_file_name(name)
}

impl Proxies {
    pub(super) fn new(publish: Publisher) -> Proxies {
        Proxies {
            running: Mutex::default(),
            publish,
        }
    }

    fn running(&self) -> MutexGuard<'_, Running> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn next_id(&self) -> String {
        let mut running = self.running();
        running.last += 1;
        format!("p{}", running.last)
    }

    /// The proxy `id`.
    pub(super) fn get(&self, id: &str) -> Result<Proxy> {
        let running = self.running();
        running.by_id.get(id).cloned().ok_or_else(|| no_proxy(id))
    }

    fn insert(&self, proxy: Proxy) {
        self.publish.proxies().put(proxy.id(), &info(&proxy));
        self.running().by_id.insert(proxy.id().to_owned(), proxy);
    }

    fn remove(&self, id: &str) -> Result<Proxy> {
        let mut running = self.running();
        running.record.remove(id);
        running.by_id.remove(id).ok_or_else(|| no_proxy(id))
    }
}

impl Engine {
    /// Starts a proxy; returns its id.
    pub async fn proxy_start(&self, mut settings: ProxySettings) -> Result<String> {
        let ws = &self.inner.workspace;
        if let Some(dir) = &settings.static_dir {
            let dir = ws.resolve(dir);
            if !dir.is_dir() {
                return Err(Error::Invalid(format!(
                    "staticDir: {} is not a folder",
                    dir.display()
                )));
            }
            settings.static_dir = Some(dir.display().to_string());
        }
        if let Some(ca) = &settings.upstream.ca_file {
            settings.upstream.ca_file = Some(ws.resolve(ca).display().to_string());
        }
        // Browsers must speak the upstream's generation from the first.
        settings.upstream = settings.upstream.resolved().await?;
        let addr = format!("{}:{}", settings.host, settings.port);
        let listener = TcpListener::bind(&addr).await.map_err(|e| {
            Error::Invalid(format!(
                "cannot listen on {addr}: {e}; choose another port (0 picks a free one)"
            ))
        })?;
        let id = self.inner.proxies.next_id();
        let sink: Arc<dyn ProxySink> = Arc::new(self.clone());
        let proxy = Proxy::start(id.clone(), settings, listener, sink)?;
        if !proxy_addr_is_loopback(&proxy) {
            tracing::warn!(
                proxy = id,
                url = proxy.url(),
                "the proxy listens beyond loopback: anyone who reaches it talks to the upstream \
                 server through it"
            );
        }
        self.inner.proxies.insert(proxy);
        tracing::info!(proxy = id, "proxy started");
        Ok(id)
    }

    /// Records every browser that connects to proxy `id` from now on, each
    /// from its start to its end, to its own file: the first to `path`
    /// (relative to the workspace's folder), the next ones numbered after
    /// it (see [`numbered`]); `path` as given (the command line's, relative
    /// to its working folder).
    pub fn proxy_record_browsers(&self, id: &str, path: &Path) -> Result<()> {
        self.inner.proxies.get(id)?;
        let mut running = self.inner.proxies.running();
        let record = RecordBrowsers {
            path: path.to_owned(),
            seen: HashSet::new(),
        };
        running.record.insert(id.to_owned(), record);
        Ok(())
    }

    /// Starts recording the browsers of `proxy` in `ids` not recorded yet
    /// (see [`Engine::proxy_record_browsers`]).
    fn record_new_browsers(&self, proxy: &str, ids: &[u64]) {
        let starts: Vec<(u64, PathBuf)> = {
            let mut running = self.inner.proxies.running();
            let Some(record) = running.record.get_mut(proxy) else {
                return;
            };
            let mut starts = Vec::new();
            for id in ids {
                if record.seen.insert(*id) {
                    starts.push((*id, numbered(&record.path, record.seen.len())));
                }
            }
            starts
        };
        for (connection, path) in starts {
            let peer = Peer::Proxy {
                proxy: proxy.to_owned(),
                connection,
                side: ProxySide::Browser,
            };
            if let Err(e) = self.record_start_from(peer, path.clone(), true) {
                tracing::error!(
                    proxy,
                    connection,
                    path = %path.display(),
                    error = %e,
                    "cannot record the browser"
                );
            }
        }
    }

    /// Stops a proxy (its browsers are disconnected).
    pub async fn proxy_stop(&self, id: &str) -> Result<()> {
        let proxy = self.inner.proxies.remove(id)?;
        proxy.shutdown().await;
        self.inner.publish.proxies().gone(id);
        Ok(())
    }

    /// Overrides (or, with `None`, stops overriding) what the proxy's
    /// browsers see at `pointer`.
    pub fn proxy_override(&self, id: &str, pointer: &str, value: Option<Value>) -> Result<()> {
        let proxy = self.inner.proxies.get(id)?;
        proxy.set_override(pointer, value)?;
        self.inner.publish.proxy_overrides(id, &proxy.overrides());
        Ok(())
    }

    /// What one browser of a proxy sees now.
    pub(super) fn proxy_connection_state(&self, id: &str, connection: u64) -> Result<Value> {
        let proxy = self.inner.proxies.get(id)?;
        proxy.connection_state(connection).ok_or_else(|| {
            Error::Invalid(format!(
                "no connection {connection} on proxy {id}: it may have closed"
            ))
        })
    }

    /// "Make a workspace from this session": the mock (see [`crate::mock`])
    /// of what the real back end did for one browser of proxy `id` (the
    /// given connection, else the one with the newest traffic), rebuilt from
    /// the traffic log, written to `out` (relative to the workspace's
    /// folder); an existing file only with `force`.
    pub fn proxy_mock(
        &self,
        id: &str,
        connection: Option<u64>,
        out: &str,
        how: crate::mock::How,
        force: bool,
    ) -> Result<Value> {
        let proxy = self.inner.proxies.get(id)?;
        let session = {
            let traffic = self.inner.traffic.state();
            let connection = match connection {
                Some(c) => c,
                None => newest_browser(&traffic.log, id).ok_or_else(|| {
                    Error::Invalid(format!(
                        "proxy {id} has had no browser yet: open the dashboard through it first"
                    ))
                })?,
            };
            let peer = Peer::Proxy {
                proxy: id.to_owned(),
                connection,
                side: ProxySide::Browser,
            };
            let source = format!("proxy {id} connection {connection}");
            let entries = traffic.log.session(&peer).ok_or_else(|| {
                Error::Invalid(format!(
                    "the traffic log does not hold the start of {source} (it keeps the newest \
                     entries; a clear or a pause loses it too): reload the dashboard's page to \
                     start a session afresh, or record it (Record) and make the workspace from \
                     the recording"
                ))
            })?;
            let header = Header::new(
                &proxy.browser_generation().to_string(),
                Some(proxy.settings().upstream.url.clone()),
                source,
            );
            crate::mock::session::recording_of(header, &entries)?
        };
        let out = self.inner.workspace.resolve(out);
        let mut mock = crate::mock::write(&session.recording, &out, how, force)?;
        // The page the proxy served goes with it (it was left out: the mock
        // then served no page), as `mock --static-dir` writes it.
        if let Some(dir) = &proxy.settings().static_dir {
            let dir = crate::workspace::static_dir_setting(std::path::Path::new(dir), Some(&out))?;
            mock.workspace.server.static_dir = Some(dir);
            mock.workspace.save(&out)?;
        }
        // Their answers are not missing from the session, only from the log.
        mock.unanswered.retain(|n| !session.too_big.contains(n));
        mock.too_big = session.too_big;
        let source = session.recording.header.source;
        let made = crate::mock::MockMade::of(&out, &mock, Some(source));
        Ok(json!(made))
    }

    pub(super) async fn proxies_shutdown(&self) {
        let all: Vec<Proxy> = {
            let mut running = self.inner.proxies.running();
            running.by_id.drain().map(|(_, p)| p).collect()
        };
        for p in all {
            p.shutdown().await;
        }
        self.inner.publish.proxies().clear();
    }
}

/// The browser connection of proxy `id` with the newest entry in the log.
fn newest_browser(traffic: &crate::traffic::TrafficLog, id: &str) -> Option<u64> {
    traffic.entries().rev().find_map(|e| match &e.peer {
        Peer::Proxy {
            proxy,
            connection,
            side: ProxySide::Browser,
        } if proxy == id => Some(*connection),
        _ => None,
    })
}

fn no_proxy(id: &str) -> Error {
    Error::Invalid(format!("no proxy {id:?}"))
}

fn proxy_addr_is_loopback(proxy: &Proxy) -> bool {
    proxy.settings().host == "127.0.0.1"
        || proxy.settings().host == "localhost"
        || proxy.settings().host == "::1"
}

fn info(proxy: &Proxy) -> ProxyInfo {
    ProxyInfo {
        id: proxy.id().to_owned(),
        url: proxy.url(),
        dashboard_url: proxy.dashboard_url(),
        upstream: proxy.settings().upstream.clone(),
        overrides: proxy.overrides(),
        connections: proxy.connection_count(),
        browsers: proxy.browser_ids(),
        upstream_down: None,
    }
}

impl ProxySink for Engine {
    fn traffic(&self, peer: Peer, t: &juggler::Tapped<'_>) {
        Engine::traffic(self, peer, t);
    }

    fn closed(&self, proxy: &str, connection: u64) {
        self.record_stop_peer(&Peer::Proxy {
            proxy: proxy.to_owned(),
            connection,
            side: crate::traffic::ProxySide::Browser,
        });
    }

    fn upstream(&self, proxy: &str, reached: std::result::Result<(), String>) {
        let down = reached.err().map(|reason| crate::model::UpstreamDown {
            reason,
            at: crate::time::now_ms(),
        });
        self.inner.publish.proxy_upstream(proxy, down.as_ref());
    }

    fn connections(&self, proxy: &str, ids: Vec<u64>) {
        // Before the browser's requests go upstream (they wait for its
        // upstream, which stands once this is called): the recording holds
        // them all.
        self.record_new_browsers(proxy, &ids);
        // Only while the proxy's entry is there: a count cannot bring
        // back a stopped proxy's entry.
        self.inner.publish.proxy_browsers(proxy, &ids);
    }
}
