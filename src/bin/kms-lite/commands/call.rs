//! `kms-lite call OPERATION`: any KMS operation by name (`Client::raw_call`), its input the
//! operation's JSON, its output printed as the other commands print theirs.
//!
//! The output's plaintext-bearing members (`Plaintext`, `PrivateKeyPlaintext`,
//! `SharedSecret`) are printed, as the AWS CLI prints them, and nowhere else: the printed copy
//! is wiped, and no message or `--debug` line holds them.

use kms_lite::OPERATIONS;
use serde_json::Value;

use super::shared;
use crate::args::{Command, Invocation, OPERATION_COMMAND, Positional, optional};
use crate::output::{Number, Val};
use crate::{Failure, opts, params};

pub static COMMAND: Command = Command {
    name: "call",
    summary: "Call any KMS operation by name, its input as JSON.",
    about: "call any KMS operation by its API name (CreateKey, DescribeKey,
ListKeys, Sign, Verify, GenerateRandom...), with its input as the operation's
JSON (--cli-input-json; {} without it), and print its output: signed, retried
and reported like the other commands. The JSON is sent as given, blobs in
base64 whatever --cli-binary-format says: KMS checks the members. Output
members are listed in alphabetical order; an output with no members prints
nothing, as with the AWS CLI.",
    positional: Some(Positional {
        name: "operation",
        choices: OPERATIONS,
    }),
    options: &[optional(&opts::CLI_INPUT_JSON)],
    notes,

    run,
    ..OPERATION_COMMAND
};

/// The examples, then every operation name, wrapped.
fn notes() -> String {
    let mut out = "EXAMPLES
  kms-lite call CreateKey --cli-input-json '{\"Description\": \"app key\"}' \\
      --query KeyMetadata.Arn --output text
  kms-lite call CreateAlias \\
      --cli-input-json '{\"AliasName\": \"alias/app\", \"TargetKeyId\": \"KEY-ID\"}'
  kms-lite call DescribeKey --cli-input-json file://describe.json
  kms-lite call GenerateRandom --cli-input-json '{\"NumberOfBytes\": 32}' \\
      --query Plaintext --output text

OPERATIONS
"
    .to_owned();
    let mut line = String::from(" ");
    for op in OPERATIONS {
        if line.len() + 1 + op.len() > 78 {
            out.push_str(&line);
            out.push('\n');
            line = String::from(" ");
        }
        line.push(' ');
        line.push_str(op);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

fn run(inv: &Invocation) -> Result<(), Failure> {
    let format = shared::output_format(&inv.globals)?;
    // The parser took only names of OPERATIONS.
    let operation = inv.positional.as_deref().unwrap_or_default();
    let input = match inv.one(&opts::CLI_INPUT_JSON) {
        Some(value) => Value::Object(
            params::load_json(value)?
                .into_iter()
                .map(|(k, v)| (k, to_json(v)))
                .collect(),
        ),
        None => Value::Object(serde_json::Map::new()),
    };
    let g = &inv.globals;
    let client = shared::build_client(g, None)?;
    let dry_run = input.get("DryRun").and_then(Value::as_bool);
    let output = client
        .raw_call(operation, &input)
        .map_err(|e| shared::call_failure(&e, dry_run))?;
    let value = Val::from_response(&output.with_plaintext())
        .map_err(|m| Failure::Message(crate::exit::OTHER, m))?;
    // An output without members prints nothing, as in the AWS CLI (`response != {}`).
    if matches!(&value, Val::Object(m) if m.is_empty()) && g.query.is_none() {
        return Ok(());
    }
    shared::print_value(g, format, value, output.operation())
}

/// A `--cli-input-json` value as the library takes it.
fn to_json(v: Val) -> Value {
    match v {
        Val::Null => Value::Null,
        Val::Bool(b) => Value::Bool(b),
        Val::Num(Number::Int(i)) => Value::from(i),
        Val::Num(Number::Float(f)) => Value::from(f),
        Val::Str(s) => Value::String(s),
        Val::List(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Val::Object(members) => {
            Value::Object(members.into_iter().map(|(k, v)| (k, to_json(v))).collect())
        }
    }
}
