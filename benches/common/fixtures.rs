//! The inputs every bench uses, so kms-lite, aws-sdk-kms and aws-sigv4 see the same bytes.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kms_lite::ReEncryptRequest;
use kms_lite::credentials::Credentials;
use kms_lite::error::TransportError;
use kms_lite::http::HttpClient;
use kms_lite::http::{HttpRequest, HttpResponse};

/// Test credentials (the AWS documentation's example key).
pub const ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
/// Test secret.
pub const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// The region.
pub const REGION: &str = "us-east-1";
/// The destination key.
pub const DESTINATION_KEY_ID: &str = "alias/example-destination";
/// `X-Amz-Target` of ReEncrypt.
pub const TARGET: &str = "TrentService.ReEncrypt";
/// The key ARN the canned responses name.
pub const KEY_ARN: &str =
    "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
/// The two-entry encryption context of the small request (source and destination).
pub const CONTEXT: [(&str, &str); 2] = [("tenant", "acme-42"), ("purpose", "backup")];
/// Blob size of the small request.
pub const SMALL_BLOB: usize = 200;
/// Blob size of the large request (KMS's maximum ciphertext).
pub const LARGE_BLOB: usize = 6144;

/// A fixed signing time (2026-11-29), so every signature is reproducible.
pub fn time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_915_460)
}

/// Deterministic pseudo-random bytes (splitmix64).
pub fn bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ seed ^ len as u64;
    (0..len)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) as u8
        })
        .collect()
}

/// Which request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// 200-byte blob, two-entry source and destination context.
    Small,
    /// 6144-byte blob, no context.
    Large,
}

impl Size {
    /// Both, small first.
    pub const ALL: [Size; 2] = [Size::Small, Size::Large];

    /// `small` or `large`.
    pub fn name(self) -> &'static str {
        match self {
            Size::Small => "small",
            Size::Large => "large",
        }
    }

    /// The ciphertext blob.
    pub fn blob(self) -> Vec<u8> {
        match self {
            Size::Small => bytes(SMALL_BLOB, 1),
            Size::Large => bytes(LARGE_BLOB, 2),
        }
    }

    /// The encryption context (source and destination), if any.
    pub fn context(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Size::Small => &CONTEXT,
            Size::Large => &[],
        }
    }

    /// The kms-lite request.
    pub fn request(self) -> ReEncryptRequest {
        let req = ReEncryptRequest::new(DESTINATION_KEY_ID).ciphertext_blob(self.blob());
        match self {
            Size::Small => req
                .source_encryption_context(CONTEXT)
                .destination_encryption_context(CONTEXT),
            Size::Large => req,
        }
    }

    /// The canned success body: a new ciphertext of the same size.
    pub fn response_body(self) -> Vec<u8> {
        let blob = kms_lite::base64::encode(&bytes(self.blob().len(), 3));
        format!(
            r#"{{"CiphertextBlob":"{blob}","KeyId":"{KEY_ARN}","SourceKeyId":"{KEY_ARN}","SourceEncryptionAlgorithm":"SYMMETRIC_DEFAULT","DestinationEncryptionAlgorithm":"SYMMETRIC_DEFAULT"}}"#
        )
        .into_bytes()
    }
}

/// kms-lite credentials.
pub fn credentials() -> Credentials {
    Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None)
}

/// A session token of the length STS returns for an assumed role (about 1 KiB), for the rows
/// that sign with temporary credentials, as on EC2, ECS, Lambda or SSO.
pub fn session_token() -> String {
    let raw = bytes(760, 4);
    let mut token = String::from("IQoJb3JpZ2luX2VjE");
    token.push_str(&kms_lite::base64::encode(&raw));
    token
}

/// kms-lite temporary credentials: [`credentials`] with [`session_token`].
pub fn temporary_credentials() -> Credentials {
    Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, Some(session_token()))
}

/// The headers of every canned response.
pub fn response_headers(len: usize) -> Vec<(String, String)> {
    vec![
        (
            "x-amzn-RequestId".to_owned(),
            "0b9a6b7e-5d1c-4b7a-9a7e-3f6d2c1b0a99".to_owned(),
        ),
        (
            "Content-Type".to_owned(),
            "application/x-amz-json-1.1".to_owned(),
        ),
        ("Content-Length".to_owned(), len.to_string()),
        (
            "Date".to_owned(),
            "Sun, 29 Nov 2026 02:44:20 GMT".to_owned(),
        ),
    ]
}

/// A canned error response (`NotFoundException`).
pub fn error_response() -> HttpResponse {
    let body = br#"{"__type":"com.amazonaws.kms#NotFoundException","message":"Alias arn:aws:kms:us-east-1:111122223333:alias/example-destination is not found."}"#.to_vec();
    HttpResponse::new(400, response_headers(body.len()), body)
}

/// A transport that sends nothing and answers every request with the same response.
#[derive(Debug, Clone)]
pub struct CannedHttp {
    /// The answer.
    pub response: HttpResponse,
}

impl CannedHttp {
    /// Answers with `size`'s success body.
    pub fn success(size: Size) -> CannedHttp {
        let body = size.response_body();
        CannedHttp {
            response: HttpResponse::new(200, response_headers(body.len()), body),
        }
    }
}

impl HttpClient for CannedHttp {
    fn send(
        &self,
        request: &HttpRequest,
        _timeout: Option<Duration>,
    ) -> Result<HttpResponse, TransportError> {
        std::hint::black_box(request);
        Ok(self.response.clone())
    }
}

/// A kms-lite client on `http`, configured only from what is passed (no process environment).
pub fn client(http: impl HttpClient + 'static, endpoint_url: Option<&str>) -> kms_lite::Client {
    client_with(http, endpoint_url, credentials())
}

/// [`client`] signing with `credentials`.
pub fn client_with(
    http: impl HttpClient + 'static,
    endpoint_url: Option<&str>,
    credentials: Credentials,
) -> kms_lite::Client {
    let mut b = kms_lite::Client::builder()
        .region(REGION)
        .env(kms_lite::config::Env::from_pairs::<&str, &str>([]))
        .credentials(credentials)
        .http_client(http);
    if let Some(url) = endpoint_url {
        b = b.endpoint_url(url);
    }
    b.build().expect("bench client builds")
}

/// A kms-lite client on its default (ureq) transport, sending to `endpoint_url`.
pub fn client_default_http(endpoint_url: &str) -> kms_lite::Client {
    kms_lite::Client::builder()
        .region(REGION)
        .env(kms_lite::config::Env::from_pairs::<&str, &str>([]))
        .credentials(credentials())
        .endpoint_url(endpoint_url)
        .build()
        .expect("bench client builds")
}
