//! The standard OpenAPI facts of each operation, read once and typed: methods, parameters and
//! their locations, responses by status with their content types, schemas and headers, and
//! the security scheme that applies.

use serde_json::Value;

use crate::extensions::{self, Access, Cache, ErrorRules, Filter, Pagination, Restricted};
use crate::readings::Reading;
use crate::{resolve_at, SpecError};

/// An HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// GET
    Get,
    /// PUT
    Put,
    /// POST
    Post,
    /// DELETE
    Delete,
    /// OPTIONS
    Options,
    /// HEAD
    Head,
    /// PATCH
    Patch,
    /// TRACE
    Trace,
}

impl Method {
    /// Every method, in the order OpenAPI lists them in a path item.
    pub const ALL: [Method; 8] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
    ];

    /// The key of the method in a path item (`get`).
    pub fn key(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Options => "options",
            Method::Head => "head",
            Method::Patch => "patch",
            Method::Trace => "trace",
        }
    }

    /// The method as sent on the wire (`GET`).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Location {
    /// In the query string.
    Query,
    /// In the path template.
    Path,
    /// In a header.
    Header,
    /// In a cookie.
    Cookie,
}

impl Location {
    fn parse(s: &str) -> Option<Location> {
        match s {
            "query" => Some(Location::Query),
            "path" => Some(Location::Path),
            "header" => Some(Location::Header),
            "cookie" => Some(Location::Cookie),
            _ => None,
        }
    }

    /// The OpenAPI name (`query`).
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Query => "query",
            Location::Path => "path",
            Location::Header => "header",
            Location::Cookie => "cookie",
        }
    }
}

/// A key of an operation's `responses`: one status, a range (`4XX`) or `default`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusKey {
    /// One status, e.g. `404`.
    Code(u16),
    /// A range, `1XX` to `5XX`: the first digit.
    Range(u8),
    /// `default`.
    Default,
}

impl StatusKey {
    fn parse(s: &str) -> Option<StatusKey> {
        if s == "default" {
            return Some(StatusKey::Default);
        }
        let b = s.as_bytes();
        if b.len() == 3 && (b'1'..=b'5').contains(&b[0]) && s[1..].eq_ignore_ascii_case("xx") {
            return Some(StatusKey::Range(b[0] - b'0'));
        }
        match s.parse::<u16>() {
            Ok(n) if (100..=599).contains(&n) => Some(StatusKey::Code(n)),
            _ => None,
        }
    }

    /// Whether the key covers `status`.
    pub fn covers(self, status: u16) -> bool {
        match self {
            StatusKey::Code(c) => c == status,
            StatusKey::Range(d) => status / 100 == u16::from(d),
            StatusKey::Default => true,
        }
    }

    /// Ranks for choosing the most specific key: a code, then a range, then `default`.
    fn specificity(self) -> u8 {
        match self {
            StatusKey::Code(_) => 0,
            StatusKey::Range(_) => 1,
            StatusKey::Default => 2,
        }
    }
}

impl std::fmt::Display for StatusKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StatusKey::Code(c) => write!(f, "{c}"),
            StatusKey::Range(d) => write!(f, "{d}XX"),
            StatusKey::Default => f.write_str("default"),
        }
    }
}

/// A documented response header.
#[derive(Debug, Clone, PartialEq)]
pub struct HeaderSpec {
    /// The header name as the spec writes it (`Retry-After`).
    pub name: String,
    /// Pointer to the header object (after `$ref`s).
    pub pointer: String,
    /// Whether the header must be sent.
    pub required: bool,
    /// Its schema, `$ref`s resolved.
    pub schema: Value,
}

/// A documented response of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseSpec {
    /// The status key.
    pub key: StatusKey,
    /// Pointer to the response object (after `$ref`s), e.g. `/components/responses/Error`.
    pub pointer: String,
    /// Documented media types, lower case.
    pub content_types: Vec<String>,
    /// Pointer to the `application/json` schema node, when there is one.
    pub json_schema: Option<String>,
    /// Documented headers.
    pub headers: Vec<HeaderSpec>,
}

impl ResponseSpec {
    /// The documented header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&HeaderSpec> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
    }
}

/// How the credential travels, from `components/securitySchemes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityKind {
    /// `Authorization: Bearer <key>` (`type: http, scheme: bearer`).
    Bearer,
    /// `Authorization: Basic <base64 of user:password>` (`type: http, scheme: basic`, RFC
    /// 7617). The credential is the user name and the password joined by a colon.
    Basic,
    /// A named header (`type: apiKey, in: header`).
    Header(String),
    /// A named query parameter (`type: apiKey, in: query`).
    Query(String),
}

/// The security scheme an operation requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Security {
    /// The scheme's name under `components/securitySchemes`.
    pub scheme: String,
    /// Pointer to the scheme object.
    pub pointer: String,
    /// How the credential is sent.
    pub kind: SecurityKind,
    /// `x-live-prefix`: credentials starting with it reach a production system, and a
    /// conformance run refuses them unless explicitly allowed.
    pub live_prefix: Option<String>,
    /// Whether the operation may also be called without any credential: an empty requirement
    /// `{}` among its `security` requirements (`[{bearerAuth: []}, {}]`).
    pub optional: bool,
}

impl Security {
    /// What the credential is called on a command line: `token` for a bearer token, `api-key`
    /// for an API key (so `--token` / `PEEKER_TOKEN`, `--api-key` / `DEVPAYR_API_KEY`), and
    /// `password` for the secret of HTTP Basic credentials.
    pub fn credential_noun(&self) -> &'static str {
        match self.kind {
            SecurityKind::Bearer => "token",
            SecurityKind::Basic => "password",
            SecurityKind::Header(_) | SecurityKind::Query(_) => "api-key",
        }
    }

    /// The parts of the credential, as a command line names them, in the order they are
    /// joined: `[token]`, `[api-key]`, or `[username, password]` for HTTP Basic. The last is
    /// [`Security::credential_noun`].
    pub fn credential_parts(&self) -> &'static [&'static str] {
        match self.kind {
            SecurityKind::Bearer => &["token"],
            SecurityKind::Basic => &["username", "password"],
            SecurityKind::Header(_) | SecurityKind::Query(_) => &["api-key"],
        }
    }

    /// The header that carries the credential, if it travels in one.
    pub fn header_name(&self) -> Option<&str> {
        match &self.kind {
            SecurityKind::Bearer | SecurityKind::Basic => Some("Authorization"),
            SecurityKind::Header(name) => Some(name),
            SecurityKind::Query(_) => None,
        }
    }

    /// The header value that carries `key` (`Bearer <key>`, `Basic <base64 of key>` where
    /// `key` is `user:password`, or the key itself).
    pub fn header_value(&self, key: &str) -> String {
        match self.kind {
            SecurityKind::Bearer => format!("Bearer {key}"),
            SecurityKind::Basic => client_runtime::basic_authorization(key),
            _ => key.to_string(),
        }
    }

    /// The header value with `mask` standing for the secret (`Bearer ***`, `Basic ***`,
    /// `***`), as reports show it.
    pub fn masked_header_value(&self, mask: &str) -> String {
        match self.kind {
            SecurityKind::Bearer => format!("Bearer {mask}"),
            SecurityKind::Basic => format!("Basic {mask}"),
            _ => mask.to_string(),
        }
    }

    /// Whether `key` is a live (production) credential: it starts with `x-live-prefix` (for
    /// HTTP Basic, its user name or its password does).
    pub fn is_live(&self, key: &str) -> bool {
        let Some(prefix) = self.live_prefix.as_deref().filter(|p| !p.is_empty()) else {
            return false;
        };
        match (&self.kind, key.split_once(':')) {
            (SecurityKind::Basic, Some((user, password))) => {
                user.starts_with(prefix) || password.starts_with(prefix)
            }
            _ => key.starts_with(prefix),
        }
    }
}

/// A parameter of an operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// Parameter name.
    pub name: String,
    /// Where it travels.
    pub location: Location,
    /// Whether it is required.
    pub required: bool,
    /// Pointer to the parameter object (after `$ref`s).
    pub pointer: String,
    /// The parameter's schema, `$ref`s resolved, as JSON.
    pub schema: Value,
    /// An `example` of the parameter or its schema.
    pub example: Option<Value>,
    /// OpenAPI's `explode`: an array travels as repeated pairs (`id=1&id=2`, the default of
    /// query and cookie parameters) or as one comma-separated value (`explode: false`).
    pub explode: bool,
}

impl Parameter {
    /// The `enum` values of a string parameter, if it has any.
    pub fn enum_values(&self) -> Option<Vec<String>> {
        let values = self.schema.get("enum")?.as_array()?;
        Some(
            values
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
        )
    }

    /// `type` of the schema (`string`, `integer`, ...).
    pub fn schema_type(&self) -> Option<&str> {
        self.schema.get("type").and_then(|t| t.as_str())
    }

    /// `format` of the schema (`int64`, `date-time`, ...).
    pub fn format(&self) -> Option<&str> {
        self.schema.get("format").and_then(|t| t.as_str())
    }

    /// Whether `text` is an integer within the range of the parameter's integer `format`
    /// (`int32`, `int64`); any text is, for a parameter without one. A number outside that
    /// range is not a value of the parameter's type, whatever its `maximum` says.
    pub fn fits_format(&self, text: &str) -> bool {
        let range = match self.format() {
            Some("int32") => i128::from(i32::MIN)..=i128::from(i32::MAX),
            Some("int64") => i128::from(i64::MIN)..=i128::from(i64::MAX),
            _ => return true,
        };
        // A number too long even for i128 is far outside both ranges.
        text.trim()
            .parse::<i128>()
            .is_ok_and(|n| range.contains(&n))
    }

    /// `minimum` of an integer parameter.
    pub fn minimum(&self) -> Option<i64> {
        self.schema.get("minimum").and_then(|v| v.as_i64())
    }

    /// `maximum` of an integer parameter.
    pub fn maximum(&self) -> Option<i64> {
        self.schema.get("maximum").and_then(|v| v.as_i64())
    }

    /// `default` of the parameter.
    pub fn default(&self) -> Option<&Value> {
        self.schema.get("default")
    }
}

/// One operation of a spec, with the facts our extensions declare.
#[derive(Debug, Clone)]
pub struct Operation {
    /// `operationId`.
    pub operation_id: crate::OperationId,
    /// HTTP method.
    pub method: Method,
    /// Path template, e.g. `/project/{project}/domains`.
    pub path: String,
    /// JSON pointer to the operation object, e.g. `/paths/~1domains/get`.
    pub pointer: String,
    /// The security scheme that applies (operation `security`, else the document's), if any.
    pub security: Option<Security>,
    /// Query, path, header and cookie parameters, in spec order (path-level ones first,
    /// overridden by operation-level ones of the same name and location).
    pub parameters: Vec<Parameter>,
    /// Documented responses, in spec order.
    pub responses: Vec<ResponseSpec>,
    /// `x-pagination`, when the operation is paginated.
    pub pagination: Option<Pagination>,
    /// Every parameter that declares `x-filter`, in spec order.
    pub filters: Vec<Filter>,
    /// `x-errors`: the statuses the checks accept for each kind of refusal.
    pub errors: ErrorRules,
    /// `x-access`: which credential may read which value of a path parameter.
    pub access: Option<Access>,
    /// `x-restricted`: the items narrower callers (the viewer, an anonymous caller) never see.
    pub restricted: Option<Restricted>,
    /// `x-cache`: documented response caching.
    pub cache: Option<Cache>,
    /// `x-sort`: the order parameter and what it orders by.
    pub sort: Option<crate::Sort>,
}

impl Operation {
    /// The parameter `name` in `location`.
    pub fn parameter(&self, name: &str, location: Location) -> Option<&Parameter> {
        self.parameters
            .iter()
            .find(|p| p.name == name && p.location == location)
    }

    /// The parameters in `location`, in spec order.
    pub fn parameters_in(&self, location: Location) -> impl Iterator<Item = &Parameter> {
        self.parameters
            .iter()
            .filter(move |p| p.location == location)
    }

    /// The most specific documented response for `status` (a code, then a range, then
    /// `default`).
    pub fn response(&self, status: u16) -> Option<&ResponseSpec> {
        self.responses
            .iter()
            .filter(|r| r.key.covers(status))
            .min_by_key(|r| r.key.specificity())
    }

    /// The response that describes an error body whatever its status: `default`, else the
    /// first error response (a 4XX or 5XX status or range) with a JSON schema. An error
    /// carried in a 200 body (`x-errors.in-body`) is one of these.
    pub fn error_body(&self) -> Option<&ResponseSpec> {
        error_body_of(&self.responses)
    }

    /// The documented status keys, in spec order, for messages.
    pub fn status_list(&self) -> String {
        self.responses
            .iter()
            .map(|r| r.key.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// [`Operation::error_body`] among `responses`.
pub(crate) fn error_body_of(responses: &[ResponseSpec]) -> Option<&ResponseSpec> {
    let with_schema = || responses.iter().filter(|r| r.json_schema.is_some());
    with_schema()
        .find(|r| r.key == StatusKey::Default)
        .or_else(|| {
            with_schema().find(|r| match r.key {
                StatusKey::Code(code) => code >= 400,
                StatusKey::Range(class) => class >= 4,
                StatusKey::Default => false,
            })
        })
}

pub(crate) fn read_operations(
    file: &str,
    raw: &Value,
    readings: &[Reading],
) -> Result<Vec<Operation>, SpecError> {
    let Some(paths) = raw.get("paths").and_then(|p| p.as_object()) else {
        return Err(SpecError::new(
            file,
            "/paths",
            "the spec has no `paths` mapping",
        ));
    };
    let default_security = match raw.get("security") {
        None => None,
        Some(node) => read_requirement(file, raw, node, "/security")?,
    };
    let mut out = Vec::new();
    for (path, item) in paths {
        let item_pointer = format!("/paths/{}", crate::pointer::escape(path));
        for method in Method::ALL {
            let Some(op) = item.get(method.key()) else {
                continue;
            };
            let pointer = format!("{item_pointer}/{}", method.key());
            let cx = OpContext {
                file,
                raw,
                readings,
                path,
                method,
                pointer: &pointer,
                item,
                item_pointer: &item_pointer,
                op,
            };
            out.push(read_operation(&cx, default_security.as_ref())?);
        }
    }
    Ok(out)
}

/// Everything the reader of one operation looks at.
pub(crate) struct OpContext<'a> {
    pub(crate) file: &'a str,
    pub(crate) raw: &'a Value,
    pub(crate) readings: &'a [Reading],
    pub(crate) path: &'a str,
    pub(crate) method: Method,
    pub(crate) pointer: &'a str,
    item: &'a Value,
    item_pointer: &'a str,
    pub(crate) op: &'a Value,
}

impl OpContext<'_> {
    pub(crate) fn error(&self, pointer: &str, problem: impl Into<String>) -> SpecError {
        SpecError::new(self.file, pointer, problem)
    }
}

fn read_operation(
    cx: &OpContext,
    default_security: Option<&Security>,
) -> Result<Operation, SpecError> {
    let operation_id = cx
        .op
        .get("operationId")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            cx.error(
                cx.pointer,
                "every operation needs an `operationId` (progenitor names methods after it)",
            )
        })?
        .into();
    let parameters = read_parameters(cx)?;
    for p in parameters.iter().filter(|p| p.location == Location::Path) {
        if !cx.path.contains(&format!("{{{}}}", p.name)) {
            return Err(cx.error(
                &p.pointer,
                format!(
                    "path parameter `{}` is not in the path `{}`",
                    p.name, cx.path
                ),
            ));
        }
    }
    let security = match cx.op.get("security") {
        Some(node) => read_requirement(cx.file, cx.raw, node, &format!("{}/security", cx.pointer))?,
        None => default_security.cloned(),
    };
    let responses = read_responses(cx)?;
    let filters = extensions::read_filters(cx, &parameters)?;
    let pagination = extensions::read_pagination(cx, &parameters)?;
    let errors = extensions::read_errors(cx, &responses)?;
    let access = extensions::read_access(cx, &parameters)?;
    let restricted =
        extensions::read_restricted(cx, security.as_ref(), &responses, pagination.as_ref())?;
    let cache = extensions::read_cache(cx)?;
    let sort = extensions::read_sort(cx, &parameters)?;
    Ok(Operation {
        operation_id,
        method: cx.method,
        path: cx.path.to_string(),
        pointer: cx.pointer.to_string(),
        security,
        parameters,
        responses,
        pagination,
        filters,
        errors,
        access,
        restricted,
        cache,
        sort,
    })
}

fn read_parameters(cx: &OpContext) -> Result<Vec<Parameter>, SpecError> {
    let mut nodes: Vec<(String, &Value)> = Vec::new();
    for (base, list) in [
        (
            format!("{}/parameters", cx.item_pointer),
            cx.item.get("parameters"),
        ),
        (
            format!("{}/parameters", cx.pointer),
            cx.op.get("parameters"),
        ),
    ] {
        if let Some(list) = list.and_then(|l| l.as_array()) {
            for (i, node) in list.iter().enumerate() {
                nodes.push((format!("{base}/{i}"), node));
            }
        }
    }
    let mut parameters: Vec<Parameter> = Vec::new();
    for (at, node) in nodes {
        let (node, pointer) = resolve_at(cx.raw, node, &at);
        let name = node
            .get("name")
            .and_then(|v| v.as_str())
            .ok_or_else(|| cx.error(&pointer, "parameter without a `name`"))?;
        let location = node
            .get("in")
            .and_then(|v| v.as_str())
            .ok_or_else(|| cx.error(&pointer, format!("parameter `{name}` has no `in`")))?;
        let location = Location::parse(location).ok_or_else(|| {
            cx.error(
                &format!("{pointer}/in"),
                format!("`{location}` is not a parameter location (query, path, header, cookie)"),
            )
        })?;
        let schema = node
            .get("schema")
            .map(|s| resolve_at(cx.raw, s, "").0.clone())
            .unwrap_or(Value::Null);
        let example = node
            .get("example")
            .or_else(|| schema.get("example"))
            .cloned();
        let explode = node
            .get("explode")
            .and_then(Value::as_bool)
            .unwrap_or(matches!(location, Location::Query | Location::Cookie));
        let parameter = Parameter {
            explode,
            name: name.to_string(),
            location,
            required: node
                .get("required")
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
            pointer,
            schema,
            example,
        };
        parameters.retain(|p| !(p.name == parameter.name && p.location == parameter.location));
        parameters.push(parameter);
    }
    Ok(parameters)
}

fn read_responses(cx: &OpContext) -> Result<Vec<ResponseSpec>, SpecError> {
    let Some(responses) = cx.op.get("responses").and_then(|r| r.as_object()) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (key, node) in responses {
        let at = format!("{}/responses/{}", cx.pointer, crate::pointer::escape(key));
        let status = StatusKey::parse(key).ok_or_else(|| {
            cx.error(
                &at,
                format!("`{key}` is not a status code, a range such as `4XX`, or `default`"),
            )
        })?;
        let (node, pointer) = resolve_at(cx.raw, node, &at);
        let content = node.get("content").and_then(|c| c.as_object());
        let content_types = content
            .map(|c| c.keys().map(|k| k.to_ascii_lowercase()).collect())
            .unwrap_or_default();
        let json_schema = content.and_then(|c| {
            c.iter()
                .find(|(k, v)| {
                    k.eq_ignore_ascii_case("application/json") && v.get("schema").is_some()
                })
                .map(|(k, _)| format!("{pointer}/content/{}/schema", crate::pointer::escape(k)))
        });
        let mut headers = Vec::new();
        if let Some(map) = node.get("headers").and_then(|h| h.as_object()) {
            for (name, header) in map {
                let at = format!("{pointer}/headers/{}", crate::pointer::escape(name));
                let (header, header_pointer) = resolve_at(cx.raw, header, &at);
                headers.push(HeaderSpec {
                    name: name.clone(),
                    pointer: header_pointer,
                    required: header
                        .get("required")
                        .and_then(|v| v.as_bool())
                        .unwrap_or(false),
                    schema: header
                        .get("schema")
                        .map(|s| resolve_at(cx.raw, s, "").0.clone())
                        .unwrap_or(Value::Null),
                });
            }
        }
        out.push(ResponseSpec {
            key: status,
            pointer,
            content_types,
            json_schema,
            headers,
        });
    }
    Ok(out)
}

/// Reads a `security` requirement list: the first scheme of the first requirement that names
/// one applies, and an empty requirement `{}` among them makes it optional (the operation may
/// be called without credentials); `[]` or `[{}]` means no credential.
fn read_requirement(
    file: &str,
    raw: &Value,
    node: &Value,
    at: &str,
) -> Result<Option<Security>, SpecError> {
    let list = node
        .as_array()
        .ok_or_else(|| SpecError::new(file, at, "`security` must be a list of requirements"))?;
    let mut requirements = Vec::with_capacity(list.len());
    for (i, requirement) in list.iter().enumerate() {
        let mapping = requirement.as_object().ok_or_else(|| {
            SpecError::new(
                file,
                &format!("{at}/{i}"),
                "a security requirement must be a mapping",
            )
        })?;
        requirements.push((i, mapping));
    }
    let optional = requirements.iter().any(|(_, r)| r.is_empty());
    let Some((index, name)) = requirements
        .iter()
        .find_map(|(i, r)| r.keys().next().map(|name| (*i, name)))
    else {
        return Ok(None);
    };
    let pointer = format!(
        "/components/securitySchemes/{}",
        crate::pointer::escape(name)
    );
    let scheme = raw.pointer(&pointer).ok_or_else(|| {
        SpecError::new(
            file,
            &format!("{at}/{index}"),
            format!("security scheme `{name}` is not defined under /components/securitySchemes"),
        )
    })?;
    let (scheme, pointer) = resolve_at(raw, scheme, &pointer);
    let field = |k: &str| scheme.get(k).and_then(|v| v.as_str()).unwrap_or("");
    let kind = match (field("type"), field("in")) {
        ("http", _) if field("scheme").eq_ignore_ascii_case("bearer") => SecurityKind::Bearer,
        ("http", _) if field("scheme").eq_ignore_ascii_case("basic") => SecurityKind::Basic,
        ("apiKey", "header") | ("apiKey", "query") => {
            let header = field("name");
            let valid = !header.is_empty()
                && header
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !valid {
                return Err(SpecError::new(
                    file,
                    &format!("{pointer}/name"),
                    format!("`{header}` is not a valid header or parameter name"),
                ));
            }
            if field("in") == "header" {
                SecurityKind::Header(header.to_string())
            } else {
                SecurityKind::Query(header.to_string())
            }
        }
        (kind, location) => {
            return Err(SpecError::new(
                file,
                &pointer,
                format!(
                "security scheme type `{kind}` (scheme `{}`, in `{location}`) is not supported: \
                     use http bearer, http basic, or apiKey in a header or the query",
                field("scheme")
            ),
            ))
        }
    };
    let live_prefix = match scheme.get("x-live-prefix") {
        None => None,
        Some(Value::String(p)) if !p.is_empty() => Some(p.clone()),
        Some(_) => {
            return Err(SpecError::new(
                file,
                &format!("{pointer}/x-live-prefix"),
                "`x-live-prefix` must be a non-empty string",
            ))
        }
    };
    Ok(Some(Security {
        scheme: name.clone(),
        pointer,
        kind,
        live_prefix,
        optional,
    }))
}
