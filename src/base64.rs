//! Standard base64 (RFC 4648 §4) with padding and a strict decoder.
//! PLACEHOLDER: replaced by the base64 work.

/// Why a base64 text was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte offset in the input where the problem was found.
    pub position: usize,
    /// What is wrong there.
    pub kind: DecodeErrorKind,
}

/// The kinds of [`DecodeError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// A byte outside the alphabet.
    InvalidByte(u8),
    /// Length not a multiple of four.
    InvalidLength,
    /// Padding in the wrong place or of the wrong length.
    InvalidPadding,
    /// The last symbol carries bits that are not zero.
    TrailingBits,
}

/// Appends the base64 text of `input` to `out`.
pub fn encode_into(input: &[u8], out: &mut String) {
    let _ = (input, out);
    unimplemented!()
}

/// The base64 text of `input`.
pub fn encode(input: &[u8]) -> String {
    let mut s = String::new();
    encode_into(input, &mut s);
    s
}

/// Strictly decodes base64 text.
pub fn decode(input: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let _ = input;
    unimplemented!()
}
impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid base64 at offset {}", self.position)
    }
}
