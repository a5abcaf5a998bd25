//! The STS XML reader: real-looking responses, malformed and hostile input, and a fuzz smoke test.

use std::time::{Duration, UNIX_EPOCH};

use kms_lite::__private::timestamp::parse_rfc3339;
use kms_lite::__private::xml::{
    MAX_DEPTH, MAX_DOCUMENT_BYTES, XmlError, find_text, parse_sts_credentials, parse_sts_error,
};

/// The example response of the STS `AssumeRole` API reference (the session token is wrapped over
/// several lines there, as here).
const ASSUME_ROLE: &str = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<AssumeRoleResult>
  <SourceIdentity>Alice</SourceIdentity>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>
      <AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <SessionToken>
       AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQW
       LWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGd
       QrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU
       9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz
       +scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==
      </SessionToken>
      <Expiration>2019-11-09T13:34:41Z</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>"#;

/// The example response of the STS `AssumeRoleWithWebIdentity` API reference.
const WEB_IDENTITY: &str = r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>amzn1.account.AF6RHO7KZU5XRVQJGXK6HB56KR2A</SubjectFromWebIdentityToken>
    <Audience>client.5498841531868486423.1548@apps.example.com</Audience>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1</Arn>
      <AssumedRoleId>AROACLKWSDQRAOEXAMPLE:app1</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <SessionToken>AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE</SessionToken>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
      <Expiration>2014-10-24T23:00:23Z</Expiration>
      <AccessKeyId>ASgeIAIOSFODNN7EXAMPLE</AccessKeyId>
    </Credentials>
    <SourceIdentity>SourceIdentityValue</SourceIdentity>
    <Provider>www.amazon.com</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata>
    <RequestId>ad4156e9-bce1-11e2-82e6-6b6efEXAMPLE</RequestId>
  </ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>"#;

/// An STS error document as sent with a 403.
const ERROR: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>AccessDenied</Code>
    <Message>User: arn:aws:iam::123456789012:user/dev is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/demo</Message>
  </Error>
  <RequestId>4a0b2f5e-1c1d-4d33-9a7e-1e7f0c2b9d1a</RequestId>
</ErrorResponse>
"#;

fn creds_doc(credentials: &str) -> String {
    format!(
        "<AssumeRoleResponse><AssumeRoleResult><Credentials>{credentials}</Credentials>\
         </AssumeRoleResult></AssumeRoleResponse>"
    )
}

#[test]
fn assume_role_docs_example() {
    let c = parse_sts_credentials(ASSUME_ROLE, "AssumeRoleResult").unwrap();
    assert_eq!(c.access_key_id, "ASIAIOSFODNN7EXAMPLE");
    assert_eq!(
        c.secret_access_key,
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
    );
    assert!(c.session_token.starts_with("AQoDYXdzEPT//////////wEXAMPLE"));
    assert!(c.session_token.ends_with("R/oLxBA=="));
    assert_eq!(c.expiration, parse_rfc3339("2019-11-09T13:34:41Z").unwrap());
    assert_eq!(
        c.expiration,
        UNIX_EPOCH + Duration::from_secs(1_573_306_481)
    );
    assert_eq!(
        c.assumed_role_arn.as_deref(),
        Some("arn:aws:sts::123456789012:assumed-role/demo/TestAR")
    );
    assert_eq!(
        find_text(
            ASSUME_ROLE,
            &["AssumeRoleResponse", "ResponseMetadata", "RequestId"]
        )
        .unwrap()
        .as_deref(),
        Some("c6104cbe-af31-11e0-8154-cbc7ccf896c7")
    );
    assert_eq!(
        find_text(
            ASSUME_ROLE,
            &["AssumeRoleResponse", "AssumeRoleResult", "PackedPolicySize"]
        )
        .unwrap()
        .as_deref(),
        Some("6")
    );
}

#[test]
fn web_identity_docs_example() {
    let c = parse_sts_credentials(WEB_IDENTITY, "AssumeRoleWithWebIdentityResult").unwrap();
    assert_eq!(c.access_key_id, "ASgeIAIOSFODNN7EXAMPLE");
    assert_eq!(
        c.session_token,
        "AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE"
    );
    assert_eq!(c.expiration, parse_rfc3339("2014-10-24T23:00:23Z").unwrap());
    assert_eq!(
        c.assumed_role_arn.as_deref(),
        Some("arn:aws:sts::123456789012:assumed-role/FederatedWebIdentityRole/app1")
    );
    // The wrong result element is a missing element, named in full.
    let err = parse_sts_credentials(WEB_IDENTITY, "AssumeRoleResult").unwrap_err();
    assert_eq!(
        err,
        XmlError::MissingElement {
            path: "AssumeRoleWithWebIdentityResponse/AssumeRoleResult/Credentials/AccessKeyId"
                .into()
        }
    );
}

#[test]
fn error_document() {
    let (code, message) = parse_sts_error(ERROR).unwrap();
    assert_eq!(code, "AccessDenied");
    assert!(message.starts_with("User: arn:aws:iam::123456789012:user/dev is not authorized"));
    assert_eq!(
        find_text(ERROR, &["ErrorResponse", "RequestId"])
            .unwrap()
            .as_deref(),
        Some("4a0b2f5e-1c1d-4d33-9a7e-1e7f0c2b9d1a")
    );
    // Given to the credentials reader, it reports the STS error rather than a missing field.
    match parse_sts_credentials(ERROR, "AssumeRoleResult").unwrap_err() {
        XmlError::ErrorResponse { code, message } => {
            assert_eq!(code, "AccessDenied");
            assert!(!message.is_empty());
        }
        other => panic!("unexpected {other:?}"),
    }
    // No message is fine; no code, or another document, is not an STS error.
    assert_eq!(
        parse_sts_error("<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>"),
        Some(("Throttling".into(), String::new()))
    );
    assert_eq!(
        parse_sts_error("<ErrorResponse><Error><Code> </Code></Error></ErrorResponse>"),
        None
    );
    assert_eq!(parse_sts_error(ASSUME_ROLE), None);
    assert_eq!(
        parse_sts_error("<html><body>502 Bad Gateway</body></html>"),
        None
    );
    assert_eq!(parse_sts_error("502 Bad Gateway"), None);
    assert_eq!(parse_sts_error(""), None);
    assert_eq!(parse_sts_error(&ERROR[..ERROR.len() / 2]), None);
}

#[test]
fn entities_and_character_references() {
    let doc = "<a><b>&lt;&gt;&amp;&quot;&apos; &#65;&#x42;&#x1F600; x&amp;lt;</b></a>";
    assert_eq!(
        find_text(doc, &["a", "b"]).unwrap().as_deref(),
        Some("<>&\"' AB😀 x&lt;")
    );
    for bad in [
        "<a>&nbsp;</a>",
        "<a>&amp</a>",
        "<a>& amp;</a>",
        "<a>&#;</a>",
        "<a>&#x;</a>",
        "<a>&#0;</a>",
        "<a>&#xD800;</a>",
        "<a>&#x110000;</a>",
        "<a>&#4294967296;</a>",
        "<a>&#x7;</a>",
        "<a>&verylongentityname;</a>",
        "<a b='&bogus;'/>",
    ] {
        assert!(
            matches!(find_text(bad, &["a"]), Err(XmlError::Syntax { .. })),
            "{bad}"
        );
    }
}

#[test]
fn cdata_comments_declaration_and_bom() {
    let doc = "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- a comment -->\n\
               <a><!-- <b>not</b> --><b><![CDATA[x < y && <z>]]> &amp; more</b>\
               <?pi stuff?><c><![CDATA[]]></c></a>\n<!-- trailing -->\n";
    assert_eq!(
        find_text(doc, &["a", "b"]).unwrap().as_deref(),
        Some("x < y && <z> & more")
    );
    assert_eq!(find_text(doc, &["a", "c"]).unwrap().as_deref(), Some(""));
    assert_eq!(find_text(doc, &["a", "d"]).unwrap(), None);
    assert_eq!(find_text(doc, &["b"]).unwrap(), None);
    assert_eq!(find_text(doc, &[]).unwrap(), None);
}

#[test]
fn namespaces_and_attributes_are_ignored() {
    let doc =
        r#"<sts:A xmlns:sts="urn:x" xmlns='urn:y' a = "1>2"><sts:B  c="&amp;"  >v</sts:B></sts:A>"#;
    assert_eq!(find_text(doc, &["A", "B"]).unwrap().as_deref(), Some("v"));
    for bad in [
        "<a b></a>",
        "<a b=></a>",
        "<a b=c></a>",
        "<a b=\"c></a>",
        "<a b=\"<\"></a>",
        "<a b=\"1\"c=\"2\"></a>",
        "<a/ >",
    ] {
        assert!(find_text(bad, &["a"]).is_err(), "{bad}");
    }
}

#[test]
fn whitespace_between_elements_is_ignored() {
    let doc = "<a>\n  <b>\n    <c> keep  me </c>\n  </b>\n</a>";
    assert_eq!(find_text(doc, &["a", "b"]).unwrap().as_deref(), Some(""));
    assert_eq!(
        find_text(doc, &["a", "b", "c"]).unwrap().as_deref(),
        Some(" keep  me ")
    );
}

#[test]
fn fractional_seconds_and_offsets_in_expiration() {
    let base = parse_rfc3339("2026-11-29T12:34:56Z").unwrap();
    for (text, expected) in [
        ("2026-11-29T12:34:56Z", base),
        (
            "2026-11-29T12:34:56.250Z",
            base + Duration::from_millis(250),
        ),
        ("2026-11-29T12:34:56+00:00", base),
        (" 2026-11-29T13:34:56+01:00\n", base),
    ] {
        let doc = creds_doc(&format!(
            "<AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>\
             <SessionToken>T</SessionToken><Expiration>{text}</Expiration>"
        ));
        let c = parse_sts_credentials(&doc, "AssumeRoleResult").unwrap();
        assert_eq!(c.expiration, expected, "{text}");
    }
}

#[test]
fn invalid_expiration_is_named_without_its_value() {
    let doc = creds_doc(
        "<AccessKeyId>A</AccessKeyId><SecretAccessKey>S</SecretAccessKey>\
         <SessionToken>T</SessionToken><Expiration>2026-02-30T00:00:00Z</Expiration>",
    );
    let err = parse_sts_credentials(&doc, "AssumeRoleResult").unwrap_err();
    assert_eq!(
        err.to_string(),
        "XML element `AssumeRoleResponse/AssumeRoleResult/Credentials/Expiration` is not an RFC 3339 timestamp"
    );
}

#[test]
fn missing_fields_are_named() {
    let all = [
        ("AccessKeyId", "<AccessKeyId>A</AccessKeyId>"),
        ("SecretAccessKey", "<SecretAccessKey>S</SecretAccessKey>"),
        ("SessionToken", "<SessionToken>T</SessionToken>"),
        (
            "Expiration",
            "<Expiration>2026-11-29T12:34:56Z</Expiration>",
        ),
    ];
    for skip in 0..all.len() {
        let body: String = all
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, (_, x))| *x)
            .collect();
        let err = parse_sts_credentials(&creds_doc(&body), "AssumeRoleResult").unwrap_err();
        let path = format!(
            "AssumeRoleResponse/AssumeRoleResult/Credentials/{}",
            all[skip].0
        );
        assert_eq!(err, XmlError::MissingElement { path: path.clone() });
        assert!(err.to_string().contains(&path));
        // An empty element counts as missing.
        let empty = body.clone() + &format!("<{0}>  </{0}>", all[skip].0);
        let err = parse_sts_credentials(&creds_doc(&empty), "AssumeRoleResult").unwrap_err();
        assert_eq!(err, XmlError::MissingElement { path });
    }
    let err = parse_sts_credentials("<AssumeRoleResponse/>", "AssumeRoleResult").unwrap_err();
    assert!(
        err.to_string()
            .contains("AssumeRoleResponse/AssumeRoleResult/Credentials")
    );
}

#[test]
fn mismatched_tags_are_rejected() {
    let err = find_text("<a><b></c></a>", &["a"]).unwrap_err();
    assert_eq!(
        err,
        XmlError::MismatchedTag {
            offset: 6,
            expected: "b".into(),
            found: "c".into()
        }
    );
    for bad in [
        "<a></b>",
        "<a><b></a></b>",
        "</a>",
        "<a></a></a>",
        "<a></a><b></b>",
        "<a/><a/>",
        "text<a/>",
        "<a/>text",
        "<a></A>",
        "<x:a></y:a>",
        "<![CDATA[x]]><a/>",
        "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
        "<a><!-- -- ></a>",
        "<a><?pi</a>",
        "<?><a/>",
        "<>",
        "<1a/>",
        "<a>< b/></a>",
        "",
        "   ",
        "<!-- only a comment -->",
    ] {
        assert!(find_text(bad, &["a"]).is_err(), "{bad:?}");
        assert_eq!(parse_sts_error(bad), None, "{bad:?}");
    }
}

#[test]
fn truncated_documents_are_errors_at_every_length() {
    let end = ASSUME_ROLE.rfind("</AssumeRoleResponse>").unwrap() + "</AssumeRoleResponse>".len();
    for cut in 0..end {
        if !ASSUME_ROLE.is_char_boundary(cut) {
            continue;
        }
        let doc = &ASSUME_ROLE[..cut];
        assert!(
            parse_sts_credentials(doc, "AssumeRoleResult").is_err(),
            "accepted a document truncated at byte {cut}"
        );
    }
    match find_text(&ASSUME_ROLE[..200], &["AssumeRoleResponse"]).unwrap_err() {
        XmlError::UnexpectedEnd { open } => assert!(open.is_some()),
        other => panic!("unexpected {other:?}"),
    }
    assert!(parse_sts_credentials(&ASSUME_ROLE[..end], "AssumeRoleResult").is_ok());
}

#[test]
fn nesting_depth_is_limited() {
    let nest = |n: usize| format!("{}x{}", "<a>".repeat(n), "</a>".repeat(n));
    let path = vec!["a"; MAX_DEPTH];
    assert_eq!(
        find_text(&nest(MAX_DEPTH), &path).unwrap().as_deref(),
        Some("x")
    );
    assert!(matches!(
        find_text(&nest(MAX_DEPTH + 1), &["a"]),
        Err(XmlError::TooDeep { .. })
    ));
    // Deep enough to overflow a recursive parser's stack, still within the size limit.
    let deep = "<a>".repeat(200_000);
    assert!(matches!(
        find_text(&deep, &["a"]),
        Err(XmlError::TooDeep { .. })
    ));
}

#[test]
fn huge_input_is_refused() {
    let padding = " ".repeat(MAX_DOCUMENT_BYTES);
    let doc = format!("<a>{padding}</a>");
    assert_eq!(
        find_text(&doc, &["a"]),
        Err(XmlError::TooLarge { len: doc.len() })
    );
    assert_eq!(parse_sts_error(&doc), None);
    // Just under the limit is fine, and quick.
    let doc = format!("<a>{}</a>", "x".repeat(MAX_DOCUMENT_BYTES - 7));
    let start = std::time::Instant::now();
    assert_eq!(
        find_text(&doc, &["a"]).unwrap().map(|t| t.len()),
        Some(MAX_DOCUMENT_BYTES - 7)
    );
    // Many siblings, many entities: still linear.
    let siblings = format!("<a>{}</a>", "<b/>".repeat(200_000));
    assert_eq!(
        find_text(&siblings, &["a", "b"]).unwrap().as_deref(),
        Some("")
    );
    let entities = format!("<a>{}</a>", "&amp;".repeat(200_000));
    assert_eq!(
        find_text(&entities, &["a"]).unwrap().map(|t| t.len()),
        Some(200_000)
    );
    assert!(start.elapsed().as_secs() < 10);
}

#[test]
fn debug_redacts_secret_and_token() {
    let c = parse_sts_credentials(WEB_IDENTITY, "AssumeRoleWithWebIdentityResult").unwrap();
    let shown = format!("{c:?}");
    assert!(shown.contains("ASgeIAIOSFODNN7EXAMPLE"), "{shown}");
    assert!(!shown.contains("EXAMPLEKEY"), "{shown}");
    assert!(!shown.contains("AQoDYXdzEE0a8ANX"), "{shown}");
}

#[test]
fn errors_never_contain_text_content() {
    let doc = "<AssumeRoleResponse><AssumeRoleResult><Credentials>\
               <SecretAccessKey>SUPERSECRET&bogus;</SecretAccessKey>";
    let err = parse_sts_credentials(doc, "AssumeRoleResult").unwrap_err();
    assert!(!format!("{err} {err:?}").contains("SUPERSECRET"));
}

/// The reader's errors quote the server (an STS error's code and message, element names): its
/// `Display` escapes their control characters, as every error of the crate does.
#[test]
fn errors_show_the_servers_text_escaped() {
    // What XML lets through: C1 controls and bidirectional overrides, as characters or as
    // references.
    let doc = "<ErrorResponse><Error><Code>Evil\u{9b}31m</Code>\
               <Message>a&#x9b;2J&#x202e;b\u{85}c</Message></Error></ErrorResponse>";
    let e = parse_sts_credentials(doc, "AssumeRoleResult").unwrap_err();
    assert_eq!(
        e.to_string(),
        "STS returned an error: Evil\\u{9b}31m: a\\u{9b}2J\\u{202e}b\\u{85}c"
    );
    // The value keeps the text as sent.
    assert!(matches!(e, XmlError::ErrorResponse { ref code, .. } if code == "Evil\u{9b}31m"));
    for doc in [
        "<a\u{9b}b>",
        "<a\u{202e}>x</b\u{202e}>",
        "<R><a\u{85}></a\u{85}></R>",
    ] {
        let shown = match parse_sts_credentials(doc, "AssumeRoleResult") {
            Err(e) => e.to_string(),
            Ok(_) => panic!("{doc:?} parsed"),
        };
        assert!(
            !shown.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{doc:?}: {shown:?}"
        );
    }
}
