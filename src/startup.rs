//! Builds the HTTP application on a listener (port 0 in tests) and runs it.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::{DefaultHeaders, ErrorHandlers, from_fn};
use actix_web::{App, HttpServer, guard, web};
use utoipa_swagger_ui::SwaggerUi;

use crate::config::ServeConfig;
use crate::db::Db;
use crate::http::{AppState, RouteTable};

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Wires the app to the listener. The database must be migrated.
    pub fn build(db: Db, listener: TcpListener, config: &ServeConfig) -> std::io::Result<Application> {
        let port = listener.local_addr()?.port();
        let openapi = crate::http::openapi();
        let routes = web::Data::new(Arc::new(RouteTable::from_openapi(&openapi)));
        // The document is rendered once here; workers share the bytes (a copy of the
        // document per worker was most of the server's memory).
        let document = web::Data::new(crate::http::OpenApiJson::of(&openapi));
        drop(openapi);
        crate::mail::worker::spawn(db.clone(), config.mail.clone(), config.links.clone(), config.follow_up.clone());
        let credentials = Arc::new(crate::http::credentials::Credentials::default());
        crate::http::listener::listen(&db, credentials.clone());
        if let Err(e) = db.send_notices_in_background() {
            tracing::error!(error = %e, "each write sends its own change notice");
        }
        let state = web::Data::new(AppState {
            db,
            credentials,
            statuses: Default::default(),
            auth_limiter: crate::http::auth::AuthLimiter::new(config.auth_failures_per_minute),
            links: config.links.clone(),
            follow_up: config.follow_up.clone(),
            metrics: crate::http::metrics::Metrics::default(),
            public_dashboard: config.public_dashboard,
            proxies: config.trusted_proxies.clone(),
            max_attachment_bytes: config.max_attachment_bytes,
            dashboard: Default::default(),
            kept: Default::default(),
            pools_of: Default::default(),
        });
        let max_body = config.max_body_bytes;
        let mut server = HttpServer::new(move || {
            let app = App::new()
                .app_data(state.clone())
                .app_data(routes.clone())
                .app_data(web::PayloadConfig::new(max_body))
                .app_data(web::QueryConfig::default().error_handler(crate::http::json::query_error))
                // Innermost first; each `wrap` goes around those before it.
                .wrap(from_fn(crate::http::idempotency::middleware))
                .wrap(from_fn(crate::http::json::refuse_body_without_content_type))
                .wrap(from_fn(crate::http::json::refuse_control_characters_in_url))
                .wrap(from_fn(crate::http::security_headers))
                .wrap(ErrorHandlers::new().default_handler(crate::http::problem_json_errors))
                .wrap(crate::http::compression::middleware())
                // Compress answers an Accept-Encoding it cannot meet with a bare 406: made a problem too.
                .wrap(ErrorHandlers::new().default_handler(crate::http::problem_json_errors))
                .wrap(from_fn(crate::http::compression::vary))
                .wrap(DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")))
                .wrap(from_fn(crate::http::head::middleware))
                .wrap(from_fn(crate::http::metrics::record))
                .wrap(from_fn(crate::http::access_log::middleware))
                .app_data(document.clone());
            crate::http::serve(app)
                .service(web::resource("/openapi.json").guard(guard::Get()).to(crate::http::openapi_document))
                .service(SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::new(["/openapi.json"])))
                .service(web::redirect("/docs", "/docs/"))
                .service(crate::web::approval::show)
                .service(crate::web::approval::decide)
                .service(crate::web::report::show)
                .service(crate::web::report::submit)
                .service(crate::web::dashboard::show)
                .service(crate::web::login::login)
                .service(crate::web::login::logout)
                .default_service(web::to(crate::http::fallback))
        })
        .listen(listener)?
        // Handlers wait for the database on blocking threads; more of them than
        // there are connections only queue for the pool, and each thread that
        // ever ran costs memory (stack, malloc arena). actix's default is 512.
        .worker_max_blocking_threads(config.db.pool_size as usize + 2);
        if let Some(workers) = config.workers {
            server = server.workers(workers);
        }
        Ok(Application { port, server: server.run() })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
