//! Seeded, deterministic data generated from the item schema.
//!
//! The same spec, seed and item count always give the same items, keys, owners and
//! credentials, so that every failure found against a mock replays. Items are kept in item-key
//! order and rendered to JSON once at start-up, with the item-level faults and reading modes
//! already applied, so serving a page is string concatenation.
//!
//! The generator covers what filter checks need: every enum value appears, arrays of enums
//! take every subset, and the values of the query filters' fields follow a mixed-radix counter,
//! so that every combination of two filters' values appears within a few dozen items.
//! Optional fields are absent on some items, nullable ones null on some.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{json, Map, Value};
use specs::{Match, Scope as AccessScope};

use crate::api::{Api, KeyKind};
use crate::combinators;
use crate::faults::Fault;
use crate::json;
use crate::modes::ReadingMode;

/// One seeded item: its true fields (what filters read) and its served JSON.
#[derive(Clone, Debug)]
pub(crate) struct Item {
    pub(crate) value: Value,
    pub(crate) json: String,
    /// The item key as text (an integer key in decimal).
    pub(crate) key: String,
    /// The value of the access path parameter the item belongs to.
    pub(crate) access: Option<usize>,
}

/// A value of the `x-access` path parameter and the owner it belongs to.
#[derive(Clone, Debug)]
pub(crate) struct AccessValue {
    pub(crate) text: String,
    pub(crate) owner: usize,
}

/// What a credential reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Reach {
    All,
    /// One access value, by index.
    Value(usize),
    /// Every access value of one owner, by owner index.
    Owner(usize),
}

/// Who a credential is, for which items of a list it may see (`x-restricted`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Caller {
    /// A main credential: every item its reach covers.
    Main,
    /// The viewer: a narrower credential that never sees the restricted items.
    Viewer,
    /// Nobody: a request without credentials to an operation whose security is optional.
    Anonymous,
}

/// A credential of the mock.
#[derive(Clone, Debug)]
pub(crate) struct Key {
    /// Internal id that tokens are bound to.
    pub(crate) id: u64,
    /// What a client sends: the key, or for HTTP Basic the user name and the password joined
    /// by a colon (`user:password`).
    pub(crate) secret: String,
    pub(crate) reach: Reach,
    pub(crate) caller: Caller,
}

/// The owners of one owner field: their ids (in the data) and identities (never shown).
#[derive(Clone, Debug)]
pub(crate) struct OwnerSet {
    /// Pointer of the owner field inside an item.
    pub(crate) field: String,
    pub(crate) ids: Vec<Value>,
    /// Filter parameter → identity of each owner, aligned with `ids`.
    pub(crate) identities: BTreeMap<String, Vec<String>>,
}

/// Everything the mock serves.
#[derive(Clone, Debug)]
pub(crate) struct Data {
    pub(crate) items: Vec<Item>,
    /// Items made after `items`, in key order, which a drifting mock creates as it serves.
    pub(crate) reserve: Vec<Item>,
    pub(crate) keys: Vec<Key>,
    /// The viewer credential, where the spec marks items restricted (`x-restricted`).
    pub(crate) viewer: Option<Key>,
    /// Who a request without credentials is, where the operation's security is optional.
    pub(crate) anonymous: Key,
    pub(crate) access_values: Vec<AccessValue>,
    /// Index of an access value no credential reads.
    pub(crate) forbidden: Option<usize>,
    /// An access value that does not exist.
    pub(crate) missing: Option<String>,
    /// A value for every path parameter, readable by the primary credential.
    pub(crate) path_values: BTreeMap<String, String>,
    pub(crate) owners: Vec<OwnerSet>,
}

impl Data {
    /// The owner set of a filter's field.
    pub(crate) fn owner_set(&self, field: &str) -> Option<&OwnerSet> {
        self.owners.iter().find(|o| o.field == field)
    }
}

const WORDS: &[&str] = &[
    "acme",
    "northwind",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "vandelay",
    "stark",
    "wayne",
    "wonka",
    "tyrell",
    "cyberdyne",
    "soylent",
    "gringotts",
    "oceanic",
    "monarch",
];
const TLDS: &[&str] = &["com", "io", "net", "co", "dev"];
/// 2026-01-01T00:00:00Z: the data is set in the year of the specs.
const EPOCH_2026: u64 = 1_767_225_600;
/// Nesting of the item schema beyond which the generator refuses it (a cyclic `$ref` would
/// otherwise never end).
const MAX_DEPTH: u32 = 8;
/// Owners of an owner filter's field.
const OWNERS: usize = 5;
/// Values of a free-text filter's field.
const FILTER_POOL: usize = 5;

/// Whether item `index` of `len` is one that a one-in-`every` fault or mode changes, starting
/// near the middle of small data sets so that even a handful of items has one.
pub(crate) fn is_victim(index: usize, len: usize, every: usize) -> bool {
    index % every == (len / 2).min(every / 2)
}

/// A stable small number for a field, so that fields' presence patterns differ.
fn salt(text: &str) -> usize {
    text.bytes().fold(7usize, |h, b| {
        h.wrapping_mul(31).wrapping_add(usize::from(b))
    })
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the Unix epoch.
pub(crate) fn iso8601(secs: u64) -> String {
    at(secs).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// An RFC 2822 date-time in GMT (`Sat, 10 Jan 2026 09:30:00 +0000`) for seconds since the
/// Unix epoch.
pub(crate) fn rfc2822(secs: u64) -> String {
    at(secs).format("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

/// A string like `example` that matches the schema's `pattern`, where the schema has one and
/// the example matches it: the example's leading capitals kept (a type tag such as `AC` or
/// `SM`), each later digit and hexadecimal letter replaced by a seeded one of its kind. `None`
/// without a pattern, and the example itself when the shaped value would not match.
fn like_pattern(schema: &Value, example: &str, rng: &mut StdRng) -> Option<String> {
    let pattern = schema.get("pattern").and_then(Value::as_str)?;
    let regex = compiled(pattern)?;
    if !regex.is_match(example) {
        return None;
    }
    let tag = example
        .chars()
        .take_while(|c| c.is_ascii_uppercase())
        .count();
    let mut out: String = example.chars().take(tag).collect();
    for c in example.chars().skip(tag) {
        out.push(match c {
            '0'..='9' => char::from(b'0' + rng.random_range(0..10u8)),
            'a'..='f' => char::from(b'a' + rng.random_range(0..6u8)),
            'A'..='F' => char::from(b'A' + rng.random_range(0..6u8)),
            other => other,
        });
    }
    Some(match regex.is_match(&out) {
        true => out,
        false => example.to_string(),
    })
}

/// The regex of a `pattern`, compiled once per thread (items are made by the thousand).
fn compiled(pattern: &str) -> Option<regex::Regex> {
    thread_local! {
        static CACHE: std::cell::RefCell<BTreeMap<String, Option<regex::Regex>>> =
            const { std::cell::RefCell::new(BTreeMap::new()) };
    }
    CACHE.with(|cache| {
        cache
            .borrow_mut()
            .entry(pattern.to_string())
            .or_insert_with(|| regex::Regex::new(pattern).ok())
            .clone()
    })
}

fn at(secs: u64) -> chrono::DateTime<chrono::Utc> {
    // The seeded data lies within days of 2026, far inside chrono's range.
    i64::try_from(secs)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .unwrap_or(chrono::DateTime::UNIX_EPOCH)
}

/// `prefix_` of an example such as `usr_01HZX0C6Z3K4M5N6P7Q8R9S0` (a prefixed ULID).
fn ulid_prefix(example: &str) -> Option<&str> {
    let (prefix, rest) = example.rsplit_once('_')?;
    let crockford = |c: char| c.is_ascii_digit() || (c.is_ascii_uppercase() && !"ILOU".contains(c));
    (rest.len() == 26 && rest.chars().all(crockford) && !prefix.is_empty())
        .then(|| &example[..prefix.len() + 1])
}

/// Whether an example looks like a host name (`acme-mail.com`).
fn is_domain(example: &str) -> bool {
    example.contains('.')
        && !example.contains(['/', '@', ' ', ':'])
        && example
            .rsplit('.')
            .next()
            .is_some_and(|tld| !tld.is_empty() && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

/// What the generator knows about one item while making it.
struct ItemCx {
    index: usize,
    key: Value,
    secs: u64,
    /// Date-times made so far: the first is the item's creation time, later ones follow it.
    dates: u32,
    /// The element of an array being made: pooled values differ between the elements of one
    /// item, so that an item can carry two values of a filter of several (`labels=a,b`).
    element: usize,
    access_text: Option<String>,
}

struct Gen<'a> {
    api: &'a Api,
    rng: StdRng,
    /// Query filters' fields with a finite domain, and its size: a mixed-radix counter.
    radix: Vec<(String, usize)>,
    owners: Vec<OwnerSet>,
    /// Item fields set from a path value (`x-filter` on a path parameter): field → parameter.
    path_fields: Vec<(String, String)>,
    path_values: BTreeMap<String, String>,
}

impl Data {
    /// Generates the data of `api` for `seed`, with the item-level faults and modes applied:
    /// `count` items, and `reserve` more for a drifting mock to create later. The data of the
    /// spec's other operations shares `first`'s credentials, access values and path values,
    /// so that one key and one project serve every operation.
    pub(crate) fn generate(
        api: &Api,
        seed: u64,
        count: usize,
        reserve: usize,
        fault: Option<Fault>,
        mode: Option<ReadingMode>,
        first: Option<&Data>,
    ) -> Result<Data, String> {
        combinators::check(
            &api.spec.raw,
            &api.item_schema,
            &api.item_pointer,
            0,
            MAX_DEPTH,
        )?;
        let mut salted = seed ^ (salt(&api.spec.name) as u64).rotate_left(32);
        if first.is_some() {
            salted ^= salt(api.op.operation_id.as_str()) as u64;
        }
        let mut rng = StdRng::seed_from_u64(salted);
        let keys_rng = StdRng::seed_from_u64(rng.random());
        let (access_values, forbidden, missing) = match first {
            Some(f) if !f.access_values.is_empty() => {
                (f.access_values.clone(), f.forbidden, f.missing.clone())
            }
            _ => access_values(api, &mut rng),
        };
        let mut g = Gen {
            api,
            radix: radix(api),
            owners: Vec::new(),
            path_fields: api
                .op
                .filters
                .iter()
                .filter(|f| f.location == specs::Location::Path)
                .map(|f| (f.field.to_string(), f.param.clone()))
                .collect(),
            path_values: BTreeMap::new(),
            rng,
        };
        g.owners = g.owner_sets();
        g.path_values = g.path_values(&access_values);
        if let Some(f) = first {
            for (name, value) in &f.path_values {
                if g.path_values.contains_key(name) {
                    g.path_values.insert(name.clone(), value.clone());
                }
            }
        }
        let mut items = g.items(count + reserve, &access_values)?;
        let len = items.len();
        for (i, item) in items.iter_mut().enumerate() {
            let shown = shown(api, &item.value, i, len, fault, mode, seed);
            item.json = shown.to_string();
        }
        let reserve = items.split_off(count.min(len));
        let (keys, viewer) = match first {
            Some(f) => (f.keys.clone(), f.viewer.clone()),
            None => keys(api, keys_rng, &access_values),
        };
        Ok(Data {
            anonymous: Key {
                id: ANONYMOUS_ID,
                secret: String::new(),
                reach: widest(&keys),
                caller: Caller::Anonymous,
            },
            keys,
            viewer,
            items,
            reserve,
            access_values,
            forbidden,
            missing,
            path_values: g.path_values,
            owners: g.owners,
        })
    }
}

/// The finite domains of the query filters' fields, in filter order.
fn radix(api: &Api) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for filter in api.query_filters() {
        if out.iter().any(|(f, _)| *f == filter.field) || filter.matching == Match::Owner {
            continue;
        }
        let Some((schema, _)) = api.spec.member_schema(&api.item_pointer, &filter.field) else {
            continue;
        };
        let schema = api.field_schema(&filter.field, schema);
        if let Some(n) = domain_size(api, &schema) {
            out.push((filter.field.to_string(), n));
        }
    }
    out
}

/// How many values a field can take, when that is a small finite number.
fn domain_size(api: &Api, schema: &Value) -> Option<usize> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return Some(values.len().max(1));
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("boolean") => Some(2),
        Some("array") => {
            let items = specs::resolve(&api.spec.raw, schema.get("items")?);
            let n = items.get("enum")?.as_array()?.len();
            Some(1usize << n.min(4))
        }
        _ => None,
    }
}

/// The values of the access path parameter (three of one owner, one of another), the index of
/// the other owner's value, and a value that does not exist.
fn access_values(api: &Api, rng: &mut StdRng) -> (Vec<AccessValue>, Option<usize>, Option<String>) {
    let Some(access) = &api.op.access else {
        return (Vec::new(), None, None);
    };
    let param = api.op.parameter(&access.path_param, specs::Location::Path);
    let integer = param.and_then(|p| p.schema_type()) == Some("integer");
    let owners = [0, 0, 1, 0];
    if integer {
        let min = param.and_then(|p| p.minimum()).unwrap_or(1).max(1);
        let mut next = min + 40 + rng.random_range(0..20i64);
        let mut values = Vec::new();
        for owner in owners {
            values.push(AccessValue {
                text: next.to_string(),
                owner,
            });
            next += 3 + rng.random_range(0..20i64);
        }
        let missing = next + 1000 + rng.random_range(0..1000i64);
        (values, Some(2), Some(missing.to_string()))
    } else {
        let base = param
            .and_then(|p| p.example.as_ref())
            .and_then(Value::as_str)
            .unwrap_or(&access.path_param)
            .to_string();
        // Values shaped like the example where the parameter has a pattern (account SIDs).
        let schema = param.map(|p| p.schema.clone()).unwrap_or_default();
        let mut texts: Vec<String> = Vec::new();
        for _ in 0..64 {
            match like_pattern(&schema, &base, rng) {
                _ if texts.len() > owners.len() => break,
                Some(v) if !texts.contains(&v) => texts.push(v),
                Some(_) => {}
                None => break,
            }
        }
        if texts.len() > owners.len() {
            let missing = texts.pop();
            let values = texts
                .into_iter()
                .zip(owners)
                .map(|(text, owner)| AccessValue { text, owner })
                .collect();
            return (values, Some(2), missing);
        }
        let values = owners
            .iter()
            .enumerate()
            .map(|(k, &owner)| AccessValue {
                text: format!(
                    "{base}-{}{:03x}",
                    WORDS[(k * 5 + 1) % WORDS.len()],
                    rng.random_range(0..4096u32)
                ),
                owner,
            })
            .collect();
        (
            values,
            Some(2),
            Some(format!(
                "{base}-missing-{:04x}",
                rng.random_range(0..65536u32)
            )),
        )
    }
}

/// The id tokens of anonymous requests are bound to.
const ANONYMOUS_ID: u64 = 10;

/// The id of the viewer credential.
const VIEWER_ID: u64 = 21;

/// The reach of the widest of `keys` (everything when there is none): what the narrower
/// callers reach, before the restricted items are taken out.
fn widest(keys: &[Key]) -> Reach {
    let rank = |r: &Reach| match r {
        Reach::All => 2,
        Reach::Owner(_) => 1,
        Reach::Value(_) => 0,
    };
    keys.iter()
        .map(|k| k.reach.clone())
        .max_by_key(rank)
        .unwrap_or(Reach::All)
}

/// The credentials: with `x-access`, one per scope kind in spec order (a key of the first value,
/// a key of the first owner); otherwise one that reads everything. Where an operation of the
/// spec marks items restricted, a viewer too, of the widest key's reach. For HTTP Basic a
/// secret is `user:password`.
fn keys(api: &Api, mut rng: StdRng, access_values: &[AccessValue]) -> (Vec<Key>, Option<Key>) {
    let Some(security) = &api.op.security else {
        return (Vec::new(), None);
    };
    let prefix = key_prefix(api, security);
    let basic = security.kind == specs::SecurityKind::Basic;
    let mut secret = |word: &str| {
        let (a, b) = (rng.random::<u64>(), rng.random::<u64>());
        match basic {
            true => {
                let user = rng.random::<u32>();
                format!("{prefix}{word}user{user:08x}:{a:016x}{b:016x}")
            }
            false => format!("{prefix}{word}{a:016x}{b:016x}"),
        }
    };
    let keys = main_keys(api, access_values, &mut secret);
    let restricted = api
        .spec
        .paginated_operations()
        .any(|op| op.restricted.is_some());
    let viewer = restricted.then(|| Key {
        id: VIEWER_ID,
        secret: secret("viewer_"),
        reach: widest(&keys),
        caller: Caller::Viewer,
    });
    (keys, viewer)
}

fn main_keys(
    api: &Api,
    access_values: &[AccessValue],
    secret: &mut impl FnMut(&str) -> String,
) -> Vec<Key> {
    match &api.op.access {
        Some(access) if !access_values.is_empty() => {
            let mut keys = Vec::new();
            for scope in &access.scopes {
                let (word, reach) = match scope {
                    AccessScope::Value => ("scoped_", Reach::Value(0)),
                    AccessScope::Owner => ("global_", Reach::Owner(access_values[0].owner)),
                };
                if keys.iter().any(|k: &Key| k.reach == reach) {
                    continue;
                }
                keys.push(Key {
                    id: 11 + keys.len() as u64,
                    secret: secret(word),
                    reach,
                    caller: Caller::Main,
                });
            }
            keys
        }
        _ => vec![Key {
            id: 11,
            secret: secret(""),
            reach: Reach::All,
            caller: Caller::Main,
        }],
    }
}

/// The prefix of the mock's keys: the live prefix with `live` made `test`, so that the default
/// key is never a live one, else one made from the API name.
fn key_prefix(api: &Api, security: &specs::Security) -> String {
    let from_name = format!("{}_", api.spec.name.replace('-', "_"));
    match &security.live_prefix {
        Some(live) => {
            let test = live.replace("live", "test");
            if security.is_live(&test) {
                from_name
            } else {
                test
            }
        }
        None => from_name,
    }
}

impl Gen<'_> {
    /// The owners of every owner filter's field, with an identity per filter parameter.
    fn owner_sets(&mut self) -> Vec<OwnerSet> {
        let mut sets: Vec<OwnerSet> = Vec::new();
        let filters: Vec<specs::Filter> = self
            .api
            .query_filters()
            .filter(|f| f.matching == Match::Owner)
            .cloned()
            .collect();
        for filter in filters {
            if !sets.iter().any(|s| s.field == filter.field) {
                let schema = self
                    .api
                    .spec
                    .member_schema(&self.api.item_pointer, &filter.field)
                    .map(|(s, _)| s.clone())
                    .unwrap_or(Value::Null);
                let ids = (0..OWNERS)
                    .map(|k| self.owner_id(&schema, &filter.field, k))
                    .collect();
                sets.push(OwnerSet {
                    field: filter.field.to_string(),
                    ids,
                    identities: BTreeMap::new(),
                });
            }
            let example = self
                .api
                .op
                .parameter(&filter.param, specs::Location::Query)
                .and_then(|p| p.example.clone());
            let identities = (0..OWNERS)
                .map(|k| identity(example.as_ref(), &filter.param, k))
                .collect();
            if let Some(set) = sets.iter_mut().find(|s| s.field == filter.field) {
                set.identities.insert(filter.param.clone(), identities);
            }
        }
        sets
    }

    /// The id of owner `k` in an owner field: a prefixed ULID like the field's example, an
    /// integer, or a name.
    fn owner_id(&mut self, schema: &Value, field: &str, k: usize) -> Value {
        if schema.get("type").and_then(Value::as_str) == Some("integer") {
            return json!(1000 + 7 * k as i64 + self.rng.random_range(0..7i64));
        }
        let example = schema.get("example").and_then(Value::as_str);
        match example.and_then(ulid_prefix) {
            Some(prefix) => {
                let ms = (EPOCH_2026 - 86_400 * (40 - k as u64)) * 1000;
                json!(format!("{prefix}{}", self.ulid(ms)))
            }
            None => json!(format!("{}-{}", field_name(field), k + 1)),
        }
    }

    /// A ULID for a millisecond time, with seeded randomness.
    fn ulid(&mut self, ms: u64) -> String {
        ulid::Ulid::from_parts(ms, self.rng.random::<u128>()).to_string()
    }

    /// A value for every path parameter: the first access value, or a seeded value.
    fn path_values(&mut self, access_values: &[AccessValue]) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let access_param = self.api.op.access.as_ref().map(|a| a.path_param.clone());
        let params: Vec<specs::Parameter> = self
            .api
            .op
            .parameters_in(specs::Location::Path)
            .cloned()
            .collect();
        for p in params {
            let value = if Some(&p.name) == access_param.as_ref() {
                access_values
                    .first()
                    .map(|v| v.text.clone())
                    .unwrap_or_default()
            } else if p.schema_type() == Some("integer") {
                let min = p.minimum().unwrap_or(1);
                (min + self.rng.random_range(0..100i64)).to_string()
            } else {
                let base = p
                    .example
                    .as_ref()
                    .and_then(Value::as_str)
                    .unwrap_or(&p.name)
                    .to_string();
                format!("{base}-{:04x}", self.rng.random_range(0..65536u32))
            };
            out.insert(p.name.clone(), value);
        }
        out
    }

    /// Every item, sorted by key.
    fn items(&mut self, count: usize, access_values: &[AccessValue]) -> Result<Vec<Item>, String> {
        let mut secs = EPOCH_2026 + 86_400 * 20;
        let key_schema = self
            .api
            .spec
            .member_schema(&self.api.item_pointer, &self.api.pagination.item_key)
            .map(|(s, _)| s.clone())
            .unwrap_or(Value::Null);
        let mut next_int = key_schema
            .get("minimum")
            .and_then(Value::as_i64)
            .unwrap_or(1)
            .max(1)
            + 100
            + self.rng.random_range(0..50i64);
        let mut items = Vec::with_capacity(count);
        for i in 0..count {
            secs += 600 + self.rng.random_range(0..3 * 86_400u64);
            let key = match self.api.key_kind {
                KeyKind::Integer => {
                    next_int += 1 + self.rng.random_range(0..3i64);
                    json!(next_int)
                }
                KeyKind::Text => json!(self.text_key(&key_schema, i, secs)),
            };
            let access = (!access_values.is_empty()).then(|| {
                if i < access_values.len() {
                    i
                } else {
                    self.rng.random_range(0..access_values.len())
                }
            });
            let mut cx = ItemCx {
                index: i,
                key: key.clone(),
                secs,
                dates: 0,
                element: 0,
                access_text: access.map(|a| access_values[a].text.clone()),
            };
            let schema = self.api.item_schema.clone();
            let value = self.object(&schema, "", &mut cx);
            let key = match &key {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            items.push(Item {
                value,
                json: String::new(),
                key,
                access,
            });
        }
        match self.api.key_kind {
            KeyKind::Integer => items.sort_by_key(|i| {
                i.value
                    .pointer(&self.api.pagination.item_key)
                    .and_then(Value::as_i64)
            }),
            KeyKind::Text => items.sort_by(|a, b| a.key.cmp(&b.key)),
        }
        let mut seen = std::collections::BTreeSet::new();
        if let Some(dup) = items.iter().find(|i| !seen.insert(i.key.clone())) {
            return Err(format!(
                "the generator made the item key `{}` twice",
                dup.key
            ));
        }
        Ok(items)
    }

    /// A string item key: a prefixed ULID when the example is one, a UUID for that format,
    /// else a padded counter, so that keys sort in creation order.
    fn text_key(&mut self, schema: &Value, i: usize, secs: u64) -> String {
        let example = schema.get("example").and_then(Value::as_str);
        if let Some(prefix) = example.and_then(ulid_prefix) {
            let ms = secs * 1000 + self.rng.random_range(0..1000u64);
            return format!("{prefix}{}", self.ulid(ms));
        }
        if schema.get("format").and_then(Value::as_str) == Some("uuid") {
            return self.uuid();
        }
        if let Some(key) = example.and_then(|e| like_pattern(schema, e, &mut self.rng)) {
            return key;
        }
        let base = example.unwrap_or_else(|| field_name(&self.api.pagination.item_key));
        format!("{base}-{:05}", i + 1)
    }

    fn uuid(&mut self) -> String {
        let mut b: [u8; 16] = self.rng.random();
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )
    }

    /// An object: required members always, optional ones on some items, nullable ones null on
    /// some.
    fn object(&mut self, schema: &Value, at: &str, cx: &mut ItemCx) -> Value {
        let schema = specs::resolve(&self.api.spec.raw, schema).clone();
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut out = Map::new();
        let Some(props) = schema.get("properties").and_then(Value::as_object) else {
            return Value::Object(out);
        };
        for (name, prop) in props {
            let path = format!("{at}/{}", json::escape(name));
            let prop = self
                .api
                .field_schema(&path, specs::resolve(&self.api.spec.raw, prop));
            if path == self.api.pagination.item_key {
                out.insert(name.clone(), cx.key.clone());
                continue;
            }
            if let Some(v) = self.path_field(&path, &prop, cx) {
                out.insert(name.clone(), v);
                continue;
            }
            let s = salt(&path);
            if !required.contains(&name.as_str()) && (cx.index + s) % 3 == 1 {
                continue;
            }
            if prop.get("nullable").and_then(Value::as_bool) == Some(true)
                && (cx.index + s) % 5 == 3
            {
                out.insert(name.clone(), Value::Null);
                continue;
            }
            let value = self.value(&prop, &path, cx);
            out.insert(name.clone(), value);
        }
        Value::Object(out)
    }

    /// The value of a field that a path parameter filters on: the item's path value.
    fn path_field(&self, path: &str, schema: &Value, cx: &ItemCx) -> Option<Value> {
        let (_, param) = self.path_fields.iter().find(|(f, _)| f == path)?;
        let is_access = self
            .api
            .op
            .access
            .as_ref()
            .is_some_and(|a| a.path_param == *param);
        let text = if is_access {
            cx.access_text.clone()?
        } else {
            self.path_values.get(param)?.clone()
        };
        Some(match schema.get("type").and_then(Value::as_str) {
            Some("integer") => text
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or(Value::String(text)),
            _ => Value::String(text),
        })
    }

    /// The digit of a query filter's field in the mixed-radix counter.
    fn digit(&self, path: &str, index: usize) -> Option<usize> {
        let mut divisor = 1usize;
        for (field, n) in &self.radix {
            if field == path {
                return Some((index / divisor) % n);
            }
            divisor = divisor.saturating_mul(*n);
        }
        None
    }

    fn value(&mut self, schema: &Value, path: &str, cx: &mut ItemCx) -> Value {
        let api = self.api;
        let schema = &*combinators::concrete(&api.spec.raw, schema, cx.index + salt(path));
        if let Some(set) = self.owners.iter().find(|o| o.field == path) {
            let ids = set.ids.clone();
            return ids[self.rng.random_range(0..ids.len())].clone();
        }
        if let Some(values) = schema
            .get("enum")
            .and_then(Value::as_array)
            .filter(|v| !v.is_empty())
        {
            let k = self
                .digit(path, cx.index)
                .unwrap_or((cx.index + salt(path)) % values.len());
            return values[k % values.len()].clone();
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("string") => json!(self.string(schema, path, cx)),
            Some("integer") if self.pooled(path) => {
                let min = schema.get("minimum").and_then(Value::as_i64).unwrap_or(1);
                json!(min + (cx.index % FILTER_POOL) as i64)
            }
            Some("integer") => json!(self.integer(schema)),
            Some("number") => {
                let n = self.integer(schema) as f64
                    + f64::from(self.rng.random_range(0..100u32)) / 100.0;
                let max = schema
                    .get("maximum")
                    .and_then(Value::as_f64)
                    .unwrap_or(f64::MAX);
                json!(n.min(max))
            }
            Some("boolean") => match self.digit(path, cx.index) {
                Some(d) => json!(d == 1),
                None => json!(self.rng.random_bool(0.6)),
            },
            Some("array") => self.array(schema, path, cx),
            Some("object") => self.object(schema, path, cx),
            None if schema.get("properties").is_some() => self.object(schema, path, cx),
            _ => json!(format!("{}-{}", field_name(path), cx.index + 1)),
        }
    }

    /// Whether `path` is the field of a query filter without an enum (free text or numbers):
    /// one of its fields, an element of its array, or the member of an element it compares.
    fn pooled(&self, path: &str) -> bool {
        self.api.query_filters().any(|f| {
            let element = format!("{}/0", f.field);
            let member = f.element.as_ref().map(|m| format!("{element}{m}"));
            (f.fields.iter().any(|x| x == path)
                || element == path
                || member.as_deref() == Some(path))
                && f.matching != Match::Owner
                && f.values.is_none()
        })
    }

    fn integer(&mut self, schema: &Value) -> i64 {
        let min = schema.get("minimum").and_then(Value::as_i64);
        let max = schema.get("maximum").and_then(Value::as_i64);
        match (min, max) {
            (Some(lo), Some(hi)) if lo <= hi => self.rng.random_range(lo..=hi),
            (Some(lo), _) => lo + self.rng.random_range(0..1000i64),
            (None, Some(hi)) => hi - self.rng.random_range(0..1000i64),
            (None, None) => self.rng.random_range(1..=1000i64),
        }
    }

    /// Arrays of enums take every subset (in enum order); other arrays get up to three
    /// elements.
    fn array(&mut self, schema: &Value, path: &str, cx: &mut ItemCx) -> Value {
        let items = specs::resolve(
            &self.api.spec.raw,
            schema.get("items").unwrap_or(&Value::Null),
        )
        .clone();
        if let Some(values) = items.get("enum").and_then(Value::as_array) {
            let n = values.len().min(4);
            let subsets = 1usize << n;
            let k = self
                .digit(path, cx.index)
                .unwrap_or((cx.index / 2 + cx.index) % subsets);
            let subset: Vec<Value> = (0..n)
                .filter(|b| k & (1 << b) != 0)
                .map(|b| values[b].clone())
                .collect();
            return Value::Array(subset);
        }
        let count = self.rng.random_range(0..=3usize);
        let element = format!("{path}/0");
        let outer = cx.element;
        let values = (0..count)
            .map(|e| {
                cx.element = e;
                self.value(&items, &element, cx)
            })
            .collect();
        cx.element = outer;
        Value::Array(values)
    }

    /// A string from the field's format, or its example, or its name.
    fn string(&mut self, schema: &Value, path: &str, cx: &mut ItemCx) -> String {
        // A free-text filter's field takes one of a few values, so that each value selects
        // several items and a filtered walk can span pages.
        let (word, n) = match self.pooled(path) {
            true => {
                let k = (cx.index + cx.element) % FILTER_POOL;
                (WORDS[(k * 3) % WORDS.len()], k + 1)
            }
            false => (WORDS[self.rng.random_range(0..WORDS.len())], cx.index + 1),
        };
        match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => return iso8601(self.date(cx)),
            Some("date-time-rfc-2822") => return rfc2822(self.date(cx)),
            Some("date") => return at(self.date(cx)).format("%Y-%m-%d").to_string(),
            Some("email") => return format!("{word}{n}@{word}.example"),
            Some("uri") | Some("url") => return format!("https://{word}{n}.example/"),
            Some("uuid") => return self.uuid(),
            _ => {}
        }
        let Some(example) = schema.get("example").and_then(Value::as_str) else {
            return format!("{}-{n}", field_name(path));
        };
        if let Some(value) = like_pattern(schema, example, &mut self.rng) {
            return value;
        }
        if let Some(prefix) = ulid_prefix(example) {
            let ms = (cx.secs - self.rng.random_range(0..30 * 86_400u64)) * 1000;
            return format!("{prefix}{}", self.ulid(ms));
        }
        if let Some((_, domain)) = example.split_once('@') {
            return format!("{word}{n}@{domain}");
        }
        if example.starts_with("http://") || example.starts_with("https://") {
            return format!("https://{word}{n}.example");
        }
        if is_domain(example) {
            let tld = TLDS[self.rng.random_range(0..TLDS.len())];
            return format!("{word}{n}.{tld}");
        }
        if self.rng.random_bool(0.5) {
            example.to_string()
        } else {
            format!("{example}-{word}")
        }
    }

    /// The item's creation time for its first date, later times for the others.
    fn date(&mut self, cx: &mut ItemCx) -> u64 {
        cx.dates += 1;
        if cx.dates == 1 {
            cx.secs
        } else {
            cx.secs + self.rng.random_range(0..30 * 86_400u64)
        }
    }
}

/// The last segment of a pointer, for names made from fields.
fn field_name(pointer: &str) -> &str {
    pointer
        .rsplit('/')
        .find(|s| !s.is_empty() && s.parse::<usize>().is_err())
        .unwrap_or("item")
}

/// The identity of owner `k` for an owner filter, made from the parameter's example
/// (`owner@acme.com` → `owner3@acme.com`).
fn identity(example: Option<&Value>, param: &str, k: usize) -> String {
    let n = k + 1;
    match example.and_then(Value::as_str) {
        Some(e) => match e.split_once('@') {
            Some((local, domain)) => format!("{local}{n}@{domain}"),
            None => format!("{e}{n}"),
        },
        None => format!("{param}-{n}"),
    }
}

/// The JSON an item is served as: its true fields with the item-level faults and modes.
fn shown(
    api: &Api,
    value: &Value,
    i: usize,
    len: usize,
    fault: Option<Fault>,
    mode: Option<ReadingMode>,
    seed: u64,
) -> Value {
    let mut shown = value.clone();
    let key = &api.pagination.item_key;
    match fault {
        Some(Fault::OutOfEnum) if is_victim(i, len, 16) => {
            if let Some((field, values)) = api.enum_field() {
                let first = values.first().and_then(Value::as_str).unwrap_or("value");
                let mut outside = format!("undocumented-{first}");
                while values.contains(&json!(outside)) {
                    outside.push('x');
                }
                json::set(
                    &mut shown,
                    &format!("/{}", json::escape(&field)),
                    json!(outside),
                );
            }
        }
        Some(Fault::MissingField) if is_victim(i, len, 16) => {
            if let Some(field) = api.missing_field_candidate() {
                json::remove(&mut shown, &format!("/{}", json::escape(&field)));
            }
        }
        Some(Fault::ExtraField) => {
            let mut name = "undocumented_field".to_string();
            while api.property_names().contains(&name) {
                name.push('_');
            }
            json::set(
                &mut shown,
                &format!("/{name}"),
                json!(format!("x{:012x}", (seed ^ i as u64) & 0xffff_ffff_ffff)),
            );
        }
        Some(Fault::WrongType) if is_victim(i, len, 16) => {
            let wrong = match shown.pointer(key) {
                Some(Value::String(_)) => json!(1000 + i),
                Some(other) => json!(other.to_string()),
                None => Value::Null,
            };
            json::set(&mut shown, key, wrong);
        }
        Some(Fault::EpochTimestamps) => {
            retime(&mut shown, &api.epoch_fields(), |t| {
                t.timestamp().to_string()
            });
        }
        _ => {}
    }
    match mode {
        Some(ReadingMode::IsoBasicTimestamps) => {
            retime(&mut shown, &api.iso_profile_fields(), |t| {
                t.format("%Y%m%dT%H%M%SZ").to_string()
            });
        }
        Some(ReadingMode::SparseItems) if is_victim(i, len, 8) => {
            if let Some(field) = api.sparse_item_field() {
                json::remove(&mut shown, &format!("/{}", json::escape(&field)));
            }
        }
        Some(ReadingMode::NullFields) if is_victim(i, len, 8) => {
            for field in api.null_field_members() {
                json::set(
                    &mut shown,
                    &format!("/{}", json::escape(&field)),
                    Value::Null,
                );
            }
        }
        _ => {}
    }
    shown
}

/// Rewrites the date-times (RFC 3339 or RFC 2822) of `fields` (top-level item properties) with
/// `form`.
fn retime(
    item: &mut Value,
    fields: &[String],
    form: impl Fn(chrono::DateTime<chrono::FixedOffset>) -> String,
) {
    for field in fields {
        let pointer = format!("/{}", json::escape(field));
        let parsed = item
            .pointer(&pointer)
            .and_then(Value::as_str)
            .and_then(|t| {
                chrono::DateTime::parse_from_rfc3339(t)
                    .or_else(|_| chrono::DateTime::parse_from_rfc2822(t))
                    .ok()
            });
        if let Some(t) = parsed {
            json::set(item, &pointer, json!(form(t)));
        }
    }
}
