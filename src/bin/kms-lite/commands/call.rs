//! `kms-lite call OPERATION`: any KMS operation by name (`Client::raw_call`), its input the
//! operation's JSON, its output printed as the other commands print theirs.
//!
//! The output's plaintext-bearing members (`Plaintext`, `PrivateKeyPlaintext`,
//! `SharedSecret`) are printed, as the AWS CLI prints them, and nowhere else: the printed copy
//! is wiped, and no message or `--debug` line holds them.

mod pages;

use kms_lite::OPERATIONS;
use serde_json::{Map, Value};

use super::shared;
use crate::args::{
    Command, Invocation, OPERATION_COMMAND, Opt, OutputFormat, Positional, Takes, optional,
};
use crate::output::{Number, Output, Val};
use crate::{Failure, exit, opts, params};
use pages::{PageError, Pager, Pages, Start};

pub static MAX_ITEMS: Opt = Opt::local(
    "--max-items",
    Takes::One("N"),
    "Return at most N items (N >= 1) of a paginated operation's result
list; when more remain, the output's NextToken resumes after them
(--starting-token).",
);

pub static STARTING_TOKEN: Opt = Opt::local(
    "--starting-token",
    Takes::One("TOKEN"),
    "Start a paginated operation where an earlier --max-items stopped.
TOKEN is its output's NextToken (the AWS CLI's tokens work too, as
does a NextMarker).",
);

pub static PAGE_SIZE: Opt = Opt::local(
    "--page-size",
    Takes::One("N"),
    "Ask a paginated operation for N items a request (its Limit). The
output is the same, in more or fewer requests.",
);

/// The options only a paginated operation takes.
static PAGING: [&Opt; 3] = [&MAX_ITEMS, &STARTING_TOKEN, &PAGE_SIZE];

pub static COMMAND: Command = Command {
    name: "call",
    summary: "Call any KMS operation by name, its input as JSON.",
    about: "call any KMS operation by its API name (CreateKey, DescribeKey,
ListKeys, Sign, Verify, GenerateRandom...), with its input as the operation's
JSON (--cli-input-json; {} without it), and print its output: signed, retried
and reported like the other commands. The JSON is sent as given, blobs in
base64 whatever --cli-binary-format says: KMS checks the members. Output
members are listed in alphabetical order; an output with no members prints
nothing, as with the AWS CLI. The paginated operations fetch every page
(see PAGINATION).",
    positional: Some(Positional {
        name: "operation",
        choices: OPERATIONS,
    }),
    options: &[
        optional(&opts::CLI_INPUT_JSON),
        optional(&MAX_ITEMS),
        optional(&STARTING_TOKEN),
        optional(&PAGE_SIZE),
    ],
    notes,

    run,
    ..OPERATION_COMMAND
};

/// The examples, how the paginated operations page, then every operation name, wrapped.
fn notes() -> String {
    let paginated: Vec<&str> = pages::PAGINATED.iter().map(|(op, _)| *op).collect();
    format!(
        "EXAMPLES
  kms-lite call CreateKey --cli-input-json '{{\"Description\": \"app key\"}}' \\
      --query KeyMetadata.Arn --output text
  kms-lite call CreateAlias \\
      --cli-input-json '{{\"AliasName\": \"alias/app\", \"TargetKeyId\": \"KEY-ID\"}}'
  kms-lite call DescribeKey --cli-input-json file://describe.json
  kms-lite call GenerateRandom --cli-input-json '{{\"NumberOfBytes\": 32}}' \\
      --query Plaintext --output text
  kms-lite call ListAliases --query 'Aliases[].AliasName' --output text
  kms-lite call ListKeys --max-items 100

PAGINATION
{}
  These fetch every page, as the AWS CLI does: each request's {marker} is the
  {next} of the page before, while {more} is true. The output is the
  result lists of all pages joined, without {next} and {more} (text
  and yaml-stream print page by page, --query applied to each, as the AWS CLI
  does). A {marker} or {limit} in {json}, or {no_paginate}, fetches
  one page, printed as returned. A server that repeats a marker, or sends more
  than {pages} pages or {mib} MiB of results, stops the command (255).

OPERATIONS
{}",
        wrapped(&paginated),
        wrapped(OPERATIONS),
        marker = pages::INPUT_TOKEN,
        next = pages::OUTPUT_TOKEN,
        more = pages::MORE_RESULTS,
        limit = pages::LIMIT_KEY,
        json = opts::CLI_INPUT_JSON.name,
        no_paginate = opts::NO_PAGINATE.name,
        pages = pages::MAX_PAGES,
        mib = pages::MAX_WEIGHT >> 20,
    )
}

/// Names, space-separated, in lines indented by two and at most 78 columns wide.
fn wrapped(names: &[&str]) -> String {
    let mut out = String::new();
    let mut line = String::from(" ");
    for name in names {
        if line.len() + 1 + name.len() > 78 {
            out.push_str(&line);
            out.push('\n');
            line = String::from(" ");
        }
        line.push(' ');
        line.push_str(name);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

fn run(inv: &Invocation) -> Result<(), Failure> {
    let format = shared::output_format(&inv.globals)?;
    // The parser took only names of OPERATIONS.
    let operation = inv.positional.as_deref().unwrap_or_default();
    let input: Map<String, Value> = match inv.one(&opts::CLI_INPUT_JSON) {
        Some(value) => params::load_json(value)?
            .into_iter()
            .map(|(k, v)| (k, to_json(v)))
            .collect(),
        None => Map::new(),
    };
    let pager = pager(inv, operation, &input)?;
    let g = &inv.globals;
    let client = shared::build_client(g, None)?;
    let dry_run = input.get("DryRun").and_then(Value::as_bool);
    if let Some(pager) = pager {
        let pages = pager
            .run(input, |request| {
                client
                    .raw_call(operation, request)
                    .map(|out| out.json().clone())
            })
            .map_err(|e| match e {
                PageError::Call(e) => shared::call_failure(&e, dry_run),
                // botocore's PaginationError, as the AWS CLI prints it.
                PageError::Pages(m) => {
                    Failure::Message(exit::OTHER, format!("Error with pagination: {m}"))
                }
                PageError::Output(m) => Failure::Message(exit::OTHER, m),
            })?;
        return print_pages(inv, format, operation, pager.result_key, pages);
    }
    let input = Value::Object(input);
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

/// How `call` pages `operation`: `None` for one request (an operation that is not paginated,
/// `--no-paginate`, or a `Marker` or `Limit` in the input: paging by hand, as the AWS CLI
/// takes them). The paging options are checked here, before anything is sent.
fn pager(
    inv: &Invocation,
    operation: &str,
    input: &Map<String, Value>,
) -> Result<Option<Pager>, Failure> {
    let given: Vec<&str> = PAGING
        .iter()
        .filter(|o| inv.one(o).is_some())
        .map(|o| o.name)
        .collect();
    let Some(result_key) = pages::result_key(operation) else {
        return match given.first() {
            Some(name) => Err(Failure::Usage(format!(
                "argument {name}: not supported by call {operation} (not a paginated operation)"
            ))),
            None => Ok(None),
        };
    };
    let by_hand = [pages::INPUT_TOKEN, pages::LIMIT_KEY]
        .iter()
        .any(|m| input.contains_key(*m));
    if inv.flag(&opts::NO_PAGINATE) || by_hand {
        if given.is_empty() {
            return Ok(None);
        }
        let why = if by_hand {
            format!(
                "{} or {} in {}",
                pages::INPUT_TOKEN,
                pages::LIMIT_KEY,
                opts::CLI_INPUT_JSON.name
            )
        } else {
            opts::NO_PAGINATE.name.to_owned()
        };
        return Err(Failure::Message(
            exit::USAGE,
            format!(
                "Cannot specify {why} along with pagination arguments: {}",
                given.join(", ")
            ),
        ));
    }
    let mut pager = Pager::new(result_key);
    if let Some(v) = inv.one(&MAX_ITEMS) {
        let n: usize = crate::args::int(MAX_ITEMS.name, v).map_err(|e| Failure::Usage(e.0))?;
        if n == 0 {
            return Err(Failure::Usage(format!(
                "argument {}: must be at least 1",
                MAX_ITEMS.name
            )));
        }
        pager.max_items = Some(n);
    }
    if let Some(v) = inv.one(&PAGE_SIZE) {
        pager.page_size =
            Some(crate::args::int(PAGE_SIZE.name, v).map_err(|e| Failure::Usage(e.0))?);
    }
    if let Some(v) = inv.one(&STARTING_TOKEN) {
        pager.start = Start::parse(v).ok_or_else(|| {
            Failure::Usage(format!(
                "argument {}: not a NextToken that kms-lite or the AWS CLI printed",
                STARTING_TOKEN.name
            ))
        })?;
    }
    Ok(Some(pager))
}

/// Prints the pages as the AWS CLI v2 does: the full result (json, yaml, table); each page's
/// result list, then the `NextToken` (text); each page as returned (yaml-stream). `--query`
/// applies to what is printed, each piece on its own.
fn print_pages(
    inv: &Invocation,
    format: Output,
    operation: &str,
    result_key: &str,
    pages: Pages,
) -> Result<(), Failure> {
    let g = &inv.globals;
    // The pages are moved into what is printed, and let go of as they are printed.
    let print = |value: Val| shared::print_value(g, format.clone(), value, operation);
    let object = |key: &str, value: Val| Val::Object(vec![(key.to_owned(), value)]);
    match format.format {
        OutputFormat::Text => {
            let next_token = pages.next_token;
            for page in pages.pages {
                let items = pages::take(page, result_key).unwrap_or(Val::Null);
                print(object(result_key, items))?;
            }
            if let Some(token) = next_token {
                print(object("NextToken", object("NextToken", Val::Str(token))))?;
            }
            Ok(())
        }
        OutputFormat::YamlStream => pages.pages.into_iter().try_for_each(print),
        _ => {
            let full = pages::full_result(pages, result_key);
            // Nothing at all prints nothing, as a single call's empty output.
            if matches!(&full, Val::Object(m) if m.is_empty()) && g.query.is_none() {
                return Ok(());
            }
            print(full)
        }
    }
}

/// A response value as the formats take it, moved rather than copied. Members come in the
/// map's order (alphabetical), as `Val::from_response` gives them for a `Value`.
fn from_json(v: Value) -> Result<Val, String> {
    Ok(match v {
        Value::Null => Val::Null,
        Value::Bool(b) => Val::Bool(b),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Val::Num(Number::Int(i)),
            (None, Some(f)) if !n.is_u64() => Val::Num(Number::Float(f)),
            _ => return Err("the response holds an integer larger than 2^63 - 1".into()),
        },
        Value::String(s) => Val::Str(s),
        // Sized exactly (collecting through a Result would round up to the next power of 2).
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for v in items {
                out.push(from_json(v)?);
            }
            Val::List(out)
        }
        Value::Object(members) => {
            let mut out = Vec::with_capacity(members.len());
            for (k, v) in members {
                out.push((k, from_json(v)?));
            }
            Val::Object(out)
        }
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_response_becomes_the_value_the_text_round_trip_made() {
        let v = json!({"b": [1, -2, 1.5, -0.0, null, true, "s"], "a": {"z": {}, "y": []}});
        assert_eq!(
            from_json(v.clone()).unwrap(),
            Val::from_response(&v).unwrap()
        );
        assert_eq!(
            from_json(json!([u64::MAX])),
            Err("the response holds an integer larger than 2^63 - 1".to_owned())
        );
        assert_eq!(
            from_json(json!(i64::MIN)).unwrap(),
            Val::Num(Number::Int(i64::MIN))
        );
    }
}
