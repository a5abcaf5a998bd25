//! Property and rule tests for `kms_lite::base64`.
//!
//! Deterministic: every random case comes from a splitmix64 generator with a
//! fixed seed, printed in the assertion messages so a failure can be replayed.

use kms_lite::__private::base64::{
    DecodeError, DecodeErrorKind, decode, decode_into, decoded_len_estimate, encode, encode_into,
    encoded_len,
};

const SEED: u64 = 0x6B6D_735F_6C69_7465; // "kms_lite"

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// splitmix64: small, seedable, good enough for test data.
struct Rng(u64);

impl Rng {
    fn new(stream: u64) -> Self {
        Rng(SEED ^ stream.wrapping_mul(0xD6E8_FEB8_6659_FD93))
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64() as u8).collect()
    }
}

/// A bit-at-a-time encoder, independent of the one under test.
fn reference_encode(data: &[u8]) -> String {
    let mut out = String::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for &b in data {
        acc = (acc << 8) | b as u32;
        bits += 8;
        while bits >= 6 {
            bits -= 6;
            out.push(ALPHABET[((acc >> bits) & 63) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((acc << (6 - bits)) & 63) as usize] as char);
    }
    while out.len() % 4 != 0 {
        out.push('=');
    }
    out
}

fn value(b: u8) -> Option<u8> {
    ALPHABET.iter().position(|&a| a == b).map(|v| v as u8)
}

/// The documented rules, written as a plain left-to-right scan: the
/// expected outcome of `decode` for any input.
fn reference_decode(input: &[u8]) -> Result<Vec<u8>, (usize, DecodeErrorKind)> {
    let n = input.len();
    let whole = n - n % 4;
    for (i, &b) in input.iter().enumerate() {
        if i >= whole {
            // Inside an incomplete final group: only foreign bytes are named.
            if b != b'=' && value(b).is_none() {
                return Err((i, DecodeErrorKind::InvalidByte(b)));
            }
        } else if b == b'=' {
            // Allowed only in the last two positions; a `=` in the
            // next-to-last position needs a `=` after it, and the byte that
            // stands there instead is named.
            if n % 4 == 0 && i + 1 == n {
                continue;
            }
            if n % 4 == 0 && i + 2 == n {
                match input[n - 1] {
                    b'=' => continue,
                    x if value(x).is_some() => {
                        return Err((n - 1, DecodeErrorKind::InvalidPadding));
                    }
                    x => return Err((n - 1, DecodeErrorKind::InvalidByte(x))),
                }
            }
            return Err((i, DecodeErrorKind::InvalidPadding));
        } else if value(b).is_none() {
            return Err((i, DecodeErrorKind::InvalidByte(b)));
        }
    }
    if n % 4 != 0 {
        return Err((whole, DecodeErrorKind::InvalidLength));
    }
    let pad = input.iter().rev().take_while(|&&b| b == b'=').count();
    if pad == 2 && value(input[n - 3]).unwrap() & 0x0F != 0 {
        return Err((n - 3, DecodeErrorKind::TrailingBits));
    }
    if pad == 1 && value(input[n - 2]).unwrap() & 0x03 != 0 {
        return Err((n - 2, DecodeErrorKind::TrailingBits));
    }
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for &b in &input[..n - pad] {
        acc = (acc << 6) | value(b).unwrap() as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Ok(out)
}

fn err_of(input: &[u8]) -> (usize, DecodeErrorKind) {
    match decode(input) {
        Ok(v) => panic!("expected an error, decoded {} bytes", v.len()),
        Err(DecodeError { position, kind }) => (position, kind),
    }
}

/// Round trip plus cross-checks against the reference and the append APIs.
fn check_round_trip(data: &[u8], case: &str) {
    let text = encode(data);
    assert_eq!(text, reference_encode(data), "encode mismatch, {case}");
    assert_eq!(text.len(), encoded_len(data.len()), "{case}");
    assert!(decoded_len_estimate(text.len()) >= data.len(), "{case}");
    assert!(decoded_len_estimate(text.len()) < data.len() + 3, "{case}");
    assert_eq!(
        decode(text.as_bytes()).as_deref(),
        Ok(data),
        "round trip, {case}"
    );

    let mut s = String::from("prefix é ");
    encode_into(data, &mut s);
    assert_eq!(s.strip_prefix("prefix é "), Some(text.as_str()), "{case}");

    let mut v = b"head".to_vec();
    decode_into(text.as_bytes(), &mut v).unwrap();
    assert_eq!(&v[..4], b"head", "{case}");
    assert_eq!(&v[4..], data, "{case}");
}

#[test]
fn base64_rfc4648_section10_vectors() {
    let cases: [(&str, &str); 7] = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];
    for (raw, text) in cases {
        assert_eq!(encode(raw.as_bytes()), text);
        assert_eq!(decode(text.as_bytes()).unwrap(), raw.as_bytes());
        let mut s = String::new();
        encode_into(raw.as_bytes(), &mut s);
        assert_eq!(s, text);
    }
}

#[test]
fn base64_whole_alphabet_and_edge_bytes() {
    // All 64 symbols, in order.
    let text = ALPHABET;
    let data = decode(text).unwrap();
    assert_eq!(encode(&data).as_bytes(), &text[..]);
    assert_eq!(encode(&[0xFF; 3]), "////");
    assert_eq!(encode(&[0xFB, 0xEF, 0xBE]), "++++");
    assert_eq!(encode(&[0; 4]), "AAAAAA==");
    assert_eq!(decode(b"QQ==").unwrap(), b"A");
    assert_eq!(decode(b"QUI=").unwrap(), b"AB");
}

#[test]
fn base64_round_trip_every_short_length() {
    let mut rng = Rng::new(1);
    for len in 0..=64 {
        for rep in 0..32 {
            let data = rng.bytes(len);
            check_round_trip(
                &data,
                &format!("seed {SEED:#x} stream 1, len {len} rep {rep}"),
            );
        }
    }
}

#[test]
fn base64_round_trip_random_lengths() {
    let mut rng = Rng::new(2);
    for case in 0..1500 {
        let len = rng.below(10_001);
        let data = rng.bytes(len);
        check_round_trip(
            &data,
            &format!("seed {SEED:#x} stream 2, case {case} len {len}"),
        );
    }
}

#[test]
fn base64_every_single_byte_corruption() {
    // All 256 values at every position of encodings of 0..=40 bytes (covers
    // every position in a 32-character decode block, the 4-character tail
    // and the final group), and a random sample for a few longer ones.
    let mut rng = Rng::new(3);
    let mut checked = 0usize;
    let mut lengths: Vec<usize> = (0..=40).collect();
    lengths.extend([47, 48, 49, 95, 96, 97, 200]);
    for len in lengths {
        let data = rng.bytes(len);
        let text = encode(&data).into_bytes();
        for pos in 0..text.len() {
            let values: Vec<u8> = if len <= 48 {
                (0..=255).collect()
            } else {
                (0..24)
                    .map(|_| rng.next_u64() as u8)
                    .chain([b'=', b'-'])
                    .collect()
            };
            for v in values {
                let mut bad = text.clone();
                bad[pos] = v;
                let case = format!("seed {SEED:#x} stream 3, len {len} pos {pos} byte {v:#04x}");
                match decode(&bad) {
                    Ok(out) => {
                        assert_eq!(encode(&out).as_bytes(), &bad[..], "not canonical, {case}");
                        assert_eq!(reference_decode(&bad), Ok(out), "{case}");
                    }
                    Err(e) => {
                        assert!(e.position < bad.len(), "{case}");
                        assert_eq!(reference_decode(&bad), Err((e.position, e.kind)), "{case}");
                        if v != b'=' && value(v).is_none() {
                            // The original was valid: the new byte is the first bad one.
                            assert_eq!(
                                (e.position, e.kind),
                                (pos, DecodeErrorKind::InvalidByte(v)),
                                "{case}"
                            );
                        }
                        if v == b'=' && pos + 2 < bad.len() {
                            assert_eq!(
                                (e.position, e.kind),
                                (pos, DecodeErrorKind::InvalidPadding),
                                "{case}"
                            );
                        }
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 100_000, "{checked}");
}

#[test]
fn base64_random_garbage_matches_reference() {
    // Inputs drawn mostly from the alphabet with a sprinkling of `=` and
    // foreign bytes, at every length up to 80: the decoder agrees with the
    // reference on success, error position and error kind.
    let mut rng = Rng::new(4);
    for case in 0..20_000 {
        let len = rng.below(81);
        let input: Vec<u8> = (0..len)
            .map(|_| match rng.below(40) {
                0 => b'=',
                1 => rng.next_u64() as u8,
                _ => ALPHABET[rng.below(64)],
            })
            .collect();
        let got = decode(&input).map_err(|e| (e.position, e.kind));
        assert_eq!(
            got,
            reference_decode(&input),
            "seed {SEED:#x} stream 4, case {case}"
        );
    }
}

#[test]
fn base64_rejects_bytes_outside_the_alphabet() {
    for b in [
        b' ', b'\n', b'\r', b'\t', 0, b'-', b'_', b'.', b'*', 0x7F, 0x80, 0xC3, 0xFF,
    ] {
        for pos in 0..8 {
            let mut text = *b"Zm9vYmFy";
            text[pos] = b;
            assert_eq!(
                err_of(&text),
                (pos, DecodeErrorKind::InvalidByte(b)),
                "byte {b:#04x} at {pos}"
            );
        }
    }
    // Non-ASCII UTF-8 text: the first byte of the sequence is named.
    assert_eq!(
        err_of("Zm9vé===".as_bytes()),
        (4, DecodeErrorKind::InvalidByte(0xC3))
    );
    // Line-wrapped (MIME) input is not accepted.
    assert_eq!(
        err_of(b"Zm9v\nYmFy\n"),
        (4, DecodeErrorKind::InvalidByte(b'\n'))
    );
    // The URL-safe alphabet is not accepted.
    assert_eq!(err_of(b"-_8="), (0, DecodeErrorKind::InvalidByte(b'-')));
    assert_eq!(err_of(b"+_8="), (1, DecodeErrorKind::InvalidByte(b'_')));
    // After a `=` in the third position the foreign byte is still named.
    assert_eq!(err_of(b"Zm9vZm=-"), (7, DecodeErrorKind::InvalidByte(b'-')));
}

#[test]
fn base64_rejects_bad_lengths() {
    assert_eq!(err_of(b"Z"), (0, DecodeErrorKind::InvalidLength));
    assert_eq!(err_of(b"Zm"), (0, DecodeErrorKind::InvalidLength));
    assert_eq!(err_of(b"Zm9"), (0, DecodeErrorKind::InvalidLength));
    assert_eq!(err_of(b"Zm9vY"), (4, DecodeErrorKind::InvalidLength));
    assert_eq!(err_of(b"Zg="), (0, DecodeErrorKind::InvalidLength));
    assert_eq!(err_of(b"Zm9vYmFyZg"), (8, DecodeErrorKind::InvalidLength));
    assert_eq!(
        err_of(b"Zm9vYmFyZg==="),
        (10, DecodeErrorKind::InvalidPadding)
    );
    // Earlier problems are reported first.
    assert_eq!(err_of(b"Zm-vY"), (2, DecodeErrorKind::InvalidByte(b'-')));
    assert_eq!(err_of(b"Zm9vY-"), (5, DecodeErrorKind::InvalidByte(b'-')));
    assert_eq!(err_of(b"Zg==Zg"), (2, DecodeErrorKind::InvalidPadding));
}

#[test]
fn base64_rejects_misplaced_padding() {
    let cases: [(&[u8], usize); 13] = [
        (b"====", 0),
        (b"=AAA", 0),
        (b"A===", 1),
        (b"A=AA", 1),
        (b"A==A", 1),
        (b"AB=C", 3),
        (b"AA=A", 3),
        (b"Zg==Zm9v", 2),
        (b"Zm8=Zm9v", 3),
        (b"Zm9v=m9v", 4),
        (b"Zm9vZm9v====", 8),
        (b"Zm9vZm9vZ===", 9),
        (b"Zm9vZm9=Zm9v", 7),
    ];
    for (text, pos) in cases {
        assert_eq!(
            err_of(text),
            (pos, DecodeErrorKind::InvalidPadding),
            "{}",
            String::from_utf8_lossy(text)
        );
    }
}

#[test]
fn base64_rejects_non_zero_trailing_bits() {
    assert_eq!(decode(b"QQ==").unwrap(), b"A");
    assert_eq!(err_of(b"QR=="), (1, DecodeErrorKind::TrailingBits));
    assert_eq!(err_of(b"QUJ="), (2, DecodeErrorKind::TrailingBits));
    assert_eq!(decode(b"QUI=").unwrap(), b"AB");
    assert_eq!(err_of(b"Zm9vZh=="), (5, DecodeErrorKind::TrailingBits));
    assert_eq!(err_of(b"Zm9vZm9="), (6, DecodeErrorKind::TrailingBits));
    // Every symbol in the position before `==` / `=`: only those with the
    // unused bits clear are accepted.
    for (v, &sym) in ALPHABET.iter().enumerate() {
        let two = [b'Q', sym, b'=', b'='];
        let one = [b'Q', b'Q', sym, b'='];
        assert_eq!(decode(&two).is_ok(), v & 0x0F == 0, "{}", sym as char);
        assert_eq!(decode(&one).is_ok(), v & 0x03 == 0, "{}", sym as char);
        if v & 0x0F != 0 {
            assert_eq!(err_of(&two), (1, DecodeErrorKind::TrailingBits));
        }
        if v & 0x03 != 0 {
            assert_eq!(err_of(&one), (2, DecodeErrorKind::TrailingBits));
        }
    }
}

#[test]
fn base64_truncated_inputs() {
    let mut rng = Rng::new(5);
    for len in [1usize, 2, 3, 10, 31, 32, 33, 100, 1000] {
        let data = rng.bytes(len);
        let text = encode(&data).into_bytes();
        for cut in 0..text.len() {
            let t = &text[..cut];
            let case = format!("seed {SEED:#x} stream 5, len {len} cut {cut}");
            if cut % 4 != 0 {
                assert_eq!(
                    err_of(t),
                    (cut - cut % 4, DecodeErrorKind::InvalidLength),
                    "{case}"
                );
            } else {
                // A cut on a group boundary before the end is a valid
                // encoding of a prefix.
                assert_eq!(decode(t).unwrap(), &data[..cut / 4 * 3], "{case}");
            }
        }
    }
}

#[test]
fn base64_long_invalid_inputs_fail_at_the_first_bad_byte() {
    let mut rng = Rng::new(6);
    let good = encode(&rng.bytes(750_000)).into_bytes(); // 1,000,000 characters
    for case in 0..60 {
        let first = rng.below(good.len() - 4);
        let mut bad = good.clone();
        let b = [b' ', b'-', b'_', b'\n', 0x80, 0xFF, b'='][case % 7];
        bad[first] = b;
        // More damage after the first bad byte must not change the answer.
        for _ in 0..3 {
            let later = first + 1 + rng.below(good.len() - first - 1);
            bad[later] = b'*';
        }
        let kind = if b == b'=' {
            DecodeErrorKind::InvalidPadding
        } else {
            DecodeErrorKind::InvalidByte(b)
        };
        assert_eq!(
            err_of(&bad),
            (first, kind),
            "seed {SEED:#x} stream 6, case {case}"
        );
        let mut out = b"untouched".to_vec();
        assert!(decode_into(&bad, &mut out).is_err());
        assert_eq!(out, b"untouched", "decode_into must not append on error");
    }
    // Padding right in the middle of a long text, and a bad last byte.
    let mut bad = good.clone();
    bad[500_001] = b'=';
    assert_eq!(err_of(&bad), (500_001, DecodeErrorKind::InvalidPadding));
    let mut bad = good.clone();
    let last = bad.len() - 1;
    bad[last] = b'\n';
    assert_eq!(err_of(&bad), (last, DecodeErrorKind::InvalidByte(b'\n')));
}

#[test]
fn base64_empty_input() {
    assert_eq!(decode(b"").unwrap(), Vec::<u8>::new());
    assert_eq!(encode(b""), "");
    let mut s = String::from("x");
    encode_into(b"", &mut s);
    assert_eq!(s, "x");
    assert_eq!(encoded_len(0), 0);
    assert_eq!(decoded_len_estimate(0), 0);
}

#[test]
fn base64_display_and_error_trait() {
    let secret = b"c2VjcmV0LXBhc3N3b3Jk-2VjcmV0";
    let e = decode(secret).unwrap_err();
    let msg = e.to_string();
    assert_eq!(msg, "invalid base64 character 0x2d at offset 20");
    let as_error: &dyn std::error::Error = &e;
    assert!(as_error.source().is_none());

    let msgs = [
        (
            err_of(b"Zm9vY"),
            "invalid base64 length: incomplete 4-character group at offset 4",
        ),
        (err_of(b"A==="), "invalid base64 padding at offset 1"),
        (
            err_of(b"QR=="),
            "invalid base64: non-zero trailing bits in the symbol at offset 1",
        ),
    ];
    for ((position, kind), want) in msgs {
        assert_eq!(DecodeError { position, kind }.to_string(), want);
    }

    // Every message is a fixed template filled with the offset and, for a
    // foreign byte, that one byte in hex: nothing else of the input.
    let mut rng = Rng::new(7);
    for case in 0..2000 {
        let len = 1 + rng.below(60);
        let input: Vec<u8> = (0..len)
            .map(|_| match rng.below(10) {
                0 => rng.next_u64() as u8,
                _ => ALPHABET[rng.below(64)],
            })
            .collect();
        if let Err(e) = decode(&input) {
            let at = e.position;
            let want = match e.kind {
                DecodeErrorKind::InvalidByte(b) => {
                    assert_eq!(input[at], b);
                    format!("invalid base64 character 0x{b:02x} at offset {at}")
                }
                DecodeErrorKind::InvalidLength => {
                    format!("invalid base64 length: incomplete 4-character group at offset {at}")
                }
                DecodeErrorKind::InvalidPadding => {
                    format!("invalid base64 padding at offset {at}")
                }
                DecodeErrorKind::TrailingBits => {
                    format!("invalid base64: non-zero trailing bits in the symbol at offset {at}")
                }
                other => panic!("a kind this test does not know: {other:?}"),
            };
            assert_eq!(e.to_string(), want, "seed {SEED:#x} stream 7 case {case}");
        }
    }
}
