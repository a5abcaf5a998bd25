//! Where `--ciphertext-out` and `--plaintext-out` write, against a loopback server: devices,
//! FIFOs and the process's own descriptors in place (never renamed over, as root too), regular
//! files replaced atomically keeping their mode and owner, symbolic links replaced and never
//! followed to a regular file, two outputs that are one file refused before anything is sent.
//!
//! Tests that could damage the machine's `/dev` if kms-lite misbehaved run as root in a private
//! mount namespace (`unshare -m`) whose `/dev` is a fresh tmpfs; without root or `unshare` they
//! print `SKIPPED` (as a user, kms-lite could not damage `/dev` and they run directly).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::loopback::{Loopback, closed_port_url};
use common::{BASE_ENV, code, run, stderr, stdout};
use serde_json::json;

const SECRET: &[u8] = b"TOPSECRET-plaintext-0123";
const SECRET_B64: &str = "VE9QU0VDUkVULXBsYWludGV4dC0wMTIz";
/// The ciphertext the servers return, raw.
const BLOB: &[u8] = &[1, 2, 3, 4];

fn decrypt_body() -> String {
    json!({"Plaintext": SECRET_B64, "KeyId": "k", "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"})
        .to_string()
}

fn encrypt_body() -> String {
    json!({"CiphertextBlob": "AQIDBA==", "KeyId": "k", "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"})
        .to_string()
}

fn gdk_body() -> String {
    json!({"KeyId": "k", "Plaintext": SECRET_B64, "CiphertextBlob": "AQIDBA=="}).to_string()
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kms-lite-files-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // Reachable by the unprivileged user some tests switch to.
    set_mode(&dir, 0o777);
    dir
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout == b"0\n")
}

fn encrypt_to(server: &Loopback, dest: &str) -> Output {
    run(&[
        "encrypt",
        "--endpoint-url",
        &server.url,
        "--key-id",
        "k",
        "--plaintext",
        "AAAA",
        "--ciphertext-out",
        dest,
    ])
}

/// Sets up a private `/dev` (null, full, and the fd, stdin, stdout and stderr links) in a new
/// mount namespace, then runs `script`. `$BIN` is kms-lite, `$URL` the server, `$AS_USER` a
/// prefix that runs a command as the unprivileged user `nobody`.
const PRIVATE_DEV: &str = r#"set -e
mount -t tmpfs kms-lite-test /dev
mknod -m 666 /dev/null c 1 3
mknod -m 666 /dev/full c 1 7
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
AS_USER="setpriv --reuid=65534 --regid=65534 --clear-groups"
set +e
"#;

/// Runs `script` (see [`PRIVATE_DEV`]) as root in a private mount namespace, with stdout and
/// stderr captured. `None` (after printing SKIPPED) when that is not possible here.
fn in_private_dev(test: &str, url: &str, script: &str) -> Option<Output> {
    if !is_root() {
        eprintln!("SKIPPED: {test}: needs root for a private mount namespace");
        return None;
    }
    let mut env: Vec<(&str, &str)> = BASE_ENV.to_vec();
    env.extend([
        ("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
        ("BIN", env!("CARGO_BIN_EXE_kms-lite-dev")),
        ("URL", url),
    ]);
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c"])
        .arg(format!("{PRIVATE_DEV}{script}"))
        .env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .output();
    match out {
        Ok(o) if !String::from_utf8_lossy(&o.stderr).contains("unshare failed") => Some(o),
        _ => {
            eprintln!("SKIPPED: {test}: unshare -m is not available");
            None
        }
    }
}

/// `--plaintext-out /dev/stdout` (and the other names of a descriptor) works like `-`, as root
/// and as a user, whatever stdout is: nothing is created or replaced in `/dev`.
#[test]
fn plaintext_out_to_dev_stdout_works_like_dash() {
    const SCRIPT: &str = r#"
for who in root user; do
  for dest in /dev/stdout /dev/fd/1 /proc/self/fd/1; do
    if [ $who = root ]; then pre=; else pre=$AS_USER; fi
    $pre "$BIN" decrypt --endpoint-url "$URL" --ciphertext-blob AAAA --plaintext-out $dest \
        >/tmp/out 2>/tmp/err
    echo "$who $dest exit=$? $(cat /tmp/out) $(cat /tmp/err)"
    [ -L /dev/stdout ] && [ -L /dev/fd ] || echo "$who $dest: /dev was changed"
  done
done
# stdout a pipe.
"$BIN" decrypt --endpoint-url "$URL" --ciphertext-blob AAAA --plaintext-out /dev/stdout | cat
echo
[ -L /dev/stdout ] || echo "pipe: /dev/stdout was replaced"
"#;
    // One reply per call: 2 users x 3 names + the pipe.
    let server = common::loopback::Server::start(|_| common::loopback::Reply::ok(decrypt_body()));
    let Some(out) = in_private_dev("dev_stdout", &server.url, SCRIPT) else {
        let out = run(&[
            "decrypt",
            "--endpoint-url",
            &server.url,
            "--ciphertext-blob",
            "AAAA",
            "--plaintext-out",
            "/dev/stdout",
        ]);
        assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
        assert_eq!(out.stdout, SECRET);
        return;
    };
    let text = stdout(&out);
    let secret = String::from_utf8_lossy(SECRET);
    for who in ["root", "user"] {
        for dest in ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"] {
            assert!(
                text.contains(&format!("{who} {dest} exit=0 {secret} \n")),
                "{text}\n{}",
                stderr(&out)
            );
        }
    }
    assert!(text.ends_with(&format!("{secret}\n")), "{text}");
    assert!(!text.contains("was changed"), "{text}");
    assert!(!text.contains("was replaced"), "{text}");
}

/// `--ciphertext-out /dev/null` writes to the device and leaves it a device, as root and as a
/// user; `/dev/full` fails with the device's error and stays a device.
#[test]
fn ciphertext_out_to_a_character_device_writes_in_place() {
    const SCRIPT: &str = r#"
for pre in "" "$AS_USER"; do
  $pre "$BIN" encrypt --endpoint-url "$URL" --key-id k --plaintext AAAA --ciphertext-out /dev/null
  echo "null exit=$?"
  [ -c /dev/null ] && echo "null is a device"
  $pre "$BIN" encrypt --endpoint-url "$URL" --key-id k --plaintext AAAA --ciphertext-out /dev/full
  echo "full exit=$?"
  [ -c /dev/full ] && echo "full is a device"
done
ls -A /dev
"#;
    let server = common::loopback::Server::start(|_| common::loopback::Reply::ok(encrypt_body()));
    let Some(out) = in_private_dev("char_device", &server.url, SCRIPT) else {
        let out = encrypt_to(&Loopback::reply(200, &encrypt_body()), "/dev/null");
        assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
        return;
    };
    let text = stdout(&out);
    let err = stderr(&out);
    assert_eq!(
        text.matches("null exit=0\nnull is a device\nfull exit=255\nfull is a device\n")
            .count(),
        2,
        "{text}\n{err}"
    );
    assert_eq!(
        err.matches(
            "cannot write the ciphertext (--ciphertext-out) to /dev/full: No space left on device"
        )
        .count(),
        2,
        "{err}"
    );
    // Nothing else appeared in /dev (no temporary file, no replacement).
    assert!(
        text.ends_with("fd\nfull\nnull\nstderr\nstdin\nstdout\n"),
        "{text}"
    );
}

/// A device node anywhere (made here with mknod, so no real device is at stake) is written in
/// place, not renamed over; a block device is refused.
#[test]
fn device_nodes_are_written_in_place_and_block_devices_refused() {
    if !is_root() {
        eprintln!("SKIPPED: device_nodes: mknod needs root");
        return;
    }
    let dir = tempdir("nodes");
    let null = dir.join("null");
    let block = dir.join("loop");
    let made = Command::new("mknod")
        .arg(&null)
        .args(["c", "1", "3"])
        .status();
    let made_b = Command::new("mknod")
        .arg(&block)
        .args(["b", "7", "0"])
        .status();
    if !made.is_ok_and(|s| s.success()) || !made_b.is_ok_and(|s| s.success()) {
        eprintln!("SKIPPED: device_nodes: mknod failed");
        return;
    }
    use std::os::unix::fs::FileTypeExt;
    let out = encrypt_to(
        &Loopback::reply(200, &encrypt_body()),
        null.to_str().unwrap(),
    );
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let t = std::fs::symlink_metadata(&null).unwrap().file_type();
    assert!(t.is_char_device(), "the node was replaced: {t:?}");

    let server = Loopback::reply(200, &encrypt_body());
    let out = encrypt_to(&server, block.to_str().unwrap());
    assert_eq!(code(&out), 255);
    assert!(
        stderr(&out).contains(&format!(
            "cannot write the ciphertext (--ciphertext-out) to {}: it is a block device",
            block.display()
        )),
        "{}",
        stderr(&out)
    );
    assert!(
        std::fs::symlink_metadata(&block)
            .unwrap()
            .file_type()
            .is_block_device()
    );
    // A symbolic link to a device is written through.
    let link = dir.join("to-null");
    std::os::unix::fs::symlink(&null, &link).unwrap();
    let out = encrypt_to(
        &Loopback::reply(200, &encrypt_body()),
        link.to_str().unwrap(),
    );
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(names.len(), 3, "no temporary file left: {names:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A named pipe is written in place: the reader gets the bytes, the FIFO stays a FIFO.
#[test]
fn a_fifo_output_is_written_in_place() {
    let dir = tempdir("fifo");
    let fifo = dir.join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("SKIPPED: a_fifo_output: mkfifo failed");
        return;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let fifo = fifo.clone();
        // Blocks until a writer opens the FIFO: if kms-lite replaced it, forever (leaked).
        std::thread::spawn(move || tx.send(std::fs::read(&fifo).unwrap()));
    }
    let out = encrypt_to(
        &Loopback::reply(200, &encrypt_body()),
        fifo.to_str().unwrap(),
    );
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let got = rx
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the FIFO was never written");
    assert_eq!(got, BLOB);
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Replacing a file keeps its mode (and, as root, its owner); a plaintext output is 0600
/// whatever it replaces.
#[test]
fn replacing_a_file_keeps_its_mode_and_owner() {
    let dir = tempdir("keep");
    let enc = dir.join("secret.enc");
    std::fs::write(&enc, b"old").unwrap();
    set_mode(&enc, 0o600);
    let root = is_root();
    if root {
        std::os::unix::fs::chown(&enc, Some(4321), Some(4322)).unwrap();
    }
    let out = encrypt_to(
        &Loopback::reply(200, &encrypt_body()),
        enc.to_str().unwrap(),
    );
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(std::fs::read(&enc).unwrap(), BLOB);
    assert_eq!(mode_of(&enc), 0o600, "the mode was dropped");
    use std::os::unix::fs::MetadataExt;
    if root {
        let m = std::fs::metadata(&enc).unwrap();
        assert_eq!((m.uid(), m.gid()), (4321, 4322), "the owner was dropped");
    }

    set_mode(&enc, 0o640);
    let out = encrypt_to(
        &Loopback::reply(200, &encrypt_body()),
        enc.to_str().unwrap(),
    );
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(mode_of(&enc), 0o640);

    // A plaintext over a world-readable file: 0600.
    let plain = dir.join("plain.txt");
    std::fs::write(&plain, b"old").unwrap();
    set_mode(&plain, 0o644);
    let server = Loopback::reply(200, &decrypt_body());
    let out = run(&[
        "decrypt",
        "--endpoint-url",
        &server.url,
        "--ciphertext-blob",
        "AAAA",
        "--plaintext-out",
        plain.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(std::fs::read(&plain).unwrap(), SECRET);
    assert_eq!(mode_of(&plain), 0o600);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        2,
        "no temporary file left"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A symbolic link to a regular file (or to nothing) is replaced; its target is never
/// written, and a dangling link's target is never created.
#[test]
fn a_symbolic_link_is_replaced_and_its_target_never_written() {
    let dir = tempdir("links");
    let victim = dir.join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    let link = dir.join("out.enc");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let out = encrypt_to(
        &Loopback::reply(200, &encrypt_body()),
        link.to_str().unwrap(),
    );
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert!(std::fs::symlink_metadata(&link).unwrap().is_file());
    assert_eq!(std::fs::read(&link).unwrap(), BLOB);

    let dangling = dir.join("dangling.enc");
    let nowhere = dir.join("created-through-the-link");
    std::os::unix::fs::symlink(&nowhere, &dangling).unwrap();
    let out = encrypt_to(
        &Loopback::reply(200, &encrypt_body()),
        dangling.to_str().unwrap(),
    );
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert!(!nowhere.exists());
    assert_eq!(std::fs::read(&dangling).unwrap(), BLOB);

    // A directory is refused, and so is a path under a file.
    let out = encrypt_to(
        &Loopback::reply(200, &encrypt_body()),
        dir.to_str().unwrap(),
    );
    assert_eq!(code(&out), 255);
    assert!(
        stderr(&out).contains(": it is a directory"),
        "{}",
        stderr(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Two outputs that are one file are refused (exit 252) before anything is sent: the same
/// path spelled twice, a hard link, a symbolic link to the other, `-` and `/dev/stdout`.
#[test]
fn two_outputs_that_are_one_file_are_refused_before_anything_is_sent() {
    let dir = tempdir("same");
    let d = dir.display().to_string();
    let key = format!("{d}/k.bin");
    std::fs::write(dir.join("existing"), b"x").unwrap();
    std::fs::hard_link(dir.join("existing"), dir.join("hard")).unwrap();
    std::os::unix::fs::symlink(dir.join("existing"), dir.join("soft")).unwrap();
    let pairs: Vec<(String, String)> = vec![
        (key.clone(), format!("{d}/./k.bin")),
        (
            key.clone(),
            format!(
                "{d}/../{}/k.bin",
                dir.file_name().unwrap().to_str().unwrap()
            ),
        ),
        (format!("{d}/existing"), format!("{d}/hard")),
        (format!("{d}/soft"), format!("{d}/existing")),
        ("-".into(), "/dev/stdout".into()),
    ];
    // Nothing listens there: a request would fail with 255, not 252.
    let url = closed_port_url();
    for (cipher, plain) in &pairs {
        let out = run(&[
            "generate-data-key",
            "--endpoint-url",
            &url,
            "--key-id",
            "k",
            "--key-spec",
            "AES_256",
            "--ciphertext-out",
            cipher,
            "--plaintext-out",
            plain,
        ]);
        assert_eq!(code(&out), 252, "{cipher} {plain}: {}", stderr(&out));
        assert!(
            stderr(&out).ends_with(
                "kms-lite: error: argument --ciphertext-out: not allowed with argument \
                 --plaintext-out naming the same file\n"
            ),
            "{}",
            stderr(&out)
        );
    }
    assert!(!dir.join("k.bin").exists());
    assert_eq!(std::fs::read(dir.join("existing")).unwrap(), b"x");

    // Two distinct files are fine.
    let server = Loopback::reply(200, &gdk_body());
    let out = run(&[
        "generate-data-key",
        "--endpoint-url",
        &server.url,
        "--key-id",
        "k",
        "--key-spec",
        "AES_256",
        "--ciphertext-out",
        &key,
        "--plaintext-out",
        &format!("{d}/k.plain"),
    ]);
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(std::fs::read(&key).unwrap(), BLOB);
    assert_eq!(std::fs::read(dir.join("k.plain")).unwrap(), SECRET);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A path with control characters is escaped in the error message.
#[test]
fn a_hostile_path_is_escaped_in_errors() {
    let dir = tempdir("hostile");
    let dest = format!("{}/no\x1b[2Jdir/x\r.enc", dir.display());
    let out = encrypt_to(&Loopback::reply(200, &encrypt_body()), &dest);
    assert_eq!(code(&out), 255);
    let err = stderr(&out);
    assert!(!err.contains('\x1b') && !err.contains('\r'), "{err:?}");
    assert!(
        err.contains(&format!("{}/no\\u{{1b}}[2Jdir/x\\r.enc: ", dir.display())),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `/dev/stdout` is stdout: `--query` is refused with it as with `-` (it would print nothing).
#[test]
fn query_is_refused_with_an_output_to_dev_stdout() {
    let out = run(&[
        "decrypt",
        "--endpoint-url",
        &closed_port_url(),
        "--ciphertext-blob",
        "AAAA",
        "--plaintext-out",
        "/dev/stdout",
        "--query",
        "KeyId",
    ]);
    assert_eq!(code(&out), 252, "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).ends_with(
            "kms-lite: error: argument --query: not allowed with argument --plaintext-out \
             /dev/stdout (stdout carries only the raw bytes)\n"
        ),
        "{}",
        stderr(&out)
    );
}

/// The plaintext never goes to stderr, where logs are collected (CI jobs, systemd, container
/// runtimes): `--plaintext-out` naming this process's descriptor 2, by any name, is refused
/// before anything is sent. The ciphertext may go there.
#[test]
fn plaintext_out_to_stderr_is_refused_before_anything_is_sent() {
    let url = closed_port_url();
    let dir = tempdir("stderr");
    let link = dir.join("err-link");
    std::os::unix::fs::symlink("/dev/stderr", &link).unwrap();
    for dest in [
        "/dev/stderr",
        "/dev/fd/2",
        "/proc/self/fd/2",
        link.to_str().unwrap(),
    ] {
        for command in [
            &["decrypt", "--ciphertext-blob", "AAAA"][..],
            &[
                "generate-data-key",
                "--key-id",
                "k",
                "--key-spec",
                "AES_256",
            ][..],
        ] {
            let mut args = command.to_vec();
            args.extend(["--endpoint-url", &url, "--plaintext-out", dest]);
            let out = run(&args);
            assert_eq!(code(&out), 252, "{dest}: {}", stderr(&out));
            assert!(
                stderr(&out).ends_with(
                    "kms-lite: error: argument --plaintext-out: names stderr, where logs are \
                     collected; the plaintext goes only to a file or to stdout (-)\n"
                ),
                "{dest}: {}",
                stderr(&out)
            );
            assert_eq!(out.stdout, b"");
        }
    }
    let server = Loopback::reply(200, &encrypt_body());
    let out = encrypt_to(&server, "/dev/stderr");
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(out.stderr, BLOB);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `re-encrypt-batch --journal` naming a device (`/dev/null`, `/dev/zero`) is refused (255)
/// before anything is read or sent, in line and directory mode: the device stays the device,
/// and no output, journal or temporary file appears. As root, in a private `/dev`.
#[test]
fn a_journal_on_a_device_is_refused_and_the_device_left_alone() {
    let dir = tempdir("journal-device");
    let input = dir.join("in.txt");
    std::fs::write(&input, "AQIDBA==\n").unwrap();
    let items = dir.join("items");
    std::fs::create_dir(&items).unwrap();
    std::fs::write(items.join("a"), BLOB).unwrap();
    let output = dir.join("out.txt");
    let nowhere = closed_port_url();
    let runs = |journal: &str| {
        [
            format!(
                "\"$BIN\" re-encrypt-batch --endpoint-url \"$URL\" --destination-key-id k \
                 --input '{}' --output-file '{}' --journal {journal}; echo \"rc=$?\"",
                input.display(),
                output.display()
            ),
            format!(
                "\"$BIN\" re-encrypt-batch --endpoint-url \"$URL\" --destination-key-id k \
                 --input-dir '{}' --journal {journal}; echo \"rc=$?\"",
                items.display()
            ),
        ]
    };
    let script: Vec<String> = ["/dev/null", "/dev/zero"]
        .iter()
        .flat_map(|j| runs(j))
        .collect();
    let want_stderr = "\nthe journal /dev/null is not a regular file\n".repeat(2)
        + &"\nthe journal /dev/zero is not a regular file\n".repeat(2);
    let stat = "stat -c '%n %F %t:%T' /dev/null /dev/zero";
    let mut want_stdout = "rc=255\nrc=255\nrc=255\nrc=255\n\
         /dev/null character special file 1:3\n/dev/zero character special file 1:5\n"
        .to_owned();
    let out = if is_root() {
        // kms-lite as root could replace a node of the machine's /dev if it misbehaved; in the
        // private one, nothing may appear beside the nodes made for the test.
        let script = format!(
            "mknod -m 666 /dev/zero c 1 5\n{}\n{stat}\nls -A /dev\n",
            script.join("\n")
        );
        want_stdout.push_str("fd\nfull\nnull\nstderr\nstdin\nstdout\nzero\n");
        let Some(out) = in_private_dev("journal_device", &nowhere, &script) else {
            return;
        };
        out
    } else {
        Command::new("sh")
            .arg("-c")
            .arg(format!("{}\n{stat}\n", script.join("\n")))
            .env_clear()
            .envs(BASE_ENV.iter().copied())
            .env("BIN", env!("CARGO_BIN_EXE_kms-lite-dev"))
            .env("URL", &nowhere)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    assert_eq!(stderr(&out), want_stderr);
    assert_eq!(stdout(&out), want_stdout);
    // Nothing written beside the input or in the directory; the item untouched.
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .chain(std::fs::read_dir(&items).unwrap())
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["a", "in.txt", "items"]);
    assert_eq!(std::fs::read(items.join("a")).unwrap(), BLOB);
    let _ = std::fs::remove_dir_all(&dir);
}
