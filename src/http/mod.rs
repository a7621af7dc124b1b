//! The HTTP machinery every capability shares (problem+json errors, auth,
//! the client's address, ETags and pagination, idempotency, JSON bodies, the
//! OpenAPI rules, metrics), the application state, and the one route table
//! from which the OpenAPI document is generated.

pub mod access_log;
pub mod auth;
pub mod client;
pub mod compression;
pub mod conventions;
pub mod credentials;
pub mod csv_stream;
pub mod error;
pub mod fields;
pub mod head;
pub mod health;
pub mod idempotency;
pub mod json;
pub mod kept;
pub mod listener;
pub mod metrics;
pub mod negotiate;
pub mod spec;

use std::sync::Arc;

use actix_web::body::{BoxBody, EitherBody};
use actix_web::dev::{ResourceDef, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::{AppExt, scope, service_config::ServiceConfig};

use crate::db::Db;
use crate::http::error::{PROBLEM_JSON, problem_for_status};

/// What every handler can reach.
pub struct AppState {
    pub db: Db,
    /// Verified API keys in memory (`http::credentials`).
    pub credentials: std::sync::Arc<crate::http::credentials::Credentials>,
    /// Pool statuses as last rendered (`pools::status_cache`).
    pub statuses: crate::pools::status_cache::StatusCache,
    pub auth_limiter: crate::http::auth::AuthLimiter,
    pub links: crate::approvals::service::LinkSettings,
    pub follow_up: crate::follow_up::FollowUpSettings,
    pub metrics: crate::http::metrics::Metrics,
    /// `/dashboard` without a key (`PUBLIC_DASHBOARD=true`).
    pub public_dashboard: bool,
    /// Proxies whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`).
    pub proxies: crate::http::client::TrustedProxies,
    /// Largest attachment, in bytes (`ATTACHMENT_MAX_BYTES`).
    pub max_attachment_bytes: u64,
    /// The dashboard's per-pool figures, recomputed when a pool's ledger grows.
    pub dashboard: crate::web::dashboard_cache::FiguresCache,
    /// Whole answers (the status report, dashboard pages) kept while nothing is written (`http::kept`).
    pub kept: crate::http::kept::Answers,
    /// The pool of each application looked up (`applications::pools_of`).
    pub pools_of: crate::applications::pools_of::PoolsOf,
}

/// The clock, read once per request at the edge. Microseconds, because
/// PostgreSQL keeps no more (SQLite would keep nanoseconds).
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    DateTime::from_naive_utc_and_offset(t, Utc)
}

/// What the route table is registered on: utoipa's `ServiceConfig`, which
/// also collects the OpenAPI document (once, in [`openapi`]), or actix's own,
/// which collects nothing (each worker's app, [`serve`]). Collecting the
/// document in every worker cost 8 MB of peak memory per worker.
pub trait Routes {
    fn service<F>(&mut self, factory: F) -> &mut Self
    where
        F: actix_web::dev::HttpServiceFactory + utoipa_actix_web::OpenApiFactory + 'static;
}

impl Routes for ServiceConfig<'_> {
    fn service<F>(&mut self, factory: F) -> &mut Self
    where
        F: actix_web::dev::HttpServiceFactory + utoipa_actix_web::OpenApiFactory + 'static,
    {
        ServiceConfig::service(self, factory)
    }
}

impl Routes for web::ServiceConfig {
    fn service<F>(&mut self, factory: F) -> &mut Self
    where
        F: actix_web::dev::HttpServiceFactory + utoipa_actix_web::OpenApiFactory + 'static,
    {
        web::ServiceConfig::service(self, factory)
    }
}

/// The route table of `/api/v1`.
pub fn configure_v1<C: Routes>(cfg: &mut C) {
    cfg.service(crate::admin::clusters::list_clusters)
        .service(crate::admin::clusters::create_cluster)
        .service(crate::admin::clusters::get_cluster)
        .service(crate::admin::clusters::patch_cluster)
        .service(crate::admin::clusters::list_parties)
        .service(crate::admin::clusters::create_party)
        .service(crate::admin::clusters::list_target_populations)
        .service(crate::reports::imports::put_population_counts)
        .service(crate::reports::imports::get_population_counts)
        .service(crate::pools::http::create_pool)
        .service(crate::pools::http::list_pools)
        .service(crate::pools::http::get_pool)
        .service(crate::pools::http::patch_pool)
        .service(crate::pools::http::open_pool)
        .service(crate::pools::closing::close_pool)
        .service(crate::pools::decisions::decide_policy)
        .service(crate::pools::decisions::decide_model)
        .service(crate::pools::criteria::decide_criteria)
        .service(crate::pools::status::pool_status)
        .service(crate::pools::status::pool_ledger)
        .service(crate::pools::decisions::reallocate)
        .service(crate::year_end::http::propose)
        .service(crate::year_end::http::list)
        .service(crate::year_end::http::get_carry_over)
        .service(crate::year_end::http::decide)
        .service(crate::year_end::http::request_approval)
        .service(crate::pools::distributions::distribute)
        .service(crate::reports::simulation::model_simulation)
        .service(crate::reports::status::status_report)
        .service(crate::reports::political::http::political_report)
        .service(crate::reports::exports::export_grants)
        .service(crate::reports::exports::export_applications)
        .service(crate::reports::exports::export_ledger)
        .service(crate::reports::exports::export_audit_events)
        .service(crate::reports::evaluation::model_evaluation)
        .service(crate::applications::charters::create_application)
        .service(crate::reports::import_applications::import_applications)
        .service(crate::applications::http::list_applications)
        .service(crate::applications::http::get_application)
        .service(crate::applications::charters::patch_application)
        .service(crate::applications::decisions::submit)
        .service(crate::applications::decisions::withdraw)
        .service(crate::applications::decisions::recommend)
        .service(crate::applications::decisions::decide)
        .service(crate::applications::decisions::refer)
        .service(crate::meetings::http::create_meeting)
        .service(crate::meetings::http::list_meetings)
        .service(crate::meetings::http::get_meeting)
        .service(crate::meetings::http::items::add_item)
        .service(crate::meetings::http::items::edit_item)
        .service(crate::meetings::http::sitting::record_outcomes)
        .service(crate::meetings::http::sitting::agenda)
        .service(crate::meetings::http::sitting::minutes)
        .service(crate::grants::http::list_grants)
        .service(crate::grants::http::get_grant)
        .service(crate::grants::http::disburse)
        .service(crate::grants::http::release)
        .service(crate::amendments::http::propose_amendment)
        .service(crate::amendments::http::get_amendment)
        .service(crate::amendments::http::decide_amendment)
        .service(crate::attachments::http::upload_to_application)
        .service(crate::attachments::http::upload_to_grant)
        .service(crate::attachments::http::download)
        .service(crate::attachments::http::remove)
        .service(crate::follow_up::http::get_plan)
        .service(crate::follow_up::http::put_plan)
        .service(crate::follow_up::http::submit_report)
        .service(crate::follow_up::http::overdue)
        .service(crate::approvals::approvers::get_approvers)
        .service(crate::approvals::approvers::put_approvers)
        .service(crate::approvals::http::request_approval)
        .service(crate::approvals::http::list_approvals)
        .service(crate::approvals::http::resend)
        .service(crate::approvals::http::revoke)
        .service(crate::approvals::http::outbox)
        .service(crate::admin::users::list_users)
        .service(crate::admin::users::create_user)
        .service(crate::admin::users::get_user)
        .service(crate::admin::users::patch_user)
        .service(crate::admin::users::list_keys)
        .service(crate::admin::users::create_key)
        .service(crate::admin::users::revoke_key)
        .service(crate::admin::audit::list_audit_events);
}

/// Routes outside `/api/v1`.
pub fn configure_root<C: Routes>(cfg: &mut C) {
    cfg.service(crate::http::health::healthz).service(crate::http::health::readyz).service(crate::http::metrics::metrics);
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                Http::builder().scheme(HttpAuthScheme::Bearer).description(Some("An API key: `Authorization: Bearer kmk_…`")).build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Klyngemidler",
        description = "Cluster funds for Danish health clusters (sundhedsklynger): annual pools, allocation models, \
            the ledger and its status. Money is a string with two decimals (\"871553.00\"), exact to the øre. \
            Errors are RFC 9457 problem+json.",
        license(name = "MIT", identifier = "MIT")
    ),
    servers((url = "/", description = "The server that serves this document")),
    modifiers(&BearerAuth),
    components(schemas(
        crate::http::error::Problem,
        crate::http::error::FieldError,
        crate::http::csv_stream::ResponseFormat,
        crate::http::csv_stream::CsvDialect
    )),
    tags(
        (name = "reference", description = "Clusters, parties and target populations"),
        (name = "pools", description = "Annual pools, allocation models, status and ledger"),
        (name = "applications", description = "Project charters and their approval: recommendation, strategic decision, political sign-off"),
        (name = "meetings", description = "Meetings of the forums: the agenda with a drafted indstilling per item, every outcome of a sitting in one step, and the decision minutes (JSON, HTML, Word)"),
        (name = "grants", description = "Grants, disbursements and releases"),
        (name = "year end", description = "Carry-over of what is left to a later year (after political sign-off), and distribution by population"),
        (name = "reports", description = "Reports: the year's status of every pool, CSV exports and imports, the evaluation of the allocation model"),
        (name = "audit", description = "Who did what: a hash-chained, append-only trail"),
        (name = "users", description = "Users and their API keys (admin)"),
        (name = "approvals", description = "Approval by e-mail link: approvers, requests, the outbox"),
        (name = "operations", description = "Health and readiness"),
    )
)]
struct ApiDoc;

/// Mounts the API on an app, collecting the OpenAPI document as it goes.
pub fn mount<T>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T>
where
    T: actix_web::dev::ServiceFactory<actix_web::dev::ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.openapi(ApiDoc::openapi())
        .configure(|cfg: &mut ServiceConfig| configure_root(cfg))
        .service(scope::scope("/api/v1").configure(|cfg: &mut ServiceConfig| configure_v1(cfg)))
}

/// Mounts the same route table on a worker's app, without the OpenAPI document.
pub fn serve<T>(app: actix_web::App<T>) -> actix_web::App<T>
where
    T: actix_web::dev::ServiceFactory<actix_web::dev::ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.configure(configure_root::<web::ServiceConfig>).service(web::scope("/api/v1").configure(configure_v1::<web::ServiceConfig>))
}

/// The OpenAPI document as served at `/openapi.json`: rendered once, shared by every worker.
#[derive(Clone)]
pub struct OpenApiJson(pub web::Bytes);

impl OpenApiJson {
    pub fn of(api: &utoipa::openapi::OpenApi) -> OpenApiJson {
        OpenApiJson(web::Bytes::from(serde_json::to_vec(api).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}").into_bytes())))
    }
}

/// `GET /openapi.json` (outside the document itself, like Swagger UI at `/docs/`).
pub async fn openapi_document(doc: web::Data<OpenApiJson>) -> HttpResponse {
    HttpResponse::Ok().content_type(header::ContentType::json()).body(doc.0.clone())
}

/// The OpenAPI document, exactly as served at `/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut api) = mount(actix_web::App::new().into_utoipa_app()).split_for_parts();
    crate::http::spec::DocumentRules.modify(&mut api);
    api
}

/// Pretty JSON of the document, as committed in `openapi/openapi.json`.
pub fn openapi_json() -> String {
    let mut text = openapi().to_pretty_json().unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    text.push('\n');
    text
}

/// The known routes and their methods, to tell 405 from 404.
pub struct RouteTable(Vec<(ResourceDef, Vec<Method>)>);

impl RouteTable {
    pub fn from_openapi(api: &utoipa::openapi::OpenApi) -> RouteTable {
        let mut routes = Vec::new();
        for (path, item) in api.paths.paths.iter() {
            let mut methods = Vec::new();
            let ops = [
                (Method::GET, item.get.is_some()),
                (Method::POST, item.post.is_some()),
                (Method::PUT, item.put.is_some()),
                (Method::PATCH, item.patch.is_some()),
                (Method::DELETE, item.delete.is_some()),
            ];
            for (method, present) in ops {
                if present {
                    methods.push(method);
                }
            }
            if methods.contains(&Method::GET) {
                methods.push(Method::HEAD);
            }
            routes.push((ResourceDef::new(path.as_str()), methods));
        }
        // Pages served outside the OpenAPI document.
        routes.push((ResourceDef::new("/openapi.json"), vec![Method::GET, Method::HEAD]));
        routes.push((ResourceDef::new("/approvals/{token}"), vec![Method::GET, Method::HEAD, Method::POST]));
        routes.push((ResourceDef::new("/reports/{token}"), vec![Method::GET, Method::HEAD, Method::POST]));
        routes.push((ResourceDef::new("/dashboard"), vec![Method::GET, Method::HEAD]));
        routes.push((ResourceDef::new("/dashboard/login"), vec![Method::POST]));
        routes.push((ResourceDef::new("/dashboard/logout"), vec![Method::POST]));
        RouteTable(routes)
    }

    fn allowed(&self, path: &str) -> Option<&[Method]> {
        self.0.iter().find(|(def, _)| def.is_match(path)).map(|(_, m)| m.as_slice())
    }
}

/// Anything no route took: 405 with `Allow` when the path exists, else 404.
pub async fn fallback(req: HttpRequest, table: web::Data<Arc<RouteTable>>) -> HttpResponse {
    let problem =
        |status: StatusCode, detail: &str| HttpResponse::build(status).content_type(PROBLEM_JSON).json(problem_for_status(status, detail));
    match table.allowed(req.path()) {
        Some(methods) => {
            let allow = methods.iter().map(Method::as_str).collect::<Vec<_>>().join(", ");
            let method = crate::http::head::sent_method(&req);
            let mut response = problem(StatusCode::METHOD_NOT_ALLOWED, &format!("{method} is not allowed here; use {allow}"));
            if let Ok(value) = header::HeaderValue::from_str(&allow) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            response
        }
        None => problem(StatusCode::NOT_FOUND, &format!("there is nothing at {}", req.path())),
    }
}

/// Rewrites any error response that is not problem+json yet (actix's own
/// 400/413/…), so clients never see a bare text body.
pub fn problem_json_errors<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(PROBLEM_JSON) || v.starts_with("text/html"));
    if is_problem || !(res.status().is_client_error() || res.status().is_server_error()) {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "The request body is too large.".to_owned(),
        StatusCode::BAD_REQUEST => "The request could not be read.".to_owned(),
        s if s.is_server_error() => "Something went wrong on our side. It has been logged.".to_owned(),
        s => s.canonical_reason().unwrap_or("Error").to_owned(),
    };
    let (req, old) = res.into_parts();
    let mut response: HttpResponse<BoxBody> =
        HttpResponse::build(status).content_type(PROBLEM_JSON).json(problem_for_status(status, &detail));
    for (name, value) in old.headers() {
        // The body is new: what described the old one (its length, its coding) goes with it.
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH && name != header::CONTENT_ENCODING {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
    let res: ServiceResponse<EitherBody<B, BoxBody>> = ServiceResponse::new(req, response).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}

/// Content Security Policy for HTML pages: no inline script, no framing, nothing from elsewhere.
pub const HTML_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Security headers on every HTML response.
pub async fn security_headers(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let html = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    if html {
        let headers = res.headers_mut();
        headers.insert(header::CONTENT_SECURITY_POLICY, header::HeaderValue::from_static(HTML_CSP));
        headers.insert(header::X_FRAME_OPTIONS, header::HeaderValue::from_static("DENY"));
    }
    res.headers_mut().insert(header::REFERRER_POLICY, header::HeaderValue::from_static("no-referrer"));
    Ok(res)
}
