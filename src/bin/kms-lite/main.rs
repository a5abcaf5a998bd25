//! `kms-lite`: the command-line tool, speaking the conventions of `aws kms`.
//!
//! Exit codes follow the AWS CLI: 0 success, 252 bad command line or parameter, 253 missing or
//! bad configuration (region, credentials), 254 service error, 255 anything else.
#![forbid(unsafe_code)]

mod args;
mod batch;
mod commands;
mod files;
mod help;
mod input;
mod model;
mod opts;
mod output;
mod params;
mod skeleton;

use std::io::Write;
use std::process::ExitCode;

use args::{Parsed, UsageError};

/// Exit codes, as the AWS CLI uses them.
pub mod exit {
    pub const OK: u8 = 0;
    pub const USAGE: u8 = 252;
    pub const CONFIG: u8 = 253;
    pub const SERVICE: u8 = 254;
    pub const OTHER: u8 = 255;
}

/// Why a command stopped, and how it is reported.
#[derive(Debug)]
pub enum Failure {
    /// A bad command line: the usage, then `kms-lite: error: MESSAGE` (exit 252).
    Usage(String),
    /// Any other failure: a blank line then the message on stderr, as the AWS CLI's
    /// `write_exception` does, and the exit code.
    Message(u8, String),
    /// Nothing more to say (stdout closed under us).
    Quiet(u8),
}

fn main() -> ExitCode {
    ExitCode::from(run())
}

fn run() -> u8 {
    let mut raw = Vec::new();
    for (i, a) in std::env::args_os().skip(1).enumerate() {
        match a.into_string() {
            Ok(s) => raw.push(s),
            Err(_) => {
                return report(Failure::Usage(format!(
                    "argument {}: is not valid UTF-8",
                    i + 1
                )));
            }
        }
    }
    let result = match args::parse(&raw) {
        Err(UsageError(m)) => Err(Failure::Usage(m)),
        Ok(Parsed::TopHelp) => write_stdout(help::top().as_bytes()),
        Ok(Parsed::Help(command)) => write_stdout(help::command(command).as_bytes()),
        Ok(Parsed::Version) => {
            write_stdout(concat!("kms-lite/", env!("CARGO_PKG_VERSION"), "\n").as_bytes())
        }
        Ok(Parsed::Run(inv)) => match inv.skeleton() {
            Some(kind) => skeleton::print(&inv, kind),
            None => (inv.command.run)(&inv),
        },
    };
    match result {
        Ok(()) => exit::OK,
        Err(f) => report(f),
    }
}

/// Writes the failure to stderr and gives its exit code.
fn report(f: Failure) -> u8 {
    match f {
        Failure::Usage(m) => {
            write_stderr(&format!("{}\nkms-lite: error: {m}\n", help::USAGE));
            exit::USAGE
        }
        Failure::Message(code, m) => {
            write_stderr(&format!("\n{m}\n"));
            code
        }
        Failure::Quiet(code) => code,
    }
}

/// Writes everything to stdout at once and flushes. A closed stdout (broken pipe) ends the
/// process quietly with 255; another write error is reported.
pub fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Failure::Quiet(exit::OTHER)),
        Err(e) => Err(Failure::Message(
            exit::OTHER,
            format!("cannot write to stdout: {e}"),
        )),
    }
}

/// Writes to stderr; a failure to do so is ignored (there is nowhere left to report it).
pub fn write_stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}
