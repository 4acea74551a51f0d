//! Recording a run as an HTTP Archive (HAR 1.2), and replaying one offline.
//!
//! The archive holds every exchange the probe had: pages, refusals, 429s, timeouts, refused
//! cross-origin links, each entry marked in its `comment` (`{"run":0,"auth":"target",
//! "outcome":"rate-limited"}`). The credential is masked everywhere, as in every report: `***`
//! in the header that carries it or in the query, and in any body or header that echoed it
//! (the probe masks those as it reads them). Bodies longer than [`BODY_CAP`] are cut, and the
//! cut is said in the content's `comment` (`truncated: kept N of M bytes`).
//!
//! The log's `comment` holds what a replay needs to send the same requests: per run, the API,
//! the base URL, the path values, the seed and the options. [`replay`] reads an archive back
//! into targets whose transport answers each request from the recording (in the order the
//! answers were recorded), so `cargo xtask replay PATH.har` re-judges a run with the same
//! checks and no server and no key. A request the recording does not hold is answered with
//! "not recorded", and the checks that needed it say so as a skip.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use base64::Engine as _;
use har::v1_2;
use serde::{Deserialize, Serialize};

use crate::probe::transport::{Sent, Transport, WireError, WireRequest, WireResponse};
use crate::probe::{lock, Exchange, Outcome, ProbeError, Recorder};
use crate::registry::CheckId;
use crate::target::{mask_all, Options, Secret, Target};
use crate::Selection;

/// Longest body kept in an archive, in bytes; a longer one is cut and the cut is said.
pub const BODY_CAP: usize = 1024 * 1024;

/// What a replay needs to know of one run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunMeta {
    /// The API (its spec's name).
    pub api: String,
    /// The base URL.
    pub base_url: String,
    /// Whether the run had a credential (its value is never recorded).
    pub credential: bool,
    /// The credential's conventional prefix (`pk_test_`), which is not secret: the suite's
    /// made-up keys start with it, and a replay must make up the same ones.
    pub credential_prefix: String,
    /// Whether the run had a viewer credential (its value is never recorded).
    #[serde(default)]
    pub viewer: bool,
    /// Path values, forbidden and missing values, known owners.
    pub path_values: BTreeMap<String, String>,
    /// For the access parameter: a value the credential may not read.
    pub forbidden: BTreeMap<String, String>,
    /// For the access parameter: a value that does not exist.
    pub missing: BTreeMap<String, String>,
    /// Known values of owner filters.
    pub owner_values: BTreeMap<String, Vec<String>>,
    /// Other values of path parameters the credential may read.
    #[serde(default)]
    pub readable: BTreeMap<String, Vec<String>>,
    /// Path values of one operation.
    #[serde(default)]
    pub operation_path_values: BTreeMap<specs::OperationId, BTreeMap<String, String>>,
    /// The operations selected (`--operation`); every one when empty.
    #[serde(default)]
    pub operations: Vec<String>,
    /// The seed.
    pub seed: u64,
    /// Proptest cases per family.
    pub cases: u32,
    /// Requests in flight.
    pub concurrency: usize,
    /// The request budget.
    pub max_requests: u64,
    /// Milliseconds per request.
    pub request_timeout_ms: u64,
    /// Milliseconds for the run.
    pub deadline_ms: u64,
    /// Largest body read.
    pub body_cap: usize,
    /// 429s in a row before a request is given up.
    pub max_retries: u32,
    /// Shrink steps per family.
    pub max_shrink_iters: u32,
    /// Warnings as failures.
    pub strict: bool,
    /// The checks that ran.
    pub checks: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct LogComment {
    conformance: Vec<RunMeta>,
}

#[derive(Debug, Serialize, Deserialize)]
struct EntryComment {
    run: usize,
    auth: String,
    outcome: String,
}

/// A HAR 1.2 archive written as the runs go: each exchange is appended as soon as it is
/// done, so no body is held for the archive's sake; the pages (one per operation) and the
/// runs' description close the document at the end ([`HarWriter::finish`]). The archive is
/// written to a temporary file beside `path` and renamed over it only when complete.
pub struct HarWriter {
    path: PathBuf,
    partial: PathBuf,
    state: Mutex<WriterState>,
}

struct WriterState {
    out: Option<BufWriter<File>>,
    entries: u64,
    pages: Vec<v1_2::Pages>,
    /// The first write error, reported by `finish`.
    error: Option<String>,
}

impl HarWriter {
    /// Starts an archive at `path`.
    pub fn create(path: &Path) -> anyhow::Result<Arc<HarWriter>> {
        let partial = path.with_extension("har.partial");
        let file = File::create(&partial)
            .with_context(|| format!("cannot write {}", partial.display()))?;
        let mut out = BufWriter::new(file);
        let creator = v1_2::Creator {
            name: "conformance".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            comment: None,
        };
        write!(
            out,
            "{{\"log\":{{\"version\":\"1.2\",\"creator\":{},\"entries\":[",
            serde_json::to_string(&creator)?
        )
        .with_context(|| format!("cannot write {}", partial.display()))?;
        Ok(Arc::new(HarWriter {
            path: path.to_path_buf(),
            partial,
            state: Mutex::new(WriterState {
                out: Some(out),
                entries: 0,
                pages: Vec::new(),
                error: None,
            }),
        }))
    }

    /// The recorder of run `run` (its index among the runs the archive holds), of `api` at
    /// `base_url`.
    pub fn recorder(self: &Arc<Self>, run: usize, api: &str, base_url: &str) -> Arc<dyn Recorder> {
        Arc::new(RunRecorder {
            writer: self.clone(),
            run,
            api: api.to_string(),
            base_url: base_url.to_string(),
            masks: Vec::new(),
        })
    }

    /// The recorder of run `run` against `target`: every form of the target's credentials is
    /// masked in what it records, in a URL too (a user name can be a path value).
    pub fn recorder_for(self: &Arc<Self>, run: usize, target: &Target) -> Arc<dyn Recorder> {
        let masks = target.masked_forms();
        Arc::new(RunRecorder {
            writer: self.clone(),
            run,
            api: target.spec.name.clone(),
            base_url: mask_all(target.base_url.as_str(), &masks),
            masks,
        })
    }

    fn append(&self, r: &RunRecorder, e: &Exchange) {
        let mut state = lock(&self.state);
        if state.error.is_some() {
            return;
        }
        let written = entry(r.run, e)
            .map_err(|e| e.to_string())
            .map(|entry| masked(entry, &r.masks))
            .and_then(|mut entry| {
                // One page per operation: `<api>/<operationId>`.
                if !e.request.operation.is_empty() {
                    let id = format!("{}/{}", r.api, e.request.operation);
                    if !state.pages.iter().any(|p| p.id == id) {
                        state.pages.push(v1_2::Pages {
                            started_date_time: entry.started_date_time.clone(),
                            title: format!("{id} at {}", r.base_url),
                            id: id.clone(),
                            page_timings: v1_2::PageTimings::default(),
                            comment: None,
                        });
                    }
                    entry.pageref = Some(id);
                }
                let comma = if state.entries == 0 { "\n" } else { ",\n" };
                state.entries += 1;
                let out = state.out.as_mut().ok_or("the archive is already closed")?;
                out.write_all(comma.as_bytes()).map_err(|e| e.to_string())?;
                serde_json::to_writer(out, &entry).map_err(|e| e.to_string())
            });
        if let Err(problem) = written {
            state.error = Some(problem);
        }
    }

    /// Closes the archive with the pages and what a replay needs of each run, and puts it
    /// in place.
    pub fn finish(&self, metas: Vec<RunMeta>) -> anyhow::Result<()> {
        let mut state = lock(&self.state);
        if let Some(problem) = state.error.take() {
            anyhow::bail!("cannot write {}: {problem}", self.partial.display());
        }
        let mut out = state
            .out
            .take()
            .context("the archive was already finished")?;
        let comment = serde_json::to_string(&LogComment { conformance: metas })?;
        write!(
            out,
            "\n],\"pages\":{},\"comment\":{}}}}}\n",
            serde_json::to_string(&state.pages)?,
            serde_json::to_string(&comment)?
        )
        .and_then(|()| out.flush())
        .with_context(|| format!("cannot write {}", self.partial.display()))?;
        drop(out);
        std::fs::rename(&self.partial, &self.path)
            .with_context(|| format!("cannot write {}", self.path.display()))
    }
}

/// The exchanges of one run, appended to a [`HarWriter`].
struct RunRecorder {
    writer: Arc<HarWriter>,
    run: usize,
    api: String,
    base_url: String,
    /// Every form of the run's credentials, longest first.
    masks: Vec<String>,
}

/// `entry` with every one of `masks` replaced by `***` in its request (URL, query, headers);
/// the probe masked the response as it read it.
fn masked(mut entry: v1_2::Entries, masks: &[String]) -> v1_2::Entries {
    if masks.is_empty() {
        return entry;
    }
    let request = &mut entry.request;
    request.url = mask_all(&request.url, masks);
    for q in &mut request.query_string {
        q.value = mask_all(&q.value, masks);
    }
    for h in &mut request.headers {
        h.value = mask_all(&h.value, masks);
    }
    entry
}

impl Recorder for RunRecorder {
    fn record(&self, exchange: &Exchange) {
        self.writer.append(self, exchange);
    }
}

/// What a replay needs of a finished run, every form of its credentials masked (a path value
/// that is a user name is recorded as `***`, as the URLs of the recorded requests hold it).
pub fn meta(target: &Target, options: &Options) -> RunMeta {
    let masks = target.masked_forms();
    let m = |s: &String| mask_all(s, &masks);
    let map = |values: &BTreeMap<String, String>| -> BTreeMap<String, String> {
        values.iter().map(|(k, v)| (k.clone(), m(v))).collect()
    };
    let lists = |values: &BTreeMap<String, Vec<String>>| -> BTreeMap<String, Vec<String>> {
        values
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().map(m).collect()))
            .collect()
    };
    RunMeta {
        api: target.spec.name.clone(),
        base_url: m(&target.base_url.to_string()),
        credential: target.credential.is_some(),
        credential_prefix: target.credential_prefix().to_string(),
        viewer: target.viewer.is_some(),
        path_values: map(&target.path_values),
        forbidden: map(&target.forbidden),
        missing: map(&target.missing),
        owner_values: lists(&target.owner_values),
        readable: lists(&target.readable),
        operation_path_values: target
            .operation_path_values
            .iter()
            .map(|(op, values)| (op.clone(), map(values)))
            .collect(),
        operations: options.operations.clone(),
        seed: options.seed,
        cases: options.cases,
        concurrency: options.concurrency,
        max_requests: options.max_requests,
        request_timeout_ms: options.request_timeout.as_millis() as u64,
        deadline_ms: options.deadline.as_millis() as u64,
        body_cap: options.body_cap,
        max_retries: options.max_retries,
        max_shrink_iters: options.max_shrink_iters,
        strict: options.strict,
        checks: options
            .selection
            .checks()
            .iter()
            .map(|c| c.name().to_string())
            .collect(),
    }
}

fn headers(list: &[(String, String)]) -> Vec<v1_2::Headers> {
    list.iter()
        .map(|(name, value)| v1_2::Headers {
            name: name.clone(),
            value: value.clone(),
            comment: None,
        })
        .collect()
}

fn outcome_word(e: &Exchange) -> String {
    match &e.outcome {
        Outcome::Response(_) if e.rate_limited => "rate-limited".into(),
        Outcome::Response(_) => "response".into(),
        Outcome::Failed(ProbeError::Timeout(d)) => format!("timeout: {}", d.as_millis()),
        Outcome::Failed(ProbeError::BodyTooLarge(cap)) => format!("body-too-large: {cap}"),
        Outcome::Failed(ProbeError::Unreachable(m)) => format!("unreachable: {m}"),
        Outcome::Failed(ProbeError::Transport(m)) => format!("transport: {m}"),
        Outcome::Failed(ProbeError::Deadline(_)) => "deadline".into(),
        Outcome::Failed(other) => format!("failed: {other}"),
        Outcome::NotSent(m) => format!("not-sent: {m}"),
    }
}

fn entry(run: usize, e: &Exchange) -> anyhow::Result<v1_2::Entries> {
    let url = e.request.url_masked();
    let request = v1_2::Request {
        method: "GET".into(),
        url: url.to_string(),
        http_version: "HTTP/1.1".into(),
        cookies: Vec::new(),
        headers: headers(&e.request.headers_masked()),
        query_string: url
            .query_pairs()
            .map(|(k, v)| v1_2::QueryString {
                name: k.into_owned(),
                value: v.into_owned(),
                comment: None,
            })
            .collect(),
        post_data: None,
        headers_size: -1,
        body_size: 0,
        comment: None,
    };
    let response = match &e.outcome {
        Outcome::Response(r) => {
            let (text, encoding, comment) = body_text(&r.body);
            v1_2::Response {
                status: i64::from(r.status),
                status_text: reason(r.status).into(),
                http_version: "HTTP/1.1".into(),
                cookies: Vec::new(),
                headers: headers(&r.headers),
                content: v1_2::Content {
                    size: r.body.len() as i64,
                    compression: None,
                    mime_type: r.content_type().map(str::to_string),
                    text: Some(text),
                    encoding,
                    comment,
                },
                redirect_url: r.header("location").map(str::to_string),
                headers_size: -1,
                body_size: r.body.len() as i64,
                comment: None,
            }
        }
        // No response: status 0, as browsers record aborted requests.
        _ => v1_2::Response {
            status: 0,
            status_text: String::new(),
            http_version: String::new(),
            cookies: Vec::new(),
            headers: Vec::new(),
            content: v1_2::Content {
                size: 0,
                compression: None,
                mime_type: None,
                text: None,
                encoding: None,
                comment: None,
            },
            redirect_url: None,
            headers_size: -1,
            body_size: -1,
            comment: None,
        },
    };
    let started: chrono::DateTime<chrono::Utc> = e.started.into();
    let millis = e.elapsed.as_secs_f64() * 1000.0;
    Ok(v1_2::Entries {
        pageref: None,
        started_date_time: started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        time: millis,
        request,
        response,
        cache: v1_2::Cache {
            before_request: None,
            after_request: None,
        },
        timings: v1_2::Timings {
            blocked: None,
            dns: None,
            connect: None,
            send: 0.0,
            wait: millis,
            receive: 0.0,
            ssl: None,
            comment: None,
        },
        server_ip_address: None,
        connection: None,
        comment: Some(serde_json::to_string(&EntryComment {
            run,
            auth: e.request.auth.clone(),
            outcome: outcome_word(e),
        })?),
    })
}

/// A body as HAR text: UTF-8 as it is, anything else in base64; cut at [`BODY_CAP`].
fn body_text(body: &[u8]) -> (String, Option<String>, Option<String>) {
    let kept = &body[..body.len().min(BODY_CAP)];
    let comment = (kept.len() < body.len())
        .then(|| format!("truncated: kept {} of {} bytes", kept.len(), body.len()));
    match std::str::from_utf8(kept) {
        Ok(text) => (text.to_string(), None, comment),
        Err(_) => (
            base64::engine::general_purpose::STANDARD.encode(kept),
            Some("base64".into()),
            comment,
        ),
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        410 => "Gone",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// One recorded answer.
type Answer = Result<WireResponse, WireError>;

/// A transport that answers from a recording: each request key gets its recorded answers in
/// the order they were recorded; once they are used up the last one repeats (a request sent
/// more often than recorded is still the same request to a deterministic server).
pub struct Replay {
    answers: Mutex<HashMap<String, VecDeque<Answer>>>,
    last: Mutex<HashMap<String, Answer>>,
}

impl Transport for Replay {
    fn send(&self, request: WireRequest) -> Sent<'_> {
        let answer = {
            let mut answers = lock(&self.answers);
            let mut last = lock(&self.last);
            match answers.get_mut(&request.key).and_then(VecDeque::pop_front) {
                Some(a) => {
                    last.insert(request.key.clone(), a.clone());
                    a
                }
                None => last
                    .get(&request.key)
                    .cloned()
                    .unwrap_or(Err(WireError::NotRecorded)),
            }
        };
        Box::pin(async move { answer })
    }
}

/// A run read back from an archive: what to check, how, and the recorded answers.
pub struct Replayed {
    /// The target, with a stand-in credential where the run had one.
    pub target: Target,
    /// The options of the recorded run.
    pub options: Options,
    /// Answers the requests from the recording.
    pub transport: Arc<dyn Transport>,
}

/// The stand-in for a credential that was masked in the recording (after its prefix).
const STAND_IN: &str = "replayed-credential";

/// Reads an archive written by a [`HarWriter`] back into the runs it recorded.
pub fn replay(path: &Path) -> anyhow::Result<Vec<Replayed>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let archive: har::Har = har::from_str(&text)
        .with_context(|| format!("{} is not a HAR document", path.display()))?;
    let har::Spec::V1_2(log) = archive.log else {
        anyhow::bail!(
            "{}: only HAR 1.2 archives written by `--har` can be replayed",
            path.display()
        );
    };
    let meta: LogComment = log
        .comment
        .as_deref()
        .and_then(|c| serde_json::from_str(c).ok())
        .with_context(|| format!("{}: the log's comment does not describe a conformance run (was it written by `--har`?)", path.display()))?;
    let mut answers: Vec<HashMap<String, VecDeque<Answer>>> =
        vec![HashMap::new(); meta.conformance.len()];
    for (i, e) in log.entries.iter().enumerate() {
        let comment: EntryComment = e
            .comment
            .as_deref()
            .and_then(|c| serde_json::from_str(c).ok())
            .with_context(|| format!("{}: entry {i} has no conformance comment", path.display()))?;
        let Some(run) = answers.get_mut(comment.run) else {
            anyhow::bail!(
                "{}: entry {i} names run {}, which the log does not describe",
                path.display(),
                comment.run
            );
        };
        let Some(answer) = answer(e, &comment.outcome) else {
            continue;
        };
        run.entry(format!("{} {}", comment.auth, e.request.url))
            .or_default()
            .push_back(answer);
    }
    meta.conformance
        .into_iter()
        .zip(answers)
        .map(|(m, answers)| replayed(m, answers))
        .collect()
}

fn answer(e: &v1_2::Entries, outcome: &str) -> Option<Answer> {
    let word = outcome.split(':').next().unwrap_or_default();
    let detail = outcome
        .split_once(": ")
        .map(|(_, d)| d.to_string())
        .unwrap_or_default();
    Some(match word {
        "response" | "rate-limited" => {
            let content = &e.response.content;
            let text = content.text.clone().unwrap_or_default();
            let body = match content.encoding.as_deref() {
                Some("base64") => base64::engine::general_purpose::STANDARD
                    .decode(text.as_bytes())
                    .unwrap_or_default(),
                _ => text.into_bytes(),
            };
            Ok(WireResponse {
                status: u16::try_from(e.response.status).unwrap_or(0),
                headers: e
                    .response
                    .headers
                    .iter()
                    .map(|h| (h.name.to_ascii_lowercase(), h.value.clone()))
                    .collect(),
                body,
            })
        }
        "timeout" => Err(WireError::Timeout(Duration::from_millis(
            detail.parse().unwrap_or(0),
        ))),
        "body-too-large" => Err(WireError::BodyTooLarge(detail.parse().unwrap_or(0))),
        "unreachable" => Err(WireError::Unreachable(detail)),
        "transport" => Err(WireError::Transport(detail)),
        // Not sent, or cut by the run's deadline: nothing came back that a replay could give.
        _ => return None,
    })
}

fn replayed(m: RunMeta, answers: HashMap<String, VecDeque<Answer>>) -> anyhow::Result<Replayed> {
    let spec = specs::load(&m.api).with_context(|| {
        format!(
            "the recording is of `{}`, which has no spec in specs/",
            m.api
        )
    })??;
    let base = m
        .base_url
        .parse()
        .with_context(|| format!("the recorded base URL `{}` is not a URL", m.base_url))?;
    let security = spec.security().cloned();
    let mut target = Target::new(Arc::new(spec), base);
    // Stand-ins of the scheme's shape: requests are matched by who sent them, never by what.
    let stand_in = |role: &str| match security.as_ref().map(|s| &s.kind) {
        Some(specs::SecurityKind::Basic) => {
            Secret::basic(&format!("replayed-{role}user"), STAND_IN)
        }
        _ => Secret::new(format!("{}{role}{STAND_IN}", m.credential_prefix)),
    };
    target.credential = m.credential.then(|| stand_in(""));
    target.viewer = m.viewer.then(|| stand_in("viewer-"));
    target.path_values = m.path_values;
    target.forbidden = m.forbidden;
    target.missing = m.missing;
    target.owner_values = m.owner_values;
    target.readable = m.readable;
    target.operation_path_values = m.operation_path_values;
    // A replay has no live system to protect; the recorded run was allowed or refused then.
    target.allow_live = true;
    let names: Vec<String> = m
        .checks
        .iter()
        .filter(|n| CheckId::from_name(n).is_some())
        .cloned()
        .collect();
    let options = Options {
        cases: m.cases,
        seed: m.seed,
        max_requests: m.max_requests,
        request_timeout: Duration::from_millis(m.request_timeout_ms.max(1)),
        deadline: Duration::from_millis(m.deadline_ms.max(1)),
        body_cap: m.body_cap,
        concurrency: m.concurrency.max(1),
        // The waits were the server's; a replay need not wait again.
        retry_after_cap: Duration::ZERO,
        max_retries: m.max_retries,
        max_shrink_iters: m.max_shrink_iters,
        strict: m.strict,
        selection: Selection::new(&names, &[])?,
        operations: m.operations,
        progress: false,
        // The recorded run kept to the vendor's pace; a replay answers from the file.
        rate_limit: None,
        replayed: true,
    };
    Ok(Replayed {
        target,
        options,
        transport: Arc::new(Replay {
            answers: Mutex::new(answers),
            last: Mutex::new(HashMap::new()),
        }),
    })
}
