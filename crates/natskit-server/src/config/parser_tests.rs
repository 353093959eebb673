//! The parser over every construct of the format, bad files (file, line and column in the
//! error), and values written back and read again (proptest).

use std::collections::HashMap;
use std::path::Path;

use proptest::prelude::*;

use super::*;

/// Files and environment variables in memory.
#[derive(Default)]
struct Memory {
    files: HashMap<String, String>,
    env: HashMap<String, String>,
}

impl Memory {
    fn file(mut self, path: &str, text: &str) -> Self {
        self.files.insert(path.into(), text.into());
        self
    }

    fn env(mut self, name: &str, value: &str) -> Self {
        self.env.insert(name.into(), value.into());
        self
    }

    fn parse(&self, path: &str) -> Result<Map, ConfigError> {
        parse(&self.files[path], Path::new(path), self)
    }
}

impl Loader for Memory {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        self.files
            .get(path.to_str().unwrap_or_default())
            .cloned()
            .ok_or_else(|| std::io::ErrorKind::NotFound.into())
    }

    fn env(&self, name: &str) -> Option<String> {
        self.env.get(name).cloned()
    }
}

fn tree(text: &str) -> Map {
    parse_str(text, "t.conf").unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

fn kind<'m>(map: &'m Map, key: &str) -> &'m ValueKind {
    &map.get(key).unwrap_or_else(|| panic!("no {key}")).kind
}

fn s(text: &str) -> ValueKind {
    ValueKind::String(text.into())
}

fn sub<'m>(map: &'m Map, key: &str) -> &'m Map {
    match kind(map, key) {
        ValueKind::Map(m) => m,
        other => panic!("{key} is {other:?}"),
    }
}

/// The error for `text`, as "line:column: message".
fn error(text: &str) -> String {
    let err = parse_str(text, "bad.conf").expect_err(text);
    let msg = err.to_string();
    msg.strip_prefix("bad.conf:")
        .unwrap_or_else(|| panic!("{msg}"))
        .to_owned()
}

#[test]
fn the_three_separators() {
    let t = tree("a: 1\nb = 2\nc 3\nd:4\ne=5\nf\t6");
    for (key, n) in [("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5), ("f", 6)] {
        assert_eq!(kind(&t, key), &ValueKind::Integer(n), "{key}");
    }
}

#[test]
fn values_end_at_new_lines_commas_and_semicolons() {
    let t = tree("a: 1, b: 2; c: 3\r\nd: 4");
    assert_eq!(t.entries().len(), 4);
    let t = tree("m { a: 1, b: 2; c: 3 }");
    assert_eq!(sub(&t, "m").entries().len(), 3);
}

#[test]
fn the_value_may_follow_on_the_next_line_after_the_key() {
    // As nats-server: white space, new lines too, may come between a key and its separator.
    let t = tree("port\n  4222");
    assert_eq!(kind(&t, "port"), &ValueKind::Integer(4222));
}

#[test]
fn nested_maps_with_and_without_separator() {
    let t = tree("a { b { c: 1 } }\nd: { e = 2 }\nf = {g 3}");
    assert_eq!(kind(sub(sub(&t, "a"), "b"), "c"), &ValueKind::Integer(1));
    assert_eq!(kind(sub(&t, "d"), "e"), &ValueKind::Integer(2));
    assert_eq!(kind(sub(&t, "f"), "g"), &ValueKind::Integer(3));
    let empty = tree("a {}");
    assert!(sub(&empty, "a").is_empty());
}

#[test]
fn arrays_with_commas_new_lines_and_comments() {
    let t = tree("a: [1, 2, 3]\nb [\n  x # one\n  y // two\n  'z',\n]\nc: []\nd: [[1], {k: v}]");
    let ValueKind::Array(a) = kind(&t, "a") else {
        panic!()
    };
    assert_eq!(a.len(), 3);
    assert_eq!(a[2].kind, ValueKind::Integer(3));
    let ValueKind::Array(b) = kind(&t, "b") else {
        panic!()
    };
    let b: Vec<_> = b.iter().map(|v| v.kind.clone()).collect();
    assert_eq!(b, [s("x"), s("y"), s("z")]);
    assert_eq!(kind(&t, "c"), &ValueKind::Array(vec![]));
    let ValueKind::Array(d) = kind(&t, "d") else {
        panic!()
    };
    assert!(matches!(d[1].kind, ValueKind::Map(_)));
}

#[test]
fn comments_of_both_kinds_anywhere_a_line_may_end() {
    let t = tree("# top\n// also\na: 1 # after\nb: 2 // after\nm { # in a map\n c: 3 // here\n}\n");
    assert_eq!(kind(&t, "a"), &ValueKind::Integer(1));
    assert_eq!(kind(&t, "b"), &ValueKind::Integer(2));
    assert_eq!(kind(sub(&t, "m"), "c"), &ValueKind::Integer(3));
}

#[test]
fn strings_quoted_and_bare() {
    let t = tree(concat!(
        "a: 'single \\n kept'\n",
        "b: \"tab\\tnl\\nquote\\\" back\\\\ hex\\x41\"\n",
        "c: bare-string_1.x\n",
        "d: nats://localhost:4222\n",
        "e: \"\"\n",
        "f: \"$NOT_A_VARIABLE\"\n",
        "g: ünïcødé\n",
        "h: a\\x42c\n",
        "i: \"é\\xc3\\xa9\"\n",
    ));
    assert_eq!(kind(&t, "a"), &s("single \\n kept"));
    assert_eq!(kind(&t, "b"), &s("tab\tnl\nquote\" back\\ hexA"));
    assert_eq!(kind(&t, "c"), &s("bare-string_1.x"));
    assert_eq!(kind(&t, "d"), &s("nats://localhost:4222"));
    assert_eq!(kind(&t, "e"), &s(""));
    assert_eq!(kind(&t, "f"), &s("$NOT_A_VARIABLE"));
    assert_eq!(kind(&t, "g"), &s("ünïcødé"));
    assert_eq!(kind(&t, "h"), &s("aBc"));
    assert_eq!(kind(&t, "i"), &s("éé"));
}

#[test]
fn quoted_keys() {
    let t = tree("\"a b\": 1\n'c:d' = 2\n");
    assert_eq!(kind(&t, "a b"), &ValueKind::Integer(1));
    assert_eq!(kind(&t, "c:d"), &ValueKind::Integer(2));
}

#[test]
fn integers_sizes_floats_booleans_dates_and_addresses() {
    let t = tree(concat!(
        "i: 42\nn: -7\nk: 1K\nkb: 64KB\nmb: 1MB\ngb: 1GB\nmi: 8Mi\n",
        "f: 2.5\nnf: -0.5\n",
        "t1: true\nt2: YES\nt3: on\nf1: false\nf2: No\nf3: OFF\n",
        "d: 2024-01-02T03:04:05Z\n",
        "ip: 127.0.0.1\nhp: 0.0.0.0:4222\n",
        "dur: 2s\nm: 2m\n",
    ));
    assert_eq!(kind(&t, "i"), &ValueKind::Integer(42));
    assert_eq!(kind(&t, "n"), &ValueKind::Integer(-7));
    assert_eq!(kind(&t, "k"), &ValueKind::Integer(1000));
    assert_eq!(kind(&t, "kb"), &ValueKind::Integer(65536));
    assert_eq!(kind(&t, "mb"), &ValueKind::Integer(1 << 20));
    assert_eq!(kind(&t, "gb"), &ValueKind::Integer(1 << 30));
    assert_eq!(kind(&t, "mi"), &ValueKind::Integer(8 << 20));
    assert_eq!(kind(&t, "f"), &ValueKind::Float(2.5));
    assert_eq!(kind(&t, "nf"), &ValueKind::Float(-0.5));
    for key in ["t1", "t2", "t3"] {
        assert_eq!(kind(&t, key), &ValueKind::Bool(true), "{key}");
    }
    for key in ["f1", "f2", "f3"] {
        assert_eq!(kind(&t, key), &ValueKind::Bool(false), "{key}");
    }
    assert_eq!(
        kind(&t, "d"),
        &ValueKind::Datetime("2024-01-02T03:04:05Z".into())
    );
    assert_eq!(kind(&t, "ip"), &s("127.0.0.1"));
    assert_eq!(kind(&t, "hp"), &s("0.0.0.0:4222"));
    // A bare `2s` is a string (a duration for the settings); a bare `2m` is 2 million, as
    // nats-server reads it.
    assert_eq!(kind(&t, "dur"), &s("2s"));
    assert_eq!(kind(&t, "m"), &ValueKind::Integer(2_000_000));
}

#[test]
fn quoted_booleans_and_numbers_stay_strings() {
    let t = tree("a: \"true\"\nb: '42'");
    assert_eq!(kind(&t, "a"), &s("true"));
    assert_eq!(kind(&t, "b"), &s("42"));
}

#[test]
fn block_strings() {
    let t = tree("text (\nline one\n  line (two)\n)\nafter: 1\n");
    assert_eq!(kind(&t, "text"), &s("\nline one\n  line (two)"));
    assert_eq!(kind(&t, "after"), &ValueKind::Integer(1));
}

#[test]
fn a_key_written_again_replaces_the_first() {
    let t = tree("port: 1\nport: 2");
    assert_eq!(kind(&t, "port"), &ValueKind::Integer(2));
    assert_eq!(t.entries().len(), 1);
}

#[test]
fn the_whole_file_may_be_one_json_object() {
    let t = tree("{\n  \"port\": 4222,\n  \"authorization\": {\"token\": \"t\"}\n}\n");
    assert_eq!(kind(&t, "port"), &ValueKind::Integer(4222));
    assert_eq!(kind(sub(&t, "authorization"), "token"), &s("t"));
}

#[test]
fn positions_point_at_keys_and_values() {
    let t = tree("# c\n  port: 4222\nm {\n\tk = 'v'\n}");
    let port = &t.entries()[0];
    assert_eq!(port.key_position.to_string(), "t.conf:2:3");
    assert_eq!(port.value.position.to_string(), "t.conf:2:9");
    let k = &sub(&t, "m").entries()[0];
    assert_eq!(k.key_position.to_string(), "t.conf:4:2");
    assert_eq!(k.value.position.to_string(), "t.conf:4:6");
}

#[test]
fn variables_from_this_block_enclosing_blocks_and_the_environment() {
    let memory = Memory::default()
        .env("PORT", "4333")
        .env("SIZE", "2MB")
        .env("WORDS", "[a, b]")
        .env("EMPTY", "")
        .file(
            "n.conf",
            concat!(
                "TOKEN: s3cret\n",
                "port: $PORT\n",
                "max_payload: $SIZE\n",
                "list: $WORDS\n",
                "e: $EMPTY\n",
                "authorization {\n  USER: inner\n  token: $TOKEN\n  user: $USER\n}\n",
                "other { u: $USER }\n",
            ),
        );
    let err = memory.parse("n.conf").unwrap_err().to_string();
    // `USER` of the authorization block is not visible in a sibling block (and this
    // environment has no USER).
    assert_eq!(err, "n.conf:11:12: variable $USER is not defined (neither earlier in this block or an enclosing one, nor in the environment)");

    let memory = Memory {
        files: HashMap::from([(
            "n.conf".into(),
            memory.files["n.conf"].replace("other { u: $USER }\n", ""),
        )]),
        ..memory
    };
    let t = memory.parse("n.conf").unwrap();
    assert_eq!(kind(&t, "port"), &ValueKind::Integer(4333));
    assert_eq!(kind(&t, "max_payload"), &ValueKind::Integer(2 << 20));
    let ValueKind::Array(list) = kind(&t, "list") else {
        panic!()
    };
    assert_eq!(list.len(), 2);
    assert_eq!(kind(&t, "e"), &s(""));
    let auth = sub(&t, "authorization");
    assert_eq!(kind(auth, "token"), &s("s3cret"));
    assert_eq!(kind(auth, "user"), &s("inner"));
    // Values from variables carry the position of their use; the keys used are marked.
    assert_eq!(
        auth.get("token").unwrap().position.to_string(),
        "n.conf:8:10"
    );
    assert!(t.entries()[0].used_as_variable);
    assert!(!t.entries()[1].used_as_variable);
}

#[test]
fn a_file_key_wins_over_the_environment() {
    let memory = Memory::default()
        .env("PORT", "1")
        .file("n.conf", "PORT: 2\nport: $PORT");
    assert_eq!(
        kind(&memory.parse("n.conf").unwrap(), "port"),
        &ValueKind::Integer(2)
    );
}

#[test]
fn a_bare_bcrypt_hash_is_a_string_not_a_variable() {
    let hash = "$2a$11$W2zko751KUvVy59mUTWmpOdWjpEm5qhcCZRd05GjI/sSOT.xtiHyG";
    let t = tree(&format!("password: {hash}"));
    assert_eq!(kind(&t, "password"), &s(hash));
}

#[test]
fn includes_are_read_relative_to_the_including_file() {
    let memory = Memory::default()
        .file("etc/nats.conf", "port: 1\ninclude ./auth/users.conf\nm {\n  include 'inner.conf'\n}\nafter: $FROM_INCLUDE")
        .file("etc/auth/users.conf", "authorization { token: t }\nFROM_INCLUDE: 7")
        .file("etc/inner.conf", "x: 1; include \"deeper.conf\"")
        .file("etc/deeper.conf", "y: 2");
    let t = memory.parse("etc/nats.conf").unwrap();
    assert_eq!(kind(sub(&t, "authorization"), "token"), &s("t"));
    assert_eq!(kind(&t, "after"), &ValueKind::Integer(7));
    let m = sub(&t, "m");
    assert_eq!(kind(m, "x"), &ValueKind::Integer(1));
    assert_eq!(kind(m, "y"), &ValueKind::Integer(2));
    // Positions inside an included file name that file.
    let token = &sub(&t, "authorization").entries()[0];
    assert_eq!(token.key_position.to_string(), "etc/auth/users.conf:1:17");
}

#[test]
fn an_included_file_does_not_see_the_includers_variables() {
    let memory = Memory::default()
        .file("a.conf", "SECRET: x\ninclude b.conf")
        .file("b.conf", "token: $SECRET");
    let err = memory.parse("a.conf").unwrap_err().to_string();
    assert!(err.starts_with("b.conf:1:8: variable $SECRET"), "{err}");
}

#[test]
fn include_errors_name_the_place_of_the_include() {
    let memory = Memory::default().file("a.conf", "port: 1\ninclude missing.conf");
    let err = memory.parse("a.conf").unwrap_err().to_string();
    assert!(
        err.starts_with("a.conf:2:9: cannot read included file missing.conf"),
        "{err}"
    );

    let memory = Memory::default().file("a.conf", "include a.conf");
    let err = memory.parse("a.conf").unwrap_err().to_string();
    assert!(
        err.ends_with("includes nest deeper than 16 (does one refer to itself?)"),
        "{err}"
    );

    let memory = Memory::default()
        .file("a.conf", "include b.conf")
        .file("b.conf", "ok: 1\nbad: [1 2]");
    let err = memory.parse("a.conf").unwrap_err().to_string();
    assert!(err.starts_with("b.conf:2:9: "), "{err}");
}

#[test]
fn an_environment_variable_that_refers_to_itself_is_an_error() {
    let memory = Memory::default()
        .env("LOOP", "$LOOP")
        .file("a.conf", "x: $LOOP");
    let err = memory.parse("a.conf").unwrap_err().to_string();
    assert_eq!(
        err,
        "a.conf:1:4: environment variables nest deeper than 16 (does one refer to itself?)"
    );
    // A value the parser cannot read names the variable.
    let memory = Memory::default()
        .env("BAD", "[1 2]")
        .file("a.conf", "x: $BAD");
    let err = memory.parse("a.conf").unwrap_err().to_string();
    assert!(
        err.starts_with("a.conf:1:4: $BAD: the environment variable's value cannot be read"),
        "{err}"
    );
}

#[test]
fn bad_files_are_errors_with_line_and_column() {
    let cases = [
        ("a: 'open", "1:4: expected the closing quote of this string, found the end of the file"),
        ("a: \"open\nb: 1", "1:4: expected the closing quote of this string, found the end of the file"),
        ("a: [1, 2", "1:9: expected ',' or ']' after the array item, found the end of the file"),
        ("a: [1 2]", "1:7: expected ',' or ']' after the array item, found '2'"),
        ("a: [, 1]", "1:5: expected a value or ']', found ','"),
        ("m {\n  a: 1\n", "3:1: expected '}' to close the map, found the end of the file"),
        ("a:\nb: 1", "1:3: expected a value for \"a\", found a new line"),
        ("a", "1:2: expected a value for \"a\", found the end of the file"),
        ("a: 1 2", "1:6: expected a new line, ',' or ';' after the value, found '2'"),
        ("a: 1.5s", "1:4: \"1.5s\" is neither a number nor an IP address (quote it if it is a string)"),
        ("a: .5", "1:4: numbers must start with a digit, not '.'"),
        ("a: \"bad \\q\"", "1:9: invalid escape \\q: only \\t, \\n, \\r, \\\", \\\\ and \\xHH are allowed"),
        ("a: \"\\xZZ\"", "1:5: invalid escape \\xZZ: only \\t, \\n, \\r, \\\", \\\\ and \\xHH are allowed"),
        ("a: \"\\xff\"", "1:4: the \\x escapes of this string are not UTF-8"),
        ("a: 99999999999999999999", "1:4: integer \"99999999999999999999\" is out of range"),
        ("a: 2024-01-02", "1:4: \"2024-01-02\": dates must be written in full Zulu form, like 2024-01-02T03:04:05Z"),
        ("a: $NOPE", "1:4: variable $NOPE is not defined (neither earlier in this block or an enclosing one, nor in the environment)"),
        ("}", "1:1: expected a key, found '}'"),
        (": 1", "1:1: expected a key, found ':'"),
        ("include\n'x'", "1:8: expected the path of the file to include, found a new line"),
        ("include 42", "1:9: expected the path of the file to include, found '4'"),
        ("t (\nno end", "1:3: expected a line starting with ')' to end the block, found the end of the file"),
        ("'key", "1:5: expected the closing quote of the key, found the end of the file"),
        ("a: -1KX", "1:4: unknown size suffix \"KX\" in \"-1KX\""),
    ];
    for (text, expected) in cases {
        let got = error(text);
        // Suffix-less messages are checked by their start.
        assert!(
            got.starts_with(expected),
            "{text:?}\n got: {got}\nwant: {expected}"
        );
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let text = format!("a: {}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(error(&text).contains("nest deeper than 128"));
    let text = format!("a {}", "{ b ".repeat(10_000));
    assert!(error(&text).contains("nest deeper than 128"));
}

#[test]
fn a_number_followed_by_a_closing_bracket_ends_the_number() {
    // nats-server 2.10.26 reads `2]` as the string "2]" and loses the array's end; this
    // parser ends the number there.
    let t = tree("a: [1, 2]\nb: 3");
    let ValueKind::Array(a) = kind(&t, "a") else {
        panic!()
    };
    assert_eq!(a[1].kind, ValueKind::Integer(2));
    assert_eq!(kind(&t, "b"), &ValueKind::Integer(3));
}

/// Values that can be written back: keys are plain words (quoted keys have no escapes).
fn any_value() -> impl Strategy<Value = ValueKind> {
    let leaf = prop_oneof![
        any::<String>().prop_map(ValueKind::String),
        any::<i64>().prop_map(ValueKind::Integer),
        (-1e12f64..1e12).prop_map(ValueKind::Float),
        any::<bool>().prop_map(ValueKind::Bool),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6)
                .prop_map(|items| { ValueKind::Array(items.into_iter().map(at_origin).collect()) }),
            prop::collection::btree_map("[a-z_][a-z0-9_]{0,8}", inner, 0..6).prop_map(|m| {
                let mut map = Map::default();
                for (k, v) in m {
                    map.insert(k, origin(), at_origin(v));
                }
                ValueKind::Map(map)
            }),
        ]
    })
}

fn origin() -> Position {
    Position::new("p.conf", 1, 1)
}

fn at_origin(kind: ValueKind) -> Value {
    Value {
        kind,
        position: origin(),
    }
}

/// The value without positions, to compare a reparsed tree.
fn shape(kind: &ValueKind) -> String {
    match kind {
        ValueKind::Array(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|v| shape(&v.kind))
                .collect::<Vec<_>>()
                .join(",")
        ),
        ValueKind::Map(m) => format!(
            "{{{}}}",
            m.entries()
                .iter()
                .map(|e| format!("{}={}", e.key, shape(&e.value.kind)))
                .collect::<Vec<_>>()
                .join(",")
        ),
        ValueKind::Float(x) => format!("F{x}"),
        other => format!("{other:?}"),
    }
}

proptest! {
    #[test]
    fn any_value_written_back_reads_the_same(kind in any_value()) {
        let text = format!("v: {}\n", at_origin(kind.clone()));
        let t = parse_str(&text, "p.conf").map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        prop_assert_eq!(shape(&t.get("v").unwrap().kind), shape(&kind), "{}", text);
    }

    #[test]
    fn any_text_is_a_tree_or_an_error_never_a_panic(text in "\\PC{0,200}") {
        let _ = parse_str(&text, "p.conf");
    }

    #[test]
    fn format_like_text_is_a_tree_or_an_error(text in "[a-z{}\\[\\]:=,;'\"#/$\\\\ \n0-9.-]{0,120}") {
        let _ = parse_str(&text, "p.conf");
    }
}
