//! Hand-written command-line parsing in the manner of the AWS CLI (argparse): `--name value`,
//! `--name=value`, list options that take values up to the next `--option`, global options before
//! or after the command.
//!
//! Values are never echoed in error messages (they may be ciphertexts or grant tokens); option
//! names are.

use std::time::Duration;

/// The longest timeout handed to the transport. `0` ("no timeout" in the AWS CLI) and anything
/// larger map to it, so no deadline arithmetic can overflow.
pub const LONGEST_TIMEOUT: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// A command line that cannot be run: printed argparse-style with the usage, exit 252.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

/// The output format (`--output`, `AWS_DEFAULT_OUTPUT`, the profile's `output`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Pretty JSON, 4-space indented (the default).
    Json,
    /// Tab-separated values, keys in alphabetical order.
    Text,
    /// A bordered table titled with the operation name.
    Table,
    /// A YAML document.
    Yaml,
    /// A YAML list with the response as its element.
    YamlStream,
    /// Nothing on stdout.
    Off,
}

impl OutputFormat {
    /// Every format by name, in the AWS CLI's order.
    pub const CHOICES: [(&'static str, OutputFormat); 6] = [
        ("json", OutputFormat::Json),
        ("text", OutputFormat::Text),
        ("table", OutputFormat::Table),
        ("yaml", OutputFormat::Yaml),
        ("yaml-stream", OutputFormat::YamlStream),
        ("off", OutputFormat::Off),
    ];

    pub fn parse(s: &str) -> Option<OutputFormat> {
        Self::CHOICES.iter().find(|(n, _)| *n == s).map(|(_, f)| *f)
    }

    /// `json | text | table | yaml | yaml-stream | off`, for messages.
    pub fn choices() -> String {
        Self::CHOICES.map(|(n, _)| n).join(" | ")
    }
}

/// The global options, valid before or after the command.
#[derive(Debug, Clone, Default)]
pub struct Globals {
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// `None`: `AWS_DEFAULT_OUTPUT`, then the profile's `output`, then JSON.
    pub output: Option<OutputFormat>,
    /// The `--query` expression, compiled when the command starts.
    pub query: Option<String>,
    /// The profile of the shared config files to use (`--profile`).
    pub profile: Option<String>,
    pub ca_bundle: Option<String>,
    pub connect_timeout: Option<Duration>,
    pub read_timeout: Option<Duration>,
    /// Log each request and response, redacted, to stderr (`--debug`).
    pub debug: bool,
}

/// The options of `re-encrypt`, as given (values are interpreted in `input`).
#[derive(Debug, Clone, Default)]
pub struct ReEncryptArgs {
    pub ciphertext_blob: Option<String>,
    pub source_encryption_context: Option<String>,
    pub source_key_id: Option<String>,
    pub destination_key_id: String,
    pub destination_encryption_context: Option<String>,
    pub source_encryption_algorithm: Option<String>,
    pub destination_encryption_algorithm: Option<String>,
    pub grant_tokens: Option<Vec<String>>,
    pub dry_run: Option<bool>,
    pub dry_run_modifiers: Option<Vec<String>>,
    /// `-` for stdout, or a file path.
    pub ciphertext_out: Option<String>,
}

/// The options of `encrypt`, `decrypt`, `generate-data-key` and
/// `generate-data-key-without-plaintext`, as given (values are interpreted in `input`). The
/// parser sets only the members the command takes.
#[derive(Debug, Clone, Default)]
pub struct OpArgs {
    pub key_id: Option<String>,
    /// `--plaintext`: a blob form, kept as given (read and decoded when the command runs).
    pub plaintext: Option<String>,
    pub ciphertext_blob: Option<String>,
    pub encryption_context: Option<String>,
    pub grant_tokens: Option<Vec<String>>,
    pub encryption_algorithm: Option<String>,
    pub recipient: Option<String>,
    pub number_of_bytes: Option<u32>,
    pub key_spec: Option<String>,
    pub dry_run: Option<bool>,
    pub dry_run_modifiers: Option<Vec<String>>,
    /// `-` for stdout, or a file path.
    pub plaintext_out: Option<String>,
    /// `-` for stdout, or a file path.
    pub ciphertext_out: Option<String>,
}

pub use crate::batch::shard::Shard;

/// Where `re-encrypt-batch` reads its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchInput {
    /// `--input PATH|-`: newline-delimited base64 ciphertexts.
    Lines(String),
    /// `--input-dir DIR`: one raw ciphertext per regular file, rewritten in place.
    Dir(String),
}

/// The most workers `--concurrency` allows.
pub const MAX_CONCURRENCY: usize = 256;
/// The default number of workers.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// The options of `re-encrypt-batch`.
#[derive(Debug, Clone)]
pub struct BatchArgs {
    /// The key, context, algorithm and grant-token options, as `re-encrypt` takes them
    /// (`ciphertext_blob`, `dry_run`, `dry_run_modifiers` and `ciphertext_out` are unset).
    pub request: ReEncryptArgs,
    pub input: BatchInput,
    /// `--output-file PATH|-` (line mode only; default `-`).
    pub output_file: Option<String>,
    pub journal: Option<String>,
    pub concurrency: usize,
    /// Requests per second, if capped.
    pub rate: Option<f64>,
    pub shard: Shard,
    /// `--give-up-after SECONDS`.
    pub give_up_after: Option<Duration>,
}

/// A command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Encrypt,
    Decrypt,
    GenerateDataKey,
    GenerateDataKeyWithoutPlaintext,
    ReEncrypt,
    ReEncryptBatch,
}

impl Command {
    /// Every command, in the order help lists them.
    pub const ALL: [Command; 6] = [
        Command::Encrypt,
        Command::Decrypt,
        Command::GenerateDataKey,
        Command::GenerateDataKeyWithoutPlaintext,
        Command::ReEncrypt,
        Command::ReEncryptBatch,
    ];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Command::Encrypt => "encrypt",
            Command::Decrypt => "decrypt",
            Command::GenerateDataKey => "generate-data-key",
            Command::GenerateDataKeyWithoutPlaintext => "generate-data-key-without-plaintext",
            Command::ReEncrypt => "re-encrypt",
            Command::ReEncryptBatch => "re-encrypt-batch",
        }
    }

    fn from_name(name: &str) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The options this command takes besides [`GLOBAL`].
    fn options(self) -> &'static [Opt] {
        use Opt::*;
        match self {
            Command::Encrypt => &[
                Output,
                Query,
                KeyId,
                Plaintext,
                EncryptionContext,
                GrantTokens,
                EncryptionAlgorithm,
                DryRun,
                CiphertextOut,
            ],
            Command::Decrypt => &[
                Output,
                Query,
                CiphertextBlob,
                EncryptionContext,
                GrantTokens,
                KeyId,
                EncryptionAlgorithm,
                Recipient,
                DryRun,
                DryRunModifiers,
                PlaintextOut,
            ],
            Command::GenerateDataKey => &[
                Output,
                Query,
                KeyId,
                EncryptionContext,
                NumberOfBytes,
                KeySpec,
                GrantTokens,
                Recipient,
                DryRun,
                PlaintextOut,
                CiphertextOut,
            ],
            Command::GenerateDataKeyWithoutPlaintext => &[
                Output,
                Query,
                KeyId,
                EncryptionContext,
                KeySpec,
                NumberOfBytes,
                GrantTokens,
                DryRun,
                CiphertextOut,
            ],
            Command::ReEncrypt => &[
                Output,
                Query,
                CiphertextBlob,
                SourceEncryptionContext,
                SourceKeyId,
                DestinationKeyId,
                DestinationEncryptionContext,
                SourceEncryptionAlgorithm,
                DestinationEncryptionAlgorithm,
                GrantTokens,
                DryRun,
                DryRunModifiers,
                CiphertextOut,
            ],
            Command::ReEncryptBatch => &[
                SourceEncryptionContext,
                SourceKeyId,
                DestinationKeyId,
                DestinationEncryptionContext,
                SourceEncryptionAlgorithm,
                DestinationEncryptionAlgorithm,
                GrantTokens,
                Input,
                InputDir,
                OutputFile,
                Journal,
                Concurrency,
                Rate,
                Shard,
                GiveUpAfter,
            ],
        }
    }
}

/// What the command line asks for.
#[derive(Debug, Clone)]
pub enum Invocation {
    /// `kms-lite --help`, `kms-lite help`, or no arguments at all.
    TopHelp,
    /// `kms-lite COMMAND --help` or `kms-lite COMMAND help`.
    Help(Command),
    /// `kms-lite --version`.
    Version,
    /// `kms-lite re-encrypt ...`.
    ReEncrypt(Globals, Box<ReEncryptArgs>),
    /// `kms-lite re-encrypt-batch ...`.
    ReEncryptBatch(Globals, Box<BatchArgs>),
    /// `kms-lite encrypt|decrypt|generate-data-key|generate-data-key-without-plaintext ...`.
    Op(Command, Globals, Box<OpArgs>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Exactly one value.
    One,
    /// One or more values, up to the next `--option`.
    Many,
    /// No value; sets the slot to the given boolean.
    Flag(bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opt {
    Region,
    EndpointUrl,
    Output,
    Query,
    Profile,
    CaBundle,
    ConnectTimeout,
    ReadTimeout,
    Debug,
    NoVerifySsl,
    CiphertextBlob,
    SourceEncryptionContext,
    SourceKeyId,
    DestinationKeyId,
    DestinationEncryptionContext,
    SourceEncryptionAlgorithm,
    DestinationEncryptionAlgorithm,
    GrantTokens,
    DryRun,
    DryRunModifiers,
    CiphertextOut,
    Input,
    InputDir,
    OutputFile,
    Journal,
    Concurrency,
    Rate,
    Shard,
    GiveUpAfter,
    KeyId,
    Plaintext,
    EncryptionContext,
    EncryptionAlgorithm,
    Recipient,
    NumberOfBytes,
    KeySpec,
    PlaintextOut,
}

/// Every option: its name, what it takes, and the slot it fills (`--dry-run` and `--no-dry-run`
/// share one, so giving both is a repeat).
const OPTIONS: &[(&str, Kind, Opt)] = &[
    ("--region", Kind::One, Opt::Region),
    ("--endpoint-url", Kind::One, Opt::EndpointUrl),
    ("--output", Kind::One, Opt::Output),
    ("--query", Kind::One, Opt::Query),
    ("--profile", Kind::One, Opt::Profile),
    ("--ca-bundle", Kind::One, Opt::CaBundle),
    ("--cli-connect-timeout", Kind::One, Opt::ConnectTimeout),
    ("--cli-read-timeout", Kind::One, Opt::ReadTimeout),
    ("--debug", Kind::Flag(true), Opt::Debug),
    ("--no-verify-ssl", Kind::Flag(true), Opt::NoVerifySsl),
    ("--ciphertext-blob", Kind::One, Opt::CiphertextBlob),
    (
        "--source-encryption-context",
        Kind::One,
        Opt::SourceEncryptionContext,
    ),
    ("--source-key-id", Kind::One, Opt::SourceKeyId),
    ("--destination-key-id", Kind::One, Opt::DestinationKeyId),
    (
        "--destination-encryption-context",
        Kind::One,
        Opt::DestinationEncryptionContext,
    ),
    (
        "--source-encryption-algorithm",
        Kind::One,
        Opt::SourceEncryptionAlgorithm,
    ),
    (
        "--destination-encryption-algorithm",
        Kind::One,
        Opt::DestinationEncryptionAlgorithm,
    ),
    ("--grant-tokens", Kind::Many, Opt::GrantTokens),
    ("--dry-run", Kind::Flag(true), Opt::DryRun),
    ("--no-dry-run", Kind::Flag(false), Opt::DryRun),
    ("--dry-run-modifiers", Kind::Many, Opt::DryRunModifiers),
    ("--ciphertext-out", Kind::One, Opt::CiphertextOut),
    ("--input", Kind::One, Opt::Input),
    ("--input-dir", Kind::One, Opt::InputDir),
    ("--output-file", Kind::One, Opt::OutputFile),
    ("--journal", Kind::One, Opt::Journal),
    ("--concurrency", Kind::One, Opt::Concurrency),
    ("--rate", Kind::One, Opt::Rate),
    ("--shard", Kind::One, Opt::Shard),
    ("--give-up-after", Kind::One, Opt::GiveUpAfter),
    ("--key-id", Kind::One, Opt::KeyId),
    ("--plaintext", Kind::One, Opt::Plaintext),
    ("--encryption-context", Kind::One, Opt::EncryptionContext),
    (
        "--encryption-algorithm",
        Kind::One,
        Opt::EncryptionAlgorithm,
    ),
    ("--recipient", Kind::One, Opt::Recipient),
    ("--number-of-bytes", Kind::One, Opt::NumberOfBytes),
    ("--key-spec", Kind::One, Opt::KeySpec),
    ("--plaintext-out", Kind::One, Opt::PlaintextOut),
];

/// Options every command takes (`--output` and `--query` are listed per command: the batch
/// does not print a response).
const GLOBAL: &[Opt] = &[
    Opt::Region,
    Opt::EndpointUrl,
    Opt::Profile,
    Opt::CaBundle,
    Opt::ConnectTimeout,
    Opt::ReadTimeout,
    Opt::Debug,
    Opt::NoVerifySsl,
];

fn lookup(name: &str) -> Option<(&'static str, Kind, Opt)> {
    OPTIONS.iter().copied().find(|(n, _, _)| *n == name)
}

/// A token that starts an option rather than being a value. A lone `-` is a value (stdin).
fn is_option(token: &str) -> bool {
    token.starts_with("--")
}

enum Value {
    One(String),
    Many(Vec<String>),
    Flag(bool),
}

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Invocation, UsageError> {
    if args.is_empty() {
        return Ok(Invocation::TopHelp);
    }
    let mut command: Option<&str> = None;
    let mut help = false;
    let mut version = false;
    let mut unknown: Vec<String> = Vec::new();
    let mut strays: Vec<usize> = Vec::new();
    let mut seen: Vec<(Opt, &'static str, Value)> = Vec::new();

    let mut i = 0;
    while i < args.len() {
        let token = args[i].as_str();
        i += 1;
        if !is_option(token) {
            if token == "-h" {
                help = true;
            } else if command.is_none() {
                command = Some(token);
            } else if token == "help" {
                help = true;
            } else {
                strays.push(i);
            }
            continue;
        }
        let (name, inline) = match token.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (token, None),
        };
        match name {
            "--help" => {
                help = true;
                continue;
            }
            "--version" => {
                version = true;
                continue;
            }
            _ => {}
        }
        let Some((name, kind, opt)) = lookup(name) else {
            unknown.push(name.to_owned());
            continue;
        };
        if seen.iter().any(|(o, _, _)| *o == opt) {
            let first = seen
                .iter()
                .find(|(o, _, _)| *o == opt)
                .map_or(name, |(_, n, _)| *n);
            return Err(if first == name {
                UsageError(format!("argument {name}: may be given only once"))
            } else {
                UsageError(format!(
                    "argument {name}: not allowed with argument {first}"
                ))
            });
        }
        let value = match kind {
            Kind::Flag(b) => {
                if inline.is_some() {
                    return Err(UsageError(format!("argument {name}: takes no value")));
                }
                Value::Flag(b)
            }
            Kind::One => match inline {
                Some(v) => Value::One(v.to_owned()),
                None => match args.get(i) {
                    Some(v) if !is_option(v) => {
                        i += 1;
                        Value::One(v.clone())
                    }
                    _ => {
                        return Err(UsageError(format!(
                            "argument {name}: expected one argument"
                        )));
                    }
                },
            },
            Kind::Many => {
                let mut values: Vec<String> = inline.map(str::to_owned).into_iter().collect();
                while let Some(v) = args.get(i).filter(|v| !is_option(v)) {
                    values.push(v.clone());
                    i += 1;
                }
                if values.is_empty() {
                    return Err(UsageError(format!(
                        "argument {name}: expected at least one argument"
                    )));
                }
                Value::Many(values)
            }
        };
        seen.push((opt, name, value));
    }

    if help {
        return Ok(match command.and_then(Command::from_name) {
            Some(c) => Invocation::Help(c),
            None => Invocation::TopHelp,
        });
    }
    if version {
        return Ok(Invocation::Version);
    }
    if !unknown.is_empty() || !strays.is_empty() {
        let mut parts = unknown;
        if !strays.is_empty() {
            let positions: Vec<String> = strays.iter().map(usize::to_string).collect();
            parts.push(format!(
                "{} value(s) without an option (argument {})",
                strays.len(),
                positions.join(", ")
            ));
        }
        return Err(UsageError(format!("Unknown options: {}", parts.join(", "))));
    }
    let command = match command {
        None => {
            return Err(UsageError(
                "the following arguments are required: command".into(),
            ));
        }
        Some("help") => return Ok(Invocation::TopHelp),
        Some(name) => Command::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = Command::ALL.iter().map(|c| c.name()).collect();
            UsageError(format!(
                "argument command: Invalid choice, valid choices are: {}",
                names.join(" | ")
            ))
        })?,
    };
    if let Some((_, name, _)) = seen
        .iter()
        .find(|(o, _, _)| !GLOBAL.contains(o) && !command.options().contains(o))
    {
        return Err(UsageError(format!(
            "argument {name}: not supported by {}",
            command.name()
        )));
    }
    let mut input = None;
    let mut output_file = None;
    let mut journal = None;
    let mut concurrency = DEFAULT_CONCURRENCY;
    let mut rate = None;
    let mut shard = Shard::ALL;
    let mut give_up_after = None;

    let mut g = Globals::default();
    let mut r = ReEncryptArgs::default();
    let mut o = OpArgs::default();
    let mut destination = None;
    for (opt, name, value) in seen {
        match (opt, value) {
            (Opt::Region, Value::One(v)) => g.region = Some(v),
            (Opt::EndpointUrl, Value::One(v)) => g.endpoint_url = Some(v),
            (Opt::Output, Value::One(v)) => {
                g.output = Some(OutputFormat::parse(&v).ok_or_else(|| {
                    UsageError(format!(
                        "argument {name}: Invalid choice, valid choices are: {}",
                        OutputFormat::choices()
                    ))
                })?);
            }
            (Opt::Query, Value::One(v)) => g.query = Some(v),
            (Opt::Profile, Value::One(v)) => g.profile = Some(v),
            (Opt::CaBundle, Value::One(v)) => g.ca_bundle = Some(v),
            (Opt::ConnectTimeout, Value::One(v)) => g.connect_timeout = Some(seconds(name, &v)?),
            (Opt::ReadTimeout, Value::One(v)) => g.read_timeout = Some(seconds(name, &v)?),
            (Opt::Debug, Value::Flag(_)) => g.debug = true,
            (Opt::NoVerifySsl, _) => {
                return Err(UsageError(format!(
                    "argument {name}: TLS certificate verification cannot be disabled in \
                     kms-lite; to trust a private CA, pass it with --ca-bundle PATH"
                )));
            }
            (Opt::CiphertextBlob, Value::One(v)) => r.ciphertext_blob = Some(v),
            (Opt::SourceEncryptionContext, Value::One(v)) => r.source_encryption_context = Some(v),
            (Opt::SourceKeyId, Value::One(v)) => r.source_key_id = Some(v),
            (Opt::DestinationKeyId, Value::One(v)) => destination = Some(v),
            (Opt::DestinationEncryptionContext, Value::One(v)) => {
                r.destination_encryption_context = Some(v)
            }
            (Opt::SourceEncryptionAlgorithm, Value::One(v)) => {
                r.source_encryption_algorithm = Some(v)
            }
            (Opt::DestinationEncryptionAlgorithm, Value::One(v)) => {
                r.destination_encryption_algorithm = Some(v)
            }
            (Opt::GrantTokens, Value::Many(v)) => r.grant_tokens = Some(v),
            (Opt::DryRun, Value::Flag(b)) => r.dry_run = Some(b),
            (Opt::DryRunModifiers, Value::Many(v)) => r.dry_run_modifiers = Some(v),
            (Opt::CiphertextOut, Value::One(v)) => r.ciphertext_out = Some(out_value(name, v)?),
            (Opt::KeyId, Value::One(v)) => o.key_id = Some(v),
            (Opt::Plaintext, Value::One(v)) => o.plaintext = Some(v),
            (Opt::EncryptionContext, Value::One(v)) => o.encryption_context = Some(v),
            (Opt::EncryptionAlgorithm, Value::One(v)) => o.encryption_algorithm = Some(v),
            (Opt::Recipient, Value::One(v)) => o.recipient = Some(v),
            (Opt::NumberOfBytes, Value::One(v)) => {
                o.number_of_bytes = Some(v.parse().map_err(|_| {
                    UsageError(format!("argument {name}: invalid int value: '{v}'"))
                })?);
            }
            (Opt::KeySpec, Value::One(v)) => o.key_spec = Some(v),
            (Opt::PlaintextOut, Value::One(v)) => o.plaintext_out = Some(out_value(name, v)?),
            (Opt::Input | Opt::InputDir, Value::One(v)) => {
                if let Some((_, first)) = &input {
                    return Err(UsageError(format!(
                        "argument {name}: not allowed with argument {first}"
                    )));
                }
                if v.is_empty() {
                    return Err(UsageError(format!("argument {name}: expected a path")));
                }
                let which = if opt == Opt::Input {
                    BatchInput::Lines(v)
                } else {
                    BatchInput::Dir(v)
                };
                input = Some((which, name));
            }
            (Opt::OutputFile, Value::One(v)) => output_file = Some(path_value(name, v)?),
            (Opt::Journal, Value::One(v)) => journal = Some(path_value(name, v)?),
            (Opt::Concurrency, Value::One(v)) => {
                concurrency = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_CONCURRENCY).contains(n))
                    .ok_or_else(|| {
                        UsageError(format!(
                            "argument {name}: expected a whole number from 1 to {MAX_CONCURRENCY}"
                        ))
                    })?;
            }
            (Opt::Rate, Value::One(v)) => {
                rate = Some(
                    v.parse::<f64>()
                        .ok()
                        .filter(|r| r.is_finite() && *r >= 0.001 && *r <= 1e6)
                        .ok_or_else(|| {
                            UsageError(format!(
                                "argument {name}: expected requests per second, a number \
                                 from 0.001 to 1000000"
                            ))
                        })?,
                );
            }
            (Opt::Shard, Value::One(v)) => {
                shard = Shard::from_arg(&v, |var| std::env::var(var).ok())
                    .map_err(|m| UsageError(format!("argument {name}: {m}")))?;
            }
            (Opt::GiveUpAfter, Value::One(v)) => {
                give_up_after = Some(
                    v.parse::<f64>()
                        .ok()
                        .filter(|s| s.is_finite() && *s >= 0.1 && *s <= 1e7)
                        .map(Duration::from_secs_f64)
                        .ok_or_else(|| {
                            UsageError(format!(
                                "argument {name}: expected seconds, a number from 0.1 to 10000000"
                            ))
                        })?,
                );
            }
            // The table and the match agree on every option's kind.
            _ => return Err(UsageError(format!("argument {name}: cannot be used here"))),
        }
    }
    // The options shared by re-encrypt and the others were parsed into `r`.
    o.grant_tokens = r.grant_tokens.clone();
    o.dry_run = r.dry_run;
    o.dry_run_modifiers = r.dry_run_modifiers.clone();
    o.ciphertext_out = r.ciphertext_out.clone();
    o.ciphertext_blob = r.ciphertext_blob.clone();
    let raw_out = [
        ("--plaintext-out", o.plaintext_out.as_deref()),
        ("--ciphertext-out", o.ciphertext_out.as_deref()),
    ];
    if let Some((out, Some(dest))) = raw_out
        .iter()
        .find(|(_, v)| v.is_some_and(crate::files::is_stdout))
    {
        if g.query.is_some() {
            return Err(UsageError(format!(
                "argument --query: not allowed with argument {out} {dest} \
                 (stdout carries only the raw bytes)"
            )));
        }
    }
    if let (Some(p), Some(c)) = (&o.plaintext_out, &o.ciphertext_out) {
        // One file by another name too (a link, `./`, `-` and /dev/stdout): nothing is sent.
        if crate::files::same_file(p, c) {
            return Err(UsageError(if p == "-" {
                "argument --ciphertext-out: not allowed with argument --plaintext-out - \
                 (stdout can carry only one of them)"
                    .into()
            } else {
                "argument --ciphertext-out: not allowed with argument --plaintext-out \
                 naming the same file"
                    .into()
            }));
        }
    }
    if o.plaintext_out.is_some() && o.recipient.is_some() {
        return Err(UsageError(
            "argument --plaintext-out: not allowed with argument --recipient (the plaintext \
             comes back only encrypted for the recipient, as CiphertextForRecipient)"
                .into(),
        ));
    }
    match command {
        Command::ReEncrypt | Command::ReEncryptBatch => {}
        Command::Encrypt => {
            required(&[
                ("--key-id", o.key_id.is_some()),
                ("--plaintext", o.plaintext.is_some()),
            ])?;
            return Ok(Invocation::Op(command, g, Box::new(o)));
        }
        Command::Decrypt => return Ok(Invocation::Op(command, g, Box::new(o))),
        Command::GenerateDataKey | Command::GenerateDataKeyWithoutPlaintext => {
            required(&[("--key-id", o.key_id.is_some())])?;
            return Ok(Invocation::Op(command, g, Box::new(o)));
        }
    }
    let Some(destination) = destination else {
        return Err(UsageError(
            "the following arguments are required: --destination-key-id".into(),
        ));
    };
    r.destination_key_id = destination;
    if command == Command::ReEncryptBatch {
        let Some((input, input_name)) = input else {
            return Err(UsageError(
                "the following arguments are required: --input or --input-dir".into(),
            ));
        };
        if matches!(input, BatchInput::Dir(_)) && output_file.is_some() {
            return Err(UsageError(format!(
                "argument --output-file: not allowed with argument {input_name} \
                 (files are rewritten in place)"
            )));
        }
        return Ok(Invocation::ReEncryptBatch(
            g,
            Box::new(BatchArgs {
                request: r,
                input,
                output_file,
                journal,
                concurrency,
                rate,
                shard,
                give_up_after,
            }),
        ));
    }
    Ok(Invocation::ReEncrypt(g, Box::new(r)))
}

/// The argparse error for required options that are missing: `(name, given)` in order.
fn required(options: &[(&str, bool)]) -> Result<(), UsageError> {
    let missing: Vec<&str> = options
        .iter()
        .filter(|(_, given)| !given)
        .map(|(n, _)| *n)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(UsageError(format!(
        "the following arguments are required: {}",
        missing.join(", ")
    )))
}

/// `--ciphertext-out` and `--plaintext-out`: a file path or `-`.
fn out_value(name: &str, v: String) -> Result<String, UsageError> {
    if v.is_empty() {
        return Err(UsageError(format!(
            "argument {name}: expected a file path or -"
        )));
    }
    Ok(v)
}

fn path_value(name: &str, v: String) -> Result<String, UsageError> {
    if v.is_empty() {
        return Err(UsageError(format!(
            "argument {name}: expected a file path or -"
        )));
    }
    Ok(v)
}

/// Whole seconds, as the AWS CLI's `--cli-*-timeout` take them; `0` means no timeout.
fn seconds(name: &str, v: &str) -> Result<Duration, UsageError> {
    let n: u64 = v
        .parse()
        .map_err(|_| UsageError(format!("argument {name}: invalid int value: '{v}'")))?;
    Ok(if n == 0 {
        LONGEST_TIMEOUT
    } else {
        Duration::from_secs(n).min(LONGEST_TIMEOUT)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| a.to_string()).collect()
    }

    fn usage(s: &[&str]) -> String {
        match parse(&args(s)) {
            Err(UsageError(m)) => m,
            Ok(i) => panic!("expected a usage error, got {i:?}"),
        }
    }

    fn re_encrypt(s: &[&str]) -> (Globals, ReEncryptArgs) {
        match parse(&args(s)) {
            Ok(Invocation::ReEncrypt(g, r)) => (g, *r),
            other => panic!("expected re-encrypt, got {other:?}"),
        }
    }

    #[test]
    fn values_flags_and_lists() {
        let (g, r) = re_encrypt(&[
            "--region",
            "eu-west-1",
            "re-encrypt",
            "--destination-key-id=alias/new",
            "--ciphertext-blob",
            "-",
            "--grant-tokens",
            "a",
            "b",
            "--no-dry-run",
            "--output",
            "text",
            "--cli-read-timeout",
            "0",
            "--debug",
        ]);
        assert_eq!(g.region.as_deref(), Some("eu-west-1"));
        assert_eq!(g.output, Some(OutputFormat::Text));
        assert_eq!(g.read_timeout, Some(LONGEST_TIMEOUT));
        assert!(g.debug);
        assert_eq!(r.destination_key_id, "alias/new");
        assert_eq!(r.ciphertext_blob.as_deref(), Some("-"));
        assert_eq!(r.grant_tokens, Some(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(r.dry_run, Some(false));
    }

    #[test]
    fn usage_errors() {
        assert_eq!(
            usage(&["re-encrypt", "--destination-key-id"]),
            "argument --destination-key-id: expected one argument"
        );
        assert_eq!(
            usage(&["re-encrypt", "--source-key-id", "--destination-key-id", "k"]),
            "argument --source-key-id: expected one argument"
        );
        assert_eq!(
            usage(&["re-encrypt", "--destination-key-id", "k", "--bogus", "x"]),
            "Unknown options: --bogus, 1 value(s) without an option (argument 5)"
        );
        assert_eq!(
            usage(&[
                "re-encrypt",
                "--destination-key-id",
                "a",
                "--destination-key-id=b"
            ]),
            "argument --destination-key-id: may be given only once"
        );
        assert_eq!(
            usage(&[
                "re-encrypt",
                "--destination-key-id",
                "a",
                "--dry-run",
                "--no-dry-run"
            ]),
            "argument --no-dry-run: not allowed with argument --dry-run"
        );
        assert_eq!(
            usage(&["re-encrypt", "--ciphertext-blob", "x"]),
            "the following arguments are required: --destination-key-id"
        );
        assert_eq!(
            usage(&["re-encrypt", "--destination-key-id", "k", "--grant-tokens"]),
            "argument --grant-tokens: expected at least one argument"
        );
        assert!(
            usage(&["re-encrypt", "--destination-key-id", "k", "--no-verify-ssl"])
                .contains("cannot be disabled")
        );
        assert!(
            usage(&["re-encrypt", "--destination-key-id", "k", "--output", "xml"])
                .contains("valid choices are: json | text")
        );
        assert_eq!(
            usage(&["encipher"]),
            "argument command: Invalid choice, valid choices are: encrypt | decrypt | \
             generate-data-key | generate-data-key-without-plaintext | re-encrypt | \
             re-encrypt-batch"
        );
        assert!(
            usage(&[
                "re-encrypt",
                "--destination-key-id",
                "k",
                "--cli-read-timeout",
                "-1"
            ])
            .contains("invalid int value")
        );
        assert!(
            usage(&["re-encrypt", "--destination-key-id", "k", "--dry-run=yes"])
                .contains("takes no value")
        );
    }

    #[test]
    fn shards() {
        assert_eq!(Shard::parse("1/1"), Some(Shard::ALL));
        assert_eq!(Shard::parse("3/8"), Some(Shard { k: 3, n: 8 }));
        for bad in [
            "0/3", "4/3", "1/0", "/3", "1/", "a/b", "-1/3", "+1/3", "1/3/5", "1 /3",
        ] {
            assert_eq!(Shard::parse(bad), None, "{bad}");
        }
        // Every item in exactly one of N shards.
        let shards: Vec<Shard> = (1..=4).map(|k| Shard { k, n: 4 }).collect();
        for i in 1..=50u64 {
            assert_eq!(shards.iter().filter(|s| s.holds(i)).count(), 1);
        }
        assert!(Shard { k: 2, n: 3 }.holds(2) && Shard { k: 2, n: 3 }.holds(5));
    }

    #[test]
    fn batch_options() {
        match parse(&args(&[
            "re-encrypt-batch",
            "--destination-key-id",
            "k",
            "--input",
            "-",
            "--concurrency",
            "64",
            "--rate",
            "0.5",
            "--shard",
            "2/3",
            "--journal",
            "j",
        ])) {
            Ok(Invocation::ReEncryptBatch(_, b)) => {
                assert_eq!(b.input, BatchInput::Lines("-".into()));
                assert_eq!(b.concurrency, 64);
                assert_eq!(b.rate, Some(0.5));
                assert_eq!(b.shard, Shard { k: 2, n: 3 });
                assert_eq!(b.journal.as_deref(), Some("j"));
                assert_eq!(b.output_file, None);
            }
            other => panic!("expected re-encrypt-batch, got {other:?}"),
        }
        assert!(matches!(
            parse(&args(&["re-encrypt-batch", "help"])),
            Ok(Invocation::Help(Command::ReEncryptBatch))
        ));
    }

    #[test]
    fn operation_commands() {
        match parse(&args(&[
            "generate-data-key",
            "--key-id",
            "k",
            "--number-of-bytes=32",
            "--plaintext-out",
            "-",
            "--ciphertext-out",
            "key.enc",
            "--grant-tokens",
            "t",
            "--dry-run",
        ])) {
            Ok(Invocation::Op(Command::GenerateDataKey, _, o)) => {
                assert_eq!(o.key_id.as_deref(), Some("k"));
                assert_eq!(o.number_of_bytes, Some(32));
                assert_eq!(o.plaintext_out.as_deref(), Some("-"));
                assert_eq!(o.ciphertext_out.as_deref(), Some("key.enc"));
                assert_eq!(o.grant_tokens, Some(vec!["t".to_string()]));
                assert_eq!(o.dry_run, Some(true));
            }
            other => panic!("expected generate-data-key, got {other:?}"),
        }
        assert_eq!(
            usage(&["decrypt", "--key-spec", "AES_256"]),
            "argument --key-spec: not supported by decrypt"
        );
        assert_eq!(
            usage(&[
                "encrypt",
                "--key-id",
                "k",
                "--plaintext",
                "-",
                "--recipient",
                "x"
            ]),
            "argument --recipient: not supported by encrypt"
        );
        assert_eq!(
            usage(&["re-encrypt", "--destination-key-id", "k", "--key-id", "x"]),
            "argument --key-id: not supported by re-encrypt"
        );
        for c in Command::ALL {
            assert!(matches!(
                parse(&args(&[c.name(), "--help"])),
                Ok(Invocation::Help(h)) if h == c
            ));
        }
    }

    #[test]
    fn help_and_version() {
        assert!(matches!(parse(&args(&[])), Ok(Invocation::TopHelp)));
        assert!(matches!(parse(&args(&["--help"])), Ok(Invocation::TopHelp)));
        assert!(matches!(parse(&args(&["help"])), Ok(Invocation::TopHelp)));
        assert!(matches!(
            parse(&args(&["re-encrypt", "help"])),
            Ok(Invocation::Help(Command::ReEncrypt))
        ));
        assert!(matches!(
            parse(&args(&["re-encrypt", "--help"])),
            Ok(Invocation::Help(Command::ReEncrypt))
        ));
        assert!(matches!(
            parse(&args(&["--version"])),
            Ok(Invocation::Version)
        ));
    }
}
