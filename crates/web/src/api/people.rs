//! Delegates, accounts, API tokens, the audit log, and who is calling.

use axum::Json;
use axum::extract::{FromRequest, Multipart, RawQuery, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use daihoi_app::Subject;
use daihoi_domain::model::{AccountId, DelegateId, TokenId};
use daihoi_domain::state::ImportSummary;
use daihoi_domain::{Capability, Error, Problem};

use super::dto::*;
use super::input::{
    ApiResult, Id, JsonBody, OrApi, Reject, allow, body_bytes, content_type, invalid_param,
    malformed, query_value,
};
use crate::error::ApiErrorBody;
use crate::extract::Caller;

// ----- delegates -------------------------------------------------------------------------

/// The delegate list, by code.
#[utoipa::path(
    get, path = "/delegates", tag = "delegates",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Every delegate, ordered by code", body = [DelegateOut]),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed", body = ApiErrorBody),
    )
)]
pub async fn delegates_get(c: Caller) -> ApiResult<Json<Vec<DelegateOut>>> {
    allow(&c, Capability::ViewDelegates)?;
    let mut list: Vec<DelegateOut> = c
        .web
        .app
        .read(|s| s.delegates().map(DelegateOut::from).collect());
    list.sort_by(|a, b| a.fields.code.cmp(&b.fields.code));
    Ok(Json(list))
}

/// One delegate.
#[utoipa::path(
    get, path = "/delegates/{id}", tag = "delegates",
    security(("bearer" = []), ("cookie" = [])),
    params(("id" = u64, Path, description = "Delegate id")),
    responses(
        (status = 200, description = "The delegate", body = DelegateOut),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed", body = ApiErrorBody),
        (status = 404, description = "No such delegate", body = ApiErrorBody),
        (status = 422, description = "Invalid id", body = ApiErrorBody),
    )
)]
pub async fn delegate_get(
    c: Caller,
    id: Result<Id<DelegateId>, Reject>,
) -> ApiResult<Json<DelegateOut>> {
    allow(&c, Capability::ViewDelegates)?;
    let Id(id) = id?;
    let d = c.web.app.read(|s| s.delegate(id).map(DelegateOut::from));
    d.ok_or(Error::NotFound { what: "delegate" })
        .or_api(&c)
        .map(Json)
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Import a delegate list (CSV or XLSX), all or nothing: delegates are matched by code,
/// created or updated. Send the file itself as the body (`Content-Type: text/csv` or the
/// XLSX type, `?file_name=` optional), or as the multipart field `file`.
#[utoipa::path(
    post, path = "/delegates/import", tag = "delegates",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    params(("file_name" = Option<String>, Query, description = "The file's name, recorded in the audit log")),
    request_body(
        description = "The delegate list",
        content(
            ("text/csv"),
            ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("application/octet-stream"),
            (ImportForm = "multipart/form-data"),
        )
    ),
    responses(
        (status = 200, description = "Imported", body = ImportSummary),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed, or `CSRF`", body = ApiErrorBody),
        (status = 413, description = "`PAYLOAD_TOO_LARGE`", body = ApiErrorBody),
        (status = 422, description = "`IMPORT_REJECTED` with `problems` (row, column, message), or `INVALID_INPUT` (field `file` or `body`)", body = ApiErrorBody),
    )
)]
pub async fn delegates_import(
    c: Caller,
    RawQuery(query): RawQuery,
    req: Request,
) -> ApiResult<Json<ImportSummary>> {
    let p = allow(&c, Capability::ManageDelegates)?;
    let (web, lang) = (c.web.clone(), c.lang);
    let named = query_value(query.as_deref(), "file_name").filter(|n| !n.trim().is_empty());
    let ct = content_type(req.headers());
    let essence = ct.as_ref().map(|m| m.essence_str().to_string());
    let (file_name, bytes) = match essence.as_deref() {
        Some("multipart/form-data") => {
            let mut form = Multipart::from_request(req, &web)
                .await
                .map_err(|e| malformed(e.body_text()))
                .or_api(&c)?;
            let mut found = None;
            while let Some(field) = form
                .next_field()
                .await
                .map_err(|e| malformed(e.body_text()))
                .or_api(&c)?
            {
                if field.name() == Some("file") {
                    let name = named
                        .clone()
                        .or_else(|| field.file_name().map(str::to_string))
                        .unwrap_or_else(|| "delegates".into());
                    let data = field
                        .bytes()
                        .await
                        .map_err(|e| malformed(e.body_text()))
                        .or_api(&c)?;
                    found = Some((name, data));
                    break;
                }
            }
            found
                .ok_or_else(|| Error::invalid("file", "required"))
                .or_api(&c)?
        }
        Some("text/csv") => (
            named.unwrap_or_else(|| "delegates.csv".into()),
            body_bytes(&web, lang, req).await?,
        ),
        Some(XLSX) => (
            named.unwrap_or_else(|| "delegates.xlsx".into()),
            body_bytes(&web, lang, req).await?,
        ),
        Some("application/octet-stream") => (
            named.unwrap_or_else(|| "delegates".into()),
            body_bytes(&web, lang, req).await?,
        ),
        _ => {
            let got = ct.map(|m| m.to_string()).unwrap_or_else(|| "none".into());
            return Err(malformed(format!(
                "expected Content-Type text/csv, {XLSX} or multipart/form-data, not {got}"
            )))
            .or_api(&c);
        }
    };
    let summary = c
        .web
        .app
        .import_delegates(p, &file_name, &bytes)
        .await
        .or_api(&c)?;
    Ok(Json(summary))
}

/// Revoke a delegate's QR code (lost badge): the old code and every session it opened stop
/// working. Answers the new code's URL, to print a new badge.
#[utoipa::path(
    post, path = "/delegates/{id}/revoke-qr", tag = "delegates",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    params(("id" = u64, Path, description = "Delegate id")),
    responses(
        (status = 200, description = "Revoked; the new sign-in URL", body = SignInUrlOut),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed, or `CSRF`", body = ApiErrorBody),
        (status = 404, description = "No such delegate", body = ApiErrorBody),
        (status = 422, description = "Invalid id", body = ApiErrorBody),
    )
)]
pub async fn delegate_revoke_qr(
    c: Caller,
    id: Result<Id<DelegateId>, Reject>,
) -> ApiResult<Json<SignInUrlOut>> {
    let p = allow(&c, Capability::ManageDelegates)?;
    let Id(id) = id?;
    c.web.app.revoke_qr(p, id).await.or_api(&c)?;
    let url = c
        .web
        .app
        .read(|s| s.delegate(id).map(|d| c.web.app.qr_url(d)));
    url.ok_or(Error::NotFound { what: "delegate" })
        .or_api(&c)
        .map(|sign_in_url| Json(SignInUrlOut { sign_in_url }))
}

/// The URL in a delegate's QR code (opening it signs the delegate in).
#[utoipa::path(
    get, path = "/delegates/{id}/sign-in-url", tag = "delegates",
    security(("bearer" = []), ("cookie" = [])),
    params(("id" = u64, Path, description = "Delegate id")),
    responses(
        (status = 200, description = "The sign-in URL", body = UrlOut),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed", body = ApiErrorBody),
        (status = 404, description = "No such delegate", body = ApiErrorBody),
        (status = 422, description = "Invalid id", body = ApiErrorBody),
    )
)]
pub async fn delegate_sign_in_url(
    c: Caller,
    id: Result<Id<DelegateId>, Reject>,
) -> ApiResult<Json<UrlOut>> {
    allow(&c, Capability::ManageDelegates)?;
    let Id(id) = id?;
    let url = c
        .web
        .app
        .read(|s| s.delegate(id).map(|d| c.web.app.qr_url(d)));
    url.ok_or(Error::NotFound { what: "delegate" })
        .or_api(&c)
        .map(|url| Json(UrlOut { url }))
}

/// Every delegate's badge with its QR code, as one printable A4 PDF.
#[utoipa::path(
    get, path = "/delegates/badges.pdf", tag = "delegates",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The badges (A4, 2 × 4 per page)", content(("application/pdf"))),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed", body = ApiErrorBody),
    )
)]
pub async fn badges_pdf(c: Caller) -> ApiResult<Response> {
    let p = allow(&c, Capability::ManageDelegates)?.clone();
    let app = c.web.app.clone();
    // A few seconds of CPU for a large congress: off the async workers.
    let pdf = tokio::task::spawn_blocking(move || app.badges_pdf(&p, None))
        .await
        .unwrap_or_else(|e| Err(Error::Storage(format!("badge rendering failed: {e}"))))
        .or_api(&c)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline; filename=\"badges.pdf\""),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        pdf,
    )
        .into_response())
}

// ----- accounts --------------------------------------------------------------------------

/// Every account (staff and devices), without password hashes.
#[utoipa::path(
    get, path = "/accounts", tag = "accounts",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Accounts by id", body = [AccountOut]),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed", body = ApiErrorBody),
    )
)]
pub async fn accounts_get(c: Caller) -> ApiResult<Json<Vec<AccountOut>>> {
    allow(&c, Capability::ManageAccounts)?;
    Ok(Json(
        c.web
            .app
            .read(|s| s.accounts().map(AccountOut::from).collect()),
    ))
}

/// Create an account. Staff roles need a password; device roles (`hall_screen`, `kiosk`,
/// `guest`) sign in by link. Delegates come from the delegate import.
#[utoipa::path(
    post, path = "/accounts", tag = "accounts",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    request_body = AccountInput,
    responses(
        (status = 201, description = "Created", body = Created),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed, or `CSRF`", body = ApiErrorBody),
        (status = 422, description = "Invalid input (e.g. `username` taken)", body = ApiErrorBody),
    )
)]
pub async fn account_create(
    c: Caller,
    body: Result<JsonBody<AccountInput>, Reject>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let p = allow(&c, Capability::ManageAccounts)?;
    let JsonBody(a) = body?;
    let role = role(&a.role).or_api(&c)?;
    let id = c
        .web
        .app
        .create_account(p, &a.username, &a.display_name, role, a.password.as_deref())
        .await
        .or_api(&c)?;
    Ok((StatusCode::CREATED, Json(Created { id: id.0 })))
}

/// Change an account's display name, role, or disable it (which signs it out everywhere).
#[utoipa::path(
    put, path = "/accounts/{id}", tag = "accounts",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    params(("id" = u64, Path, description = "Account id")),
    request_body = AccountUpdate,
    responses(
        (status = 200, description = "The account as now recorded", body = AccountOut),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed, or `CSRF`", body = ApiErrorBody),
        (status = 404, description = "No such account", body = ApiErrorBody),
        (status = 409, description = "`LAST_ADMIN`", body = ApiErrorBody),
        (status = 422, description = "Invalid input or id", body = ApiErrorBody),
    )
)]
pub async fn account_edit(
    c: Caller,
    id: Result<Id<AccountId>, Reject>,
    body: Result<JsonBody<AccountUpdate>, Reject>,
) -> ApiResult<Json<AccountOut>> {
    let p = allow(&c, Capability::ManageAccounts)?;
    let (Id(id), JsonBody(u)) = (id?, body?);
    let role = role(&u.role).or_api(&c)?;
    c.web
        .app
        .edit_account(p, id, &u.display_name, role, u.active)
        .await
        .or_api(&c)?;
    let a = c.web.app.read(|s| s.account(id).map(AccountOut::from));
    a.ok_or(Error::NotFound { what: "account" })
        .or_api(&c)
        .map(Json)
}

/// Set an account's password.
#[utoipa::path(
    put, path = "/accounts/{id}/password", tag = "accounts",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    params(("id" = u64, Path, description = "Account id")),
    request_body = PasswordInput,
    responses(
        (status = 204, description = "Set"),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed, or `CSRF`", body = ApiErrorBody),
        (status = 404, description = "No such account", body = ApiErrorBody),
        (status = 422, description = "Invalid input (e.g. too short) or id", body = ApiErrorBody),
    )
)]
pub async fn account_password(
    c: Caller,
    id: Result<Id<AccountId>, Reject>,
    body: Result<JsonBody<PasswordInput>, Reject>,
) -> ApiResult<StatusCode> {
    let p = allow(&c, Capability::ManageAccounts)?;
    let (Id(id), JsonBody(pw)) = (id?, body?);
    c.web
        .app
        .set_password(p, id, &pw.password)
        .await
        .or_api(&c)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sign an account out everywhere and invalidate its sign-in links.
#[utoipa::path(
    post, path = "/accounts/{id}/revoke-sign-in", tag = "accounts",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    params(("id" = u64, Path, description = "Account id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed, or `CSRF`", body = ApiErrorBody),
        (status = 404, description = "No such account", body = ApiErrorBody),
        (status = 422, description = "Invalid id", body = ApiErrorBody),
    )
)]
pub async fn account_revoke_sign_in(
    c: Caller,
    id: Result<Id<AccountId>, Reject>,
) -> ApiResult<StatusCode> {
    let p = allow(&c, Capability::ManageAccounts)?;
    let Id(id) = id?;
    c.web.app.revoke_sign_in(p, id).await.or_api(&c)?;
    Ok(StatusCode::NO_CONTENT)
}

/// A sign-in link for an account (hall screens, kiosks): opening it signs the device in.
#[utoipa::path(
    get, path = "/accounts/{id}/sign-in-url", tag = "accounts",
    security(("bearer" = []), ("cookie" = [])),
    params(("id" = u64, Path, description = "Account id")),
    responses(
        (status = 200, description = "The sign-in URL", body = UrlOut),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed", body = ApiErrorBody),
        (status = 404, description = "No such account", body = ApiErrorBody),
        (status = 422, description = "Invalid id", body = ApiErrorBody),
    )
)]
pub async fn account_sign_in_url(
    c: Caller,
    id: Result<Id<AccountId>, Reject>,
) -> ApiResult<Json<UrlOut>> {
    allow(&c, Capability::ManageAccounts)?;
    let Id(id) = id?;
    let url = c
        .web
        .app
        .read(|s| s.account(id).map(|a| c.web.app.link_url(a)));
    url.ok_or(Error::NotFound { what: "account" })
        .or_api(&c)
        .map(|url| Json(UrlOut { url }))
}

// ----- API tokens ------------------------------------------------------------------------

/// API tokens (created with `daihoi token create`), without their secrets.
#[utoipa::path(
    get, path = "/tokens", tag = "tokens",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Tokens by id", body = [TokenOut]),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed", body = ApiErrorBody),
    )
)]
pub async fn tokens_get(c: Caller) -> ApiResult<Json<Vec<TokenOut>>> {
    allow(&c, Capability::ManageAccounts)?;
    Ok(Json(
        c.web.app.read(|s| s.tokens().map(TokenOut::from).collect()),
    ))
}

/// Create an API token for automation. The secret is in the answer only.
#[utoipa::path(
    post, path = "/tokens", tag = "tokens",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    request_body = TokenCreateInput,
    responses(
        (status = 201, description = "Created; `token` is shown this once", body = TokenCreated),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed, or `CSRF`", body = ApiErrorBody),
        (status = 422, description = "Invalid input", body = ApiErrorBody),
    )
)]
pub async fn token_create(
    c: Caller,
    body: Result<JsonBody<TokenCreateInput>, Reject>,
) -> ApiResult<(StatusCode, Json<TokenCreated>)> {
    let p = allow(&c, Capability::ManageAccounts)?;
    let JsonBody(input) = body?;
    let token = c
        .web
        .app
        .create_token(p, &input.label, input.role)
        .await
        .or_api(&c)?;
    Ok((StatusCode::CREATED, Json(TokenCreated { token })))
}

/// Revoke an API token; it stops working at once.
#[utoipa::path(
    post, path = "/tokens/{id}/revoke", tag = "tokens",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    params(("id" = u64, Path, description = "Token id")),
    responses(
        (status = 204, description = "Revoked (or already revoked)"),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed, or `CSRF`", body = ApiErrorBody),
        (status = 404, description = "No such token", body = ApiErrorBody),
        (status = 422, description = "Invalid id", body = ApiErrorBody),
    )
)]
pub async fn token_revoke(c: Caller, id: Result<Id<TokenId>, Reject>) -> ApiResult<StatusCode> {
    let p = allow(&c, Capability::ManageAccounts)?;
    let Id(id) = id?;
    c.web.app.revoke_token(p, id).await.or_api(&c)?;
    Ok(StatusCode::NO_CONTENT)
}

// ----- audit -----------------------------------------------------------------------------

/// Most events one `GET /audit` answers.
pub const AUDIT_MAX: usize = 1000;
const AUDIT_DEFAULT: usize = 100;

fn storage(e: impl std::fmt::Display) -> Error {
    Error::Storage(e.to_string())
}

/// The event log, in order: events with `seq > after`, at most `limit` (default 100, at
/// most 1000). Page with `after` = the last `seq` received.
#[utoipa::path(
    get, path = "/audit", tag = "audit",
    security(("bearer" = []), ("cookie" = [])),
    params(
        ("after" = Option<i64>, Query, description = "Return events after this sequence number (default 0)"),
        ("limit" = Option<usize>, Query, description = "At most this many events (default 100; larger values count as 1000)"),
    ),
    responses(
        (status = 200, description = "Events in order", body = [AuditEventOut]),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed", body = ApiErrorBody),
        (status = 422, description = "Invalid `after` or `limit` (`INVALID_INPUT`, field names it)", body = ApiErrorBody),
    )
)]
pub async fn audit_get(
    c: Caller,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Vec<AuditEventOut>>> {
    allow(&c, Capability::ViewAudit)?;
    let q = query.as_deref();
    let bad =
        |field: &str| invalid_param(&c.web, c.lang, field, field, &Problem::new("invalid_id"));
    let after = match query_value(q, "after") {
        None => 0,
        Some(v) => v.trim().parse::<i64>().map_err(|_| bad("after"))?,
    };
    let limit = match query_value(q, "limit") {
        None => AUDIT_DEFAULT,
        Some(v) => v
            .trim()
            .parse::<usize>()
            .map_err(|_| bad("limit"))?
            .clamp(1, AUDIT_MAX),
    };
    let events = c
        .web
        .app
        .engine
        .store()
        .read(after.max(0), limit)
        .await
        .map_err(storage)
        .or_api(&c)?;
    Ok(Json(events.into_iter().map(AuditEventOut::from).collect()))
}

/// Check every link of the event chain (sequence, previous hash, content hash).
#[utoipa::path(
    get, path = "/audit/verify", tag = "audit",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The outcome, intact or not", body = AuditVerifyOut),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed", body = ApiErrorBody),
    )
)]
pub async fn audit_verify(c: Caller) -> ApiResult<Json<AuditVerifyOut>> {
    allow(&c, Capability::ViewAudit)?;
    let r = daihoi_store::verify_chain(c.web.app.engine.store().as_ref())
        .await
        .map_err(storage)
        .or_api(&c)?;
    Ok(Json(AuditVerifyOut {
        events: r.events,
        intact: r.broken.is_none(),
        broken_at: r.broken.as_ref().map(|b| b.seq),
        reason: r.broken.map(|b| b.reason),
        head_hash: r.head.map(|(_, h)| hex::encode(h)),
    }))
}

// ----- who is calling --------------------------------------------------------------------

/// Who is calling: any signed-in caller. Cookie sessions also get their CSRF token.
#[utoipa::path(
    get, path = "/me", tag = "me",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The caller", body = MeOut),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
    )
)]
pub async fn me(c: Caller) -> ApiResult<Json<MeOut>> {
    let p = c.signed_in().or_api(&c)?;
    let subject = match p.subject {
        Subject::Account(id) => format!("account:{id}"),
        Subject::Delegate(id) => format!("delegate:{id}"),
        Subject::Token(id) => format!("token:{id}"),
    };
    Ok(Json(MeOut {
        role: p.role,
        display_name: p.display_name.clone(),
        subject,
        csrf_token: p.csrf.clone(),
    }))
}
