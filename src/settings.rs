//! Configuration resolution the way the AWS CLI does it: a value set in code wins, then the
//! environment, then the selected profile of the shared files, then a default (or, for the
//! region, instance metadata).
//!
//! [`SharedConfig`] holds the environment, the parsed `~/.aws/config` and `~/.aws/credentials`
//! and the selected profile; [`resolve`] turns it and the [`Overrides`] set in code into a
//! [`ResolvedConfig`]: region, endpoint, retry settings and CA bundle, each with where it came
//! from.
//!
//! ```
//! use kms_lite::__private::settings::{resolve, Overrides, SharedConfig};
//! use kms_lite::config::Env;
//! use kms_lite::__private::profile_file::ProfileSet;
//! let files = ProfileSet::from_files(
//!     Some(("[profile dev]\nregion = eu-west-1\nmax_attempts = 5\n", "~/.aws/config")),
//!     None,
//! ).unwrap();
//! let shared = kms_lite::__private::settings::from_profile_set(Env::from_pairs([("AWS_PROFILE", "dev")]), None, files);
//! let resolved = resolve(&shared, &Overrides::default(), &|| None).unwrap();
//! assert_eq!(resolved.region, "eu-west-1");
//! assert_eq!(resolved.region_source, "profile dev");
//! assert_eq!(resolved.endpoint_url, "https://kms.eu-west-1.amazonaws.com");
//! assert_eq!(resolved.max_attempts, 5);
//! ```

use std::fmt;
use std::sync::Arc;

use crate::endpoint::{self, EndpointOptions, redact_url};
use crate::env::Env;
use crate::error::{ConfigError, ConfigErrorKind};
use crate::profile_file::{self, ProfileSet, Section};
use crate::retry::RetryMode;

/// Default number of attempts, counting the first.
pub(crate) const DEFAULT_MAX_ATTEMPTS: u32 = 3;

/// The environment, the shared files and the profile selected in them.
///
/// `Debug` shows profile values except secrets (the profile reader redacts keys holding
/// `secret`, `token` or `password`).
#[derive(Debug, Clone)]
pub struct SharedConfig {
    env: Env,
    profile_name: String,
    profile_named: bool,
    profiles: Arc<ProfileSet>,
}

impl SharedConfig {
    /// Reads the shared files named by `env` (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`,
    /// else under `~/.aws/`) and selects `profile` (e.g. `--profile`), else `AWS_PROFILE`, else
    /// `default`. A malformed file is an error naming the file and line; a profile named
    /// explicitly or by `AWS_PROFILE` that neither file holds is an error too.
    pub fn load(env: Env, profile: Option<&str>) -> Result<SharedConfig, ConfigError> {
        let set = profile_file::load(&env).map_err(|e| {
            let message = e.to_string();
            match e {
                // The file is named in the message; the I/O error is the source.
                profile_file::ProfileFileError::Read { source, .. } => {
                    ConfigError::of(ConfigErrorKind::Profile, message).with_source(source)
                }
                _ => ConfigError::of(ConfigErrorKind::Profile, message),
            }
        })?;
        let shared = SharedConfig::from_profile_set(env, profile, set);
        shared.check_profile_exists()?;
        Ok(shared)
    }

    /// The same from already parsed files (tests, embedding); no I/O.
    pub(crate) fn from_profile_set(
        env: Env,
        profile: Option<&str>,
        set: ProfileSet,
    ) -> SharedConfig {
        let profile_named = profile.is_some_and(|p| !p.trim().is_empty())
            || env.get_non_empty("AWS_PROFILE").is_some();
        SharedConfig {
            profile_name: profile_file::selected_profile(&env, profile),
            profile_named,
            profiles: Arc::new(set),
            env,
        }
    }

    /// The environment everything is read from.
    pub fn env(&self) -> &Env {
        &self.env
    }

    /// The selected profile's name.
    pub fn profile_name(&self) -> &str {
        &self.profile_name
    }

    /// Whether the profile was chosen (in code, `--profile` or `AWS_PROFILE`) rather than the
    /// implicit `default`.
    pub(crate) fn profile_named(&self) -> bool {
        self.profile_named
    }

    /// Both files, merged.
    pub(crate) fn profiles(&self) -> &ProfileSet {
        &self.profiles
    }

    /// The selected profile, when a file holds it.
    pub(crate) fn profile(&self) -> Option<&Section> {
        self.profiles.profile(&self.profile_name)
    }

    /// A key of the selected profile, trimmed, when set and not empty.
    pub fn profile_value(&self, key: &str) -> Option<&str> {
        self.profile()?
            .get(key)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }

    /// How messages name a key of the selected profile: `FILE line N: KEY in profile NAME`
    /// (never its value).
    pub(crate) fn profile_key_label(&self, key: &str) -> String {
        let label = format!("{key} in profile {}", self.profile_name);
        match self.profile().and_then(|p| p.origin(key)) {
            Some((file, line)) => format!("{file} line {line}: {label}"),
            None => label,
        }
    }

    /// An error when a chosen profile is in neither file.
    pub(crate) fn check_profile_exists(&self) -> Result<(), ConfigError> {
        if self.profile_named && self.profile().is_none() {
            return Err(ConfigError::of(
                ConfigErrorKind::Profile,
                format!(
                    "the config profile ({}) could not be found in ~/.aws/config or ~/.aws/credentials \
                 (or the files named by AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE)",
                    self.profile_name
                ),
            ));
        }
        Ok(())
    }

    /// A `true`/`false` setting: the variable `env_name`, else the profile's `profile_key`.
    pub(crate) fn bool_setting(
        &self,
        env_name: &str,
        profile_key: &str,
    ) -> Result<Option<bool>, ConfigError> {
        if let Some(v) = parse_bool(self.env.get_non_empty(env_name).as_deref(), env_name)? {
            return Ok(Some(v));
        }
        parse_bool(
            self.profile_value(profile_key),
            &self.profile_key_label(profile_key),
        )
    }

    /// The endpoint configured for a service (`kms`, `sts`) and where it came from:
    /// `AWS_ENDPOINT_URL_<ENV_ID>`, then `AWS_ENDPOINT_URL`, then the profile's services section
    /// (`<service> =` with sub-key `endpoint_url`), then the profile's `endpoint_url`. `None` when
    /// none is set or when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` (or the profile's
    /// `ignore_configured_endpoint_urls`) is true.
    pub(crate) fn configured_endpoint(
        &self,
        service: &str,
    ) -> Result<Option<(String, String)>, ConfigError> {
        if self
            .bool_setting(
                "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                "ignore_configured_endpoint_urls",
            )?
            .unwrap_or(false)
        {
            return Ok(None);
        }
        let env_name = format!("AWS_ENDPOINT_URL_{}", service.to_ascii_uppercase());
        for name in [env_name.as_str(), "AWS_ENDPOINT_URL"] {
            if let Some(url) = self.env.get_non_empty(name) {
                return Ok(Some((url, name.to_owned())));
            }
        }
        if let Some(services) = self.profile_value("services") {
            if let Some(url) = self
                .profiles
                .services(services)
                .and_then(|s| s.sub_property(service, "endpoint_url"))
                .map(str::trim)
                .filter(|u| !u.is_empty())
            {
                return Ok(Some((
                    url.to_owned(),
                    format!("[services {services}] {service} endpoint_url"),
                )));
            }
        }
        Ok(self.profile_value("endpoint_url").map(|u| {
            (
                u.to_owned(),
                format!("endpoint_url in profile {}", self.profile_name),
            )
        }))
    }

    /// FIPS and dual-stack: `AWS_USE_FIPS_ENDPOINT` / `AWS_USE_DUALSTACK_ENDPOINT`, else the
    /// profile's `use_fips_endpoint` / `use_dualstack_endpoint`.
    pub(crate) fn endpoint_options(&self) -> Result<EndpointOptions, ConfigError> {
        Ok(EndpointOptions {
            use_fips: self
                .bool_setting("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint")?
                .unwrap_or(false),
            use_dual_stack: self
                .bool_setting("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint")?
                .unwrap_or(false),
        })
    }

    /// The region from the environment or the profile, and where it came from.
    pub(crate) fn region(&self) -> Option<(String, String)> {
        for name in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
            if let Some(r) = self.env.get_non_empty(name) {
                return Some((r, name.to_owned()));
            }
        }
        self.profile_value("region")
            .map(|r| (r.to_owned(), format!("profile {}", self.profile_name)))
    }

    /// The endpoint URL of `service` in `region`: configured (see
    /// [`configured_endpoint`](Self::configured_endpoint)) or computed. A configured endpoint
    /// together with FIPS or dual-stack is an error.
    pub(crate) fn service_endpoint(
        &self,
        service: &str,
        region: &str,
        options: EndpointOptions,
    ) -> Result<(String, String), ConfigError> {
        match self.configured_endpoint(service)? {
            Some((url, source)) => {
                custom_endpoint_allowed(options)?;
                Ok((url, source))
            }
            None => Ok((
                endpoint::resolve_service(service, region, options)?,
                "computed".to_owned(),
            )),
        }
    }
}

/// A custom endpoint with FIPS or dual-stack is refused, FIPS first, with the endpoint rule
/// set's own words in parentheses (as the SDKs report it).
pub(crate) fn custom_endpoint_allowed(options: EndpointOptions) -> Result<(), ConfigError> {
    let (what, rules) = match (options.use_fips, options.use_dual_stack) {
        (false, false) => return Ok(()),
        (true, _) => ("FIPS", "FIPS"),
        (false, true) => ("dual-stack", "Dualstack"),
    };
    Err(ConfigError::new(format!(
        "a custom endpoint cannot be combined with {what} endpoints \
         (Invalid Configuration: {rules} and custom endpoint are not supported)"
    )))
}

fn parse_bool(value: Option<&str>, what: &str) -> Result<Option<bool>, ConfigError> {
    match value {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(ConfigError::new(format!("{what} must be true or false"))),
    }
}

/// A CA bundle: PEM given in code, or a file named by `AWS_CA_BUNDLE` or the profile's
/// `ca_bundle`, read when a TLS connection first needs it.
///
/// The bundle *replaces* the built-in Mozilla roots (as botocore's `verify=<bundle>` does):
/// the transport cannot merge the two, so a bundle must hold every root the endpoints need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaBundle {
    /// PEM text given in code.
    Pem(Arc<Vec<u8>>),
    /// A PEM file and the setting that named it.
    File {
        /// The path as configured.
        path: String,
        /// `AWS_CA_BUNDLE` or `ca_bundle in profile NAME`.
        source: String,
    },
}

impl CaBundle {
    /// The PEM bytes (reads the file, at most 16 MiB: no real bundle comes close).
    ///
    /// ```
    /// use kms_lite::__private::settings::CaBundle;
    /// let dir = CaBundle::File { path: "/".into(), source: "--ca-bundle".into() };
    /// assert_eq!(dir.load().unwrap_err().to_string(),
    ///     "cannot read the CA bundle / (--ca-bundle): it is a directory, not a file");
    /// ```
    pub fn load(&self) -> Result<Arc<Vec<u8>>, ConfigError> {
        match self {
            CaBundle::Pem(pem) => Ok(Arc::clone(pem)),
            CaBundle::File { path, source } => {
                crate::bounded_file::read(path.as_ref(), crate::bounded_file::CA_BUNDLE_CAP)
                    .map(Arc::new)
                    .map_err(|e| {
                        ConfigError::of(
                            ConfigErrorKind::CaBundle,
                            format!("cannot read the CA bundle {path} ({source}): {e}"),
                        )
                        .with_read_error(e)
                    })
            }
        }
    }
}

/// What code (a builder, the CLI's flags) set; `None` fields are resolved.
///
/// `Debug` shows the endpoint URL with any user information redacted.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct Overrides {
    /// The region (`--region`).
    pub region: Option<String>,
    /// The endpoint (`--endpoint-url`).
    pub endpoint_url: Option<String>,
    /// FIPS and dual-stack.
    pub endpoint_options: Option<EndpointOptions>,
    /// Attempts per call, counting the first.
    pub max_attempts: Option<u32>,
    /// Attempts per call when neither code, environment nor profile sets them (default 3).
    pub default_max_attempts: Option<u32>,
    /// The retry mode.
    pub retry_mode: Option<RetryMode>,
    /// The retry mode when neither code, environment nor profile sets it (default standard).
    pub default_retry_mode: Option<RetryMode>,
    /// The CA bundle (`--ca-bundle`).
    pub ca_bundle: Option<CaBundle>,
    /// The application id appended to the `User-Agent`.
    pub app_id: Option<String>,
}

/// Everything but credentials, resolved, with where each came from.
///
/// `Debug` shows the endpoint URL with any user information redacted.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ResolvedConfig {
    /// The signing region.
    pub region: String,
    /// `code`, `AWS_REGION`, `AWS_DEFAULT_REGION`, `profile NAME` or `instance metadata`.
    pub region_source: String,
    /// The KMS endpoint URL.
    pub endpoint_url: String,
    /// `code`, the variable or profile setting, or `computed`.
    pub endpoint_source: String,
    /// FIPS and dual-stack as resolved (used for STS too).
    pub endpoint_options: EndpointOptions,
    /// Attempts per call, counting the first.
    pub max_attempts: u32,
    /// The retry mode.
    pub retry_mode: RetryMode,
    /// The CA bundle, if one is configured.
    pub ca_bundle: Option<CaBundle>,
    /// The application id appended to the `User-Agent` as `app/<id>`, if one is configured.
    pub app_id: Option<String>,
    /// Where the application id came from: `code`, `AWS_SDK_UA_APP_ID` or the profile's
    /// `sdk_ua_app_id` (with its file and line).
    pub app_id_source: Option<String>,
}

impl fmt::Debug for Overrides {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Overrides")
            .field("region", &self.region)
            .field(
                "endpoint_url",
                &self.endpoint_url.as_deref().map(redact_url),
            )
            .field("endpoint_options", &self.endpoint_options)
            .field("max_attempts", &self.max_attempts)
            .field("default_max_attempts", &self.default_max_attempts)
            .field("retry_mode", &self.retry_mode)
            .field("default_retry_mode", &self.default_retry_mode)
            .field("ca_bundle", &self.ca_bundle)
            .field("app_id", &self.app_id)
            .finish()
    }
}

impl fmt::Debug for ResolvedConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolvedConfig")
            .field("region", &self.region)
            .field("region_source", &self.region_source)
            .field("endpoint_url", &redact_url(&self.endpoint_url))
            .field("endpoint_source", &self.endpoint_source)
            .field("endpoint_options", &self.endpoint_options)
            .field("max_attempts", &self.max_attempts)
            .field("retry_mode", &self.retry_mode)
            .field("ca_bundle", &self.ca_bundle)
            .field("app_id", &self.app_id)
            .field("app_id_source", &self.app_id_source)
            .finish()
    }
}

/// Resolves region, endpoint, retry settings, CA bundle and application id: `overrides` >
/// environment > profile > default. `imds_region` is asked for the region last (it does I/O; it is not called
/// when `AWS_EC2_METADATA_DISABLED` is true).
pub fn resolve(
    shared: &SharedConfig,
    overrides: &Overrides,
    imds_region: &dyn Fn() -> Option<String>,
) -> Result<ResolvedConfig, ConfigError> {
    let (region, region_source) = match &overrides.region {
        Some(r) => (r.trim().to_owned(), "code".to_owned()),
        None => match shared.region() {
            Some(found) => found,
            None => {
                let disabled = shared
                    .env()
                    .get_non_empty("AWS_EC2_METADATA_DISABLED")
                    .is_some_and(|v| v.eq_ignore_ascii_case("true"));
                let from_imds = if disabled { None } else { imds_region() };
                match from_imds {
                    Some(r) => (r, "instance metadata".to_owned()),
                    None => return Err(no_region(shared, disabled)),
                }
            }
        },
    };
    if !endpoint::is_valid_region(&region) {
        let from = if shared.region().is_some_and(|(_, s)| s == region_source)
            && region_source.starts_with("profile ")
        {
            shared.profile_key_label("region")
        } else {
            region_source
        };
        return Err(ConfigError::of(
            ConfigErrorKind::Region,
            format!(
                "invalid region {region:?} (from {from}): a region is lower-case letters, digits and \
             '-', such as us-east-1"
            ),
        ));
    }
    let options = match overrides.endpoint_options {
        Some(o) => o,
        None => shared.endpoint_options()?,
    };
    let (endpoint_url, endpoint_source) = match &overrides.endpoint_url {
        Some(url) => {
            custom_endpoint_allowed(options)?;
            (url.clone(), "code".to_owned())
        }
        None => shared.service_endpoint("kms", &region, options)?,
    };
    let max_attempts = match overrides.max_attempts {
        Some(n) => n,
        None => match number_setting(shared, "AWS_MAX_ATTEMPTS", "max_attempts")? {
            Some(n) => n,
            None => overrides
                .default_max_attempts
                .unwrap_or(DEFAULT_MAX_ATTEMPTS),
        },
    };
    if max_attempts == 0 {
        return Err(ConfigError::new("max attempts must be at least 1"));
    }
    let retry_mode = match overrides.retry_mode {
        Some(m) => m,
        None => retry_mode_setting(shared)?
            .or(overrides.default_retry_mode)
            .unwrap_or_default(),
    };
    let ca_bundle = match &overrides.ca_bundle {
        Some(b) => Some(b.clone()),
        None => match shared.env().get_non_empty("AWS_CA_BUNDLE") {
            Some(path) => Some(CaBundle::File {
                path,
                source: "AWS_CA_BUNDLE".to_owned(),
            }),
            None => shared.profile_value("ca_bundle").map(|p| CaBundle::File {
                path: p.to_owned(),
                source: format!("ca_bundle in profile {}", shared.profile_name()),
            }),
        },
    };
    let (app_id, app_id_source) = match app_id_setting(shared, overrides) {
        Some((id, source)) => {
            crate::user_agent::check_app_id(&id, &source)?;
            (Some(id), Some(source))
        }
        None => (None, None),
    };
    Ok(ResolvedConfig {
        region,
        region_source,
        endpoint_url,
        endpoint_source,
        endpoint_options: options,
        max_attempts,
        retry_mode,
        ca_bundle,
        app_id,
        app_id_source,
    })
}

/// The `User-Agent` of the credential providers' own calls (STS, SSO, the metadata endpoints)
/// when they are used without a client: the application id of the environment or the profile
/// when it is valid (a client checks it, and gives its providers its own header).
pub(crate) fn default_user_agent(shared: &SharedConfig) -> String {
    let app_id = app_id_setting(shared, &Overrides::default())
        .filter(|(id, source)| crate::user_agent::check_app_id(id, source).is_ok());
    crate::user_agent::header(app_id.as_ref().map(|(id, _)| id.as_str()))
}

/// The application id and where it came from, as the SDKs look for it: code, then
/// `AWS_SDK_UA_APP_ID`, then the profile's `sdk_ua_app_id` (or the Rust SDK's older
/// `sdk-ua-app-id`).
fn app_id_setting(shared: &SharedConfig, overrides: &Overrides) -> Option<(String, String)> {
    if let Some(id) = &overrides.app_id {
        return Some((id.clone(), "code".to_owned()));
    }
    if let Some(id) = shared.env().get_non_empty("AWS_SDK_UA_APP_ID") {
        return Some((id, "AWS_SDK_UA_APP_ID".to_owned()));
    }
    ["sdk_ua_app_id", "sdk-ua-app-id"]
        .into_iter()
        .find_map(|key| {
            shared
                .profile_value(key)
                .map(|id| (id.to_owned(), shared.profile_key_label(key)))
        })
}

fn no_region(shared: &SharedConfig, imds_disabled: bool) -> ConfigError {
    let imds = if imds_disabled {
        "instance metadata (disabled by AWS_EC2_METADATA_DISABLED)"
    } else {
        "instance metadata (no answer)"
    };
    ConfigError::of(
        ConfigErrorKind::Region,
        format!(
            "no region: looked in --region (ClientBuilder::region), AWS_REGION, AWS_DEFAULT_REGION, \
         `region` in profile {} of the config file, and {imds}; set one of them, \
         for example `export AWS_REGION=us-east-1`",
            shared.profile_name()
        ),
    )
}

fn number_setting(
    shared: &SharedConfig,
    env_name: &str,
    key: &str,
) -> Result<Option<u32>, ConfigError> {
    let (value, what) = match shared.env().get_non_empty(env_name) {
        Some(v) => (v, env_name.to_owned()),
        None => match shared.profile_value(key) {
            Some(v) => (v.to_owned(), shared.profile_key_label(key)),
            None => return Ok(None),
        },
    };
    value
        .parse()
        .map(Some)
        .map_err(|_| ConfigError::new(format!("{what} must be a whole number")))
}

fn retry_mode_setting(shared: &SharedConfig) -> Result<Option<RetryMode>, ConfigError> {
    let (value, what) = match shared.env().get_non_empty("AWS_RETRY_MODE") {
        Some(v) => (v, "AWS_RETRY_MODE".to_owned()),
        None => match shared.profile_value("retry_mode") {
            Some(v) => (v.to_owned(), shared.profile_key_label("retry_mode")),
            None => return Ok(None),
        },
    };
    RetryMode::parse(&value)
        .map(Some)
        .ok_or_else(|| ConfigError::new(format!("{what} must be standard, adaptive or legacy")))
}
