//! Unit tests over hand-built filters; the integration tests in
//! `tests/it/eval.rs` cover the same rules through the parser.
#![allow(clippy::unwrap_used)]

use serde_json::{json, Value};

use super::*;
use crate::testing::{TestSchema, ENTERPRISE_USER_URN};

fn path(p: &str) -> AttrPath {
    match p.split_once('.') {
        Some((name, sub)) => AttrPath::new(name).with_sub_attr(sub),
        None => AttrPath::new(p),
    }
}

fn s(v: &str) -> CompValue {
    CompValue::Str(v.to_owned())
}

fn cmp(p: &str, op: CompareOp, v: CompValue) -> Filter {
    Filter::compare(path(p), op, v)
}

fn run(filter: &Filter, resource: &Value) -> bool {
    CompiledFilter::compile(filter, &TestSchema::user())
        .unwrap()
        .matches(resource)
}

fn err(filter: &Filter) -> CompileError {
    CompiledFilter::compile(filter, &TestSchema::user()).unwrap_err()
}

fn user() -> Value {
    json!({
        "id": "2819c223-7f76-453a-919d-413861904646",
        "userName": "Bjensen@Example.com",
        "name": {"familyName": "Jensen", "givenName": "Barbara"},
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "Work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "meta": {"lastModified": "2011-05-13T04:42:34Z", "version": "W/\"a330bc54f0671c9\""},
        ENTERPRISE_USER_URN: {"employeeNumber": "701984", "manager": {"value": "26118915-6090"}}
    })
}

#[test]
fn strings_follow_case_exact() {
    let u = user();
    assert!(run(
        &cmp("userName", CompareOp::Eq, s("bjensen@example.COM")),
        &u
    ));
    assert!(!run(
        &cmp(
            "id",
            CompareOp::Eq,
            s("2819C223-7F76-453A-919D-413861904646")
        ),
        &u
    ));
    assert!(run(&cmp("id", CompareOp::Sw, s("2819c223")), &u));
}

#[test]
fn value_filter_needs_one_element_for_the_whole_inner_filter() {
    let u = user();
    let vf = |t: &str, v: &str| {
        Filter::value_path(
            AttrPath::new("emails"),
            Filter::and(
                cmp("type", CompareOp::Eq, s(t)),
                cmp("value", CompareOp::Co, s(v)),
            ),
        )
    };
    assert!(run(&vf("work", "example"), &u));
    assert!(!run(&vf("work", "jensen.org"), &u));
    // Without brackets the two tests may hit different elements.
    let loose = Filter::and(
        cmp("emails.type", CompareOp::Eq, s("work")),
        cmp("emails.value", CompareOp::Co, s("jensen.org")),
    );
    assert!(run(&loose, &u));
}

#[test]
fn extension_attributes_live_under_their_urn() {
    let f = Filter::compare(
        AttrPath::new("employeeNumber").with_urn(ENTERPRISE_USER_URN),
        CompareOp::Eq,
        s("701984"),
    );
    assert!(run(&f, &user()));
    let manager = Filter::compare(
        AttrPath::new("manager").with_urn(ENTERPRISE_USER_URN),
        CompareOp::Sw,
        s("26118915"),
    );
    assert!(run(&manager, &user()));
}

#[test]
fn null_and_absent() {
    let u = user();
    assert!(run(&cmp("title", CompareOp::Eq, CompValue::Null), &u));
    assert!(!run(&cmp("title", CompareOp::Ne, CompValue::Null), &u));
    assert!(run(&cmp("title", CompareOp::Ne, s("x")), &u));
    assert!(run(&cmp("userName", CompareOp::Ne, CompValue::Null), &u));
}

#[test]
fn compile_errors_name_the_culprit() {
    let e = err(&cmp("nope", CompareOp::Eq, s("x")));
    assert_eq!(
        e,
        CompileError::UnknownAttribute {
            path: "nope".into()
        }
    );
    let e = err(&cmp("active", CompareOp::Gt, CompValue::Bool(true)));
    assert!(
        matches!(e, CompileError::OperatorNotSupported { op: "gt", .. }),
        "{e}"
    );
    let e = err(&cmp("meta.lastModified", CompareOp::Gt, s("last tuesday")));
    assert!(matches!(e, CompileError::InvalidDateTime { .. }), "{e}");
}

#[test]
fn non_objects_match_only_negations() {
    let f = cmp("userName", CompareOp::Eq, s("x"));
    assert!(!run(&f, &json!("userName")));
    assert!(run(&Filter::not(f), &json!([1, 2])));
}
