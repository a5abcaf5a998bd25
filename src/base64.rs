//! The base64 codec; documented where it is public, in [`crate::base64`].

use std::fmt;

/// The RFC 4648 §4 alphabet.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The padding byte.
const PAD: u8 = b'=';

/// Marks a byte outside the alphabet in [`DECODE`]; its high bit is set, and
/// no valid symbol value (0..=63) has it, so one OR over a group of lookups
/// tells whether the whole group is valid.
const INVALID: u8 = 0xFF;

/// Two output characters for each 12-bit value: `(ALPHABET[hi] << 8) | ALPHABET[lo]`.
static PAIRS: [u16; 4096] = {
    let mut t = [0u16; 4096];
    let mut i = 0;
    while i < 4096 {
        t[i] = ((ALPHABET[i >> 6] as u16) << 8) | ALPHABET[i & 63] as u16;
        i += 1;
    }
    t
};

/// The 6-bit value of each byte, or [`INVALID`] (also for `=`).
static DECODE: [u8; 256] = {
    let mut t = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        t[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// Set in a [`QUADS`] entry for a byte outside the alphabet; above the 24
/// data bits, so one OR over the four lookups of a group carries it.
const QUAD_INVALID: u32 = 0xFF00_0000;

/// [`DECODE`] pre-shifted for each of the four positions in a group:
/// `QUADS[k][c]` is `value(c) << (18 - 6 * k)`, or [`QUAD_INVALID`].
static QUADS: [[u32; 256]; 4] = {
    let mut t = [[QUAD_INVALID; 256]; 4];
    let mut k = 0;
    while k < 4 {
        let mut i = 0;
        while i < 64 {
            t[k][ALPHABET[i] as usize] = (i as u32) << (18 - 6 * k);
            i += 1;
        }
        k += 1;
    }
    t
};

/// The 24 bits of a 4-character group, with bits of [`QUAD_INVALID`] set if
/// any of the four is not an alphabet symbol.
#[inline(always)]
fn quad(a: u8, b: u8, c: u8, d: u8) -> u32 {
    QUADS[0][a as usize] | QUADS[1][b as usize] | QUADS[2][c as usize] | QUADS[3][d as usize]
}

/// Why a base64 text was rejected.
///
/// `position` is the 0-based offset into the input of the first offending
/// byte; it is always smaller than the input's length. The [`Display`]
/// output shows the offset and, for [`DecodeErrorKind::InvalidByte`], that
/// single byte in hex — never any other part of the input.
///
/// [`Display`]: fmt::Display
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte offset in the input where the problem was found.
    pub position: usize,
    /// What is wrong there.
    pub kind: DecodeErrorKind,
}

/// The kinds of [`DecodeError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// A byte outside the alphabet and other than `=`; it carries that byte.
    InvalidByte(u8),
    /// Length not a multiple of four. The position is the start of the
    /// incomplete final group (reported only if every byte before the end is
    /// otherwise acceptable up to that group).
    InvalidLength,
    /// Padding in the wrong place or of the wrong length. The position is
    /// the first misplaced `=`, or, after a `=` in the third position of the
    /// final group, the symbol that stands where the second `=` must be
    /// (`AB=C` fails at offset 3; `A===` at offset 1).
    InvalidPadding,
    /// The last symbol before the padding carries bits that are not zero.
    /// The position is that symbol.
    TrailingBits,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.position;
        match self.kind {
            DecodeErrorKind::InvalidByte(b) => {
                write!(f, "invalid base64 character {b:#04x} at offset {at}")
            }
            DecodeErrorKind::InvalidLength => write!(
                f,
                "invalid base64 length: incomplete 4-character group at offset {at}"
            ),
            DecodeErrorKind::InvalidPadding => {
                write!(f, "invalid base64 padding at offset {at}")
            }
            DecodeErrorKind::TrailingBits => write!(
                f,
                "invalid base64: non-zero trailing bits in the symbol at offset {at}"
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

/// The length of the base64 text of `input_len` bytes: `4 * ceil(input_len / 3)`.
///
/// # Panics
///
/// If the result does not fit in `usize` (impossible for the length of a slice).
pub const fn encoded_len(input_len: usize) -> usize {
    let groups = input_len / 3 + (input_len % 3 != 0) as usize;
    match groups.checked_mul(4) {
        Some(n) => n,
        None => panic!("base64: encoded length overflows usize"),
    }
}

/// An upper bound on the number of bytes that a base64 text of `input_len`
/// bytes decodes to: `3 * ceil(input_len / 4)`. Exact for valid text without
/// padding; padding makes the real length one or two bytes shorter.
pub const fn decoded_len_estimate(input_len: usize) -> usize {
    (input_len / 4 + (input_len % 4 != 0) as usize) * 3
}

/// Appends the base64 text of `input` (standard alphabet, padded) to `out`.
///
/// Reserves the exact space needed up front.
pub fn encode_into(input: &[u8], out: &mut String) {
    let len = encoded_len(input.len());
    if out.is_empty() {
        // Write straight into the string's buffer; the UTF-8 check on the
        // resulting all-ASCII bytes is a fast word-at-a-time scan.
        let mut buf = if out.capacity() >= len {
            let mut buf = std::mem::take(out).into_bytes();
            buf.resize(len, 0);
            buf
        } else {
            // A fresh zeroed allocation is cheaper than growing and filling.
            vec![0u8; len]
        };
        encode_to_slice(input, &mut buf);
        *out = String::from_utf8(buf).expect("base64 output is ASCII");
    } else {
        // Do not re-validate what `out` already holds: encode through a
        // small stack buffer. 768 input bytes are 1024 output characters,
        // and a multiple of 3, so only the last block can need padding.
        out.reserve_exact(len);
        let mut buf = [0u8; 1024];
        for block in input.chunks(768) {
            let n = encoded_len(block.len());
            encode_to_slice(block, &mut buf[..n]);
            out.push_str(std::str::from_utf8(&buf[..n]).expect("base64 output is ASCII"));
        }
    }
}

/// The base64 text of `input` (standard alphabet, padded).
///
/// ```
/// use kms_lite::base64::encode;
///
/// assert_eq!(encode(b""), "");
/// assert_eq!(encode(b"f"), "Zg==");
/// assert_eq!(encode(b"fo"), "Zm8=");
/// assert_eq!(encode(b"foo"), "Zm9v");
/// assert_eq!(encode(&[0xfb, 0xff]), "+/8=");
/// ```
pub fn encode(input: &[u8]) -> String {
    let mut s = String::new();
    encode_into(input, &mut s);
    s
}

/// Four output characters (as a big-endian `u32`) for three input bytes.
#[inline(always)]
fn encode3(a: u8, b: u8, c: u8) -> u32 {
    let n = ((a as usize) << 16) | ((b as usize) << 8) | c as usize;
    ((PAIRS[n >> 12] as u32) << 16) | PAIRS[n & 0xFFF] as u32
}

/// Encodes `input` into `out`, which must be exactly `encoded_len(input.len())` long.
fn encode_to_slice(input: &[u8], out: &mut [u8]) {
    debug_assert_eq!(out.len(), encoded_len(input.len()));
    // 24 input bytes -> 32 characters per step, as four 6 -> 8 steps, each
    // two 12-bit pair lookups and one 8-byte store.
    let blocks = input.len() / 24;
    let (in_fast, in_rest) = input.split_at(blocks * 24);
    let (out_fast, out_rest) = out.split_at_mut(blocks * 32);
    for (i, o) in in_fast.chunks_exact(24).zip(out_fast.chunks_exact_mut(32)) {
        for k in 0..4 {
            let s = &i[k * 6..k * 6 + 6];
            let w = u64::from_be_bytes([s[0], s[1], s[2], s[3], s[4], s[5], 0, 0]);
            let v = ((PAIRS[(w >> 52) as usize] as u64) << 48)
                | ((PAIRS[((w >> 40) & 0xFFF) as usize] as u64) << 32)
                | ((PAIRS[((w >> 28) & 0xFFF) as usize] as u64) << 16)
                | PAIRS[((w >> 16) & 0xFFF) as usize] as u64;
            o[k * 8..k * 8 + 8].copy_from_slice(&v.to_be_bytes());
        }
    }
    let groups = in_rest.len() / 3;
    let (in3, in_tail) = in_rest.split_at(groups * 3);
    let (out4, o) = out_rest.split_at_mut(groups * 4);
    for (i, o) in in3.chunks_exact(3).zip(out4.chunks_exact_mut(4)) {
        o.copy_from_slice(&encode3(i[0], i[1], i[2]).to_be_bytes());
    }
    match *in_tail {
        [a] => {
            o[0] = ALPHABET[(a >> 2) as usize];
            o[1] = ALPHABET[((a & 0x03) << 4) as usize];
            o[2] = PAD;
            o[3] = PAD;
        }
        [a, b] => {
            o[0] = ALPHABET[(a >> 2) as usize];
            o[1] = ALPHABET[(((a & 0x03) << 4) | (b >> 4)) as usize];
            o[2] = ALPHABET[((b & 0x0F) << 2) as usize];
            o[3] = PAD;
        }
        _ => {}
    }
}

/// Strictly decodes standard, padded base64 text (see [`crate::base64`] for what is
/// rejected).
///
/// ```
/// use kms_lite::base64::{decode, DecodeErrorKind};
///
/// assert_eq!(decode(b"Zm9vYg==").unwrap(), b"foob");
/// assert_eq!(decode(b"").unwrap(), b"");
///
/// let err = decode(b"Zm9v-mFy").unwrap_err();
/// assert_eq!((err.position, err.kind), (4, DecodeErrorKind::InvalidByte(b'-')));
/// assert_eq!(err.to_string(), "invalid base64 character 0x2d at offset 4");
///
/// // Non-canonical: the unused low bits of `R` are not zero.
/// assert_eq!(decode(b"QR==").unwrap_err().kind, DecodeErrorKind::TrailingBits);
/// assert_eq!(decode(b"QQ==").unwrap(), b"A");
/// ```
pub fn decode(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::new();
    decode_into(input, &mut out)?;
    Ok(out)
}

/// Strictly decodes base64 text like [`decode`], appending the bytes to
/// `out`. On error `out` is left as it was.
///
/// ```
/// let mut buf = b"key:".to_vec();
/// kms_lite::__private::base64::decode_into(b"Zm9v", &mut buf).unwrap();
/// assert_eq!(buf, b"key:foo");
/// assert!(kms_lite::__private::base64::decode_into(b"Zm9", &mut buf).is_err());
/// assert_eq!(buf, b"key:foo");
/// ```
pub fn decode_into(input: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
    if input.is_empty() {
        return Ok(());
    }
    if input.len() % 4 != 0 {
        return Err(length_error(input));
    }
    let n = input.len();
    let pad = match (input[n - 2], input[n - 1]) {
        (PAD, PAD) => 2,
        (_, PAD) => 1,
        _ => 0,
    };
    let start = out.len();
    let len = n / 4 * 3 - pad;
    out.reserve_exact(len);
    out.resize(start + len, 0);
    let result = decode_to_slice(input, &mut out[start..]);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// The error for an input whose length is not a multiple of 4: the first
/// bad byte if there is one before the incomplete final group ends,
/// otherwise `InvalidLength` at the start of that group.
#[cold]
fn length_error(input: &[u8]) -> DecodeError {
    let whole = input.len() - input.len() % 4;
    if let Some(e) = find_invalid(&input[..whole], 0) {
        return e;
    }
    for (i, &b) in input.iter().enumerate().skip(whole) {
        if b != PAD && DECODE[b as usize] == INVALID {
            return DecodeError {
                position: i,
                kind: DecodeErrorKind::InvalidByte(b),
            };
        }
    }
    DecodeError {
        position: whole,
        kind: DecodeErrorKind::InvalidLength,
    }
}

/// The first byte of `chunk` that is not an alphabet symbol, as an error at
/// `base + index` (padding is misplaced anywhere this is used).
#[cold]
fn find_invalid(chunk: &[u8], base: usize) -> Option<DecodeError> {
    let i = chunk.iter().position(|&b| DECODE[b as usize] == INVALID)?;
    let b = chunk[i];
    Some(DecodeError {
        position: base + i,
        kind: if b == PAD {
            DecodeErrorKind::InvalidPadding
        } else {
            DecodeErrorKind::InvalidByte(b)
        },
    })
}

/// Like [`find_invalid`] for a chunk already known to hold a bad byte.
#[cold]
#[inline(never)]
fn chunk_error(chunk: &[u8], base: usize) -> DecodeError {
    find_invalid(chunk, base).expect("the chunk holds an invalid byte")
}

/// Decodes `input` (non-empty, length a multiple of 4) into `out`, which is
/// exactly as long as the padding in the last two bytes implies.
fn decode_to_slice(input: &[u8], out: &mut [u8]) -> Result<(), DecodeError> {
    let (body, last) = input.split_at(input.len() - 4);
    let (out_body, out_last) = out.split_at_mut(body.len() / 4 * 3);

    // 32 characters -> 24 bytes per step; validity is one OR over all 32
    // lookups, checked once per step (the output is discarded on error).
    let mut in_blocks = body.chunks_exact(32);
    let mut out_blocks = out_body.chunks_exact_mut(24);
    for (bi, (i, o)) in (&mut in_blocks).zip(&mut out_blocks).enumerate() {
        let mut bad = 0u32;
        for k in 0..4 {
            let s = &i[k * 8..k * 8 + 8];
            let hi = quad(s[0], s[1], s[2], s[3]);
            let lo = quad(s[4], s[5], s[6], s[7]);
            bad |= hi | lo;
            let w = ((hi as u64) << 40) | ((lo as u64) << 16);
            if k < 3 {
                // Overlapping 8-byte store: the next step overwrites the
                // two extra bytes.
                o[k * 6..k * 6 + 8].copy_from_slice(&w.to_be_bytes());
            } else {
                o[18..24].copy_from_slice(&w.to_be_bytes()[..6]);
            }
        }
        if bad & QUAD_INVALID != 0 {
            return Err(chunk_error(i, bi * 32));
        }
    }
    // The rest (under 32 characters) in 8 -> 6 steps, then at most one group.
    let tail_base = body.len() - in_blocks.remainder().len();
    let tail = in_blocks.remainder();
    let mut in8 = tail.chunks_exact(8);
    let mut out6 = out_blocks.into_remainder().chunks_exact_mut(6);
    let mut bad = 0u32;
    for (i, o) in (&mut in8).zip(&mut out6) {
        let hi = quad(i[0], i[1], i[2], i[3]);
        let lo = quad(i[4], i[5], i[6], i[7]);
        bad |= hi | lo;
        let w = ((hi as u64) << 40) | ((lo as u64) << 16);
        o.copy_from_slice(&w.to_be_bytes()[..6]);
    }
    if let ([a, b, c, d], o) = (in8.remainder(), out6.into_remainder()) {
        let w = quad(*a, *b, *c, *d);
        bad |= w;
        o.copy_from_slice(&w.to_be_bytes()[1..]);
    }
    if bad & QUAD_INVALID != 0 {
        return Err(chunk_error(tail, tail_base));
    }

    decode_last(last, body.len(), out_last)
}

/// Decodes the final group, the only place where padding may appear.
fn decode_last(q: &[u8], base: usize, out: &mut [u8]) -> Result<(), DecodeError> {
    let mut v = [0u8; 4];
    for i in 0..4 {
        let b = q[i];
        if b == PAD {
            // Padding may cover only the last one or two positions, and a
            // `=` in the third must be followed by another.
            let (position, kind) = match i {
                3 => break,
                2 if q[3] == PAD => break,
                2 => match DECODE[q[3] as usize] {
                    INVALID => (3, DecodeErrorKind::InvalidByte(q[3])),
                    _ => (3, DecodeErrorKind::InvalidPadding),
                },
                _ => (i, DecodeErrorKind::InvalidPadding),
            };
            return Err(DecodeError {
                position: base + position,
                kind,
            });
        }
        v[i] = DECODE[b as usize];
        if v[i] == INVALID {
            return Err(DecodeError {
                position: base + i,
                kind: DecodeErrorKind::InvalidByte(b),
            });
        }
    }
    let w = ((v[0] as u32) << 18) | ((v[1] as u32) << 12) | ((v[2] as u32) << 6) | v[3] as u32;
    let bytes = w.to_be_bytes();
    // `out.len()` is 3 - padding, as computed by the caller from the same bytes.
    let (used, unused_mask) = match out.len() {
        1 => (1, 0x0F),
        2 => (2, 0x03),
        _ => (3, 0x00),
    };
    if v[used] & unused_mask != 0 {
        return Err(DecodeError {
            position: base + used,
            kind: DecodeErrorKind::TrailingBits,
        });
    }
    out.copy_from_slice(&bytes[1..1 + used]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(input: &[u8]) -> (usize, DecodeErrorKind) {
        let e = decode(input).unwrap_err();
        (e.position, e.kind)
    }

    #[test]
    fn rfc4648_vectors() {
        let cases: [(&[u8], &str); 7] = [
            (b"", ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (b"fooba", "Zm9vYmE="),
            (b"foobar", "Zm9vYmFy"),
        ];
        for (raw, text) in cases {
            assert_eq!(encode(raw), text);
            assert_eq!(decode(text.as_bytes()).unwrap(), raw);
        }
    }

    #[test]
    fn lengths_and_appending() {
        for n in 0..100 {
            let data: Vec<u8> = (0..n as u8).collect();
            let e = encode(&data);
            assert_eq!(e.len(), encoded_len(n));
            assert!(decoded_len_estimate(e.len()) >= n);
            let mut s = String::from("x");
            encode_into(&data, &mut s);
            assert_eq!(&s[1..], e);
            let mut v = vec![7u8];
            decode_into(e.as_bytes(), &mut v).unwrap();
            assert_eq!(&v[1..], &data[..]);
        }
    }

    #[test]
    fn padding_rules() {
        assert_eq!(err(b"A==="), (1, DecodeErrorKind::InvalidPadding));
        assert_eq!(err(b"AB=C"), (3, DecodeErrorKind::InvalidPadding));
        assert_eq!(err(b"===="), (0, DecodeErrorKind::InvalidPadding));
        assert_eq!(err(b"QQ==QUJD"), (2, DecodeErrorKind::InvalidPadding));
        assert_eq!(err(b"QR=="), (1, DecodeErrorKind::TrailingBits));
        assert_eq!(err(b"QUJ="), (2, DecodeErrorKind::TrailingBits));
        assert_eq!(decode(b"QQ==").unwrap(), b"A");
        assert_eq!(err(b"QUJD-"), (4, DecodeErrorKind::InvalidByte(b'-')));
        assert_eq!(err(b"QUJDQ"), (4, DecodeErrorKind::InvalidLength));
    }

    #[test]
    fn display_shows_only_the_byte() {
        let e = decode(b"Zm9vYmFyZm9vYmFy-m9v").unwrap_err();
        assert_eq!(e.to_string(), "invalid base64 character 0x2d at offset 16");
    }
}
