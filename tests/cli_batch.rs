//! `kms-lite re-encrypt-batch` against loopback servers: order, failures, resume after
//! `kill -9`, throttling, shards, directories, the rate cap. The servers answer each request
//! with the request's ciphertext reversed, so every output is checkable.

mod common;

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::loopback::{Recorded, Reply, Server};
use common::{BASE_ENV, code, run_with, stderr, stdout};
use kms_lite::base64;

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kms-lite-batch-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

/// The request's ciphertext, decoded.
fn blob_of(req: &Recorded) -> Vec<u8> {
    let b64 = req.json()["CiphertextBlob"]
        .as_str()
        .expect("a CiphertextBlob")
        .to_owned();
    base64::decode(b64.as_bytes()).expect("valid base64")
}

/// What the servers here answer for a ciphertext: the bytes reversed.
fn transform(blob: &[u8]) -> Vec<u8> {
    blob.iter().rev().copied().collect()
}

fn reversing(req: &Recorded) -> Reply {
    let out = transform(&blob_of(req));
    Reply::ok(serde_json::json!({"CiphertextBlob": base64::encode(&out), "KeyId": "k"}).to_string())
}

/// Item `i`'s ciphertext: distinct, 8..=40 bytes, never a palindrome.
fn item_blob(i: usize) -> Vec<u8> {
    let len = 8 + i % 33;
    (0..len)
        .map(|j| (i * 7 + j * 13 + 1) as u8)
        .chain([0xEE, i as u8, (i >> 8) as u8])
        .collect()
}

/// `n` items as base64 lines.
fn lines(n: usize) -> Vec<String> {
    (1..=n).map(|i| base64::encode(&item_blob(i))).collect()
}

fn expected_line(input: &str) -> String {
    let t = input.trim();
    if t.is_empty() || t.starts_with('#') {
        return String::new();
    }
    match base64::decode(t.as_bytes()) {
        Ok(b) => base64::encode(&transform(&b)),
        Err(_) => String::new(),
    }
}

fn batch_args<'a>(server: &'a Server, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "re-encrypt-batch",
        "--endpoint-url",
        server.url.as_str(),
        "--destination-key-id",
        "alias/new",
    ];
    v.extend_from_slice(extra);
    v
}

/// `--input INPUT --output-file OUTPUT`.
fn in_out<'a>(input: &'a Path, output: &'a Path) -> [&'a str; 4] {
    [
        "--input",
        input.to_str().unwrap(),
        "--output-file",
        output.to_str().unwrap(),
    ]
}

fn run_env(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    run_with(args, env, b"")
}

fn run(args: &[&str]) -> std::process::Output {
    run_env(args, BASE_ENV)
}

fn summary_counts(err: &str) -> (u64, u64, u64) {
    let line = err
        .lines()
        .find(|l| l.starts_with("re-encrypted "))
        .unwrap_or_else(|| panic!("no summary in {err:?}"));
    let nums: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .take(3)
        .map(|s| s.parse().unwrap())
        .collect();
    (nums[0], nums[1], nums[2])
}

#[test]
fn lines_in_input_order_with_blanks_and_comments() {
    let server = Server::start(reversing);
    let dir = tempdir("order");
    let mut input = vec!["# a header comment".to_owned()];
    let items = lines(60);
    for (i, l) in items.iter().enumerate() {
        input.push(l.clone());
        if i % 10 == 3 {
            input.push(String::new());
        }
        if i == 20 {
            input.push(format!("  {l}  \r"));
        }
    }
    let text = input.join("\n") + "\n";
    let in_path = dir.join("in.txt");
    std::fs::write(&in_path, &text).unwrap();
    let out_path = dir.join("out.txt");
    let out = run(&batch_args(
        &server,
        &[
            "--input",
            in_path.to_str().unwrap(),
            "--output-file",
            out_path.to_str().unwrap(),
            "--concurrency",
            "8",
        ],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let expected: String = input.iter().map(|l| expected_line(l) + "\n").collect();
    assert_eq!(std::fs::read_to_string(&out_path).unwrap(), expected);
    assert_eq!(stdout(&out), "");
    assert_eq!(summary_counts(&stderr(&out)), (61, 0, 0));
    assert_eq!(server.arrivals().len(), 61);
    assert!(dir.join("out.txt.journal").exists());
    // No temporary output file is left behind.
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");

    // Running again sends nothing and writes the same output from the journal.
    let again = run(&batch_args(&server, &in_out(&in_path, &out_path)));
    assert_eq!(code(&again), 0, "stderr: {}", stderr(&again));
    assert_eq!(summary_counts(&stderr(&again)), (0, 0, 61));
    assert_eq!(server.arrivals().len(), 61);
    assert_eq!(std::fs::read_to_string(&out_path).unwrap(), expected);
}

#[test]
fn stdin_to_stdout() {
    let server = Server::start(reversing);
    let input = lines(5).join("\n");
    let out = run_with(
        &batch_args(&server, &["--input", "-", "--concurrency", "3"]),
        BASE_ENV,
        input.as_bytes(),
    );
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let expected: String = input.lines().map(|l| expected_line(l) + "\n").collect();
    assert_eq!(stdout(&out), expected);
}

#[test]
fn mixed_failures_are_all_reported_and_the_batch_goes_on() {
    // Items whose first byte is 0xA1 are not found, 0xA2 are bad ciphertexts.
    let server = Server::start(|req| match blob_of(req)[0] {
        0xA1 => Reply::error(400, "NotFoundException", "Key 'alias/gone' does not exist"),
        0xA2 => Reply::error(400, "InvalidCiphertextException", ""),
        _ => reversing(req),
    });
    let dir = tempdir("mixed");
    let mut input = lines(20);
    input[2] = base64::encode(&[0xA1, 1, 2, 3]);
    input[9] = base64::encode(&[0xA2, 9, 9]);
    input[14] = "not*base64".to_owned();
    input[17] = base64::encode(&[0xA1, 7]);
    let in_path = dir.join("in.txt");
    std::fs::write(&in_path, input.join("\n")).unwrap();
    let out_path = dir.join("out.txt");
    let out = run(&batch_args(&server, &in_out(&in_path, &out_path)));
    assert_eq!(code(&out), 254, "stderr: {}", stderr(&out));
    let err = stderr(&out);
    let error_lines: Vec<&str> = err.lines().filter(|l| l.starts_with("item ")).collect();
    assert_eq!(
        error_lines,
        vec![
            "item 3: An error occurred (NotFoundException) when calling the ReEncrypt operation: Key 'alias/gone' does not exist",
            "item 10: An error occurred (InvalidCiphertextException) when calling the ReEncrypt operation: ",
            "item 15: Invalid base64: invalid base64 character 0x2a at offset 3",
            "item 18: An error occurred (NotFoundException) when calling the ReEncrypt operation: Key 'alias/gone' does not exist",
        ],
        "{err}"
    );
    assert_eq!(summary_counts(&err), (16, 4, 0));
    let output = std::fs::read_to_string(&out_path).unwrap();
    let got: Vec<&str> = output.lines().collect();
    assert_eq!(got.len(), 20);
    for (i, l) in input.iter().enumerate() {
        if [2, 9, 14, 17].contains(&i) {
            assert_eq!(got[i], "", "line {}", i + 1);
        } else {
            assert_eq!(got[i], expected_line(l), "line {}", i + 1);
        }
    }
    // The bad line was never sent.
    assert_eq!(server.arrivals().len(), 19);

    // A rerun tries only the failed items again.
    let again = run(&batch_args(&server, &in_out(&in_path, &out_path)));
    assert_eq!(code(&again), 254);
    assert_eq!(summary_counts(&stderr(&again)), (0, 4, 16));
    assert_eq!(server.arrivals().len(), 19 + 3);
}

#[test]
fn only_bad_lines_exit_252() {
    let server = Server::start(reversing);
    let out = run_with(
        &batch_args(&server, &["--input", "-"]),
        BASE_ENV,
        b"AAAA\n@@@@\n",
    );
    assert_eq!(code(&out), 252, "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), format!("{}\n\n", expected_line("AAAA")));
}

/// Waits until `path` holds at least `n` lines, or panics after 20 s.
fn wait_for_lines(path: &Path, n: usize) {
    let t0 = Instant::now();
    loop {
        let count = std::fs::read_to_string(path)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if count >= n {
            return;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "the journal never reached {n} lines"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn killed_then_resumed_gives_the_uninterrupted_output_and_sends_nothing_twice() {
    let dir = tempdir("resume");
    let mut input = lines(150);
    input.insert(30, "# comment".to_owned());
    let in_path = dir.join("in.txt");
    std::fs::write(&in_path, input.join("\n") + "\n").unwrap();

    // The uninterrupted run.
    let fast = Server::start(reversing);
    let clean_out = dir.join("clean.txt");
    let out = run(&batch_args(&fast, &in_out(&in_path, &clean_out)));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));

    // A slow server (150 items at 4 × 25/s take 1.5 s); the run is killed (SIGKILL) once
    // 20 items are journaled.
    let slow = Server::start(|req| reversing(req).after(Duration::from_millis(40)));
    let out_path = dir.join("out.txt");
    let journal = dir.join("out.txt.journal");
    let args = batch_args(
        &slow,
        &[
            "--input",
            in_path.to_str().unwrap(),
            "--output-file",
            out_path.to_str().unwrap(),
            "--concurrency",
            "4",
        ],
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_kms-lite"))
        .args(&args)
        .env_clear()
        .envs(BASE_ENV.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    wait_for_lines(&journal, 21);
    child.kill().expect("kill");
    let _ = child.wait();
    assert!(!out_path.exists(), "no output is written by a killed run");
    let leftover = dir.join(format!(".out.txt.kms-lite-{}.tmp", child.id()));
    assert!(
        leftover.exists(),
        "the killed run's temporary output is left"
    );

    // The journal: a header, then records of items with their results.
    let text = std::fs::read_to_string(&journal).unwrap();
    let mut journaled = HashSet::new();
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split(' ').collect();
        if fields.len() != 4 {
            continue; // a torn last record is allowed
        }
        let item: usize = fields[0].parse().unwrap();
        assert_eq!(fields[2], expected_line(&input[item - 1]), "item {item}");
        journaled.insert(input[item - 1].clone());
    }
    assert!(
        journaled.len() >= 20 && journaled.len() < 150,
        "{}",
        journaled.len()
    );
    let sent_before = slow.arrivals().len();

    // Resume.
    let out = run(&args);
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(
        std::fs::read(&out_path).unwrap(),
        std::fs::read(&clean_out).unwrap(),
        "the resumed output is byte for byte the uninterrupted one"
    );
    assert!(
        !leftover.exists(),
        "the resumed run removes the stale temporary output"
    );
    let (done, failed, skipped) = summary_counts(&stderr(&out));
    assert_eq!((done + skipped, failed), (150, 0));
    assert!(skipped >= journaled.len() as u64);
    // No journaled item was sent again, and every item was sent at least once.
    let resent: Vec<String> = slow.blobs()[sent_before..]
        .iter()
        .filter(|b| journaled.contains(*b))
        .cloned()
        .collect();
    assert!(
        resent.is_empty(),
        "sent again after being journaled: {resent:?}"
    );
    let all: HashSet<String> = slow.blobs().into_iter().collect();
    assert_eq!(all.len(), 150);
}

/// A server that throttles the first attempt of every ciphertext.
fn storm() -> Server {
    let seen = Mutex::new(HashSet::new());
    Server::start(move |req| {
        let blob = blob_of(req);
        if seen.lock().unwrap().insert(blob) {
            Reply::error(400, "ThrottlingException", "Rate exceeded")
        } else {
            reversing(req)
        }
    })
}

#[test]
fn a_throttling_storm_slows_the_batch_instead_of_failing_it() {
    let server = storm();
    let input = lines(24).join("\n");
    let env: Vec<(&str, &str)> = BASE_ENV
        .iter()
        .map(|&(k, v)| {
            if k == "AWS_MAX_ATTEMPTS" {
                (k, "4")
            } else {
                (k, v)
            }
        })
        .collect();
    let out = run_with(
        &batch_args(&server, &["--input", "-", "--concurrency", "8"]),
        &env,
        input.as_bytes(),
    );
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let expected: String = input.lines().map(|l| expected_line(l) + "\n").collect();
    assert_eq!(stdout(&out), expected);
    assert_eq!(server.arrivals().len(), 48);
}

#[test]
fn throttled_past_the_clients_retries_the_batch_pauses_and_tries_again() {
    // AWS_MAX_ATTEMPTS=1: the client does not retry; the batch pauses and tries again.
    let server = storm();
    let input = lines(10).join("\n");
    let out = run_with(
        &batch_args(&server, &["--input", "-", "--concurrency", "4"]),
        BASE_ENV,
        input.as_bytes(),
    );
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let expected: String = input.lines().map(|l| expected_line(l) + "\n").collect();
    assert_eq!(stdout(&out), expected);
    assert_eq!(server.arrivals().len(), 20);
}

#[test]
fn shards_split_the_input_exactly() {
    let server = Server::start(reversing);
    let dir = tempdir("shards");
    let mut input = lines(31);
    input.insert(5, String::new());
    let in_path = dir.join("in.txt");
    std::fs::write(&in_path, input.join("\n")).unwrap();
    let mut outputs = Vec::new();
    let mut sent: Vec<BTreeSet<String>> = Vec::new();
    for k in 1..=3 {
        let before = server.arrivals().len();
        let shard = format!("{k}/3");
        let out_path = dir.join(format!("out{k}.txt"));
        let out = run(&batch_args(
            &server,
            &[
                "--input",
                in_path.to_str().unwrap(),
                "--output-file",
                out_path.to_str().unwrap(),
                "--shard",
                &shard,
            ],
        ));
        assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
        let text = std::fs::read_to_string(&out_path).unwrap();
        let got: Vec<String> = text.lines().map(str::to_owned).collect();
        assert_eq!(got.len(), input.len());
        for (i, l) in got.iter().enumerate() {
            if i % 3 != k - 1 {
                assert_eq!(l, "", "shard {k} line {}", i + 1);
            }
        }
        outputs.push(got);
        sent.push(server.blobs()[before..].iter().cloned().collect());
    }
    // Disjoint, and together every item exactly once.
    let total: usize = sent.iter().map(BTreeSet::len).sum();
    let union: BTreeSet<String> = sent.iter().flatten().cloned().collect();
    assert_eq!(total, 31);
    assert_eq!(union.len(), 31);
    assert_eq!(server.arrivals().len(), 31);
    // Concatenating the shards' lines (paste -d '') gives the unsharded output.
    for (i, l) in input.iter().enumerate() {
        let merged: String = outputs.iter().map(|o| o[i].as_str()).collect();
        assert_eq!(merged, expected_line(l), "line {}", i + 1);
    }
}

fn dir_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[test]
fn a_directory_is_rewritten_in_place_and_resumes_by_content() {
    let server = Server::start(reversing);
    let root = tempdir("dir");
    let dir = root.join("secrets");
    std::fs::create_dir(&dir).unwrap();
    std::fs::create_dir(dir.join("subdir")).unwrap();
    let mut originals = Vec::new();
    for i in 1..=12 {
        let name = format!("key-{i:02}.bin");
        std::fs::write(dir.join(&name), item_blob(i)).unwrap();
        originals.push((name, item_blob(i)));
    }
    let args = batch_args(
        &server,
        &["--input-dir", dir.to_str().unwrap(), "--concurrency", "4"],
    );
    let out = run(&args);
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(summary_counts(&stderr(&out)), (12, 0, 0));
    for (name, blob) in &originals {
        assert_eq!(
            std::fs::read(dir.join(name)).unwrap(),
            transform(blob),
            "{name}"
        );
    }
    // No temporary file left, the subdirectory untouched, the journal beside the directory.
    let mut expected_names: Vec<String> = originals.iter().map(|(n, _)| n.clone()).collect();
    expected_names.push("subdir".into());
    expected_names.sort();
    assert_eq!(dir_files(&dir), expected_names);
    assert!(root.join("secrets.journal").exists());

    // Again: nothing is sent, nothing changes.
    let out = run(&args);
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(summary_counts(&stderr(&out)), (0, 0, 12));
    assert_eq!(server.arrivals().len(), 12);

    // A file whose rewrite was lost (its old content is back) and a leftover temporary file
    // from a killed run: the file is done again, the temporary file removed.
    std::fs::write(dir.join("key-05.bin"), item_blob(5)).unwrap();
    std::fs::write(dir.join(".key-05.bin.kms-lite-999999.tmp"), b"partial").unwrap();
    let out = run(&args);
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(summary_counts(&stderr(&out)), (1, 0, 11));
    assert_eq!(
        std::fs::read(dir.join("key-05.bin")).unwrap(),
        transform(&item_blob(5))
    );
    assert_eq!(dir_files(&dir), expected_names);
}

#[test]
fn directory_failures_name_the_file_and_leave_it_alone() {
    let server = Server::start(|req| match blob_of(req)[0] {
        0xA1 => Reply::error(400, "IncorrectKeyException", "wrong key"),
        _ => reversing(req),
    });
    let dir = tempdir("dirfail");
    std::fs::write(dir.join("a"), [1u8, 2, 3]).unwrap();
    std::fs::write(dir.join("b"), [0xA1u8, 2]).unwrap();
    std::fs::write(dir.join("c"), [4u8, 5]).unwrap();
    let journal = std::env::temp_dir().join(format!(
        "kms-lite-batch-{}-dirfail.journal",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&journal);
    let out = run(&batch_args(
        &server,
        &[
            "--input-dir",
            dir.to_str().unwrap(),
            "--journal",
            journal.to_str().unwrap(),
        ],
    ));
    assert_eq!(code(&out), 254, "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains("item 2: (b) An error occurred (IncorrectKeyException) when calling the ReEncrypt operation: wrong key"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(dir.join("a")).unwrap(), vec![3, 2, 1]);
    assert_eq!(std::fs::read(dir.join("b")).unwrap(), vec![0xA1, 2]);
    assert_eq!(std::fs::read(dir.join("c")).unwrap(), vec![5, 4]);
    let _ = std::fs::remove_file(&journal);
}

#[test]
fn the_rate_cap_holds_throughput_down() {
    let server = Server::start(reversing);
    let input = lines(20).join("\n");
    let t0 = Instant::now();
    let out = run_with(
        &batch_args(
            &server,
            &["--input", "-", "--rate", "10", "--concurrency", "8"],
        ),
        BASE_ENV,
        input.as_bytes(),
    );
    let elapsed = t0.elapsed();
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    // 20 requests at 10/s: the last starts 1.9 s after the first. Only a lower bound is
    // asserted (a busy machine may be slower, never faster).
    assert!(elapsed >= Duration::from_millis(1800), "{elapsed:?}");
    let arrivals = server.arrivals();
    let span = arrivals.last().unwrap().at - arrivals[0].at;
    assert!(span >= Duration::from_millis(1800), "{span:?}");
}

#[test]
fn a_journal_from_other_options_is_refused() {
    let server = Server::start(reversing);
    let dir = tempdir("mismatch");
    let in_path = dir.join("in.txt");
    std::fs::write(&in_path, lines(3).join("\n")).unwrap();
    let out_path = dir.join("out.txt");
    let base = in_out(&in_path, &out_path);
    let out = run(&batch_args(&server, &base));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    // Another destination key.
    let mut args = vec![
        "re-encrypt-batch",
        "--endpoint-url",
        server.url.as_str(),
        "--destination-key-id",
        "alias/other",
    ];
    args.extend_from_slice(&base);
    let out = run(&args);
    assert_eq!(code(&out), 255, "stderr: {}", stderr(&out));
    assert!(stderr(&out).contains("other options"), "{}", stderr(&out));
    // Other input lines.
    std::fs::write(&in_path, lines(4)[1..].join("\n")).unwrap();
    let out = run(&batch_args(&server, &base));
    assert_eq!(code(&out), 255, "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains("item 1: the input differs"),
        "{}",
        stderr(&out)
    );
    assert_eq!(server.arrivals().len(), 3);
}

#[test]
fn usage_errors() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["re-encrypt-batch", "--destination-key-id", "k"],
            "required: --input or --input-dir",
        ),
        (
            &[
                "re-encrypt-batch",
                "--destination-key-id",
                "k",
                "--input",
                "a",
                "--input-dir",
                "b",
            ],
            "not allowed with argument --input",
        ),
        (
            &[
                "re-encrypt-batch",
                "--destination-key-id",
                "k",
                "--input-dir",
                "d",
                "--output-file",
                "o",
            ],
            "rewritten in place",
        ),
        (
            &[
                "re-encrypt-batch",
                "--destination-key-id",
                "k",
                "--input",
                "-",
                "--shard",
                "0/3",
            ],
            "K/N",
        ),
        (
            &[
                "re-encrypt-batch",
                "--destination-key-id",
                "k",
                "--input",
                "-",
                "--shard",
                "4/3",
            ],
            "K/N",
        ),
        (
            &[
                "re-encrypt-batch",
                "--destination-key-id",
                "k",
                "--input",
                "-",
                "--concurrency",
                "0",
            ],
            "1 to 256",
        ),
        (
            &[
                "re-encrypt-batch",
                "--destination-key-id",
                "k",
                "--input",
                "-",
                "--concurrency",
                "257",
            ],
            "1 to 256",
        ),
        (
            &[
                "re-encrypt-batch",
                "--destination-key-id",
                "k",
                "--input",
                "-",
                "--rate",
                "0",
            ],
            "requests per second",
        ),
        (
            &[
                "re-encrypt-batch",
                "--destination-key-id",
                "k",
                "--input",
                "-",
                "--query",
                "KeyId",
            ],
            "--query: not supported by re-encrypt-batch",
        ),
        (
            &[
                "re-encrypt-batch",
                "--destination-key-id",
                "k",
                "--input",
                "-",
                "--ciphertext-blob",
                "AAAA",
            ],
            "not supported by re-encrypt-batch",
        ),
        (
            &["re-encrypt", "--destination-key-id", "k", "--shard", "1/2"],
            "--shard: not supported by re-encrypt",
        ),
    ];
    for (args, needle) in cases {
        let out = run(args);
        assert_eq!(code(&out), 252, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
    let out = run(&["re-encrypt-batch", "--help"]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).contains("--shard K/N"));
}

/// Throughput against a server adding 10 ms per call. Run by hand:
/// `cargo test --release --test cli_batch -- --ignored throughput --nocapture`
#[test]
#[ignore]
fn throughput() {
    let server = Server::start(|req| reversing(req).after(Duration::from_millis(10)));
    let dir = tempdir("throughput");
    for (concurrency, n) in [(1usize, 300usize), (8, 2000), (64, 4000)] {
        let input = lines(n);
        let in_path = dir.join("in.txt");
        std::fs::write(&in_path, input.join("\n")).unwrap();
        for journal in [true, false] {
            let out_path = dir.join(format!("out-{concurrency}-{journal}.txt"));
            let c = concurrency.to_string();
            let mut args = vec!["--input", in_path.to_str().unwrap(), "--concurrency", &c];
            if journal {
                args.extend(["--output-file", out_path.to_str().unwrap()]);
            }
            let t0 = Instant::now();
            let out = run(&batch_args(&server, &args));
            let secs = t0.elapsed().as_secs_f64();
            assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
            println!(
                "lines, concurrency {concurrency:>2}, {n} items, journal {journal:>5}: {:.0} items/s ({secs:.2} s)",
                n as f64 / secs
            );
        }
        // Directory mode: a journal record fsynced before every rename.
        let d = dir.join(format!("files-{concurrency}"));
        std::fs::create_dir_all(&d).unwrap();
        for i in 1..=n {
            std::fs::write(d.join(format!("{i:05}")), item_blob(i)).unwrap();
        }
        let c = concurrency.to_string();
        let t0 = Instant::now();
        let out = run(&batch_args(
            &server,
            &["--input-dir", d.to_str().unwrap(), "--concurrency", &c],
        ));
        let secs = t0.elapsed().as_secs_f64();
        assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
        println!(
            "dir,   concurrency {concurrency:>2}, {n} files: {:.0} items/s ({secs:.2} s)",
            n as f64 / secs
        );
    }
}
