//! `parse_path` never panics, reports errors inside the input, and
//! whatever it accepts prints to text that parses back to the same path.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_filter::{parse_path, parse_path_with, ParseOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_path(text) {
        Ok(path) => {
            let printed = path.to_string();
            let unlimited = ParseOptions::default().with_max_len(usize::MAX);
            assert_eq!(
                parse_path_with(&printed, &unlimited).as_ref(),
                Ok(&path),
                "{text:?} printed as {printed:?}"
            );
        }
        Err(err) => {
            assert!(text.is_char_boundary(err.offset), "{text:?}: {err}");
        }
    }
});
