//! The process environment, or a fixed map standing in for it (tests must not read the real one).

use std::collections::BTreeMap;
use std::sync::Arc;

/// Where configuration variables are read from: the real process environment (the default), or
/// a fixed map standing in for it. A fixed map makes a client's configuration hermetic: nothing
/// of the machine's environment (`AWS_PROFILE`, `AWS_CA_BUNDLE`, `HOME` and the shared files it
/// leads to...) reaches it.
///
/// ```
/// use kms_lite::config::Env;
/// let client = kms_lite::Client::builder()
///     .env(Env::from_pairs([("AWS_REGION", "eu-west-1")]))
///     .credentials(kms_lite::credentials::Credentials::new("AKIDEXAMPLE", "secret", None))
///     .build()?;
/// assert_eq!(client.region(), "eu-west-1");
/// # Ok::<(), kms_lite::error::ConfigError>(())
/// ```
///
/// `Debug` lists a fixed map's variables with the values of secret ones (names holding
/// `SECRET`, `TOKEN` or `PASSWORD`) redacted, and the user information of URLs and proxies.
#[derive(Clone, Default)]
pub struct Env {
    fixed: Option<Arc<BTreeMap<String, String>>>,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Some(map) = &self.fixed else {
            return f.write_str("Env(process)");
        };
        let secret = |name: &str| {
            let upper = name.to_ascii_uppercase();
            ["SECRET", "TOKEN", "PASSWORD"]
                .iter()
                .any(|s| upper.contains(s))
        };
        f.debug_map()
            .entries(map.iter().map(|(k, v)| {
                let shown = if secret(k) {
                    "** redacted **".into()
                } else if v.contains("://") || k.to_ascii_uppercase().contains("PROXY") {
                    crate::endpoint::redact_url(v)
                } else {
                    v.as_str().into()
                };
                (k, shown)
            }))
            .finish()
    }
}

impl Env {
    /// The real process environment.
    pub fn process() -> Self {
        Env { fixed: None }
    }

    /// A fixed environment holding only these variables.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Env {
            fixed: Some(Arc::new(
                pairs
                    .into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
            )),
        }
    }

    /// The variable's value, if set and valid UTF-8.
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        match &self.fixed {
            Some(map) => map.get(name).cloned(),
            None => std::env::var(name).ok(),
        }
    }

    /// The variable's value, if set, valid UTF-8 and not empty after trimming.
    pub(crate) fn get_non_empty(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }
}
