//! What progenitor cannot emit, added to its output as syntax trees. The code is small glue:
//! everything that does not depend on the spec lives in the `client-runtime` crate.
//!
//! - The client's hooks (`impl ClientHooks<Inner> for Client`): `pre` drops progenitor's
//!   `api-version` header and adds a query credential, `exec` sends with the retry policy
//!   (and, where `x-errors.rate-limit` tells a rate limit by headers, with those headers of
//!   the operation, from `rate_limit_headers`).
//! - Credential constructors chosen from the spec's security scheme (`with_bearer_token`,
//!   `with_api_key`), and `with_retry_policy`.
//! - For every operation with `x-pagination`: `impl Page` for its envelope type (the items and
//!   the next position moved out by field access), `stream()` on its builder, and, for the
//!   styles that follow links, a function fetching a page by URL with `send()`'s dispatch.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;
use specs::walk::{Advance, Carrier, End, Walk};
use specs::{Location, Operation, Pagination, RateLimitHeaders, ResetFormat, SecurityKind, Spec};

use crate::output::{self, builder_names, struct_name, vec_of, walk_fields, BuilderNames, Field};
use crate::CodegenError;

/// A paginated operation, as the README describes it.
#[derive(Debug, Clone)]
pub(crate) struct Paged {
    pub(crate) method: String,
    /// How its walk goes, in words.
    pub(crate) how: String,
    pub(crate) item_type: String,
    /// The builder setter of the page size, with the largest size as a Rust literal.
    pub(crate) size_setter: (String, String),
    /// Setters of the required parameters, each with an example value as a Rust literal.
    pub(crate) required: Vec<(String, String)>,
}

/// Facts about the generated code that the README needs.
#[derive(Debug, Clone)]
pub(crate) struct Facts {
    pub(crate) paged: Vec<Paged>,
    /// The string enums of `types` that have an `Unknown(String)` variant, in file order.
    pub(crate) open_enums: Vec<String>,
}

pub(crate) fn add(spec: &Spec, file: &mut syn::File) -> Result<Facts, CodegenError> {
    let mut top: Vec<TokenStream> = vec![client_items(spec)?];
    let mut types_items = Vec::new();
    let mut builder_items = Vec::new();
    let mut paged = Vec::new();
    for op in &spec.operations {
        let Some(pagination) = &op.pagination else {
            continue;
        };
        let names = builder_names(spec, file, op)?;
        let page = match array_page(spec, file, op, pagination, &names)? {
            Some(page) => page,
            None => page_impl(spec, file, op, pagination, &names)?,
        };
        let stream = stream_impl(spec, op, pagination, &names, &page)?;
        match page.wrapper {
            Some(_) => builder_items.push(page.tokens),
            None => types_items.push(page.tokens),
        }
        if matches!(pagination.walk.advance, Advance::NextUrl { .. }) {
            builder_items.push(next_page_fn(op, &names));
        }
        builder_items.push(stream);
        paged.push(Paged {
            method: names.method.to_string(),
            how: pagination.describe(),
            item_type: page.item_name,
            size_setter: {
                let setter = output::snake(&pagination.size_param);
                let literal = literal_for(
                    names.setters.get(&setter),
                    &Value::from(pagination.size_max),
                );
                (setter, literal)
            },
            required: required_params(op, &names),
        });
    }
    for (module, items) in [("types", types_items), ("builder", builder_items)] {
        let target = output::module_mut(file, module)
            .ok_or_else(|| output::missing(spec, "", &format!("`mod {module}`")))?;
        for tokens in items {
            target.extend(parse_items(spec, tokens)?);
        }
    }
    top.push(reexports());
    for tokens in top {
        let items = parse_items(spec, tokens)?;
        file.items.extend(items);
    }
    Ok(Facts {
        paged,
        open_enums: Vec::new(),
    })
}

fn parse_items(spec: &Spec, tokens: TokenStream) -> Result<Vec<syn::Item>, CodegenError> {
    syn::parse2::<syn::File>(tokens)
        .map(|f| f.items)
        .map_err(|e| {
            CodegenError::new(
                &spec.file,
                "",
                format!("codegen emitted code that does not parse: {e}"),
            )
        })
}

fn reexports() -> TokenStream {
    quote! {
        pub use ::client_runtime::{ClientBuildError, ErrorBody, Inner, RateLimit, RetryPolicy};
    }
}

// ---------------------------------------------------------------------------------------------
// The client: hooks, credentials, retries.

fn client_items(spec: &Spec) -> Result<TokenStream, CodegenError> {
    let constructor = match spec.security() {
        None => TokenStream::new(),
        Some(security) => constructor(&security.scheme, &security.kind)?,
    };
    let (limits, execute) = match rate_limit_headers(spec) {
        None => (
            TokenStream::new(),
            quote!(::client_runtime::execute(&self.client, &self.inner, request).await),
        ),
        Some(limits) => (
            limits,
            quote! {
                let limits = rate_limit_headers(info.operation_id);
                ::client_runtime::execute_limited(&self.client, &self.inner, request, limits.as_ref())
                    .await
            },
        ),
    };
    let info = match limits.is_empty() {
        true => quote!(_info),
        false => quote!(info),
    };
    Ok(quote! {
        #limits

        impl ClientHooks<::client_runtime::Inner> for Client {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                _info: &OperationInfo,
            ) -> ::std::result::Result<(), Error<E>> {
                ::client_runtime::prepare(&self.inner, request);
                Ok(())
            }

            async fn exec(
                &self,
                request: reqwest::Request,
                #info: &OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                #execute
            }
        }

        impl Client {
            #constructor

            /// The same client with another retry policy: [`RetryPolicy::disabled`] sends every
            /// request once; the default retries a 429 (and, for GET, connection errors, 502,
            /// 503 and 504) up to 4 attempts, honouring `Retry-After`. Every page of a
            /// `stream()` is retried the same way.
            pub fn with_retry_policy(mut self, policy: RetryPolicy) -> Self {
                self.inner = self.inner.with_retry_policy(policy);
                self
            }

            /// The retry policy of this client.
            pub fn retry_policy(&self) -> &RetryPolicy {
                self.inner.retry_policy()
            }

            /// The same client, keeping to `limit` (`"25/s".parse()?`, `RateLimit::per_second`):
            /// its requests, retries and the pages of a `stream()` included, are spaced out so
            /// that the vendor need not refuse them. Clones of the client share the limit.
            pub fn with_rate_limit(mut self, limit: RateLimit) -> Self {
                self.inner = self.inner.with_rate_limit(limit);
                self
            }
        }
    })
}

/// `fn rate_limit_headers(operation_id)`: the headers that tell each operation's rate limit
/// (`x-errors.rate-limit`), for the `exec` hook, by the operation id progenitor's hooks see;
/// `None` when no operation declares any.
fn rate_limit_headers(spec: &Spec) -> Option<TokenStream> {
    let mut groups: Vec<(&RateLimitHeaders, Vec<String>)> = Vec::new();
    for op in &spec.operations {
        let Some(limits) = &op.errors.rate_limit else {
            continue;
        };
        let id = output::snake(op.operation_id.as_str());
        match groups.iter_mut().find(|(l, _)| *l == &limits.value) {
            Some((_, ids)) => ids.push(id),
            None => groups.push((&limits.value, vec![id])),
        }
    }
    if groups.is_empty() {
        return None;
    }
    let arms = groups.iter().map(|(limits, ids)| {
        let value = rate_limit_tokens(limits);
        quote!(#(#ids)|* => ::std::option::Option::Some(#value),)
    });
    Some(quote! {
        /// The headers that tell a rate limit of the operation `operation_id`
        /// (`x-errors.rate-limit`): the `exec` hook retries such an answer once its window resets.
        fn rate_limit_headers(
            operation_id: &str,
        ) -> ::std::option::Option<::client_runtime::RateLimitHeaders> {
            match operation_id {
                #(#arms)*
                _ => ::std::option::Option::None,
            }
        }
    })
}

/// A `RateLimitHeaders` as a Rust expression.
fn rate_limit_tokens(limits: &RateLimitHeaders) -> TokenStream {
    let statuses = &limits.statuses;
    let remaining = &limits.remaining;
    let reset = match &limits.reset {
        None => quote!(::std::option::Option::None),
        Some(reset) => {
            let header = &reset.header;
            let format = match reset.format {
                ResetFormat::EpochSeconds => quote!(::client_runtime::ResetFormat::EpochSeconds),
                ResetFormat::DeltaSeconds => quote!(::client_runtime::ResetFormat::DeltaSeconds),
            };
            quote! {
                ::std::option::Option::Some(::client_runtime::Reset {
                    header: ::std::string::String::from(#header),
                    format: #format,
                })
            }
        }
    };
    quote! {
        ::client_runtime::RateLimitHeaders {
            statuses: ::std::vec![#(#statuses),*],
            remaining: ::std::string::String::from(#remaining),
            reset: #reset,
        }
    }
}

fn constructor(scheme: &str, kind: &SecurityKind) -> Result<TokenStream, CodegenError> {
    let errors = quote! {
        ///
        /// # Errors
        ///
        /// [`ClientBuildError`] when `baseurl` is not an absolute URL, the credential cannot be
        /// sent, or the HTTP client cannot be built.
    };
    Ok(match kind {
        SecurityKind::Bearer => {
            let doc = format!(
                " Creates a client for `baseurl` that sends `token` as `Authorization: Bearer <token>`\n \
                 (security scheme `{scheme}`).\n\n \
                 The header value is marked sensitive, so the client's `Debug` output does not show\n \
                 it. Redirects are followed only within the origin (scheme, host and port) of\n \
                 `baseurl`, so the token is never sent to another host."
            );
            quote! {
                #[doc = #doc]
                #errors
                pub fn with_bearer_token(
                    baseurl: &str,
                    token: impl Into<::std::string::String>,
                ) -> ::std::result::Result<Self, ClientBuildError> {
                    let client = ::client_runtime::secret_header_client(
                        baseurl,
                        ::reqwest::header::AUTHORIZATION,
                        ::std::format!("Bearer {}", token.into()),
                    )?;
                    Ok(Self::new_with_client(baseurl, client, ::client_runtime::Inner::default()))
                }
            }
        }
        SecurityKind::Basic => {
            let doc = format!(
                " Creates a client for `baseurl` that sends `username` and `password` as HTTP Basic\n \
                 credentials, `Authorization: Basic <base64 of username:password>` (security scheme\n \
                 `{scheme}`, RFC 7617).\n\n \
                 The header value is marked sensitive, so the client's `Debug` output shows neither\n \
                 the user name nor the password. Redirects are followed only within the origin\n \
                 (scheme, host and port) of `baseurl`."
            );
            let errors = quote! {
                ///
                /// # Errors
                ///
                /// [`ClientBuildError`] when `baseurl` is not an absolute URL, the user name holds a
                /// colon (RFC 7617 forbids it), the credentials cannot be sent in a header, or the
                /// HTTP client cannot be built.
            };
            quote! {
                #[doc = #doc]
                #errors
                pub fn with_basic_auth(
                    baseurl: &str,
                    username: impl Into<::std::string::String>,
                    password: impl Into<::std::string::String>,
                ) -> ::std::result::Result<Self, ClientBuildError> {
                    let client = ::client_runtime::basic_auth_client(
                        baseurl,
                        &username.into(),
                        &password.into(),
                    )?;
                    Ok(Self::new_with_client(baseurl, client, ::client_runtime::Inner::default()))
                }
            }
        }
        SecurityKind::Header(header) => {
            let doc = format!(
                " Creates a client for `baseurl` that sends `key` in the `{header}` header\n \
                 (security scheme `{scheme}`).\n\n \
                 The header value is marked sensitive, so the client's `Debug` output does not show\n \
                 it. Redirects are followed only within the origin (scheme, host and port) of\n \
                 `baseurl`: HTTP clients drop `Authorization` on a cross-host redirect but not a\n \
                 custom header, so the key would otherwise follow a redirect anywhere."
            );
            let lower = header.to_ascii_lowercase();
            quote! {
                #[doc = #doc]
                #errors
                pub fn with_api_key(
                    baseurl: &str,
                    key: impl Into<::std::string::String>,
                ) -> ::std::result::Result<Self, ClientBuildError> {
                    let client = ::client_runtime::secret_header_client(
                        baseurl,
                        ::reqwest::header::HeaderName::from_static(#lower),
                        key.into(),
                    )?;
                    Ok(Self::new_with_client(baseurl, client, ::client_runtime::Inner::default()))
                }
            }
        }
        SecurityKind::Query(param) => {
            let doc = format!(
                " Creates a client for `baseurl` that sends `key` as the query parameter `{param}`\n \
                 of every request (security scheme `{scheme}`).\n\n \
                 The key never appears in the client's `Debug` output, nor in the URL of an error\n \
                 or of an unexpected response. Redirects are followed only within the origin\n \
                 (scheme, host and port) of `baseurl`."
            );
            quote! {
                #[doc = #doc]
                #errors
                pub fn with_api_key(
                    baseurl: &str,
                    key: impl Into<::std::string::String>,
                ) -> ::std::result::Result<Self, ClientBuildError> {
                    let client = ::client_runtime::origin_bound_client(baseurl)?;
                    let inner = ::client_runtime::Inner::default().with_query_key(#param, key.into());
                    Ok(Self::new_with_client(baseurl, client, inner))
                }
            }
        }
    })
}

// ---------------------------------------------------------------------------------------------
// `impl Page` for the envelope of a paginated operation.

struct PageImpl {
    tokens: TokenStream,
    /// The item type as the builder module names it (`types::Domain`).
    item: syn::Type,
    /// Its name for the README (`Domain`).
    item_name: String,
    /// The page type `stream()` wraps each decoded body in, when the body is the array of
    /// items (`Vec<T>` is no type of ours to implement `Page` for).
    wrapper: Option<syn::Ident>,
}

/// The page of an operation whose body is the array of items (`items: ""`): a private
/// newtype around the `Vec` in `mod builder`, with `impl Page` (nothing but the items, and the
/// last item's key for a walk after it). `None` when the body is an envelope.
fn array_page(
    spec: &Spec,
    file: &syn::File,
    op: &Operation,
    pagination: &Pagination,
    names: &BuilderNames,
) -> Result<Option<PageImpl>, CodegenError> {
    if !pagination.items.is_root() {
        return Ok(None);
    }
    let element = vec_of(&names.page).ok_or_else(|| {
        CodegenError::new(
            &spec.file,
            &format!("{}/x-pagination/items", op.pointer),
            "`items` is the whole body, but the 200 body is not an array",
        )
    })?;
    let item_name = struct_name(&element).unwrap_or_else(|| quote!(#element).to_string());
    let last_key = match pagination.walk.advance {
        Advance::AfterKey { .. } => {
            let fields = walk_fields(file, &item_name, &pagination.item_key).map_err(|why| {
                CodegenError::new(
                    &spec.file,
                    &format!("{}/x-pagination/item-key", op.pointer),
                    format!(
                        "`{}` does not lead to a field of the item: {why}",
                        pagination.item_key
                    ),
                )
            })?;
            let key = by_ref(quote!(item), &fields);
            quote!(items.last().and_then(|item| #key.map(::std::string::ToString::to_string)))
        }
        _ => quote!(::std::option::Option::None),
    };
    let wrapper = format_ident!("{}Page", names.builder);
    let doc = format!(
        " A page of `{}`: the body is the array of items.",
        op.operation_id.as_str()
    );
    let tokens = quote! {
        #[doc = #doc]
        #[derive(Debug)]
        struct #wrapper(::std::vec::Vec<#element>);

        impl ::client_runtime::Page for #wrapper {
            type Item = #element;

            fn into_parts(self) -> (::std::vec::Vec<Self::Item>, ::client_runtime::Observed) {
                let items = self.0;
                let last_key = #last_key;
                let observed = ::client_runtime::Observed {
                    items: items.len() as u64,
                    last_key,
                    next: ::client_runtime::Member::Absent,
                    flag: ::std::option::Option::None,
                    total: ::std::option::Option::None,
                    total_pages: ::std::option::Option::None,
                    size: ::std::option::Option::None,
                };
                (items, observed)
            }
        }
    };
    Ok(Some(PageImpl {
        tokens,
        item: element,
        item_name,
        wrapper: Some(wrapper),
    }))
}

/// `impl Page` for the operation's envelope: the items moved out, and the members its walk
/// reads (the next URL or cursor in the body, the flag, the totals, the last item's key) by
/// field access along the spec's pointers.
fn page_impl(
    spec: &Spec,
    file: &syn::File,
    op: &Operation,
    pagination: &Pagination,
    names: &BuilderNames,
) -> Result<PageImpl, CodegenError> {
    let at = |key: &str| format!("{}/x-pagination/{key}", op.pointer);
    let envelope = struct_name(&names.page).ok_or_else(|| {
        output::missing(
            spec,
            &op.pointer,
            "the page type of `send()` as a `types` struct",
        )
    })?;
    let walk = |key: &str, start: &str, pointer: &str| {
        walk_fields(file, start, pointer).map_err(|why| {
            CodegenError::new(
                &spec.file,
                &at(key),
                format!("`{pointer}` does not lead to a field of the typed page: {why}"),
            )
        })
    };
    let items = walk("items", &envelope, &pagination.items)?;
    let element = items.last().and_then(|f| vec_of(&f.ty)).ok_or_else(|| {
        CodegenError::new(
            &spec.file,
            &at("items"),
            format!("`{}` must lead to an array of items", pagination.items),
        )
    })?;
    let item_name = struct_name(&element).unwrap_or_else(|| quote!(#element).to_string());
    let items_expr = by_value(quote!(self), &items);
    let none = quote!(::std::option::Option::None);
    let count = |chain: TokenStream| quote!(#chain.and_then(|v| ::std::convert::TryFrom::try_from(*v).ok()));
    let next = match (&pagination.next, pagination.walk.advance.carrier()) {
        (Some(next), Some(Carrier::Body)) => {
            let chain = by_ref(quote!(self), &walk("next", &envelope, next)?);
            quote! {
                match #chain {
                    ::std::option::Option::Some(v) => {
                        ::client_runtime::Member::Text(::std::string::ToString::to_string(v))
                    }
                    ::std::option::Option::None => ::client_runtime::Member::Absent,
                }
            }
        }
        // A header or `Link` carries it: the stream reads the response's headers.
        _ => quote!(::client_runtime::Member::Absent),
    };
    let flag = match &pagination.flag {
        Some((pointer, last)) => {
            let key = if *last { "is-last" } else { "has-more" };
            let chain = by_ref(quote!(self), &walk(key, &envelope, pointer)?);
            quote!(#chain.copied())
        }
        None => none.clone(),
    };
    let total = match &pagination.total {
        Some(t) => count(by_ref(quote!(self), &walk("total", &envelope, t)?)),
        None => none.clone(),
    };
    let total_pages = match &pagination.total_pages {
        Some(t) => count(by_ref(quote!(self), &walk("total-pages", &envelope, t)?)),
        None => none.clone(),
    };
    let size = match (&pagination.size_echo, pagination.size_echo_authoritative) {
        (Some(echo), true) => count(by_ref(quote!(self), &walk("size-echo", &envelope, echo)?)),
        _ => none.clone(),
    };
    let last_key = match pagination.walk.advance {
        Advance::AfterKey { .. } => {
            let element_name = struct_name(&element).unwrap_or_default();
            let key = by_ref(
                quote!(item),
                &walk("item-key", &element_name, &pagination.item_key)?,
            );
            quote!(items.last().and_then(|item| #key.map(::std::string::ToString::to_string)))
        }
        _ => none.clone(),
    };
    let envelope_ident = format_ident!("{}", envelope);
    let doc = format!(
        " The items at `{}` and what the page says about the next, moved out of the decoded page.",
        pagination.items
    );
    let tokens = quote! {
        impl ::client_runtime::Page for #envelope_ident {
            type Item = #element;

            #[doc = #doc]
            fn into_parts(self) -> (::std::vec::Vec<Self::Item>, ::client_runtime::Observed) {
                let next = #next;
                let flag = #flag;
                let total = #total;
                let total_pages = #total_pages;
                let size = #size;
                let items = #items_expr;
                let last_key = #last_key;
                let observed = ::client_runtime::Observed {
                    items: items.len() as u64,
                    last_key,
                    next,
                    flag,
                    total,
                    total_pages,
                    size,
                };
                (items, observed)
            }
        }
    };
    let item: syn::Type = match struct_name(&element) {
        Some(name) => {
            let ident = format_ident!("{}", name);
            syn::parse_quote!(types::#ident)
        }
        None => {
            let page = &names.page;
            syn::parse_quote!(<#page as ::client_runtime::Page>::Item)
        }
    };
    Ok(PageImpl {
        tokens,
        item,
        item_name,
        wrapper: None,
    })
}

/// The field at the end of `fields`, by reference, as an `Option<&T>`; `Option` fields along
/// the way are looked through.
fn by_ref(root: TokenStream, fields: &[Field]) -> TokenStream {
    let mut expr = root;
    let mut optional = false;
    for field in fields {
        let f = &field.ident;
        expr = match (optional, field.optional) {
            (false, false) => quote!(#expr.#f),
            (false, true) => quote!(#expr.#f.as_ref()),
            (true, true) => quote!(#expr.and_then(|v| v.#f.as_ref())),
            (true, false) => quote!(#expr.map(|v| &v.#f)),
        };
        optional |= field.optional;
    }
    if optional {
        expr
    } else {
        quote!(::std::option::Option::Some(&#expr))
    }
}

/// The field at the end of `fields`, moved out; an absent `Option` gives the default (an
/// empty list of items).
fn by_value(root: TokenStream, fields: &[Field]) -> TokenStream {
    let mut expr = root;
    let mut optional = false;
    for field in fields {
        let f = &field.ident;
        expr = match (optional, field.optional) {
            (false, _) => quote!(#expr.#f),
            (true, true) => quote!(#expr.and_then(|v| v.#f)),
            (true, false) => quote!(#expr.map(|v| v.#f)),
        };
        optional |= field.optional;
    }
    if optional {
        quote!(#expr.unwrap_or_default())
    } else {
        expr
    }
}

// ---------------------------------------------------------------------------------------------
// `stream()` and the page-by-URL function (inside `mod builder`).

fn next_page_fn_name(names: &BuilderNames) -> syn::Ident {
    format_ident!("{}_next_page", names.method)
}

fn next_page_fn(op: &Operation, names: &BuilderNames) -> TokenStream {
    let fn_name = next_page_fn_name(names);
    // The id progenitor's own `send()` gives the hooks, so that they see one per operation
    // (`rate_limit_headers` is looked up by it).
    let hooks_id = names.method.to_string();
    let method = format_ident!("{}", op.method.as_str());
    let page = &names.page;
    let error = &names.error;
    let dispatch = &names.dispatch;
    let doc = format!(
        " Fetches a page of `{}` by the URL a previous page linked to, with the hooks\n \
         and status handling of `send()`.",
        op.operation_id.as_str()
    );
    quote! {
        #[doc = #doc]
        async fn #fn_name(
            client: &super::Client,
            url: ::std::string::String,
        ) -> Result<ResponseValue<#page>, Error<#error>> {
            #[allow(unused_mut)]
            let mut request = client
                .client
                .request(::reqwest::Method::#method, url)
                .header(
                    ::reqwest::header::ACCEPT,
                    ::reqwest::header::HeaderValue::from_static("application/json"),
                )
                .build()?;
            let info = OperationInfo {
                operation_id: #hooks_id,
            };
            client.pre(&mut request, &info).await?;
            let result = client.exec(request, &info).await;
            client.post(&result, &info).await?;
            let response = result?;
            #dispatch
        }
    }
}

/// The model of the walk as a Rust expression.
fn walk_tokens(walk: &Walk) -> TokenStream {
    let string = |s: &str| quote!(::std::string::String::from(#s));
    let carrier = |c: &Carrier| match c {
        Carrier::Body => quote!(::client_runtime::Carrier::Body),
        Carrier::Link => quote!(::client_runtime::Carrier::Link),
        Carrier::Header(name) => {
            let name = string(name);
            quote!(::client_runtime::Carrier::Header(#name))
        }
    };
    let advance = match &walk.advance {
        Advance::NextUrl { from } => {
            let from = carrier(from);
            quote!(::client_runtime::Advance::NextUrl { from: #from })
        }
        Advance::Cursor { from, param } => {
            let (from, param) = (carrier(from), string(param));
            quote!(::client_runtime::Advance::Cursor { from: #from, param: #param })
        }
        Advance::AfterKey { param } => {
            let param = string(param);
            quote!(::client_runtime::Advance::AfterKey { param: #param })
        }
        Advance::Offset { param } => {
            let param = string(param);
            quote!(::client_runtime::Advance::Offset { param: #param })
        }
        Advance::Page { param, first } => {
            let param = string(param);
            quote!(::client_runtime::Advance::Page { param: #param, first: #first })
        }
    };
    let ends = walk.ends.iter().map(|end| match end {
        End::NoNext => quote!(::client_runtime::End::NoNext),
        End::NullNext => quote!(::client_runtime::End::NullNext),
        End::EmptyNext => quote!(::client_runtime::End::EmptyNext),
        End::Flag(last) => quote!(::client_runtime::End::Flag(#last)),
        End::Total => quote!(::client_runtime::End::Total),
        End::ShortPage => quote!(::client_runtime::End::ShortPage),
        End::EmptyPage => quote!(::client_runtime::End::EmptyPage),
    });
    quote! {
        ::client_runtime::Walk {
            advance: #advance,
            ends: ::std::vec![#(#ends),*],
        }
    }
}

/// The arm of the fetch that sets the walk's position parameter (a cursor, a key, an offset,
/// a page number) on the builder, when the walk has one.
fn param_arm(
    spec: &Spec,
    op: &Operation,
    pagination: &Pagination,
    names: &BuilderNames,
) -> Result<TokenStream, CodegenError> {
    let Some(param) = pagination.walk.advance.param() else {
        return Ok(TokenStream::new());
    };
    let key = format!("{}/x-pagination", op.pointer);
    let setter = names.setter(spec, &key, param)?;
    let kind = op
        .parameter(param, Location::Query)
        .and_then(|p| p.schema_type());
    Ok(match kind {
        Some("integer") => {
            let value = counter_arg(names, &setter, quote!(n));
            quote! {
                ::client_runtime::Fetch::Param(value) => match value.parse::<u64>() {
                    Ok(n) => request.#setter(#value).send().await,
                    Err(_) => Err(::client_runtime::Fetch::Param(value).unsupported()),
                },
            }
        }
        Some("string") => quote! {
            ::client_runtime::Fetch::Param(value) => request.#setter(value).send().await,
        },
        _ => {
            return Err(CodegenError::new(
                &spec.file,
                &key,
                format!("`{param}` must be a query parameter of type string or integer"),
            ))
        }
    })
}

fn stream_impl(
    spec: &Spec,
    op: &Operation,
    pagination: &Pagination,
    names: &BuilderNames,
    page: &PageImpl,
) -> Result<TokenStream, CodegenError> {
    let item = &page.item;
    let builder = &names.builder;
    let error = &names.error;
    let size = size_expr(spec, op, pagination, names)?;
    let walk = walk_tokens(&pagination.walk);
    let url_arm = match pagination.walk.advance {
        Advance::NextUrl { .. } => {
            let fetch = next_page_fn_name(names);
            quote!(::client_runtime::Fetch::Url(url) => #fetch(client, url).await,)
        }
        _ => TokenStream::new(),
    };
    let param_arm = param_arm(spec, op, pagination, names)?;
    let fetch = quote! {
        match at {
            ::client_runtime::Fetch::First => request.send().await,
            #url_arm
            #param_arm
            other => Err(other.unsupported()),
        }
    };
    let body = match &page.wrapper {
        Some(wrapper) => quote! {
            let page = #fetch;
            page.and_then(|response| response.map(#wrapper))
        },
        None => fetch,
    };
    let doc = format!(
        " Streams every item of every page, fetching each page when the previous one is used up\n \
         and decoding it once.\n\n \
         The first page is this request, with its parameters and page size. The stream then\n \
         {}.\n\n \
         A link to another origin (scheme, host or port) than the client's base URL is refused so\n \
         that the credentials never leave the API, and so is a link, cursor or key already\n \
         followed: the stream yields [`Error::InvalidRequest`] naming the problem, then ends. Every\n \
         page is retried by the client's [`RetryPolicy`](super::RetryPolicy); any other error is\n \
         yielded once, and ends the stream too.",
        pagination.describe()
    );
    Ok(quote! {
        impl<'a> #builder<'a> {
            #[doc = #doc]
            pub fn stream(
                self,
            ) -> impl ::futures::Stream<Item = Result<#item, Error<#error>>> + ::std::marker::Unpin + 'a {
                let client: &'a super::Client = self.client;
                let size = #size;
                ::client_runtime::paginate(#walk, size, client.baseurl.as_str(), &client.inner, move |at| {
                    let request = self.clone();
                    async move {
                        #body
                    }
                })
            }
        }
    })
}

/// The `u64` counter `var` (an offset, a page number) as the setter `setter` takes it: as it
/// is for the integer types and `NonZeroU64`, which convert from `u64`; through its own
/// primitive for the other `NonZero` types, which convert only from that primitive (a counter
/// beyond the primitive's range becomes its maximum, which the server then refuses).
fn counter_arg(names: &BuilderNames, setter: &syn::Ident, var: TokenStream) -> TokenStream {
    let name = match names.setters.get(&setter.to_string()) {
        Some(syn::Type::Path(p)) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
    .unwrap_or_default();
    match name.strip_prefix("NonZero") {
        Some(primitive) if primitive != "U64" => {
            let primitive = format_ident!("{}", primitive.to_ascii_lowercase());
            quote!(#primitive::try_from(#var).unwrap_or(#primitive::MAX))
        }
        _ => var,
    }
}

/// The page size a stream expects, read from the builder: the size set on it, else the
/// spec's default, never above the maximum.
fn size_expr(
    spec: &Spec,
    op: &Operation,
    pagination: &Pagination,
    names: &BuilderNames,
) -> Result<TokenStream, CodegenError> {
    let field = output::snake(&pagination.size_param);
    let ty = names.fields.get(&field).ok_or_else(|| {
        output::missing(
            spec,
            &format!("{}/x-pagination/size-param", op.pointer),
            &format!("the field `{field}` of `builder::{}`", names.builder),
        )
    })?;
    let ident = format_ident!("{}", field);
    // The field is `Result<Option<T>, String>` for an optional parameter, `Result<T, String>`
    // for a required one.
    let optional = output::generic_args(ty, "Result")
        .and_then(|args| args.first().cloned())
        .is_some_and(|ok| output::option_of(&ok).is_some());
    let set = if optional {
        quote!(self.#ident.as_ref().ok().and_then(::std::option::Option::as_ref))
    } else {
        quote!(self.#ident.as_ref().ok())
    };
    let (default, max) = (pagination.size_default, pagination.size_max);
    Ok(quote!(::client_runtime::requested_size(#set, #default, #max)))
}

// ---------------------------------------------------------------------------------------------
// Literals for the README example.

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
            let setter = output::snake(&p.name);
            let example = match (p.schema_type(), &p.example) {
                (Some("string"), Some(Value::String(s))) => Value::String(s.clone()),
                (Some("integer"), _) => Value::from(p.minimum().unwrap_or(1).max(1)),
                (Some("number"), _) => Value::from(1.0),
                (Some("boolean"), _) => Value::Bool(true),
                (Some("string"), _) => Value::String(p.name.clone()),
                _ => Value::Null,
            };
            let literal = literal_for(names.setters.get(&setter), &example);
            (setter, literal)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::output::snake;

    #[test]
    fn case_conversions_match_progenitor_for_our_names() {
        assert_eq!(snake("list_domains"), "list_domains");
        assert_eq!(snake("listProjectDomains"), "list_project_domains");
        assert_eq!(snake("page-token"), "page_token");
        assert_eq!(snake("listWidgets"), "list_widgets");
    }
}
