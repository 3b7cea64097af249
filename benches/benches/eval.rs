//! The in-memory evaluator: compile once, then match 100,000 users.
//!
//! Run with
//! `cargo bench -p scim-benches --bench eval -- --warm-up-time 1 --measurement-time 5`.
//! Budget: one pass over the 100k users under 15 ms.
//!
//! `eval/matches_packed_100k_users` runs the same filter over the users in
//! their packed form ([`PackedValue`], what the memory store filters), the
//! way `scim_core::query::execute` scans them: each user is tested while
//! the next is prefetched ([`PackedValue::prefetch`]).
//! `eval/execute_packed_100k_users` is that scan through `execute` itself
//! (filter compiled against scim-core's registry, only the count kept);
//! `eval/matches_packed_no_prefetch_100k_users` the scan without the
//! prefetch; `eval/matches_100k_users` over `serde_json::Value`s.
//!
//! `eval/baseline_username_100k` reads `user["userName"]` from each user
//! with plain serde_json and nothing else: the memory floor a pass over
//! these `Value`s pays whatever the evaluator does, so compare against it.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use scim_core::query::{execute, Candidate, ListQuery};
use scim_core::Registry;
use scim_filter::testing::TestSchema;
use scim_filter::{parse_filter, CompiledFilter, PackedValue};
use serde_json::{json, Value};

const USERS: usize = 100_000;

/// xorshift64*: deterministic, so every run sees the same users.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        // The modulo bias is irrelevant here.
        items[(self.next() % items.len() as u64) as usize]
    }
}

const GIVEN: &[&str] = &[
    "Barbara", "james", "Ola", "Zoë", "kenji", "Priya", "jordan", "Amara", "Luis", "Ingrid",
    "Jean-Luc", "mei", "Tomasz", "Yusuf", "Elena", "Noah",
];
const FAMILY: &[&str] = &[
    "Jensen", "Smith", "Nordmann", "García", "Tanaka", "Okafor", "Müller", "Chen", "Kowalski",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "EXAMPLE.COM",
    "Example.org",
    "mail.example.com",
    "corp.test",
    "jensen.org",
];
const TYPES: &[&str] = &["work", "Work", "WORK", "home", "Home", "other"];

/// A plausible RFC 7643 User; about a third have a work address at
/// example.com, and userNames start with every letter.
fn user(rng: &mut Rng, i: usize) -> Value {
    let given = rng.pick(GIVEN);
    let family = rng.pick(FAMILY);
    let user_name = format!("{}.{}{i}", given.to_lowercase(), family.to_lowercase());
    let emails: Vec<Value> = (0..1 + rng.next() % 3)
        .map(|n| {
            json!({
                "value": format!("{}{n}@{}", user_name, rng.pick(DOMAINS)),
                "type": rng.pick(TYPES),
                "primary": n == 0,
            })
        })
        .collect();
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": format!("{:016x}-{i:08}", rng.next()),
        "userName": user_name,
        "name": {"givenName": given, "familyName": family, "formatted": format!("{given} {family}")},
        "displayName": format!("{given} {family}"),
        "active": !rng.next().is_multiple_of(5),
        "emails": emails,
        "meta": {
            "resourceType": "User",
            "created": "2024-01-02T03:04:05Z",
            "lastModified": "2024-06-07T08:09:10.123+02:00",
            "version": format!("W/\"{:x}\"", rng.next()),
        },
    })
}

/// The users as a store hands them over: parsed from their stored JSON
/// text, one after the other (which also lays each user out compactly in
/// memory, as loading from any store does).
fn users() -> Vec<Value> {
    let mut rng = Rng(0x5C1A_F117_E2C0_FFEE);
    let built: Vec<Value> = (0..USERS).map(|i| user(&mut rng, i)).collect();
    let text = Value::Array(built).to_string();
    serde_json::from_str(&text).expect("generated JSON parses")
}

const FILTER: &str = r#"emails[type eq "work" and value co "@example.com"] or userName sw "j""#;

fn bench(c: &mut Criterion) {
    let schema = TestSchema::user();
    let filter = parse_filter(FILTER).expect("the bench filter parses");
    let users = users();
    let compiled = CompiledFilter::compile(&filter, &schema).expect("the bench filter compiles");
    let packed: Vec<PackedValue> = users.iter().map(PackedValue::new).collect();
    let hits = users.iter().filter(|u| compiled.matches(u)).count();
    let packed_hits = packed.iter().filter(|u| compiled.matches_packed(u)).count();
    assert_eq!(hits, packed_hits, "the packed form changes the answer");
    assert!(
        hits > USERS / 10 && hits < USERS * 9 / 10,
        "{hits} of {USERS} match"
    );

    c.bench_function("eval/compile", |b| {
        b.iter(|| CompiledFilter::compile(black_box(&filter), &schema))
    });

    let mut group = c.benchmark_group("eval");
    group.throughput(Throughput::Elements(USERS as u64));
    group.bench_function("matches_packed_100k_users", |b| {
        b.iter(|| {
            let packed = black_box(&packed);
            let mut hits = 0;
            for (i, user) in packed.iter().enumerate() {
                if let Some(next) = packed.get(i + 1) {
                    next.prefetch();
                }
                hits += usize::from(compiled.matches_packed(user));
            }
            hits
        })
    });
    group.bench_function("execute_packed_100k_users", |b| {
        let registry = Registry::with_builtins();
        let view = registry.view("User").expect("the built-in User type");
        let stored: Vec<Stored> = users
            .iter()
            .zip(&packed)
            .map(|(value, packed)| Stored { value, packed })
            .collect();
        let query = ListQuery::all(0).with_filter(filter.clone());
        let page = execute(&view, stored.iter(), &query).expect("the bench query runs");
        assert_eq!(page.total_results, hits, "execute changes the answer");
        b.iter(|| execute(&view, black_box(&stored).iter(), &query).map(|p| p.total_results))
    });
    group.bench_function("matches_packed_no_prefetch_100k_users", |b| {
        b.iter(|| {
            black_box(&packed)
                .iter()
                .filter(|u| compiled.matches_packed(u))
                .count()
        })
    });
    group.bench_function("matches_100k_users", |b| {
        b.iter(|| {
            black_box(&users)
                .iter()
                .filter(|u| compiled.matches(u))
                .count()
        })
    });
    group.bench_function("baseline_username_100k", |b| {
        b.iter(|| {
            black_box(&users)
                .iter()
                .filter(|u| {
                    u.get("userName")
                        .and_then(Value::as_str)
                        .is_some_and(|s| s.len() > 3)
                })
                .count()
        })
    });
    group.finish();
}

/// A user as the memory store holds it: its JSON and its packed form.
struct Stored<'a> {
    value: &'a Value,
    packed: &'a PackedValue,
}

impl Candidate for Stored<'_> {
    fn value(&self) -> &Value {
        self.value
    }
    fn packed(&self) -> Option<&PackedValue> {
        Some(self.packed)
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
