//! Reading progenitor's output: the names and types that the extras build on.
//!
//! Names are read from the syntax tree rather than re-derived where progenitor decides them
//! (the builder type from the `Client` method, the page and error types from `send()`, the
//! fields typify gives an envelope), so that a naming change in progenitor becomes a codegen
//! error, not code that does not compile.

use std::collections::BTreeMap;

use heck::ToSnakeCase;
use quote::format_ident;
use specs::{Operation, Spec};
use syn::ext::IdentExt as _;

use crate::CodegenError;

/// The error for something the extras expect in progenitor's output and do not find.
pub(crate) fn missing(spec: &Spec, pointer: &str, what: &str) -> CodegenError {
    CodegenError::new(
        &spec.file,
        pointer,
        format!("cannot find {what} in progenitor's output; the codegen extras need updating for this progenitor version"),
    )
}

/// The items of the inline module `name` (`types`, `builder`).
pub(crate) fn module<'a>(file: &'a syn::File, name: &str) -> Option<&'a Vec<syn::Item>> {
    file.items.iter().find_map(|i| match i {
        syn::Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    })
}

/// The items of the inline module `name`, to change them.
pub(crate) fn module_mut<'a>(
    file: &'a mut syn::File,
    name: &str,
) -> Option<&'a mut Vec<syn::Item>> {
    file.items.iter_mut().find_map(|i| match i {
        syn::Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

pub(crate) fn is_path_named(ty: &syn::Type, name: &str) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == name))
}

/// The Rust name progenitor gives an operation's method or a parameter's setter: heck's snake
/// case, as progenitor's own `sanitize` does, of the name with its operators spelled out (the
/// name progenitor is given, see [`crate::operators`]).
pub(crate) fn snake(name: &str) -> String {
    crate::operators::spelled(name).to_snake_case()
}

/// What the extras need to know about the builder of one operation.
pub(crate) struct BuilderNames {
    /// The `Client` method, e.g. `list_domains`.
    pub(crate) method: syn::Ident,
    /// The builder type in `mod builder`, e.g. `ListDomains`.
    pub(crate) builder: syn::Ident,
    /// `P` of `send() -> Result<ResponseValue<P>, Error<E>>`.
    pub(crate) page: syn::Type,
    /// `E` of the same.
    pub(crate) error: syn::Type,
    /// The status dispatch at the end of `send()`, reused for pages fetched by URL so that
    /// every page maps statuses exactly as `send()` does.
    pub(crate) dispatch: syn::Expr,
    /// Every setter of the builder with `T` of its `V: TryInto<T>` bound.
    pub(crate) setters: BTreeMap<String, syn::Type>,
    /// Every field of the builder struct with its type (`Result<Option<T>, String>`).
    pub(crate) fields: BTreeMap<String, syn::Type>,
}

impl BuilderNames {
    /// The setter of the parameter `name`, checked to exist.
    pub(crate) fn setter(
        &self,
        spec: &Spec,
        at: &str,
        name: &str,
    ) -> Result<syn::Ident, CodegenError> {
        let setter = snake(name);
        if !self.setters.contains_key(&setter) {
            return Err(missing(
                spec,
                at,
                &format!(
                    "the setter `builder::{}::{setter}` for the parameter `{name}`",
                    self.builder
                ),
            ));
        }
        Ok(format_ident!("{}", setter))
    }
}

pub(crate) fn builder_names(
    spec: &Spec,
    file: &syn::File,
    op: &Operation,
) -> Result<BuilderNames, CodegenError> {
    let method_name = snake(op.operation_id.as_str());
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

    let items = module(file, "builder").ok_or_else(|| missing(spec, "", "`mod builder`"))?;
    let fields = items
        .iter()
        .find_map(|i| match i {
            syn::Item::Struct(s) if s.ident == builder => Some(s),
            _ => None,
        })
        .ok_or_else(|| missing(spec, &op.pointer, &format!("`struct builder::{builder}`")))?
        .fields
        .iter()
        .filter_map(|f| Some((f.ident.as_ref()?.unraw().to_string(), f.ty.clone())))
        .collect();
    let methods: Vec<&syn::ImplItemFn> = items
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
    let dispatch = dispatch_of(send).cloned().ok_or_else(|| {
        missing(
            spec,
            &op.pointer,
            &format!("the status `match` ending `builder::{builder}::send`"),
        )
    })?;
    let setters = methods
        .iter()
        .filter_map(|f| Some((f.sig.ident.unraw().to_string(), setter_type(f)?)))
        .collect();
    Ok(BuilderNames {
        method: format_ident!("{}", method_name),
        builder,
        page,
        error,
        dispatch,
        setters,
        fields,
    })
}

/// The status `match` that ends a `send()`.
pub(crate) fn dispatch_of(send: &syn::ImplItemFn) -> Option<&syn::Expr> {
    match send.block.stmts.last() {
        Some(syn::Stmt::Expr(expr @ syn::Expr::Match(_), None)) => Some(expr),
        _ => None,
    }
}

/// The generic arguments of `Result<ResponseValue<P>, Error<E>>`.
pub(crate) fn send_types(output: &syn::ReturnType) -> Option<(syn::Type, syn::Type)> {
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

/// The type arguments of `ty` when its last path segment is `name`.
pub(crate) fn generic_args(ty: &syn::Type, name: &str) -> Option<Vec<syn::Type>> {
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

/// `T` when `ty` is `Option<T>`.
pub(crate) fn option_of(ty: &syn::Type) -> Option<syn::Type> {
    match generic_args(ty, "Option")?.as_slice() {
        [inner] => Some(inner.clone()),
        _ => None,
    }
}

/// `T` when `ty` is `Vec<T>`.
pub(crate) fn vec_of(ty: &syn::Type) -> Option<syn::Type> {
    match generic_args(ty, "Vec")?.as_slice() {
        [inner] => Some(inner.clone()),
        _ => None,
    }
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

/// One field of a typify struct: its Rust name, whether it is an `Option`, and its type
/// without the `Option`.
#[derive(Clone)]
pub(crate) struct Field {
    pub(crate) ident: syn::Ident,
    pub(crate) optional: bool,
    pub(crate) ty: syn::Type,
}

/// The struct `name` of `mod types`.
pub(crate) fn types_struct<'a>(file: &'a syn::File, name: &str) -> Option<&'a syn::ItemStruct> {
    module(file, "types")?.iter().find_map(|i| match i {
        syn::Item::Struct(s) if s.ident == name => Some(s),
        _ => None,
    })
}

/// The name of the `types` struct that `ty` names (`DomainPage`, `types::DomainPage`).
pub(crate) fn struct_name(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    matches!(last.arguments, syn::PathArguments::None).then(|| last.ident.to_string())
}

/// The field of `s` that serde reads from the JSON member `member`: its `#[serde(rename)]`,
/// else its name.
pub(crate) fn field_for(s: &syn::ItemStruct, member: &str) -> Option<Field> {
    s.fields.iter().find_map(|f| {
        let ident = f.ident.as_ref()?;
        let json = serde_rename(&f.attrs).unwrap_or_else(|| ident.unraw().to_string());
        if json != member {
            return None;
        }
        Some(match option_of(&f.ty) {
            Some(inner) => Field {
                ident: ident.clone(),
                optional: true,
                ty: inner,
            },
            None => Field {
                ident: ident.clone(),
                optional: false,
                ty: f.ty.clone(),
            },
        })
    })
}

/// The `rename = "..."` of a `#[serde(...)]` attribute among `attrs`.
fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .find_map(|a| {
            let mut found = None;
            let _ = a.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let value: syn::LitStr = meta.value()?.parse()?;
                    found = Some(value.value());
                } else if meta.input.peek(syn::Token![=]) {
                    // Skip the value of another `key = value` entry.
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                Ok(())
            });
            found
        })
}

/// Walks a JSON pointer through the typify structs from `start`: the fields along the way.
/// `Err` names the segment (unescaped) that does not lead to a field.
pub(crate) fn walk_fields(
    file: &syn::File,
    start: &str,
    pointer: &str,
) -> Result<Vec<Field>, String> {
    let mut current = start.to_string();
    let mut fields = Vec::new();
    let segments = specs::Pointer::parse(pointer)
        .map_err(|e| e.to_string())?
        .segments();
    for member in segments {
        let s = types_struct(file, &current)
            .ok_or_else(|| format!("`{member}`: `types::{current}` is not a struct"))?;
        let field = field_for(s, &member)
            .ok_or_else(|| format!("`{member}`: `types::{current}` has no such field"))?;
        current = struct_name(&field.ty).unwrap_or_default();
        fields.push(field);
    }
    Ok(fields)
}
