//! The subcommand of one API, built from its spec, and the target its arguments describe.
//!
//! The flags come from every paginated operation of the spec: the credential flags and their
//! environment variables from the security scheme (`--token`, `--api-key`, or `--username` and
//! `--password`; the viewer's `--viewer-…`), `--path [OPERATION:]NAME=VALUE` (and
//! `--NAME VALUE`) for the path parameters of any of them, `--forbidden` / `--missing` for the
//! `x-access` parameters, `--PARAM` for the known values of owner filters, and `--operation`
//! to narrow the run.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::Context;
use clap::{Arg, ArgAction, ArgMatches, Command};
use conformance::{Options, Secret, Target};
use heck::ToKebabCase;
use specs::{Location, Match, OperationId, Spec, SpecError};

use conformance::settings::ApiSettings;

/// The arguments whose clap id carries a parameter's name: one home for those ids.
#[derive(Clone, Copy)]
enum Named {
    /// `--NAME VALUE`, the path value walked.
    Path,
    /// `--forbidden-NAME VALUE`.
    Forbidden,
    /// `--missing-NAME VALUE`.
    Missing,
    /// `--PARAM VALUE`, a known owner.
    Owner,
    /// `--viewer-PART VALUE`, a part of the viewer's credential.
    Viewer,
}

impl Named {
    fn id(self, name: &str) -> String {
        let kind = match self {
            Named::Path => "path",
            Named::Forbidden => "forbidden",
            Named::Missing => "missing",
            Named::Owner => "owner",
            Named::Viewer => "viewer",
        };
        format!("{kind}:{name}")
    }
}

/// The ids of the arguments with fixed names.
mod id {
    pub const BASE_URL: &str = "base-url";
    pub const CREDENTIAL: &str = "credential";
    /// The user name of HTTP Basic credentials (`--username`).
    pub const USERNAME: &str = "username";
    pub const ALLOW_LIVE: &str = "allow-live";
    pub const OPERATION: &str = "operation";
    pub const PATH: &str = "path";
    pub const FORBIDDEN: &str = "forbidden";
    pub const MISSING: &str = "missing";
}

/// What a spec asks of its command line: the flags its paginated operations need.
#[derive(Debug, Default)]
pub struct SpecFlags {
    /// Each paginated operation with its path parameters.
    pub operations: Vec<(OperationId, Vec<String>)>,
    /// Every path parameter of any of them, each once, in the spec's order.
    pub paths: Vec<String>,
    /// The path parameters credentials are scoped to (`x-access`), each once.
    pub access: Vec<String>,
    /// The owner filters of any of them: (parameter, flag), each once.
    pub owners: Vec<(String, String)>,
}

impl SpecFlags {
    pub fn of(spec: &Spec) -> SpecFlags {
        let mut flags = SpecFlags::default();
        let push = |list: &mut Vec<String>, name: &str| {
            if !list.iter().any(|n| n == name) {
                list.push(name.to_string());
            }
        };
        for op in spec.paginated_operations() {
            let names: Vec<String> = op
                .parameters_in(Location::Path)
                .map(|p| p.name.clone())
                .collect();
            for name in &names {
                push(&mut flags.paths, name);
            }
            flags.operations.push((op.operation_id.clone(), names));
            if let Some(access) = &op.access {
                push(&mut flags.access, &access.path_param);
            }
            for f in op.filters.iter().filter(|f| f.matching == Match::Owner) {
                if !flags.owners.iter().any(|(p, _)| *p == f.param) {
                    flags
                        .owners
                        .push((f.param.clone(), f.param.to_kebab_case()));
                }
            }
        }
        flags
    }

    fn operation_ids(&self) -> Vec<&str> {
        self.operations.iter().map(|(id, _)| id.as_str()).collect()
    }

    fn path_params_of(&self, operation: &str) -> Option<&[String]> {
        self.operations
            .iter()
            .find(|(id, _)| id == operation)
            .map(|(_, names)| names.as_slice())
    }
}

/// The subcommand of one API, built from its spec.
pub fn server_command(spec: &Spec, guards: &str) -> Command {
    let title = spec.openapi.info.title.clone();
    let server = spec.server_url().unwrap_or("https://api.example.com");
    let example = format!("http://127.0.0.1:8080{}", spec.server_path());
    let flags = SpecFlags::of(spec);
    let mut needs: Vec<String> = Vec::new();
    let mut cmd = Command::new(spec.name.clone())
        .about(format!(
            "Check a server of the {title} against specs/{}.yaml",
            spec.name
        ))
        .arg(
            Arg::new(id::BASE_URL)
                .long("base-url")
                .value_name("URL")
                .help(format!(
                    "The spec's server URL ({server}) on that server, e.g. {example} (required, \
                     here or as base-url in the settings file)"
                )),
        )
        .arg(
            Arg::new(id::OPERATION)
                .long("operation")
                .value_name("ID")
                .action(ArgAction::Append)
                .help(format!(
                    "Check only this operation: its operationId, a glob over them (`list*`) or \
                     `GET /path` (repeatable). Without it every paginated operation is checked: {}",
                    flags.operation_ids().join(", ")
                )),
        );
    if let Some(security) = spec.security() {
        cmd = credential_args(cmd, spec, security, &mut needs);
        if let Some(prefix) = &security.live_prefix {
            cmd = cmd.arg(
                Arg::new(id::ALLOW_LIVE)
                    .long("allow-live")
                    .action(ArgAction::SetTrue)
                    .help(format!(
                        "Allow a live key ({prefix}…): the checks send hundreds of requests, some malformed"
                    )),
            );
        }
    }
    cmd = path_args(cmd, &flags, &mut needs);
    cmd = access_args(cmd, &flags);
    for (param, flag) in &flags.owners {
        cmd = cmd.arg(
            Arg::new(Named::Owner.id(param))
                .long(flag.clone())
                .value_name("VALUE")
                .action(ArgAction::Append)
                .help(format!(
                    "A known value of the owner filter `{param}` (repeatable). The response never shows it, so without one the filter is checked only with a value that must select nothing"
                )),
        );
    }
    let needs = if needs.is_empty() {
        "nothing but --base-url".to_string()
    } else {
        needs.join("; ")
    };
    cmd.after_help(format!("This API needs: --base-url; {needs}.\n\n{guards}"))
}

/// The flags of the credential (`--token`, `--api-key`, or `--username` and `--password`),
/// each with its environment variable, and of the viewer's (`--viewer-…`, optional).
fn credential_args(
    mut cmd: Command,
    spec: &Spec,
    security: &specs::Security,
    needs: &mut Vec<String>,
) -> Command {
    let parts = security.credential_parts();
    let sent = match security.header_name() {
        Some(h) => format!("sent in the {h} header"),
        None => "sent in the query".to_string(),
    };
    let value_name = |noun: &str| noun.to_ascii_uppercase().replace('-', "_");
    let mut given = Vec::new();
    for part in parts {
        let id = match *part == security.credential_noun() {
            true => id::CREDENTIAL,
            false => id::USERNAME,
        };
        let env = spec.env_var(part);
        let what = match parts.len() {
            1 => format!("The credential ({sent})"),
            _ => format!("The {part} of the credential ({sent}, with the other)"),
        };
        cmd = cmd.arg(
            Arg::new(id)
                .long(*part)
                .value_name(value_name(part))
                .env(env.clone())
                .hide_env_values(true)
                .allow_hyphen_values(true)
                .help(format!(
                    "{what}; prefer the environment variable, which no process list shows"
                )),
        );
        given.push(format!("--{part} or {env}"));
    }
    needs.push(format!("a credential: {}", given.join(", and ")));
    for part in parts {
        let noun = format!("viewer-{part}");
        let env = spec.env_var(&noun);
        cmd = cmd.arg(
            Arg::new(Named::Viewer.id(part))
                .long(noun.clone())
                .value_name(value_name(&noun))
                .env(env)
                .hide_env_values(true)
                .allow_hyphen_values(true)
                .help(format!(
                    "The {part} of a second, narrower credential: what it lists must be a subset \
                     of what the main credential lists, without the items x-restricted marks \
                     (checks errors/viewer-scope; skipped without it)"
                )),
        );
    }
    cmd
}

/// `--path` and `--NAME` for the path parameters of the paginated operations.
fn path_args(mut cmd: Command, flags: &SpecFlags, needs: &mut Vec<String>) -> Command {
    if flags.paths.is_empty() {
        return cmd;
    }
    let several = flags.operations.len() > 1;
    cmd = cmd.arg(
        Arg::new(id::PATH)
            .long("path")
            .value_name(if several {
                "[OPERATION:]NAME=VALUE"
            } else {
                "NAME=VALUE"
            })
            .action(ArgAction::Append)
            .help(format!(
                "A value of a path parameter the credential may read ({}), for every operation \
                 with that parameter, or with OPERATION: for one; repeat it with other values \
                 the credential may read, and page tokens are replayed across them \
                 (errors/token-scope)",
                flags.paths.join(", ")
            )),
    );
    for name in &flags.paths {
        cmd = cmd.arg(
            Arg::new(Named::Path.id(name))
                .long(name.to_kebab_case())
                .value_name("VALUE")
                .help(format!("Same as --path {name}=VALUE")),
        );
        needs.push(format!(
            "--{} VALUE (or --path {name}=VALUE)",
            name.to_kebab_case()
        ));
    }
    cmd
}

/// `--forbidden`, `--missing` and their `--forbidden-NAME`, `--missing-NAME` forms for the
/// path parameters credentials are scoped to.
fn access_args(mut cmd: Command, flags: &SpecFlags) -> Command {
    if flags.access.is_empty() {
        return cmd;
    }
    let names = flags
        .access
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    cmd = cmd
        .arg(
            Arg::new(id::FORBIDDEN)
                .long("forbidden")
                .value_name("NAME=VALUE")
                .action(ArgAction::Append)
                .help(format!("A value of {names} the credential may not read (checks errors/forbidden; skipped without it)")),
        )
        .arg(
            Arg::new(id::MISSING)
                .long("missing")
                .value_name("NAME=VALUE")
                .action(ArgAction::Append)
                .help(format!(
                    "A value of {names} that does not exist (checks errors/not-found; without it one is made up from the parameter's type)"
                )),
        );
    for name in &flags.access {
        let kebab = name.to_kebab_case();
        cmd = cmd
            .arg(
                Arg::new(Named::Forbidden.id(name))
                    .long(format!("forbidden-{kebab}"))
                    .value_name("VALUE")
                    .help(format!("Same as --forbidden {name}=VALUE")),
            )
            .arg(
                Arg::new(Named::Missing.id(name))
                    .long(format!("missing-{kebab}"))
                    .value_name("VALUE")
                    .help(format!("Same as --missing {name}=VALUE")),
            );
    }
    cmd
}

/// The subcommand of a spec in `specs/` that does not load: it exists, so that the user is
/// told what is wrong with the spec (its file and JSON pointer) rather than that there is no
/// such API, and any use of it is that usage error.
pub fn broken_command(name: &str, error: &SpecError) -> Command {
    Command::new(name.to_string())
        .about(format!("specs/{name}.yaml does not load: {error}"))
        .arg(
            Arg::new("args")
                .num_args(0..)
                .trailing_var_arg(true)
                .allow_hyphen_values(true)
                .hide(true),
        )
}

/// The target the arguments of API `name` describe (flags first, then the API's settings of
/// the settings file), and the operations they select.
pub fn target(
    name: &str,
    matches: &ArgMatches,
    file: &ApiSettings,
) -> anyhow::Result<(Target, Vec<String>)> {
    let spec = match specs::load(name) {
        None => anyhow::bail!("no spec `{name}` in specs/"),
        Some(Err(e)) => anyhow::bail!("{e}"),
        Some(Ok(spec)) => Arc::new(spec),
    };
    target_of(spec, matches, file)
}

/// [`target`] of a loaded spec.
fn target_of(
    spec: Arc<Spec>,
    matches: &ArgMatches,
    file: &ApiSettings,
) -> anyhow::Result<(Target, Vec<String>)> {
    let flags = SpecFlags::of(&spec);
    let base = matches
        .get_one::<String>(id::BASE_URL)
        .or(file.base_url.as_ref())
        .context("--base-url is required (or base-url in the settings file)")?;
    let mut t = Target::new(spec.clone(), parse_url(base)?);
    credential(&spec, matches, &mut t)?;
    let mut operations: Vec<String> = matches
        .get_many::<String>(id::OPERATION)
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    if operations.is_empty() {
        operations = file.operations.clone().unwrap_or_default();
    }
    path_values(&flags, matches, &mut t)?;
    settled_values(&flags, file, &mut t)?;
    let selection = Options {
        operations: operations.clone(),
        ..Options::default()
    };
    if let Some(problem) = selection.operations_problem(&spec) {
        anyhow::bail!(problem);
    }
    for op in spec
        .paginated_operations()
        .filter(|op| selection.selects(op))
    {
        let given = t.operation_path_values.get(&op.operation_id);
        let missing = op
            .parameters_in(Location::Path)
            .map(|p| &p.name)
            .find(|p| !t.path_values.contains_key(*p) && given.is_none_or(|g| !g.contains_key(*p)));
        if let Some(missing) = missing {
            anyhow::bail!(
                "no value for the path parameter `{missing}` of {}: pass --{} VALUE (or --path \
                 {missing}=VALUE, or --path {}:{missing}=VALUE for this operation only)",
                op.operation_id,
                missing.to_kebab_case(),
                op.operation_id
            );
        }
    }
    access_values(&flags, matches, &mut t)?;
    for (param, _) in &flags.owners {
        let values: Vec<String> = matches
            .get_many::<String>(&Named::Owner.id(param))
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        if !values.is_empty() {
            t.owner_values.insert(param.clone(), values);
        }
    }
    Ok((t, operations))
}

/// The values of the settings file where no flag gave one: path values (the first walked,
/// the others readable), per-operation path values, access values and known owners, each
/// checked against the spec as the flags are.
fn settled_values(flags: &SpecFlags, file: &ApiSettings, t: &mut Target) -> anyhow::Result<()> {
    let unknown = |what: &str, name: &str, known: &[String]| {
        anyhow::anyhow!(
            "{what}.{name} in the settings file: `{name}` is not a parameter of this API here \
             (those are: {})",
            known.join(", ")
        )
    };
    for (name, values) in &file.path {
        if !flags.paths.contains(name) {
            return Err(unknown("path", name, &flags.paths));
        }
        if t.path_values.contains_key(name) {
            continue;
        }
        let mut values = values.values().into_iter();
        if let Some(main) = values.next() {
            t.path_values.insert(name.clone(), main);
        }
        let others: Vec<String> = values.collect();
        if !others.is_empty() {
            t.readable.insert(name.clone(), others);
        }
    }
    for (operation, values) in &file.operation_path {
        let names = flags.path_params_of(operation).ok_or_else(|| {
            anyhow::anyhow!(
                "operation-path.{operation} in the settings file: no paginated operation is \
                 called so (the operations: {})",
                flags.operation_ids().join(", ")
            )
        })?;
        for (name, value) in values {
            if !names.contains(name) {
                return Err(unknown(&format!("operation-path.{operation}"), name, names));
            }
            t.operation_path_values
                .entry(operation.as_str().into())
                .or_default()
                .entry(name.clone())
                .or_insert_with(|| value.clone());
        }
    }
    for (what, from, into) in [
        ("forbidden", &file.forbidden, &mut t.forbidden),
        ("missing", &file.missing, &mut t.missing),
    ] {
        for (name, value) in from {
            if !flags.access.contains(name) {
                return Err(unknown(what, name, &flags.access));
            }
            into.entry(name.clone()).or_insert_with(|| value.clone());
        }
    }
    let owners: Vec<String> = flags.owners.iter().map(|(p, _)| p.clone()).collect();
    for (name, values) in &file.owners {
        if !owners.contains(name) {
            return Err(unknown("owners", name, &owners));
        }
        t.owner_values
            .entry(name.clone())
            .or_insert_with(|| values.values());
    }
    Ok(())
}

fn parse_url(s: &str) -> anyhow::Result<conformance::url::Url> {
    let url = conformance::url::Url::parse(s)
        .with_context(|| format!("--base-url `{s}` is not a URL"))?;
    anyhow::ensure!(
        matches!(url.scheme(), "http" | "https"),
        "--base-url `{s}` is not an http(s) URL"
    );
    Ok(url)
}

/// The credential, from its flags or their environment variables, and the viewer's when given.
fn credential(spec: &Spec, matches: &ArgMatches, t: &mut Target) -> anyhow::Result<()> {
    let Some(security) = spec.security() else {
        return Ok(());
    };
    let parts = security.credential_parts();
    let ids: Vec<String> = parts
        .iter()
        .map(|part| match *part == security.credential_noun() {
            true => id::CREDENTIAL.to_string(),
            false => id::USERNAME.to_string(),
        })
        .collect();
    t.credential = Some(
        secret_of(spec, security, matches, &ids, "")?.with_context(|| {
            let flags: Vec<String> = parts.iter().map(|p| format!("--{p}")).collect();
            let envs: Vec<String> = parts.iter().map(|p| spec.env_var(p)).collect();
            format!(
                "no credential: pass {} or set {}",
                flags.join(" and "),
                envs.join(" and ")
            )
        })?,
    );
    let viewer_ids: Vec<String> = parts.iter().map(|p| Named::Viewer.id(p)).collect();
    t.viewer = secret_of(spec, security, matches, &viewer_ids, "viewer-")?;
    t.allow_live = matches
        .try_get_one::<bool>(id::ALLOW_LIVE)
        .ok()
        .flatten()
        .copied()
        .unwrap_or(false);
    Ok(())
}

/// The secret of the credential parts whose argument ids are `ids` (in the order of
/// `Security::credential_parts`): `None` when none is given, an error when only some are, or a
/// user name holds a colon.
fn secret_of(
    spec: &Spec,
    security: &specs::Security,
    matches: &ArgMatches,
    ids: &[String],
    role: &str,
) -> anyhow::Result<Option<Secret>> {
    let parts = security.credential_parts();
    let values: Vec<Option<&String>> = ids
        .iter()
        .map(|id| matches.try_get_one::<String>(id).ok().flatten())
        .collect();
    if values.iter().all(Option::is_none) {
        return Ok(None);
    }
    if let Some(k) = values.iter().position(Option::is_none) {
        let given = parts[1 - k.min(1)];
        anyhow::bail!(
            "--{role}{given} without --{role}{}: pass both (or set {} and {})",
            parts[k],
            spec.env_var(&format!("{role}{}", parts[0])),
            spec.env_var(&format!("{role}{}", parts[parts.len() - 1]))
        );
    }
    let values: Vec<&String> = values.into_iter().flatten().collect();
    Ok(Some(match values.as_slice() {
        [user, password] => {
            anyhow::ensure!(
                !user.contains(':'),
                "--{role}username holds a colon, which HTTP Basic credentials cannot carry (RFC \
                 7617)"
            );
            Secret::basic(user, password)
        }
        _ => Secret::new(values[0].clone()),
    }))
}

/// One `--path` value: `NAME=VALUE` for every operation with that parameter, or
/// `OPERATION:NAME=VALUE` for one.
#[derive(Debug, PartialEq)]
struct PathValue {
    operation: Option<OperationId>,
    name: String,
    value: String,
}

impl PathValue {
    fn parse(pair: &str, flags: &SpecFlags) -> anyhow::Result<PathValue> {
        let (key, value) = pair
            .split_once('=')
            .with_context(|| format!("--path `{pair}`: give NAME=VALUE or OPERATION:NAME=VALUE"))?;
        let scoped = key
            .rsplit_once(':')
            .and_then(|(op, name)| Some((op, name, flags.path_params_of(op)?)));
        if let Some((op, name, names)) = scoped {
            anyhow::ensure!(
                names.iter().any(|n| n == name),
                "--path `{pair}`: `{name}` is not a path parameter of {op} (its path parameters \
                 are: {})",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            );
            return Ok(PathValue {
                operation: Some(op.into()),
                name: name.to_string(),
                value: value.to_string(),
            });
        }
        anyhow::ensure!(
            flags.paths.iter().any(|k| k == key),
            "--path `{pair}`: `{key}` is not a path parameter here (the path parameters are: \
             {}; the operations: {})",
            flags.paths.join(", "),
            flags.operation_ids().join(", ")
        );
        Ok(PathValue {
            operation: None,
            name: key.to_string(),
            value: value.to_string(),
        })
    }
}

/// The path values: `--NAME VALUE` is the value walked; without it, the first
/// `--path NAME=VALUE`. Every other value given for a name is one the credential may also
/// read; `--path OPERATION:NAME=VALUE` sets a value for one operation.
fn path_values(flags: &SpecFlags, matches: &ArgMatches, t: &mut Target) -> anyhow::Result<()> {
    let mut given: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // An API without path parameters has no such flag at all.
    let pairs = matches.try_get_many::<String>(id::PATH).ok().flatten();
    for pair in pairs.into_iter().flatten() {
        let PathValue {
            operation,
            name,
            value,
        } = PathValue::parse(pair, flags)?;
        match operation {
            Some(op) => {
                t.operation_path_values
                    .entry(op)
                    .or_default()
                    .insert(name, value);
            }
            None => {
                let values = given.entry(name).or_default();
                if !values.contains(&value) {
                    values.push(value);
                }
            }
        }
    }
    for name in &flags.paths {
        if let Some(v) = matches.get_one::<String>(&Named::Path.id(name)) {
            let values = given.entry(name.clone()).or_default();
            values.retain(|x| x != v);
            values.insert(0, v.clone());
        }
    }
    for (name, values) in given {
        let mut values = values.into_iter();
        if let Some(main) = values.next() {
            t.path_values.insert(name.clone(), main);
        }
        let others: Vec<String> = values.collect();
        if !others.is_empty() {
            t.readable.insert(name, others);
        }
    }
    Ok(())
}

/// `--forbidden` and `--missing` values of the `x-access` parameters.
fn access_values(flags: &SpecFlags, matches: &ArgMatches, t: &mut Target) -> anyhow::Result<()> {
    if flags.access.is_empty() {
        return Ok(());
    }
    // Over what the settings file gave: a flag wins.
    t.forbidden
        .extend(last_pairs(matches, id::FORBIDDEN, &flags.access)?);
    t.missing
        .extend(last_pairs(matches, id::MISSING, &flags.access)?);
    for name in &flags.access {
        if let Some(v) = matches.get_one::<String>(&Named::Forbidden.id(name)) {
            t.forbidden.insert(name.clone(), v.clone());
        }
        if let Some(v) = matches.get_one::<String>(&Named::Missing.id(name)) {
            t.missing.insert(name.clone(), v.clone());
        }
    }
    Ok(())
}

/// `NAME=VALUE` pairs of the repeatable flag `--{flag}`, each name one of `known`: the last
/// value of each name.
fn last_pairs(
    matches: &ArgMatches,
    flag: &str,
    known: &[String],
) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for pair in matches.get_many::<String>(flag).into_iter().flatten() {
        let (name, value) = pair
            .split_once('=')
            .with_context(|| format!("--{flag} `{pair}`: give NAME=VALUE"))?;
        anyhow::ensure!(
            known.iter().any(|k| k == name),
            "--{flag} `{pair}`: `{name}` is not a parameter credentials are scoped to here (those \
             are: {})",
            known.join(", ")
        );
        out.insert(name.to_string(), value.to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(spec: &Spec, args: &[&str]) -> ArgMatches {
        let mut all = vec![spec.name.as_str(), "--base-url", "http://127.0.0.1:1/v1"];
        all.extend(args);
        server_command(spec, "")
            .try_get_matches_from(all)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn repeated_path_values_are_values_the_credential_may_also_read() {
        let spec = specs::load("devpayr").unwrap().unwrap();
        let key = ["--api-key", "devpayr_test_0123456789abcdef"];
        let with = |args: &[&str]| {
            let args = [args, &key[..]].concat();
            target("devpayr", &matches(&spec, &args), &ApiSettings::default())
                .unwrap()
                .0
        };
        let t = with(&["--project", "42", "--path", "project=43"]);
        assert_eq!(t.path_values["project"], "42");
        assert_eq!(t.readable["project"], ["43"]);
        let t = with(&[
            "--path",
            "project=7",
            "--path",
            "project=8",
            "--path",
            "project=7",
        ]);
        assert_eq!(t.path_values["project"], "7");
        assert_eq!(t.readable["project"], ["8"]);
        let t = with(&["--project", "42"]);
        assert!(t.readable.is_empty());
    }

    #[test]
    fn the_settings_file_fills_what_the_flags_leave() {
        let spec = specs::load("devpayr").unwrap().unwrap();
        let file = conformance::settings::Config::parse(
            r#"
            [api.devpayr]
            base-url = "http://127.0.0.1:9/api/v1"
            operations = ["list_*"]
            path = { project = ["42", "43"] }
            forbidden = { project = "76" }
            "#,
        )
        .unwrap()
        .for_api("devpayr");
        let cmd = |args: &[&str]| {
            let all = [&["devpayr"][..], args].concat();
            server_command(&spec, "").try_get_matches_from(all).unwrap()
        };
        let key = ["--api-key", "devpayr_test_0123456789abcdef"];
        let (t, operations) = target("devpayr", &cmd(&key), &file).unwrap();
        assert_eq!(t.base_url.as_str(), "http://127.0.0.1:9/api/v1");
        assert_eq!(t.path_values["project"], "42");
        assert_eq!(t.readable["project"], ["43"]);
        assert_eq!(t.forbidden["project"], "76");
        assert_eq!(operations, ["list_*"]);
        // A flag wins.
        let args = [
            &key[..],
            &["--base-url", "http://127.0.0.1:8/v", "--project", "7"],
        ]
        .concat();
        let (t, _) = target("devpayr", &cmd(&args), &file).unwrap();
        assert_eq!(t.base_url.as_str(), "http://127.0.0.1:8/v");
        assert_eq!(t.path_values["project"], "7");
        // A parameter the API does not have is named.
        let bad = conformance::settings::Config::parse("[api.devpayr]\npath = { room = \"1\" }")
            .unwrap()
            .for_api("devpayr");
        let e = target("devpayr", &cmd(&args), &bad)
            .unwrap_err()
            .to_string();
        assert!(e.contains("path.room"), "{e}");
    }

    #[test]
    fn every_spec_gets_a_subcommand_with_its_own_flags() {
        for spec in specs::all().unwrap() {
            let cmd = server_command(&spec, "");
            let longs: Vec<&str> = cmd.get_arguments().filter_map(|a| a.get_long()).collect();
            assert!(longs.contains(&"base-url"));
            assert!(longs.contains(&"operation"));
            if let Some(security) = spec.security() {
                assert!(
                    longs.contains(&security.credential_noun()),
                    "{}: {longs:?}",
                    spec.name
                );
            }
            for p in SpecFlags::of(&spec).paths {
                assert!(
                    longs.contains(&p.to_kebab_case().as_str()),
                    "{}: {longs:?}",
                    spec.name
                );
            }
        }
    }

    fn shelf() -> Spec {
        let file = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/specs/shelf-operations.yaml"
        );
        Spec::load(std::path::Path::new(file)).unwrap()
    }

    #[test]
    fn the_flags_cover_every_paginated_operation() {
        let flags = SpecFlags::of(&shelf());
        assert_eq!(
            flags.operation_ids(),
            ["listAuthors", "listBooks", "listShelfLoans"]
        );
        assert_eq!(flags.paths, ["shelf"]);
        assert!(flags.access.is_empty() && flags.owners.is_empty());
    }

    #[test]
    fn a_path_value_is_for_every_operation_or_for_one() {
        let flags = SpecFlags::of(&shelf());
        assert_eq!(
            PathValue::parse("shelf=attic", &flags).unwrap(),
            PathValue {
                operation: None,
                name: "shelf".into(),
                value: "attic".into()
            }
        );
        assert_eq!(
            PathValue::parse("listShelfLoans:shelf=a:b=c", &flags).unwrap(),
            PathValue {
                operation: Some("listShelfLoans".into()),
                name: "shelf".into(),
                value: "a:b=c".into()
            }
        );
        for (bad, says) in [
            ("listBooks:shelf=attic", "not a path parameter of listBooks"),
            ("room=attic", "`room` is not a path parameter here"),
            ("nope:shelf=attic", "`nope:shelf` is not a path parameter"),
            ("shelf", "give NAME=VALUE"),
        ] {
            let err = PathValue::parse(bad, &flags).unwrap_err().to_string();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }

    fn memos() -> Arc<Spec> {
        let file = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/specs/memos-basic-auth.yaml"
        );
        Arc::new(Spec::load(std::path::Path::new(file)).unwrap())
    }

    /// HTTP Basic takes `--username` and `--password` (each with its variable), and every
    /// scheme a viewer of the same shape; a half-given credential or a user name with a colon
    /// is a usage error that names what to pass.
    #[test]
    fn basic_credentials_and_the_viewer_come_from_their_own_flags() {
        let spec = memos();
        let cmd = server_command(&spec, "");
        let flags: Vec<(String, Option<String>)> = cmd
            .get_arguments()
            .filter_map(|a| {
                let env = a.get_env().map(|e| e.to_string_lossy().into_owned());
                Some((a.get_long()?.to_string(), env))
            })
            .collect();
        for (flag, env) in [
            ("username", "MEMOS_BASIC_AUTH_USERNAME"),
            ("password", "MEMOS_BASIC_AUTH_PASSWORD"),
            ("viewer-username", "MEMOS_BASIC_AUTH_VIEWER_USERNAME"),
            ("viewer-password", "MEMOS_BASIC_AUTH_VIEWER_PASSWORD"),
        ] {
            assert!(
                flags.contains(&(flag.to_string(), Some(env.to_string()))),
                "--{flag} / {env}: {flags:?}"
            );
        }
        let parse = |args: &[&str]| {
            let all = [
                &["memos-basic-auth", "--base-url", "http://127.0.0.1:1/v1"],
                args,
            ]
            .concat();
            let m = server_command(&spec, "").try_get_matches_from(all).unwrap();
            target_of(spec.clone(), &m, &ApiSettings::default()).map(|(t, _)| t)
        };
        let t = parse(&["--username", "ACuser0001", "--password", "pass:word01"]).unwrap();
        let secret = t.credential.unwrap();
        assert!(secret.is_basic());
        assert_eq!(secret.parts(), ["ACuser0001", "pass:word01"]);
        assert!(t.viewer.is_none());
        let t = parse(&[
            "--username",
            "ACuser0001",
            "--password",
            "password01",
            "--viewer-username",
            "ACviewer01",
            "--viewer-password",
            "password02",
        ])
        .unwrap();
        assert_eq!(t.viewer.unwrap().parts(), ["ACviewer01", "password02"]);
        for (args, says) in [
            (
                &["--password", "password01"][..],
                "--password without --username",
            ),
            (
                &["--username", "ACuser0001"][..],
                "--username without --password",
            ),
            (&[][..], "pass --username and --password"),
            (
                &["--username", "a:b", "--password", "password01"][..],
                "colon",
            ),
            (
                &[
                    "--username",
                    "ACuser0001",
                    "--password",
                    "password01",
                    "--viewer-username",
                    "ACviewer01",
                ][..],
                "--viewer-username without --viewer-password",
            ),
        ] {
            let e = parse(args).unwrap_err().to_string();
            assert!(e.contains(says), "{args:?}: {e}");
            assert!(!e.contains("password01"), "{e}");
        }
        // A key-based scheme takes its viewer as one flag.
        let peeker = specs::load("peeker").unwrap().unwrap();
        let m = matches(
            &peeker,
            &[
                "--token",
                "pk_test_main0001",
                "--viewer-token",
                "pk_test_view0001",
            ],
        );
        let (t, _) = target_of(Arc::new(peeker), &m, &ApiSettings::default()).unwrap();
        assert_eq!(t.viewer.unwrap().expose(), "pk_test_view0001");
    }

    #[test]
    fn a_spec_that_does_not_load_names_its_error() {
        let error = Spec::parse("specs/broken.yaml", "openapi: 3.0.3\npaths: 7\n").unwrap_err();
        let cmd = broken_command("broken", &error);
        let about = cmd.get_about().unwrap().to_string();
        assert!(about.contains("specs/broken.yaml"), "{about}");
        assert!(cmd
            .try_get_matches_from(["broken", "--base-url", "x"])
            .is_ok());
    }
}
