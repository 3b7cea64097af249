//! The undo log that makes [`apply_patch_in_place`](super::apply_patch_in_place)
//! atomic without copying the resource.
//!
//! # The one way in
//!
//! The engine reaches the resource only through the handles defined here:
//! [`Root`] for the top-level object, [`ObjMut`] for an object inside it,
//! [`Slot`] for one member of an object and [`ArrMut`] for an array. Any
//! of them can be read freely; each method that changes the resource
//! records in the [`Log`] how to undo the change. No `&mut` into the
//! resource ever leaves this module (the handles' fields are private), so
//! no change can bypass the log. Keep it so: a new kind of change is a new
//! method here, recording its own inverse.
//!
//! # What is recorded
//!
//! The inverse of each change, at the finest level, holding the old value
//! the change displaced (moved, not copied):
//!
//! - a member's value replaced: put the old value back;
//! - a member added: remove it;
//! - a member removed: insert its key and value back;
//! - a member renamed to the schema's spelling: rename it back;
//! - an element pushed onto an array: truncate to the old length;
//! - elements removed from an array: put each back at its index;
//! - a stored object pruned ([`Slot::prune`], rare): put a copy of the old
//!   value back.
//!
//! So a request copies nothing but such rare values, and a failed one
//! costs the replaying of its changes, last first. Each change also records where it happened:
//! a path of member names (the schema's spelling, see below) and array
//! indexes from the top-level object. The paths of a request share one
//! vector, so recording costs no allocation once it has grown. Replaying
//! last first means that every path leads, when its change is undone,
//! exactly where it led when the change was made.
//!
//! Members may be stored in any ASCII case. A handle renames a member to
//! the schema's spelling (a recorded change) before descending into it,
//! so the names on a path are always the keys actually stored.
//!
//! serde_json's maps keep their keys sorted unless its `preserve_order`
//! feature is on somewhere in the build; then adding, removing or
//! renaming a key can reorder the others. A change to the keys of an
//! object whose keys are not sorted also records their order, and undoing
//! it rebuilds that order; undoing any other change to the keys sorts them
//! (a no-op on sorted maps).

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::values::{needs_prune, other_spelling, prune};

type Obj = Map<String, Value>;

/// The top-level object of the resource being patched, and the log of the
/// changes made to it. Changes go through [`Root::top`].
pub(super) struct Root<'r, 's> {
    obj: &'r mut Obj,
    log: Log<'s>,
}

impl<'r, 's> Root<'r, 's> {
    /// `undoable` is false when the caller drops the resource on error:
    /// nothing is then recorded.
    pub(super) fn new(obj: &'r mut Obj, undoable: bool) -> Self {
        Root {
            obj,
            log: Log {
                on: undoable,
                // Enough for a typical request without growing, and
                // small enough for the allocator's fast path.
                steps: Vec::with_capacity(if undoable { 8 } else { 0 }),
                changes: Vec::with_capacity(if undoable { 8 } else { 0 }),
            },
        }
    }

    /// The top-level object, for changing.
    pub(super) fn top(&mut self) -> ObjMut<'_, 's> {
        ObjMut {
            obj: self.obj,
            log: &mut self.log,
            at: Path::TOP,
        }
    }

    /// Undoes every recorded change, last first, leaving the object as it
    /// was before the request.
    pub(super) fn undo(self) {
        let Log { steps, changes, .. } = self.log;
        for change in changes.into_iter().rev() {
            let Some(steps) = steps.get(change.at.start..change.at.start + change.at.len) else {
                continue;
            };
            if let Some(place) = locate(self.obj, steps) {
                change.inverse.apply(place);
            }
        }
    }
}

/// A change log: the inverse of each change, with where it happened.
struct Log<'s> {
    /// Whether anything is recorded.
    on: bool,
    /// The steps of every path, each path a range of it. Only ever
    /// appended to, so a range once handed out stays valid.
    steps: Vec<Step<'s>>,
    changes: Vec<Change<'s>>,
}

impl<'s> Log<'s> {
    /// The path to the member or element `step` of the value at `at`.
    fn child(&mut self, at: Path, step: Step<'s>) -> Path {
        if !self.on {
            return at;
        }
        let end = at.start + at.len;
        if end == self.steps.len() {
            // `at` is the last path made: extend it where it lies.
            self.steps.push(step);
            return Path {
                start: at.start,
                len: at.len + 1,
            };
        }
        let start = self.steps.len();
        // A copy of the steps of `at`; the check, always true as `at` is a
        // range of `steps`, keeps a broken path from panicking.
        if end < start {
            self.steps.extend_from_within(at.start..end);
        }
        self.steps.push(step);
        Path {
            start,
            len: at.len + 1,
        }
    }

    fn record(&mut self, at: Path, inverse: Inverse<'s>) {
        if self.on {
            self.changes.push(Change { at, inverse });
        }
    }

    /// The key order of `obj` if undoing a change to its keys must
    /// rebuild it, taken before the change.
    fn order(&self, obj: &Obj) -> Order {
        (self.on && !obj.keys().is_sorted()).then(|| obj.keys().cloned().collect())
    }
}

/// One step of a path: a member (stored under exactly this key) or an
/// array element.
#[derive(Clone, Copy)]
enum Step<'s> {
    Key(&'s str),
    Index(usize),
}

/// A path from the top-level object: a range of [`Log::steps`].
#[derive(Clone, Copy)]
struct Path {
    start: usize,
    len: usize,
}

impl Path {
    const TOP: Path = Path { start: 0, len: 0 };
}

/// A recorded change: what undoes it, applied to the object or array at
/// `at`.
struct Change<'s> {
    at: Path,
    inverse: Inverse<'s>,
}

/// A key order to rebuild, when not the sorted one (boxed: rare, and
/// it keeps [`Change`] small).
type Order = Option<Box<[String]>>;

/// What undoes one change.
enum Inverse<'s> {
    /// The member `key` was given a new value: put `old` back.
    Put { key: Cow<'s, str>, old: Value },
    /// The member `key` was added: remove it.
    Remove { key: Cow<'s, str>, order: Order },
    /// A member was removed: insert it back.
    Insert {
        key: String,
        value: Value,
        order: Order,
    },
    /// The member stored as `from` was renamed `to`: rename it back.
    Rename {
        from: String,
        to: Cow<'s, str>,
        order: Order,
    },
    /// Elements were pushed onto an array of length `len`.
    Truncate { len: usize },
    /// Elements were removed from an array: each with the index it had,
    /// in increasing order.
    Reinsert { removed: Vec<(usize, Value)> },
}

/// Where an inverse applies.
enum Place<'v> {
    Object(&'v mut Obj),
    Array(&'v mut Vec<Value>),
}

/// The object or array at the end of `steps`. `None` when the path leads
/// nowhere, which replaying in reverse order rules out.
fn locate<'v>(top: &'v mut Obj, steps: &[Step<'_>]) -> Option<Place<'v>> {
    let Some((first, rest)) = steps.split_first() else {
        return Some(Place::Object(top));
    };
    let Step::Key(k) = first else {
        return None;
    };
    let mut v = top.get_mut(*k)?;
    for step in rest {
        v = match (step, v) {
            (Step::Key(k), Value::Object(o)) => o.get_mut(*k)?,
            (Step::Index(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    match v {
        Value::Object(o) => Some(Place::Object(o)),
        Value::Array(a) => Some(Place::Array(a)),
        _ => None,
    }
}

impl Inverse<'_> {
    fn apply(self, place: Place<'_>) {
        match (self, place) {
            (Inverse::Put { key, old }, Place::Object(o)) => {
                if let Some(slot) = o.get_mut(key.as_ref()) {
                    *slot = old;
                }
            }
            (Inverse::Remove { key, order }, Place::Object(o)) => {
                o.remove(key.as_ref());
                restore_order(o, order);
            }
            (Inverse::Insert { key, value, order }, Place::Object(o)) => {
                o.insert(key, value);
                restore_order(o, order);
            }
            (Inverse::Rename { from, to, order }, Place::Object(o)) => {
                if let Some(v) = o.remove(to.as_ref()) {
                    o.insert(from, v);
                }
                restore_order(o, order);
            }
            (Inverse::Truncate { len }, Place::Array(a)) => a.truncate(len),
            (Inverse::Reinsert { removed }, Place::Array(a)) => {
                let kept = std::mem::take(a);
                let mut kept = kept.into_iter();
                for (index, value) in removed {
                    while a.len() < index {
                        match kept.next() {
                            Some(v) => a.push(v),
                            None => break,
                        }
                    }
                    a.push(value);
                }
                a.extend(kept);
            }
            // A path leading to the wrong kind of value: ruled out like
            // one leading nowhere.
            _ => {}
        }
    }
}

/// Puts the keys of `obj` back in `order`, or sorts them.
fn restore_order(obj: &mut Obj, order: Order) {
    match order {
        // A no-op unless keys keep insertion order.
        None => obj.sort_keys(),
        Some(order) => {
            let mut rest = std::mem::take(obj);
            for k in order.into_vec() {
                if let Some((k, v)) = rest.remove_entry(&k) {
                    obj.insert(k, v);
                }
            }
            obj.append(&mut rest);
        }
    }
}

/// An object of the resource, for changing: every change is recorded.
pub(super) struct ObjMut<'a, 's> {
    obj: &'a mut Obj,
    log: &'a mut Log<'s>,
    /// The path to this object.
    at: Path,
}

impl<'a, 's> ObjMut<'a, 's> {
    pub(super) fn read(&self) -> &Obj {
        self.obj
    }

    /// A shorter-lived handle to the same object, so that this one can be
    /// used again after a method that consumes its handle.
    pub(super) fn reborrow(&mut self) -> ObjMut<'_, 's> {
        ObjMut {
            obj: self.obj,
            log: self.log,
            at: self.at,
        }
    }

    /// The member `name` (the schema's spelling), for changing; a member
    /// stored in another spelling is renamed to `name` first. `None` when
    /// there is none.
    pub(super) fn member(&mut self, name: &'s str) -> Option<Slot<'_, 's>> {
        self.reborrow().into_member(name)
    }

    /// [`ObjMut::member`] for the whole lifetime of this handle, which it
    /// consumes.
    pub(super) fn into_member(mut self, name: &'s str) -> Option<Slot<'a, 's>> {
        if !self.obj.contains_key(name) && !self.rename_to(name) {
            return None;
        }
        Some(Slot {
            obj: self.obj,
            key: name,
            log: self.log,
            at: self.at,
        })
    }

    /// [`ObjMut::member`], inserted as `make()` when there is none.
    pub(super) fn member_or_insert(
        &mut self,
        name: &'s str,
        make: impl FnOnce() -> Value,
    ) -> Slot<'_, 's> {
        self.reborrow().into_member_or_insert(name, make)
    }

    /// [`ObjMut::member_or_insert`] for the whole lifetime of this handle,
    /// which it consumes.
    pub(super) fn into_member_or_insert(
        mut self,
        name: &'s str,
        make: impl FnOnce() -> Value,
    ) -> Slot<'a, 's> {
        if !self.obj.contains_key(name) && !self.rename_to(name) {
            let order = self.log.order(self.obj);
            self.obj.insert(name.to_owned(), make());
            self.log.record(
                self.at,
                Inverse::Remove {
                    key: Cow::Borrowed(name),
                    order,
                },
            );
        }
        Slot {
            obj: self.obj,
            key: name,
            log: self.log,
            at: self.at,
        }
    }

    /// Sets the member `name`, replacing it in any spelling.
    pub(super) fn set(&mut self, name: impl Into<Cow<'s, str>>, value: Value) {
        let name = name.into();
        if !self.obj.contains_key(name.as_ref()) {
            self.rename_to(name.clone());
        }
        if let Some(slot) = self.obj.get_mut(name.as_ref()) {
            let old = std::mem::replace(slot, value);
            self.log.record(self.at, Inverse::Put { key: name, old });
        } else {
            let order = self.log.order(self.obj);
            self.obj.insert(name.clone().into_owned(), value);
            self.log
                .record(self.at, Inverse::Remove { key: name, order });
        }
    }

    /// Removes the member `name` in any spelling (the schema's first).
    pub(super) fn remove(&mut self, name: &str) {
        let order = self.log.order(self.obj);
        let removed = match self.obj.remove_entry(name) {
            Some(entry) => Some(entry),
            None => match other_spelling(self.obj, name).cloned() {
                Some(key) => self.obj.remove_entry(&key),
                None => None,
            },
        };
        if let Some((key, value)) = removed {
            self.log
                .record(self.at, Inverse::Insert { key, value, order });
        }
    }

    /// Renames a member stored in another spelling than `name` to `name`.
    /// Returns whether there was one.
    fn rename_to(&mut self, name: impl Into<Cow<'s, str>>) -> bool {
        let name = name.into();
        let Some(from) = other_spelling(self.obj, &name).cloned() else {
            return false;
        };
        let order = self.log.order(self.obj);
        let Some((from, v)) = self.obj.remove_entry(&from) else {
            return false;
        };
        self.obj.insert(name.clone().into_owned(), v);
        self.log.record(
            self.at,
            Inverse::Rename {
                from,
                to: name,
                order,
            },
        );
        true
    }
}

/// A member of an object of the resource, present under the schema's
/// spelling, for changing.
pub(super) struct Slot<'a, 's> {
    /// The object holding the member.
    obj: &'a mut Obj,
    key: &'s str,
    log: &'a mut Log<'s>,
    /// The path to `obj`.
    at: Path,
}

impl<'a, 's> Slot<'a, 's> {
    pub(super) fn read(&self) -> &Value {
        static ABSENT: Value = Value::Null;
        self.obj.get(self.key).unwrap_or(&ABSENT)
    }

    /// Replaces the member's value.
    pub(super) fn set(&mut self, value: Value) {
        ObjMut {
            obj: self.obj,
            log: self.log,
            at: self.at,
        }
        .set(self.key, value);
    }

    /// The member's value, if it is an object, for changing.
    pub(super) fn into_object(self) -> Option<ObjMut<'a, 's>> {
        match self.obj.get_mut(self.key) {
            Some(Value::Object(obj)) => Some(ObjMut {
                obj,
                at: self.log.child(self.at, Step::Key(self.key)),
                log: self.log,
            }),
            _ => None,
        }
    }

    /// The member's value, if it is an array, for changing.
    pub(super) fn into_array(self) -> Option<ArrMut<'a, 's>> {
        match self.obj.get_mut(self.key) {
            Some(Value::Array(arr)) => Some(ArrMut {
                arr,
                at: self.log.child(self.at, Step::Key(self.key)),
                log: self.log,
            }),
            _ => None,
        }
    }

    /// Prunes the member's value ([`prune`]) and returns whether it is now
    /// unassigned. Only stored values hold what pruning removes (the
    /// engine prunes what it writes), so this is rare and the whole old
    /// value is copied.
    pub(super) fn prune(self) -> bool {
        let Some(v) = self.obj.get_mut(self.key) else {
            return false;
        };
        if !needs_prune(v) {
            return false;
        }
        if self.log.on {
            let old = v.clone();
            self.log.record(
                self.at,
                Inverse::Put {
                    key: Cow::Borrowed(self.key),
                    old,
                },
            );
        }
        prune(v)
    }
}

/// An array of the resource, for changing.
pub(super) struct ArrMut<'a, 's> {
    arr: &'a mut Vec<Value>,
    log: &'a mut Log<'s>,
    /// The path to this array.
    at: Path,
}

impl<'s> ArrMut<'_, 's> {
    pub(super) fn read(&self) -> &[Value] {
        self.arr
    }

    pub(super) fn push(&mut self, value: Value) {
        let len = self.arr.len();
        self.arr.push(value);
        self.log.record(self.at, Inverse::Truncate { len });
    }

    /// Removes the element at `index`, if there is one.
    pub(super) fn remove(&mut self, index: usize) {
        if index < self.arr.len() {
            let value = self.arr.remove(index);
            let removed = if self.log.on {
                vec![(index, value)]
            } else {
                Vec::new()
            };
            self.log.record(self.at, Inverse::Reinsert { removed });
        }
    }

    /// Keeps only the elements for which `keep` is true, like
    /// [`Vec::retain`]: one pass however many go (removing members from
    /// a large group), recorded as one change holding the removed
    /// elements with their indexes.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&Value) -> bool) {
        let Some(first) = self.arr.iter().position(|e| !keep(e)) else {
            return;
        };
        let tail = self.arr.split_off(first);
        let mut removed = Vec::new();
        for (offset, value) in tail.into_iter().enumerate() {
            // The first was tested already: it goes.
            if offset > 0 && keep(&value) {
                self.arr.push(value);
            } else if self.log.on {
                removed.push((first + offset, value));
            }
        }
        self.log.record(self.at, Inverse::Reinsert { removed });
    }

    /// The element at `index`, if it is an object, for changing.
    pub(super) fn element(&mut self, index: usize) -> Option<ObjMut<'_, 's>> {
        if !self.arr.get(index).is_some_and(Value::is_object) {
            return None;
        }
        let at = self.log.child(self.at, Step::Index(index));
        match self.arr.get_mut(index) {
            Some(Value::Object(obj)) => Some(ObjMut {
                obj,
                log: self.log,
                at,
            }),
            _ => None,
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

    /// Every kind of change, at every depth, undone.
    #[test]
    fn undo_reverts_every_kind_of_change() {
        let before = obj(json!({
            "NICKNAME": "A", "nickName": "a", "title": "T", "id": "1", "Emails": {"value": "x"},
            "ext": {"Manager": {"value": "m"}, "tags": [{"v": 1, "k": 2}, {"v": 2}, 3]},
            "nulls": {"a": null, "b": 1},
        }));
        let mut o = before.clone();
        let mut root = Root::new(&mut o, true);
        let mut top = root.top();
        // Replaced; removed, in both spellings; added; renamed, then
        // replaced.
        top.set("title", json!("U"));
        top.remove("nickName");
        top.remove("nickName");
        top.set("locale", json!("fr"));
        top.member_or_insert("displayName", || json!("D"));
        top.member("emails").unwrap().set(json!([{"value": "x"}]));
        // Nested: an object's members, an array's elements.
        let mut ext = top.member("ext").unwrap().into_object().unwrap();
        ext.member("manager")
            .unwrap()
            .into_object()
            .unwrap()
            .set("value", json!("n"));
        let mut tags = ext.member("tags").unwrap().into_array().unwrap();
        tags.push(json!(4));
        tags.element(0).unwrap().set("v", json!(9));
        tags.element(0).unwrap().remove("k");
        tags.element(1).unwrap().set("w", json!(1));
        assert!(tags.element(2).is_none());
        tags.retain(|e| e.is_object());
        tags.remove(0);
        assert!(!top.member("nulls").unwrap().prune());
        assert_eq!(
            Value::Object(root.top().read().clone()),
            json!({
                "title": "U", "id": "1", "locale": "fr", "displayName": "D",
                "emails": [{"value": "x"}],
                "ext": {"manager": {"value": "n"}, "tags": [{"v": 2, "w": 1}]},
                "nulls": {"b": 1},
            })
        );
        root.undo();
        assert_eq!(o, before);
    }

    /// Elements removed here and there by one `retain` go back where they
    /// were, among those it kept.
    #[test]
    fn retain_is_undone_in_place() {
        let before = obj(json!({"members": [0, 1, 2, 3, 4, 5, 6]}));
        let mut o = before.clone();
        let mut root = Root::new(&mut o, true);
        let mut top = root.top();
        let mut members = top.member("members").unwrap().into_array().unwrap();
        members.retain(|e| e.as_u64().is_some_and(|n| n % 3 == 1));
        assert_eq!(members.read(), [json!(1), json!(4)]);
        root.undo();
        assert_eq!(o, before);
    }

    #[test]
    fn pruning_is_undone() {
        let before = obj(json!({"ext": {"a": null, "b": []}, "id": "1"}));
        let mut o = before.clone();
        let mut root = Root::new(&mut o, true);
        let mut top = root.top();
        assert!(top.member("ext").unwrap().prune());
        assert_eq!(top.read()["ext"], json!({}));
        top.remove("ext");
        root.undo();
        assert_eq!(o, before);
    }

    #[test]
    fn without_undo_changes_stay() {
        let mut o = obj(json!({"title": "T", "tags": [1]}));
        let mut root = Root::new(&mut o, false);
        let mut top = root.top();
        top.set("title", json!("U"));
        top.member("tags")
            .unwrap()
            .into_array()
            .unwrap()
            .push(json!(2));
        root.undo();
        assert_eq!(o, obj(json!({"title": "U", "tags": [1, 2]})));
    }

    #[test]
    fn restore_order_rebuilds_the_given_order() {
        let mut o = obj(json!({"a": 1, "b": 2, "c": 3}));
        restore_order(&mut o, Some(Box::new(["c".into(), "a".into()])));
        // Keys sorted by the map unless `preserve_order` is on; then in
        // the order given, with the keys it leaves out last.
        let keys: Vec<&str> = o.keys().map(String::as_str).collect();
        assert!(
            keys == ["a", "b", "c"] || keys == ["c", "a", "b"],
            "{keys:?}"
        );
    }
}
