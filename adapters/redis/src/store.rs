//! [`RedisStore`]: connection, options and the [`ResourceStore`] methods.

use crate::conn::Conn;
use crate::index::{member, Entries, MEMBERS};
use crate::keys::{encode, Keys};
use crate::plan::{Lookup, Read};
use crate::prefilter::Needles;
use crate::scripts::Scripts;
use async_trait::async_trait;
use futures::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use scim_core::query::{execute, ListPage, ListQuery};
use scim_core::schema::ResourceSchema;
use scim_core::store::{stored_id, unique_attrs, ResourceStore, StoreError};
use scim_core::ScimError;
use scim_filter::{fold_case, CompiledFilter, PackedValue};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// The key prefix when none is set.
pub const DEFAULT_PREFIX: &str = "scim";
/// How many resources one `MGET` reads when none is set.
pub const DEFAULT_BATCH_SIZE: usize = 1000;
/// How many requests a read of many documents keeps in flight: `MGET`
/// batches, or a scan's windows. A window is a `ZRANGE` and then an
/// `MGET`, so about half of them wait on the small `ZRANGE` at any time;
/// six keep three or so `MGET`s queued at the server.
const BATCHES_IN_FLIGHT: usize = 6;
/// How often a replace or delete re-reads a document that changed under
/// it before giving up.
const MAX_ATTEMPTS: usize = 64;

/// A [`ResourceStore`] on Redis (or Redis Cluster with the `cluster`
/// feature). Cheap to clone: clones share one multiplexed connection.
///
/// See the [crate docs](crate) for the key layout and how each operation
/// is answered.
#[derive(Clone)]
pub struct RedisStore {
    conn: Conn,
    prefix: String,
    batch_size: usize,
    scripts: Arc<Scripts>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mode = match &self.conn {
            Conn::Single(_) => "single",
            #[cfg(feature = "cluster")]
            Conn::Cluster(_) => "cluster",
        };
        f.debug_struct("RedisStore")
            .field("mode", &mode)
            .field("prefix", &self.prefix)
            .field("batch_size", &self.batch_size)
            .finish()
    }
}

fn unavailable(e: redis::RedisError) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

impl RedisStore {
    /// Connects to the Redis server at `url` (`redis://host:port/db`,
    /// `rediss://` for TLS when the redis crate's TLS feature is on),
    /// through a [`ConnectionManager`] that reconnects by itself when the
    /// connection drops. Fails with [`StoreError::Unavailable`] when the
    /// URL is malformed or the server cannot be reached.
    pub async fn connect(url: &str) -> Result<RedisStore, StoreError> {
        let client = redis::Client::open(url).map_err(unavailable)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(5)))
            .set_number_of_retries(3);
        let manager = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(unavailable)?;
        Ok(RedisStore::from_manager(manager))
    }

    /// Connects to a Redis Cluster through any of its `nodes` (URLs as for
    /// [`RedisStore::connect`]). The cluster connection follows slot
    /// moves and reconnects by itself.
    #[cfg(feature = "cluster")]
    pub async fn connect_cluster(nodes: &[&str]) -> Result<RedisStore, StoreError> {
        let client = redis::cluster::ClusterClient::new(nodes.to_vec()).map_err(unavailable)?;
        let conn = client.get_async_connection().await.map_err(unavailable)?;
        Ok(RedisStore::with_conn(Conn::Cluster(conn)))
    }

    /// A store over an existing connection manager.
    pub fn from_manager(manager: ConnectionManager) -> RedisStore {
        RedisStore::with_conn(Conn::Single(manager))
    }

    fn with_conn(conn: Conn) -> RedisStore {
        RedisStore {
            conn,
            prefix: DEFAULT_PREFIX.to_owned(),
            batch_size: DEFAULT_BATCH_SIZE,
            scripts: Arc::new(Scripts::new()),
        }
    }

    /// Returns this store writing its keys under `prefix` instead of
    /// [`DEFAULT_PREFIX`], so several applications (or test runs) can
    /// share one database. The prefix is percent-encoded like every other
    /// key part, so it cannot hold a hash tag.
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        self.prefix = encode(prefix);
        self
    }

    /// Returns this store reading `n` resources per `MGET` (at least 1;
    /// [`DEFAULT_BATCH_SIZE`] when not set).
    pub fn with_batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.max(1);
        self
    }

    /// The (encoded) key prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub(crate) fn keys(&self, tenant: &str, schema: &ResourceSchema<'_>) -> Keys {
        Keys::new(&self.prefix, tenant, &schema.resource_type.name)
    }

    pub(crate) fn conn(&self) -> Conn {
        self.conn.clone()
    }

    /// Deletes every key of `tenant` (all resource types, documents and
    /// indexes) and returns how many there were: tenant off-boarding, and
    /// how tests clean up.
    pub async fn purge_tenant(&self, tenant: &str) -> Result<usize, StoreError> {
        let base = crate::keys::tenant_base(&self.prefix, tenant);
        let mut conn = self.conn();
        let keys = conn
            .scan(&format!("{base}:*"), &base)
            .await
            .map_err(unavailable)?;
        for chunk in keys.chunks(self.batch_size) {
            redis::cmd("UNLINK")
                .arg(chunk)
                .query_async::<()>(&mut conn)
                .await
                .map_err(unavailable)?;
        }
        Ok(keys.len())
    }

    /// The stored document at `key`, raw, if any.
    async fn raw(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        redis::cmd("GET")
            .arg(key)
            .query_async(&mut self.conn())
            .await
            .map_err(unavailable)
    }

    /// `ids` in creation order, those no longer stored left out.
    async fn in_creation_order(
        &self,
        keys: &Keys,
        ids: impl IntoIterator<Item = String>,
    ) -> Result<Vec<String>, StoreError> {
        let ids: Vec<String> = ids.into_iter().collect();
        if ids.len() <= 1 {
            return Ok(ids);
        }
        let scores: Vec<Option<f64>> = redis::cmd("ZMSCORE")
            .arg(keys.order())
            .arg(&ids)
            .query_async(&mut self.conn())
            .await
            .map_err(unavailable)?;
        let mut scored: Vec<(f64, String)> = scores
            .into_iter()
            .zip(ids)
            .filter_map(|(s, id)| s.map(|s| (s, id)))
            .collect();
        scored.sort_by(|a, b| a.0.total_cmp(&b.0));
        Ok(scored.into_iter().map(|(_, id)| id).collect())
    }

    /// The resources with these ids, in this order, missing ones left
    /// out: `MGET` batches, [`BATCHES_IN_FLIGHT`] outstanding, each parsed
    /// as it arrives.
    async fn load(&self, keys: &Keys, ids: &[String]) -> Result<Vec<Value>, StoreError> {
        let requests: Vec<_> = ids
            .chunks(self.batch_size.max(1))
            .map(|chunk| mget_ids(self.conn(), keys, chunk.to_vec()))
            .collect();
        let mut batches = futures::stream::iter(requests).buffered(BATCHES_IN_FLIGHT);
        let mut out = Vec::with_capacity(ids.len());
        while let Some(batch) = batches.next().await {
            let (ids, raw) = batch?;
            for (id, bytes) in admitted(&ids, &raw, None) {
                out.push(parse(&keys.resource(id), bytes)?);
            }
        }
        Ok(out)
    }

    /// Answers the index reads of a lookup in one pipeline.
    async fn read_indexes(&self, reads: Vec<Read>) -> Result<Vec<(Read, Vec<String>)>, StoreError> {
        if reads.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for r in &reads {
            match r {
                Read::Get(k) => pipe.cmd("GET").arg(k),
                Read::Members(k) => pipe.cmd("SMEMBERS").arg(k),
            };
        }
        let answers: Vec<redis::Value> = pipe
            .query_async(&mut self.conn())
            .await
            .map_err(unavailable)?;
        reads
            .into_iter()
            .zip(answers)
            .map(|(r, v)| {
                let ids: Vec<String> = match &r {
                    Read::Get(_) => {
                        let one: Option<String> = redis::FromRedisValue::from_redis_value(v)
                            .map_err(|e| {
                                StoreError::Unavailable(format!("unexpected index value: {e}"))
                            })?;
                        one.into_iter().collect()
                    }
                    Read::Members(_) => {
                        redis::FromRedisValue::from_redis_value(v).map_err(|e| {
                            StoreError::Unavailable(format!("unexpected index value: {e}"))
                        })?
                    }
                };
                Ok((r, ids))
            })
            .collect()
    }

    /// A list with neither filter nor sort: the page straight from the
    /// creation-order set.
    async fn list_page(&self, keys: &Keys, query: &ListQuery) -> Result<ListPage, StoreError> {
        let mut pipe = redis::pipe();
        pipe.cmd("ZCARD").arg(keys.order());
        if query.count > 0 {
            let start = i64::try_from(query.offset()).unwrap_or(i64::MAX);
            let stop =
                i64::try_from(query.offset().saturating_add(query.count - 1)).unwrap_or(i64::MAX);
            pipe.cmd("ZRANGE").arg(keys.order()).arg(start).arg(stop);
        }
        let (total, ids): (usize, Vec<String>) = if query.count > 0 {
            pipe.query_async(&mut self.conn())
                .await
                .map_err(unavailable)?
        } else {
            let (total,): (usize,) = pipe
                .query_async(&mut self.conn())
                .await
                .map_err(unavailable)?;
            (total, Vec::new())
        };
        Ok(ListPage {
            resources: self.load(keys, &ids).await?,
            total_results: total,
        })
    }

    /// A list over every resource of the type: ids in creation order, read
    /// in batches, each text the needles admit packed and tested as it
    /// arrives, so only matches become `Value`s (for an unsorted list,
    /// only the page's); then sorted and paged.
    async fn list_scan(
        &self,
        keys: &Keys,
        schema: &ResourceSchema<'_>,
        query: &ListQuery,
    ) -> Result<ListPage, StoreError> {
        let q = |e: ScimError| StoreError::Query(e);
        let filter = query
            .filter
            .as_ref()
            .map(|f| CompiledFilter::compile(f, schema))
            .transpose()
            .map_err(|e| q(ScimError::invalid_filter(e.to_string())))?;
        let mut batches = std::pin::pin!(self.scan_batches(keys).await?);
        let needles = query.filter.as_ref().and_then(|f| Needles::of(f, schema));
        let needles = needles.as_ref();
        if query.sort_by.is_some() {
            let mut matched = Vec::new();
            while let Some(batch) = batches.next().await {
                let (ids, raw) = batch?;
                for (id, bytes) in admitted(&ids, &raw, needles) {
                    match &filter {
                        Some(f) => {
                            let packed = pack(keys, id, bytes)?;
                            if f.matches_packed(&packed) {
                                matched.push(packed.to_value());
                            }
                        }
                        None => matched.push(parse(&keys.resource(id), bytes)?),
                    }
                }
            }
            let sort_only = ListQuery {
                filter: None,
                ..query.clone()
            };
            return execute(schema, matched.iter(), &sort_only).map_err(q);
        }
        // Unsorted: count every match, keep only the page's.
        let offset = query.offset();
        let mut total = 0;
        let mut page = Vec::new();
        while let Some(batch) = batches.next().await {
            let (ids, raw) = batch?;
            for (id, bytes) in admitted(&ids, &raw, needles) {
                let packed = pack(keys, id, bytes)?;
                if filter.as_ref().is_none_or(|f| f.matches_packed(&packed)) {
                    if total >= offset && page.len() < query.count {
                        page.push(packed.to_value());
                    }
                    total += 1;
                }
            }
        }
        Ok(ListPage {
            resources: page,
            total_results: total,
        })
    }

    /// Every document of the type, in creation order: one item per
    /// window of creation numbers, each its ids (`ZRANGE ... BYSCORE`)
    /// and their documents (`MGET`), with [`BATCHES_IN_FLIGHT`] windows
    /// outstanding.
    ///
    /// Windows rather than one `ZRANGE` of every id: the first documents
    /// are read while later ids are still being listed, instead of after
    /// all 100,000 are. Windows of creation numbers rather than of ranks:
    /// a resource deleted during the scan shifts every rank after it, so
    /// rank windows could skip a resource that exists throughout; a
    /// creation number never changes. The window width is sized from the
    /// counter and the set's size to hold about one batch of ids; the
    /// first and last windows are open-ended, so every member is in
    /// exactly one window whatever the scores are. A resource created
    /// after the counter is read may or may not be included, as with any
    /// scan that overlaps a write.
    async fn scan_batches(
        &self,
        keys: &Keys,
    ) -> Result<impl futures::Stream<Item = RawBatch> + Send + 'static, StoreError> {
        let (seq, members): (Option<String>, u64) = redis::pipe()
            .cmd("GET")
            .arg(keys.seq())
            .cmd("ZCARD")
            .arg(keys.order())
            .query_async(&mut self.conn())
            .await
            .map_err(unavailable)?;
        let seq = seq.and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
        let windows = score_windows(seq, members, self.batch_size);
        let (conn, keys, batch_size) = (self.conn(), keys.clone(), self.batch_size);
        let batches = futures::stream::iter(windows)
            .map(move |w| read_window(conn.clone(), keys.clone(), w, batch_size))
            .buffered(BATCHES_IN_FLIGHT);
        Ok(batches)
    }

    /// The current document of `id` for a compare-and-swap write, checked
    /// against `expected_version`.
    async fn current(
        &self,
        key: &str,
        id: &str,
        expected_version: Option<&str>,
    ) -> Result<(Vec<u8>, Value), StoreError> {
        let raw = self
            .raw(key)
            .await?
            .ok_or_else(|| StoreError::NotFound { id: id.to_owned() })?;
        let doc = parse(key, &raw)?;
        if let Some(expected) = expected_version {
            let current = doc
                .get("meta")
                .and_then(|m| m.get("version"))
                .and_then(Value::as_str)
                .unwrap_or("");
            if current != expected {
                return Err(StoreError::VersionMismatch {
                    expected: expected.to_owned(),
                    current: current.to_owned(),
                });
            }
        }
        Ok((raw, doc))
    }
}

/// One `MGET` batch: the ids asked for and their raw documents.
type RawBatch = Result<(Vec<String>, Vec<Option<Vec<u8>>>), StoreError>;

/// A window of creation numbers: `ZRANGE ... BYSCORE` bounds.
type Window = (ScoreBound, ScoreBound);

/// One end of a [`Window`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScoreBound {
    NegInf,
    /// Up to and including this score.
    At(u64),
    /// Above this score, excluding it.
    After(u64),
    PosInf,
}

impl redis::ToRedisArgs for ScoreBound {
    fn write_redis_args<W: ?Sized + redis::RedisWrite>(&self, out: &mut W) {
        match self {
            ScoreBound::NegInf => out.write_arg(b"-inf"),
            ScoreBound::At(n) => n.write_redis_args(out),
            ScoreBound::After(n) => out.write_arg_fmt(format_args!("({n}")),
            ScoreBound::PosInf => out.write_arg(b"+inf"),
        }
    }
}

/// Windows that cover every score, in order, each about `batch_size`
/// members wide given `members` members spread over creation numbers
/// `1..=seq`. The first starts at `-inf`, each next one just above where
/// the last ended, and the last ends at `+inf`, so every score (even one
/// that is not a creation number) is in exactly one; none at all for no
/// members.
/// (A window may still come back empty, where deletions cleared it.)
fn score_windows(seq: u64, members: u64, batch_size: usize) -> Vec<Window> {
    if members == 0 {
        return Vec::new();
    }
    let batch = u64::try_from(batch_size).unwrap_or(u64::MAX).max(1);
    // Creation numbers per window: `batch` when none were deleted, more
    // when some were (the set is sparser than the counter).
    let width = u128::from(batch) * u128::from(seq.max(members)) / u128::from(members);
    let width = u64::try_from(width).unwrap_or(u64::MAX).max(1);
    let mut windows = Vec::new();
    let mut low = ScoreBound::NegInf;
    let mut next: u64 = 1;
    loop {
        let high = next.saturating_add(width - 1);
        if high >= seq {
            windows.push((low, ScoreBound::PosInf));
            return windows;
        }
        windows.push((low, ScoreBound::At(high)));
        next = high + 1;
        low = ScoreBound::After(high);
    }
}

/// The ids in window `w` in creation order, and their documents: one
/// `ZRANGE`, then `MGET`s of at most `batch_size` keys, all pipelined.
async fn read_window(mut conn: Conn, keys: Keys, w: Window, batch_size: usize) -> RawBatch {
    let ids: Vec<String> = redis::cmd("ZRANGE")
        .arg(keys.order())
        .arg(w.0)
        .arg(w.1)
        .arg("BYSCORE")
        .query_async(&mut conn)
        .await
        .map_err(unavailable)?;
    if ids.len() <= batch_size {
        return mget_ids(conn, &keys, ids).await;
    }
    // A dense window (deletions elsewhere widened it): several `MGET`s.
    let mut parts = Vec::new();
    for chunk in ids.chunks(batch_size.max(1)) {
        parts.push(mget_ids(conn.clone(), &keys, chunk.to_vec()));
    }
    let parts = futures::future::try_join_all(parts).await?;
    let raw = parts.into_iter().flat_map(|(_, raw)| raw).collect();
    Ok((ids, raw))
}

/// One `MGET` of the documents of `ids`. The keys are written one after
/// the other into one buffer that the command copies from, rather than
/// each into a `String` of its own.
async fn mget_ids(mut conn: Conn, keys: &Keys, ids: Vec<String>) -> RawBatch {
    if ids.is_empty() {
        return Ok((ids, Vec::new()));
    }
    let mut cmd = redis::cmd("MGET");
    let mut key = String::new();
    for id in &ids {
        keys.write_resource(id, &mut key);
        cmd.arg(key.as_str());
    }
    let raw: Vec<Option<Vec<u8>>> = cmd.query_async(&mut conn).await.map_err(unavailable)?;
    Ok((ids, raw))
}

/// The ids and texts of a batch that `needles` (if any) admit, missing
/// documents left out.
fn admitted<'a>(
    ids: &'a [String],
    raw: &'a [Option<Vec<u8>>],
    needles: Option<&'a Needles>,
) -> impl Iterator<Item = (&'a str, &'a [u8])> {
    ids.iter().zip(raw).filter_map(move |(id, r)| {
        let bytes = r.as_deref()?;
        needles
            .is_none_or(|n| n.admits(bytes))
            .then_some((id.as_str(), bytes))
    })
}

/// Packs the stored document of `id`, for filtering.
fn pack(keys: &Keys, id: &str, bytes: &[u8]) -> Result<PackedValue, StoreError> {
    PackedValue::from_json_slice(bytes).map_err(|e| corrupt(&keys.resource(id), e))
}

/// Parses a stored document.
fn parse(key: &str, bytes: &[u8]) -> Result<Value, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| corrupt(key, e))
}

fn corrupt(key: &str, e: serde_json::Error) -> StoreError {
    StoreError::Unavailable(format!("{key} does not hold a JSON document: {e}"))
}

/// What a write script answered.
enum Outcome {
    Ok,
    Taken(String),
    Missing,
    Changed,
}

fn outcome(reply: Vec<String>) -> Result<Outcome, StoreError> {
    let mut it = reply.into_iter();
    match it.next().as_deref() {
        Some("ok") => Ok(Outcome::Ok),
        Some("taken") => Ok(Outcome::Taken(it.next().unwrap_or_default())),
        Some("missing") => Ok(Outcome::Missing),
        Some("changed") => Ok(Outcome::Changed),
        other => Err(StoreError::Unavailable(format!(
            "unexpected script reply {other:?}"
        ))),
    }
}

fn to_json(resource: &Value) -> Result<String, StoreError> {
    serde_json::to_string(resource).map_err(|e| {
        StoreError::Query(ScimError::invalid_value(format!(
            "unstorable resource: {e}"
        )))
    })
}

#[async_trait]
impl ResourceStore for RedisStore {
    async fn create(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        resource: Value,
    ) -> Result<Value, StoreError> {
        let id = stored_id(&resource)?;
        let doc = to_json(&resource)?;
        let keys = self.keys(tenant, schema);
        let entries = Entries::of(&keys, &unique_attrs(schema), &resource);
        let mut inv = self.scripts.create.prepare_invoke();
        inv.key(keys.resource(id)).key(keys.seq()).key(keys.order());
        for (k, _) in &entries.unique {
            inv.key(k);
        }
        for k in &entries.lookup {
            inv.key(k);
        }
        inv.arg(id).arg(&doc).arg(entries.unique.len());
        for (_, name) in &entries.unique {
            inv.arg(name);
        }
        let reply: Vec<String> = inv
            .invoke_async(&mut self.conn())
            .await
            .map_err(unavailable)?;
        match outcome(reply)? {
            Outcome::Ok => Ok(resource),
            Outcome::Taken(attribute) => Err(StoreError::Uniqueness { attribute }),
            Outcome::Missing | Outcome::Changed => {
                Err(StoreError::Unavailable("unexpected reply to create".into()))
            }
        }
    }

    async fn get(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        id: &str,
    ) -> Result<Option<Value>, StoreError> {
        let key = self.keys(tenant, schema).resource(id);
        self.raw(&key).await?.map(|b| parse(&key, &b)).transpose()
    }

    async fn replace(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        id: &str,
        expected_version: Option<&str>,
        resource: Value,
    ) -> Result<Value, StoreError> {
        let doc = to_json(&resource)?;
        let keys = self.keys(tenant, schema);
        let attrs = unique_attrs(schema);
        let new = Entries::of(&keys, &attrs, &resource);
        let rkey = keys.resource(id);
        for _ in 0..MAX_ATTEMPTS {
            let (old_raw, old_doc) = self.current(&rkey, id, expected_version).await?;
            let old = Entries::of(&keys, &attrs, &old_doc);
            let mut inv = self.scripts.replace.prepare_invoke();
            inv.key(&rkey);
            for (k, _) in &new.unique {
                inv.key(k);
            }
            for k in &new.lookup {
                inv.key(k);
            }
            for (k, _) in &old.unique {
                inv.key(k);
            }
            for k in &old.lookup {
                inv.key(k);
            }
            inv.arg(id)
                .arg(old_raw)
                .arg(&doc)
                .arg(new.unique.len())
                .arg(new.lookup.len())
                .arg(old.unique.len());
            for (_, name) in &new.unique {
                inv.arg(name);
            }
            let reply: Vec<String> = inv
                .invoke_async(&mut self.conn())
                .await
                .map_err(unavailable)?;
            match outcome(reply)? {
                Outcome::Ok => return Ok(resource),
                Outcome::Taken(attribute) => return Err(StoreError::Uniqueness { attribute }),
                Outcome::Missing => return Err(StoreError::NotFound { id: id.to_owned() }),
                Outcome::Changed => continue,
            }
        }
        Err(StoreError::Unavailable(format!(
            "resource {id} kept changing during replace"
        )))
    }

    async fn delete(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        id: &str,
        expected_version: Option<&str>,
    ) -> Result<(), StoreError> {
        let keys = self.keys(tenant, schema);
        let attrs = unique_attrs(schema);
        let rkey = keys.resource(id);
        for _ in 0..MAX_ATTEMPTS {
            let (old_raw, old_doc) = self.current(&rkey, id, expected_version).await?;
            let old = Entries::of(&keys, &attrs, &old_doc);
            let mut inv = self.scripts.delete.prepare_invoke();
            inv.key(&rkey).key(keys.order());
            for (k, _) in &old.unique {
                inv.key(k);
            }
            for k in &old.lookup {
                inv.key(k);
            }
            inv.arg(id).arg(old_raw).arg(old.unique.len());
            let reply: Vec<String> = inv
                .invoke_async(&mut self.conn())
                .await
                .map_err(unavailable)?;
            match outcome(reply)? {
                Outcome::Ok => return Ok(()),
                Outcome::Missing => return Err(StoreError::NotFound { id: id.to_owned() }),
                Outcome::Changed => continue,
                Outcome::Taken(_) => {
                    return Err(StoreError::Unavailable("unexpected reply to delete".into()))
                }
            }
        }
        Err(StoreError::Unavailable(format!(
            "resource {id} kept changing during delete"
        )))
    }

    async fn list(
        &self,
        tenant: &str,
        schema: &ResourceSchema<'_>,
        query: &ListQuery,
    ) -> Result<ListPage, StoreError> {
        // Reject a bad filter or sortBy before any I/O.
        execute(schema, std::iter::empty::<&Value>(), query).map_err(StoreError::Query)?;
        let keys = self.keys(tenant, schema);
        let Some(filter) = &query.filter else {
            if query.sort_by.is_none() {
                return self.list_page(&keys, query).await;
            }
            return self.list_scan(&keys, schema, query).await;
        };
        let Some(lookup) = Lookup::plan(filter, schema, &keys, &unique_attrs(schema)) else {
            return self.list_scan(&keys, schema, query).await;
        };
        let mut reads = Vec::new();
        lookup.reads(&mut reads);
        let answers = self.read_indexes(reads).await?;
        let ids = self.in_creation_order(&keys, lookup.ids(&answers)).await?;
        let candidates = self.load(&keys, &ids).await?;
        execute(schema, candidates.iter(), query).map_err(StoreError::Query)
    }

    async fn member_of(
        &self,
        tenant: &str,
        group_schema: &ResourceSchema<'_>,
        member_id: &str,
    ) -> Result<Vec<Value>, StoreError> {
        let keys = self.keys(tenant, group_schema);
        let read = Read::Members(keys.lookup(MEMBERS, &fold_case(member_id)));
        let answers = self.read_indexes(vec![read]).await?;
        let ids = answers.into_iter().flat_map(|(_, ids)| ids);
        let ids = self.in_creation_order(&keys, ids).await?;
        let groups = self.load(&keys, &ids).await?;
        // The index is folded; member ids compare exactly.
        Ok(groups
            .into_iter()
            .filter(|g| {
                member(g, "members")
                    .and_then(Value::as_array)
                    .is_some_and(|ms| {
                        ms.iter()
                            .any(|m| member(m, "value").and_then(Value::as_str) == Some(member_id))
                    })
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ScoreBound::{After, At, NegInf, PosInf};

    /// Windows tile every score: open at both ends, each starting one
    /// after the last ended.
    fn assert_tiles(windows: &[Window]) {
        assert_eq!(windows.first().map(|w| w.0), Some(NegInf));
        assert_eq!(windows.last().map(|w| w.1), Some(PosInf));
        for pair in windows.windows(2) {
            match (pair[0].1, pair[1].0) {
                (At(end), After(start)) => assert_eq!(start, end, "{windows:?}"),
                other => panic!("{other:?} in {windows:?}"),
            }
        }
    }

    #[test]
    fn score_windows_hold_about_one_batch_and_cover_every_score() {
        assert_eq!(score_windows(10, 0, 3), []);
        assert_eq!(score_windows(0, 5, 3), [(NegInf, PosInf)]);
        assert_eq!(score_windows(3, 3, 3), [(NegInf, PosInf)]);
        assert_eq!(
            score_windows(10, 10, 3),
            [
                (NegInf, At(3)),
                (After(3), At(6)),
                (After(6), At(9)),
                (After(9), PosInf)
            ]
        );
        // A sparse set (most resources deleted): wider windows.
        assert_eq!(
            score_windows(100, 10, 3),
            [
                (NegInf, At(30)),
                (After(30), At(60)),
                (After(60), At(90)),
                (After(90), PosInf)
            ]
        );
        for (seq, members, batch) in [
            (100_000, 100_000, 500),
            (1_000_000, 7, 500),
            (u64::MAX, 1, 500),
            (u64::MAX, 1_000, 1),
            (5, 9, 1),
            (1_000, 1_000, usize::MAX),
        ] {
            let windows = score_windows(seq, members, batch);
            assert_tiles(&windows);
            let batch = u64::try_from(batch).unwrap_or(u64::MAX);
            assert!(
                windows.len() as u64 <= members / batch.min(members).max(1) + 1,
                "{seq} {members} {batch}: {} windows",
                windows.len()
            );
        }
    }
}
