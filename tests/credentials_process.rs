//! `credential_process`: scripts written into a temporary directory and run through `sh -c`.
#![cfg(unix)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use kms_lite::clock::ManualClock;
use kms_lite::credentials::{CredentialsErrorKind, ProcessProvider, ProvideCredentials};

const NOW: u64 = 1_795_953_600;

struct Script {
    dir: PathBuf,
    path: PathBuf,
}

impl Script {
    fn new(name: &str, body: &str) -> Script {
        let dir =
            std::env::temp_dir().join(format!("kms-lite-process-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("creds.sh");
        std::fs::write(&path, body).unwrap();
        Script { dir, path }
    }
    fn provider(&self, timeout: Duration) -> ProcessProvider {
        ProcessProvider::new(format!("sh '{}'", self.path.display()), timeout).with_clock(Arc::new(
            ManualClock::new(UNIX_EPOCH + Duration::from_secs(NOW)),
        ))
    }
}

impl Drop for Script {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const T: Duration = Duration::from_secs(10);

#[test]
fn success_with_session_token_and_expiry() {
    let s = Script::new(
        "ok",
        r#"echo 'note: fetched from the vault' >&2
cat <<'JSON'
{"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "PROCSECRET",
 "SessionToken": "PROCTOKEN", "Expiration": "2026-11-29T13:00:00Z"}
JSON
"#,
    );
    let c = s.provider(T).provide_credentials().unwrap();
    assert_eq!(c.access_key_id(), "AKIDPROC");
    assert_eq!(c.secret_access_key(), "PROCSECRET");
    assert_eq!(c.session_token(), Some("PROCTOKEN"));
    assert_eq!(
        c.expiry(),
        Some(UNIX_EPOCH + Duration::from_secs(NOW + 3600))
    );
    assert_eq!(c.source(), "credential_process");
}

#[test]
fn long_term_credentials_without_expiration() {
    let s = Script::new(
        "static",
        r#"printf '{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"S"}'"#,
    );
    let c = s.provider(T).provide_credentials().unwrap();
    assert_eq!((c.session_token(), c.expiry()), (None, None));
}

#[test]
fn failure_reports_exit_status_and_stderr() {
    let s = Script::new("fail", "echo 'the SSO session has expired' >&2\nexit 42\n");
    let e = s.provider(T).provide_credentials().unwrap_err();
    assert!(e.message().contains("exit status 42"), "{e}");
    assert!(e.message().contains("the SSO session has expired"), "{e}");
    assert_eq!(e.kind(), CredentialsErrorKind::ProviderError);
}

#[test]
fn a_process_that_runs_too_long_is_stopped() {
    let s = Script::new("slow", "exec sleep 30\n");
    let started = Instant::now();
    let e = s
        .provider(Duration::from_millis(300))
        .provide_credentials()
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(e.message().contains("did not finish within"), "{e}");
}

#[test]
fn malformed_output_is_an_error_that_does_not_echo_it() {
    for (name, out, want) in [
        ("notjson", "AKID PROCSECRET", "is not valid JSON"),
        (
            "truncated",
            r#"{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"PROCSECRET""#,
            "ends too early",
        ),
        (
            "noversion",
            r#"{"AccessKeyId":"AKID","SecretAccessKey":"PROCSECRET"}"#,
            "no Version",
        ),
        (
            "version2",
            r#"{"Version":2,"AccessKeyId":"AKID","SecretAccessKey":"PROCSECRET"}"#,
            "unsupported Version",
        ),
        (
            "nosecret",
            r#"{"Version":1,"AccessKeyId":"AKID"}"#,
            "no SecretAccessKey",
        ),
        (
            "wrongtype",
            r#"{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":["PROCSECRET"]}"#,
            "wrong type",
        ),
        (
            "badexpiry",
            r#"{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"PROCSECRET","Expiration":"tomorrow"}"#,
            "not an RFC 3339",
        ),
        (
            "expired",
            r#"{"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"PROCSECRET","SessionToken":"T","Expiration":"2026-11-29T11:00:00Z"}"#,
            "already expired",
        ),
    ] {
        let s = Script::new(name, &format!("cat <<'OUT'\n{out}\nOUT\n"));
        let e = s.provider(T).provide_credentials().unwrap_err();
        assert!(e.message().contains(want), "{name}: {e}");
        assert!(!e.message().contains("PROCSECRET"), "{name}: {e}");
    }
}

#[test]
fn a_command_that_cannot_run_fails_cleanly() {
    let p = ProcessProvider::new("/nonexistent/kms-lite-helper", T);
    let e = p.provide_credentials().unwrap_err();
    assert!(e.message().contains("exit status 127"), "{e}");
}

/// Whether process `pid` is gone (or a zombie waiting for its parent), waiting up to 5 s.
fn gone(pid: &str) -> bool {
    for _ in 0..100 {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => return true,
            Ok(stat)
                if stat
                    .rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z') =>
            {
                return true;
            }
            Ok(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    false
}

#[test]
fn a_child_holding_stdout_open_does_not_hang_the_run_and_is_stopped() {
    // Exits 0 at once with valid output, but a background child keeps stdout open.
    let s = Script::new(
        "background",
        "echo '{\"Version\":1,\"AccessKeyId\":\"AKID\",\"SecretAccessKey\":\"S\"}'\n\
         sleep 9999 &\necho $! > \"$(dirname \"$0\")/pid\"\n",
    );
    let e = s
        .provider(Duration::from_millis(500))
        .provide_credentials()
        .unwrap_err();
    assert!(e.message().contains("did not finish within 500ms"), "{e}");
    let pid = std::fs::read_to_string(s.dir.join("pid")).unwrap();
    assert!(gone(pid.trim()), "the background child {pid} still runs");
}

#[test]
fn on_timeout_the_whole_process_group_is_stopped() {
    let s = Script::new(
        "tree",
        "sleep 9999 &\necho $! > \"$(dirname \"$0\")/pid\"\nsleep 30\n",
    );
    let e = s
        .provider(Duration::from_millis(500))
        .provide_credentials()
        .unwrap_err();
    assert!(
        e.message()
            .contains("was stopped (with every process it started)"),
        "{e}"
    );
    let pid = std::fs::read_to_string(s.dir.join("pid")).unwrap();
    assert!(gone(pid.trim()), "the grandchild {pid} still runs");
}

#[test]
fn output_is_bounded() {
    let s = Script::new("flood", "exec yes '{\"Version\":1}'\n");
    let e = s.provider(T).provide_credentials().unwrap_err();
    assert_eq!(
        e.message(),
        "credential_process: the command printed more than 64 KiB; it was stopped"
    );
    // Standard error past the cap is drained, not fatal: the command still exits.
    let s = Script::new(
        "stderr-flood",
        "head -c 200000 /dev/zero | tr '\\0' x >&2\n\
         echo '{\"Version\":1,\"AccessKeyId\":\"AKID\",\"SecretAccessKey\":\"S\"}'\n",
    );
    let c = s.provider(T).provide_credentials().unwrap();
    assert_eq!(c.access_key_id(), "AKID");
}
