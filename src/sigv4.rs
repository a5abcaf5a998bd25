//! TEMPORARY stub of the signer API; replaced by the sigv4 branch.
#![allow(missing_docs, dead_code)]
use std::time::SystemTime;
pub struct AmzDate([u8; 16]);
impl AmzDate {
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}
pub fn amz_date(_t: SystemTime) -> AmzDate {
    AmzDate(*b"20150830T123600Z")
}
#[derive(Debug, Default)]
pub struct SigningKeyCache;
pub enum Payload<'a> {
    Bytes(&'a [u8]),
}
pub struct SignableRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub payload: Payload<'a>,
}
#[derive(Default)]
pub struct SigningSettings;
pub struct SigningParams<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub region: &'a str,
    pub service: &'a str,
    pub time: SystemTime,
    pub settings: SigningSettings,
}
pub struct Signature(String);
impl Signature {
    pub fn authorization(&self) -> &str {
        &self.0
    }
}
pub fn sign(
    _r: &SignableRequest<'_>,
    _p: &SigningParams<'_>,
    _c: Option<&SigningKeyCache>,
) -> Signature {
    Signature(String::new())
}
