//! Rules the whole OpenAPI document follows, applied once after the
//! operations are collected (so no handler can forget them). A handler
//! declares what is particular to it (its success answers, the conflicts of
//! its domain); what follows from the shared machinery is added here:
//!
//! - error answers are `application/problem+json` (RFC 9457), not `application/json`;
//! - an operation that reads a body can answer 400 (unreadable), 413 (too large),
//!   415 (another media type) and 422 (a field is invalid);
//! - an operation with query parameters can answer 422 naming the parameter;
//! - a path parameter can name nothing: 404;
//! - `If-Match` is required where it is asked for (without it: 428; stale: 412);
//! - every POST takes an optional `Idempotency-Key` (`http::idempotency`): the
//!   header is declared, its 409 (still running) and 422 (reused for another
//!   request) are documented, and its success answers carry `Idempotent-Replayed`;
//! - an operation behind the API key can answer 401, 403 (when the access
//!   matrix refuses some role), 429 (the failed-attempt limiter) and 503 (the
//!   database is busy or unreachable); an operation without one says so (`security: []`);
//! - every response has a description: the handler's, with the reasons these
//!   rules add, or else the standard one for its status;
//! - an operation's summary is one sentence (the first of its doc comment; the
//!   rest goes to the description), and its description names its permission
//!   and the roles that have it;
//! - an optional query or header parameter, or an optional body, is left out
//!   to mean "none": its schema does not allow `null` as well (a query string
//!   cannot carry one, and generators cannot send "no body" for one);
//! - a schema written out in full where a named component says the same
//!   (utoipa inlines the type parameter of `Page<T>`) becomes a `$ref`.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use utoipa::Modify;
use utoipa::openapi::header::{Header, HeaderBuilder};
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ArrayItems, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Required, ResponseBuilder};

use crate::domain::access::{Action, Role, permits};
use crate::http::error::PROBLEM_JSON;

/// The header `http::idempotency` reads on every POST.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

pub struct DocumentRules;

impl Modify for DocumentRules {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let ops = [
                ("get", &mut item.get),
                ("put", &mut item.put),
                ("post", &mut item.post),
                ("delete", &mut item.delete),
                ("patch", &mut item.patch),
                ("head", &mut item.head),
            ];
            for (method, op) in ops {
                if let Some(op) = op {
                    shape(path, method, op);
                }
            }
        }
        reference_named_schemas(openapi);
    }
}

fn problem(description: String) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, Content::new(Some(RefOr::Ref(Ref::from_schema_name("Problem")))))
        .build()
        .into()
}

fn integer_header(description: &str) -> RefOr<Header> {
    let schema = ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).build();
    RefOr::T(HeaderBuilder::new().schema(Some(schema)).description(Some(description)).build())
}

fn string_header(description: &str) -> RefOr<Header> {
    RefOr::T(
        HeaderBuilder::new().schema(Some(ObjectBuilder::new().schema_type(Type::String).build())).description(Some(description)).build(),
    )
}

fn idempotency_key() -> RefOr<Parameter> {
    let schema = ObjectBuilder::new().schema_type(Type::String).min_length(Some(1)).max_length(Some(255)).pattern(Some("^[!-~]+$")).build();
    RefOr::T(
        ParameterBuilder::new()
            .name(IDEMPOTENCY_KEY)
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "Makes a retry safe: the same key with the same request answers the first answer again \
                 (with `Idempotent-Replayed: true`) instead of doing it twice. 1-255 visible ASCII characters, \
                 kept at least 24 hours, per user and key permissions.",
            ))
            .schema(Some(schema))
            .build(),
    )
}

/// `applications/{id}` → "application", `carry-overs/{id}` → "carry-over", `{cluster}` → "cluster".
fn named_by(path: &str, param: &str) -> String {
    if param != "id" {
        return param.to_owned();
    }
    let before = path.split('/').take_while(|s| *s != "{id}").last().unwrap_or("resource");
    before.strip_suffix('s').unwrap_or(before).to_owned()
}

/// Which roles the access matrix gives a permission, e.g. "admin, finance".
fn roles_with(action: Action) -> Vec<&'static str> {
    Role::ALL.into_iter().filter(|r| permits(*r, action)).map(Role::as_str).collect()
}

fn shape(path: &str, method: &str, op: &mut Operation) {
    // Reasons this operation can answer each status, added to what the handler says.
    let mut reasons: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();

    if let Some(RefOr::T(body)) = op.request_body.as_mut() {
        // An optional body is left out to mean "none": its schema need not say `null` as well
        // (generators cannot send "no body" for a schema that allows `null`).
        if body.required != Some(Required::True) {
            for content in body.content.values_mut() {
                if let RefOr::T(Content { schema: Some(schema), .. }) = content {
                    not_null(schema);
                }
            }
        }
    }
    if let Some(RefOr::T(body)) = &op.request_body {
        let types: Vec<&str> = body.content.keys().map(String::as_str).collect();
        let json = types.contains(&"application/json");
        add(&mut reasons, "400", if json { "The body is not valid JSON.".into() } else { "The body could not be read.".into() });
        add(&mut reasons, "413", "The body is larger than the server accepts.".into());
        add(&mut reasons, "415", format!("The body is not {}.", types.join(" or ")));
        add(&mut reasons, "422", "A field of the body is invalid: `errors` names each one and says what to write.".into());
    }

    let mut has_query = false;
    let mut if_match = false;
    let mut in_path = Vec::new();
    for param in op.parameters.iter_mut().flatten() {
        let RefOr::T(param) = param else { continue };
        match param.parameter_in {
            ParameterIn::Header if param.name.eq_ignore_ascii_case("If-Match") => {
                param.required = Required::True;
                if_match = true;
            }
            ParameterIn::Path => in_path.push(named_by(path, &param.name)),
            ParameterIn::Query => has_query = true,
            _ => {}
        }
        if param.parameter_in != ParameterIn::Path {
            if let Some(schema) = param.schema.as_mut() {
                not_null(schema);
            }
        }
    }
    if !in_path.is_empty() {
        add(&mut reasons, "404", format!("There is no such {}.", in_path.join(" or ")));
    }
    if has_query {
        add(&mut reasons, "422", "A query parameter is invalid: `errors` names it.".into());
    }
    if if_match {
        add(&mut reasons, "412", "The If-Match ETag is stale: the resource changed since it was read. Read it again and retry.".into());
        add(&mut reasons, "428", "If-Match is missing: send the ETag of the last read.".into());
    }

    if method == "post" {
        let declared = op.parameters.iter().flatten().any(|p| matches!(p, RefOr::T(p) if p.name.eq_ignore_ascii_case(IDEMPOTENCY_KEY)));
        if !declared {
            op.parameters.get_or_insert_with(Vec::new).push(idempotency_key());
        }
        add(&mut reasons, "409", "A request with this Idempotency-Key is still being processed: retry shortly.".into());
        add(&mut reasons, "422", "The Idempotency-Key was used before with a different request: use a new key.".into());
        for (code, response) in op.responses.responses.iter_mut() {
            if let (true, RefOr::T(response)) = (code.starts_with('2'), response) {
                response.headers.entry("Idempotent-Replayed".into()).or_insert_with(|| {
                    string_header("`true` when this is the stored answer to an earlier request with the same Idempotency-Key.")
                });
            }
        }
    }

    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let permission = op.extensions.as_ref().and_then(|e| e.get("x-permission")).and_then(|v| v.as_str()).and_then(Action::parse);
    if secured {
        add(&mut reasons, "401", "No valid API key: send `Authorization: Bearer <key>`.".into());
        if let Some(action) = permission {
            if roles_with(action).len() < Role::ALL.len() {
                add(&mut reasons, "403", format!("The key's role may not {} (needs `{}`).", action.describe(), action.as_str()));
            }
        }
        if reasons.contains_key("403") || op.responses.responses.contains_key("403") {
            let scope = match permission {
                Some(action) if action.needs_all_clusters() => "The key is limited to some clusters: this needs a key for all of them.",
                _ => "The key is limited to other clusters.",
            };
            add(&mut reasons, "403", scope.into());
        }
        add(&mut reasons, "429", "Too many failed key attempts from this address: retry after `Retry-After` seconds.".into());
        add(&mut reasons, "503", "The database is busy or unreachable: retry after `Retry-After` seconds.".into());
    } else {
        op.security = Some(Vec::new());
    }
    let access = match (secured, permission) {
        (false, _) => "No API key needed.".to_owned(),
        (true, Some(action)) => {
            let roles = roles_with(action);
            let who = match roles.as_slice() {
                all if all.len() == Role::ALL.len() => "every role".to_owned(),
                [one] => format!("role {one}"),
                some => format!("roles {}", some.join(", ")),
            };
            let scope = if action.needs_all_clusters() {
                "only with a key for all clusters"
            } else {
                "a key limited to some clusters reaches only theirs"
            };
            format!("Permission `{}`: {who}; {scope}.", action.as_str())
        }
        (true, None) => "Needs an API key.".to_owned(),
    };
    // The summary is the doc comment's first sentence; the rest of it, then who may call, is the description.
    let (summary, rest) = split_summary(op.summary.as_deref().unwrap_or(""));
    op.summary = (!summary.is_empty()).then_some(summary);
    let mut description: Vec<String> = Vec::new();
    description.extend(rest);
    description.extend(op.description.take().filter(|d| !d.trim().is_empty()).map(|d| d.trim().to_owned()));
    description.push(access);
    op.description = Some(description.join("\n\n"));

    for (status, list) in reasons {
        let response = op.responses.responses.entry(status.to_owned()).or_insert_with(|| problem(String::new()));
        if let RefOr::T(response) = response {
            let mut text = sentence(&response.description);
            for reason in list {
                if !text.contains(&reason) {
                    if !text.is_empty() {
                        text.push(' ');
                    }
                    text.push_str(&reason);
                }
            }
            response.description = text;
        }
    }

    for (code, response) in op.responses.responses.iter_mut() {
        let RefOr::T(response) = response else { continue };
        let is_error = code.starts_with('4') || code.starts_with('5');
        if is_error {
            if let Some(content) = response.content.shift_remove("application/json") {
                response.content.insert(PROBLEM_JSON.to_owned(), content);
            }
        }
        match code.as_str() {
            "401" => {
                response.headers.entry("WWW-Authenticate".into()).or_insert_with(|| string_header("`Bearer`"));
            }
            "429" | "503" => {
                response.headers.entry("Retry-After".into()).or_insert_with(|| integer_header("Seconds to wait before retrying"));
            }
            _ => {}
        }
        if response.description.trim().is_empty() {
            let reason = code.parse::<u16>().ok().and_then(|c| StatusCode::from_u16(c).ok()).and_then(|s| s.canonical_reason());
            response.description = reason.unwrap_or("The answer").to_owned();
        }
    }
}

/// The first sentence of a doc comment (its lines joined), and the rest if any.
/// A sentence ends at `. ` outside parentheses and code, not after "e.g." or "i.e.".
fn split_summary(text: &str) -> (String, Option<String>) {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let (mut depth, mut code) = (0i32, false);
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'`' => code = !code,
            b'(' if !code => depth += 1,
            b')' if !code => depth -= 1,
            b'.' if !code && depth == 0 && bytes.get(i + 1) == Some(&b' ') => {
                let before = &text[..i];
                if !(before.ends_with("e.g") || before.ends_with("i.e")) {
                    return (text[..=i].to_owned(), Some(text[i + 2..].to_owned()));
                }
            }
            _ => {}
        }
    }
    (text, None)
}

fn add(reasons: &mut BTreeMap<&'static str, Vec<String>>, status: &'static str, reason: String) {
    reasons.entry(status).or_default().push(reason);
}

/// A handler's description as a sentence (so the rules' reasons can follow it).
fn sentence(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() || text.ends_with(['.', '!', '?', ')']) { text.to_owned() } else { format!("{text}.") }
}

/// `["string", "null"]` → `"string"`; `oneOf: [X, {type: null}]` → `X`.
fn not_null(schema: &mut RefOr<Schema>) {
    let RefOr::T(inner) = schema else { return };
    match inner {
        Schema::Object(object) => {
            if let SchemaType::Array(types) = &object.schema_type {
                let kept: Vec<Type> = types.iter().filter(|t| **t != Type::Null).cloned().collect();
                if kept.len() == 1 {
                    object.schema_type = SchemaType::Type(kept[0].clone());
                }
            }
        }
        Schema::OneOf(one_of) => {
            one_of.items.retain(|item| !matches!(item, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null)));
            if one_of.items.len() == 1 {
                if let Some(only) = one_of.items.pop() {
                    *schema = only;
                }
            }
        }
        _ => {}
    }
}

/// Replaces every schema written out in full that equals a named component
/// with a `$ref` to it. Only objects with properties count (two components
/// can both be a plain string), and only when exactly one component matches.
fn reference_named_schemas(openapi: &mut OpenApi) {
    let Some(components) = openapi.components.as_mut() else { return };
    let named: Vec<(String, Schema)> = components
        .schemas
        .iter()
        .filter_map(|(name, s)| match s {
            RefOr::T(schema @ Schema::Object(o)) if !o.properties.is_empty() => Some((name.clone(), schema.clone())),
            _ => None,
        })
        .collect();
    let replace = |schema: &mut RefOr<Schema>, own: Option<&str>| {
        if let RefOr::T(s) = schema {
            let mut matches = named.iter().filter(|(name, n)| n == s && Some(name.as_str()) != own);
            if let (Some((name, _)), None) = (matches.next(), matches.next()) {
                *schema = RefOr::Ref(Ref::from_schema_name(name.clone()));
                return true;
            }
        }
        false
    };
    for (name, schema) in components.schemas.iter_mut() {
        // The component itself is not replaced by a reference to itself; what it contains may be.
        if let RefOr::T(inner) = schema {
            each_child(inner, &mut |child| walk(child, &mut |s| replace(s, Some(name))));
        }
    }
    for item in openapi.paths.paths.values_mut() {
        for op in [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch, &mut item.head].into_iter().flatten() {
            for response in op.responses.responses.values_mut() {
                if let RefOr::T(response) = response {
                    for content in response.content.values_mut() {
                        if let RefOr::T(Content { schema: Some(schema), .. }) = content {
                            walk(schema, &mut |s| replace(s, None));
                        }
                    }
                }
            }
            if let Some(RefOr::T(body)) = op.request_body.as_mut() {
                for content in body.content.values_mut() {
                    if let RefOr::T(Content { schema: Some(schema), .. }) = content {
                        walk(schema, &mut |s| replace(s, None));
                    }
                }
            }
        }
    }
}

/// Calls `f` on the schema; when it did not replace it, goes on into its children.
fn walk(schema: &mut RefOr<Schema>, f: &mut dyn FnMut(&mut RefOr<Schema>) -> bool) {
    if f(schema) {
        return;
    }
    if let RefOr::T(inner) = schema {
        each_child(inner, &mut |child| walk(child, f));
    }
}

fn each_child(schema: &mut Schema, f: &mut dyn FnMut(&mut RefOr<Schema>)) {
    match schema {
        Schema::Object(o) => o.properties.values_mut().for_each(f),
        Schema::Array(a) => {
            if let ArrayItems::RefOrSchema(items) = &mut a.items {
                f(items);
            }
        }
        Schema::OneOf(s) => s.items.iter_mut().for_each(f),
        Schema::AllOf(s) => s.items.iter_mut().for_each(f),
        Schema::AnyOf(s) => s.items.iter_mut().for_each(f),
        _ => {}
    }
}
