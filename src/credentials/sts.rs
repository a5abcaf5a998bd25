//! AWS STS over its Query protocol: `AssumeRole` (signed, service `sts`) and
//! `AssumeRoleWithWebIdentity` (unsigned). Form-encoded POST bodies, XML answers.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::fetch::{check_not_expired, safe_text};
use super::retry::{Attempt, classify_status, transport_failure, with_retries};
use super::{Credentials, CredentialsError, ProviderConfig};
use crate::clock::Clock;
use crate::endpoint::Endpoint;
use crate::http::HttpClient;
use crate::http::HttpRequest;
use crate::retry::RetryKind;
use crate::sigv4;

/// The content type of STS Query requests.
pub(crate) const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";
const VERSION: &str = "2011-06-15";

/// The parameters of one `AssumeRole`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoleParams {
    pub(crate) role_arn: String,
    pub(crate) session_name: Option<String>,
    pub(crate) external_id: Option<String>,
    pub(crate) duration_seconds: Option<u32>,
}

/// A configured STS endpoint.
pub(crate) struct Sts {
    endpoint: Endpoint,
    region: String,
    http: Arc<dyn HttpClient>,
    clock: Arc<dyn Clock>,
    cfg: ProviderConfig,
}

/// The session name used when none is configured: `kms-lite-<unix millis>`.
pub(crate) fn default_session_name(now: SystemTime) -> String {
    let millis = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis();
    format!("kms-lite-{millis}")
}

impl Sts {
    /// STS in the configured region, at `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, the
    /// profile's services `sts = endpoint_url` or `endpoint_url`, else `https://sts.{region}.{suffix}`.
    pub(crate) fn new(cfg: &ProviderConfig) -> Result<Sts, CredentialsError> {
        let region = cfg.sts_region();
        let (url, _) = cfg
            .shared()
            .service_endpoint("sts", &region, cfg.options())
            .map_err(CredentialsError::from_config)?;
        let endpoint = Endpoint::parse(&url).map_err(CredentialsError::from_config)?;
        let http = cfg.http_for(&endpoint)?;
        Ok(Sts {
            endpoint,
            region,
            http,
            clock: Arc::clone(cfg.clock_ref()),
            cfg: cfg.clone(),
        })
    }

    /// `AssumeRole` signed with `creds`.
    pub(crate) fn assume_role(
        &self,
        creds: &Credentials,
        params: &RoleParams,
    ) -> Result<Credentials, CredentialsError> {
        let session = params
            .session_name
            .clone()
            .unwrap_or_else(|| default_session_name(self.clock.now()));
        let duration = params.duration_seconds.map(|d| d.to_string());
        let mut form = vec![
            ("Action", "AssumeRole"),
            ("Version", VERSION),
            ("RoleArn", params.role_arn.as_str()),
            ("RoleSessionName", session.as_str()),
        ];
        if let Some(id) = &params.external_id {
            form.push(("ExternalId", id));
        }
        if let Some(d) = &duration {
            form.push(("DurationSeconds", d));
        }
        let what = format!("STS AssumeRole for {}", params.role_arn);
        self.call(&form, Some(creds), "AssumeRoleResult", &what, "assume role")
    }

    /// `AssumeRoleWithWebIdentity`, unsigned: the token is the proof.
    pub(crate) fn assume_role_with_web_identity(
        &self,
        role_arn: &str,
        session_name: Option<&str>,
        token: &str,
    ) -> Result<Credentials, CredentialsError> {
        let session = session_name
            .map(str::to_owned)
            .unwrap_or_else(|| default_session_name(self.clock.now()));
        let form = [
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", VERSION),
            ("RoleArn", role_arn),
            ("RoleSessionName", session.as_str()),
            ("WebIdentityToken", token),
        ];
        let what = format!("STS AssumeRoleWithWebIdentity for {role_arn}");
        self.call(
            &form,
            None,
            "AssumeRoleWithWebIdentityResult",
            &what,
            "web identity",
        )
    }

    fn call(
        &self,
        form: &[(&str, &str)],
        creds: Option<&Credentials>,
        result_element: &str,
        what: &str,
        source: &'static str,
    ) -> Result<Credentials, CredentialsError> {
        let body = form_encode(form).into_bytes();
        // Every attempt is signed afresh (its own time); standard-mode retries.
        let resp = with_retries(&self.cfg, self.cfg.max_attempts_value(), |_| {
            let request = match creds {
                Some(c) => self.signed(body.clone(), c),
                None => HttpRequest {
                    method: "POST",
                    url: self.endpoint.shared_url(),
                    headers: vec![("content-type", FORM_CONTENT_TYPE.into())],
                    body: body.clone(),
                },
            };
            let resp = match self.http.send(&request, None) {
                Ok(resp) => resp,
                Err(e) => return transport_failure(what, e),
            };
            if (200..300).contains(&resp.status) {
                return Attempt::Ok(resp);
            }
            let text = String::from_utf8_lossy(&resp.body);
            let parsed = crate::xml::parse_sts_error(&text);
            let kind = classify_status(resp.status, parsed.as_ref().map(|(c, _)| c.as_str()));
            let err = match parsed {
                Some((code, message)) => CredentialsError::new(format!(
                    "{what} failed: {} (HTTP {}): {}",
                    safe_text(&code),
                    resp.status,
                    // CredentialsError's Display escapes control characters.
                    message.chars().take(400).collect::<String>()
                )),
                None => CredentialsError::new(format!(
                    "{what} failed: HTTP {} {} without an STS error document",
                    resp.status,
                    crate::codec::reason_phrase(resp.status)
                )),
            };
            match kind {
                RetryKind::No => Attempt::Fail(err),
                kind => Attempt::Retry(kind, err),
            }
        })?;
        let text = String::from_utf8_lossy(&resp.body);
        let parsed = crate::xml::parse_sts_credentials(&text, result_element).map_err(|e| {
            CredentialsError::new(format!("{what}: unusable answer: {e}")).with_source(e)
        })?;
        check_not_expired(parsed.expiration, what, self.clock.now())?;
        Ok(Credentials::new(
            parsed.access_key_id.clone(),
            parsed.secret_access_key.clone(),
            Some(parsed.session_token.clone()),
        )
        .with_expiry(Some(parsed.expiration))
        .with_source(source))
    }

    fn signed(&self, body: Vec<u8>, creds: &Credentials) -> HttpRequest {
        let time = self.clock.now();
        let date = sigv4::amz_date(time);
        let token = creds.session_token();
        let mut headers: Vec<(&str, &str)> = vec![
            ("content-type", FORM_CONTENT_TYPE),
            ("host", &self.endpoint.host),
            ("x-amz-date", date.as_str()),
        ];
        if let Some(t) = token {
            headers.push(("x-amz-security-token", t));
        }
        let signature = sigv4::sign(
            &sigv4::SignableRequest {
                method: "POST",
                path: &self.endpoint.path,
                query: "",
                headers: &headers,
                payload: sigv4::Payload::Bytes(&body),
            },
            &sigv4::SigningParams {
                access_key_id: creds.access_key_id(),
                secret_access_key: creds.secret_access_key(),
                region: &self.region,
                service: "sts",
                time,
                settings: sigv4::SigningSettings::default(),
            },
            None,
        );
        let mut sent = vec![
            ("content-type", FORM_CONTENT_TYPE.to_owned()),
            ("x-amz-date", date.as_str().to_owned()),
        ];
        if let Some(t) = token {
            sent.push(("x-amz-security-token", t.to_owned()));
        }
        sent.push(("authorization", signature.authorization().to_owned()));
        HttpRequest {
            method: "POST",
            url: self.endpoint.shared_url(),
            headers: sent.into_iter().map(|(n, v)| (n, v.into())).collect(),
            body,
        }
    }
}

/// `application/x-www-form-urlencoded` with RFC 3986 unreserved characters left as they are.
pub(crate) fn form_encode(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        encode_into(&mut out, k);
        out.push('=');
        encode_into(&mut out, v);
    }
    out
}

fn encode_into(out: &mut String, s: &str) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding() {
        assert_eq!(
            form_encode(&[("RoleArn", "arn:aws:iam::1:role/a b"), ("X", "~._-")]),
            "RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fa%20b&X=~._-"
        );
    }
}
