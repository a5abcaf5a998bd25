//! Live tests against a real, independent KMS implementation: a local moto server.
//!
//! They run when `KMS_LITE_TEST_ENDPOINT` is set (for example `http://127.0.0.1:5000`), as
//! `scripts/test.sh` does, and print `SKIPPED: KMS_LITE_TEST_ENDPOINT not set` otherwise.
//! `KMS_LITE_TEST_CREDENTIALS` names the JSON file that `scripts/lib/moto_iam.py` writes (an IAM
//! user's access key and assumed-role session credentials); without it the tests sign with
//! `testing`/`testing` and the signature-checking tests are skipped. Nothing else of the
//! environment is read: every client is built with an empty [`Env`].
//!
//! What moto 5.2 answers, as asserted here: `NotFoundException` (HTTP 400) with
//! `Alias <alias ARN> is not found.` or `Key '<key ARN>' does not exist`;
//! `InvalidCiphertextException` (400) without a message, as real KMS sends it, for garbage and
//! for a wrong encryption context; and, once it checks signatures, HTTP 403 with an AWS Query
//! XML body (`SignatureDoesNotMatch`, `InvalidClientTokenId`), whose code and message the error
//! decoder reads from the XML.

use std::time::{Duration, SystemTime};

use kms_lite::config::Env;
use kms_lite::credentials::Credentials;
use kms_lite::error::OperationError;
use kms_lite::{
    Client, DataKeySpec, DecryptError, DecryptRequest, EncryptError, EncryptRequest,
    GenerateDataKeyError, GenerateDataKeyRequest, GenerateDataKeyWithoutPlaintextRequest,
    RawCallError, ReEncryptRequest,
};
use serde_json::{Value, json};

const REGION: &str = "us-east-1";
/// moto's default account.
const ACCOUNT: &str = "123456789012";

/// The live endpoint and the credentials to sign with.
struct Live {
    endpoint: String,
    credentials: Credentials,
    /// `(user, session)` credentials when moto checks signatures.
    iam: Option<(Credentials, Credentials)>,
}

impl Live {
    /// `None` (after a loud note) when no endpoint is configured.
    fn from_env() -> Option<Live> {
        let Some(endpoint) = std::env::var("KMS_LITE_TEST_ENDPOINT")
            .ok()
            .filter(|v| !v.trim().is_empty())
        else {
            eprintln!("SKIPPED: KMS_LITE_TEST_ENDPOINT not set (scripts/test.sh sets it)");
            return None;
        };
        let iam = std::env::var("KMS_LITE_TEST_CREDENTIALS")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|path| {
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("KMS_LITE_TEST_CREDENTIALS={path}: {e}"));
                let v: Value = serde_json::from_str(&text).unwrap();
                let s = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap().to_owned();
                (
                    Credentials::new(s("/user/access_key_id"), s("/user/secret_access_key"), None),
                    Credentials::new(
                        s("/session/access_key_id"),
                        s("/session/secret_access_key"),
                        Some(s("/session/session_token")),
                    ),
                )
            });
        let credentials = match &iam {
            Some((user, _)) => user.clone(),
            None => Credentials::new("testing", "testing", None),
        };
        Some(Live {
            endpoint: endpoint.trim().to_owned(),
            credentials,
            iam,
        })
    }

    fn client(&self) -> Client {
        self.client_with(self.credentials.clone())
    }

    fn client_with(&self, credentials: Credentials) -> Client {
        Client::builder()
            .env(Env::from_pairs::<&str, &str>([]))
            .region(REGION)
            .endpoint_url(&self.endpoint)
            .credentials(credentials)
            .max_attempts(1)
            .read_timeout(Duration::from_secs(30))
            .build()
            .unwrap()
    }

    /// Calls an operation through the raw call, and returns its JSON output.
    fn raw(&self, operation: &str, body: Value) -> Value {
        let out = self
            .client()
            .raw_call(operation, &body)
            .unwrap_or_else(|e| panic!("{operation}: {e}"));
        Value::Object(out.json().clone())
    }

    /// Runs `kms-lite call ARGS...` against moto with these credentials and nothing else of
    /// the environment.
    fn cli_call(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_kms-lite-dev"))
            .arg("call")
            .args(args)
            .args(["--endpoint-url", &self.endpoint, "--region", REGION])
            .env_clear()
            .envs([
                ("AWS_ACCESS_KEY_ID", self.credentials.access_key_id()),
                (
                    "AWS_SECRET_ACCESS_KEY",
                    self.credentials.secret_access_key(),
                ),
                ("AWS_MAX_ATTEMPTS", "1"),
                ("AWS_EC2_METADATA_DISABLED", "true"),
            ])
            .output()
            .unwrap()
    }

    /// A new symmetric encryption key; returns its id.
    fn create_key(&self, description: &str) -> String {
        let out = self.raw("CreateKey", json!({ "Description": description }));
        out["KeyMetadata"]["KeyId"].as_str().unwrap().to_owned()
    }

    /// A new alias `alias/<name>-<unique>` for `key_id`; returns the alias name.
    fn create_alias(&self, name: &str, key_id: &str) -> String {
        let alias = format!("alias/{name}-{}", unique());
        self.raw(
            "CreateAlias",
            json!({ "AliasName": alias, "TargetKeyId": key_id }),
        );
        alias
    }
}

fn unique() -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{nanos:x}")
}

fn key_arn(key_id: &str) -> String {
    format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}")
}

/// Asserts an error's variant, code, HTTP status and message, all at once.
fn assert_service_error<E: OperationError>(
    e: &E,
    variant: &str,
    code: &str,
    status: u16,
    message: Option<&str>,
) {
    let se = e
        .service_error()
        .unwrap_or_else(|| panic!("not a service error: {e:?}"));
    assert_eq!(
        (e.variant_name(), se.code(), se.status(), se.message()),
        (variant, code, status, message),
        "{e}"
    );
    assert!(se.request_id().is_some_and(|id| !id.is_empty()), "{e:?}");
}

#[test]
fn live_encrypt_re_encrypt_decrypt_round_trip() {
    let Some(live) = Live::from_env() else { return };
    let client = live.client();
    let key_a = live.create_key("kms-lite live A");
    let key_b = live.create_key("kms-lite live B");
    let alias_a = live.create_alias("kms-lite-live-a", &key_a);
    let plaintext = b"kms-lite round trip \x00\x01\xfe\xff".to_vec();

    let encrypted = client
        .encrypt(
            &EncryptRequest::new(&alias_a, plaintext.clone())
                .encryption_context([("purpose", "live-test"), ("stage", "one")]),
        )
        .unwrap();
    assert_eq!(encrypted.key_id.as_deref(), Some(&*key_arn(&key_a)));
    let ciphertext_a = encrypted.ciphertext_blob.unwrap();

    let re = client
        .re_encrypt(
            &ReEncryptRequest::new(&key_b)
                .ciphertext_blob(ciphertext_a.clone())
                .source_encryption_context([("purpose", "live-test"), ("stage", "one")])
                .destination_encryption_context([("purpose", "live-test"), ("stage", "two")]),
        )
        .unwrap();
    assert_eq!(re.source_key_id.as_deref(), Some(&*key_arn(&key_a)));
    assert_eq!(re.key_id.as_deref(), Some(&*key_arn(&key_b)));
    let ciphertext_b = re.ciphertext_blob.unwrap();
    assert_ne!(ciphertext_a, ciphertext_b);

    let decrypted = client
        .decrypt(
            &DecryptRequest::new(ciphertext_b.clone())
                .key_id(&key_b)
                .encryption_context([("purpose", "live-test"), ("stage", "two")]),
        )
        .unwrap();
    assert_eq!(decrypted.key_id.as_deref(), Some(&*key_arn(&key_b)));
    assert_eq!(decrypted.plaintext.unwrap().as_bytes(), &plaintext[..]);

    // The old context no longer opens the re-encrypted ciphertext.
    let err = client
        .decrypt(
            &DecryptRequest::new(ciphertext_b)
                .encryption_context([("purpose", "live-test"), ("stage", "one")]),
        )
        .unwrap_err();
    assert!(matches!(err, DecryptError::InvalidCiphertext(_)), "{err:?}");
}

#[test]
fn live_generate_data_key_and_without_plaintext() {
    let Some(live) = Live::from_env() else { return };
    let client = live.client();
    let key = live.create_key("kms-lite live data keys");
    let context = [("file", "report.csv")];

    let dk = client
        .generate_data_key(&GenerateDataKeyRequest::new(&key).encryption_context(context))
        .unwrap();
    assert_eq!(dk.key_id.as_deref(), Some(&*key_arn(&key)));
    let plaintext = dk.plaintext.unwrap();
    assert_eq!(plaintext.len(), 32);
    assert!(!format!("{plaintext:?}").contains(&format!("{:?}", plaintext.as_bytes())));
    let opened = client
        .decrypt(&DecryptRequest::new(dk.ciphertext_blob.unwrap()).encryption_context(context))
        .unwrap();
    assert_eq!(opened.plaintext.unwrap(), plaintext);

    let dk64 = client
        .generate_data_key(&GenerateDataKeyRequest::new(&key).number_of_bytes(64))
        .unwrap();
    assert_eq!(dk64.plaintext.unwrap().len(), 64);

    let wp = client
        .generate_data_key_without_plaintext(
            &GenerateDataKeyWithoutPlaintextRequest::new(&key)
                .key_spec(DataKeySpec::Aes128)
                .encryption_context(context),
        )
        .unwrap();
    assert_eq!(wp.key_id.as_deref(), Some(&*key_arn(&key)));
    let opened = client
        .decrypt(&DecryptRequest::new(wp.ciphertext_blob.unwrap()).encryption_context(context))
        .unwrap();
    assert_eq!(opened.plaintext.unwrap().len(), 16);
}

#[test]
fn live_not_found_for_unknown_keys() {
    let Some(live) = Live::from_env() else { return };
    let client = live.client();
    let alias = format!("alias/kms-lite-missing-{}", unique());

    let err = client
        .encrypt(&EncryptRequest::new(&alias, b"x".to_vec()))
        .unwrap_err();
    assert!(matches!(err, EncryptError::NotFound(_)), "{err:?}");
    let message = format!("Alias arn:aws:kms:{REGION}:{ACCOUNT}:{alias} is not found.");
    assert_service_error(&err, "NotFound", "NotFoundException", 400, Some(&message));

    let missing_key = "00000000-0000-4000-8000-000000000000";
    let err = client
        .generate_data_key(&GenerateDataKeyRequest::new(missing_key))
        .unwrap_err();
    assert!(matches!(err, GenerateDataKeyError::NotFound(_)), "{err:?}");
    let message = format!("Key '{}' does not exist", key_arn(missing_key));
    assert_service_error(&err, "NotFound", "NotFoundException", 400, Some(&message));

    let err = client
        .generate_data_key_without_plaintext(&GenerateDataKeyWithoutPlaintextRequest::new(&alias))
        .unwrap_err();
    assert_eq!(err.code(), Some("NotFoundException"), "{err:?}");
}

#[test]
fn live_invalid_ciphertext_for_garbage_and_wrong_context() {
    let Some(live) = Live::from_env() else { return };
    let client = live.client();
    let key = live.create_key("kms-lite live invalid ciphertext");

    let err = client
        .decrypt(&DecryptRequest::new(
            b"this is not a KMS ciphertext blob".to_vec(),
        ))
        .unwrap_err();
    assert!(matches!(err, DecryptError::InvalidCiphertext(_)), "{err:?}");
    assert_service_error(
        &err,
        "InvalidCiphertext",
        "InvalidCiphertextException",
        400,
        None,
    );

    let ciphertext = client
        .encrypt(
            &EncryptRequest::new(&key, b"context bound".to_vec()).encryption_context([("a", "1")]),
        )
        .unwrap()
        .ciphertext_blob
        .unwrap();
    for wrong in [vec![("a", "2")], vec![], vec![("a", "1"), ("b", "2")]] {
        let err = client
            .decrypt(&DecryptRequest::new(ciphertext.clone()).encryption_context(wrong.clone()))
            .unwrap_err();
        assert_service_error(
            &err,
            "InvalidCiphertext",
            "InvalidCiphertextException",
            400,
            None,
        );
    }
    // And the same through ReEncrypt.
    let err = client
        .re_encrypt(
            &ReEncryptRequest::new(&key)
                .ciphertext_blob(ciphertext)
                .source_encryption_context([("a", "9")]),
        )
        .unwrap_err();
    assert_service_error(
        &err,
        "InvalidCiphertext",
        "InvalidCiphertextException",
        400,
        None,
    );
}

#[test]
fn live_signatures_are_checked() {
    let Some(live) = Live::from_env() else { return };
    let Some((user, session)) = live.iam.clone() else {
        eprintln!(
            "SKIPPED: KMS_LITE_TEST_CREDENTIALS not set: moto is not checking signatures \
             (scripts/test.sh starts it with INITIAL_NO_AUTH_ACTION_COUNT and sets it)"
        );
        return;
    };
    let key = live.create_key("kms-lite live signatures");
    let request = EncryptRequest::new(&key, b"signed".to_vec());

    // The right secret.
    live.client_with(user.clone()).encrypt(&request).unwrap();

    // Session-token credentials from sts:AssumeRole, token signed and sent.
    let out = live.client_with(session.clone()).encrypt(&request).unwrap();
    let opened = live
        .client_with(session.clone())
        .decrypt(&DecryptRequest::new(out.ciphertext_blob.unwrap()))
        .unwrap();
    assert_eq!(opened.plaintext.unwrap().as_bytes(), b"signed");

    // A wrong secret: moto answers 403 with an XML body (SignatureDoesNotMatch).
    let wrong_secret = Credentials::new(user.access_key_id(), "not-the-secret", None);
    let err = live
        .client_with(wrong_secret)
        .encrypt(&request)
        .unwrap_err();
    assert_forbidden_xml(&err, "SignatureDoesNotMatch");

    // An unknown access key id, and a session key with a wrong token (InvalidClientTokenId).
    let unknown = Credentials::new("AKIAIOSFODNN7UNKNOWN", "whatever", None);
    assert_forbidden_xml(
        &live.client_with(unknown).encrypt(&request).unwrap_err(),
        "InvalidClientTokenId",
    );
    let bad_token = Credentials::new(
        session.access_key_id(),
        "not-the-secret",
        Some("not-the-token".into()),
    );
    assert_forbidden_xml(
        &live.client_with(bad_token).encrypt(&request).unwrap_err(),
        "InvalidClientTokenId",
    );
}

fn assert_forbidden_xml(err: &EncryptError, code: &str) {
    assert!(matches!(err, EncryptError::Unhandled(_)), "{err:?}");
    let se = err.service_error().unwrap();
    assert_eq!((se.code(), se.status()), (code, 403), "{err}");
    assert!(!se.message().unwrap_or_default().is_empty(), "{err}");
    assert!(!err.to_string().contains("not-the-secret"), "{err}");
}

/// The raw call against moto: keys created, described and listed, random bytes, signatures
/// made and checked, and a service error, all through `Client::raw_call`.
#[test]
fn live_raw_call_reaches_operations_without_types() {
    let Some(live) = Live::from_env() else { return };
    let client = live.client();
    let created = client
        .raw_call(
            "CreateKey",
            &json!({"Description": "kms-lite live raw", "KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}),
        )
        .unwrap();
    let key_id = created.json()["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(created.json()["KeyMetadata"]["Arn"], key_arn(&key_id));

    let described = client
        .raw_call("DescribeKey", &json!({ "KeyId": key_id }))
        .unwrap();
    let metadata = &described.json()["KeyMetadata"];
    assert_eq!(
        (
            &metadata["KeyId"],
            &metadata["KeyState"],
            &metadata["KeyUsage"],
            &metadata["KeySpec"]
        ),
        (
            &json!(key_id),
            &json!("Enabled"),
            &json!("SIGN_VERIFY"),
            &json!("ECC_NIST_P256")
        )
    );

    let listed = client
        .raw_call("ListKeys", &json!({"Limit": 1000}))
        .unwrap();
    let ids: Vec<&str> = listed.json()["Keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["KeyId"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&key_id.as_str()), "{ids:?}");

    let random = client
        .raw_call("GenerateRandom", &json!({"NumberOfBytes": 48}))
        .unwrap();
    assert_eq!(random.secret("Plaintext").unwrap().len(), 48);
    assert!(random.json().get("Plaintext").is_none());

    let message = "a21zLWxpdGUgc2lnbmVk";
    let signed = client
        .raw_call(
            "Sign",
            &json!({"KeyId": key_id, "Message": message, "SigningAlgorithm": "ECDSA_SHA_256"}),
        )
        .unwrap();
    let signature = signed.json()["Signature"].clone();
    assert!(
        signature.as_str().is_some_and(|s| s.len() > 80),
        "{signed:?}"
    );
    let verified = client
        .raw_call(
            "Verify",
            &json!({"KeyId": key_id, "Message": message, "Signature": signature, "SigningAlgorithm": "ECDSA_SHA_256"}),
        )
        .unwrap();
    assert_eq!(verified.json()["SignatureValid"], true);

    let missing = "00000000-0000-4000-8000-000000000000";
    let err = client
        .raw_call("DescribeKey", &json!({ "KeyId": missing }))
        .unwrap_err();
    assert!(matches!(err, RawCallError::Unhandled(_)), "{err:?}");
    assert_service_error(
        &err,
        "Unhandled",
        "NotFoundException",
        400,
        Some(&format!("Key '{}' does not exist", key_arn(missing))),
    );
    assert!(
        err.to_string().starts_with(
            "An error occurred (NotFoundException) when calling the DescribeKey operation: "
        ),
        "{err}"
    );
}

/// `kms-lite call` against moto: an HMAC key made, a MAC generated and checked, a wrong MAC
/// refused, all from the command line.
#[test]
fn live_cli_call_makes_and_uses_a_mac_key() {
    let Some(live) = Live::from_env() else { return };
    let run = |args: &[&str]| live.cli_call(args);
    let text = |out: std::process::Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim_end().to_owned()
    };
    let key = text(run(&[
        "CreateKey",
        "--cli-input-json",
        r#"{"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}"#,
        "--query",
        "KeyMetadata.KeyId",
        "--output",
        "text",
    ]));
    let input = |mac: Option<&str>, message: &str| {
        let mut v = json!({"KeyId": key, "Message": message, "MacAlgorithm": "HMAC_SHA_256"});
        if let Some(mac) = mac {
            v["Mac"] = json!(mac);
        }
        v.to_string()
    };
    let mac = text(run(&[
        "GenerateMac",
        "--cli-input-json",
        &input(None, "aGVsbG8="),
        "--query",
        "Mac",
        "--output",
        "text",
    ]));
    assert_eq!(decoded_len(&mac), 32, "{mac}");
    assert_eq!(
        text(run(&[
            "VerifyMac",
            "--cli-input-json",
            &input(Some(&mac), "aGVsbG8="),
            "--query",
            "MacValid",
        ])),
        "true"
    );
    let refused = run(&[
        "VerifyMac",
        "--cli-input-json",
        &input(Some(&mac), "b3RoZXI="),
    ]);
    assert_eq!(refused.status.code(), Some(254));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains(
            "An error occurred (KMSInvalidMacException) when calling the VerifyMac operation"
        ),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

/// The length of the bytes a base64 text holds.
fn decoded_len(text: &str) -> usize {
    kms_lite::base64::decode(text.as_bytes()).unwrap().len()
}

/// `kms-lite call` pages a paginated operation against moto's own markers (moto pages
/// ListKeyRotations by `Limit`): every page fetched, `--max-items` and `--starting-token`
/// resuming, and a `Limit` in the input fetching the one page as returned.
#[test]
fn live_cli_call_pages_list_key_rotations() {
    let Some(live) = Live::from_env() else { return };
    let key = live.create_key("kms-lite live paging");
    for _ in 0..3 {
        live.raw("RotateKeyOnDemand", json!({ "KeyId": key }));
    }
    let text = |args: &[&str]| {
        let args: Vec<&str> = ["ListKeyRotations", "--output", "text"]
            .into_iter()
            .chain(args.iter().copied())
            .collect();
        let out = live.cli_call(&args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let input = json!({ "KeyId": key }).to_string();
    // One rotation a page: three pages, joined.
    assert_eq!(
        text(&[
            "--cli-input-json",
            &input,
            "--page-size",
            "1",
            "--query",
            "length(Rotations)"
        ]),
        "1\n1\n1\n",
        "text prints page by page"
    );
    let all = text(&["--cli-input-json", &input, "--page-size", "1"]);
    assert_eq!(all.matches("\tON_DEMAND\n").count(), 3, "{all}");
    assert!(
        !all.contains("NEXTMARKER") && !all.contains("TRUNCATED"),
        "{all}"
    );
    // Two items, then the rest from the token.
    let two = text(&[
        "--cli-input-json",
        &input,
        "--page-size",
        "1",
        "--max-items",
        "2",
    ]);
    let lines: Vec<&str> = two.lines().collect();
    assert_eq!(lines.len(), 3, "{two}");
    let token = lines[2]
        .strip_prefix("NEXTTOKEN\t")
        .expect("a NextToken last");
    let rest = text(&["--cli-input-json", &input, "--starting-token", token]);
    assert_eq!(rest.matches("\tON_DEMAND\n").count(), 1, "{rest}");
    let mut seen: Vec<&str> = lines[..2].iter().copied().chain(rest.lines()).collect();
    let joined: Vec<&str> = all.lines().collect();
    seen.sort_unstable();
    let mut joined_sorted = joined.clone();
    joined_sorted.sort_unstable();
    assert_eq!(seen, joined_sorted);
    // A Limit in the input pages by hand: one page, its marker and Truncated printed.
    let limited = json!({ "KeyId": key, "Limit": 1 }).to_string();
    assert_eq!(
        text(&[
            "--cli-input-json",
            &limited,
            "--query",
            "[length(Rotations), Truncated, length(NextMarker) > `0`]"
        ]),
        "1\tTrue\tTrue\n"
    );
}
