//! Every whole file the configuration names is read with a cap and only if it is a file (issue
//! 9, item 19): the CA bundle (`--ca-bundle`, `AWS_CA_BUNDLE`, the profile's `ca_bundle`), the
//! config and credentials files, the container authorization token file, the web identity token
//! file and the SSO cache. `/dev/zero` fails at once with an error naming the file and the cap; a
//! file one byte over the cap (sparse: no disk used) is refused the same way; a directory, a FIFO
//! (whose open would wait for a writer for ever) or a socket is refused before it is opened;
//! `/dev/null` still reads as empty.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use kms_lite::__private::profile_file::ProfileSet;
use kms_lite::__private::settings::CaBundle;
use kms_lite::Client;
use kms_lite::clock::ManualClock;
use kms_lite::config::Env;
use kms_lite::config::SharedConfig;
use kms_lite::credentials::{
    ContainerProvider, ProfileProvider, ProvideCredentials, ProviderConfig, WebIdentityProvider,
};

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("kms-lite-caps-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }
    fn join(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
    /// A sparse file of `len` bytes.
    fn sparse(&self, name: &str, len: u64) -> String {
        let path = self.join(name);
        std::fs::File::create(&path).unwrap().set_len(len).unwrap();
        path
    }
    /// A named FIFO nobody writes to.
    fn fifo(&self, name: &str) -> String {
        let path = self.join(name);
        let ok = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap()
            .success();
        assert!(ok, "mkfifo {path}");
        path
    }
    /// A listening Unix socket.
    fn socket(&self, name: &str) -> (String, std::os::unix::net::UnixListener) {
        let path = self.join(name);
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        (path, listener)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const MIB: u64 = 1 << 20;

fn bundle(path: &str) -> String {
    CaBundle::File {
        path: path.to_owned(),
        source: "AWS_CA_BUNDLE".to_owned(),
    }
    .load()
    .unwrap_err()
    .to_string()
}

#[test]
fn ca_bundle_reads_are_capped_and_only_of_files() {
    let d = Dir::new("ca");
    let over = d.sparse("over.pem", 16 * MIB + 1);
    assert_eq!(
        bundle("/dev/zero"),
        "cannot read the CA bundle /dev/zero (AWS_CA_BUNDLE): it is larger than the 16 MiB limit"
    );
    assert_eq!(
        bundle(&over),
        format!(
            "cannot read the CA bundle {over} (AWS_CA_BUNDLE): it is larger than the 16 MiB limit"
        )
    );
    let fifo = d.fifo("ca.fifo");
    assert_eq!(
        bundle(&fifo),
        format!(
            "cannot read the CA bundle {fifo} (AWS_CA_BUNDLE): it is a FIFO or pipe, not a file"
        )
    );
    let (sock, _listener) = d.socket("ca.sock");
    assert!(bundle(&sock).ends_with("it is a socket, not a file"));
    let dir = d.join("");
    assert!(bundle(&dir).ends_with("it is a directory, not a file"));
    // A bundle at the cap is read (and then judged as PEM).
    let at_cap = d.sparse("at.pem", 16 * MIB);
    let pem = CaBundle::File {
        path: at_cap,
        source: "x".into(),
    }
    .load()
    .unwrap();
    assert_eq!(pem.len() as u64, 16 * MIB);

    // Through the builder, from AWS_CA_BUNDLE.
    let err = Client::builder()
        .env(Env::from_pairs([
            ("AWS_REGION", "eu-west-1"),
            ("AWS_CA_BUNDLE", "/dev/zero"),
            ("HOME", "/nonexistent"),
        ]))
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("16 MiB"), "{err}");
}

#[test]
fn cli_ca_bundle_from_dev_zero_fails_at_once() {
    let out = common::run_with(
        &[
            "re-encrypt",
            "--ca-bundle",
            "/dev/zero",
            "--destination-key-id",
            "k",
            "--ciphertext-blob",
            "AAAA",
        ],
        common::BASE_ENV,
        b"",
    );
    let err = common::stderr(&out);
    assert_eq!(common::code(&out), 252, "{err}");
    assert!(
        err.contains("/dev/zero (--ca-bundle): it is larger than the 16 MiB limit"),
        "{err}"
    );
}

fn load(config: &str) -> String {
    let env = Env::from_pairs([
        ("AWS_CONFIG_FILE", config),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
        ("HOME", "/nonexistent"),
    ]);
    SharedConfig::load(env, None).unwrap_err().to_string()
}

#[test]
fn shared_files_are_capped_and_only_files() {
    let d = Dir::new("profiles");
    assert_eq!(
        load("/dev/zero"),
        "/dev/zero: cannot read: it is larger than the 4 MiB limit"
    );
    let over = d.sparse("config", 4 * MIB + 1);
    assert_eq!(
        load(&over),
        format!("{over}: cannot read: it is larger than the 4 MiB limit")
    );
    let fifo = d.fifo("config.fifo");
    assert_eq!(
        load(&fifo),
        format!("{fifo}: cannot read: it is a FIFO or pipe, not a file")
    );
    let dir = d.join("");
    assert!(load(&dir).ends_with("it is a directory, not a file"));
    // /dev/null is an empty file: the usual way to say "no config".
    let env = Env::from_pairs([
        ("AWS_CONFIG_FILE", "/dev/null"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
    ]);
    assert!(
        kms_lite::__private::settings::profiles(&SharedConfig::load(env, None).unwrap()).is_empty()
    );
}

fn provider_config(env: &[(&str, &str)], config: &str) -> ProviderConfig {
    let set = ProfileSet::from_files(Some((config, "~/.aws/config")), None).unwrap();
    ProviderConfig::new(kms_lite::__private::settings::from_profile_set(
        Env::from_pairs(env.iter().copied()),
        None,
        set,
    ))
    .clock(Arc::new(ManualClock::new(
        UNIX_EPOCH + Duration::from_secs(1_795_953_600),
    )))
}

#[test]
fn token_files_are_capped_and_only_files() {
    let d = Dir::new("tokens");
    let over = d.sparse("token", MIB + 1);
    let fifo = d.fifo("token.fifo");
    for (path, why) in [
        ("/dev/zero", "it is larger than the 1 MiB limit".to_owned()),
        (
            over.as_str(),
            "it is larger than the 1 MiB limit".to_owned(),
        ),
        (fifo.as_str(), "it is a FIFO or pipe, not a file".to_owned()),
    ] {
        // The token is read before any request: the closed port is never dialled.
        let cfg = provider_config(
            &[
                (
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                    "http://127.0.0.1:9/creds",
                ),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", path),
            ],
            "",
        );
        let err = ContainerProvider::new(cfg)
            .provide_credentials()
            .unwrap_err();
        assert_eq!(
            err.message(),
            format!("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {path}: {why}")
        );
        let cfg = provider_config(&[], "");
        let err = WebIdentityProvider::new(cfg, "arn:aws:iam::1:role/r", path, None)
            .provide_credentials()
            .unwrap_err();
        assert_eq!(
            err.message(),
            format!("cannot read the web identity token file {path}: {why}")
        );
    }
}

#[test]
fn sso_cache_entry_is_capped_and_only_a_file() {
    let d = Dir::new("sso");
    let cache = Path::new(&d.join("")).join(".aws/sso/cache");
    std::fs::create_dir_all(&cache).unwrap();
    // sha1("s"), the cache key of sso_session `s`.
    let entry = cache.join("a0f1490a20d0211c997b44bc357e1972deab8ae3.json");
    let config = "[default]\nsso_session = s\nsso_account_id = 1\nsso_role_name = r\n\
                  [sso-session s]\nsso_region = us-east-1\nsso_start_url = https://x/start\n";
    let home = d.join("");
    let run = || {
        ProfileProvider::new(provider_config(&[("HOME", home.as_str())], config))
            .provide_credentials()
            .unwrap_err()
            .to_string()
    };
    std::os::unix::fs::symlink("/dev/zero", &entry).unwrap();
    let err = run();
    assert!(
        err.contains(
            "a0f1490a20d0211c997b44bc357e1972deab8ae3.json (it is larger than the 1 MiB limit)"
        ),
        "{err}"
    );
    std::fs::remove_file(&entry).unwrap();
    std::fs::create_dir(&entry).unwrap();
    assert!(
        run().contains("(it is a directory, not a file)"),
        "{}",
        run()
    );
}
