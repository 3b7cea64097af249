//! The parsers against the RFC 7644 examples, malformed input and limits.

use scim_filter::{
    parse_attr_list, parse_attr_path, parse_filter, parse_filter_with, parse_path, parse_path_with,
    AttrPath, CompValue, CompareOp, Filter, ParseError, ParseOptions, PatchPath,
};

const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn path(name: &str) -> AttrPath {
    AttrPath::new(name)
}

fn sub(name: &str, sub_attr: &str) -> AttrPath {
    AttrPath::new(name).with_sub_attr(sub_attr)
}

fn cmp(attr: AttrPath, op: CompareOp, value: &str) -> Filter {
    Filter::compare(attr, op, CompValue::Str(value.to_owned()))
}

fn num(text: &str) -> CompValue {
    CompValue::Num(text.parse().unwrap())
}

/// Every filter example in RFC 7644 §3.4.2.2, with the tree it means.
fn rfc_filter_examples() -> Vec<(&'static str, Filter)> {
    use CompareOp::*;
    let emails_or = Filter::or(
        cmp(path("emails"), Co, "example.com"),
        cmp(sub("emails", "value"), Co, "example.org"),
    );
    let work_emails = Filter::value_path(
        path("emails"),
        Filter::and(
            cmp(path("type"), Eq, "work"),
            cmp(path("value"), Co, "@example.com"),
        ),
    );
    vec![
        (
            r#"userName eq "bjensen""#,
            cmp(path("userName"), Eq, "bjensen"),
        ),
        (
            r#"name.familyName co "O'Malley""#,
            cmp(sub("name", "familyName"), Co, "O'Malley"),
        ),
        (r#"userName sw "J""#, cmp(path("userName"), Sw, "J")),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
            cmp(path("userName").with_urn(USER_URN), Sw, "J"),
        ),
        ("title pr", Filter::Present(path("title"))),
        (
            r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
            cmp(sub("meta", "lastModified"), Gt, "2011-05-13T04:42:34Z"),
        ),
        (
            r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
            cmp(sub("meta", "lastModified"), Ge, "2011-05-13T04:42:34Z"),
        ),
        (
            r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
            cmp(sub("meta", "lastModified"), Lt, "2011-05-13T04:42:34Z"),
        ),
        (
            r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
            cmp(sub("meta", "lastModified"), Le, "2011-05-13T04:42:34Z"),
        ),
        (
            r#"title pr and userType eq "Employee""#,
            Filter::and(
                Filter::Present(path("title")),
                cmp(path("userType"), Eq, "Employee"),
            ),
        ),
        (
            r#"title pr or userType eq "Intern""#,
            Filter::or(
                Filter::Present(path("title")),
                cmp(path("userType"), Eq, "Intern"),
            ),
        ),
        (
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            cmp(path("schemas"), Eq, ENTERPRISE_URN),
        ),
        (
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            Filter::and(cmp(path("userType"), Eq, "Employee"), emails_or.clone()),
        ),
        (
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            Filter::and(
                cmp(path("userType"), Ne, "Employee"),
                Filter::not(emails_or),
            ),
        ),
        (
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            Filter::and(
                cmp(path("userType"), Eq, "Employee"),
                cmp(sub("emails", "type"), Eq, "work"),
            ),
        ),
        (
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            Filter::and(cmp(path("userType"), Eq, "Employee"), work_emails.clone()),
        ),
        (
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            Filter::or(
                work_emails,
                Filter::value_path(
                    path("ims"),
                    Filter::and(
                        cmp(path("type"), Eq, "xmpp"),
                        cmp(path("value"), Co, "@foo.com"),
                    ),
                ),
            ),
        ),
    ]
}

#[test]
fn rfc_7644_filter_examples() {
    for (text, tree) in rfc_filter_examples() {
        assert_eq!(parse_filter(text), Ok(tree), "{text}");
    }
}

#[test]
fn rfc_7644_patch_path_examples() {
    let member = r#"value eq "2819c223-7f76-453a-919d-413861904646""#;
    let member_filter = cmp(
        path("value"),
        CompareOp::Eq,
        "2819c223-7f76-453a-919d-413861904646",
    );
    let cases = [
        (
            "members".to_owned(),
            PatchPath {
                attr: path("members"),
                value_filter: None,
            },
        ),
        (
            "name.familyName".to_owned(),
            PatchPath {
                attr: sub("name", "familyName"),
                value_filter: None,
            },
        ),
        (
            r#"addresses[type eq "work"]"#.to_owned(),
            PatchPath {
                attr: path("addresses"),
                value_filter: Some(Box::new(cmp(path("type"), CompareOp::Eq, "work"))),
            },
        ),
        (
            format!("members[{member}]"),
            PatchPath {
                attr: path("members"),
                value_filter: Some(Box::new(member_filter.clone())),
            },
        ),
        (
            format!("members[{member}].displayName"),
            PatchPath {
                attr: sub("members", "displayName"),
                value_filter: Some(Box::new(member_filter)),
            },
        ),
        // §3.5.2.2 and §3.5.2.3 examples.
        (
            r#"emails[type eq "work" and value ew "example.com"]"#.to_owned(),
            PatchPath {
                attr: path("emails"),
                value_filter: Some(Box::new(Filter::and(
                    cmp(path("type"), CompareOp::Eq, "work"),
                    cmp(path("value"), CompareOp::Ew, "example.com"),
                ))),
            },
        ),
        (
            r#"addresses[type eq "work"].streetAddress"#.to_owned(),
            PatchPath {
                attr: sub("addresses", "streetAddress"),
                value_filter: Some(Box::new(cmp(path("type"), CompareOp::Eq, "work"))),
            },
        ),
    ];
    for (text, tree) in cases {
        assert_eq!(parse_path(&text), Ok(tree.clone()), "{text}");
        assert_eq!(text.parse::<PatchPath>(), Ok(tree), "{text}");
    }
}

#[test]
fn patch_paths_with_schema_urns() {
    let cases = [
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            path("employeeNumber").with_urn(ENTERPRISE_URN),
            None,
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            sub("manager", "value").with_urn(ENTERPRISE_URN),
            None,
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value"#,
            sub("emails", "value").with_urn(USER_URN),
            Some(cmp(path("type"), CompareOp::Eq, "work")),
        ),
        ("members.$ref", sub("members", "$ref"), None),
        (
            r#"members[value eq "1"].$ref"#,
            sub("members", "$ref"),
            Some(cmp(path("value"), CompareOp::Eq, "1")),
        ),
    ];
    for (text, attr, filter) in cases {
        let expected = PatchPath {
            attr,
            value_filter: filter.map(Box::new),
        };
        assert_eq!(parse_path(text), Ok(expected), "{text}");
    }
}

#[test]
fn a_bare_schema_urn_is_a_path_whose_whole_text_is_the_urn() {
    for urn in [USER_URN, ENTERPRISE_URN, "urn:example:custom:1.0:Thing"] {
        let parsed = parse_path(urn).unwrap();
        assert_eq!(parsed.value_filter, None);
        assert_eq!(parsed.attr.as_schema_urn().as_deref(), Some(urn));
        assert_eq!(parsed.to_string(), urn);
    }
    let enterprise = parse_attr_path(ENTERPRISE_URN).unwrap();
    assert_eq!(
        enterprise,
        path("User").with_urn("urn:ietf:params:scim:schemas:extension:enterprise:2.0")
    );
}

#[test]
fn urn_ends_at_the_last_colon() {
    let cases = [
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName",
            sub("manager", "displayName").with_urn(ENTERPRISE_URN),
        ),
        (
            "urn:example:v1.2.3:Widget:size",
            path("size").with_urn("urn:example:v1.2.3:Widget"),
        ),
        (
            "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:USERNAME",
            path("USERNAME").with_urn("URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER"),
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_attr_path(text), Ok(expected.clone()), "{text}");
        assert_eq!(text.parse::<AttrPath>(), Ok(expected.clone()), "{text}");
        assert_eq!(
            parse_filter(&format!("{text} pr")),
            Ok(Filter::Present(expected)),
            "{text}"
        );
    }
}

#[test]
fn keywords_and_operators_are_case_insensitive() {
    let expected = Filter::and(
        Filter::not(Filter::Present(path("title"))),
        Filter::or(
            Filter::compare(path("active"), CompareOp::Eq, CompValue::Bool(true)),
            Filter::compare(path("x"), CompareOp::Ne, CompValue::Null),
        ),
    );
    for text in [
        "not (title pr) and (active eq true or x ne null)",
        "NOT (title PR) AND (active EQ TRUE OR x NE NULL)",
        "Not(title Pr) aNd (active eQ True oR x nE Null)",
    ] {
        assert_eq!(parse_filter(text), Ok(expected.clone()), "{text}");
    }
    for op in CompareOp::ALL {
        let text = format!("a {} 1", op.as_str().to_uppercase());
        assert_eq!(
            parse_filter(&text),
            Ok(Filter::compare(path("a"), op, num("1"))),
            "{text}"
        );
    }
    assert_eq!(
        parse_filter("a eq FALSE"),
        Ok(Filter::compare(
            path("a"),
            CompareOp::Eq,
            CompValue::Bool(false)
        ))
    );
}

#[test]
fn precedence_is_not_then_and_then_or() {
    let [a, b, c, d] = ["a", "b", "c", "d"].map(|n| Filter::Present(path(n)));
    let cases = [
        (
            "a pr or b pr and c pr",
            Filter::or(a.clone(), Filter::and(b.clone(), c.clone())),
        ),
        (
            "a pr and b pr or c pr",
            Filter::or(Filter::and(a.clone(), b.clone()), c.clone()),
        ),
        (
            "a pr and b pr and c pr",
            Filter::and(Filter::and(a.clone(), b.clone()), c.clone()),
        ),
        (
            "a pr or b pr or c pr",
            Filter::or(Filter::or(a.clone(), b.clone()), c.clone()),
        ),
        (
            "a pr and (b pr or c pr)",
            Filter::and(a.clone(), Filter::or(b.clone(), c.clone())),
        ),
        (
            "a pr and (b pr and c pr)",
            Filter::and(a.clone(), Filter::and(b.clone(), c.clone())),
        ),
        (
            "not (a pr) and b pr or c pr and d pr",
            Filter::or(
                Filter::and(Filter::not(a.clone()), b.clone()),
                Filter::and(c.clone(), d.clone()),
            ),
        ),
        ("((((a pr))))", a.clone()),
        ("not (not (a pr))", Filter::not(Filter::not(a.clone()))),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_filter(text), Ok(expected), "{text}");
    }
    // Grouping leaves no trace.
    assert_eq!(
        parse_filter("a pr or b pr and c pr"),
        parse_filter("a pr or (b pr and c pr)")
    );
    assert_eq!(
        parse_filter("(a pr and b pr) and c pr"),
        parse_filter("a pr and b pr and c pr")
    );
}

#[test]
fn whitespace_is_accepted_liberally() {
    let expected = Filter::and(
        Filter::Present(path("a")),
        Filter::value_path(
            path("emails"),
            Filter::not(cmp(path("type"), CompareOp::Eq, "work")),
        ),
    );
    for text in [
        r#"a pr and emails[not (type eq "work")]"#,
        "  a \t pr\tand  emails[ not( type  eq \t\"work\" ) ]  ",
        r#"a pr and emails [not(type eq "work")]"#,
        r#"(a pr)and(emails[not (type eq "work")])"#,
    ] {
        assert_eq!(parse_filter(text), Ok(expected.clone()), "{text:?}");
    }
}

#[test]
fn names_that_look_like_keywords_are_attributes() {
    let cases = [
        ("not pr", Filter::Present(path("not"))),
        (
            "and pr and or pr",
            Filter::and(Filter::Present(path("and")), Filter::Present(path("or"))),
        ),
        ("pr pr", Filter::Present(path("pr"))),
        (
            "eq eq 1",
            Filter::compare(path("eq"), CompareOp::Eq, num("1")),
        ),
        ("not.x pr", Filter::Present(sub("not", "x"))),
        ("notes pr", Filter::Present(path("notes"))),
        ("a-b_c9 pr", Filter::Present(path("a-b_c9"))),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_filter(text), Ok(expected), "{text}");
    }
}

#[test]
fn string_literals_decode_every_json_escape() {
    let cases = [
        (r#""""#, ""),
        (r#""plain""#, "plain"),
        (r#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{c}\n\r\t"),
        (r#""caf\u00e9 \u00E9""#, "café é"),
        (r#""\ud83d\ude00""#, "😀"),
        (r#""\uD83D\uDE00!""#, "😀!"),
        (r#""\u0000""#, "\u{0}"),
        (r#""raw ü and 😀""#, "raw ü and 😀"),
        (r#""O'Malley""#, "O'Malley"),
        (r#""a]b)c(d[""#, "a]b)c(d["),
    ];
    for (literal, decoded) in cases {
        let text = format!("a eq {literal}");
        assert_eq!(
            parse_filter(&text),
            Ok(cmp(path("a"), CompareOp::Eq, decoded)),
            "{text}"
        );
    }
}

#[test]
fn number_literals_follow_json() {
    let cases = [
        "0",
        "-0",
        "42",
        "-17",
        "3.25",
        "-0.5",
        "1e10",
        "1E+2",
        "2.5e-3",
        "18446744073709551615",
        "18446744073709551616",
    ];
    for literal in cases {
        let text = format!("a gt {literal}");
        assert_eq!(
            parse_filter(&text),
            Ok(Filter::compare(path("a"), CompareOp::Gt, num(literal))),
            "{text}"
        );
    }
}

#[test]
fn attribute_lists() {
    assert_eq!(parse_attr_list(""), Ok(vec![]));
    assert_eq!(parse_attr_list("  "), Ok(vec![]));
    assert_eq!(parse_attr_list("userName"), Ok(vec![path("userName")]));
    assert_eq!(
        parse_attr_list(&format!(
            "userName, name.givenName,emails , {ENTERPRISE_URN}:manager"
        )),
        Ok(vec![
            path("userName"),
            sub("name", "givenName"),
            path("emails"),
            path("manager").with_urn(ENTERPRISE_URN),
        ])
    );
    assert_eq!(
        parse_attr_list(&format!("{ENTERPRISE_URN},members.$ref")),
        Ok(vec![
            path("User").with_urn("urn:ietf:params:scim:schemas:extension:enterprise:2.0"),
            sub("members", "$ref"),
        ])
    );
}

/// `(input, offset, expected)`: where each malformed filter fails and
/// what the error says was expected there.
const MALFORMED_FILTERS: &[(&str, usize, &str)] = &[
    ("", 0, "an attribute path, `(` or `not`"),
    ("   ", 3, "an attribute path, `(` or `not`"),
    (r#"userName eqq "x""#, 9, "a comparison operator"),
    (r#"userName "x""#, 9, "a comparison operator"),
    ("userName", 8, "a comparison operator"),
    (
        "userName eq",
        11,
        "a value (a string, number, `true`, `false` or `null`)",
    ),
    (
        "userName eq bjensen",
        12,
        "a value (a string, number, `true`, `false` or `null`)",
    ),
    (
        "userName eq 'x'",
        12,
        "a value (a string, number, `true`, `false` or `null`)",
    ),
    (r#"userName eq"x""#, 11, "a space"),
    (r#"userName eq "x"and a pr"#, 15, "a space"),
    (r#"userName eq "x" andy"#, 16, "`and`, `or` or end of input"),
    (
        r#"userName eq "x" and"#,
        19,
        "an attribute path, `(` or `not`",
    ),
    (
        r#"userName eq "x" and "y""#,
        20,
        "an attribute path, `(` or `not`",
    ),
    ("title pr or", 11, "an attribute path, `(` or `not`"),
    ("title pr title pr", 9, "`and`, `or` or end of input"),
    ("title pr)", 8, "`and`, `or` or end of input"),
    ("(title pr", 9, "`and`, `or` or `)`"),
    ("(title pr]", 9, "`and`, `or` or `)`"),
    ("()", 1, "an attribute path, `(` or `not`"),
    ("not title pr", 4, "`(` after `not`"),
    ("a pr and not b pr", 13, "`(` after `not`"),
    ("a pr and not", 12, "a comparison operator"),
    ("a pr and not ", 13, "`(` after `not`"),
    ("not eqq 1", 4, "`(` after `not`"),
    ("not.x eqq 1", 6, "a comparison operator"),
    ("not (title pr", 13, "`and`, `or` or `)`"),
    (r#"emails[type eq "work""#, 21, "`and`, `or` or `]`"),
    (r#"emails[type eq "work")"#, 21, "`and`, `or` or `]`"),
    (r#"emails[]"#, 7, "an attribute path, `(` or `not`"),
    (
        r#"emails[type eq "work" and x[y pr]]"#,
        27,
        "a comparison operator (value filters cannot nest)",
    ),
    (
        r#"emails[(a pr or b[c pr])]"#,
        17,
        "a comparison operator (value filters cannot nest)",
    ),
    (
        r#"name.givenName[value pr]"#,
        14,
        "a comparison operator (a value filter cannot follow a sub-attribute)",
    ),
    ("1userName pr", 0, "an attribute path, `(` or `not`"),
    ("-a pr", 0, "an attribute path, `(` or `not`"),
    ("a. pr", 2, "a sub-attribute name"),
    ("a.$id pr", 2, "a sub-attribute name"),
    ("$ref pr", 0, "an attribute path, `(` or `not`"),
    (
        "a.b.c pr",
        3,
        "the end of the attribute path (one sub-attribute at most)",
    ),
    ("user$name pr", 4, "the end of the attribute path"),
    (":name pr", 0, "an attribute path, `(` or `not`"),
    ("urn:x: pr", 6, "an attribute name"),
    ("urn:x:2fa pr", 6, "an attribute name"),
    (r#"a eq "abc"#, 9, "a closing `\"`"),
    (
        r#"a eq "abc\"#,
        10,
        r#"an escape (\" \\ \/ \b \f \n \r \t or \uXXXX)"#,
    ),
    (
        r#"a eq "a\x""#,
        7,
        r#"an escape (\" \\ \/ \b \f \n \r \t or \uXXXX)"#,
    ),
    (r#"a eq "\u12""#, 8, "four hex digits"),
    (r#"a eq "\u12G4""#, 8, "four hex digits"),
    (
        r#"a eq "\ud83d""#,
        12,
        r"a low surrogate escape (\uDC00 to \uDFFF)",
    ),
    (
        r#"a eq "\ud83dx""#,
        12,
        r"a low surrogate escape (\uDC00 to \uDFFF)",
    ),
    (
        r#"a eq "\ud83d\u0041""#,
        12,
        r"a low surrogate escape (\uDC00 to \uDFFF)",
    ),
    (
        r#"a eq "\ude00""#,
        6,
        "a Unicode escape that is not a lone low surrogate",
    ),
    ("a eq \"tab\there\"", 9, "an escaped control character"),
    ("a eq \"line\nbreak\"", 10, "an escaped control character"),
    ("a eq -", 6, "a digit"),
    ("a eq 1.", 7, "a digit"),
    ("a eq 1e", 7, "a digit"),
    ("a eq 1e+", 8, "a digit"),
    (
        "a eq .5",
        5,
        "a value (a string, number, `true`, `false` or `null`)",
    ),
    (
        "a eq +1",
        5,
        "a value (a string, number, `true`, `false` or `null`)",
    ),
    ("a eq 007", 5, "a JSON number"),
    ("a eq 1.2.3", 5, "a JSON number"),
    ("a eq 12abc", 5, "a JSON number"),
    ("a eq 1e400", 5, "a number in range"),
    ("a eq -1e400", 5, "a number in range"),
    (
        "a eq truex",
        5,
        "a value (a string, number, `true`, `false` or `null`)",
    ),
    ("a pr\nand b pr", 4, "`and`, `or` or end of input"),
];

#[test]
fn malformed_filters_fail_where_they_go_wrong() {
    for &(input, offset, expected) in MALFORMED_FILTERS {
        let err = parse_filter(input).expect_err(input);
        assert_eq!(
            (err.offset, err.expected.as_str()),
            (offset, expected),
            "{input:?}: {err}"
        );
    }
}

#[test]
fn errors_read_well() {
    let cases = [
        (
            r#"userName eqq "x""#,
            "expected a comparison operator at offset 9, found 'eqq'",
        ),
        (
            "title pr and",
            "expected an attribute path, `(` or `not` at offset 12, found end of input",
        ),
        (
            r#"a eq "x" or b eq "y" c"#,
            "expected `and`, `or` or end of input at offset 21, found 'c'",
        ),
        (
            r#"a eq "a very long string that goes on" x"#,
            "expected `and`, `or` or end of input at offset 39, found 'x'",
        ),
        (
            "a eq \"\u{1}\"",
            "expected an escaped control character at offset 6, found '\\u{1}'",
        ),
        (
            &format!("a pr and {}", "x".repeat(40)),
            "expected a comparison operator at offset 49, found end of input",
        ),
        (
            &format!("a eq 1 {}", "y".repeat(40)),
            "expected `and`, `or` or end of input at offset 7, found 'yyyyyyyyyyyyyyyyyyyyyyyy…'",
        ),
    ];
    for (input, message) in cases {
        assert_eq!(
            parse_filter(input).unwrap_err().to_string(),
            message,
            "{input}"
        );
    }
}

/// `(input, offset, expected)` for PATCH paths.
const MALFORMED_PATHS: &[(&str, usize, &str)] = &[
    ("", 0, "an attribute name"),
    (" members", 0, "an attribute name"),
    ("members ", 7, "`[` or end of input"),
    ("members[", 8, "an attribute path, `(` or `not`"),
    (r#"members[value eq "x""#, 20, "`and`, `or` or `]`"),
    (r#"members[value eq "x"]."#, 22, "a sub-attribute name"),
    (r#"members[value eq "x"].a.b"#, 23, "`.` or end of input"),
    (r#"members[value eq "x"]x"#, 21, "`.` or end of input"),
    (r#"members[value eq "x"][a pr]"#, 21, "`.` or end of input"),
    (
        r#"name.givenName[value pr]"#,
        14,
        "end of input (a value filter cannot follow a sub-attribute)",
    ),
    (
        r#"members[a[b pr]]"#,
        9,
        "a comparison operator (value filters cannot nest)",
    ),
    (
        "name.familyName.x",
        15,
        "the end of the attribute path (one sub-attribute at most)",
    ),
    ("urn:x:", 6, "an attribute name"),
];

#[test]
fn malformed_paths_fail_where_they_go_wrong() {
    for &(input, offset, expected) in MALFORMED_PATHS {
        let err = parse_path(input).expect_err(input);
        assert_eq!(
            (err.offset, err.expected.as_str()),
            (offset, expected),
            "{input:?}: {err}"
        );
    }
}

#[test]
fn malformed_attribute_paths_and_lists() {
    let paths: &[(&str, usize, &str)] = &[
        ("", 0, "an attribute name"),
        ("userName ", 8, "end of input"),
        ("emails[type pr]", 6, "end of input"),
        ("a,b", 1, "end of input"),
        (":name", 0, "a schema URN or an attribute name"),
        ("urn:x$:name", 0, "a schema URN or an attribute name"),
    ];
    for &(input, offset, expected) in paths {
        let err = parse_attr_path(input).expect_err(input);
        assert_eq!(
            (err.offset, err.expected.as_str()),
            (offset, expected),
            "{input:?}"
        );
    }
    let lists: &[(&str, usize, &str)] = &[
        ("a,", 2, "an attribute name"),
        ("a,,b", 2, "an attribute name"),
        (",a", 0, "an attribute name"),
        ("a b", 2, "`,` or end of input"),
        ("a;b", 1, "the end of the attribute path"),
    ];
    for &(input, offset, expected) in lists {
        let err = parse_attr_list(input).expect_err(input);
        assert_eq!(
            (err.offset, err.expected.as_str()),
            (offset, expected),
            "{input:?}"
        );
    }
}

fn nested(depth: usize) -> String {
    format!("{}a pr{}", "(".repeat(depth), ")".repeat(depth))
}

fn nested_not(depth: usize) -> String {
    format!("{}a pr{}", "not (".repeat(depth), ")".repeat(depth))
}

#[test]
fn depth_limit_at_the_bound_and_past_it() {
    let options = ParseOptions::default();
    assert_eq!(options.max_depth, 64);
    assert!(parse_filter(&nested(64)).is_ok());
    assert!(parse_filter(&nested_not(64)).is_ok());
    let err = parse_filter(&nested(65)).unwrap_err();
    assert_eq!(
        err,
        ParseError {
            offset: 64,
            expected: "at most 64 levels of nesting".into(),
            found: "'('".into(),
        }
    );
    let err = parse_filter(&nested_not(65)).unwrap_err();
    assert_eq!(
        (err.offset, err.expected.as_str()),
        (64 * 5 + 4, "at most 64 levels of nesting")
    );

    let shallow = ParseOptions::default().with_max_depth(2);
    assert!(parse_filter_with(r#"(emails[type eq "work"])"#, &shallow).is_ok());
    let err = parse_filter_with(r#"((emails[type eq "work"]))"#, &shallow).unwrap_err();
    assert_eq!((err.offset, err.found.as_str()), (8, "'['"));
    let err = parse_filter_with(r#"emails[not ((type eq "work"))]"#, &shallow).unwrap_err();
    assert_eq!(err.offset, 12);

    let flat = ParseOptions::default().with_max_depth(0);
    assert!(parse_filter_with("a pr and b pr", &flat).is_ok());
    assert_eq!(parse_filter_with("(a pr)", &flat).unwrap_err().offset, 0);
    assert_eq!(
        parse_path_with(r#"members[value eq "x"]"#, &flat)
            .unwrap_err()
            .offset,
        7
    );
    assert!(parse_path_with("members", &flat).is_ok());
}

#[test]
fn length_limit_at_the_bound_and_past_it() {
    let filler = |len: usize| format!("a eq \"{}\"", "x".repeat(len - 7));
    assert_eq!(filler(8192).len(), 8192);
    assert!(parse_filter(&filler(8192)).is_ok());
    let err = parse_filter(&filler(8193)).unwrap_err();
    assert_eq!(
        (err.offset, err.expected.as_str()),
        (8192, "at most 8192 bytes")
    );
    assert_eq!(err.found, "'\"'");

    let small = ParseOptions::default().with_max_len(8);
    assert!(parse_filter_with("abcd pr", &small).is_ok());
    assert!(parse_filter_with("abcde pr", &small).is_ok());
    assert_eq!(
        parse_filter_with("abcdef pr", &small).unwrap_err().offset,
        8
    );
    assert_eq!(parse_path_with("abcdefghi", &small).unwrap_err().offset, 8);
    // The reported offset stays on a character boundary.
    let err = parse_filter_with("a eq \"éé\"", &small).unwrap_err();
    assert_eq!((err.offset, err.found.as_str()), (8, "'é'"));
}

#[test]
fn hostile_nesting_fails_cleanly() {
    let million = 1_000_000;
    let unlimited_len = ParseOptions::default().with_max_len(usize::MAX);
    let huge_depth = unlimited_len.with_max_depth(usize::MAX);
    let inputs = [
        "(".repeat(million),
        "not(".repeat(million),
        "not (".repeat(million),
        format!("a[{}", "(".repeat(million)),
        nested(million),
    ];
    for input in &inputs {
        let err = parse_filter(input).unwrap_err();
        assert_eq!(err.expected, "at most 8192 bytes");
        let err = parse_filter_with(input, &unlimited_len).unwrap_err();
        assert_eq!(err.expected, "at most 64 levels of nesting");
        // A huge max_depth is capped, so the stack is still safe.
        let err = parse_filter_with(input, &huge_depth).unwrap_err();
        assert_eq!(
            err.expected,
            format!("at most {} levels of nesting", ParseOptions::DEPTH_CAP)
        );
        if !input.starts_with("a[") {
            let err = parse_path_with(&format!("a[{input}]"), &huge_depth).unwrap_err();
            assert!(err.expected.starts_with("at most"), "{err}");
        }
    }
}

#[test]
fn deepest_allowed_nesting_fits_a_small_stack() {
    // Test threads and tokio workers get 2 MiB by default; parse at the
    // hard cap, unoptimised, in a thread with 1.5 MiB.
    let handle = std::thread::Builder::new()
        .stack_size(3 << 19)
        .spawn(|| {
            let options = ParseOptions::default()
                .with_max_len(usize::MAX)
                .with_max_depth(usize::MAX);
            let depth = ParseOptions::DEPTH_CAP;
            let text = format!(
                "{}a[b pr]{}",
                "not (".repeat(depth - 1),
                ")".repeat(depth - 1)
            );
            let filter = parse_filter_with(&text, &options).unwrap();
            // Display and the derived traits recurse too.
            assert_eq!(filter.to_string(), text);
            assert_eq!(parse_filter_with(&filter.to_string(), &options), Ok(filter));
        })
        .unwrap();
    handle.join().unwrap();
}

#[test]
fn long_and_chains_are_built_without_recursion() {
    let text = vec!["a pr"; 900].join(" and ");
    let filter = parse_filter(&text).unwrap();
    let mut left = &filter;
    let mut terms = 1;
    while let Filter::And(l, r) = left {
        assert_eq!(**r, Filter::Present(path("a")));
        left = l;
        terms += 1;
    }
    assert_eq!(terms, 900);
    assert_eq!(filter.to_string(), text);
}

#[test]
fn from_str_matches_the_functions() {
    let text = r#"emails[type eq "work"] and not (title pr)"#;
    assert_eq!(text.parse::<Filter>(), parse_filter(text));
    assert_eq!("bad eqq 1".parse::<Filter>(), parse_filter("bad eqq 1"));
}

/// nom 8.0.0 misplaces the empty rest when `space0`/`digit0` reach the
/// end of input (rust-bakery/nom#1808); offsets and numbers must not
/// depend on it.
#[test]
fn regression_nom_1808_input_ending_in_digits_or_spaces() {
    assert_eq!(
        parse_filter("a eq 42"),
        Ok(Filter::compare(path("a"), CompareOp::Eq, num("42")))
    );
    assert_eq!(
        parse_filter("a eq 123 \t "),
        Ok(Filter::compare(path("a"), CompareOp::Eq, num("123")))
    );
    assert_eq!(parse_filter("a pr and  ").unwrap_err().offset, 10);
    assert_eq!(parse_filter("a eq \t").unwrap_err().offset, 6);
}

/// Entra ID sends `emails[type eq "work"].value eq "x"`, outside RFC 7644's
/// grammar; with the option on it means the same element must match both.
#[test]
fn value_path_sub_attr_compare_is_an_opt_in_extension() {
    use scim_filter::{parse_filter_with, ParseOptions};
    let text = r#"emails[type eq "work"].value eq "x@example.com""#;
    assert!(parse_filter(text).is_err(), "standard grammar refuses it");
    let lenient = ParseOptions::default().with_value_path_sub_attr(true);
    let got = parse_filter_with(text, &lenient).unwrap();
    let want = parse_filter(r#"emails[type eq "work" and value eq "x@example.com"]"#).unwrap();
    assert_eq!(got, want);
    let got = parse_filter_with(
        r#"emails[type eq "work"].value pr and userName eq "a""#,
        &lenient,
    )
    .unwrap();
    let want = parse_filter(r#"emails[type eq "work" and value pr] and userName eq "a""#).unwrap();
    assert_eq!(got, want);
    for bad in [
        r#"emails[type eq "work"]."#,
        r#"emails[type eq "work"].value"#,
        r#"emails[type eq "work"].value eqq "x""#,
    ] {
        assert!(parse_filter_with(bad, &lenient).is_err(), "{bad}");
    }
}
