//! scim-store-memory: an in-memory [`ResourceStore`], the reference
//! semantics every other adapter is tested against.
//!
//! Resources live in one map per tenant and resource type, in creation
//! order (so unsorted lists are stable). Unique attributes (uniqueness
//! `server` or `global`) have an index per tenant and type, keyed under
//! the attribute's `caseExact` rule; checks and writes happen under one
//! write lock, so concurrent creates of one `userName` give one success.
//! Lists run [`scim_core::query::execute`], with each resource also kept
//! packed ([`PackedValue`]) so that filters scan contiguous memory.
//!
//! Use it for tests, demos and small deployments that can lose their data
//! on restart; `scim-store-sqlite` is the zero-setup store that keeps it.
//!
//! # Quick start
//!
//! Hand the store to a [`ScimServer`](scim_core::server::ScimServer); the
//! server does the protocol, the store only keeps resources. Used
//! directly, it shows the store's contract: `userName` is unique per
//! tenant, case-insensitively.
//!
//! ```
//! use scim_core::query::ListQuery;
//! use scim_core::server::{BearerTokens, ScimServer, ServerConfig};
//! use scim_core::store::ResourceStore;
//! use scim_core::Registry;
//! use scim_store_memory::MemoryStore;
//! use serde_json::json;
//! use std::sync::Arc;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let store = MemoryStore::new();
//! let server = ScimServer::new(
//!     Registry::with_builtins(),
//!     Arc::new(store.clone()), // clones share the data
//!     Arc::new(BearerTokens::new().with_token("s3cret", "acme")),
//!     ServerConfig::default(),
//! );
//!
//! let registry = server.registry();
//! let users = registry.view("User").ok_or("no User type")?;
//! let runtime = tokio::runtime::Builder::new_current_thread().build()?;
//! runtime.block_on(async {
//!     let user = json!({"id": "1", "userName": "bjensen", "meta": {"version": "W/\"1\""}});
//!     store.create("acme", &users, user).await?;
//!     let taken = json!({"id": "2", "userName": "BJENSEN", "meta": {"version": "W/\"1\""}});
//!     assert!(store.create("acme", &users, taken.clone()).await.is_err());
//!     // Another tenant is another world.
//!     store.create("globex", &users, taken).await?;
//!     let page = store.list("acme", &users, &ListQuery::all(10)).await?;
//!     assert_eq!(page.total_results, 1);
//!     Ok::<_, Box<dyn std::error::Error>>(())
//! })?;
//! # Ok(())
//! # }
//! ```

use async_trait::async_trait;
use scim_core::query::{execute, Candidate, ListPage, ListQuery, PackedValue};
use scim_core::schema::ResourceSchema;
use scim_core::store::{stored_id, unique_attrs, ResourceStore, StoreError, UniqueAttr};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, PoisonError, RwLock};

/// An in-memory [`ResourceStore`]. Cheap to clone: clones share the data.
///
/// Every method runs synchronously under a `std::sync::RwLock` that is
/// never held across an `.await`.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    collections: Arc<RwLock<HashMap<CollectionKey, Arc<RwLock<Collection>>>>>,
}

/// A tenant and a resource type name.
type CollectionKey = (String, String);

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    /// The collection of `tenant` and `schema`'s type, if anything was
    /// ever stored there.
    fn collection(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
    ) -> Option<Arc<RwLock<Collection>>> {
        let map = self
            .collections
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        map.get(&(tenant.to_owned(), schema.resource_type.name.clone()))
            .cloned()
    }

    /// The collection of `tenant` and `schema`'s type, created if absent.
    fn collection_mut(&self, tenant: &str, schema: &ResourceSchema<'_>) -> Arc<RwLock<Collection>> {
        if let Some(c) = self.collection(tenant, schema) {
            return c;
        }
        let mut map = self
            .collections
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        map.entry((tenant.to_owned(), schema.resource_type.name.clone()))
            .or_default()
            .clone()
    }
}

/// The resources of one tenant and type.
#[derive(Debug, Default)]
struct Collection {
    /// Creation sequence number -> resource: iteration is creation order.
    by_seq: BTreeMap<u64, Stored>,
    /// id -> creation sequence number.
    by_id: HashMap<String, u64>,
    next_seq: u64,
    /// Per unique attribute, normalised value ([`UniqueAttr::values`]) -> id.
    unique: HashMap<UniqueAttr, HashMap<String, String>>,
}

/// A stored resource, with its packed form for list filters.
#[derive(Debug)]
struct Stored {
    value: Value,
    packed: PackedValue,
}

impl Stored {
    fn new(value: Value) -> Self {
        let packed = PackedValue::new(&value);
        Stored { value, packed }
    }
}

impl Candidate for Stored {
    fn value(&self) -> &Value {
        &self.value
    }

    fn packed(&self) -> Option<&PackedValue> {
        Some(&self.packed)
    }
}

/// A member of an object by name, exact spelling first, then
/// case-insensitively.
fn member<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    let obj = v.as_object()?;
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

impl Collection {
    /// Builds the index of `attr` if this collection has none yet (a
    /// schema may gain unique attributes after data was stored).
    fn ensure_index(&mut self, attr: &UniqueAttr) {
        if self.unique.contains_key(attr) {
            return;
        }
        let mut index = HashMap::new();
        for Stored { value: r, .. } in self.by_seq.values() {
            if let Some(id) = r.get("id").and_then(Value::as_str) {
                for v in attr.values(r) {
                    index.entry(v).or_insert_with(|| id.to_owned());
                }
            }
        }
        self.unique.insert(attr.clone(), index);
    }

    /// The first unique attribute of `resource` whose value another
    /// resource than `id` holds.
    fn conflict(&mut self, attrs: &[UniqueAttr], id: &str, resource: &Value) -> Option<String> {
        for attr in attrs {
            self.ensure_index(attr);
            let index = self.unique.get(attr)?;
            if attr
                .values(resource)
                .iter()
                .any(|v| index.get(v).is_some_and(|holder| holder != id))
            {
                return Some(attr.name.clone());
            }
        }
        None
    }

    fn unindex(&mut self, attrs: &[UniqueAttr], id: &str, resource: &Value) {
        for attr in attrs {
            if let Some(index) = self.unique.get_mut(attr) {
                for v in attr.values(resource) {
                    if index.get(&v).is_some_and(|holder| holder == id) {
                        index.remove(&v);
                    }
                }
            }
        }
    }

    fn index(&mut self, attrs: &[UniqueAttr], id: &str, resource: &Value) {
        for attr in attrs {
            if let Some(index) = self.unique.get_mut(attr) {
                for v in attr.values(resource) {
                    index.insert(v, id.to_owned());
                }
            }
        }
    }

    /// Checks `expected` against the stored version of the resource at
    /// `seq`.
    fn check_version(&self, seq: u64, expected: Option<&str>) -> Result<(), StoreError> {
        let Some(expected) = expected else {
            return Ok(());
        };
        let current = self
            .by_seq
            .get(&seq)
            .and_then(|r| r.value.get("meta"))
            .and_then(|m| m.get("version"))
            .and_then(Value::as_str)
            .unwrap_or("");
        if current == expected {
            Ok(())
        } else {
            Err(StoreError::VersionMismatch {
                expected: expected.to_owned(),
                current: current.to_owned(),
            })
        }
    }
}

fn write(c: &RwLock<Collection>) -> std::sync::RwLockWriteGuard<'_, Collection> {
    c.write().unwrap_or_else(PoisonError::into_inner)
}

fn read(c: &RwLock<Collection>) -> std::sync::RwLockReadGuard<'_, Collection> {
    c.read().unwrap_or_else(PoisonError::into_inner)
}

#[async_trait]
impl ResourceStore for MemoryStore {
    async fn create(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        resource: Value,
    ) -> Result<Value, StoreError> {
        let id = stored_id(&resource)?.to_owned();
        let attrs = unique_attrs(schema);
        let collection = self.collection_mut(tenant, schema);
        let mut c = write(&collection);
        if c.by_id.contains_key(&id) {
            return Err(StoreError::Uniqueness {
                attribute: "id".into(),
            });
        }
        if let Some(attribute) = c.conflict(&attrs, &id, &resource) {
            return Err(StoreError::Uniqueness { attribute });
        }
        c.index(&attrs, &id, &resource);
        let seq = c.next_seq;
        c.next_seq += 1;
        c.by_id.insert(id, seq);
        c.by_seq.insert(seq, Stored::new(resource.clone()));
        Ok(resource)
    }

    async fn get(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        id: &str,
    ) -> Result<Option<Value>, StoreError> {
        let Some(collection) = self.collection(tenant, schema) else {
            return Ok(None);
        };
        let c = read(&collection);
        Ok(c.by_id
            .get(id)
            .and_then(|seq| c.by_seq.get(seq))
            .map(|r| r.value.clone()))
    }

    async fn replace(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        id: &str,
        expected_version: Option<&str>,
        resource: Value,
    ) -> Result<Value, StoreError> {
        let not_found = || StoreError::NotFound { id: id.to_owned() };
        let collection = self.collection(tenant, schema).ok_or_else(not_found)?;
        let attrs = unique_attrs(schema);
        let mut c = write(&collection);
        let seq = *c.by_id.get(id).ok_or_else(not_found)?;
        c.check_version(seq, expected_version)?;
        if let Some(attribute) = c.conflict(&attrs, id, &resource) {
            return Err(StoreError::Uniqueness { attribute });
        }
        let old = c
            .by_seq
            .insert(seq, Stored::new(resource.clone()))
            .map_or(Value::Null, |old| old.value);
        c.unindex(&attrs, id, &old);
        c.index(&attrs, id, &resource);
        Ok(resource)
    }

    async fn delete(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        id: &str,
        expected_version: Option<&str>,
    ) -> Result<(), StoreError> {
        let not_found = || StoreError::NotFound { id: id.to_owned() };
        let collection = self.collection(tenant, schema).ok_or_else(not_found)?;
        let attrs = unique_attrs(schema);
        let mut c = write(&collection);
        let seq = *c.by_id.get(id).ok_or_else(not_found)?;
        c.check_version(seq, expected_version)?;
        c.by_id.remove(id);
        if let Some(old) = c.by_seq.remove(&seq) {
            c.unindex(&attrs, id, &old.value);
        }
        Ok(())
    }

    async fn list(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        query: &ListQuery,
    ) -> Result<ListPage, StoreError> {
        let Some(collection) = self.collection(tenant, schema) else {
            return execute(schema, std::iter::empty::<&Stored>(), query)
                .map_err(StoreError::Query);
        };
        let c = read(&collection);
        execute(schema, c.by_seq.values(), query).map_err(StoreError::Query)
    }

    async fn member_of(
        &self,
        tenant: &str,
        group_schema: &ResourceSchema<'_>,
        member_id: &str,
    ) -> Result<Vec<Value>, StoreError> {
        let Some(collection) = self.collection(tenant, group_schema) else {
            return Ok(Vec::new());
        };
        let c = read(&collection);
        let has_member = |g: &Value| {
            member(g, "members")
                .and_then(Value::as_array)
                .is_some_and(|ms| {
                    ms.iter()
                        .any(|m| member(m, "value").and_then(Value::as_str) == Some(member_id))
                })
        };
        Ok(c.by_seq
            .values()
            .filter(|g| has_member(&g.value))
            .map(|g| g.value.clone())
            .collect())
    }
}
