//! [`apply_patch`]: running a [`PatchRequest`] against a resource.

use serde_json::{Map, Value};

use super::request::{PatchOp, PatchOperation, PatchRequest};
use super::target::{self, AttrTarget, ElementFilter, Target};
use super::undo::{ArrMut, ObjMut, Root, Slot};
use super::values::{designates, get, holds, is_primary, is_unassigned, prune, set};
use crate::compat::Compat;
use crate::error::{Result, ScimError};
use crate::resource::{validate_element, validate_value, validate_value_at};
use crate::schema::{AttrType, Attribute, Mutability, ResourceSchema, Schema};

/// Applies `request` to `resource` (a resource of the type `schema`
/// describes) and returns the new resource.
///
/// The input is not modified; when any operation fails, the error is
/// returned and nothing changes (RFC 7644 §3.5.2: a PATCH is atomic). The
/// error's detail names the failing operation's index. See the
/// [module documentation](super) for the semantics.
pub fn apply_patch(
    schema: &ResourceSchema<'_>,
    resource: &Value,
    request: &PatchRequest,
    compat: &Compat,
) -> Result<Value> {
    apply_patch_owned(schema, resource.clone(), request, compat)
}

/// [`apply_patch`] on a resource the caller owns and no longer needs in
/// its old form (one just read from a store): it saves the copy, which is
/// most of the cost of a small PATCH. On error the resource is dropped and
/// the error returned; the stored copy is what stays unchanged.
pub fn apply_patch_owned(
    schema: &ResourceSchema<'_>,
    resource: Value,
    request: &PatchRequest,
    compat: &Compat,
) -> Result<Value> {
    let mut out = resource;
    // The resource is dropped on error: nothing to undo.
    run(schema, &mut out, request, compat, false)?;
    Ok(out)
}

/// Applies `request` to `resource` in place. On error `resource` is left
/// exactly as it was (byte for byte) and the error is returned
/// (RFC 7644 §3.5.2: a PATCH is atomic); the error's detail names the
/// failing operation's index.
///
/// Atomic like [`apply_patch`] without copying the resource: each change
/// records how to undo it, keeping the value it displaced (a replaced
/// value, a removed element or member), and on error the changes are
/// undone, last first. Nothing is copied but for rare shapes of stored
/// data (nulls to prune in an extension object, one value stored where the
/// schema says many). See the [module documentation](super) for the
/// semantics.
pub fn apply_patch_in_place(
    schema: &ResourceSchema<'_>,
    resource: &mut Value,
    request: &PatchRequest,
    compat: &Compat,
) -> Result<()> {
    run(schema, resource, request, compat, true)
}

/// Runs `request` on `resource`; with `undoable`, a failed request leaves
/// `resource` as it was.
fn run(
    schema: &ResourceSchema<'_>,
    resource: &mut Value,
    request: &PatchRequest,
    compat: &Compat,
    undoable: bool,
) -> Result<()> {
    let obj = resource
        .as_object_mut()
        .ok_or_else(|| ScimError::internal("the resource to patch is not a JSON object"))?;
    let mut root = Root::new(obj, undoable);
    let mut engine = Engine {
        schema,
        compat,
        extensions_touched: false,
    };
    let result = engine.run(&mut root, request);
    if result.is_err() {
        root.undo();
    }
    result
}

fn at_operation(e: ScimError, index: usize) -> ScimError {
    ScimError::new(
        e.status(),
        e.scim_type(),
        format!("Operations[{index}]: {}", e.detail()),
    )
}

type Obj = Map<String, Value>;

struct Engine<'a, 's> {
    schema: &'a ResourceSchema<'s>,
    compat: &'a Compat,
    /// Whether an operation wrote or removed inside an extension, so that
    /// `schemas` must be brought in line at the end.
    extensions_touched: bool,
}

impl<'s> Engine<'_, 's> {
    fn run(&mut self, root: &mut Root<'_, 's>, request: &PatchRequest) -> Result<()> {
        for (i, op) in request.operations.iter().enumerate() {
            self.operation(root, op).map_err(|e| at_operation(e, i))?;
        }
        if self.extensions_touched {
            self.sync_extensions(root)?;
        }
        Ok(())
    }

    fn operation(&mut self, root: &mut Root<'_, 's>, op: &PatchOperation) -> Result<()> {
        match (&op.path, op.op) {
            (None, PatchOp::Remove) => Err(ScimError::no_target("remove needs a path")),
            (None, mode) => match &op.value {
                Some(Value::Object(attrs)) => self.no_path(root, None, attrs, mode),
                _ => Err(ScimError::invalid_value(format!(
                    "{mode} without a path needs an object of attributes as its value"
                ))),
            },
            (Some(path), PatchOp::Remove) => {
                let t = target::resolve(self.schema, path)?;
                self.remove(root, t, op.value.as_ref())
            }
            (Some(path), mode) => {
                let t = target::resolve(self.schema, path)?;
                let v = op
                    .value
                    .as_ref()
                    .ok_or_else(|| ScimError::invalid_value(format!("{mode} needs a value")))?;
                self.write(root, t, v, mode)
            }
        }
    }

    /// `add`/`replace` without a path (or to a whole extension): each key
    /// of `attrs` names an attribute.
    fn no_path(
        &mut self,
        root: &mut Root<'_, 's>,
        ext: Option<&'s Schema>,
        attrs: &Obj,
        mode: PatchOp,
    ) -> Result<()> {
        for (key, v) in attrs {
            if key.eq_ignore_ascii_case("schemas") {
                // Clients echo `schemas` inside values; `schemas` follows
                // from which extensions are present, never from input.
                continue;
            }
            let attr = match ext {
                Some(ext) => ext.attribute(key),
                None => {
                    if let Some(ext) = self.schema.extension(key) {
                        self.write(root, Target::Extension(ext), v, mode)?;
                        continue;
                    }
                    if key.eq_ignore_ascii_case(&self.schema.core.id) {
                        // The core schema's attributes, grouped under its
                        // URN as some clients send them.
                        let Value::Object(core) = v else {
                            return Err(ScimError::invalid_value(format!(
                                "the value for {key} must be an object of its attributes"
                            )));
                        };
                        self.no_path(root, None, core, mode)?;
                        continue;
                    }
                    if key.contains([':', '.']) {
                        let path = target::parse_path(key)?;
                        let t = target::resolve(self.schema, &path)?;
                        self.write(root, t, v, mode)?;
                        continue;
                    }
                    self.schema.resolve(None, key).map(|loc| loc.attribute)
                }
            };
            match attr {
                Some(attr) => {
                    let t = AttrTarget {
                        ext,
                        attr,
                        sub: None,
                        filter: None,
                    };
                    self.write(root, Target::Attr(t), v, mode)?;
                }
                None if self.compat.drop_undefined_attributes => {}
                None => {
                    return Err(ScimError::invalid_value(format!(
                        "no attribute {key}{}",
                        ext.map(|e| format!(" in {}", e.id)).unwrap_or_default()
                    )))
                }
            }
        }
        Ok(())
    }

    /// `add` or `replace` of `v` at `t`.
    fn write(
        &mut self,
        root: &mut Root<'_, 's>,
        t: Target<'s, '_>,
        v: &Value,
        mode: PatchOp,
    ) -> Result<()> {
        let t = match t {
            Target::Extension(ext) => {
                return match v {
                    Value::Object(attrs) => {
                        self.extensions_touched = true;
                        self.no_path(root, Some(ext), attrs, mode)
                    }
                    Value::Null if mode == PatchOp::Replace => {
                        self.remove(root, Target::Extension(ext), None)
                    }
                    Value::Null => Ok(()),
                    _ => Err(ScimError::invalid_value(format!(
                        "the value for {} must be an object of its attributes",
                        ext.id
                    ))),
                };
            }
            Target::Attr(t) => t,
        };
        if v.is_null() {
            return match mode {
                PatchOp::Replace => self.remove(root, Target::Attr(t), None),
                _ => Ok(()),
            };
        }
        let mut v = match (t.sub, &t.filter) {
            (Some(sub), _) => validate_value_at(t.attr, Some(sub), v.clone(), self.compat)?,
            (None, Some(_)) => Value::Object(self.validate_element(t.attr, v.clone())?),
            (None, None) => validate_value(t.attr, v.clone(), self.compat)?,
        };
        if prune(&mut v) {
            return match mode {
                PatchOp::Replace => self.remove(root, Target::Attr(t), None),
                _ => Ok(()),
            };
        }
        let mut container = self.container(root, &t)?;
        let c = &mut container;
        match (t.sub, &t.filter) {
            (sub, Some(filter)) => self.write_filtered(c, t.attr, sub, filter, v, mode),
            (Some(sub), None) if t.attr.multi_valued => write_sub_of_all(c, t.attr, sub, v),
            (Some(sub), None) => write_sub(c, t.attr, sub, v),
            (None, None) => write_whole(c, t.attr, v, mode),
        }
    }

    fn write_filtered(
        &self,
        container: &mut ObjMut<'_, 's>,
        attr: &'s Attribute,
        sub: Option<&'s Attribute>,
        filter: &ElementFilter<'_>,
        v: Value,
        mode: PatchOp,
    ) -> Result<()> {
        let mut arr = array_slot(container, attr)?;
        let matched: Vec<usize> = arr
            .read()
            .iter()
            .enumerate()
            .filter(|(_, e)| filter.matches(e))
            .map(|(i, _)| i)
            .collect();
        let Some(&first) = matched.first() else {
            if mode == PatchOp::Replace && !self.compat.replace_no_target_adds {
                return Err(ScimError::no_target(format!(
                    "the filter on {} matched no value",
                    attr.name
                )));
            }
            let mut element = filter.new_element(attr).ok_or_else(|| {
                ScimError::no_target(format!(
                    "the filter on {} matched no value, and only a filter of eq terms \
                     joined by and can describe a new one",
                    attr.name
                ))
            })?;
            match (sub, v) {
                (Some(sub), v) => set(&mut element, &sub.name, v),
                (None, Value::Object(given)) => {
                    for (k, sv) in given {
                        set(&mut element, &k, sv);
                    }
                }
                (None, _) => return Err(not_an_element(attr)),
            }
            // The filter's literals have not been checked against the
            // sub-attributes' types yet.
            let element = self.validate_element(attr, Value::Object(element))?;
            check_append(attr, arr.read())?;
            let primary = is_primary_obj(&element);
            arr.push(Value::Object(element));
            if primary {
                let last = arr.read().len() - 1;
                clear_primary_except(&mut arr, last);
            }
            return Ok(());
        };
        let sets_primary = match sub {
            Some(sub) => is_primary_sub(sub) && v == Value::Bool(true),
            None => is_primary(&v),
        };
        if sets_primary && matched.len() > 1 {
            return Err(two_primaries(attr));
        }
        match (sub, v) {
            (Some(sub), v) => {
                let m = effective_mutability(attr, sub);
                for &i in &matched {
                    if let Some(mut element) = arr.element(i) {
                        check_write(m, &sub.name, get(element.read(), &sub.name), &v)?;
                        element.set(&sub.name, v.clone());
                    }
                }
            }
            (None, Value::Object(given)) => {
                for &i in &matched {
                    if let Some(mut element) = arr.element(i) {
                        merge_into(&mut element, attr, given.clone())?;
                    }
                }
            }
            (None, _) => return Err(not_an_element(attr)),
        }
        if sets_primary {
            clear_primary_except(&mut arr, first);
        }
        Ok(())
    }

    /// `remove` at `t`, or the unassigning done by a `replace` with an
    /// unassigned value. `value` is the `remove` operation's value, if any.
    fn remove(
        &mut self,
        root: &mut Root<'_, 's>,
        t: Target<'s, '_>,
        value: Option<&Value>,
    ) -> Result<()> {
        let t = match t {
            Target::Extension(ext) => {
                self.extensions_touched = true;
                if self.extension_required(ext) {
                    return Err(ScimError::mutability(format!(
                        "the extension {} is required",
                        ext.id
                    )));
                }
                root.top().remove(&ext.id);
                return Ok(());
            }
            Target::Attr(t) => t,
        };
        if t.attr.mutability == Mutability::ReadOnly {
            return Err(read_only(&t.attr.name));
        }
        let container = match t.ext {
            None => Some(root.top()),
            Some(ext) => {
                self.extensions_touched = true;
                root.top().into_member(&ext.id).and_then(Slot::into_object)
            }
        };
        match (t.sub, &t.filter, value) {
            (sub, Some(filter), _) => remove_filtered(container, t.attr, sub, filter),
            (Some(sub), None, _) => remove_sub(container, t.attr, sub),
            (None, None, Some(values)) if t.attr.multi_valued && !values.is_null() => {
                remove_values(container, t.attr, values)
            }
            (None, None, _) => remove_whole(container, t.attr),
        }
    }

    /// The object holding `t`'s attribute, for writing it: the top-level
    /// object, or the extension's object, created when absent.
    fn container<'r>(
        &mut self,
        root: &'r mut Root<'_, 's>,
        t: &AttrTarget<'s, '_>,
    ) -> Result<ObjMut<'r, 's>> {
        let Some(ext) = t.ext else {
            return Ok(root.top());
        };
        self.extensions_touched = true;
        let mut slot = root
            .top()
            .into_member_or_insert(&ext.id, || Value::Object(Map::new()));
        if slot.read().is_null() {
            slot.set(Value::Object(Map::new()));
        }
        slot.into_object()
            .ok_or_else(|| ScimError::invalid_value(format!("{} is not an object", ext.id)))
    }

    fn extension_required(&self, ext: &Schema) -> bool {
        self.schema
            .extensions
            .iter()
            .any(|(s, required)| *required && std::ptr::eq(*s, ext))
    }

    /// Drops emptied extension objects and makes `schemas` list exactly
    /// the extensions present.
    fn sync_extensions(&self, root: &mut Root<'_, 's>) -> Result<()> {
        for (ext, required) in &self.schema.extensions {
            // Renamed to the schema's spelling and pruned, as need be:
            // neither records anything when there is no need.
            let mut top = root.top();
            let emptied = top.member(&ext.id).map(Slot::prune);
            if emptied == Some(true) {
                top.remove(&ext.id);
            }
            let present = emptied == Some(false);
            if *required && !present {
                return Err(ScimError::mutability(format!(
                    "the extension {} is required",
                    ext.id
                )));
            }
            let schemas = top.into_member_or_insert("schemas", || {
                Value::Array(vec![Value::String(self.schema.core.id.clone())])
            });
            let Some(mut list) = schemas.into_array() else {
                return Err(ScimError::invalid_value("schemas is not an array"));
            };
            let listed = list
                .read()
                .iter()
                .position(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(&ext.id)));
            match (present, listed) {
                (true, None) => list.push(Value::String(ext.id.clone())),
                (false, Some(i)) => list.remove(i),
                _ => {}
            }
        }
        Ok(())
    }

    /// Validates one element of a multi-valued complex attribute.
    fn validate_element(&self, attr: &Attribute, v: Value) -> Result<Obj> {
        let v = match v {
            Value::Array(mut a) if a.len() == 1 => a.pop().unwrap_or(Value::Null),
            v @ Value::Object(_) => v,
            _ => return Err(not_an_element(attr)),
        };
        match validate_element(attr, v, self.compat)? {
            Value::Object(m) => Ok(m),
            // An unassigned element: the caller treats it as unassigning.
            Value::Null => Ok(Map::new()),
            _ => Err(not_an_element(attr)),
        }
    }
}

/// `add`/`replace` of a whole attribute.
fn write_whole<'s>(
    container: &mut ObjMut<'_, 's>,
    attr: &'s Attribute,
    v: Value,
    mode: PatchOp,
) -> Result<()> {
    let name = attr.name.as_str();
    if attr.multi_valued {
        let Value::Array(new) = v else {
            return Err(ScimError::invalid_value(format!("{name} takes an array")));
        };
        if new.iter().filter(|e| is_primary(e)).count() > 1 {
            return Err(two_primaries(attr));
        }
        if mode == PatchOp::Replace {
            let new = Value::Array(new);
            check_write(attr.mutability, name, get(container.read(), name), &new)?;
            container.set(name, new);
            return Ok(());
        }
        let mut arr = array_slot(container, attr)?;
        let mut primary_at = None;
        for e in new {
            if arr.read().iter().any(|x| holds(x, &e)) {
                continue;
            }
            check_append(attr, arr.read())?;
            if is_primary(&e) {
                primary_at = Some(arr.read().len());
            }
            arr.push(e);
        }
        if let Some(i) = primary_at {
            clear_primary_except(&mut arr, i);
        }
        return Ok(());
    }
    if attr.ty == AttrType::Complex {
        let Value::Object(new) = v else {
            return Err(ScimError::invalid_value(format!("{name} takes an object")));
        };
        if attr.mutability != Mutability::ReadWrite && attr.mutability != Mutability::WriteOnly {
            let new = Value::Object(new);
            check_write(attr.mutability, name, get(container.read(), name), &new)?;
            let Value::Object(new) = new else {
                return Ok(());
            };
            return merge_into(&mut object_slot(container, name)?, attr, new);
        }
        return merge_into(&mut object_slot(container, name)?, attr, new);
    }
    check_write(attr.mutability, name, get(container.read(), name), &v)?;
    container.set(name, v);
    Ok(())
}

/// `add`/`replace` of a sub-attribute of a single-valued complex
/// attribute (`name.familyName`).
fn write_sub<'s>(
    container: &mut ObjMut<'_, 's>,
    attr: &'s Attribute,
    sub: &'s Attribute,
    v: Value,
) -> Result<()> {
    let m = effective_mutability(attr, sub);
    let mut obj = object_slot(container, &attr.name)?;
    check_write(m, &sub.name, get(obj.read(), &sub.name), &v)?;
    obj.set(&sub.name, v);
    Ok(())
}

/// `add`/`replace` of a sub-attribute of every element of a multi-valued
/// attribute (`emails.type`); with no elements, one is created.
fn write_sub_of_all<'s>(
    container: &mut ObjMut<'_, 's>,
    attr: &'s Attribute,
    sub: &'s Attribute,
    v: Value,
) -> Result<()> {
    let m = effective_mutability(attr, sub);
    let mut arr = array_slot(container, attr)?;
    if arr.read().is_empty() {
        check_append(attr, arr.read())?;
        let mut element = Map::new();
        element.insert(sub.name.clone(), v);
        arr.push(Value::Object(element));
        return Ok(());
    }
    if is_primary_sub(sub) && v == Value::Bool(true) && arr.read().len() > 1 {
        return Err(two_primaries(attr));
    }
    for i in 0..arr.read().len() {
        if let Some(mut element) = arr.element(i) {
            check_write(m, &sub.name, get(element.read(), &sub.name), &v)?;
            element.set(&sub.name, v.clone());
        }
    }
    Ok(())
}

/// Merges validated sub-attributes into a complex value.
fn merge_into<'s>(existing: &mut ObjMut<'_, 's>, attr: &'s Attribute, given: Obj) -> Result<()> {
    for (k, v) in given {
        match attr.sub_attribute(&k) {
            Some(sub) => {
                let m = effective_mutability(attr, sub);
                check_write(m, &sub.name, get(existing.read(), &sub.name), &v)?;
                existing.set(&sub.name, v);
            }
            None => existing.set(k, v),
        }
    }
    Ok(())
}

fn remove_whole(container: Option<ObjMut<'_, '_>>, attr: &Attribute) -> Result<()> {
    if attr.required {
        return Err(required(&attr.name));
    }
    let Some(mut c) = container else {
        return Ok(());
    };
    if attr.mutability == Mutability::Immutable
        && get(c.read(), &attr.name).is_some_and(|v| !is_unassigned(v))
    {
        return Err(immutable(&attr.name));
    }
    c.remove(&attr.name);
    Ok(())
}

/// `remove` with a value list on a multi-valued attribute.
fn remove_values<'s>(
    container: Option<ObjMut<'_, 's>>,
    attr: &'s Attribute,
    removal: &Value,
) -> Result<()> {
    let items = match removal {
        Value::Array(a) => a.as_slice(),
        one => std::slice::from_ref(one),
    };
    let Some(mut c) = container else {
        return Ok(());
    };
    let Some(mut arr) = c.member(&attr.name).and_then(Slot::into_array) else {
        return Ok(());
    };
    let before = arr.read().len();
    arr.retain(|e| !items.iter().any(|r| designates(r, e)));
    if arr.read().len() != before && attr.mutability == Mutability::Immutable {
        return Err(immutable(&attr.name));
    }
    if arr.read().is_empty() {
        if attr.required {
            return Err(required(&attr.name));
        }
        c.remove(&attr.name);
    }
    Ok(())
}

/// `remove` of a sub-attribute without a filter: of the single value, or
/// of every element.
fn remove_sub<'s>(
    container: Option<ObjMut<'_, 's>>,
    attr: &'s Attribute,
    sub: &Attribute,
) -> Result<()> {
    let m = effective_mutability(attr, sub);
    if m == Mutability::ReadOnly {
        return Err(read_only(&sub.name));
    }
    if sub.required {
        return Err(required(&sub.name));
    }
    let Some(mut c) = container else {
        return Ok(());
    };
    let Some(current) = c.member(&attr.name) else {
        return Ok(());
    };
    if current.read().is_object() {
        if let Some(mut o) = current.into_object() {
            take_sub(&mut o, sub, m)?;
        }
    } else if let Some(mut a) = current.into_array() {
        for i in 0..a.read().len() {
            if let Some(mut o) = a.element(i) {
                take_sub(&mut o, sub, m)?;
            }
        }
        a.retain(|e| !is_unassigned(e));
    }
    let emptied = get(c.read(), &attr.name).is_some_and(is_unassigned);
    if emptied {
        if attr.required {
            return Err(required(&attr.name));
        }
        c.remove(&attr.name);
    }
    Ok(())
}

/// `remove` through a value filter; 400 noTarget when nothing matches.
fn remove_filtered<'s>(
    container: Option<ObjMut<'_, 's>>,
    attr: &'s Attribute,
    sub: Option<&Attribute>,
    filter: &ElementFilter<'_>,
) -> Result<()> {
    let no_target =
        || ScimError::no_target(format!("the filter on {} matched no value", attr.name));
    let Some(mut c) = container else {
        return Err(no_target());
    };
    let Some(mut arr) = c.member(&attr.name).and_then(Slot::into_array) else {
        return Err(no_target());
    };
    if !arr.read().iter().any(|e| filter.matches(e)) {
        return Err(no_target());
    }
    match sub {
        None => {
            if attr.mutability == Mutability::Immutable {
                return Err(immutable(&attr.name));
            }
            arr.retain(|e| !filter.matches(e));
        }
        Some(sub) => {
            let m = effective_mutability(attr, sub);
            if m == Mutability::ReadOnly {
                return Err(read_only(&sub.name));
            }
            if sub.required {
                return Err(required(&sub.name));
            }
            for i in 0..arr.read().len() {
                if !arr.read().get(i).is_some_and(|e| filter.matches(e)) {
                    continue;
                }
                if let Some(mut o) = arr.element(i) {
                    take_sub(&mut o, sub, m)?;
                }
            }
            arr.retain(|e| !is_unassigned(e));
        }
    }
    if arr.read().is_empty() {
        if attr.required {
            return Err(required(&attr.name));
        }
        c.remove(&attr.name);
    }
    Ok(())
}

fn take_sub(o: &mut ObjMut<'_, '_>, sub: &Attribute, m: Mutability) -> Result<()> {
    if m == Mutability::Immutable && get(o.read(), &sub.name).is_some_and(|v| !is_unassigned(v)) {
        return Err(immutable(&sub.name));
    }
    o.remove(&sub.name);
    Ok(())
}

/// Whether writing `new` over `existing` is allowed by the mutability: a
/// readOnly attribute only takes the value it already has; an immutable
/// one only a first value (or the one it has).
fn check_write(m: Mutability, name: &str, existing: Option<&Value>, new: &Value) -> Result<()> {
    match m {
        Mutability::ReadOnly if !existing.is_some_and(|e| holds(e, new)) => Err(read_only(name)),
        Mutability::Immutable if existing.is_some_and(|e| !is_unassigned(e) && !holds(e, new)) => {
            Err(immutable(name))
        }
        _ => Ok(()),
    }
}

/// Whether a new element may be appended to `arr`.
fn check_append(attr: &Attribute, arr: &[Value]) -> Result<()> {
    match attr.mutability {
        Mutability::ReadOnly => Err(read_only(&attr.name)),
        Mutability::Immutable if !arr.is_empty() => Err(immutable(&attr.name)),
        _ => Ok(()),
    }
}

/// A sub-attribute's mutability as its parent constrains it.
fn effective_mutability(attr: &Attribute, sub: &Attribute) -> Mutability {
    match (attr.mutability, sub.mutability) {
        (Mutability::ReadOnly, _) => Mutability::ReadOnly,
        (Mutability::Immutable, Mutability::ReadWrite | Mutability::WriteOnly) => {
            Mutability::Immutable
        }
        (_, m) => m,
    }
}

/// The array of a multi-valued attribute, created empty when absent; a
/// single stored value becomes a one-element array.
fn array_slot<'c, 's>(
    container: &'c mut ObjMut<'_, 's>,
    attr: &'s Attribute,
) -> Result<ArrMut<'c, 's>> {
    let mut s = container.member_or_insert(&attr.name, || Value::Array(Vec::new()));
    if !s.read().is_array() {
        // Rare (a store holding one value where the schema says many), so
        // copying the old value, to keep it for undoing, is fine.
        let old = s.read().clone();
        s.set(Value::Array(if old.is_null() {
            Vec::new()
        } else {
            vec![old]
        }));
    }
    s.into_array()
        .ok_or_else(|| ScimError::internal(format!("{} did not become an array", attr.name)))
}

/// The object of a single-valued complex attribute, created empty when
/// absent or not an object.
fn object_slot<'c, 's>(container: &'c mut ObjMut<'_, 's>, name: &'s str) -> Result<ObjMut<'c, 's>> {
    let mut s = container.member_or_insert(name, || Value::Object(Map::new()));
    if !s.read().is_object() {
        s.set(Value::Object(Map::new()));
    }
    s.into_object()
        .ok_or_else(|| ScimError::internal(format!("{name} did not become an object")))
}

/// Sets `primary: false` on every element but `keep` that has
/// `primary: true`.
fn clear_primary_except(arr: &mut ArrMut<'_, '_>, keep: usize) {
    for i in 0..arr.read().len() {
        if i != keep && arr.read().get(i).is_some_and(is_primary) {
            if let Some(mut e) = arr.element(i) {
                e.set("primary", Value::Bool(false));
            }
        }
    }
}

fn is_primary_sub(sub: &Attribute) -> bool {
    sub.ty == AttrType::Boolean && sub.name.eq_ignore_ascii_case("primary")
}

fn is_primary_obj(o: &Obj) -> bool {
    get(o, "primary") == Some(&Value::Bool(true))
}

fn read_only(name: &str) -> ScimError {
    ScimError::mutability(format!("{name} is readOnly"))
}

fn immutable(name: &str) -> ScimError {
    ScimError::mutability(format!("{name} is immutable and already has a value"))
}

fn required(name: &str) -> ScimError {
    ScimError::mutability(format!("{name} is required and cannot be removed"))
}

fn two_primaries(attr: &Attribute) -> ScimError {
    ScimError::invalid_value(format!(
        "at most one value of {} may have primary true",
        attr.name
    ))
}

fn not_an_element(attr: &Attribute) -> ScimError {
    ScimError::invalid_value(format!(
        "the value for an element of {} must be an object of its sub-attributes",
        attr.name
    ))
}
