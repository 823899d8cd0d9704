//! Micro-benchmarks of the pure parts of `juggler` on large documents:
//! diff, patch, `path::set`/`remove` on a ~10.8 MB document, what a late
//! joiner's client does with the whole document (decode, patch of the
//! root), and message decode/encode of a typical request and of a 1 MB
//! notification.
//!
//! `cargo bench -p bench --bench pure`

use std::hint::black_box;

use bench::docgen;
use criterion::{BatchSize, Criterion, criterion_main};
use juggler::path::{self, Step};
use juggler::{Message, Path};
use serde_json::{Value, json};

fn leaf_steps() -> Vec<Step> {
    let idx = docgen::leaf_index(docgen::FULL_OBJECTS);
    vec![Step::from("items"), Step::from(idx), Step::from("name")]
}

fn big_docs(c: &mut Criterion) {
    let doc = docgen::document(docgen::FULL_OBJECTS);
    let pointer = docgen::leaf_pointer(docgen::FULL_OBJECTS);
    let mut changed = doc.clone();
    if let Some(leaf) = changed.pointer_mut(&pointer) {
        *leaf = Value::from(docgen::LEAF_VALUE);
    }
    let mut g = c.benchmark_group("10.8MB doc");
    g.sample_size(20);

    g.bench_function("diff::diff, one leaf differs", |b| {
        b.iter(|| black_box(juggler::diff::diff(black_box(&doc), black_box(&changed))))
    });

    // What `Storage::set` of the whole document costs beyond its diff
    // when it copies the value to diff it outside its lock.
    g.bench_function("Value::clone of the document", |b| {
        b.iter(|| black_box(black_box(&changed).clone()))
    });

    let mut target = doc.clone();
    let mut flip = false;
    g.bench_function("diff::patch, one replace op", |b| {
        b.iter_batched(
            || {
                flip = !flip;
                let v = if flip {
                    docgen::LEAF_VALUE
                } else {
                    "item-other"
                };
                json!([{"op": "replace", "path": pointer, "value": v}])
            },
            |diff| juggler::diff::patch(&mut target, diff),
            BatchSize::SmallInput,
        )
    });

    // What a late joiner's client does with its first message.
    g.sample_size(10);
    g.bench_function("diff::patch, replace the root with the document", |b| {
        b.iter_batched(
            || {
                (
                    Value::Null,
                    json!([{"op": "replace", "path": "", "value": doc.clone()}]),
                )
            },
            |(mut target, diff)| {
                let r = juggler::diff::patch(&mut target, diff);
                (target, r)
            },
            BatchSize::LargeInput,
        )
    });
    let state_text = Message::State {
        diff: json!([{"op": "replace", "path": "", "value": doc.clone()}]),
    }
    .encode();
    g.bench_function("Message::decode of the late joiner's state message", |b| {
        b.iter(|| black_box(Message::decode(black_box(&state_text))))
    });
    g.sample_size(20);

    let steps = leaf_steps();
    let mut target = doc.clone();
    let mut n = 0u64;
    g.bench_function("path::set, one leaf", |b| {
        b.iter(|| {
            n += 1;
            black_box(path::set(&mut target, &steps, Value::from(n)))
        })
    });

    let tags = {
        let mut s = leaf_steps();
        s.pop();
        s.push(Step::from("tags"));
        s
    };
    let tags_value = doc
        .pointer(&format!(
            "/items/{}/tags",
            docgen::leaf_index(docgen::FULL_OBJECTS)
        ))
        .cloned()
        .unwrap_or(Value::Null);
    let mut target = doc.clone();
    g.bench_function("path::remove of a member, then set back", |b| {
        b.iter(|| {
            black_box(path::remove(&mut target, &tags));
            black_box(path::set(&mut target, &tags, tags_value.clone()))
        })
    });

    let whole_leaf = Path(leaf_steps());
    g.bench_function("Path::from_json + path::get", |b| {
        let json = whole_leaf.to_json();
        b.iter(|| {
            let p = Path::from_json(black_box(&json)).ok();
            black_box(p.and_then(|p| path::get(&doc, p.steps()).cloned()))
        })
    });
    g.finish();
}

fn messages(c: &mut Criterion) {
    let request_text = r#"{"type":"request","id":12345,"name":"state.set","data":{"path":["a","b",3],"value":{"x":1.5,"y":"text","z":[true,null]}}}"#;
    let request = Message::decode(request_text).ok();
    // About 1 MB: 10,000 records of the document.
    let payload = docgen::document(10_000);
    let notify = Message::Notify {
        name: "n".into(),
        data: payload.clone(),
    };
    let notify_text = notify.encode();

    let mut g = c.benchmark_group("message");
    g.bench_function("decode, typical request", |b| {
        b.iter(|| black_box(Message::decode(black_box(request_text))))
    });
    g.bench_function("encode, typical request", |b| {
        b.iter(|| black_box(request.as_ref().map(Message::encode)))
    });
    g.sample_size(30);
    g.bench_function(
        format!("decode, notify of {} bytes", notify_text.len()),
        |b| b.iter(|| black_box(Message::decode(black_box(&notify_text)))),
    );
    g.bench_function(
        format!("encode, notify of {} bytes", notify_text.len()),
        |b| b.iter(|| black_box(notify.encode())),
    );
    g.bench_function(
        format!("encode_notify (no clone), {} bytes", notify_text.len()),
        |b| b.iter(|| black_box(Message::encode_notify("n", black_box(&payload)))),
    );
    g.finish();
}

mod group {
    // In a private module: the function the macro writes has no doc comment.
    use super::{big_docs, messages};
    use criterion::criterion_group;
    criterion_group!(benches, big_docs, messages);
}
criterion_main!(group::benches);
