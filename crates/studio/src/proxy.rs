//! The studio as a juggler proxy: it listens as a juggler server and, for
//! every browser that connects, opens a connection to a real upstream
//! server and relays both ways — the upstream's state and notifications to
//! the browser, the browser's requests to the upstream and its answers
//! back. Both sides go to the traffic log. The state the browser sees can
//! be overridden at chosen paths ("what if this alarm were active?").

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use juggler::server::ServerBuilder;
use juggler::{Client, Server};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::remote::RemoteTarget;
use crate::traffic::{Peer, ProxySide};

mod relay;

use relay::{Upstreams, forward, relay, sorted_ids, upstream_of};

/// How to run a proxy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = crate::ts::DIR)]
pub struct ProxySettings {
    /// The real server.
    pub upstream: RemoteTarget,
    /// Address to listen on (default `127.0.0.1`).
    #[serde(default = "default_host")]
    pub host: String,
    /// Port to listen on; 0 (the default) picks a free one.
    #[serde(default)]
    pub port: u16,
    /// A folder served to browsers (the dashboard), if any.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub static_dir: Option<String>,
    /// Sites that may use the proxy besides its own pages, as the
    /// workspace's `server.allowedOrigins`. Default none.
    #[serde(default)]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub allowed_origins: Vec<String>,
    /// The generation browsers speak to the proxy, "0.6" or "0.7"; by
    /// default the upstream's, so a dashboard runs unchanged behind it.
    #[serde(default)]
    #[ts(optional = nullable)]
    pub browser_generation: Option<String>,
}

fn default_host() -> String {
    "127.0.0.1".into()
}

/// What a proxy reports to the engine.
pub trait ProxySink: Send + Sync + 'static {
    /// A frame crossed one side of a proxied connection.
    fn traffic(&self, peer: Peer, t: &juggler::Tapped<'_>);
    /// The browsers connected to a proxy changed: their connection ids.
    fn connections(&self, proxy: &str, ids: Vec<u64>);
    /// A browser's relayed connection ended.
    fn closed(&self, proxy: &str, connection: u64);
    /// A browser's connection to the upstream was made (`Ok`) or could not
    /// be (`Err`, why).
    fn upstream(&self, proxy: &str, reached: std::result::Result<(), String>);
}

type Overrides = Arc<RwLock<BTreeMap<String, Value>>>;

/// The generation the proxy's browsers speak: the one asked for, else the
/// upstream's.
fn browser_generation_of(settings: &ProxySettings) -> Result<juggler::Generation> {
    let wanted = settings
        .browser_generation
        .as_deref()
        .unwrap_or(settings.upstream.generation.as_str());
    wanted.parse::<juggler::Generation>().map_err(|e| {
        Error::Invalid(format!(
            "the proxy's browser side: {e} (tell the upstream's generation first)"
        ))
    })
}

/// The server the browsers connect to, before its handlers.
fn browser_side(settings: &ProxySettings, generation: juggler::Generation) -> ServerBuilder {
    // A page on another site must not talk to the real back end
    // through the proxy: its own pages only, as the studio's server.
    let builder = ServerBuilder::new()
        .generation(generation)
        // At once: the browser gets the upstream's messages in their order,
        // a state change before a notification or answer that follows it.
        .autoflush(Some(Duration::ZERO))
        .sites(juggler::server::SitePolicy {
            extra: settings.allowed_origins.clone(),
            hint: crate::workspace::SITES_HINT.into(),
        });
    match &settings.static_dir {
        Some(dir) => builder.static_dir(dir),
        None => builder,
    }
}

/// A running proxy.
#[derive(Clone)]
pub struct Proxy {
    id: String,
    settings: ProxySettings,
    server: Server,
    overrides: Overrides,
    upstreams: Upstreams,
    browser_generation: juggler::Generation,
}

impl Proxy {
    /// Starts proxying on `listener` to `settings.upstream`, whose
    /// generation must be told already ([`RemoteTarget::resolved`]).
    pub fn start(
        id: String,
        settings: ProxySettings,
        listener: TcpListener,
        sink: Arc<dyn ProxySink>,
    ) -> Result<Proxy> {
        // Fail early on a target that can never work.
        settings.upstream.client_builder()?;
        let browser_generation = browser_generation_of(&settings)?;
        let overrides: Overrides = Arc::default();
        let upstreams: Upstreams = Arc::default();
        let builder = browser_side(&settings, browser_generation);
        let (conn_target, conn_overrides, conn_upstreams, conn_sink, conn_id) = (
            settings.upstream.clone(),
            overrides.clone(),
            upstreams.clone(),
            sink.clone(),
            id.clone(),
        );
        let (req_upstreams, req_overrides) = (upstreams.clone(), overrides.clone());
        let ready = Arc::new(Notify::new());
        let relay_ready = ready.clone();
        let (tap_sink, tap_id, tap_upstreams) = (sink.clone(), id.clone(), upstreams.clone());
        let server = builder
            .on_connection(move |conn| {
                relay(
                    conn,
                    conn_id.clone(),
                    conn_target.clone(),
                    conn_overrides.clone(),
                    conn_upstreams.clone(),
                    conn_sink.clone(),
                    relay_ready.clone(),
                )
            })
            .on_request(move |conn, name, data| {
                let (upstreams, ready) = (req_upstreams.clone(), ready.clone());
                let overrides = req_overrides.clone();
                async move {
                    let upstream = upstream_of(&upstreams, &ready, &conn).await;
                    forward(upstream, &conn, &overrides, &name, data).await
                }
            })
            .on_traffic(move |conn, t| {
                relay::browser_tapped(&tap_upstreams, conn, t);
                tap_sink.traffic(
                    Peer::Proxy {
                        proxy: tap_id.clone(),
                        connection: conn,
                        side: ProxySide::Browser,
                    },
                    t,
                );
            })
            .serve(listener)?;
        Ok(Proxy {
            id,
            settings,
            server,
            browser_generation,
            overrides,
            upstreams,
        })
    }

    /// The proxy's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// How it was started.
    pub fn settings(&self) -> &ProxySettings {
        &self.settings
    }

    /// The generation its browsers speak.
    pub fn browser_generation(&self) -> juggler::Generation {
        self.browser_generation
    }

    /// The juggler endpoint browsers connect to.
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The page address when a folder is served.
    pub fn dashboard_url(&self) -> Option<String> {
        let addr = self.server.local_addr();
        let host = if addr.ip().is_unspecified() {
            format!("127.0.0.1:{}", addr.port())
        } else {
            addr.to_string()
        };
        self.settings
            .static_dir
            .as_ref()
            .map(|_| format!("http://{host}/"))
    }

    /// The overrides, by JSON pointer.
    pub fn overrides(&self) -> BTreeMap<String, Value> {
        self.overrides
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Sets (`Some`) or removes (`None`) the value every browser sees at
    /// `pointer`, whatever the upstream says; applied at once.
    pub fn set_override(&self, pointer: &str, value: Option<Value>) -> Result<()> {
        if !pointer.starts_with('/') {
            return Err(Error::Invalid(format!(
                "pointer: {pointer:?} is not a JSON pointer to a member (it starts with /)"
            )));
        }
        if value.is_some() {
            // Told now, rather than listed and never seen: an array index
            // past the end of what the browsers are shown.
            let states: Vec<Value> = (self.upstreams.lock().unwrap_or_else(|e| e.into_inner()))
                .values()
                .map(|u| u.client.state().data())
                .collect();
            if let Some(Err(why)) = states
                .iter()
                .map(|s| fits(s, pointer))
                .reduce(|a, b| a.or(b))
            {
                return Err(Error::Invalid(format!(
                    "pointer {pointer:?} does not fit the upstream's state: {why}; an array \
                     element must exist, or be \"-\" to append"
                )));
            }
        }
        {
            let mut o = self.overrides.write().unwrap_or_else(|e| e.into_inner());
            match value {
                Some(v) => {
                    o.insert(pointer.to_owned(), v);
                }
                None => {
                    o.remove(pointer);
                }
            }
        }
        // Each browser's relay shows it again, in order with the rest.
        for upstream in self
            .upstreams
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
        {
            upstream.reshow();
        }
        Ok(())
    }

    /// What one browser sees now.
    pub fn connection_state(&self, connection: u64) -> Option<Value> {
        self.server
            .connections()
            .into_iter()
            .find(|c| c.id() == connection)
            .map(|c| c.state().data())
    }

    /// Browsers connected now.
    pub fn connection_count(&self) -> usize {
        self.server.connections().len()
    }

    /// Connection ids of the browsers relayed now.
    pub fn browser_ids(&self) -> Vec<u64> {
        sorted_ids(&self.upstreams.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Stops listening and closes every relayed connection.
    pub async fn shutdown(&self) {
        self.server.shutdown().await;
        let clients: Vec<Client> = self
            .upstreams
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .map(|(_, u)| u.client)
            .collect();
        for c in clients {
            c.close();
        }
    }
}

/// `state` with each override written in: the value at the pointer is
/// replaced, or added with the objects on its way (an array index must
/// exist, or be `-` to append).
pub fn with_overrides(mut state: Value, overrides: &BTreeMap<String, Value>) -> Value {
    for (pointer, value) in overrides {
        set_pointer(&mut state, pointer, value.clone());
    }
    state
}

/// An override's pointer as tokens (`set_override` took only pointers that
/// start with `/`).
fn pointer_tokens(pointer: &str) -> Vec<String> {
    juggler::diff::parse_pointer(pointer).unwrap_or_default()
}

/// Whether an override at `pointer` takes in `state` (see [`set_pointer`]):
/// every array on its way must have the element it names.
fn fits(state: &Value, pointer: &str) -> std::result::Result<(), String> {
    let tokens = pointer_tokens(pointer);
    let mut cur = Some(state);
    for (n, t) in tokens.iter().enumerate() {
        let Some(Value::Array(a)) = cur else {
            cur = cur.and_then(|v| v.get(t));
            continue;
        };
        let last = n + 1 == tokens.len();
        match t.parse::<usize>() {
            Ok(i) if i < a.len() => cur = a.get(i),
            _ if last && t == "-" => return Ok(()),
            _ => {
                let at = tokens[..n].iter().fold(String::new(), |p, t| p + "/" + t);
                return Err(format!("{at} has {} elements", a.len()));
            }
        }
    }
    Ok(())
}

fn set_pointer(state: &mut Value, pointer: &str, value: Value) {
    let tokens = pointer_tokens(pointer);
    let Some((last, parents)) = tokens.split_last() else {
        *state = value;
        return;
    };
    let mut cur = state;
    for t in parents {
        if let Value::Array(a) = cur {
            match t.parse::<usize>() {
                Ok(i) if i < a.len() => {
                    cur = &mut a[i];
                    continue;
                }
                _ => return,
            }
        }
        if !cur.is_object() {
            *cur = Value::Object(Default::default());
        }
        let Value::Object(map) = cur else { return };
        cur = map
            .entry(t.clone())
            .or_insert_with(|| Value::Object(Default::default()));
    }
    match cur {
        Value::Array(a) => match last.parse::<usize>() {
            Ok(i) if i < a.len() => a[i] = value,
            _ if last == "-" => a.push(value),
            _ => {}
        },
        Value::Object(map) => {
            map.insert(last.clone(), value);
        }
        other => {
            let mut map = serde_json::Map::new();
            map.insert(last.clone(), value);
            *other = Value::Object(map);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn o(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn overrides_replace_add_and_create_the_way() {
        let state = json!({"alarms": [{"active": false}, {"active": false}], "temp": 20});
        let got = with_overrides(
            state,
            &o(&[
                ("/alarms/1/active", json!(true)),
                ("/temp", json!(99)),
                ("/new/deep", json!("x")),
                ("/a~1b", json!(1)),
            ]),
        );
        assert_eq!(
            got,
            json!({"alarms": [{"active": false}, {"active": true}], "temp": 99,
                   "new": {"deep": "x"}, "a/b": 1})
        );
    }

    #[test]
    fn an_override_past_an_arrays_end_does_not_fit() {
        let state = json!({"list": [1, 2, 3], "a": {"b": 1}});
        assert_eq!(fits(&state, "/list/2"), Ok(()));
        assert_eq!(fits(&state, "/list/-"), Ok(()));
        assert_eq!(fits(&state, "/a/new/deep"), Ok(()));
        assert_eq!(fits(&state, "/list/5"), Err("/list has 3 elements".into()));
        assert!(fits(&state, "/list/x").is_err());
    }

    #[test]
    fn overrides_that_do_not_fit_leave_the_state_alone() {
        let state = json!({"list": [1, 2]});
        let got = with_overrides(
            state.clone(),
            &o(&[("/list/7", json!(0)), ("/list/9/x", json!(0))]),
        );
        assert_eq!(got, state);
        let got = with_overrides(state, &o(&[("/list/-", json!(3))]));
        assert_eq!(got, json!({"list": [1, 2, 3]}));
        assert_eq!(
            with_overrides(json!(null), &o(&[("/a", json!(1))])),
            json!({"a": 1})
        );
    }
}
