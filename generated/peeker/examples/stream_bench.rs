//! The stream benchmark of `cargo xtask bench` for this client: `list_domains().stream()`
//! against the loop a user writes with reqwest and serde (follow `links.next` verbatim), over
//! the same pages of the reference mock. Prints one line of JSON; see `testkit::bench::stream`.
//!
//! `cargo run --release -p peeker-client --example stream_bench [ITEMS]`

use peeker_client::{types, Client};
use testkit::bench::stream::{consume, drain, example_main, get_json, StreamSetup};

pub fn generated(setup: &StreamSetup) -> impl AsyncFn() -> Result<usize, String> {
    let client = Client::with_bearer_token(&setup.base_url, setup.secret.clone());
    let page_size = setup.page_size;
    async move || {
        let client = client.as_ref().map_err(|e| e.to_string())?;
        drain(client.list_domains().per_page(page_size).stream()).await
    }
}

pub fn handwritten(setup: &StreamSetup) -> impl AsyncFn() -> Result<usize, String> {
    let http = reqwest::Client::new();
    let setup = setup.clone();
    async move || {
        let (name, value) = setup.header.as_ref().ok_or("no credential header")?;
        let mut url = setup.first_page.clone();
        let mut n = 0;
        loop {
            let page: types::DomainPage = get_json(http.get(&url).header(name, value)).await?;
            n += consume(page.data);
            match page.links.and_then(|l| l.next) {
                Some(next) => url = next,
                None => return Ok(n),
            }
        }
    }
}

fn main() -> std::process::ExitCode {
    example_main("peeker", generated, handwritten)
}
