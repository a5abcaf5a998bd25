//! Helpers shared by the `cli_*` tests.
#![allow(dead_code)]

pub mod loopback;
#[path = "../support/repo.rs"]
pub mod repo;

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Credentials and settings every test that reaches the network needs; nothing else from the
/// machine's environment reaches the binary.
pub const BASE_ENV: &[(&str, &str)] = &[
    ("AWS_REGION", "us-east-1"),
    ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
    (
        "AWS_SECRET_ACCESS_KEY",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    ),
    ("AWS_MAX_ATTEMPTS", "1"),
    NO_IMDS,
];

/// Never reach for 169.254.169.254 when a test leaves the region or credentials out.
pub const NO_IMDS: (&str, &str) = ("AWS_EC2_METADATA_DISABLED", "true");

/// Runs the built binary with exactly `env` as its environment and `stdin` on its stdin.
pub fn run_with(args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kms-lite-dev"))
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut input = child.stdin.take().expect("stdin is piped");
    // The binary may exit before reading stdin (a usage error): ignore a broken pipe.
    let _ = input.write_all(stdin);
    drop(input);
    child.wait_with_output().expect("the binary runs")
}

/// Runs the binary with [`BASE_ENV`] and an empty stdin.
pub fn run(args: &[&str]) -> Output {
    run_with(args, BASE_ENV, b"")
}

pub fn code(out: &Output) -> i32 {
    out.status.code().expect("the binary exits, not killed")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A fresh, empty directory for one test: named for the test crate, `name`, the process and
/// the thread, so that tests running at once never share one.
pub fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "kms-lite-{}-{name}-{}-{:?}",
        env!("CARGO_CRATE_NAME"),
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

/// Runs the built binary with exactly `env` and its stdout, stderr and stdin on a
/// pseudo-terminal, through util-linux's `script`: what the terminal got, its line breaks
/// (`\r\n` from the terminal's output processing) turned back into `\n`, and the exit code.
/// `None`, after printing `SKIPPED`, where `script` is missing.
pub fn run_in_terminal(args: &[&str], env: &[(&str, &str)]) -> Option<(i32, String)> {
    let Some(script) = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        eprintln!("SKIPPED: util-linux's script is not installed: no pseudo-terminal");
        return None;
    };
    let quote = |a: &str| format!("'{}'", a.replace('\'', "'\\''"));
    let mut command = quote(env!("CARGO_BIN_EXE_kms-lite-dev"));
    for a in args {
        command.push(' ');
        command.push_str(&quote(a));
    }
    let out = Command::new(script)
        .args(["-q", "-e", "-c", &command, "/dev/null"])
        .env_clear()
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("script runs");
    let shown = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    Some((code(&out), shown))
}
