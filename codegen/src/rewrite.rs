//! The token rewrites of progenitor's output that no setting of progenitor can replace.
//!
//! 1. Error bodies. progenitor decodes a documented error status with
//!    `ResponseValue::from_response`, which fails with `Error::InvalidResponsePayload` when the
//!    body has another shape (a gateway's HTML, an empty body): the status is lost. No setting
//!    changes that arm: `with_replacement` and `with_patch` change the error *type*, but the
//!    arm still deserializes the bytes with serde_json before any type sees them, so a body
//!    that is not JSON fails whatever the type; the hooks run before the dispatch and cannot
//!    change its result. So each such arm becomes `client_runtime::error_response(response)`,
//!    and the error type of `send()` becomes `ErrorBody<E>`. The rewrite is checked: an
//!    `Error::ErrorResponse(..)` of any other shape is a codegen error, never left half done.
//! 2. `Client::new` builds its `reqwest::Client` with `unwrap()`; reqwest is built without a
//!    TLS crypto provider, so that build would panic until one is installed. The first
//!    statement of `new` installs ring unless the application installed a provider.
//! 3. Array query parameters declared `explode: false` travel as one comma-separated value
//!    ([`comma_separated_queries`]); progenitor writes every array as repeated pairs.
//! 4. Errors carried in 200 bodies (`x-errors.in-body`): the 200 arm of such an operation's
//!    `send()` decodes with `client_runtime::page_or_error`, which makes a body whose flag is
//!    `false` an `Error::ErrorResponse` ([`in_body_errors`]). progenitor decodes every 200 as
//!    the page, and a refusal would read as a page (an empty one, where its members are
//!    optional).

use quote::quote;
use specs::{Operation, Spec};

use crate::output::{
    builder_names, dispatch_of, generic_args, is_path_named, missing, module_mut, send_types,
};
use crate::CodegenError;

/// Rewrites the error arms of every `send()` in `mod builder`, and the error type of those
/// with a typed error body.
pub(crate) fn error_bodies(spec: &Spec, file: &mut syn::File) -> Result<(), CodegenError> {
    let items = module_mut(file, "builder").ok_or_else(|| missing(spec, "", "`mod builder`"))?;
    for item in items.iter_mut() {
        let syn::Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() {
            continue;
        }
        for impl_item in &mut imp.items {
            let syn::ImplItem::Fn(f) = impl_item else {
                continue;
            };
            if f.sig.ident != "send" {
                continue;
            }
            rewrite_send(spec, f)?;
        }
    }
    Ok(())
}

fn rewrite_send(spec: &Spec, send: &mut syn::ImplItemFn) -> Result<(), CodegenError> {
    let unexpected = |what: &str| {
        CodegenError::new(
            &spec.file,
            "",
            format!(
                "progenitor's `send()` {what}; the error-body rewrite needs updating for this progenitor version"
            ),
        )
    };
    if dispatch_of(send).is_none() {
        return Err(unexpected("does not end in a status `match`"));
    }
    let mut rewritten = 0;
    if let Some(syn::Stmt::Expr(syn::Expr::Match(dispatch), None)) = send.block.stmts.last_mut() {
        for arm in &mut dispatch.arms {
            match error_response_arg(&mut arm.body) {
                None => {}
                Some(arg) => match classify(arg) {
                    Arg::Typed => {
                        *arg = syn::parse_quote!(::client_runtime::error_response(response).await);
                        rewritten += 1;
                    }
                    Arg::Untyped => {}
                    Arg::Unknown => {
                        return Err(unexpected(&format!(
                            "has an error arm of an unknown shape: {}",
                            quote!(#arg)
                        )))
                    }
                },
            }
        }
    }
    if rewritten > 0 {
        wrap_error_type(send)
            .ok_or_else(|| unexpected("does not return `Result<ResponseValue<_>, Error<_>>`"))?;
    }
    Ok(())
}

/// The argument of `Err(Error::ErrorResponse(arg))`, the whole body of an arm (in a block or
/// not).
fn error_response_arg(body: &mut syn::Expr) -> Option<&mut syn::Expr> {
    let expr = match body {
        syn::Expr::Block(b) => match b.block.stmts.as_mut_slice() {
            [syn::Stmt::Expr(e, None)] => e,
            _ => return None,
        },
        other => other,
    };
    let inner = call_arg(expr, "Err")?;
    call_arg(inner, "ErrorResponse")
}

/// The single argument of a call whose function path ends in `name`.
fn call_arg<'a>(expr: &'a mut syn::Expr, name: &str) -> Option<&'a mut syn::Expr> {
    let syn::Expr::Call(call) = expr else {
        return None;
    };
    let syn::Expr::Path(func) = call.func.as_ref() else {
        return None;
    };
    if func.path.segments.last().is_none_or(|s| s.ident != name) || call.args.len() != 1 {
        return None;
    }
    call.args.first_mut()
}

enum Arg {
    /// `ResponseValue::from_response(response).await?`: a typed error body.
    Typed,
    /// `ResponseValue::empty(response)` or `ResponseValue::stream(response)`: no typed body
    /// to lose, left as it is.
    Untyped,
    /// Anything else.
    Unknown,
}

fn classify(arg: &syn::Expr) -> Arg {
    let text = quote!(#arg).to_string().replace(' ', "");
    match text.as_str() {
        "ResponseValue::from_response(response).await?" => Arg::Typed,
        "ResponseValue::empty(response)" | "ResponseValue::stream(response)" => Arg::Untyped,
        _ => Arg::Unknown,
    }
}

/// `Result<ResponseValue<P>, Error<E>>` → `Result<ResponseValue<P>, Error<ErrorBody<E>>>`.
fn wrap_error_type(send: &mut syn::ImplItemFn) -> Option<()> {
    let syn::ReturnType::Type(_, ty) = &mut send.sig.output else {
        return None;
    };
    let [ok, err] = generic_args(ty, "Result")?.try_into().ok()?;
    let error = generic_args(&err, "Error")?.into_iter().next()?;
    let wrapped: syn::Type = syn::parse_quote! {
        Result<#ok, Error<::client_runtime::ErrorBody<#error>>>
    };
    **ty = wrapped;
    Some(())
}

/// Rewrites the 200 arm of `send()` of every operation that declares errors in 200 bodies, to
/// decode with `client_runtime::page_or_error`: the operation's error body
/// (`client_runtime::ErrorBody`, see [`error_bodies`], which runs first) is where such an error
/// reaches the caller, so an operation without one is refused, located at `in-body`.
pub(crate) fn in_body_errors(spec: &Spec, file: &mut syn::File) -> Result<(), CodegenError> {
    for op in &spec.operations {
        let Some(in_body) = &op.errors.in_body else {
            continue;
        };
        let at = format!("{}/x-errors/in-body", op.pointer);
        let builder = builder_names(spec, file, op)?.builder;
        let send = send_of(file, &builder)
            .ok_or_else(|| missing(spec, &op.pointer, &format!("`builder::{builder}::send`")))?;
        let typed = send_types(&send.sig.output)
            .is_some_and(|(_, error)| generic_args(&error, "ErrorBody").is_some());
        if !typed {
            return Err(CodegenError::new(
                &spec.file,
                &at,
                "an error in a 200 body reaches the caller in the operation's error body: \
                 document an error response with a JSON schema (`default`, a 4XX or an error \
                 status)",
            ));
        }
        let (flag, code) = (in_body.flag.as_str(), in_body.code.as_str());
        let decode: syn::Expr = syn::parse_quote! {
            ::client_runtime::page_or_error(
                response,
                &::client_runtime::InBody {
                    flag: ::std::string::String::from(#flag),
                    code: ::std::string::String::from(#code),
                },
            )
            .await
        };
        rewrite_page_arm(spec, op, send, decode)?;
    }
    Ok(())
}

/// `send()` of the builder `builder` in `mod builder`.
fn send_of<'a>(file: &'a mut syn::File, builder: &syn::Ident) -> Option<&'a mut syn::ImplItemFn> {
    let name = builder.to_string();
    module_mut(file, "builder")?
        .iter_mut()
        .filter_map(|item| match item {
            syn::Item::Impl(imp) if imp.trait_.is_none() && is_path_named(&imp.self_ty, &name) => {
                Some(imp)
            }
            _ => None,
        })
        .flat_map(|imp| imp.items.iter_mut())
        .find_map(|item| match item {
            syn::ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
            _ => None,
        })
}

/// Replaces the body of the 200 arm of `send`'s dispatch, progenitor's
/// `ResponseValue::from_response(response).await`, by `decode`.
fn rewrite_page_arm(
    spec: &Spec,
    op: &Operation,
    send: &mut syn::ImplItemFn,
    decode: syn::Expr,
) -> Result<(), CodegenError> {
    let unexpected = || {
        CodegenError::new(
            &spec.file,
            &op.pointer,
            "progenitor's `send()` does not decode its 200 with \
             `ResponseValue::from_response(response).await`; the in-body rewrite needs updating \
             for this progenitor version",
        )
    };
    let Some(syn::Stmt::Expr(syn::Expr::Match(dispatch), None)) = send.block.stmts.last_mut()
    else {
        return Err(unexpected());
    };
    let arm = dispatch
        .arms
        .iter_mut()
        .find(|arm| {
            let pat = &arm.pat;
            quote!(#pat).to_string() == "200u16"
        })
        .ok_or_else(unexpected)?;
    let body = match arm.body.as_mut() {
        syn::Expr::Block(b) => match b.block.stmts.as_mut_slice() {
            [syn::Stmt::Expr(e, None)] => e,
            _ => return Err(unexpected()),
        },
        other => other,
    };
    let text = quote!(#body).to_string().replace(' ', "");
    if text != "ResponseValue::from_response(response).await" {
        return Err(unexpected());
    }
    *body = decode;
    Ok(())
}

/// Inserts `client_runtime::install_crypto_provider();` as the first statement of
/// `Client::new`.
pub(crate) fn install_provider_in_new(
    spec: &Spec,
    file: &mut syn::File,
) -> Result<(), CodegenError> {
    let stmt: syn::Stmt = syn::parse_quote! {
        ::client_runtime::install_crypto_provider();
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

/// Array query parameters declared `explode: false` (`ids=1,2`): progenitor writes every array
/// as repeated pairs, and has no setting for the other form, so each `QueryParam::new("ids",
/// &ids)` of such a parameter gets its value wrapped in `client_runtime::CommaSeparated`. A
/// name that is comma-separated in one operation and repeated in another would need the
/// operation to tell them apart: refused, located at the parameter.
pub(crate) fn comma_separated_queries(
    spec: &Spec,
    file: &mut syn::File,
) -> Result<(), CodegenError> {
    let arrays: Vec<&specs::Parameter> = spec
        .operations
        .iter()
        .flat_map(|op| op.parameters_in(specs::Location::Query))
        .filter(|p| p.schema_type() == Some("array"))
        .collect();
    let mut names: Vec<String> = Vec::new();
    for p in arrays.iter().filter(|p| !p.explode) {
        if let Some(other) = arrays.iter().find(|q| q.name == p.name && q.explode) {
            return Err(CodegenError::new(
                &spec.file,
                &other.pointer,
                format!(
                    "`{}` is a comma-separated array at {} and a repeated one here; the client \
                     serializes a query parameter one way per name",
                    p.name, p.pointer
                ),
            ));
        }
        if !names.contains(&p.name) {
            names.push(p.name.clone());
        }
    }
    if names.is_empty() {
        return Ok(());
    }
    let mut wrap = WrapQueryParams {
        names: &names,
        wrapped: Vec::new(),
    };
    syn::visit_mut::VisitMut::visit_file_mut(&mut wrap, file);
    if let Some(name) = names.iter().find(|n| !wrap.wrapped.contains(n)) {
        return Err(CodegenError::new(
            &spec.file,
            "",
            format!(
                "progenitor passes the array query parameter `{name}` otherwise than \
                 `QueryParam::new(\"{name}\", &value)`; the comma-separated rewrite needs \
                 updating for this progenitor version"
            ),
        ));
    }
    Ok(())
}

struct WrapQueryParams<'a> {
    names: &'a [String],
    wrapped: Vec<String>,
}

impl syn::visit_mut::VisitMut for WrapQueryParams<'_> {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        syn::visit_mut::visit_expr_call_mut(self, call);
        let syn::Expr::Path(func) = call.func.as_ref() else {
            return;
        };
        let segments: Vec<String> = func
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        if !segments.ends_with(&["QueryParam".to_string(), "new".to_string()])
            || call.args.len() != 2
        {
            return;
        }
        let name = match &call.args[0] {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => s.value(),
            _ => return,
        };
        if !self.names.contains(&name) {
            return;
        }
        let value = &call.args[1];
        call.args[1] = syn::parse_quote!(&::client_runtime::CommaSeparated(#value));
        self.wrapped.push(name);
    }
}
