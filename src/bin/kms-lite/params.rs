//! The request members of one invocation: from the options that set them, each converted by
//! its member's shape, and from `--cli-input-json`, merged as the AWS CLI merges them (an
//! option given on the command line wins over the same member in the JSON) and checked
//! against the command's members with botocore's messages (`Parameter validation failed:`,
//! exit 252).
//!
//! Blobs given as text follow `--cli-binary-format` (else the profile's `cli_binary_format`,
//! else base64), in the JSON too, as the AWS CLI v2 does. Messages name members and options,
//! never values.

use std::collections::BTreeMap;

use kms_lite::config::{Env, SharedConfig};
use kms_lite::error::Escaped;

use crate::args::{Given, Globals, Invocation, Opt};
use crate::input::{self, BinaryFormat, ParamError};
use crate::model::{Member, Shape};
use crate::output::{Number, Val};
use crate::{Failure, exit, opts};

/// The name the AWS CLI gives `--cli-input-json` in its errors.
const CLI_INPUT_JSON: &str = "cli-input-json";

/// One member's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Param {
    Str(String),
    Blob(Vec<u8>),
    Int(u32),
    Bool(bool),
    List(Vec<String>),
    Map(BTreeMap<String, String>),
    Struct(Params),
}

/// Members and their values, in the order they were given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(&'static str, Param)>);

impl Params {
    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| *n == name)
    }

    fn take(&mut self, name: &str) -> Option<Param> {
        let i = self.0.iter().position(|(n, _)| *n == name)?;
        Some(self.0.remove(i).1)
    }

    pub fn string(&mut self, name: &str) -> Option<String> {
        match self.take(name)? {
            Param::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn blob(&mut self, name: &str) -> Option<Vec<u8>> {
        match self.take(name)? {
            Param::Blob(b) => Some(b),
            _ => None,
        }
    }

    pub fn int(&mut self, name: &str) -> Option<u32> {
        match self.take(name)? {
            Param::Int(n) => Some(n),
            _ => None,
        }
    }

    pub fn bool(&mut self, name: &str) -> Option<bool> {
        match self.take(name)? {
            Param::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn list(&mut self, name: &str) -> Option<Vec<String>> {
        match self.take(name)? {
            Param::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn map(&mut self, name: &str) -> Option<BTreeMap<String, String>> {
        match self.take(name)? {
            Param::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn structure(&mut self, name: &str) -> Option<Params> {
        match self.take(name)? {
            Param::Struct(p) => Some(p),
            _ => None,
        }
    }
}

/// The request members of `inv`: its options, then the members of `--cli-input-json` no option
/// set; checked (unknown members, types, required members).
pub fn params(inv: &Invocation) -> Result<Params, Failure> {
    let command = inv.command;
    let mut format = Format::new(&inv.globals);
    let mut params = Params::default();
    let mut errors = Vec::new();
    for (opt, given) in inv.members() {
        let (Some(name), Some(shape)) = (opt.member(), command.shape(opt)) else {
            continue;
        };
        let value = from_option(opt, shape, given, &mut format, &mut errors)?;
        if let Some(v) = value {
            params.0.push((name, v));
        }
    }
    let members = command.members();
    let json = match inv.one(&opts::CLI_INPUT_JSON) {
        Some(value) => load_json(value)?,
        None => Vec::new(),
    };
    // The reader keeps the last of a repeated key, as Python's json module does.
    for (name, v) in &json {
        match members.iter().find(|m| m.name == name) {
            None => errors.push(unknown("input", name, &members)),
            Some(m) if !params.has(m.name) => {
                if let Some(p) = from_json(m.shape, v, m.name, &mut format, &mut errors)? {
                    params.0.push((m.name, p));
                }
            }
            Some(_) => {}
        }
    }
    // A member given with a wrong type is not missing: its type is the error.
    let mut all: Vec<String> = members
        .iter()
        .filter(|m| m.required && !params.has(m.name) && !json.iter().any(|(n, _)| n == m.name))
        .map(|m| format!("Missing required parameter in input: \"{}\"", m.name))
        .collect();
    all.extend(errors);
    if !all.is_empty() {
        return Err(Failure::Message(
            exit::USAGE,
            format!("Parameter validation failed:\n{}", all.join("\n")),
        ));
    }
    Ok(params)
}

/// The binary format, resolved when a blob given as text first needs it (the profile is read
/// only then).
struct Format<'a> {
    globals: &'a Globals,
    resolved: Option<BinaryFormat>,
}

impl<'a> Format<'a> {
    fn new(globals: &'a Globals) -> Self {
        Format {
            globals,
            resolved: globals.binary_format,
        }
    }

    fn get(&mut self) -> Result<BinaryFormat, Failure> {
        if let Some(f) = self.resolved {
            return Ok(f);
        }
        let config = SharedConfig::load(Env::process(), self.globals.profile.as_deref())
            .map_err(|e| Failure::Message(exit::CONFIG, e.to_string()))?;
        let f = match config.profile_value("cli_binary_format") {
            None => BinaryFormat::default(),
            Some(v) => BinaryFormat::parse(v).ok_or_else(|| {
                Failure::Message(
                    exit::CONFIG,
                    format!(
                        "cli_binary_format in profile {} must be base64 or raw-in-base64-out",
                        config.profile_name()
                    ),
                )
            })?,
        };
        self.resolved = Some(f);
        Ok(f)
    }
}

fn param(e: ParamError) -> Failure {
    Failure::Message(exit::USAGE, e.to_string())
}

/// An option's value as its member's shape has it; `None` after recording a validation error.
fn from_option(
    opt: &'static Opt,
    shape: Shape,
    given: &Given,
    format: &mut Format<'_>,
    errors: &mut Vec<String>,
) -> Result<Option<Param>, Failure> {
    let text = match given {
        Given::One(v) => v.as_str(),
        Given::Many(values) => return Ok(Some(Param::List(values.clone()))),
        Given::Flag | Given::Bare => {
            return Ok(match opt.dest {
                crate::args::Dest::Bool(_, b) => Some(Param::Bool(b)),
                _ => None,
            });
        }
    };
    Ok(Some(match shape {
        Shape::String | Shape::Enum(_) => Param::Str(text.to_owned()),
        Shape::Blob => {
            // Raw forms (`-`, `fileb://`) need no format: the profile is not read for them.
            let f = if text == "-" || text.starts_with("fileb://") {
                BinaryFormat::default()
            } else {
                format.get()?
            };
            let stdin = std::io::stdin().lock();
            Param::Blob(input::blob(opt.name, text, stdin, f).map_err(param)?)
        }
        Shape::Integer { .. } => Param::Int(text.parse().map_err(|_| {
            Failure::Usage(format!(
                "argument {}: invalid int value: '{}'",
                opt.name,
                Escaped(text)
            ))
        })?),
        Shape::Boolean | Shape::List(_) => Param::Str(text.to_owned()),
        Shape::Map(_) => Param::Map(input::context(opt.name, text).map_err(param)?),
        Shape::Structure(members) => {
            let name = opt.member().unwrap_or_default();
            let pairs = input::context(opt.name, text).map_err(param)?;
            let mut p = Params::default();
            for (k, v) in pairs {
                let Some(m) = members.iter().find(|m| m.name == k) else {
                    errors.push(unknown(name, &k, &members.iter().collect::<Vec<_>>()));
                    continue;
                };
                let value = match m.shape {
                    // A kms-lite extension: a document too large for a command line.
                    Shape::Blob => Param::Blob(
                        match v.strip_prefix("fileb://") {
                            Some(path) => input::read_file(opt.name, "fileb://", path),
                            None => input::blob_text(
                                opt.name,
                                &format!(" in {name}.{k}"),
                                &v,
                                format.get()?,
                            ),
                        }
                        .map_err(param)?,
                    ),
                    _ => Param::Str(v),
                };
                p.0.push((m.name, value));
            }
            Param::Struct(p)
        }
    }))
}

/// `--cli-input-json`: the JSON text, or `file://PATH` (or `fileb://PATH`) holding it; an object.
pub fn load_json(value: &str) -> Result<Vec<(String, Val)>, Failure> {
    let mut text = match (
        value.strip_prefix("file://"),
        value.strip_prefix("fileb://"),
    ) {
        (Some(path), _) => input::read_file(CLI_INPUT_JSON, "file://", path).map_err(param)?,
        (_, Some(path)) => input::read_file(CLI_INPUT_JSON, "fileb://", path).map_err(param)?,
        _ => value.as_bytes().to_vec(),
    };
    let parsed = serde_json::from_slice::<Val>(&text);
    // It may hold a plaintext: clear this copy.
    text.fill(0);
    std::hint::black_box(&mut text);
    match parsed {
        Ok(Val::Object(members)) => Ok(members),
        Ok(other) => Err(param(ParamError::new(
            CLI_INPUT_JSON,
            format!(
                "Invalid type: expecting map, received <class '{}'>",
                py_type(&other)
            ),
        ))),
        Err(e) => Err(param(ParamError::new(
            CLI_INPUT_JSON,
            format!(
                "Invalid JSON received (line {}, column {}).",
                e.line(),
                e.column()
            ),
        ))),
    }
}

/// A JSON value as its member's shape has it; `None` after recording a validation error at
/// `path` (`GrantTokens[0]`, `Recipient.AttestationDocument`).
fn from_json(
    shape: Shape,
    v: &Val,
    path: &str,
    format: &mut Format<'_>,
    errors: &mut Vec<String>,
) -> Result<Option<Param>, Failure> {
    let bad = |errors: &mut Vec<String>| {
        errors.push(format!(
            "Invalid type for parameter {path}, type: <class '{}'>, valid types: {}",
            py_type(v),
            valid_types(shape)
        ));
        Ok(None)
    };
    Ok(Some(match (shape, v) {
        (Shape::String | Shape::Enum(_), Val::Str(s)) => Param::Str(s.clone()),
        (Shape::Blob, Val::Str(s)) => Param::Blob(
            input::blob_text(CLI_INPUT_JSON, &format!(" in {path}"), s, format.get()?)
                .map_err(param)?,
        ),
        (Shape::Integer { min, max }, Val::Num(Number::Int(i))) => match u32::try_from(*i) {
            Ok(u) => Param::Int(u),
            Err(_) => {
                let (which, bound) = if *i < min { ("min", min) } else { ("max", max) };
                errors.push(format!(
                    "Invalid value for parameter {path}, value: {i}, valid {which} value: {bound}"
                ));
                return Ok(None);
            }
        },
        (Shape::Boolean, Val::Bool(b)) => Param::Bool(*b),
        (Shape::List(item), Val::List(items)) => {
            let mut out = Vec::new();
            for (i, it) in items.iter().enumerate() {
                let p = from_json(*item, it, &format!("{path}[{i}]"), format, errors)?;
                if let Some(Param::Str(s)) = p {
                    out.push(s);
                }
            }
            Param::List(out)
        }
        (Shape::Map(value), Val::Object(pairs)) => {
            let mut out = BTreeMap::new();
            for (k, it) in pairs {
                // The key is the input's text: escaped in the path that messages show.
                let sub = format!("{path}.{}", Escaped(k));
                let p = from_json(*value, it, &sub, format, errors)?;
                if let Some(Param::Str(s)) = p {
                    out.insert(k.clone(), s);
                }
            }
            Param::Map(out)
        }
        (Shape::Structure(members), Val::Object(pairs)) => {
            let mut out = Params::default();
            for (k, it) in pairs {
                let Some(m) = members.iter().find(|m| m.name == k) else {
                    errors.push(unknown(path, k, &members.iter().collect::<Vec<_>>()));
                    continue;
                };
                let sub = format!("{path}.{k}");
                if let Some(p) = from_json(m.shape, it, &sub, format, errors)? {
                    out.0.push((m.name, p));
                }
            }
            Param::Struct(out)
        }
        _ => return bad(errors),
    }))
}

/// botocore's message for a member the shape does not have. The name is the input's text,
/// shown escaped.
fn unknown(parent: &str, name: &str, members: &[&Member]) -> String {
    let names: Vec<&str> = members.iter().map(|m| m.name).collect();
    format!(
        "Unknown parameter in {parent}: \"{}\", must be one of: {}",
        Escaped(name),
        names.join(", ")
    )
}

/// The Python type the AWS CLI would name for this JSON value.
fn py_type(v: &Val) -> &'static str {
    match v {
        Val::Null => "NoneType",
        Val::Bool(_) => "bool",
        Val::Num(Number::Float(_)) => "float",
        Val::Num(Number::Int(_)) => "int",
        Val::Str(_) => "str",
        Val::List(_) => "list",
        Val::Object(_) => "dict",
    }
}

/// botocore's list of the types a shape takes.
fn valid_types(shape: Shape) -> &'static str {
    match shape {
        Shape::String | Shape::Enum(_) => "<class 'str'>",
        Shape::Blob => "<class 'bytes'>, <class 'bytearray'>, file-like object",
        Shape::Integer { .. } => "<class 'int'>",
        Shape::Boolean => "<class 'bool'>",
        Shape::List(_) => "<class 'list'>, <class 'tuple'>",
        Shape::Map(_) | Shape::Structure(_) => "<class 'dict'>",
    }
}
