//! Building the signed HTTP request of one attempt: a pure function of the body, endpoint,
//! credentials and time. No I/O.

use std::sync::Arc;
use std::time::SystemTime;

use crate::codec::CONTENT_TYPE;
use crate::credentials::Credentials;
use crate::endpoint::Endpoint;
use crate::http::{HeaderValue, HttpRequest};
use crate::sigv4;

/// The signing service name of KMS.
pub const SERVICE: &str = "kms";

/// What signing one attempt needs besides the body.
#[derive(Debug, Clone, Copy)]
pub struct SigningContext<'a> {
    /// Where the request goes.
    pub endpoint: &'a Endpoint,
    /// The signing region (always the plain region, also for FIPS and dual-stack endpoints).
    pub region: &'a str,
    /// The credentials to sign with.
    pub credentials: &'a Credentials,
    /// The signing time (already corrected for clock skew).
    pub time: SystemTime,
    /// A cache of derived signing keys, so a day's requests derive the key once.
    pub key_cache: Option<&'a sigv4::SigningKeyCache>,
}

/// Builds and signs a KMS JSON request for `target` (`TrentService.ReEncrypt`) with `body`.
///
/// The headers sent, in order: `content-type`, `x-amz-target`, `x-amz-date`,
/// `x-amz-security-token` (with temporary credentials), `authorization`; the client then adds
/// two unsigned ones (`amz-sdk-invocation-id`, `amz-sdk-request`), for which room is kept. The
/// transport adds `host`, `content-length` and `user-agent`. Signed: `content-type`, `host`,
/// `x-amz-date`, `x-amz-security-token`, `x-amz-target`.
///
/// Nothing that is the same for every attempt is copied: the URL and the session token are
/// shared, the date is held inline.
pub fn signed_request(
    target: &'static str,
    body: Vec<u8>,
    ctx: &SigningContext<'_>,
) -> HttpRequest {
    let date = sigv4::amz_date(ctx.time);
    let token = ctx.credentials.session_token();
    let mut signed: [(&str, &str); 5] = [
        ("content-type", CONTENT_TYPE),
        ("host", &ctx.endpoint.host),
        ("x-amz-date", date.as_str()),
        ("x-amz-target", target),
        ("", ""),
    ];
    let n = match token {
        Some(t) => {
            signed[4] = ("x-amz-security-token", t);
            5
        }
        None => 4,
    };
    let signature = sigv4::sign(
        &sigv4::SignableRequest {
            method: "POST",
            path: &ctx.endpoint.path,
            query: "",
            headers: &signed[..n],
            payload: sigv4::Payload::Bytes(&body),
        },
        &sigv4::SigningParams {
            access_key_id: ctx.credentials.access_key_id(),
            secret_access_key: ctx.credentials.secret_access_key(),
            region: ctx.region,
            service: SERVICE,
            time: ctx.time,
            settings: sigv4::SigningSettings::default(),
        },
        ctx.key_cache,
    );
    let mut headers: Vec<(&'static str, HeaderValue)> = Vec::with_capacity(7);
    headers.push(("content-type", HeaderValue::Static(CONTENT_TYPE)));
    headers.push(("x-amz-target", HeaderValue::Static(target)));
    headers.push(("x-amz-date", HeaderValue::Date(date)));
    if let Some(t) = ctx.credentials.shared_session_token() {
        headers.push(("x-amz-security-token", HeaderValue::Shared(Arc::clone(t))));
    }
    headers.push((
        "authorization",
        HeaderValue::Owned(signature.into_authorization()),
    ));
    HttpRequest {
        method: "POST",
        url: ctx.endpoint.shared_url(),
        headers,
        body,
    }
}
