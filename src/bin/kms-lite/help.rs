//! Help and usage texts, generated from the command and option declarations: an option in
//! help is an option the parser takes, with the help its declaration holds.

use crate::args::{Command, Opt, Use};
use crate::{commands, opts};

/// Printed before an argparse-style error, as the AWS CLI does.
pub const USAGE: &str = "\
usage: kms-lite [options] <command> [parameters]
To see help text, you can run:

  kms-lite --help
  kms-lite <command> --help
";

/// The exit codes of the commands that make one call.
pub const EXIT_CODES: &str = "\
EXIT CODES
  0    success (a dry run that would have succeeded included)
  252  the command line or a parameter value is not valid; nothing was sent
  253  configuration is missing or not valid (no region, no credentials)
  254  the service returned an error
  255  any other failure (network, TLS, malformed response, writing output)
";

/// Where an option's `(required)` mark starts.
const REQUIRED_COLUMN: usize = 34;
/// Where a command's summary starts in the top help.
const SUMMARY_COLUMN: usize = 16;
/// The widest line the generated parts (usage, member lists) make.
const WIDTH: usize = 88;
/// How a usage line continues.
const CONTINUATION: &str = "          ";

/// `kms-lite --help`.
pub fn top() -> String {
    let mut out = format!(
        "\
kms-lite {}: a minimal AWS KMS command-line client, speaking the conventions of the
AWS CLI (`aws kms ...`).

usage: kms-lite [options] <command> [parameters]

COMMANDS
",
        env!("CARGO_PKG_VERSION")
    );
    for c in commands::ALL {
        let mut lines = c.summary.lines();
        let first = lines.next().unwrap_or_default();
        if c.name.len() + 4 <= SUMMARY_COLUMN {
            out.push_str(&format!(
                "  {:<w$}{first}\n",
                c.name,
                w = SUMMARY_COLUMN - 2
            ));
        } else {
            out.push_str(&format!(
                "  {}\n{:w$}{first}\n",
                c.name,
                "",
                w = SUMMARY_COLUMN
            ));
        }
        for line in lines {
            out.push_str(&format!("{:w$}{line}\n", "", w = SUMMARY_COLUMN));
        }
    }
    out.push_str("\nSee `kms-lite <command> --help` for the options of a command.\n");
    out.push_str("\nGLOBAL OPTIONS (before or after the command)\n");
    let globals = opts::RESPONSE.iter().chain(opts::GLOBAL);
    for o in globals {
        entry(&mut out, o, false);
    }
    out.push_str(&format!(
        "  ({} and {} are taken by the commands that print a response.)\n",
        opts::OUTPUT.name,
        opts::QUERY.name
    ));
    out.push('\n');
    out.push_str(EXIT_CODES);
    out
}

/// `kms-lite COMMAND --help`.
pub fn command(c: &Command) -> String {
    let mut out = format!("kms-lite {}: {}\n\n{}\n", c.name, c.about, usage(c));
    let own = c.own_options();
    if !own.is_empty() {
        out.push_str("\nOPTIONS\n");
        for u in own {
            entry(&mut out, u.opt, u.required);
        }
        out.push_str(
            "\nEvery option also takes the --option=value form (use it for a value that begins \
             with --).\n",
        );
    }
    if let (true, Some(op)) = (c.prints_response, c.operation) {
        let members: Vec<&str> = op.output.iter().map(|m| m.name).collect();
        out.push_str("\nOUTPUT\n");
        out.push_str(&wrap(
            "The response in the --output format (json by default: the members with their \
             AWS names, blobs in base64, absent members left out, 4-space indented).",
            "  ",
        ));
        out.push_str(&wrap(
            &format!("The members: {}.", members.join(", ")),
            "  ",
        ));
        out.push_str(&format!(
            "  Errors go to stderr, a service error as\n  `An error occurred (CODE) when \
             calling the {} operation: MESSAGE`.\n",
            op.name
        ));
    }
    let notes = (c.notes)();
    if !notes.is_empty() {
        out.push('\n');
        out.push_str(&notes);
    }
    out.push_str("\nGLOBAL OPTIONS\n");
    for o in c.global_options() {
        entry(&mut out, o, false);
    }
    out.push('\n');
    out.push_str(c.exit_codes);
    out
}

/// `usage: kms-lite NAME REQUIRED... (A | B) <positional> [options]`, wrapped.
fn usage(c: &Command) -> String {
    let required = c
        .options
        .iter()
        .filter(|u| u.required)
        .map(|u: &Use| u.opt.synopsis());
    let groups = c.one_of.iter().map(|group| {
        let alternatives: Vec<String> = group.iter().map(|o| o.synopsis()).collect();
        format!("({})", alternatives.join(" | "))
    });
    let positional = c.positional.map(|p| format!("<{}>", p.name));
    let parts: Vec<String> = required
        .chain(groups)
        .chain(positional)
        .chain(["[options]".to_owned()])
        .collect();
    let mut out = format!("usage: kms-lite {}", c.name);
    let mut line_len = out.len();
    for p in parts {
        if line_len + 1 + p.len() > WIDTH {
            out.push('\n');
            line_len = 0;
        }
        let sep = if line_len == 0 { CONTINUATION } else { " " };
        out.push_str(sep);
        out.push_str(&p);
        line_len += sep.len() + p.len();
    }
    out
}

/// One option: its synopsis (and `(required)`), then its help indented.
fn entry(out: &mut String, o: &Opt, required: bool) {
    let mut head = format!("  {}", o.synopsis());
    if let Some(short) = o.short {
        head.push_str(&format!(", {short}"));
    }
    if required {
        let pad = REQUIRED_COLUMN.saturating_sub(head.len()).max(2);
        head.push_str(&format!("{:pad$}(required)", ""));
    }
    out.push_str(&head);
    out.push('\n');
    for line in o.help.lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push_str(&format!("      {line}\n"));
        }
    }
}

/// `text` as lines of at most [`WIDTH`] columns, each starting with `indent`.
fn wrap(text: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(indent);
    for word in text.split_whitespace() {
        if line.len() > indent.len() && line.len() + 1 + word.len() > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(indent);
        }
        if line.len() > indent.len() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}
