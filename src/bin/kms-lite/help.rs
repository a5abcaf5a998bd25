//! Help and usage texts.

use crate::args::Command;

/// Printed before an argparse-style error, as the AWS CLI does.
pub const USAGE: &str = "\
usage: kms-lite [options] <command> [parameters]
To see help text, you can run:

  kms-lite --help
  kms-lite <command> --help
";

pub const GLOBAL_OPTIONS: &str = "\
GLOBAL OPTIONS (before or after the command)
  --region REGION            Region to send the request to (else AWS_REGION,
                             AWS_DEFAULT_REGION, the profile's region, then the EC2
                             instance's region; there is no default).
  --endpoint-url URL         Send requests to this URL (else AWS_ENDPOINT_URL_KMS,
                             AWS_ENDPOINT_URL, the profile's services section or
                             endpoint_url, then the region's KMS endpoint).
  --output FORMAT            json, text, table, yaml, yaml-stream or off, as the AWS CLI v2
                             writes them (else AWS_DEFAULT_OUTPUT, the profile's output, json).
  --query EXPR               A JMESPath expression: print only what it selects, for example
                             KeyId or {id: KeyId, size: length(CiphertextBlob)}.
  --ca-bundle PATH           Trust only the PEM certificates in PATH for TLS, instead of
                             the built-in roots (else AWS_CA_BUNDLE, then the profile's
                             ca_bundle).
  --cli-connect-timeout N    Connect timeout in whole seconds; 0 means no timeout
                             (default 10).
  --cli-read-timeout N       Socket read timeout in whole seconds; 0 means no timeout
                             (default 60).
  --profile NAME             Use this profile of ~/.aws/config and ~/.aws/credentials (else
                             AWS_PROFILE, then default) for credentials, region and endpoint.
  --debug                    Log where the configuration came from and every HTTP request
                             and response to stderr (credentials redacted, no bodies).
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
  encrypt       Encrypt up to 4096 bytes under a KMS key.
  decrypt       Decrypt a ciphertext made by KMS.
  generate-data-key
                Make a data key: its plaintext, and a copy encrypted under a KMS key.
  generate-data-key-without-plaintext
                Make a data key returned only encrypted under a KMS key.
  re-encrypt    Decrypt a ciphertext and encrypt it again under another KMS key or
                encryption context, inside KMS.
                See `kms-lite re-encrypt --help`.
  re-encrypt-batch
                Re-encrypt many ciphertexts (base64 lines, or a directory of files
                rewritten in place) with bounded concurrency, an optional rate cap,
                and a journal that makes an interrupted run resumable.
                See `kms-lite re-encrypt-batch --help`.

{GLOBAL_OPTIONS}
{EXIT_CODES}",
        version = env!("CARGO_PKG_VERSION")
    )
}

/// The help of one command.
pub fn command(c: Command) -> String {
    match c {
        Command::Encrypt => encrypt(),
        Command::Decrypt => decrypt(),
        Command::GenerateDataKey => generate_data_key(),
        Command::GenerateDataKeyWithoutPlaintext => generate_data_key_without_plaintext(),
        Command::ReEncrypt => re_encrypt(),
        Command::ReEncryptBatch => re_encrypt_batch(),
    }
}

/// Option texts several commands share.
const KEY_FORMS: &str = "\n      key id, key ARN, alias name (alias/...) or alias ARN";

const CONTEXT: &str = "  --encryption-context CONTEXT
      Non-secret key=value pairs bound to the ciphertext; the same context is needed to
      decrypt. CONTEXT is shorthand (k1=v1,k2=v2; quote a value with \" or ' to include
      commas), a JSON object ({\"k1\":\"v1\"}), or file://PATH holding either.
";

const GRANT_TOKENS: &str = "  --grant-tokens TOKEN [TOKEN ...]
      Up to 10 grant tokens; takes values up to the next --option.
";

const DRY_RUN: &str = "  --dry-run | --no-dry-run
      Check permissions and parameters without performing the operation. A dry run that
      would have succeeded prints `Dry run succeeded: ...` on stderr, nothing on stdout,
      and exits 0.
";

const DATA_KEY_SIZE: &str = "  --key-spec AES_256|AES_128
  --number-of-bytes N
      The data key's length: a spec, or a number of bytes from 1 to 1024. Give exactly one
      (AES_256 is the usual choice); both or neither is a parameter error (exit 252).
";

const CIPHERTEXT_BLOB_FORMS: &str = "        fileb://PATH   raw bytes read from a file
        -              raw bytes read from stdin
        file://PATH    base64 text read from a file (line breaks are ignored)
        TEXT           base64 text (standard alphabet, padded), decoded strictly; an
                       error names the offset of the first bad character
";

const RECIPIENT: &str = "  --recipient RECIPIENT
      An attested Nitro enclave to receive the plaintext: KMS returns it encrypted under
      the enclave's public key, as CiphertextForRecipient, and no Plaintext. RECIPIENT is
      shorthand KeyEncryptionAlgorithm=RSAES_OAEP_SHA_256,AttestationDocument=DOC, the
      same as a JSON object, or file://PATH holding either. DOC is base64 text, or
      fileb://PATH for the raw document (a kms-lite extension). Not with --plaintext-out.
";

/// `--ciphertext-out`, for a command whose response carries `CiphertextBlob`.
fn ciphertext_out(what: &str) -> String {
    format!(
        "  --ciphertext-out PATH|-
      Write {what} as raw bytes (not base64), and leave
      CiphertextBlob out of the printed response:
        -      to stdout, and nothing else goes to stdout (--query is not allowed)
        PATH   to a file (written to a temporary file beside it, then renamed over PATH,
               keeping its mode and owner; a symbolic link is replaced, not followed;
               a device, a FIFO or /dev/stdout is written in place);
               the JSON or text output still goes to stdout
"
    )
}

/// `--plaintext-out`.
fn plaintext_out(what: &str) -> String {
    format!(
        "  --plaintext-out PATH|-
      Write {what} as raw bytes (not base64), and leave
      Plaintext out of the printed response:
        -      to stdout, and nothing else goes to stdout (--query is not allowed)
        PATH   to a file with mode 0600 (a temporary file beside it, renamed over PATH;
               a symbolic link is replaced, not followed; a device, a FIFO or
               /dev/stdout is written in place); the JSON or text output still goes to
               stdout
      Without it the plaintext is printed in base64 as the AWS CLI prints it, even to a
      terminal. It never appears on stderr: not in errors, not in --debug output.
"
    )
}

const OUTPUT_NOTE: &str = "\
Every option also takes the --option=value form (use it for a value that begins with --).
Output is the response as JSON (AWS member names, blobs in base64, absent members left out,
4-space indented) or in the other --output formats as the AWS CLI v2 writes them.
Errors go to stderr, a service error as
`An error occurred (CODE) when calling the OPERATION operation: MESSAGE`.
";

pub fn encrypt() -> String {
    format!(
        "\
kms-lite encrypt: encrypt up to 4096 bytes of plaintext under a KMS key (the Encrypt
operation). For more data, encrypt locally with a key from generate-data-key.

usage: kms-lite encrypt --key-id KEY --plaintext BLOB [options]

OPTIONS
  --key-id KEY                    (required)
      The key to encrypt under:{KEY_FORMS}.
  --plaintext BLOB                (required)
      The data to encrypt (1 to 4096 bytes). One of:
        fileb://PATH   raw bytes read from a file
        -              raw bytes read from stdin
        file://PATH    base64 text read from a file (line breaks are ignored)
        TEXT           base64 text, as the AWS CLI v2 takes blobs by default
      A value on the command line is visible to other local users (ps): prefer fileb://
      or -. The plaintext is never echoed in any message.
{CONTEXT}{GRANT_TOKENS}  --encryption-algorithm ALG
      SYMMETRIC_DEFAULT (the default), RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256 or SM2PKE.
{DRY_RUN}{cipher_out}
{OUTPUT_NOTE}Members: CiphertextBlob, KeyId, EncryptionAlgorithm.

EXAMPLE
  kms-lite encrypt --key-id alias/app --plaintext fileb://secret.txt \\
      --encryption-context purpose=backup --ciphertext-out secret.enc

{GLOBAL_OPTIONS}
{EXIT_CODES}",
        cipher_out = ciphertext_out("the ciphertext")
    )
}

pub fn decrypt() -> String {
    format!(
        "\
kms-lite decrypt: decrypt a ciphertext made by encrypt, generate-data-key or re-encrypt (the
Decrypt operation).

usage: kms-lite decrypt [--ciphertext-blob BLOB] [options]

OPTIONS
  --ciphertext-blob BLOB
      The ciphertext (1 to 6144 bytes). One of:
{CIPHERTEXT_BLOB_FORMS}      Required unless --dry-run is given with --dry-run-modifiers IGNORE_CIPHERTEXT.
{CONTEXT}{GRANT_TOKENS}  --key-id KEY
      The key expected to decrypt:{KEY_FORMS}.
      Required for asymmetric keys; recommended always (KMS then refuses a ciphertext made
      under another key).
  --encryption-algorithm ALG
      The algorithm the ciphertext was made with: SYMMETRIC_DEFAULT (the default),
      RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256 or SM2PKE.
{RECIPIENT}{DRY_RUN}  --dry-run-modifiers IGNORE_CIPHERTEXT
      With --dry-run, check permissions without a ciphertext.
{plain_out}
{OUTPUT_NOTE}Members: KeyId, Plaintext, EncryptionAlgorithm, CiphertextForRecipient, KeyMaterialId.

EXAMPLE
  kms-lite decrypt --ciphertext-blob fileb://secret.enc --key-id alias/app \\
      --encryption-context purpose=backup --plaintext-out secret.txt

{GLOBAL_OPTIONS}
{EXIT_CODES}",
        plain_out = plaintext_out("the plaintext")
    )
}

pub fn generate_data_key() -> String {
    format!(
        "\
kms-lite generate-data-key: make a fresh symmetric data key, returned as plaintext and
encrypted under a KMS key (the GenerateDataKey operation). Encrypt data locally with the
plaintext, store the encrypted copy beside the data, and forget the plaintext.

usage: kms-lite generate-data-key --key-id KEY (--key-spec SPEC | --number-of-bytes N)
           [options]

OPTIONS
  --key-id KEY                    (required)
      The symmetric KMS key that encrypts the data key:{KEY_FORMS}.
{CONTEXT}{DATA_KEY_SIZE}{GRANT_TOKENS}{RECIPIENT}{DRY_RUN}{plain_out}{cipher_out}      --plaintext-out and --ciphertext-out cannot both be stdout, nor name one file (checked
      before anything is sent). Files are written ciphertext first.

{OUTPUT_NOTE}Members: CiphertextBlob, Plaintext, KeyId, CiphertextForRecipient, KeyMaterialId.

EXAMPLE
  kms-lite generate-data-key --key-id alias/app --key-spec AES_256 \\
      --plaintext-out data.key --ciphertext-out data.key.enc

{GLOBAL_OPTIONS}
{EXIT_CODES}",
        plain_out = plaintext_out("the plaintext data key"),
        cipher_out = ciphertext_out("the encrypted data key")
    )
}

pub fn generate_data_key_without_plaintext() -> String {
    format!(
        "\
kms-lite generate-data-key-without-plaintext: make a fresh symmetric data key returned only
encrypted under a KMS key (the GenerateDataKeyWithoutPlaintext operation), for a component
that stores it now and has it decrypted later.

usage: kms-lite generate-data-key-without-plaintext --key-id KEY
           (--key-spec SPEC | --number-of-bytes N) [options]

OPTIONS
  --key-id KEY                    (required)
      The symmetric KMS key that encrypts the data key:{KEY_FORMS}.
{CONTEXT}{DATA_KEY_SIZE}{GRANT_TOKENS}{DRY_RUN}{cipher_out}
{OUTPUT_NOTE}Members: CiphertextBlob, KeyId, KeyMaterialId.

EXAMPLE
  kms-lite generate-data-key-without-plaintext --key-id alias/app --key-spec AES_256 \\
      --ciphertext-out data.key.enc

{GLOBAL_OPTIONS}
{EXIT_CODES}",
        cipher_out = ciphertext_out("the encrypted data key")
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
        PATH   to a file (written to a temporary file, then renamed over PATH, keeping
               its mode and owner; a symbolic link is replaced, not followed; a device,
               a FIFO or /dev/stdout is written in place); the JSON or text output,
               without CiphertextBlob, still goes to stdout
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

pub fn re_encrypt_batch() -> String {
    format!(
        "\
kms-lite re-encrypt-batch: re-encrypt many ciphertexts under another KMS key or encryption
context (ReEncrypt), with bounded concurrency, an optional rate cap, output in input order,
and a journal that lets an interrupted run (crash, kill -9, Ctrl-C) resume without losing or
redoing items.

usage: kms-lite re-encrypt-batch --destination-key-id KEY
           (--input PATH|- [--output-file PATH|-] | --input-dir DIR) [options]

INPUT (one of)
  --input PATH|-
      Newline-delimited base64 ciphertexts (standard alphabet, padded), from a file,
      stdin, a pipe (<(cmd)) or a FIFO, read once. Line N is item N. Blank lines and
      lines starting with # are not items. Spaces and a trailing CR around a line are
      ignored. A line longer than 8192 characters is a failed item; a NUL byte ends the
      run (the input is not text).
  --input-dir DIR
      Every regular file in DIR (not subdirectories, not symbolic links, not kms-lite's
      own journal, lock or temporary files) holds one raw ciphertext; files are items
      1, 2, ... in byte order of their names. Each file is rewritten in place
      atomically, keeping its mode and owner: a temporary file .NAME.kms-lite-PID.tmp
      in DIR, written and fsynced, then renamed over NAME; DIR is fsynced at the end.

OUTPUT (line mode)
  --output-file PATH|-
      Default -: stdout. One line per input line, in input order: the new ciphertext in
      base64 for an item that succeeded, an empty line for anything else (a failed item,
      a blank or comment line, another shard's item), so `paste input output` pairs them
      and `paste -d '' shard1.out shard2.out ...` merges shards. A file is written to a
      temporary file beside it and renamed over PATH when the run ends (keeping its mode
      and owner; a symbolic link is replaced, never followed); a device, a FIFO or
      /dev/stdout is written as the run goes. It may not be the --input file.
  Each failed item prints one line on stderr and never stops the batch:
      item N: An error occurred (CODE) when calling the ReEncrypt operation: MESSAGE
  (in directory mode `item N: (NAME) ...`). At the end a summary goes to stderr:
      re-encrypted N, failed M, skipped (already done) S, in T s (R items/s);
      throttled X, retried later Y
  and, when stderr is a terminal, a progress line meanwhile (done, failed, items/s,
  requests/s, throttled, ETA).

REQUEST OPTIONS (as for re-encrypt)
  --destination-key-id KEY (required), --source-key-id KEY,
  --source-encryption-context CONTEXT, --destination-encryption-context CONTEXT,
  --source-encryption-algorithm ALG, --destination-encryption-algorithm ALG,
  --grant-tokens TOKEN [TOKEN ...]. The same for every item.

BATCH OPTIONS
  --concurrency N
      Requests in flight, 1 to 256 (default 8). The workers share one client and its
      connection pool.
  --rate R
      At most R requests started per second, spread evenly (R may be fractional, for
      example 0.5). The account's KMS quota is shared with every other caller. Retries
      inside one request are not counted.
  --journal PATH
      The journal (default: OUTPUT.journal when --output-file is a file; DIR.journal
      beside the directory for --input-dir, DIR.shard-K-of-N.journal with --shard).
      Without a file output and without --journal there is no journal and the run cannot
      be resumed. A file that is not a journal (or a symbolic link) is refused untouched.
      A second run on the same journal or directory is refused while the first runs
      (a lock file, PATH.lock or DIR/.kms-lite.lock; a killed run's lock is taken over).
  --shard K/N | env:VAR/N
      Take only the items i with (i - 1) mod N = K - 1, K counted from 1 (1 <= K <= N).
      The N shards of one input are disjoint and together hold every item. env:VAR/N
      takes K - 1 from the variable VAR, so one command line serves every member of a
      Kubernetes Indexed Job (env:JOB_COMPLETION_INDEX/N) or an AWS Batch array job
      (env:AWS_BATCH_JOB_ARRAY_INDEX/N).
  --give-up-after SECONDS
      Stop the run when the service has answered no call for this long while calls keep
      failing with retryable errors (default {give_up}); run again to resume.

RESUMING
  Run the same command again. Items the journal records as done are not sent again (line
  mode prints their journaled result), so the output is the one an uninterrupted run gives.
  Failed items are tried again. A journal made with other keys, contexts, algorithms,
  input mode or shard, or for other input lines, is refused: remove it to start over. The
  journal is kept after a complete run, so running again is cheap and changes nothing.

RETRIES
  Without AWS_MAX_ATTEMPTS, each request is tried up to {attempts} times with the standard
  backoff. An item whose call still ends in a retryable error (throttling, 5xx, a reset,
  a timeout, a truncated response) goes back to the queue and is tried again later,
  with a growing pause. Only a final error fails it, or {tries} failed tries (not
  throttling) while the service answers other calls. A service down for good ends the run
  (--give-up-after).

EXIT CODES
  0    every item succeeded (or was already done)
  252  the command line is not valid, or only bad input lines failed
  253  configuration is missing (region, credentials)
  254  at least one item failed with a service error
  255  other failures (network, files, journal); 130 or 137 when interrupted or killed

Global options: --region, --endpoint-url, --ca-bundle, --cli-connect-timeout,
--cli-read-timeout, --profile, --debug (--output and --query do not apply).
",
        attempts = crate::commands::re_encrypt_batch::BATCH_DEFAULT_ATTEMPTS,
        tries = crate::batch::call::TRANSIENT_TRIES,
        give_up = crate::batch::DEFAULT_GIVE_UP.as_secs(),
    )
}
