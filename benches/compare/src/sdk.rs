//! The aws-sdk-kms side: a client on a canned connector (nothing sent), and a client on the
//! SDK's default HTTP stack for the loopback round trip.

use std::hint::black_box;

use aws_sdk_kms::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_kms::primitives::Blob;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_runtime_api::shared::IntoShared;
use aws_smithy_types::body::SdkBody;

use crate::common::fixtures::{self, Size};

/// Answers every request with one canned response; sends nothing.
#[derive(Debug, Clone)]
pub struct Canned {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Canned {
    /// The success response of `size`, the same bytes kms-lite's canned transport returns.
    pub fn success(size: Size) -> Canned {
        let body = size.response_body();
        Canned {
            headers: fixtures::response_headers(body.len()),
            body,
        }
    }
}

impl HttpConnector for Canned {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        black_box(&request);
        let mut resp = HttpResponse::new(
            StatusCode::try_from(200u16).expect("200 is a status"),
            SdkBody::from(self.body.clone()),
        );
        for (n, v) in &self.headers {
            resp.headers_mut().insert(n.clone(), v.clone());
        }
        HttpConnectorFuture::ready(Ok(resp))
    }
}

impl HttpClient for Canned {
    fn http_connector(
        &self,
        _: &HttpConnectorSettings,
        _: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.clone().into_shared()
    }
}

/// An SDK config builder with the fixtures' region and credentials.
pub fn config() -> aws_sdk_kms::config::Builder {
    aws_sdk_kms::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(fixtures::REGION))
        .credentials_provider(Credentials::new(
            fixtures::ACCESS_KEY_ID,
            fixtures::SECRET_ACCESS_KEY,
            None,
            None,
            "bench",
        ))
}

/// A client whose requests go to `Canned` for `size`.
pub fn canned_client(size: Size) -> aws_sdk_kms::Client {
    aws_sdk_kms::Client::from_conf(config().http_client(Canned::success(size)).build())
}

/// A client on the SDK's default HTTP client, sending to `endpoint_url`.
pub fn http_client(endpoint_url: &str) -> aws_sdk_kms::Client {
    aws_sdk_kms::Client::from_conf(config().endpoint_url(endpoint_url).build())
}

/// One ReEncrypt call of `size` (blob already built, as kms-lite's request is).
pub async fn re_encrypt(
    client: &aws_sdk_kms::Client,
    size: Size,
    blob: &[u8],
) -> aws_sdk_kms::operation::re_encrypt::ReEncryptOutput {
    let mut b = client
        .re_encrypt()
        .ciphertext_blob(Blob::new(blob.to_vec()))
        .destination_key_id(fixtures::DESTINATION_KEY_ID);
    for (k, v) in size.context() {
        b = b
            .source_encryption_context(*k, *v)
            .destination_encryption_context(*k, *v);
    }
    b.send().await.expect("the canned ReEncrypt succeeds")
}
