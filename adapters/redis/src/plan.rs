//! Narrowing a filter through the indexes.
//!
//! [`Lookup::plan`] finds the part of a filter the indexes can answer: an
//! `eq` on `id`, on a unique string attribute, on `externalId` or on
//! `members.value` (also inside `members[...]`), combined by `and`
//! (either side narrows) and `or` (both sides must). The lookup yields a
//! superset of the matching ids; the store then loads those resources and
//! runs the full filter over them, so a lookup only has to be complete,
//! never exact.

use crate::index::{EXTERNAL_ID, MEMBERS};
use crate::keys::Keys;
use scim_core::schema::{AttrType, ResourceSchema};
use scim_core::store::UniqueAttr;
use scim_filter::{fold_case, AttrPath, CompValue, CompareOp, Filter};
use std::collections::BTreeSet;

/// A set of candidate ids, as index reads combined by set operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// Exactly this id (the resource may not exist).
    Id(String),
    /// The id a unique index key holds, if any.
    Unique(String),
    /// The ids in a lookup set.
    Set(String),
    /// Ids in both.
    And(Box<Lookup>, Box<Lookup>),
    /// Ids in either.
    Or(Box<Lookup>, Box<Lookup>),
}

impl Lookup {
    /// The lookup that narrows `filter`, or `None` when the indexes cannot
    /// (the store then scans).
    pub(crate) fn plan(
        filter: &Filter,
        schema: &ResourceSchema<'_>,
        keys: &Keys,
        unique: &[UniqueAttr],
    ) -> Option<Lookup> {
        let p = Planner {
            schema,
            keys,
            unique,
        };
        p.plan(filter, None)
    }

    /// Every index read the lookup needs, each once, in a fixed order.
    pub(crate) fn reads(&self, out: &mut Vec<Read>) {
        match self {
            Lookup::Id(_) => {}
            Lookup::Unique(k) => push_once(out, Read::Get(k.clone())),
            Lookup::Set(k) => push_once(out, Read::Members(k.clone())),
            Lookup::And(a, b) | Lookup::Or(a, b) => {
                a.reads(out);
                b.reads(out);
            }
        }
    }

    /// The candidate ids, given the answers to [`Lookup::reads`].
    pub(crate) fn ids(&self, answers: &[(Read, Vec<String>)]) -> BTreeSet<String> {
        let answer = |r: Read| -> BTreeSet<String> {
            answers
                .iter()
                .find(|(q, _)| *q == r)
                .map(|(_, ids)| ids.iter().cloned().collect())
                .unwrap_or_default()
        };
        match self {
            Lookup::Id(id) => BTreeSet::from([id.clone()]),
            Lookup::Unique(k) => answer(Read::Get(k.clone())),
            Lookup::Set(k) => answer(Read::Members(k.clone())),
            Lookup::And(a, b) => {
                let a = a.ids(answers);
                let b = b.ids(answers);
                a.intersection(&b).cloned().collect()
            }
            Lookup::Or(a, b) => {
                let mut a = a.ids(answers);
                a.extend(b.ids(answers));
                a
            }
        }
    }
}

/// One index read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Read {
    /// `GET` of a unique index key.
    Get(String),
    /// `SMEMBERS` of a lookup set.
    Members(String),
}

fn push_once(out: &mut Vec<Read>, r: Read) {
    if !out.contains(&r) {
        out.push(r);
    }
}

struct Planner<'a, 's> {
    schema: &'a ResourceSchema<'s>,
    keys: &'a Keys,
    unique: &'a [UniqueAttr],
}

impl Planner<'_, '_> {
    /// `within` is the multi-valued attribute of an enclosing value
    /// filter (`members` in `members[value eq "x"]`).
    fn plan(&self, filter: &Filter, within: Option<&AttrPath>) -> Option<Lookup> {
        match filter {
            Filter::Compare(path, CompareOp::Eq, CompValue::Str(s)) => match within {
                None => self.eq(path, s),
                Some(outer) => {
                    // Inside `outer[...]` a path names a sub-attribute.
                    if path.urn.is_some() || path.sub_attr.is_some() {
                        return None;
                    }
                    let mut full = outer.clone();
                    full.sub_attr = Some(path.name.clone());
                    self.eq(&full, s)
                }
            },
            Filter::ValuePath(vp) if within.is_none() => self.plan(&vp.filter, Some(&vp.attr)),
            Filter::And(a, b) => match (self.plan(a, within), self.plan(b, within)) {
                (Some(a), Some(b)) => Some(Lookup::And(Box::new(a), Box::new(b))),
                (Some(x), None) | (None, Some(x)) => Some(x),
                (None, None) => None,
            },
            Filter::Or(a, b) => {
                let a = self.plan(a, within)?;
                let b = self.plan(b, within)?;
                Some(Lookup::Or(Box::new(a), Box::new(b)))
            }
            _ => None,
        }
    }

    /// The lookup for `path eq "s"`, if an index covers `path`.
    fn eq(&self, path: &AttrPath, s: &str) -> Option<Lookup> {
        let loc = self.schema.resolve(path.urn.as_deref(), &path.name)?;
        let attr = loc.attribute;
        match (&loc.extension, &path.sub_attr) {
            (None, None) if attr.name.eq_ignore_ascii_case("id") => Some(Lookup::Id(s.to_owned())),
            (None, None) if attr.name.eq_ignore_ascii_case("externalId") => {
                Some(Lookup::Set(self.keys.lookup(EXTERNAL_ID, &fold_case(s))))
            }
            (None, Some(sub))
                if attr.name.eq_ignore_ascii_case("members")
                    && sub.eq_ignore_ascii_case("value") =>
            {
                Some(Lookup::Set(self.keys.lookup(MEMBERS, &fold_case(s))))
            }
            (ext, None) if matches!(attr.ty, AttrType::String | AttrType::Reference) => {
                let ext = ext.map(|e| e.id.as_str());
                let u = self.unique.iter().find(|u| u.is(ext, &attr.name))?;
                // An empty string is never indexed (it counts as absent).
                if s.is_empty() {
                    return None;
                }
                Some(Lookup::Unique(
                    self.keys.unique(&u.key(), &u.normalise_str(s)),
                ))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use scim_core::store::unique_attrs;
    use scim_core::Registry;

    fn plan(resource_type: &str, filter: &str) -> Option<Lookup> {
        let registry = Registry::with_builtins();
        let schema = registry.view(resource_type).unwrap();
        let keys = Keys::new("p", "t", resource_type);
        let f = scim_filter::parse_filter(filter).unwrap();
        Lookup::plan(&f, &schema, &keys, &unique_attrs(&schema))
    }

    fn set(k: &str) -> Lookup {
        Lookup::Set(k.to_owned())
    }

    #[test]
    fn indexed_equalities_are_index_reads() {
        let cases: &[(&str, &str, Lookup)] = &[
            (
                "User",
                r#"userName eq "BJensen""#,
                Lookup::Unique("p:{t}:User:u:username:sbjensen".into()),
            ),
            (
                "User",
                r#"USERNAME eq "x""#,
                Lookup::Unique("p:{t}:User:u:username:sx".into()),
            ),
            (
                "User",
                r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x""#,
                Lookup::Unique("p:{t}:User:u:username:sx".into()),
            ),
            ("User", r#"id eq "A:1""#, Lookup::Id("A:1".into())),
            (
                "User",
                r#"externalId eq "E-1""#,
                set("p:{t}:User:x:externalid:e-1"),
            ),
            (
                "Group",
                r#"members.value eq "U1""#,
                set("p:{t}:Group:x:members.value:u1"),
            ),
            (
                "Group",
                r#"members[value eq "u1"]"#,
                set("p:{t}:Group:x:members.value:u1"),
            ),
        ];
        for (rt, filter, want) in cases {
            assert_eq!(plan(rt, filter).as_ref(), Some(want), "{filter}");
        }
    }

    #[test]
    fn and_narrows_by_either_side_or_needs_both() {
        let u = |v: &str| Lookup::Unique(format!("p:{{t}}:User:u:username:s{v}"));
        assert_eq!(
            plan("User", r#"userName eq "a" and title co "x""#),
            Some(u("a"))
        );
        assert_eq!(
            plan("User", r#"title co "x" and userName eq "a""#),
            Some(u("a"))
        );
        assert_eq!(
            plan("User", r#"userName eq "a" or userName eq "b""#),
            Some(Lookup::Or(Box::new(u("a")), Box::new(u("b"))))
        );
        assert_eq!(plan("User", r#"userName eq "a" or title co "x""#), None);
        assert_eq!(
            plan("Group", r#"members[value eq "a" and type eq "User"]"#),
            Some(set("p:{t}:Group:x:members.value:a"))
        );
    }

    #[test]
    fn other_filters_scan() {
        for f in [
            r#"userName ne "a""#,
            r#"userName sw "a""#,
            r#"not (userName eq "a")"#,
            r#"title eq "a""#,
            r#"userName eq "" "#,
            "userName pr",
            r#"emails[value eq "a"]"#,
            r#"nosuch eq "a""#,
        ] {
            assert_eq!(plan("User", f), None, "{f}");
        }
    }

    #[test]
    fn ids_combine_the_answers() {
        let a = Read::Members("a".into());
        let b = Read::Get("b".into());
        let answers = vec![(a, vec!["1".into(), "2".into()]), (b, vec!["2".into()])];
        let and = Lookup::And(Box::new(set("a")), Box::new(Lookup::Unique("b".into())));
        assert_eq!(and.ids(&answers), BTreeSet::from(["2".to_owned()]));
        let or = Lookup::Or(Box::new(set("a")), Box::new(Lookup::Id("9".into())));
        assert_eq!(
            or.ids(&answers),
            BTreeSet::from(["1".into(), "2".into(), "9".to_owned()])
        );
        let mut reads = Vec::new();
        Lookup::And(Box::new(and), Box::new(set("a"))).reads(&mut reads);
        assert_eq!(reads.len(), 2, "each read once");
    }
}
