//! Helpers shared by the modules of this binary.

use std::time::Duration;

use daihoi_testkit::{Client, Page, StatusCode, TestApp};

/// Long enough for a loaded CI machine, short enough to fail fast.
pub const WAIT: Duration = Duration::from_secs(10);

pub const PRESIDIUM_USER: &str = "chutoa";
pub const PRESIDIUM_PASSWORD: &str = "chủ-tọa-phiên-họp-2026";
pub const PRESIDIUM_NAME: &str = "Đồng chí Chủ tọa";

/// A signed-in administrator's browser.
pub async fn admin_client(t: &TestApp) -> Client {
    let c = t.client();
    let r = c
        .sign_in_password(daihoi_testkit::ADMIN_USER, daihoi_testkit::ADMIN_PASSWORD)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "admin sign-in: {}", r.body);
    c
}

/// Create the presidium account (once) and sign it in.
pub async fn presidium_client(t: &TestApp) -> Client {
    if t.app
        .read(|s| s.account_by_username(PRESIDIUM_USER).is_none())
    {
        t.create_account(
            PRESIDIUM_USER,
            PRESIDIUM_NAME,
            daihoi_domain::Role::Presidium,
            Some(PRESIDIUM_PASSWORD),
        )
        .await;
    }
    let c = t.client();
    let r = c.sign_in_password(PRESIDIUM_USER, PRESIDIUM_PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "presidium sign-in: {}",
        r.body
    );
    assert_eq!(r.location(), Some("/console"));
    c
}

/// A delegate's phone after scanning the QR code of `code`: lands on /app.
pub async fn delegate_client(t: &TestApp, code: &str) -> Client {
    let c = t.client();
    let p = c.open_link(&t.qr_url(code)).await;
    assert_eq!(
        (p.status, p.path()),
        (StatusCode::OK, "/app"),
        "QR sign-in of {code}: {}",
        p.body
    );
    c
}

/// `{ "code": …, "message": … }` of a JSON error.
pub fn api_error(p: &Page) -> (String, String) {
    let j = p.json();
    (
        j["code"].as_str().unwrap_or_default().to_string(),
        j["message"].as_str().unwrap_or_default().to_string(),
    )
}

/// The Vietnamese delegate list as an organiser's CSV file.
pub fn delegates_csv(rows: &[(&str, &str, &str)]) -> Vec<u8> {
    let mut s = String::from("STT,Mã đại biểu,Họ và tên,Đoàn đại biểu,Tổ thảo luận\n");
    for (i, (code, name, delegation)) in rows.iter().enumerate() {
        s.push_str(&format!(
            "{},{code},{name},{delegation},Tổ {}\n",
            i + 1,
            1 + i % 2
        ));
    }
    s.into_bytes()
}

/// The title of the current agenda item in a live fragment or page, if one is shown.
pub fn current_item(html: &str) -> Option<&str> {
    let key = "data-testid=\"current-item\">";
    let rest = &html[html.find(key)? + key.len()..];
    Some(rest[..rest.find('<')?].trim())
}

/// The message of an error page or form (`role="alert"`), for assertion messages.
pub fn alert(html: &str) -> &str {
    let key = "role=\"alert\">";
    html.find(key)
        .map(|i| &html[i + key.len()..])
        .and_then(|rest| rest.find('<').map(|j| rest[..j].trim()))
        .unwrap_or("(no alert on the page)")
}
