//! The shared config/credentials file reader: one test per rule (see `src/profile_file.rs`).

use kms_lite::__private::profile_file::{
    FileKind, ProfileFileError, ProfileSet, SyntaxProblem, load, parse, selected_profile,
};
use kms_lite::config::Env;

const CONFIG: &str = "~/.aws/config";
const CREDS: &str = "~/.aws/credentials";

fn config(text: &str) -> ProfileSet {
    parse(text, FileKind::Config, CONFIG).expect("config parses")
}

fn creds(text: &str) -> ProfileSet {
    parse(text, FileKind::Credentials, CREDS).expect("credentials parse")
}

fn get<'a>(set: &'a ProfileSet, profile: &str, key: &str) -> Option<&'a str> {
    set.profile(profile).and_then(|p| p.get(key))
}

fn config_err(text: &str) -> ProfileFileError {
    parse(text, FileKind::Config, CONFIG).expect_err("config must not parse")
}

#[test]
fn config_profile_and_default_sections() {
    let set = config("[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\n");
    assert_eq!(get(&set, "default", "region"), Some("us-east-1"));
    assert_eq!(get(&set, "dev", "region"), Some("eu-west-1"));
    assert_eq!(set.profile_names().collect::<Vec<_>>(), ["default", "dev"]);
    assert_eq!(set.profile("dev").unwrap().name(), "dev");
    assert!(set.profile("profile dev").is_none());
    assert!(set.warnings().is_empty());
}

#[test]
fn profile_default_wins_over_default_whatever_the_order() {
    // As in the SDKs' shared test suite: `[default]` is ignored entirely, not merged.
    for text in [
        "[profile default]\nname = value\n[default]\nname2 = value2\n",
        "[default]\nname2 = value2\n[profile default]\nname = value\n",
        "[default]\nname = other\nname2 = value2\n[profile default]\nname = value\n",
    ] {
        let set = config(text);
        assert_eq!(get(&set, "default", "name"), Some("value"), "{text}");
        assert_eq!(get(&set, "default", "name2"), None, "{text}");
        assert_eq!(set.warnings().len(), 1, "{text}");
        assert!(set.warnings()[0].contains("[default]"));
    }
    // Both `[profile default]` sections still merge with each other.
    let set = config("[profile default]\na = 1\n[default]\nb = 2\n[profile default]\nc = 3\n");
    assert_eq!(get(&set, "default", "a"), Some("1"));
    assert_eq!(get(&set, "default", "b"), None);
    assert_eq!(get(&set, "default", "c"), Some("3"));
    // The rule is per file: the credentials file's [default] still merges in.
    let merged = ProfileSet::merge(
        config("[profile default]\na = 1\n[default]\nb = 2\n"),
        creds("[default]\nsecret = s\n"),
    );
    assert_eq!(get(&merged, "default", "a"), Some("1"));
    assert_eq!(get(&merged, "default", "secret"), Some("s"));
}

#[test]
fn services_and_sso_session_sections() {
    let set = config(
        "[profile dev]\nservices = local\nsso_session = corp\n\
         [services local]\nkms =\n  endpoint_url = http://localhost:4566\n\
         [sso-session corp]\nsso_region = us-east-1\nsso_start_url = https://corp.awsapps.com/start\n",
    );
    assert_eq!(get(&set, "dev", "services"), Some("local"));
    let local = set.services("local").unwrap();
    assert_eq!(
        local.sub_property("kms", "endpoint_url"),
        Some("http://localhost:4566")
    );
    let corp = set.sso_session("corp").unwrap();
    assert_eq!(corp.get("sso_region"), Some("us-east-1"));
    assert!(set.profile("local").is_none());
    assert!(set.profile("corp").is_none());
    // `[sso-sessionfoo]` has no prefix: in credentials it is a profile of that name.
    let set = creds("[sso-sessionfoo]\nname = value\n");
    assert_eq!(get(&set, "sso-sessionfoo", "name"), Some("value"));
    assert!(set.sso_session("foo").is_none());
}

#[test]
fn credentials_file_uses_bare_names() {
    let set = creds("[default]\naws_access_key_id = A\n[dev]\naws_access_key_id = B\n");
    assert_eq!(get(&set, "default", "aws_access_key_id"), Some("A"));
    assert_eq!(get(&set, "dev", "aws_access_key_id"), Some("B"));
}

#[test]
fn profile_prefix_in_credentials_file_is_not_a_prefix() {
    // SDK test suite: "Credentials profiles with prefix are ignored."
    let set = creds("[profile foo]\nname = value\n[sso-session bar]\nx = 1\n[foo2]\ny = 2\n");
    assert!(set.profile("foo").is_none());
    assert!(set.profile("profile foo").is_none());
    assert!(set.sso_session("bar").is_none());
    assert_eq!(get(&set, "foo2", "y"), Some("2"));
    assert_eq!(set.warnings().len(), 2);
    assert!(set.warnings()[0].starts_with("~/.aws/credentials line 1:"));
}

#[test]
fn credentials_keys_override_config_keys() {
    let merged = ProfileSet::merge(
        config("[profile foo]\nname = value\nregion = eu-west-1\n"),
        creds("[foo]\nname = value2\n[bar]\nx = 1\n"),
    );
    assert_eq!(get(&merged, "foo", "name"), Some("value2"));
    assert_eq!(get(&merged, "foo", "region"), Some("eu-west-1"));
    assert_eq!(get(&merged, "bar", "x"), Some("1"));
}

#[test]
fn header_with_extra_whitespace() {
    let set = config("[ profile  foo ]\nname = value\n[profile\tbar]\n[ \tdefault\t ]\nk = v\n");
    assert_eq!(get(&set, "foo", "name"), Some("value"));
    assert!(set.profile("bar").is_some());
    assert_eq!(get(&set, "default", "k"), Some("v"));
    let set = creds("[   foo    ]\nname = value\n");
    assert_eq!(get(&set, "foo", "name"), Some("value"));
}

#[test]
fn whole_line_comments() {
    let set = config(
        "# hash\n; semicolon\n[profile foo] # after a header\n#k = v\n;k = v\nname = value\n[profile bar]; adjacent\n[profile baz]# adjacent\n",
    );
    assert_eq!(
        set.profile("foo").unwrap().keys().collect::<Vec<_>>(),
        ["name"]
    );
    assert!(set.profile("bar").is_some());
    assert!(set.profile("baz").is_some());
}

#[test]
fn inline_comments_need_preceding_whitespace() {
    let set = config(
        "[profile foo]\na = value ;comment\nb = value # comment # more\nc = a;b\nd = a#b\ne = value\t;tab\nf = ;\n",
    );
    assert_eq!(get(&set, "foo", "a"), Some("value"));
    assert_eq!(get(&set, "foo", "b"), Some("value"));
    assert_eq!(get(&set, "foo", "c"), Some("a;b"));
    assert_eq!(get(&set, "foo", "d"), Some("a#b"));
    assert_eq!(get(&set, "foo", "e"), Some("value"));
    assert_eq!(get(&set, "foo", "f"), Some(""));
}

#[test]
fn values_may_contain_equals_signs() {
    let set = config("[profile foo]\nname = val=ue\nb64=aGVsbG8gZW50aHVzaWFzdGljIHJlYWRlcg==\n");
    assert_eq!(get(&set, "foo", "name"), Some("val=ue"));
    assert_eq!(
        get(&set, "foo", "b64"),
        Some("aGVsbG8gZW50aHVzaWFzdGljIHJlYWRlcg==")
    );
}

#[test]
fn keys_and_values_are_trimmed() {
    let set = config("[profile foo]\nname \t=  \tvalue \t\n  \n[profile bar]\nx=y\n");
    assert_eq!(get(&set, "foo", "name"), Some("value"));
    assert_eq!(get(&set, "bar", "x"), Some("y"));
}

#[test]
fn empty_values() {
    let set = config("[profile foo]\nname =\nother=   \n");
    assert_eq!(get(&set, "foo", "name"), Some(""));
    assert_eq!(get(&set, "foo", "other"), Some(""));
}

#[test]
fn keys_are_case_insensitive() {
    let set =
        config("[profile foo]\nName = value\n[profile foo]\nREGION = eu-west-1\nname = value2\n");
    assert_eq!(get(&set, "foo", "name"), Some("value2"));
    assert_eq!(get(&set, "foo", "NAME"), Some("value2"));
    assert_eq!(get(&set, "foo", "Region"), Some("eu-west-1"));
    assert_eq!(
        set.profile("foo").unwrap().keys().collect::<Vec<_>>(),
        ["name", "region"]
    );
    // Profile names are not.
    assert!(set.profile("Foo").is_none());
}

#[test]
fn nested_sub_properties() {
    let set = config(
        "[services dev]\nkms =\n  endpoint_url = http://localhost:4566\n\n\tregion = us-west-2 ; note\n\
         s3 =\n  addressing_style = path\n[profile foo]\ns3 =\n max_concurrent_requests = 10\n name =\n",
    );
    let dev = set.services("dev").unwrap();
    assert_eq!(
        dev.sub_property("kms", "endpoint_url"),
        Some("http://localhost:4566")
    );
    assert_eq!(dev.sub_property("KMS", "region"), Some("us-west-2"));
    assert_eq!(dev.sub_property("s3", "addressing_style"), Some("path"));
    assert_eq!(dev.sub_property("kms", "addressing_style"), None);
    assert_eq!(dev.sub_property("nope", "x"), None);
    // The raw value is what the SDKs return for the parent key.
    assert_eq!(
        dev.get("kms"),
        Some("\nendpoint_url = http://localhost:4566\nregion = us-west-2 ; note")
    );
    let foo = set.profile("foo").unwrap();
    assert_eq!(
        foo.sub_property("s3", "max_concurrent_requests"),
        Some("10")
    );
    assert_eq!(foo.sub_property("s3", "name"), Some(""));
}

#[test]
fn invalid_sub_property_lines_are_errors() {
    let err = config_err("[profile foo]\ns3 =\n invalid\n");
    assert_eq!(err.line(), Some(3));
    assert_eq!(
        err.to_string(),
        "~/.aws/config line 3: expected `name = value` in the sub-properties of `s3`"
    );
    let err = config_err("[profile foo]\ns3 =\n = value\n");
    assert!(matches!(
        err,
        ProfileFileError::Syntax {
            problem: SyntaxProblem::EmptySubPropertyKey(_),
            ..
        }
    ));
}

#[test]
fn continuation_lines_append_with_newline() {
    let set = config(
        "[profile foo]\nname = value\n -continued\n \t -and-continued \t\nc = x\n  y # not a comment\n",
    );
    assert_eq!(
        get(&set, "foo", "name"),
        Some("value\n-continued\n-and-continued")
    );
    assert_eq!(get(&set, "foo", "c"), Some("x\ny # not a comment"));
    // A continuation is not a sub-property: no parsing, no sub-properties.
    assert_eq!(set.profile("foo").unwrap().sub_property("c", "y"), None);
}

#[test]
fn continuation_without_property_is_an_error() {
    let err = config_err("[profile foo]\nname = value\n[profile foo]\n -continued\n");
    assert_eq!(err.line(), Some(4));
    assert_eq!(
        err.to_string(),
        "~/.aws/config line 4: indented line does not continue any property"
    );
    let err = config_err("  -continued\n");
    assert_eq!(
        err.to_string(),
        "~/.aws/config line 1: indented line appears before any `[section]` header"
    );
}

#[test]
fn duplicate_keys_last_wins() {
    let set = config("[profile foo]\nname = value\nname = value2\n");
    assert_eq!(get(&set, "foo", "name"), Some("value2"));
}

#[test]
fn duplicate_sections_merge() {
    let set = config(
        "[profile foo]\nname = value\nkeep = 1\n[profile bar]\n[profile foo]\nname = value2\nname2 = x\n",
    );
    assert_eq!(get(&set, "foo", "name"), Some("value2"));
    assert_eq!(get(&set, "foo", "name2"), Some("x"));
    assert_eq!(get(&set, "foo", "keep"), Some("1"));
}

#[test]
fn config_sections_without_prefix_are_ignored_with_a_warning() {
    let set = config(
        "[foo]\nname = value\n[profilefoo]\nx = 1\n[profile in valid]\ny = 2\n[profile foo!bar]\n[weird kind]\n[profile ok]\nz = 3\n",
    );
    assert_eq!(set.profile_names().collect::<Vec<_>>(), ["ok"]);
    assert_eq!(get(&set, "ok", "z"), Some("3"));
    let warnings = set.warnings();
    assert_eq!(warnings.len(), 5, "{warnings:?}");
    assert!(warnings[0].starts_with("~/.aws/config line 1: section `[foo]` ignored"));
    assert!(warnings.iter().all(|w| !w.contains("value")));
}

#[test]
fn valid_name_characters() {
    let set = config("[profile some-thing:long/the_one%only.foo@bar+]\nABCxyz09-_ = v\n");
    let p = set
        .profile("some-thing:long/the_one%only.foo@bar+")
        .unwrap();
    assert_eq!(p.get("abcxyz09-_"), Some("v"));
}

#[test]
fn invalid_key_names_are_ignored_with_a_warning() {
    let set = config("[profile foo]\nin valid = secret-value\nok = 1\n");
    assert_eq!(
        set.profile("foo").unwrap().keys().collect::<Vec<_>>(),
        ["ok"]
    );
    assert_eq!(set.warnings().len(), 1);
    // Issue 9 item 16: a key that is not a plain name is not shown (it may be a secret).
    assert_eq!(
        set.warnings()[0],
        "~/.aws/config line 2: a key that is not a valid property name was ignored"
    );
    assert!(set.warnings()[0].contains("line 2"));
    assert!(!set.warnings()[0].contains("secret-value"));
}

#[test]
fn property_before_any_section_is_an_error() {
    let err = config_err("\n# comment\nregion = us-east-1\n[default]\n");
    assert_eq!(err.file(), CONFIG);
    assert_eq!(err.line(), Some(3));
    assert_eq!(
        err.to_string(),
        "~/.aws/config line 3: property `region` appears before any `[section]` header"
    );
    assert!(!err.to_string().contains("us-east-1"));
}

#[test]
fn line_without_equals_is_an_error() {
    let text = "[default]\nregion = us-east-1\n\n\n\n\nwJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n";
    let err = config_err(text);
    assert_eq!(
        err.to_string(),
        "~/.aws/config line 7: expected `key = value`"
    );
    let err = config_err("[default]\nkey : value\n");
    assert_eq!(err.line(), Some(2));
    let err = config_err("[default]\n= value\n");
    assert_eq!(
        err.to_string(),
        "~/.aws/config line 2: expected a property name before `=`"
    );
}

#[test]
fn unterminated_header_is_an_error() {
    let err = config_err("[default]\na = b\n[profile foo\nk=v\n");
    assert_eq!(
        err.to_string(),
        "~/.aws/config line 3: section header does not end with `]`"
    );
    let err = parse("[foo] trailing", FileKind::Credentials, CREDS).unwrap_err();
    assert_eq!(err.line(), Some(1));
}

#[test]
fn errors_never_show_values() {
    let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    for text in [
        format!("aws_secret_access_key = {secret}\n"),
        format!("[default]\n{secret}\n"),
        format!("[default]\n= {secret}\n"),
        format!("[default]\ns3 =\n  {secret}\n"),
        format!("[default]\ns3 =\n  = {secret}\n"),
        format!("[default\n{secret}\n"),
        format!("  {secret}\n"),
    ] {
        let err = parse(&text, FileKind::Credentials, CREDS).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(secret), "{shown}");
        assert!(shown.contains("line"), "{shown}");
    }
}

#[test]
fn crlf_line_endings() {
    let set = config("[profile foo]\r\nname = value\r\ns3 =\r\n  x = 1\r\n\r\n[default]\r\n");
    assert_eq!(get(&set, "foo", "name"), Some("value"));
    assert_eq!(
        set.profile("foo").unwrap().sub_property("s3", "x"),
        Some("1")
    );
    assert!(set.profile("default").is_some());
    let err = config_err("[profile foo]\r\nname\r\n");
    assert_eq!(err.line(), Some(2));
}

#[test]
fn utf8_bom_is_skipped() {
    let set = config("\u{feff}[default]\nregion = us-east-1\n");
    assert_eq!(get(&set, "default", "region"), Some("us-east-1"));
}

#[test]
fn unicode_values() {
    let set = config("[profile foo]\nname = 😂 ; x\n");
    assert_eq!(get(&set, "foo", "name"), Some("😂"));
}

#[test]
fn empty_and_blank_files() {
    assert!(config("").is_empty());
    assert!(config("\n\n# only comments\n \t \n").is_empty());
    let set = config("[profile foo]");
    assert!(set.profile("foo").unwrap().is_empty());
}

#[test]
fn debug_redacts_secret_values() {
    let set = creds(
        "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = SECRETKEYVALUE\n\
         aws_session_token = SESSIONTOKENVALUE\nmy_Token_thing = TOKENISH\nregion = eu-west-1\n",
    );
    let profile = set.profile("default").unwrap();
    for shown in [
        format!("{profile:?}"),
        format!("{set:?}"),
        format!("{set:#?}"),
    ] {
        assert!(shown.contains("AKIDEXAMPLE"), "{shown}");
        assert!(shown.contains("eu-west-1"), "{shown}");
        assert!(shown.contains("aws_secret_access_key"), "{shown}");
        assert!(!shown.contains("SECRETKEYVALUE"), "{shown}");
        assert!(!shown.contains("SESSIONTOKENVALUE"), "{shown}");
        assert!(!shown.contains("TOKENISH"), "{shown}");
    }
    let set = config("[services x]\nkms =\n  endpoint_url = http://e\n  client_secret = HIDDEN\n");
    let shown = format!("{set:?}");
    assert!(
        shown.contains("http://e") && !shown.contains("HIDDEN"),
        "{shown}"
    );
}

#[test]
fn selected_profile_precedence() {
    let env = Env::from_pairs([("AWS_PROFILE", " dev ")]);
    assert_eq!(selected_profile(&env, Some("prod")), "prod");
    assert_eq!(selected_profile(&env, Some("  ")), "dev");
    assert_eq!(selected_profile(&env, None), "dev");
    let empty = Env::from_pairs([("AWS_PROFILE", "")]);
    assert_eq!(selected_profile(&empty, None), "default");
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "kms-lite-profile-test-{}-{tag}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self) -> &std::path::Path {
        &self.0
    }

    fn write(&self, rel: &str, contents: &[u8]) {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn load_reads_default_paths_under_home() {
    let home = TempDir::new("home");
    home.write(
        ".aws/config",
        b"[profile dev]\nregion = eu-west-1\nname = config\n",
    );
    home.write(".aws/credentials", b"[dev]\nname = credentials\n");
    let env = Env::from_pairs([("HOME", home.path().to_str().unwrap())]);
    let set = load(&env).unwrap();
    assert_eq!(get(&set, "dev", "region"), Some("eu-west-1"));
    assert_eq!(get(&set, "dev", "name"), Some("credentials"));
}

#[test]
fn load_honours_env_paths_with_tilde() {
    let home = TempDir::new("tilde");
    home.write("custom/cfg", b"[default]\nregion = ap-south-1\n");
    home.write("custom/creds", b"[default]\naws_access_key_id = A\n");
    let env = Env::from_pairs([
        ("HOME", home.path().to_str().unwrap()),
        ("AWS_CONFIG_FILE", "~/custom/cfg"),
        ("AWS_SHARED_CREDENTIALS_FILE", "~/custom/creds"),
    ]);
    let set = load(&env).unwrap();
    assert_eq!(get(&set, "default", "region"), Some("ap-south-1"));
    assert_eq!(get(&set, "default", "aws_access_key_id"), Some("A"));
}

#[test]
fn load_treats_missing_files_as_empty() {
    let home = TempDir::new("missing");
    let env = Env::from_pairs([("HOME", home.path().to_str().unwrap())]);
    assert!(load(&env).unwrap().is_empty());
    let env = Env::from_pairs([
        ("AWS_CONFIG_FILE", "/nonexistent/kms-lite/config"),
        ("AWS_SHARED_CREDENTIALS_FILE", "~/nope"),
    ]);
    assert!(load(&env).unwrap().is_empty());
    // No home at all: the default paths are simply absent.
    assert!(load(&Env::from_pairs::<&str, &str>([])).unwrap().is_empty());
}

#[test]
fn load_reports_malformed_files_with_the_name_as_written() {
    let home = TempDir::new("malformed");
    home.write(".aws/config", b"[default]\nregion = x\n\n\n\n\noops\n");
    let env = Env::from_pairs([("HOME", home.path().to_str().unwrap())]);
    let err = load(&env).unwrap_err();
    assert_eq!(
        err.to_string(),
        "~/.aws/config line 7: expected `key = value`"
    );
}

#[test]
fn load_reports_unreadable_files() {
    let home = TempDir::new("unreadable");
    // A directory where the file should be cannot be read.
    std::fs::create_dir_all(home.path().join(".aws/credentials")).unwrap();
    let env = Env::from_pairs([("HOME", home.path().to_str().unwrap())]);
    let err = load(&env).unwrap_err();
    assert_eq!(err.file(), "~/.aws/credentials");
    assert!(matches!(err, ProfileFileError::Read { .. }));
    // Not UTF-8.
    home.write("bad", b"[default]\nregion = \xff\xfe\n");
    let env = Env::from_pairs([
        ("HOME", home.path().to_str().unwrap()),
        ("AWS_CONFIG_FILE", "~/bad"),
        ("AWS_SHARED_CREDENTIALS_FILE", "~/none"),
    ]);
    let err = load(&env).unwrap_err();
    assert_eq!(err.to_string(), "~/bad: cannot read: not valid UTF-8");
}

#[test]
fn from_files_parses_and_merges() {
    let set = ProfileSet::from_files(
        Some(("[profile a]\nx = 1\ny = 1\n", CONFIG)),
        Some(("[a]\ny = 2\n", CREDS)),
    )
    .unwrap();
    assert_eq!(get(&set, "a", "x"), Some("1"));
    assert_eq!(get(&set, "a", "y"), Some("2"));
    assert!(ProfileSet::from_files(None, None).unwrap().is_empty());
    let err = ProfileSet::from_files(None, Some(("[a]\nbad\n", CREDS))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "~/.aws/credentials line 2: expected `key = value`"
    );
}
