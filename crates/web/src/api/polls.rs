//! Voting (biểu quyết): polls, ballots, hand counts, results and minutes; attendance and
//! the base B they are counted against.

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use daihoi_app::pollview::{self, ResultView};
use daihoi_domain::model::{DelegateId, ItemId, PollId, SessionId};
use daihoi_domain::poll::{
    Eligibility, ManualCountInput, PollInput, PollMode, PollOption, PollStatus,
};
use daihoi_domain::{Capability, CongressState, Error};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::input::{ApiResult, Id, JsonBody, OrApi, Reject, allow, body_bytes, malformed};
use crate::error::ApiErrorBody;
use crate::extract::Caller;

/// A poll as the API shows it. Secret polls never show who chose what; nobody sees the
/// choices before the poll closes.
#[derive(Debug, Serialize, ToSchema)]
pub struct PollOut {
    pub id: PollId,
    pub title: String,
    #[schema(required = true)]
    pub item_id: Option<ItemId>,
    pub questions: Vec<String>,
    pub options: Vec<PollOption>,
    pub mode: PollMode,
    pub eligibility: Eligibility,
    pub allow_change: bool,
    #[schema(required = true)]
    pub countdown_secs: Option<u32>,
    /// `draft`, `open`, `closed`, `published` or `voided`.
    pub status: String,
    #[schema(required = true)]
    pub opened_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub closes_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub closed_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    pub void_reason: Option<String>,
    #[schema(required = true)]
    pub rerun_of: Option<PollId>,
    /// Voters who have voted (or ballots of a confirmed hand count).
    pub voted: u64,
    /// Voters who may vote now (present, or every voting member when the poll allows).
    pub eligible: u64,
    /// A hand count waits for a second staff member's confirmation.
    pub manual_count_pending: bool,
    /// The counts were entered by hand and confirmed.
    pub counted_by_hand: bool,
    /// From the close on.
    #[schema(required = true)]
    pub result: Option<ResultOut>,
}

/// The result of a closed poll. Every percentage is of `base`, named by `base_kind`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultOut {
    pub ballots: u64,
    /// `party_base` (B), `shares_attending`, `present`, `entitled`.
    pub base_kind: String,
    pub base: u64,
    /// The base in words, e.g. "Tổng số đại biểu làm căn cứ (B): 449".
    pub base_line: String,
    pub questions: Vec<QuestionOut>,
    /// Shareholders' meetings: the quorum in words, with its figures.
    #[schema(required = true)]
    pub quorum: Option<String>,
    #[schema(required = true)]
    pub quorum_met: Option<bool>,
    /// Named polls: who voted what (the option's label per question), by delegate code.
    /// Empty for secret polls.
    pub named_ballots: Vec<NamedBallotOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NamedBallotOut {
    pub code: String,
    pub name: String,
    pub delegation: String,
    pub choices: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionOut {
    pub text: String,
    pub counts: Vec<CountOut>,
    pub passed: bool,
    /// "THÔNG QUA" / "KHÔNG THÔNG QUA".
    pub outcome: String,
    /// The rule with its figures.
    pub rule: String,
    /// The smallest count in favour that passes.
    pub needed: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountOut {
    pub option: String,
    pub label: String,
    /// Ballots, or shares at a shareholders' meeting.
    pub count: u64,
    /// Hundredths of a percent of the base (5260 = 52.60%), rounded half up.
    #[schema(required = true)]
    pub hundredths_of_base: Option<u64>,
    /// "52,60% của B".
    pub percent: String,
}

fn status_name(s: &PollStatus) -> &'static str {
    match s {
        PollStatus::Draft => "draft",
        PollStatus::Open { .. } => "open",
        PollStatus::Closed { .. } => "closed",
        PollStatus::Published { .. } => "published",
        PollStatus::Voided { .. } => "voided",
    }
}

fn result_out(s: &CongressState, id: PollId, view: Option<&ResultView>) -> Option<ResultOut> {
    let r = s.poll_result(id).ok()?;
    let view = view?;
    let base = r.questions.first().map(|q| q.base)?;
    Some(ResultOut {
        ballots: r.ballots,
        base_kind: serde_json::to_value(base.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        base: base.base,
        base_line: view.base_line.clone(),
        questions: r
            .questions
            .iter()
            .zip(&view.questions)
            .map(|(q, qv)| QuestionOut {
                text: qv.text.clone(),
                counts: q
                    .counts
                    .iter()
                    .zip(&qv.rows)
                    .map(|((key, share), row)| CountOut {
                        option: key.clone(),
                        label: row.label.clone(),
                        count: share.part,
                        hundredths_of_base: share.hundredths(),
                        percent: row.percent.clone(),
                    })
                    .collect(),
                passed: qv.passed,
                outcome: qv.outcome.clone(),
                rule: qv.rule.clone(),
                needed: q.needed,
            })
            .collect(),
        quorum: view.quorum.clone(),
        quorum_met: r.quorum.map(|q| q.met),
        named_ballots: view
            .named
            .iter()
            .map(|n| NamedBallotOut {
                code: n.code.clone(),
                name: n.name.clone(),
                delegation: n.delegation.clone(),
                choices: n.choices.clone(),
            })
            .collect(),
    })
}

fn poll_out(c: &Caller, id: PollId) -> Result<PollOut, Error> {
    c.web.app.read(|s| {
        let p = s.poll(id).ok_or(Error::NotFound { what: "poll" })?;
        let v = pollview::poll_view(s, &c.web.app.catalogue, c.lang, id)
            .ok_or(Error::NotFound { what: "poll" })?;
        let (closes_at, closed_at, void_reason) = match &p.status {
            PollStatus::Open { closes_at, .. } => (*closes_at, None, None),
            PollStatus::Closed { closed_at } | PollStatus::Published { closed_at, .. } => {
                (None, Some(*closed_at), None)
            }
            PollStatus::Voided { reason, .. } => (None, None, Some(reason.clone())),
            PollStatus::Draft => (None, None, None),
        };
        Ok(PollOut {
            id,
            title: p.fields.title.clone(),
            item_id: p.fields.item_id,
            questions: p.fields.questions.clone(),
            options: p.fields.options.clone(),
            mode: p.fields.mode,
            eligibility: p.fields.eligibility,
            allow_change: p.fields.allow_change,
            countdown_secs: p.fields.countdown_secs,
            status: status_name(&p.status).into(),
            opened_at: p.opened_at,
            closes_at,
            closed_at,
            void_reason,
            rerun_of: p.rerun_of,
            voted: v.voted,
            eligible: v.eligible,
            manual_count_pending: v.manual_pending_by.is_some(),
            counted_by_hand: v.counted_by_hand,
            result: result_out(s, id, v.result.as_ref()),
        })
    })
}

/// Every poll, in the order they were created.
#[utoipa::path(
    get, path = "/polls", tag = "voting",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "Polls", body = [PollOut]),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
    )
)]
pub async fn polls_get(c: Caller) -> ApiResult<Json<Vec<PollOut>>> {
    allow(&c, Capability::ViewProgram)?;
    let mut ids: Vec<PollId> = c.web.app.read(|s| s.polls().map(|p| p.id).collect());
    ids.sort();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(poll_out(&c, id).or_api(&c)?);
    }
    Ok(Json(out))
}

/// One poll (with its result from the close on).
#[utoipa::path(
    get, path = "/polls/{id}", tag = "voting",
    params(("id" = u64, Path, description = "Poll id")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The poll", body = PollOut),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 404, description = "No such poll", body = ApiErrorBody),
        (status = 422, description = "Not a valid id (`INVALID_INPUT`, field `id`)", body = ApiErrorBody),
    )
)]
pub async fn poll_get(c: Caller, id: Result<Id<PollId>, Reject>) -> ApiResult<Json<PollOut>> {
    allow(&c, Capability::ViewProgram)?;
    let Id(id) = id?;
    poll_out(&c, id).or_api(&c).map(Json)
}

/// Prepare a poll (a draft). `questions`: one per line (empty: the title is the question);
/// `options`: `key: label` per line (empty: Tán thành / Không tán thành / Không biểu quyết);
/// `mode`: `named` or `secret`; `eligibility`: `present_only` or `all_voting_members`.
#[utoipa::path(
    post, path = "/polls", tag = "voting",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    request_body = PollInput,
    responses(
        (status = 201, description = "The draft", body = PollOut),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not allowed", body = ApiErrorBody),
        (status = 409, description = "`CONGRESS_NOT_CONFIGURED`", body = ApiErrorBody),
        (status = 422, description = "Invalid input (`field` names it)", body = ApiErrorBody),
    )
)]
pub async fn poll_create(
    c: Caller,
    body: Result<JsonBody<PollInput>, Reject>,
) -> ApiResult<(StatusCode, Json<PollOut>)> {
    let p = allow(&c, Capability::ManagePolls)?;
    let JsonBody(input) = body?;
    let id = c.web.app.create_poll(p, &input).await.or_api(&c)?;
    Ok((StatusCode::CREATED, Json(poll_out(&c, id).or_api(&c)?)))
}

/// Change a draft.
#[utoipa::path(
    put, path = "/polls/{id}", tag = "voting",
    params(("id" = u64, Path, description = "Poll id")),
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    request_body = PollInput,
    responses(
        (status = 200, description = "The draft", body = PollOut),
        (status = 404, description = "No such poll", body = ApiErrorBody),
        (status = 409, description = "`POLL_NOT_DRAFT`", body = ApiErrorBody),
        (status = 422, description = "Invalid input", body = ApiErrorBody),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`)", body = ApiErrorBody),
    )
)]
pub async fn poll_edit(
    c: Caller,
    id: Result<Id<PollId>, Reject>,
    body: Result<JsonBody<PollInput>, Reject>,
) -> ApiResult<Json<PollOut>> {
    let p = allow(&c, Capability::ManagePolls)?;
    let Id(id) = id?;
    let JsonBody(input) = body?;
    c.web.app.edit_poll(p, id, &input).await.or_api(&c)?;
    poll_out(&c, id).or_api(&c).map(Json)
}

macro_rules! lifecycle {
    ($(#[$doc:meta])* $name:ident, $path:literal, $call:ident, $conflicts:literal) => {
        $(#[$doc])*
        #[utoipa::path(
            post, path = $path, tag = "voting",
            params(("id" = u64, Path, description = "Poll id")),
            security(("bearer" = []), ("cookie" = [], "csrf" = [])),
            responses(
                (status = 200, description = "The poll", body = PollOut),
                (status = 401, description = "Not signed in", body = ApiErrorBody),
                (status = 403, description = "Not allowed", body = ApiErrorBody),
                (status = 404, description = "No such poll", body = ApiErrorBody),
                (status = 409, description = $conflicts, body = ApiErrorBody),
                (status = 422, description = "Not a valid id (`INVALID_INPUT`, field `id`)", body = ApiErrorBody),
            )
        )]
        pub async fn $name(c: Caller, id: Result<Id<PollId>, Reject>) -> ApiResult<Json<PollOut>> {
            let p = allow(&c, Capability::ManagePolls)?;
            let Id(id) = id?;
            c.web.app.$call(p, id).await.or_api(&c)?;
            poll_out(&c, id).or_api(&c).map(Json)
        }
    };
}

lifecycle!(
    /// Open a draft for voting (one poll at a time). Snapshots the voting members.
    poll_open, "/polls/{id}/open", open_poll,
    "`POLL_NOT_DRAFT`, `ANOTHER_POLL_OPEN`, `BASE_NOT_RECORDED`, `NO_SESSION_RUNNING`, `NO_VOTING_MEMBERS`, `MANUAL_COUNT_PENDING`"
);
lifecycle!(
    /// Close an open poll and count it.
    poll_close, "/polls/{id}/close", close_poll,
    "`POLL_NOT_OPEN`, `MANUAL_COUNT_PENDING`"
);
lifecycle!(
    /// Publish a closed poll's result.
    poll_publish, "/polls/{id}/publish", publish_poll,
    "`POLL_NOT_CLOSED`"
);
lifecycle!(
    /// A second staff member confirms the hand count: the poll closes with it.
    manual_count_confirm, "/polls/{id}/manual-count/confirm", confirm_manual_count,
    "`NO_MANUAL_COUNT`, `SAME_STAFF_CONFIRM`"
);
lifecycle!(
    /// Throw away a hand count that has not been confirmed.
    manual_count_discard, "/polls/{id}/manual-count/discard", discard_manual_count,
    "`NO_MANUAL_COUNT`"
);

#[derive(Debug, Deserialize, ToSchema)]
pub struct VoidIn {
    /// Why the poll is voided (required).
    pub reason: String,
}

/// Void a poll, saying why; it can then be re-run.
#[utoipa::path(
    post, path = "/polls/{id}/void", tag = "voting",
    params(("id" = u64, Path, description = "Poll id")),
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    request_body = VoidIn,
    responses(
        (status = 200, description = "The voided poll", body = PollOut),
        (status = 404, description = "No such poll", body = ApiErrorBody),
        (status = 409, description = "`POLL_VOIDED`", body = ApiErrorBody),
        (status = 422, description = "No reason", body = ApiErrorBody),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`)", body = ApiErrorBody),
    )
)]
pub async fn poll_void(
    c: Caller,
    id: Result<Id<PollId>, Reject>,
    body: Result<JsonBody<VoidIn>, Reject>,
) -> ApiResult<Json<PollOut>> {
    let p = allow(&c, Capability::ManagePolls)?;
    let Id(id) = id?;
    let JsonBody(v) = body?;
    c.web.app.void_poll(p, id, &v.reason).await.or_api(&c)?;
    poll_out(&c, id).or_api(&c).map(Json)
}

/// A new draft with the fields of a voided poll.
#[utoipa::path(
    post, path = "/polls/{id}/rerun", tag = "voting",
    params(("id" = u64, Path, description = "Poll id")),
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    responses(
        (status = 201, description = "The new draft", body = PollOut),
        (status = 404, description = "No such poll", body = ApiErrorBody),
        (status = 409, description = "`POLL_NOT_VOIDED`", body = ApiErrorBody),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`)", body = ApiErrorBody),
        (status = 422, description = "Not a valid id (`INVALID_INPUT`, field `id`)", body = ApiErrorBody),
    )
)]
pub async fn poll_rerun(
    c: Caller,
    id: Result<Id<PollId>, Reject>,
) -> ApiResult<(StatusCode, Json<PollOut>)> {
    let p = allow(&c, Capability::ManagePolls)?;
    let Id(id) = id?;
    let new = c.web.app.rerun_poll(p, id).await.or_api(&c)?;
    Ok((StatusCode::CREATED, Json(poll_out(&c, new).or_api(&c)?)))
}

/// A ballot: one option key per question, in question order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoteIn {
    pub choices: Vec<String>,
    /// Idempotency key (8–64 of `A-Z a-z 0-9 - _`), also accepted as the
    /// `Idempotency-Key` header. Resubmitting a ballot with the same key returns the same
    /// receipt and never counts twice.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptOut {
    pub poll: PollId,
    /// The receipt code: proof the ballot is stored (it reveals nothing of the choice).
    pub receipt: String,
}

/// Cast the signed-in delegate's ballot. Acknowledged (200) only once it is durable. A
/// refused ballot changes nothing and is recorded in the audit log.
#[utoipa::path(
    post, path = "/polls/{id}/vote", tag = "voting",
    params(
        ("id" = u64, Path, description = "Poll id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes resubmission safe"),
    ),
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    request_body = VoteIn,
    responses(
        (status = 200, description = "Stored", body = ReceiptOut),
        (status = 401, description = "Not signed in", body = ApiErrorBody),
        (status = 403, description = "Not a delegate with a vote", body = ApiErrorBody),
        (status = 404, description = "No such poll", body = ApiErrorBody),
        (status = 409, description = "`POLL_NOT_OPEN`, `POLL_CLOSED`, `ALREADY_VOTED`, `NOT_ELIGIBLE`, `NOT_PRESENT`, `COUNTDOWN_OVER`, `MANUAL_COUNT_PENDING`", body = ApiErrorBody),
        (status = 422, description = "Unknown option, wrong number of choices, bad key, unreadable body", body = ApiErrorBody),
    )
)]
pub async fn vote(
    c: Caller,
    id: Result<Id<PollId>, Reject>,
    headers: HeaderMap,
    req: Request,
) -> ApiResult<Json<ReceiptOut>> {
    let p = allow(&c, Capability::ViewProgram)?.clone();
    let app = c.web.app.clone();
    let id = match id {
        Ok(Id(id)) => id,
        Err(r) => {
            app.audit_refusal(&p, None, &Error::invalid("id", "invalid_id"))
                .await;
            return Err(r);
        }
    };
    let (choices, key) = match parse_vote(&c, &headers, req).await {
        Ok(x) => x,
        Err(e) => {
            app.audit_refusal(&p, Some(id), &e).await;
            return Err(e).or_api(&c);
        }
    };
    let r = app
        .cast_vote(&p, id, &choices, key.as_deref())
        .await
        .or_api(&c)?;
    Ok(Json(ReceiptOut {
        poll: id,
        receipt: r.code,
    }))
}

async fn parse_vote(
    c: &Caller,
    headers: &HeaderMap,
    req: Request,
) -> Result<(Vec<String>, Option<String>), Error> {
    let json = super::input::content_type(headers)
        .is_some_and(|m| m.type_() == mime::APPLICATION && m.subtype() == mime::JSON);
    if !json {
        return Err(malformed("expected Content-Type application/json"));
    }
    let bytes = body_bytes(&c.web, c.lang, req)
        .await
        .map_err(|_| Error::TooLarge {
            limit_bytes: c.web.opts.max_body_bytes as u64,
        })?;
    let v: VoteIn = serde_json::from_slice(&bytes).map_err(malformed)?;
    let header_key = headers
        .get("idempotency-key")
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned);
    Ok((v.choices, v.idempotency_key.or(header_key)))
}

/// Record hand-counted figures (paper ballots, show of hands) for a draft or open poll
/// nobody voted on from a device. They count once a different staff member confirms them.
#[utoipa::path(
    post, path = "/polls/{id}/manual-count", tag = "voting",
    params(("id" = u64, Path, description = "Poll id")),
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    request_body = ManualCountInput,
    responses(
        (status = 200, description = "The poll, with the count pending", body = PollOut),
        (status = 404, description = "No such poll", body = ApiErrorBody),
        (status = 409, description = "`DEVICE_VOTES_EXIST`, `MANUAL_COUNT_PENDING`, `POLL_CLOSED`, `BASE_NOT_RECORDED`", body = ApiErrorBody),
        (status = 422, description = "Figures that are not numbers, do not add up, or exceed those entitled", body = ApiErrorBody),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`)", body = ApiErrorBody),
    )
)]
pub async fn manual_count(
    c: Caller,
    id: Result<Id<PollId>, Reject>,
    body: Result<JsonBody<ManualCountInput>, Reject>,
) -> ApiResult<Json<PollOut>> {
    let p = allow(&c, Capability::ManagePolls)?;
    let Id(id) = id?;
    let JsonBody(input) = body?;
    c.web
        .app
        .enter_manual_count(p, id, &input)
        .await
        .or_api(&c)?;
    poll_out(&c, id).or_api(&c).map(Json)
}

fn pdf(bytes: Vec<u8>, name: String) -> Response {
    let disposition = HeaderValue::from_str(&format!("inline; filename=\"{name}\""))
        .unwrap_or(HeaderValue::from_static("inline"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/pdf"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        bytes,
    )
        .into_response()
}

/// The minutes (biên bản) of a closed poll as PDF, with its event-log position.
#[utoipa::path(
    get, path = "/polls/{id}/minutes.pdf", tag = "voting",
    params(("id" = u64, Path, description = "Poll id")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 403, description = "Not allowed (staff, or anyone once published)", body = ApiErrorBody),
        (status = 404, description = "No such poll", body = ApiErrorBody),
        (status = 409, description = "`POLL_NOT_CLOSED`", body = ApiErrorBody),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`)", body = ApiErrorBody),
        (status = 422, description = "Not a valid id (`INVALID_INPUT`, field `id`)", body = ApiErrorBody),
    )
)]
pub async fn poll_minutes(c: Caller, id: Result<Id<PollId>, Reject>) -> ApiResult<Response> {
    let p = allow(&c, Capability::ViewProgram)?;
    let Id(id) = id?;
    let bytes = c.web.app.poll_minutes_pdf(p, id, c.lang).await.or_api(&c)?;
    Ok(pdf(bytes, format!("bien-ban-bieu-quyet-{id}.pdf")))
}

/// The summary minutes of a session's polls as PDF.
#[utoipa::path(
    get, path = "/sessions/{id}/minutes.pdf", tag = "voting",
    params(("id" = u64, Path, description = "Session id")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = 403, description = "Not allowed", body = ApiErrorBody),
        (status = 404, description = "No such session", body = ApiErrorBody),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`)", body = ApiErrorBody),
        (status = 422, description = "Not a valid id (`INVALID_INPUT`, field `id`)", body = ApiErrorBody),
    )
)]
pub async fn session_minutes(c: Caller, id: Result<Id<SessionId>, Reject>) -> ApiResult<Response> {
    let p = allow(&c, Capability::ViewProgram)?;
    let Id(id) = id?;
    let bytes = c
        .web
        .app
        .session_minutes_pdf(p, id, c.lang)
        .await
        .or_api(&c)?;
    Ok(pdf(bytes, format!("bien-ban-phien-{id}.pdf")))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AttendanceIn {
    pub delegates: Vec<DelegateId>,
    pub present: bool,
}

/// Mark delegates present (or not) for a session: who may vote on `present_only` polls.
#[utoipa::path(
    post, path = "/sessions/{id}/attendance", tag = "voting",
    params(("id" = u64, Path, description = "Session id")),
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    request_body = AttendanceIn,
    responses(
        (status = 204, description = "Recorded"),
        (status = 403, description = "Not allowed", body = ApiErrorBody),
        (status = 404, description = "No such session or delegate", body = ApiErrorBody),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`)", body = ApiErrorBody),
        (status = 422, description = "Not a valid id (`INVALID_INPUT`, field `id`)", body = ApiErrorBody),
    )
)]
pub async fn attendance(
    c: Caller,
    id: Result<Id<SessionId>, Reject>,
    body: Result<JsonBody<AttendanceIn>, Reject>,
) -> ApiResult<StatusCode> {
    let p = allow(&c, Capability::RecordAttendance)?;
    let Id(id) = id?;
    let JsonBody(a) = body?;
    c.web
        .app
        .mark_attendance_many(p, id, &a.delegates, a.present)
        .await
        .or_api(&c)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BaseIn {
    /// B: summoned official delegates, minus those absent throughout without an alternate,
    /// minus absent convening-committee members (from the credentials report).
    pub base: u64,
    #[serde(default)]
    pub note: String,
}

/// Party congresses: record the base B from the credentials report.
#[utoipa::path(
    put, path = "/congress/base", tag = "voting",
    security(("bearer" = []), ("cookie" = [], "csrf" = [])),
    request_body = BaseIn,
    responses(
        (status = 204, description = "Recorded"),
        (status = 403, description = "Not allowed", body = ApiErrorBody),
        (status = 409, description = "`NOT_PARTY_CONGRESS`", body = ApiErrorBody),
        (status = 422, description = "Out of range", body = ApiErrorBody),
        (status = 401, description = "Not signed in (`UNAUTHENTICATED`)", body = ApiErrorBody),
    )
)]
pub async fn base_put(c: Caller, body: Result<JsonBody<BaseIn>, Reject>) -> ApiResult<StatusCode> {
    let p = allow(&c, Capability::RecordAttendance)?;
    let JsonBody(b) = body?;
    c.web.app.record_base(p, b.base, &b.note).await.or_api(&c)?;
    Ok(StatusCode::NO_CONTENT)
}
