//! The undo log that makes [`apply_patch_in_place`](super::apply_patch_in_place)
//! atomic without copying the resource.
//!
//! The engine reaches the resource's top-level object only through
//! [`Root`]: reading is free, and the one way to change it,
//! [`Root::member`], first saves the member about to change. On error
//! the saved members are put back, so a failed request costs the copies
//! of what it touched, and a successful one no more.

use std::borrow::Cow;

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
    /// The names of the saved members (schema spellings), in saving order.
    names: Vec<&'s str>,
    /// Their keys (every key equal to a name ignoring ASCII case) with
    /// their values. A key spelled as its name, the usual case, borrows
    /// the name rather than being copied; an absent member has no entry.
    entries: Vec<(Cow<'s, str>, Value)>,
    /// The original key order when it is not the sorted one, which only
    /// happens when serde_json's `preserve_order` feature is on somewhere
    /// in the build: restoring then rebuilds the object in that order.
    order: Option<Vec<String>>,
}

impl<'s> Undo<'s> {
    fn new(root: &Obj) -> Self {
        let sorted = root.keys().is_sorted();
        Undo {
            // Enough for a typical request without growing.
            names: Vec::with_capacity(8),
            entries: Vec::with_capacity(8),
            order: (!sorted).then(|| root.keys().cloned().collect()),
        }
    }

    fn save(&mut self, root: &Obj, name: &'s str) {
        if self.names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            return;
        }
        self.names.push(name);
        let saved = root.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name));
        self.entries.extend(saved.map(|(k, v)| {
            let key = if k == name {
                Cow::Borrowed(name)
            } else {
                Cow::Owned(k.clone())
            };
            (key, v.clone())
        }));
    }

    fn restore(self, root: &mut Obj) {
        // Only saved members changed, and names differ in more than case,
        // so removing every spelling of each and putting the saved keys
        // back restores the keys and their values.
        for name in self.names.iter().rev() {
            root.retain(|k, _| !k.eq_ignore_ascii_case(name));
        }
        for (k, v) in self.entries.into_iter().rev() {
            root.insert(k.into_owned(), v);
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
