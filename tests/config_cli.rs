//! The CLI's `--profile`, `--ca-bundle` and exit 253, with a fake home directory.

mod common;

use std::path::PathBuf;
use std::process::Output;

use common::loopback::Loopback;
use common::{NO_IMDS, code, run_with, stderr};

const OK_BODY: &str = r#"{"CiphertextBlob":"AQIDBA==","KeyId":"k","SourceKeyId":"s"}"#;

struct Home(PathBuf);

impl Home {
    fn new(name: &str, config: &str, credentials: &str) -> Home {
        let dir = std::env::temp_dir().join(format!("kms-lite-cli-{}-{name}", std::process::id()));
        std::fs::create_dir_all(dir.join(".aws")).unwrap();
        std::fs::write(dir.join(".aws/config"), config).unwrap();
        std::fs::write(dir.join(".aws/credentials"), credentials).unwrap();
        Home(dir)
    }
    fn path(&self) -> String {
        self.0.to_string_lossy().into_owned()
    }

    /// Runs the binary with `HOME` here, `env` besides, and an empty stdin.
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let home = self.path();
        let mut all = vec![("HOME", home.as_str())];
        all.extend_from_slice(env);
        run_with(args, &all, b"")
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const CONFIG: &str = "[default]\nregion = eu-west-1\n[profile prod]\nregion = eu-central-1\n";
const CREDENTIALS: &str =
    "[prod]\naws_access_key_id = AKIDPROD\naws_secret_access_key = PRODSECRET\n";

#[test]
fn profile_supplies_region_and_credentials() {
    let home = Home::new("profile", CONFIG, CREDENTIALS);
    let server = Loopback::reply(200, OK_BODY);
    let out = home.run(
        &[
            "re-encrypt",
            "--profile",
            "prod",
            "--endpoint-url",
            &server.url,
            "--destination-key-id",
            "alias/new",
            "--ciphertext-blob",
            "AAAA",
            "--debug",
        ],
        &[NO_IMDS],
    );
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let request = server.request();
    let auth = request.header("authorization").unwrap();
    assert!(
        auth.contains("Credential=AKIDPROD/") && auth.contains("/eu-central-1/kms/aws4_request"),
        "{auth}"
    );
    let err = stderr(&out);
    assert!(
        err.contains("profile prod; region eu-central-1 (from profile prod)"),
        "{err}"
    );
    assert!(!err.contains("PRODSECRET"), "{err}");
}

#[test]
fn aws_profile_selects_the_profile_too() {
    let home = Home::new("aws-profile", CONFIG, CREDENTIALS);
    let server = Loopback::reply(200, OK_BODY);
    let out = home.run(
        &[
            "re-encrypt",
            "--endpoint-url",
            &server.url,
            "--destination-key-id",
            "alias/new",
            "--ciphertext-blob",
            "AAAA",
        ],
        &[("AWS_PROFILE", "prod"), NO_IMDS],
    );
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert!(
        server
            .request()
            .header("authorization")
            .unwrap()
            .contains("AKIDPROD")
    );
}

#[test]
fn a_missing_profile_is_253() {
    let home = Home::new("missing", CONFIG, CREDENTIALS);
    let out = home.run(
        &[
            "re-encrypt",
            "--profile",
            "staging",
            "--destination-key-id",
            "k",
            "--ciphertext-blob",
            "AAAA",
        ],
        &[NO_IMDS],
    );
    assert_eq!(code(&out), 253, "stderr: {}", stderr(&out));
    assert!(stderr(&out).contains("config profile (staging) could not be found"));
}

#[test]
fn a_malformed_config_file_is_253_naming_file_and_line() {
    let home = Home::new("malformed", "[default]\nregion eu-west-1\n", "");
    let out = home.run(
        &[
            "re-encrypt",
            "--destination-key-id",
            "k",
            "--ciphertext-blob",
            "AAAA",
        ],
        &[NO_IMDS],
    );
    assert_eq!(code(&out), 253, "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains("~/.aws/config line 2"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_profile_ca_bundle_that_cannot_be_read_is_253() {
    let home = Home::new(
        "ca",
        "[default]\nregion = eu-west-1\nca_bundle = /nonexistent/corp-ca.pem\n",
        "[default]\naws_access_key_id = A\naws_secret_access_key = B\n",
    );
    let out = home.run(
        &[
            "re-encrypt",
            "--destination-key-id",
            "k",
            "--ciphertext-blob",
            "AAAA",
        ],
        &[],
    );
    assert_eq!(code(&out), 253, "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains("/nonexistent/corp-ca.pem (ca_bundle in profile default)"),
        "{}",
        stderr(&out)
    );
}
