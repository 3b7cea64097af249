//! `parse_filter` never panics, reports errors inside the input, and
//! whatever it accepts prints to text that parses back to the same tree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scim_filter::{parse_filter, parse_filter_with, ParseOptions};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_filter(text) {
        Ok(filter) => {
            // The canonical form can be longer than the input (`1e2`
            // prints as `100.0`), so the length limit is lifted here.
            let printed = filter.to_string();
            let unlimited = ParseOptions::default().with_max_len(usize::MAX);
            assert_eq!(
                parse_filter_with(&printed, &unlimited).as_ref(),
                Ok(&filter),
                "{text:?} printed as {printed:?}"
            );
        }
        Err(err) => {
            assert!(text.is_char_boundary(err.offset), "{text:?}: {err}");
        }
    }
});
