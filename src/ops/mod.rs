//! One file per KMS operation: its request and response types, validation and error type.
//! Everything else (codec, signing, transport, retries) is shared through [`Operation`].

use crate::error::{Failure, ParameterError};

pub mod re_encrypt;
mod types;

pub use types::{DryRunModifierType, EncryptionAlgorithmSpec};

/// A KMS operation: what the shared call path needs to know about one request type.
pub(crate) trait Operation: sealed::Sealed {
    /// The operation's name, as in `X-Amz-Target: TrentService.<NAME>`.
    const NAME: &'static str;
    /// `TrentService.<NAME>`.
    const TARGET: &'static str;
    /// What a successful call returns.
    type Output;
    /// What a failed call returns.
    type Error: From<Failure>;

    /// Checks the service model's constraints before anything is sent.
    fn validate(&self) -> Result<(), ParameterError>;
    /// The JSON body.
    fn to_body(&self) -> Vec<u8>;
    /// Reads a success body.
    fn parse_output(body: &[u8]) -> Result<Self::Output, crate::error::TransportError>;
}

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// Checks a string's length in characters, as the model counts it.
pub(crate) fn check_len(
    member: &'static str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), ParameterError> {
    let n = value.chars().count();
    if n < min || n > max {
        return Err(ParameterError::new(
            member,
            format!("length {n} is outside {min}..={max}"),
        ));
    }
    Ok(())
}

/// Checks a blob's length in bytes.
pub(crate) fn check_blob(
    member: &'static str,
    value: &[u8],
    min: usize,
    max: usize,
) -> Result<(), ParameterError> {
    let n = value.len();
    if n < min || n > max {
        return Err(ParameterError::new(
            member,
            format!("length {n} bytes is outside {min}..={max}"),
        ));
    }
    Ok(())
}

/// Checks a grant token list: at most 10 tokens of 1..=8192 characters.
pub(crate) fn check_grant_tokens(tokens: &Option<Vec<String>>) -> Result<(), ParameterError> {
    let Some(tokens) = tokens else { return Ok(()) };
    if tokens.len() > 10 {
        return Err(ParameterError::new(
            "GrantTokens",
            format!("{} tokens given, at most 10 allowed", tokens.len()),
        ));
    }
    for (i, t) in tokens.iter().enumerate() {
        let n = t.chars().count();
        if n == 0 || n > 8192 {
            return Err(ParameterError::new(
                "GrantTokens",
                format!("token {} has length {n}, outside 1..=8192", i + 1),
            ));
        }
    }
    Ok(())
}
