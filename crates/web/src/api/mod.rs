//! The JSON API under `/api/v1`: everything the pages do, for scripts and other programs,
//! described by the OpenAPI document at `/api/v1/openapi.json`.
//!
//! Callers authenticate with an API token (`Authorization: Bearer dh_<id>_<secret>`, made
//! with `daihoi token create`) or with the session cookie of a signed-in browser; cookie
//! calls that change anything must send `X-CSRF-Token` (see `GET /me`). Every handler
//! checks the capability, calls one use case and answers JSON; every error is
//! `{code, message, field?, problems?}` with the status of [`crate::error::status_of`].
//!
//! Every route below is documented with `#[utoipa::path]` and listed in [`ApiDoc`]; a test
//! reads `routes()` from this file and compares it with the document's paths.

use std::sync::OnceLock;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use daihoi_domain::Error;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::Web;
use crate::extract::Caller;

mod docs;
mod dto;
mod input;
mod people;
mod polls;
mod program;

pub fn routes() -> Router<Web> {
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/me", get(people::me))
        .route(
            "/congress",
            get(program::congress_get).put(program::congress_put),
        )
        .route("/program", get(program::program_get))
        .route("/sessions", post(program::session_add))
        .route(
            "/sessions/{id}",
            put(program::session_edit).delete(program::session_remove),
        )
        .route("/sessions/{id}/move", post(program::session_move))
        .route("/sessions/{id}/start", post(program::session_start))
        .route("/sessions/{id}/end", post(program::session_end))
        .route("/sessions/{id}/items", post(program::item_add))
        .route(
            "/items/{id}",
            put(program::item_edit).delete(program::item_remove),
        )
        .route("/items/{id}/move", post(program::item_move))
        .route("/live", get(program::live_get))
        .route("/live/item", put(program::live_set_item))
        .route("/live/next", post(program::live_next))
        .route("/live/previous", post(program::live_previous))
        .route(
            "/announcements",
            get(program::announcements_get).post(program::announce),
        )
        .route(
            "/announcements/{id}/withdraw",
            post(program::announcement_withdraw),
        )
        .route("/delegates", get(people::delegates_get))
        .route("/delegates/import", post(people::delegates_import))
        .route("/delegates/badges.pdf", get(people::badges_pdf))
        .route("/delegates/{id}", get(people::delegate_get))
        .route(
            "/delegates/{id}/revoke-qr",
            post(people::delegate_revoke_qr),
        )
        .route(
            "/delegates/{id}/sign-in-url",
            get(people::delegate_sign_in_url),
        )
        .route(
            "/accounts",
            get(people::accounts_get).post(people::account_create),
        )
        .route("/accounts/{id}", put(people::account_edit))
        .route("/accounts/{id}/password", put(people::account_password))
        .route(
            "/accounts/{id}/revoke-sign-in",
            post(people::account_revoke_sign_in),
        )
        .route(
            "/accounts/{id}/sign-in-url",
            get(people::account_sign_in_url),
        )
        .route(
            "/tokens",
            get(people::tokens_get).post(people::token_create),
        )
        .route("/tokens/{id}/revoke", post(people::token_revoke))
        .route("/polls", get(polls::polls_get).post(polls::poll_create))
        .route("/polls/{id}", get(polls::poll_get).put(polls::poll_edit))
        .route("/polls/{id}/open", post(polls::poll_open))
        .route("/polls/{id}/close", post(polls::poll_close))
        .route("/polls/{id}/publish", post(polls::poll_publish))
        .route("/polls/{id}/void", post(polls::poll_void))
        .route("/polls/{id}/rerun", post(polls::poll_rerun))
        .route("/polls/{id}/vote", post(polls::vote))
        .route("/polls/{id}/manual-count", post(polls::manual_count))
        .route(
            "/polls/{id}/manual-count/confirm",
            post(polls::manual_count_confirm),
        )
        .route(
            "/polls/{id}/manual-count/discard",
            post(polls::manual_count_discard),
        )
        .route("/polls/{id}/minutes.pdf", get(polls::poll_minutes))
        .route("/sessions/{id}/minutes.pdf", get(polls::session_minutes))
        .route("/sessions/{id}/attendance", post(polls::attendance))
        .route("/congress/base", put(polls::base_put))
        .route(
            "/documents",
            get(docs::documents_get).post(docs::document_upload),
        )
        .route("/documents/search", get(docs::documents_search))
        .route("/documents/batch", post(docs::documents_batch))
        .route(
            "/documents/{id}",
            get(docs::document_get)
                .put(docs::document_edit)
                .delete(docs::document_remove),
        )
        .route("/documents/{id}/text", get(docs::document_text))
        .route("/documents/{id}/download", get(docs::document_download))
        .route("/documents/{id}/versions", post(docs::document_version))
        .route("/folders", get(docs::folders_get).post(docs::folder_create))
        .route("/folders/{id}", delete(docs::folder_remove))
        .route("/audit", get(people::audit_get))
        .route("/audit/verify", get(people::audit_verify))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
}

/// No such route, or not with this method: our JSON 404, never axum's empty answer.
async fn not_found(c: Caller) -> Response {
    c.api_err(Error::NotFound { what: "page" }).into_response()
}

const API_DESCRIPTION: &str = "\
The JSON API of daihoi, a paperless congress platform: everything the organiser, presidium and \
delegate pages do.

Authenticate with an API token (`Authorization: Bearer dh_<id>_<secret>`, created with \
`daihoi token create --role ROLE`) or with the session cookie of a signed-in browser. Cookie \
calls that change anything (POST, PUT, DELETE) must also send the session's CSRF token in \
`X-CSRF-Token` (read it from `GET /me`); bearer calls need none.

Every error is `{code, message, field?, problems?}`: `code` is stable (`INVALID_INPUT`, \
`NOT_FOUND`, `UNAUTHENTICATED`, `FORBIDDEN`, `CSRF`, `IMPORT_REJECTED`, or a conflict such as \
`ANOTHER_SESSION_RUNNING`), `message` is translated (cookie `daihoi_lang` = `vi` or `en`), \
`field` names the input at fault (`body` when the JSON itself cannot be read), `problems` lists \
the rows of a rejected import. Statuses: 201 created, 204 no content, 401, 403, 404, 409 \
conflict with the current state, 413, 422 invalid input, 429.

Live updates: `GET /events` (outside this API) is a Server-Sent Events stream of notices \
`{seq, topics, fragments}` (`fragments` carries the fresh HTML of the page region a browser \
shows live); re-read `GET /live`, `/program` or `/announcements` when their topic appears.";

#[derive(OpenApi)]
#[openapi(
    info(title = "daihoi API", description = API_DESCRIPTION),
    servers((url = "/api/v1")),
    paths(
        openapi_json,
        people::me,
        program::congress_get,
        program::congress_put,
        program::program_get,
        program::session_add,
        program::session_edit,
        program::session_remove,
        program::session_move,
        program::session_start,
        program::session_end,
        program::item_add,
        program::item_edit,
        program::item_remove,
        program::item_move,
        program::live_get,
        program::live_set_item,
        program::live_next,
        program::live_previous,
        program::announcements_get,
        program::announce,
        program::announcement_withdraw,
        people::delegates_get,
        people::delegates_import,
        people::badges_pdf,
        people::delegate_get,
        people::delegate_revoke_qr,
        people::delegate_sign_in_url,
        people::accounts_get,
        people::account_create,
        people::account_edit,
        people::account_password,
        people::account_revoke_sign_in,
        people::account_sign_in_url,
        people::tokens_get,
        people::token_create,
        people::token_revoke,
        people::audit_get,
        people::audit_verify,
        docs::documents_get,
        docs::document_get,
        docs::document_text,
        docs::document_download,
        docs::documents_search,
        docs::document_upload,
        docs::document_version,
        docs::documents_batch,
        docs::document_edit,
        docs::document_remove,
        docs::folders_get,
        docs::folder_create,
        docs::folder_remove,
        polls::polls_get,
        polls::poll_get,
        polls::poll_create,
        polls::poll_edit,
        polls::poll_open,
        polls::poll_close,
        polls::poll_publish,
        polls::poll_void,
        polls::poll_rerun,
        polls::vote,
        polls::manual_count,
        polls::manual_count_confirm,
        polls::manual_count_discard,
        polls::poll_minutes,
        polls::session_minutes,
        polls::attendance,
        polls::base_put,
    ),
    components(schemas(crate::error::ApiErrorBody, crate::error::RowProblemBody)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "meta", description = "This document"),
        (name = "me", description = "Who is calling"),
        (name = "congress", description = "The congress itself"),
        (name = "program", description = "Days, sessions and agenda items"),
        (name = "live", description = "Running sessions and what the hall shows now"),
        (name = "announcements", description = "Announcements to every screen and phone"),
        (name = "delegates", description = "The delegate list, its import, QR codes and badges"),
        (name = "accounts", description = "Staff and device accounts"),
        (name = "tokens", description = "API tokens"),
        (name = "audit", description = "The hash-chained event log"),
        (name = "voting", description = "Polls (biểu quyết), ballots, hand counts, results, minutes; attendance and the base B"),
        (name = "documents", description = "Congress documents: folders, uploads and versions, search, text, downloads"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let c = api.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("dh_<id>_<secret>")
                    .description(Some(
                        "An API token from `daihoi token create`; its role decides what it may do.",
                    ))
                    .build(),
            ),
        );
        c.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "daihoi_session",
                "The session cookie of a signed-in browser. State-changing calls also need the \
                 `csrf` header (X-CSRF-Token), whose value `GET /me` returns.",
            ))),
        );
        c.add_security_scheme(
            "csrf",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-CSRF-Token",
                "The session's CSRF token (`csrf_token` of `GET /me`), required with the cookie on \
                 POST, PUT and DELETE. Not needed with a bearer token.",
            ))),
        );
    }
}

/// This document.
#[utoipa::path(
    get, path = "/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3 document of this API", content_type = "application/json", body = Object))
)]
pub async fn openapi_json() -> Response {
    static DOC: OnceLock<String> = OnceLock::new();
    let doc = DOC.get_or_init(|| {
        ApiDoc::openapi()
            .to_json()
            .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }).to_string())
    });
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        doc.as_str(),
    )
        .into_response()
}

#[cfg(test)]
mod tests;
