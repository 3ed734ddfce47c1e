//! takedown's multi-tenant REST API.
//!
//! Three kinds of tenants (brand owners, platforms, fair organizers) reach their own data
//! under `/v1` with API keys, and operators manage tenants and keys without reaching any
//! tenant's data (`routes::operator` states the rule); `/openapi.json` is the OpenAPI 3 document, generated from the
//! same handler annotations that register the routes (utoipa-axum), so the two cannot drift.
//!
//! Module map:
//! - [`keys`]: key format, hashing, issuing keys, creating tenants.
//! - [`scopes`]: what a key may do.
//! - [`auth`]: the authentication middleware, the [`auth::Caller`], the failure limiter.
//! - [`error`]: the error type and its JSON body.
//! - [`audit`]: one audit entry per change.
//! - [`rights`]: the rights DTO, its validation, bulk parsing with row errors.
//! - [`status`]: a right's registration status and the rules for changing it.
//! - [`certificate`]: which uploaded bytes are accepted as a registration certificate.
//! - [`fair_docs`]: a fair organizer's stored documents (exhibitors, screening runs).
//! - [`screening`]: screening runs, executed: exhibitor products against registered marks.
//! - [`bulk`]: the CLI's bulk import with a progress bar.
//! - [`file`]: approval files a notice as the actioner does.
//! - [`routes`]: the handlers, one module per kind of tenant plus the common ones
//!   (`routes::delegations`: brand owners' grants to the agents acting for them).
//! - [`console`]: the web console at `/`: sign-in with a key, sessions, the owner's and the
//!   fair organizer's pages.
//!
//! An agent (a law firm acting for a brand owner) calls the owner's routes with its own key
//! and `Takedown-Act-For: <owner tenant id>`; [`auth`] states the rule.

#![forbid(unsafe_code)]

pub mod audit;
pub mod auth;
pub mod bulk;
pub mod certificate;
pub mod console;
pub mod error;
pub mod fair_docs;
pub mod file;
pub mod keys;
pub mod rights;
pub mod routes;
pub mod scopes;
pub mod screening;
pub mod status;
pub mod validate;

use std::{sync::Arc, time::Duration};

use axum::{Json, Router, middleware, routing::get};
use takedown_store::{BlobStore, Store};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use routes::{common, delegations, fair, operator, owner, platform, right_docs};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub limiter: Arc<auth::FailureLimiter>,
    /// Files the notice an approval asks for.
    pub filer: file::Filer,
    /// Where uploaded documents (registration certificates) are kept; without one, the
    /// document routes answer 503.
    pub blobs: Option<BlobStore>,
    /// How long the console's sessions live, and whether their cookies are `Secure`.
    pub console: console::ConsoleConfig,
}

impl AppState {
    /// Ten failed authentications per address per minute, then 429 until the minute ends.
    pub fn new(store: Store) -> Self {
        Self::with_limit(store, 10, Duration::from_secs(60))
    }

    /// At most `max_failures` failed authentications per client address per `window`.
    pub fn with_limit(store: Store, max_failures: u32, window: Duration) -> Self {
        Self {
            store,
            limiter: Arc::new(auth::FailureLimiter::new(max_failures, window)),
            filer: file::Filer::default(),
            blobs: None,
            console: console::ConsoleConfig::default(),
        }
    }

    /// Console sessions as `config` says.
    pub fn with_console(mut self, config: console::ConsoleConfig) -> Self {
        self.console = config;
        self
    }

    /// Keeps uploaded documents in `blobs`.
    pub fn with_blobs(mut self, blobs: BlobStore) -> Self {
        self.blobs = Some(blobs);
        self
    }

    /// Publishes approved notices on `bus` (where the notifier consumes them), composed
    /// under `policy`.
    pub fn with_filer(
        mut self,
        bus: Arc<dyn takedown_bus::Bus>,
        policy: takedown_filing::Policy,
    ) -> Self {
        self.filer = file::Filer {
            bus: Some(bus),
            policy: Arc::new(policy),
        };
        self
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "takedown API", description = "Rights registry, review queue, fairs and platform inbox, per tenant."),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("tdk_<id>_<secret>")
                    .build(),
            ),
        );
    }
}

/// Documents `Takedown-Act-For` on every operation an agent may call for a brand owner: the
/// brand-owner and common routes, except those managing access (keys, delegations), which
/// refuse agents. Done on the finished document because utoipa's modifiers run before the
/// routes are added.
fn document_act_for(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{
        ObjectBuilder, Required, Type,
        path::{ParameterBuilder, ParameterIn},
    };
    let header = ParameterBuilder::new()
        .name("Takedown-Act-For")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "An agent's key acting for the brand owner with this tenant id, under a \
             delegation that owner granted (POST /v1/delegations). Without a live delegation \
             holding the scope the request needs, the answer is 404, whatever the reason.",
        ))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build();
    for (path, item) in doc.paths.paths.iter_mut() {
        if path.starts_with("/v1/keys") || path.starts_with("/v1/delegations") {
            continue;
        }
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            let agent_may_call = op
                .tags
                .iter()
                .flatten()
                .any(|t| t == "brand_owner" || t == "common");
            if agent_may_call {
                op.parameters
                    .get_or_insert_with(Vec::new)
                    .push(header.clone());
            }
        }
    }
}

/// The `/v1` routes (behind authentication) and the OpenAPI document describing them.
pub fn api(state: AppState) -> (Router, utoipa::openapi::OpenApi) {
    let (v1, doc) = OpenApiRouter::<AppState>::with_openapi(ApiDoc::openapi())
        .routes(routes!(common::me))
        .routes(routes!(common::list_keys, common::create_key))
        .routes(routes!(common::revoke_key))
        .routes(routes!(common::audit_log))
        .routes(routes!(
            delegations::list_delegations,
            delegations::grant_delegation
        ))
        .routes(routes!(delegations::revoke_delegation))
        .routes(routes!(owner::list_rights, owner::create_right))
        .routes(routes!(
            owner::get_right,
            owner::update_right,
            owner::delete_right
        ))
        .routes(routes!(owner::bulk_import))
        .routes(routes!(right_docs::get_status, right_docs::change_status))
        .routes(routes!(
            right_docs::get_certificate,
            right_docs::put_certificate
        ))
        .routes(routes!(right_docs::certificate_meta))
        .routes(routes!(owner::list_sellers, owner::add_seller))
        .routes(routes!(owner::remove_seller))
        .routes(routes!(owner::get_policy, owner::put_policy))
        .routes(routes!(owner::review_queue))
        .routes(routes!(owner::approve))
        .routes(routes!(owner::reject))
        .routes(routes!(owner::list_cases))
        .routes(routes!(owner::get_case))
        .routes(routes!(fair::list_fairs, fair::put_fair))
        .routes(routes!(fair::get_fair))
        .routes(routes!(fair::list_exhibitors, fair::put_exhibitor))
        .routes(routes!(fair::list_screenings, fair::request_screening))
        .routes(routes!(fair::get_screening))
        .routes(routes!(platform::inbox))
        .routes(routes!(platform::inbox_notice))
        .routes(routes!(platform::get_endpoint, platform::put_endpoint))
        .routes(routes!(operator::list_tenants, operator::create_tenant))
        .routes(routes!(operator::tenant_keys))
        .routes(routes!(operator::revoke_tenant_key))
        .routes(routes!(operator::audit_log))
        .split_for_parts();
    let mut doc = doc;
    document_act_for(&mut doc);
    let v1 = v1
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .with_state(state);
    (v1, doc)
}

/// The whole service: `/v1` plus `/openapi.json` (public: it holds no tenant data). Every
/// error, including those axum answers itself (no such route, method not allowed, body too
/// large), leaves in the JSON error shape ([`error::ErrorBody`]).
///
/// The web console ([`console`]) is served beside them at `/`, its pages answering their own
/// errors as pages.
pub fn router(state: AppState) -> Router {
    let (v1, doc) = api(state.clone());
    let doc = Arc::new(doc);
    v1.route(
        "/openapi.json",
        get(move || {
            let doc = doc.clone();
            async move { Json(doc.as_ref().clone()) }
        }),
    )
    .merge(console::router(state))
    .layer(middleware::map_response(error::json_error_shape))
}

/// Serves until `shutdown` resolves; client addresses feed the failure limiter.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// [`serve`] over HTTPS with `tls` (`takedown_https::server_config`); the console's cookies
/// are then `Secure` and `__Host-` prefixed.
pub async fn serve_tls(
    mut state: AppState,
    listener: tokio::net::TcpListener,
    tls: takedown_https::ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), takedown_https::TlsError> {
    state.console.secure_cookies = true;
    takedown_https::serve_tls(router(state), listener, tls, shutdown).await
}
