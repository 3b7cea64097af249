//! The evaluator, one test per semantic rule, through the parser:
//! `check(resource, filter, expected)` compiles `filter` against the RFC
//! 7643 User schema and runs it on `resource`.

use scim_filter::testing::{TestSchema, ENTERPRISE_USER_URN, TEST_EXTENSION_URN};
use scim_filter::{
    parse_attr_path, parse_filter, CompileError, CompiledFilter, PackedValue, SortKey,
};
use serde_json::{json, Value};

#[track_caller]
fn check(resource: Value, filter: &str, expected: bool) {
    check_with(&TestSchema::user(), &resource, filter, expected);
}

#[track_caller]
fn check_with(schema: &TestSchema, resource: &Value, filter: &str, expected: bool) {
    let parsed = parse_filter(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
    let compiled =
        CompiledFilter::compile(&parsed, schema).unwrap_or_else(|e| panic!("{filter}: {e}"));
    assert_eq!(
        compiled.matches(resource),
        expected,
        "{filter} on {resource}"
    );
    assert_eq!(
        compiled.matches_packed(&PackedValue::new(resource)),
        expected,
        "{filter} on packed {resource}"
    );
}

/// Runs a table of `(filter, expected)` against one resource.
#[track_caller]
fn table(resource: Value, cases: &[(&str, bool)]) {
    for (filter, expected) in cases {
        check(resource.clone(), filter, *expected);
    }
}

#[track_caller]
fn compile_error(filter: &str) -> CompileError {
    let parsed = parse_filter(filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
    match CompiledFilter::compile(&parsed, &TestSchema::user()) {
        Ok(_) => panic!("{filter} compiled"),
        Err(e) => e,
    }
}

/// The RFC 7643 §8.2 full User, trimmed.
fn bjensen() -> Value {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "701984",
        "userName": "bjensen@example.com",
        "name": {
            "formatted": "Ms. Barbara J Jensen, III",
            "familyName": "Jensen",
            "givenName": "Barbara",
            "middleName": "Jane",
            "honorificPrefix": "Ms.",
            "honorificSuffix": "III"
        },
        "displayName": "Babs Jensen",
        "nickName": "Babs",
        "profileUrl": "https://login.example.com/bjensen",
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "addresses": [
            {"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood",
             "region": "CA", "postalCode": "91608", "country": "USA", "primary": true}
        ],
        "phoneNumbers": [
            {"value": "555-555-5555", "type": "work"},
            {"value": "555-555-4444", "type": "mobile"}
        ],
        "ims": [{"value": "someaimhandle", "type": "aim"}],
        "userType": "Employee",
        "title": "Tour Guide",
        "active": true,
        "groups": [{"value": "e9e30dba-f08f-4109-8486-d5c6a331660a", "display": "Tour Guides"}],
        "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMC"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984",
            "costCenter": "4130",
            "organization": "Universal Studios",
            "division": "Theme Park",
            "department": "Tour Operations",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
        },
        "meta": {
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-05-13T04:42:34Z",
            "version": "W/\"3694e05e9dff591\"",
            "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"
        }
    })
}

#[test]
fn rfc_7644_examples() {
    // Every example filter of RFC 7644 §3.4.2.2, on the RFC's own user.
    table(
        bjensen(),
        &[
            (r#"userName eq "bjensen@example.com""#, true),
            (r#"userName eq "bjensen""#, false),
            (r#"name.familyName co "O'Malley""#, false),
            (r#"name.familyName co "ense""#, true),
            (r#"userName sw "J""#, false),
            (r#"userName sw "B""#, true),
            (
                r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "b""#,
                true,
            ),
            ("title pr", true),
            (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, false),
            (r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, true),
            (r#"meta.lastModified lt "2011-05-13T04:42:34Z""#, false),
            (r#"meta.lastModified le "2011-05-13T04:42:34Z""#, true),
            (r#"title pr and userType eq "Employee""#, true),
            (r#"title pr or userType eq "Intern""#, true),
            (
                r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
                true,
            ),
            (
                r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
                true,
            ),
            (
                r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
                false,
            ),
            (
                r#"userType eq "Employee" and (emails.type eq "work")"#,
                true,
            ),
            (
                r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
                true,
            ),
            (
                r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
                true,
            ),
            (
                r#"emails[type eq "home" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
                false,
            ),
        ],
    );
}

#[test]
fn strings_compare_under_case_exact() {
    table(
        bjensen(),
        &[
            // userName, emails, name are caseExact false.
            (r#"userName eq "BJensen@Example.COM""#, true),
            (r#"emails.value eq "BJENSEN@EXAMPLE.COM""#, true),
            (r#"emails.type eq "WORK""#, true),
            (r#"name.givenName sw "bar""#, true),
            (r#"name.givenName ew "ARA""#, true),
            // id, externalId and meta.version are caseExact true.
            (r#"id eq "2819c223-7f76-453a-919d-413861904646""#, true),
            (r#"id eq "2819C223-7F76-453A-919D-413861904646""#, false),
            (r#"id sw "2819C223""#, false),
            (r#"externalId eq "701984""#, true),
            (r#"meta.version eq "W/\"3694e05e9dff591\"""#, true),
            (r#"meta.version eq "w/\"3694E05E9DFF591\"""#, false),
            (r#"meta.version co "3694E05E""#, false),
        ],
    );
    // Folding is Unicode-aware, not ASCII-only.
    let user = json!({"userName": "ÉCOLE", "name": {"familyName": "ΣΊΣΥΦΟΣ"}});
    table(
        user,
        &[
            (r#"userName eq "école""#, true),
            (r#"userName sw "éc""#, true),
            (r#"name.familyName eq "σίσυφοσ""#, true),
            (r#"name.familyName co "ΊΣ""#, true),
        ],
    );
}

#[test]
fn string_ordering_is_lexicographic_under_the_case_rule() {
    let alice = json!({"userName": "alice", "id": "a"});
    let carol = json!({"userName": "Carol", "id": "C"});
    check(alice.clone(), r#"userName gt "B""#, false);
    check(carol.clone(), r#"userName gt "b""#, true);
    check(carol.clone(), r#"userName le "CAROL""#, true);
    check(carol.clone(), r#"userName lt "CAROL""#, false);
    // Case-exact: by code point, so "a" > "B" and "C" < "b".
    check(alice, r#"id gt "B""#, true);
    check(carol, r#"id lt "b""#, true);
}

#[test]
fn date_times_compare_chronologically() {
    let user =
        json!({"meta": {"lastModified": "2011-05-13T06:42:35+02:00", "created": "not a date"}});
    table(
        user,
        &[
            // 06:42:35+02:00 is 04:42:35Z: one second later.
            (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, true),
            (r#"meta.lastModified eq "2011-05-13T04:42:35Z""#, true),
            (r#"meta.lastModified eq "2011-05-12T23:42:35-05:00""#, true),
            (r#"meta.lastModified lt "2011-05-13T04:42:35.001Z""#, true),
            (
                r#"meta.lastModified ge "2011-05-13T04:42:35.000000001Z""#,
                false,
            ),
            // A stored value that does not parse matches no comparison...
            (r#"meta.created lt "2100-01-01T00:00:00Z""#, false),
            (r#"meta.created gt "1900-01-01T00:00:00Z""#, false),
            // ...so it is "not equal" to everything, and still present.
            (r#"meta.created ne "2100-01-01T00:00:00Z""#, true),
            ("meta.created pr", true),
        ],
    );
}

#[test]
fn numbers_compare_numerically() {
    let user = json!({TEST_EXTENSION_URN: {"loginCount": 10, "score": 2.5}});
    let p = |rest: &str| format!("{TEST_EXTENSION_URN}:{rest}");
    table(
        user,
        &[
            (&p("loginCount gt 9"), true),
            (&p("loginCount gt 10"), false),
            (&p("loginCount eq 10.0"), true),
            (&p("loginCount lt 10.5"), true),
            (&p("loginCount ge 1e1"), true),
            (&p("score eq 2.5"), true),
            (&p("score gt 2"), true),
            (&p("score le 2.49"), false),
            (&p("score ne 3"), true),
        ],
    );
    // A number stored as a string is not a number.
    let user = json!({TEST_EXTENSION_URN: {"loginCount": "10"}});
    check(user.clone(), &p("loginCount eq 10"), false);
    check(user, &p("loginCount ne 10"), true);
}

#[test]
fn booleans_take_eq_and_ne_with_a_boolean() {
    table(
        json!({"active": false}),
        &[
            ("active eq false", true),
            ("active eq true", false),
            ("active ne true", true),
            ("active pr", true),
            ("not (active eq true)", true),
        ],
    );
    // `"true"` is not a boolean.
    check(json!({"active": "true"}), "active eq true", false);
}

#[test]
fn binary_compares_exactly() {
    let user = json!({"x509Certificates": [{"value": "MIIDQzCC"}]});
    table(
        user,
        &[
            (r#"x509Certificates eq "MIIDQzCC""#, true),
            (r#"x509Certificates.value eq "MIIDQzCC""#, true),
            // base64 is case-significant whatever caseExact says.
            (r#"x509Certificates.value eq "miidqzcc""#, false),
            (r#"x509Certificates ne "miidqzcc""#, true),
            ("x509Certificates pr", true),
        ],
    );
}

#[test]
fn multi_valued_attributes_match_when_any_value_matches() {
    table(
        bjensen(),
        &[
            (r#"emails.type eq "home""#, true),
            (r#"emails.type eq "other""#, false),
            (r#"emails.value ew "jensen.org""#, true),
            (r#"phoneNumbers.value sw "555-555-4""#, true),
            (
                r#"schemas eq "urn:ietf:params:scim:schemas:core:2.0:User""#,
                true,
            ),
            (r#"emails.primary eq true"#, true),
            // Without brackets, the tests may be satisfied by different
            // elements: the home address contains jensen.org.
            (
                r#"emails.type eq "work" and emails.value co "jensen.org""#,
                true,
            ),
        ],
    );
}

#[test]
fn complex_without_sub_attribute_compares_value() {
    table(
        bjensen(),
        &[
            (r#"emails co "jensen.org""#, true),
            (r#"emails eq "BABS@jensen.org""#, true),
            (r#"emails sw "nobody""#, false),
            (r#"groups eq "e9e30dba-f08f-4109-8486-d5c6a331660a""#, true),
            (
                &format!(
                    r#"{ENTERPRISE_USER_URN}:manager eq "26118915-6090-4610-87e4-49d8ca9f808d""#
                ),
                true,
            ),
        ],
    );
}

#[test]
fn value_filters_need_one_element_to_satisfy_the_whole_filter() {
    table(
        bjensen(),
        &[
            (
                r#"emails[type eq "work" and value co "@example.com"]"#,
                true,
            ),
            (r#"emails[type eq "work" and value co "jensen.org"]"#, false),
            (r#"emails[type eq "home" or primary eq true]"#, true),
            (r#"emails[not (type eq "work")]"#, true),
            (r#"emails[primary eq true and type eq "home"]"#, false),
            (r#"emails[display pr]"#, false),
            (
                r#"addresses[locality eq "hollywood" and primary eq true]"#,
                true,
            ),
            (r#"EMAILS[TYPE eq "work"]"#, true),
            // A single-valued complex attribute is its own only element.
            (
                r#"name[givenName eq "barbara" and familyName eq "jensen"]"#,
                true,
            ),
            (
                r#"name[givenName eq "barbara" and familyName eq "smith"]"#,
                false,
            ),
        ],
    );
    // No elements: nothing satisfies the filter, and its negation holds.
    check(json!({"emails": []}), r#"emails[type pr]"#, false);
    check(json!({"emails": []}), r#"not (emails[type pr])"#, true);
}

#[test]
fn present_means_non_null_and_non_empty() {
    let cases = [
        (json!({"title": "Boss"}), "title pr", true),
        (json!({"title": ""}), "title pr", false),
        (json!({"title": null}), "title pr", false),
        (json!({}), "title pr", false),
        (json!({"active": false}), "active pr", true),
        (json!({"emails": []}), "emails pr", false),
        (json!({"emails": [{}]}), "emails pr", false),
        (json!({"emails": [{"value": ""}]}), "emails pr", false),
        (json!({"emails": [{"value": "a@b"}]}), "emails pr", true),
        (
            json!({"emails": [{"type": "work"}]}),
            "emails.value pr",
            false,
        ),
        (
            json!({"emails": [{"type": "work"}, {"value": "x"}]}),
            "emails.value pr",
            true,
        ),
        (json!({"name": {}}), "name pr", false),
        (json!({"name": {"givenName": null}}), "name pr", false),
        (json!({"name": {"givenName": "B"}}), "name pr", true),
        (
            json!({"name": {"givenName": "B"}}),
            "name.familyName pr",
            false,
        ),
    ];
    for (resource, filter, expected) in cases {
        check(resource, filter, expected);
    }
}

#[test]
fn ne_matches_absent_and_means_no_value_is_equal() {
    table(
        bjensen(),
        &[
            (r#"nickName ne "Babs""#, false),
            (r#"nickName ne "Bob""#, true),
            (r#"emails.type ne "work""#, false),
            (r#"emails.type ne "other""#, true),
        ],
    );
    let empty = json!({"id": "1"});
    check(empty.clone(), r#"title ne "Boss""#, true);
    check(empty.clone(), r#"emails.type ne "work""#, true);
    check(empty, r#"title eq "Boss""#, false);
}

#[test]
fn null_literals_mean_absent_and_present() {
    table(
        json!({"title": "", "nickName": "Babs", "emails": []}),
        &[
            ("title eq null", true),
            ("title ne null", false),
            ("nickName eq null", false),
            ("nickName ne null", true),
            ("userType eq null", true),
            ("emails eq null", true),
            ("emails.value eq null", true),
        ],
    );
}

#[test]
fn not_is_plain_negation() {
    let user = json!({"userName": "bjensen"});
    check(user.clone(), r#"not (userName eq "bjensen")"#, false);
    check(user.clone(), r#"not (title eq "Boss")"#, true);
    check(user.clone(), "not (title pr)", true);
    check(user, r#"not (not (userName sw "b"))"#, true);
}

#[test]
fn extension_attributes_are_found_under_their_urn() {
    table(
        bjensen(),
        &[
            (
                &format!(r#"{ENTERPRISE_USER_URN}:employeeNumber eq "701984""#),
                true,
            ),
            (
                &format!(r#"{ENTERPRISE_USER_URN}:manager.displayName sw "john""#),
                true,
            ),
            (
                &format!(r#"{ENTERPRISE_USER_URN}:costCenter ne "4130""#),
                false,
            ),
            (&format!("{ENTERPRISE_USER_URN}:division pr"), true),
            (
                &format!("{ENTERPRISE_USER_URN}:department pr and title pr"),
                true,
            ),
        ],
    );
    check(
        json!({"id": "1"}),
        &format!("{ENTERPRISE_USER_URN}:division pr"),
        false,
    );
}

#[test]
fn stored_keys_match_case_insensitively_as_a_fallback() {
    let user = json!({
        "username": "bjensen",
        "EMAILS": [{"Value": "b@example.com", "TYPE": "work"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"EmployeeNumber": "7"}
    });
    table(
        user,
        &[
            (r#"userName eq "bjensen""#, true),
            (r#"emails[type eq "work" and value co "example"]"#, true),
            (
                &format!(r#"{ENTERPRISE_USER_URN}:employeeNumber eq "7""#),
                true,
            ),
        ],
    );
    // The spelling of the schema wins when both are there.
    check(
        json!({"userName": "right", "username": "wrong"}),
        r#"userName eq "right""#,
        true,
    );
}

#[test]
fn group_filters() {
    let group = json!({
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Tour Guides",
        "members": [
            {"value": "2819c223-7f76-453a-919d-413861904646", "display": "Babs Jensen", "type": "User"},
            {"value": "902c246b-6245-4190-8e05-00816be7344a", "display": "Mandy Pepperidge", "type": "User"}
        ]
    });
    let schema = TestSchema::group();
    for (filter, expected) in [
        (r#"displayName eq "tour guides""#, true),
        (
            r#"members[value eq "902c246b-6245-4190-8e05-00816be7344a"]"#,
            true,
        ),
        (r#"members.display co "babs""#, true),
        (r#"members eq "2819c223-7f76-453a-919d-413861904646""#, true),
        (r#"members[type eq "Group"]"#, false),
    ] {
        check_with(&schema, &group, filter, expected);
    }
}

#[test]
fn compile_errors() {
    use CompileError as E;
    type Expect = fn(&E) -> bool;
    let cases: &[(&str, Expect)] = &[
        (r#"nope eq "x""#, |e| {
            matches!(e, E::UnknownAttribute { .. })
        }),
        (r#"members eq "x""#, |e| {
            matches!(e, E::UnknownAttribute { .. })
        }),
        // Extension attributes need their URN.
        (r#"employeeNumber eq "1""#, |e| {
            matches!(e, E::UnknownAttribute { .. })
        }),
        (r#"urn:example:nope:User:userName eq "x""#, |e| {
            matches!(e, E::UnknownAttribute { .. })
        }),
        (r#"name.nope eq "x""#, |e| {
            matches!(e, E::UnknownSubAttribute { .. })
        }),
        (r#"userName.value eq "x""#, |e| {
            matches!(e, E::UnknownSubAttribute { .. })
        }),
        (r#"emails[nope eq "x"]"#, |e| {
            matches!(e, E::UnknownSubAttribute { .. })
        }),
        ("emails[value.x pr]", |e| {
            matches!(e, E::InvalidValueFilterPath { .. })
        }),
        ("active gt true", |e| {
            matches!(
                e,
                E::OperatorNotSupported {
                    op: "gt",
                    ty: "boolean",
                    ..
                }
            )
        }),
        (r#"active co "t""#, |e| {
            matches!(e, E::OperatorNotSupported { op: "co", .. })
        }),
        (r#"x509Certificates.value co "MII""#, |e| {
            matches!(
                e,
                E::OperatorNotSupported {
                    op: "co",
                    ty: "binary",
                    ..
                }
            )
        }),
        (r#"x509Certificates gt "MII""#, |e| {
            matches!(
                e,
                E::OperatorNotSupported {
                    op: "gt",
                    ty: "binary",
                    ..
                }
            )
        }),
        (r#"meta.created sw "2011""#, |e| {
            matches!(
                e,
                E::OperatorNotSupported {
                    op: "sw",
                    ty: "dateTime",
                    ..
                }
            )
        }),
        (r#"meta.created gt "yesterday""#, |e| {
            matches!(e, E::InvalidDateTime { .. })
        }),
        (r#"meta.created gt "2011-05-13""#, |e| {
            matches!(e, E::InvalidDateTime { .. })
        }),
        ("meta.created gt 5", |e| {
            matches!(e, E::LiteralMismatch { .. })
        }),
        (r#"active eq "true""#, |e| {
            matches!(e, E::LiteralMismatch { .. })
        }),
        ("userName eq 5", |e| {
            matches!(
                e,
                E::LiteralMismatch {
                    literal: "a number",
                    ..
                }
            )
        }),
        ("userName eq true", |e| {
            matches!(e, E::LiteralMismatch { .. })
        }),
        (
            r#"urn:example:params:scim:schemas:extension:test:2.0:User:loginCount eq "10""#,
            |e| {
                matches!(
                    e,
                    E::LiteralMismatch {
                        literal: "a string",
                        ..
                    }
                )
            },
        ),
        (
            "urn:example:params:scim:schemas:extension:test:2.0:User:loginCount co 1",
            |e| matches!(e, E::OperatorNotSupported { op: "co", .. }),
        ),
        ("userName gt null", |e| {
            matches!(e, E::NullComparison { op: "gt", .. })
        }),
        ("userName co null", |e| {
            matches!(e, E::NullComparison { op: "co", .. })
        }),
        (r#"name eq "Babs""#, |e| {
            matches!(e, E::ComplexComparison { .. })
        }),
        (r#"addresses co "Hollywood""#, |e| {
            matches!(e, E::ComplexComparison { .. })
        }),
        (r#"userName[value eq "x"]"#, |e| {
            matches!(e, E::NotComplex { .. })
        }),
        (r#"active[value eq true]"#, |e| {
            matches!(e, E::NotComplex { .. })
        }),
        // An error anywhere fails the whole filter.
        (r#"userName eq "x" or (title pr and nope pr)"#, |e| {
            matches!(e, E::UnknownAttribute { .. })
        }),
    ];
    for (filter, expected) in cases {
        let error = compile_error(filter);
        assert!(expected(&error), "{filter}: {error:?}");
    }
}

#[test]
fn compile_errors_say_what_is_wrong() {
    let message = |filter: &str| compile_error(filter).to_string();
    assert_eq!(message("nope pr"), "unknown attribute `nope`");
    assert_eq!(
        message(r#"name.nope eq "x""#),
        "attribute `name` has no sub-attribute `nope`"
    );
    assert_eq!(
        message("active gt true"),
        "operator `gt` cannot be applied to `active`, which is of type boolean"
    );
    assert_eq!(
        message(r#"emails[value.x pr]"#),
        "`value.x` inside the value filter on `emails` must be one of its sub-attribute names"
    );
    assert!(message(r#"meta.created gt "soon""#).contains("\"soon\""));
    assert!(message(r#"emails[type eq 1]"#).contains("emails.type"));
}

/// Sorts `users` by `sort_by` and returns their ids, ascending.
#[track_caller]
fn sorted_ids(sort_by: &str, users: &[Value]) -> Vec<String> {
    let key = SortKey::compile(&parse_attr_path(sort_by).unwrap(), &TestSchema::user()).unwrap();
    let mut users = users.to_vec();
    users.sort_by(|a, b| key.cmp(a, b));
    users
        .iter()
        .map(|u| u["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn sort_keys_follow_type_case_rule_and_put_absent_last() {
    let users = [
        json!({"id": "1", "userName": "bob", "meta": {"lastModified": "2024-01-01T12:00:00+05:00"},
               "emails": [{"value": "z@x"}, {"value": "b@x", "primary": true}]}),
        json!({"id": "2", "userName": "Alice", "meta": {"lastModified": "2024-01-01T08:00:00Z"},
               "emails": [{"value": "C@x"}]}),
        json!({"id": "3", "meta": {"lastModified": "garbage"}, "emails": []}),
        json!({"id": "4", "userName": "", "name": {"familyName": "Ö"}}),
        json!({"id": "5", "userName": "carol", "name": {"familyName": "a"}}),
    ];
    // Case-insensitive; absent and empty last.
    assert_eq!(sorted_ids("userName", &users)[..3], ["2", "1", "5"]);
    // 12:00+05:00 is 07:00Z, before 08:00Z; an unparsable value sorts after
    // valid ones, absent after that.
    assert_eq!(
        sorted_ids("meta.lastModified", &users),
        ["1", "2", "3", "4", "5"]
    );
    // Multi-valued: the primary value, else the first.
    assert_eq!(sorted_ids("emails", &users)[..2], ["1", "2"]);
    assert_eq!(sorted_ids("emails.value", &users)[..2], ["1", "2"]);
    // Code-point order after folding: "a" < "ö".
    assert_eq!(sorted_ids("name.familyName", &users)[..2], ["5", "4"]);
    // Case-exact ids.
    assert_eq!(sorted_ids("id", &users), ["1", "2", "3", "4", "5"]);
}

#[test]
fn sort_key_errors() {
    let compile = |p: &str| SortKey::compile(&parse_attr_path(p).unwrap(), &TestSchema::user());
    assert!(matches!(
        compile("nope"),
        Err(CompileError::UnknownAttribute { .. })
    ));
    assert!(matches!(
        compile("name"),
        Err(CompileError::ComplexComparison { .. })
    ));
    assert!(matches!(
        compile("addresses"),
        Err(CompileError::ComplexComparison { .. })
    ));
    assert!(matches!(
        compile("name.nope"),
        Err(CompileError::UnknownSubAttribute { .. })
    ));
    assert!(compile("addresses.locality").is_ok());
}

mod packed {
    //! The packed form gives the same answers as the `Value` it packs.

    use super::*;
    use proptest::prelude::*;

    /// Scalars that exercise every comparison path: case, non-ASCII
    /// (including the two characters whose lower case is partly ASCII),
    /// numbers, booleans, dateTimes, null.
    fn scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            prop::sample::select(vec![
                "bjensen",
                "BJensen",
                "jim",
                "J",
                "",
                "Zoë",
                "\u{212A}elvin",
                "\u{130}stanbul",
                "ka@example.com",
                "x@EXAMPLE.COM",
                "work",
                "Work",
                "home",
                "2011-05-13T04:42:34Z",
                "2030-01-01T00:00:00+02:00",
                "not a date",
            ])
            .prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
            Just(Value::Null),
        ]
    }

    fn key() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "userName",
            "USERNAME",
            "username",
            "title",
            "active",
            "emails",
            "Emails",
            "value",
            "VALUE",
            "type",
            "primary",
            "name",
            "familyName",
            "givenName",
            "meta",
            "lastModified",
            "x509Certificates",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "employeeNumber",
            "manager",
            "displayName",
        ])
        .prop_map(str::to_owned)
    }

    fn value() -> impl Strategy<Value = Value> {
        scalar().prop_recursive(3, 40, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::btree_map(key(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    const FILTERS: &[&str] = &[
        r#"userName eq "bjensen""#,
        r#"userName sw "j" or userName ew "N""#,
        r#"userName co "zo""#,
        r#"userName eq "kelvin" or userName sw "i""#,
        r#"userName gt "J""#,
        "title pr",
        "active eq true",
        r#"emails[type eq "work" and value co "@example.com"] or userName sw "j""#,
        r#"emails co "example""#,
        r#"emails.type ne "work""#,
        "emails pr",
        r#"name.familyName ge "a" and not (name.givenName pr)"#,
        r#"meta.lastModified gt "2020-01-01T00:00:00Z""#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "7""#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value pr"#,
        r#"x509Certificates eq "bjensen""#,
    ];

    proptest! {
        #[test]
        fn packed_matches_what_the_value_matches(
            resource in prop::collection::btree_map(key(), value(), 0..10)
                .prop_map(|m| Value::Object(m.into_iter().collect()))
        ) {
            let packed = PackedValue::new(&resource);
            prop_assert_eq!(&packed.to_value(), &resource);
            let schema = TestSchema::user();
            for text in FILTERS {
                let compiled = CompiledFilter::compile(&parse_filter(text).unwrap(), &schema).unwrap();
                prop_assert_eq!(
                    compiled.matches_packed(&packed),
                    compiled.matches(&resource),
                    "{} on {}", text, resource
                );
            }
        }
    }
}

/// The two characters whose lower case is partly ASCII (the Kelvin sign
/// folds to `k`, `İ` to `i` and a combining dot) match ASCII literals
/// the way their folded forms do, in every string operator.
#[test]
fn characters_folding_to_ascii_match_ascii_literals() {
    table(
        json!({"userName": "\u{212A}elvin", "title": "\u{130}stanbul"}),
        &[
            (r#"userName eq "kelvin""#, true),
            (r#"userName sw "k""#, true),
            (r#"userName co "KEL""#, true),
            (r#"userName ew "kelvin""#, true),
            (r#"userName eq "elvin""#, false),
            (r#"title sw "i""#, true),
            (r#"title eq "istanbul""#, false),
            (r#"title eq "i\u0307stanbul""#, true),
        ],
    );
}

mod packed_from_json {
    //! `PackedValue::from_json_slice` packs JSON text into the same bytes
    //! as `PackedValue::new` of the `Value` serde_json reads from it, and
    //! fails where serde_json fails.

    use super::*;
    use proptest::prelude::*;

    /// What serde_json reads from `text`, packed.
    fn via_value(text: &str) -> PackedValue {
        PackedValue::new(&serde_json::from_str::<Value>(text).unwrap())
    }

    #[track_caller]
    fn same(text: &str) {
        assert_eq!(
            PackedValue::from_json_slice(text.as_bytes()).unwrap(),
            via_value(text),
            "{text}"
        );
    }

    fn scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<String>().prop_map(Value::from),
            "[a-c\"\\\\\n\u{0}é☃😀]{0,6}".prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
            Just(Value::Null),
        ]
    }

    /// Short keys, so objects share prefixes and (in text) repeat keys.
    fn key() -> impl Strategy<Value = String> {
        prop_oneof!["[aAbB]{0,3}", "[a-zA-Z]{4,9}", any::<String>()]
    }

    fn value() -> impl Strategy<Value = Value> {
        scalar().prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
                prop::collection::btree_map(key(), inner, 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn packs_what_new_packs(v in value()) {
            let text = serde_json::to_vec(&v).unwrap();
            prop_assert_eq!(PackedValue::from_json_slice(&text).unwrap(), PackedValue::new(&v));
            let pretty = serde_json::to_vec_pretty(&v).unwrap();
            prop_assert_eq!(PackedValue::from_json_slice(&pretty).unwrap(), PackedValue::new(&v));
        }

        /// Objects written by hand: keys in any order, repeated.
        #[test]
        fn unsorted_and_repeated_keys_pack_as_value_reads_them(
            members in prop::collection::vec((key(), value()), 0..10)
        ) {
            let text = format!(
                "{{{}}}",
                members
                    .iter()
                    .map(|(k, v)| format!("{}:{v}", Value::from(k.as_str())))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            prop_assert_eq!(
                PackedValue::from_json_slice(text.as_bytes()).unwrap(),
                via_value(&text)
            );
        }

        #[test]
        fn any_bytes_are_an_error_or_what_value_reads(bytes in prop::collection::vec(any::<u8>(), 0..32)) {
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(v) => prop_assert_eq!(PackedValue::from_json_slice(&bytes).unwrap(), PackedValue::new(&v)),
                Err(_) => prop_assert!(PackedValue::from_json_slice(&bytes).is_err()),
            }
        }
    }

    #[test]
    fn the_last_of_repeated_keys_wins() {
        let packed = PackedValue::from_json_slice(br#"{"a":1,"a":2}"#).unwrap();
        assert_eq!(packed, PackedValue::new(&json!({"a": 2})));
        same(r#"{"b":1,"a":[],"b":{"x":1,"x":null},"a":"last"}"#);
    }

    #[test]
    fn keys_in_any_order() {
        let packed =
            PackedValue::from_json_slice(br#"{"userName":"b","active":true,"Zeta":0}"#).unwrap();
        assert_eq!(
            packed,
            PackedValue::new(&json!({"Zeta": 0, "active": true, "userName": "b"}))
        );
        same(
            r#"{"name":{"givenName":"B","familyName":"J"},"emails":[{"value":"x","type":"work"}]}"#,
        );
    }

    #[test]
    fn escapes_in_keys_and_strings() {
        same(r#"{"a\"b":"q\"uote","\u00e9t\u00E9":"\ud83d\ude00","\\":"\n\t\/","":""}"#);
        same(r#"{"\u0061":1,"a":2}"#);
    }

    #[test]
    fn numbers() {
        for text in [
            "0",
            "-0",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "9223372036854775807",
            "-1",
            "1.5",
            "-2.5e-300",
            "1e308",
            "1E2",
            "0.1",
            "[1, -1, 1.0, -1.0, 12345678901234567890]",
        ] {
            same(text);
        }
        assert!(PackedValue::from_json_slice(b"1e400").is_err());
    }

    #[test]
    fn invalid_json_is_an_error() {
        let deep = "[".repeat(10_000);
        for text in [
            "",
            " ",
            "{",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "[1,]",
            "{} x",
            "{}{}",
            "1 2",
            "nul",
            "\"\\x\"",
            "\"\\ud800\"",
            "{1:2}",
            deep.as_str(),
        ] {
            assert!(serde_json::from_str::<Value>(text).is_err(), "{text:?}");
            assert!(
                PackedValue::from_json_slice(text.as_bytes()).is_err(),
                "{text:?}"
            );
        }
        assert!(PackedValue::from_json_slice(b"\"\xff\"").is_err());
        same(" {\"a\" : [ ] } \n");
    }
}
