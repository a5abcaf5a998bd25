//! Cases written from the JMESPath specification and the semantics its compliance suite
//! checks (basic, boolean, current, escape, filters, functions, identifiers, indices,
//! literal, multiselect, pipe, slice, syntax, unicode, wildcard), plus the reference
//! implementation's behaviour where the AWS CLI users meet it.

use super::*;

fn val(json: &str) -> Val {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("bad test JSON {json}: {e}"))
}

/// Each `(expression, expected JSON)` against `data`.
fn check(data: &str, cases: &[(&str, &str)]) {
    let data = val(data);
    for (expression, expected) in cases {
        let q = Query::parse(expression).unwrap_or_else(|e| panic!("{expression}: {e}"));
        let got = q
            .search(&data)
            .unwrap_or_else(|e| panic!("{expression}: {e}"));
        assert_eq!(got, val(expected), "{expression}");
    }
}

/// The compiled expression's error: its kind, column and message.
fn error(expression: &str) -> (ErrorKind, usize, String) {
    let e = Query::parse(expression).expect_err(expression);
    (e.kind, e.column, e.message.clone())
}

fn runtime_error(data: &str, expression: &str) -> QueryError {
    Query::parse(expression)
        .unwrap()
        .search(&val(data))
        .expect_err(expression)
}

#[test]
fn identifiers_and_subexpressions() {
    check(
        r#"{"foo": {"bar": {"baz": "correct"}, "with space": 1, "-dash": 2, "\"q\"": 3}}"#,
        &[
            (
                "foo",
                r#"{"bar": {"baz": "correct"}, "with space": 1, "-dash": 2, "\"q\"": 3}"#,
            ),
            ("foo.bar", r#"{"baz": "correct"}"#),
            ("foo.bar.baz", r#""correct""#),
            ("foo\n.\nbar\n.baz", r#""correct""#),
            ("foo.bar.baz.bad", "null"),
            ("foo.bad", "null"),
            ("bad", "null"),
            ("bad.morebad.morebad", "null"),
            ("\"foo\".\"bar\"", r#"{"baz": "correct"}"#),
            ("foo.\"with space\"", "1"),
            ("foo.\"-dash\"", "2"),
            ("foo.\"\\\"q\\\"\"", "3"),
            ("\"\\u0066oo\".bar.baz", r#""correct""#),
            ("foo.\"bar\".baz", r#""correct""#),
        ],
    );
    // A field of something that is not an object is null.
    check(
        r#"{"foo": ["a"], "n": 1}"#,
        &[("foo.bar", "null"), ("n.x", "null")],
    );
    check(
        r#"{"\u2713": "check", "☯": true}"#,
        &[("\"✓\"", r#""check""#), ("\"☯\"", "true")],
    );
}

#[test]
fn indexes_and_slices() {
    let data = r#"{"foo": {"bar": ["zero", "one", "two"]}, "l": [0,1,2,3,4,5,6,7,8,9],
                   "nested": [[0, 1], [2, 3]]}"#;
    check(
        data,
        &[
            ("foo.bar[0]", r#""zero""#),
            ("foo.bar[2]", r#""two""#),
            ("foo.bar[3]", "null"),
            ("foo.bar[-1]", r#""two""#),
            ("foo.bar[-3]", r#""zero""#),
            ("foo.bar[-4]", "null"),
            ("foo[0]", "null"),
            ("l[0:5]", "[0,1,2,3,4]"),
            ("l[5:]", "[5,6,7,8,9]"),
            ("l[:3]", "[0,1,2]"),
            ("l[::2]", "[0,2,4,6,8]"),
            ("l[::-1]", "[9,8,7,6,5,4,3,2,1,0]"),
            ("l[-3:]", "[7,8,9]"),
            ("l[10:]", "[]"),
            ("l[1:9:3]", "[1,4,7]"),
            ("l[8:2:-2]", "[8,6,4]"),
            ("l[:]", "[0,1,2,3,4,5,6,7,8,9]"),
            ("l[-100:100]", "[0,1,2,3,4,5,6,7,8,9]"),
            ("l[99999999999999999999:]", "[]"),
            ("foo[:2]", "null"),
            ("nested[0][1]", "1"),
            ("nested[1][0]", "2"),
            ("nested[:][0]", "[0, 2]"),
            ("nested[0][0:1]", "[0]"),
            ("[0]", "null"),
        ],
    );
    check(
        r#"[{"a": 1}, {"a": 2}, {"b": 3}]"#,
        &[("[1].a", "2"), ("[:2].a", "[1, 2]")],
    );
}

#[test]
fn wildcards_flatten_and_projections() {
    let data = r#"{"foo": {"bar": {"kind": "one"}, "baz": {"kind": "two"}, "qux": "x"},
                   "list": [{"k": "a", "v": [1, 2]}, {"k": "b", "v": [3]}, {"x": 1}],
                   "nested": [[1, 2, [3]], 4, [[5]]], "s": "str"}"#;
    check(
        data,
        &[
            ("foo.*.kind", r#"["one", "two"]"#),
            ("foo.*", r#"[{"kind": "one"}, {"kind": "two"}, "x"]"#),
            ("*.bar.kind", r#"["one"]"#),
            ("list[*].k", r#"["a", "b"]"#),
            ("list[*].v", "[[1, 2], [3]]"),
            ("list[*].v[0]", "[1, 3]"),
            ("list[].v[]", "[1, 2, 3]"),
            ("list[*].v[]", "[1, 2, 3]"),
            ("list[*].v[*]", "[[1, 2], [3]]"),
            ("list[*].missing", "[]"),
            ("nested[]", "[1, 2, [3], 4, [5]]"),
            ("nested[][]", "[1, 2, 3, 4, 5]"),
            ("s[*]", "null"),
            ("s[]", "null"),
            ("s.*", "null"),
            ("foo[*]", "null"),
            ("list[*].k | [0]", r#""a""#),
            ("list[*].k[0]", "[]"),
            ("[*]", "null"),
            (
                "*",
                r#"[{"bar": {"kind": "one"}, "baz": {"kind": "two"}, "qux": "x"},
                      [{"k": "a", "v": [1, 2]}, {"k": "b", "v": [3]}, {"x": 1}],
                      [[1, 2, [3]], 4, [[5]]], "str"]"#,
            ),
        ],
    );
}

#[test]
fn multiselect_lists_and_hashes() {
    let data = r#"{"KeyId": "k", "CiphertextBlob": "AQID", "n": {"a": 1, "b": [2, 3]}}"#;
    check(
        data,
        &[
            ("[KeyId, CiphertextBlob]", r#"["k", "AQID"]"#),
            ("[KeyId, Missing]", r#"["k", null]"#),
            (
                "{id: KeyId, blob: CiphertextBlob}",
                r#"{"id": "k", "blob": "AQID"}"#,
            ),
            ("{\"the id\": KeyId}", r#"{"the id": "k"}"#),
            ("n.[a, b[1]]", "[1, 3]"),
            ("n.{x: a, y: b}", r#"{"x": 1, "y": [2, 3]}"#),
            ("missing.[a]", "null"),
            ("missing.{a: a}", "null"),
            ("[[KeyId], {k: KeyId}]", r#"[["k"], {"k": "k"}]"#),
            ("{a: KeyId, a: CiphertextBlob}", r#"{"a": "AQID"}"#),
        ],
    );
    // A hash keeps the expression's key order (the JSON output shows it).
    let got = Query::parse("{z: KeyId, a: KeyId}")
        .unwrap()
        .search(&val(data))
        .unwrap();
    assert_eq!(
        crate::output::format::render(&got, crate::args::OutputFormat::Json, "X", false).unwrap(),
        "{\n    \"z\": \"k\",\n    \"a\": \"k\"\n}\n"
    );
    check(
        r#"[{"a": 1, "b": 2}, {"a": 3, "b": 4}]"#,
        &[
            ("[*].[a, b]", "[[1, 2], [3, 4]]"),
            ("[].{x: b}", r#"[{"x": 2}, {"x": 4}]"#),
        ],
    );
}

#[test]
fn pipes_and_current_node() {
    check(
        r#"{"foo": [{"bar": "a"}, {"bar": "b"}], "x": {"y": 1}}"#,
        &[
            ("foo[*].bar | [0]", r#""a""#),
            ("foo[*].bar | [1]", r#""b""#),
            ("foo | [1].bar", r#""b""#),
            ("x | y", "1"),
            ("x.y | @", "1"),
            (
                "@",
                r#"{"foo": [{"bar": "a"}, {"bar": "b"}], "x": {"y": 1}}"#,
            ),
            ("@.x | @.y", "1"),
            ("foo[*] | [?@.bar == 'b']", r#"[{"bar": "b"}]"#),
            ("x || foo", r#"{"y": 1}"#),
        ],
    );
}

#[test]
fn literals_and_raw_strings() {
    check(
        r#"{"a": 1}"#,
        &[
            ("`\"foo\"`", r#""foo""#),
            ("`foo`", r#""foo""#),
            ("` foo`", r#""foo""#),
            ("`\"\\u00e9\"`", r#""é""#),
            ("`[1, 2, {\"a\": true}]`", r#"[1, 2, {"a": true}]"#),
            ("`{\"b\": null}`", r#"{"b": null}"#),
            ("`1.5`", "1.5"),
            ("`-3`", "-3"),
            ("`true`", "true"),
            ("`null`", "null"),
            ("`\"a\\`b\"`", r#""a`b""#),
            ("'raw'", r#""raw""#),
            ("'it\\'s'", r#""it's""#),
            ("'a\\b'", r#""a\\b""#),
            ("''", r#""""#),
            ("'\\u03a6'", r#""\\u03a6""#),
            ("`1` == `1.0`", "true"),
        ],
    );
}

#[test]
fn comparisons_and_boolean_operators() {
    check(
        r#"{"one": 1, "two": 2, "s": "abc", "t": true, "f": false, "n": null,
            "e": "", "el": [], "eo": {}, "zero": 0, "l": [1, 2], "o": {"a": 1, "b": 2}}"#,
        &[
            ("one < two", "true"),
            ("one <= `1`", "true"),
            ("two > one", "true"),
            ("one >= two", "false"),
            ("one == `1`", "true"),
            ("one != `1`", "false"),
            ("s == 'abc'", "true"),
            ("s < 'abd'", "true"),
            ("s > 'ab'", "true"),
            ("one < s", "null"),
            ("t < f", "null"),
            ("n < one", "null"),
            ("l == `[1, 2]`", "true"),
            ("o == `{\"b\": 2, \"a\": 1}`", "true"),
            ("t == `1`", "false"),
            ("zero == f", "false"),
            ("n == missing", "true"),
            ("t && s", r#""abc""#),
            ("f && s", "false"),
            ("e && s", r#""""#),
            ("n || s", r#""abc""#),
            ("el || eo || zero", "0"),
            ("eo || el", "[]"),
            ("!t", "false"),
            ("!f", "true"),
            ("!n", "true"),
            ("!e", "true"),
            ("!el", "true"),
            ("!zero", "false"),
            ("!s", "false"),
            ("!!s", "true"),
            ("one < two && s == 'abc'", "true"),
            ("!(one == `1`) || t", "true"),
            ("t && f || s", r#""abc""#),
            ("(t || f) && n", "null"),
        ],
    );
}

#[test]
fn filters() {
    let data = r#"{"keys": [
        {"KeyId": "a", "Enabled": true, "Usage": "ENCRYPT_DECRYPT", "Size": 1},
        {"KeyId": "b", "Enabled": false, "Usage": "SIGN_VERIFY", "Size": 2},
        {"KeyId": "c", "Enabled": true, "Usage": "ENCRYPT_DECRYPT", "Size": 3, "Tags": ["x"]}],
        "nums": [1, 2, 3, 4], "nested": [[{"a": 1}], [{"a": 2}]]}"#;
    check(
        data,
        &[
            ("keys[?Enabled].KeyId", r#"["a", "c"]"#),
            ("keys[?Enabled == `true`].KeyId", r#"["a", "c"]"#),
            ("keys[?Usage == 'SIGN_VERIFY'].KeyId", r#"["b"]"#),
            ("keys[?Usage != 'SIGN_VERIFY'] | length(@)", "2"),
            ("keys[?Size > `1`].KeyId", r#"["b", "c"]"#),
            ("keys[?Size >= `2` && Enabled].KeyId", r#"["c"]"#),
            ("keys[?!Enabled].KeyId", r#"["b"]"#),
            ("keys[?Tags].KeyId", r#"["c"]"#),
            ("keys[?contains(Tags || `[]`, 'x')].KeyId", r#"["c"]"#),
            ("keys[?starts_with(Usage, 'ENC')].KeyId", r#"["a", "c"]"#),
            ("keys[?Size > `1`] | [0].KeyId", r#""b""#),
            ("keys[?Size > `1`][0].KeyId", "[]"),
            ("keys[?Missing].KeyId", "[]"),
            ("nums[?@ > `2`]", "[3, 4]"),
            ("nums[?@ < `0`]", "[]"),
            ("nested[][?a == `2`]", "[]"),
            ("nested[] | [?a == `2`]", "[{\"a\": 2}]"),
            ("nested[?[0].a == `1`]", "[[{\"a\": 1}]]"),
            ("keys[?KeyId == 'a'].Usage | [0]", r#""ENCRYPT_DECRYPT""#),
            ("missing[?a]", "null"),
            ("[?a]", "null"),
        ],
    );
}

#[test]
fn functions() {
    let data = r#"{"s": "Hello", "empty": "", "n": -3, "f": 1.5, "l": [3, 1, 2],
                   "sl": ["b", "a", "c"], "fl": [1.5, 2.5], "o": {"x": 1, "y": "z"},
                   "people": [{"name": "b", "age": 30}, {"name": "a", "age": 20},
                              {"name": "c", "age": 30}],
                   "blob": "AQIDBA=="}"#;
    check(
        data,
        &[
            ("length(s)", "5"),
            ("length(`\"é☯\"`)", "2"),
            ("length(l)", "3"),
            ("length(o)", "2"),
            ("length(blob)", "8"),
            ("abs(n)", "3"),
            ("abs(f)", "1.5"),
            ("ceil(f)", "2"),
            ("floor(f)", "1"),
            ("ceil(n)", "-3"),
            ("avg(l)", "2.0"),
            ("avg(`[]`)", "null"),
            ("sum(l)", "6"),
            ("sum(fl)", "4.0"),
            ("sum(`[]`)", "0"),
            ("max(l)", "3"),
            ("min(l)", "1"),
            ("max(sl)", r#""c""#),
            ("min(sl)", r#""a""#),
            ("max(`[]`)", "null"),
            ("sort(l)", "[1, 2, 3]"),
            ("sort(sl)", r#"["a", "b", "c"]"#),
            ("reverse(l)", "[2, 1, 3]"),
            ("reverse(s)", r#""olleH""#),
            ("contains(s, 'ell')", "true"),
            ("contains(s, 'x')", "false"),
            ("contains(l, `2`)", "true"),
            ("contains(l, `2.0`)", "true"),
            ("contains(sl, 'a')", "true"),
            ("starts_with(s, 'He')", "true"),
            ("ends_with(s, 'lo')", "true"),
            ("ends_with(s, 'He')", "false"),
            ("join(', ', sl)", r#""b, a, c""#),
            ("join('', `[]`)", r#""""#),
            ("keys(o)", r#"["x", "y"]"#),
            ("values(o)", r#"[1, "z"]"#),
            ("type(s)", r#""string""#),
            ("type(n)", r#""number""#),
            ("type(l)", r#""array""#),
            ("type(o)", r#""object""#),
            ("type(`true`)", r#""boolean""#),
            ("type(missing)", r#""null""#),
            ("to_string(s)", r#""Hello""#),
            ("to_string(l)", r#""[3,1,2]""#),
            ("to_string(o)", r#""{\"x\":1,\"y\":\"z\"}""#),
            ("to_string(`\"é\"`)", r#""é""#),
            ("to_string(`[\"é\"]`)", r#""[\"\\u00e9\"]""#),
            ("to_string(f)", r#""1.5""#),
            ("to_number('42')", "42"),
            ("to_number('-1.5')", "-1.5"),
            ("to_number('1e3')", "1000.0"),
            ("to_number(' 7 ')", "7"),
            ("to_number('abc')", "null"),
            ("to_number(n)", "-3"),
            ("to_number(l)", "null"),
            ("to_number(`true`)", "null"),
            ("to_array(s)", r#"["Hello"]"#),
            ("to_array(l)", "[3, 1, 2]"),
            ("to_array(missing)", "[null]"),
            ("not_null(missing, empty, s)", r#""""#),
            ("not_null(missing, `null`)", "null"),
            (
                "merge(o, `{\"x\": 2, \"w\": 0}`)",
                r#"{"x": 2, "y": "z", "w": 0}"#,
            ),
            ("merge(`{}`)", "{}"),
            ("merge(o, '', `[]`)", r#"{"x": 1, "y": "z"}"#),
            ("map(&name, people)", r#"["b", "a", "c"]"#),
            ("map(&missing, people)", "[null, null, null]"),
            ("sort_by(people, &age)[].name", r#"["a", "b", "c"]"#),
            ("sort_by(people, &name)[].age", "[20, 30, 30]"),
            ("max_by(people, &age).name", r#""b""#),
            ("min_by(people, &age).name", r#""a""#),
            ("max_by(`[]`, &age)", "null"),
            ("sort_by(`[]`, &age)", "[]"),
            ("length(people[?age > `25`])", "2"),
            ("people[?contains(name, 'a')] | [0].age", "20"),
            ("length(join('', [s, s]))", "10"),
            ("sort(keys(o))[-1]", r#""y""#),
        ],
    );
}

#[test]
fn numbers_keep_python_types() {
    let json = |expression: &str| {
        let v = Query::parse(expression)
            .unwrap()
            .search(&val(r#"{"l": [1, 2], "f": [1.0, 2.5]}"#))
            .unwrap();
        crate::output::format::render(&v, crate::args::OutputFormat::Json, "X", false).unwrap()
    };
    assert_eq!(json("sum(l)"), "3\n");
    assert_eq!(json("avg(l)"), "1.5\n");
    assert_eq!(json("sum(f)"), "3.5\n");
    assert_eq!(json("ceil(`1.2`)"), "2\n");
    assert_eq!(json("`2.0`"), "2.0\n");
    assert_eq!(json("to_number('2.0')"), "2.0\n");
    assert_eq!(json("abs(`-2.0`)"), "2.0\n");
    assert_eq!(json("max(f)"), "2.5\n");
    assert_eq!(json("to_number('1_000')"), "1000\n");
    assert_eq!(json("to_number('1e999')"), "Infinity\n");
}

#[test]
fn syntax_errors_name_the_column() {
    let dot_rhs = "Expecting: ['quoted_identifier', 'unquoted_identifier', 'lbracket', \
                   'lbrace'], got: eof";
    assert_eq!(error("foo."), (ErrorKind::Parse, 4, dot_rhs.into()));
    assert_eq!(error("foo.bar."), (ErrorKind::Parse, 8, dot_rhs.into()));
    assert_eq!(error("a ||"), (ErrorKind::Incomplete, 4, String::new()));
    assert_eq!(error("length("), (ErrorKind::Incomplete, 7, String::new()));
    assert_eq!(error("{a: b"), (ErrorKind::Incomplete, 5, String::new()));
    assert_eq!(error("[?"), (ErrorKind::Incomplete, 2, String::new()));
    assert_eq!(error("[KeyId"), (ErrorKind::Incomplete, 6, String::new()));
    assert_eq!(error("foo["), (ErrorKind::Incomplete, 4, String::new()));
    assert_eq!(
        error("foo bar"),
        (ErrorKind::Parse, 4, "Unexpected token: bar".into())
    );
    assert_eq!(
        error("foo.]"),
        (
            ErrorKind::Parse,
            4,
            "Expecting: ['quoted_identifier', 'unquoted_identifier', 'lbracket', 'lbrace'], \
             got: rbracket"
                .into()
        )
    );
    assert_eq!(
        error("foo[1 2]"),
        (
            ErrorKind::Parse,
            6,
            "Expecting: rbracket, got: number".into()
        )
    );
    assert_eq!(
        error("*foo"),
        (ErrorKind::Parse, 1, "Unexpected token: foo".into())
    );
    assert_eq!(
        error("foo[*]{a: b}"),
        (ErrorKind::Parse, 6, "syntax error".into())
    );
    assert_eq!(
        error("@.x.@"),
        (ErrorKind::Parse, 4, dot_rhs.replace("eof", "current"))
    );
    assert_eq!(error("a *"), (ErrorKind::Parse, 2, "invalid token".into()));
    assert_eq!(error(")"), (ErrorKind::Parse, 0, "invalid token".into()));
    assert_eq!(
        error("foo[1:2:3:4]"),
        (ErrorKind::Parse, 9, "syntax error".into())
    );
    assert_eq!(
        error("foo[a]"),
        (
            ErrorKind::Parse,
            4,
            "Expecting: star, got: unquoted_identifier".into()
        )
    );
    assert_eq!(
        error("{1: a}"),
        (
            ErrorKind::Parse,
            1,
            "Expecting: ['quoted_identifier', 'unquoted_identifier'], got: number".into()
        )
    );
    assert_eq!(
        error("\"len\"(@)"),
        (
            ErrorKind::Parse,
            5,
            "Quoted identifier not allowed for function names.".into()
        )
    );
    assert_eq!(
        error("foo.[a](@)"),
        (ErrorKind::Parse, 6, "Invalid function name ']'".into())
    );
    assert_eq!(
        error("a ^ b"),
        (ErrorKind::Lexer, 2, "Unknown token ^".into())
    );
    assert_eq!(error(""), (ErrorKind::Empty, 0, String::new()));
    assert_eq!(
        error("lenght(KeyId)"),
        (ErrorKind::Other, 0, "Unknown function: lenght()".into())
    );
    assert_eq!(
        error("a | length(a, b)"),
        (
            ErrorKind::Other,
            4,
            "Expected 1 argument for function length(), received 2".into()
        )
    );
    assert_eq!(
        error("not_null()"),
        (
            ErrorKind::Other,
            0,
            "Expected at least 1 argument for function not_null(), received 0".into()
        )
    );
    assert_eq!(
        error("l[::0]"),
        (
            ErrorKind::Other,
            4,
            "Invalid slice: the step cannot be 0".into()
        )
    );
    assert_eq!(error("&a").0, ErrorKind::Other);
    assert_eq!(error("length(&a)").0, ErrorKind::Other);
    assert_eq!(error("map(a, b)").0, ErrorKind::Other);
    assert_eq!(error("sort_by(a, b)").0, ErrorKind::Other);
    // Nesting is bounded, before any stack can run out.
    let deep = "(".repeat(300) + "a" + &")".repeat(300);
    assert_eq!(error(&deep).0, ErrorKind::Other);
    let long = "a".to_string() + &".a".repeat(400);
    assert_eq!(error(&long).0, ErrorKind::Other);
    let pipes = "[@]".to_string() + &"|[@]".repeat(300);
    assert_eq!(error(&pipes).0, ErrorKind::Other);
}

#[test]
fn errors_read_as_the_reference_implementation_writes_them() {
    let text = |e: &str| Query::parse(e).unwrap_err().to_string();
    assert_eq!(
        text("[KeyId"),
        "Invalid jmespath expression: Incomplete expression:\n\"[KeyId\"\n       ^"
    );
    assert_eq!(
        text("KeyId."),
        "Expecting: ['quoted_identifier', 'unquoted_identifier', 'lbracket', 'lbrace'], got: \
         eof: Parse error at column 6, token \"\" (EOF), for expression:\n\"KeyId.\"\n       ^"
    );
    assert_eq!(
        text("foo bar"),
        "Unexpected token: bar: Parse error at column 4, token \"bar\" (UNQUOTED_IDENTIFIER), \
         for expression:\n\"foo bar\"\n     ^"
    );
    assert_eq!(
        text("a ^"),
        "Bad jmespath expression: Unknown token ^:\na ^\n  ^"
    );
    assert_eq!(text(""), "Invalid JMESPath expression: cannot be empty.");
    assert_eq!(
        text("lenght(KeyId)"),
        "Unknown function: lenght() (at column 0), for expression:\n\"lenght(KeyId)\"\n ^"
    );
}

#[test]
fn type_errors_name_the_function_and_types_never_the_value() {
    let e = runtime_error(r#"{"Plaintext": "c2VjcmV0"}"#, "abs(Plaintext)");
    assert_eq!(e.kind, ErrorKind::Other);
    assert_eq!(e.column, 0);
    assert_eq!(
        e.to_string(),
        "In function abs(), invalid type for value, expected one of: ['number'], received: \
         \"string\" (at column 0), for expression:\n\"abs(Plaintext)\"\n ^"
    );
    assert!(!e.to_string().contains("c2VjcmV0"));
    for (expression, column) in [
        ("length(missing)", 0),
        ("KeyId | starts_with(@, `1`)", 8),
        ("join(',', `[1, 2]`)", 0),
        ("sum(`[\"a\"]`)", 0),
        ("max(`[1, \"a\"]`)", 0),
        ("sort_by(`[{\"a\": 1}, {\"a\": \"b\"}]`, &a)", 0),
        ("keys(`[]`)", 0),
        ("merge(`{}`, `1`)", 0),
        ("map(&a, `1`)", 0),
        ("ceil(`1e300`)", 0),
        ("sum(`[9223372036854775807, 1]`)", 0),
    ] {
        let e = runtime_error(r#"{"KeyId": "k"}"#, expression);
        assert_eq!(
            (e.kind, e.column),
            (ErrorKind::Other, column),
            "{expression}"
        );
    }
}

#[test]
fn results_are_bounded() {
    // Each stage doubles the result: stopped long before memory runs out.
    let expression = "{a:@,b:@}".to_string() + &"|{a:@,b:@}".repeat(40);
    let e = runtime_error(r#"{"KeyId": "k"}"#, &expression);
    assert!(e.message.contains("more than 4 Mi"), "{}", e.message);
}

/// Just under the nesting limit, every kind of nesting parses, evaluates and prints in every
/// format within a test thread's 2 MiB stack (a debug build's frames, the largest).
#[test]
fn the_deepest_accepted_expressions_run_and_print() {
    let n = parser::MAX_DEPTH - 6;
    for e in [
        "(".repeat(n) + "a" + &")".repeat(n),
        "!".repeat(n) + "a",
        "[".repeat(n) + "a" + &"]".repeat(n),
        "a".to_string() + &".a".repeat(n),
        "[@]".to_string() + &"|[@]".repeat(n),
        "{a:".repeat(n) + "a" + &"}".repeat(n),
    ] {
        let q = Query::parse(&e).unwrap_or_else(|err| panic!("{err}"));
        let v = q.search(&val(r#"{"a": 1}"#)).unwrap();
        for (_, f) in crate::args::OutputFormat::CHOICES {
            let _ = crate::output::format::render(&v, f, "X", false);
        }
    }
}
