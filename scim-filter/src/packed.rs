//! [`PackedValue`]: a JSON value laid out in one contiguous buffer, for
//! running a [`CompiledFilter`](crate::CompiledFilter) over many resources.
//!
//! A `serde_json::Value` is a tree of separately allocated maps, arrays
//! and strings; testing a filter against 100,000 of them is bound by the
//! cache misses of chasing those pointers, not by the comparisons. A
//! packed value holds the same JSON in document order in a single byte
//! buffer: finding a member scans forward through bytes that are already
//! in cache or next in line, and skipping a member is one length read.
//!
//! The layout is private. Each value starts with a tag byte:
//!
//! | tag | value | followed by |
//! |-----|-------|-------------|
//! | 0, 1, 2 | `null`, `false`, `true` | nothing |
//! | 3, 4, 5 | an `i64`, a `u64`, an `f64` number | 8 bytes, little-endian |
//! | 6 | a string | its byte length, its UTF-8 bytes |
//! | 7 | an array | the byte length of its elements, the elements |
//! | 8 | an object | the byte length of the rest, the number of members, a directory, the members |
//!
//! An object's directory holds, per member, the key's byte length and
//! the offset of the member's value within the members (both `u32`,
//! little-endian) and the key's first four bytes in ASCII lower case;
//! each member is its key's bytes followed by its value. Looking a key up
//! scans the directory, twelve bytes per member, and reads a key only
//! when its length and first bytes match. Lengths and counts are `u32`,
//! little-endian: fixed widths keep reading a header free of branches. A
//! value whose parts pass 4 GiB does not fit the directory's offsets: its
//! members read as absent.
//!
//! Strings have two tags (6 and 9). A "plain" string (9) holds neither
//! `İ` (U+0130) nor the Kelvin sign (U+212A), the only characters whose
//! lower case contains ASCII, so matching it byte by byte against an
//! ASCII literal, ignoring ASCII case, gives the final answer. That is
//! decided once, when the string is packed, instead of by a scan at every
//! comparison that misses.

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::ops::Range;
use std::sync::atomic::AtomicU32;
use std::sync::atomic::Ordering::Relaxed;

const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const I64: u8 = 3;
const U64: u8 = 4;
const F64: u8 = 5;
const STR: u8 = 6;
const ARR: u8 = 7;
const OBJ: u8 = 8;
/// A plain string (see the module documentation).
const PLAIN_STR: u8 = 9;

/// The tag of a string with these bytes.
#[inline]
fn str_tag(s: &[u8]) -> u8 {
    if crate::eval::ascii_decides(s) {
        PLAIN_STR
    } else {
        STR
    }
}

/// The bytes of one object directory entry: key length, value offset,
/// key prefix.
const DIR_ENTRY: usize = 12;

/// The first four bytes of `key` in ASCII lower case, zero-padded: keys
/// that differ here differ ignoring ASCII case too, so a lookup reads only
/// the keys whose length and prefix both match.
#[inline]
fn key_prefix(key: &[u8]) -> [u8; 4] {
    let mut p = [0; 4];
    for (d, s) in p.iter_mut().zip(key) {
        *d = s.to_ascii_lowercase();
    }
    p
}

/// A JSON value packed into one buffer; see the [module
/// documentation](self).
///
/// ```
/// use scim_filter::PackedValue;
/// use serde_json::json;
///
/// let user = json!({"userName": "bjensen", "emails": [{"value": "b@example.com"}]});
/// let packed = PackedValue::new(&user);
/// assert_eq!(packed.to_value(), user);
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PackedValue {
    bytes: Box<[u8]>,
}

impl PackedValue {
    /// Packs `value`.
    pub fn new(value: &Value) -> Self {
        let mut out = Vec::with_capacity(256);
        encode(value, &mut out);
        PackedValue {
            bytes: out.into_boxed_slice(),
        }
    }

    /// Packs the JSON text `json` without building a `serde_json::Value`
    /// first: the same bytes as `PackedValue::new` of the value
    /// `serde_json::from_slice` reads, duplicate keys included (the last
    /// one wins), and the same errors, trailing characters and nesting
    /// past serde_json's depth limit among them.
    ///
    /// ```
    /// use scim_filter::PackedValue;
    /// use serde_json::json;
    ///
    /// let packed = PackedValue::from_json_slice(br#"{"b": [1, -2.5], "a": "x", "a": null}"#)?;
    /// assert_eq!(packed, PackedValue::new(&json!({"a": null, "b": [1, -2.5]})));
    /// assert!(PackedValue::from_json_slice(b"{} x").is_err());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn from_json_slice(json: &[u8]) -> Result<PackedValue, serde_json::Error> {
        let mut packer = Packer {
            // Packed text is usually a little longer than the JSON.
            out: Vec::with_capacity(json.len() + json.len() / 2 + 16),
            // Room for a resource's worth of members without regrowing.
            members: Vec::with_capacity(32),
            dir: Vec::with_capacity(4 + DIR_ENTRY * 32),
            sorted: Vec::new(),
        };
        // Checking the whole text's UTF-8 at once is cheaper than string
        // by string, as `from_slice` does; invalid text still goes through
        // `from_slice`, for its error.
        match std::str::from_utf8(json) {
            Ok(text) => packer.run(serde_json::Deserializer::from_str(text))?,
            Err(_) => packer.run(serde_json::Deserializer::from_slice(json))?,
        }
        Ok(PackedValue {
            bytes: packer.out.into_boxed_slice(),
        })
    }

    /// The value back as a `serde_json::Value`, equal to the one packed.
    pub fn to_value(&self) -> Value {
        decode(self.root()).unwrap_or(Value::Null)
    }

    /// The number of bytes the packed form takes.
    pub fn len_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// Starts bringing this value into the CPU's cache, so that testing it
    /// next does not wait on memory: call it on the next resource before
    /// testing the current one when scanning many (as
    /// `scim_core::query::execute` does).
    ///
    /// A scan of resources too many to stay in cache is otherwise bound by
    /// memory latency, not by the filter: each resource's lookups depend on
    /// each other, so its cache misses are paid one after another. This
    /// reads one byte of every 64-byte line of the value; the loads are
    /// independent, so the CPU issues them together and carries on with
    /// the current resource while they complete. Plain reads rather than a
    /// prefetch instruction, which Rust offers only through `unsafe`.
    #[inline]
    pub fn prefetch(&self) {
        let mut x = 0u8;
        for line in self.bytes.chunks(64) {
            x ^= line.first().copied().unwrap_or_default();
        }
        std::hint::black_box(x);
    }

    /// The root value.
    pub(crate) fn root(&self) -> Item<'_> {
        split(&self.bytes).map_or(Item::Null, |(item, _)| item)
    }
}

impl From<&Value> for PackedValue {
    fn from(value: &Value) -> Self {
        PackedValue::new(value)
    }
}

impl std::fmt::Debug for PackedValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PackedValue({})", self.to_value())
    }
}

fn encode(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(NULL),
        Value::Bool(false) => out.push(FALSE),
        Value::Bool(true) => out.push(TRUE),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                out.push(U64);
                out.extend_from_slice(&u.to_le_bytes());
            } else if let Some(i) = n.as_i64() {
                out.push(I64);
                out.extend_from_slice(&i.to_le_bytes());
            } else {
                out.push(F64);
                out.extend_from_slice(&n.as_f64().unwrap_or(0.0).to_le_bytes());
            }
        }
        Value::String(s) => {
            out.push(str_tag(s.as_bytes()));
            put_u32(out, s.len());
            out.extend_from_slice(s.as_bytes());
        }
        Value::Array(items) => {
            out.push(ARR);
            let body = reserve_u32(out);
            for item in items {
                encode(item, out);
            }
            fill_length(out, body);
        }
        Value::Object(members) => {
            out.push(OBJ);
            let body = reserve_u32(out);
            put_u32(out, members.len());
            let dir = out.len();
            out.resize(dir + DIR_ENTRY * members.len(), 0);
            let data = out.len();
            for (i, (key, v)) in members.iter().enumerate() {
                out.extend_from_slice(key.as_bytes());
                let entry = dir + DIR_ENTRY * i;
                let [len, at] = [key.len(), out.len() - data].map(to_u32);
                if let Some(slot) = out.get_mut(entry..entry + DIR_ENTRY) {
                    slot[..4].copy_from_slice(&len.to_le_bytes());
                    slot[4..8].copy_from_slice(&at.to_le_bytes());
                    slot[8..].copy_from_slice(&key_prefix(key.as_bytes()));
                }
                encode(v, out);
            }
            fill_length(out, body);
        }
    }
}

/// Packs JSON text as serde reads it, into `out`, in the layout `encode`
/// writes.
///
/// An object's members arrive in document order, possibly repeated, while
/// the layout wants them sorted by key bytes, deduplicated, behind their
/// directory. So its members are written first, each noted in `members`
/// (a stack shared by all open objects); when the object closes, its
/// directory is built from the notes and inserted in front of them, and
/// the members are rewritten in order only when they were not in order
/// already.
struct Packer {
    out: Vec<u8>,
    members: Vec<Member>,
    /// Scratch for the directory being built.
    dir: Vec<u8>,
    /// Scratch for members being put in order.
    sorted: Vec<u8>,
}

/// Where one object member was written in `Packer::out`.
struct Member {
    key: Range<usize>,
    /// The end of its value.
    end: usize,
}

impl Packer {
    /// Writes the directory of the object whose members start at `data`
    /// and were noted from `members[first..]`, reordering them if needed.
    fn close_object(&mut self, data: usize, first: usize) {
        let Packer {
            out,
            members,
            dir,
            sorted,
        } = self;
        let mine = members.get_mut(first..).unwrap_or_default();
        let in_order = mine
            .windows(2)
            .all(|w| out.get(w[0].key.clone()) < out.get(w[1].key.clone()));
        dir.clear();
        if in_order {
            put_u32(dir, mine.len());
            for m in mine.iter() {
                let key = out.get(m.key.clone()).unwrap_or_default();
                push_entry(dir, key, m.key.end.saturating_sub(data));
            }
            // Move the members up and write the directory in front: one
            // memmove (`Vec::splice` copies byte by byte).
            let end = out.len();
            out.resize(end + dir.len(), 0);
            out.copy_within(data..end, data + dir.len());
            if let Some(slot) = out.get_mut(data..data + dir.len()) {
                slot.copy_from_slice(dir);
            }
        } else {
            // Stable: of equal keys, the last written stays last.
            mine.sort_by(|a, b| out.get(a.key.clone()).cmp(&out.get(b.key.clone())));
            let mine = &*mine;
            let key = |m: &Member| out.get(m.key.clone()).unwrap_or_default();
            let kept = |i: usize| match (mine.get(i), mine.get(i + 1)) {
                (Some(m), Some(next)) => key(m) != key(next),
                _ => true,
            };
            let count = (0..mine.len()).filter(|&i| kept(i)).count();
            put_u32(dir, count);
            sorted.clear();
            for (i, m) in mine.iter().enumerate() {
                if kept(i) {
                    let k = key(m);
                    sorted.extend_from_slice(k);
                    push_entry(dir, k, sorted.len());
                    sorted.extend_from_slice(out.get(m.key.end..m.end).unwrap_or_default());
                }
            }
            out.truncate(data);
            out.extend_from_slice(dir);
            out.extend_from_slice(sorted);
        }
        members.truncate(first);
    }
}

impl Packer {
    /// Packs the one value `de` reads, which must be all of its text.
    fn run<'de, R: serde_json::de::Read<'de>>(
        &mut self,
        mut de: serde_json::Deserializer<R>,
    ) -> Result<(), serde_json::Error> {
        self.deserialize(&mut de)?;
        de.end()
    }
}

/// Appends the directory entry of `key`, whose value starts `at` bytes
/// into the members.
fn push_entry(dir: &mut Vec<u8>, key: &[u8], at: usize) {
    put_u32(dir, key.len());
    put_u32(dir, at);
    dir.extend_from_slice(&key_prefix(key));
}

impl<'de> DeserializeSeed<'de> for &mut Packer {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for &mut Packer {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.out.push(NULL);
        Ok(())
    }

    fn visit_bool<E>(self, b: bool) -> Result<(), E> {
        self.out.push(if b { TRUE } else { FALSE });
        Ok(())
    }

    fn visit_i64<E>(self, i: i64) -> Result<(), E> {
        // As `Value` does: a non-negative integer is a `u64`.
        self.out.push(if i < 0 { I64 } else { U64 });
        self.out.extend_from_slice(&i.to_le_bytes());
        Ok(())
    }

    fn visit_u64<E>(self, u: u64) -> Result<(), E> {
        self.out.push(U64);
        self.out.extend_from_slice(&u.to_le_bytes());
        Ok(())
    }

    fn visit_f64<E>(self, f: f64) -> Result<(), E> {
        // As `Value` does: a number that is not finite reads as null.
        if f.is_finite() {
            self.out.push(F64);
            self.out.extend_from_slice(&f.to_le_bytes());
        } else {
            self.out.push(NULL);
        }
        Ok(())
    }

    fn visit_str<E>(self, s: &str) -> Result<(), E> {
        self.out.push(str_tag(s.as_bytes()));
        put_u32(&mut self.out, s.len());
        self.out.extend_from_slice(s.as_bytes());
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.out.push(ARR);
        let body = reserve_u32(&mut self.out);
        while seq.next_element_seed(&mut *self)?.is_some() {}
        fill_length(&mut self.out, body);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.out.push(OBJ);
        let body = reserve_u32(&mut self.out);
        let data = self.out.len();
        let first = self.members.len();
        let mut start = data;
        while map.next_key_seed(KeySeed(&mut self.out))?.is_some() {
            let key = start..self.out.len();
            map.next_value_seed(&mut *self)?;
            start = self.out.len();
            self.members.push(Member { key, end: start });
        }
        self.close_object(data, first);
        fill_length(&mut self.out, body);
        Ok(())
    }
}

/// Writes an object key's bytes, unescaped, to the end of the buffer.
struct KeySeed<'a>(&'a mut Vec<u8>);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E>(self, s: &str) -> Result<(), E> {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// A length as stored; past 4 GiB it saturates, and reading the value
/// then fails (see the module documentation).
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&to_u32(n).to_le_bytes());
}

/// Makes room for a length and returns where the measured part starts.
fn reserve_u32(out: &mut Vec<u8>) -> usize {
    out.extend_from_slice(&[0; 4]);
    out.len()
}

/// Writes the length of `out[body..]` into the room before it.
fn fill_length(out: &mut [u8], body: usize) {
    let len = to_u32(out.len() - body).to_le_bytes();
    if let Some(slot) = body.checked_sub(4).and_then(|at| out.get_mut(at..body)) {
        slot.copy_from_slice(&len);
    }
}

/// Reads a `u32` from the front of `b`: its value and the rest.
#[inline]
fn read_u32(b: &[u8]) -> Option<(usize, &[u8])> {
    let (head, rest) = b.split_first_chunk::<4>()?;
    Some((u32::from_le_bytes(*head) as usize, rest))
}

/// One packed value, decoded as far as its header.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Item<'a> {
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    /// The UTF-8 bytes of a string, and whether it is plain (see the
    /// module documentation).
    Str(&'a [u8], bool),
    /// The packed elements.
    Arr(&'a [u8]),
    /// A packed object.
    Obj(Obj<'a>),
}

/// An attribute name to look up, with its directory probe computed once
/// (when a filter is compiled) rather than at every lookup.
#[derive(Debug)]
pub(crate) struct Key {
    name: Box<str>,
    /// Length and lower-cased prefix, as a directory entry holds them.
    probe: u64,
    /// Where in its object's directory this key was last found spelled
    /// exactly. Resources of one type mostly share a shape, so the next
    /// lookup tries there first and usually reads one entry instead of
    /// scanning. Only a hint: a stale or racing value costs a scan, never
    /// a wrong answer, so relaxed ordering is enough.
    hint: AtomicU32,
}

impl Clone for Key {
    fn clone(&self) -> Self {
        Key {
            name: self.name.clone(),
            probe: self.probe,
            hint: AtomicU32::new(self.hint.load(Relaxed)),
        }
    }
}

impl Key {
    /// The name as the schema spells it.
    pub(crate) fn as_str(&self) -> &str {
        &self.name
    }
}

impl From<&str> for Key {
    fn from(name: &str) -> Self {
        let len = u32::try_from(name.len()).unwrap_or(u32::MAX);
        Key {
            hint: AtomicU32::new(0),
            name: name.into(),
            probe: u64::from(len)
                | u64::from(u32::from_le_bytes(key_prefix(name.as_bytes()))) << 32,
        }
    }
}

impl From<String> for Key {
    fn from(name: String) -> Self {
        Key::from(name.as_str())
    }
}

/// A packed object: its directory and its members.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Obj<'a> {
    dir: &'a [u8],
    data: &'a [u8],
}

impl<'a> Obj<'a> {
    /// The value of the member whose key is `key` byte for byte, or
    /// (when there is none) the first whose key equals it ignoring ASCII
    /// case.
    #[inline(always)]
    pub(crate) fn member(self, key: &Key) -> Option<Item<'a>> {
        let hint = key.hint.load(Relaxed) as usize;
        match self.exact_at(hint, key) {
            Some(at) => self.value_at(at),
            None => self.scan_for(key, hint),
        }
    }

    /// [`member`](Self::member) when the hint missed: a scan of the whole
    /// directory.
    #[inline(never)]
    fn scan_for(self, key: &Key, hint: usize) -> Option<Item<'a>> {
        let (probe, name) = (key.probe, key.name.as_bytes());
        let mut folded = None;
        for (i, entry) in self.dir.chunks_exact(DIR_ENTRY).enumerate() {
            let Ok(&[l0, l1, l2, l3, a0, a1, a2, a3, p0, p1, p2, p3]) =
                <&[u8; DIR_ENTRY]>::try_from(entry)
            else {
                continue;
            };
            if u64::from_le_bytes([l0, l1, l2, l3, p0, p1, p2, p3]) != probe {
                continue;
            }
            let at = u32::from_le_bytes([a0, a1, a2, a3]) as usize;
            let Some(k) = at
                .checked_sub(name.len())
                .and_then(|from| self.data.get(from..at))
            else {
                continue;
            };
            if same_bytes(k, name) {
                if i != hint {
                    key.hint.store(u32::try_from(i).unwrap_or(0), Relaxed);
                }
                return self.value_at(at);
            }
            if folded.is_none() && k.eq_ignore_ascii_case(name) {
                folded = Some(at);
            }
        }
        folded.and_then(|at| self.value_at(at))
    }

    /// Where the value of directory entry `i` starts, if that entry's key
    /// is `key` spelled exactly.
    #[inline]
    fn exact_at(self, i: usize, key: &Key) -> Option<usize> {
        let entry = self.dir.get(i * DIR_ENTRY..)?.first_chunk::<DIR_ENTRY>()?;
        let &[l0, l1, l2, l3, a0, a1, a2, a3, p0, p1, p2, p3] = entry;
        if u64::from_le_bytes([l0, l1, l2, l3, p0, p1, p2, p3]) != key.probe {
            return None;
        }
        let at = u32::from_le_bytes([a0, a1, a2, a3]) as usize;
        let name = key.name.as_bytes();
        let k = self.data.get(at.checked_sub(name.len())?..at)?;
        same_bytes(k, name).then_some(at)
    }

    #[inline]
    fn value_at(self, at: usize) -> Option<Item<'a>> {
        split(self.data.get(at..)?).map(|(item, _)| item)
    }

    /// The members: key bytes and value.
    pub(crate) fn members(self) -> impl Iterator<Item = (&'a [u8], Item<'a>)> {
        self.dir.chunks_exact(DIR_ENTRY).filter_map(move |entry| {
            let &[l0, l1, l2, l3, a0, a1, a2, a3, ..] = <&[u8; DIR_ENTRY]>::try_from(entry).ok()?;
            let len = u32::from_le_bytes([l0, l1, l2, l3]) as usize;
            let at = u32::from_le_bytes([a0, a1, a2, a3]) as usize;
            let key = self.data.get(at.checked_sub(len)?..at)?;
            Some((key, self.value_at(at)?))
        })
    }
}

/// Reads `n` bytes from the front of `b`: those and the rest.
#[inline]
fn take(b: &[u8], n: usize) -> Option<(&[u8], &[u8])> {
    (b.len() >= n).then(|| b.split_at(n))
}

#[inline]
fn eight(b: &[u8]) -> Option<([u8; 8], &[u8])> {
    let (head, rest) = b.split_first_chunk::<8>()?;
    Some((*head, rest))
}

/// Reads the value at the front of `b`: its header and what follows it.
#[inline]
pub(crate) fn split(b: &[u8]) -> Option<(Item<'_>, &[u8])> {
    let (&tag, rest) = b.split_first()?;
    Some(match tag {
        NULL => (Item::Null, rest),
        FALSE => (Item::Bool(false), rest),
        TRUE => (Item::Bool(true), rest),
        I64 => eight(rest).map(|(x, r)| (Item::I64(i64::from_le_bytes(x)), r))?,
        U64 => eight(rest).map(|(x, r)| (Item::U64(u64::from_le_bytes(x)), r))?,
        F64 => eight(rest).map(|(x, r)| (Item::F64(f64::from_le_bytes(x)), r))?,
        STR | PLAIN_STR | ARR | OBJ => {
            let (len, rest) = read_u32(rest)?;
            let (body, rest) = take(rest, len)?;
            let item = match tag {
                STR => Item::Str(body, false),
                PLAIN_STR => Item::Str(body, true),
                ARR => Item::Arr(body),
                _ => {
                    let (count, members) = read_u32(body)?;
                    let (dir, data) = take(members, count.checked_mul(DIR_ENTRY)?)?;
                    Item::Obj(Obj { dir, data })
                }
            };
            (item, rest)
        }
        _ => return None,
    })
}

/// The elements of packed array contents.
pub(crate) fn elements(mut b: &[u8]) -> impl Iterator<Item = Item<'_>> {
    std::iter::from_fn(move || {
        let (item, rest) = split(b)?;
        b = rest;
        Some(item)
    })
}

/// Byte equality for keys: those up to 16 bytes (every SCIM attribute
/// name) compare as two overlapping words instead of byte by byte.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    fn words<const N: usize>(x: &[u8]) -> Option<([u8; N], [u8; N])> {
        Some((*x.first_chunk::<N>()?, *x.last_chunk::<N>()?))
    }
    if a.len() != b.len() {
        return false;
    }
    match a.len() {
        4..=8 => words::<4>(a) == words::<4>(b),
        9..=16 => words::<8>(a) == words::<8>(b),
        _ => a == b,
    }
}

impl Item<'_> {
    /// The number as a `serde_json::Number`, for numbers.
    pub(crate) fn number(self) -> Option<Number> {
        match self {
            Item::I64(i) => Some(i.into()),
            Item::U64(u) => Some(u.into()),
            Item::F64(f) => Number::from_f64(f),
            _ => None,
        }
    }
}

fn decode(item: Item<'_>) -> Option<Value> {
    Some(match item {
        Item::Null => Value::Null,
        Item::Bool(b) => Value::Bool(b),
        Item::I64(_) | Item::U64(_) | Item::F64(_) => Value::Number(item.number()?),
        Item::Str(s, _) => Value::String(std::str::from_utf8(s).ok()?.to_owned()),
        Item::Arr(b) => Value::Array(elements(b).map(decode).collect::<Option<_>>()?),
        Item::Obj(b) => {
            let mut map = Map::new();
            for (k, v) in b.members() {
                map.insert(std::str::from_utf8(k).ok()?.to_owned(), decode(v)?);
            }
            Value::Object(map)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips() {
        for v in [
            json!(null),
            json!(true),
            json!(-3),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(1.5e300),
            json!(""),
            json!("Zoë"),
            json!([]),
            json!({}),
            json!({"a": [1, {"b": null}], "long": "x".repeat(100_000)}),
        ] {
            assert_eq!(PackedValue::new(&v).to_value(), v);
        }
    }

    /// A string is packed plain exactly when it holds neither `İ` nor the
    /// Kelvin sign, whichever way it is packed.
    #[test]
    fn strings_are_plain_unless_they_fold_into_ascii() {
        for (text, plain) in [
            ("", true),
            ("bjensen", true),
            ("Zoë García Müller ΟΔΟΣ", true),
            ("\u{212A}elvin", false),
            ("\u{130}stanbul", false),
            ("x\u{C4}\u{E2}\u{130}", false),
        ] {
            let packed = PackedValue::new(&json!(text));
            assert!(
                matches!(packed.root(), Item::Str(_, p) if p == plain),
                "{text:?}"
            );
            let from_text = PackedValue::from_json_slice(json!(text).to_string().as_bytes());
            assert_eq!(from_text.ok(), Some(packed), "{text:?}");
        }
    }

    #[test]
    fn truncated_bytes_read_as_nothing() {
        let packed = PackedValue::new(&json!({"a": ["xyz", 1]}));
        for end in 0..packed.bytes.len() {
            // Never panics; a cut value is absent or shorter, never garbage.
            let _ = split(&packed.bytes[..end]).and_then(|(item, _)| decode(item));
        }
    }
}
