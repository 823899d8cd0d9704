//! Runs this crate's client against any server of the bench contract
//! (ours or the reference's) and reports one JSON line per scenario.
//!
//! `interop_client --url ws://127.0.0.1:PORT/ws [--generation 0.7]
//! [--only NAME] [--list]`; exits 0 only when every scenario passed.
//!
//! Extras for the TLS and Basic auth interop tests: `--ca-file PATH` trusts
//! the CA certificates of a PEM file (besides the system's) for `wss://`,
//! `--insecure` accepts any server certificate, and `--user U --password P`
//! sends HTTP Basic credentials. A refused handshake (e.g. a wrong password)
//! fails every scenario with the server's HTTP status, so the exit is 1.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Parser;
use juggler::{Client, ClientBuilder, Error, Generation, Trust};
use serde_json::{Value, json};

#[derive(Parser)]
#[command(
    after_help = "--ca-file, --insecure, --user and --password are extras \
                  for the TLS and Basic auth interop tests."
)]
struct Args {
    /// Server address.
    #[arg(long, default_value = "ws://127.0.0.1:23023/ws")]
    url: String,
    /// Wire generation: 0.6 or 0.7.
    #[arg(long, default_value = "0.6")]
    generation: Generation,
    /// Run only this scenario.
    #[arg(long)]
    only: Option<String>,
    /// List the scenario names and exit.
    #[arg(long)]
    list: bool,
    /// Extra: for wss, also trust the CA certificates of this PEM file.
    #[arg(long, value_name = "PATH", conflicts_with = "insecure")]
    ca_file: Option<PathBuf>,
    /// Extra: for wss, accept any server certificate, unverified.
    #[arg(long)]
    insecure: bool,
    /// Extra: HTTP Basic auth user (needs --password).
    #[arg(long, requires = "password")]
    user: Option<String>,
    /// Extra: HTTP Basic auth password (needs --user).
    #[arg(long, requires = "user")]
    password: Option<String>,
}

type Notes = Arc<Mutex<Vec<(String, Value)>>>;
type Outcome = Result<String, String>;
type Scenario = fn(Ctx) -> Pin<Box<dyn Future<Output = Outcome> + Send>>;

#[derive(Clone)]
struct Ctx {
    url: String,
    generation: Generation,
    trust: Trust,
    auth: Option<(String, String)>,
}

impl Ctx {
    async fn client(&self) -> Result<(Client, Notes), String> {
        let notes: Notes = Arc::default();
        let sink = notes.clone();
        let mut builder = ClientBuilder::new(&self.url)
            .generation(self.generation)
            .trust(self.trust.clone());
        if let Some((user, password)) = &self.auth {
            builder = builder.basic_auth(user, password);
        }
        let client = builder
            .on_notify(move |name, data| {
                sink.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((name, data))
            })
            .connect()
            .await
            .map_err(|e| format!("connect: {e}"))?;
        Ok((client, notes))
    }
}

fn check(cond: bool, what: impl Into<String>) -> Result<(), String> {
    if cond { Ok(()) } else { Err(what.into()) }
}

/// Waits until the mirrored state is `expect`.
async fn converge(client: &Client, expect: &Value) -> Result<(), String> {
    converge_to(client, expect, |have| have == expect).await
}

/// Waits until `same(mirrored state)` holds; `expect` is for the message.
async fn converge_to(
    client: &Client,
    expect: &Value,
    same: impl Fn(&Value) -> bool,
) -> Result<(), String> {
    let mut watch = client.state().subscribe();
    let wait = async {
        while !same(&client.state().data()) {
            if watch.changed().await.is_none() {
                return Err(format!(
                    "the connection closed ({}) with the state {}, want {expect}",
                    client.close_reason().unwrap_or_default(),
                    client.state().data()
                ));
            }
        }
        Ok(())
    };
    tokio::time::timeout(Duration::from_secs(30), wait)
        .await
        .map_err(|_| {
            format!(
                "state did not converge: have {}, want {expect}",
                client.state().data()
            )
        })?
}

async fn ping(ctx: Ctx) -> Outcome {
    let (c, _) = ctx.client().await?;
    for data in [json!(null), json!({"k": [1, "x"]}), json!("ping")] {
        let got = c.send("", &data).await.map_err(|e| e.to_string())?;
        check(got == data, format!("ping echoed {got} for {data}"))?;
    }
    Ok("3 pings echoed".into())
}

async fn echo(ctx: Ctx) -> Outcome {
    let (c, _) = ctx.client().await?;
    let cases = [
        json!("héllo wörld ✓ 😀"),
        json!({"nested": {"a": [1, [2, [3, {"b": null}]]]}}),
        json!([
            9223372036854775807_i64,
            -9223372036854775808_i64,
            18446744073709551615_u64
        ]),
        json!([0.1, 1e300, -2.5e-300, 0.0]),
        json!(true),
        json!(""),
    ];
    for data in &cases {
        let got = c.send("echo", data).await.map_err(|e| e.to_string())?;
        check(got == *data, format!("echo returned {got} for {data}"))?;
    }
    Ok(format!("{} payloads echoed", cases.len()))
}

async fn not_implemented(ctx: Ctx) -> Outcome {
    let (c, _) = ctx.client().await?;
    match c.send("no.such.request", json!(1)).await {
        Err(Error::Juggler(data)) => {
            let text = data.to_string();
            check(
                text.contains("no.such.request"),
                format!("error does not name the request: {text}"),
            )?;
            // The connection stays usable.
            c.send("echo", 1).await.map_err(|e| e.to_string())?;
            Ok(format!("error response {text}"))
        }
        other => Err(format!("expected an error response, got {other:?}")),
    }
}

async fn state_set(ctx: Ctx) -> Outcome {
    let (c, _) = ctx.client().await?;
    let steps = [
        (json!(["a", "b"]), json!(1), json!({"a": {"b": 1}})),
        (
            json!(["a", "c", 2]),
            json!("x"),
            json!({"a": {"b": 1, "c": [null, null, "x"]}}),
        ),
        (
            json!(["a", "c", 0]),
            json!({"deep": [1]}),
            json!({"a": {"b": 1, "c": [{"deep": [1]}, null, "x"]}}),
        ),
        (
            json!(["k/~"]),
            json!("esc"),
            json!({"a": {"b": 1, "c": [{"deep": [1]}, null, "x"]}, "k/~": "esc"}),
        ),
        (json!([]), json!([1, 2, 3]), json!([1, 2, 3])),
    ];
    for (path, value, expect) in &steps {
        c.send("state.set", json!({"path": path, "value": value}))
            .await
            .map_err(|e| e.to_string())?;
        converge(&c, expect).await?;
    }
    Ok(format!("{} sets mirrored", steps.len()))
}

async fn state_burst(ctx: Ctx) -> Outcome {
    let (c, _) = ctx.client().await?;
    let n = 10_000;
    let got = c
        .send("state.burst", json!({"path": ["counter"], "count": n}))
        .await
        .map_err(|e| e.to_string())?;
    check(got == json!(n), format!("burst answered {got}"))?;
    converge(&c, &json!({"counter": n})).await?;
    Ok(format!("{n} changes converged"))
}

async fn notify_burst(ctx: Ctx) -> Outcome {
    let (c, notes) = ctx.client().await?;
    let n = 1000;
    c.send(
        "notify.burst",
        json!({"name": "tick", "data": {"x": "é"}, "count": n}),
    )
    .await
    .map_err(|e| e.to_string())?;
    // A ping after the burst comes back after every notification of it.
    c.send("", Value::Null).await.map_err(|e| e.to_string())?;
    let got = notes.lock().unwrap_or_else(|e| e.into_inner()).clone();
    check(
        got.len() == n,
        format!("{} of {n} notifications arrived", got.len()),
    )?;
    check(
        got.iter()
            .all(|(name, data)| name == "tick" && *data == json!({"x": "é"})),
        "a notification arrived changed",
    )?;
    Ok(format!("{n} notifications"))
}

async fn big_notify(ctx: Ctx) -> Outcome {
    let (c, notes) = ctx.client().await?;
    let big: String = "0123456789abcdef😀".repeat(8 * 1024 * 1024 / 20 + 1);
    c.send(
        "notify.burst",
        json!({"name": "big", "data": big, "count": 1}),
    )
    .await
    .map_err(|e| e.to_string())?;
    c.send("", Value::Null).await.map_err(|e| e.to_string())?;
    let got = notes.lock().unwrap_or_else(|e| e.into_inner()).clone();
    check(
        got.len() == 1,
        format!("{} notifications arrived", got.len()),
    )?;
    check(
        got[0].1 == json!(big),
        "the big notification arrived changed",
    )?;
    Ok(format!("{} bytes", big.len()))
}

async fn pipelined(ctx: Ctx) -> Outcome {
    let (c, _) = ctx.client().await?;
    let n = 200;
    let calls = (0..n).map(|i| {
        let c = c.clone();
        async move { (i, c.send("echo", json!({"i": i})).await) }
    });
    let results = futures_join_all(calls).await;
    for (i, r) in results {
        let got = r.map_err(|e| e.to_string())?;
        check(got == json!({"i": i}), format!("request {i} got {got}"))?;
    }
    Ok(format!("{n} pipelined requests"))
}

async fn futures_join_all<F: Future + Send + 'static>(
    futs: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        if let Ok(v) = h.await {
            out.push(v);
        }
    }
    out
}

async fn malformed_path(ctx: Ctx) -> Outcome {
    let (c, _) = ctx.client().await?;
    match c
        .send("state.set", json!({"path": [true], "value": 1}))
        .await
    {
        Err(Error::Juggler(_)) => {}
        other => return Err(format!("expected an error response, got {other:?}")),
    }
    c.send("echo", 5)
        .await
        .map_err(|e| format!("connection unusable after: {e}"))?;
    Ok("refused, connection kept".into())
}

async fn close(ctx: Ctx) -> Outcome {
    let (c, _) = ctx.client().await?;
    c.send("echo", 1).await.map_err(|e| e.to_string())?;
    c.close();
    tokio::time::timeout(Duration::from_secs(5), c.wait_closed())
        .await
        .map_err(|_| "close did not finish".to_string())?;
    match c.send("echo", 1).await {
        Err(Error::ConnectionClosed { .. }) => {
            Ok("closed; send fails with ConnectionClosed".into())
        }
        other => Err(format!("send after close gave {other:?}")),
    }
}

/// splitmix64: random bit patterns without a dependency; the seed is in
/// the scenario's detail, so a failure can be replayed.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Random doubles of every exponent (bit patterns) and integers beyond 64
/// bits come back from the server as the same doubles and the same digits,
/// echoed and mirrored as state.
async fn exact_numbers(ctx: Ctx) -> Outcome {
    let (c, _) = ctx.client().await?;
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(1);
    let mut rng = seed;
    let floats: Vec<f64> = std::iter::repeat_with(|| f64::from_bits(splitmix(&mut rng)))
        .filter(|f| f.is_finite())
        .take(2_000)
        .collect();
    let sent = Value::Array(floats.iter().map(|f| json!(f)).collect());
    let echoed = c.send("echo", &sent).await.map_err(|e| e.to_string())?;
    c.send("state.set", json!({"path": ["floats"], "value": &sent}))
        .await
        .map_err(|e| e.to_string())?;
    // The same doubles, not the same text: a Python server writes
    // `1e-07` where we wrote `1e-7`.
    let expect = json!({ "floats": &sent });
    let same_doubles = |have: &Value| {
        have["floats"].as_array().is_some_and(|a| {
            a.len() == floats.len()
                && a.iter()
                    .zip(&floats)
                    .all(|(v, f)| v.as_f64().map(f64::to_bits) == Some(f.to_bits()))
        })
    };
    converge_to(&c, &expect, same_doubles).await?;
    let mirrored = c.state().data()["floats"].clone();
    for (i, f) in floats.iter().enumerate() {
        for (how, got) in [("echoed", &echoed[i]), ("mirrored", &mirrored[i])] {
            let back = got.as_f64().map(f64::to_bits);
            check(
                back == Some(f.to_bits()),
                format!("seed {seed}: {f:e} {how} as {got}"),
            )?;
        }
    }
    let mut digits = String::from(char::from(b'1' + (splitmix(&mut rng) % 9) as u8));
    for _ in 1..100 {
        digits.push(char::from(b'0' + (splitmix(&mut rng) % 10) as u8));
    }
    let ints = format!(
        "[{digits},-{digits},18446744073709551616,-9223372036854775809,170141183460469231731687303715884105728]"
    );
    let sent: Value = serde_json::from_str(&ints).map_err(|e| e.to_string())?;
    let echoed = c.send("echo", &sent).await.map_err(|e| e.to_string())?;
    let back = echoed.to_string();
    check(
        back == ints,
        format!("integers echoed as {back}, sent {ints}"),
    )?;
    Ok(format!(
        "seed {seed}: {} doubles and 5 big integers (100 digits) exact",
        floats.len()
    ))
}

/// Values nested deep (the reference parses about 990 levels with
/// Python's default recursion limit) are echoed and mirrored.
async fn deep_nesting(ctx: Ctx) -> Outcome {
    let (c, _) = ctx.client().await?;
    for depth in [200, 500, 900] {
        let text = format!("{}\"leaf\"{}", "[".repeat(depth), "]".repeat(depth));
        let value: Value = juggler::json::from_str(&text, depth).map_err(|e| e.to_string())?;
        let echoed = c
            .send("echo", &value)
            .await
            .map_err(|e| format!("{depth} levels: {e}"))?;
        check(
            echoed == value,
            format!("{depth} levels echoed differently"),
        )?;
        c.send("state.set", json!({"path": ["deep"], "value": &value}))
            .await
            .map_err(|e| e.to_string())?;
        converge(&c, &json!({ "deep": &value })).await?;
    }
    Ok("200, 500 and 900 levels echoed and mirrored".into())
}

/// A client not told the generation tells it: the reference server says
/// nothing first (its state is `null`), so this is the 0.7 ping's path, and
/// a 0.6 reference server must take the refused ping without harm.
async fn detect_generation(ctx: Ctx) -> Outcome {
    for round in 0..2 {
        let mut builder = ClientBuilder::new(&ctx.url)
            .trust(ctx.trust.clone())
            .detect_generation(Duration::from_secs(10));
        if let Some((user, password)) = &ctx.auth {
            builder = builder.basic_auth(user, password);
        }
        let c = builder
            .connect()
            .await
            .map_err(|e| format!("connect {round}: {e}"))?;
        check(
            c.generation() == ctx.generation,
            format!(
                "told {:?}, the server is {:?}",
                c.generation(),
                ctx.generation
            ),
        )?;
        let value = json!({"round": round, "x": 0.1});
        c.send("state.set", json!({"path": [], "value": &value}))
            .await
            .map_err(|e| e.to_string())?;
        converge(&c, &value).await?;
        let echoed = c
            .send("echo", json!([round]))
            .await
            .map_err(|e| e.to_string())?;
        check(echoed == json!([round]), format!("echo gave {echoed}"))?;
    }
    Ok(format!("{:?} told twice, then used", ctx.generation))
}

fn scenarios() -> Vec<(&'static str, Scenario)> {
    vec![
        ("ping", |c| Box::pin(ping(c))),
        ("echo", |c| Box::pin(echo(c))),
        ("not_implemented", |c| Box::pin(not_implemented(c))),
        ("state_set", |c| Box::pin(state_set(c))),
        ("state_burst", |c| Box::pin(state_burst(c))),
        ("notify_burst", |c| Box::pin(notify_burst(c))),
        ("big_notify", |c| Box::pin(big_notify(c))),
        ("pipelined", |c| Box::pin(pipelined(c))),
        ("malformed_path", |c| Box::pin(malformed_path(c))),
        ("close", |c| Box::pin(close(c))),
        ("exact_numbers", |c| Box::pin(exact_numbers(c))),
        ("deep_nesting", |c| Box::pin(deep_nesting(c))),
        ("detect_generation", |c| Box::pin(detect_generation(c))),
    ]
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if args.list {
        for (name, _) in scenarios() {
            println!("{name}");
        }
        return;
    }
    let trust = match (args.ca_file, args.insecure) {
        (_, true) => Trust::AcceptAny,
        (Some(path), false) => Trust::CaFile(path),
        (None, false) => Trust::System,
    };
    let ctx = Ctx {
        url: args.url,
        generation: args.generation,
        trust,
        auth: args.user.zip(args.password),
    };
    let mut failed = 0;
    let mut ran = 0;
    for (name, run) in scenarios() {
        if args.only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        ran += 1;
        let outcome = tokio::time::timeout(Duration::from_secs(60), run(ctx.clone()))
            .await
            .unwrap_or_else(|_| Err("timed out after 60 s".into()));
        let (ok, detail) = match outcome {
            Ok(d) => (true, d),
            Err(d) => (false, d),
        };
        failed += usize::from(!ok);
        println!("{}", json!({"scenario": name, "ok": ok, "detail": detail}));
    }
    if ran == 0 {
        eprintln!("no scenario matched; see --list");
        std::process::exit(2);
    }
    std::process::exit(i32::from(failed > 0));
}
