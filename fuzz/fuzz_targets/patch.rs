//! PATCH bodies against a full RFC 7643 §8.2 user and a group with members.
//!
//! The first byte picks the resource (bit 2: group) and the compatibility
//! profile (bits 0-1); the rest is the PATCH body as JSON.
//!
//! Checked: no panic; `apply_patch`, `apply_patch_owned` and
//! `apply_patch_in_place` agree; the input is never modified, and a failed
//! `apply_patch_in_place` leaves its resource byte for byte as it was; and whatever PATCH produces is a resource the
//! validator accepts: `prepare_replace` of the result over the original,
//! under the strict standard profile, succeeds; and the result is in
//! normal form: `prepare_replace` of it over itself returns it unchanged.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use scim_core::patch::{apply_patch, apply_patch_in_place, apply_patch_owned, PatchRequest};
use scim_core::resource::prepare_replace;
use scim_core::Compat;
use serde_json::Value;
use std::sync::OnceLock;

struct Fixture {
    type_name: &'static str,
    resource: Value,
}

/// The fixtures, normalised once the way a server stores them.
fn fixtures() -> &'static [Fixture; 2] {
    static F: OnceLock<[Fixture; 2]> = OnceLock::new();
    F.get_or_init(|| {
        let reg = common::registry();
        let norm = |type_name: &'static str, r: Value| {
            let view = reg.view(type_name).unwrap();
            let resource = prepare_replace(&view, &r, r.clone(), &Compat::standard())
                .unwrap_or_else(|e| panic!("fixture {type_name} is invalid: {e}"));
            Fixture {
                type_name,
                resource,
            }
        };
        [
            norm("User", common::full_user()),
            norm("Group", common::group()),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let Some(body) = common::json(body) else {
        return;
    };
    let compat = common::compat(sel);
    let Ok(request) = PatchRequest::from_json(&body, &compat) else {
        return;
    };
    let fixture = &fixtures()[usize::from(sel >> 2) & 1];
    let view = common::registry().view(fixture.type_name).unwrap();
    let before = fixture.resource.clone();
    let result = apply_patch(&view, &fixture.resource, &request, &compat);
    assert_eq!(fixture.resource, before, "apply_patch modified its input");
    let owned = apply_patch_owned(&view, before.clone(), &request, &compat);
    assert_eq!(result, owned, "apply_patch and apply_patch_owned disagree");
    let mut in_place = before.clone();
    match apply_patch_in_place(&view, &mut in_place, &request, &compat) {
        Ok(()) => assert_eq!(
            result.as_ref().ok(),
            Some(&in_place),
            "apply_patch and apply_patch_in_place disagree\nbody: {body}"
        ),
        Err(e) => {
            assert_eq!(
                result.as_ref().err(),
                Some(&e),
                "apply_patch and apply_patch_in_place disagree\nbody: {body}"
            );
            assert_eq!(
                serde_json::to_string(&in_place).ok(),
                serde_json::to_string(&before).ok(),
                "a failed apply_patch_in_place changed its resource\nbody: {body}"
            );
        }
    }
    if std::env::var_os("SCIM_FUZZ_TRACE").is_some() {
        match &result {
            Ok(_) => eprintln!("patch ok"),
            Err(e) => eprintln!("patch err {} {:?}", e.status(), e.scim_type()),
        }
    }
    let Ok(patched) = result else {
        return;
    };
    // Valid: a PUT of the result over the original succeeds (this also
    // checks that immutable attributes kept their values).
    if let Err(e) = prepare_replace(&view, &before, patched.clone(), &Compat::standard()) {
        panic!(
            "PATCH produced a resource the validator rejects: {e}\nbody: {body}\nresult: {patched}"
        );
    }
    // Normal form: replacing the result by itself changes nothing. (Against
    // the original it may: PUT keeps readOnly sub-attributes such as
    // `manager.displayName` when the body drops their parent, while PATCH
    // removing the parent removes them.)
    match prepare_replace(&view, &patched, patched.clone(), &Compat::standard()) {
        Ok(again) => assert_eq!(
            again, patched,
            "PATCH produced a resource that is not in normal form\nbody: {body}"
        ),
        Err(e) => panic!("the patched resource does not replace itself: {e}\nbody: {body}"),
    }
});
