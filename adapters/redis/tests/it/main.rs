//! The Redis store against the whole adapter contract and its own
//! promises, on the real server at `SCIM_TEST_REDIS_URL` (default
//! `redis://127.0.0.1:6379`). Without a server every test skips with a
//! message, unless `SCIM_REQUIRE_SERVICES=1`, when they fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod integrity;
mod list;
mod store;

use scim_store_redis::RedisStore;
use std::sync::Arc;
use std::time::Duration;

/// The prefix every test key lives under.
const TEST_PREFIX: &str = "scimtest";

/// A store on the test server, or `None` (after saying so) when there is
/// none and services are not required.
pub async fn redis_store() -> Option<RedisStore> {
    let url = std::env::var("SCIM_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_owned());
    let required = std::env::var("SCIM_REQUIRE_SERVICES").is_ok_and(|v| v == "1");
    let probe = async {
        let client = redis::Client::open(url.as_str())?;
        let mut c = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async::<String>(&mut c).await
    };
    match tokio::time::timeout(Duration::from_secs(3), probe).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) if required => panic!("SCIM_REQUIRE_SERVICES=1 but Redis at {url} fails: {e}"),
        Err(_) if required => panic!("SCIM_REQUIRE_SERVICES=1 but Redis at {url} does not answer"),
        Ok(Err(e)) => {
            eprintln!("skipped: Redis at {url} is unreachable ({e}); set SCIM_TEST_REDIS_URL");
            return None;
        }
        Err(_) => {
            eprintln!("skipped: Redis at {url} does not answer; set SCIM_TEST_REDIS_URL");
            return None;
        }
    }
    let store = RedisStore::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("Redis at {url} answered PING but connect failed: {e}"));
    Some(store.with_prefix(TEST_PREFIX))
}

scim_store_testkit::contract_tests!(optional: redis_store()
    .await
    .map(|s| Arc::new(s) as scim_store_testkit::Store));
