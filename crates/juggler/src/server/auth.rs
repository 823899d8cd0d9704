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
mod tests {
    use super::*;

    /// `(password, salt given to openssl, output of
    /// `openssl passwd -apr1 -salt SALT PASSWORD`)`, run with OpenSSL 3.0.19
    /// (the password as UTF-8 bytes).
    const APR1_OPENSSL: &[(&str, &str, &str)] = &[
        (
            "password",
            "abcdefgh",
            "$apr1$abcdefgh$FBwExRW4dCc8aL.OvjpIE1",
        ),
        ("secret", "x", "$apr1$x$12YdXEY0/hH4rDNkmZupO0"),
        (
            "pässwörd€",
            "12345678",
            "$apr1$12345678$MHxs02Nh3drkOBdWF2IQs0",
        ),
        (LONG, "./Zz09aA", "$apr1$./Zz09aA$lcN37Gf2IccfElT5SVBjE/"),
        // openssl cuts the salt to 8 characters.
        (
            "hunter2",
            "saltsaltX",
            "$apr1$saltsalt$r/QcFGT5pNL28bNkeDMHR.",
        ),
        ("", "sALt", "$apr1$sALt$Mbo35FPMOYhK1Km6grHTB/"),
        ("x", "", "$apr1$$jYtXyIcDHukcQfHjblNhq/"),
        ("pa:ss:word", "colon", "$apr1$colon$Wq8k3KQztLPsVjwaWz75A/"),
        (
            "0123456789abcdef",
            "16bytes",
            "$apr1$16bytes$XibtHQu6ZM2ypLkbwRxkt0",
        ),
        (
            "0123456789abcdefg",
            "17bytes",
            "$apr1$17bytes$vuYAow3fGqC2NbrJ1idQt/",
        ),
        ("hello world", "Zy1", "$apr1$Zy1$gOnVbbhCCKNSoyPn1LLuA0"),
    ];

    /// 88 bytes (more than 5 MD5 blocks of the alternate sum).
    const LONG: &str = "longpassword-0123456789-abcdefghijklmnopqrstuvwxyz-\
                        ABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789";

    /// `openssl passwd -apr1 -salt abc "$(printf 'a%.0s' {1..300})"`, which
    /// warns "truncating password to 256 characters" (the same hash comes
    /// out of `-stdin`, which the reference uses, without the warning).
    const APR1_A300: &str = "$apr1$abc$K8Tcvue0xyiRpfdSYLTnD1";
    /// The same with 255 `a`s: not cut.
    const APR1_A255: &str = "$apr1$abc$6oWDrHhstCJPQP0NyQI2k/";

    /// `(password, hash)` from Python 3.11's `crypt.crypt(password, SALT)`
    /// (libxcrypt), independent of the bcrypt crate. The first is also the
    /// classic test vector of Solar Designer's crypt_blowfish.
    const BCRYPT_LIBXCRYPT: &[(&str, &str)] = &[
        (
            "U*U",
            "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        ),
        (
            "correct horse battery staple",
            "$2y$05$abcdefghijklmnopqrstuuFiPhXf1sVd3pCCRO.uVh34H/qI/ZsuS",
        ),
        (
            "correct horse battery staple",
            "$2b$04$saltsaltsaltsaltsalt..hkHq8D0FI6/ou.LtUR65Jr3BCzqNzEy",
        ),
        (
            "pässwörd€",
            "$2b$04$ZZZZZZZZZZZZZZZZZZZZZet4q6HjbpIeMzSWpUmFDTCUEzNDp13dW",
        ),
        (
            "hunter2",
            "$2a$04$0123456789ABCDEFGHIJKeBC5MCgfLqREmZZicGTHs5TTFclrC8W6",
        ),
    ];

    /// `crypt.crypt("0123456789" * 8, "$2b$04$abcdefghijklmnopqrstuu")`; the
    /// same hash comes out for the first 72 bytes only.
    const BCRYPT_80: &str = "$2b$04$abcdefghijklmnopqrstuum2G75IXDN/xsgbNa/hCiPSKyIHQd70S";

    fn apr1_hash(password: &[u8], salt: &str) -> String {
        let salt = &salt[..salt.len().min(APR1_SALT_MAX)];
        let checksum = apr1_checksum(password, salt);
        format!(
            "{APR1_MAGIC}{salt}${}",
            std::str::from_utf8(&checksum).expect("ASCII")
        )
    }

    fn header(credentials: &[u8]) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        )
    }

    fn config_error(text: &str) -> String {
        match Htpasswd::parse(text) {
            Err(Error::Config(message)) => message,
            Err(other) => panic!("expected a config error, got {other:?}"),
            Ok(htpasswd) => panic!("expected a config error, parsed {htpasswd:?}"),
        }
    }

    #[test]
    fn is_send_sync_debug() {
        fn check<T: Send + Sync + fmt::Debug + 'static>() {}
        check::<Htpasswd>();
        check::<std::sync::Arc<Htpasswd>>();
    }

    #[test]
    fn apr1_matches_openssl() {
        for (password, salt, expected) in APR1_OPENSSL {
            assert_eq!(
                apr1_hash(password.as_bytes(), salt),
                *expected,
                "{password:?}"
            );
        }
    }

    #[test]
    fn apr1_verifies() {
        for (index, (password, _, hash)) in APR1_OPENSSL.iter().enumerate() {
            let htpasswd = Htpasswd::parse(&format!("user{index}:{hash}\n")).expect("parses");
            let user = format!("user{index}");
            assert!(htpasswd.verify(&user, password), "{password:?}");
            // twice: the second one from the cache
            assert!(htpasswd.verify(&user, password), "{password:?}");
            assert!(
                !htpasswd.verify(&user, &format!("{password}x")),
                "{password:?}"
            );
        }
    }

    #[test]
    fn apr1_long_password_is_cut_like_openssl() {
        let a = |n| "a".repeat(n);
        let htpasswd =
            Htpasswd::parse(&format!("cut:{APR1_A300}\nfull:{APR1_A255}")).expect("parses");
        assert!(htpasswd.verify("cut", &a(300)));
        assert!(htpasswd.verify("cut", &a(256)));
        assert!(htpasswd.verify("cut", &a(1000)));
        assert!(htpasswd.verify("cut", &a(1_000_000)));
        assert!(!htpasswd.verify("full", &a(1_000_000)));
        let header = header(format!("cut:{}", a(100_000)).as_bytes());
        assert!(htpasswd.check_header(Some(&header)));
        assert!(!htpasswd.verify("cut", &a(255)));
        assert!(htpasswd.verify("full", &a(255)));
        assert!(!htpasswd.verify("full", &a(256)));
        assert!(!htpasswd.verify("full", &a(254)));
    }

    #[test]
    fn bcrypt_verifies() {
        let text: String = BCRYPT_LIBXCRYPT
            .iter()
            .enumerate()
            .map(|(index, (_, hash))| format!("user{index}:{hash}\n"))
            .collect();
        let htpasswd = Htpasswd::parse(&text).expect("parses");
        assert_eq!(htpasswd.users(), BCRYPT_LIBXCRYPT.len());
        for (index, (password, _)) in BCRYPT_LIBXCRYPT.iter().enumerate() {
            let user = format!("user{index}");
            assert!(htpasswd.verify(&user, password), "{password:?}");
            assert!(htpasswd.verify(&user, password), "{password:?}");
            assert!(!htpasswd.verify(&user, "wrong"), "{password:?}");
            assert!(!htpasswd.verify(&user, &password[1..]), "{password:?}");
        }
    }

    #[test]
    fn bcrypt_counts_72_bytes() {
        let password = "0123456789".repeat(8);
        let htpasswd = Htpasswd::parse(&format!("long:{BCRYPT_80}")).expect("parses");
        assert!(htpasswd.verify("long", &password));
        assert!(htpasswd.verify("long", &password[..72]));
        assert!(!htpasswd.verify("long", &password[..71]));
    }

    #[test]
    fn bcrypt_from_the_crate() {
        let hash = bcrypt::hash("s3cr3t ünïcode", 4).expect("hashes");
        assert!(hash.starts_with("$2b$04$"));
        let htpasswd = Htpasswd::parse(&format!("crate:{hash}")).expect("parses");
        assert!(htpasswd.verify("crate", "s3cr3t ünïcode"));
        assert!(!htpasswd.verify("crate", "s3cr3t unicode"));
    }

    #[test]
    fn wrong_password_and_unknown_user() {
        let htpasswd = Htpasswd::parse(
            "alice:$apr1$abcdefgh$FBwExRW4dCc8aL.OvjpIE1\n\
             bob:$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW\n",
        )
        .expect("parses");
        assert!(htpasswd.verify("alice", "password"));
        assert!(!htpasswd.verify("alice", "Password"));
        assert!(!htpasswd.verify("alice", ""));
        assert!(!htpasswd.verify("alice", "U*U"));
        assert!(htpasswd.verify("bob", "U*U"));
        assert!(!htpasswd.verify("bob", "password"));
        assert!(!htpasswd.verify("carol", "password"));
        assert!(!htpasswd.verify("carol", "U*U"));
        assert!(!htpasswd.verify("", "password"));
        assert!(!htpasswd.verify("Alice", "password"));
    }

    #[test]
    fn cache_holds_a_digest_and_only_after_success() {
        let htpasswd =
            Htpasswd::parse("bob:$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW")
                .expect("parses");
        let slot = |htpasswd: &Htpasswd| *lock(&htpasswd.entries["bob"].verified);
        assert!(!htpasswd.verify("bob", "nope"));
        assert_eq!(slot(&htpasswd), None);
        assert!(htpasswd.verify("bob", "U*U"));
        let cached = slot(&htpasswd).expect("cached");
        assert_eq!(cached, htpasswd.cache_digest(b"U*U"));
        // keyed: not the bare MD5 of the password
        assert_ne!(cached, <[u8; 16]>::from(Md5::digest(b"U*U")));
        // a wrong password is still refused with a cached digest around
        assert!(!htpasswd.verify("bob", "U*U*"));
        assert_eq!(slot(&htpasswd), Some(cached));
        assert!(htpasswd.verify("bob", "U*U"));
        // another instance has another key
        let other =
            Htpasswd::parse("bob:$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW")
                .expect("parses");
        assert_ne!(other.cache_digest(b"U*U"), cached);
    }

    #[test]
    fn check_header_accepts_basic() {
        let htpasswd = Htpasswd::parse(
            "alice:$apr1$abcdefgh$FBwExRW4dCc8aL.OvjpIE1\n\
             jürgen:$apr1$12345678$MHxs02Nh3drkOBdWF2IQs0\n\
             colon:$apr1$colon$Wq8k3KQztLPsVjwaWz75A/\n\
             bob:$2y$05$abcdefghijklmnopqrstuuFiPhXf1sVd3pCCRO.uVh34H/qI/ZsuS\n",
        )
        .expect("parses");
        assert!(htpasswd.check_header(Some(&header(b"alice:password"))));
        assert!(htpasswd.check_header(Some("Basic YWxpY2U6cGFzc3dvcmQ=")));
        assert!(htpasswd.check_header(Some("basic YWxpY2U6cGFzc3dvcmQ=")));
        assert!(htpasswd.check_header(Some("BASIC   YWxpY2U6cGFzc3dvcmQ=  ")));
        assert!(htpasswd.check_header(Some("Basic\tYWxpY2U6cGFzc3dvcmQ")));
        assert!(htpasswd.check_header(Some(&header("jürgen:pässwörd€".as_bytes()))));
        assert!(htpasswd.check_header(Some(&header(b"colon:pa:ss:word"))));
        assert!(htpasswd.check_header(Some(&header(b"bob:correct horse battery staple"))));
        assert!(!htpasswd.check_header(Some(&header(b"bob:correct horse battery"))));
    }

    #[test]
    fn check_header_refuses_the_rest() {
        let htpasswd =
            Htpasswd::parse("alice:$apr1$abcdefgh$FBwExRW4dCc8aL.OvjpIE1").expect("parses");
        let refused = [
            String::new(),
            "Basic".to_owned(),
            "Basic ".to_owned(),
            // no "Basic "
            "YWxpY2U6cGFzc3dvcmQ=".to_owned(),
            "Bearer YWxpY2U6cGFzc3dvcmQ=".to_owned(),
            "BasicYWxpY2U6cGFzc3dvcmQ=".to_owned(),
            // bad base64
            "Basic YWxpY2U6cGFzc3dvcmQ=!".to_owned(),
            "Basic YWxp Y2U6cGFzc3dvcmQ=".to_owned(),
            "Basic %%%%".to_owned(),
            // no colon
            header(b"alicepassword"),
            header(b"alice"),
            // wrong password, unknown user, empty parts
            header(b"alice:Password"),
            header(b"alice:password "),
            header(b"alice:"),
            header(b":password"),
            header(b"carol:password"),
            header(b"alice :password"),
            // a user that is not UTF-8
            header(b"al\xffice:password"),
            // Latin-1 instead of UTF-8: a different password
            header(b"alice:p\xe4ssword"),
        ];
        assert!(!htpasswd.check_header(None));
        for value in &refused {
            assert!(!htpasswd.check_header(Some(value)), "{value:?}");
        }
    }

    #[test]
    fn parse_skips_blanks_and_comments() {
        let htpasswd = Htpasswd::parse(
            "\u{feff}# users of the test server\r\n\
             \r\n\
             alice:$apr1$abcdefgh$FBwExRW4dCc8aL.OvjpIE1\r\n\
             \t  \n\
             \x20 # indented comment: not a user\n\
             \x20 bob:$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW  \n\
             #carol:$apr1$abcdefgh$FBwExRW4dCc8aL.OvjpIE1",
        )
        .expect("parses");
        assert_eq!(htpasswd.users(), 2);
        assert!(htpasswd.verify("alice", "password"));
        assert!(htpasswd.verify("bob", "U*U"));
        assert!(!htpasswd.verify("#carol", "password"));
        assert!(!htpasswd.verify("carol", "password"));

        let empty = Htpasswd::parse("\n# nobody\n").expect("parses");
        assert_eq!(empty.users(), 0);
        assert!(!empty.verify("alice", "password"));
        assert!(!empty.check_header(Some(&header(b"alice:password"))));
    }

    #[test]
    fn parse_errors_name_line_and_user() {
        let ok = "alice:$apr1$abcdefgh$FBwExRW4dCc8aL.OvjpIE1\n";
        let cases: &[(&str, &[&str])] = &[
            ("# c\n\nnocolon\n", &["line 3", "`user:hash`"]),
            (
                ":$apr1$abcdefgh$FBwExRW4dCc8aL.OvjpIE1",
                &["line 1", "empty user"],
            ),
            (
                "bob:",
                &["line 1", "\"bob\"", "no password hash", "htpasswd -B"],
            ),
            (
                "bob:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=",
                &[
                    "line 1",
                    "\"bob\"",
                    "{SHA}",
                    "htpasswd -B",
                    "openssl passwd -apr1",
                ],
            ),
            (
                "bob:$1$abcdefgh$G//4keteveJp0qb8z2DxG/",
                &["MD5-crypt", "-apr1"],
            ),
            ("bob:$6$salt$abcdef", &["SHA-512"]),
            ("bob:plaintext", &["not a recognized scheme"]),
            ("bob:XXq2wKiyI43A2", &["DES"]),
            (
                "bob:$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
                &["$2x$"],
            ),
            // salt longer than 8
            (
                "bob:$apr1$abcdefghi$FBwExRW4dCc8aL.OvjpIE1",
                &["malformed apr1"],
            ),
            // checksum too short, too long, bad character, missing
            (
                "bob:$apr1$abcdefgh$FBwExRW4dCc8aL.OvjpIE",
                &["malformed apr1"],
            ),
            (
                "bob:$apr1$abcdefgh$FBwExRW4dCc8aL.OvjpIE1x",
                &["malformed apr1"],
            ),
            (
                "bob:$apr1$abcdefgh$FBwExRW4dCc8aL.OvjpIE!",
                &["malformed apr1"],
            ),
            ("bob:$apr1$abcdefgh", &["malformed apr1"]),
            // a second `:` field, as some tools write
            (
                "bob:$apr1$abcdefgh$FBwExRW4dCc8aL.OvjpIE1:group",
                &["malformed apr1"],
            ),
            // bcrypt: cost out of range, not two digits, too short, bad salt bits
            (
                "bob:$2y$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
                &["malformed bcrypt (`$2y$`)"],
            ),
            (
                "bob:$2b$5$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
                &["malformed bcrypt"],
            ),
            (
                "bob:$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe",
                &["malformed bcrypt"],
            ),
            (
                "bob:$2a$05$CCCCCCCCCCCCCCCCCCCCCCE5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
                &["malformed bcrypt"],
            ),
        ];
        for (text, needles) in cases {
            let message = config_error(&format!("{ok}{text}"));
            let message_line = config_error(text);
            for needle in *needles {
                assert!(
                    message_line.contains(needle),
                    "{message_line:?} lacks {needle:?}"
                );
            }
            // one line further down with `ok` in front
            let shifted = needles
                .first()
                .and_then(|first| first.strip_prefix("line "));
            if let Some(number) = shifted.and_then(|n| n.parse::<usize>().ok()) {
                assert!(
                    message.contains(&format!("line {}", number + 1)),
                    "{message:?}"
                );
            }
            assert!(message.starts_with("htpasswd line "), "{message:?}");
            // never the hash itself
            assert!(!message.contains("E5YPO9kmyuRGyh0"), "{message:?}");
            assert!(!message.contains("FBwExRW4dCc8"), "{message:?}");
        }
    }

    #[test]
    fn parse_refuses_a_user_twice() {
        let message = config_error(
            "alice:$apr1$abcdefgh$FBwExRW4dCc8aL.OvjpIE1\n\
             bob:$apr1$x$12YdXEY0/hH4rDNkmZupO0\n\
             alice:$apr1$x$12YdXEY0/hH4rDNkmZupO0\n",
        );
        assert!(message.contains("line 3"), "{message}");
        assert!(message.contains("\"alice\""), "{message}");
        assert!(message.contains("line 1"), "{message}");
    }

    #[test]
    fn load_reads_a_file_and_names_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("users.htpasswd");
        std::fs::write(&path, "alice:$apr1$abcdefgh$FBwExRW4dCc8aL.OvjpIE1\n").expect("write");
        let htpasswd = Htpasswd::load(&path).expect("loads");
        assert_eq!(htpasswd.users(), 1);
        assert!(htpasswd.verify("alice", "password"));

        std::fs::write(
            &path,
            "alice:$apr1$abcdefgh$FBwExRW4dCc8aL.OvjpIE1\nbob:{SHA}xyz\n",
        )
        .expect("write");
        match Htpasswd::load(&path) {
            Err(Error::Config(message)) => {
                assert!(message.contains(&path.display().to_string()), "{message}");
                assert!(message.contains("line 2"), "{message}");
                assert!(message.contains("\"bob\""), "{message}");
            }
            other => panic!("{other:?}"),
        }

        std::fs::write(&path, b"# ok\nal\xffice:$apr1$x$12YdXEY0/hH4rDNkmZupO0\n").expect("write");
        match Htpasswd::load(&path) {
            Err(Error::Config(message)) => {
                assert!(message.contains("line 2"), "{message}");
                assert!(message.contains("UTF-8"), "{message}");
            }
            other => panic!("{other:?}"),
        }

        let missing = dir.path().join("missing.htpasswd");
        match Htpasswd::load(&missing) {
            Err(Error::Io(error)) => {
                assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
                assert!(error.to_string().contains("missing.htpasswd"), "{error}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn debug_shows_no_hash() {
        let htpasswd = Htpasswd::parse(
            "alice:$apr1$abcdefgh$FBwExRW4dCc8aL.OvjpIE1\n\
             bob:$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW\n",
        )
        .expect("parses");
        assert!(htpasswd.verify("alice", "password"));
        let debug = format!("{htpasswd:?}");
        assert_eq!(debug, "Htpasswd { users: 2, apr1: 1, bcrypt: 1, .. }");
    }

    #[test]
    fn shared_between_threads() {
        let htpasswd = std::sync::Arc::new(
            Htpasswd::parse("bob:$2b$04$saltsaltsaltsaltsalt..hkHq8D0FI6/ou.LtUR65Jr3BCzqNzEy")
                .expect("parses"),
        );
        let threads: Vec<_> = (0..4)
            .map(|index| {
                let htpasswd = std::sync::Arc::clone(&htpasswd);
                std::thread::spawn(move || {
                    let password = if index % 2 == 0 {
                        "correct horse battery staple"
                    } else {
                        "wrong"
                    };
                    (0..3).all(|_| htpasswd.verify("bob", password) == (index % 2 == 0))
                })
            })
            .collect();
        for thread in threads {
            assert!(thread.join().expect("no panic"));
        }
    }
}
