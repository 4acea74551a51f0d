//! The Twilio client against its reference mock (`mock::start` of `specs/twilio.yaml`): HTTP
//! Basic credentials, every message of the account once, in the order of a raw walk that
//! follows the relative `next_page_uri`, at several page sizes; the `To` filter and the date
//! filters with an operator in their names (`DateSent<`, `DateSent>`) reach the server under
//! their own names.

use chrono::NaiveDate;
use futures::StreamExt as _;
use serde_json::Value;
use twilio_client::Client;

async fn start() -> mock::RunningMock {
    let spec = specs::load("twilio")
        .expect("the twilio spec")
        .expect("it parses");
    mock::start(mock::MockConfig {
        items: 400,
        ..mock::MockConfig::new(spec)
    })
    .await
    .unwrap_or_else(|e| panic!("{e:#}"))
}

/// The Basic client: the mock gives its credential as `user:password`.
fn client(m: &mock::RunningMock) -> Client {
    let secret = &m.credentials.primary().expect("a credential").secret;
    let (user, password) = secret.split_once(':').expect("user:password");
    Client::with_basic_auth(&m.base_url, user, password).unwrap()
}

fn account(m: &mock::RunningMock) -> String {
    m.credentials.path_values["AccountSid"].clone()
}

/// The messages of a raw walk with reqwest: `next_page_uri`, a path, resolved against the URL
/// of the page that carried it, until it is null.
async fn raw(m: &mock::RunningMock, query: &str) -> Vec<Value> {
    client_runtime::install_crypto_provider();
    let http = reqwest::Client::new();
    let (name, value) = mock::primary_header(m).expect("a header credential");
    let mut url = reqwest::Url::parse(&format!(
        "{}?{query}",
        mock::operation_url(m, "list_messages").unwrap()
    ))
    .unwrap();
    let mut items = Vec::new();
    for _ in 0..1000 {
        let body: Value = http
            .get(url.clone())
            .header(&name, &value)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        items.extend(body["messages"].as_array().unwrap().iter().cloned());
        match body["next_page_uri"].as_str() {
            None => {
                assert!(body["next_page_uri"].is_null(), "{body}");
                return items;
            }
            Some(next) => {
                assert!(next.starts_with('/'), "a relative link: {next}");
                url = url.join(next).unwrap();
            }
        }
    }
    panic!("the raw walk did not end");
}

fn sids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["sid"].as_str().unwrap().to_string())
        .collect()
}

fn size(n: u64) -> std::num::NonZeroU64 {
    std::num::NonZeroU64::new(n).unwrap()
}

#[tokio::test]
async fn the_stream_follows_relative_links_to_every_message_once_in_order_at_every_size() {
    let m = start().await;
    let c = client(&m);
    let sid = account(&m);
    let want = sids(&raw(&m, "PageSize=1000").await);
    assert!(want.len() > 50, "more than a default page: {}", want.len());
    assert_eq!(sids(&raw(&m, "PageSize=7").await), want);
    for n in [1u64, 7, 50, 1000] {
        let got: Vec<String> = c
            .list_messages()
            .account_sid(sid.as_str())
            .page_size(size(n))
            .stream()
            .map(|r| r.unwrap().sid.to_string())
            .collect()
            .await;
        assert_eq!(got, want, "PageSize={n}");
    }
    // Without a size: pages of the default 50, the same messages.
    let got: Vec<String> = c
        .list_messages()
        .account_sid(sid.as_str())
        .stream()
        .map(|r| r.unwrap().sid.to_string())
        .collect()
        .await;
    assert_eq!(got, want);
    m.shutdown().await;
}

/// The UTC date of an RFC 2822 `date_sent`.
fn sent_on(item: &Value) -> Option<NaiveDate> {
    let text = item["date_sent"].as_str()?;
    Some(
        chrono::DateTime::parse_from_rfc2822(text)
            .ok()?
            .date_naive(),
    )
}

#[tokio::test]
async fn to_and_the_date_filters_travel_under_their_own_names() {
    let m = start().await;
    let c = client(&m);
    let sid = account(&m);
    let every = raw(&m, "PageSize=1000").await;
    let to = every
        .iter()
        .find_map(|i| i["to"].as_str())
        .expect("a message with a recipient")
        .to_string();
    let want: Vec<String> = sids(
        &every
            .iter()
            .filter(|i| i["to"].as_str() == Some(to.as_str()))
            .cloned()
            .collect::<Vec<_>>(),
    );
    let got: Vec<String> = c
        .list_messages()
        .account_sid(sid.as_str())
        .to(to.as_str())
        .page_size(size(3))
        .stream()
        .map(|r| r.unwrap().sid.to_string())
        .collect()
        .await;
    assert_eq!(got, want, "To={to}");

    let mut days: Vec<NaiveDate> = every.iter().filter_map(sent_on).collect();
    days.sort();
    let day = days[days.len() / 2];
    let on_or = |keep: &dyn Fn(NaiveDate) -> bool| -> Vec<String> {
        sids(
            &every
                .iter()
                .filter(|i| sent_on(i).is_some_and(keep))
                .cloned()
                .collect::<Vec<_>>(),
        )
    };
    let before: Vec<String> = c
        .list_messages()
        .account_sid(sid.as_str())
        .date_sent_lt(day)
        .page_size(size(5))
        .stream()
        .map(|r| r.unwrap().sid.to_string())
        .collect()
        .await;
    assert_eq!(before, on_or(&|d| d <= day), "DateSent<={day}");
    let after: Vec<String> = c
        .list_messages()
        .account_sid(sid.as_str())
        .date_sent_gt(day)
        .page_size(size(5))
        .stream()
        .map(|r| r.unwrap().sid.to_string())
        .collect()
        .await;
    assert_eq!(after, on_or(&|d| d >= day), "DateSent>={day}");
    let on: Vec<String> = c
        .list_messages()
        .account_sid(sid.as_str())
        .date_sent(day)
        .stream()
        .map(|r| r.unwrap().sid.to_string())
        .collect()
        .await;
    assert_eq!(on, on_or(&|d| d == day), "DateSent={day}");
    assert!(
        !on.is_empty()
            && before.len() + after.len() == every.len() - count_undated(&every) + on.len()
    );
    m.shutdown().await;
}

fn count_undated(items: &[Value]) -> usize {
    items.iter().filter(|i| sent_on(i).is_none()).count()
}
