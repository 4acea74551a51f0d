//! The Slack client against its reference mock (`mock::start` of `specs/slack.yaml`): a bearer
//! token; every conversation of a raw walk once, in order, at several page sizes, through
//! pages that are short (even empty) before the last, as Slack filters a page's window after
//! taking it, until the cursor is empty; `types` (a comma list, any of them) and
//! `exclude_archived` on the wire; an error in a 200 body (`ok: false`) as an error, never a
//! page; and 429s with `Retry-After` waited out.

use futures::StreamExt as _;
use serde_json::Value;
use slack_client::Client;

async fn start(rate_limit_every: Option<u32>) -> mock::RunningMock {
    let spec = specs::load("slack")
        .expect("the slack spec")
        .expect("it parses");
    mock::start(mock::MockConfig {
        items: 200,
        rate_limit_every,
        retry_after_secs: 0,
        ..mock::MockConfig::new(spec)
    })
    .await
    .unwrap_or_else(|e| panic!("{e:#}"))
}

fn client(m: &mock::RunningMock) -> Client {
    let token = &m.credentials.primary().expect("a credential").secret;
    Client::with_bearer_token(&m.base_url, token.as_str()).unwrap()
}

/// A raw walk with reqwest: each page's conversations and whether it held fewer than `limit`,
/// following `response_metadata.next_cursor` until it is empty.
async fn raw(m: &mock::RunningMock, query: &str, limit: u64) -> (Vec<String>, usize) {
    client_runtime::install_crypto_provider();
    let http = reqwest::Client::new();
    let (name, value) = mock::primary_header(m).expect("a header credential");
    let first = format!(
        "{}?{query}&limit={limit}",
        mock::operation_url(m, "conversations_list").unwrap()
    );
    let mut url = reqwest::Url::parse(&first).unwrap();
    let (mut ids, mut short) = (Vec::new(), 0);
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
        assert_eq!(body["ok"], true, "{body}");
        let page = body["channels"].as_array().unwrap();
        ids.extend(page.iter().map(|c| c["id"].as_str().unwrap().to_string()));
        let cursor = body["response_metadata"]["next_cursor"].as_str().unwrap();
        if cursor.is_empty() {
            return (ids, short);
        }
        short += usize::from((page.len() as u64) < limit);
        url = reqwest::Url::parse(&first).unwrap();
        url.query_pairs_mut().append_pair("cursor", cursor);
    }
    panic!("the raw walk did not end");
}

const EVERY_TYPE: &str = "public_channel,private_channel,mpim,im";

#[tokio::test]
async fn the_stream_lists_every_conversation_once_through_short_pages() {
    let m = start(None).await;
    let c = client(&m);
    let (want, _) = raw(&m, &format!("types={EVERY_TYPE}"), 1000).await;
    assert!(want.len() > 100, "{}", want.len());
    for limit in [1u64, 7, 1000] {
        let (got_raw, _) = raw(&m, &format!("types={EVERY_TYPE}"), limit).await;
        assert_eq!(got_raw, want, "raw at limit={limit}");
        let got: Vec<String> = c
            .conversations_list()
            .types(EVERY_TYPE)
            .limit(std::num::NonZeroU64::new(limit).unwrap())
            .stream()
            .map(|r| r.unwrap().id)
            .collect()
            .await;
        assert_eq!(got, want, "limit={limit}");
    }
    // The default `types` is public channels only, taken from windows of the whole list: many
    // pages come back short, and the stream goes on through them.
    let (public, short) = raw(&m, "exclude_archived=false", 7).await;
    assert!(short > 0, "short pages before the last");
    let got: Vec<String> = c
        .conversations_list()
        .limit(std::num::NonZeroU64::new(7).unwrap())
        .stream()
        .map(|r| r.unwrap().id)
        .collect()
        .await;
    assert_eq!(got, public);
    assert!(public.len() < want.len());
    m.shutdown().await;
}

#[tokio::test]
async fn types_and_exclude_archived_reach_the_server() {
    let m = start(None).await;
    let c = client(&m);
    let every: Vec<slack_client::types::Conversation> = c
        .conversations_list()
        .types(EVERY_TYPE)
        .stream()
        .map(|r| r.unwrap())
        .collect()
        .await;
    let want: Vec<String> = every
        .iter()
        .filter(|c| (c.is_im || c.is_mpim) && !c.is_archived)
        .map(|c| c.id.clone())
        .collect();
    assert!(!want.is_empty());
    let got: Vec<String> = c
        .conversations_list()
        .types("im,mpim")
        .exclude_archived(true)
        .limit(std::num::NonZeroU64::new(5).unwrap())
        .stream()
        .map(|r| r.unwrap().id)
        .collect()
        .await;
    assert_eq!(got, want);
    m.shutdown().await;
}

/// Slack answers a refusal with 200 and `ok: false`: the stream's only item is that error,
/// with its code, and `send()` returns it too.
#[tokio::test]
async fn an_error_in_a_200_body_is_an_error() {
    let m = start(None).await;
    let wrong =
        Client::with_bearer_token(&m.base_url, "xoxb-not-a-token-of-this-workspace").unwrap();
    let got: Vec<_> = wrong.conversations_list().stream().collect().await;
    match got.as_slice() {
        [Err(slack_client::Error::ErrorResponse(r))] => {
            assert_eq!(r.status().as_u16(), 200);
            let body = r.typed().expect("the error body, typed");
            assert!(!body.ok);
            assert_eq!(body.error.as_deref(), Some("invalid_auth"));
        }
        other => panic!("a refused stream: {other:?}"),
    }
    match client(&m)
        .conversations_list()
        .types("public_channel,direct_message")
        .send()
        .await
    {
        Err(slack_client::Error::ErrorResponse(r)) => {
            assert_eq!(r.status().as_u16(), 200);
            // A code of the invalid-param kind (the spec lists which; the mock answers the
            // first, the generic `invalid_arguments`).
            let code = r.typed().and_then(|b| b.error.clone()).unwrap_or_default();
            assert!(
                ["invalid_arguments", "invalid_limit", "invalid_types"].contains(&code.as_str()),
                "{code}"
            );
        }
        other => panic!("an unknown type: {other:?}"),
    }
    m.shutdown().await;
}

/// Every third request is a 429 with `Retry-After: 0`: the stream waits each out and lists
/// what a walk of an unlimited server lists.
#[tokio::test]
async fn rate_limits_are_waited_out() {
    let limited = start(Some(3)).await;
    let free = start(None).await;
    let ids = |m: &mock::RunningMock| {
        let c = client(m);
        async move {
            c.conversations_list()
                .types(EVERY_TYPE)
                .limit(std::num::NonZeroU64::new(50).unwrap())
                .stream()
                .map(|r| r.unwrap().id)
                .collect::<Vec<String>>()
                .await
        }
    };
    assert_eq!(ids(&limited).await, ids(&free).await);
    limited.shutdown().await;
    free.shutdown().await;
}
