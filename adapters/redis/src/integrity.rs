//! [`RedisStore::check_integrity`]: does the keyspace of one tenant and
//! type hold exactly the index entries its documents call for?

use crate::index::Entries;
use crate::keys::decode;
use crate::RedisStore;
use scim_core::schema::ResourceSchema;
use scim_core::store::{unique_attrs, StoreError};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

impl RedisStore {
    /// Checks the keys of `tenant`'s resources of `schema`'s type and
    /// returns every inconsistency found, one sentence each (empty when
    /// all is well):
    ///
    /// - every document parses and carries the id its key names;
    /// - the creation-order set holds exactly the stored ids, and the
    ///   creation counter is at least its highest score;
    /// - every unique index key names an existing resource that holds that
    ///   value, and every value a resource holds has its key, naming it;
    /// - every member of a lookup set is an existing resource holding that
    ///   value, and every such resource is in the set;
    /// - no other key lives under the type's prefix.
    ///
    /// It reads the whole keyspace of the tenant and type (by `SCAN`), so
    /// it is for tests, audits and repairs, not for request paths.
    pub async fn check_integrity(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
    ) -> Result<Vec<String>, StoreError> {
        let unavailable = |e: redis::RedisError| StoreError::Unavailable(e.to_string());
        let keys = self.keys(tenant, schema);
        let mut conn = self.conn();
        let all = conn
            .scan(&keys.pattern(), &keys.order())
            .await
            .map_err(unavailable)?;

        let mut problems = Vec::new();
        let mut resource_keys = Vec::new();
        let mut unique_keys = Vec::new();
        let mut lookup_keys = Vec::new();
        for key in &all {
            match keys.local(key) {
                Some("seq" | "order") => {}
                Some(l) if l.starts_with("r:") => resource_keys.push(key.clone()),
                Some(l) if l.starts_with("u:") => unique_keys.push(key.clone()),
                Some(l) if l.starts_with("x:") => lookup_keys.push(key.clone()),
                _ => problems.push(format!("unexpected key {key}")),
            }
        }

        // The documents, and the index entries they call for.
        let attrs = unique_attrs(schema);
        let mut ids = BTreeSet::new();
        let mut want_unique: BTreeMap<String, String> = BTreeMap::new();
        let mut want_lookup: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut docs = Vec::with_capacity(resource_keys.len());
        for chunk in resource_keys.chunks(500) {
            let raw: Vec<Option<Vec<u8>>> = redis::cmd("MGET")
                .arg(chunk)
                .query_async(&mut conn)
                .await
                .map_err(unavailable)?;
            docs.extend(chunk.iter().cloned().zip(raw));
        }
        for (key, raw) in docs {
            let Some(raw) = raw else { continue };
            let key_id = keys
                .local(&key)
                .and_then(|l| l.strip_prefix("r:"))
                .and_then(decode)
                .unwrap_or_default();
            let doc: Value = match serde_json::from_slice(&raw) {
                Ok(d) => d,
                Err(e) => {
                    problems.push(format!("{key} does not hold JSON: {e}"));
                    continue;
                }
            };
            if doc.get("id").and_then(Value::as_str) != Some(key_id.as_str()) {
                problems.push(format!("{key} holds a document whose id is not {key_id:?}"));
            }
            let entries = Entries::of(&keys, &attrs, &doc);
            for (k, _) in entries.unique {
                if let Some(other) = want_unique.insert(k.clone(), key_id.clone()) {
                    problems.push(format!("{k} is claimed by both {other} and {key_id}"));
                }
            }
            for k in entries.lookup {
                want_lookup.entry(k).or_default().insert(key_id.clone());
            }
            ids.insert(key_id);
        }

        // Creation order.
        let order: Vec<(String, f64)> = redis::cmd("ZRANGE")
            .arg(keys.order())
            .arg(0)
            .arg(-1)
            .arg("WITHSCORES")
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        let seq: Option<f64> = redis::cmd("GET")
            .arg(keys.seq())
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        let ordered: BTreeSet<String> = order.iter().map(|(id, _)| id.clone()).collect();
        for id in ordered.difference(&ids) {
            problems.push(format!("creation order lists {id}, which is not stored"));
        }
        for id in ids.difference(&ordered) {
            problems.push(format!("{id} is missing from the creation order"));
        }
        let top = order.iter().map(|(_, s)| *s).fold(0.0, f64::max);
        if top > seq.unwrap_or(0.0) {
            problems.push(format!(
                "creation counter {seq:?} is below the highest score {top}"
            ));
        }

        // Unique index.
        let mut holders: Vec<Option<String>> = Vec::with_capacity(unique_keys.len());
        for chunk in unique_keys.chunks(500) {
            let got: Vec<Option<String>> = redis::cmd("MGET")
                .arg(chunk)
                .query_async(&mut conn)
                .await
                .map_err(unavailable)?;
            holders.extend(got);
        }
        let found_unique: BTreeMap<&String, Option<String>> =
            unique_keys.iter().zip(holders).collect();
        for (k, holder) in &found_unique {
            match (holder, want_unique.get(*k)) {
                (Some(h), Some(w)) if h == w => {}
                (Some(h), Some(w)) => {
                    problems.push(format!("{k} names {h}, but {w} holds the value"))
                }
                (Some(h), None) => problems.push(format!(
                    "{k} names {h}, which does not hold the value (orphan)"
                )),
                (None, _) => {}
            }
        }
        for (k, w) in &want_unique {
            if !found_unique.contains_key(k) {
                problems.push(format!(
                    "{w} holds a unique value whose index key {k} is missing"
                ));
            }
        }

        // Lookup sets.
        let mut pipe = redis::pipe();
        for k in &lookup_keys {
            pipe.cmd("SMEMBERS").arg(k);
        }
        let members: Vec<BTreeSet<String>> = if lookup_keys.is_empty() {
            Vec::new()
        } else {
            pipe.query_async(&mut conn).await.map_err(unavailable)?
        };
        let found_lookup: BTreeMap<&String, BTreeSet<String>> =
            lookup_keys.iter().zip(members).collect();
        let empty = BTreeSet::new();
        for (k, got) in &found_lookup {
            let want = want_lookup.get(*k).unwrap_or(&empty);
            for id in got.difference(want) {
                problems.push(format!(
                    "{k} lists {id}, which does not hold the value (orphan)"
                ));
            }
        }
        for (k, want) in &want_lookup {
            let got = found_lookup.get(k).unwrap_or(&empty);
            for id in want.difference(got) {
                problems.push(format!("{id} holds a value but is missing from {k}"));
            }
        }
        Ok(problems)
    }
}
