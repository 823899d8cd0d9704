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
    let htpasswd = Htpasswd::parse(&format!("cut:{APR1_A300}\nfull:{APR1_A255}")).expect("parses");
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
    let other = Htpasswd::parse("bob:$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW")
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
    let htpasswd = Htpasswd::parse("alice:$apr1$abcdefgh$FBwExRW4dCc8aL.OvjpIE1").expect("parses");
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
