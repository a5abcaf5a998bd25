//! The AWS JSON 1.1 error rules on hostile and odd responses: never a panic, always the status.

use kms_lite::__private::codec::{decode_error, sanitize_error_code};
use kms_lite::http::HttpResponse;

fn resp(status: u16, headers: &[(&str, &str)], body: &[u8]) -> HttpResponse {
    HttpResponse::new(
        status,
        headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body.to_vec(),
    )
}

#[test]
fn sanitizing_codes() {
    let cases = [
        ("NotFoundException", "NotFoundException"),
        ("com.amazonaws.kms#NotFoundException", "NotFoundException"),
        (
            "NotFoundException:http://internal.amazon.com/coral/",
            "NotFoundException",
        ),
        ("aws.protocoltests#Foo:http://x#y", "Foo"),
        ("  Spaced  ", "Spaced"),
        ("", ""),
        (":", ""),
        ("#", ""),
    ];
    for (raw, want) in cases {
        assert_eq!(sanitize_error_code(raw), want, "{raw:?}");
    }
}

#[test]
fn bodies_that_are_json_but_not_an_error_object() {
    for body in [
        &b"[1,2,3]"[..],
        b"\"NotFoundException\"",
        b"42",
        b"null",
        b"true",
    ] {
        let e = decode_error("ReEncrypt", &resp(400, &[], body));
        assert_eq!(e.code(), "400", "{}", String::from_utf8_lossy(body));
        assert_eq!(e.status(), 400);
        assert!(
            e.message()
                .unwrap()
                .starts_with("Bad Request (the response body was not a JSON error object")
        );
    }
}

#[test]
fn members_of_the_wrong_type_are_ignored() {
    let e = decode_error(
        "ReEncrypt",
        &resp(400, &[], br#"{"__type":{"nested":"NotFoundException"},"code":7,"message":["x"],"Message":"used"}"#),
    );
    assert_eq!((e.code(), e.message()), ("400", Some("used")));
}

#[test]
fn empty_codes_fall_back_to_the_next_source() {
    let e = decode_error(
        "ReEncrypt",
        &resp(
            400,
            &[("X-Amzn-ErrorType", ":http://x/")],
            br#"{"__type":"DisabledException"}"#,
        ),
    );
    assert_eq!(e.code(), "DisabledException");
    let e = decode_error(
        "ReEncrypt",
        &resp(400, &[], br#"{"code":"","__type":"DisabledException"}"#),
    );
    assert_eq!(e.code(), "DisabledException");
}

#[test]
fn non_json_bodies_report_the_status_and_never_echo_the_body() {
    let secretish = b"<html>token=SECRET-IN-PAGE</html>";
    let e = decode_error(
        "ReEncrypt",
        &resp(503, &[("Content-Type", "text/html")], secretish),
    );
    assert_eq!(e.code(), "503");
    assert_eq!(
        e.message(),
        Some(
            "Service Unavailable (the response body was not a JSON error object: text/html, 33 bytes)"
        )
    );
    assert!(!e.to_string().contains("SECRET"));

    // A content type with control characters or of absurd length is not echoed either.
    let e = decode_error(
        "ReEncrypt",
        &resp(502, &[("Content-Type", "text/html\x1b[31m")], b"<x>"),
    );
    assert_eq!(
        e.message(),
        Some("Bad Gateway (the response body was not a JSON error object: 3 bytes)")
    );
    let long = "a".repeat(500);
    let e = decode_error("ReEncrypt", &resp(502, &[("Content-Type", &long)], b"<x>"));
    assert!(!e.message().unwrap().contains(&long));
}

#[test]
fn hostile_bodies_never_panic() {
    let deep_array = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_object = format!("{}1{}", "{\"a\":".repeat(50_000), "}".repeat(50_000));
    let bodies: Vec<Vec<u8>> = vec![
        vec![0xff, 0xfe, 0x00, 0x80],
        b"{\"__type\":\"NotFound\xffException\"}".to_vec(),
        b"{\"__type\":\"NotFoundException\"".to_vec(),
        b"{\"__type\":\"A\",\"__type\":\"B\"}".to_vec(),
        deep_array.into_bytes(),
        deep_object.into_bytes(),
        vec![b' '; 10_000],
        b"\xef\xbb\xbf{\"__type\":\"NotFoundException\"}".to_vec(),
    ];
    for body in &bodies {
        for status in [400, 500, 200, 0, 999] {
            let e = decode_error("ReEncrypt", &resp(status, &[], body));
            assert!(!e.code().is_empty());
            assert_eq!(e.status(), status);
        }
    }
}

#[test]
fn request_id_comes_from_the_header_in_any_case() {
    let e = decode_error(
        "ReEncrypt",
        &resp(400, &[("X-AMZN-REQUESTID", "abc")], b"{}"),
    );
    assert_eq!(e.request_id(), Some("abc"));
    assert_eq!(e.code(), "400");
    assert_eq!(e.message(), Some("Bad Request"));
}

#[test]
fn query_xml_errors_give_their_code_and_message() {
    let sts = br#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error><RequestId>r1</RequestId></ErrorResponse>"#;
    let e = decode_error("Encrypt", &resp(403, &[("Content-Type", "text/xml")], sts));
    assert_eq!(
        (e.code(), e.message()),
        (
            "SignatureDoesNotMatch",
            Some("The request signature we calculated does not match")
        )
    );
    let wrapped = b"<?xml version=\"1.0\"?>\n<ErrorResponse><Errors><Error><Code>InvalidClientTokenId</Code></Error></Errors></ErrorResponse>";
    let e = decode_error("Encrypt", &resp(403, &[], wrapped));
    assert_eq!((e.code(), e.message()), ("InvalidClientTokenId", None));
    // XML that is not an error document is reported like any other non-JSON body.
    let e = decode_error(
        "Encrypt",
        &resp(502, &[], b"<html><Error><Code>X</Code></Error></html>"),
    );
    assert_eq!(e.code(), "502");
    let e = decode_error(
        "Encrypt",
        &resp(
            403,
            &[],
            b"<ErrorResponse><Error><Code></Code></Error></ErrorResponse>",
        ),
    );
    assert_eq!(e.code(), "403");
}

/// botocore's `ClientError` template always has the colon: `...operation: ` with nothing after
/// it when the service sent no message, as the AWS CLI prints it (issue 9 item 21).
#[test]
fn a_service_error_without_a_message_keeps_the_colon() {
    let e = decode_error(
        "Decrypt",
        &resp(400, &[], br#"{"__type":"InvalidCiphertextException"}"#),
    );
    assert_eq!(e.message(), None);
    assert_eq!(
        e.to_string(),
        "An error occurred (InvalidCiphertextException) when calling the Decrypt operation: "
    );
    // An empty message reads the same; a message follows the colon.
    let e = decode_error(
        "Decrypt",
        &resp(400, &[], br#"{"__type":"X","message":""}"#),
    );
    assert_eq!(
        e.to_string(),
        "An error occurred (X) when calling the Decrypt operation: "
    );
    let e = decode_error(
        "Decrypt",
        &resp(400, &[], br#"{"__type":"X","message":"why"}"#),
    );
    assert_eq!(
        e.to_string(),
        "An error occurred (X) when calling the Decrypt operation: why"
    );
}

/// A hostile or spoofed endpoint's code and message reach a terminal only escaped: no ESC,
/// OSC, BEL, CR, C1 CSI or bidirectional override survives `Display`; the accessors keep the
/// service's text as sent (issue 9 item 18).
#[test]
fn server_text_is_escaped_in_display_and_kept_in_the_accessors() {
    let body = br#"{"__type":"Evil\u001b[31mException","message":"a\u001b]0;owned\u0007b\r\n\u001b[2Jc\u009b31m\u202etxt.exe\u2066\t"}"#;
    let e = decode_error("Decrypt", &resp(400, &[], body));
    assert_eq!(e.code(), "Evil\u{1b}[31mException");
    assert_eq!(
        e.message(),
        Some("a\u{1b}]0;owned\u{7}b\r\n\u{1b}[2Jc\u{9b}31m\u{202e}txt.exe\u{2066}\t")
    );
    let shown = e.to_string();
    assert_eq!(
        shown,
        r"An error occurred (Evil\u{1b}[31mException) when calling the Decrypt operation: a\u{1b}]0;owned\u{7}b\r\n\u{1b}[2Jc\u{9b}31m\u{202e}txt.exe\u{2066}\t"
    );
    assert!(!shown.chars().any(char::is_control), "{shown:?}");

    // The same through an AWS Query-style XML error document.
    let xml = b"<ErrorResponse><Error><Code>Bad\x1b[0mCode</Code><Message>m\x07\xc2\x9b</Message></Error></ErrorResponse>";
    let e = decode_error("Encrypt", &resp(403, &[], xml));
    assert_eq!(
        e.to_string(),
        r"An error occurred (Bad\u{1b}[0mCode) when calling the Encrypt operation: m\u{7}\u{9b}"
    );
}

/// Every error type's `Display` escapes (they all may quote outside text); printable text,
/// non-ASCII included, is left alone.
#[test]
fn every_error_display_escapes_control_characters() {
    use kms_lite::credentials::CredentialsError;
    use kms_lite::error::{Escaped, TransportError, TransportErrorKind};
    let raw = "x\u{1b}[8m\u{85}é";
    let want = r"x\u{1b}[8m\u{85}é";
    assert_eq!(
        TransportError::new(TransportErrorKind::Tls, raw).to_string(),
        want
    );
    let config = kms_lite::Client::builder()
        .env(kms_lite::config::Env::from_pairs::<&str, &str>([]))
        .region("us-east-1")
        .profile(raw)
        .build()
        .unwrap_err();
    assert_eq!(
        config.to_string(),
        format!(
            "the config profile ({want}) could not be found in ~/.aws/config or ~/.aws/credentials (or the files named by AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE)"
        )
    );
    assert_eq!(CredentialsError::new(raw).to_string(), want);
    assert_eq!(Escaped(raw).to_string(), want);
    assert_eq!(Escaped("kein Schlüssel").to_string(), "kein Schlüssel");
}
