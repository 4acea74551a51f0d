//! Facts: what a page says and what a spec says, in one vocabulary, so that they can be compared.
//!
//! A fact is small and checkable: a parameter name, an enum value, a default, a bound, a field
//! name, a status code. Page facts are read from the normalized text by patterns that fit how
//! API reference pages are laid out (a name on one line and its type on the next; "Available
//! options:" lists; "default 25", "Maximum is 50", "1 <= x <= 100"; "(401)", "200 -
//! application/json"). They are heuristics: the report says where to look, a person decides.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

/// One thing a page or a spec states.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fact {
    /// A request parameter exists.
    Parameter(String),
    /// A parameter accepts this enum value.
    EnumValue { param: String, value: String },
    /// A parameter's default.
    Default { param: String, value: String },
    /// A parameter's minimum.
    Minimum { param: String, value: i64 },
    /// A parameter's maximum.
    Maximum { param: String, value: i64 },
    /// A response field (property name, at any depth).
    Field(String),
    /// A documented response status.
    Status(u16),
}

impl fmt::Display for Fact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fact::Parameter(p) => write!(f, "parameter {p}"),
            Fact::EnumValue { param, value } => write!(f, "{param} enum value {value}"),
            Fact::Default { param, value } => write!(f, "{param} default {value}"),
            Fact::Minimum { param, value } => write!(f, "{param} minimum {value}"),
            Fact::Maximum { param, value } => write!(f, "{param} maximum {value}"),
            Fact::Field(name) => write!(f, "field {name}"),
            Fact::Status(code) => write!(f, "status code {code}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Facts of a page.

/// First words of a line that gives a type (`integer`, `enum<string>`, `object[]`, ...).
const TYPE_WORDS: &[&str] = &[
    "string",
    "integer",
    "int",
    "int32",
    "int64",
    "number",
    "float",
    "double",
    "boolean",
    "bool",
    "object",
    "array",
    "enum",
    "file",
    "date",
    "datetime",
    "date-time",
    "uuid",
    "null",
];

/// Words of a table header or a parameter block that are never names or headings.
const TABLE_WORDS: &[&str] = &[
    "parameter",
    "parameters",
    "name",
    "type",
    "required",
    "optional",
    "description",
    "default",
    "field",
    "fields",
    "value",
    "values",
    "yes",
    "no",
    "header",
    "query",
    "path",
    "body",
];

/// Headings that end a parameter list, in lower case.
const SECTION_HEADINGS: &[&str] = &[
    "response",
    "responses",
    "response body",
    "response fields",
    "response schema",
    "returns",
    "authorizations",
    "authorization",
    "authentication",
    "headers",
    "errors",
    "error responses",
    "example",
    "examples",
    "example request",
    "example response",
    "pagination",
    "pagination notes",
    "access rules",
    "caching",
    "caching behavior",
    "rate limits",
    "request body",
    "notes",
    "endpoint",
    "documentation index",
];

/// Words that introduce a list of enum values.
const OPTION_INTROS: &[&str] = &[
    "available options:",
    "allowed values:",
    "possible values:",
    "accepted values:",
    "enum:",
    "one of:",
    "options:",
];

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A parameter or field name: a lower-case identifier that is not a type or table word.
fn is_name(s: &str) -> bool {
    is_ident(s) && !TYPE_WORDS.contains(&s) && !TABLE_WORDS.contains(&s)
}

/// A line that states a type: short, and its first word is a type word.
fn is_type_line(line: &str) -> bool {
    if line.split_whitespace().count() > 3 {
        return false;
    }
    let first: String = line
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect::<String>()
        .to_ascii_lowercase();
    TYPE_WORDS.contains(&first.as_str())
}

fn is_params_heading(line: &str) -> bool {
    let lower = line.to_lowercase();
    lower.split_whitespace().count() <= 3
        && (lower.ends_with("parameters") || lower.ends_with("params"))
}

/// A heading that ends a parameter list: a known one, a response status line, or a short
/// Title Case line ("Access Rules", "Project Domain Object").
fn is_section_heading(line: &str) -> bool {
    let lower = line.to_lowercase();
    if SECTION_HEADINGS.contains(&lower.as_str()) || status_line(line).is_some() {
        return true;
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.is_empty() || words.len() > 4 || line.ends_with(['.', ':', ',', ';']) {
        return false;
    }
    if TABLE_WORDS.contains(&words[0].to_lowercase().as_str()) || is_type_line(line) {
        return false;
    }
    let small = ["of", "and", "the", "a", "an", "to", "for", "in", "on", "by"];
    words.iter().enumerate().all(|(i, w)| {
        w.chars().next().is_some_and(|c| c.is_uppercase()) || (i > 0 && small.contains(w))
    })
}

/// The name of an entry that starts at line `i`: `name` followed by its type on the next line
/// (or after a `required` line), or `name (type …)` / `name: type` on one line.
fn entry_name(lines: &[&str], i: usize) -> Option<String> {
    let line = lines[i];
    if is_name(line) {
        let next = lines.get(i + 1).copied().unwrap_or("");
        let after = lines.get(i + 2).copied().unwrap_or("");
        let flag = matches!(next.to_lowercase().as_str(), "required" | "optional");
        if is_type_line(next) || (flag && is_type_line(after)) {
            return Some(line.to_string());
        }
        return None;
    }
    let name: String = line
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    if !is_name(&name) {
        return None;
    }
    let rest = line[name.len()..].trim_start();
    let rest = rest
        .strip_prefix('(')
        .or_else(|| rest.strip_prefix(':'))
        .or_else(|| rest.strip_prefix('—'))
        .or_else(|| rest.strip_prefix('–'))?;
    let typ: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    TYPE_WORDS
        .contains(&typ.to_ascii_lowercase().as_str())
        .then_some(name)
}

/// `200 - application/json`, `429: Too Many Requests`, `404 Not Found`: a line that starts
/// with a status code followed by words.
fn status_line(line: &str) -> Option<u16> {
    let code: String = line.chars().take(3).collect();
    if code.len() != 3 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let rest = &line[3..];
    let rest = rest.trim_start_matches([' ', '-', '–', ':']);
    if rest.len() == line.len() - 3 || !rest.starts_with(|c: char| c.is_alphabetic()) {
        return None;
    }
    status_code(&code)
}

fn status_code(s: &str) -> Option<u16> {
    let code: u16 = s.parse().ok()?;
    (100..=599).contains(&code).then_some(code)
}

/// Status codes mentioned in a line: `(401)`, `HTTP 429`, `status code 404`, or a status line.
fn statuses(line: &str, facts: &mut BTreeSet<Fact>) {
    if let Some(code) = status_line(line) {
        facts.insert(Fact::Status(code));
    }
    let bytes = line.as_bytes();
    for (i, _) in line.match_indices('(') {
        if bytes.len() >= i + 5 && bytes[i + 4] == b')' {
            if let Some(code) = line
                .get(i + 1..i + 4)
                .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
                .and_then(status_code)
            {
                facts.insert(Fact::Status(code));
            }
        }
    }
    let lower = line.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    for pair in words.windows(2) {
        if matches!(pair[0], "http" | "status" | "code" | "error") {
            let token = pair[1].trim_end_matches(['.', ',', ';', ')', ':']);
            if token.len() == 3 {
                if let Some(code) = status_code(token) {
                    facts.insert(Fact::Status(code));
                }
            }
        }
    }
}

/// Field names shown elsewhere than in a typed list: JSON example keys (`"user_id": …`) and
/// envelope descriptions (`data.next_cursor → cursor token …`).
fn example_fields(line: &str, facts: &mut BTreeSet<Fact>) {
    if let Some(rest) = line.strip_prefix('"') {
        if let Some(end) = rest.find('"') {
            let key = &rest[..end];
            if rest[end + 1..].trim_start().starts_with(':') && is_ident(key) {
                facts.insert(Fact::Field(key.to_string()));
            }
        }
    }
    for arrow in ["→", "->"] {
        if let Some((path, _)) = line.split_once(arrow) {
            let path = path.trim();
            let segments: Vec<&str> = path.split('.').collect();
            if segments.iter().all(|s| is_ident(s)) {
                for s in segments {
                    facts.insert(Fact::Field(s.to_string()));
                }
            }
        }
    }
}

/// The integer at the start of `s` (after `is`, `:`, `=`, `of`), if any.
fn leading_int(s: &str) -> Option<i64> {
    let mut s = s.trim_start();
    for filler in ["is ", "of ", ":", "=", "value is "] {
        if let Some(rest) = s.strip_prefix(filler) {
            s = rest.trim_start();
        }
    }
    let digits: String = s
        .chars()
        .enumerate()
        .take_while(|(i, c)| c.is_ascii_digit() || (*i == 0 && *c == '-'))
        .map(|(_, c)| c)
        .collect();
    if s[digits.len()..].starts_with(|c: char| c.is_alphabetic()) {
        return None;
    }
    digits.parse().ok()
}

/// Offsets just after each whole-word occurrence of `word` (lower case) in `lower`.
fn word_ends<'a>(lower: &'a str, word: &'a str) -> impl Iterator<Item = usize> + 'a {
    lower.match_indices(word).filter_map(move |(i, _)| {
        let before = lower[..i].chars().next_back();
        let after = lower[i + word.len()..].chars().next();
        let bounded = !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphabetic() || c == '_');
        bounded.then_some(i + word.len())
    })
}

/// Defaults and bounds of parameter `param` stated in one line of its description.
fn defaults_and_limits(line: &str, param: &str, facts: &mut BTreeSet<Fact>) {
    let lower = line.to_lowercase();
    if lower.len() != line.len() {
        // Lower-casing changed byte offsets (non-ASCII letters): skip rather than misread.
        return;
    }
    for end in word_ends(&lower, "default").chain(word_ends(&lower, "defaults")) {
        let rest = line[end..].trim_start();
        let rest = ["is ", "to ", ":", "="]
            .iter()
            .find_map(|p| rest.strip_prefix(p))
            .unwrap_or(rest)
            .trim_start();
        let value: String = rest
            .chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ';' | ')' | '('))
            .collect();
        let value = value.trim_end_matches('.');
        if !value.is_empty() {
            facts.insert(Fact::Default {
                param: param.to_string(),
                value: value.to_string(),
            });
        }
    }
    let bound = |words: &[&str], facts: &mut BTreeSet<Fact>, max: bool| {
        for word in words {
            for end in word_ends(&lower, word) {
                if let Some(value) = leading_int(&line[end..]) {
                    facts.insert(limit(param, value, max));
                }
            }
        }
    };
    bound(
        &["max", "maximum", "at most", "up to", "no more than"],
        facts,
        true,
    );
    bound(
        &["min", "minimum", "at least", "no less than"],
        facts,
        false,
    );
    // `1 <= x <= 100`, `x >= 1`, `≤`, `≥`.
    let tokens: Vec<&str> = line
        .split_whitespace()
        .map(|t| t.trim_end_matches([',', '.', ';', ')']))
        .collect();
    for (j, op) in tokens.iter().enumerate() {
        let (Some(left), Some(right)) = (j.checked_sub(1).map(|l| tokens[l]), tokens.get(j + 1))
        else {
            continue;
        };
        let (l, r) = (left.parse::<i64>().ok(), right.parse::<i64>().ok());
        let upper = match *op {
            "<=" | "≤" => true,
            ">=" | "≥" => false,
            _ => continue,
        };
        match (l, r) {
            (Some(v), None) => facts.insert(limit(param, v, !upper)),
            (None, Some(v)) => facts.insert(limit(param, v, upper)),
            _ => false,
        };
    }
    // `between 1 and 100`.
    for end in word_ends(&lower, "between") {
        let rest = &line[end..];
        if let Some((a, b)) = rest.split_once(" and ") {
            if let (Some(a), Some(b)) = (leading_int(a), leading_int(b)) {
                facts.insert(limit(param, a, false));
                facts.insert(limit(param, b, true));
            }
        }
    }
}

fn limit(param: &str, value: i64, max: bool) -> Fact {
    let param = param.to_string();
    if max {
        Fact::Maximum { param, value }
    } else {
        Fact::Minimum { param, value }
    }
}

fn option_value(s: &str) -> Option<&str> {
    let v = s.trim().trim_end_matches(',').trim();
    let ok = !v.is_empty()
        && !v.contains(' ')
        && v.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    ok.then_some(v)
}

/// Everything the normalized text of a page states, as facts.
pub fn page_facts(text: &str) -> BTreeSet<Fact> {
    let lines: Vec<&str> = text.lines().collect();
    let mut facts = BTreeSet::new();
    let mut in_params = false;
    let mut current: Option<String> = None;
    let mut options_open = false;
    for (i, line) in lines.iter().copied().enumerate() {
        statuses(line, &mut facts);
        example_fields(line, &mut facts);
        if is_params_heading(line) {
            in_params = true;
            current = None;
            options_open = false;
            continue;
        }
        if is_section_heading(line) {
            in_params = false;
            current = None;
            options_open = false;
            continue;
        }
        if let Some(name) = entry_name(&lines, i) {
            options_open = false;
            if in_params {
                facts.insert(Fact::Parameter(name.clone()));
                // `per_page (integer): default 25, max 100` states its facts on the same line.
                defaults_and_limits(line, &name, &mut facts);
                current = Some(name);
            } else {
                facts.insert(Fact::Field(name));
                current = None;
            }
            continue;
        }
        let Some(param) = current.as_deref() else {
            continue;
        };
        let lower = line.to_lowercase();
        if let Some(intro) = OPTION_INTROS.iter().find(|p| lower.starts_with(*p)) {
            let rest = line[intro.len()..].trim();
            options_open = rest.is_empty() || rest.ends_with(',');
            for value in rest.split(',').filter_map(option_value) {
                facts.insert(Fact::EnumValue {
                    param: param.to_string(),
                    value: value.to_string(),
                });
            }
            continue;
        }
        if options_open {
            if let Some(value) = option_value(line) {
                facts.insert(Fact::EnumValue {
                    param: param.to_string(),
                    value: value.to_string(),
                });
                // The last value of the list is the one without a trailing comma.
                options_open = line.trim_end().ends_with(',');
                continue;
            }
            options_open = false;
        }
        defaults_and_limits(line, param, &mut facts);
    }
    facts
}

// ---------------------------------------------------------------------------------------------
// Facts of a spec.

/// The facts of a spec, each with the place in the spec that states it.
pub struct SpecFacts {
    /// Fact → where the spec states it, e.g. `paths./domains.get.parameters[status].schema.enum`.
    pub facts: BTreeMap<Fact, String>,
    /// `paths.<path>.<method>` of the operations the page documents, for hints about new facts.
    operations: Vec<String>,
    /// Parameter name → its schema's location (and `$ref` target), for hints about new enum
    /// values and bounds.
    params: BTreeMap<String, (String, Option<String>)>,
}

impl SpecFacts {
    /// Reads the facts of `spec`, restricted to one operation when `operation` is given.
    pub fn new(spec: &specs::Spec, operation: Option<&str>) -> anyhow::Result<SpecFacts> {
        let ops: Vec<&specs::Operation> = match operation {
            Some(id) => vec![spec
                .operation(id)
                .ok_or_else(|| anyhow::anyhow!("{} has no operation `{id}`", spec.file))?],
            None => spec.operations.iter().collect(),
        };
        let mut facts = BTreeMap::new();
        let mut operations = Vec::new();
        let mut params = BTreeMap::new();
        for op in ops {
            let prefix = format!("paths.{}.{}", op.path, op.method.key());
            for p in &op.parameters {
                let at = format!("{prefix}.parameters[{}]", p.name);
                // Follow a `$ref` so the hint names the place to edit.
                let reference = schema_ref(spec, p);
                let schema_at = format!("{at}.schema");
                let place = |key: &str| match &reference {
                    Some(r) => format!("{schema_at}.{key} = {r}.{key}"),
                    None => format!("{schema_at}.{key}"),
                };
                facts.insert(Fact::Parameter(p.name.clone()), at.clone());
                for value in p.enum_values().unwrap_or_default() {
                    let param = p.name.clone();
                    facts.insert(Fact::EnumValue { param, value }, place("enum"));
                }
                if let Some(value) = p.default() {
                    let value = match value {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    let param = p.name.clone();
                    facts.insert(Fact::Default { param, value }, place("default"));
                }
                if let Some(value) = p.minimum() {
                    let param = p.name.clone();
                    facts.insert(Fact::Minimum { param, value }, place("minimum"));
                }
                if let Some(value) = p.maximum() {
                    let param = p.name.clone();
                    facts.insert(Fact::Maximum { param, value }, place("maximum"));
                }
                params.insert(p.name.clone(), (schema_at.clone(), reference.clone()));
            }
            for response in &op.responses {
                if let specs::StatusKey::Code(code) = response.key {
                    facts.insert(Fact::Status(code), format!("{prefix}.responses.{code}"));
                }
            }
            operations.push(prefix);
        }
        let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
        if let Some(schemas) = spec
            .raw
            .pointer("/components/schemas")
            .and_then(Value::as_object)
        {
            for (name, schema) in schemas {
                collect_properties(schema, &format!("components.schemas.{name}"), &mut fields);
            }
        }
        for (field, places) in fields {
            let mut hint = places
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if places.len() > 3 {
                hint.push_str(&format!(" (+{} more)", places.len() - 3));
            }
            facts.insert(Fact::Field(field), hint);
        }
        Ok(SpecFacts {
            facts,
            operations,
            params,
        })
    }

    /// Where to look in the spec for a fact that the page states and the spec does not.
    pub fn hint_for_new(&self, fact: &Fact) -> String {
        let op = self.operations.join(", ");
        let param_place = |param: &str, key: &str| match self.params.get(param) {
            Some((at, Some(r))) => format!("{at}.{key} = {r}.{key}"),
            Some((at, None)) => format!("{at}.{key}"),
            None => format!("{op}.parameters (no parameter {param} yet)"),
        };
        match fact {
            Fact::Parameter(p) => format!("{op}.parameters (no parameter {p} yet)"),
            Fact::EnumValue { param, .. } => {
                let same_param = self.facts.iter().find_map(|(f, at)| match f {
                    Fact::EnumValue { param: p, .. } if p == param => Some(at.clone()),
                    _ => None,
                });
                same_param.unwrap_or_else(|| param_place(param, "enum"))
            }
            Fact::Default { param, .. } => param_place(param, "default"),
            Fact::Minimum { param, .. } => param_place(param, "minimum"),
            Fact::Maximum { param, .. } => param_place(param, "maximum"),
            Fact::Field(f) => format!("components.schemas (no property {f} yet)"),
            Fact::Status(code) => format!("{op}.responses (no \"{code}\" yet)"),
        }
    }
}

/// `components.schemas.X` when the parameter's schema is a `$ref`.
fn schema_ref(spec: &specs::Spec, p: &specs::Parameter) -> Option<String> {
    let r = spec
        .raw
        .pointer(&format!("{}/schema/$ref", p.pointer))?
        .as_str()?;
    Some(r.trim_start_matches("#/").replace('/', "."))
}

fn collect_properties(schema: &Value, at: &str, out: &mut BTreeMap<String, Vec<String>>) {
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (name, sub) in props {
            let place = format!("{at}.properties.{name}");
            out.entry(name.clone()).or_default().push(place.clone());
            collect_properties(sub, &place, out);
        }
    }
    if let Some(items) = schema.get("items") {
        collect_properties(items, &format!("{at}.items"), out);
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(list) = schema.get(key).and_then(Value::as_array) {
            for (i, sub) in list.iter().enumerate() {
                collect_properties(sub, &format!("{at}.{key}[{i}]"), out);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Comparison.

/// A fact that differs between the page and the spec, with where to look in the spec.
pub struct Finding {
    /// `true`: the page states it and the spec does not. `false`: the spec states it and the
    /// page no longer does.
    pub new: bool,
    pub fact: Fact,
    pub hint: String,
}

/// Compares the facts of the current page with the spec.
///
/// With the snapshot the spec was reconciled against (`baseline`), only what changed on the
/// page since then is reported: NEW = on the page now, not in the spec, not on the page then;
/// GONE = in the spec and on the page then, not on the page now. Facts the page never stated
/// (readings the spec takes where the page is silent) and statements the spec deliberately
/// leaves out are thus not repeated on every change. Once the spec is edited to match, the
/// finding disappears, so the list shrinks to nothing as the spec catches up.
///
/// Without a baseline the comparison is plain set difference with the spec.
pub fn compare(
    page: &BTreeSet<Fact>,
    baseline: Option<&BTreeSet<Fact>>,
    spec: &SpecFacts,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for fact in page {
        let known = spec.facts.contains_key(fact) || baseline.is_some_and(|b| b.contains(fact));
        if !known {
            findings.push(Finding {
                new: true,
                fact: fact.clone(),
                hint: spec.hint_for_new(fact),
            });
        }
    }
    for (fact, hint) in &spec.facts {
        let stated_before = baseline.is_none_or(|b| b.contains(fact));
        if stated_before && !page.contains(fact) {
            findings.push(Finding {
                new: false,
                fact: fact.clone(),
                hint: hint.clone(),
            });
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    fn names(facts: &BTreeSet<Fact>) -> Vec<String> {
        facts.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn peeker_page_facts() {
        let text = normalize(
            include_str!("../../specs/sources/peeker-list-domains.txt"),
            false,
        )
        .unwrap();
        let facts = names(&page_facts(&text));
        for expected in [
            "parameter category",
            "parameter user_email",
            "parameter page_token",
            "status enum value action_required",
            "category enum value connected",
            "usable_for enum value microsoft",
            "per_page default 25",
            "per_page maximum 100",
            "per_page minimum 1",
            "field forwarding_url",
            "field returned",
            "status code 200",
        ] {
            assert!(
                facts.contains(&expected.to_string()),
                "{expected} not in {facts:#?}"
            );
        }
        assert!(!facts.iter().any(|f| f.contains("Bearer")), "{facts:#?}");
        assert!(!facts.contains(&"parameter data".to_string()), "{facts:#?}");
    }

    #[test]
    fn devpayr_page_facts() {
        let text = normalize(
            include_str!("../../specs/sources/devpayr-list-project-domains.txt"),
            false,
        )
        .unwrap();
        let facts = names(&page_facts(&text));
        let params: Vec<&String> = facts
            .iter()
            .filter(|f| f.starts_with("parameter"))
            .collect();
        assert_eq!(
            params,
            [
                "parameter cursor",
                "parameter per_page",
                "parameter project"
            ]
        );
        for expected in [
            "per_page default 50",
            "per_page maximum 50",
            "field has_paid",
            "field next_cursor",
            "status code 401",
            "status code 403",
            "status code 404",
            "status code 429",
            "status code 200",
        ] {
            assert!(
                facts.contains(&expected.to_string()),
                "{expected} not in {facts:#?}"
            );
        }
    }

    #[test]
    fn markdown_html_and_inline_layouts_give_the_same_facts() {
        let markdown = "## Query Parameters\n\n| Parameter | Type | Required | Description |\n\
            |---|---|---|---|\n\
            | `per_page` | integer | No | Number of domains per request. Default is 50. Maximum is 50. |\n\
            | `cursor` | string | No | Cursor token (from `next_cursor`). |\n\n## Errors\n\n\
            Rate Limited (429)\n";
        let html = "<main><h2>Query Parameters</h2><table><tr><th>Parameter</th><th>Type</th></tr>\
            <tr><td><code>per_page</code></td><td>integer</td><td>No</td>\
            <td>Number of domains per request. Default is 50. Maximum is 50.</td></tr>\
            <tr><td><code>cursor</code></td><td>string</td><td>No</td><td>Cursor token.</td></tr>\
            </table><h2>Errors</h2><p>Rate Limited (429)</p></main>";
        let inline = "Query parameters\n- per_page (integer, optional): default 50, at most 50.\n\
            - cursor (string): Cursor token.\nErrors\nHTTP 429 when rate limited.\n";
        let expected = [
            "parameter cursor",
            "parameter per_page",
            "per_page default 50",
            "per_page maximum 50",
            "status code 429",
        ];
        for page in [markdown, html, inline] {
            let facts = names(&page_facts(&normalize(page, false).unwrap()));
            assert_eq!(facts, expected, "{page}");
        }
    }

    #[test]
    fn the_snapshots_agree_with_the_specs() {
        for (vendor, text) in [
            (
                "peeker",
                include_str!("../../specs/sources/peeker-list-domains.txt"),
            ),
            (
                "devpayr",
                include_str!("../../specs/sources/devpayr-list-project-domains.txt"),
            ),
        ] {
            let spec = specs::load(vendor)
                .expect("embedded")
                .expect("embedded spec");
            let spec_facts = SpecFacts::new(&spec, None).expect("facts");
            let page = page_facts(&normalize(text, false).unwrap());
            let new: Vec<String> = compare(&page, None, &spec_facts)
                .into_iter()
                .filter(|f| f.new)
                .map(|f| f.fact.to_string())
                .collect();
            assert!(
                new.is_empty(),
                "{vendor}: the page states facts the spec lacks: {new:#?}"
            );
        }
    }
}
