//! The congress, its program (sessions and agenda items), the live state of the hall and
//! announcements.

use axum::Json;
use axum::http::StatusCode;
use daihoi_domain::model::{Announcement, AnnouncementId, CongressInfo, ItemId, SessionId};
use daihoi_domain::state::{CongressInput, ItemInput, SessionInput};
use daihoi_domain::{Capability, Error};

use super::dto::*;
use super::input::{ApiResult, Id, JsonBody, OrApi, Reject, allow};
use crate::error::ApiErrorBody;
use crate::extract::Caller;

// ----- congress --------------------------------------------------------------------------

/// The congress.
#[utoipa::path(
    get, path = "/congress", tag = "congress",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The congress", body = CongressInfo),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`)", body = ApiErrorBody),
        (status = 409, description = "`CONGRESS_NOT_CONFIGURED`", body = ApiErrorBody),
    )
)]
pub async fn congress_get(c: Caller) -> ApiResult<Json<CongressInfo>> {
    allow(&c, Capability::ViewProgram)?;
    let info = c.web.app.read(|s| s.info.clone());
    info.ok_or_else(|| Error::conflict("CONGRESS_NOT_CONFIGURED"))
        .or_api(&c)
        .map(Json)
}

/// Change the congress (name, place, dates, kind). Dates are `dd/mm/yyyy` or `yyyy-mm-dd`.
#[utoipa::path(
    put, path = "/congress", tag = "congress",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    request_body = CongressInput,
    responses(
        (status = 200, description = "The congress as now configured", body = CongressInfo),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed (`FORBIDDEN`), or a cookie call without `X-CSRF-Token` (`CSRF`)", body = ApiErrorBody),
        (status = 409, description = "`SESSIONS_OUTSIDE_DATES`", body = ApiErrorBody),
        (status = 422, description = "Invalid input (`INVALID_INPUT`, `field` names it)", body = ApiErrorBody),
    )
)]
pub async fn congress_put(
    c: Caller,
    body: Result<JsonBody<CongressInput>, Reject>,
) -> ApiResult<Json<CongressInfo>> {
    let p = allow(&c, Capability::ManageCongress)?;
    let JsonBody(input) = body?;
    c.web.app.configure_congress(p, &input).await.or_api(&c)?;
    let info = c.web.app.read(|s| s.info.clone());
    info.ok_or_else(|| Error::conflict("CONGRESS_NOT_CONFIGURED"))
        .or_api(&c)
        .map(Json)
}

// ----- program ---------------------------------------------------------------------------

/// The program: every day of the congress, its sessions in order, their agenda items.
#[utoipa::path(
    get, path = "/program", tag = "program",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Days in order", body = [ProgramDay]),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
    )
)]
pub async fn program_get(c: Caller) -> ApiResult<Json<Vec<ProgramDay>>> {
    allow(&c, Capability::ViewProgram)?;
    Ok(Json(c.web.app.read(program)))
}

/// Add a session. `date` is `dd/mm/yyyy` or `yyyy-mm-dd` within the congress; `kind` one of
/// `preparatory`, `opening`, `plenary`, `group_discussion`, `closing`, `other`; times `HH:MM`.
#[utoipa::path(
    post, path = "/sessions", tag = "program",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    request_body = SessionInput,
    responses(
        (status = 201, description = "Created", body = Created),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed, or `CSRF`", body = ApiErrorBody),
        (status = 409, description = "`CONGRESS_NOT_CONFIGURED`", body = ApiErrorBody),
        (status = 422, description = "Invalid input", body = ApiErrorBody),
    )
)]
pub async fn session_add(
    c: Caller,
    body: Result<JsonBody<SessionInput>, Reject>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let p = allow(&c, Capability::EditProgram)?;
    let JsonBody(input) = body?;
    let id = c.web.app.add_session(p, &input).await.or_api(&c)?;
    Ok((StatusCode::CREATED, Json(Created { id: id.0 })))
}

fn session_out(c: &Caller, id: SessionId) -> ApiResult<Json<SessionOut>> {
    let s = c.web.app.read(|s| s.session(id).map(SessionOut::from));
    s.ok_or(Error::NotFound { what: "session" })
        .or_api(c)
        .map(Json)
}

/// Change a session. A running session keeps its date.
#[utoipa::path(
    put, path = "/sessions/{id}", tag = "program",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    params(("id" = u64, Path, description = "Session id")),
    request_body = SessionInput,
    responses(
        (status = 200, description = "The session as now recorded", body = SessionOut),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed, or `CSRF`", body = ApiErrorBody),
        (status = 404, description = "No such session", body = ApiErrorBody),
        (status = 409, description = "`SESSION_RUNNING`", body = ApiErrorBody),
        (status = 422, description = "Invalid input or id", body = ApiErrorBody),
    )
)]
pub async fn session_edit(
    c: Caller,
    id: Result<Id<SessionId>, Reject>,
    body: Result<JsonBody<SessionInput>, Reject>,
) -> ApiResult<Json<SessionOut>> {
    let p = allow(&c, Capability::EditProgram)?;
    let (Id(id), JsonBody(input)) = (id?, body?);
    c.web.app.edit_session(p, id, &input).await.or_api(&c)?;
    session_out(&c, id)
}

/// Remove a session that has not started, with its agenda items.
#[utoipa::path(
    delete, path = "/sessions/{id}", tag = "program",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    params(("id" = u64, Path, description = "Session id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed, or `CSRF`", body = ApiErrorBody),
        (status = 404, description = "No such session", body = ApiErrorBody),
        (status = 409, description = "`SESSION_NOT_PLANNED`", body = ApiErrorBody),
        (status = 422, description = "Invalid id", body = ApiErrorBody),
    )
)]
pub async fn session_remove(c: Caller, id: Result<Id<SessionId>, Reject>) -> ApiResult<StatusCode> {
    let p = allow(&c, Capability::EditProgram)?;
    let Id(id) = id?;
    c.web.app.remove_session(p, id).await.or_api(&c)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Move a session one place up or down within its day.
#[utoipa::path(
    post, path = "/sessions/{id}/move", tag = "program",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    params(("id" = u64, Path, description = "Session id")),
    request_body = MoveInput,
    responses(
        (status = 204, description = "Moved (or already first/last)"),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed, or `CSRF`", body = ApiErrorBody),
        (status = 404, description = "No such session", body = ApiErrorBody),
        (status = 422, description = "Invalid input or id", body = ApiErrorBody),
    )
)]
pub async fn session_move(
    c: Caller,
    id: Result<Id<SessionId>, Reject>,
    body: Result<JsonBody<MoveInput>, Reject>,
) -> ApiResult<StatusCode> {
    let p = allow(&c, Capability::EditProgram)?;
    let (Id(id), JsonBody(m)) = (id?, body?);
    c.web
        .app
        .move_session(p, id, m.direction)
        .await
        .or_api(&c)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Start a session; the hall moves to its first agenda item.
#[utoipa::path(
    post, path = "/sessions/{id}/start", tag = "live",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    params(("id" = u64, Path, description = "Session id")),
    responses(
        (status = 200, description = "The hall now", body = LiveOut),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed, or `CSRF`", body = ApiErrorBody),
        (status = 404, description = "No such session", body = ApiErrorBody),
        (status = 409, description = "`ANOTHER_SESSION_RUNNING`, `SESSION_ALREADY_RUNNING`, `SESSION_ALREADY_ENDED`", body = ApiErrorBody),
        (status = 422, description = "Invalid id", body = ApiErrorBody),
    )
)]
pub async fn session_start(
    c: Caller,
    id: Result<Id<SessionId>, Reject>,
) -> ApiResult<Json<LiveOut>> {
    let p = allow(&c, Capability::RunSession)?;
    let Id(id) = id?;
    c.web.app.start_session(p, id).await.or_api(&c)?;
    Ok(Json(live(&c.web.app)))
}

/// End the running session.
#[utoipa::path(
    post, path = "/sessions/{id}/end", tag = "live",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    params(("id" = u64, Path, description = "Session id")),
    responses(
        (status = 200, description = "The hall now", body = LiveOut),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed, or `CSRF`", body = ApiErrorBody),
        (status = 404, description = "No such session", body = ApiErrorBody),
        (status = 409, description = "`SESSION_NOT_RUNNING`", body = ApiErrorBody),
        (status = 422, description = "Invalid id", body = ApiErrorBody),
    )
)]
pub async fn session_end(c: Caller, id: Result<Id<SessionId>, Reject>) -> ApiResult<Json<LiveOut>> {
    let p = allow(&c, Capability::RunSession)?;
    let Id(id) = id?;
    c.web.app.end_session(p, id).await.or_api(&c)?;
    Ok(Json(live(&c.web.app)))
}

// ----- agenda items ----------------------------------------------------------------------

/// Add an agenda item at the end of a session.
#[utoipa::path(
    post, path = "/sessions/{id}/items", tag = "program",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    params(("id" = u64, Path, description = "Session id")),
    request_body = ItemInput,
    responses(
        (status = 201, description = "Created", body = Created),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed, or `CSRF`", body = ApiErrorBody),
        (status = 404, description = "No such session", body = ApiErrorBody),
        (status = 422, description = "Invalid input or id", body = ApiErrorBody),
    )
)]
pub async fn item_add(
    c: Caller,
    id: Result<Id<SessionId>, Reject>,
    body: Result<JsonBody<ItemInput>, Reject>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    let p = allow(&c, Capability::EditProgram)?;
    let (Id(session), JsonBody(input)) = (id?, body?);
    let id = c.web.app.add_item(p, session, &input).await.or_api(&c)?;
    Ok((StatusCode::CREATED, Json(Created { id: id.0 })))
}

/// Change an agenda item; with `session_id`, move it to the end of that session.
#[utoipa::path(
    put, path = "/items/{id}", tag = "program",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    params(("id" = u64, Path, description = "Agenda item id")),
    request_body = ItemUpdate,
    responses(
        (status = 200, description = "The item as now recorded", body = ItemOut),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed, or `CSRF`", body = ApiErrorBody),
        (status = 404, description = "No such item or session", body = ApiErrorBody),
        (status = 409, description = "`ITEM_IS_CURRENT` (moving the item being presented)", body = ApiErrorBody),
        (status = 422, description = "Invalid input or id", body = ApiErrorBody),
    )
)]
pub async fn item_edit(
    c: Caller,
    id: Result<Id<ItemId>, Reject>,
    body: Result<JsonBody<ItemUpdate>, Reject>,
) -> ApiResult<Json<ItemOut>> {
    let p = allow(&c, Capability::EditProgram)?;
    let (Id(id), JsonBody(u)) = (id?, body?);
    c.web
        .app
        .edit_item(p, id, u.session_id, &u.item())
        .await
        .or_api(&c)?;
    let item = c.web.app.read(|s| s.item(id).map(ItemOut::from));
    item.ok_or(Error::NotFound {
        what: "agenda_item",
    })
    .or_api(&c)
    .map(Json)
}

/// Remove an agenda item (not the one being presented).
#[utoipa::path(
    delete, path = "/items/{id}", tag = "program",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    params(("id" = u64, Path, description = "Agenda item id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed, or `CSRF`", body = ApiErrorBody),
        (status = 404, description = "No such item", body = ApiErrorBody),
        (status = 409, description = "`ITEM_IS_CURRENT`", body = ApiErrorBody),
        (status = 422, description = "Invalid id", body = ApiErrorBody),
    )
)]
pub async fn item_remove(c: Caller, id: Result<Id<ItemId>, Reject>) -> ApiResult<StatusCode> {
    let p = allow(&c, Capability::EditProgram)?;
    let Id(id) = id?;
    c.web.app.remove_item(p, id).await.or_api(&c)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Move an agenda item one place up or down within its session.
#[utoipa::path(
    post, path = "/items/{id}/move", tag = "program",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    params(("id" = u64, Path, description = "Agenda item id")),
    request_body = MoveInput,
    responses(
        (status = 204, description = "Moved (or already first/last)"),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed, or `CSRF`", body = ApiErrorBody),
        (status = 404, description = "No such item", body = ApiErrorBody),
        (status = 422, description = "Invalid input or id", body = ApiErrorBody),
    )
)]
pub async fn item_move(
    c: Caller,
    id: Result<Id<ItemId>, Reject>,
    body: Result<JsonBody<MoveInput>, Reject>,
) -> ApiResult<StatusCode> {
    let p = allow(&c, Capability::EditProgram)?;
    let (Id(id), JsonBody(m)) = (id?, body?);
    c.web.app.move_item(p, id, m.direction).await.or_api(&c)?;
    Ok(StatusCode::NO_CONTENT)
}

// ----- the hall, live ------------------------------------------------------------------

/// What is happening in the hall now.
#[utoipa::path(
    get, path = "/live", tag = "live",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The hall now", body = LiveOut),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
    )
)]
pub async fn live_get(c: Caller) -> ApiResult<Json<LiveOut>> {
    allow(&c, Capability::ViewProgram)?;
    Ok(Json(live(&c.web.app)))
}

/// Move the hall to an agenda item of the running session, or to none (`null`).
#[utoipa::path(
    put, path = "/live/item", tag = "live",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    request_body = SetItemInput,
    responses(
        (status = 200, description = "The hall now", body = LiveOut),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed, or `CSRF`", body = ApiErrorBody),
        (status = 404, description = "No such item", body = ApiErrorBody),
        (status = 409, description = "`NO_SESSION_RUNNING`, `ITEM_NOT_IN_RUNNING_SESSION`", body = ApiErrorBody),
        (status = 422, description = "Invalid input", body = ApiErrorBody),
    )
)]
pub async fn live_set_item(
    c: Caller,
    body: Result<JsonBody<SetItemInput>, Reject>,
) -> ApiResult<Json<LiveOut>> {
    let p = allow(&c, Capability::RunSession)?;
    let JsonBody(input) = body?;
    c.web.app.set_item(p, input.item_id).await.or_api(&c)?;
    Ok(Json(live(&c.web.app)))
}

/// Move the hall to the next agenda item.
#[utoipa::path(
    post, path = "/live/next", tag = "live",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    responses(
        (status = 200, description = "The hall now", body = LiveOut),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed, or `CSRF`", body = ApiErrorBody),
        (status = 409, description = "`NO_SESSION_RUNNING`, `NO_NEXT_ITEM`", body = ApiErrorBody),
    )
)]
pub async fn live_next(c: Caller) -> ApiResult<Json<LiveOut>> {
    let p = allow(&c, Capability::RunSession)?;
    c.web.app.next_item(p).await.or_api(&c)?;
    Ok(Json(live(&c.web.app)))
}

/// Move the hall to the previous agenda item.
#[utoipa::path(
    post, path = "/live/previous", tag = "live",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    responses(
        (status = 200, description = "The hall now", body = LiveOut),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed, or `CSRF`", body = ApiErrorBody),
        (status = 409, description = "`NO_SESSION_RUNNING`, `NO_PREVIOUS_ITEM`", body = ApiErrorBody),
    )
)]
pub async fn live_previous(c: Caller) -> ApiResult<Json<LiveOut>> {
    let p = allow(&c, Capability::RunSession)?;
    c.web.app.previous_item(p).await.or_api(&c)?;
    Ok(Json(live(&c.web.app)))
}

// ----- announcements ---------------------------------------------------------------------

/// Announcements still shown, newest first.
#[utoipa::path(
    get, path = "/announcements", tag = "announcements",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Newest first", body = [Announcement]),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
    )
)]
pub async fn announcements_get(c: Caller) -> ApiResult<Json<Vec<Announcement>>> {
    allow(&c, Capability::ViewProgram)?;
    Ok(Json(
        c.web.app.read(|s| s.announcements().cloned().collect()),
    ))
}

/// Post an announcement to every screen and phone; signed with the caller's display name.
#[utoipa::path(
    post, path = "/announcements", tag = "announcements",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    request_body = AnnounceInput,
    responses(
        (status = 201, description = "Posted", body = Announcement),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed, or `CSRF`", body = ApiErrorBody),
        (status = 409, description = "`CONGRESS_NOT_CONFIGURED`", body = ApiErrorBody),
        (status = 422, description = "Invalid input", body = ApiErrorBody),
    )
)]
pub async fn announce(
    c: Caller,
    body: Result<JsonBody<AnnounceInput>, Reject>,
) -> ApiResult<(StatusCode, Json<Announcement>)> {
    let p = allow(&c, Capability::Announce)?;
    let JsonBody(input) = body?;
    let id = c.web.app.announce(p, &input.text).await.or_api(&c)?;
    let posted = c
        .web
        .app
        .read(|s| s.announcements().find(|a| a.id == id).cloned());
    posted
        .ok_or(Error::NotFound {
            what: "announcement",
        })
        .or_api(&c)
        .map(|a| (StatusCode::CREATED, Json(a)))
}

/// Withdraw an announcement from every screen.
#[utoipa::path(
    post, path = "/announcements/{id}/withdraw", tag = "announcements",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    params(("id" = u64, Path, description = "Announcement id")),
    responses(
        (status = 204, description = "Withdrawn (or already withdrawn)"),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed, or `CSRF`", body = ApiErrorBody),
        (status = 404, description = "No such announcement", body = ApiErrorBody),
        (status = 422, description = "Invalid id", body = ApiErrorBody),
    )
)]
pub async fn announcement_withdraw(
    c: Caller,
    id: Result<Id<AnnouncementId>, Reject>,
) -> ApiResult<StatusCode> {
    let p = allow(&c, Capability::Announce)?;
    let Id(id) = id?;
    c.web.app.withdraw_announcement(p, id).await.or_api(&c)?;
    Ok(StatusCode::NO_CONTENT)
}
