//! The in-memory executor: filter, sort and page a sequence of resources.
//! The memory adapter answers `list` with it, adapters that narrow by an
//! index first (Redis) finish with it, and it is the reference the SQL
//! adapters are tested against.

use super::sort::SortSpec;
use super::{ListPage, ListQuery};
use crate::error::{Result, ScimError};
use crate::schema::ResourceSchema;
use scim_filter::PackedValue;
use serde_json::Value;

/// A resource as an adapter holds it for [`execute`]: its JSON and, where
/// the adapter keeps one, its packed form, which the filter then runs on
/// (several times faster over many resources).
pub trait Candidate {
    /// The resource.
    fn value(&self) -> &Value;
    /// The resource packed, if the adapter keeps it so.
    fn packed(&self) -> Option<&PackedValue> {
        None
    }

    /// Starts loading the resource into the CPU's cache:
    /// [`execute`] calls it on the next resource while it tests the
    /// current one. The default prefetches the packed form, if any.
    fn prefetch(&self) {
        if let Some(p) = self.packed() {
            p.prefetch();
        }
    }
}

impl Candidate for Value {
    fn value(&self) -> &Value {
        self
    }
}

/// Answers `query` over `resources`: keeps those matching the filter, sorts
/// them by `sortBy` (stably: ties and unsorted queries keep input order),
/// and returns the page `start_index`/`count` selects with the number of
/// matches as `total_results`.
///
/// Fails with 400 invalidFilter when the filter names an attribute the
/// schema does not define or compares it in a way its type forbids, and
/// 400 invalidValue for such a `sortBy`.
pub fn execute<'v, C: Candidate + 'v>(
    schema: &ResourceSchema<'_>,
    resources: impl Iterator<Item = &'v C>,
    query: &ListQuery,
) -> Result<ListPage> {
    let matcher = match &query.filter {
        Some(f) => Some(compile_filter(f, schema)?),
        None => None,
    };
    let sort = match &query.sort_by {
        Some(path) => Some(SortSpec::resolve(path, schema)?),
        None => None,
    };
    let offset = query.offset();
    let Some(sort) = sort else {
        // Unsorted: count every match but clone only the page.
        let mut total = 0;
        let mut page = Vec::with_capacity(query.count.min(1024));
        for_each_match(resources, matcher.as_ref(), |r| {
            if total >= offset && page.len() < query.count {
                page.push(r.value().clone());
            }
            total += 1;
        });
        return Ok(ListPage {
            resources: page,
            total_results: total,
        });
    };
    let mut keyed: Vec<(Option<&Value>, &Value)> = Vec::new();
    for_each_match(resources, matcher.as_ref(), |r| {
        keyed.push((sort.key(r.value()), r.value()));
    });
    // `sort_by` is stable, which is what keeps ties in input order.
    keyed.sort_by(|a, b| sort.compare(a.0, b.0, query.sort_order));
    let total_results = keyed.len();
    let resources = keyed
        .into_iter()
        .skip(offset)
        .take(query.count)
        .map(|(_, r)| r.clone())
        .collect();
    Ok(ListPage {
        resources,
        total_results,
    })
}

/// Calls `keep` with each resource `matcher` accepts (every resource when
/// there is none), in order. While one resource is tested the next is
/// brought into cache ([`Candidate::prefetch`]): a scan of more resources
/// than the cache holds otherwise waits on memory for each of them, and
/// takes about twice as long.
fn for_each_match<'v, C: Candidate + 'v>(
    resources: impl Iterator<Item = &'v C>,
    matcher: Option<&Matcher>,
    mut keep: impl FnMut(&'v C),
) {
    let mut resources = resources.peekable();
    while let Some(r) = resources.next() {
        if let Some(m) = matcher {
            if let Some(next) = resources.peek() {
                next.prefetch();
            }
            if !m.matches(r) {
                continue;
            }
        }
        keep(r);
    }
}

/// A filter compiled against the schema, ready to test resources.
pub(crate) struct Matcher(scim_filter::CompiledFilter);

impl Matcher {
    fn matches(&self, resource: &impl Candidate) -> bool {
        match resource.packed() {
            Some(packed) => self.0.matches_packed(packed),
            None => self.0.matches(resource.value()),
        }
    }
}

/// Compiles `filter` against `schema`; an unknown attribute or a
/// comparison the attribute's type forbids is 400 invalidFilter.
pub(crate) fn compile_filter(
    filter: &scim_filter::Filter,
    schema: &ResourceSchema<'_>,
) -> Result<Matcher> {
    scim_filter::CompiledFilter::compile(filter, schema)
        .map(Matcher)
        .map_err(|e| ScimError::invalid_filter(e.to_string()))
}
