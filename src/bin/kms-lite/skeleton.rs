//! `--generate-cli-skeleton`: the operation's input with a placeholder for every member, or a
//! sample response, as the AWS CLI v2 builds them (botocore's `ArgumentGenerator`): members in
//! the model's order; for the input an empty string, an enum's first value, `null` for a blob,
//! `0`, `true`, a one-item list and a `KeyName` map; for the output each string holds its
//! member's name.
//!
//! Where the AWS CLI v2 fails (its sample response puts `null` in every blob and then rejects
//! it: `Invalid type for parameter CiphertextBlob, value: None`, aws/aws-cli#2337), the sample
//! response here holds the member's name in a blob too.

use crate::args::{Invocation, OutputFormat};
use crate::commands::shared;
use crate::model::Shape;
use crate::output::format::render;
use crate::output::{Number, Val};
use crate::{Failure, opts, params, write_stdout};

/// Prints the skeleton `kind` (`input` or `output`) asks for.
pub fn print(inv: &Invocation, kind: &str) -> Result<(), Failure> {
    let command = inv.command;
    let Some(op) = command.operation else {
        // Only operation commands take the option.
        return Err(Failure::Usage(format!(
            "argument {}: not supported by {}",
            opts::GENERATE_CLI_SKELETON.name,
            command.name
        )));
    };
    if kind != "output" {
        let members = command.members();
        let skeleton = members.iter().map(|m| (m.name.to_owned(), input(m.shape)));
        let text = render(
            &Val::Object(skeleton.collect()),
            OutputFormat::Json,
            op.name,
            false,
        )
        .map_err(|m| Failure::Message(crate::exit::OTHER, m))?;
        return write_stdout(text.as_bytes());
    }
    if !command.prints_response {
        return Err(Failure::Usage(format!(
            "argument {}: {} prints no response; only input is available",
            opts::GENERATE_CLI_SKELETON.name,
            command.name
        )));
    }
    // As the AWS CLI does, the options are checked as for a real call.
    params::params(inv)?;
    let format = shared::output_format(&inv.globals)?;
    let members = op
        .output
        .iter()
        .map(|m| (m.name.to_owned(), output(m.shape, m.name)));
    shared::print_value(
        &inv.globals,
        format,
        Val::Object(members.collect()),
        op.name,
    )
}

/// A placeholder input value.
fn input(shape: Shape) -> Val {
    match shape {
        Shape::String => Val::Str(String::new()),
        Shape::Enum(values) => Val::Str(values.first().copied().unwrap_or_default().to_owned()),
        Shape::Blob => Val::Null,
        Shape::Integer { .. } => Val::Num(Number::Int(0)),
        Shape::Boolean => Val::Bool(true),
        Shape::List(item) => Val::List(vec![input(*item)]),
        Shape::Map(value) => Val::Object(vec![("KeyName".into(), input(*value))]),
        Shape::Structure(members) => Val::Object(
            members
                .iter()
                .map(|m| (m.name.to_owned(), input(m.shape)))
                .collect(),
        ),
    }
}

/// A sample output value for the member `name`.
fn output(shape: Shape, name: &str) -> Val {
    match shape {
        Shape::String | Shape::Enum(_) | Shape::Blob => Val::Str(name.to_owned()),
        Shape::Integer { .. } => Val::Num(Number::Int(0)),
        Shape::Boolean => Val::Bool(true),
        Shape::List(item) => Val::List(vec![output(*item, "")]),
        Shape::Map(value) => Val::Object(vec![("KeyName".into(), output(*value, ""))]),
        Shape::Structure(members) => Val::Object(
            members
                .iter()
                .map(|m| (m.name.to_owned(), output(m.shape, m.name)))
                .collect(),
        ),
    }
}
