//! Handler tests: the whole router, a real SQLite store, a fixed clock.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{TimeZone, Utc};
use daihoi_app::usecases::SetupInput;
use daihoi_app::{App, FixedClock};
use daihoi_domain::Role;
use daihoi_domain::state::CongressInput;
use daihoi_store_sqlite::SqliteStore;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::WebOptions;

const PASSWORD: &str = "mật-khẩu-rất-dài";

struct Env {
    app: Arc<App>,
    router: Router,
    admin: String,
    _dir: tempfile::TempDir,
}

struct Answer {
    status: StatusCode,
    content_type: String,
    bytes: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        assert!(
            self.content_type.starts_with("application/json"),
            "not JSON ({}): {}",
            self.content_type,
            String::from_utf8_lossy(&self.bytes)
        );
        serde_json::from_slice(&self.bytes).unwrap()
    }
    /// Status and JSON body of an error, checking its shape.
    fn err(&self) -> (StatusCode, Value) {
        let v = self.json();
        assert!(
            v["code"].is_string() && v["message"].is_string(),
            "not an API error: {v}"
        );
        (self.status, v)
    }
}

async fn env_unconfigured() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 12, 1, 7, 0, 0).unwrap(),
    ));
    let app = App::open(Arc::new(store), clock, "http://test")
        .await
        .unwrap();
    let admin = app.create_token_system("ci", Role::Admin).await.unwrap();
    let router = crate::router(app.clone(), WebOptions::default());
    Env {
        app,
        router,
        admin,
        _dir: dir,
    }
}

async fn env() -> Env {
    let e = env_unconfigured().await;
    e.app
        .setup(&SetupInput {
            congress: CongressInput {
                name: "Đại hội đại biểu Đảng bộ tỉnh".into(),
                place: "Hội trường".into(),
                starts_on: "01/12/2026".into(),
                ends_on: "03/12/2026".into(),
                kind: "party_congress".into(),
            },
            username: "admin".into(),
            display_name: "Quản trị viên".into(),
            password: PASSWORD.into(),
        })
        .await
        .unwrap();
    e
}

impl Env {
    async fn send(&self, req: Request<Body>) -> Answer {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let content_type = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Answer {
            status,
            content_type,
            bytes,
        }
    }

    /// A call with a bearer token and an optional JSON body.
    async fn call(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Answer {
        let mut b = Request::builder()
            .method(method)
            .uri(format!("/api/v1{path}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        let body = match body {
            Some(v) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.send(b.body(body).unwrap()).await
    }

    async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, &self.admin, None).await
    }
    async fn post(&self, path: &str, body: Value) -> Answer {
        self.call(Method::POST, path, &self.admin, Some(body)).await
    }
    async fn put(&self, path: &str, body: Value) -> Answer {
        self.call(Method::PUT, path, &self.admin, Some(body)).await
    }

    async fn session(&self, title: &str) -> u64 {
        let a = self.post("/sessions", json!({"date": "01/12/2026", "title": title, "kind": "plenary", "starts_at": "07:30", "ends_at": "11:30"})).await;
        assert_eq!(
            a.status,
            StatusCode::CREATED,
            "{}",
            String::from_utf8_lossy(&a.bytes)
        );
        a.json()["id"].as_u64().unwrap()
    }

    async fn item(&self, session: u64, title: &str) -> u64 {
        let a = self
            .post(
                &format!("/sessions/{session}/items"),
                json!({"title": title, "presenter": "Đồng chí Bí thư"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED);
        a.json()["id"].as_u64().unwrap()
    }

    async fn import_csv(&self, csv: &str) -> Answer {
        let req = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/delegates/import?file_name=danh%20sach.csv")
            .header(header::AUTHORIZATION, format!("Bearer {}", self.admin))
            .header(header::CONTENT_TYPE, "text/csv; charset=utf-8")
            .body(Body::from(csv.to_string()))
            .unwrap();
        self.send(req).await
    }
}

fn token_id(token: &str) -> u64 {
    token
        .strip_prefix("dh_")
        .and_then(|r| r.split('_').next())
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn bearer_tokens_authenticate_and_revoked_or_wrong_ones_get_401() {
    let e = env().await;
    let me = e.get("/me").await;
    assert_eq!(me.status, StatusCode::OK);
    let me = me.json();
    assert_eq!(me["role"], "admin");
    assert_eq!(me["subject"], format!("token:{}", token_id(&e.admin)));
    assert!(
        me.get("csrf_token").is_none(),
        "bearer calls have no CSRF token"
    );

    // Wrong secret, garbage, no header at all.
    let wrong = format!("dh_{}_not-the-secret", token_id(&e.admin));
    for t in [wrong.as_str(), "garbage"] {
        let (status, v) = e.call(Method::GET, "/program", t, None).await.err();
        assert_eq!(
            (status, v["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("UNAUTHENTICATED"))
        );
    }
    let (status, v) = e
        .send(Request::get("/api/v1/me").body(Body::empty()).unwrap())
        .await
        .err();
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("UNAUTHENTICATED"))
    );

    // Revoke another token: it stops working at once; the list shows it revoked, without secrets.
    let other = e
        .app
        .create_token_system("script", Role::Secretariat)
        .await
        .unwrap();
    assert_eq!(
        e.call(Method::GET, "/live", &other, None).await.status,
        StatusCode::OK
    );
    let a = e
        .post(&format!("/tokens/{}/revoke", token_id(&other)), json!({}))
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    let (status, _) = e.call(Method::GET, "/live", &other, None).await.err();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let list = e.get("/tokens").await.json();
    let t = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == token_id(&other))
        .unwrap()
        .clone();
    assert_eq!(t["revoked"], true);
    assert_eq!(t["label"], "script");
    assert!(t.get("secret_sha256").is_none());
    let (status, v) = e.post("/tokens/999999/revoke", json!({})).await.err();
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("NOT_FOUND"))
    );

    // An administrator creates a token through the API; it works at once and is listed.
    let a = e
        .post(
            "/tokens",
            json!({"label": "Bảng điện tử", "role": "hall_screen"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    let made = a.json()["token"].as_str().unwrap().to_string();
    assert!(made.starts_with("dh_"));
    assert_eq!(
        e.call(Method::GET, "/live", &made, None).await.status,
        StatusCode::OK
    );
    let (status, _) = e.call(Method::GET, "/tokens", &made, None).await.err();
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a hall-screen token manages nothing"
    );
    let (status, v) = e.post("/tokens", json!({"role": "delegate"})).await.err();
    assert_eq!(
        (status, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("role"))
    );
}

#[tokio::test]
async fn devices_and_delegates_are_refused_admin_endpoints() {
    let e = env().await;
    let hall = e
        .app
        .create_token_system("hall", Role::HallScreen)
        .await
        .unwrap();
    let delegate = e
        .app
        .create_token_system("phone", Role::Delegate)
        .await
        .unwrap();
    for t in [&hall, &delegate] {
        for (m, path, body) in [
            (Method::GET, "/accounts", None),
            (Method::GET, "/delegates", None),
            (Method::GET, "/audit", None),
            (Method::GET, "/tokens", None),
            (Method::GET, "/delegates/badges.pdf", None),
            (Method::PUT, "/congress", Some(json!({}))),
            (
                Method::POST,
                "/sessions",
                Some(json!({"date": "01/12/2026", "title": "x", "kind": "plenary"})),
            ),
            (Method::POST, "/live/next", None),
            (Method::POST, "/announcements", Some(json!({"text": "x"}))),
            (
                Method::POST,
                "/accounts",
                Some(json!({"username": "x", "display_name": "x", "role": "admin"})),
            ),
        ] {
            let (status, v) = e.call(m.clone(), path, t, body).await.err();
            assert_eq!(
                (status, v["code"].as_str()),
                (StatusCode::FORBIDDEN, Some("FORBIDDEN")),
                "{m} {path}"
            );
        }
        // Bad input from someone not allowed: still 403, the input is not even looked at.
        let (status, _) = e.call(Method::DELETE, "/sessions/abc", t, None).await.err();
        assert_eq!(status, StatusCode::FORBIDDEN);
        // What they may see.
        assert_eq!(
            e.call(Method::GET, "/live", t, None).await.status,
            StatusCode::OK
        );
        assert_eq!(
            e.call(Method::GET, "/program", t, None).await.status,
            StatusCode::OK
        );
        assert_eq!(
            e.call(Method::GET, "/announcements", t, None).await.status,
            StatusCode::OK
        );
    }
    let me = e.call(Method::GET, "/me", &hall, None).await.json();
    assert_eq!(me["role"], "hall_screen");
}

#[tokio::test]
async fn unreadable_input_is_our_json_error_naming_the_body_or_parameter() {
    let e = env().await;
    // Malformed JSON.
    let req = Request::post("/api/v1/sessions")
        .header(header::AUTHORIZATION, format!("Bearer {}", e.admin))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"date\": "))
        .unwrap();
    let (status, v) = e.send(req).await.err();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (v["code"].as_str(), v["field"].as_str()),
        (Some("INVALID_INPUT"), Some("body"))
    );
    // Wrong content type, and none.
    for ct in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut b = Request::post("/api/v1/announcements")
            .header(header::AUTHORIZATION, format!("Bearer {}", e.admin));
        if let Some(ct) = ct {
            b = b.header(header::CONTENT_TYPE, ct);
        }
        let (status, v) = e
            .send(b.body(Body::from("{\"text\":\"x\"}")).unwrap())
            .await
            .err();
        assert_eq!(
            (status, v["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("body")),
            "{ct:?}"
        );
    }
    // A JSON type with a suffix is JSON.
    let req = Request::post("/api/v1/announcements")
        .header(header::AUTHORIZATION, format!("Bearer {}", e.admin))
        .header(header::CONTENT_TYPE, "application/merge-patch+json")
        .body(Body::from("{\"text\":\"Nghỉ giải lao 15 phút\"}"))
        .unwrap();
    assert_eq!(e.send(req).await.status, StatusCode::CREATED);
    // Wrong JSON types and unknown enum values.
    let (status, v) = e
        .post(
            "/sessions",
            json!({"date": 1, "title": "x", "kind": "plenary"}),
        )
        .await
        .err();
    assert_eq!(
        (status, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("body"))
    );
    let s = e.session("Phiên khai mạc").await;
    let (status, v) = e
        .post(
            &format!("/sessions/{s}/move"),
            json!({"direction": "sideways"}),
        )
        .await
        .err();
    assert_eq!(
        (status, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("body"))
    );
    assert!(v["message"].as_str().unwrap().contains("sideways"), "{v}");
    // Bad path ids.
    for (m, path) in [
        (Method::DELETE, "/sessions/abc"),
        (Method::POST, "/sessions/-1/start"),
        (Method::GET, "/delegates/99999999999999999999999"),
    ] {
        let (status, v) = e.call(m, path, &e.admin, None).await.err();
        assert_eq!(
            (status, v["code"].as_str(), v["field"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("INVALID_INPUT"),
                Some("id")
            ),
            "{path}"
        );
    }
    // Bad query parameters.
    let (status, v) = e.get("/audit?after=x").await.err();
    assert_eq!(
        (status, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("after"))
    );
    // English when asked.
    let req = Request::delete("/api/v1/items/zz")
        .header(header::AUTHORIZATION, format!("Bearer {}", e.admin))
        .header(header::COOKIE, "daihoi_lang=en")
        .body(Body::empty())
        .unwrap();
    let (_, v) = e.send(req).await.err();
    assert_eq!(v["message"], "Agenda item: is not a valid number.");
}

#[tokio::test]
async fn validation_errors_name_the_field() {
    let e = env().await;
    let (status, v) = e
        .post(
            "/sessions",
            json!({"date": "01/12/2026", "title": "  ", "kind": "plenary"}),
        )
        .await
        .err();
    assert_eq!(
        (status, v["code"].as_str(), v["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("INVALID_INPUT"),
            Some("title")
        )
    );
    let (_, v) = e
        .post(
            "/sessions",
            json!({"date": "01/01/2027", "title": "x", "kind": "plenary"}),
        )
        .await
        .err();
    assert_eq!(v["field"], "date");
    let (_, v) = e
        .post(
            "/sessions",
            json!({"date": "01/12/2026", "title": "x", "kind": "party"}),
        )
        .await
        .err();
    assert_eq!(v["field"], "kind");
    let (_, v) = e.put("/congress", json!({"name": "ĐH", "place": "HN", "starts_on": "03/12/2026", "ends_on": "01/12/2026", "kind": "party_congress"})).await.err();
    assert_eq!(v["field"], "ends_on");
    let (_, v) = e.post("/accounts", json!({"username": "thu.ky", "display_name": "Thư ký", "role": "emperor", "password": PASSWORD})).await.err();
    assert_eq!(v["field"], "role");
    let (_, v) = e
        .post(
            "/accounts",
            json!({"username": "thu.ky", "display_name": "Thư ký", "role": "secretariat"}),
        )
        .await
        .err();
    assert_eq!(v["field"], "password");
    let (status, v) = e.post("/announcements", json!({"text": ""})).await.err();
    assert_eq!(
        (status, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("text"))
    );
}

#[tokio::test]
async fn conflicts_have_their_codes() {
    let e = env().await;
    let a = e.session("Phiên thứ nhất").await;
    let b = e.session("Phiên thứ hai").await;
    assert_eq!(
        e.post(&format!("/sessions/{a}/start"), json!({}))
            .await
            .status,
        StatusCode::OK
    );
    let (status, v) = e
        .post(&format!("/sessions/{b}/start"), json!({}))
        .await
        .err();
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("ANOTHER_SESSION_RUNNING"))
    );
    assert!(v["message"].as_str().unwrap().contains("Phiên thứ nhất"));
    let (status, v) = e
        .post(&format!("/sessions/{a}/start"), json!({}))
        .await
        .err();
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("SESSION_ALREADY_RUNNING"))
    );
    let (_, v) = e
        .call(Method::DELETE, &format!("/sessions/{a}"), &e.admin, None)
        .await
        .err();
    assert_eq!(v["code"], "SESSION_NOT_PLANNED");
    let (_, v) = e.post(&format!("/sessions/{b}/end"), json!({})).await.err();
    assert_eq!(v["code"], "SESSION_NOT_RUNNING");
    let (_, v) = e.post("/live/next", json!({})).await.err();
    assert_eq!(v["code"], "NO_NEXT_ITEM");
    let (status, v) = e.post("/sessions/424242/start", json!({})).await.err();
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("NOT_FOUND"))
    );
    let ended = e.post(&format!("/sessions/{a}/end"), json!({})).await;
    assert_eq!(ended.status, StatusCode::OK);
    assert!(ended.json()["session"].is_null());
    let (_, v) = e.post("/live/next", json!({})).await.err();
    assert_eq!(v["code"], "NO_SESSION_RUNNING");
    // The last administrator cannot demote themself... nor be demoted.
    let accounts = e.get("/accounts").await.json();
    let admin_id = accounts[0]["id"].as_u64().unwrap();
    let (status, v) = e
        .put(
            &format!("/accounts/{admin_id}"),
            json!({"display_name": "QTV", "role": "presidium", "active": true}),
        )
        .await
        .err();
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("LAST_ADMIN"))
    );
}

#[tokio::test]
async fn congress_not_configured_then_configured() {
    let e = env_unconfigured().await;
    let (status, v) = e.get("/congress").await.err();
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::CONFLICT, Some("CONGRESS_NOT_CONFIGURED"))
    );
    assert!(e.get("/live").await.json()["congress_name"].is_null());
    let a = e.put("/congress", json!({"name": "Đại hội đồng cổ đông", "place": "Hà Nội", "starts_on": "2026-12-01", "ends_on": "02/12/2026", "kind": "shareholders_meeting"})).await;
    assert_eq!(a.status, StatusCode::OK);
    let v = a.json();
    assert_eq!(
        v,
        json!({"name": "Đại hội đồng cổ đông", "place": "Hà Nội", "starts_on": "2026-12-01", "ends_on": "2026-12-02", "kind": "shareholders_meeting"})
    );
    assert_eq!(e.get("/congress").await.json(), v);
    assert_eq!(
        e.get("/program").await.json().as_array().unwrap().len(),
        2,
        "one entry per day"
    );
}

#[tokio::test]
async fn the_whole_flow_from_program_to_the_hall() {
    let e = env().await;
    let s = e.session("Phiên khai mạc").await;
    let first = e.item(s, "Chào cờ").await;
    let second = e.item(s, "Diễn văn khai mạc").await;
    let third = e.item(s, "Bầu Đoàn Chủ tịch").await;

    // Edit, reorder, remove.
    let a = e.put(&format!("/sessions/{s}"), json!({"date": "2026-12-01", "title": "Phiên khai mạc Đại hội", "kind": "opening", "starts_at": "7:30", "location": "Hội trường A"})).await;
    assert_eq!(a.status, StatusCode::OK);
    let v = a.json();
    assert_eq!(
        (
            v["title"].as_str(),
            v["kind"].as_str(),
            v["starts_at"].as_str(),
            v["status"].as_str()
        ),
        (
            Some("Phiên khai mạc Đại hội"),
            Some("opening"),
            Some("07:30"),
            Some("planned")
        )
    );
    assert!(v["ends_at"].is_null());
    let a = e
        .put(
            &format!("/items/{third}"),
            json!({"title": "Bầu Đoàn Chủ tịch Đại hội", "notes": "Biểu quyết giơ tay"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json()["notes"], "Biểu quyết giơ tay");
    assert_eq!(
        e.post(&format!("/items/{third}/move"), json!({"direction": "up"}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        e.post(
            &format!("/items/{third}/move"),
            json!({"direction": "down"})
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let other = e.session("Phiên chiều").await;
    assert_eq!(
        e.post(
            &format!("/sessions/{other}/move"),
            json!({"direction": "up"})
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let extra = e.item(other, "Tạm").await;
    assert_eq!(
        e.call(Method::DELETE, &format!("/items/{extra}"), &e.admin, None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        e.call(
            Method::DELETE,
            &format!("/sessions/{other}"),
            &e.admin,
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );

    let program = e.get("/program").await.json();
    assert_eq!(program.as_array().unwrap().len(), 3);
    assert_eq!(program[0]["date"], "2026-12-01");
    let sess = &program[0]["sessions"][0];
    assert_eq!(sess["id"], s);
    assert_eq!(sess["location"], "Hội trường A");
    let titles: Vec<&str> = sess["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        ["Chào cờ", "Diễn văn khai mạc", "Bầu Đoàn Chủ tịch Đại hội"]
    );
    assert_eq!(sess["items"][0]["presenter"], "Đồng chí Bí thư");

    // Nothing running yet.
    let live = e.get("/live").await.json();
    assert!(live["session"].is_null() && live["item"].is_null() && live["position"].is_null());
    assert_eq!(live["congress_name"], "Đại hội đại biểu Đảng bộ tỉnh");

    let started = e.post(&format!("/sessions/{s}/start"), json!({})).await;
    assert_eq!(started.status, StatusCode::OK);
    let v = started.json();
    assert_eq!(
        (
            v["item"]["id"].as_u64(),
            v["next_item"]["id"].as_u64(),
            v["position"].as_str()
        ),
        (Some(first), Some(second), Some("1/3"))
    );
    assert_eq!(v["session"]["status"], "running");
    assert!(v["session"]["started_at"].is_string());

    let next = e.post("/live/next", json!({})).await;
    assert_eq!(next.status, StatusCode::OK);
    let live = e.get("/live").await.json();
    assert_eq!(live["item"]["id"], second);
    assert_eq!(live["item"]["title"], "Diễn văn khai mạc");
    assert_eq!(live["position"], "2/3");
    assert_eq!(live["next_item"]["id"], third);
    assert_eq!(live["session"]["id"], s);
    assert!(live["seq"].as_i64().unwrap() > 0);

    // Previous, jump, clear.
    assert_eq!(
        e.post("/live/previous", json!({})).await.json()["item"]["id"],
        first
    );
    assert_eq!(
        e.put("/live/item", json!({"item_id": third})).await.json()["position"],
        "3/3"
    );
    let (_, v) = e
        .call(Method::DELETE, &format!("/items/{third}"), &e.admin, None)
        .await
        .err();
    assert_eq!(v["code"], "ITEM_IS_CURRENT");
    let cleared = e.put("/live/item", json!({"item_id": null})).await.json();
    assert!(cleared["item"].is_null() && cleared["position"].is_null());
    assert_eq!(cleared["next_item"]["id"], first);
    let ended = e
        .post(&format!("/sessions/{s}/end"), json!({}))
        .await
        .json();
    assert!(ended["session"].is_null());
    let program = e.get("/program").await.json();
    assert_eq!(program[0]["sessions"][0]["status"], "ended");

    // Announcements: newest first, withdraw.
    let a = e
        .post(
            "/announcements",
            json!({"text": "Mời đại biểu về chỗ ngồi"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    let first_ann = a.json();
    assert_eq!(first_ann["posted_by"], "API: ci");
    let second_ann = e
        .post("/announcements", json!({"text": "Nghỉ giải lao"}))
        .await
        .json();
    let list = e.get("/announcements").await.json();
    assert_eq!(
        list.as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].clone())
            .collect::<Vec<_>>(),
        [second_ann["id"].clone(), first_ann["id"].clone()]
    );
    let a = e
        .post(
            &format!("/announcements/{}/withdraw", second_ann["id"]),
            json!({}),
        )
        .await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    assert_eq!(
        e.get("/announcements")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn cookie_sessions_need_the_csrf_header_to_change_anything() {
    let e = env().await;
    let signed = e.app.sign_in_password("admin", PASSWORD, "test").unwrap();
    let cookie = format!("daihoi_session={}", signed.cookie);
    let me = e
        .send(
            Request::get("/api/v1/me")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(me.status, StatusCode::OK);
    let me = me.json();
    assert_eq!(
        (me["role"].as_str(), me["display_name"].as_str()),
        (Some("admin"), Some("Quản trị viên"))
    );
    assert!(me["subject"].as_str().unwrap().starts_with("account:"));
    let csrf = me["csrf_token"].as_str().unwrap().to_string();

    let post = |token: Option<&str>| {
        let mut b = Request::post("/api/v1/announcements")
            .header(header::COOKIE, &cookie)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = token {
            b = b.header("x-csrf-token", t);
        }
        b.body(Body::from("{\"text\":\"Thông báo\"}")).unwrap()
    };
    let (status, v) = e.send(post(None)).await.err();
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("CSRF"))
    );
    let (status, v) = e.send(post(Some("forged"))).await.err();
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("CSRF"))
    );
    let ok = e.send(post(Some(&csrf))).await;
    assert_eq!(ok.status, StatusCode::CREATED);
    assert_eq!(ok.json()["posted_by"], "Quản trị viên");
}

const GOOD_CSV: &str = "Mã đại biểu,Họ và tên,Ngày sinh,Giới tính,Đoàn,Tổ\nDB001,Nguyễn Văn An,01/02/1970,Nam,Đoàn Thành phố,Tổ 1\nDB002,Trần Thị Bình,15/08/1975,Nữ,Đoàn Huyện A,Tổ 2\n";

#[tokio::test]
async fn delegates_import_list_qr_and_badges() {
    let e = env().await;
    let a = e.import_csv(GOOD_CSV).await;
    assert_eq!(
        a.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&a.bytes)
    );
    assert_eq!(
        a.json(),
        json!({"created": 2, "updated": 0, "unchanged": 0})
    );
    assert_eq!(
        e.import_csv(GOOD_CSV).await.json(),
        json!({"created": 0, "updated": 0, "unchanged": 2})
    );

    // A bad row rejects the whole file, with the row and column.
    let bad = format!("{GOOD_CSV}DB003,Lê Văn Cường,32/01/1970,Nam,Đoàn Huyện A,Tổ 2\n");
    let (status, v) = e.import_csv(&bad).await.err();
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("IMPORT_REJECTED"))
    );
    let p = &v["problems"][0];
    assert_eq!(
        (p["row"].as_u64(), p["column"].as_str()),
        (Some(4), Some("Ngày sinh"))
    );
    assert!(p["message"].as_str().unwrap().contains("32/01/1970"));
    assert_eq!(
        e.get("/delegates").await.json().as_array().unwrap().len(),
        2,
        "nothing of the bad file was imported"
    );

    // Multipart, the way a browser form sends it.
    let boundary = "XyZ-boundary";
    let csv = "Mã,Họ tên\nDB001,Nguyễn Văn An Sửa\n";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ds.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    );
    let req = Request::post("/api/v1/delegates/import")
        .header(header::AUTHORIZATION, format!("Bearer {}", e.admin))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    let a = e.send(req).await;
    assert_eq!(
        a.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&a.bytes)
    );
    assert_eq!(a.json()["updated"], 1);
    // A form without the file; an unknown content type.
    let req = Request::post("/api/v1/delegates/import")
        .header(header::AUTHORIZATION, format!("Bearer {}", e.admin))
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n--{boundary}--\r\n")))
        .unwrap();
    let (status, v) = e.send(req).await.err();
    assert_eq!(
        (status, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("file"))
    );
    let req = Request::post("/api/v1/delegates/import")
        .header(header::AUTHORIZATION, format!("Bearer {}", e.admin))
        .header(header::CONTENT_TYPE, "image/png")
        .body(Body::from("x"))
        .unwrap();
    let (status, v) = e.send(req).await.err();
    assert_eq!(
        (status, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("body"))
    );

    let list = e.get("/delegates").await.json();
    let d = &list[0];
    assert_eq!(
        (d["code"].as_str(), d["full_name"].as_str()),
        (Some("DB001"), Some("Nguyễn Văn An Sửa"))
    );
    assert!(d.get("qr_epoch").is_none());
    for key in [
        "id",
        "code",
        "full_name",
        "birth_date",
        "gender",
        "ethnicity",
        "position",
        "unit",
        "delegation",
        "group",
        "kind",
        "shares",
        "photo",
        "extra",
    ] {
        assert!(d.get(key).is_some(), "delegate has no {key}: {d}");
    }
    let id = d["id"].as_u64().unwrap();
    assert_eq!(
        e.get(&format!("/delegates/{id}")).await.json()["code"],
        "DB001"
    );
    let (status, _) = e.get("/delegates/987654").await.err();
    assert_eq!(status, StatusCode::NOT_FOUND);

    // QR: the URL signs in; revoking gives a new one and the old stops working.
    let old = e.get(&format!("/delegates/{id}/sign-in-url")).await.json()["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(old.starts_with("http://test/q/"));
    let new = e
        .post(&format!("/delegates/{id}/revoke-qr"), json!({}))
        .await
        .json()["sign_in_url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(old, new);
    let token = old.trim_start_matches("http://test/q/");
    assert_eq!(
        e.app.sign_in_qr(token, "t").unwrap_err().code(),
        "QR_REVOKED"
    );
    assert!(
        e.app
            .sign_in_qr(new.trim_start_matches("http://test/q/"), "t")
            .is_ok()
    );

    let pdf = e.get("/delegates/badges.pdf").await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF"));
}

#[tokio::test]
async fn accounts_and_the_audit_log() {
    let e = env().await;
    let a = e.post("/accounts", json!({"username": "thu.ky", "display_name": "Thư ký", "role": "secretariat", "password": PASSWORD})).await;
    assert_eq!(a.status, StatusCode::CREATED);
    let id = a.json()["id"].as_u64().unwrap();
    let (status, v) = e.post("/accounts", json!({"username": "thu.ky", "display_name": "Thư ký 2", "role": "secretariat", "password": PASSWORD})).await.err();
    assert_eq!(
        (status, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("username"))
    );
    let screen = e.post("/accounts", json!({"username": "man.hinh", "display_name": "Màn hình hội trường", "role": "hall_screen"})).await.json()["id"].as_u64().unwrap();

    let list = e.get("/accounts").await;
    let text = String::from_utf8_lossy(&list.bytes).to_string();
    assert!(
        !text.contains("password_hash") && !text.contains("argon2"),
        "{text}"
    );
    let list = list.json();
    assert_eq!(list.as_array().unwrap().len(), 3);
    let s = list
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == screen)
        .unwrap();
    assert_eq!(
        (
            s["role"].as_str(),
            s["has_password"].as_bool(),
            s["active"].as_bool()
        ),
        (Some("hall_screen"), Some(false), Some(true))
    );

    let v = e
        .put(
            &format!("/accounts/{id}"),
            json!({"display_name": "Tổ thư ký", "role": "presidium", "active": true}),
        )
        .await
        .json();
    assert_eq!(
        (v["display_name"].as_str(), v["role"].as_str()),
        (Some("Tổ thư ký"), Some("presidium"))
    );
    assert_eq!(
        e.put(
            &format!("/accounts/{id}/password"),
            json!({"password": "một mật khẩu mới dài"})
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let (status, v) = e
        .put(
            &format!("/accounts/{id}/password"),
            json!({"password": "ngắn"}),
        )
        .await
        .err();
    assert_eq!(
        (status, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("password"))
    );
    assert!(
        e.app
            .sign_in_password("thu.ky", "một mật khẩu mới dài", "t")
            .is_ok()
    );

    let url = e
        .get(&format!("/accounts/{screen}/sign-in-url"))
        .await
        .json()["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(url.starts_with("http://test/l/"));
    let link = url.trim_start_matches("http://test/l/");
    assert!(e.app.sign_in_link(link, "t").is_ok());
    assert_eq!(
        e.post(&format!("/accounts/{screen}/revoke-sign-in"), json!({}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        e.app.sign_in_link(link, "t").unwrap_err().code(),
        "LINK_REVOKED"
    );
    let (status, _) = e
        .post("/accounts/777777/revoke-sign-in", json!({}))
        .await
        .err();
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The log: every change, in order, password hashes redacted.
    let a = e.get("/audit?limit=1000").await;
    let text = String::from_utf8_lossy(&a.bytes).to_string();
    assert!(!text.contains("$argon2"), "a password hash leaked: {text}");
    let events = a.json();
    let events = events.as_array().unwrap();
    assert!(events.len() >= 6);
    assert_eq!(events[0]["seq"], 1);
    assert_eq!(events[0]["kind"], "api_token_created");
    assert_eq!(events[0]["prev_hash"], "0".repeat(64));
    assert_eq!(events[1]["prev_hash"], events[0]["hash"]);
    let created = events
        .iter()
        .find(|e| e["kind"] == "account_created")
        .unwrap();
    assert_eq!(
        created["payload"]["account"]["password_hash"],
        super::dto::REDACTED
    );
    assert_eq!(created["payload"]["type"], "account_created");
    let set = events
        .iter()
        .find(|e| e["kind"] == "account_password_set")
        .unwrap();
    assert_eq!(set["payload"]["password_hash"], super::dto::REDACTED);
    assert_eq!(set["actor"], format!("token:{}", token_id(&e.admin)));
    let screen_created = events
        .iter()
        .find(|e| {
            e["kind"] == "account_created" && e["payload"]["account"]["username"] == "man.hinh"
        })
        .unwrap();
    assert!(
        screen_created["payload"]["account"]["password_hash"].is_null(),
        "no hash stays null"
    );

    let page = e.get("/audit?after=2&limit=2").await.json();
    assert_eq!(
        page.as_array()
            .unwrap()
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        [3, 4]
    );
    assert_eq!(
        e.get("/audit?limit=5000").await.status,
        StatusCode::OK,
        "limits above 1000 count as 1000"
    );
    let (status, v) = e.get("/audit?limit=-3").await.err();
    assert_eq!(
        (status, v["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("limit"))
    );

    let v = e.get("/audit/verify").await.json();
    assert_eq!(v["intact"], true);
    assert_eq!(v["events"].as_u64().unwrap() as usize, events.len());
    assert_eq!(v["head_hash"], events.last().unwrap()["hash"]);
    assert!(v["broken_at"].is_null());
}

#[tokio::test]
async fn unknown_routes_and_methods_are_json_404() {
    let e = env().await;
    for (m, path) in [
        (Method::GET, "/nope"),
        (Method::GET, "/sessions/1/nope"),
        (Method::PATCH, "/congress"),
        (Method::GET, "/sessions"),
    ] {
        let (status, v) = e.call(m.clone(), path, &e.admin, None).await.err();
        assert_eq!(
            (status, v["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("NOT_FOUND")),
            "{m} {path}"
        );
    }
    let (status, v) = e
        .send(Request::get("/api/v1/nope").body(Body::empty()).unwrap())
        .await
        .err();
    assert_eq!(
        (status, v["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("NOT_FOUND"))
    );
}

/// The routes of `routes()`, read from its source: (method, path) pairs. Every
/// `.route(path, method(handler).method(handler))` call counts, however it is wrapped.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let src = include_str!("mod.rs");
    let body = src
        .split("pub fn routes() -> Router<Web> {")
        .nth(1)
        .unwrap();
    let body = &body[..body.find("\n}\n").unwrap()];
    for other in [".nest", ".merge", ".route_service", ".nest_service"] {
        assert!(
            !body.contains(other),
            "{other} would add routes this test cannot see"
        );
    }
    let mut out = BTreeSet::new();
    for call in body.split(".route(").skip(1) {
        // The call's arguments: up to the parenthesis that closes `.route(`.
        let mut depth = 1;
        let end = call
            .char_indices()
            .find(|&(_, ch)| {
                match ch {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map(|(i, _)| i)
            .unwrap();
        let args = &call[..end];
        let path = args.split('"').nth(1).unwrap();
        let handlers = args.splitn(3, '"').nth(2).unwrap();
        let parts: Vec<&str> = handlers.split('(').collect();
        for seg in &parts[..parts.len() - 1] {
            let method: String = seg
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                .collect::<String>()
                .chars()
                .rev()
                .collect();
            assert!(
                ["get", "post", "put", "delete"].contains(&method.as_str()),
                "unexpected {method:?} in .route({args})"
            );
            out.insert((method, path.to_string()));
        }
    }
    out
}

#[tokio::test]
async fn the_openapi_document_describes_every_route_and_only_those() {
    let expected: BTreeSet<(String, String)> = [
        ("get", "/openapi.json"),
        ("get", "/me"),
        ("get", "/congress"),
        ("put", "/congress"),
        ("get", "/program"),
        ("post", "/sessions"),
        ("put", "/sessions/{id}"),
        ("delete", "/sessions/{id}"),
        ("post", "/sessions/{id}/move"),
        ("post", "/sessions/{id}/start"),
        ("post", "/sessions/{id}/end"),
        ("post", "/sessions/{id}/items"),
        ("put", "/items/{id}"),
        ("delete", "/items/{id}"),
        ("post", "/items/{id}/move"),
        ("get", "/live"),
        ("put", "/live/item"),
        ("post", "/live/next"),
        ("post", "/live/previous"),
        ("get", "/announcements"),
        ("post", "/announcements"),
        ("post", "/announcements/{id}/withdraw"),
        ("get", "/delegates"),
        ("get", "/delegates/{id}"),
        ("post", "/delegates/import"),
        ("post", "/delegates/{id}/revoke-qr"),
        ("get", "/delegates/{id}/sign-in-url"),
        ("get", "/delegates/badges.pdf"),
        ("get", "/accounts"),
        ("post", "/accounts"),
        ("put", "/accounts/{id}"),
        ("put", "/accounts/{id}/password"),
        ("post", "/accounts/{id}/revoke-sign-in"),
        ("get", "/accounts/{id}/sign-in-url"),
        ("get", "/tokens"),
        ("post", "/tokens"),
        ("post", "/tokens/{id}/revoke"),
        ("get", "/audit"),
        ("get", "/audit/verify"),
        ("get", "/polls"),
        ("post", "/polls"),
        ("get", "/polls/{id}"),
        ("put", "/polls/{id}"),
        ("post", "/polls/{id}/open"),
        ("post", "/polls/{id}/close"),
        ("post", "/polls/{id}/publish"),
        ("post", "/polls/{id}/void"),
        ("post", "/polls/{id}/rerun"),
        ("post", "/polls/{id}/vote"),
        ("post", "/polls/{id}/manual-count"),
        ("post", "/polls/{id}/manual-count/confirm"),
        ("post", "/polls/{id}/manual-count/discard"),
        ("get", "/polls/{id}/minutes.pdf"),
        ("get", "/sessions/{id}/minutes.pdf"),
        ("post", "/sessions/{id}/attendance"),
        ("put", "/congress/base"),
        ("get", "/documents"),
        ("post", "/documents"),
        ("get", "/documents/search"),
        ("post", "/documents/batch"),
        ("get", "/documents/{id}"),
        ("put", "/documents/{id}"),
        ("delete", "/documents/{id}"),
        ("get", "/documents/{id}/text"),
        ("get", "/documents/{id}/download"),
        ("post", "/documents/{id}/versions"),
        ("get", "/folders"),
        ("post", "/folders"),
        ("delete", "/folders/{id}"),
    ]
    .into_iter()
    .map(|(m, p)| (m.to_string(), p.to_string()))
    .collect();
    assert_eq!(routes_in_source(), expected, "the router's routes");

    // Served to anyone, as JSON.
    let e = env().await;
    let a = e
        .send(
            Request::get("/api/v1/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let doc = a.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if ![
                "get", "put", "post", "delete", "patch", "head", "options", "trace",
            ]
            .contains(&method.as_str())
            {
                continue;
            }
            documented.insert((method.clone(), path.clone()));
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{method} {path} has no tag"
            );
            assert!(
                op["responses"]
                    .as_object()
                    .is_some_and(|r| r.keys().any(|k| k.starts_with('2'))),
                "{method} {path}: no success response"
            );
            if path == "/openapi.json" {
                assert!(op.get("security").is_none());
                continue;
            }
            // Security: bearer, or the cookie (with the CSRF header when it changes anything).
            let sec = op["security"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path} has no security"));
            assert!(
                sec.iter().any(|r| r.get("bearer").is_some()),
                "{method} {path}"
            );
            let cookie = sec
                .iter()
                .find(|r| r.get("cookie").is_some())
                .unwrap_or_else(|| panic!("{method} {path}: no cookie"));
            assert_eq!(
                cookie.get("csrf").is_some(),
                method != "get",
                "{method} {path}: CSRF requirement"
            );
            let unauth = &op["responses"]["401"]["content"]["application/json"]["schema"]["$ref"];
            assert_eq!(
                unauth, "#/components/schemas/ApiErrorBody",
                "{method} {path}: 401 with the error schema"
            );
            if path.contains("{id}") {
                assert_eq!(op["parameters"][0]["name"], "id", "{method} {path}");
                assert!(
                    op["responses"]["422"].is_object(),
                    "{method} {path}: 422 for a bad id"
                );
            }
            if ["put", "post"].contains(&method.as_str()) && op.get("requestBody").is_some() {
                assert!(
                    op["responses"]["422"].is_object(),
                    "{method} {path}: 422 for bad input"
                );
            }
        }
    }
    assert_eq!(documented, expected, "documented paths");

    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(
        (
            schemes["bearer"]["type"].as_str(),
            schemes["bearer"]["scheme"].as_str()
        ),
        (Some("http"), Some("bearer"))
    );
    assert_eq!(
        (
            schemes["cookie"]["type"].as_str(),
            schemes["cookie"]["in"].as_str(),
            schemes["cookie"]["name"].as_str()
        ),
        (Some("apiKey"), Some("cookie"), Some("daihoi_session"))
    );
    assert_eq!(
        (
            schemes["csrf"]["in"].as_str(),
            schemes["csrf"]["name"].as_str()
        ),
        (Some("header"), Some("X-CSRF-Token"))
    );
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for s in [
        "ApiErrorBody",
        "RowProblemBody",
        "SessionInput",
        "ItemInput",
        "CongressInput",
        "CongressInfo",
        "LiveOut",
        "ProgramDay",
        "DelegateOut",
        "ImportSummary",
        "AccountOut",
        "AuditEventOut",
        "Role",
    ] {
        assert!(schemas.contains_key(s), "schema {s} missing");
    }
    // Every $ref points at a schema that is there.
    let text = doc.to_string();
    for r in text.split("\"#/components/schemas/").skip(1) {
        let name = r.split('"').next().unwrap();
        assert!(schemas.contains_key(name), "dangling $ref {name}");
    }
    let tags: BTreeSet<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for (_, item) in doc["paths"].as_object().unwrap() {
        for op in item.as_object().unwrap().values() {
            for t in op["tags"].as_array().into_iter().flatten() {
                assert!(tags.contains(t.as_str().unwrap()), "undeclared tag {t}");
            }
        }
    }
}

/// Documents through the API: a multipart upload, its extraction, search without
/// diacritics, and a delegate who gets 404 for a presidium-only document everywhere.
#[tokio::test]
async fn documents_upload_search_and_access() {
    let e = env().await;
    e.app.start_documents(None).await.unwrap();
    let upload = |title: &str, access: &str, text: &str| {
        let boundary = "xYzDaiHoi";
        let mut body = Vec::new();
        for (k, v) in [("title", title), ("access", access)] {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"t.docx\"\r\n\r\n").as_bytes());
        body.extend_from_slice(&daihoi_docs::write::docx(&[text]));
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        Request::post("/api/v1/documents")
            .header(header::AUTHORIZATION, format!("Bearer {}", e.admin))
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap()
    };
    let a = e
        .send(upload("Báo cáo", "delegates", "Đại hội Đảng bộ tỉnh"))
        .await;
    assert_eq!(
        a.status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&a.bytes)
    );
    let open = a.json()["id"].as_u64().unwrap();
    assert_eq!(a.json()["versions"][0]["kind"], "docx");
    let a = e
        .send(upload("Nhân sự", "presidium", "Đại hội nhân sự khoá mới"))
        .await;
    let secret = a.json()["id"].as_u64().unwrap();
    for _ in 0..500 {
        let d = e.get(&format!("/documents/{secret}")).await.json();
        if d["versions"][0]["state"] == "done" && e.app.doc_service().idle() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let r = e.get("/documents/search?q=dai%20hoi").await.json();
    assert_eq!(r["total"], 2, "{r}");

    // A delegate signed in by QR code (cookie session).
    let imported = e
        .send(
            Request::post("/api/v1/delegates/import")
                .header(header::AUTHORIZATION, format!("Bearer {}", e.admin))
                .header(header::CONTENT_TYPE, "text/csv")
                .body(Body::from(
                    "Mã đại biểu,Họ và tên\r\nDB001,Nguyễn Thị An\r\n",
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(imported.status, StatusCode::OK);
    let d = e
        .app
        .read(|s| s.delegate_by_code("DB001").cloned())
        .unwrap();
    let url = e.app.qr_url(&d);
    let signed = e
        .app
        .sign_in_qr(url.rsplit('/').next().unwrap(), "t")
        .unwrap();
    let cookie = format!("daihoi_session={}", signed.cookie);
    let as_delegate = |path: String| {
        Request::get(format!("/api/v1{path}"))
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap()
    };
    let r = e
        .send(as_delegate("/documents/search?q=dai%20hoi".into()))
        .await
        .json();
    assert_eq!(r["total"], 1, "{r}");
    assert_eq!(r["hits"][0]["document"], open);
    assert!(
        !r.to_string().contains("nhân sự"),
        "no snippet of the presidium's document"
    );
    let list = e.send(as_delegate("/documents".into())).await.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    for path in [
        format!("/documents/{secret}"),
        format!("/documents/{secret}/text"),
        format!("/documents/{secret}/download"),
    ] {
        let (status, v) = e.send(as_delegate(path.clone())).await.err();
        assert_eq!(
            (status, v["code"].as_str().unwrap()),
            (StatusCode::NOT_FOUND, "NOT_FOUND"),
            "{path}"
        );
    }
    let t = e
        .send(as_delegate(format!("/documents/{open}/text")))
        .await
        .json();
    assert_eq!(t["pages"][0], "Đại hội Đảng bộ tỉnh");
}
