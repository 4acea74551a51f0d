//! Query parameters whose names carry a comparison operator (`DateSent<`, `DateSent>`, beside
//! `DateSent`). progenitor names a setter and a builder field after the parameter with the
//! punctuation dropped, so the three would be one `date_sent` three times, and the crate would
//! not compile. The tolerant copy given to progenitor spells the operators out
//! (`DateSent<` → `DateSent_lt`, a setter `date_sent_lt`), and the query pairs of the
//! generated code are then given back their names on the wire (`QueryParam::new("DateSent<",
//! …)`). Names that still collide are an error naming both parameters.

use std::collections::BTreeMap;

use serde_json::Value;
use specs::{Location, Spec};

use crate::output::module_mut;
use crate::CodegenError;

/// The operators spelled out, longest first.
const OPERATORS: &[(&str, &str)] = &[
    ("<=", "_lte"),
    (">=", "_gte"),
    ("!=", "_ne"),
    ("<", "_lt"),
    (">", "_gt"),
    ("=", "_eq"),
];

/// `name` with its comparison operators spelled out; itself when it has none.
pub(crate) fn spelled(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut rest = name;
    'outer: while !rest.is_empty() {
        for (op, word) in OPERATORS {
            if let Some(after) = rest.strip_prefix(op) {
                out.push_str(word);
                rest = after;
                continue 'outer;
            }
        }
        let mut chars = rest.chars();
        out.extend(chars.next());
        rest = chars.as_str();
    }
    out
}

/// The query parameters whose names carry an operator, by their spelled name: the names the
/// generated code must send.
fn renamed(spec: &Spec) -> BTreeMap<String, String> {
    spec.operations
        .iter()
        .flat_map(|op| op.parameters_in(Location::Query))
        .filter(|p| spelled(&p.name) != p.name)
        .map(|p| (spelled(&p.name), p.name.clone()))
        .collect()
}

/// Refuses an operation two of whose parameters progenitor would name alike, even with the
/// operators spelled out.
pub(crate) fn check_collisions(spec: &Spec) -> Result<(), CodegenError> {
    for op in &spec.operations {
        let mut seen: BTreeMap<String, &specs::Parameter> = BTreeMap::new();
        for p in &op.parameters {
            let rust = crate::output::snake(&p.name);
            if let Some(other) = seen.insert(rust.clone(), p) {
                return Err(CodegenError::new(
                    &spec.file,
                    &p.pointer,
                    format!(
                        "the parameters `{}` ({}) and `{}` would both be the setter `{rust}` of \
                         the client; rename one",
                        other.name, other.pointer, p.name
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Spells out the operators of the query parameters of `raw`, the tolerant copy.
pub(crate) fn spell_out(spec: &Spec, raw: &mut Value) {
    for op in &spec.operations {
        for p in op.parameters_in(Location::Query) {
            let name = spelled(&p.name);
            if name == p.name {
                continue;
            }
            if let Some(node) = raw.pointer_mut(&p.pointer).and_then(Value::as_object_mut) {
                node.insert("name".to_string(), Value::String(name));
            }
        }
    }
}

/// Gives the query pairs of the generated builders their names on the wire back.
pub(crate) fn restore_wire_names(spec: &Spec, file: &mut syn::File) -> Result<(), CodegenError> {
    let names = renamed(spec);
    if names.is_empty() {
        return Ok(());
    }
    let Some(items) = module_mut(file, "builder") else {
        return Err(crate::output::missing(spec, "", "`mod builder`"));
    };
    let mut restore = Restore {
        names: &names,
        restored: Vec::new(),
    };
    for item in items.iter_mut() {
        syn::visit_mut::VisitMut::visit_item_mut(&mut restore, item);
    }
    if let Some((spelled, wire)) = names.iter().find(|(s, _)| !restore.restored.contains(s)) {
        return Err(CodegenError::new(
            &spec.file,
            "",
            format!(
                "progenitor passes the query parameter `{wire}` (given to it as `{spelled}`) \
                 otherwise than `QueryParam::new(\"{spelled}\", &value)`; the rewrite of \
                 parameter names needs updating for this progenitor version"
            ),
        ));
    }
    Ok(())
}

struct Restore<'a> {
    names: &'a BTreeMap<String, String>,
    restored: Vec<String>,
}

impl syn::visit_mut::VisitMut for Restore<'_> {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        syn::visit_mut::visit_expr_call_mut(self, call);
        let syn::Expr::Path(func) = call.func.as_ref() else {
            return;
        };
        let last: Vec<String> = func
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        if !last.ends_with(&["QueryParam".to_string(), "new".to_string()]) {
            return;
        }
        let Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(name),
            ..
        })) = call.args.first_mut()
        else {
            return;
        };
        if let Some(wire) = self.names.get(&name.value()) {
            self.restored.push(name.value());
            *name = syn::LitStr::new(wire, name.span());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::spelled;

    #[test]
    fn operators_are_spelled_out_and_other_names_kept() {
        assert_eq!(spelled("DateSent<"), "DateSent_lt");
        assert_eq!(spelled("DateSent>"), "DateSent_gt");
        assert_eq!(spelled("created<=x>=y"), "created_ltex_gtey");
        assert_eq!(spelled("a!=b"), "a_neb");
        assert_eq!(spelled("DateSent"), "DateSent");
        assert_eq!(spelled("per_page"), "per_page");
        assert_eq!(spelled("ключ"), "ключ");
    }
}
