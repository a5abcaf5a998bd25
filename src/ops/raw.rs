//! Every KMS operation by name: a JSON input in, the JSON output back.
//!
//! [`Client::raw_call`] reaches the operations this crate has no types for (`DescribeKey`,
//! `CreateKey`, `Sign`, `ListKeys`...) through the same path as the typed ones: the name is
//! checked against [`OPERATIONS`] before any I/O, and the call is signed, retried, decoded and
//! logged exactly as a typed call is. The input and output are the operation's AWS JSON 1.1
//! bodies, as the AWS CLI's `--cli-input-json` and `--output json` show them: AWS member names,
//! blobs as base64 text.
//!
//! Plaintext-bearing outputs (`Plaintext` of Decrypt, GenerateDataKey and GenerateRandom,
//! `PrivateKeyPlaintext` of GenerateDataKeyPair, `SharedSecret` of DeriveSharedSecret,
//! Encapsulate and Decapsulate) never stay in the JSON: [`RawOutput`] decodes them into
//! [`SecretBytes`], reached through [`RawOutput::secret`], and its `Debug` shows only their
//! length. Writing them out is an explicit choice, as for the typed responses:
//! [`RawOutput::with_plaintext`].

use std::fmt;

use serde::ser::SerializeMap;
use serde_json::{Map, Value};

use crate::Client;
use crate::error::{Failure, ParameterError, TransportError, TransportErrorKind, operation_error};
use crate::secret::{Base64, SecretBytes, WithPlaintext};

macro_rules! operations {
    ($($name:ident)*) => {
        /// Every operation of the KMS API (version 2014-11-01), sorted: the names
        /// [`Client::raw_call`] accepts.
        ///
        /// ```
        /// assert!(kms_lite::OPERATIONS.contains(&"DescribeKey"));
        /// ```
        pub const OPERATIONS: &[&str] = &[$(stringify!($name)),*];
        /// `TrentService.<name>`, in the order of [`OPERATIONS`].
        const TARGETS: &[&str] = &[$(concat!("TrentService.", stringify!($name))),*];
    };
}

operations! {
    CancelKeyDeletion ConnectCustomKeyStore CreateAlias CreateCustomKeyStore CreateGrant
    CreateKey Decapsulate Decrypt DeleteAlias DeleteCustomKeyStore DeleteImportedKeyMaterial
    DeriveSharedSecret DescribeCustomKeyStores DescribeKey DisableKey DisableKeyRotation
    DisconnectCustomKeyStore EnableKey EnableKeyRotation Encapsulate Encrypt GenerateDataKey
    GenerateDataKeyPair GenerateDataKeyPairWithoutPlaintext GenerateDataKeyWithoutPlaintext
    GenerateMac GenerateRandom GetKeyLastUsage GetKeyPolicy GetKeyRotationStatus
    GetParametersForImport GetPublicKey ImportKeyMaterial ListAliases ListGrants ListKeyPolicies
    ListKeyRotations ListKeys ListResourceTags ListRetirableGrants PutKeyPolicy ReEncrypt
    ReplicateKey RetireGrant RevokeGrant RotateKeyOnDemand ScheduleKeyDeletion Sign TagResource
    UntagResource UpdateAlias UpdateCustomKeyStore UpdateKeyDescription UpdatePrimaryRegion
    Verify VerifyMac
}

/// Output members that carry plaintext key material (the model's `PlaintextType`): taken out
/// of the JSON into [`SecretBytes`], whatever the operation.
const SECRET_BLOBS: [&str; 3] = ["Plaintext", "PrivateKeyPlaintext", "SharedSecret"];

/// Members never shown by `Debug`, at any depth: the secret blobs, the other members the model
/// marks sensitive (messages to sign or MAC, custom key store passwords and proxy
/// credentials), and grant tokens, which confer permissions.
const REDACTED: [&str; 9] = [
    "Plaintext",
    "PrivateKeyPlaintext",
    "SharedSecret",
    "Message",
    "KeyStorePassword",
    "RawSecretAccessKey",
    "AccessKeyId",
    "GrantToken",
    "GrantTokens",
];

/// How deep an input may nest: KMS inputs go three levels deep; the bound keeps serialization
/// of a hostile value from exhausting the stack.
const MAX_INPUT_DEPTH: usize = 32;

/// The index in [`OPERATIONS`] of `name`, or why it is not one.
pub(crate) fn operation_index(name: &str) -> Result<usize, ParameterError> {
    let identifier =
        (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric());
    if !identifier {
        return Err(ParameterError::new(
            "OperationName",
            "is not an operation name: KMS operation names are ASCII letters and digits in \
             PascalCase, such as DescribeKey",
        ));
    }
    if let Ok(i) = OPERATIONS.binary_search(&name) {
        return Ok(i);
    }
    let hint = match closest(name) {
        Some(op) => format!("; did you mean {op}?"),
        None => String::new(),
    };
    // Only letters and digits reach this point: echoing the name is safe.
    Err(ParameterError::new(
        "OperationName",
        format!("{name:?} is not a KMS operation{hint}"),
    ))
}

/// The known operation nearest to `name`: the same letters in another case, else at most two
/// edits away.
fn closest(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    OPERATIONS
        .iter()
        .map(|op| (edit_distance(&lower, &op.to_ascii_lowercase()), *op))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, op)| op)
}

/// Levenshtein distance between two ASCII strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

fn too_deep(value: &Value, depth: usize) -> bool {
    if depth > MAX_INPUT_DEPTH {
        return true;
    }
    match value {
        Value::Array(items) => items.iter().any(|v| too_deep(v, depth + 1)),
        Value::Object(map) => map.values().any(|v| too_deep(v, depth + 1)),
        _ => false,
    }
}

/// The request body of a raw call: the input, which must be a JSON object of bounded depth.
fn input_body(input: &Value) -> Result<Vec<u8>, ParameterError> {
    if !input.is_object() {
        return Err(ParameterError::new(
            "Input",
            "must be a JSON object of the operation's members, such as {\"KeyId\": \"alias/app\"}",
        ));
    }
    if too_deep(input, 1) {
        return Err(ParameterError::new(
            "Input",
            format!("nests deeper than {MAX_INPUT_DEPTH} levels"),
        ));
    }
    // Sized first, as typed bodies are: a buffer outgrown would be freed unwiped, with the
    // text of a `Plaintext` written so far.
    let unwritable = |_| ParameterError::new("Input", "cannot be written as JSON");
    let mut count = crate::codec::ByteCount::default();
    serde_json::to_writer(&mut count, input).map_err(unwritable)?;
    let mut body = Vec::with_capacity(count.0);
    serde_json::to_writer(&mut body, input).map_err(unwritable)?;
    Ok(body)
}

/// Overwrites a string's bytes before dropping it (best effort, like [`SecretBytes`]).
fn wipe_text(text: String) {
    crate::secret::wipe(&mut text.into_bytes());
}

fn invalid(operation: &str, problem: &str) -> TransportError {
    TransportError::new(
        TransportErrorKind::InvalidResponse,
        format!("the {operation} response body is not valid: {problem}"),
    )
}

/// Reads a success body into a [`RawOutput`], moving the secret blobs out of the JSON.
pub(crate) fn read_output(
    operation: &'static str,
    body: &[u8],
) -> Result<RawOutput, TransportError> {
    // An operation without output members answers with an empty body, or (moto) `null`.
    let mut json = match crate::codec::from_body(operation, body)? {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        _ => return Err(invalid(operation, "it is not a JSON object")),
    };
    let mut secrets = Vec::new();
    let mut failure = None;
    for member in SECRET_BLOBS {
        match json.remove(member) {
            None | Some(Value::Null) => {}
            Some(Value::String(text)) => {
                let decoded = crate::base64::decode(text.as_bytes());
                wipe_text(text);
                match decoded {
                    Ok(bytes) => secrets.push((member, SecretBytes::new(bytes))),
                    Err(_) => failure = Some(member),
                }
            }
            Some(_) => failure = Some(member),
        }
    }
    match failure {
        Some(member) => Err(invalid(
            operation,
            &format!("{member} is not a base64 string"),
        )),
        None => Ok(RawOutput {
            operation,
            json,
            secrets,
        }),
    }
}

/// A copy of `value` with every member named in [`REDACTED`] replaced by `"<redacted>"`: for
/// `Debug` of raw inputs and outputs.
pub(crate) fn redacted(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if REDACTED.contains(&k.as_str()) {
                        Value::String("<redacted>".to_owned())
                    } else {
                        redacted(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redacted).collect()),
        other => other.clone(),
    }
}

/// What a raw call returned: the operation's output members, with the plaintext-bearing ones
/// held apart as [`SecretBytes`].
///
/// - [`json`](Self::json) is the output object without `Plaintext`, `PrivateKeyPlaintext` and
///   `SharedSecret`: safe to log or print.
/// - [`secret`](Self::secret) gives those members, base64-decoded.
/// - [`with_plaintext`](Self::with_plaintext) serializes the whole output, secrets included
///   (base64), as the AWS CLI prints it.
/// - `Debug` shows the JSON with the model's sensitive members and grant tokens redacted, and
///   the secrets' names and lengths.
///
/// ```
/// # fn demo(client: &kms_lite::Client) -> Result<(), kms_lite::RawCallError> {
/// let out = client.raw_call("GenerateRandom", &serde_json::json!({"NumberOfBytes": 32}))?;
/// let random = out.secret("Plaintext").expect("GenerateRandom returns Plaintext");
/// assert_eq!(random.len(), 32);
/// assert!(out.json().get("Plaintext").is_none());
/// # Ok(())
/// # }
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RawOutput {
    operation: &'static str,
    json: Map<String, Value>,
    secrets: Vec<(&'static str, SecretBytes)>,
}

impl RawOutput {
    /// The operation that answered, for example `DescribeKey`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The output members, except the plaintext-bearing ones (see [`secret`](Self::secret)).
    ///
    /// ```
    /// # fn demo(client: &kms_lite::Client) -> Result<(), kms_lite::RawCallError> {
    /// let out = client.raw_call("DescribeKey", &serde_json::json!({"KeyId": "alias/app"}))?;
    /// println!("{}", out.json()["KeyMetadata"]["Arn"]);
    /// # Ok(())
    /// # }
    /// ```
    pub fn json(&self) -> &Map<String, Value> {
        &self.json
    }

    /// A plaintext-bearing member (`Plaintext`, `PrivateKeyPlaintext`, `SharedSecret`),
    /// decoded from base64, if the output carried it.
    pub fn secret(&self, member: &str) -> Option<&SecretBytes> {
        self.secrets
            .iter()
            .find(|(name, _)| *name == member)
            .map(|(_, secret)| secret)
    }

    /// This output for `Serialize`, plaintext included: the whole output object, members
    /// sorted by name, blobs in base64.
    ///
    /// ```
    /// # fn demo(out: &kms_lite::RawOutput) -> serde_json::Result<String> {
    /// serde_json::to_string(&out.with_plaintext())
    /// # }
    /// ```
    pub fn with_plaintext(&self) -> WithPlaintext<'_, Self> {
        WithPlaintext(self)
    }
}

impl fmt::Debug for RawOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawOutput")
            .field("operation", &self.operation)
            .field(
                "json",
                &format_args!("{}", redacted(&Value::Object(self.json.clone()))),
            )
            .field("secrets", &self.secrets)
            .finish()
    }
}

impl serde::Serialize for WithPlaintext<'_, RawOutput> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        enum Member<'a> {
            Json(&'a Value),
            Secret(&'a SecretBytes),
        }
        let out = self.0;
        let mut members: Vec<(&str, Member<'_>)> = out
            .json
            .iter()
            .map(|(k, v)| (k.as_str(), Member::Json(v)))
            .chain(out.secrets.iter().map(|(k, v)| (*k, Member::Secret(v))))
            .collect();
        members.sort_by(|a, b| a.0.cmp(b.0));
        let mut map = s.serialize_map(Some(members.len()))?;
        for (name, member) in members {
            match member {
                Member::Json(v) => map.serialize_entry(name, v)?,
                Member::Secret(v) => map.serialize_entry(name, &Base64(v.as_bytes()))?,
            }
        }
        map.end()
    }
}

operation_error! {
    /// Why a raw call failed: the common AWS errors by name, any other service error as
    /// `Unhandled` (match on its [`code`](crate::error::OperationError::code)), and the
    /// client-side failures, an unknown
    /// operation name among them (`InvalidParameter`, member `OperationName`). `Display` reads
    /// like the AWS CLI's error line, naming the operation.
    ///
    /// ```
    /// # fn demo(client: &kms_lite::Client) {
    /// use kms_lite::RawCallError;
    /// use kms_lite::error::OperationError;
    /// match client.raw_call("DescribeKey", &serde_json::json!({"KeyId": "alias/gone"})) {
    ///     Ok(out) => println!("{}", out.json()["KeyMetadata"]["KeyState"]),
    ///     Err(e) if e.code() == Some("NotFoundException") => eprintln!("no such key"),
    ///     Err(RawCallError::Throttling(e)) => eprintln!("slow down: {e}"),
    ///     Err(e) => eprintln!("{e}"),
    /// }
    /// # }
    /// ```
    RawCallError {}
}

impl Client {
    /// Calls any KMS operation by name, with its input as a JSON object (AWS member names, blobs
    /// as base64 text), and returns its output.
    ///
    /// The name must be one of [`OPERATIONS`]; anything else fails before any I/O, with a
    /// suggestion when the name is close to one. The input must be a JSON object; its members
    /// are sent as given (the service checks them). Signing, retries, clock-skew correction,
    /// error decoding and the debug log are those of the typed operations; plaintext in the
    /// output is held apart (see [`RawOutput`]).
    ///
    /// ```no_run
    /// use serde_json::json;
    /// let client = kms_lite::Client::builder().build()?;
    /// let key = client.raw_call("CreateKey", &json!({"Description": "signing", "KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}))?;
    /// let key_id = key.json()["KeyMetadata"]["KeyId"].clone();
    /// let signed = client.raw_call(
    ///     "Sign",
    ///     &json!({"KeyId": key_id, "Message": "aGVsbG8=", "SigningAlgorithm": "ECDSA_SHA_256"}),
    /// )?;
    /// println!("{}", signed.json()["Signature"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn raw_call(&self, operation: &str, input: &Value) -> Result<RawOutput, RawCallError> {
        let parameter = |e| RawCallError::from(Failure::Parameter(e));
        let index = operation_index(operation).map_err(parameter)?;
        let body = input_body(input).map_err(parameter)?;
        let name = OPERATIONS[index];
        let mut response = self
            .send_json(name, TARGETS[index], body)
            .map_err(RawCallError::from)?;
        let output = read_output(name, &response.body);
        crate::secret::wipe(&mut response.body);
        output.map_err(|e| RawCallError::from(Failure::Transport(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operation_table_is_sorted_and_aligned() {
        assert!(OPERATIONS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(OPERATIONS.len(), 56);
        for (op, target) in OPERATIONS.iter().zip(TARGETS) {
            assert_eq!(format!("TrentService.{op}"), *target);
        }
    }

    #[test]
    fn names_are_checked_with_suggestions() {
        assert_eq!(
            OPERATIONS[operation_index("DescribeKey").unwrap()],
            "DescribeKey"
        );
        let problem = |n: &str| operation_index(n).unwrap_err().problem().to_owned();
        assert_eq!(
            problem("describekey"),
            "\"describekey\" is not a KMS operation; did you mean DescribeKey?"
        );
        assert_eq!(
            problem("Decript"),
            "\"Decript\" is not a KMS operation; did you mean Decrypt?"
        );
        assert_eq!(
            problem("Frobnicate"),
            "\"Frobnicate\" is not a KMS operation"
        );
        for bad in [
            "",
            "Describe Key",
            "Decrypt\r\nX-Evil: 1",
            "Décrypt",
            &"A".repeat(65),
        ] {
            assert!(
                problem(bad).starts_with("is not an operation name"),
                "{bad:?}"
            );
        }
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn inputs_must_be_bounded_objects() {
        assert_eq!(
            input_body(&serde_json::json!({"KeyId": "k"})).unwrap(),
            br#"{"KeyId":"k"}"#
        );
        // Written into a buffer of its final size (it grew to 8 KiB for a 4 KiB plaintext).
        let text = crate::base64_codec::encode(&[7; 4096]);
        let body = input_body(&serde_json::json!({"KeyId": "k", "Plaintext": text})).unwrap();
        assert_eq!((body.capacity(), body.len()), (5492, 5492));
        for bad in [serde_json::json!([]), serde_json::json!("x"), Value::Null] {
            assert_eq!(input_body(&bad).unwrap_err().member(), "Input");
        }
        let mut deep = serde_json::json!({});
        for _ in 0..MAX_INPUT_DEPTH {
            deep = serde_json::json!({ "a": deep });
        }
        assert!(
            input_body(&deep)
                .unwrap_err()
                .problem()
                .contains("deeper than 32")
        );
    }

    #[test]
    fn secrets_leave_the_json() {
        let out = read_output(
            "GenerateRandom",
            br#"{"Plaintext":"AQID","CiphertextForRecipient":null,"KeyId":"k"}"#,
        )
        .unwrap();
        assert_eq!(out.secret("Plaintext").unwrap().as_bytes(), [1, 2, 3]);
        assert_eq!(out.json().len(), 2);
        let debug = format!("{out:?}");
        assert!(!debug.contains("AQID"), "{debug}");
        assert!(debug.contains("3 bytes"), "{debug}");
        assert_eq!(
            serde_json::to_string(&out.with_plaintext()).unwrap(),
            r#"{"CiphertextForRecipient":null,"KeyId":"k","Plaintext":"AQID"}"#
        );
        for bad in [
            &br#"{"Plaintext":"!!"}"#[..],
            br#"{"Plaintext":7}"#,
            br#"[1]"#,
            br#""AQID""#,
        ] {
            let e = read_output("Decrypt", bad).unwrap_err();
            assert_eq!(e.kind(), TransportErrorKind::InvalidResponse);
            assert!(!e.to_string().contains("AQID") && !e.to_string().contains("!!"));
        }
        assert_eq!(read_output("EnableKey", b"").unwrap().json().len(), 0);
        assert_eq!(read_output("CreateAlias", b"null").unwrap().json().len(), 0);
    }

    #[test]
    fn debug_redacts_sensitive_members_at_any_depth() {
        let v = serde_json::json!({
            "Message": "c2VjcmV0",
            "GrantTokens": ["t1"],
            "CustomKeyStores": [{"XksProxyConfiguration": {"AccessKeyId": "AKIA", "UriPath": "/p"}}],
        });
        let text = redacted(&v).to_string();
        assert!(!text.contains("c2VjcmV0") && !text.contains("t1") && !text.contains("AKIA"));
        assert!(text.contains("/p"), "{text}");
    }
}
