//! Enums shared by several operations. Unknown values from the service are kept, not rejected.

use std::fmt;

/// An encryption algorithm (`SYMMETRIC_DEFAULT`, `RSAES_OAEP_SHA_1`, `RSAES_OAEP_SHA_256`,
/// `SM2PKE`), or a value this version does not know yet.
///
/// ```
/// use kms_lite::EncryptionAlgorithmSpec;
/// assert_eq!(EncryptionAlgorithmSpec::from("RSAES_OAEP_SHA_256"), EncryptionAlgorithmSpec::RsaesOaepSha256);
/// let future = EncryptionAlgorithmSpec::from("ML_KEM_1024");
/// assert_eq!(future.as_str(), "ML_KEM_1024");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EncryptionAlgorithmSpec {
    /// `SYMMETRIC_DEFAULT`: AES-256-GCM inside KMS.
    SymmetricDefault,
    /// `RSAES_OAEP_SHA_1`.
    RsaesOaepSha1,
    /// `RSAES_OAEP_SHA_256`.
    RsaesOaepSha256,
    /// `SM2PKE` (China Regions only).
    Sm2pke,
    /// A value the service sent that this version does not know.
    Unknown(String),
}

impl EncryptionAlgorithmSpec {
    /// The values the model defines, in its order.
    pub const KNOWN: [&'static str; 4] = [
        "SYMMETRIC_DEFAULT",
        "RSAES_OAEP_SHA_1",
        "RSAES_OAEP_SHA_256",
        "SM2PKE",
    ];

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::SymmetricDefault => "SYMMETRIC_DEFAULT",
            Self::RsaesOaepSha1 => "RSAES_OAEP_SHA_1",
            Self::RsaesOaepSha256 => "RSAES_OAEP_SHA_256",
            Self::Sm2pke => "SM2PKE",
            Self::Unknown(s) => s,
        }
    }

    /// Whether this is one of the model's values (requests may only carry those).
    pub fn is_known(&self) -> bool {
        !matches!(self, Self::Unknown(_))
    }
}

impl From<&str> for EncryptionAlgorithmSpec {
    fn from(s: &str) -> Self {
        match s {
            "SYMMETRIC_DEFAULT" => Self::SymmetricDefault,
            "RSAES_OAEP_SHA_1" => Self::RsaesOaepSha1,
            "RSAES_OAEP_SHA_256" => Self::RsaesOaepSha256,
            "SM2PKE" => Self::Sm2pke,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for EncryptionAlgorithmSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for EncryptionAlgorithmSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for EncryptionAlgorithmSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: std::borrow::Cow<'de, str> = serde::Deserialize::deserialize(d)?;
        Ok(Self::from(&*s))
    }
}

/// A dry-run modifier (`IGNORE_CIPHERTEXT`), or a value this version does not know.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DryRunModifierType {
    /// `IGNORE_CIPHERTEXT`: check permissions without a ciphertext.
    IgnoreCiphertext,
    /// A value this version does not know.
    Unknown(String),
}

impl DryRunModifierType {
    /// The values the model defines.
    pub const KNOWN: [&'static str; 1] = ["IGNORE_CIPHERTEXT"];

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::IgnoreCiphertext => "IGNORE_CIPHERTEXT",
            Self::Unknown(s) => s,
        }
    }
}

impl From<&str> for DryRunModifierType {
    fn from(s: &str) -> Self {
        match s {
            "IGNORE_CIPHERTEXT" => Self::IgnoreCiphertext,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

impl serde::Serialize for DryRunModifierType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for DryRunModifierType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: std::borrow::Cow<'de, str> = serde::Deserialize::deserialize(d)?;
        Ok(Self::from(&*s))
    }
}
