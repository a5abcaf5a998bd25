//! Command-line parsing in the manner of the AWS CLI (argparse), driven by declarations: each
//! option is one [`Opt`] (its name, what it takes, its help, where its value goes), each command
//! one [`Command`] (its options, its operation, its `run`). The parser, its checks, the
//! generated help (`help.rs`) and the shell completion (`commands/completion.rs`) all read these
//! declarations, so they cannot disagree.
//!
//! The syntax: `--name value`, `--name=value`, list options that take values up to the next
//! `--option`, global options before or after the command. Values are never echoed in error
//! messages (they may be ciphertexts or grant tokens); option names are, and the few values
//! that are (a number that is not one, an unknown option) are escaped.

use std::time::Duration;

use kms_lite::ReEncryptRequest;
use kms_lite::error::Escaped;

use crate::input::BinaryFormat;
use crate::model::{Operation, Shape};
use crate::{Failure, opts};

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
    /// `--cli-binary-format`; `None`: the profile's `cli_binary_format`, then base64.
    pub binary_format: Option<BinaryFormat>,
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
    /// The request every item shares: keys, contexts, algorithms and grant tokens, from the
    /// options and `--cli-input-json` (no ciphertext, no dry run).
    pub request: ReEncryptRequest,
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

/// What an option takes after its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Takes {
    /// Nothing.
    Flag,
    /// One value, shown in help as this name.
    One(&'static str),
    /// One or more values, up to the next `--option`.
    Many(&'static str),
    /// One of these values.
    Choice(&'static [&'static str]),
    /// Optionally one of these values (argparse's `nargs='?'`): the first when none is given.
    MaybeChoice(&'static [&'static str]),
}

/// Where an option's value goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dest {
    /// A member of the operation's input: converted by the member's shape, and merged with
    /// `--cli-input-json` (see `params.rs`).
    Member(&'static str),
    /// This boolean into a boolean member (`--dry-run`, `--no-dry-run`). Options sharing a
    /// member cannot be given together.
    Bool(&'static str, bool),
    /// Read by the command or the globals, through [`Invocation`].
    Local,
}

/// One option: the only place its name is written.
#[derive(Debug)]
pub struct Opt {
    /// `--name`.
    pub name: &'static str,
    /// A one-letter alias (`-h`).
    pub short: Option<&'static str>,
    pub takes: Takes,
    /// Preformatted lines.
    pub help: &'static str,
    pub dest: Dest,
}

impl Opt {
    /// An option whose value goes to `dest`.
    pub const fn new(name: &'static str, takes: Takes, help: &'static str, dest: Dest) -> Opt {
        Opt {
            name,
            short: None,
            takes,
            help,
            dest,
        }
    }

    /// An option read where it is used.
    pub const fn local(name: &'static str, takes: Takes, help: &'static str) -> Opt {
        Opt::new(name, takes, help, Dest::Local)
    }

    /// The request member it sets, if any.
    pub fn member(&self) -> Option<&'static str> {
        match self.dest {
            Dest::Member(m) | Dest::Bool(m, _) => Some(m),
            Dest::Local => None,
        }
    }

    /// The option and its value as usage and help show them: `--key-id KEY`,
    /// `--grant-tokens TOKEN [TOKEN ...]`, `--output json|text`,
    /// `--generate-cli-skeleton [input|output]`.
    pub fn synopsis(&self) -> String {
        match self.takes {
            Takes::Flag => self.name.to_owned(),
            Takes::One(v) => format!("{} {v}", self.name),
            Takes::Many(v) => format!("{} {v} [{v} ...]", self.name),
            Takes::Choice(c) => format!("{} {}", self.name, c.join("|")),
            Takes::MaybeChoice(c) => format!("{} [{}]", self.name, c.join("|")),
        }
    }

    fn is(&self, other: &Opt) -> bool {
        self.name == other.name
    }
}

/// An option a command takes.
#[derive(Debug, Clone, Copy)]
pub struct Use {
    pub opt: &'static Opt,
    /// Required (unless `--cli-input-json` or `--generate-cli-skeleton` is given, for an
    /// option that sets a request member: the member is then checked after the merge).
    pub required: bool,
}

/// An option a command requires.
pub const fn required(opt: &'static Opt) -> Use {
    Use {
        opt,
        required: true,
    }
}

/// An option a command takes.
pub const fn optional(opt: &'static Opt) -> Use {
    Use {
        opt,
        required: false,
    }
}

/// A command's positional argument.
#[derive(Debug, Clone, Copy)]
pub struct Positional {
    /// Its name in usage and errors.
    pub name: &'static str,
    /// The values it takes; empty: any.
    pub choices: &'static [&'static str],
}

/// One command: cargo's `cli()` and `exec()` in one value.
pub struct Command {
    pub name: &'static str,
    /// One line for the top help.
    pub summary: &'static str,
    /// The first paragraph of its help (preformatted).
    pub about: &'static str,
    /// The KMS operation it calls: its input members take `--cli-input-json` and its
    /// skeletons `--generate-cli-skeleton`.
    pub operation: Option<&'static Operation>,
    /// Whether it prints the response (and so takes `--output` and `--query`).
    pub prints_response: bool,
    /// Its own options, in help order.
    pub options: &'static [Use],
    pub positional: Option<Positional>,
    /// Groups of options of which exactly one must be given.
    pub one_of: &'static [&'static [&'static Opt]],
    /// Options not allowed together, and why.
    pub conflicts: &'static [(&'static Opt, &'static Opt, &'static str)],
    /// The help sections after the options (preformatted), if any.
    pub notes: fn() -> String,
    /// The help's EXIT CODES section.
    pub exit_codes: &'static str,
    pub run: fn(&Invocation) -> Result<(), Failure>,
}

/// The defaults of a command that calls one operation and prints its response: no positional
/// argument, no groups, no conflicts, no notes, the common exit codes. Each command sets its
/// `run` (this one only reports that it was left out).
pub const OPERATION_COMMAND: Command = Command {
    name: "",
    summary: "",
    about: "",
    operation: None,
    prints_response: true,
    options: &[],
    positional: None,
    one_of: &[],
    conflicts: &[],
    notes: String::new,
    exit_codes: crate::help::EXIT_CODES,
    run: |inv| {
        Err(Failure::Message(
            crate::exit::OTHER,
            format!("{} has nothing to run", inv.command.name),
        ))
    },
};

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Command").field("name", &self.name).finish()
    }
}

impl Command {
    /// Its own options, then `--cli-input-json` and `--generate-cli-skeleton` when it calls an
    /// operation: what help lists under OPTIONS.
    pub fn own_options(&self) -> Vec<Use> {
        let mut all = self.options.to_vec();
        if self.operation.is_some() {
            all.extend(opts::OPERATION.iter().map(|o| optional(o)));
        }
        all
    }

    /// The global options it takes: what help lists under GLOBAL OPTIONS.
    pub fn global_options(&self) -> Vec<&'static Opt> {
        let response: &[&'static Opt] = if self.prints_response {
            opts::RESPONSE
        } else {
            &[]
        };
        response.iter().chain(opts::GLOBAL).copied().collect()
    }

    /// Every option it takes.
    pub fn all_options(&self) -> Vec<&'static Opt> {
        let own = self.own_options().into_iter().map(|u| u.opt);
        own.chain(self.global_options()).collect()
    }

    pub fn takes(&self, opt: &Opt) -> bool {
        self.all_options().iter().any(|o| o.is(opt))
    }

    /// The input members its options set, in the model's order: the members
    /// `--cli-input-json` may hold and `--generate-cli-skeleton input` shows.
    pub fn members(&self) -> Vec<&'static crate::model::Member> {
        let Some(op) = self.operation else {
            return Vec::new();
        };
        op.input
            .iter()
            .filter(|m| self.options.iter().any(|u| u.opt.member() == Some(m.name)))
            .collect()
    }

    /// The shape of the member `opt` sets, if it sets one.
    pub fn shape(&self, opt: &Opt) -> Option<Shape> {
        let member = opt.member()?;
        Some(self.operation?.input_member(member)?.shape)
    }
}

/// Every option of every command, and the global ones (an option several commands take comes
/// once per command).
fn declared() -> impl Iterator<Item = &'static Opt> {
    let globals = opts::GLOBAL
        .iter()
        .chain(opts::RESPONSE)
        .chain(opts::OPERATION);
    let commands = crate::commands::ALL
        .iter()
        .flat_map(|c| c.options.iter().map(|u| &u.opt));
    globals.chain(commands).copied()
}

/// The option a token names: what the parser recognises.
fn lookup(token: &str) -> Option<&'static Opt> {
    declared().find(|o| o.name == token || o.short == Some(token))
}

/// A token that starts an option rather than being a value. A lone `-` is a value (stdin).
fn is_option(token: &str) -> bool {
    token.starts_with("--")
}

/// What was given for one option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Given {
    Flag,
    One(String),
    Many(Vec<String>),
    /// An optional value left out.
    Bare,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Parsed {
    /// `kms-lite --help` or `kms-lite help`.
    TopHelp,
    /// `kms-lite COMMAND --help` or `kms-lite COMMAND help`.
    Help(&'static Command),
    /// `kms-lite --version`.
    Version,
    /// Run a command.
    Run(Box<Invocation>),
}

/// A command to run, with what the command line gave it.
#[derive(Debug)]
pub struct Invocation {
    pub command: &'static Command,
    pub globals: Globals,
    pub positional: Option<String>,
    given: Vec<(&'static Opt, Given)>,
}

impl Invocation {
    fn get(&self, opt: &Opt) -> Option<&Given> {
        self.given.iter().find(|(o, _)| o.is(opt)).map(|(_, g)| g)
    }

    /// The value of a one-value option.
    pub fn one(&self, opt: &Opt) -> Option<&str> {
        match self.get(opt)? {
            Given::One(v) => Some(v),
            _ => None,
        }
    }

    /// Whether a flag option was given.
    pub fn flag(&self, opt: &Opt) -> bool {
        self.get(opt) == Some(&Given::Flag)
    }

    /// The options given that set request members, in the order given.
    pub fn members(&self) -> impl Iterator<Item = (&'static Opt, &Given)> {
        self.given
            .iter()
            .filter(|(o, _)| o.member().is_some())
            .map(|(o, g)| (*o, g))
    }

    /// The `--generate-cli-skeleton` asked for: `input` or `output`.
    pub fn skeleton(&self) -> Option<&str> {
        match self.get(&opts::GENERATE_CLI_SKELETON)? {
            Given::One(v) => Some(v),
            _ => Some("input"),
        }
    }
}

/// Parses the arguments after the program name.
pub fn parse(args: &[String]) -> Result<Parsed, UsageError> {
    let mut command: Option<&str> = None;
    let mut positional: Option<String> = None;
    let mut unknown: Vec<&str> = Vec::new();
    let mut strays: Vec<usize> = Vec::new();
    let mut given: Vec<(&'static Opt, Given)> = Vec::new();
    let mut help = false;
    let mut version = false;

    let mut i = 0;
    while i < args.len() {
        let token = args[i].as_str();
        i += 1;
        if !is_option(token) {
            if opts::HELP.short == Some(token) {
                help = true;
            } else if command.is_none() {
                command = Some(token);
            } else if token == "help" {
                help = true;
            } else if positional.is_none()
                && find_command(command).is_some_and(|c| c.positional.is_some())
            {
                positional = Some(token.to_owned());
            } else {
                strays.push(i);
            }
            continue;
        }
        let (name, inline) = match token.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (token, None),
        };
        let Some(opt) = lookup(name) else {
            unknown.push(name);
            continue;
        };
        if opt.is(&opts::HELP) || opt.is(&opts::VERSION) {
            help |= opt.is(&opts::HELP);
            version |= opt.is(&opts::VERSION);
            continue;
        }
        if let Some((first, _)) = given
            .iter()
            .find(|(o, _)| o.is(opt) || (o.member().is_some() && o.member() == opt.member()))
        {
            return Err(UsageError(if first.is(opt) {
                format!("argument {}: may be given only once", opt.name)
            } else {
                format!(
                    "argument {}: not allowed with argument {}",
                    opt.name, first.name
                )
            }));
        }
        let value = match opt.takes {
            Takes::Flag => {
                if inline.is_some() {
                    return Err(UsageError(format!("argument {}: takes no value", opt.name)));
                }
                Given::Flag
            }
            Takes::One(_) | Takes::Choice(_) => match inline {
                Some(v) => Given::One(v.to_owned()),
                None => match args.get(i) {
                    Some(v) if !is_option(v) => {
                        i += 1;
                        Given::One(v.clone())
                    }
                    _ => {
                        return Err(UsageError(format!(
                            "argument {}: expected one argument",
                            opt.name
                        )));
                    }
                },
            },
            Takes::MaybeChoice(_) => match inline {
                Some(v) => Given::One(v.to_owned()),
                None => match args.get(i) {
                    Some(v) if !is_option(v) => {
                        i += 1;
                        Given::One(v.clone())
                    }
                    _ => Given::Bare,
                },
            },
            Takes::Many(_) => {
                let mut values: Vec<String> = inline.map(str::to_owned).into_iter().collect();
                while let Some(v) = args.get(i).filter(|v| !is_option(v)) {
                    values.push(v.clone());
                    i += 1;
                }
                if values.is_empty() {
                    return Err(UsageError(format!(
                        "argument {}: expected at least one argument",
                        opt.name
                    )));
                }
                Given::Many(values)
            }
        };
        given.push((opt, value));
    }

    if help {
        return Ok(match find_command(command) {
            Some(c) => Parsed::Help(c),
            None => Parsed::TopHelp,
        });
    }
    if version {
        return Ok(Parsed::Version);
    }
    if !unknown.is_empty() || !strays.is_empty() {
        // The tokens as given, escaped: they may come from a script's data.
        let mut parts: Vec<String> = unknown.iter().map(|s| Escaped(s).to_string()).collect();
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
        Some("help") => return Ok(Parsed::TopHelp),
        Some(name) => find_command(Some(name)).ok_or_else(|| {
            let names: Vec<&str> = crate::commands::ALL.iter().map(|c| c.name).collect();
            invalid_choice("command", &names)
        })?,
    };
    check(command, &given, positional.as_deref())?;
    let globals = Globals::from_given(&given)?;
    Ok(Parsed::Run(Box::new(Invocation {
        command,
        globals,
        positional,
        given,
    })))
}

fn find_command(name: Option<&str>) -> Option<&'static Command> {
    crate::commands::ALL
        .iter()
        .copied()
        .find(|c| Some(c.name) == name)
}

fn invalid_choice(name: &str, choices: &[&str]) -> UsageError {
    UsageError(format!(
        "argument {name}: Invalid choice, valid choices are: {}",
        choices.join(" | ")
    ))
}

/// The checks once the command is known: options it does not take, values outside their
/// choices, required options and positional, groups and conflicts.
fn check(
    command: &Command,
    given: &[(&'static Opt, Given)],
    positional: Option<&str>,
) -> Result<(), UsageError> {
    if let Some((o, _)) = given.iter().find(|(o, _)| !command.takes(o)) {
        return Err(UsageError(format!(
            "argument {}: not supported by {}",
            o.name, command.name
        )));
    }
    for (o, g) in given {
        if let (Takes::Choice(choices) | Takes::MaybeChoice(choices), Given::One(v)) = (o.takes, g)
        {
            if !choices.contains(&v.as_str()) {
                return Err(invalid_choice(o.name, choices));
            }
        }
    }
    let has = |o: &Opt| given.iter().any(|(g, _)| g.is(o));
    // As in the AWS CLI, an input skeleton needs nothing else, and the JSON input makes the
    // member options optional (the members are checked after the merge).
    let input_skeleton = given
        .iter()
        .any(|(o, g)| o.is(&opts::GENERATE_CLI_SKELETON) && *g != Given::One("output".into()));
    if input_skeleton {
        return Ok(());
    }
    let json = has(&opts::CLI_INPUT_JSON);
    let missing: Vec<&str> = command
        .options
        .iter()
        .filter(|u| u.required && !has(u.opt) && !(json && u.opt.member().is_some()))
        .map(|u| u.opt.name)
        .collect();
    if !missing.is_empty() {
        return Err(UsageError(format!(
            "the following arguments are required: {}",
            missing.join(", ")
        )));
    }
    if let Some(p) = command.positional {
        match positional {
            None => {
                return Err(UsageError(format!(
                    "the following arguments are required: {}",
                    p.name
                )));
            }
            Some(v) if !p.choices.is_empty() && !p.choices.contains(&v) => {
                return Err(invalid_choice(p.name, p.choices));
            }
            Some(_) => {}
        }
    }
    for group in command.one_of {
        let present: Vec<&&Opt> = group.iter().filter(|o| has(o)).collect();
        match present.as_slice() {
            [] => {
                let names: Vec<&str> = group.iter().map(|o| o.name).collect();
                return Err(UsageError(format!(
                    "the following arguments are required: {}",
                    names.join(" or ")
                )));
            }
            [_] => {}
            [first, second, ..] => {
                return Err(UsageError(format!(
                    "argument {}: not allowed with argument {}",
                    second.name, first.name
                )));
            }
        }
    }
    for (a, b, why) in command.conflicts {
        if has(a) && has(b) {
            return Err(UsageError(format!(
                "argument {}: not allowed with argument {} ({why})",
                a.name, b.name
            )));
        }
    }
    Ok(())
}

impl Globals {
    /// The global options' values, checked.
    fn from_given(given: &[(&'static Opt, Given)]) -> Result<Globals, UsageError> {
        let mut g = Globals::default();
        for (o, v) in given {
            let text = match v {
                Given::One(t) => t.as_str(),
                _ => "",
            };
            let owned = || Some(text.to_owned());
            if o.is(&opts::REGION) {
                g.region = owned();
            } else if o.is(&opts::ENDPOINT_URL) {
                g.endpoint_url = owned();
            } else if o.is(&opts::OUTPUT) {
                g.output = OutputFormat::parse(text);
            } else if o.is(&opts::QUERY) {
                g.query = owned();
            } else if o.is(&opts::PROFILE) {
                g.profile = owned();
            } else if o.is(&opts::CA_BUNDLE) {
                g.ca_bundle = owned();
            } else if o.is(&opts::CLI_CONNECT_TIMEOUT) {
                g.connect_timeout = Some(seconds(o.name, text)?);
            } else if o.is(&opts::CLI_READ_TIMEOUT) {
                g.read_timeout = Some(seconds(o.name, text)?);
            } else if o.is(&opts::CLI_BINARY_FORMAT) {
                g.binary_format = BinaryFormat::parse(text);
            } else if o.is(&opts::DEBUG) {
                g.debug = true;
            } else if o.is(&opts::NO_VERIFY_SSL) {
                return Err(UsageError(format!(
                    "argument {}: TLS certificate verification cannot be disabled in \
                     kms-lite; to trust a private CA, pass it with {}",
                    o.name,
                    opts::CA_BUNDLE.synopsis()
                )));
            }
        }
        Ok(g)
    }
}

/// An integer option's value, with argparse's error (the value escaped).
pub fn int<T: std::str::FromStr>(name: &str, v: &str) -> Result<T, UsageError> {
    v.parse().map_err(|_| {
        let v = Escaped(v);
        UsageError(format!("argument {name}: invalid int value: '{v}'"))
    })
}

/// Whole seconds, as the AWS CLI's `--cli-*-timeout` take them; `0` means no timeout.
fn seconds(name: &str, v: &str) -> Result<Duration, UsageError> {
    let n: u64 = int(name, v)?;
    Ok(if n == 0 {
        LONGEST_TIMEOUT
    } else {
        Duration::from_secs(n).min(LONGEST_TIMEOUT)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::{decrypt, encrypt, generate_data_key, re_encrypt, re_encrypt_batch};

    fn args(s: &[&str]) -> Vec<String> {
        s.iter().map(|a| a.to_string()).collect()
    }

    fn usage(s: &[&str]) -> String {
        match parse(&args(s)) {
            Err(UsageError(m)) => m,
            Ok(p) => panic!("expected a usage error, got {p:?}"),
        }
    }

    fn run(s: &[&str]) -> Invocation {
        match parse(&args(s)) {
            Ok(Parsed::Run(inv)) => *inv,
            other => panic!("expected a command to run, got {other:?}"),
        }
    }

    #[test]
    fn values_flags_and_lists() {
        let inv = run(&[
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
            "--cli-binary-format",
            "raw-in-base64-out",
            "--no-cli-pager",
            "--no-paginate",
            "--color=off",
        ]);
        assert_eq!(inv.command.name, "re-encrypt");
        let g = &inv.globals;
        assert_eq!(g.region.as_deref(), Some("eu-west-1"));
        assert_eq!(g.output, Some(OutputFormat::Text));
        assert_eq!(g.read_timeout, Some(LONGEST_TIMEOUT));
        assert_eq!(g.binary_format, Some(BinaryFormat::Raw));
        assert!(g.debug);
        assert_eq!(inv.one(&opts::DESTINATION_KEY_ID), Some("alias/new"));
        assert_eq!(inv.one(&opts::CIPHERTEXT_BLOB), Some("-"));
        let members: Vec<(&str, &Given)> = inv
            .members()
            .map(|(o, g)| (o.member().unwrap(), g))
            .collect();
        assert_eq!(
            members,
            [
                ("DestinationKeyId", &Given::One("alias/new".into())),
                ("CiphertextBlob", &Given::One("-".into())),
                ("GrantTokens", &Given::Many(vec!["a".into(), "b".into()])),
                ("DryRun", &Given::Flag),
            ]
        );
        assert_eq!(inv.skeleton(), None);
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
        assert_eq!(
            usage(&["re-encrypt", "--destination-key-id", "k", "--output", "xml"]),
            "argument --output: Invalid choice, valid choices are: json | text | table | yaml \
             | yaml-stream | off"
        );
        // The declared choices are the formats there are.
        let names: Vec<&str> = OutputFormat::CHOICES.iter().map(|(n, _)| *n).collect();
        assert!(matches!(opts::OUTPUT.takes, Takes::Choice(c) if c == names.as_slice()));
        assert_eq!(
            usage(&[
                "re-encrypt",
                "--destination-key-id",
                "k",
                "--color",
                "always"
            ]),
            "argument --color: Invalid choice, valid choices are: on | off | auto"
        );
        assert_eq!(
            usage(&["encipher"]),
            "argument command: Invalid choice, valid choices are: encrypt | decrypt | \
             generate-data-key | generate-data-key-without-plaintext | re-encrypt | \
             re-encrypt-batch | call | completion"
        );
        assert_eq!(
            usage(&[
                "re-encrypt",
                "--destination-key-id",
                "k",
                "--cli-read-timeout",
                "-1"
            ]),
            "argument --cli-read-timeout: invalid int value: '-1'"
        );
        assert_eq!(
            usage(&["re-encrypt", "--destination-key-id", "k", "--dry-run=yes"]),
            "argument --dry-run: takes no value"
        );
        assert_eq!(usage(&[]), "the following arguments are required: command");
        assert_eq!(
            usage(&["--region", "r"]),
            "the following arguments are required: command"
        );
        assert_eq!(
            usage(&["completion"]),
            "the following arguments are required: shell"
        );
        assert_eq!(
            usage(&["completion", "fish"]),
            "argument shell: Invalid choice, valid choices are: bash | zsh"
        );
        assert_eq!(
            usage(&[
                "re-encrypt",
                "--destination-key-id",
                "k",
                "--generate-cli-skeleton",
                "yaml-input"
            ]),
            "argument --generate-cli-skeleton: Invalid choice, valid choices are: input | output"
        );
        assert_eq!(
            usage(&["completion", "bash", "--cli-input-json", "{}"]),
            "argument --cli-input-json: not supported by completion"
        );
    }

    #[test]
    fn required_options_and_the_json_input() {
        // The JSON input makes the member options optional, not the others.
        let inv = run(&["encrypt", "--cli-input-json", "{}"]);
        assert_eq!(inv.command.name, "encrypt");
        assert_eq!(
            usage(&["re-encrypt-batch", "--cli-input-json", "{}"]),
            "the following arguments are required: --input or --input-dir"
        );
        // An input skeleton needs nothing; an output skeleton checks as a run does.
        assert_eq!(
            run(&["re-encrypt-batch", "--generate-cli-skeleton"]).skeleton(),
            Some("input")
        );
        assert_eq!(
            run(&["encrypt", "--generate-cli-skeleton", "input"]).skeleton(),
            Some("input")
        );
        assert_eq!(
            usage(&["encrypt", "--generate-cli-skeleton", "output"]),
            "the following arguments are required: --key-id, --plaintext"
        );
        let inv = run(&[
            "encrypt",
            "--key-id",
            "k",
            "--plaintext",
            "-",
            "--generate-cli-skeleton=output",
        ]);
        assert_eq!(inv.skeleton(), Some("output"));
        // A bare --generate-cli-skeleton does not take the next option as its value.
        let inv = run(&["decrypt", "--generate-cli-skeleton", "--key-id", "k"]);
        assert_eq!(
            (inv.skeleton(), inv.one(&opts::KEY_ID)),
            (Some("input"), Some("k"))
        );
    }

    #[test]
    fn commands_take_only_their_options() {
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
        assert_eq!(
            usage(&[
                "re-encrypt-batch",
                "--destination-key-id",
                "k",
                "--input",
                "-",
                "--query",
                "KeyId"
            ]),
            "argument --query: not supported by re-encrypt-batch"
        );
        assert_eq!(
            usage(&[
                "re-encrypt-batch",
                "--destination-key-id",
                "k",
                "--input",
                "a",
                "--input-dir",
                "b"
            ]),
            "argument --input-dir: not allowed with argument --input"
        );
        assert_eq!(
            usage(&[
                "re-encrypt-batch",
                "--destination-key-id",
                "k",
                "--input-dir",
                "d",
                "--output-file",
                "o"
            ]),
            "argument --output-file: not allowed with argument --input-dir (files are rewritten in place)"
        );
        for c in crate::commands::ALL {
            assert!(
                matches!(parse(&args(&[c.name, "--help"])), Ok(Parsed::Help(h)) if h.name == c.name)
            );
            assert!(
                matches!(parse(&args(&[c.name, "help"])), Ok(Parsed::Help(h)) if h.name == c.name)
            );
            assert!(
                matches!(parse(&args(&[c.name, "-h", "--bogus"])), Ok(Parsed::Help(h)) if h.name == c.name)
            );
        }
    }

    /// Every option is declared once: no two declarations share a name, and a command lists
    /// an option at most once.
    #[test]
    fn names_are_unique() {
        let mut seen: Vec<(&str, *const Opt)> = Vec::new();
        for o in declared() {
            let ptr: *const Opt = o;
            match seen.iter().find(|(n, _)| *n == o.name) {
                Some((_, p)) => assert!(std::ptr::eq(*p, ptr), "{} is declared twice", o.name),
                None => seen.push((o.name, ptr)),
            }
        }
        for c in crate::commands::ALL {
            let all = c.all_options();
            for o in &all {
                assert_eq!(
                    all.iter().filter(|a| a.name == o.name).count(),
                    1,
                    "{} in {}",
                    o.name,
                    c.name
                );
            }
            // A member option's member is one of the operation's.
            for u in c.options {
                if u.opt.member().is_some() {
                    assert!(c.shape(u.opt).is_some(), "{} of {}", u.opt.name, c.name);
                }
            }
        }
        let names: Vec<&str> = crate::commands::ALL.iter().map(|c| c.name).collect();
        assert_eq!(
            names,
            [
                encrypt::COMMAND.name,
                decrypt::COMMAND.name,
                generate_data_key::COMMAND.name,
                crate::commands::generate_data_key_without_plaintext::COMMAND.name,
                re_encrypt::COMMAND.name,
                re_encrypt_batch::COMMAND.name,
                crate::commands::call::COMMAND.name,
                crate::commands::completion::COMMAND.name,
            ]
        );
    }

    #[test]
    fn help_and_version() {
        assert!(matches!(parse(&args(&["--help"])), Ok(Parsed::TopHelp)));
        assert!(matches!(parse(&args(&["help"])), Ok(Parsed::TopHelp)));
        assert!(matches!(parse(&args(&["-h"])), Ok(Parsed::TopHelp)));
        assert!(matches!(parse(&args(&["--version"])), Ok(Parsed::Version)));
        assert!(matches!(
            parse(&args(&["re-encrypt", "--version"])),
            Ok(Parsed::Version)
        ));
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
}
