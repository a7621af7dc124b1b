//! Rules the whole OpenAPI document follows, applied once after the
//! operations are collected (so no handler can forget them):
//!
//! - error answers are `application/problem+json` (RFC 9457), not `application/json`;
//! - an operation that reads a body can answer 400 (not JSON), 413 (too large)
//!   and 415 (not `application/json`);
//! - an operation with query parameters can answer 422 naming the parameter;
//! - `If-Match` is required where it is asked for (without it: 428);
//! - an optional query parameter is left out to mean "none": its schema does not
//!   allow `null` (a query string cannot carry one).

use utoipa::Modify;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, ResponseBuilder};

use crate::http::error::PROBLEM_JSON;

pub struct ProblemResponses;

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for op in
                [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch, &mut item.head].into_iter().flatten()
            {
                shape(op);
            }
        }
    }
}

fn problem(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(PROBLEM_JSON, Content::new(Some(RefOr::Ref(Ref::from_schema_name("Problem")))))
        .build()
        .into()
}

fn shape(op: &mut Operation) {
    if op.request_body.is_some() {
        for (code, description) in [
            ("400", "The body is not valid JSON"),
            ("413", "The body is larger than the server accepts"),
            ("415", "The body is not application/json"),
        ] {
            op.responses.responses.entry(code.to_owned()).or_insert_with(|| problem(description));
        }
    }
    let mut has_query = false;
    for param in op.parameters.iter_mut().flatten() {
        let RefOr::T(param) = param else { continue };
        if param.parameter_in == ParameterIn::Header && param.name.eq_ignore_ascii_case("If-Match") {
            param.required = utoipa::openapi::Required::True;
        }
        if param.parameter_in == ParameterIn::Query {
            has_query = true;
            if let Some(RefOr::T(schema)) = param.schema.as_mut() {
                not_null(schema);
            }
        }
    }
    if has_query {
        op.responses.responses.entry("422".to_owned()).or_insert_with(|| problem("A query parameter is invalid"));
    }
    for (code, response) in op.responses.responses.iter_mut() {
        let is_error = code.starts_with('4') || code.starts_with('5');
        if let (true, RefOr::T(response)) = (is_error, response) {
            if let Some(content) = response.content.shift_remove("application/json") {
                response.content.insert(PROBLEM_JSON.to_owned(), content);
            }
        }
    }
}

/// `["string", "null"]` → `"string"`; `oneOf: [X, {type: null}]` → `X`.
fn not_null(schema: &mut Schema) {
    match schema {
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
                    *schema = match only {
                        RefOr::T(s) => s,
                        RefOr::Ref(r) => Schema::AllOf(utoipa::openapi::schema::AllOfBuilder::new().item(r).build()),
                    };
                }
            }
        }
        _ => {}
    }
}
