//! `--wait SECONDS` (proxy, record, connect): a back end started together
//! with the studio (in CI) may not listen yet; it is tried again until it
//! does or the time is up, with a line on stderr now and then.

use std::time::{Duration, Instant};

use juggler::Generation;

use crate::cli::ClientArgs;

/// How often a server not up yet is tried again.
const RETRY_EVERY: Duration = Duration::from_millis(500);
/// How often the wait says it still waits.
const SAY_EVERY: Duration = Duration::from_secs(5);

/// What to add to a connect error when the server may just not be up yet
/// and the user did not ask to wait: that `--wait` is for this.
pub fn hint(e: &juggler::Error, waited: bool) -> &'static str {
    match e.connect_failure() {
        Some(kind) if kind.is_transient() && !waited => {
            "; if the server is still starting, --wait SECONDS waits for it"
        }
        _ => "",
    }
}

/// Why a server could not be reached, and whether waiting could help.
pub struct NotUp {
    pub reason: String,
    /// Trying again cannot help (refused credentials, a certificate, a
    /// wrong path): the URL or the options must change.
    pub permanent: bool,
}

/// Connects to `url` until it answers, for up to `wait` (none: once);
/// the generation it speaks. The connection is closed again: the caller
/// makes its own.
pub async fn until_up(
    url: &str,
    client: &ClientArgs,
    wait: Option<Duration>,
) -> Result<Generation, NotUp> {
    let shown = juggler::client::redacted(url);
    let start = Instant::now();
    let mut said: Option<Instant> = None;
    loop {
        let left = wait.unwrap_or_default().saturating_sub(start.elapsed());
        // A host that drops packets would hang a connect: it gets what is
        // left of the wait (and a moment at least).
        let attempt = tokio::time::timeout(
            left.max(Duration::from_secs(10)),
            client.builder(url).connect(),
        );
        let failed = match attempt.await {
            Ok(Ok(c)) => {
                let generation = c.generation();
                c.close();
                if said.is_some() {
                    eprintln!(
                        "{shown} is up (after {:.1} s)",
                        start.elapsed().as_secs_f64()
                    );
                }
                return Ok(generation);
            }
            Ok(Err(e)) => studio::remote::failure(&studio::Error::from(e)),
            Err(_) => studio::remote::Failure {
                reason: "no answer to the connection".into(),
                permanent: false,
            },
        };
        let left = wait.unwrap_or_default().saturating_sub(start.elapsed());
        if failed.permanent || left.is_zero() {
            if let Some(wait) = wait.filter(|_| !failed.permanent) {
                return Err(NotUp {
                    reason: format!(
                        "{} (still, after waiting {} s)",
                        failed.reason,
                        tenths(wait)
                    ),
                    permanent: false,
                });
            }
            return Err(NotUp {
                reason: failed.reason,
                permanent: failed.permanent,
            });
        }
        match said {
            None => eprintln!(
                "waiting for {shown} (up to {} s more): {}",
                tenths(left),
                failed.reason
            ),
            Some(at) if at.elapsed() >= SAY_EVERY => eprintln!(
                "still waiting for {shown} ({} s left): {}",
                tenths(left),
                failed.reason
            ),
            Some(_) => {}
        }
        if said.is_none_or(|at| at.elapsed() >= SAY_EVERY) {
            said = Some(Instant::now());
        }
        tokio::select! {
            _ = tokio::time::sleep(RETRY_EVERY.min(left)) => {}
            _ = crate::shutdown_signal() => {
                return Err(NotUp {
                    reason: format!("stopped while waiting for {shown}"),
                    permanent: true,
                });
            }
        }
    }
}

/// `--wait SECONDS` as a duration: a number of seconds, 0 or more.
pub fn parse_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("{text:?}: give a number of seconds, e.g. 30"))?;
    Duration::try_from_secs_f64(seconds)
        .map_err(|_| format!("{text}: give a number of seconds, 0 or more"))
}

/// With `--wait`, waits until `url` is up (see [`until_up`]); at once
/// without it.
pub async fn if_asked(url: &str, client: &ClientArgs) -> Result<(), String> {
    let Some(wait) = client.wait else {
        return Ok(());
    };
    let shown = juggler::client::redacted(url);
    until_up(url, client, Some(wait))
        .await
        .map(drop)
        .map_err(|e| {
            // The client's error may name the URL already.
            if e.reason.contains(shown.as_str()) {
                e.reason
            } else {
                format!("cannot connect to {shown}: {}", e.reason)
            }
        })
}

/// Seconds to a tenth: 1.2, 30.
fn tenths(d: Duration) -> f64 {
    (d.as_secs_f64() * 10.0).round() / 10.0
}
