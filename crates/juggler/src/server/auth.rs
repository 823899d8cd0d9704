//! HTTP Basic authentication against an htpasswd file.
//!
//! The reference server (`hat-juggler`) accepts only `$apr1$` (Apache MD5)
//! lines and checks them by running `openssl passwd -apr1 -salt SALT`. This
//! module computes apr1-MD5 itself and also accepts bcrypt (`$2y$`, `$2b$`
//! and `$2a$`, as written by `htpasswd -B`). Any other kind of line is refused
//! when the file is loaded, not when someone logs in.
//!
//! Verifying a password takes CPU time: about 1000 MD5 rounds for apr1, and
//! anywhere from milliseconds to seconds for bcrypt, depending on its cost.
//! Call [`Htpasswd::verify`] and [`Htpasswd::check_header`] off the async
//! runtime (e.g. in `tokio::task::spawn_blocking`). Once a password has been
//! verified, a digest of it is cached for that user, so later requests with
//! the same credentials are cheap.

use std::collections::HashMap;
use std::collections::hash_map::{Entry as MapEntry, RandomState};
use std::fmt;
use std::hash::{BuildHasher as _, Hasher as _};
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use md5::{Digest as _, Md5};
use subtle::ConstantTimeEq as _;

use crate::{Error, Result};

/// Prefix of Apache's MD5 scheme; the algorithm also hashes it.
const APR1_MAGIC: &str = "$apr1$";
/// Longest apr1 salt, in bytes; longer salts are cut to this length.
const APR1_SALT_MAX: usize = 8;
/// Length of the encoded apr1 checksum.
const APR1_CHECKSUM_LEN: usize = 22;
/// The crypt(3) base-64 alphabet (used by apr1 and, reordered, bcrypt).
const ITOA64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// `openssl passwd` (what the reference runs) hashes only this many bytes.
const OPENSSL_PASSWORD_MAX: usize = 256;
/// Longer apr1 passwords are checked by their first
/// [`OPENSSL_PASSWORD_MAX`] bytes only, as `openssl passwd` would: this
/// bounds the work (1000 rounds over the password) that one request can cost.
const APR1_FULL_MAX: usize = 1024;
/// Lowest and highest cost that the bcrypt crate accepts.
const BCRYPT_COST: std::ops::RangeInclusive<u32> = 4..=31;
/// How to fix a line whose hash we cannot use.
const REGENERATE: &str = "regenerate the line with `htpasswd -B FILE USER` (bcrypt) \
                          or `openssl passwd -apr1` (apr1-MD5)";

/// Decodes the credentials of a Basic `Authorization` header: the standard
/// alphabet, with or without the `=` padding.
const BASIC_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The users and password hashes of an htpasswd file, to check HTTP Basic
/// credentials against.
///
/// Only apr1-MD5 (`$apr1$`, from `openssl passwd -apr1` or `htpasswd -m`) and
/// bcrypt (`$2y$`/`$2b$`/`$2a$`, from `htpasswd -B`) hashes are accepted.
/// The value is immutable apart from an internal cache of verified
/// passwords, so it can be shared between connections behind an `Arc`.
pub struct Htpasswd {
    /// User name to its hash, plus the cache of its last verified password.
    entries: HashMap<String, Entry>,
    /// The hash of the first user, checked (and the result thrown away) when
    /// someone logs in as an unknown user, so that an unknown user takes
    /// about as long to refuse as a wrong password.
    decoy: Option<Hash>,
    /// Random per-instance key of the cache digests.
    cache_key: [u8; 16],
}

/// One user of the file.
struct Entry {
    /// The hash from the file.
    hash: Hash,
    /// A keyed MD5 digest of the last password that verified (never the
    /// password itself), to skip the slow hash on the next request.
    verified: Mutex<Option<[u8; 16]>>,
}

/// A parsed, supported password hash.
#[derive(Clone)]
enum Hash {
    /// Apache MD5: `$apr1$SALT$CHECKSUM`.
    Apr1 {
        /// At most 8 bytes, without `$`.
        salt: String,
        /// 22 characters of [`ITOA64`].
        checksum: [u8; APR1_CHECKSUM_LEN],
    },
    /// bcrypt, the whole `$2?$NN$...` string as the bcrypt crate wants it.
    Bcrypt(String),
}

impl Htpasswd {
    /// Reads and parses the htpasswd file at `path` (see [`Htpasswd::parse`]).
    ///
    /// A file that cannot be read is an [`Error::Io`] naming the path; a file
    /// that is not UTF-8 or has a line that cannot be used is an
    /// [`Error::Config`] naming the path and the line.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|error| {
            Error::Io(std::io::Error::new(
                error.kind(),
                format!("cannot read htpasswd file {}: {error}", path.display()),
            ))
        })?;
        let text = String::from_utf8(bytes).map_err(|error| {
            let valid = error.utf8_error().valid_up_to();
            let line = 1 + error.as_bytes()[..valid]
                .iter()
                .filter(|&&byte| byte == b'\n')
                .count();
            Error::Config(format!(
                "htpasswd file {}, line {line}: not valid UTF-8",
                path.display()
            ))
        })?;
        Self::parse_lines(&text).map_err(|message| {
            Error::Config(format!("htpasswd file {}, {message}", path.display()))
        })
    }

    /// Parses the text of an htpasswd file: one `user:hash` per line.
    ///
    /// Blank lines and lines starting with `#` are skipped; surrounding
    /// whitespace (including a `\r` before the newline) is ignored. A line
    /// with no `:`, an empty user, a user listed twice, or a hash that is not
    /// a well-formed apr1-MD5 or bcrypt hash is an [`Error::Config`] naming
    /// the line number (and the user, when there is one). A file with no
    /// users parses, but then nobody can log in: see [`Htpasswd::users`].
    pub fn parse(text: &str) -> Result<Self> {
        Self::parse_lines(text).map_err(|message| Error::Config(format!("htpasswd {message}")))
    }

    /// Whether `password` is the password of `user`.
    ///
    /// False for an unknown user. Can take long (bcrypt) the first time a
    /// password is checked: see the [module documentation](self).
    pub fn verify(&self, user: &str, password: &str) -> bool {
        self.verify_bytes(user, password.as_bytes())
    }

    /// Checks an `Authorization` header value ("Basic base64(user:pass)").
    ///
    /// False when there is no header, when its scheme is not `Basic` (in any
    /// case), when the credentials are not base64 or have no `:`, when the
    /// user name is not UTF-8, and when [`Htpasswd::verify`] would be false.
    /// The password is compared as the raw bytes the client sent (UTF-8 for
    /// browsers and curl), the user name is split off at the first `:`.
    pub fn check_header(&self, header: Option<&str>) -> bool {
        match header.and_then(parse_basic) {
            Some((user, password)) => self.verify_bytes(&user, &password),
            None => false,
        }
    }

    /// How many users the file defines.
    pub fn users(&self) -> usize {
        self.entries.len()
    }

    /// [`Htpasswd::verify`] for a password that need not be UTF-8.
    fn verify_bytes(&self, user: &str, password: &[u8]) -> bool {
        let Some(entry) = self.entries.get(user) else {
            if let Some(decoy) = &self.decoy {
                std::hint::black_box(decoy.matches(password));
            }
            return false;
        };
        let digest = self.cache_digest(password);
        let cached = *lock(&entry.verified);
        if cached.is_some_and(|cached| bool::from(cached[..].ct_eq(&digest[..]))) {
            return true;
        }
        // Not under the lock: bcrypt can take long.
        if !entry.hash.matches(password) {
            return false;
        }
        *lock(&entry.verified) = Some(digest);
        true
    }

    /// The cache's digest of a password: MD5 keyed with a random key.
    fn cache_digest(&self, password: &[u8]) -> [u8; 16] {
        Md5::new()
            .chain_update(self.cache_key)
            .chain_update(password)
            .finalize()
            .into()
    }

    /// [`Htpasswd::parse`], with errors as "line N...: what is wrong".
    fn parse_lines(text: &str) -> std::result::Result<Self, String> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut entries: HashMap<String, (usize, Entry)> = HashMap::new();
        let mut first: Option<String> = None;
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((user, hash)) = line.split_once(':') else {
                return Err(format!("line {number}: expected `user:hash`, found no `:`"));
            };
            if user.is_empty() {
                return Err(format!("line {number}: empty user name before the `:`"));
            }
            let hash = parse_hash(hash)
                .map_err(|problem| format!("line {number}, user {user:?}: {problem}"))?;
            match entries.entry(user.to_owned()) {
                MapEntry::Occupied(previous) => {
                    return Err(format!(
                        "line {number}, user {user:?}: already defined on line {}; \
                         keep only one of the two lines",
                        previous.get().0
                    ));
                }
                MapEntry::Vacant(slot) => {
                    slot.insert((
                        number,
                        Entry {
                            hash,
                            verified: Mutex::new(None),
                        },
                    ));
                }
            }
            first.get_or_insert_with(|| user.to_owned());
        }
        let decoy = first
            .and_then(|user| entries.get(&user))
            .map(|(_, entry)| entry.hash.clone());
        Ok(Self {
            entries: entries
                .into_iter()
                .map(|(user, (_, entry))| (user, entry))
                .collect(),
            decoy,
            cache_key: random_key(),
        })
    }
}

impl fmt::Debug for Htpasswd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bcrypt = self
            .entries
            .values()
            .filter(|entry| matches!(entry.hash, Hash::Bcrypt(_)))
            .count();
        f.debug_struct("Htpasswd")
            .field("users", &self.entries.len())
            .field("apr1", &(self.entries.len() - bcrypt))
            .field("bcrypt", &bcrypt)
            .finish_non_exhaustive()
    }
}

impl Hash {
    /// Whether `password` hashes to this hash.
    fn matches(&self, password: &[u8]) -> bool {
        match self {
            Self::Apr1 { salt, checksum } => {
                let check = |password: &[u8]| {
                    bool::from(apr1_checksum(password, salt)[..].ct_eq(&checksum[..]))
                };
                // `openssl passwd`, which made the line (and which the
                // reference verifies with), hashes only the first 256 bytes;
                // `htpasswd -m` hashes them all.
                (password.len() <= APR1_FULL_MAX && check(password))
                    || (password.len() > OPENSSL_PASSWORD_MAX
                        && check(&password[..OPENSSL_PASSWORD_MAX]))
            }
            // Like every bcrypt, only the first 72 bytes count.
            Self::Bcrypt(hash) => bcrypt::verify(password, hash).unwrap_or(false),
        }
    }
}

/// Parses the hash part of a line, or says what is wrong with it (without
/// quoting the hash).
fn parse_hash(hash: &str) -> std::result::Result<Hash, String> {
    if hash.is_empty() {
        return Err(format!("no password hash after the `:`; {REGENERATE}"));
    }
    if let Some(rest) = hash.strip_prefix(APR1_MAGIC) {
        return parse_apr1(rest)
            .ok_or_else(|| format!("malformed apr1-MD5 (`$apr1$`) hash; {REGENERATE}"));
    }
    if ["$2y$", "$2b$", "$2a$"]
        .iter()
        .any(|prefix| hash.starts_with(prefix))
    {
        return parse_bcrypt(hash).map(Hash::Bcrypt).ok_or_else(|| {
            format!(
                "malformed bcrypt (`{}`) hash; {REGENERATE}",
                hash.get(..4).unwrap_or_default()
            )
        });
    }
    Err(format!(
        "unsupported password hash ({}); only apr1-MD5 (`$apr1$`) and bcrypt \
         (`$2y$`, `$2b$`, `$2a$`) are supported; {REGENERATE}",
        describe_scheme(hash)
    ))
}

/// Parses `SALT$CHECKSUM` (after `$apr1$`).
fn parse_apr1(rest: &str) -> Option<Hash> {
    let (salt, checksum) = rest.split_once('$')?;
    if salt.len() > APR1_SALT_MAX || salt.contains(':') {
        return None;
    }
    let checksum: [u8; APR1_CHECKSUM_LEN] = checksum.as_bytes().try_into().ok()?;
    if !checksum.iter().all(|byte| ITOA64.contains(byte)) {
        return None;
    }
    Some(Hash::Apr1 {
        salt: salt.to_owned(),
        checksum,
    })
}

/// Checks `$2?$NN$` + 22 characters of salt + 31 of hash, with a cost and
/// an encoding that the bcrypt crate will accept when verifying.
fn parse_bcrypt(hash: &str) -> Option<String> {
    let (cost, rest) = hash.get(4..)?.split_once('$')?;
    if cost.len() != 2 || !cost.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    if !BCRYPT_COST.contains(&cost.parse().ok()?) || rest.len() != 53 || !rest.is_ascii() {
        return None;
    }
    let (salt, digest) = rest.split_at(22);
    let salt_ok = bcrypt::BASE_64.decode(salt).ok()?.len() == 16;
    let digest_ok = bcrypt::BASE_64.decode(digest).ok()?.len() == 23;
    (salt_ok && digest_ok).then(|| hash.to_owned())
}

/// Names the scheme of an unsupported hash, for the error message.
fn describe_scheme(hash: &str) -> &'static str {
    const KNOWN: &[(&str, &str)] = &[
        (
            "$1$",
            "MD5-crypt `$1$`, as from `openssl passwd -1`: use `-apr1`",
        ),
        (
            "$2x$",
            "bcrypt `$2x$`, the variant for the old buggy implementation",
        ),
        ("$2$", "bcrypt `$2$`, the original variant"),
        ("$5$", "SHA-256-crypt `$5$`"),
        ("$6$", "SHA-512-crypt `$6$`"),
        ("$y$", "yescrypt `$y$`"),
        ("$gy$", "gost-yescrypt `$gy$`"),
        ("$7$", "scrypt `$7$`"),
        ("$argon2", "Argon2"),
        ("{SHA}", "SHA-1 `{SHA}`, as from `htpasswd -s`"),
        ("{SSHA}", "salted SHA-1 `{SSHA}`"),
    ];
    KNOWN
        .iter()
        .find(|(prefix, _)| hash.starts_with(prefix))
        .map_or(
            "not a recognized scheme: DES crypt (`htpasswd -d`), plain text (`htpasswd -p`) or other",
            |(_, name)| name,
        )
}

/// The 22-character checksum of Apache's MD5 ("apr1") crypt, the algorithm
/// of `apr_md5_encode` (FreeBSD's MD5-crypt with the `$apr1$` magic).
fn apr1_checksum(password: &[u8], salt: &str) -> [u8; APR1_CHECKSUM_LEN] {
    let salt = salt.as_bytes();
    let salt = &salt[..salt.len().min(APR1_SALT_MAX)];

    let alternate = Md5::new()
        .chain_update(password)
        .chain_update(salt)
        .chain_update(password)
        .finalize();
    let mut context = Md5::new();
    context.update(password);
    context.update(APR1_MAGIC.as_bytes());
    context.update(salt);
    let mut left = password.len();
    while left > 0 {
        let take = left.min(16);
        context.update(&alternate[..take]);
        left -= take;
    }
    let mut bits = password.len();
    while bits != 0 {
        if bits & 1 == 1 {
            context.update([0]);
        } else {
            context.update(&password[..1]);
        }
        bits >>= 1;
    }
    let mut digest = context.finalize();

    for round in 0..1000 {
        let mut context = Md5::new();
        if round % 2 == 1 {
            context.update(password);
        } else {
            context.update(digest);
        }
        if round % 3 != 0 {
            context.update(salt);
        }
        if round % 7 != 0 {
            context.update(password);
        }
        if round % 2 == 1 {
            context.update(digest);
        } else {
            context.update(password);
        }
        digest = context.finalize();
    }

    let mut out = [0; APR1_CHECKSUM_LEN];
    let groups = [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)];
    for (slot, (a, b, c)) in out.chunks_exact_mut(4).zip(groups) {
        let value =
            (u32::from(digest[a]) << 16) | (u32::from(digest[b]) << 8) | u32::from(digest[c]);
        encode64(slot, value);
    }
    encode64(&mut out[20..], u32::from(digest[11]));
    out
}

/// Writes `value` as `out.len()` crypt base-64 characters, low bits first.
fn encode64(out: &mut [u8], mut value: u32) {
    for byte in out {
        *byte = ITOA64[(value & 0x3f) as usize];
        value >>= 6;
    }
}

/// Splits a Basic `Authorization` header value into user and password.
fn parse_basic(header: &str) -> Option<(String, Vec<u8>)> {
    let (scheme, credentials) = header.trim().split_once([' ', '\t'])?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let mut user = BASIC_BASE64.decode(credentials.trim_start()).ok()?;
    let colon = user.iter().position(|&byte| byte == b':')?;
    let password = user.split_off(colon + 1);
    user.truncate(colon);
    Some((String::from_utf8(user).ok()?, password))
}

/// Locks a cache slot; a panic elsewhere cannot leave it inconsistent.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// 128 random bits, from the OS-seeded keys of std's `RandomState`.
fn random_key() -> [u8; 16] {
    let mut key = [0; 16];
    for (index, half) in key.chunks_exact_mut(8).enumerate() {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_usize(index);
        half.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    key
}

#[cfg(test)]
#[path = "auth_tests.rs"]
mod tests;
