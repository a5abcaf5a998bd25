//! Pagination of `kms-lite call`, as the AWS CLI v2 pages (botocore's `PageIterator`): the
//! operations of botocore's KMS `paginators-1.json`, the `Marker` of each request taken from
//! the `NextMarker` of the page before while `Truncated` is true, `--max-items` cutting the
//! result list and handing out a `NextToken` to go on from, `--starting-token` taking one back.
//!
//! Sans-IO: [`Pager::run`] takes the call as a closure, so the paging rules and the caps on a
//! hostile server (a marker seen before, more than [`MAX_PAGES`] pages or [`MAX_WEIGHT`]
//! bytes of results) are tested without a server.

use std::collections::HashSet;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::output::Val;

/// The request member that names where a page starts.
pub const INPUT_TOKEN: &str = "Marker";
/// The response member that names where the next page starts.
pub const OUTPUT_TOKEN: &str = "NextMarker";
/// The response member that says more pages follow.
pub const MORE_RESULTS: &str = "Truncated";
/// The request member that sizes a page.
pub const LIMIT_KEY: &str = "Limit";
/// The resume token's member that counts the items of its page already returned (botocore's).
const TRUNCATE_AMOUNT: &str = "boto_truncate_amount";

/// The paginated operations and their result key, from botocore's KMS `paginators-1.json`
/// (every one pages by `Marker`, `NextMarker`, `Truncated` and `Limit`).
pub const PAGINATED: &[(&str, &str)] = &[
    ("DescribeCustomKeyStores", "CustomKeyStores"),
    ("ListAliases", "Aliases"),
    ("ListGrants", "Grants"),
    ("ListKeyPolicies", "PolicyNames"),
    ("ListKeyRotations", "Rotations"),
    ("ListKeys", "Keys"),
    ("ListResourceTags", "Tags"),
    ("ListRetirableGrants", "Grants"),
];

/// The most pages one command fetches: twice the pages of an account at its key quota
/// (100,000 keys, 100 a page by default). A server that never ends costs a request each: at
/// 44 ms a request (a stand-in on loopback), 10,000 pages took 7 minutes.
pub const MAX_PAGES: usize = 2_000;
/// The most result data one command holds, counted as [`weight_of`] counts it: four times
/// the key list of an account at its key quota. Just under it, 350,000 keys in 70 pages (64 MB
/// of JSON printed) peaked at 218 MB resident with `--output json`, 144 MB with text or
/// yaml-stream, in a debug build (`/usr/bin/time -f %M`; 537 MB and 318 MB when the pages were
/// kept as `serde_json` maps and printed through a JSON text).
pub const MAX_WEIGHT: usize = 64 << 20;

/// The result key of a paginated operation.
pub fn result_key(operation: &str) -> Option<&'static str> {
    PAGINATED
        .iter()
        .find(|(op, _)| *op == operation)
        .map(|(_, key)| *key)
}

/// Why paging stopped without a result.
#[derive(Debug)]
pub enum PageError<E> {
    /// The call failed.
    Call(E),
    /// The pages broke a rule: the message, without the AWS CLI's `Error with pagination: `.
    Pages(String),
    /// A page holds what the output cannot show (an integer above 2^63 - 1).
    Output(String),
}

/// Where paging starts: the `Marker` of the first request, and how many items of the first
/// page an earlier run already returned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Start {
    pub marker: Option<String>,
    pub skip: usize,
}

impl Start {
    /// A `NextToken` as the AWS CLI (or kms-lite) printed it: base64 of a JSON object
    /// holding `Marker` and maybe `boto_truncate_amount`. Anything else is botocore's older
    /// form: `MARKER___N` (skip N), else the text itself as the marker (so a `NextMarker` works
    /// too). `None` where a JSON token holds anything else.
    pub fn parse(token: &str) -> Option<Start> {
        // botocore sends no marker for `None`, in either form.
        let marker = |s: &str| (s != "None").then(|| s.to_owned());
        let decoded = kms_lite::base64::decode(token.as_bytes()).ok();
        let object = decoded.and_then(|b| serde_json::from_slice::<Map<String, Value>>(&b).ok());
        if let Some(object) = object {
            let mut start = Start::default();
            for (k, v) in object {
                match (k.as_str(), v) {
                    (INPUT_TOKEN, Value::String(s)) => start.marker = marker(&s),
                    (INPUT_TOKEN, Value::Null) => {}
                    (TRUNCATE_AMOUNT, Value::Number(n)) => {
                        start.skip = usize::try_from(n.as_u64()?).ok()?;
                    }
                    _ => return None,
                }
            }
            return Some(start);
        }
        Some(match token.split_once("___") {
            Some((m, n)) if !n.contains("___") && n.parse::<usize>().is_ok() => Start {
                marker: marker(m),
                skip: n.parse().unwrap_or(0),
            },
            _ => Start {
                marker: marker(token),
                skip: 0,
            },
        })
    }
}

/// The token that resumes after the items returned: botocore's encoding (base64 of Python's
/// `json.dumps`, ASCII only), so the AWS CLI takes it back too.
fn resume_token(marker: Option<&str>, truncate: Option<usize>) -> String {
    let marker = match marker {
        Some(m) => ascii_json(m),
        None => "null".to_owned(),
    };
    let json = match truncate {
        Some(n) => format!("{{\"{INPUT_TOKEN}\": {marker}, \"{TRUNCATE_AMOUNT}\": {n}}}"),
        None => format!("{{\"{INPUT_TOKEN}\": {marker}}}"),
    };
    kms_lite::base64::encode(json.as_bytes())
}

/// A JSON string as Python's `json.dumps` writes it: everything outside printable ASCII
/// escaped as `\uXXXX` (UTF-16).
fn ascii_json(s: &str) -> String {
    let quoted = Value::String(s.to_owned()).to_string();
    let mut out = String::with_capacity(quoted.len());
    for c in quoted.chars() {
        if (' '..='~').contains(&c) || matches!(c, '\n' | '\r' | '\t' | '\u{8}' | '\u{c}') {
            // serde_json escaped the controls it names; printable ASCII stays.
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    out
}

/// The paging of one command.
#[derive(Debug, Clone)]
pub struct Pager {
    /// The result key of the operation.
    pub result_key: &'static str,
    /// `--max-items`: stop after this many items (at least 1).
    pub max_items: Option<usize>,
    /// `--page-size`: the `Limit` of every request.
    pub page_size: Option<i64>,
    /// `--starting-token`.
    pub start: Start,
    pub max_pages: usize,
    pub max_weight: usize,
}

/// The pages fetched, each as returned except that the result list is cut where
/// `--starting-token` and `--max-items` say, and the token to go on from when items remain.
/// Each page is kept as the output takes it: a [`Val`] holds a response in about half the
/// memory of a `serde_json` map (a small object is a vector, not a B-tree node of 11 slots).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pages {
    pub pages: Vec<Val>,
    pub next_token: Option<String>,
}

impl Pager {
    pub fn new(result_key: &'static str) -> Pager {
        Pager {
            result_key,
            max_items: None,
            page_size: None,
            start: Start::default(),
            max_pages: MAX_PAGES,
            max_weight: MAX_WEIGHT,
        }
    }

    /// Fetches the pages: `call` sends one request (`input` with `Marker` and `Limit` set).
    pub fn run<E>(
        &self,
        mut input: Map<String, Value>,
        mut call: impl FnMut(&Value) -> Result<Map<String, Value>, E>,
    ) -> Result<Pages, PageError<E>> {
        let key = self.result_key;
        let mut marker = self.start.marker.clone();
        if let Some(limit) = self.page_size {
            input.insert(LIMIT_KEY.into(), Value::from(limit));
        }
        let mut seen: HashSet<[u8; 32]> = HashSet::new();
        if let Some(m) = &marker {
            seen.insert(Sha256::digest(m.as_bytes()).into());
        }
        let mut out = Pages::default();
        let (mut total, mut weight) = (0usize, 0usize);
        loop {
            if out.pages.len() == self.max_pages {
                return Err(PageError::Pages(format!(
                    "more than {} pages; {}",
                    self.max_pages,
                    take_fewer()
                )));
            }
            match &marker {
                Some(m) => input.insert(INPUT_TOKEN.into(), Value::String(m.clone())),
                None => input.remove(INPUT_TOKEN),
            };
            let request = Value::Object(input.clone());
            let mut page = call(&request).map_err(PageError::Call)?;
            let items = match page.get_mut(key) {
                None | Some(Value::Null) => None,
                Some(Value::Array(items)) => Some(items),
                Some(_) => return Err(not_a(key, "list")),
            };
            let skip = if out.pages.is_empty() {
                self.start.skip
            } else {
                0
            };
            let mut count = 0;
            if let Some(items) = items {
                items.drain(..skip.min(items.len()));
                count = items.len();
                if let Some(max) = self.max_items {
                    if total + count > max {
                        // Cut this page: the token resumes inside it.
                        let keep = max - total;
                        items.truncate(keep);
                        out.next_token = Some(resume_token(marker.as_deref(), Some(keep + skip)));
                        out.pages.push(kept(page)?);
                        return Ok(out);
                    }
                }
            }
            // The whole page is kept (yaml-stream prints it), whatever members it holds.
            let page_weight: usize = page.iter().map(|(k, v)| k.len() + weight_of(v)).sum();
            weight = weight.saturating_add(page_weight);
            if weight > self.max_weight {
                return Err(PageError::Pages(format!(
                    "the results exceed {} MiB; {}",
                    self.max_weight >> 20,
                    take_fewer()
                )));
            }
            total += count;
            let next = next_marker(&page)?;
            out.pages.push(kept(page)?);
            let Some(next) = next else {
                return Ok(out);
            };
            if self.max_items == Some(total) {
                out.next_token = Some(resume_token(Some(&next), None));
                return Ok(out);
            }
            // botocore compares a token with the one before; any earlier one loops too.
            if !seen.insert(Sha256::digest(next.as_bytes()).into()) {
                return Err(PageError::Pages(format!(
                    "The same next token was received twice: {{'{INPUT_TOKEN}': '{}'}}",
                    shown(&next)
                )));
            }
            marker = Some(next);
        }
    }
}

/// The `NextMarker` to follow: none unless `Truncated` is true (Python's truth) and
/// `NextMarker` is a non-empty string.
fn next_marker<E>(page: &Map<String, Value>) -> Result<Option<String>, PageError<E>> {
    let more = match page.get(MORE_RESULTS) {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::Bool(true)) => true,
        Some(_) => return Err(not_a(MORE_RESULTS, "boolean")),
    };
    if !more {
        return Ok(None);
    }
    match page.get(OUTPUT_TOKEN) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(not_a(OUTPUT_TOKEN, "string")),
    }
}

/// A page as [`Pages`] keeps it.
fn kept<E>(page: Map<String, Value>) -> Result<Val, PageError<E>> {
    super::from_json(Value::Object(page)).map_err(PageError::Output)
}

/// What to do when the pages are too many.
fn take_fewer() -> String {
    format!(
        "take fewer with {}, then go on with {}",
        super::MAX_ITEMS.name,
        super::STARTING_TOKEN.name
    )
}

fn not_a<E>(member: &str, kind: &str) -> PageError<E> {
    PageError::Pages(format!("the response's {member} is not a {kind}"))
}

/// A marker in a message: escaped, and cut after 64 characters.
fn shown(marker: &str) -> String {
    let mut s: String = marker.chars().take(64).collect();
    if s.len() < marker.len() {
        s.push_str("...");
    }
    kms_lite::error::Escaped(&s).to_string()
}

/// About the memory a value takes: its strings' bytes and 16 bytes a value.
fn weight_of(v: &Value) -> usize {
    16 + match v {
        Value::String(s) => s.len(),
        Value::Array(items) => items.iter().map(weight_of).sum(),
        Value::Object(members) => members.iter().map(|(k, v)| k.len() + weight_of(v)).sum(),
        _ => 0,
    }
}

/// Takes the member `key` out of a page.
pub fn take(page: Val, key: &str) -> Option<Val> {
    match page {
        Val::Object(members) => members.into_iter().find(|(k, _)| k == key).map(|(_, v)| v),
        _ => None,
    }
}

/// The pages as one response, as botocore's `build_full_result` makes it: the result lists
/// joined (left out when no page had one), then `NextToken` when items remain (in that order,
/// as the AWS CLI prints them). The tokens and `Truncated` are left out.
pub fn full_result(pages: Pages, result_key: &str) -> Val {
    let mut all: Option<Vec<Val>> = None;
    for page in pages.pages {
        if let Some(Val::List(items)) = take(page, result_key) {
            all.get_or_insert_with(Vec::new).extend(items);
        }
    }
    let mut out = Vec::new();
    if let Some(all) = all {
        out.push((result_key.to_owned(), Val::List(all)));
    }
    if let Some(token) = pages.next_token {
        out.push(("NextToken".to_owned(), Val::Str(token)));
    }
    Val::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => panic!("an object"),
        }
    }

    /// A server of `keys` items, `per_page` a page, markers `m<index>`.
    fn listing(
        keys: usize,
        per_page: usize,
    ) -> impl FnMut(&Value) -> Result<Map<String, Value>, ()> {
        move |req| {
            let from: usize = req["Marker"]
                .as_str()
                .map_or(0, |m| m[1..].parse().unwrap());
            let per = req["Limit"].as_i64().map_or(per_page, |l| l as usize);
            let to = (from + per).min(keys);
            let items: Vec<Value> = (from..to)
                .map(|i| json!({"KeyId": format!("k{i}")}))
                .collect();
            let mut page = json!({"Keys": items, "Truncated": to < keys});
            if to < keys {
                page["NextMarker"] = json!(format!("m{to}"));
            }
            Ok(obj(page))
        }
    }

    fn val(v: Value) -> Val {
        crate::commands::call::from_json(v).unwrap()
    }

    fn ids(pages: &Pages) -> Vec<String> {
        let Some(Val::List(keys)) = full_result(pages.clone(), "Keys").get("Keys").cloned() else {
            panic!("a list of keys");
        };
        keys.iter()
            .map(|k| match k.get("KeyId") {
                Some(Val::Str(id)) => id.clone(),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    fn decode(token: &str) -> String {
        String::from_utf8(kms_lite::base64::decode(token.as_bytes()).unwrap()).unwrap()
    }

    #[test]
    fn every_page_is_fetched_and_joined() {
        let mut markers = Vec::new();
        let mut server = listing(5, 2);
        let pages = Pager::new("Keys")
            .run(obj(json!({"KeyId": "x"})), |req| {
                markers.push(req.get("Marker").cloned());
                server(req)
            })
            .unwrap();
        assert_eq!(markers, [None, Some(json!("m2")), Some(json!("m4"))]);
        assert_eq!(ids(&pages), ["k0", "k1", "k2", "k3", "k4"]);
        assert_eq!(pages.next_token, None);
        assert_eq!(
            full_result(pages, "Keys"),
            val(json!({"Keys": [
                {"KeyId": "k0"}, {"KeyId": "k1"}, {"KeyId": "k2"}, {"KeyId": "k3"}, {"KeyId": "k4"}
            ]}))
        );
    }

    #[test]
    fn max_items_cuts_a_page_and_the_token_resumes_inside_it() {
        let mut pager = Pager::new("Keys");
        pager.max_items = Some(3);
        let pages = pager.run(Map::new(), listing(5, 2)).unwrap();
        assert_eq!(ids(&pages), ["k0", "k1", "k2"]);
        let token = pages.next_token.clone().unwrap();
        // botocore's token: the marker of the cut page, and how much of it was returned.
        assert_eq!(
            decode(&token),
            r#"{"Marker": "m2", "boto_truncate_amount": 1}"#
        );
        pager.max_items = None;
        pager.start = Start::parse(&token).unwrap();
        assert_eq!(
            ids(&pager.run(Map::new(), listing(5, 2)).unwrap()),
            ["k3", "k4"]
        );

        // On a page boundary the token is the next marker; in the first page, a null marker.
        pager.start = Start::default();
        pager.max_items = Some(2);
        let pages = pager.run(Map::new(), listing(5, 2)).unwrap();
        assert_eq!(
            decode(pages.next_token.as_deref().unwrap()),
            r#"{"Marker": "m2"}"#
        );
        pager.max_items = Some(1);
        let pages = pager.run(Map::new(), listing(5, 2)).unwrap();
        assert_eq!(
            decode(pages.next_token.as_deref().unwrap()),
            r#"{"Marker": null, "boto_truncate_amount": 1}"#
        );
        // All items: no token.
        pager.max_items = Some(5);
        assert_eq!(
            pager.run(Map::new(), listing(5, 2)).unwrap().next_token,
            None
        );
    }

    #[test]
    fn starting_tokens_in_every_form() {
        let start = |m: Option<&str>, skip| Start {
            marker: m.map(str::to_owned),
            skip,
        };
        let b64 = |s: &str| kms_lite::base64::encode(s.as_bytes());
        assert_eq!(
            Start::parse(&b64(r#"{"Marker": "m2"}"#)),
            Some(start(Some("m2"), 0))
        );
        assert_eq!(
            Start::parse(&b64(r#"{"Marker": null, "boto_truncate_amount": 4}"#)),
            Some(start(None, 4))
        );
        assert_eq!(
            Start::parse(&b64(r#"{"Marker": "None"}"#)),
            Some(start(None, 0))
        );
        // Anything else in a JSON token is refused.
        for bad in [
            r#"{"Marker": 1}"#,
            r#"{"KeyId": "k"}"#,
            r#"{"Marker": "m", "boto_truncate_amount": -1}"#,
        ] {
            assert_eq!(Start::parse(&b64(bad)), None, "{bad}");
        }
        // botocore's older form, and a NextMarker as is.
        assert_eq!(Start::parse("m4___1"), Some(start(Some("m4"), 1)));
        assert_eq!(Start::parse("None___2"), Some(start(None, 2)));
        assert_eq!(Start::parse("m4___x"), Some(start(Some("m4___x"), 0)));
        assert_eq!(Start::parse("AQID+/=="), Some(start(Some("AQID+/=="), 0)));
        // A marker outside ASCII is written as json.dumps writes it.
        assert_eq!(
            decode(&resume_token(Some("é\u{1f600}\"\u{1}\u{7f}"), None)),
            r#"{"Marker": "\u00e9\ud83d\ude00\"\u0001\u007f"}"#
        );
    }

    #[test]
    fn page_size_sets_limit_on_every_request() {
        let mut limits = Vec::new();
        let mut server = listing(5, 2);
        let mut pager = Pager::new("Keys");
        pager.page_size = Some(3);
        let pages = pager
            .run(Map::new(), |req| {
                limits.push(req["Limit"].clone());
                server(req)
            })
            .unwrap();
        assert_eq!(limits, [json!(3), json!(3)]);
        assert_eq!(ids(&pages).len(), 5);
    }

    #[test]
    fn a_hostile_server_ends_with_an_error() {
        let message = |r: Result<Pages, PageError<()>>| match r {
            Err(PageError::Pages(m)) => m,
            other => panic!("{other:?}"),
        };
        // A marker that comes back after another: a loop botocore's check would not see.
        let mut n = 0;
        let looping = |_: &Value| {
            n += 1;
            let next = ["A", "B"][n % 2];
            Ok(obj(
                json!({"Keys": [], "Truncated": true, "NextMarker": next}),
            ))
        };
        assert_eq!(
            message(Pager::new("Keys").run(Map::new(), looping)),
            "The same next token was received twice: {'Marker': 'B'}"
        );
        assert_eq!(n, 3);
        // New markers forever: the page cap, at its real value.
        let mut n = 0usize;
        let endless = |_: &Value| {
            n += 1;
            Ok(obj(
                json!({"Truncated": true, "NextMarker": format!("m{n}")}),
            ))
        };
        assert_eq!(
            message(Pager::new("Keys").run(Map::new(), endless)),
            "more than 2000 pages; take fewer with --max-items, then go on with \
             --starting-token"
        );
        assert_eq!(n, MAX_PAGES);
        // Big pages: the weight cap.
        let mut pager = Pager::new("Keys");
        pager.max_weight = 1 << 20;
        let mut n = 0usize;
        let big = |_: &Value| {
            n += 1;
            let next = format!("m{n}");
            Ok(obj(
                json!({"Keys": ["x".repeat(100_000)], "Truncated": true, "NextMarker": next}),
            ))
        };
        assert_eq!(
            message(pager.run(Map::new(), big)),
            "the results exceed 1 MiB; take fewer with --max-items, then go on with \
             --starting-token"
        );
        assert_eq!(n, 11);
        // Whatever member holds the bulk: the whole page is kept, and counted.
        let mut n = 0usize;
        let junk = |_: &Value| {
            n += 1;
            let next = format!("m{n}");
            Ok(obj(
                json!({"Keys": [], "Junk": "x".repeat(100_000), "Truncated": true, "NextMarker": next}),
            ))
        };
        assert!(message(pager.run(Map::new(), junk)).starts_with("the results exceed 1 MiB"));
        assert_eq!(n, 11);
        // Members of the wrong kind; a long marker is cut and escaped.
        for (page, want) in [
            (json!({"Keys": "k"}), "the response's Keys is not a list"),
            (
                json!({"Truncated": "yes"}),
                "the response's Truncated is not a boolean",
            ),
            (
                json!({"Truncated": true, "NextMarker": 1}),
                "the response's NextMarker is not a string",
            ),
        ] {
            let page = obj(page);
            assert_eq!(
                message(Pager::new("Keys").run(Map::new(), |_| Ok(page.clone()))),
                want
            );
        }
        let long = format!("\u{1b}]0;{}", "m".repeat(100));
        let same = obj(json!({"Truncated": true, "NextMarker": long}));
        let m = message(Pager::new("Keys").run(Map::new(), |_| Ok(same.clone())));
        assert_eq!(
            m,
            format!(
                "The same next token was received twice: {{'Marker': '\\u{{1b}}]0;{}...'}}",
                "m".repeat(60)
            )
        );
        // Truncated without a marker ends, as in botocore.
        let pages = Pager::new("Keys")
            .run(Map::new(), |_| {
                Ok::<_, ()>(obj(json!({"Keys": [1], "Truncated": true})))
            })
            .unwrap();
        assert_eq!(pages.pages.len(), 1);
    }

    #[test]
    fn the_full_result_leaves_out_what_no_page_had() {
        let pages = Pages {
            pages: vec![val(json!({"Truncated": false}))],
            next_token: None,
        };
        assert_eq!(full_result(pages, "Keys"), Val::Object(Vec::new()));
        let pages = Pages {
            pages: vec![
                val(json!({"Keys": null, "Truncated": true, "NextMarker": "m"})),
                val(json!({"Keys": [1]})),
            ],
            next_token: Some("T".into()),
        };
        assert_eq!(
            full_result(pages, "Keys"),
            val(json!({"Keys": [1], "NextToken": "T"}))
        );
    }

    /// The result list, then NextToken, as botocore builds the full result (a dict in
    /// insertion order): not in alphabetical order, which put NextToken before Tags.
    #[test]
    fn the_full_result_has_the_list_first_then_the_token() {
        let pages = Pages {
            pages: vec![val(json!({"Tags": [{"TagKey": "k", "TagValue": "v"}]}))],
            next_token: Some("T".into()),
        };
        let Val::Object(members) = full_result(pages, "Tags") else {
            panic!("an object");
        };
        let names: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["Tags", "NextToken"]);
    }

    #[test]
    fn an_integer_the_output_cannot_hold_ends_paging() {
        let page = obj(json!({"Keys": [{"N": u64::MAX}]}));
        match Pager::new("Keys").run(Map::new(), |_| Ok::<_, ()>(page.clone())) {
            Err(PageError::Output(m)) => {
                assert_eq!(m, "the response holds an integer larger than 2^63 - 1")
            }
            other => panic!("{other:?}"),
        }
    }
}
