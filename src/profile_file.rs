//! The AWS shared configuration and credentials files (`~/.aws/config`, `~/.aws/credentials`),
//! read as the AWS CLI and SDKs read them.
//!
//! [`parse`] turns one file's text into a [`ProfileSet`], [`ProfileSet::merge`] combines the two
//! files, and [`load`] finds, reads and merges them using an [`Env`]. Parsing is pure (no I/O),
//! never panics, and never puts a value in an error message or a `Debug` dump of a secret key.
//!
//! # Rules
//!
//! These follow the cross-SDK profile parser test suite shipped with the AWS SDKs
//! (`profile-parser-tests.json` in smithy-rs `aws-config/test-data`) and the Rust SDK's parser
//! (smithy-rs `aws-runtime/src/env_config/parse.rs` and `profile/normalize.rs`):
//!
//! - Lines are split on `\n`; a trailing `\r` is dropped (CRLF files) and a leading UTF-8 BOM is
//!   skipped. Whitespace means spaces and tabs.
//! - Blank lines and lines starting with `#` or `;` are comments.
//! - `[ header ]`: comments may follow the `]` directly (`[profile foo]; note`). The inside is
//!   trimmed and split at its first run of whitespace into a prefix and a name, so
//!   `[ profile  foo ]` is profile `foo`. A header without its closing `]` is an error.
//! - In the **config** file: `[default]` and `[profile NAME]` are profiles, `[sso-session NAME]`
//!   and `[services NAME]` are their own kinds of section. `[NAME]` without the `profile ` prefix
//!   is ignored (with a warning), as in the SDKs. When the file has a `[profile default]`, every
//!   `[default]` section in it is ignored entirely: the prefixed one wins outright, it is not a
//!   key-by-key merge.
//! - In the **credentials** file: `[NAME]` is a profile, and any section with a prefix, such as
//!   `[profile foo]`, is ignored with a warning: `profile` is *not* a prefix there and such a
//!   section is not profile `foo`.
//! - Profile, sso-session and services names must match `[A-Za-z0-9_\-/.%@:+]+`; sections with
//!   other names are ignored with a warning. Names are case-sensitive.
//! - `key = value`: split at the first `=`, both sides trimmed, so values may contain `=` and may
//!   be empty. Keys are lower-cased (botocore's `RawConfigParser` and the SDKs all match keys
//!   case-insensitively), so [`Section::get`] takes any case. A key that is not a valid identifier
//!   (`in valid = x`) is ignored with a warning, as in the SDKs.
//! - Inline comments: `#` or `;` end a value only when preceded by whitespace
//!   (`key = value ;note` is `value`, `key = a;b` is `a;b`).
//! - An indented line continues the previous property: `value` + `\n` + the trimmed line, taken
//!   literally (comment characters included). After a property with an *empty* value the
//!   indented lines are sub-properties (`s3 =` then `  max_concurrent_requests = 10`) and must
//!   each be `name = value`; read them with [`Section::sub_property`] (sub-property names are
//!   matched exactly, as written, like botocore's `_parse_nested`; their values have inline
//!   comments removed like top-level values).
//! - Duplicate keys: the last wins. Duplicate sections in one file are merged, later keys
//!   winning. Across files, keys of the credentials file win over those of the config file.
//! - Errors (with the file name and 1-based line number, never a value): a property or indented
//!   line before any section header, a line without `=`, an empty key, an unterminated header, an
//!   indented line with no property to continue, and a sub-property line without `=` or name.
//!
//! Nothing is skipped silently: every ignored section or key is listed in
//! [`ProfileSet::warnings`] (names and line numbers only).

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::env::Env;
use crate::error::Escaped;

/// Which of the two shared files a text comes from; their section rules differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `~/.aws/config`: `[default]`, `[profile NAME]`, `[sso-session NAME]`, `[services NAME]`.
    Config,
    /// `~/.aws/credentials`: `[NAME]` only.
    Credentials,
}

/// What is wrong with a line of a profile file. Never carries a value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SyntaxProblem {
    /// A `key = value` line before any `[section]` header; holds the key when it is a plain
    /// name (letters, digits, `_`, `-`), else nothing.
    PropertyOutsideSection(String),
    /// An indented line before any `[section]` header.
    ContinuationOutsideSection,
    /// A line inside a section that is neither a header, a comment, nor `key = value`.
    ExpectedKeyValue,
    /// A `= value` line with nothing before the `=`.
    EmptyKey,
    /// A `[section` header without its closing `]`.
    UnterminatedHeader,
    /// An indented line right after a section header, with no property to continue.
    ContinuationWithoutProperty,
    /// An indented line under `key =` (a sub-property block) that is not `name = value`; holds
    /// the parent key when it is a plain name.
    ExpectedSubProperty(String),
    /// An indented `= value` line in a sub-property block; holds the parent key when it is a
    /// plain name.
    EmptySubPropertyKey(String),
}

impl fmt::Display for SyntaxProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyntaxProblem::PropertyOutsideSection(key) => {
                write!(f, "{} appears before any `[section]` header", property(key))
            }
            SyntaxProblem::ContinuationOutsideSection => {
                f.write_str("indented line appears before any `[section]` header")
            }
            SyntaxProblem::ExpectedKeyValue => f.write_str("expected `key = value`"),
            SyntaxProblem::EmptyKey => f.write_str("expected a property name before `=`"),
            SyntaxProblem::UnterminatedHeader => {
                f.write_str("section header does not end with `]`")
            }
            SyntaxProblem::ContinuationWithoutProperty => {
                f.write_str("indented line does not continue any property")
            }
            SyntaxProblem::ExpectedSubProperty(key) => write!(
                f,
                "expected `name = value` in the sub-properties of {}",
                quoted(key)
            ),
            SyntaxProblem::EmptySubPropertyKey(key) => write!(
                f,
                "expected a sub-property name before `=` under {}",
                quoted(key)
            ),
        }
    }
}

/// Why the profile files could not be read.
#[derive(Debug)]
#[non_exhaustive]
pub enum ProfileFileError {
    /// A malformed line. Display: `~/.aws/config line 7: expected `key = value``.
    Syntax {
        /// The file name as given to [`parse`] (for [`load`]: as the user wrote it).
        file: String,
        /// The 1-based line number.
        line: usize,
        /// What is wrong.
        problem: SyntaxProblem,
    },
    /// The file exists but cannot be read (permissions, a directory, not UTF-8...).
    Read {
        /// The file name as the user wrote it.
        file: String,
        /// The underlying error.
        source: io::Error,
    },
}

impl ProfileFileError {
    /// The file name this error is about.
    pub fn file(&self) -> &str {
        match self {
            ProfileFileError::Syntax { file, .. } | ProfileFileError::Read { file, .. } => file,
        }
    }

    /// The 1-based line number, for syntax errors.
    pub fn line(&self) -> Option<usize> {
        match self {
            ProfileFileError::Syntax { line, .. } => Some(*line),
            ProfileFileError::Read { .. } => None,
        }
    }
}

impl fmt::Display for ProfileFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileFileError::Syntax {
                file,
                line,
                problem,
            } => write!(f, "{} line {line}: {problem}", Escaped(file)),
            ProfileFileError::Read { file, source } => {
                write!(f, "{}: cannot read: {source}", Escaped(file))
            }
        }
    }
}

impl std::error::Error for ProfileFileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProfileFileError::Read { source, .. } => Some(source),
            ProfileFileError::Syntax { .. } => None,
        }
    }
}

/// One property: its value and, for `key =` followed by indented lines, its sub-properties,
/// and where it was written (for messages; not part of equality).
#[derive(Clone, Default)]
struct Property {
    value: String,
    sub: Vec<(String, String)>,
    file: std::sync::Arc<str>,
    line: usize,
}

impl PartialEq for Property {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value && self.sub == other.sub
    }
}

impl Eq for Property {}

/// A section of a profile file: a profile, an sso-session or a services section.
///
/// `Debug` redacts the values of secret keys (any key containing `secret`, `token` or
/// `password`, such as `aws_secret_access_key` and `aws_session_token`) and the user
/// information of URLs (`endpoint_url = https://user:pass@host`).
///
/// ```
/// use kms_lite::__private::profile_file::{parse, FileKind};
/// let set = parse("[services dev]\nkms =\n  endpoint_url = http://localhost:4566\n",
///     FileKind::Config, "~/.aws/config").unwrap();
/// let dev = set.services("dev").unwrap();
/// assert_eq!(dev.sub_property("kms", "endpoint_url"), Some("http://localhost:4566"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Section {
    name: String,
    properties: BTreeMap<String, Property>,
}

/// A profile: `[default]` or `[profile NAME]` in the config file, `[NAME]` in credentials.
pub type Profile = Section;

impl Section {
    fn new(name: &str) -> Self {
        Section {
            name: name.to_string(),
            properties: BTreeMap::new(),
        }
    }

    /// The section's name (`foo` for `[profile foo]`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value of `key` (matched case-insensitively), if set. For a property with
    /// sub-properties this is the raw text, a newline then each sub-property line, as the SDKs
    /// return it.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.properties
            .get(&key.to_ascii_lowercase())
            .map(|p| p.value.as_str())
    }

    /// The value of sub-property `sub` (matched exactly) nested under `key` (matched
    /// case-insensitively). The last definition wins.
    pub fn sub_property(&self, key: &str, sub: &str) -> Option<&str> {
        self.properties
            .get(&key.to_ascii_lowercase())?
            .sub
            .iter()
            .rev()
            .find(|(k, _)| k == sub)
            .map(|(_, v)| v.as_str())
    }

    /// Where `key` was set: the file name and the 1-based line number.
    ///
    /// ```
    /// use kms_lite::__private::profile_file::{parse, FileKind};
    /// let set = parse("[default]\n\nregion = eu-west-1\n", FileKind::Config, "~/.aws/config").unwrap();
    /// assert_eq!(set.profile("default").unwrap().origin("Region"), Some(("~/.aws/config", 3)));
    /// ```
    pub fn origin(&self, key: &str) -> Option<(&str, usize)> {
        self.properties
            .get(&key.to_ascii_lowercase())
            .map(|p| (&*p.file, p.line))
    }

    /// The (lower-cased) keys that are set, in sorted order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.properties.keys().map(String::as_str)
    }

    /// Whether no keys are set.
    pub fn is_empty(&self) -> bool {
        self.properties.is_empty()
    }
}

/// Whether the value of `key` must not be shown: credentials, tokens, passwords, the command
/// line of a `credential_process` (it may carry a password or a token) and an `external_id`
/// (the shared secret of a cross-account role).
fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.contains("secret")
        || key.contains("token")
        || key.contains("password")
        || key == "credential_process"
        || key == "external_id"
}

/// A value as `Debug` shows it: a URL without its user information.
fn shown(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains("://") {
        crate::endpoint::redact_url(value)
    } else {
        value.into()
    }
}

struct Redacted<'a>(&'a str, &'a Property);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Redacted(key, property) = *self;
        let secret = is_secret_key(key);
        if property.sub.is_empty() {
            if secret {
                f.write_str("\"** redacted **\"")
            } else {
                fmt::Debug::fmt(&shown(&property.value), f)
            }
        } else {
            let mut map = f.debug_map();
            for (k, v) in &property.sub {
                if secret || is_secret_key(k) {
                    map.entry(k, &"** redacted **");
                } else {
                    map.entry(k, &shown(v));
                }
            }
            map.finish()
        }
    }
}

impl fmt::Debug for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Props<'a>(&'a BTreeMap<String, Property>);
        impl fmt::Debug for Props<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_map()
                    .entries(self.0.iter().map(|(k, p)| (k, Redacted(k, p))))
                    .finish()
            }
        }
        f.debug_struct("Section")
            .field("name", &self.name)
            .field("properties", &Props(&self.properties))
            .finish()
    }
}

/// The profiles, sso-sessions and services sections of one or both shared files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileSet {
    profiles: BTreeMap<String, Section>,
    sso_sessions: BTreeMap<String, Section>,
    services: BTreeMap<String, Section>,
    warnings: Vec<String>,
}

impl ProfileSet {
    /// Combines the config file's set with the credentials file's: profiles present in both are
    /// merged key by key, the credentials file's value winning (as in the SDKs). Sso-session and
    /// services sections come from the config file only. Warnings of both are kept.
    ///
    /// ```
    /// use kms_lite::__private::profile_file::{parse, FileKind, ProfileSet};
    /// let config = parse("[profile dev]\nregion = eu-west-1\naws_access_key_id = A\n",
    ///     FileKind::Config, "config").unwrap();
    /// let creds = parse("[dev]\naws_access_key_id = B\n", FileKind::Credentials, "credentials")
    ///     .unwrap();
    /// let set = ProfileSet::merge(config, creds);
    /// let dev = set.profile("dev").unwrap();
    /// assert_eq!(dev.get("region"), Some("eu-west-1"));
    /// assert_eq!(dev.get("AWS_ACCESS_KEY_ID"), Some("B"));
    /// ```
    pub fn merge(config: ProfileSet, credentials: ProfileSet) -> ProfileSet {
        let mut merged = config;
        for (name, section) in credentials.profiles {
            let target = merged
                .profiles
                .entry(name)
                .or_insert_with_key(|name| Section::new(name));
            target.properties.extend(section.properties);
        }
        for (name, section) in credentials.sso_sessions {
            merged.sso_sessions.entry(name).or_insert(section);
        }
        for (name, section) in credentials.services {
            merged.services.entry(name).or_insert(section);
        }
        merged.warnings.extend(credentials.warnings);
        merged
    }

    /// Parses and merges the texts of the two files, each given as `(text, file_name)`; an
    /// absent file counts as empty.
    ///
    /// ```
    /// use kms_lite::__private::profile_file::ProfileSet;
    /// let set = ProfileSet::from_files(
    ///     Some(("[default]\nregion = eu-west-1\n", "~/.aws/config")),
    ///     None,
    /// )
    /// .unwrap();
    /// assert_eq!(set.profile("default").unwrap().get("region"), Some("eu-west-1"));
    /// ```
    pub fn from_files(
        config: Option<(&str, &str)>,
        credentials: Option<(&str, &str)>,
    ) -> Result<ProfileSet, ProfileFileError> {
        let config = match config {
            Some((text, name)) => parse(text, FileKind::Config, name)?,
            None => ProfileSet::default(),
        };
        let credentials = match credentials {
            Some((text, name)) => parse(text, FileKind::Credentials, name)?,
            None => ProfileSet::default(),
        };
        Ok(ProfileSet::merge(config, credentials))
    }

    /// The profile called `name` (case-sensitive), e.g. `default`.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.get(name)
    }

    /// The `[sso-session NAME]` section called `name`.
    pub fn sso_session(&self, name: &str) -> Option<&Section> {
        self.sso_sessions.get(name)
    }

    /// The `[services NAME]` section called `name` (named by a profile's `services` key).
    pub fn services(&self, name: &str) -> Option<&Section> {
        self.services.get(name)
    }

    /// The names of all profiles, sorted.
    pub fn profile_names(&self) -> impl Iterator<Item = &str> {
        self.profiles.keys().map(String::as_str)
    }

    /// Sections and keys that were ignored, one message each (`file line N: ...`), naming them
    /// but never showing a value.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Whether there are no profiles, sso-sessions or services sections.
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty() && self.sso_sessions.is_empty() && self.services.is_empty()
    }
}

/// Parses the text of one shared file. `file_name` is only used in errors and warnings.
///
/// ```
/// use kms_lite::__private::profile_file::{parse, FileKind};
/// let text = "[default]\nregion = us-east-1 ; the usual\n[profile dev]\nregion=eu-west-1\n";
/// let set = parse(text, FileKind::Config, "~/.aws/config").unwrap();
/// assert_eq!(set.profile("default").unwrap().get("region"), Some("us-east-1"));
/// assert_eq!(set.profile("dev").unwrap().get("Region"), Some("eu-west-1"));
///
/// let err = parse("[default]\nregion\n", FileKind::Config, "~/.aws/config").unwrap_err();
/// assert_eq!(err.to_string(), "~/.aws/config line 2: expected `key = value`");
/// ```
pub fn parse(text: &str, kind: FileKind, file_name: &str) -> Result<ProfileSet, ProfileFileError> {
    let raw = parse_raw(text, file_name)?;
    Ok(normalize(raw, kind, file_name))
}

/// A section as written, before validation.
struct RawSection {
    header: String,
    line: usize,
    properties: Vec<RawProperty>,
}

struct RawProperty {
    key: String,
    line: usize,
    property: Property,
    has_sub_properties: bool,
}

fn parse_raw(text: &str, file: &str) -> Result<Vec<RawSection>, ProfileFileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let file_name: std::sync::Arc<str> = file.into();
    let mut sections: Vec<RawSection> = Vec::new();
    for (index, line) in text.split('\n').enumerate() {
        let number = index + 1;
        let error = |problem| ProfileFileError::Syntax {
            file: file.to_string(),
            line: number,
            problem,
        };
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim_matches(WHITESPACE).is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if line.starts_with('[') {
            let header = strip_comment(line, false);
            let inner = header
                .strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .ok_or_else(|| error(SyntaxProblem::UnterminatedHeader))?;
            sections.push(RawSection {
                header: inner.trim_matches(WHITESPACE).to_string(),
                line: number,
                properties: Vec::new(),
            });
        } else if line.starts_with(WHITESPACE) {
            let section = sections
                .last_mut()
                .ok_or_else(|| error(SyntaxProblem::ContinuationOutsideSection))?;
            let current = section
                .properties
                .last_mut()
                .ok_or_else(|| error(SyntaxProblem::ContinuationWithoutProperty))?;
            let continued = line.trim_matches(WHITESPACE);
            if current.has_sub_properties {
                let (k, v) = split_property(continued).map_err(|e| {
                    error(match e {
                        SyntaxProblem::EmptyKey => {
                            SyntaxProblem::EmptySubPropertyKey(shown_name(&current.key))
                        }
                        _ => SyntaxProblem::ExpectedSubProperty(shown_name(&current.key)),
                    })
                })?;
                current.property.sub.push((k.to_string(), v.to_string()));
            }
            current.property.value.push('\n');
            current.property.value.push_str(continued);
        } else {
            let parsed = split_property(line);
            let Some(section) = sections.last_mut() else {
                return Err(error(match parsed {
                    Ok((key, _)) => SyntaxProblem::PropertyOutsideSection(shown_name(key)),
                    Err(_) => SyntaxProblem::ExpectedKeyValue,
                }));
            };
            let (key, value) = parsed.map_err(error)?;
            section.properties.push(RawProperty {
                key: key.to_ascii_lowercase(),
                line: number,
                property: Property {
                    value: value.to_string(),
                    sub: Vec::new(),
                    file: std::sync::Arc::clone(&file_name),
                    line: number,
                },
                has_sub_properties: value.is_empty(),
            });
        }
    }
    Ok(sections)
}

const WHITESPACE: [char; 2] = [' ', '\t'];

/// Splits `key = value` (inline comments removed, both sides trimmed).
fn split_property(line: &str) -> Result<(&str, &str), SyntaxProblem> {
    let line = strip_comment(line, true);
    let (key, value) = line
        .split_once('=')
        .ok_or(SyntaxProblem::ExpectedKeyValue)?;
    let key = key.trim_matches(WHITESPACE);
    if key.is_empty() {
        return Err(SyntaxProblem::EmptyKey);
    }
    Ok((key, value.trim_matches(WHITESPACE)))
}

/// Trims `line` and cuts it at the first `#` or `;` (only one preceded by whitespace when
/// `need_whitespace`).
fn strip_comment(line: &str, need_whitespace: bool) -> &str {
    let line = line.trim_matches(WHITESPACE);
    let mut previous_space = false;
    for (i, c) in line.char_indices() {
        if (c == '#' || c == ';') && (previous_space || !need_whitespace) {
            return line[..i].trim_matches(WHITESPACE);
        }
        previous_space = c == ' ' || c == '\t';
    }
    line
}

/// Whether `name` is a valid profile, section or key name: `[A-Za-z0-9_\-/.%@:+]+`.
fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c))
}

enum Target {
    Profile(String),
    SsoSession(String),
    Services(String),
}

/// Decides what a header means in a file of `kind`, or why it is ignored. Messages name the
/// section only when its words are plain names (see [`shown_name`]).
fn classify(header: &str, kind: FileKind) -> Result<Target, String> {
    let (prefix, name) = match header.split_once(WHITESPACE) {
        Some((prefix, name)) => (Some(prefix), name.trim_matches(WHITESPACE)),
        None => (None, header),
    };
    let section = match (prefix.map(shown_name).as_deref(), shown_name(name).as_str()) {
        (_, "") | (Some(""), _) => "a section".to_owned(),
        (Some(p), n) => format!("section `[{p} {n}]`"),
        (None, n) => format!("section `[{n}]`"),
    };
    if !is_identifier(name) {
        return Err(format!("{section} ignored: its name is not a valid name"));
    }
    match (kind, prefix) {
        (FileKind::Config, None) if name == "default" => Ok(Target::Profile(name.to_string())),
        (FileKind::Config, None) => Err(format!(
            "{section} ignored: profiles in the config file need the `profile` prefix{}",
            match shown_name(name).as_str() {
                "" => String::new(),
                n => format!(", as in `[profile {n}]`"),
            }
        )),
        (FileKind::Config, Some("profile")) => Ok(Target::Profile(name.to_string())),
        (FileKind::Config, Some("sso-session")) => Ok(Target::SsoSession(name.to_string())),
        (FileKind::Config, Some("services")) => Ok(Target::Services(name.to_string())),
        (FileKind::Config, Some(_)) => Err(format!("{section} ignored: unknown kind of section")),
        (FileKind::Credentials, None) => Ok(Target::Profile(name.to_string())),
        (FileKind::Credentials, Some(_)) => Err(format!(
            "{section} ignored: sections in the credentials file take no prefix, other \
             sections belong in the config file"
        )),
    }
}

fn normalize(raw: Vec<RawSection>, kind: FileKind, file: &str) -> ProfileSet {
    // The name may come from AWS_CONFIG_FILE: escaped in the warnings.
    let file = Escaped(file);
    let mut set = ProfileSet::default();
    let classified: Vec<(Result<Target, String>, RawSection)> = raw
        .into_iter()
        .map(|section| (classify(&section.header, kind), section))
        .collect();
    let has_prefixed_default = kind == FileKind::Config
        && classified.iter().any(|(target, section)| {
            matches!(target, Ok(Target::Profile(n)) if n == "default")
                && section.header != "default"
        });
    for (target, section) in classified {
        let line = section.line;
        let target = match target {
            Ok(Target::Profile(name))
                if has_prefixed_default && name == "default" && section.header == "default" =>
            {
                set.warnings.push(format!(
                    "{file} line {line}: section `[default]` ignored: `[profile default]` takes \
                     precedence"
                ));
                continue;
            }
            Ok(target) => target,
            Err(message) => {
                set.warnings.push(format!("{file} line {line}: {message}"));
                continue;
            }
        };
        let (map, name) = match target {
            Target::Profile(name) => (&mut set.profiles, name),
            Target::SsoSession(name) => (&mut set.sso_sessions, name),
            Target::Services(name) => (&mut set.services, name),
        };
        let destination = map
            .entry(name)
            .or_insert_with_key(|name| Section::new(name));
        for property in section.properties {
            if is_identifier(&property.key) {
                destination
                    .properties
                    .insert(property.key, property.property);
            } else {
                set.warnings.push(format!(
                    "{file} line {}: a key that is not a valid property name was ignored",
                    property.line
                ));
            }
        }
    }
    set
}

/// A name as messages may show it: only when it is a plain name (ASCII letters, digits, `_`,
/// `-` and `.`, at most 64 of them), else empty. A line that is not what it should be may hold
/// a secret (`aws_secret_access_key wJalr...` without its `=`), so nothing else of it is shown.
pub(crate) fn shown_name(name: &str) -> String {
    let plain = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
    if plain {
        name.to_owned()
    } else {
        String::new()
    }
}

/// "`name`", or "a property" when the name is not shown.
fn quoted(shown: &str) -> String {
    if shown.is_empty() {
        "a property".to_owned()
    } else {
        format!("`{shown}`")
    }
}

/// "property `name`", or "a property" when the name is not shown.
fn property(shown: &str) -> String {
    if shown.is_empty() {
        "a property".to_owned()
    } else {
        format!("property `{shown}`")
    }
}

/// The profile to use: `explicit` (e.g. `--profile`) if given and not blank, else `AWS_PROFILE`,
/// else `default`.
///
/// ```
/// use kms_lite::config::Env;
/// use kms_lite::__private::profile_file::selected_profile;
/// let env = Env::from_pairs([("AWS_PROFILE", "dev")]);
/// assert_eq!(selected_profile(&env, Some("prod")), "prod");
/// assert_eq!(selected_profile(&env, None), "dev");
/// assert_eq!(selected_profile(&Env::from_pairs::<&str, &str>([]), None), "default");
/// ```
pub fn selected_profile(env: &Env, explicit: Option<&str>) -> String {
    explicit
        .map(|p| p.trim_matches(WHITESPACE))
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .or_else(|| env.get_non_empty("AWS_PROFILE"))
        .unwrap_or_else(|| "default".to_string())
}

/// Finds, reads, parses and merges the config and credentials files.
///
/// Paths: `AWS_CONFIG_FILE` (else `~/.aws/config`) and `AWS_SHARED_CREDENTIALS_FILE` (else
/// `~/.aws/credentials`), where a leading `~` (alone, or followed by `/`, or `\` on Windows) is the
/// home directory: `HOME`, then on Windows `USERPROFILE`, all read from `env`. A file that does
/// not exist (or a `~` path with no home directory) counts as empty; one that cannot be read or
/// is malformed is an error. Errors name the path as the user wrote it (`~/.aws/config`).
pub fn load(env: &Env) -> Result<ProfileSet, ProfileFileError> {
    let home = home_dir(env);
    let config = read_one(env, "AWS_CONFIG_FILE", "~/.aws/config", home.as_deref())?;
    let credentials = read_one(
        env,
        "AWS_SHARED_CREDENTIALS_FILE",
        "~/.aws/credentials",
        home.as_deref(),
    )?;
    ProfileSet::from_files(
        config
            .as_ref()
            .map(|(text, name)| (text.as_str(), name.as_str())),
        credentials
            .as_ref()
            .map(|(text, name)| (text.as_str(), name.as_str())),
    )
}

fn home_dir(env: &Env) -> Option<String> {
    env.get_non_empty("HOME").or_else(|| {
        if cfg!(windows) {
            env.get_non_empty("USERPROFILE")
        } else {
            None
        }
    })
}

/// `path` with a leading `~` replaced by `home`; `None` if it needs a home and there is none.
fn expand_tilde(path: &str, home: Option<&str>) -> Option<PathBuf> {
    let rest = if path == "~" {
        Some("")
    } else {
        path.strip_prefix("~/").or_else(|| {
            if cfg!(windows) {
                path.strip_prefix("~\\")
            } else {
                None
            }
        })
    };
    match rest {
        None => Some(PathBuf::from(path)),
        Some(rest) => {
            let mut full = PathBuf::from(home?);
            if !rest.is_empty() {
                full.push(rest);
            }
            Some(full)
        }
    }
}

/// Reads the file named by `var` (or `default`): its text and display name, `None` if absent.
fn read_one(
    env: &Env,
    var: &str,
    default: &str,
    home: Option<&str>,
) -> Result<Option<(String, String)>, ProfileFileError> {
    let name = env
        .get_non_empty(var)
        .unwrap_or_else(|| default.to_string());
    let Some(path) = expand_tilde(&name, home) else {
        return Ok(None);
    };
    match crate::bounded_file::read_to_string(&path, crate::bounded_file::PROFILE_FILE_CAP) {
        Ok(text) => Ok(Some((text, name))),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(ProfileFileError::Read {
            file: name,
            source: e.into_io(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_comment_rules() {
        assert_eq!(strip_comment("a = b # c # d", true), "a = b");
        assert_eq!(strip_comment("a = b#c # d", true), "a = b#c");
        assert_eq!(strip_comment("a = b#c # d", false), "a = b");
        assert_eq!(strip_comment("\ta = b\t;c", true), "a = b");
        assert_eq!(strip_comment("a = ;", true), "a =");
    }

    #[test]
    fn tilde_expansion() {
        assert_eq!(
            expand_tilde("~/x/y", Some("/home/me")),
            Some(PathBuf::from("/home/me/x/y"))
        );
        assert_eq!(expand_tilde("~", Some("/h")), Some(PathBuf::from("/h")));
        assert_eq!(expand_tilde("~/x", None), None);
        assert_eq!(expand_tilde("~bob/x", None), Some(PathBuf::from("~bob/x")));
        assert_eq!(expand_tilde("/etc/x", None), Some(PathBuf::from("/etc/x")));
    }

    #[test]
    fn debug_hides_credential_process_and_external_id() {
        let set = parse(
            "[default]\ncredential_process = get-creds --password hunter2\n\
             external_id = xid-42\nregion = eu-west-1\n",
            FileKind::Config,
            "config",
        )
        .unwrap();
        let shown = format!("{set:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("xid-42"),
            "{shown}"
        );
        assert!(shown.contains("eu-west-1"), "{shown}");
    }

    #[test]
    fn only_plain_names_are_shown() {
        assert_eq!(shown_name("aws_session_token"), "aws_session_token");
        assert_eq!(shown_name("aws_session_token TOKEN"), "");
        assert_eq!(shown_name("aws_secret_access_key:wJalr/XUtn+FEMI"), "");
        assert_eq!(shown_name("a\nb"), "");
        assert_eq!(shown_name(&"k".repeat(65)), "");
    }
}
