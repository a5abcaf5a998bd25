//! botocore's KMS endpoint rule-set tests (68 cases in
//! `../shared/aws-test-data/botocore/endpoint-tests-1.json`, see
//! `../shared/aws-test-data/SOURCES.md`), run through kms-lite's public API: a
//! [`ClientBuilder`] given the case's region, FIPS and dual-stack settings and custom endpoint,
//! then [`Client::endpoint_url`] (and the signing region), or the error `build` returns.
//!
//! One test per case, named after its documentation (botocore's cases have no names);
//! `every_case_is_listed` fails when the data and the list disagree. The environment holds only
//! `AWS_EC2_METADATA_DISABLED=true`, so that a case without a region never asks instance
//! metadata. The data is read at run time and never copied here; without it each test passes
//! after a loud `SKIPPED` line.

#[path = "support/shared_data.rs"]
#[macro_use]
mod shared_data;

use std::sync::OnceLock;

use kms_lite::config::EndpointOptions;
use kms_lite::config::Env;
use kms_lite::credentials::Credentials;
use kms_lite::{Client, ClientBuilder};
use serde_json::Value;

const DATA: &str = "aws-test-data/botocore/endpoint-tests-1.json";

/// The cases with their test names, or `None` (SKIPPED) without the data.
fn cases() -> Option<&'static [(String, Value)]> {
    static CASES: OnceLock<Option<Vec<(String, Value)>>> = OnceLock::new();
    CASES
        .get_or_init(|| shared_data::load_cases(DATA, "testCases", "documentation"))
        .as_deref()
}

/// The parameters of a case (all optional), refusing any the runner does not know.
struct Params<'a> {
    region: Option<&'a str>,
    use_fips: bool,
    use_dual_stack: bool,
    endpoint: Option<&'a str>,
}

fn params(case: &Value) -> Params<'_> {
    let p = &case["params"];
    if let Some(map) = p.as_object() {
        for key in map.keys() {
            assert!(
                ["Region", "UseFIPS", "UseDualStack", "Endpoint"].contains(&key.as_str()),
                "unknown parameter {key}: teach the runner about it"
            );
        }
    }
    Params {
        region: p["Region"].as_str(),
        use_fips: p["UseFIPS"].as_bool().unwrap_or(false),
        use_dual_stack: p["UseDualStack"].as_bool().unwrap_or(false),
        endpoint: p["Endpoint"].as_str(),
    }
}

fn builder(p: &Params<'_>) -> ClientBuilder {
    let mut b = Client::builder()
        .env(Env::from_pairs([("AWS_EC2_METADATA_DISABLED", "true")]))
        .endpoint_options(
            EndpointOptions::new()
                .with_fips(p.use_fips)
                .with_dual_stack(p.use_dual_stack),
        )
        .credentials(Credentials::new("AKIDEXAMPLE", "secret", None));
    if let Some(r) = p.region {
        b = b.region(r);
    }
    if let Some(e) = p.endpoint {
        b = b.endpoint_url(e);
    }
    b
}

/// kms-lite's error when no region is set anywhere.
const NO_REGION: &str = "no region: ";

fn run(name: &str) {
    let Some(cases) = cases() else {
        return;
    };
    let case = shared_data::find_case(cases, name, DATA);
    let p = params(case);
    let expect = &case["expect"];
    let result = builder(&p).build();

    if let Some(url) = expect["endpoint"]["url"].as_str() {
        let extra: Vec<_> = expect["endpoint"]
            .as_object()
            .expect("an endpoint object")
            .keys()
            .filter(|k| *k != "url")
            .collect();
        assert!(extra.is_empty(), "{name}: unchecked expectations {extra:?}");
        if p.region.is_none() {
            shared_data::not_applicable(
                name,
                "the rule set resolves a custom endpoint without a region, but kms-lite signs \
                 every request with SigV4, which needs one: it refuses to build such a client",
            );
            let e = result.unwrap_err().to_string();
            assert!(e.starts_with(NO_REGION), "{name}: {e}");
            return;
        }
        let client = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        // kms-lite shows the root path the request goes to; the rule set leaves it implied.
        let want = if url
            .split_once("://")
            .is_some_and(|(_, rest)| rest.contains('/'))
        {
            url.to_owned()
        } else {
            format!("{url}/")
        };
        assert_eq!(client.endpoint_url(), want, "{name}");
        assert_eq!(Some(client.region()), p.region, "{name}: signing region");
    } else if let Some(error) = expect["error"].as_str() {
        let e = result.expect_err(name).to_string();
        if error == "Invalid Configuration: Missing Region" {
            assert!(e.starts_with(NO_REGION), "{name}: {e}");
        } else {
            assert!(e.ends_with(&format!("({error})")), "{name}: {e}");
        }
    } else {
        panic!("{name}: an expectation the runner does not know: {expect}");
    }
}

#[test]
fn every_case_is_listed() {
    if let Some(cases) = cases() {
        shared_data::assert_every_case_listed(CASES, cases, 68, DATA);
    }
}

cases! {
    for_region_af_south_1_with_fips_disabled_and_dualstack_disabled,
    for_region_af_south_1_with_fips_enabled_and_dualstack_disabled,
    for_region_ap_east_1_with_fips_disabled_and_dualstack_disabled,
    for_region_ap_east_1_with_fips_enabled_and_dualstack_disabled,
    for_region_ap_northeast_1_with_fips_disabled_and_dualstack_disabled,
    for_region_ap_northeast_1_with_fips_enabled_and_dualstack_disabled,
    for_region_ap_northeast_2_with_fips_disabled_and_dualstack_disabled,
    for_region_ap_northeast_2_with_fips_enabled_and_dualstack_disabled,
    for_region_ap_northeast_3_with_fips_disabled_and_dualstack_disabled,
    for_region_ap_northeast_3_with_fips_enabled_and_dualstack_disabled,
    for_region_ap_south_1_with_fips_disabled_and_dualstack_disabled,
    for_region_ap_south_1_with_fips_enabled_and_dualstack_disabled,
    for_region_ap_southeast_1_with_fips_disabled_and_dualstack_disabled,
    for_region_ap_southeast_1_with_fips_enabled_and_dualstack_disabled,
    for_region_ap_southeast_2_with_fips_disabled_and_dualstack_disabled,
    for_region_ap_southeast_2_with_fips_enabled_and_dualstack_disabled,
    for_region_ap_southeast_3_with_fips_disabled_and_dualstack_disabled,
    for_region_ap_southeast_3_with_fips_enabled_and_dualstack_disabled,
    for_region_ca_central_1_with_fips_disabled_and_dualstack_disabled,
    for_region_ca_central_1_with_fips_enabled_and_dualstack_disabled,
    for_region_eu_central_1_with_fips_disabled_and_dualstack_disabled,
    for_region_eu_central_1_with_fips_enabled_and_dualstack_disabled,
    for_region_eu_north_1_with_fips_disabled_and_dualstack_disabled,
    for_region_eu_north_1_with_fips_enabled_and_dualstack_disabled,
    for_region_eu_south_1_with_fips_disabled_and_dualstack_disabled,
    for_region_eu_south_1_with_fips_enabled_and_dualstack_disabled,
    for_region_eu_west_1_with_fips_disabled_and_dualstack_disabled,
    for_region_eu_west_1_with_fips_enabled_and_dualstack_disabled,
    for_region_eu_west_2_with_fips_disabled_and_dualstack_disabled,
    for_region_eu_west_2_with_fips_enabled_and_dualstack_disabled,
    for_region_eu_west_3_with_fips_disabled_and_dualstack_disabled,
    for_region_eu_west_3_with_fips_enabled_and_dualstack_disabled,
    for_region_me_south_1_with_fips_disabled_and_dualstack_disabled,
    for_region_me_south_1_with_fips_enabled_and_dualstack_disabled,
    for_region_sa_east_1_with_fips_disabled_and_dualstack_disabled,
    for_region_sa_east_1_with_fips_enabled_and_dualstack_disabled,
    for_region_us_east_1_with_fips_disabled_and_dualstack_disabled,
    for_region_us_east_1_with_fips_enabled_and_dualstack_disabled,
    for_region_us_east_2_with_fips_disabled_and_dualstack_disabled,
    for_region_us_east_2_with_fips_enabled_and_dualstack_disabled,
    for_region_us_west_1_with_fips_disabled_and_dualstack_disabled,
    for_region_us_west_1_with_fips_enabled_and_dualstack_disabled,
    for_region_us_west_2_with_fips_disabled_and_dualstack_disabled,
    for_region_us_west_2_with_fips_enabled_and_dualstack_disabled,
    for_region_us_east_1_with_fips_enabled_and_dualstack_enabled,
    for_region_us_east_1_with_fips_disabled_and_dualstack_enabled,
    for_region_cn_north_1_with_fips_disabled_and_dualstack_disabled,
    for_region_cn_northwest_1_with_fips_disabled_and_dualstack_disabled,
    for_region_cn_north_1_with_fips_enabled_and_dualstack_enabled,
    for_region_cn_north_1_with_fips_enabled_and_dualstack_disabled,
    for_region_cn_north_1_with_fips_disabled_and_dualstack_enabled,
    for_region_us_gov_east_1_with_fips_disabled_and_dualstack_disabled,
    for_region_us_gov_east_1_with_fips_enabled_and_dualstack_disabled,
    for_region_us_gov_west_1_with_fips_disabled_and_dualstack_disabled,
    for_region_us_gov_west_1_with_fips_enabled_and_dualstack_disabled,
    for_region_us_gov_east_1_with_fips_enabled_and_dualstack_enabled,
    for_region_us_gov_east_1_with_fips_disabled_and_dualstack_enabled,
    for_region_us_iso_east_1_with_fips_disabled_and_dualstack_disabled,
    for_region_us_iso_east_1_with_fips_enabled_and_dualstack_disabled,
    for_region_us_iso_west_1_with_fips_disabled_and_dualstack_disabled,
    for_region_us_iso_west_1_with_fips_enabled_and_dualstack_disabled,
    for_region_us_isob_east_1_with_fips_disabled_and_dualstack_disabled,
    for_region_us_isob_east_1_with_fips_enabled_and_dualstack_disabled,
    for_custom_endpoint_with_region_set_and_fips_disabled_and_dualstack_disabled,
    for_custom_endpoint_with_region_not_set_and_fips_disabled_and_dualstack_disabled,
    for_custom_endpoint_with_fips_enabled_and_dualstack_disabled,
    for_custom_endpoint_with_fips_disabled_and_dualstack_enabled,
    missing_region,
}
