//! The RFC 7644 §3.5.2 PATCH engine.
//!
//! A PATCH body is parsed once into a [`PatchRequest`] (paths parsed, op
//! names checked, values kept as JSON), then run against a resource.
//! Application is atomic (RFC 7644 §3.5.2): any error leaves the resource
//! unchanged. Three entry points:
//!
//! - [`apply_patch_in_place`] patches a resource the caller holds; on
//!   error it is left exactly as it was. Each change records how to undo
//!   it, keeping the value it displaced rather than a copy, and a failed
//!   request undoes its changes, last first; so this is the cheap atomic
//!   form, the one a server uses.
//! - [`apply_patch`] leaves its input alone and returns a patched copy
//!   (the whole resource is copied).
//! - [`apply_patch_owned`] patches a resource the caller gives up and
//!   drops it on error: no copy at all, for callers whose stored copy is
//!   what stays unchanged.
//!
//! ```
//! use scim_core::patch::{apply_patch, apply_patch_in_place, PatchRequest};
//! use scim_core::{Compat, Registry};
//! use serde_json::json;
//!
//! let registry = Registry::with_builtins();
//! let users = registry.view("User").unwrap();
//! let user = json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "id": "2819c223",
//!     "userName": "bjensen",
//! });
//! let body = json!({
//!     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
//!     "Operations": [{"op": "replace", "path": "userName", "value": "babs"}],
//! });
//! let compat = Compat::standard();
//! let request = PatchRequest::from_json(&body, &compat).unwrap();
//! let patched = apply_patch(&users, &user, &request, &compat).unwrap();
//! assert_eq!(patched["userName"], "babs");
//! assert_eq!(user["userName"], "bjensen");
//!
//! // In place: a failing operation undoes the ones before it.
//! let mut stored = user.clone();
//! let body = json!({
//!     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
//!     "Operations": [
//!         {"op": "replace", "path": "userName", "value": "babs"},
//!         {"op": "replace", "path": "id", "value": "other"},
//!     ],
//! });
//! let request = PatchRequest::from_json(&body, &compat).unwrap();
//! assert!(apply_patch_in_place(&users, &mut stored, &request, &compat).is_err());
//! assert_eq!(stored, user);
//! ```
//!
//! # Semantics
//!
//! Where RFC 7644 §3.5.2 is explicit, the engine does what it says; the
//! open corners are decided as follows.
//!
//! - **Names** in paths and in no-path values match the schema
//!   case-insensitively and are written with the schema's spelling.
//! - **No-path `add`/`replace`**: the value is an object of attributes.
//!   A key that is an extension URN holds an object of that extension's
//!   attributes; a key with a `:` or `.` (`urn:...:User:manager`,
//!   `name.givenName`) is read as a path. `schemas` keys are ignored: the
//!   engine keeps `schemas` consistent itself.
//! - **Complex single-valued attributes** (`name`): `add` and `replace`
//!   both merge the given sub-attributes into the existing value
//!   (§3.5.2.3: "Sub-attributes that are not specified in the value
//!   parameter are left unchanged"), with or without a path.
//! - **Multi-valued attributes**: `add` appends the values not already
//!   there (a value is already there when an existing value has every
//!   sub-attribute the new one gives, with equal values); `replace`
//!   without a filter replaces the whole array.
//! - **Value paths** (`emails[type eq "work"]`): `add` and `replace`
//!   merge the value into every matching element, or set the
//!   sub-attribute of every matching element (`...].value`). When nothing
//!   matches, `add` creates an element from the filter's `eq` terms
//!   (only `eq` terms joined by `and` can be filled in; otherwise
//!   400 noTarget) plus the value; `replace` answers 400 noTarget (§3.5.2.3)
//!   unless [`Compat::replace_no_target_adds`](crate::Compat::replace_no_target_adds), which makes it an `add`.
//!   `remove` through a filter that matches nothing is 400 noTarget
//!   (RFC 7644 Table 9).
//! - **Sub-attribute of a multi-valued attribute without a filter**
//!   (`emails.type`): applies to every element; `add`/`replace` with no
//!   elements creates one.
//! - **`remove` with a value** on a multi-valued attribute (`members`
//!   with `[{"value": "id1"}]`, as identity providers send it) removes the
//!   elements matching the given values (by `value` when given, else by
//!   every given sub-attribute); values not present are ignored.
//! - **`null`, `[]`, `{}`** written by `replace` unassign the target; by
//!   `add` they change nothing. Nulls and empty values never remain in
//!   the result, and an emptied multi-valued or complex attribute is
//!   removed.
//! - **`primary`**: when an operation sets `primary: true` on an element,
//!   every other element of that attribute gets `primary: false`
//!   (RFC 7644 §3.5.2); an operation that would set it on two elements is
//!   400 invalidValue (RFC 7643 §2.4).
//! - **Mutability**: writing a readOnly attribute (`id`, `meta`, `groups`)
//!   is 400 mutability unless the value is the one already stored;
//!   changing or removing an immutable attribute that has a value is
//!   400 mutability; removing (or unassigning) a required attribute is
//!   400 mutability (§3.5.2.2).
//! - **Extensions**: an extension's URN is added to `schemas` when its
//!   object appears and removed when the object is removed or emptied.

mod apply;
mod request;
mod target;
mod undo;
mod values;

pub use apply::{apply_patch, apply_patch_in_place, apply_patch_owned};
pub use request::{PatchOp, PatchOperation, PatchRequest};
