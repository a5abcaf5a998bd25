//! The derived signing key and its cache.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;
use std::sync::{Mutex, MutexGuard};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// An HMAC-SHA256 instance keyed with `key` (HMAC accepts keys of any length).
pub(crate) fn hmac(key: &[u8]) -> HmacSha256 {
    match <HmacSha256 as KeyInit>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    }
}

fn hmac_once(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut mac = hmac(key);
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// A SigV4 signing key: `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
/// "aws4_request")`.
///
/// It authorizes requests for one day, region and service, so it is as sensitive as the secret
/// for that scope: `Debug` never shows it.
///
/// ```
/// use kms_lite::__private::sigv4::derive_signing_key;
///
/// let key = derive_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam");
/// assert_eq!(
///     hex::encode(key.as_bytes()),
///     "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
/// );
/// assert_eq!(format!("{key:?}"), "SigningKey(<redacted>)");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey([u8; 32]);

impl SigningKey {
    /// Wraps 32 bytes already derived elsewhere.
    pub fn from_bytes(bytes: [u8; 32]) -> SigningKey {
        SigningKey(bytes)
    }

    /// The raw key bytes. Handle with care: never log them.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// An HMAC-SHA256 instance keyed with this key, ready for the string to sign.
    pub(crate) fn mac(&self) -> HmacSha256 {
        hmac(&self.0)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

/// Derives the signing key for `date` (`YYYYMMDD`, see [`AmzDate::date`](super::AmzDate::date)),
/// `region` and `service` from a secret access key. Four HMAC-SHA256 computations; see
/// [`SigningKeyCache`] to do them once a day instead of once a request.
pub fn derive_signing_key(secret: &str, date: &str, region: &str, service: &str) -> SigningKey {
    let secret = secret.as_bytes();
    // "AWS4" + secret, on the stack for any realistic secret (AWS secrets are 40 characters).
    let mut stack = [0u8; 132];
    let k_date = if secret.len() <= stack.len() - 4 {
        let n = secret.len() + 4;
        stack[..4].copy_from_slice(b"AWS4");
        stack[4..n].copy_from_slice(secret);
        let k = hmac_once(&stack[..n], date.as_bytes());
        // Best effort: the compiler may keep copies elsewhere.
        stack.fill(0);
        std::hint::black_box(&stack);
        k
    } else {
        let mut heap = Vec::with_capacity(secret.len() + 4);
        heap.extend_from_slice(b"AWS4");
        heap.extend_from_slice(secret);
        let k = hmac_once(&heap, date.as_bytes());
        heap.fill(0);
        std::hint::black_box(&heap);
        k
    };
    let k_region = hmac_once(&k_date, region.as_bytes());
    let k_service = hmac_once(&k_region, service.as_bytes());
    SigningKey(hmac_once(&k_service, b"aws4_request"))
}

/// Remembers the last derived [`SigningKey`], so that signing many requests with the same
/// credentials, day, region and service costs one SHA-256 of the secret instead of four HMACs.
///
/// The secret itself is not kept: entries are matched on a fingerprint of it, a SipHash under
/// keys drawn at random for each cache (cheap, and useless to anyone without those keys).
/// `Send + Sync`; share one per client. `Debug` shows the scope and the number of derivations,
/// never the key or the fingerprint.
///
/// ```
/// use kms_lite::__private::sigv4::{derive_signing_key, SigningKeyCache};
///
/// let cache = SigningKeyCache::new();
/// let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// let a = cache.get(secret, "20150830", "us-east-1", "kms");
/// let b = cache.get(secret, "20150830", "us-east-1", "kms");
/// assert_eq!(a, b);
/// assert_eq!(a, derive_signing_key(secret, "20150830", "us-east-1", "kms"));
/// assert_eq!(cache.derivations(), 1);
/// ```
#[derive(Default)]
pub struct SigningKeyCache {
    inner: Mutex<CacheState>,
    fingerprints: RandomState,
}

#[derive(Default)]
struct CacheState {
    entry: Option<CacheEntry>,
    derivations: u64,
}

struct CacheEntry {
    secret_fingerprint: u64,
    date: String,
    region: String,
    service: String,
    key: SigningKey,
    /// HMAC-SHA256 already keyed with `key`: cloning it skips the two key-setup blocks.
    mac: HmacSha256,
}

fn refill(s: &mut String, v: &str) {
    s.clear();
    s.push_str(v);
}

impl SigningKeyCache {
    /// An empty cache.
    pub fn new() -> SigningKeyCache {
        SigningKeyCache::default()
    }

    fn lock(&self) -> MutexGuard<'_, CacheState> {
        // The state is always consistent (plain assignments), so a poisoned lock is usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The signing key for these inputs: the cached one if they match the last call, else a
    /// freshly derived key that replaces it.
    pub fn get(&self, secret: &str, date: &str, region: &str, service: &str) -> SigningKey {
        self.lookup(secret, date, region, service, |e| e.key.clone())
    }

    /// An HMAC-SHA256 keyed with the signing key for these inputs, ready for a string to sign.
    pub(crate) fn mac(&self, secret: &str, date: &str, region: &str, service: &str) -> HmacSha256 {
        self.lookup(secret, date, region, service, |e| e.mac.clone())
    }

    fn lookup<T>(
        &self,
        secret: &str,
        date: &str,
        region: &str,
        service: &str,
        take: impl Fn(&CacheEntry) -> T,
    ) -> T {
        let fp = self.fingerprints.hash_one(secret);
        {
            let state = self.lock();
            if let Some(e) = &state.entry {
                if e.date == date
                    && e.region == region
                    && e.service == service
                    && e.secret_fingerprint == fp
                {
                    return take(e);
                }
            }
        }
        // Derive outside the lock; a concurrent miss only costs a duplicate derivation.
        let key = derive_signing_key(secret, date, region, service);
        let mac = key.mac();
        let mut state = self.lock();
        state.derivations += 1;
        let entry = match &mut state.entry {
            Some(e) => {
                // Reuse the strings' buffers: no allocation when the day rolls over.
                e.secret_fingerprint = fp;
                refill(&mut e.date, date);
                refill(&mut e.region, region);
                refill(&mut e.service, service);
                e.key = key;
                e.mac = mac;
                e
            }
            None => state.entry.insert(CacheEntry {
                secret_fingerprint: fp,
                date: date.to_owned(),
                region: region.to_owned(),
                service: service.to_owned(),
                key,
                mac,
            }),
        };
        take(entry)
    }

    /// How many keys this cache has derived (its misses) since it was created.
    pub fn derivations(&self) -> u64 {
        self.lock().derivations
    }

    /// Forgets the cached key (for example after the credentials were rotated).
    pub fn clear(&self) {
        self.lock().entry = None;
    }
}

impl fmt::Debug for SigningKeyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("SigningKeyCache");
        match self.inner.try_lock() {
            Ok(state) => {
                match &state.entry {
                    Some(e) => d
                        .field("date", &e.date)
                        .field("region", &e.region)
                        .field("service", &e.service)
                        .field("key", &e.key),
                    None => d.field("key", &None::<SigningKey>),
                };
                d.field("derivations", &state.derivations);
            }
            Err(_) => {
                d.field("state", &"<locked>");
            }
        }
        d.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    #[test]
    fn aws_documented_key() {
        // The example in the AWS General Reference ("Examples of how to derive a signing key").
        let k = derive_signing_key(SECRET, "20120215", "us-east-1", "iam");
        assert_eq!(
            hex::encode(k.as_bytes()),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    #[test]
    fn long_secret_takes_heap_path_and_matches_reference() {
        let secret = "s".repeat(500);
        let ours = derive_signing_key(&secret, "20150830", "us-east-1", "kms");
        let mut k = hmac_once(format!("AWS4{secret}").as_bytes(), b"20150830");
        for part in ["us-east-1", "kms", "aws4_request"] {
            k = hmac_once(&k, part.as_bytes());
        }
        assert_eq!(ours.as_bytes(), &k);
        // And at the edge of the stack buffer.
        for len in [127, 128, 129] {
            let secret = "x".repeat(len);
            let mut k = hmac_once(format!("AWS4{secret}").as_bytes(), b"d");
            for part in ["r", "s", "aws4_request"] {
                k = hmac_once(&k, part.as_bytes());
            }
            assert_eq!(derive_signing_key(&secret, "d", "r", "s").as_bytes(), &k);
        }
    }

    #[test]
    fn debug_is_redacted() {
        let k = derive_signing_key(SECRET, "20150830", "us-east-1", "kms");
        let hex_key = hex::encode(k.as_bytes());
        assert_eq!(format!("{k:?}"), "SigningKey(<redacted>)");
        assert_eq!(format!("{k:#?}"), "SigningKey(<redacted>)");

        let cache = SigningKeyCache::new();
        assert_eq!(
            format!("{cache:?}"),
            "SigningKeyCache { key: None, derivations: 0 }"
        );
        cache.get(SECRET, "20150830", "us-east-1", "kms");
        let shown = format!("{cache:?} {cache:#?}");
        assert!(!shown.contains(SECRET), "{shown}");
        assert!(!shown.contains("EXAMPLEKEY"), "{shown}");
        assert!(!shown.contains(&hex_key), "{shown}");
        let fp = cache.fingerprints.hash_one(SECRET);
        assert!(!shown.contains(&fp.to_string()), "{shown}");
        assert!(!shown.contains(&format!("{fp:x}")), "{shown}");
        assert!(
            shown.contains("<redacted>") && shown.contains("us-east-1"),
            "{shown}"
        );
    }

    #[test]
    fn cache_misses_only_on_change_and_clear() {
        let cache = SigningKeyCache::new();
        let a = cache.get(SECRET, "20150830", "us-east-1", "kms");
        assert_eq!(cache.get(SECRET, "20150830", "us-east-1", "kms"), a);
        assert_eq!(cache.derivations(), 1);
        cache.clear();
        assert_eq!(cache.get(SECRET, "20150830", "us-east-1", "kms"), a);
        assert_eq!(cache.derivations(), 2);
    }

    #[test]
    fn cache_is_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<SigningKeyCache>();
        check::<SigningKey>();
    }
}
