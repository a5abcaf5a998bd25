//! The `User-Agent` of KMS requests: kms-lite's name and version, then the application id as
//! the AWS SDKs append it (`app/<id>`), so that CloudTrail can attribute calls to the
//! application that made them.

use crate::error::ConfigError;

/// kms-lite's part of the `User-Agent`, for KMS and for the credential providers' calls.
pub(crate) const USER_AGENT: &str = concat!("kms-lite/", env!("CARGO_PKG_VERSION"));

/// The longest application id the SDKs recommend (botocore and the Rust SDK warn beyond it).
pub(crate) const MAX_APP_ID_LEN: usize = 50;

/// The characters an application id may hold besides ASCII letters and digits: those both
/// botocore (which replaces any other with `-`) and the Rust SDK (which refuses any other)
/// send unchanged, so the header is the same whichever SDK a colleague's tool uses.
const APP_ID_PUNCTUATION: &str = "!$%&'*+-.^_`|~";

/// Checks an application id, naming `source` (never echoing the value) when it is refused.
pub(crate) fn check_app_id(id: &str, source: &str) -> Result<(), ConfigError> {
    let refuse = |problem: String| {
        Err(ConfigError::new(format!(
            "invalid application id (from {source}): {problem}; an application id is 1 to \
             {MAX_APP_ID_LEN} ASCII letters, digits or {APP_ID_PUNCTUATION} characters"
        )))
    };
    if id.is_empty() {
        return refuse("it is empty".to_owned());
    }
    if let Some(i) = id
        .chars()
        .position(|c| !c.is_ascii_alphanumeric() && !APP_ID_PUNCTUATION.contains(c))
    {
        return refuse(format!("character {} is not allowed", i + 1));
    }
    if id.len() > MAX_APP_ID_LEN {
        return refuse(format!("it has {} characters", id.len()));
    }
    Ok(())
}

/// The `User-Agent` header: [`USER_AGENT`], then ` app/<id>` when there is
/// an application id (already checked).
pub(crate) fn header(app_id: Option<&str>) -> String {
    match app_id {
        Some(id) => format!("{} app/{id}", USER_AGENT),
        None => USER_AGENT.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_ids_are_checked() {
        for ok in ["a", "my-app_1.2", "!$%&'*+-.^_`|~", &"x".repeat(50)] {
            check_app_id(ok, "code").unwrap();
        }
        let problem = |id: &str| {
            check_app_id(id, "AWS_SDK_UA_APP_ID")
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            problem("my app"),
            "invalid application id (from AWS_SDK_UA_APP_ID): character 3 is not allowed; an \
             application id is 1 to 50 ASCII letters, digits or !$%&'*+-.^_`|~ characters"
        );
        assert!(problem(&"x".repeat(51)).contains("it has 51 characters"));
        assert!(problem("").contains("it is empty"));
        // '#' separates a name from its value, ',' a list, '/' a prefix: none may pass.
        for bad in ["a#b", "a,b", "a/b", "é", "a\u{1b}[31m", "a\r\nX-Evil: 1"] {
            let p = problem(bad);
            assert!(p.contains("is not allowed"), "{bad:?}: {p}");
            assert!(!p.contains('\u{1b}') && !p.contains('\r'), "{p}");
        }
        assert_eq!(
            header(Some("billing")),
            concat!("kms-lite/", env!("CARGO_PKG_VERSION"), " app/billing")
        );
        assert_eq!(header(None), USER_AGENT);
    }
}
