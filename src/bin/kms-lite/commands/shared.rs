//! What the commands share: the request options, the client, how a failed call maps to an
//! exit code, and how a response and raw blobs are written out (files through [`files`]).

use std::path::Path;

use kms_lite::error::{ConfigError, ConfigErrorKind, Escaped, OperationError};
use kms_lite::{Client, EncryptionAlgorithmSpec, ReEncryptRequest};

use crate::args::{Globals, OutputFormat, ReEncryptArgs};
use crate::input::{self, ParamError};
use crate::output::query::Query;
use crate::output::{OperationName, Output, RenderError, Val};
use crate::{Failure, exit, files, write_stderr, write_stdout};

pub fn param(e: ParamError) -> Failure {
    Failure::Message(exit::USAGE, e.to_string())
}

/// The request without its ciphertext or dry-run members: keys, contexts, algorithms, grant
/// tokens.
pub fn request_template(a: &ReEncryptArgs) -> Result<ReEncryptRequest, Failure> {
    let mut req = ReEncryptRequest::new(a.destination_key_id.clone());
    if let Some(v) = &a.source_encryption_context {
        req.source_encryption_context =
            Some(input::context("--source-encryption-context", v).map_err(param)?);
    }
    if let Some(v) = &a.destination_encryption_context {
        req.destination_encryption_context =
            Some(input::context("--destination-encryption-context", v).map_err(param)?);
    }
    req.source_key_id = a.source_key_id.clone();
    req.source_encryption_algorithm = a
        .source_encryption_algorithm
        .as_deref()
        .map(EncryptionAlgorithmSpec::from);
    req.destination_encryption_algorithm = a
        .destination_encryption_algorithm
        .as_deref()
        .map(EncryptionAlgorithmSpec::from);
    req.grant_tokens = a.grant_tokens.clone();
    Ok(req)
}

/// The client the global options describe. `default_attempts` replaces the default of 3
/// attempts when neither `AWS_MAX_ATTEMPTS` nor the profile sets them.
pub fn build_client(g: &Globals, default_attempts: Option<u32>) -> Result<Client, Failure> {
    let mut b = Client::builder();
    if let Some(r) = &g.region {
        b = b.region(r.clone());
    }
    if let Some(u) = &g.endpoint_url {
        b = b.endpoint_url(u.clone());
    }
    if let Some(p) = &g.profile {
        b = b.profile(p.clone());
    }
    if g.debug {
        b = b.debug_log(|line| write_stderr(&format!("kms-lite debug: {line}\n")));
    }
    if let Some(t) = g.connect_timeout {
        b = b.connect_timeout(t);
    }
    if let Some(t) = g.read_timeout {
        b = b.read_timeout(t);
    }
    if let Some(path) = &g.ca_bundle {
        b = b.ca_bundle_file(path.clone());
    }
    if let Some(n) = default_attempts {
        b = b.default_max_attempts(n);
    }
    b.build().map_err(|e| config_failure(g, &e))
}

/// A configuration error as the AWS CLI reports it: a bad value of one of our own options
/// (`--region`, `--endpoint-url`, `--ca-bundle`) is a usage error (252), anything else a
/// configuration error (253).
fn config_failure(g: &Globals, e: &ConfigError) -> Failure {
    match e.kind() {
        ConfigErrorKind::Region if g.region.is_some() => Failure::Message(
            exit::USAGE,
            format!(
                "Provided region_name '{}' doesn't match a supported format.",
                Escaped(g.region.as_deref().unwrap_or_default())
            ),
        ),
        ConfigErrorKind::Endpoint if g.endpoint_url.is_some() => {
            Failure::Message(exit::USAGE, format!("Bad value for --endpoint-url: {e}"))
        }
        ConfigErrorKind::CaBundle if g.ca_bundle.is_some() => {
            Failure::Message(exit::USAGE, e.to_string())
        }
        _ => Failure::Message(exit::CONFIG, e.to_string()),
    }
}

/// The exit code and message for a failed call, as the AWS CLI reports it: 254 for a service
/// error, 252 for a parameter the model rejects, 253 for missing credentials, 255 otherwise.
/// The library's error text never holds a plaintext or a request body.
pub fn classify<E: OperationError>(e: &E) -> (u8, String) {
    if let Some(se) = e.service_error() {
        return (exit::SERVICE, se.to_string());
    }
    if let Some(p) = e.parameter_error() {
        return (exit::USAGE, format!("Parameter validation failed:\n{p}"));
    }
    if let Some(c) = e.credentials_error() {
        return (exit::CONFIG, format!("Unable to locate credentials: {c}"));
    }
    (exit::OTHER, e.to_string())
}

/// The failure for a failed single call. A dry run that would have succeeded
/// (`DryRunOperationException`) is reported on stderr and is a success.
pub fn call_failure<E: OperationError>(e: &E, dry_run: Option<bool>) -> Failure {
    if let Some(se) = e.service_error() {
        if dry_run == Some(true) && se.code() == "DryRunOperationException" {
            let detail = se
                .message()
                .unwrap_or("the request would have succeeded, but the DryRun option is set.");
            // The service's text, escaped like every error line.
            let detail = Escaped(detail);
            write_stderr(&format!("Dry run succeeded: {detail}\n"));
            return Failure::Quiet(exit::OK);
        }
    }
    let (code, message) = classify(e);
    Failure::Message(code, message)
}

/// How the response will be printed: `--output`, else `AWS_DEFAULT_OUTPUT`, else the
/// selected profile's `output`, else JSON (the AWS CLI v2's order), with `--query` compiled.
/// Commands call it first, so that a bad value stops them before anything is read or sent:
/// a bad query with the AWS CLI's 252, an unknown format with its `Unknown output type`
/// (255), a malformed config file as the client would report it (253).
pub fn output_format(g: &Globals) -> Result<Output, Failure> {
    let query = match &g.query {
        Some(q) => Some(Query::parse(q).map_err(|e| bad_query(q, &e))?),
        None => None,
    };
    let format = match g.output {
        Some(f) => f,
        None => configured_format(g)?,
    };
    Ok(Output { format, query })
}

fn bad_query(expression: &str, e: &crate::output::query::QueryError) -> Failure {
    Failure::Message(
        exit::USAGE,
        format!("Bad value for --query {expression}: {e}"),
    )
}

/// `AWS_DEFAULT_OUTPUT` (blank counts as unset, as for every variable here), else the
/// profile's `output`, else JSON.
fn configured_format(g: &Globals) -> Result<OutputFormat, Failure> {
    let name = match std::env::var_os("AWS_DEFAULT_OUTPUT") {
        Some(v) if !v.to_string_lossy().trim().is_empty() => v.to_string_lossy().trim().to_owned(),
        _ => {
            let shared = kms_lite::config::SharedConfig::load(
                kms_lite::config::Env::process(),
                g.profile.as_deref(),
            )
            .map_err(|e| Failure::Message(exit::CONFIG, e.to_string()))?;
            match shared.profile_value("output") {
                Some(v) => v.to_owned(),
                None => return Ok(OutputFormat::Json),
            }
        }
    };
    OutputFormat::parse(&name)
        .ok_or_else(|| Failure::Message(exit::OTHER, format!("Unknown output type: {name}")))
}

/// A blob the user asked for as raw bytes (`--ciphertext-out`, `--plaintext-out`).
pub struct RawOut<'a> {
    /// The option, for messages.
    pub option: &'static str,
    /// What it is, for messages: `ciphertext`, `plaintext`.
    pub what: &'static str,
    /// `-` for stdout, else a file path.
    pub dest: &'a str,
    pub bytes: &'a [u8],
    /// A plaintext: its file is 0600 on Unix (see [`files::Output::open`]).
    pub private: bool,
}

/// Takes a member out of the response when it is to be written raw (`out` is set), so that it
/// is not printed as well.
pub fn take_if<T>(out: &Option<String>, member: &mut Option<T>) -> Option<T> {
    out.as_ref().and_then(|_| member.take())
}

/// The `--ciphertext-out` destination of a response's `CiphertextBlob` (`what` names it in
/// error messages).
pub fn ciphertext_out<'a>(
    dest: &'a str,
    blob: Option<&'a [u8]>,
    what: &'static str,
) -> Result<RawOut<'a>, Failure> {
    Ok(RawOut {
        option: "--ciphertext-out",
        what,
        dest,
        bytes: member(blob, "CiphertextBlob")?,
        private: false,
    })
}

/// `--dry-run-modifiers` as the library's type (unknown values are kept for its validation).
pub fn dry_run_modifiers(given: &Option<Vec<String>>) -> Option<Vec<kms_lite::DryRunModifierType>> {
    given.as_ref().map(|m| {
        m.iter()
            .map(|s| kms_lite::DryRunModifierType::from(s.as_str()))
            .collect()
    })
}

/// The member a raw output needs, or the failure when the response lacks it (nothing is
/// written then).
pub fn member<'a>(value: Option<&'a [u8]>, name: &str) -> Result<&'a [u8], Failure> {
    value.ok_or_else(|| {
        Failure::Message(
            exit::OTHER,
            format!("the response carried no {name}; nothing was written"),
        )
    })
}

/// Writes the raw outputs, files first in the order given, then the one going to stdout, if
/// any. When none goes to stdout, prints `response` (`--query` applied, in the chosen format,
/// a table titled with the operation's name): the caller has removed the members written raw
/// from it. A write error names the option and the path, never the bytes.
pub fn finish<T: serde::Serialize + OperationName>(
    g: &Globals,
    format: Output,
    outs: &[RawOut<'_>],
    response: &T,
) -> Result<(), Failure> {
    // `/dev/stdout` and the like are stdout, as `-` is.
    for o in outs.iter().filter(|o| !files::is_stdout(o.dest)) {
        files::write(Path::new(o.dest), o.bytes, o.private).map_err(|e| {
            Failure::Message(
                exit::OTHER,
                format!(
                    "cannot write the {} ({}) to {}: {e}",
                    o.what,
                    o.option,
                    files::shown(Path::new(o.dest))
                ),
            )
        })?;
    }
    if let Some(o) = outs.iter().find(|o| files::is_stdout(o.dest)) {
        return write_stdout(o.bytes);
    }
    let mut value = Val::from_response(response).map_err(|m| Failure::Message(exit::OTHER, m))?;
    let rendered = format.render(&value, T::NAME);
    value.wipe();
    let mut text = rendered
        .map_err(|e| match e {
            RenderError::Query(e) => bad_query(g.query.as_deref().unwrap_or_default(), &e),
            RenderError::Shape(m) => Failure::Message(exit::OTHER, m),
        })?
        .into_bytes();
    let result = write_stdout(&text);
    // The text may hold a plaintext the user chose to print: clear this copy.
    text.fill(0);
    std::hint::black_box(&mut text);
    result
}
