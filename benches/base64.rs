//! Encode/decode throughput of `kms_lite::base64` at 64 B, 1 KiB and 6 KiB.
//!
//! Rows: `encode` (fresh `String`), `append` (`encode_into` a reused,
//! non-empty `String`), `decode` (fresh `Vec`).
//!
//! A plain `harness = false` program: each measurement runs for about
//! `TARGET` (an iteration count calibrated once per case), is repeated
//! `REPEATS` times, and the median is reported. MB/s counts the raw
//! (unencoded) bytes, so encode and decode figures are comparable.
//!
//! Run with `cargo bench --bench base64`; set `BENCH_MS` to change the
//! per-measurement time (default 200).

use std::hint::black_box;
use std::time::{Duration, Instant};

use kms_lite::base64;

const SIZES: [usize; 3] = [64, 1024, 6144];
const REPEATS: usize = 5;

/// Deterministic input bytes (splitmix64).
fn data(len: usize) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ len as u64;
    (0..len)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) as u8
        })
        .collect()
}

/// Median ns/op of `f` over `REPEATS` runs of about `target` each.
fn measure(target: Duration, mut f: impl FnMut()) -> f64 {
    // Calibrate: double the count until one batch takes >= 1/20 of the target.
    let mut iters = 1u64;
    loop {
        let t = Instant::now();
        for _ in 0..iters {
            f();
        }
        let el = t.elapsed();
        if el >= target / 20 {
            let per = el.as_secs_f64() / iters as f64;
            iters = ((target.as_secs_f64() / per) as u64).max(1);
            break;
        }
        iters *= 2;
    }
    let mut samples: Vec<f64> = (0..REPEATS)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iters {
                f();
            }
            t.elapsed().as_nanos() as f64 / iters as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[REPEATS / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; ignore arguments.
    let ms = std::env::var("BENCH_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200u64);
    let target = Duration::from_millis(ms);

    println!("kms_lite::base64, median of {REPEATS} runs of ~{ms} ms each");
    println!("{:<8} {:>7} {:>12} {:>10}", "op", "bytes", "ns/op", "MB/s");
    for &len in &SIZES {
        let raw = data(len);
        let text = base64::encode(&raw);
        assert_eq!(base64::decode(text.as_bytes()).unwrap(), raw);

        let enc = measure(target, || {
            black_box(base64::encode(black_box(&raw)));
        });
        // Appending to a non-empty, reused String (the JSON-body case).
        let mut body = String::with_capacity(64 + text.len());
        let app = measure(target, || {
            body.clear();
            body.push_str("{\"CiphertextBlob\":\"");
            base64::encode_into(black_box(&raw), &mut body);
            black_box(&body);
        });
        let dec = measure(target, || {
            black_box(base64::decode(black_box(text.as_bytes())).unwrap());
        });
        for (op, ns) in [("encode", enc), ("append", app), ("decode", dec)] {
            let mbs = len as f64 / ns * 1e3; // bytes/ns * 1000 = MB/s
            println!("{op:<8} {len:>7} {ns:>12.1} {mbs:>10.1}");
        }
    }
}
