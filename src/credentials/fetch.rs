//! Helpers shared by the providers that read JSON credentials (container, instance metadata,
//! `credential_process`): field checks, expiry checks and error texts that never hold a value.

use std::time::SystemTime;

use serde::Deserialize;

use super::{Credentials, CredentialsError};
use crate::error::JsonProblem;
use crate::http::HttpResponse;

/// The credentials document of the container and instance metadata endpoints.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MetadataDoc {
    code: Option<String>,
    access_key_id: Option<String>,
    secret_access_key: Option<String>,
    token: Option<String>,
    expiration: Option<String>,
}

/// `{what}: the {document} is not valid JSON (line 1, column 2)`, with the problem as the
/// error's source: kind and position only (serde's text can quote values).
pub(crate) fn json_error(what: &str, document: &str, e: &serde_json::Error) -> CredentialsError {
    let problem = JsonProblem::new(e);
    CredentialsError::new(format!("{what}: the {document} {}", problem.predicate()))
        .with_source(problem)
}

/// A required non-empty field, or an error naming it.
pub(crate) fn required(
    value: Option<String>,
    field: &str,
    what: &str,
) -> Result<String, CredentialsError> {
    value
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| CredentialsError::new(format!("{what}: the answer has no {field}")))
}

/// Parses an RFC 3339 expiry and refuses one already past.
pub(crate) fn expiry(
    value: &str,
    what: &str,
    now: SystemTime,
) -> Result<SystemTime, CredentialsError> {
    let at = crate::timestamp::parse_rfc3339(value.trim()).ok_or_else(|| {
        CredentialsError::new(format!("{what}: Expiration is not an RFC 3339 timestamp"))
    })?;
    check_not_expired(at, what, now)?;
    Ok(at)
}

/// An error when `at` is not in the future.
pub(crate) fn check_not_expired(
    at: SystemTime,
    what: &str,
    now: SystemTime,
) -> Result<(), CredentialsError> {
    if at <= now {
        return Err(CredentialsError::new(format!(
            "{what}: the credentials received had already expired (at {})",
            crate::sigv4::amz_date(at).as_str()
        )));
    }
    Ok(())
}

/// Reads `{"Code": "Success", "AccessKeyId", "SecretAccessKey", "Token", "Expiration"}`.
pub(crate) fn metadata_credentials(
    body: &[u8],
    what: &str,
    source: &'static str,
    now: SystemTime,
) -> Result<Credentials, CredentialsError> {
    let doc: MetadataDoc =
        serde_json::from_slice(body).map_err(|e| json_error(what, "answer", &e))?;
    if let Some(code) = doc.code.as_deref() {
        if code != "Success" {
            return Err(CredentialsError::new(format!(
                "{what}: the answer has Code {:?} instead of Success",
                safe_text(code)
            )));
        }
    }
    let id = required(doc.access_key_id, "AccessKeyId", what)?;
    let secret = required(doc.secret_access_key, "SecretAccessKey", what)?;
    let token = required(doc.token, "Token", what)?;
    let exp = required(doc.expiration, "Expiration", what)?;
    let at = expiry(&exp, what, now)?;
    Ok(Credentials::new(id, secret, Some(token))
        .with_expiry(Some(at))
        .with_source(source))
}

/// An error for a non-2xx answer: status, and nothing from the body.
pub(crate) fn status_error(what: &str, resp: &HttpResponse) -> CredentialsError {
    CredentialsError::new(format!(
        "{what}: the endpoint answered HTTP {} {}",
        resp.status,
        crate::codec::reason_phrase(resp.status)
    ))
}

/// At most 64 characters of a value that is not secret but came from outside (the error's
/// `Display` escapes its control characters, see [`crate::error::Escaped`]).
pub(crate) fn safe_text(s: &str) -> String {
    s.chars().take(64).collect()
}
