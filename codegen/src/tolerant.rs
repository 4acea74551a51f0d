//! Open string enums: a value the vendor adds after the spec was written deserializes instead
//! of failing the whole response.
//!
//! typify turns `type: string, enum: [...]` into a closed enum of unit variants, each with
//! `#[serde(rename = "...")]`. Each such enum in `mod types` gets a last variant
//! `#[serde(untagged)] Unknown(String)` (serde tries the listed values first, then keeps the
//! string as sent, and serializes it back unchanged), loses `Copy` (a `String` is not `Copy`),
//! and its `Display` writes the kept string. `FromStr` and `TryFrom` stay strict: they check
//! what a user of the client passes in, not what the vendor sends.
//!
//! The rewrite is syntactic, so it only touches an enum whose shape is exactly the one typify
//! emits (see [`string_enum`] and [`display_match`]); anything else is left as it is, never a
//! panic, and stays closed.

use std::collections::{BTreeMap, BTreeSet};

use syn::punctuated::Punctuated;
use syn::{parse_quote, Token};

/// The doc comment of the added variant.
const UNKNOWN_DOC: &str = " A value that this client does not know: the vendor added it after the spec was written. Serialized back as the same string.";

/// The paragraph added to the doc comment of an opened enum.
const ENUM_DOC: [&str; 5] = [
    "",
    " Deserialization is tolerant: a value that is not listed here becomes `Unknown` with the",
    " string as sent (and serializes back to it), so a value the vendor adds later does not fail",
    " the whole response. `FromStr` and `TryFrom` stay strict: they accept only the listed",
    " values.",
];

/// Opens every string enum typify emitted in `mod types`; returns their names, in file order.
pub(crate) fn open_string_enums(file: &mut syn::File) -> Vec<String> {
    let Some(items) = file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    }) else {
        return Vec::new();
    };

    // Decide first, on the untouched items, then rewrite: (enum index, Display impl index).
    let mut plan = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let syn::Item::Enum(e) = item else { continue };
        let Some(variants) = string_enum(e) else {
            continue;
        };
        let Some(display) = impls_if_expected(items, &e.ident, &variants) else {
            continue;
        };
        plan.push((index, display));
    }

    let mut opened = Vec::new();
    for (index, display) in plan {
        if let syn::Item::Impl(imp) = &mut items[display] {
            if let Some(m) = display_match_mut(imp) {
                *m.expr = parse_quote!(self);
                m.arms
                    .push(parse_quote!(Self::Unknown(value) => f.write_str(value),));
            }
        }
        if let syn::Item::Enum(e) = &mut items[index] {
            open(e);
            opened.push(e.ident.to_string());
        }
    }
    opened
}

/// The rewrite of the enum itself, once the checks passed.
fn open(e: &mut syn::ItemEnum) {
    for attr in &mut e.attrs {
        if let Some(paths) = derive_paths(attr) {
            let kept: Punctuated<syn::Path, Token![,]> =
                paths.into_iter().filter(|p| !last_is(p, "Copy")).collect();
            *attr = parse_quote!(#[derive(#kept)]);
        }
    }
    // The paragraph goes after the existing doc comment (separated by a blank line), before
    // the derive.
    let at = e
        .attrs
        .iter()
        .rposition(|a| a.path().is_ident("doc"))
        .map_or(0, |i| i + 1);
    let first = usize::from(at == 0);
    let docs: Vec<syn::Attribute> = ENUM_DOC[first..]
        .iter()
        .map(|line| parse_quote!(#[doc = #line]))
        .collect();
    e.attrs.splice(at..at, docs);
    e.variants.push(parse_quote! {
        #[doc = #UNKNOWN_DOC]
        #[serde(untagged)]
        Unknown(::std::string::String)
    });
}

/// The variants and their serde names when `e` is exactly a typify string enum: no generics,
/// only doc and derive attributes (the derive with serde's `Deserialize` and `Serialize`), and
/// only unit variants without discriminant, each with a doc comment at most and exactly one
/// `#[serde(rename = "...")]`; none is already called `Unknown`.
fn string_enum(e: &syn::ItemEnum) -> Option<BTreeMap<String, String>> {
    if !e.generics.params.is_empty() || e.generics.where_clause.is_some() {
        return None;
    }
    let mut derives = 0;
    for attr in &e.attrs {
        if attr.path().is_ident("doc") {
            continue;
        }
        let paths = derive_paths(attr)?;
        derives += 1;
        let has = |name: &str| paths.iter().any(|p| last_is(p, name));
        if !has("Deserialize") || !has("Serialize") {
            return None;
        }
    }
    if derives != 1 || e.variants.is_empty() {
        return None;
    }
    let mut variants = BTreeMap::new();
    let mut names = BTreeSet::new();
    for v in &e.variants {
        if !matches!(v.fields, syn::Fields::Unit)
            || v.discriminant.is_some()
            || v.ident == "Unknown"
        {
            return None;
        }
        let mut renamed = None;
        for attr in &v.attrs {
            if attr.path().is_ident("doc") {
                continue;
            }
            if renamed.is_some() {
                return None;
            }
            renamed = Some(serde_rename(attr)?);
        }
        let name = renamed?;
        if !names.insert(name.clone()) {
            return None;
        }
        variants.insert(v.ident.to_string(), name);
    }
    Some(variants)
}

/// The index of the enum's `Display` impl when every impl of the enum in `mod types` is one
/// typify emits for a string enum (`Display`, `FromStr`, `TryFrom`, `Default`), and the
/// `Display` impl is exactly `match *self { Self::V => f.write_str("name"), ... }` over all the
/// variants. Any other impl could rely on `Copy` or on the enum being closed.
fn impls_if_expected(
    items: &[syn::Item],
    ident: &syn::Ident,
    variants: &BTreeMap<String, String>,
) -> Option<usize> {
    let mut display = None;
    for (index, item) in items.iter().enumerate() {
        let syn::Item::Impl(imp) = item else { continue };
        if !is_type(&imp.self_ty, ident) {
            continue;
        }
        let (_, trait_path, _) = imp.trait_.as_ref()?;
        if last_is(trait_path, "Display") {
            if display.is_some() || !display_is_expected(imp, variants) {
                return None;
            }
            display = Some(index);
        } else if !["FromStr", "TryFrom", "Default"]
            .iter()
            .any(|name| last_is(trait_path, name))
        {
            return None;
        }
    }
    display
}

fn display_is_expected(imp: &syn::ItemImpl, variants: &BTreeMap<String, String>) -> bool {
    let Some(m) = display_match(imp) else {
        return false;
    };
    if !matches!(&*m.expr, syn::Expr::Unary(u)
        if matches!(u.op, syn::UnOp::Deref(_)) && is_path(&u.expr, &["self"]))
    {
        return false;
    }
    let mut seen = BTreeSet::new();
    for arm in &m.arms {
        if arm.guard.is_some() {
            return false;
        }
        let syn::Pat::Path(p) = &arm.pat else {
            return false;
        };
        let segments: Vec<String> = p
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        let [first, variant] = segments.as_slice() else {
            return false;
        };
        if first != "Self" || p.qself.is_some() || p.path.leading_colon.is_some() {
            return false;
        }
        let Some(name) = variants.get(variant) else {
            return false;
        };
        if write_str_literal(&arm.body).as_deref() != Some(name.as_str())
            || !seen.insert(variant.clone())
        {
            return false;
        }
    }
    seen.len() == variants.len()
}

/// The `match` that is the whole body of `fn fmt` in a `Display` impl.
fn display_match(imp: &syn::ItemImpl) -> Option<&syn::ExprMatch> {
    let [syn::ImplItem::Fn(f)] = imp.items.as_slice() else {
        return None;
    };
    if f.sig.ident != "fmt" {
        return None;
    }
    match f.block.stmts.as_slice() {
        [syn::Stmt::Expr(syn::Expr::Match(m), None)] => Some(m),
        _ => None,
    }
}

fn display_match_mut(imp: &mut syn::ItemImpl) -> Option<&mut syn::ExprMatch> {
    let [syn::ImplItem::Fn(f)] = imp.items.as_mut_slice() else {
        return None;
    };
    match f.block.stmts.as_mut_slice() {
        [syn::Stmt::Expr(syn::Expr::Match(m), None)] => Some(m),
        _ => None,
    }
}

/// `"name"` of `f.write_str("name")`.
fn write_str_literal(body: &syn::Expr) -> Option<String> {
    let syn::Expr::MethodCall(call) = body else {
        return None;
    };
    if call.method != "write_str" || !is_path(&call.receiver, &["f"]) || call.args.len() != 1 {
        return None;
    }
    match &call.args[0] {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    }
}

/// The paths of a `#[derive(...)]`, or `None` for another attribute.
fn derive_paths(attr: &syn::Attribute) -> Option<Punctuated<syn::Path, Token![,]>> {
    if !attr.path().is_ident("derive") {
        return None;
    }
    attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
        .ok()
}

/// `"name"` of `#[serde(rename = "name")]`, and nothing else in the attribute.
fn serde_rename(attr: &syn::Attribute) -> Option<String> {
    if !attr.path().is_ident("serde") {
        return None;
    }
    let nv: syn::MetaNameValue = attr.parse_args().ok()?;
    if !nv.path.is_ident("rename") {
        return None;
    }
    match nv.value {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    }
}

fn last_is(path: &syn::Path, name: &str) -> bool {
    path.segments.last().is_some_and(|s| s.ident == name)
}

fn is_type(ty: &syn::Type, ident: &syn::Ident) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none() && p.path.is_ident(ident))
}

fn is_path(expr: &syn::Expr, segments: &[&str]) -> bool {
    let syn::Expr::Path(p) = expr else {
        return false;
    };
    p.qself.is_none()
        && p.path.leading_colon.is_none()
        && p.path.segments.len() == segments.len()
        && p.path
            .segments
            .iter()
            .zip(segments)
            .all(|(s, name)| s.ident == name && s.arguments.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A string enum as typify emits it, inside `mod types`.
    fn typify_enum() -> syn::File {
        parse_quote! {
            pub mod types {
                ///Status of a thing.
                #[derive(
                    ::serde::Deserialize,
                    ::serde::Serialize,
                    Clone,
                    Copy,
                    Debug,
                    Eq,
                    Hash,
                    Ord,
                    PartialEq,
                    PartialOrd
                )]
                pub enum Status {
                    #[serde(rename = "on")]
                    On,
                    #[serde(rename = "off_now")]
                    OffNow,
                }
                impl ::std::fmt::Display for Status {
                    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        match *self {
                            Self::On => f.write_str("on"),
                            Self::OffNow => f.write_str("off_now"),
                        }
                    }
                }
                impl ::std::str::FromStr for Status {
                    type Err = self::error::ConversionError;
                    fn from_str(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                        match value {
                            "on" => Ok(Self::On),
                            "off_now" => Ok(Self::OffNow),
                            _ => Err("invalid value".into()),
                        }
                    }
                }
                impl ::std::convert::TryFrom<&str> for Status {
                    type Error = self::error::ConversionError;
                    fn try_from(value: &str) -> ::std::result::Result<Self, self::error::ConversionError> {
                        value.parse()
                    }
                }
            }
        }
    }

    fn unparse(file: &syn::File) -> String {
        prettyplease::unparse(file)
    }

    #[test]
    fn opens_a_typify_string_enum() {
        let mut file = typify_enum();
        let before = unparse(&file);
        assert_eq!(open_string_enums(&mut file), ["Status"]);
        let after = unparse(&file);
        let expected = r#"pub mod types {
    ///Status of a thing.
    ///
    /// Deserialization is tolerant: a value that is not listed here becomes `Unknown` with the
    /// string as sent (and serializes back to it), so a value the vendor adds later does not fail
    /// the whole response. `FromStr` and `TryFrom` stay strict: they accept only the listed
    /// values.
    #[derive(
        ::serde::Deserialize,
        ::serde::Serialize,
        Clone,
        Debug,
        Eq,
        Hash,
        Ord,
        PartialEq,
        PartialOrd
    )]
    pub enum Status {
        #[serde(rename = "on")]
        On,
        #[serde(rename = "off_now")]
        OffNow,
        /// A value that this client does not know: the vendor added it after the spec was written. Serialized back as the same string.
        #[serde(untagged)]
        Unknown(::std::string::String),
    }
    impl ::std::fmt::Display for Status {
        fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
            match self {
                Self::On => f.write_str("on"),
                Self::OffNow => f.write_str("off_now"),
                Self::Unknown(value) => f.write_str(value),
            }
        }
    }
"#;
        assert!(
            after.starts_with(expected),
            "before:\n{before}\nafter:\n{after}"
        );
        // FromStr and TryFrom are untouched: they stay strict.
        let strict =
            |text: &str| text[text.find("impl ::std::str::FromStr").unwrap()..].to_string();
        assert_eq!(strict(&before), strict(&after));
    }

    #[test]
    fn an_enum_without_doc_gets_the_paragraph_first() {
        let mut file = typify_enum();
        let syn::Item::Mod(m) = &mut file.items[0] else {
            unreachable!()
        };
        let syn::Item::Enum(e) = &mut m.content.as_mut().unwrap().1[0] else {
            unreachable!()
        };
        e.attrs.retain(|a| !a.path().is_ident("doc"));
        assert_eq!(open_string_enums(&mut file), ["Status"]);
        let after = unparse(&file);
        assert!(
            after.starts_with("pub mod types {\n    /// Deserialization is tolerant:"),
            "{after}"
        );
    }

    #[test]
    fn opening_twice_changes_nothing_more() {
        let mut file = typify_enum();
        open_string_enums(&mut file);
        let once = unparse(&file);
        assert!(open_string_enums(&mut file).is_empty());
        assert_eq!(unparse(&file), once);
    }

    /// Applies `change` to the typify output; the result must be left exactly as it is.
    fn untouched(change: impl FnOnce(&mut Vec<syn::Item>)) {
        let mut file = typify_enum();
        let syn::Item::Mod(m) = &mut file.items[0] else {
            unreachable!()
        };
        change(&mut m.content.as_mut().unwrap().1);
        let before = file.clone();
        assert!(open_string_enums(&mut file).is_empty());
        assert_eq!(file, before, "{}", unparse(&file));
    }

    fn the_enum(items: &mut [syn::Item]) -> &mut syn::ItemEnum {
        items
            .iter_mut()
            .find_map(|i| match i {
                syn::Item::Enum(e) => Some(e),
                _ => None,
            })
            .unwrap()
    }

    fn the_display(items: &mut [syn::Item]) -> &mut syn::ItemImpl {
        items
            .iter_mut()
            .find_map(|i| match i {
                syn::Item::Impl(imp) if imp.trait_.is_some() => Some(imp),
                _ => None,
            })
            .unwrap()
    }

    #[test]
    fn leaves_other_shapes_untouched() {
        // A variant with data: not a string enum.
        untouched(|items| {
            the_enum(items).variants[0].fields =
                syn::Fields::Unnamed(parse_quote!((::std::string::String)));
        });
        // A variant without its rename.
        untouched(|items| the_enum(items).variants[1].attrs.clear());
        // A rename with something else in the attribute.
        untouched(|items| {
            the_enum(items).variants[0].attrs =
                vec![parse_quote!(#[serde(rename = "on", alias = "ON")])];
        });
        // An enum-level serde attribute (tagging, say).
        untouched(|items| {
            the_enum(items)
                .attrs
                .push(parse_quote!(#[serde(tag = "kind")]));
        });
        // No serde derive.
        untouched(|items| {
            the_enum(items).attrs = vec![parse_quote!(#[derive(Clone, Copy, Debug)])];
        });
        // A variant already called `Unknown`.
        untouched(|items| {
            the_enum(items).variants[1].ident = parse_quote!(Unknown);
            let display = the_display(items);
            let syn::ImplItem::Fn(f) = &mut display.items[0] else {
                unreachable!()
            };
            f.block = parse_quote!({
                match *self {
                    Self::On => f.write_str("on"),
                    Self::Unknown => f.write_str("off_now"),
                }
            });
        });
        // Generics.
        untouched(|items| the_enum(items).generics = parse_quote!(<T>));
        // A Display that is not the expected match.
        untouched(|items| {
            let syn::ImplItem::Fn(f) = &mut the_display(items).items[0] else {
                unreachable!()
            };
            f.block = parse_quote!({ write!(f, "{:?}", self) });
        });
        // A Display arm whose string is not the serde name.
        untouched(|items| {
            let syn::ImplItem::Fn(f) = &mut the_display(items).items[0] else {
                unreachable!()
            };
            f.block = parse_quote!({
                match *self {
                    Self::On => f.write_str("ON"),
                    Self::OffNow => f.write_str("off_now"),
                }
            });
        });
        // A Display with a wildcard arm.
        untouched(|items| {
            let syn::ImplItem::Fn(f) = &mut the_display(items).items[0] else {
                unreachable!()
            };
            f.block = parse_quote!({
                match *self {
                    Self::On => f.write_str("on"),
                    _ => f.write_str("off_now"),
                }
            });
        });
        // No Display at all.
        untouched(|items| {
            items.retain(|i| {
                !matches!(i, syn::Item::Impl(imp)
                    if imp.trait_.as_ref().is_some_and(|(_, p, _)| last_is(p, "Display")))
            })
        });
        // Another impl, which could rely on `Copy` or on the enum being closed.
        untouched(|items| {
            items.push(parse_quote! {
                impl Status {
                    pub fn is_on(self) -> bool {
                        match self {
                            Self::On => true,
                            Self::OffNow => false,
                        }
                    }
                }
            });
        });
    }

    #[test]
    fn only_mod_types_is_looked_at() {
        let mut file = typify_enum();
        let syn::Item::Mod(m) = &mut file.items[0] else {
            unreachable!()
        };
        m.ident = parse_quote!(other);
        let before = file.clone();
        assert!(open_string_enums(&mut file).is_empty());
        assert_eq!(file, before);
    }
}
