//! What the commands share: the client, how a failed call maps to an exit code, the request
//! members several commands take, and how a response and raw blobs are written out (files
//! through [`files`]).

use std::io::IsTerminal;
use std::path::Path;

use kms_lite::error::{ConfigError, ConfigErrorKind, Escaped, OperationError};
use kms_lite::retry::RetryMode;
use kms_lite::{Client, EncryptionAlgorithmSpec, RecipientInfo};

use crate::args::{Globals, Invocation, OutputFormat};
use crate::output::query::Query;
use crate::output::{OperationName, Output, RenderError, Val};
use crate::params::Params;
use crate::{Failure, exit, files, opts, write_stderr, write_stdout};

/// The client the global options describe. `default_retry_mode` replaces the standard mode
/// when neither `AWS_RETRY_MODE` nor the profile's `retry_mode` sets one.
pub fn build_client(g: &Globals, default_retry_mode: Option<RetryMode>) -> Result<Client, Failure> {
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
    if let Some(mode) = default_retry_mode {
        b = b.default_retry_mode(mode);
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
        ConfigErrorKind::Endpoint if g.endpoint_url.is_some() => Failure::Message(
            exit::USAGE,
            format!("Bad value for {}: {e}", opts::ENDPOINT_URL.name),
        ),
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
    Ok(Output {
        format,
        query,
        terminal: std::io::stdout().is_terminal(),
    })
}

fn bad_query(expression: &str, e: &crate::output::query::QueryError) -> Failure {
    let expression = kms_lite::error::Escaped(expression);
    Failure::Message(
        exit::USAGE,
        format!("Bad value for {} {expression}: {e}", opts::QUERY.name),
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
    // The value may come from a file or a variable: escaped, it cannot drive the terminal.
    OutputFormat::parse(&name).ok_or_else(|| {
        let name = kms_lite::error::Escaped(&name);
        Failure::Message(exit::OTHER, format!("Unknown output type: {name}"))
    })
}

/// What a command that calls one operation needs first, checked before anything is read or
/// sent: the output format, the raw destinations, and the request members.
pub fn prepare(inv: &Invocation) -> Result<(Output, RawDests, Params), Failure> {
    let format = output_format(&inv.globals)?;
    let dests = raw_dests(inv)?;
    let params = crate::params::params(inv)?;
    Ok((format, dests, params))
}

/// Writes the blobs taken out of `response` to their `--ciphertext-out` and `--plaintext-out`
/// destinations (the ciphertext first), then prints the rest (see [`finish`]). `what` names
/// the ciphertext in messages.
pub fn respond<T: serde::Serialize + OperationName>(
    g: &Globals,
    format: Output,
    dests: &RawDests,
    (ciphertext, what): (Option<Vec<u8>>, &'static str),
    plaintext: Option<kms_lite::SecretBytes>,
    response: &T,
) -> Result<(), Failure> {
    let mut outs = Vec::new();
    if let Some(dest) = &dests.ciphertext {
        outs.push(ciphertext_out(dest, ciphertext.as_deref(), what)?);
    }
    if let Some(dest) = &dests.plaintext {
        outs.push(plaintext_out(dest, plaintext.as_ref())?);
    }
    finish(g, format, &outs, response)
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
        option: opts::CIPHERTEXT_OUT.name,
        what,
        dest,
        bytes: member(blob, "CiphertextBlob")?,
        private: false,
    })
}

/// The `--plaintext-out` destination of a response's `Plaintext` (a 0600 file).
pub fn plaintext_out<'a>(
    dest: &'a str,
    plaintext: Option<&'a kms_lite::SecretBytes>,
) -> Result<RawOut<'a>, Failure> {
    Ok(RawOut {
        option: opts::PLAINTEXT_OUT.name,
        what: "plaintext",
        dest,
        bytes: member(plaintext.map(kms_lite::SecretBytes::as_bytes), "Plaintext")?,
        private: true,
    })
}

/// `DryRunModifiers` as the library's type (unknown values are kept for its validation).
pub fn dry_run_modifiers(p: &mut Params) -> Option<Vec<kms_lite::DryRunModifierType>> {
    p.list("DryRunModifiers").map(|m| {
        m.iter()
            .map(|s| kms_lite::DryRunModifierType::from(s.as_str()))
            .collect()
    })
}

/// An algorithm member as the library's type.
pub fn algorithm(p: &mut Params, member: &str) -> Option<EncryptionAlgorithmSpec> {
    p.string(member)
        .as_deref()
        .map(EncryptionAlgorithmSpec::from)
}

/// The `Recipient` member as the library's type.
pub fn recipient(p: &mut Params) -> Option<RecipientInfo> {
    let mut members = p.structure("Recipient")?;
    let mut r = RecipientInfo::default();
    r.key_encryption_algorithm = members
        .string("KeyEncryptionAlgorithm")
        .as_deref()
        .map(kms_lite::KeyEncryptionMechanism::from);
    r.attestation_document = members.blob("AttestationDocument");
    Some(r)
}

/// `--plaintext-out` with a recipient: the plaintext comes back only encrypted for the
/// recipient (the recipient may come from `--cli-input-json`, so this is checked on the
/// request).
pub fn check_recipient(dests: &RawDests, recipient: &Option<RecipientInfo>) -> Result<(), Failure> {
    if dests.plaintext.is_some() && recipient.is_some() {
        return Err(Failure::Usage(format!(
            "argument {}: not allowed with argument {} (the plaintext comes back only \
             encrypted for the recipient, as CiphertextForRecipient)",
            opts::PLAINTEXT_OUT.name,
            opts::RECIPIENT.name
        )));
    }
    Ok(())
}

/// Where `--ciphertext-out` and `--plaintext-out` send the raw blobs.
#[derive(Debug, Default)]
pub struct RawDests {
    pub ciphertext: Option<String>,
    pub plaintext: Option<String>,
}

/// `--ciphertext-out` and `--plaintext-out`, checked before anything is read or sent: not
/// empty, not stdout with `--query` (stdout carries only the raw bytes), not one file, and the
/// plaintext not stderr.
pub fn raw_dests(inv: &Invocation) -> Result<RawDests, Failure> {
    let options = [&opts::PLAINTEXT_OUT, &opts::CIPHERTEXT_OUT];
    let [plaintext, ciphertext] = options.map(|o| inv.one(o));
    for (o, v) in options.iter().zip([plaintext, ciphertext]) {
        if v == Some("") {
            return Err(Failure::Usage(format!(
                "argument {}: expected a file path or -",
                o.name
            )));
        }
        // `/dev/stdout` and the like are stdout, as `-` is.
        if let Some(dest) = v.filter(|d| files::is_stdout(d)) {
            if inv.globals.query.is_some() {
                return Err(Failure::Usage(format!(
                    "argument {}: not allowed with argument {} {} (stdout carries only the \
                     raw bytes)",
                    opts::QUERY.name,
                    o.name,
                    files::shown(Path::new(dest))
                )));
            }
        }
    }
    // Logs are collected from stderr (CI jobs, systemd, container runtimes): never a plaintext.
    if plaintext.is_some_and(files::is_stderr) {
        return Err(Failure::Usage(format!(
            "argument {}: names stderr, where logs are collected; the plaintext goes only to a \
             file or to stdout (-)",
            opts::PLAINTEXT_OUT.name
        )));
    }
    if let (Some(p), Some(c)) = (plaintext, ciphertext) {
        // One file by another name too (a link, `./`, `-` and /dev/stdout): nothing is sent.
        if files::same_file(p, c) {
            let (c_opt, p_opt) = (opts::CIPHERTEXT_OUT.name, opts::PLAINTEXT_OUT.name);
            return Err(Failure::Usage(if p == "-" {
                format!(
                    "argument {c_opt}: not allowed with argument {p_opt} - (stdout can carry \
                     only one of them)"
                )
            } else {
                format!("argument {c_opt}: not allowed with argument {p_opt} naming the same file")
            }));
        }
    }
    Ok(RawDests {
        ciphertext: ciphertext.map(str::to_owned),
        plaintext: plaintext.map(str::to_owned),
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
    let value = Val::from_response(response).map_err(|m| Failure::Message(exit::OTHER, m))?;
    print_value(g, format, value, T::NAME)
}

/// Prints a response value of `operation` (a table's title): `--query` applied, in the chosen
/// format. The value is wiped once printed.
pub fn print_value(
    g: &Globals,
    format: Output,
    mut value: Val,
    operation: &str,
) -> Result<(), Failure> {
    let rendered = format.render(&value, operation);
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
