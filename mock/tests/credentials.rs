//! Credentials beyond one key: HTTP Basic (the user name and the password, and every way a
//! header can fail to hold them), an operation that may be called anonymously, and a viewer
//! that never sees the items `x-restricted` marks.

mod util;

use std::collections::BTreeSet;

use base64::Engine as _;
use serde_json::Value;
use util::*;

fn memos() -> specs::Spec {
    fixture("memos-basic-auth")
}

fn b64(text: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// The keys of a walk of the whole list with `secret` (`None`: anonymous), and the items.
async fn walk_with(m: &mock::RunningMock, secret: Option<&str>) -> (Vec<String>, Vec<Value>) {
    let pages = walk_as(m, &endpoint(m, &[]), "page_size=50", secret).await;
    let items = items(m, &pages);
    (keys(m, &items), items)
}

fn private(items: &[Value]) -> usize {
    items
        .iter()
        .filter(|i| i["visibility"] == "private")
        .count()
}

fn set(keys: &[String]) -> BTreeSet<&String> {
    keys.iter().collect()
}

/// The mock's Basic secret is `user:password`; it is sent as RFC 7617 says, and accepted
/// whatever the case of the scheme's name.
#[tokio::test]
async fn basic_credentials_are_a_user_name_and_a_password() {
    let m = start(memos()).await;
    let secret = primary(&m).expect("a credential");
    let (user, password) = secret.split_once(':').expect("user:password");
    assert!(user.len() >= 8 && password.len() >= 8, "{secret}");
    let url = endpoint(&m, &[]);
    let good = get(
        &url,
        Some((
            "authorization",
            &format!("Basic {}", b64(secret.as_bytes())),
        )),
    )
    .await;
    assert_eq!(good.status, 200, "{}", good.text);
    let lower = get(
        &url,
        Some((
            "authorization",
            &format!("basic {}", b64(secret.as_bytes())),
        )),
    )
    .await;
    assert_eq!(lower.status, 200, "{}", lower.text);
    let described = mock::describe(&m);
    assert!(
        described.contains(&format!("user name {user}, password {password}")),
        "{described}"
    );
    m.shutdown().await;
}

/// A wrong password, another user, base64 that is not, credentials without a colon, another
/// scheme: each is the documented invalid-key status with a Basic challenge and a JSON body in
/// the spec's shape, never a panic or a 5xx.
#[tokio::test]
async fn bad_basic_headers_are_a_clear_401_with_a_challenge() {
    let spec = memos();
    let m = start(spec.clone()).await;
    let secret = primary(&m).unwrap();
    let (user, _) = secret.split_once(':').unwrap();
    let url = endpoint(&m, &[]);
    let cases = [
        format!("Basic {}", b64(format!("{user}:wrong-password").as_bytes())),
        format!("Basic {}", b64(b"someone-else:password1")),
        "Basic !!!not-base64!!!".to_string(),
        format!("Basic {}", b64(b"no-colon-in-here")),
        format!("Basic {}", b64(&[0xff, 0xfe, b':', 0x80])),
        "Basic".to_string(),
        "Basic ".to_string(),
        format!("Bearer {secret}"),
        secret.clone(),
    ];
    for header in &cases {
        let r = get(&url, Some(("authorization", header))).await;
        assert_eq!(r.status, 401, "{header}: {}", r.text);
        assert!(r.is_json(), "{header}: {}", r.text);
        assert_conforms(&spec, 401, &r.json());
        assert_eq!(
            r.header("www-authenticate"),
            Some("Basic realm=\"memos-basic-auth\", charset=\"UTF-8\""),
            "{header}"
        );
    }
    // What is not Basic credentials at all says so; a wrong user name or password does not.
    let not_basic = [
        "Basic !!!not-base64!!!".to_string(),
        format!("Basic {}", b64(b"no-colon-in-here")),
        format!("Bearer {secret}"),
    ];
    for header in &not_basic {
        let r = get(&url, Some(("authorization", header))).await;
        let said = message(&spec, &r.json()).unwrap();
        assert!(said.contains("Basic credentials"), "{header}: {said}");
    }
    let r = get(&url, Some(("authorization", &cases[0]))).await;
    let said = message(&spec, &r.json()).unwrap();
    assert!(!said.contains("Basic credentials"), "{said}");
    m.shutdown().await;
}

/// Without credentials the optional operation is served, to an anonymous caller who sees what
/// the credential sees but the restricted items. The viewer sees the same, and no 401 comes of
/// either. Their page tokens are their own: another caller's token is refused.
#[tokio::test]
async fn anonymous_callers_and_the_viewer_see_all_but_the_restricted_items() {
    let m = start(memos()).await;
    let viewer = m.credentials.viewer.clone().expect("a viewer");
    let (main_keys, main_items) = walk_with(&m, primary(&m).as_deref()).await;
    let (anonymous_keys, anonymous_items) = walk_with(&m, None).await;
    let (viewer_keys, viewer_items) = walk_with(&m, Some(&viewer.secret)).await;
    assert!(private(&main_items) > 0, "the data has restricted items");
    assert_eq!(private(&anonymous_items), 0);
    assert_eq!(private(&viewer_items), 0);
    let unrestricted: Vec<String> = main_keys
        .iter()
        .zip(&main_items)
        .filter(|(_, i)| i["visibility"] != "private")
        .map(|(k, _)| k.clone())
        .collect();
    assert_eq!(
        anonymous_keys, unrestricted,
        "the anonymous view, in the list's order"
    );
    assert_eq!(viewer_keys, unrestricted);
    assert!(set(&viewer_keys).is_subset(&set(&main_keys)));
    // A cursor issued to the credential is no anonymous caller's.
    let first = query(&m, "page_size=5").await.json();
    let cursor = first["next_cursor"].as_str().expect("a cursor").to_string();
    let replay = get(
        &format!("{}?page_size=5&cursor={cursor}", endpoint(&m, &[])),
        None,
    )
    .await;
    assert_eq!(replay.status, 400, "{}", replay.text);
    let described = mock::describe(&m);
    assert!(described.contains("(viewer:"), "{described}");
    assert!(
        described.contains("served without credentials too"),
        "{described}"
    );
    m.shutdown().await;
}

/// An operation that requires its credential still refuses a request without one, and its
/// spec gets no viewer: nothing is restricted there.
#[tokio::test]
async fn required_credentials_stay_required() {
    let m = start(fixture("books-page")).await;
    assert!(m.credentials.viewer.is_none());
    let r = get(&endpoint(&m, &[]), None).await;
    assert_eq!(r.status, 401, "{}", r.text);
    m.shutdown().await;
}
