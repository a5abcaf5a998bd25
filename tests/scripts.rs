//! The scripts' shared helpers, with a stand-in `cargo` on the PATH: `scripts/lib/cargo_bin.sh`
//! finds a binary where cargo says it built it, so `scripts/demo.sh` works with any cargo
//! configuration (`CARGO_TARGET_DIR`, `build.target-dir`, `build.target`).

#[path = "support/repo.rs"]
mod repo;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kms-lite-scripts-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A `cargo` that records its arguments in `args` and prints `stdout`, then exits `status`.
fn stub_cargo(dir: &Path, stdout: &str, status: i32) {
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$*\" > \"{}\"\ncat <<'JSON'\n{stdout}JSON\nexit {status}\n",
        dir.join("args").display()
    );
    let path = dir.join("cargo");
    std::fs::write(&path, script).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs `cargo_bin ARGS...` from the crate root with the stub first on the PATH.
fn cargo_bin(dir: &Path, args: &str) -> Option<Output> {
    if Command::new("python3").arg("-c").arg("1").output().is_err()
        || Command::new("bash").arg("-c").arg("true").output().is_err()
    {
        eprintln!("SKIPPED: needs bash and python3");
        return None;
    }
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Some(
        Command::new("bash")
            .arg("-c")
            .arg(format!(". scripts/lib/cargo_bin.sh && cargo_bin {args}"))
            .current_dir(repo::root())
            .env("PATH", path)
            .env_remove("CARGO_BIN_PYTHON")
            .output()
            .unwrap(),
    )
}

const ARTIFACTS: &str = r#"{"reason":"compiler-artifact","target":{"name":"kms_lite","kind":["lib"]},"executable":null}
not JSON: a line cargo would not print
{"reason":"compiler-artifact","target":{"name":"kms-lite","kind":["bin"]},"executable":"/opt/odd dir/x86_64-unknown-linux-musl/release/kms-lite"}
{"reason":"compiler-artifact","target":{"name":"loopback_server","kind":["example"]},"executable":"/elsewhere/examples/loopback_server"}
{"reason":"build-finished","success":true}
"#;

#[test]
fn the_binary_is_where_cargo_reports_it() {
    let dir = tempdir("found");
    stub_cargo(&dir, ARTIFACTS, 0);
    let Some(out) = cargo_bin(&dir, "kms-lite --release --bin kms-lite") else {
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "/opt/odd dir/x86_64-unknown-linux-musl/release/kms-lite\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("args")).unwrap(),
        "build --quiet --locked --message-format=json-render-diagnostics --release --bin kms-lite\n"
    );
    let out = cargo_bin(&dir, "loopback_server --example loopback_server").unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "/elsewhere/examples/loopback_server\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failed_build_or_a_missing_binary_fails() {
    let dir = tempdir("failed");
    stub_cargo(&dir, ARTIFACTS, 101);
    let Some(out) = cargo_bin(&dir, "kms-lite --bin kms-lite") else {
        return;
    };
    assert!(!out.status.success(), "a failed build must fail");
    stub_cargo(
        &dir,
        "{\"reason\":\"build-finished\",\"success\":true}\n",
        0,
    );
    let out = cargo_bin(&dir, "kms-lite --bin kms-lite").unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("cargo reported no executable named kms-lite"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `.ci/run` interrupted during the publish dry run (a SIGTERM, as a CI runner's timeout sends):
/// the dry run's target directory, a whole build, does not stay behind in TMPDIR. Every tool it
/// calls before is a stand-in that succeeds.
#[test]
fn an_interrupted_ci_run_leaves_no_publish_directory() {
    let dir = tempdir("ci-publish");
    let (bin, tmp) = (dir.join("bin"), dir.join("tmp"));
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&tmp).unwrap();
    let pid_file = dir.join("ci.pid");
    let seen = dir.join("publish-target");
    // The publish step records its target directory, then the run is told to stop.
    let cargo = format!(
        "#!/bin/sh\nif [ \"$1\" = publish ]; then\n  printf '%s' \"$CARGO_TARGET_DIR\" > '{}'\n  \
         kill -TERM \"$(cat '{}')\"\n  exit 1\nfi\nexit 0\n",
        seen.display(),
        pid_file.display()
    );
    use std::os::unix::fs::PermissionsExt;
    for (name, text) in [("cargo", cargo.as_str()), ("zsh", "#!/bin/sh\nexit 0\n")] {
        let path = bin.join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "echo $$ > '{}'; exec bash .ci/run",
            pid_file.display()
        ))
        .current_dir(repo::root())
        .env("PATH", path)
        .env("TMPDIR", &tmp)
        .env("KMS_LITE_TEST_NO_MOTO", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    let target = std::fs::read_to_string(&seen).expect("the publish step ran");
    assert!(target.starts_with(tmp.to_str().unwrap()), "{target}");
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}; {stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
