//! Help and usage texts.

/// Printed before an argparse-style error, as the AWS CLI does.
pub const USAGE: &str = "\
usage: kms-lite [options] <command> [parameters]
To see help text, you can run:

  kms-lite --help
  kms-lite <command> --help
";

pub const GLOBAL_OPTIONS: &str = "\
GLOBAL OPTIONS (before or after the command)
  --region REGION            Region to send the request to (else AWS_REGION, then
                             AWS_DEFAULT_REGION; there is no default).
  --endpoint-url URL         Send requests to this URL (else AWS_ENDPOINT_URL_KMS, then
                             AWS_ENDPOINT_URL, then the region's KMS endpoint).
  --output json|text         Output format (else AWS_DEFAULT_OUTPUT, then json).
  --query EXPR               Print only part of the response. Supported: a top-level member
                             name (CiphertextBlob) or a list of them ([KeyId,CiphertextBlob]).
                             A missing member prints null (json) or None (text).
  --ca-bundle PATH           Trust the PEM certificates in PATH for TLS (else AWS_CA_BUNDLE).
  --cli-connect-timeout N    Connect timeout in whole seconds; 0 means no timeout
                             (default 10).
  --cli-read-timeout N       Socket read timeout in whole seconds; 0 means no timeout
                             (default 60).
  --profile NAME             Accepted for compatibility but NOT used yet: credentials come
                             from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN.
  --debug                    Accepted for compatibility; request logging is not implemented
                             yet.
  --no-verify-ssl            Rejected: TLS certificate verification cannot be disabled.
  --help, -h                 Show help. `kms-lite <command> help` works too.
  --version                  Show the version.
";

pub const EXIT_CODES: &str = "\
EXIT CODES
  0    success (a dry run that would have succeeded included)
  252  the command line or a parameter value is not valid; nothing was sent
  253  configuration is missing or not valid (no region, no credentials)
  254  the service returned an error
  255  any other failure (network, TLS, malformed response, writing output)
";

pub fn top() -> String {
    format!(
        "\
kms-lite {version}: a minimal AWS KMS command-line client, speaking the conventions of the
AWS CLI (`aws kms ...`).

usage: kms-lite [options] <command> [parameters]

COMMANDS
  re-encrypt    Decrypt a ciphertext and encrypt it again under another KMS key or
                encryption context, inside KMS.
                See `kms-lite re-encrypt --help`.

{GLOBAL_OPTIONS}
{EXIT_CODES}",
        version = env!("CARGO_PKG_VERSION")
    )
}

pub fn re_encrypt() -> String {
    format!(
        "\
kms-lite re-encrypt: decrypt a ciphertext and encrypt it again under another KMS key or
encryption context, inside KMS (the ReEncrypt operation). The plaintext never leaves KMS.

usage: kms-lite re-encrypt --destination-key-id KEY [--ciphertext-blob BLOB] [options]

OPTIONS
  --ciphertext-blob BLOB
      The ciphertext to re-encrypt (1 to 6144 bytes). One of:
        fileb://PATH   raw bytes read from a file
        -              raw bytes read from stdin
        file://PATH    base64 text read from a file (line breaks are ignored)
        TEXT           base64 text (standard alphabet, padded), decoded strictly; an
                       error names the offset of the first bad character
      Required unless --dry-run is given with --dry-run-modifiers IGNORE_CIPHERTEXT.
  --source-key-id KEY
      The key that decrypts the ciphertext: key id, key ARN, alias name (alias/...) or
      alias ARN. Required for ciphertexts made with an asymmetric key.
  --destination-key-id KEY        (required)
      The key to re-encrypt under; same forms. A key in another account needs an ARN.
  --source-encryption-context CONTEXT
      The encryption context the ciphertext was made with. CONTEXT is shorthand
      (k1=v1,k2=v2; quote a value with \" or ' to include commas), a JSON object
      ({{\"k1\":\"v1\"}}), or file://PATH holding either.
  --destination-encryption-context CONTEXT
      The encryption context for the new ciphertext; same forms.
  --source-encryption-algorithm ALG
  --destination-encryption-algorithm ALG
      SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256 or SM2PKE.
  --grant-tokens TOKEN [TOKEN ...]
      Up to 10 grant tokens; takes values up to the next --option.
  --dry-run | --no-dry-run
      Check permissions and parameters without re-encrypting. A dry run that would have
      succeeded prints `Dry run succeeded: ...` on stderr, nothing on stdout, and exits 0.
  --dry-run-modifiers IGNORE_CIPHERTEXT
      With --dry-run, check permissions without a ciphertext.
  --ciphertext-out PATH|-
      Write the new ciphertext as raw bytes (not base64):
        -      to stdout, and nothing else goes to stdout (--query is not allowed)
        PATH   to a file (written to a temporary file, then renamed over PATH); the
               JSON or text output, without CiphertextBlob, still goes to stdout
      So `--ciphertext-blob fileb://key.enc --ciphertext-out key.enc` re-encrypts a file
      in place, and `... --ciphertext-blob - --ciphertext-out -` works as a filter.

Every option also takes the --option=value form (use it for a value that begins with --).

OUTPUT
  json (default): the response members with their AWS names (CiphertextBlob in base64,
  SourceKeyId, KeyId, SourceEncryptionAlgorithm, DestinationEncryptionAlgorithm,
  SourceKeyMaterialId, DestinationKeyMaterialId), absent members left out, 4-space
  indented. text: the values tab-separated, ordered by member name.
  Errors go to stderr, a service error as
  `An error occurred (CODE) when calling the ReEncrypt operation: MESSAGE`.

EXAMPLE
  kms-lite re-encrypt --ciphertext-blob fileb://secret.enc \\
      --destination-key-id alias/new-key \\
      --source-encryption-context purpose=backup \\
      --destination-encryption-context purpose=backup \\
      --ciphertext-out secret.enc

{GLOBAL_OPTIONS}
{EXIT_CODES}"
    )
}
