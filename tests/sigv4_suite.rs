//! The official AWS SigV4 test suite (Apache-2.0; see `../shared/sigv4-test-suite/LICENSE` and
//! `NOTICE`), run byte for byte: for every case, the `.req` is parsed, signed, and the
//! canonical request, string to sign and `Authorization` header compared with `.creq`, `.sts`
//! and `.authz`.
//!
//! The suite is read from `../shared/sigv4-test-suite/` beside the checkout (it is not copied
//! into the repository); without it every case passes having run nothing, after a loud
//! `SKIPPED: ../shared/sigv4-test-suite not found` on stderr.
//!
//! One `#[test]` per case, so a failure names its case; `every_case_on_disk_is_run` fails if the
//! data folder holds no case, or a case that is not listed here.
//!
//! Reading the `.req` files: the text between the method and ` HTTP/1.1` is the raw path (it
//! may hold a raw space or raw UTF-8), split from the query at the first `?`; a line starting
//! with whitespace continues the previous header and is a further value of it; a blank line
//! separates the headers from the body. Credentials: `AKIDEXAMPLE` /
//! `wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY`, `us-east-1`, service `service`,
//! `20150830T123600Z`, single URI encoding with path normalization.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[path = "support/shared_data.rs"]
mod shared_data;

use kms_lite::__private::sigv4::{
    Payload, SignableRequest, SigningParams, SigningSettings, UriEncoding, amz_date,
    canonical_request, sign, string_to_sign,
};

const ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const REGION: &str = "us-east-1";
const SERVICE: &str = "service";

/// 20150830T123600Z.
fn suite_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_440_938_160)
}

const SUITE: &str = "sigv4-test-suite";

/// The suite's root, or `None` (reported as SKIPPED) when `../shared` does not hold it.
fn suite_dir() -> Option<PathBuf> {
    shared_data::shared_path(SUITE)
}

/// A parsed `.req` file.
#[derive(Clone, Debug)]
struct RawRequest {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn parse_req(text: &str) -> Result<RawRequest, String> {
    let (head, body) = match text.find("\n\n") {
        Some(i) => (&text[..i], text.as_bytes()[i + 2..].to_vec()),
        None => (text, Vec::new()),
    };
    let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let request_line = lines.next().ok_or("empty .req")?;
    let (method, rest) = request_line
        .split_once(' ')
        .ok_or_else(|| format!("no method in {request_line:?}"))?;
    let target = rest
        .strip_suffix(" HTTP/1.1")
        .ok_or_else(|| format!("request line does not end in HTTP/1.1: {request_line:?}"))?;
    let (path, query) = target.split_once('?').unwrap_or((target, ""));

    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            // Continuation line: a further value of the previous header.
            let name = headers
                .last()
                .map(|(n, _)| n.clone())
                .ok_or_else(|| format!("continuation line before any header: {line:?}"))?;
            headers.push((name, line.trim().to_owned()));
        } else {
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| format!("header line without ':': {line:?}"))?;
            headers.push((name.to_owned(), value.to_owned()));
        }
    }
    Ok(RawRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body,
    })
}

struct Signed {
    creq: String,
    sts: String,
    authz: String,
    signed_headers: String,
    signature: String,
}

fn sign_raw(raw: &RawRequest) -> Signed {
    let headers: Vec<(&str, &str)> = raw
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let req = SignableRequest {
        method: &raw.method,
        path: &raw.path,
        query: &raw.query,
        headers: &headers,
        payload: Payload::Bytes(&raw.body),
    };
    let settings = SigningSettings::new()
        .with_uri_encoding(UriEncoding::Single)
        .with_path_normalization(true);
    let params = SigningParams {
        access_key_id: ACCESS_KEY_ID,
        secret_access_key: SECRET,
        region: REGION,
        service: SERVICE,
        time: suite_time(),
        settings,
    };
    let creq = canonical_request(&req, &settings);
    let sts = string_to_sign(&creq, &amz_date(suite_time()), REGION, SERVICE);
    let sig = sign(&req, &params, None);
    assert_eq!(
        sig.signed_headers(),
        creq.signed_headers(),
        "sign() and canonical_request() disagree on the signed headers"
    );
    Signed {
        creq: creq.into_text(),
        sts,
        authz: sig.authorization().to_owned(),
        signed_headers: sig.signed_headers().to_owned(),
        signature: sig.signature().to_owned(),
    }
}

/// Known errata of the official suite: cases whose `.sts` and `.authz` were not regenerated
/// when their `.req` and `.creq` were updated (the `.sts` hash is not the SHA-256 of the
/// `.creq`). For each, the older request the `.sts` was computed from is reconstructed and
/// signed, so the files are still checked byte for byte; and the runner fails if a case turns
/// consistent, so an erratum cannot outlive its cause.
struct Erratum {
    case: &'static str,
    /// Turns the `.req` into the request the `.sts` was computed from.
    legacy: fn(&mut RawRequest),
    /// Whether the `.authz`'s `SignedHeaders` list was updated to the current request (while
    /// its signature still comes from the legacy one).
    authz_lists_current_headers: bool,
}

fn drop_content_length(raw: &mut RawRequest) {
    raw.headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case("content-length"));
}

const ERRATA: &[Erratum] = &[
    // .creq signs content-length; .sts/.authz were computed without it.
    Erratum {
        case: "post-x-www-form-urlencoded",
        legacy: drop_content_length,
        authz_lists_current_headers: false,
    },
    // .creq signs content-length and "charset=utf-8"; .sts and the .authz signature were
    // computed without content-length and with "charset=utf8", but the .authz SignedHeaders
    // list includes content-length.
    Erratum {
        case: "post-x-www-form-urlencoded-parameters",
        legacy: |raw| {
            drop_content_length(raw);
            for (n, v) in &mut raw.headers {
                if n.eq_ignore_ascii_case("content-type") {
                    *v = v.replace("charset=utf-8", "charset=utf8");
                }
            }
        },
        authz_lists_current_headers: true,
    },
];

fn read(path: &Path) -> String {
    match fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .unwrap_or_else(|e| panic!("{} is not UTF-8: {e}", path.display())),
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    }
}

/// The session token the suite uses: the last non-empty line of `post-sts-token/readme.txt`.
fn suite_session_token(root: &Path) -> String {
    let readme = read(&root.join("post-sts-token/readme.txt"));
    readme
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .expect("post-sts-token/readme.txt has no token")
        .to_owned()
}

fn mismatch(case: &str, file: &str, expected: &str, actual: &str) -> String {
    format!(
        "case {case}: {file} differs\n--- expected ({file})\n{expected}\n--- actual\n{actual}\n---"
    )
}

/// Runs one case; `case` is its folder relative to the suite root.
fn run_case(case: &str) {
    let Some(root) = suite_dir() else {
        return;
    };
    let dir = root.join(case);
    let base = case.rsplit('/').next().unwrap_or(case);
    let file = |ext: &str| dir.join(format!("{base}.{ext}"));
    let raw = parse_req(&read(&file("req")))
        .unwrap_or_else(|e| panic!("case {case}: cannot parse {base}.req: {e}"));
    let want_creq = read(&file("creq"));
    let want_sts = read(&file("sts"));
    let want_authz = read(&file("authz"));

    let got = sign_raw(&raw);
    let mut failures = Vec::new();
    if got.creq != want_creq {
        failures.push(mismatch(case, ".creq", &want_creq, &got.creq));
    }

    match ERRATA.iter().find(|e| e.case == case) {
        None => {
            if got.sts != want_sts {
                failures.push(mismatch(case, ".sts", &want_sts, &got.sts));
            }
            if got.authz != want_authz {
                failures.push(mismatch(case, ".authz", &want_authz, &got.authz));
            }
        }
        Some(erratum) => {
            if got.sts == want_sts {
                failures.push(format!(
                    "case {case}: the files are consistent now; remove its entry from ERRATA"
                ));
            }
            let mut legacy_raw = raw.clone();
            (erratum.legacy)(&mut legacy_raw);
            let legacy = sign_raw(&legacy_raw);
            if legacy.sts != want_sts {
                failures.push(mismatch(case, ".sts (erratum)", &want_sts, &legacy.sts));
            }
            let listed = if erratum.authz_lists_current_headers {
                &got.signed_headers
            } else {
                &legacy.signed_headers
            };
            let expected_authz = format!(
                "AWS4-HMAC-SHA256 Credential={ACCESS_KEY_ID}/20150830/{REGION}/{SERVICE}/aws4_request, \
                 SignedHeaders={listed}, Signature={}",
                legacy.signature
            );
            if expected_authz != want_authz {
                failures.push(mismatch(
                    case,
                    ".authz (erratum)",
                    &want_authz,
                    &expected_authz,
                ));
            }
        }
    }

    // The session-token cases: the token is the one readme.txt gives; "before" signs it as a
    // header, "after" adds it to the request only once signed (see its .sreq).
    if case.starts_with("post-sts-token/") {
        let token = suite_session_token(&root);
        let in_req = raw
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("x-amz-security-token"))
            .map(|(_, v)| v.as_str());
        match base {
            "post-sts-header-before" => {
                assert_eq!(in_req, Some(token.as_str()), "case {case}: token");
                assert!(
                    got.signed_headers.contains("x-amz-security-token"),
                    "case {case}: token not signed"
                );
            }
            "post-sts-header-after" => {
                assert_eq!(in_req, None, "case {case}: token already in .req");
                let sreq = read(&file("sreq"));
                assert!(
                    sreq.contains(&format!("\nX-Amz-Security-Token:{token}\n")),
                    "case {case}: .sreq does not carry the readme token"
                );
            }
            other => panic!("unexpected session-token case {other}"),
        }
    }

    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every case folder under the suite root (a folder holding `<folder name>.req`).
fn discover(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let entry = entry.expect("directory entry");
        if !entry.file_type().expect("file type").is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        if entry.path().join(format!("{name}.req")).is_file() {
            out.push(rel.clone());
        }
        discover(&entry.path(), &rel, out);
    }
}

macro_rules! suite_cases {
    ($($test:ident => $case:literal,)*) => {
        $(
            #[test]
            fn $test() {
                run_case($case);
            }
        )*
        const CASES: &[&str] = &[$($case),*];
    };
}

/// Named `sigv4` so that `cargo test --test sigv4_suite sigv4` selects every case.
mod sigv4 {
    use super::*;

    suite_cases! {
        get_header_key_duplicate => "get-header-key-duplicate",
        get_header_value_multiline => "get-header-value-multiline",
        get_header_value_order => "get-header-value-order",
        get_header_value_trim => "get-header-value-trim",
        get_unreserved => "get-unreserved",
        get_utf8 => "get-utf8",
        get_vanilla => "get-vanilla",
        get_vanilla_empty_query_key => "get-vanilla-empty-query-key",
        get_vanilla_query => "get-vanilla-query",
        get_vanilla_query_order_key => "get-vanilla-query-order-key",
        get_vanilla_query_order_key_case => "get-vanilla-query-order-key-case",
        get_vanilla_query_order_value => "get-vanilla-query-order-value",
        get_vanilla_query_unreserved => "get-vanilla-query-unreserved",
        get_vanilla_utf8_query => "get-vanilla-utf8-query",
        normalize_path_get_relative => "normalize-path/get-relative",
        normalize_path_get_relative_relative => "normalize-path/get-relative-relative",
        normalize_path_get_slash => "normalize-path/get-slash",
        normalize_path_get_slash_dot_slash => "normalize-path/get-slash-dot-slash",
        normalize_path_get_slash_pointless_dot => "normalize-path/get-slash-pointless-dot",
        normalize_path_get_slashes => "normalize-path/get-slashes",
        normalize_path_get_space => "normalize-path/get-space",
        post_header_key_case => "post-header-key-case",
        post_header_key_sort => "post-header-key-sort",
        post_header_value_case => "post-header-value-case",
        post_sts_token_header_after => "post-sts-token/post-sts-header-after",
        post_sts_token_header_before => "post-sts-token/post-sts-header-before",
        post_vanilla => "post-vanilla",
        post_vanilla_empty_query_value => "post-vanilla-empty-query-value",
        post_vanilla_query => "post-vanilla-query",
        post_x_www_form_urlencoded => "post-x-www-form-urlencoded",
        post_x_www_form_urlencoded_parameters => "post-x-www-form-urlencoded-parameters",
    }

    #[test]
    fn every_case_on_disk_is_run() {
        let Some(root) = suite_dir() else {
            return;
        };
        let mut found = Vec::new();
        discover(&root, "", &mut found);
        assert!(
            !found.is_empty(),
            "no SigV4 test-suite case found under {}",
            root.display()
        );
        let found: BTreeSet<&str> = found.iter().map(String::as_str).collect();
        let listed: BTreeSet<&str> = CASES.iter().copied().collect();
        let missing: Vec<_> = found.difference(&listed).collect();
        let gone: Vec<_> = listed.difference(&found).collect();
        assert!(missing.is_empty(), "cases on disk but not run: {missing:?}");
        assert!(gone.is_empty(), "cases listed but not on disk: {gone:?}");
        assert_eq!(found.len(), 31, "the official suite has 31 cases");
        for e in ERRATA {
            assert!(
                listed.contains(e.case),
                "erratum for unknown case {}",
                e.case
            );
        }
    }

    #[test]
    fn req_parser_reads_continuations_raw_paths_and_bodies() {
        let raw = parse_req("GET /a b/?x=1&y HTTP/1.1\nHost:h\nMy:v1\n  v2\n\tv3\nZ: z \n\nbody\n")
            .unwrap();
        assert_eq!(raw.method, "GET");
        assert_eq!(raw.path, "/a b/");
        assert_eq!(raw.query, "x=1&y");
        assert_eq!(
            raw.headers,
            [
                ("Host".to_owned(), "h".to_owned()),
                ("My".to_owned(), "v1".to_owned()),
                ("My".to_owned(), "v2".to_owned()),
                ("My".to_owned(), "v3".to_owned()),
                ("Z".to_owned(), " z ".to_owned()),
            ]
        );
        assert_eq!(raw.body, b"body\n");
        assert!(parse_req("GET / HTTP/2\nHost:h").is_err());
        assert!(parse_req("GET / HTTP/1.1\n continuation").is_err());
    }
}
