//! smithy-rs's cross-SDK profile-file suites, read from `../shared/aws-test-data/smithy-rs/`
//! (see `../shared/aws-test-data/SOURCES.md`) and run through kms-lite's public API:
//!
//! - `profile_parser`: `profile-parser-tests.json`, each case's config and credentials texts
//!   through [`ProfileSet::from_files`], compared with the profiles and sso-sessions the SDKs
//!   produce, or the error they raise;
//! - `file_location`: `file-location-tests.json`, each case's environment (its absolute paths
//!   moved under a fresh temporary directory) through [`profile_file::load`] and
//!   [`selected_profile`]: the files read must be the ones the case names.
//!
//! One test per case, named after it (a repeated name gets `_2`); `every_case_is_listed` in each
//! module fails when the data and the list disagree. The data is read at run time and never
//! copied here; without it each test passes after a loud `SKIPPED` line.

#[path = "support/shared_data.rs"]
#[macro_use]
mod shared_data;

use std::sync::OnceLock;

use kms_lite::__private::profile_file::{
    self, ProfileFileError, ProfileSet, SyntaxProblem, selected_profile,
};
use kms_lite::config::Env;
use serde_json::Value;

/// Fails on a member the runner does not check, so that new data is never half-read.
fn only_keys(value: &Value, known: &[&str], what: &str) {
    if let Some(map) = value.as_object() {
        for key in map.keys() {
            assert!(
                known.contains(&key.as_str()),
                "{what}: unknown member {key}: teach the runner about it"
            );
        }
    }
}

mod profile_parser {
    use super::*;

    const DATA: &str = "aws-test-data/smithy-rs/profile-parser-tests.json";

    fn cases() -> Option<&'static [(String, Value)]> {
        static CASES: OnceLock<Option<Vec<(String, Value)>>> = OnceLock::new();
        CASES
            .get_or_init(|| shared_data::load_cases(DATA, "tests", "name"))
            .as_deref()
    }

    /// Whether kms-lite's syntax problem is the one the SDKs' message names.
    fn is_problem(problem: &SyntaxProblem, sdk_message: &str) -> bool {
        use SyntaxProblem as P;
        match sdk_message {
            "Profile definition must end with ']'" => matches!(problem, P::UnterminatedHeader),
            "Expected a profile definition" => matches!(
                problem,
                P::PropertyOutsideSection(_) | P::ContinuationOutsideSection
            ),
            "Property did not have a name" => matches!(problem, P::EmptyKey),
            "Expected an '=' sign defining a property" => matches!(problem, P::ExpectedKeyValue),
            "Expected a property definition"
            | "Expected a property definition, found continuation" => {
                matches!(problem, P::ContinuationWithoutProperty)
            }
            "Expected an '=' sign defining a sub-property" => {
                matches!(problem, P::ExpectedSubProperty(_))
            }
            "Sub-property did not have a name" => matches!(problem, P::EmptySubPropertyKey(_)),
            other => panic!("no kms-lite syntax problem is known for {other:?}: add it"),
        }
    }

    /// Every name a `[...]` header of `text` could give a section: the last word inside.
    fn header_names(text: &str) -> Vec<String> {
        text.lines()
            .filter_map(|l| l.trim().strip_prefix('['))
            .filter_map(|inside| inside.split(']').next())
            .filter_map(|inside| inside.split_whitespace().last())
            .map(str::to_owned)
            .collect()
    }

    /// The section's properties as the SDKs' suite writes them: key, then value.
    fn properties(section: &profile_file::Section) -> Vec<(String, String)> {
        section
            .keys()
            .map(|k| (k.to_owned(), section.get(k).unwrap_or_default().to_owned()))
            .collect()
    }

    fn expected_properties(value: &Value, what: &str) -> Vec<(String, String)> {
        let mut props: Vec<(String, String)> = value
            .as_object()
            .unwrap_or_else(|| panic!("{what}: properties are an object"))
            .iter()
            .map(|(k, v)| {
                let v = v
                    .as_str()
                    .unwrap_or_else(|| panic!("{what}: {k} is not text: teach the runner"));
                (k.clone(), v.to_owned())
            })
            .collect();
        props.sort();
        props
    }

    fn run(name: &str) {
        let Some(cases) = cases() else {
            return;
        };
        let case = shared_data::find_case(cases, name, DATA);
        only_keys(case, &["name", "input", "output"], name);
        let input = &case["input"];
        only_keys(input, &["configFile", "credentialsFile"], name);
        let config = input["configFile"].as_str();
        let credentials = input["credentialsFile"].as_str();
        let result = ProfileSet::from_files(
            config.map(|t| (t, "config")),
            credentials.map(|t| (t, "credentials")),
        );
        let output = &case["output"];
        only_keys(output, &["config", "errorContaining"], name);

        if let Some(message) = output["errorContaining"].as_str() {
            match result {
                Err(ProfileFileError::Syntax { problem, .. }) => assert!(
                    is_problem(&problem, message),
                    "{name}: the SDKs say {message:?}, kms-lite {problem:?}"
                ),
                other => panic!("{name}: the SDKs say {message:?}, kms-lite {other:?}"),
            }
            return;
        }
        let set = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        let want = &output["config"];
        only_keys(want, &["profiles", "sso_sessions"], name);

        let want_profiles = want["profiles"]
            .as_object()
            .unwrap_or_else(|| panic!("{name}: profiles is an object"));
        let got_names: Vec<&str> = set.profile_names().collect();
        let mut want_names: Vec<&str> = want_profiles.keys().map(String::as_str).collect();
        want_names.sort_unstable();
        assert_eq!(got_names, want_names, "{name}: profiles");
        for (profile, props) in want_profiles {
            let got = properties(set.profile(profile).expect("listed"));
            assert_eq!(
                got,
                expected_properties(props, name),
                "{name}: profile {profile}"
            );
        }

        if let Some(sessions) = want["sso_sessions"].as_object() {
            let candidates = config.into_iter().chain(credentials).flat_map(header_names);
            for candidate in candidates {
                let got = set.sso_session(&candidate).map(properties);
                let want = sessions
                    .get(&candidate)
                    .map(|p| expected_properties(p, name));
                assert_eq!(got, want, "{name}: sso-session {candidate}");
            }
            for session in sessions.keys() {
                assert!(
                    set.sso_session(session).is_some(),
                    "{name}: sso-session {session}"
                );
            }
        }
    }

    #[test]
    fn every_case_is_listed() {
        if let Some(cases) = cases() {
            shared_data::assert_every_case_listed(CASES, cases, 65, DATA);
        }
    }

    cases! {
        empty_files_have_no_profiles,
        empty_profiles_have_no_properties,
        profile_names_support_alphanumeric_characters_and,
        profile_definitions_must_end_with_brackets,
        profile_names_should_be_trimmed,
        tabs_can_separate_profile_names_from_profile_prefix,
        properties_must_be_defined_in_a_profile,
        profiles_can_contain_properties,
        windows_style_line_endings_are_supported,
        equals_signs_are_supported_in_property_values,
        unicode_characters_are_supported_in_property_values,
        profiles_can_contain_multiple_properties,
        profiles_can_contain_multiple_properties_2,
        property_keys_and_values_are_trimmed,
        property_values_can_be_empty,
        property_key_cannot_be_empty,
        property_definitions_must_contain_an_equals_sign,
        multiple_profiles_can_be_empty,
        multiple_profiles_can_have_properties,
        blank_lines_are_ignored,
        pound_sign_comments_are_ignored,
        semicolon_sign_comments_are_ignored,
        all_comment_types_can_be_used_together,
        comments_can_be_empty,
        comments_can_be_adjacent_to_profile_names,
        comments_adjacent_to_values_are_included_in_the_value,
        property_values_can_be_continued_on_the_next_line,
        property_values_can_be_continued_with_multiple_lines,
        continuations_are_trimmed,
        continuation_values_include_pound_comments,
        continuation_values_include_semicolon_comments,
        continuations_cannot_be_used_outside_of_a_profile,
        continuations_cannot_be_used_outside_of_a_property,
        continuations_reset_with_profile_definitions,
        duplicate_profiles_in_the_same_file_merge_properties,
        duplicate_properties_in_a_profile_use_the_last_one_defined,
        duplicate_properties_in_duplicate_profiles_use_the_last_one_defined,
        duplicate_properties_in_duplicate_profiles_use_the_last_one_defined_case_insensitive,
        default_profile_with_profile_prefix_overrides_default_profile_without_prefix_when_profile_prefix_is_first,
        default_profile_with_profile_prefix_overrides_default_profile_without_prefix_when_profile_prefix_is_last,
        invalid_profile_names_are_ignored,
        invalid_property_names_are_ignored,
        all_valid_profile_name_characters_are_supported,
        all_valid_property_name_characters_are_supported,
        properties_can_have_sub_properties,
        invalid_sub_property_definitions_cause_an_error,
        sub_property_definitions_can_have_an_empty_value,
        sub_property_definitions_cannot_have_an_empty_name,
        sub_property_definitions_can_have_an_invalid_name,
        sub_properties_can_have_blank_lines_that_are_ignored,
        profiles_duplicated_in_multiple_files_are_merged,
        default_profiles_with_mixed_prefixes_in_the_config_file_ignore_the_one_without_prefix_when_merging,
        default_profiles_with_mixed_prefixes_merge_with_credentials,
        duplicate_properties_between_files_uses_credentials_property,
        config_profiles_without_prefix_are_ignored,
        credentials_profiles_with_prefix_are_ignored,
        comment_characters_adjacent_to_profile_decls,
        invalid_continuation,
        sneaky_profile_name,
        profile_name_with_extra_whitespace,
        profile_name_with_extra_whitespace_in_credentials,
        properties_from_an_invalid_profile_name_are_ignored,
        sso_session_with_properties,
        sso_session_without_the_space_before_the_name_is_a_profile,
        a_typo_d_sso_session_will_be_ignored,
    }
}

mod file_location {
    use super::*;

    const DATA: &str = "aws-test-data/smithy-rs/file-location-tests.json";

    fn cases() -> Option<&'static [(String, Value)]> {
        static CASES: OnceLock<Option<Vec<(String, Value)>>> = OnceLock::new();
        CASES
            .get_or_init(|| shared_data::load_cases(DATA, "tests", "name"))
            .as_deref()
    }

    fn run(name: &str) {
        let Some(cases) = cases() else {
            return;
        };
        let case = shared_data::find_case(cases, name, DATA);
        only_keys(
            case,
            &[
                "name",
                "environment",
                "platform",
                "profile",
                "configLocation",
                "credentialsLocation",
            ],
            name,
        );
        // The runner stages Unix paths under a temporary directory: it runs the cases of Unix
        // builds (the suite's "linux") and says why it skips the others.
        match (case["platform"].as_str(), cfg!(windows)) {
            (Some("linux"), false) => {}
            (Some("windows"), false) => {
                shared_data::not_applicable(
                    name,
                    "a Windows-only rule (USERPROFILE, HOMEDRIVE and HOMEPATH, drive-letter \
                     paths); this build is not for Windows",
                );
                return;
            }
            (Some("linux"), true) => {
                shared_data::not_applicable(name, "a Unix rule; this build is for Windows");
                return;
            }
            (Some("windows"), true) => {
                shared_data::not_applicable(
                    name,
                    "the runner stages Unix paths only: kms-lite's Windows home rule (HOME, \
                     then USERPROFILE; HOMEDRIVE and HOMEPATH are not read) is not checked here",
                );
                return;
            }
            (other, _) => panic!("{name}: unknown platform {other:?}"),
        }

        // Absolute paths move under a fresh directory; the files the case names are made
        // there, each with a marker, and nothing else exists.
        let root = std::env::temp_dir().join(format!(
            "kms-lite-file-location-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&root);
        let moved = |p: &str| {
            assert!(p.starts_with('/'), "{name}: {p} is not absolute");
            format!("{}{p}", root.display())
        };
        let env: Vec<(String, String)> = case["environment"]
            .as_object()
            .expect("an environment")
            .iter()
            .map(|(k, v)| {
                let v = v.as_str().expect("variables are text");
                let v = if v.starts_with('/') {
                    moved(v)
                } else {
                    v.to_owned()
                };
                (k.clone(), v)
            })
            .collect();
        let write = |location: &str, text: &str| {
            let path = std::path::PathBuf::from(moved(location));
            std::fs::create_dir_all(path.parent().expect("a parent")).unwrap();
            std::fs::write(&path, text).unwrap();
        };
        write(
            case["configLocation"].as_str().expect("configLocation"),
            "[default]\nread_from = config\n",
        );
        write(
            case["credentialsLocation"]
                .as_str()
                .expect("credentialsLocation"),
            "[default]\nalso_read_from = credentials\n",
        );

        let env = Env::from_pairs(env);
        let set = profile_file::load(&env).unwrap_or_else(|e| panic!("{name}: {e}"));
        let default = set.profile("default");
        assert_eq!(
            default.and_then(|p| p.get("read_from")),
            Some("config"),
            "{name}: the config file read"
        );
        assert_eq!(
            default.and_then(|p| p.get("also_read_from")),
            Some("credentials"),
            "{name}: the credentials file read"
        );
        if let Some(profile) = case["profile"].as_str() {
            assert_eq!(selected_profile(&env, None), profile, "{name}: profile");
        }
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn every_case_is_listed() {
        if let Some(cases) = cases() {
            shared_data::assert_every_case_listed(CASES, cases, 9, DATA);
        }
    }

    cases! {
        user_home_is_loaded_from_home_with_highest_priority_on_non_windows_platforms,
        user_home_is_loaded_from_home_with_highest_priority_on_windows_platforms,
        user_home_is_loaded_from_userprofile_on_windows_platforms_when_home_is_not_set,
        user_home_is_loaded_from_homedrive_homepath_on_windows_platforms_when_home_and_userprofile_are_not_set,
        the_default_config_location_can_be_overridden_by_the_user_on_non_windows_platforms,
        the_default_credentials_location_can_be_overridden_by_the_user_on_non_windows_platforms,
        the_default_credentials_location_can_be_overridden_by_the_user_on_windows_platforms,
        the_default_credentials_location_can_be_overridden_by_the_user_on_windows_platforms_2,
        the_default_profile_can_be_overridden_via_environment_variable,
    }
}
