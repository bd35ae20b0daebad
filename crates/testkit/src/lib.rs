//! Test helpers: a real server on 127.0.0.1:0 over a fresh database (SQLite in a temp
//! directory or a scratch PostgreSQL database), the ways tests prepare a congress through
//! the use cases, and a typed HTTP client that behaves like a browser (cookie store, CSRF
//! token taken from the pages, no automatic redirects) plus a Server-Sent Events reader.
//!
//! Helpers panic with a message naming what failed: they only ever run inside tests.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use daihoi_app::usecases::SetupInput;
use daihoi_app::{App, FixedClock, Principal, Subject};
use daihoi_domain::model::{AccountId, Delegate, DelegateFields, DelegateKind, ItemId, SessionId};
use daihoi_domain::state::{CongressInput, ItemInput, SessionInput};
use daihoi_domain::{Role, model::Gender};
use daihoi_store::Store;
use daihoi_web::WebOptions;
use futures::StreamExt;
use tempfile::TempDir;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub use reqwest::StatusCode;
pub use reqwest::header::HeaderMap;

/// The administrator [`TestApp::setup_congress`] creates.
pub const ADMIN_USER: &str = "admin";
pub const ADMIN_PASSWORD: &str = "mật-khẩu-quản-trị-2026";
pub const ADMIN_NAME: &str = "Quản trị hệ thống";
/// The congress [`TestApp::setup_congress`] creates.
pub const CONGRESS_NAME: &str = "Đại hội đại biểu Đảng bộ tỉnh lần thứ XVI";
/// Titles of the agenda items [`TestApp::add_program`] creates, in order.
pub const ITEM_TITLES: [&str; 3] = [
    "Khai mạc Đại hội, giới thiệu đại biểu",
    "Báo cáo chính trị của Ban Chấp hành khóa XV",
    "Thảo luận tại hội trường về phương hướng nhiệm kỳ",
];
pub const SESSION_TITLE: &str = "Phiên khai mạc";

/// Which storage backend the server under test uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the test database lives, so that the server can be restarted on it.
#[derive(Debug, Clone)]
enum Db {
    Sqlite(PathBuf),
    Postgres(String),
}

/// A server under test. Dropping it stops the server and deletes the temp directory.
pub struct TestApp {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`, also the app's public URL (QR codes, links).
    pub base: String,
    pub app: Arc<App>,
    pub clock: Arc<FixedClock>,
    pub backend: Backend,
    pub opts: WebOptions,
    db: Db,
    server: JoinHandle<()>,
    dir: TempDir,
}

/// Scratch PostgreSQL databases are left behind, like the store contract tests' ones:
/// dropping a database forces a checkpoint, which made a parallel test run ten times
/// slower. They are named `daihoi_it_<pid>_<nanos>`.
impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// 01/12/2026 07:00 UTC (14:00 in Hà Nội), the first day of the test congress.
pub fn test_start_time() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 7, 0, 0)
        .single()
        .unwrap_or_default()
}

pub fn congress_input() -> CongressInput {
    CongressInput {
        name: CONGRESS_NAME.into(),
        place: "Hội trường Trung tâm Hội nghị tỉnh".into(),
        starts_on: "01/12/2026".into(),
        ends_on: "03/12/2026".into(),
        kind: "party_congress".into(),
    }
}

/// A server with WebOptions' defaults.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, WebOptions::default()).await
}

/// A server with a fresh database of the given backend and the given HTTP options.
pub async fn spawn_app_with(backend: Backend, opts: WebOptions) -> TestApp {
    let dir = tempfile::Builder::new()
        .prefix("daihoi-it-")
        .tempdir()
        .unwrap_or_else(|e| panic!("temp dir: {e}"));
    let db = match backend {
        Backend::Sqlite => Db::Sqlite(dir.path().join("daihoi.db")),
        Backend::Postgres => {
            let admin = daihoi_store_postgres::test_admin_url();
            let url = daihoi_store_postgres::create_scratch_database(&admin, "daihoi_it")
                .await
                .unwrap_or_else(|e| {
                    panic!("PostgreSQL backend requested but unusable ({admin}): {e}")
                });
            Db::Postgres(url)
        }
    };
    let clock = Arc::new(FixedClock::new(test_start_time()));
    let (addr, base, app, server) = start(&db, clock.clone(), opts.clone()).await;
    TestApp {
        addr,
        base,
        app,
        clock,
        backend,
        opts,
        db,
        server,
        dir,
    }
}

async fn open_store(db: &Db) -> Arc<dyn Store> {
    match db {
        Db::Sqlite(path) => Arc::new(
            daihoi_store_sqlite::SqliteStore::open(path)
                .await
                .unwrap_or_else(|e| panic!("open SQLite {}: {e}", path.display())),
        ),
        Db::Postgres(url) => Arc::new(
            daihoi_store_postgres::PostgresStore::connect(url)
                .await
                .unwrap_or_else(|e| panic!("connect to PostgreSQL {url}: {e}")),
        ),
    }
}

async fn start(
    db: &Db,
    clock: Arc<FixedClock>,
    opts: WebOptions,
) -> (SocketAddr, String, Arc<App>, JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("bind 127.0.0.1:0: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("local_addr: {e}"));
    let base = format!("http://{addr}");
    let store = open_store(db).await;
    let app = App::open(store, clock, &base)
        .await
        .unwrap_or_else(|e| panic!("App::open: {e}"));
    app.start_documents(None)
        .await
        .unwrap_or_else(|e| panic!("start_documents: {e}"));
    let router = daihoi_web::router(app.clone(), opts);
    let server = tokio::spawn(async move {
        if let Err(e) = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        {
            eprintln!("test server stopped: {e}");
        }
    });
    (addr, base, app, server)
}

impl TestApp {
    /// The directory holding the SQLite file (`daihoi.db`), usable as `--data`.
    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The PostgreSQL database URL, for the PostgreSQL backend.
    pub fn database_url(&self) -> Option<&str> {
        match &self.db {
            Db::Postgres(u) => Some(u),
            Db::Sqlite(_) => None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A new browser-like client for this server.
    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }

    /// Stop the server and start a new one (new port, new `App` replaying the log) on the
    /// same database.
    pub async fn restart(&mut self) {
        self.server.abort();
        let (addr, base, app, server) =
            start(&self.db, self.clock.clone(), self.opts.clone()).await;
        self.addr = addr;
        self.base = base;
        self.app = app;
        self.server = server;
    }

    pub fn setup_input() -> SetupInput {
        SetupInput {
            congress: congress_input(),
            username: ADMIN_USER.into(),
            display_name: ADMIN_NAME.into(),
            password: ADMIN_PASSWORD.into(),
        }
    }

    /// Create the congress and its administrator (`admin` / [`ADMIN_PASSWORD`]).
    pub async fn setup_congress(&self) -> AccountId {
        self.app
            .setup(&Self::setup_input())
            .await
            .unwrap_or_else(|e| panic!("setup: {e:?}"))
    }

    /// The administrator as the use cases see it (no HTTP, no rate limiter).
    pub fn admin_principal(&self) -> Principal {
        self.principal_of(ADMIN_USER)
    }

    pub fn principal_of(&self, username: &str) -> Principal {
        let a = self
            .app
            .read(|s| s.account_by_username(username).cloned())
            .unwrap_or_else(|| panic!("no account {username}: call setup_congress first"));
        Principal {
            subject: Subject::Account(a.id),
            role: a.role,
            display_name: a.display_name,
            csrf: None,
        }
    }

    /// A new API token for `role`, as `dh_…`.
    pub async fn token(&self, role: Role) -> String {
        self.app
            .create_token_system("kiểm thử", role)
            .await
            .unwrap_or_else(|e| panic!("create token: {e:?}"))
    }

    /// Create an account. Staff roles need a password; devices get none.
    pub async fn create_account(
        &self,
        username: &str,
        display_name: &str,
        role: Role,
        password: Option<&str>,
    ) -> AccountId {
        self.app
            .create_account(
                &self.admin_principal(),
                username,
                display_name,
                role,
                password,
            )
            .await
            .unwrap_or_else(|e| panic!("create account {username}: {e:?}"))
    }

    /// The sign-in link (`/l/…`) of an account.
    pub fn link_url(&self, id: AccountId) -> String {
        let a = self
            .app
            .read(|s| s.account(id).cloned())
            .unwrap_or_else(|| panic!("no account {id:?}"));
        self.app.link_url(&a)
    }

    /// Import `n` official delegates with codes DB001, DB002, …
    pub async fn import_delegates(&self, n: usize) -> Vec<Delegate> {
        let rows: Vec<DelegateFields> = (1..=n).map(delegate_fields).collect();
        self.app
            .import_rows(&self.admin_principal(), "kiểm thử", rows)
            .await
            .unwrap_or_else(|e| panic!("import: {e:?}"));
        (1..=n)
            .map(|i| self.delegate(&format!("DB{i:03}")))
            .collect()
    }

    pub fn delegate(&self, code: &str) -> Delegate {
        self.app
            .read(|s| s.delegate_by_code(code).cloned())
            .unwrap_or_else(|| panic!("no delegate {code}"))
    }

    /// The URL in a delegate's QR code, as it is now.
    pub fn qr_url(&self, code: &str) -> String {
        self.app.qr_url(&self.delegate(code))
    }

    /// One session on the first day with the three [`ITEM_TITLES`].
    pub async fn add_program(&self) -> (SessionId, Vec<ItemId>) {
        let p = self.admin_principal();
        let session = self
            .app
            .add_session(
                &p,
                &SessionInput {
                    date: "01/12/2026".into(),
                    title: SESSION_TITLE.into(),
                    kind: "opening".into(),
                    starts_at: "07:30".into(),
                    ends_at: "11:30".into(),
                    location: "Hội trường lớn".into(),
                },
            )
            .await
            .unwrap_or_else(|e| panic!("add session: {e:?}"));
        let mut items = Vec::new();
        for (i, title) in ITEM_TITLES.iter().enumerate() {
            let input = ItemInput {
                title: (*title).into(),
                presenter: format!("Đồng chí báo cáo viên {}", i + 1),
                notes: String::new(),
            };
            items.push(
                self.app
                    .add_item(&p, session, &input)
                    .await
                    .unwrap_or_else(|e| panic!("add item: {e:?}")),
            );
        }
        (session, items)
    }

    /// [`Self::add_program`] and start the session (the first item is current).
    pub async fn start_program(&self) -> (SessionId, Vec<ItemId>) {
        let (s, items) = self.add_program().await;
        self.app
            .start_session(&self.admin_principal(), s)
            .await
            .unwrap_or_else(|e| panic!("start session: {e:?}"));
        (s, items)
    }
}

const FAMILY: [&str; 8] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"];
const GIVEN: [&str; 8] = [
    "Văn An",
    "Thị Bích",
    "Quốc Cường",
    "Minh Đức",
    "Thu Hà",
    "Hữu Phước",
    "Ngọc Lan",
    "Đình Khoa",
];

/// The name [`TestApp::import_delegates`] gives delegate number `i` (1-based).
pub fn delegate_name(i: usize) -> String {
    format!(
        "{} {}",
        FAMILY[(i - 1) % FAMILY.len()],
        GIVEN[((i - 1) / FAMILY.len() + i - 1) % GIVEN.len()]
    )
}

/// The delegate [`TestApp::import_delegates`] makes as number `i` (1-based): DB001, …
pub fn delegate_fields(i: usize) -> DelegateFields {
    DelegateFields {
        code: format!("DB{i:03}"),
        full_name: delegate_name(i),
        birth_date: chrono::NaiveDate::from_ymd_opt(
            1970 + (i % 20) as i32,
            1 + (i % 12) as u32,
            1 + (i % 28) as u32,
        ),
        gender: Some(if i.is_multiple_of(2) {
            Gender::Female
        } else {
            Gender::Male
        }),
        ethnicity: "Kinh".into(),
        position: "Bí thư Đảng ủy".into(),
        unit: format!("Đảng bộ xã số {i}"),
        delegation: format!("Đoàn đại biểu số {}", 1 + i % 3),
        group: format!("Tổ {}", 1 + i % 2),
        kind: DelegateKind::Official,
        shares: 0,
        photo: None,
        extra: Default::default(),
    }
}

// ---------------------------------------------------------------------------------------
// The client

/// One HTTP answer, read in full.
#[derive(Debug, Clone)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// The URL that gave this answer (the last one, after redirects were followed).
    pub url: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect()
    }

    /// The `Set-Cookie` header setting `name`, if any.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .find(|c| c.starts_with(&format!("{name}=")))
    }

    /// The value of the session cookie this answer sets, if any (not a deletion).
    pub fn session_cookie(&self) -> Option<String> {
        let c = self.set_cookie("daihoi_session")?;
        let v = c.split(';').next()?.split_once('=')?.1;
        (!v.is_empty()).then(|| v.to_string())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("{} is not JSON ({e}): {}", self.url, self.body))
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The path of the final URL (`/app`, `/login?next=…`).
    pub fn path(&self) -> &str {
        match self.url.split_once("://") {
            Some((_, rest)) => rest.find('/').map(|i| &rest[i..]).unwrap_or("/"),
            None => &self.url,
        }
    }

    pub fn contains(&self, s: &str) -> bool {
        self.body.contains(s)
    }
}

/// The value of the first `attr="…"` that follows `after` in `html`.
pub fn attr_after<'a>(html: &'a str, after: &str, attr: &str) -> Option<&'a str> {
    let start = html.find(after)? + after.len();
    let rest = &html[start..];
    let key = format!("{attr}=\"");
    let v = &rest[rest.find(&key)? + key.len()..];
    Some(&v[..v.find('"')?])
}

/// The `data-csrf` token on a page's `<body>` (empty when not signed in).
pub fn page_csrf(html: &str) -> Option<&str> {
    attr_after(html, "<body", "data-csrf").filter(|v| !v.is_empty())
}

/// The hidden `_csrf` field of the first form of a page (sign-in and setup forms).
pub fn form_csrf(html: &str) -> Option<&str> {
    attr_after(html, "name=\"_csrf\"", "value").filter(|v| !v.is_empty())
}

/// A browser: keeps cookies, remembers the page's CSRF token, never follows redirects by
/// itself (tests look at them).
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    csrf: Arc<Mutex<Option<String>>>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("reqwest client: {e}"));
        Client {
            http,
            base: base.trim_end_matches('/').to_string(),
            csrf: Arc::new(Mutex::new(None)),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The underlying reqwest client (shares the cookie store).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub fn url(&self, path_or_url: &str) -> String {
        if path_or_url.starts_with("http://") || path_or_url.starts_with("https://") {
            path_or_url.to_string()
        } else {
            format!("{}{path_or_url}", self.base)
        }
    }

    fn cached_csrf(&self) -> Option<String> {
        self.csrf.lock().ok().and_then(|g| g.clone())
    }

    fn set_csrf(&self, v: Option<String>) {
        if let Ok(mut g) = self.csrf.lock() {
            *g = v;
        }
    }

    async fn read(&self, url: String, res: reqwest::Response) -> reqwest::Result<Page> {
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.text().await?;
        let page = Page {
            status,
            headers,
            body,
            url,
        };
        // A new session cookie means a new CSRF token.
        if page.set_cookie("daihoi_session").is_some() {
            self.set_csrf(None);
        }
        if page.content_type().starts_with("text/html")
            && let Some(t) = page_csrf(&page.body)
        {
            self.set_csrf(Some(t.to_string()));
        }
        Ok(page)
    }

    pub async fn try_get(&self, path: &str) -> reqwest::Result<Page> {
        let url = self.url(path);
        let res = self.http.get(&url).send().await?;
        self.read(url, res).await
    }

    pub async fn get(&self, path: &str) -> Page {
        self.try_get(path)
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// GET and follow redirects (at most 10); the answer of the last hop.
    pub async fn get_following(&self, path: &str) -> Page {
        let mut page = self.get(path).await;
        for _ in 0..10 {
            if !page.status.is_redirection() {
                return page;
            }
            let Some(to) = page.location().map(str::to_string) else {
                return page;
            };
            page = self.get(&to).await;
        }
        panic!("too many redirects from {path}")
    }

    /// Open a QR code or sign-in link (`/q/…`, `/l/…`, absolute or not) and follow where it
    /// leads. The answer of the last hop; its `url` says where the browser ended up.
    pub async fn open_link(&self, url: &str) -> Page {
        // The link may carry another server's address (a restarted demo): keep the path.
        let path = match url.split_once("://") {
            Some((_, rest)) => rest
                .find('/')
                .map(|i| rest[i..].to_string())
                .unwrap_or_else(|| "/".into()),
            None => url.to_string(),
        };
        self.get_following(&path).await
    }

    pub async fn get_bearer(&self, path: &str, token: &str) -> Page {
        let url = self.url(path);
        let res = self
            .http
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path} (bearer): {e}"));
        self.read(url, res)
            .await
            .unwrap_or_else(|e| panic!("GET {path} (bearer): {e}"))
    }

    /// The CSRF token of the signed-in session, read from a page when not known yet.
    pub async fn csrf(&self) -> Option<String> {
        if let Some(t) = self.cached_csrf() {
            return Some(t);
        }
        let _ = self.try_get("/app").await;
        self.cached_csrf()
    }

    /// POST a form exactly as given (no CSRF token added).
    pub async fn try_post_form_raw(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> reqwest::Result<Page> {
        let url = self.url(path);
        let mut req = self.http.post(&url).form(fields);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await?;
        self.read(url, res).await
    }

    pub async fn post_form_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.try_post_form_raw(path, fields, &[])
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    /// POST a form, adding the session's `_csrf` token when signed in (and absent).
    pub async fn try_post_form(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Result<Page> {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        let token = if fields.iter().any(|(k, _)| *k == "_csrf") {
            None
        } else {
            self.csrf().await
        };
        if let Some(t) = &token {
            all.push(("_csrf", t));
        }
        self.try_post_form_raw(path, &all, &[]).await
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.try_post_form(path, fields)
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }

    pub async fn post_json_bearer(
        &self,
        path: &str,
        token: &str,
        body: &serde_json::Value,
    ) -> Page {
        let url = self.url(path);
        let res = self
            .http
            .post(&url)
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path} (bearer): {e}"));
        self.read(url, res)
            .await
            .unwrap_or_else(|e| panic!("POST {path} (bearer): {e}"))
    }

    /// POST raw bytes (a file upload) with a bearer token.
    pub async fn post_bytes_bearer(
        &self,
        path: &str,
        token: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Page {
        let url = self.url(path);
        let res = self
            .http
            .post(&url)
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path} (bearer): {e}"));
        self.read(url, res)
            .await
            .unwrap_or_else(|e| panic!("POST {path} (bearer): {e}"))
    }

    /// Sign in on the sign-in page as a person would: read the form, post it. Returns the
    /// answer to the POST (303 and a session cookie on success).
    pub async fn sign_in_password(&self, username: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        assert_eq!(form.status, StatusCode::OK, "GET /login: {}", form.body);
        let pre = form_csrf(&form.body)
            .unwrap_or_else(|| panic!("no _csrf field on /login: {}", form.body))
            .to_string();
        self.post_form_raw(
            "/login",
            &[
                ("username", username),
                ("password", password),
                ("_csrf", &pre),
            ],
        )
        .await
    }

    /// Subscribe to `GET /events`.
    pub async fn events(&self) -> EventStream {
        self.try_events(None)
            .await
            .unwrap_or_else(|p| panic!("GET /events: {} {}", p.status, p.body))
    }

    /// Subscribe as a client reconnecting after `last_seq` (sends `Last-Event-ID`).
    pub async fn events_after(&self, last_seq: i64) -> EventStream {
        self.try_events(Some(last_seq))
            .await
            .unwrap_or_else(|p| panic!("GET /events: {} {}", p.status, p.body))
    }

    /// The stream, or the answer when it is not a 200 event stream.
    pub async fn try_events(&self, last_seq: Option<i64>) -> Result<EventStream, Page> {
        let url = self.url("/events");
        let mut req = self.http.get(&url).header("accept", "text/event-stream");
        if let Some(s) = last_seq {
            req = req.header("last-event-id", s.to_string());
        }
        let res = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET /events: {e}"));
        let is_stream = res.status() == StatusCode::OK
            && res
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|c| c.starts_with("text/event-stream"));
        if !is_stream {
            return Err(self
                .read(url, res)
                .await
                .unwrap_or_else(|e| panic!("GET /events: {e}")));
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            let mut body = res.bytes_stream();
            let mut buf = String::new();
            while let Some(Ok(chunk)) = body.next().await {
                buf.push_str(&String::from_utf8_lossy(&chunk));
                while let Some((block, rest)) = split_block(&buf) {
                    if let Some(ev) = parse_block(&block)
                        && tx.send(ev).is_err()
                    {
                        return;
                    }
                    buf = rest;
                }
            }
        });
        Ok(EventStream { rx, task })
    }
}

fn split_block(buf: &str) -> Option<(String, String)> {
    let normalized = buf
        .find("\n\n")
        .map(|i| (i, 2))
        .or_else(|| buf.find("\r\n\r\n").map(|i| (i, 4)));
    normalized.map(|(i, n)| (buf[..i].to_string(), buf[i + n..].to_string()))
}

fn parse_block(block: &str) -> Option<SseEvent> {
    let mut ev = SseEvent {
        event: "message".into(),
        data: String::new(),
        id: None,
    };
    let mut any = false;
    for line in block.lines() {
        if line.starts_with(':') || line.is_empty() {
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        any = true;
        match field {
            "event" => ev.event = value.to_string(),
            "data" => {
                if !ev.data.is_empty() {
                    ev.data.push('\n');
                }
                ev.data.push_str(value);
            }
            "id" => ev.id = Some(value.to_string()),
            _ => {}
        }
    }
    any.then_some(ev)
}

/// One Server-Sent Event.
#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    pub event: String,
    pub data: String,
    pub id: Option<String>,
}

impl SseEvent {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.data)
            .unwrap_or_else(|e| panic!("event data is not JSON ({e}): {}", self.data))
    }

    /// `seq` of a `hello` or `notice` event.
    pub fn seq(&self) -> i64 {
        self.json()["seq"]
            .as_i64()
            .unwrap_or_else(|| panic!("no seq in {}", self.data))
    }

    pub fn topics(&self) -> Vec<String> {
        self.json()["topics"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The parsed events of one `/events` connection. Dropping it closes the connection.
pub struct EventStream {
    rx: mpsc::UnboundedReceiver<SseEvent>,
    task: JoinHandle<()>,
}

impl Drop for EventStream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl EventStream {
    /// The next event, or None when none came within `timeout` (or the stream ended).
    pub async fn next(&mut self, timeout: Duration) -> Option<SseEvent> {
        tokio::time::timeout(timeout, self.rx.recv())
            .await
            .ok()
            .flatten()
    }

    /// The first event matching `pred` within `timeout`, skipping the others.
    pub async fn wait_for(
        &mut self,
        timeout: Duration,
        mut pred: impl FnMut(&SseEvent) -> bool,
    ) -> Option<SseEvent> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let ev = self.next(left).await?;
            if pred(&ev) {
                return Some(ev);
            }
        }
    }
}

/// Poll `f` until it returns Some, for at most `timeout`.
pub async fn eventually<T, F, Fut>(timeout: Duration, mut f: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(v) = f().await {
            return Some(v);
        }
        if tokio::time::Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_event_blocks() {
        let (b, rest) = split_block("event: hello\nid: 3\ndata: {\"seq\":3}\n\n: keep\n").unwrap();
        assert_eq!(rest, ": keep\n");
        let e = parse_block(&b).unwrap();
        assert_eq!(
            (e.event.as_str(), e.id.as_deref(), e.seq()),
            ("hello", Some("3"), 3)
        );
        assert!(parse_block(": comment only").is_none());
    }

    #[test]
    fn finds_tokens_in_pages() {
        let html = r#"<body class="app" data-csrf="abc" data-lang="vi"><form><input type="hidden" name="_csrf" value="pre123">"#;
        assert_eq!(page_csrf(html), Some("abc"));
        assert_eq!(form_csrf(html), Some("pre123"));
        assert_eq!(page_csrf(r#"<body data-csrf="">"#), None);
    }

    #[test]
    fn delegate_names_are_vietnamese() {
        assert_eq!(delegate_name(1), "Nguyễn Văn An");
        assert!((1..=40).all(|i| !delegate_name(i).is_empty()));
    }
}
