//! The stream benchmark of `cargo xtask bench` for this client: `list_customers().stream()`
//! against the loop a user writes with reqwest and serde (resend with `starting_after` set to
//! the last customer's id while `has_more`), over the same pages of the reference mock.
//! Prints one line of JSON; see `testkit::bench::stream`.
//!
//! `cargo run --release -p stripe-client --example stream_bench [ITEMS]`

use stripe_client::{types, Client};
use testkit::bench::stream::{consume, drain, example_main, get_json, StreamSetup};

pub fn generated(setup: &StreamSetup) -> impl AsyncFn() -> Result<usize, String> {
    let client = Client::with_bearer_token(&setup.base_url, setup.secret.clone());
    let page_size = setup.page_size;
    async move || {
        let client = client.as_ref().map_err(|e| e.to_string())?;
        drain(client.list_customers().limit(page_size).stream()).await
    }
}

pub fn handwritten(setup: &StreamSetup) -> impl AsyncFn() -> Result<usize, String> {
    let http = reqwest::Client::new();
    let setup = setup.clone();
    async move || {
        let (name, value) = setup.header.as_ref().ok_or("no credential header")?;
        let mut after: Option<String> = None;
        let mut n = 0;
        loop {
            let mut request = http.get(&setup.first_page).header(name, value);
            if let Some(after) = &after {
                request = request.query(&[("starting_after", after)]);
            }
            let list: types::CustomerList = get_json(request).await?;
            let last = list.data.last().map(|c| c.id.clone());
            n += consume(list.data);
            match (list.has_more, last) {
                (true, Some(id)) => after = Some(id),
                _ => return Ok(n),
            }
        }
    }
}

fn main() -> std::process::ExitCode {
    example_main("stripe", generated, handwritten)
}
