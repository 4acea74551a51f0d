//! What progenitor cannot emit, added to its output as syntax trees.
//!
//! - Auth constructors chosen from the spec's security scheme (`Client::with_bearer_token`,
//!   `Client::with_api_key`): the secret is a sensitive default header, redirects stay on the
//!   base URL's origin, and the rustls ring provider is installed when none is.
//! - `stream()` on the builder of every operation with `x-pagination`, driven by its
//!   [`NextKind`]: follow the next URL verbatim (same origin only, no cycles), or resend the
//!   request with the cursor until it is null (no repeats).
//!
//! Names are read from progenitor's output rather than re-derived (the builder type from the
//! `Client` method, the page and error types from `send()`), so a progenitor naming change
//! becomes a codegen error, not code that does not compile.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;
use specs::{resolve, NextKind, Operation, Spec};

use crate::CodegenError;

/// How the client authenticates, read from `securitySchemes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Auth {
    /// `type: http, scheme: bearer`.
    Bearer { scheme: String },
    /// `type: apiKey, in: header`.
    ApiKey { scheme: String, header: String },
}

impl Auth {
    pub(crate) fn constructor(&self) -> &'static str {
        match self {
            Auth::Bearer { .. } => "with_bearer_token",
            Auth::ApiKey { .. } => "with_api_key",
        }
    }
}

/// A paginated operation, as the README describes it.
#[derive(Debug, Clone)]
pub(crate) struct Paged {
    pub(crate) method: String,
    pub(crate) kind: NextKind,
    pub(crate) item_type: String,
    pub(crate) size_param: String,
    /// The builder setter of the page size, with the largest size as a Rust literal.
    pub(crate) size_setter: (String, String),
    pub(crate) token_param: String,
    /// Setters of the required parameters, each with an example value as a Rust literal.
    pub(crate) required: Vec<(String, String)>,
}

/// Facts about the generated code that the README needs.
#[derive(Debug, Clone)]
pub(crate) struct Facts {
    pub(crate) auth: Option<Auth>,
    pub(crate) paged: Vec<Paged>,
    /// The string enums of `types` that have an `Unknown(String)` variant, in file order.
    pub(crate) open_enums: Vec<String>,
}

pub(crate) fn add(spec: &Spec, file: &mut syn::File) -> Result<Facts, CodegenError> {
    let auth = read_auth(spec)?;
    install_provider_in_new(spec, file)?;

    let mut builder_items: Vec<TokenStream> = Vec::new();
    let mut paged = Vec::new();
    let mut uses_next_url = false;
    for op in &spec.operations {
        let Some(pagination) = &op.pagination else {
            continue;
        };
        let names = builder_names(spec, file, op)?;
        let item = item_type(spec, file, op)?;
        builder_items.extend(next_page_fn(op, &names));
        builder_items.push(stream_impl(op, &names, &item)?);
        uses_next_url |= pagination.kind == NextKind::NextUrl;
        paged.push(Paged {
            method: names.method.to_string(),
            kind: pagination.kind,
            item_type: item.name.clone(),
            size_param: pagination.size_param.clone(),
            size_setter: {
                let setter = snake(&pagination.size_param);
                let value = Value::from(pagination.size_max);
                let literal = literal_for(names.setters.get(&setter), &value);
                (setter, literal)
            },
            token_param: pagination.token_param.clone(),
            required: required_params(op, &names),
        });
    }
    if !paged.is_empty() {
        builder_items.push(split_page_fn());
    }
    if uses_next_url {
        builder_items.push(follow_next_url_fn());
    }
    let builder = builder_module(spec, file)?;
    for tokens in builder_items {
        builder.push(parse_item(spec, tokens)?);
    }
    if let Some(auth) = &auth {
        let extra: syn::File = syn::parse2(auth_items(auth)).map_err(|e| {
            CodegenError::new(
                &spec.file,
                "",
                format!("codegen emitted auth code that does not parse: {e}"),
            )
        })?;
        file.items.extend(extra.items);
    }
    Ok(Facts {
        auth,
        paged,
        open_enums: Vec::new(),
    })
}

fn parse_item(spec: &Spec, tokens: TokenStream) -> Result<syn::Item, CodegenError> {
    syn::parse2(tokens).map_err(|e| {
        CodegenError::new(
            &spec.file,
            "",
            format!("codegen emitted code that does not parse: {e}"),
        )
    })
}

fn missing(spec: &Spec, pointer: &str, what: &str) -> CodegenError {
    CodegenError::new(
        &spec.file,
        pointer,
        format!("cannot find {what} in progenitor's output; the codegen extras need updating for this progenitor version"),
    )
}

// ---------------------------------------------------------------------------------------------
// Auth.

fn read_auth(spec: &Spec) -> Result<Option<Auth>, CodegenError> {
    let raw = &spec.raw;
    let Some(schemes) = raw
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
    else {
        return Ok(None);
    };
    // The scheme the document applies by default; a spec with a single scheme needs no
    // top-level `security` to make its choice clear.
    let chosen = raw
        .pointer("/security/0")
        .and_then(Value::as_object)
        .and_then(|requirement| requirement.keys().next().cloned())
        .or_else(|| {
            (schemes.len() == 1)
                .then(|| schemes.keys().next().cloned())
                .flatten()
        });
    let Some(name) = chosen else {
        return Err(CodegenError::new(
            &spec.file,
            "/security",
            "several security schemes and no top-level `security` to choose one",
        ));
    };
    let at = format!(
        "/components/securitySchemes/{}",
        specs::escape_pointer_segment(&name)
    );
    let Some(scheme) = schemes.get(&name) else {
        return Err(CodegenError::new(
            &spec.file,
            "/security/0",
            format!("security scheme `{name}` is not defined under /components/securitySchemes"),
        ));
    };
    let field = |key: &str| scheme.get(key).and_then(Value::as_str).unwrap_or("");
    match (field("type"), field("scheme").to_ascii_lowercase().as_str(), field("in")) {
        ("http", "bearer", _) => Ok(Some(Auth::Bearer { scheme: name })),
        ("apiKey", _, "header") => {
            let header = field("name");
            let valid = !header.is_empty()
                && header
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !valid {
                return Err(CodegenError::new(
                    &spec.file,
                    &format!("{at}/name"),
                    format!("`{header}` is not a valid HTTP header name"),
                ));
            }
            Ok(Some(Auth::ApiKey {
                scheme: name,
                header: header.to_string(),
            }))
        }
        (kind, scheme_name, location) => Err(CodegenError::new(
            &spec.file,
            &at,
            format!(
                "security scheme type `{kind}` (scheme `{scheme_name}`, in `{location}`) is not supported; \
                 codegen emits constructors for http bearer and apiKey in a header"
            ),
        )),
    }
}

fn auth_items(auth: &Auth) -> TokenStream {
    let constructor = match auth {
        Auth::Bearer { scheme } => {
            let doc = format!(
                " Creates a client for `baseurl` that sends `token` as `Authorization: Bearer <token>`\n \
                 (security scheme `{scheme}`)."
            );
            quote! {
                #[doc = #doc]
                ///
                /// The header value is marked sensitive, so the client's `Debug` output does not show
                /// it. Redirects are followed only within the origin (scheme, host and port) of
                /// `baseurl`, so the token is never sent to another host.
                ///
                /// # Errors
                ///
                /// [`ClientBuildError`] when `baseurl` is not an absolute URL, the token cannot be sent
                /// in a header, or the HTTP client cannot be built.
                pub fn with_bearer_token(
                    baseurl: &str,
                    token: impl Into<::std::string::String>,
                ) -> ::std::result::Result<Self, ClientBuildError> {
                    let value = ::std::format!("Bearer {}", token.into());
                    Self::with_secret_header(baseurl, ::reqwest::header::AUTHORIZATION, value)
                }
            }
        }
        Auth::ApiKey { scheme, header } => {
            let doc = format!(
                " Creates a client for `baseurl` that sends `key` in the `{header}` header\n \
                 (security scheme `{scheme}`)."
            );
            let lower = header.to_ascii_lowercase();
            quote! {
                #[doc = #doc]
                ///
                /// The header value is marked sensitive, so the client's `Debug` output does not show
                /// it. Redirects are followed only within the origin (scheme, host and port) of
                /// `baseurl`: HTTP clients drop `Authorization` on a cross-host redirect but not a
                /// custom header, so the key would otherwise follow a redirect anywhere.
                ///
                /// # Errors
                ///
                /// [`ClientBuildError`] when `baseurl` is not an absolute URL, the key cannot be sent
                /// in a header, or the HTTP client cannot be built.
                pub fn with_api_key(
                    baseurl: &str,
                    key: impl Into<::std::string::String>,
                ) -> ::std::result::Result<Self, ClientBuildError> {
                    Self::with_secret_header(
                        baseurl,
                        ::reqwest::header::HeaderName::from_static(#lower),
                        key.into(),
                    )
                }
            }
        }
    };
    quote! {
        impl Client {
            #constructor

            fn with_secret_header(
                baseurl: &str,
                name: ::reqwest::header::HeaderName,
                value: ::std::string::String,
            ) -> ::std::result::Result<Self, ClientBuildError> {
                // reqwest is built without a TLS crypto provider, so that the application picks
                // one; install ring unless the application already did.
                let _ = ::rustls::crypto::ring::default_provider().install_default();
                let origin = ::reqwest::Url::parse(baseurl)
                    .map_err(|e| ClientBuildError::InvalidBaseUrl(e.to_string()))?
                    .origin();
                if !origin.is_tuple() {
                    return Err(ClientBuildError::InvalidBaseUrl(::std::format!(
                        "`{baseurl}` has no scheme, host and port"
                    )));
                }
                let mut value = ::reqwest::header::HeaderValue::try_from(value)
                    .map_err(|_| ClientBuildError::InvalidCredential)?;
                value.set_sensitive(true);
                let mut headers = ::reqwest::header::HeaderMap::new();
                headers.insert(name, value);
                let redirect = ::reqwest::redirect::Policy::custom(move |attempt| {
                    if attempt.url().origin() != origin {
                        let to = attempt.url().origin().ascii_serialization();
                        attempt.error(::std::format!(
                            "refusing a redirect to {to}: credentials are only sent to {}",
                            origin.ascii_serialization()
                        ))
                    } else if attempt.previous().len() >= 10 {
                        attempt.error("too many redirects")
                    } else {
                        attempt.follow()
                    }
                });
                let timeout = ::std::time::Duration::from_secs(15);
                let client = ::reqwest::ClientBuilder::new()
                    .connect_timeout(timeout)
                    .timeout(timeout)
                    .default_headers(headers)
                    .redirect(redirect)
                    .build()
                    .map_err(ClientBuildError::Http)?;
                Ok(Self::new_with_client(baseurl, client))
            }
        }

        /// Why a client with credentials could not be built. It never contains the credential.
        #[derive(Debug)]
        #[non_exhaustive]
        pub enum ClientBuildError {
            /// The base URL is not an absolute `http(s)` URL; the reason is attached.
            InvalidBaseUrl(::std::string::String),
            /// The credential contains characters that cannot be sent in an HTTP header.
            InvalidCredential,
            /// reqwest could not build the HTTP client.
            Http(::reqwest::Error),
        }

        impl ::std::fmt::Display for ClientBuildError {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self {
                    ClientBuildError::InvalidBaseUrl(reason) => {
                        write!(f, "invalid base URL: {reason}")
                    }
                    ClientBuildError::InvalidCredential => {
                        f.write_str("the credential contains characters not allowed in an HTTP header")
                    }
                    ClientBuildError::Http(e) => write!(f, "cannot build the HTTP client: {e}"),
                }
            }
        }

        impl ::std::error::Error for ClientBuildError {
            fn source(&self) -> ::std::option::Option<&(dyn ::std::error::Error + 'static)> {
                match self {
                    ClientBuildError::Http(e) => Some(e),
                    _ => None,
                }
            }
        }
    }
}

/// progenitor's `Client::new` builds a reqwest client with `unwrap()`; without a crypto
/// provider that build fails, so install ring first, as the auth constructors do.
fn install_provider_in_new(spec: &Spec, file: &mut syn::File) -> Result<(), CodegenError> {
    let stmt: syn::Stmt = syn::parse_quote! {
        let _ = ::rustls::crypto::ring::default_provider().install_default();
    };
    for item in &mut file.items {
        let syn::Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() || !is_path_named(&imp.self_ty, "Client") {
            continue;
        }
        for impl_item in &mut imp.items {
            if let syn::ImplItem::Fn(f) = impl_item {
                if f.sig.ident == "new" {
                    f.block.stmts.insert(0, stmt);
                    return Ok(());
                }
            }
        }
    }
    Err(missing(spec, "", "`Client::new`"))
}

fn is_path_named(ty: &syn::Type, name: &str) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == name))
}

// ---------------------------------------------------------------------------------------------
// Reading progenitor's output.

struct BuilderNames {
    /// The `Client` method, e.g. `list_domains`.
    method: syn::Ident,
    /// The builder type in `mod builder`, e.g. `ListDomains`.
    builder: syn::Ident,
    /// `P` of `send() -> Result<ResponseValue<P>, Error<E>>`.
    page: syn::Type,
    /// `E` of the same.
    error: syn::Type,
    /// The status dispatch at the end of `send()`, reused for pages fetched by URL so that
    /// every page maps statuses exactly as `send()` does.
    dispatch: syn::Expr,
    /// The setter of the token parameter, checked to exist.
    token_setter: syn::Ident,
    /// Every setter of the builder with `T` of its `V: TryInto<T>` bound.
    setters: std::collections::BTreeMap<String, syn::Type>,
}

fn snake(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && prev_lower {
                out.push('_');
            }
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c.to_ascii_lowercase());
        } else {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    out.trim_end_matches('_').to_string()
}

fn pascal(name: &str) -> String {
    snake(name)
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn builder_names(
    spec: &Spec,
    file: &syn::File,
    op: &Operation,
) -> Result<BuilderNames, CodegenError> {
    let method_name = snake(&op.operation_id);
    let method_fn = file
        .items
        .iter()
        .filter_map(|i| match i {
            syn::Item::Impl(imp)
                if imp.trait_.is_none() && is_path_named(&imp.self_ty, "Client") =>
            {
                Some(imp)
            }
            _ => None,
        })
        .flat_map(|imp| imp.items.iter())
        .find_map(|i| match i {
            syn::ImplItem::Fn(f) if f.sig.ident == method_name => Some(f),
            _ => None,
        })
        .ok_or_else(|| missing(spec, &op.pointer, &format!("`Client::{method_name}`")))?;
    let builder = match &method_fn.sig.output {
        syn::ReturnType::Type(_, ty) => match ty.as_ref() {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.clone()),
            _ => None,
        },
        syn::ReturnType::Default => None,
    }
    .ok_or_else(|| {
        missing(
            spec,
            &op.pointer,
            &format!("the builder type returned by `Client::{method_name}`"),
        )
    })?;

    let module = find_builder_module(file).ok_or_else(|| missing(spec, "", "`mod builder`"))?;
    let methods: Vec<&syn::ImplItemFn> = module
        .iter()
        .filter_map(|i| match i {
            syn::Item::Impl(imp)
                if imp.trait_.is_none() && is_path_named(&imp.self_ty, &builder.to_string()) =>
            {
                Some(imp)
            }
            _ => None,
        })
        .flat_map(|imp| imp.items.iter())
        .filter_map(|i| match i {
            syn::ImplItem::Fn(f) => Some(f),
            _ => None,
        })
        .collect();
    let send = methods
        .iter()
        .find(|f| f.sig.ident == "send")
        .ok_or_else(|| missing(spec, &op.pointer, &format!("`builder::{builder}::send`")))?;
    let (page, error) = send_types(&send.sig.output).ok_or_else(|| {
        missing(
            spec,
            &op.pointer,
            &format!(
                "the `Result<ResponseValue<_>, Error<_>>` returned by `builder::{builder}::send`"
            ),
        )
    })?;
    let dispatch = match send.block.stmts.last() {
        Some(syn::Stmt::Expr(expr @ syn::Expr::Match(_), None)) => expr.clone(),
        _ => {
            return Err(missing(
                spec,
                &op.pointer,
                &format!("the status `match` ending `builder::{builder}::send`"),
            ))
        }
    };
    let pagination = op.pagination.as_ref().ok_or_else(|| {
        CodegenError::new(&spec.file, &op.pointer, "operation has no x-pagination")
    })?;
    let token_setter = format_ident!("{}", snake(&pagination.token_param));
    if !methods.iter().any(|f| f.sig.ident == token_setter) {
        return Err(missing(
            spec,
            &format!("{}/x-pagination/token-param", op.pointer),
            &format!("the setter `builder::{builder}::{token_setter}` for the token parameter"),
        ));
    }
    let setters = methods
        .iter()
        .filter_map(|f| Some((f.sig.ident.to_string(), setter_type(f)?)))
        .collect();
    Ok(BuilderNames {
        method: format_ident!("{}", method_name),
        builder,
        page,
        error,
        dispatch,
        token_setter,
        setters,
    })
}

fn find_builder_module(file: &syn::File) -> Option<&Vec<syn::Item>> {
    file.items.iter().find_map(|i| match i {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    })
}

fn builder_module<'a>(
    spec: &Spec,
    file: &'a mut syn::File,
) -> Result<&'a mut Vec<syn::Item>, CodegenError> {
    file.items
        .iter_mut()
        .find_map(|i| match i {
            syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut().map(|(_, items)| items),
            _ => None,
        })
        .ok_or_else(|| missing(spec, "", "`mod builder`"))
}

/// The generic arguments of `Result<ResponseValue<P>, Error<E>>`.
fn send_types(output: &syn::ReturnType) -> Option<(syn::Type, syn::Type)> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let args = generic_args(ty, "Result")?;
    let [ok, err] = args.as_slice() else {
        return None;
    };
    let page = generic_args(ok, "ResponseValue")?.into_iter().next()?;
    let error = generic_args(err, "Error")?.into_iter().next()?;
    Some((page, error))
}

fn generic_args(ty: &syn::Type, name: &str) -> Option<Vec<syn::Type>> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    Some(
        args.args
            .iter()
            .filter_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(t.clone()),
                _ => None,
            })
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// Reading the spec.

struct ItemType {
    name: String,
    path: syn::Path,
}

/// The schema of the operation's JSON success body.
fn success_schema<'a>(spec: &'a Spec, op: &Operation) -> Option<&'a Value> {
    let responses = spec
        .raw
        .pointer(&op.pointer)?
        .get("responses")?
        .as_object()?;
    responses
        .iter()
        .filter(|(status, _)| status.starts_with('2'))
        .find_map(|(_, r)| {
            let r = resolve(&spec.raw, r);
            r.get("content")?
                .as_object()?
                .iter()
                .find(|(mt, _)| *mt == "application/json" || mt.starts_with("application/json;"))?
                .1
                .get("schema")
        })
}

/// Walks a JSON pointer through object schemas' `properties`.
fn schema_at<'a>(raw: &'a Value, schema: &'a Value, pointer: &str) -> Option<&'a Value> {
    let mut current = resolve(raw, schema);
    for segment in pointer.split('/').skip(1) {
        let segment = segment.replace("~1", "/").replace("~0", "~");
        current = resolve(raw, current.get("properties")?.get(&segment)?);
    }
    Some(current)
}

/// The Rust type of one item of the page: the component schema the items pointer leads to.
fn item_type(spec: &Spec, file: &syn::File, op: &Operation) -> Result<ItemType, CodegenError> {
    let Some(pagination) = &op.pagination else {
        return Err(CodegenError::new(
            &spec.file,
            &op.pointer,
            "operation has no x-pagination",
        ));
    };
    let at = format!("{}/x-pagination", op.pointer);
    let schema = success_schema(spec, op).ok_or_else(|| {
        CodegenError::new(
            &spec.file,
            &format!("{}/responses", op.pointer),
            "a paginated operation needs a 2xx response with a JSON schema",
        )
    })?;
    let items = schema_at(&spec.raw, schema, &pagination.items).ok_or_else(|| {
        CodegenError::new(
            &spec.file,
            &format!("{at}/items"),
            format!(
                "`{}` does not lead to a property of the success response schema",
                pagination.items
            ),
        )
    })?;
    let component = items
        .get("items")
        .and_then(|i| i.get("$ref"))
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .filter(|_| items.get("type").and_then(Value::as_str) == Some("array"))
        .ok_or_else(|| {
            CodegenError::new(
                &spec.file,
                &format!("{at}/items"),
                format!(
                    "`{}` must lead to an array whose `items` is a `$ref` to a component schema",
                    pagination.items
                ),
            )
        })?;
    let next = schema_at(&spec.raw, schema, &pagination.next).ok_or_else(|| {
        CodegenError::new(
            &spec.file,
            &format!("{at}/next"),
            format!(
                "`{}` does not lead to a property of the success response schema",
                pagination.next
            ),
        )
    })?;
    if next.get("type").and_then(Value::as_str) != Some("string") {
        return Err(CodegenError::new(
            &spec.file,
            &format!("{at}/next"),
            format!(
                "`{}` must lead to a string (a URL or a cursor)",
                pagination.next
            ),
        ));
    }
    let name = pascal(component);
    let defined = file.items.iter().any(|i| match i {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref().is_some_and(|(_, items)| {
            items.iter().any(|i| match i {
                syn::Item::Struct(s) => s.ident == name,
                syn::Item::Enum(e) => e.ident == name,
                syn::Item::Type(t) => t.ident == name,
                _ => false,
            })
        }),
        _ => false,
    });
    if !defined {
        return Err(missing(
            spec,
            &format!(
                "/components/schemas/{}",
                specs::escape_pointer_segment(component)
            ),
            &format!("the type `types::{name}`"),
        ));
    }
    let ident = format_ident!("{}", name);
    Ok(ItemType {
        name,
        path: syn::parse_quote!(types::#ident),
    })
}

/// `T` of a setter's `where V: TryInto<T>` bound.
fn setter_type(f: &syn::ImplItemFn) -> Option<syn::Type> {
    f.sig
        .generics
        .where_clause
        .as_ref()?
        .predicates
        .iter()
        .find_map(|p| match p {
            syn::WherePredicate::Type(t) => t.bounds.iter().find_map(|b| match b {
                syn::TypeParamBound::Trait(tb) => {
                    let last = tb.path.segments.last()?;
                    if last.ident != "TryInto" {
                        return None;
                    }
                    match &last.arguments {
                        syn::PathArguments::AngleBracketed(a) => {
                            a.args.iter().find_map(|g| match g {
                                syn::GenericArgument::Type(t) => Some(t.clone()),
                                _ => None,
                            })
                        }
                        _ => None,
                    }
                }
                _ => None,
            }),
            _ => None,
        })
}

/// A Rust literal of `value` that converts into the setter type `ty`: integer setters take
/// `NonZeroU64` and friends, which only convert from their own primitive, so the literal
/// carries that primitive's suffix.
fn literal_for(ty: Option<&syn::Type>, value: &Value) -> String {
    let ident = match ty {
        Some(syn::Type::Path(p)) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
    .unwrap_or_default();
    let primitive = ident
        .strip_prefix("NonZero")
        .map(str::to_ascii_lowercase)
        .unwrap_or_else(|| ident.clone());
    const INTS: [&str; 10] = [
        "u8", "u16", "u32", "u64", "usize", "i8", "i16", "i32", "i64", "isize",
    ];
    match value {
        Value::Number(n) if INTS.contains(&primitive.as_str()) => format!("{n}{primitive}"),
        Value::Number(n) if primitive == "f64" || primitive == "f32" => format!("{n}{primitive}"),
        Value::Bool(b) => b.to_string(),
        Value::String(s) => format!("{s:?}"),
        _ => "::std::default::Default::default()".to_string(),
    }
}

fn required_params(op: &Operation, names: &BuilderNames) -> Vec<(String, String)> {
    op.parameters
        .iter()
        .filter(|p| p.required)
        .map(|p| {
            let setter = snake(&p.name);
            let example = match p.schema_type() {
                Some("integer") => Value::from(p.minimum().unwrap_or(1).max(1)),
                Some("number") => Value::from(1.0),
                Some("boolean") => Value::Bool(true),
                Some("string") => Value::String(p.name.clone()),
                _ => Value::Null,
            };
            let literal = literal_for(names.setters.get(&setter), &example);
            (setter, literal)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Emitted pagination code (inside `mod builder`).

fn next_page_fn(op: &Operation, names: &BuilderNames) -> Option<TokenStream> {
    let pagination = op.pagination.as_ref()?;
    if pagination.kind != NextKind::NextUrl {
        return None;
    }
    let fn_name = format_ident!("{}_next_page", names.method);
    let operation_id = &op.operation_id;
    let method = format_ident!("{}", op.method.to_ascii_lowercase());
    let page = &names.page;
    let error = &names.error;
    let dispatch = &names.dispatch;
    let doc = format!(
        " Fetches a page of `{operation_id}` by the URL a previous page linked to, with the hooks\n \
         and status handling of `send()`."
    );
    Some(quote! {
        #[doc = #doc]
        async fn #fn_name(
            client: &super::Client,
            url: ::std::string::String,
        ) -> Result<ResponseValue<#page>, Error<#error>> {
            #[allow(unused_mut)]
            let mut request = client
                .client
                .#method(url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .build()?;
            let info = OperationInfo {
                operation_id: #operation_id,
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            #dispatch
        }
    })
}

fn stream_impl(
    op: &Operation,
    names: &BuilderNames,
    item: &ItemType,
) -> Result<TokenStream, CodegenError> {
    let Some(pagination) = &op.pagination else {
        return Ok(TokenStream::new());
    };
    let builder = &names.builder;
    let error = &names.error;
    let item_path = &item.path;
    let items_ptr = &pagination.items;
    let next_ptr = &pagination.next;
    let item_name = &item.name;
    let (client_field, client_init) = match pagination.kind {
        NextKind::NextUrl => (
            quote! { client: &'a super::Client, },
            quote! { client: self.client, },
        ),
        NextKind::Cursor => (TokenStream::new(), TokenStream::new()),
    };
    let (doc, step_variant, step_fetch, on_next) = match pagination.kind {
        NextKind::NextUrl => {
            let next_page = format_ident!("{}_next_page", names.method);
            let doc = format!(
                " Streams every `{item_name}` of every page, fetching each page when the previous one\n \
                 is used up.\n\n \
                 The first page is this request, with its filters and page size. Each next page is\n \
                 the URL at `{next_ptr}` in the body, followed verbatim: it carries the filters, the\n \
                 page size and the page token. The stream ends when that link is absent or null.\n\n \
                 A link to another origin (scheme, host or port) than the client's base URL is refused\n \
                 so that the credentials never leave the API, and so is a link already followed (the\n \
                 pages would loop): the stream yields [`Error::InvalidRequest`] naming the problem,\n \
                 then ends. Any other error is yielded once, and ends the stream too."
            );
            (
                doc,
                quote! { Url(::std::string::String) },
                quote! { Step::Url(url) => #next_page(state.client, url).await, },
                quote! {
                    match follow_next_url(&state.client.baseurl, &next, &mut state.seen) {
                        Ok(url) => Step::Url(url),
                        Err(problem) => Step::Fail(Error::InvalidRequest(problem)),
                    }
                },
            )
        }
        NextKind::Cursor => {
            let setter = &names.token_setter;
            let token_param = &pagination.token_param;
            let doc = format!(
                " Streams every `{item_name}` of every page, fetching each page when the previous one\n \
                 is used up.\n\n \
                 Each page is this request, with its parameters and page size, plus `{token_param}` set\n \
                 to the cursor at `{next_ptr}` in the previous body. The stream ends when that cursor\n \
                 is null (or absent).\n\n \
                 A cursor the server already returned is refused (the pages would loop): the stream\n \
                 yields [`Error::InvalidRequest`] naming the problem, then ends. Any other error is\n \
                 yielded once, and ends the stream too."
            );
            (
                doc,
                quote! { Again },
                quote! { Step::Again => state.request.clone().send().await, },
                quote! {
                    if state.seen.contains(&next) {
                        Step::Fail(Error::InvalidRequest(::std::format!(
                            "the server returned the cursor `{next}` a second time; \
                             stopping so that the pages do not loop"
                        )))
                    } else {
                        state.request = state.request.clone().#setter(next.clone());
                        state.seen.push(next);
                        Step::Again
                    }
                },
            )
        }
    };
    Ok(quote! {
        impl<'a> #builder<'a> {
            #[doc = #doc]
            pub fn stream(
                self,
            ) -> impl ::futures::Stream<Item = Result<#item_path, Error<#error>>> + Unpin + 'a {
                enum Step {
                    First,
                    #step_variant,
                    Fail(Error<#error>),
                    Done,
                }
                struct State<'a> {
                    #client_field
                    request: #builder<'a>,
                    step: Step,
                    items: ::std::vec::IntoIter<#item_path>,
                    seen: ::std::vec::Vec<::std::string::String>,
                }
                let state = State {
                    #client_init
                    request: self,
                    step: Step::First,
                    items: ::std::vec::Vec::new().into_iter(),
                    seen: ::std::vec::Vec::new(),
                };
                Box::pin(::futures::stream::unfold(state, |mut state| async move {
                    loop {
                        if let Some(item) = state.items.next() {
                            return Some((Ok(item), state));
                        }
                        let page = match ::std::mem::replace(&mut state.step, Step::Done) {
                            Step::Done => return None,
                            Step::Fail(error) => return Some((Err(error), state)),
                            Step::First => state.request.clone().send().await,
                            #step_fetch
                        };
                        let (items, next) = match page.and_then(|page| split_page(page, #items_ptr, #next_ptr)) {
                            Ok(split) => split,
                            Err(error) => return Some((Err(error), state)),
                        };
                        state.items = items.into_iter();
                        if let Some(next) = next {
                            state.step = #on_next;
                        }
                    }
                }))
            }
        }
    })
}

fn split_page_fn() -> TokenStream {
    quote! {
        /// Splits a page into its items and the next URL or cursor, found by the JSON pointers
        /// of `x-pagination`. An absent or null next means that this is the last page.
        #[allow(clippy::type_complexity)]
        fn split_page<P, T, E>(
            page: ResponseValue<P>,
            items: &str,
            next: &str,
        ) -> Result<(::std::vec::Vec<T>, ::std::option::Option<::std::string::String>), Error<E>>
        where
            P: ::serde::Serialize,
            T: ::serde::de::DeserializeOwned,
        {
            let invalid = |e| Error::InvalidResponsePayload(::std::default::Default::default(), e);
            let mut body = ::serde_json::to_value(page.into_inner()).map_err(invalid)?;
            let next = match body.pointer(next) {
                Some(::serde_json::Value::String(next)) => Some(next.clone()),
                _ => None,
            };
            let items = match body.pointer_mut(items) {
                Some(items) => ::serde_json::from_value(items.take()).map_err(invalid)?,
                None => ::std::vec::Vec::new(),
            };
            Ok((items, next))
        }
    }
}

fn follow_next_url_fn() -> TokenStream {
    quote! {
        /// Checks a next-page URL before it is followed: it must be absolute, on the origin of
        /// the base URL (the credentials go wherever the client sends a request), and not one
        /// already followed.
        fn follow_next_url(
            baseurl: &str,
            next: &str,
            seen: &mut ::std::vec::Vec<::std::string::String>,
        ) -> ::std::result::Result<::std::string::String, ::std::string::String> {
            let base = ::reqwest::Url::parse(baseurl).map_err(|e| {
                ::std::format!("cannot check the next-page link `{next}`: the base URL `{baseurl}` is not a URL ({e})")
            })?;
            let url = ::reqwest::Url::parse(next).map_err(|e| {
                ::std::format!("refusing the next-page link `{next}`: not an absolute URL ({e})")
            })?;
            if url.origin() != base.origin() {
                return Err(::std::format!(
                    "refusing the next-page link `{next}`: its origin {} differs from the base URL's origin {}, \
                     and the credentials are only sent to the API",
                    url.origin().ascii_serialization(),
                    base.origin().ascii_serialization()
                ));
            }
            if seen.iter().any(|s| s == next) {
                return Err(::std::format!(
                    "refusing the next-page link `{next}`: it was already followed, so the pages loop"
                ));
            }
            seen.push(next.to_string());
            Ok(next.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{pascal, snake};

    #[test]
    fn case_conversions_match_progenitor_for_our_names() {
        assert_eq!(snake("list_domains"), "list_domains");
        assert_eq!(snake("listProjectDomains"), "list_project_domains");
        assert_eq!(snake("page-token"), "page_token");
        assert_eq!(pascal("ProjectDomain"), "ProjectDomain");
        assert_eq!(pascal("domain_page"), "DomainPage");
    }
}
