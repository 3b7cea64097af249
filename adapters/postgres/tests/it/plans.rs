//! Query plans on a table big enough (and analysed) for the planner to
//! prefer indexes honestly: every lookup the store promises to serve from
//! an index shows that index in `EXPLAIN`, and no sequential scan.

use scim_core::store::ResourceStore;
use scim_store_testkit::data::{groups, query, users};

const USERS: i64 = 100_000;
const GROUPS: i64 = 2_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_are_index_scans() {
    let Some(store) = crate::fresh_store().await else {
        return;
    };
    // Bulk-load directly (the store's own writes are tested elsewhere):
    // users u1..uN and groups g1..gM with five members each.
    sqlx::query(
        "INSERT INTO scim_resources (tenant, rtype, id, version, doc) \
         SELECT CASE WHEN i % 10 = 0 THEN 'other' ELSE 't' END, 'User', 'u' || i, 'W/\"1\"', jsonb_build_object(\
           'id', 'u' || i, 'userName', 'User' || i, 'externalId', 'ext-' || i, \
           'emails', jsonb_build_array(jsonb_build_object('value', 'user' || i || '@example.com', 'type', 'work'))) \
         FROM generate_series(1, $1) AS i",
    )
    .bind(USERS)
    .execute(store.pool())
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO scim_resources (tenant, rtype, id, version, doc) \
         SELECT 't', 'Group', 'g' || i, 'W/\"1\"', jsonb_build_object(\
           'id', 'g' || i, 'displayName', 'Group ' || i, \
           'members', (SELECT jsonb_agg(jsonb_build_object('value', 'u' || (i * 5 + k))) FROM generate_series(0, 4) AS k)) \
         FROM generate_series(1, $1) AS i",
    )
    .bind(GROUPS)
    .execute(store.pool())
    .await
    .unwrap();
    sqlx::query("ANALYZE scim_resources")
        .execute(store.pool())
        .await
        .unwrap();
    let trgm: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'scim_trgm_user_name' AND schemaname = current_schema())",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    let mut cases: Vec<(bool, &str, &str, usize)> = vec![
        (true, r#"userName eq "USER77""#, "scim_idx_user_name", 1),
        (
            true,
            r#"urn:ietf:params:scim:schemas:core:2.0:User:username eq "user77""#,
            "scim_idx_user_name",
            1,
        ),
        (true, r#"externalId eq "ext-77""#, "scim_idx_external_id", 1),
        (true, r#"id eq "u77""#, "scim_idx_id", 1),
        (
            true,
            r#"emails.value eq "USER77@example.com""#,
            "scim_idx_emails_value",
            1,
        ),
        (
            true,
            r#"emails[type eq "work" and value eq "user77@example.com"]"#,
            "scim_idx_emails_value",
            1,
        ),
        (
            false,
            r#"members[value eq "u77"]"#,
            "scim_idx_members_value",
            1,
        ),
        (
            false,
            r#"members.value eq "U78""#,
            "scim_idx_members_value",
            1,
        ),
    ];
    if trgm {
        cases.extend([
            // u12345 only: u123450 and up do not exist.
            (true, r#"userName co "er12345""#, "scim_trgm_user_name", 1),
            // u1234 and u12341..u12349 (u12340 is in another tenant).
            (true, r#"userName sw "USER1234""#, "scim_trgm_user_name", 10),
            (
                true,
                r#"emails co "r12345@exa""#,
                "scim_trgm_emails_value",
                1,
            ),
            (
                true,
                r#"emails.value ew "r12345@example.com""#,
                "scim_trgm_emails_value",
                1,
            ),
        ]);
    } else {
        eprintln!("pg_trgm unavailable: trigram plans not checked");
    }
    let mut failures = Vec::new();
    for (is_user, filter, index, hits) in cases {
        let schema = if is_user { users() } else { groups() };
        let q = query(&schema, &[("filter", filter)]);
        let plan = store.explain_list("t", &schema, &q).await.unwrap();
        if !plan.contains(index) || plan.contains("Seq Scan") {
            failures.push(format!(
                "{filter}: expected an index scan on {index}\n{plan}"
            ));
        }
        let page = store.list("t", &schema, &q).await.unwrap();
        if page.total_results != hits {
            failures.push(format!(
                "{filter}: {} results, expected {hits}",
                page.total_results
            ));
        }
    }
    // The reverse membership lookup.
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN SELECT CAST(doc AS text) FROM scim_resources \
         WHERE tenant = 't' AND rtype = 'Group' AND doc->'members' @> '[{\"value\": \"u77\"}]' ORDER BY seq",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let plan = plan.join("\n");
    if !plan.contains("scim_idx_members") || plan.contains("Seq Scan") {
        failures.push(format!("member_of: expected scim_idx_members\n{plan}"));
    }
    let g = store.member_of("t", &groups(), "u77").await.unwrap();
    assert_eq!(g.len(), 1);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
