//! Seeded, deterministic data of both mocks.
//!
//! The same seed and item count always give the same items, ids and credentials, so that every
//! failure found against a mock replays. Items are kept in a stable order (by id) and rendered
//! to JSON once at start-up, with the item-level faults already applied, so serving a page is
//! string concatenation.

use serde_json::{json, Map, Value};

use super::faults::Fault;

/// SplitMix64: tiny, seedable and good enough for test data.
#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    /// A number in `0..n` (`n > 0`).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Mixes two numbers into one, for orderings keyed by a seed.
pub(crate) fn mix(a: u64, b: u64) -> u64 {
    Rng::new(a.rotate_left(17) ^ b).next_u64()
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A ULID (26 Crockford base32 characters) from a millisecond time and 80 random bits, so that
/// ids sort like their creation times, as the vendor's do.
fn ulid(ms: u64, rng: &mut Rng) -> String {
    let random = ((rng.next_u64() as u128) << 16) ^ (rng.next_u64() as u128 & 0xFFFF);
    let value: u128 = ((ms as u128 & 0xFFFF_FFFF_FFFF) << 80) | (random & ((1u128 << 80) - 1));
    (0..26)
        .rev()
        .map(|i| CROCKFORD[((value >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the Unix epoch.
pub(crate) fn iso8601(secs: u64) -> String {
    // The seeded data lies within days of 2026, far inside chrono's range.
    let at = i64::try_from(secs)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .unwrap_or(chrono::DateTime::UNIX_EPOCH);
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// 2026-01-01T00:00:00Z: the data is set in the year of the vendor pages.
const EPOCH_2026: u64 = 1_767_225_600;

/// Whether item `index` of `len` is one of the items that item-level faults corrupt: one in
/// sixteen, starting near the middle of small data sets so that even a handful of items has one.
pub(crate) fn is_victim(index: usize, len: usize) -> bool {
    index % 16 == (len / 2).min(8)
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

/// A customer of the Peeker partner; the email is kept server-side only.
#[derive(Clone, Debug)]
pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) email: String,
}

/// One seeded item: its true fields (what filters read) and its rendered JSON (what is served,
/// item-level faults applied).
#[derive(Clone, Debug)]
pub(crate) struct Item {
    pub(crate) value: Value,
    pub(crate) json: String,
}

/// The Peeker data set.
#[derive(Clone, Debug)]
pub(crate) struct PeekerData {
    pub(crate) users: Vec<User>,
    pub(crate) items: Vec<Item>,
    pub(crate) token: String,
}

const STATUSES_CONNECTED: &[&str] = &["in_progress", "active", "failed", "action_required"];
const USABLE_FOR: &[&[&str]] = &[&[], &["google"], &["microsoft"], &["google", "microsoft"]];

pub(crate) fn peeker(seed: u64, count: usize, fault: Option<Fault>) -> PeekerData {
    let mut rng = Rng::new(seed);
    let token = format!("pk_test_{:016x}{:016x}", rng.next_u64(), rng.next_u64());
    let users: Vec<User> = (0..5)
        .map(|k| {
            let id = format!(
                "usr_{}",
                ulid((EPOCH_2026 - 86_400 * (40 - k as u64)) * 1000, &mut rng)
            );
            let company = WORDS[(k * 3 + 1) % WORDS.len()];
            let email = format!("owner{}@{company}.example", k + 1);
            User { id, email }
        })
        .collect();
    // Each customer has a few orders; a connected domain is on one of its customer's orders.
    let orders: Vec<Vec<String>> = users
        .iter()
        .enumerate()
        .map(|(k, _)| {
            (0..2 + k % 2)
                .map(|o| {
                    let ms = (EPOCH_2026 - 86_400 * (30 - (k * 3 + o) as u64)) * 1000;
                    format!("ord_{}", ulid(ms, &mut rng))
                })
                .collect()
        })
        .collect();

    let mut secs = EPOCH_2026 + 86_400 * 20;
    let mut items = Vec::with_capacity(count);
    for i in 0..count {
        secs += 600 + rng.below(3 * 86_400);
        let id = format!("dom_{}", ulid(secs * 1000 + rng.below(1000), &mut rng));
        // Every third domain is inventory; the statuses of connected ones cycle, so that every
        // (category, status) pair the vendor can produce appears even in small data sets.
        let inventory = i % 3 == 2;
        let mut item = Map::new();
        item.insert("id".into(), json!(id));
        let name = format!(
            "{}-{}{}.{}",
            if inventory { "spare" } else { "mail" },
            WORDS[rng.below(WORDS.len() as u64) as usize],
            i + 1,
            TLDS[rng.below(TLDS.len() as u64) as usize]
        );
        item.insert("domain".into(), json!(name));
        item.insert(
            "category".into(),
            json!(if inventory { "inventory" } else { "connected" }),
        );
        let status = if inventory {
            "available"
        } else {
            STATUSES_CONNECTED[(i - i / 3) % STATUSES_CONNECTED.len()]
        };
        item.insert("status".into(), json!(status));
        let usable_for = USABLE_FOR[(i / 2 + i) % USABLE_FOR.len()];
        if !inventory {
            if rng.chance(75) {
                let provider = usable_for.first().copied().unwrap_or(if rng.chance(50) {
                    "google"
                } else {
                    "microsoft"
                });
                item.insert("provider".into(), json!(provider));
            }
            let user = (i + rng.below(2) as usize) % users.len();
            item.insert("user_id".into(), json!(users[user].id));
            let order = &orders[user][rng.below(orders[user].len() as u64) as usize];
            item.insert("order_id".into(), json!(order));
        }
        item.insert("usable_for".into(), json!(usable_for));
        if !inventory && rng.chance(50) {
            item.insert(
                "forwarding_url".into(),
                json!(format!("https://{}.example", WORDS[i % WORDS.len()])),
            );
        }
        item.insert("created_at".into(), json!(iso8601(secs)));
        items.push(Value::Object(item));
    }
    items.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));

    let len = items.len();
    let mut deleted_done = false;
    let items = items
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            let mut shown = value.clone();
            if is_victim(i, len) {
                match fault {
                    Some(Fault::MissingField) => {
                        shown.as_object_mut().map(|o| o.remove("created_at"));
                    }
                    Some(Fault::WrongType) => shown["id"] = json!(1000 + i),
                    Some(Fault::OutOfEnum) if !deleted_done => {
                        deleted_done = true;
                        shown["status"] = json!("deleted");
                    }
                    _ => {}
                }
            }
            Item {
                json: shown.to_string(),
                value,
            }
        })
        .collect();
    PeekerData {
        users,
        items,
        token,
    }
}

/// A DevPayr API key.
#[derive(Clone, Debug)]
pub(crate) struct ApiKey {
    /// Internal key id (cursors are bound to it, as the vendor's cache is).
    pub(crate) id: u64,
    pub(crate) secret: String,
    pub(crate) owner: u64,
    /// `Some(project)` for a project-scoped key, `None` for a global key.
    pub(crate) scope: Option<u64>,
}

/// A DevPayr project.
#[derive(Clone, Debug)]
pub(crate) struct Project {
    pub(crate) id: u64,
    pub(crate) owner: u64,
}

/// The DevPayr data set.
#[derive(Clone, Debug)]
pub(crate) struct DevpayrData {
    pub(crate) keys: Vec<ApiKey>,
    pub(crate) projects: Vec<Project>,
    /// Every domain of every project, by id.
    pub(crate) items: Vec<Item>,
    pub(crate) missing_project: u64,
}

impl DevpayrData {
    pub(crate) fn scoped_key(&self) -> &ApiKey {
        &self.keys[0]
    }
    pub(crate) fn global_key(&self) -> &ApiKey {
        &self.keys[1]
    }
    /// Projects of the global key's owner (the first is the scoped key's project).
    pub(crate) fn global_projects(&self) -> Vec<u64> {
        let owner = self.global_key().owner;
        self.projects
            .iter()
            .filter(|p| p.owner == owner)
            .map(|p| p.id)
            .collect()
    }
    /// A project owned by someone else.
    pub(crate) fn forbidden_project(&self) -> u64 {
        let owner = self.global_key().owner;
        self.projects
            .iter()
            .find(|p| p.owner != owner)
            .map(|p| p.id)
            .unwrap_or(0)
    }
}

pub(crate) fn devpayr(seed: u64, count: usize, fault: Option<Fault>) -> DevpayrData {
    let mut rng = Rng::new(seed ^ 0xD5_7A_11);
    let owner = 7 + rng.below(90);
    let other_owner = owner + 1 + rng.below(50);
    // Four projects: three of the keys' owner, one of someone else.
    let mut next_project = 40 + rng.below(20);
    let projects: Vec<Project> = (0..4)
        .map(|k| {
            let id = next_project;
            next_project += 3 + rng.below(20);
            Project {
                id,
                owner: if k == 2 { other_owner } else { owner },
            }
        })
        .collect();
    let missing_project = next_project + 1000 + rng.below(1000);
    let keys = vec![
        ApiKey {
            id: 11,
            secret: format!("dp_scoped_{:016x}{:08x}", rng.next_u64(), rng.next_u32()),
            owner,
            scope: Some(projects[0].id),
        },
        ApiKey {
            id: 12,
            secret: format!("dp_global_{:016x}{:08x}", rng.next_u64(), rng.next_u32()),
            owner,
            scope: None,
        },
    ];

    let mut id = 100 + rng.below(50);
    let mut secs = EPOCH_2026 + 86_400 * 9;
    let mut primary_done = vec![false; projects.len()];
    let mut values = Vec::with_capacity(count);
    for i in 0..count {
        id += 1 + rng.below(3);
        secs += 300 + rng.below(2 * 86_400);
        // Round-robin first, so every project has a domain, then at random: ids interleave
        // across projects as a shared auto-increment does.
        let p = if i < projects.len() {
            i
        } else {
            rng.below(projects.len() as u64) as usize
        };
        let is_primary = !primary_done[p];
        primary_done[p] = true;
        let updated = secs + rng.below(30 * 86_400);
        values.push(json!({
            "id": id,
            "project_id": projects[p].id,
            "domain": format!(
                "{}{}.{}",
                WORDS[rng.below(WORDS.len() as u64) as usize],
                i + 1,
                TLDS[rng.below(TLDS.len() as u64) as usize]
            ),
            "has_paid": rng.chance(60),
            "is_active": rng.chance(80),
            "is_primary": is_primary,
            "created_at": iso8601(secs),
            "updated_at": iso8601(updated),
        }));
    }
    let len = values.len();
    let items = values
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            let mut shown = value.clone();
            match fault {
                Some(Fault::MissingField) if is_victim(i, len) => {
                    shown.as_object_mut().map(|o| o.remove("updated_at"));
                }
                Some(Fault::WrongType) if is_victim(i, len) => {
                    shown["id"] = json!(value["id"].to_string());
                }
                Some(Fault::ExtraField) => {
                    shown["license_key"] = json!(format!("lic_{:012x}", mix(seed, i as u64)));
                }
                _ => {}
            }
            Item {
                json: shown.to_string(),
                value,
            }
        })
        .collect();
    DevpayrData {
        keys,
        projects,
        items,
        missing_project,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_iso() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(EPOCH_2026), "2026-01-01T00:00:00Z");
        assert_eq!(iso8601(1_709_210_096), "2024-02-29T12:34:56Z");
    }

    #[test]
    fn ulids_sort_by_time() {
        let mut rng = Rng::new(1);
        let a = ulid(1_000, &mut rng);
        let b = ulid(2_000, &mut rng);
        assert_eq!(a.len(), 26);
        assert!(a < b);
    }

    #[test]
    fn data_is_deterministic() {
        let a = peeker(5, 40, None);
        let b = peeker(5, 40, None);
        assert_eq!(a.token, b.token);
        assert_eq!(
            a.items.iter().map(|i| &i.json).collect::<Vec<_>>(),
            b.items.iter().map(|i| &i.json).collect::<Vec<_>>()
        );
        let c = devpayr(5, 40, None);
        assert_eq!(c.items.len(), 40);
        assert!(c.projects.len() == 4 && c.forbidden_project() != 0);
    }
}
