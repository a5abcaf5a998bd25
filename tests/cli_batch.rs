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
    let mut child = Command::new(env!("CARGO_BIN_EXE_kms-lite-dev"))
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
fn throttled_past_the_clients_retries_an_item_goes_back_to_the_queue() {
    // AWS_MAX_ATTEMPTS=1: the client does not retry; the batch queues the item again.
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

// ------------------------------------------------------------------ hardening (#9 items 4-10)

/// Runs `cmd` (stdout and stderr piped) and waits at most `secs`: a hang kills it and fails.
fn output_within(mut cmd: Command, secs: u64) -> std::process::Output {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command starts");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output()));
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(out) => out.expect("the command runs"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("still running after {secs} s: killed");
        }
    }
}

/// The binary with exactly [`BASE_ENV`] and `args`, stdin closed.
fn kms_lite(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kms-lite-dev"));
    cmd.args(args)
        .env_clear()
        .envs(BASE_ENV.iter().copied())
        .stdin(Stdio::null());
    cmd
}

fn sh_available() -> bool {
    Command::new("sh").arg("-c").arg("true").status().is_ok()
}

#[test]
fn the_line_mode_temporary_output_is_never_opened_through_a_planted_link() {
    if !sh_available() {
        eprintln!("SKIPPED: needs sh");
        return;
    }
    let server = Server::start(reversing);
    let dir = tempdir("planted-temp");
    let in_path = dir.join("in.txt");
    let input = lines(3);
    std::fs::write(&in_path, input.join("\n")).unwrap();
    let victim = dir.join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    let out_path = dir.join("out.txt");
    // The shell plants the link at the name its own pid gives, then becomes kms-lite (same pid).
    let mut args = vec![
        "-c",
        "ln -s \"$VICTIM\" \"$DIR/.out.txt.kms-lite-$$.tmp\" && exec \"$BIN\" \"$@\"",
        "sh",
    ];
    args.extend(batch_args(&server, &in_out(&in_path, &out_path)));
    let mut cmd = Command::new("sh");
    cmd.args(&args)
        .env_clear()
        .envs(BASE_ENV.iter().copied())
        .env("VICTIM", &victim)
        .env("DIR", &dir)
        .env("BIN", env!("CARGO_BIN_EXE_kms-lite-dev"))
        .stdin(Stdio::null());
    let out = output_within(cmd, 60);
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert!(std::fs::symlink_metadata(&out_path).unwrap().is_file());
    let expected: String = input.iter().map(|l| expected_line(l) + "\n").collect();
    assert_eq!(std::fs::read_to_string(&out_path).unwrap(), expected);
}

#[test]
fn a_journal_is_never_truncated_or_written_unless_it_is_one() {
    let server = Server::start(reversing);
    let dir = tempdir("not-a-journal");
    let in_path = dir.join("in.txt");
    std::fs::write(&in_path, lines(3).join("\n") + "\n").unwrap();
    let out_path = dir.join("out.txt");
    let in_arg = in_path.to_str().unwrap();
    let out_arg = out_path.to_str().unwrap();
    let with_journal = |journal: &str| {
        run(&batch_args(
            &server,
            &[
                "--input",
                in_arg,
                "--output-file",
                out_arg,
                "--journal",
                journal,
            ],
        ))
    };

    // A file whose only line is not a journal record, and a longer text file.
    for content in [
        &b"hello\n"[..],
        b"a precious file\nwith lines\n",
        b"no newline",
    ] {
        let other = dir.join("other.txt");
        std::fs::write(&other, content).unwrap();
        let out = with_journal(other.to_str().unwrap());
        assert_eq!(code(&out), 255, "stderr: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!(
                "the journal {} does not start with a kms-lite journal header",
                other.display()
            )),
            "{}",
            stderr(&out)
        );
        assert_eq!(std::fs::read(&other).unwrap(), content);
    }

    // A symbolic link planted where the default journal goes.
    let victim = dir.join("victim");
    std::fs::write(&victim, b"precious\n").unwrap();
    std::os::unix::fs::symlink(&victim, dir.join("out.txt.journal")).unwrap();
    let out = run(&batch_args(&server, &in_out(&in_path, &out_path)));
    assert_eq!(code(&out), 255, "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains("is a symbolic link"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious\n");
    std::fs::remove_file(dir.join("out.txt.journal")).unwrap();

    // The journal may be neither the input nor the output.
    let input_before = std::fs::read(&in_path).unwrap();
    for (journal, what) in [(in_arg, "--input"), (out_arg, "--output-file")] {
        std::fs::write(&out_path, b"old output\n").unwrap();
        let out = with_journal(journal);
        assert_eq!(code(&out), 252, "stderr: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("is the {what} file")),
            "{}",
            stderr(&out)
        );
        assert_eq!(std::fs::read(&in_path).unwrap(), input_before);
        assert_eq!(std::fs::read(&out_path).unwrap(), b"old output\n");
    }
    // Nor may the output be the input: failed items would be lost from it.
    let out = run(&batch_args(
        &server,
        &["--input", in_arg, "--output-file", in_arg],
    ));
    assert_eq!(code(&out), 252, "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains("is the --input file"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&in_path).unwrap(), input_before);
    assert_eq!(server.arrivals().len(), 0);

    // An empty file is taken as a new journal.
    let empty = dir.join("empty.journal");
    std::fs::write(&empty, b"").unwrap();
    let out = with_journal(empty.to_str().unwrap());
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert!(
        std::fs::read_to_string(&empty)
            .unwrap()
            .starts_with("kms-lite-journal 1 lines 1/1 ")
    );
}

#[test]
fn a_pipe_or_a_fifo_as_input_is_read_once() {
    let server = Server::start(reversing);
    let dir = tempdir("pipes");
    let input = lines(5);
    let expected: String = input.iter().map(|l| expected_line(l) + "\n").collect();

    // `--input <(cmd)`: bash hands kms-lite /dev/fd/63, a pipe.
    if Command::new("bash").arg("-c").arg("true").status().is_ok() {
        let mut args = vec![
            "-c",
            "exec \"$BIN\" \"$@\" --input <(printf '%s\\n' $LINES)",
            "bash",
        ];
        args.extend(batch_args(&server, &[]));
        let mut cmd = Command::new("bash");
        cmd.args(&args)
            .env_clear()
            .envs(BASE_ENV.iter().copied())
            .env("BIN", env!("CARGO_BIN_EXE_kms-lite-dev"))
            .env("LINES", input.join(" "))
            .stdin(Stdio::null());
        let out = output_within(cmd, 60);
        assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
        assert_eq!(stdout(&out), expected);
        assert_eq!(summary_counts(&stderr(&out)), (5, 0, 0));
    } else {
        eprintln!("SKIPPED: the <(cmd) case needs bash");
    }

    // A named FIFO.
    let fifo = dir.join("fifo");
    if !Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        eprintln!("SKIPPED: mkfifo failed");
        return;
    }
    let writer = {
        let (fifo, text) = (fifo.clone(), input.join("\n") + "\n");
        std::thread::spawn(move || std::fs::write(&fifo, text))
    };
    let out = output_within(
        kms_lite(&batch_args(&server, &["--input", fifo.to_str().unwrap()])),
        60,
    );
    writer.join().unwrap().unwrap();
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), expected);
}

#[test]
fn an_overlong_line_is_one_failed_item_read_in_bounded_memory() {
    let server = Server::start(reversing);
    let dir = tempdir("long-line");
    let good = lines(2);
    let mut text = format!("{}\n", good[0]);
    text.push_str(&"A".repeat(20 << 20));
    text.push_str(&format!("\n{}\n#", good[1]));
    text.push_str(&"x".repeat(1 << 20));
    text.push('\n');
    let in_path = dir.join("in.txt");
    std::fs::write(&in_path, &text).unwrap();
    let out = output_within(
        kms_lite(&batch_args(
            &server,
            &["--input", in_path.to_str().unwrap()],
        )),
        120,
    );
    assert_eq!(code(&out), 252, "stderr: {}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.lines().any(|l| l
            == "item 2: the line is longer than 8192 characters, the base64 of the largest \
                ciphertext (6144 bytes)"),
        "{err}"
    );
    assert_eq!(summary_counts(&err), (2, 1, 0));
    assert_eq!(
        stdout(&out),
        format!(
            "{}\n\n{}\n\n",
            expected_line(&good[0]),
            expected_line(&good[1])
        )
    );
    assert_eq!(server.arrivals().len(), 2);
}

#[test]
fn dev_zero_as_input_ends_with_a_clear_error() {
    let server = Server::start(reversing);
    let out = output_within(
        kms_lite(&batch_args(&server, &["--input", "/dev/zero"])),
        120,
    );
    assert_eq!(code(&out), 255, "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains("line 1 of the input holds a NUL byte: it is not base64 text"),
        "{}",
        stderr(&out)
    );
    assert_eq!(server.arrivals().len(), 0);
}

#[test]
fn input_dir_dot_never_takes_its_own_journal_lock_or_temporary_files() {
    let server = Server::start(reversing);
    let root = tempdir("dot");
    let dir = root.join("files");
    std::fs::create_dir(&dir).unwrap();
    for i in 1..=3 {
        std::fs::write(dir.join(format!("f{i}")), item_blob(i)).unwrap();
    }
    let run_here = |extra: &[&str]| {
        let mut args = batch_args(&server, &["--input-dir", "."]);
        args.extend_from_slice(extra);
        let mut cmd = kms_lite(&args);
        cmd.current_dir(&dir);
        output_within(cmd, 60)
    };
    for round in 0..2 {
        let out = run_here(&[]);
        assert_eq!(code(&out), 0, "round {round}: {}", stderr(&out));
        let expected = if round == 0 { (3, 0, 0) } else { (0, 0, 3) };
        assert_eq!(summary_counts(&stderr(&out)), expected, "round {round}");
    }
    assert_eq!(server.arrivals().len(), 3);
    assert!(root.join("files.journal").exists());
    assert_eq!(dir_files(&dir), vec!["f1", "f2", "f3"]);

    // A journal named inside the directory is not an item either.
    let out = run_here(&["--journal", "inside.journal"]);
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let out = run_here(&["--journal", "inside.journal"]);
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(summary_counts(&stderr(&out)), (0, 0, 3));
    // The first run with the new journal re-encrypted the 3 files once more.
    assert_eq!(server.arrivals().len(), 6);
    assert_eq!(dir_files(&dir), vec!["f1", "f2", "f3", "inside.journal"]);
}

/// Starts a run that takes about `items` x 100 ms, and waits until its journal holds a record.
fn start_slow_run(args: &[&str], journal: &Path) -> std::process::Child {
    let child = kms_lite(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    wait_for_lines(journal, 2);
    child
}

#[test]
fn two_runs_on_one_journal_or_directory_refuse_and_a_stale_lock_does_not_block() {
    let slow = Server::start(|req| reversing(req).after(Duration::from_millis(100)));
    let root = tempdir("locks");
    let dir = root.join("d");
    std::fs::create_dir(&dir).unwrap();
    for i in 1..=30 {
        std::fs::write(dir.join(format!("f{i:02}")), item_blob(i)).unwrap();
    }
    let d = dir.to_str().unwrap();
    let journal = root.join("d.journal");
    let base = batch_args(&slow, &["--input-dir", d, "--concurrency", "1"]);
    let mut first = start_slow_run(&base, &journal);

    // The same command: refused while the first holds the journal.
    let out = output_within(kms_lite(&base), 60);
    assert_eq!(code(&out), 255, "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "is in use by another kms-lite run (pid {})",
            first.id()
        )),
        "{}",
        stderr(&out)
    );
    // Another journal, the same directory: refused too; an overlapping shard as well.
    let other_journal = root.join("other.journal");
    for extra in [
        &["--journal", other_journal.to_str().unwrap()][..],
        &["--shard", "2/3"],
    ] {
        let mut args = base.clone();
        args.extend_from_slice(extra);
        let out = output_within(kms_lite(&args), 60);
        assert_eq!(code(&out), 255, "{extra:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!(
                "the directory {d} is in use by another kms-lite run"
            )),
            "{}",
            stderr(&out)
        );
    }
    let status = first.wait().unwrap();
    assert!(status.success());
    assert_eq!(slow.arrivals().len(), 30, "each file re-encrypted once");
    for i in 1..=30 {
        let f = dir.join(format!("f{i:02}"));
        assert_eq!(std::fs::read(&f).unwrap(), transform(&item_blob(i)));
    }

    // Killed (SIGKILL) while holding its locks: the next run is not blocked.
    for i in 1..=30 {
        std::fs::write(dir.join(format!("f{i:02}")), item_blob(i)).unwrap();
    }
    std::fs::remove_file(&journal).unwrap();
    let mut victim = start_slow_run(&base, &journal);
    victim.kill().unwrap();
    let _ = victim.wait();
    let fast = Server::start(reversing);
    let out = output_within(
        kms_lite(&batch_args(
            &fast,
            &["--input-dir", d, "--concurrency", "4"],
        )),
        60,
    );
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let (done, failed, skipped) = summary_counts(&stderr(&out));
    assert_eq!((done + skipped, failed), (30, 0));
    let names = dir_files(&dir);
    assert_eq!(names.len(), 30, "no lock or temporary file left: {names:?}");
}

#[test]
fn two_line_mode_runs_on_one_journal_refuse() {
    let slow = Server::start(|req| reversing(req).after(Duration::from_millis(100)));
    let dir = tempdir("line-lock");
    let in_path = dir.join("in.txt");
    std::fs::write(&in_path, lines(20).join("\n")).unwrap();
    let out_path = dir.join("out.txt");
    let args = batch_args(&slow, &in_out(&in_path, &out_path));
    let mut first = start_slow_run(&args, &dir.join("out.txt.journal"));
    let out = output_within(kms_lite(&args), 60);
    assert_eq!(code(&out), 255, "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains("is in use by another kms-lite run"),
        "{}",
        stderr(&out)
    );
    assert!(first.wait().unwrap().success());
    assert_eq!(slow.arrivals().len(), 20);
}

#[test]
fn file_names_are_escaped_and_need_not_be_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let server = Server::start(|req| match blob_of(req)[0] {
        0xA1 => Reply::error(400, "IncorrectKeyException", "wrong key"),
        _ => reversing(req),
    });
    let dir = tempdir("names");
    let hostile = "a\x1b[31mred\nitem 9: fake\r";
    std::fs::write(dir.join(hostile), [0xA1u8, 1]).unwrap();
    let latin1 = std::ffi::OsStr::from_bytes(b"caf\xe9.bin");
    std::fs::write(dir.join(latin1), [7u8, 8, 9]).unwrap();
    let out = run(&batch_args(
        &server,
        &["--input-dir", dir.to_str().unwrap()],
    ));
    assert_eq!(code(&out), 254, "stderr: {}", stderr(&out));
    let err = stderr(&out);
    assert!(!err.contains('\x1b') && !err.contains('\r'), "{err:?}");
    assert!(
        err.contains(
            "item 1: (a\\u{1b}[31mred\\nitem 9: fake\\r) An error occurred \
             (IncorrectKeyException) when calling the ReEncrypt operation: wrong key\n"
        ),
        "{err}"
    );
    assert_eq!(std::fs::read(dir.join(latin1)).unwrap(), vec![9, 8, 7]);
}

// ------------------------------------------- retryable failures go back to the queue (#11)

/// `BASE_ENV` with the client making one attempt per call, so every retry is the batch's.
const ONE_ATTEMPT: &[(&str, &str)] = BASE_ENV;

/// The summary's counts after the items: requests, throttled requests, items retried later.
fn retry_counts(err: &str) -> (u64, u64, u64) {
    let line = err
        .lines()
        .find(|l| l.starts_with("re-encrypted "))
        .unwrap_or_else(|| panic!("no summary in {err:?}"));
    let number_after = |label: &str| -> u64 {
        let rest = &line[line
            .find(label)
            .unwrap_or_else(|| panic!("{label} in {line}"))
            + label.len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits
            .parse()
            .unwrap_or_else(|_| panic!("{label} in {line}"))
    };
    (
        number_after("; requests "),
        number_after(", throttled "),
        number_after(", retried later "),
    )
}

#[test]
fn retryable_failures_go_back_to_the_queue_and_succeed() {
    use common::loopback::Fault;
    // By the first byte of the ciphertext: how each item fails its first attempts.
    let attempts = Mutex::new(std::collections::HashMap::<Vec<u8>, u32>::new());
    let server = Server::start(move |req| {
        let blob = blob_of(req);
        let n = {
            let mut a = attempts.lock().unwrap();
            let n = a.entry(blob.clone()).or_insert(0);
            *n += 1;
            *n
        };
        match (blob[0], n) {
            (0xB1, 1 | 2) => Reply::error(400, "ThrottlingException", "Rate exceeded"),
            (0xB2, 1) => Reply::error(500, "KMSInternalException", "oops"),
            (0xB3, 1) => reversing(req).broken(Fault::HangUp),
            (0xB4, 1) => reversing(req).broken(Fault::Truncate),
            (0xB5, 1) => Reply::error(503, "ServiceUnavailable", ""),
            (0xB6, _) => Reply::error(400, "InvalidCiphertextException", ""),
            _ => reversing(req),
        }
    });
    let mut input = lines(12);
    for (i, first) in [0xB1u8, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6].iter().enumerate() {
        input[i * 2] = base64::encode(&[*first, i as u8, 0x55]);
    }
    let out = run_with(
        &batch_args(&server, &["--input", "-", "--concurrency", "4"]),
        ONE_ATTEMPT,
        input.join("\n").as_bytes(),
    );
    let err = stderr(&out);
    // Only the non-retryable InvalidCiphertextException fails (exit 254), at its first attempt.
    assert_eq!(code(&out), 254, "stderr: {err}");
    assert_eq!(
        err.lines()
            .filter(|l| l.starts_with("item "))
            .collect::<Vec<_>>(),
        vec![
            "item 11: An error occurred (InvalidCiphertextException) when calling the ReEncrypt operation: "
        ],
        "{err}"
    );
    assert_eq!(summary_counts(&err), (11, 1, 0));
    let got: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
    for (i, l) in input.iter().enumerate() {
        let want = if i == 10 {
            String::new()
        } else {
            expected_line(l)
        };
        assert_eq!(got[i], want, "line {}", i + 1);
    }
    // 12 first attempts, then 2 + 1 + 1 + 1 + 1 retries.
    assert_eq!(server.arrivals().len(), 12 + 6);
    assert_eq!(retry_counts(&err), (18, 2, 6));
}

#[test]
fn an_item_failing_transiently_every_time_fails_after_bounded_rounds() {
    let server = Server::start(|req| match blob_of(req)[0] {
        0xB2 => Reply::error(500, "KMSInternalException", "always"),
        _ => reversing(req),
    });
    // The item fails alone while the others, after it, are answered.
    let mut input = lines(30);
    input[1] = base64::encode(&[0xB2, 1]);
    let out = run_with(
        &batch_args(
            &server,
            &[
                "--input",
                "-",
                "--concurrency",
                "2",
                "--give-up-after",
                "60",
            ],
        ),
        ONE_ATTEMPT,
        input.join("\n").as_bytes(),
    );
    assert_eq!(code(&out), 254, "stderr: {}", stderr(&out));
    // Sent once per try; the failure line says how many.
    let sent_b2 = server.blobs().iter().filter(|b| **b == input[1]).count();
    assert!(sent_b2 >= 6, "{sent_b2}");
    assert!(
        stderr(&out).contains(&format!(
            "item 2: tried {sent_b2} times: An error occurred (KMSInternalException) when \
             calling the ReEncrypt operation: always\n"
        )),
        "{}",
        stderr(&out)
    );
    assert_eq!(summary_counts(&stderr(&out)), (29, 1, 0));
    // Sent back to the queue after every try but the last, which failed the item (the
    // summary counted that one too).
    assert_eq!(
        retry_counts(&stderr(&out)).2,
        sent_b2 as u64 - 1,
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_service_down_for_good_ends_the_run_and_a_rerun_resumes() {
    // Up for the first 5 requests, then 503 for ever.
    let count = Mutex::new(0u32);
    let flaky = Server::start(move |req| {
        let mut n = count.lock().unwrap();
        *n += 1;
        if *n <= 5 {
            reversing(req)
        } else {
            Reply::error(503, "ServiceUnavailable", "down")
        }
    });
    let dir = tempdir("give-up");
    let in_path = dir.join("in.txt");
    let input = lines(20);
    std::fs::write(&in_path, input.join("\n")).unwrap();
    let out_path = dir.join("out.txt");
    let mut args = batch_args(&flaky, &in_out(&in_path, &out_path));
    args.extend(["--concurrency", "1", "--give-up-after", "1"]);
    let out = output_within(kms_lite(&args), 120);
    assert_eq!(code(&out), 255, "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "kms-lite: error: giving up: the service has answered no call for 1 s \
             (--give-up-after); the last error: An error occurred (ServiceUnavailable) when \
             calling the ReEncrypt operation: down. Run the same command again to resume."
        ),
        "{}",
        stderr(&out)
    );
    assert!(!out_path.exists(), "no partial output");
    assert_eq!(summary_counts(&stderr(&out)), (5, 0, 0));

    // The service is back: the rerun sends only the other 15.
    let healthy = Server::start(reversing);
    let out = run(&batch_args(&healthy, &in_out(&in_path, &out_path)));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(summary_counts(&stderr(&out)), (15, 0, 5));
    assert_eq!(healthy.arrivals().len(), 15);
    let expected: String = input.iter().map(|l| expected_line(l) + "\n").collect();
    assert_eq!(std::fs::read_to_string(&out_path).unwrap(), expected);
}

// ------------------------------------------------------------ --shard from the environment

#[test]
fn the_shard_index_can_come_from_the_environment() {
    let server = Server::start(reversing);
    let dir = tempdir("shard-env");
    let in_path = dir.join("in.txt");
    let input = lines(9);
    std::fs::write(&in_path, input.join("\n")).unwrap();
    for (var, index) in [
        ("JOB_COMPLETION_INDEX", "1"),
        ("AWS_BATCH_JOB_ARRAY_INDEX", "1"),
    ] {
        let shard = format!("env:{var}/3");
        let mut env = BASE_ENV.to_vec();
        env.push((var, index));
        let out_path = dir.join(format!("{var}.out"));
        let out = run_env(
            &batch_args(
                &server,
                &[
                    "--input",
                    in_path.to_str().unwrap(),
                    "--output-file",
                    out_path.to_str().unwrap(),
                    "--shard",
                    &shard,
                ],
            ),
            &env,
        );
        assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
        // Index 1 (counted from 0) is shard 2/3: items 2, 5, 8.
        let got: Vec<String> = std::fs::read_to_string(&out_path)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        for (i, l) in input.iter().enumerate() {
            let want = if i % 3 == 1 {
                expected_line(l)
            } else {
                String::new()
            };
            assert_eq!(got[i], want, "{var} line {}", i + 1);
        }
        let header = std::fs::read_to_string(dir.join(format!("{var}.out.journal"))).unwrap();
        assert!(
            header.starts_with("kms-lite-journal 1 lines 2/3 "),
            "{header}"
        );
    }
    assert_eq!(server.arrivals().len(), 6);

    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: &[Case<'_>] = &[
        (
            &[],
            "env:JOB_COMPLETION_INDEX/8",
            "JOB_COMPLETION_INDEX is not set",
        ),
        (
            &[("JOB_COMPLETION_INDEX", "8")],
            "env:JOB_COMPLETION_INDEX/8",
            "JOB_COMPLETION_INDEX is 8, not an index from 0 to 7",
        ),
        (
            &[("JOB_COMPLETION_INDEX", "-1")],
            "env:JOB_COMPLETION_INDEX/8",
            "JOB_COMPLETION_INDEX is -1, not an index from 0 to 7",
        ),
        (&[], "env:/8", "expected K/N with 1 <= K <= N"),
        (&[], "env:X/0", "expected K/N with 1 <= K <= N"),
    ];
    for (extra_env, shard, message) in cases {
        let mut env = BASE_ENV.to_vec();
        env.extend_from_slice(extra_env);
        let out = run_env(
            &batch_args(&server, &["--input", "-", "--shard", shard]),
            &env,
        );
        assert_eq!(code(&out), 252, "{shard}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{shard}: {}", stderr(&out));
    }
}

#[test]
fn a_fatal_error_ends_the_run_while_its_input_pipe_stays_open() {
    let dir = tempdir("open-pipe");
    let fifo = dir.join("fifo");
    if !Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        eprintln!("SKIPPED: mkfifo failed");
        return;
    }
    // One line, then the writer keeps the pipe open (far longer than the bound below).
    {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().write(true).open(&fifo)?;
            std::io::Write::write_all(&mut f, format!("{}\n", lines(1)[0]).as_bytes())?;
            std::thread::sleep(Duration::from_secs(300));
            std::io::Result::Ok(())
        });
    }
    let server = Server::start(reversing);
    // No credentials at all: the first item ends the run (253).
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kms-lite-dev"));
    cmd.args(batch_args(&server, &["--input", fifo.to_str().unwrap()]))
        .env_clear()
        .envs([
            ("AWS_REGION", "us-east-1"),
            common::NO_IMDS,
            ("AWS_CONFIG_FILE", "/dev/null"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
        ])
        .stdin(Stdio::null());
    let out = output_within(cmd, 60);
    assert_eq!(code(&out), 253, "stderr: {}", stderr(&out));
    assert!(
        stderr(&out).contains("kms-lite: error: Unable to locate credentials"),
        "{}",
        stderr(&out)
    );
    assert_eq!(server.arrivals().len(), 0);
}

#[test]
fn rewritten_files_and_the_output_keep_their_mode_and_owner() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let root_user = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout == b"0\n");
    let server = Server::start(reversing);
    let dir = tempdir("keep-mode");
    let files = dir.join("files");
    std::fs::create_dir(&files).unwrap();
    let key = files.join("key.bin");
    std::fs::write(&key, item_blob(1)).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).unwrap();
    if root_user {
        std::os::unix::fs::chown(&key, Some(4321), Some(4322)).unwrap();
    }
    let out = run(&batch_args(
        &server,
        &["--input-dir", files.to_str().unwrap()],
    ));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let m = std::fs::metadata(&key).unwrap();
    assert_eq!(std::fs::read(&key).unwrap(), transform(&item_blob(1)));
    assert_eq!(m.mode() & 0o7777, 0o640, "the mode was dropped");
    if root_user {
        assert_eq!((m.uid(), m.gid()), (4321, 4322), "the owner was dropped");
    }

    let in_path = dir.join("in.txt");
    std::fs::write(&in_path, lines(2).join("\n")).unwrap();
    let out_path = dir.join("out.txt");
    std::fs::write(&out_path, b"old\n").unwrap();
    std::fs::set_permissions(&out_path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = run(&batch_args(&server, &in_out(&in_path, &out_path)));
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    let m = std::fs::metadata(&out_path).unwrap();
    assert_eq!(m.mode() & 0o7777, 0o600, "the output's mode was dropped");
}

// ------------------------------------------------- the batch adapts by default (#11 item 2)

/// `BASE_ENV` without `AWS_MAX_ATTEMPTS`, plus `extra`.
fn env_with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    BASE_ENV
        .iter()
        .copied()
        .filter(|(k, _)| *k != "AWS_MAX_ATTEMPTS")
        .chain(extra.iter().copied())
        .collect()
}

/// The `--debug` config line's retry settings: `max attempts N; retry mode MODE`.
fn retry_settings(err: &str) -> &str {
    let line = err
        .lines()
        .find(|l| l.starts_with("kms-lite debug: config: "))
        .unwrap_or_else(|| panic!("no config line in {err}"));
    let from = line.find("max attempts ").expect("max attempts");
    let to = line.find("; CA bundle").expect("CA bundle");
    &line[from..to]
}

#[test]
fn the_batch_adapts_by_default_and_a_configured_retry_mode_wins() {
    let server = Server::start(reversing);
    let dir = tempdir("retry-mode");
    let config = dir.join("config");
    std::fs::write(&config, "[default]\nretry_mode = legacy\n").unwrap();
    let config = config.to_str().unwrap().to_owned();
    let config: &'static str = Box::leak(config.into_boxed_str());
    for (env, want) in [
        // Nothing configured: adaptive, and the SDKs' 3 attempts (requeue does the rest).
        (env_with(&[]), "max attempts 3; retry mode Adaptive"),
        (
            env_with(&[("AWS_RETRY_MODE", "standard")]),
            "max attempts 3; retry mode Standard",
        ),
        (
            env_with(&[("AWS_CONFIG_FILE", config), ("AWS_MAX_ATTEMPTS", "5")]),
            "max attempts 5; retry mode Legacy",
        ),
    ] {
        let out = run_with(
            &batch_args(&server, &["--input", "-", "--debug"]),
            &env,
            lines(2).join("\n").as_bytes(),
        );
        assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
        assert_eq!(retry_settings(&stderr(&out)), want, "{env:?}");
    }
    // A single call keeps the SDKs' default, standard.
    let out = run_with(
        &[
            "re-encrypt",
            "--endpoint-url",
            &server.url,
            "--destination-key-id",
            "alias/new",
            "--ciphertext-blob",
            &lines(1)[0],
            "--debug",
        ],
        &env_with(&[]),
        b"",
    );
    assert_eq!(code(&out), 0, "stderr: {}", stderr(&out));
    assert_eq!(
        retry_settings(&stderr(&out)),
        "max attempts 3; retry mode Standard"
    );
}

#[test]
fn every_throttled_request_is_counted_including_the_clients_own_retries() {
    // Each item's first attempt is throttled and the client's second attempt succeeds: no
    // call ends throttled, yet half the requests were.
    for (extra, rate, adaptive) in [
        (&[][..], None, true),
        (&[][..], Some("200"), true),
        (&[("AWS_RETRY_MODE", "standard")][..], None, false),
    ] {
        let server = storm();
        let input = lines(12).join("\n");
        let mut args = batch_args(&server, &["--input", "-", "--concurrency", "8"]);
        if let Some(r) = rate {
            args.extend(["--rate", r]);
        }
        let out = run_with(&args, &env_with(extra), input.as_bytes());
        let err = stderr(&out);
        assert_eq!(code(&out), 0, "stderr: {err}");
        let expected: String = input.lines().map(|l| expected_line(l) + "\n").collect();
        assert_eq!(stdout(&out), expected);
        assert_eq!(server.arrivals().len(), 24);
        assert_eq!(retry_counts(&err), (24, 12, 0), "{err}");
        assert!(
            err.contains(", throttled 12 (50.0%), retried later 0"),
            "{err}"
        );
        // Adaptive mode ends limiting (it was throttled); standard mode says it cannot adapt,
        // unless --rate caps it.
        assert_eq!(
            err.contains("; adaptive rate limit at the end "),
            adaptive,
            "{err}"
        );
        assert_eq!(
            err.contains("kms-lite: note: the retry mode is not adaptive"),
            !adaptive && rate.is_none(),
            "{err}"
        );
    }
}

#[test]
fn the_progress_line_shows_the_request_rate_and_the_throttled_requests() {
    // A slow service throttling each item's first attempt: the run lasts long enough for a
    // few redraws, and at least the first is always drawn.
    let seen = Mutex::new(HashSet::new());
    let server = Server::start(move |req| {
        if seen.lock().unwrap().insert(blob_of(req)) {
            Reply::error(400, "ThrottlingException", "Rate exceeded")
        } else {
            reversing(req).after(Duration::from_millis(20))
        }
    });
    let dir = tempdir("progress");
    let in_path = dir.join("in.txt");
    std::fs::write(&in_path, lines(12).join("\n")).unwrap();
    let out_path = dir.join("out.txt");
    let mut args = batch_args(&server, &in_out(&in_path, &out_path));
    args.extend(["--concurrency", "4", "--rate", "500"]);
    let Some((code, shown)) = common::run_in_terminal(&args, &env_with(&[])) else {
        return;
    };
    assert_eq!(code, 0, "{shown}");
    let drawn: Vec<&str> = shown
        .split("\r\x1b[K")
        .map(|s| s.trim_end_matches('\n'))
        .filter(|s| s.contains(" items/s, "))
        .filter(|s| !s.starts_with("re-encrypted "))
        .collect();
    assert!(!drawn.is_empty(), "{shown:?}");
    let mut last_throttled = 0;
    for line in &drawn {
        // `N/12 items, F failed, R items/s, Q req/s (cap 500/s), T throttled[, ETA]`, with
        // `adaptive limit L/s, ` before the cap once throttled.
        let (head, tail) = line.split_once(" req/s (").expect(line);
        assert!(head.contains("/12 items, 0 failed, "), "{line}");
        let (limits, rest) = tail.split_once("), ").expect(line);
        assert!(
            limits == "cap 500/s"
                || (limits.starts_with("adaptive limit ") && limits.ends_with("/s, cap 500/s")),
            "{line}"
        );
        let throttled: u64 = rest
            .split_once(" throttled")
            .expect(line)
            .0
            .parse()
            .expect(line);
        assert!(throttled >= last_throttled && throttled <= 12, "{line}");
        last_throttled = throttled;
    }
    let summary = shown
        .lines()
        .find(|l| l.contains("re-encrypted "))
        .expect("a summary");
    assert!(summary.contains("; requests 24 ("), "{summary}");
    assert!(
        summary.contains("/s), throttled 12 (50.0%), retried later 0"),
        "{summary}"
    );
}
