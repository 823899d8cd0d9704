//! Numbers and nesting pass through exactly: every float a peer sends comes
//! back as the same double (and the same text), integers of any size stay
//! integers with every digit, and values nested 1,000 deep are answered —
//! through our server and our client, in both generations.

mod common;

use std::time::Duration;

use common::{WAIT, converged, next_conn, serve, within};
use futures_util::{SinkExt, StreamExt};
use juggler::server::{HandlerError, ServerBuilder};
use juggler::transport::Incoming;
use juggler::{Client, ClientBuilder, Generation, Server, TransportConfig};
use proptest::prelude::*;
use serde_json::{Number, Value, json};
use tokio_tungstenite::tungstenite::Message as Frame;

const GENERATIONS: [Generation; 2] = [Generation::V06, Generation::V07];

/// A server that echoes `echo` requests and sets its state on `set`.
async fn echo_server(generation: Generation) -> Server {
    let (server, _conns) = serve(
        ServerBuilder::new()
            .generation(generation)
            .autoflush(Some(Duration::ZERO))
            .on_request(|conn, name, data| async move {
                match name.as_str() {
                    "echo" => Ok(data),
                    "set" => {
                        conn.state().set(juggler::Path::root(), data);
                        Ok(Value::Null)
                    }
                    _ => Err(HandlerError::from("unknown request")),
                }
            }),
    )
    .await;
    server
}

async fn our_client(server: &Server) -> Client {
    ClientBuilder::new(server.url())
        .generation(server.config().transport.generation)
        .connect()
        .await
        .expect("connect")
}

/// One juggler message over a raw WebSocket, in the server's generation;
/// returns the text of the first response.
async fn raw_round_trip(server: &Server, message: &str) -> String {
    let texts = raw_messages(server, message).await;
    texts.last().cloned().unwrap_or_default()
}

/// One juggler message over a raw WebSocket, in the server's generation;
/// returns the texts of the messages received up to the first response.
async fn raw_messages(server: &Server, message: &str) -> Vec<String> {
    let generation = server.config().transport.generation;
    let (mut ws, _) = tokio_tungstenite::connect_async(server.url())
        .await
        .expect("connect");
    let frame = match generation {
        Generation::V06 => message.to_owned(),
        Generation::V07 => format!("0{message}"),
    };
    ws.send(Frame::text(frame)).await.expect("send");
    let mut texts = Vec::new();
    // Reassembles 0.7 segments (a big state comes in several).
    let mut decoder = juggler::transport::Decoder::new(generation, usize::MAX);
    within(async {
        loop {
            match ws.next().await {
                Some(Ok(Frame::Text(t))) => {
                    let Ok(Incoming::Message(body)) = decoder.feed(t.as_str()) else {
                        continue;
                    };
                    let done = body.starts_with("{\"type\":\"response\"");
                    texts.push(body);
                    if done {
                        return texts;
                    }
                }
                Some(Ok(_)) => continue,
                other => panic!("no response: {other:?}"),
            }
        }
    })
    .await
}

fn finite(bits: u64) -> Option<f64> {
    let f = f64::from_bits(bits);
    f.is_finite().then_some(f)
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Random bit patterns (every exponent, subnormals, -0.0): the double
    /// that comes back, echoed and mirrored as state, has the same bits.
    #[test]
    fn random_doubles_come_back_with_the_same_bits(bits in prop::collection::vec(any::<u64>(), 1..200)) {
        let floats: Vec<f64> = bits.into_iter().filter_map(finite).collect();
        block_on(async {
            for generation in GENERATIONS {
                let server = echo_server(generation).await;
                let c = our_client(&server).await;
                let sent = Value::Array(floats.iter().map(|f| json!(f)).collect());
                let echoed = within(c.send("echo", sent.clone())).await.expect("echo");
                within(c.send("set", sent.clone())).await.expect("set");
                converged(&c, &sent).await;
                let mirrored = c.state().data();
                for (i, f) in floats.iter().enumerate() {
                    for got in [&echoed[i], &mirrored[i]] {
                        let back = got.as_f64().expect("a number");
                        assert_eq!(back.to_bits(), f.to_bits(), "{f:e} came back as {got}");
                    }
                }
                server.shutdown().await;
            }
        });
    }

    /// Integers of any size (beyond 64 and 128 bits too) keep every digit.
    #[test]
    fn integers_of_any_size_keep_every_digit(
        small in any::<i64>(),
        wide in any::<i128>(),
        digits in "[1-9][0-9]{0,120}",
        negative in any::<bool>(),
    ) {
        let big = if negative { format!("-{digits}") } else { digits };
        let texts = [small.to_string(), wide.to_string(), u128::MAX.to_string(), big];
        block_on(async {
            for generation in GENERATIONS {
                let server = echo_server(generation).await;
                let c = our_client(&server).await;
                let sent: Value = serde_json::from_str(&format!("[{}]", texts.join(","))).expect("json");
                let echoed = within(c.send("echo", sent.clone())).await.expect("echo");
                assert_eq!(echoed.to_string(), sent.to_string());
                for (got, text) in echoed.as_array().expect("array").iter().zip(&texts) {
                    let Value::Number(n) = got else { panic!("{text} came back as {got}") };
                    assert_eq!(n.as_str(), text);
                }
                server.shutdown().await;
            }
        });
    }
}

/// The texts the reference's peers write (Python's `repr`, JavaScript's
/// `String(number)`) come back character for character. (serde_json writes
/// an exponent's sign always, `1E16` comes back as `1e+16`: the same
/// double, in the form Python and JavaScript write.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn number_texts_pass_through_unchanged() {
    let texts = [
        "123456789.12345679",
        "0.9424502837770503",
        "0.1",
        "1e+16",
        "1.5e-07",
        "5e-324",
        "2.2250738585072014e-308",
        "1.7976931348623157e+308",
        "-0.0",
        "0",
        "-0",
        "9007199254740993",
        "18446744073709551616",
        "-170141183460469231731687303715884105729",
        "1234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890",
    ];
    for generation in GENERATIONS {
        let server = echo_server(generation).await;
        let data = format!("[{}]", texts.join(","));
        let request = format!(r#"{{"type":"request","id":1,"name":"echo","data":{data}}}"#);
        let answer = raw_round_trip(&server, &request).await;
        let expect = format!(r#"{{"type":"response","id":1,"success":true,"data":{data}}}"#);
        assert_eq!(answer, expect, "{generation:?}");
        let answer = raw_round_trip(
            &server,
            r#"{"type":"request","id":2,"name":"echo","data":[1E16,2e-7]}"#,
        )
        .await;
        assert!(answer.ends_with("[1e+16,2e-7]}"), "{answer}");
        server.shutdown().await;
    }
}

/// A big value (read by the crate's own parser, and passed on from the
/// text it came in) reaches the clients as exactly the text serde_json
/// writes for it: every number as it was sent, escapes as serde_json
/// writes them; text with spaces or other escapes is written anew.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_state_passes_on_exactly() {
    let numbers = "[123456789.12345679,0.9424502837770503,1e+16,-0,\
                   18446744073709551616,1234567890123456789012345678901234567890]";
    let record = |i: usize| format!(r#"{{"id":{i},"name":"item-{i} \"q\" é\n","n":{numbers}}}"#);
    let items: Vec<String> = (0..2_000).map(record).collect();
    let compact = format!(r#"{{"items":[{}],"m":{{"k":null}}}}"#, items.join(","));
    let spaced = format!(r#"{{ "items" : [{}], "m":{{"k":null}}}}"#, items.join(", "));
    let escaped = compact.replacen("item-1 ", "\\u0069tem-1 ", 1);
    assert!(compact.len() > 100_000);
    for generation in GENERATIONS {
        let server = echo_server(generation).await;
        let client = our_client(&server).await;
        for (n, text) in [&compact, &spaced, &escaped].into_iter().enumerate() {
            let expect = serde_json::from_str::<Value>(text)
                .expect("json")
                .to_string();
            let request = format!(r#"{{"type":"request","id":{n},"name":"set","data":{text}}}"#);
            let messages = raw_messages(&server, &request).await;
            let state = format!(
                r#"{{"type":"state","diff":[{{"op":"replace","path":"","value":{expect}}}]}}"#
            );
            assert!(messages.contains(&state), "{generation:?} {n}");
            if n == 0 {
                assert_eq!(expect, compact, "compact text is serde_json's own");
            }
            // Our client sends it compact and mirrors it from the state.
            let value: Value = serde_json::from_str(text).expect("json");
            within(client.send("set", value.clone()))
                .await
                .expect("set");
            converged(&client, &value).await;
            assert_eq!(client.state().data().to_string(), expect);
        }
        client.close();
        server.shutdown().await;
    }
}

fn nested(depth: usize) -> Value {
    let text = format!("{}1.25{}", "[".repeat(depth), "]".repeat(depth));
    juggler::json::from_str(&text, depth).expect("nested JSON")
}

/// A request nested 1,000 levels deep (which the reference answers) is
/// answered, and a state that deep reaches the client, on a runtime's
/// worker threads as they are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_nested_1000_deep_are_answered_and_mirrored() {
    for generation in GENERATIONS {
        let server = echo_server(generation).await;
        let c = our_client(&server).await;
        for depth in [129, 500, 1_000] {
            let value = nested(depth);
            let echoed = within(c.send("echo", value.clone())).await.expect("echo");
            assert!(echoed == value, "{generation:?}: {depth} levels echoed");
            within(c.send("set", value.clone())).await.expect("set");
            converged(&c, &value).await;
        }
        assert!(c.is_open());
        server.shutdown().await;
    }
}

/// Beyond the bound, only that connection closes, with the reason; the
/// bound is a setting of both ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deeper_than_the_bound_closes_only_that_connection() {
    for generation in GENERATIONS {
        let (server, mut conns) = serve(
            ServerBuilder::new()
                .generation(generation)
                .autoflush(Some(Duration::ZERO))
                .max_depth(300)
                .on_request(|_, _, data| async move { Ok(data) }),
        )
        .await;
        let good = our_client(&server).await;
        let _good_conn = next_conn(&mut conns).await;
        let bad = our_client(&server).await;
        let bad_conn = next_conn(&mut conns).await;
        let _ = within(bad.send("echo", nested(400))).await;
        within(bad_conn.wait_closed()).await;
        let reason = within(async {
            bad.wait_closed().await;
            bad.close_reason()
        })
        .await;
        let reason = reason.unwrap_or_default();
        assert!(reason.contains("nested more than 300 levels"), "{reason}");
        let echoed = within(good.send("echo", nested(250))).await.expect("echo");
        assert_eq!(echoed, nested(250));
        server.shutdown().await;
    }
}

/// A client refuses a state nested deeper than its own bound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_has_its_own_bound() {
    let server = echo_server(Generation::V06).await;
    let transport = TransportConfig {
        max_depth: 200,
        ..TransportConfig::default()
    };
    let c = ClientBuilder::new(server.url())
        .transport(transport)
        .connect()
        .await
        .expect("connect");
    // The answer (`null`) comes after the state, which is too deep.
    let _ = tokio::time::timeout(WAIT, c.send("set", nested(250))).await;
    within(c.wait_closed()).await;
    let reason = c.close_reason().unwrap_or_default();
    assert!(reason.contains("nested more than 200 levels"), "{reason}");
    server.shutdown().await;
}

#[test]
fn number_of_digits_is_not_limited_by_64_bits() {
    let n: Number = serde_json::from_str("123456789012345678901234567890").expect("number");
    assert_eq!(n.as_str(), "123456789012345678901234567890");
}
