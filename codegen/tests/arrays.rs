//! Array query parameters travel as the spec says: the `cards-search` fixture declares `ids`
//! and `labels` `explode: false`, so the client sends `ids=1,2` (progenitor alone sends
//! `ids=1&ids=2`, of which a server that reads one comma-separated value keeps the last).
//! Streamed against the reference mock, every value counts: the in-list returns the items of
//! both ids, the all-of labels the items that carry both.

#[allow(dead_code, unused_imports, missing_docs, clippy::all)]
#[rustfmt::skip]
#[path = "output/cards-search.rs"]
mod cards;

#[path = "support/stream.rs"]
mod stream;

use stream::all;

#[tokio::test]
async fn comma_separated_arrays_carry_every_value() {
    let mut config = mock::MockConfig::new(
        specs::Spec::load(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../fixtures/specs/cards-search.yaml"),
        )
        .unwrap_or_else(|e| panic!("{e}")),
    );
    config.items = 40;
    let m = mock::start(config).await.unwrap();
    let secret = m.credentials.primary().unwrap().secret.clone();
    let client = cards::Client::with_bearer_token(&m.base_url, secret).unwrap();
    let every = all(client
        .list_cards()
        .state(cards::types::ListCardsState::All)
        .stream())
    .await;
    assert_eq!(every.len(), 40);
    let (a, b) = (every[3].id, every[17].id);
    let picked = all(client
        .list_cards()
        .state(cards::types::ListCardsState::All)
        .ids(vec![a, b])
        .stream())
    .await;
    let ids: Vec<i64> = picked.iter().map(|c| c.id).collect();
    assert_eq!(ids, [a, b], "both ids of the in-list");

    use cards::types::{CardLabelsItem as Have, ListCardsLabelsItem as Ask};
    let both = all(client
        .list_cards()
        .state(cards::types::ListCardsState::All)
        .labels(vec![Ask::Bug, Ask::Ui])
        .stream())
    .await;
    let want: Vec<i64> = every
        .iter()
        .filter(|c| c.labels.contains(&Have::Bug) && c.labels.contains(&Have::Ui))
        .map(|c| c.id)
        .collect();
    assert!(!want.is_empty(), "some cards carry both labels");
    assert_eq!(both.iter().map(|c| c.id).collect::<Vec<_>>(), want);
    m.shutdown().await;
}
