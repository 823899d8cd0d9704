//! Scenario 6: a big state set by a client, a late joiner, one leaf
//! changed, the whole state set again.

use super::*;

/// Clients connected to the shared state of scenario 6 besides the setter,
/// that must converge to the document it sets.
const BIG_STATE_OTHERS: usize = 4;

/// Scenario 6. A setter sets the whole shared state to the document; a
/// late joiner connects and mirrors it; then the setter changes one leaf
/// and the joiner mirrors that. Metrics: `doc_bytes`, `set_ms` (answer to
/// the set; ours sends the setter its new state first), `converge_ms`
/// (the set request to the last of [`BIG_STATE_OTHERS`] other connected
/// clients having the document), `join_ms` (connect
/// to mirror applied), `join_frame_ms` (connect to the state text arrived,
/// before the client parsed it), `join_bytes`, `leaf_ms` (request to the
/// joiner's mirror having the leaf), `leaf_frame_ms`,
/// `leaf_bytes` (state text that carried it), `leaf_messages`; the same
/// as `again_*` for the whole document set again with another leaf
/// changed (6d).
pub(super) async fn big_state(url: &str, doc: &BigDoc) -> Result<Metrics> {
    let mut m = Metrics::default();
    m.set("doc_bytes", doc.text.len() as f64);
    let mut setter = Peer::connect(url, Mirror::new()).await?;
    setter.ping().await?;
    let others = connect_peers(url, BIG_STATE_OTHERS, Mirror::new).await?;
    let mut watchers = JoinSet::new();
    for mut p in others {
        let target = doc.mirror_value.clone();
        watchers.spawn(async move {
            p.until(|p| p.mirror.value() == &target).await?;
            Ok::<_, Error>((p.last_state_at.unwrap_or_else(Instant::now), p))
        });
    }
    let start = Instant::now();
    let id = setter
        .send(
            "state.set",
            &format!("{{\"path\":[],\"value\":{}}}", doc.text),
        )
        .await?;
    let answer = setter.expect_answer(id, "null").await?;
    m.set("set_ms", ms(answer.at - start));
    setter
        .until(|p| p.mirror.value() == &doc.mirror_value)
        .await?;
    let mut last = start;
    // Held open (unread) to the end, like dashboards that stay connected.
    let mut others = Vec::with_capacity(BIG_STATE_OTHERS);
    while let Some(r) = watchers.join_next().await {
        let (at, p) = joined(r)?;
        last = last.max(at);
        others.push(p);
    }
    m.set("converge_ms", ms(last - start));

    let start = Instant::now();
    let mut joiner = Peer::connect(url, Mirror::new()).await?;
    joiner
        .until(|p| p.mirror.messages() > 0 && p.mirror.value() == &doc.mirror_value)
        .await?;
    let joined_at = joiner.last_state_at.unwrap_or_else(Instant::now);
    m.set("join_ms", ms(joined_at - start));
    let frame_at = joiner.last_state_frame_at.unwrap_or(joined_at);
    m.set("join_frame_ms", ms(frame_at - start));
    m.set("join_bytes", joiner.mirror.bytes() as f64);

    let pointer = docgen::leaf_pointer(doc.objects);
    let mut expected = doc.value.clone();
    set_leaf(&mut expected, &pointer, docgen::LEAF_VALUE)?;
    let data = json!({"path": docgen::leaf_path(doc.objects), "value": docgen::LEAF_VALUE});
    let change = Change {
        data: data.to_string(),
        pointer,
        value: docgen::LEAF_VALUE,
        keys: ["leaf_ms", "leaf_frame_ms", "leaf_bytes", "leaf_messages"],
        what: "the leaf change",
    };
    let joiner = change_reaches(&mut setter, joiner, change, &expected, &mut m).await?;

    // 6d: the whole document set again (at `[]`) with one more `name`
    // changed, as a back end that rebuilds its state does.
    let pointer = docgen::again_pointer(doc.objects);
    set_leaf(&mut expected, &pointer, docgen::AGAIN_VALUE)?;
    let change = Change {
        data: format!("{{\"path\":[],\"value\":{expected}}}"),
        pointer,
        value: docgen::AGAIN_VALUE,
        keys: [
            "again_ms",
            "again_frame_ms",
            "again_bytes",
            "again_messages",
        ],
        what: "the whole set again",
    };
    change_reaches(&mut setter, joiner, change, &expected, &mut m).await?;
    Ok(m)
}

fn set_leaf(doc: &mut Value, pointer: &str, value: &str) -> Result<()> {
    match doc.pointer_mut(pointer) {
        Some(leaf) => *leaf = Value::from(value),
        None => return Err(Error::Setup(format!("no leaf {pointer} in the document"))),
    }
    Ok(())
}

/// One `state.set` of scenario 6b or 6d, timed until it reaches the joiner.
struct Change {
    /// The request's data.
    data: String,
    /// The string leaf that holds `value` once the change arrived.
    pointer: String,
    value: &'static str,
    /// Metrics: request to the joiner applying the message that carried
    /// the change, to that message's text arriving, the state text the
    /// joiner got for it and the number of its messages.
    keys: [&'static str; 4],
    /// For a failed check.
    what: &'static str,
}

/// Sends `change` from the setter; the joiner's and the setter's mirrors
/// must then equal `doc`. Returns the joiner.
async fn change_reaches(
    setter: &mut Peer,
    mut joiner: Peer,
    change: Change,
    doc: &Value,
    m: &mut Metrics,
) -> Result<Peer> {
    let Change {
        data,
        pointer,
        value,
        keys: [ms_key, frame_key, bytes_key, messages_key],
        what,
    } = change;
    let (bytes0, messages0) = (joiner.mirror.bytes(), joiner.mirror.messages());
    let has_it = move |p: &Peer| p.mirror.pointer(&pointer).and_then(|v| v.as_str()) == Some(value);
    let watcher = {
        let has_it = has_it.clone();
        tokio::spawn(async move {
            joiner.until(has_it).await?;
            Ok::<_, Error>(joiner)
        })
    };
    let start = Instant::now();
    let id = setter.send("state.set", &data).await?;
    setter.expect_answer(id, "null").await?;
    setter.until(has_it).await?;
    let joiner = joined(watcher.await)?;
    let at = joiner.last_state_at.unwrap_or_else(Instant::now);
    m.set(ms_key, ms(at - start));
    let frame_at = joiner.last_state_frame_at.unwrap_or(at);
    m.set(frame_key, ms(frame_at - start));
    m.set(bytes_key, (joiner.mirror.bytes() - bytes0) as f64);
    m.set(messages_key, (joiner.mirror.messages() - messages0) as f64);
    let mirrored = to_mirror_value(doc);
    if joiner.mirror.value() != &mirrored {
        return check_failed(format!(
            "after {what} the joiner's mirror differs from the document"
        ));
    }
    if setter.mirror.value() != &mirrored {
        return check_failed(format!(
            "after {what} the setter's mirror differs from the document"
        ));
    }
    Ok(joiner)
}
