//! KMS-specific SigV4 vectors: two ReEncrypt requests signed by the official AWS SDK for Rust
//! (aws-sdk-kms 1.129.0, captured by a loopback stub server and recomputed independently),
//! reproduced exactly; double versus single URI encoding; and the signing-key cache.

/// Named `sigv4` so that `cargo test --test sigv4_kms sigv4` selects every test.
mod sigv4 {
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use kms_lite::__private::sigv4::{
        Payload, SignableRequest, SigningKeyCache, SigningParams, SigningSettings, UriEncoding,
        amz_date, canonical_request, derive_signing_key, sign, string_to_sign,
    };

    const ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const BODY: &[u8] =
        br#"{"CiphertextBlob":"AQIDBA==","DestinationKeyId":"alias/example-destination"}"#;
    const UA: &str = "aws-sdk-rust/1.7.0 ua/2.1 api/kms/1.129.0 os/linux lang/rust/1.95.0 m/E,N,g md/http#hyper-1.x";

    /// 20261129T012420Z, the capture's X-Amz-Date.
    fn capture_time() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_795_915_460)
    }

    fn params(time: SystemTime) -> SigningParams<'static> {
        SigningParams {
            access_key_id: ACCESS_KEY_ID,
            secret_access_key: SECRET,
            region: "us-east-1",
            service: "kms",
            time,
            settings: SigningSettings::new(),
        }
    }

    /// The SDK's headers in wire order, as the stub server logged them, minus the ones the SDK
    /// sent unsigned and outside the never-signed list (`amz-sdk-request`,
    /// `amz-sdk-invocation-id`), which a caller simply does not pass. `user-agent` is passed: the
    /// signer must leave it out by itself.
    fn capture_headers(token: Option<&'static str>) -> Vec<(&'static str, &'static str)> {
        let mut h = vec![
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", "TrentService.ReEncrypt"),
            ("content-length", "76"),
            ("user-agent", UA),
            ("x-amz-user-agent", UA),
            ("x-amz-date", "20261129T012420Z"),
        ];
        if let Some(t) = token {
            h.push(("x-amz-security-token", t));
        }
        h.push(("host", "127.0.0.1:18080"));
        h
    }

    const PAYLOAD_SHA256: &str = "92435155d2f94d5dab158070a1b289f22cce6296e5df8e23272b4b39f8b4ee34";

    const CREQ_A: &str = "POST
/

content-length:76
content-type:application/x-amz-json-1.1
host:127.0.0.1:18080
x-amz-date:20261129T012420Z
x-amz-target:TrentService.ReEncrypt
x-amz-user-agent:aws-sdk-rust/1.7.0 ua/2.1 api/kms/1.129.0 os/linux lang/rust/1.95.0 m/E,N,g md/http#hyper-1.x

content-length;content-type;host;x-amz-date;x-amz-target;x-amz-user-agent
92435155d2f94d5dab158070a1b289f22cce6296e5df8e23272b4b39f8b4ee34";

    const STS_A: &str = "AWS4-HMAC-SHA256
20261129T012420Z
20261129/us-east-1/kms/aws4_request
cfeb315b26b43ce06a1c59cf4b3a3fff25946a54425a81bec793f8a94bd66e24";

    const AUTHZ_A: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261129/us-east-1/kms/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-target;x-amz-user-agent, Signature=9e61b449c1856911775d99513e2e21073d656e8de855a623f92114e7dd71ea8a";

    const CREQ_B: &str = "POST
/

content-length:76
content-type:application/x-amz-json-1.1
host:127.0.0.1:18080
x-amz-date:20261129T012420Z
x-amz-security-token:EXAMPLESESSIONTOKEN
x-amz-target:TrentService.ReEncrypt
x-amz-user-agent:aws-sdk-rust/1.7.0 ua/2.1 api/kms/1.129.0 os/linux lang/rust/1.95.0 m/E,N,g md/http#hyper-1.x

content-length;content-type;host;x-amz-date;x-amz-security-token;x-amz-target;x-amz-user-agent
92435155d2f94d5dab158070a1b289f22cce6296e5df8e23272b4b39f8b4ee34";

    const STS_B: &str = "AWS4-HMAC-SHA256
20261129T012420Z
20261129/us-east-1/kms/aws4_request
9d68f786dc4d45c79e2c3a641a3b39caec872f40a1c19a47249ee93c8d17fdb1";

    const AUTHZ_B: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261129/us-east-1/kms/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token;x-amz-target;x-amz-user-agent, Signature=16faea08d4b7125687c8e948aa114bdfbfa42bc589d6caf96242a01d56668ad3";

    fn check_capture(token: Option<&'static str>, creq: &str, sts: &str, authz: &str, sig: &str) {
        let headers = capture_headers(token);
        let req = SignableRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            payload: Payload::Bytes(BODY),
        };
        let p = params(capture_time());
        let date = amz_date(p.time);
        assert_eq!(date.as_str(), "20261129T012420Z");

        let c = canonical_request(&req, &p.settings);
        assert_eq!(c.text(), creq, "canonical request");
        assert_eq!(c.signed_headers(), creq.lines().nth_back(1).unwrap());
        assert_eq!(
            string_to_sign(&c, &date, p.region, p.service),
            sts,
            "string to sign"
        );

        let s = sign(&req, &p, None);
        assert_eq!(s.authorization(), authz, "Authorization header");
        assert_eq!(s.signature(), sig);
        assert_eq!(s.signed_headers(), c.signed_headers());

        // The same with a precomputed payload hash, and with the key cache.
        let hashed = SignableRequest {
            payload: Payload::Hash(PAYLOAD_SHA256),
            ..req
        };
        assert_eq!(sign(&hashed, &p, None), s);
        let cache = SigningKeyCache::new();
        assert_eq!(sign(&req, &p, Some(&cache)), s);
        assert_eq!(sign(&hashed, &p, Some(&cache)), s);
        assert_eq!(cache.derivations(), 1);
    }

    #[test]
    fn capture_a_without_session_token() {
        check_capture(
            None,
            CREQ_A,
            STS_A,
            AUTHZ_A,
            "9e61b449c1856911775d99513e2e21073d656e8de855a623f92114e7dd71ea8a",
        );
    }

    #[test]
    fn capture_b_with_session_token() {
        check_capture(
            Some("EXAMPLESESSIONTOKEN"),
            CREQ_B,
            STS_B,
            AUTHZ_B,
            "16faea08d4b7125687c8e948aa114bdfbfa42bc589d6caf96242a01d56668ad3",
        );
    }

    #[test]
    fn header_order_and_case_do_not_matter() {
        let mut headers = capture_headers(Some("EXAMPLESESSIONTOKEN"));
        headers.reverse();
        let upper: Vec<(String, &str)> = headers
            .iter()
            .map(|(n, v)| (n.to_ascii_uppercase(), *v))
            .collect();
        let upper: Vec<(&str, &str)> = upper.iter().map(|(n, v)| (n.as_str(), *v)).collect();
        let req = SignableRequest {
            method: "POST",
            path: "",
            query: "",
            headers: &upper,
            payload: Payload::Bytes(BODY),
        };
        assert_eq!(
            sign(&req, &params(capture_time()), None).authorization(),
            AUTHZ_B
        );
    }

    fn prefix_request(path: &str) -> SignableRequest<'_> {
        SignableRequest {
            method: "POST",
            path,
            query: "",
            headers: &[
                ("host", "proxy.example.com"),
                ("x-amz-date", "20261129T012420Z"),
            ],
            payload: Payload::Bytes(BODY),
        }
    }

    #[test]
    fn double_encoding_differs_for_a_path_prefix_with_a_reserved_character() {
        let double = SigningSettings::new();
        let single = SigningSettings::new().with_uri_encoding(UriEncoding::Single);
        assert_eq!(double.uri_encoding, UriEncoding::Double, "KMS default");

        for path in ["/prefix/a b", "/prefix/a%20b"] {
            let d = canonical_request(&prefix_request(path), &double);
            let s = canonical_request(&prefix_request(path), &single);
            assert_eq!(d.text().lines().nth(1), Some("/prefix/a%2520b"), "{path}");
            assert_eq!(s.text().lines().nth(1), Some("/prefix/a%20b"), "{path}");
        }

        let p = params(capture_time());
        let d = sign(&prefix_request("/prefix/a b"), &p, None);
        let s = sign(
            &prefix_request("/prefix/a b"),
            &SigningParams {
                settings: SigningSettings::new().with_uri_encoding(UriEncoding::Single),
                ..p
            },
            None,
        );
        assert_ne!(d.signature(), s.signature());

        // Where there is nothing to encode (KMS's usual "/"), both agree.
        for path in ["/", "", "/prefix/plain-path_1.~"] {
            let d = sign(&prefix_request(path), &p, None);
            let s = sign(
                &prefix_request(path),
                &SigningParams {
                    settings: SigningSettings::new().with_uri_encoding(UriEncoding::Single),
                    ..p
                },
                None,
            );
            assert_eq!(d, s, "{path:?}");
        }
    }

    #[test]
    fn key_cache_reuses_and_rederives() {
        let cache = SigningKeyCache::new();
        let k = |secret: &str, date: &str, region: &str, service: &str| {
            let got = cache.get(secret, date, region, service);
            assert_eq!(got, derive_signing_key(secret, date, region, service));
            got
        };

        let first = k(SECRET, "20261129", "us-east-1", "kms");
        assert_eq!(k(SECRET, "20261129", "us-east-1", "kms"), first);
        assert_eq!(cache.derivations(), 1, "same inputs: cached");

        let next_day = k(SECRET, "20261130", "us-east-1", "kms");
        assert_ne!(next_day, first);
        assert_eq!(cache.derivations(), 2, "date changed");

        let other_region = k(SECRET, "20261130", "eu-west-1", "kms");
        assert_ne!(other_region, next_day);
        assert_eq!(cache.derivations(), 3, "region changed");

        let other_secret = k("another-secret", "20261130", "eu-west-1", "kms");
        assert_ne!(other_secret, other_region);
        assert_eq!(cache.derivations(), 4, "secret changed");

        let other_service = k("another-secret", "20261130", "eu-west-1", "sts");
        assert_ne!(other_service, other_secret);
        assert_eq!(cache.derivations(), 5, "service changed");

        assert_eq!(
            k("another-secret", "20261130", "eu-west-1", "sts"),
            other_service
        );
        assert_eq!(cache.derivations(), 5);

        // Signing across midnight re-derives; the signatures match uncached signing.
        let headers = capture_headers(None);
        let req = SignableRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            payload: Payload::Bytes(BODY),
        };
        let cache = SigningKeyCache::new();
        for t in [capture_time(), capture_time() + Duration::from_secs(86_400)] {
            assert_eq!(
                sign(&req, &params(t), Some(&cache)),
                sign(&req, &params(t), None)
            );
        }
        assert_eq!(cache.derivations(), 2);

        let shown = format!("{cache:?}");
        assert!(
            !shown.contains(SECRET) && !shown.contains("EXAMPLEKEY"),
            "{shown}"
        );
    }

    #[test]
    fn cache_is_shareable_across_threads() {
        let cache = std::sync::Arc::new(SigningKeyCache::new());
        let want = derive_signing_key(SECRET, "20261129", "us-east-1", "kms");
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let cache = cache.clone();
                std::thread::spawn(move || cache.get(SECRET, "20261129", "us-east-1", "kms"))
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), want);
        }
        assert!((1..=4).contains(&cache.derivations()));
    }
}
