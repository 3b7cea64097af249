//! The Lua scripts that write. Each write (the resource, its place in the
//! creation order and every index entry) is one script, so Redis runs it
//! atomically: no reader or crash can see a resource without its index
//! entries or an index entry without its resource.
//!
//! Every key a script touches is passed in `KEYS` (computed by the caller,
//! see `keys.rs`), and all of them carry the tenant's hash tag, so the
//! scripts are legal on Redis Cluster.
//!
//! Replace and delete must remove the old document's index entries, which
//! the caller computes from the document it read. The script checks that
//! the stored document is still byte-for-byte that one and answers
//! `changed` otherwise; the caller then reads again and retries.
//!
//! Every script answers an array whose first element is the outcome:
//! `ok`, `taken` (then the attribute name), `missing` or `changed`.

use redis::Script;

/// The scripts, hashed once.
#[derive(Debug)]
pub(crate) struct Scripts {
    pub(crate) create: Script,
    pub(crate) replace: Script,
    pub(crate) delete: Script,
}

impl Scripts {
    pub(crate) fn new() -> Self {
        Scripts {
            create: Script::new(CREATE),
            replace: Script::new(REPLACE),
            delete: Script::new(DELETE),
        }
    }
}

/// KEYS: resource, seq, order, `nu` unique keys, then lookup set keys.
/// ARGV: id, document, nu, then the `nu` attribute names.
const CREATE: &str = r"
local id = ARGV[1]
local nu = tonumber(ARGV[3])
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {'taken', 'id'}
end
for i = 1, nu do
  local holder = redis.call('GET', KEYS[3 + i])
  if holder and holder ~= id then
    return {'taken', ARGV[3 + i]}
  end
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[3], redis.call('INCR', KEYS[2]), id)
for i = 1, nu do
  redis.call('SET', KEYS[3 + i], id)
end
for i = 4 + nu, #KEYS do
  redis.call('SADD', KEYS[i], id)
end
return {'ok'}
";

/// KEYS: resource, `nu` new unique keys, `nl` new lookup keys, `ou` old
/// unique keys, then the old lookup keys.
/// ARGV: id, old document, new document, nu, nl, ou, then the `nu`
/// attribute names.
const REPLACE: &str = r"
local id = ARGV[1]
local nu = tonumber(ARGV[4])
local nl = tonumber(ARGV[5])
local ou = tonumber(ARGV[6])
local current = redis.call('GET', KEYS[1])
if not current then
  return {'missing'}
end
if current ~= ARGV[2] then
  return {'changed'}
end
for i = 2, 1 + nu do
  local holder = redis.call('GET', KEYS[i])
  if holder and holder ~= id then
    return {'taken', ARGV[5 + i]}
  end
end
for i = 2 + nu + nl, 1 + nu + nl + ou do
  if redis.call('GET', KEYS[i]) == id then
    redis.call('DEL', KEYS[i])
  end
end
for i = 2 + nu + nl + ou, #KEYS do
  redis.call('SREM', KEYS[i], id)
end
redis.call('SET', KEYS[1], ARGV[3])
for i = 2, 1 + nu do
  redis.call('SET', KEYS[i], id)
end
for i = 2 + nu, 1 + nu + nl do
  redis.call('SADD', KEYS[i], id)
end
return {'ok'}
";

/// KEYS: resource, order, `ou` old unique keys, then the old lookup keys.
/// ARGV: id, old document, ou.
const DELETE: &str = r"
local id = ARGV[1]
local ou = tonumber(ARGV[3])
local current = redis.call('GET', KEYS[1])
if not current then
  return {'missing'}
end
if current ~= ARGV[2] then
  return {'changed'}
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], id)
for i = 3, 2 + ou do
  if redis.call('GET', KEYS[i]) == id then
    redis.call('DEL', KEYS[i])
  end
end
for i = 3 + ou, #KEYS do
  redis.call('SREM', KEYS[i], id)
end
return {'ok'}
";
