//! Create (POST) bodies through `prepare_create` for User and Group.
//!
//! The first byte picks the resource type (bit 2: Group) and the
//! compatibility profile (bits 0-1); the rest is the body as JSON.
//!
//! Checked: no panic, and a success is idempotent: `prepare_create` of its
//! output succeeds, under the same profile and under the strict standard
//! one, and gives the same value back.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use scim_core::resource::prepare_create;
use scim_core::Compat;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let Some(body) = common::json(body) else {
        return;
    };
    let compat = common::compat(sel);
    let type_name = if sel & 4 == 0 { "User" } else { "Group" };
    let view = common::registry().view(type_name).unwrap();
    let Ok(created) = prepare_create(&view, body.clone(), &compat) else {
        return;
    };
    for (profile, again) in [
        ("same", prepare_create(&view, created.clone(), &compat)),
        (
            "standard",
            prepare_create(&view, created.clone(), &Compat::standard()),
        ),
    ] {
        match again {
            Ok(again) => assert_eq!(
                again, created,
                "prepare_create is not idempotent ({profile} profile)\nbody: {body}"
            ),
            Err(e) => panic!(
                "prepare_create rejects its own output ({profile} profile): {e}\nbody: {body}\noutput: {created}"
            ),
        }
    }
});
