//! Types shared by several operations. Unknown enum values from the service are kept, not
//! rejected; requests may only carry known ones (see [`check_enum`](super::check_enum)).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::codec;

/// An enum of the service model: its known values, plus `Unknown` for values this version does
/// not know yet. Generates `KNOWN`, `as_str`, `is_known`, `From<&str>`, `Display` and serde.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value the service sent that this version does not know.
            Unknown(String),
        }

        impl $name {
            /// The values the model defines, in its order.
            pub const KNOWN: [&'static str; [$($wire),+].len()] = [$($wire),+];

            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )+
                    Self::Unknown(s) => s,
                }
            }

            /// Whether this is one of the model's values (requests may only carry those).
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $( $wire => Self::$variant, )+
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s: std::borrow::Cow<'de, str> = serde::Deserialize::deserialize(d)?;
                Ok(Self::from(&*s))
            }
        }

        impl super::ModelEnum for $name {
            fn wire(&self) -> &str {
                self.as_str()
            }
            fn known(&self) -> bool {
                self.is_known()
            }
            fn known_values() -> &'static [&'static str] {
                &Self::KNOWN
            }
        }
    };
}

string_enum! {
    /// An encryption algorithm (`SYMMETRIC_DEFAULT`, `RSAES_OAEP_SHA_1`, `RSAES_OAEP_SHA_256`,
    /// `SM2PKE`), or a value this version does not know yet.
    ///
    /// ```
    /// use kms_lite::EncryptionAlgorithmSpec;
    /// assert_eq!(EncryptionAlgorithmSpec::from("RSAES_OAEP_SHA_256"), EncryptionAlgorithmSpec::RsaesOaepSha256);
    /// let future = EncryptionAlgorithmSpec::from("ML_KEM_1024");
    /// assert_eq!(future.as_str(), "ML_KEM_1024");
    /// ```
    EncryptionAlgorithmSpec {
        /// `SYMMETRIC_DEFAULT`: AES-256-GCM inside KMS.
        SymmetricDefault = "SYMMETRIC_DEFAULT",
        /// `RSAES_OAEP_SHA_1`.
        RsaesOaepSha1 = "RSAES_OAEP_SHA_1",
        /// `RSAES_OAEP_SHA_256`.
        RsaesOaepSha256 = "RSAES_OAEP_SHA_256",
        /// `SM2PKE` (China Regions only).
        Sm2pke = "SM2PKE",
    }
}

string_enum! {
    /// A dry-run modifier (`IGNORE_CIPHERTEXT`), or a value this version does not know.
    DryRunModifierType {
        /// `IGNORE_CIPHERTEXT`: check permissions without a ciphertext.
        IgnoreCiphertext = "IGNORE_CIPHERTEXT",
    }
}

string_enum! {
    /// The length of a data key from GenerateDataKey (`AES_256`, `AES_128`).
    ///
    /// ```
    /// use kms_lite::DataKeySpec;
    /// assert_eq!(DataKeySpec::from("AES_256"), DataKeySpec::Aes256);
    /// assert_eq!(DataKeySpec::Aes128.as_str(), "AES_128");
    /// ```
    DataKeySpec {
        /// `AES_256`: a 32-byte key.
        Aes256 = "AES_256",
        /// `AES_128`: a 16-byte key.
        Aes128 = "AES_128",
    }
}

string_enum! {
    /// How KMS encrypts a plaintext for a Nitro enclave recipient (`RSAES_OAEP_SHA_256`).
    KeyEncryptionMechanism {
        /// `RSAES_OAEP_SHA_256`.
        RsaesOaepSha256 = "RSAES_OAEP_SHA_256",
    }
}

/// A Nitro enclave (or other attested environment) to receive the plaintext: KMS encrypts it
/// under the public key in the attestation document and returns it as `CiphertextForRecipient`
/// instead of `Plaintext`.
///
/// ```
/// use kms_lite::{KeyEncryptionMechanism, RecipientInfo};
/// let r = RecipientInfo::new(b"attestation document".to_vec());
/// assert_eq!(r.key_encryption_algorithm, Some(KeyEncryptionMechanism::RsaesOaepSha256));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct RecipientInfo {
    /// The algorithm KMS uses to encrypt for the recipient (only `RSAES_OAEP_SHA_256`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_encryption_algorithm: Option<KeyEncryptionMechanism>,
    /// The signed attestation document holding the enclave's public key (1..=262144 bytes).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "codec::ser_opt_blob",
        deserialize_with = "codec::de_opt_blob"
    )]
    pub attestation_document: Option<Vec<u8>>,
}

impl RecipientInfo {
    /// A recipient with this attestation document and `RSAES_OAEP_SHA_256`, the only algorithm.
    pub fn new(attestation_document: impl Into<Vec<u8>>) -> Self {
        RecipientInfo {
            key_encryption_algorithm: Some(KeyEncryptionMechanism::RsaesOaepSha256),
            attestation_document: Some(attestation_document.into()),
        }
    }
}
