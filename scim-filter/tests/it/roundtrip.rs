//! The round-trip law: for every well-formed tree `t`,
//! `parse(t.to_string()) == Ok(t)`; and no input makes a parser panic.

use proptest::prelude::*;
use proptest::sample::select;
use scim_filter::{
    parse_attr_list, parse_attr_path, parse_filter, parse_path, AttrPath, CompValue, CompareOp,
    Filter, ParseError, PatchPath, ValuePath,
};
use serde_json::Number;

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z][a-zA-Z0-9_-]{0,8}",
        // Names that are also keywords somewhere in the grammar.
        1 => select(vec!["not", "NOT", "and", "or", "pr", "eq", "true", "null", "User"])
            .prop_map(str::to_owned),
    ]
}

fn sub_attr() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => name(),
        1 => select(vec!["$ref", "$REF"]).prop_map(str::to_owned),
    ]
}

fn urn() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec![
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:core:2.0:Group",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        ])
        .prop_map(str::to_owned),
        "urn(:[a-zA-Z0-9._-]{1,6}){1,5}",
        "[a-zA-Z][a-zA-Z0-9._%+~/@!;=:-]{0,16}",
    ]
}

fn attr_path() -> impl Strategy<Value = AttrPath> {
    (
        proptest::option::weighted(0.3, urn()),
        name(),
        proptest::option::weighted(0.4, sub_attr()),
    )
        .prop_map(|(urn, name, sub_attr)| AttrPath {
            urn,
            name,
            sub_attr,
        })
}

/// A path a value filter can hang on: no sub-attribute.
fn value_path_attr() -> impl Strategy<Value = AttrPath> {
    (proptest::option::weighted(0.3, urn()), name()).prop_map(|(urn, name)| AttrPath {
        urn,
        name,
        sub_attr: None,
    })
}

fn string_value() -> impl Strategy<Value = String> {
    let tricky = select(vec![
        '"', '\\', '/', '\n', '\r', '\t', '\u{0}', '\u{8}', '\u{c}', '\u{1f}', '\u{7f}', '\'', '(',
        ')', '[', ']', ' ', 'é', '😀', '\u{2028}', '\u{fffd}',
    ]);
    proptest::collection::vec(
        prop_oneof![
            any::<char>(),
            tricky,
            "[a-z]".prop_map(|s| s.chars().next().unwrap_or('a'))
        ],
        0..12,
    )
    .prop_map(String::from_iter)
}

fn number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from),
        any::<u64>().prop_map(Number::from),
        any::<f64>().prop_filter_map("finite", Number::from_f64),
        (-1000i32..1000, -5i32..5).prop_filter_map("finite", |(m, e)| {
            Number::from_f64(f64::from(m) * 10f64.powi(e))
        }),
    ]
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        3 => string_value().prop_map(CompValue::Str),
        2 => number().prop_map(CompValue::Num),
        1 => any::<bool>().prop_map(CompValue::Bool),
        1 => Just(CompValue::Null),
    ]
}

fn compare_op() -> impl Strategy<Value = CompareOp> {
    select(CompareOp::ALL.to_vec())
}

fn attr_exp() -> impl Strategy<Value = Filter> {
    prop_oneof![
        1 => attr_path().prop_map(Filter::Present),
        4 => (attr_path(), compare_op(), comp_value())
            .prop_map(|(p, op, v)| Filter::Compare(p, op, v)),
    ]
}

/// Filters allowed inside `[...]`: anything but another value path.
fn val_filter() -> impl Strategy<Value = Filter> {
    attr_exp().prop_recursive(4, 16, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Filter::and(l, r)),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Filter::or(l, r)),
            inner.prop_map(Filter::not),
        ]
    })
}

fn filter() -> impl Strategy<Value = Filter> {
    let leaf = prop_oneof![
        4 => attr_exp(),
        1 => (value_path_attr(), val_filter())
            .prop_map(|(attr, f)| Filter::ValuePath(ValuePath { attr, filter: Box::new(f) })),
    ];
    leaf.prop_recursive(6, 48, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Filter::and(l, r)),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Filter::or(l, r)),
            inner.prop_map(Filter::not),
        ]
    })
}

fn patch_path() -> impl Strategy<Value = PatchPath> {
    (
        attr_path(),
        proptest::option::weighted(0.5, val_filter().prop_map(Box::new)),
    )
        .prop_map(|(attr, value_filter)| PatchPath { attr, value_filter })
}

/// A parse error must point inside the input, at a character boundary.
fn check_error(input: &str, err: &ParseError) {
    assert!(err.offset <= input.len(), "{input:?}: {err}");
    assert!(input.is_char_boundary(err.offset), "{input:?}: {err}");
    assert!(!err.expected.is_empty() && !err.found.is_empty());
}

/// Pieces of filter syntax, glued at random to reach deep into the parser.
fn filterish() -> impl Strategy<Value = String> {
    let token = select(vec![
        "(",
        ")",
        "[",
        "]",
        "not",
        "NOT ",
        "and",
        " and ",
        "or",
        " or ",
        " ",
        "\t",
        "pr",
        " pr",
        " eq ",
        "co",
        " GT ",
        "\"x\"",
        "\"",
        "\\",
        "\\u",
        "d83d",
        "\\ude00",
        "\\n",
        "1",
        "-",
        ".",
        "e",
        "E+",
        "0",
        "urn:a:",
        "urn:ietf:params:scim:schemas:core:2.0:User:",
        "name",
        ".sub",
        "$ref",
        ":",
        "true",
        "null",
        "false",
        ",",
        "emails",
        "é",
        "\u{0}",
        "😀",
    ]);
    proptest::collection::vec(token, 0..24).prop_map(|t| t.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn filter_display_round_trips(f in filter()) {
        let text = f.to_string();
        prop_assert_eq!(parse_filter(&text), Ok(f), "{}", text);
    }

    #[test]
    fn path_display_round_trips(p in patch_path()) {
        let text = p.to_string();
        prop_assert_eq!(parse_path(&text), Ok(p), "{}", text);
    }

    #[test]
    fn attr_path_display_round_trips(p in attr_path()) {
        let text = p.to_string();
        prop_assert_eq!(parse_attr_path(&text), Ok(p.clone()), "{}", text);
        let list = format!("{text}, {text}");
        prop_assert_eq!(parse_attr_list(&list), Ok(vec![p.clone(), p]), "{}", list);
    }

    #[test]
    fn arbitrary_text_never_panics(input in any::<String>()) {
        check_all_parsers(&input);
    }

    #[test]
    fn filterish_text_never_panics(input in filterish()) {
        check_all_parsers(&input);
    }
}

/// Runs every parser; whatever parses must round-trip, whatever fails
/// must say where.
fn check_all_parsers(input: &str) {
    match parse_filter(input) {
        Ok(f) => assert_eq!(parse_filter(&f.to_string()), Ok(f), "{input:?}"),
        Err(e) => check_error(input, &e),
    }
    match parse_path(input) {
        Ok(p) => assert_eq!(parse_path(&p.to_string()), Ok(p), "{input:?}"),
        Err(e) => check_error(input, &e),
    }
    match parse_attr_path(input) {
        Ok(p) => assert_eq!(parse_attr_path(&p.to_string()), Ok(p), "{input:?}"),
        Err(e) => check_error(input, &e),
    }
    if let Err(e) = parse_attr_list(input) {
        check_error(input, &e);
    }
}

#[test]
fn canonical_form_of_the_rfc_examples() {
    let cases = [
        (
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            r#"userType eq "Employee" and emails.type eq "work""#,
        ),
        (
            r#"USERTYPE EQ "Employee" AND NOT(emails CO "example.com")"#,
            r#"USERTYPE eq "Employee" and not (emails co "example.com")"#,
        ),
        ("  a pr  or  ( b pr  or c pr )  ", "a pr or (b pr or c pr)"),
        ("((a pr or b pr)) and c pr", "(a pr or b pr) and c pr"),
        ("(a pr and b pr) and c pr", "a pr and b pr and c pr"),
        (r#"a eq "\u00e9\/\u0041""#, r#"a eq "é/A""#),
        ("a eq 1E2", "a eq 100.0"),
        ("a eq -0", "a eq -0.0"),
        ("a ne NULL", "a ne null"),
        (r#"emails [ type eq "work" ]"#, r#"emails[type eq "work"]"#),
    ];
    for (input, canonical) in cases {
        let filter = parse_filter(input).unwrap();
        assert_eq!(filter.to_string(), canonical, "{input}");
        assert_eq!(parse_filter(canonical), Ok(filter));
    }
}

#[test]
fn canonical_form_of_patch_paths() {
    let cases = [
        (
            r#"members[value eq "x"].displayName"#,
            r#"members[value eq "x"].displayName"#,
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:Group:members[ VALUE EQ "x" ].$ref"#,
            r#"urn:ietf:params:scim:schemas:core:2.0:Group:members[VALUE eq "x"].$ref"#,
        ),
    ];
    for (input, canonical) in cases {
        let path = parse_path(input).unwrap();
        assert_eq!(path.to_string(), canonical, "{input}");
        assert_eq!(parse_path(canonical), Ok(path));
    }
}

/// A second, deliberately untidy printer: random whitespace, keyword case,
/// redundant parentheses and `\uXXXX` escapes. Whatever it prints must
/// parse to the same tree as the canonical form.
struct Noisy {
    choices: Vec<u8>,
    at: usize,
    out: String,
}

impl Noisy {
    fn pick(&mut self, n: u8) -> u8 {
        let c = self.choices.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        c % n
    }

    /// Where the RFC wants one space.
    fn space(&mut self) {
        let ws = [" ", "  ", "\t", " \t "][usize::from(self.pick(4))];
        self.out.push_str(ws);
    }

    /// Next to a parenthesis or bracket, where none is needed.
    fn optional_space(&mut self) {
        if self.pick(3) == 0 {
            self.space();
        }
    }

    fn keyword(&mut self, kw: &str) {
        match self.pick(3) {
            0 => self.out.push_str(kw),
            1 => self.out.push_str(&kw.to_uppercase()),
            _ => {
                for (n, c) in kw.chars().enumerate() {
                    self.out.push(if n % 2 == 0 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    });
                }
            }
        }
    }

    fn string(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            let must_escape = c == '"' || c == '\\' || c < ' ';
            if must_escape || self.pick(4) == 0 {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let hex = format!("\\u{:04x}", unit);
                    if self.pick(2) == 0 {
                        self.out.push_str(&hex);
                    } else {
                        self.out.push_str(&hex.to_uppercase().replace("\\U", "\\u"));
                    }
                }
            } else {
                self.out.push(c);
            }
        }
        self.out.push('"');
    }

    fn value(&mut self, v: &CompValue) {
        match v {
            CompValue::Str(s) => self.string(s),
            CompValue::Num(n) => self.out.push_str(&n.to_string()),
            CompValue::Bool(b) => self.keyword(if *b { "true" } else { "false" }),
            CompValue::Null => self.keyword("null"),
        }
    }

    /// Prints `f`, in parentheses if `needed`, and sometimes when not.
    fn operand(&mut self, f: &Filter, needed: bool) {
        if needed || self.pick(5) == 0 {
            self.out.push('(');
            self.optional_space();
            self.filter(f);
            self.optional_space();
            self.out.push(')');
        } else {
            self.filter(f);
        }
    }

    fn filter(&mut self, f: &Filter) {
        match f {
            Filter::Present(p) => {
                self.out.push_str(&p.to_string());
                self.space();
                self.keyword("pr");
            }
            Filter::Compare(p, op, v) => {
                self.out.push_str(&p.to_string());
                self.space();
                self.keyword(op.as_str());
                self.space();
                self.value(v);
            }
            Filter::ValuePath(vp) => {
                self.out.push_str(&vp.attr.to_string());
                self.optional_space();
                self.out.push('[');
                self.optional_space();
                self.operand(&vp.filter, false);
                self.optional_space();
                self.out.push(']');
            }
            Filter::And(l, r) => {
                self.operand(l, matches!(**l, Filter::Or(..)));
                self.space();
                self.keyword("and");
                self.space();
                self.operand(r, matches!(**r, Filter::And(..) | Filter::Or(..)));
            }
            Filter::Or(l, r) => {
                self.operand(l, false);
                self.space();
                self.keyword("or");
                self.space();
                self.operand(r, matches!(**r, Filter::Or(..)));
            }
            Filter::Not(inner) => {
                self.keyword("not");
                self.optional_space();
                self.out.push('(');
                self.optional_space();
                self.filter(inner);
                self.optional_space();
                self.out.push(')');
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn untidy_spellings_parse_to_the_same_tree(
        f in filter(),
        choices in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let mut noisy = Noisy { choices, at: 0, out: String::new() };
        noisy.optional_space();
        noisy.filter(&f);
        noisy.optional_space();
        let options = scim_filter::ParseOptions::default().with_max_len(usize::MAX);
        prop_assert_eq!(
            scim_filter::parse_filter_with(&noisy.out, &options),
            Ok(f),
            "{}",
            noisy.out
        );
    }
}
