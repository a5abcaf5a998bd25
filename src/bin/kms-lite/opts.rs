//! The declarations of the options more than one command takes: the global options, the two
//! every operation command takes (`--cli-input-json`, `--generate-cli-skeleton`), and the
//! request and output options several commands share. An option one command alone takes is
//! declared in that command's module. Each declaration is the only place its name is written:
//! the parser, the checks, the help and the shell completion read it from here.
//!
//! Help texts are preformatted lines (at most 72 columns); the help indents them.

use crate::args::{Dest, Opt, Takes};

// ------------------------------------------------------------------------------- global options

pub static REGION: Opt = Opt::local(
    "--region",
    Takes::One("REGION"),
    "The Region to send the request to (else AWS_REGION, AWS_DEFAULT_REGION,
the profile's region, then the EC2 instance's region; no default).",
);

pub static ENDPOINT_URL: Opt = Opt::local(
    "--endpoint-url",
    Takes::One("URL"),
    "Send requests to this URL (else AWS_ENDPOINT_URL_KMS, AWS_ENDPOINT_URL,
the profile's services section or endpoint_url, then the Region's KMS
endpoint).",
);

pub static OUTPUT: Opt = Opt::local(
    "--output",
    Takes::Choice(&["json", "text", "table", "yaml", "yaml-stream", "off"]),
    "The output format, as the AWS CLI v2 writes it (else AWS_DEFAULT_OUTPUT,
the profile's output, then json). json: the response members with their
AWS names, blobs in base64, absent members left out, 4-space indented;
text: the values tab-separated; table: a bordered table titled with the
operation; yaml, yaml-stream; off: nothing on stdout. On a terminal,
control characters in the response's strings are shown escaped; to a
pipe or a file the output is the AWS CLI's, byte for byte.",
);

pub static QUERY: Opt = Opt::local(
    "--query",
    Takes::One("EXPR"),
    "A JMESPath expression: print only what it selects, for example KeyId
or {id: KeyId, size: length(CiphertextBlob)}.",
);

pub static PROFILE: Opt = Opt::local(
    "--profile",
    Takes::One("NAME"),
    "Use this profile of ~/.aws/config and ~/.aws/credentials (else
AWS_PROFILE, then default) for credentials, Region and endpoint.",
);

pub static CA_BUNDLE: Opt = Opt::local(
    "--ca-bundle",
    Takes::One("PATH"),
    "Trust only the PEM certificates in PATH for TLS, instead of the
built-in roots (else AWS_CA_BUNDLE, then the profile's ca_bundle).",
);

pub static CLI_CONNECT_TIMEOUT: Opt = Opt::local(
    "--cli-connect-timeout",
    Takes::One("N"),
    "Connect timeout in whole seconds; 0 means no timeout (default 10).",
);

pub static CLI_READ_TIMEOUT: Opt = Opt::local(
    "--cli-read-timeout",
    Takes::One("N"),
    "Socket read timeout in whole seconds; 0 means no timeout (default 60).",
);

pub static CLI_BINARY_FORMAT: Opt = Opt::local(
    "--cli-binary-format",
    Takes::Choice(&["base64", "raw-in-base64-out"]),
    "How a blob given as text is read (else the profile's
cli_binary_format, then base64). base64: the text is base64 and is
decoded (also blobs in --cli-input-json and file:// contents).
raw-in-base64-out: the text itself is the bytes (its UTF-8). fileb://
and - are raw bytes either way; output blobs are always base64.",
);

pub static NO_CLI_PAGER: Opt = Opt::local(
    "--no-cli-pager",
    Takes::Flag,
    "Accepted for the AWS CLI's sake; changes nothing: kms-lite never pipes
its output through a pager.",
);

pub static NO_PAGINATE: Opt = Opt::local(
    "--no-paginate",
    Takes::Flag,
    "Fetch one page only: `call` with a paginated operation (ListKeys,
ListAliases...) makes one request and prints its output as returned,
NextMarker and Truncated included. The other commands make one request
anyway.",
);

pub static COLOR: Opt = Opt::local(
    "--color",
    Takes::Choice(&["on", "off", "auto"]),
    "Accepted for the AWS CLI's sake; changes nothing: kms-lite's output has
no color.",
);

pub static DEBUG: Opt = Opt::local(
    "--debug",
    Takes::Flag,
    "Log where the configuration came from and every HTTP request and
response to stderr (credentials redacted, no bodies).",
);

pub static NO_VERIFY_SSL: Opt = Opt::local(
    "--no-verify-ssl",
    Takes::Flag,
    "Rejected: TLS certificate verification cannot be disabled.",
);

pub static HELP: Opt = Opt {
    short: Some("-h"),
    ..Opt::local(
        "--help",
        Takes::Flag,
        "Show help. `kms-lite help` and `kms-lite <command> help` work too.",
    )
};

pub static VERSION: Opt = Opt::local("--version", Takes::Flag, "Show the version.");

/// The options every command takes, in the order help lists them.
pub static GLOBAL: &[&Opt] = &[
    &REGION,
    &ENDPOINT_URL,
    &PROFILE,
    &CA_BUNDLE,
    &CLI_CONNECT_TIMEOUT,
    &CLI_READ_TIMEOUT,
    &CLI_BINARY_FORMAT,
    &NO_CLI_PAGER,
    &NO_PAGINATE,
    &COLOR,
    &DEBUG,
    &NO_VERIFY_SSL,
    &HELP,
    &VERSION,
];

/// The global options only a command that prints a response takes.
pub static RESPONSE: &[&Opt] = &[&OUTPUT, &QUERY];

// ------------------------------------------------------------- options of operation commands

pub static CLI_INPUT_JSON: Opt = Opt::local(
    "--cli-input-json",
    Takes::One("JSON|file://PATH"),
    "The request members as a JSON object (member names as in the KMS API,
blobs in base64; --generate-cli-skeleton prints the form), or
file://PATH holding it. An option given on the command line wins over
the same member in the JSON. An unknown member is an error, as in the
AWS CLI; `call` alone sends the JSON as given, for KMS to check.",
);

pub static GENERATE_CLI_SKELETON: Opt = Opt::local(
    "--generate-cli-skeleton",
    Takes::MaybeChoice(&["input", "output"]),
    "Print a skeleton and send nothing. input (the default): every request
member with a placeholder value, in the model's order, for
--cli-input-json. output: checks the other options as a real run
would, then prints a sample response (each member holding its name) in
the chosen --output format, --query applied.",
);

/// The options every command that calls a KMS operation takes.
pub static OPERATION: &[&Opt] = &[&CLI_INPUT_JSON, &GENERATE_CLI_SKELETON];

// ------------------------------------------------------------------ shared request members

/// An option's help, then the forms of an encryption context.
macro_rules! context_help {
    ($what:literal) => {
        concat!(
            $what,
            "\nCONTEXT: shorthand k1=v1,k2=v2 (quote a value with \" or ' to include
commas), a JSON object ({\"k1\":\"v1\"}), or file://PATH holding either."
        )
    };
}

/// An option's help, then the forms of a key.
macro_rules! key_help {
    ($what:literal) => {
        concat!(
            $what,
            "\nKEY: a key id, key ARN, alias name (alias/...) or alias ARN."
        )
    };
}

/// An option's help, then the algorithms.
macro_rules! algorithm_help {
    ($what:literal) => {
        concat!(
            $what,
            "\nALG: SYMMETRIC_DEFAULT (the default), RSAES_OAEP_SHA_1,
RSAES_OAEP_SHA_256 or SM2PKE."
        )
    };
}

pub static KEY_ID: Opt = Opt::new(
    "--key-id",
    Takes::One("KEY"),
    key_help!(
        "The KMS key: the one to encrypt under (encrypt, generate-data-key*),
or the one expected to decrypt (decrypt: required for asymmetric keys,
recommended always)."
    ),
    Dest::Member("KeyId"),
);

pub static CIPHERTEXT_BLOB: Opt = Opt::new(
    "--ciphertext-blob",
    Takes::One("BLOB"),
    "The ciphertext (1 to 6144 bytes). One of:
  fileb://PATH   raw bytes read from a file
  -              raw bytes read from stdin
  file://PATH    base64 text read from a file (line breaks are ignored)
  TEXT           base64 text (standard alphabet, padded), decoded
                 strictly; an error names the offset of the first bad
                 character
Required unless --dry-run is given with --dry-run-modifiers
IGNORE_CIPHERTEXT.",
    Dest::Member("CiphertextBlob"),
);

pub static ENCRYPTION_CONTEXT: Opt = Opt::new(
    "--encryption-context",
    Takes::One("CONTEXT"),
    context_help!(
        "Non-secret key=value pairs bound to the ciphertext; the same context
is needed to decrypt."
    ),
    Dest::Member("EncryptionContext"),
);

pub static SOURCE_ENCRYPTION_CONTEXT: Opt = Opt::new(
    "--source-encryption-context",
    Takes::One("CONTEXT"),
    context_help!("The encryption context the ciphertext was made with."),
    Dest::Member("SourceEncryptionContext"),
);

pub static DESTINATION_ENCRYPTION_CONTEXT: Opt = Opt::new(
    "--destination-encryption-context",
    Takes::One("CONTEXT"),
    context_help!("The encryption context for the new ciphertext."),
    Dest::Member("DestinationEncryptionContext"),
);

pub static SOURCE_KEY_ID: Opt = Opt::new(
    "--source-key-id",
    Takes::One("KEY"),
    key_help!(
        "The key that decrypts the ciphertext (required for ciphertexts made
with an asymmetric key)."
    ),
    Dest::Member("SourceKeyId"),
);

pub static DESTINATION_KEY_ID: Opt = Opt::new(
    "--destination-key-id",
    Takes::One("KEY"),
    key_help!("The key to re-encrypt under (a key in another account needs an ARN)."),
    Dest::Member("DestinationKeyId"),
);

pub static ENCRYPTION_ALGORITHM: Opt = Opt::new(
    "--encryption-algorithm",
    Takes::One("ALG"),
    algorithm_help!("The algorithm to encrypt with, or that the ciphertext was made with."),
    Dest::Member("EncryptionAlgorithm"),
);

pub static SOURCE_ENCRYPTION_ALGORITHM: Opt = Opt::new(
    "--source-encryption-algorithm",
    Takes::One("ALG"),
    algorithm_help!("The algorithm the ciphertext was made with."),
    Dest::Member("SourceEncryptionAlgorithm"),
);

pub static DESTINATION_ENCRYPTION_ALGORITHM: Opt = Opt::new(
    "--destination-encryption-algorithm",
    Takes::One("ALG"),
    algorithm_help!("The algorithm to re-encrypt with."),
    Dest::Member("DestinationEncryptionAlgorithm"),
);

pub static GRANT_TOKENS: Opt = Opt::new(
    "--grant-tokens",
    Takes::Many("TOKEN"),
    "Up to 10 grant tokens; takes values up to the next --option.",
    Dest::Member("GrantTokens"),
);

pub static DRY_RUN: Opt = Opt::new(
    "--dry-run",
    Takes::Flag,
    "Check permissions and parameters without performing the operation. A
dry run that would have succeeded prints `Dry run succeeded: ...` on
stderr, nothing on stdout, and exits 0.",
    Dest::Bool("DryRun", true),
);

pub static NO_DRY_RUN: Opt = Opt::new(
    "--no-dry-run",
    Takes::Flag,
    "Perform the operation (the default); sends DryRun false.",
    Dest::Bool("DryRun", false),
);

pub static DRY_RUN_MODIFIERS: Opt = Opt::new(
    "--dry-run-modifiers",
    Takes::Many("MODIFIER"),
    "With --dry-run, IGNORE_CIPHERTEXT checks permissions without a
ciphertext.",
    Dest::Member("DryRunModifiers"),
);

pub static RECIPIENT: Opt = Opt::new(
    "--recipient",
    Takes::One("RECIPIENT"),
    "An attested Nitro enclave to receive the plaintext: KMS returns it
encrypted under the enclave's public key, as CiphertextForRecipient,
and no Plaintext. RECIPIENT is shorthand
KeyEncryptionAlgorithm=RSAES_OAEP_SHA_256,AttestationDocument=DOC, the
same as a JSON object, or file://PATH holding either. DOC is base64
text, or fileb://PATH for the raw document (a kms-lite extension). Not
with --plaintext-out.",
    Dest::Member("Recipient"),
);

pub static KEY_SPEC: Opt = Opt::new(
    "--key-spec",
    Takes::One("SPEC"),
    "The data key's length: AES_256 (the usual choice) or AES_128. Give
exactly one of --key-spec and --number-of-bytes; both or neither is a
parameter error (exit 252).",
    Dest::Member("KeySpec"),
);

pub static NUMBER_OF_BYTES: Opt = Opt::new(
    "--number-of-bytes",
    Takes::One("N"),
    "The data key's length in bytes, from 1 to 1024, instead of
--key-spec.",
    Dest::Member("NumberOfBytes"),
);

// ------------------------------------------------------------------------------ raw outputs

pub static CIPHERTEXT_OUT: Opt = Opt::local(
    "--ciphertext-out",
    Takes::One("PATH|-"),
    "Write the response's CiphertextBlob as raw bytes (not base64), and
leave it out of the printed response:
  -      to stdout, and nothing else goes to stdout (--query is not
         allowed)
  PATH   to a file (written to a temporary file beside it, then renamed
         over PATH, keeping its mode and owner; a symbolic link is
         replaced, not followed; a device, a FIFO or /dev/stdout is
         written in place); the JSON or text output still goes to stdout
So `--ciphertext-blob fileb://key.enc --ciphertext-out key.enc`
re-encrypts a file in place, and `--ciphertext-blob -
--ciphertext-out -` works as a filter.",
);

pub static PLAINTEXT_OUT: Opt = Opt::local(
    "--plaintext-out",
    Takes::One("PATH|-"),
    "Write the response's Plaintext as raw bytes (not base64), and leave it
out of the printed response:
  -      to stdout, and nothing else goes to stdout (--query is not
         allowed)
  PATH   to a file with mode 0600 (a temporary file beside it, renamed
         over PATH; a symbolic link is replaced, not followed; a device,
         a FIFO or /dev/stdout is written in place); the JSON or text
         output still goes to stdout
Without it the plaintext is printed in base64 as the AWS CLI prints it,
even to a terminal. It never appears on stderr: not in errors, not in
--debug output, and --plaintext-out /dev/stderr is refused. With --ciphertext-out, the two cannot both be stdout,
nor name one file (checked before anything is sent); files are written
ciphertext first.",
);
