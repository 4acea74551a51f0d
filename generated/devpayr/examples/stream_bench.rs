//! The stream benchmark of `cargo xtask bench` for this client:
//! `list_project_domains().stream()` against the loop a user writes with reqwest and serde
//! (resend with `cursor` set to `data.next_cursor` until it is null), over the same pages of
//! the reference mock. Prints one line of JSON; see `testkit::bench::stream`.
//!
//! `cargo run --release -p devpayr-client --example stream_bench [ITEMS]`

use devpayr_client::{types, Client};
use testkit::bench::stream::{consume, drain, example_main, get_json, StreamSetup};

fn project(setup: &StreamSetup) -> Result<u64, String> {
    let value = setup.path_values.get("project").ok_or("no project id")?;
    value
        .parse()
        .map_err(|_| format!("`{value}` is not a project id"))
}

pub fn generated(setup: &StreamSetup) -> impl AsyncFn() -> Result<usize, String> {
    let client = Client::with_api_key(&setup.base_url, setup.secret.clone());
    let (project, page_size) = (project(setup), setup.page_size);
    async move || {
        let client = client.as_ref().map_err(|e| e.to_string())?;
        let request = client
            .list_project_domains()
            .project(project.clone()?)
            .per_page(page_size);
        drain(request.stream()).await
    }
}

pub fn handwritten(setup: &StreamSetup) -> impl AsyncFn() -> Result<usize, String> {
    let http = reqwest::Client::new();
    let setup = setup.clone();
    async move || {
        let (name, value) = setup.header.as_ref().ok_or("no credential header")?;
        let mut cursor: Option<String> = None;
        let mut n = 0;
        loop {
            let mut request = http.get(&setup.first_page).header(name, value);
            if let Some(cursor) = &cursor {
                request = request.query(&[("cursor", cursor)]);
            }
            let body: types::ProjectDomainsResponse = get_json(request).await?;
            n += consume(body.data.data);
            match body.data.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(n),
            }
        }
    }
}

fn main() -> std::process::ExitCode {
    example_main("devpayr", generated, handwritten)
}
