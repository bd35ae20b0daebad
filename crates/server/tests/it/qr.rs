//! A delegate's QR code: imported through the API, opened on a phone, revoked.

use daihoi_domain::Role;
use daihoi_testkit::{Backend, StatusCode, spawn_app};

use crate::common::delegates_csv;

const REVOKED: &str = "Mã QR này đã bị thu hồi";

async fn delegate_qr(b: Backend) {
    let t = spawn_app(b).await;
    t.setup_congress().await;
    let token = t.token(Role::Secretariat).await;
    let api = t.client();

    let csv = delegates_csv(&[
        ("DB001", "Nguyễn Văn An", "Đoàn Thành phố"),
        ("DB002", "Trần Thị Bích Ngọc", "Đoàn huyện Mỹ Đức"),
        ("DB003", "Lê Quốc Cường", "Đoàn Khối cơ quan"),
    ]);
    let p = api
        .post_bytes_bearer(
            "/api/v1/delegates/import?file_name=danh-sach.csv",
            &token,
            "text/csv",
            csv,
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert_eq!(t.app.read(|s| s.delegates().count()), 3);

    let d = t.delegate("DB002");
    assert_eq!(d.fields.full_name, "Trần Thị Bích Ngọc");
    let url = t.qr_url("DB002");
    assert!(url.starts_with(&format!("{}/q/", t.base)), "{url}");

    // Scanning the code signs the phone in, for the length of the congress.
    let phone = t.client();
    let first = phone.get(&url).await;
    assert_eq!(
        (first.status, first.location()),
        (StatusCode::SEE_OTHER, Some("/app")),
        "{}",
        first.body
    );
    let cookie = first.set_cookie("daihoi_session").expect("session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Max-Age=864000"),
        "{cookie}"
    );
    let home = phone.get("/app").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.contains("Trần Thị Bích Ngọc"), "{}", home.body);
    assert!(
        !home.contains("Nguyễn Văn An"),
        "only the delegate's own name"
    );
    let me = phone.get("/api/v1/me").await;
    assert_eq!(me.json()["role"], "delegate");

    // A forged code opens nothing.
    let other = t.delegate("DB001");
    let (_, tail) = url
        .split_once("/q/")
        .and_then(|(_, tok)| tok.split_once('.'))
        .expect("id.epoch.mac");
    let forged = format!("{}/q/{}.{tail}", t.base, other.id);
    assert_ne!(forged, url);
    let p = t.client().get(&forged).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "{}", p.body);

    // The badge is lost: revoke. The phone's session ends at its next request, and the old
    // code says why.
    t.app
        .revoke_qr(&t.admin_principal(), d.id)
        .await
        .expect("revoke");
    let p = phone.get("/app").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert!(
        p.location().is_some_and(|l| l.starts_with("/login")),
        "{:?}",
        p.location()
    );
    let p = phone.get("/api/v1/me").await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED, "{}", p.body);
    let p = phone.get(&url).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "{}", p.body);
    assert!(p.contains(REVOKED), "{}", p.body);
    assert!(p.contains("thu hồi"));
    assert!(p.session_cookie().is_none());

    // The new badge works; the other delegates were not touched.
    let new_url = t.qr_url("DB002");
    assert_ne!(new_url, url);
    let p = t.client().open_link(&new_url).await;
    assert_eq!((p.status, p.path()), (StatusCode::OK, "/app"));
    assert!(p.contains("Trần Thị Bích Ngọc"));
    let p = t.client().open_link(&t.qr_url("DB001")).await;
    assert_eq!((p.status, p.path()), (StatusCode::OK, "/app"));
    assert!(p.contains("Nguyễn Văn An"));
}

both_backends!(delegate_qr: delegate_qr_sqlite, delegate_qr_postgres);
