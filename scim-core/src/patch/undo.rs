//! The undo log that makes [`apply_patch_in_place`](super::apply_patch_in_place)
//! atomic without copying the resource.
//!
//! The engine reaches the resource's top-level object only through
//! [`Root`]: reading is free, and the one way to change it,
//! [`Root::member`], first saves the member about to change. On error
//! the saved members are put back, so a failed request costs the copies
//! of what it touched, and a successful one no more.

use serde_json::{Map, Value};

type Obj = Map<String, Value>;

/// The top-level object of the resource being patched. It hands out
/// `&mut` access only through [`Root::member`], which first saves the
/// member about to change, so that a failed request can be undone without
/// a copy of the whole resource.
pub(super) struct Root<'r, 's> {
    obj: &'r mut Obj,
    /// `None` when the caller drops the resource on error.
    undo: Option<Undo<'s>>,
}

impl<'r, 's> Root<'r, 's> {
    pub(super) fn new(obj: &'r mut Obj, undoable: bool) -> Self {
        let undo = undoable.then(|| Undo::new(obj));
        Root { obj, undo }
    }

    pub(super) fn read(&self) -> &Obj {
        self.obj
    }

    /// The top-level object, for a change to its member `name` (a schema
    /// name: an attribute, an extension URN or `schemas`, in any stored
    /// spelling) and to nothing else. The member is saved first, once per
    /// request.
    pub(super) fn member(&mut self, name: &'s str) -> &mut Obj {
        if let Some(undo) = &mut self.undo {
            undo.save(self.obj, name);
        }
        self.obj
    }

    /// Puts back every saved member, leaving the object as it was before
    /// the request.
    pub(super) fn undo(self) {
        if let Some(undo) = self.undo {
            undo.restore(self.obj);
        }
    }
}

/// The undo log of a request: the top-level members it changed, as they
/// were before it.
struct Undo<'s> {
    saved: Vec<Saved<'s>>,
    /// The original key order when it is not the sorted one, which only
    /// happens when serde_json's `preserve_order` feature is on somewhere
    /// in the build: restoring then rebuilds the object in that order.
    order: Option<Vec<String>>,
}

/// One saved member: every key equal to `name` ignoring ASCII case, with
/// its value (none when the member was absent).
struct Saved<'s> {
    name: &'s str,
    entries: Vec<(String, Value)>,
}

impl<'s> Undo<'s> {
    fn new(root: &Obj) -> Self {
        let sorted = root.keys().is_sorted();
        Undo {
            saved: Vec::new(),
            order: (!sorted).then(|| root.keys().cloned().collect()),
        }
    }

    fn save(&mut self, root: &Obj, name: &'s str) {
        if self.saved.iter().any(|s| s.name.eq_ignore_ascii_case(name)) {
            return;
        }
        let entries = root
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        self.saved.push(Saved { name, entries });
    }

    fn restore(self, root: &mut Obj) {
        // Only saved members changed, so putting each back in every
        // spelling restores the set of keys and their values.
        for Saved { name, entries } in self.saved.into_iter().rev() {
            root.retain(|k, _| !k.eq_ignore_ascii_case(name));
            for (k, v) in entries {
                root.insert(k, v);
            }
        }
        match self.order {
            // A no-op unless keys keep insertion order.
            None => root.sort_keys(),
            Some(order) => {
                let mut rest = std::mem::take(root);
                for k in order {
                    if let Some((k, v)) = rest.remove_entry(&k) {
                        root.insert(k, v);
                    }
                }
                root.append(&mut rest);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Obj {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn undo_puts_back_every_spelling_and_removes_what_was_added() {
        let before = obj(json!({"NICKNAME": "A", "nickName": "a", "title": "T", "id": "1"}));
        let mut o = before.clone();
        let mut root = Root::new(&mut o, true);
        let m = root.member("nickName");
        m.remove("NICKNAME");
        m.insert("nickName".into(), json!("b"));
        root.member("title").remove("title");
        root.member("locale").insert("LOCALE".into(), json!("fr"));
        // Saved once: a second change does not overwrite the first copy.
        root.member("NickName")
            .insert("nickName".into(), json!("c"));
        root.undo();
        assert_eq!(o, before);
    }

    #[test]
    fn without_undo_changes_stay() {
        let mut o = obj(json!({"title": "T"}));
        let mut root = Root::new(&mut o, false);
        root.member("title").insert("title".into(), json!("U"));
        root.undo();
        assert_eq!(o, obj(json!({"title": "U"})));
    }
}
