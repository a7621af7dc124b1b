//! Settings for serving, gathered from flags and environment variables by `cli`.

use crate::db::DbOptions;

#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Where to listen, e.g. `127.0.0.1:8080`.
    pub bind: String,
    /// HTTP worker threads; `None` means one per core.
    pub workers: Option<usize>,
    /// Largest request body accepted, in bytes (413 above).
    pub max_body_bytes: usize,
    /// Largest attachment accepted, in bytes (413 above); its routes take bodies this large, streamed.
    pub max_attachment_bytes: u64,
    /// Failed key look-ups per client address and minute before 429.
    pub auth_failures_per_minute: u32,
    pub db: DbOptions,
    /// Serve `/dashboard` without a key: its figures are aggregates of public money.
    pub public_dashboard: bool,
    /// Proxies whose `X-Forwarded-For` is believed; none by default.
    pub trusted_proxies: crate::http::client::TrustedProxies,
    pub links: crate::approvals::service::LinkSettings,
    pub mail: crate::mail::worker::MailSettings,
    pub follow_up: crate::follow_up::FollowUpSettings,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            bind: "127.0.0.1:8080".into(),
            workers: None,
            max_body_bytes: 256 * 1024,
            max_attachment_bytes: 20 * 1024 * 1024,
            auth_failures_per_minute: 20,
            public_dashboard: false,
            trusted_proxies: crate::http::client::TrustedProxies::default(),
            db: DbOptions::default(),
            links: crate::approvals::service::LinkSettings::default(),
            mail: crate::mail::worker::MailSettings::default(),
            follow_up: crate::follow_up::FollowUpSettings::default(),
        }
    }
}
