//! [`SecretBytes`]: plaintext that must not leak into `Debug`, `Display`, logs or error text.

use std::fmt;

/// Secret bytes: a plaintext sent to Encrypt, or returned by Decrypt and GenerateDataKey.
///
/// - `Debug` prints only the length; there is no `Display` and no `Serialize`.
/// - The buffer is overwritten with zeros when the value is dropped (best effort, safe code:
///   copies made before it was wrapped, or by the caller through [`as_bytes`](Self::as_bytes),
///   are not reached).
/// - Read it through the explicit accessors [`as_bytes`](Self::as_bytes) and
///   [`into_vec`](Self::into_vec).
/// - Equality compares every byte whatever the first difference is (no early exit).
///
/// ```
/// use kms_lite::SecretBytes;
/// let secret = SecretBytes::from(b"hunter2".to_vec());
/// assert_eq!(format!("{secret:?}"), "SecretBytes(<redacted, 7 bytes>)");
/// assert_eq!(secret.as_bytes(), b"hunter2");
/// let bytes: Vec<u8> = secret.into_vec();
/// assert_eq!(bytes, b"hunter2");
/// ```
#[derive(Clone, Default)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Wraps these bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        SecretBytes(bytes)
    }

    /// The secret bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The buffer itself, for the call path that moves a request body in and out of it.
    pub(crate) fn as_mut_vec(&mut self) -> &mut Vec<u8> {
        &mut self.0
    }

    /// Takes the bytes out; from then on zeroing them is the caller's business.
    pub fn into_vec(mut self) -> Vec<u8> {
        std::mem::take(&mut self.0)
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(bytes: Vec<u8>) -> Self {
        SecretBytes(bytes)
    }
}

impl From<&[u8]> for SecretBytes {
    fn from(bytes: &[u8]) -> Self {
        SecretBytes(bytes.to_vec())
    }
}

impl<const N: usize> From<&[u8; N]> for SecretBytes {
    fn from(bytes: &[u8; N]) -> Self {
        SecretBytes(bytes.to_vec())
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes(<redacted, {} bytes>)", self.0.len())
    }
}

impl PartialEq for SecretBytes {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .zip(&other.0)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

impl Eq for SecretBytes {}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        // The initialised bytes are cleared; spare capacity is out of reach in safe code (and
        // these buffers are built at their final size).
        wipe(&mut self.0);
    }
}

/// Overwrites bytes that held a secret (best effort: the optimiser must not drop the writes).
pub(crate) fn wipe(bytes: &mut [u8]) {
    bytes.fill(0);
    std::hint::black_box(bytes);
}

/// A response serialized *with* its plaintext, in the AWS CLI's JSON shape (AWS member names,
/// blobs in base64, absent members omitted).
///
/// Responses that hold plaintext ([`DecryptResponse`](crate::DecryptResponse),
/// [`GenerateDataKeyResponse`](crate::GenerateDataKeyResponse)) do not implement `Serialize`
/// themselves, so that writing the plaintext out is always a visible choice:
///
/// ```
/// # fn demo(out: &kms_lite::DecryptResponse) -> serde_json::Result<String> {
/// serde_json::to_string(&out.with_plaintext())
/// # }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct WithPlaintext<'a, T>(pub(crate) &'a T);

impl<T> WithPlaintext<'_, T> {
    /// The response.
    pub fn response(&self) -> &T {
        self.0
    }
}

/// Serializes a borrowed blob as base64 (for hand-written `Serialize` impls).
pub(crate) struct Base64<'a>(pub(crate) &'a [u8]);

impl serde::Serialize for Base64<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::codec::ser_blob(self.0, s)
    }
}

/// Writes one member of a hand-written `Serialize` map, omitting it when absent.
pub(crate) fn entry<M: serde::ser::SerializeMap, V: serde::Serialize + ?Sized>(
    map: &mut M,
    key: &'static str,
    value: Option<&V>,
) -> Result<(), M::Error> {
    match value {
        Some(v) => map.serialize_entry(key, v),
        None => Ok(()),
    }
}

/// Serializes secret bytes as base64 (`serialize_with`): only for the request body sent to KMS
/// and for output the caller asked for explicitly.
pub(crate) fn ser_secret<S: serde::Serializer>(v: &SecretBytes, s: S) -> Result<S::Ok, S::Error> {
    crate::codec::ser_blob(v.as_bytes(), s)
}

/// Deserializes base64 into secret bytes (`deserialize_with`).
pub(crate) fn de_secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SecretBytes, D::Error> {
    match de_opt_secret(d)? {
        Some(v) => Ok(v),
        None => Err(serde::de::Error::custom(
            "a blob is required here, not null",
        )),
    }
}

/// Deserializes optional base64 into secret bytes; `null` is absent (`deserialize_with`).
pub(crate) fn de_opt_secret<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<SecretBytes>, D::Error> {
    crate::codec::de_opt_blob(d).map(|b| b.map(SecretBytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_only_the_length() {
        let s = SecretBytes::from(b"top secret");
        let d = format!("{s:?} {:?}", Some(&s));
        assert!(!d.contains("top"), "{d}");
        assert!(d.contains("10 bytes"));
    }

    #[test]
    fn equality_and_accessors() {
        let a = SecretBytes::from(b"abc");
        assert_eq!(a, SecretBytes::from(b"abc".to_vec()));
        assert_ne!(a, SecretBytes::from(b"abd"));
        assert_ne!(a, SecretBytes::from(b"ab"));
        assert_eq!(a.len(), 3);
        assert!(!a.is_empty());
        assert!(SecretBytes::default().is_empty());
        assert_eq!(a.clone().into_vec(), b"abc");
    }

    #[test]
    fn serde_round_trip_is_base64() {
        #[derive(serde::Serialize, serde::Deserialize)]
        struct W {
            #[serde(serialize_with = "ser_secret", deserialize_with = "de_secret")]
            p: SecretBytes,
        }
        let json = serde_json::to_string(&W {
            p: SecretBytes::from(b"hi"),
        })
        .unwrap();
        assert_eq!(json, r#"{"p":"aGk="}"#);
        let back: W = serde_json::from_str(&json).unwrap();
        assert_eq!(back.p.as_bytes(), b"hi");
        assert!(serde_json::from_str::<W>(r#"{"p":null}"#).is_err());
        assert!(serde_json::from_str::<W>(r#"{"p":"!!"}"#).is_err());
    }
}
