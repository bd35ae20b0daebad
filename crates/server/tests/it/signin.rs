//! Staff sign-in by password: the Vietnamese error, the per-user rate limit, the cookie.

use daihoi_domain::Role;
use daihoi_testkit::{ADMIN_PASSWORD, ADMIN_USER, Backend, StatusCode, form_csrf, spawn_app};

use crate::common::{PRESIDIUM_NAME, PRESIDIUM_PASSWORD, PRESIDIUM_USER, alert};

const BAD_CREDENTIALS: &str = "Tên đăng nhập hoặc mật khẩu không đúng.";
const RATE_LIMITED: &str = "Thử quá nhiều lần. Vui lòng đợi vài phút rồi thử lại.";

async fn password_sign_in(b: Backend) {
    let t = spawn_app(b).await;
    t.setup_congress().await;
    t.create_account(
        PRESIDIUM_USER,
        PRESIDIUM_NAME,
        Role::Presidium,
        Some(PRESIDIUM_PASSWORD),
    )
    .await;
    let c = t.client();

    // Wrong password, unknown user: the same 401 page, in Vietnamese, no session.
    for (user, pw) in [
        (ADMIN_USER, "mật-khẩu-sai-rồi"),
        ("khongcoai", "mật-khẩu-sai-rồi"),
    ] {
        let p = c.sign_in_password(user, pw).await;
        assert_eq!(p.status, StatusCode::UNAUTHORIZED, "{user}: {}", p.body);
        assert!(p.contains(BAD_CREDENTIALS), "{user}: {}", p.body);
        assert!(
            p.contains(&format!("value=\"{user}\"")),
            "the user name is kept: {}",
            p.body
        );
        assert!(p.session_cookie().is_none());
        assert!(form_csrf(&p.body).is_some(), "the form can be sent again");
    }
    assert_eq!(
        c.get("/console").await.status,
        StatusCode::SEE_OTHER,
        "still signed out"
    );

    // The right password: a session cookie that scripts cannot read, not sent cross-site.
    let p = c.sign_in_password(ADMIN_USER, ADMIN_PASSWORD).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location(), Some("/admin"));
    let cookie = p.set_cookie("daihoi_session").expect("session cookie");
    let attrs: Vec<&str> = cookie.split(';').map(str::trim).collect();
    assert!(attrs.contains(&"HttpOnly"), "{cookie}");
    assert!(attrs.contains(&"SameSite=Lax"), "{cookie}");
    assert!(attrs.contains(&"Path=/"), "{cookie}");
    assert!(
        attrs.contains(&"Max-Age=50400"),
        "staff sessions last a working day (14 h): {cookie}"
    );
    assert!(
        !attrs.contains(&"Secure"),
        "plain HTTP test server: {cookie}"
    );
    let me = c.get("/api/v1/me").await;
    assert_eq!(
        (me.status, me.json()["role"].as_str()),
        (StatusCode::OK, Some("admin")),
        "{}",
        me.body
    );

    // Only same-site destinations after sign-in.
    for (next, to) in [
        ("/app/program", "/app/program"),
        ("//evil.example/x", "/console"),
        ("https://evil.example/", "/console"),
        ("/\\evil.example", "/console"),
    ] {
        let browser = t.client();
        let login = browser
            .get(&format!(
                "/login?next={}",
                next.replace('/', "%2F").replace(':', "%3A")
            ))
            .await;
        assert!(
            login.contains(&format!("name=\"next\" value=\"{next}\"")),
            "{}",
            login.body
        );
        let pre = form_csrf(&login.body).expect("token").to_string();
        let p = browser
            .post_form_raw(
                "/login",
                &[
                    ("username", PRESIDIUM_USER),
                    ("password", PRESIDIUM_PASSWORD),
                    ("next", next),
                    ("_csrf", &pre),
                ],
            )
            .await;
        assert_eq!(
            (p.status, p.location()),
            (StatusCode::SEE_OTHER, Some(to)),
            "next={next}"
        );
    }

    // Ten wrong attempts for one user are answered; the eleventh is refused even with the
    // right password. Other users are not affected.
    let attacker = t.client();
    for i in 1..=10 {
        let p = attacker
            .sign_in_password(PRESIDIUM_USER, &format!("đoán-mò-lần-{i}"))
            .await;
        assert_eq!(
            p.status,
            StatusCode::UNAUTHORIZED,
            "attempt {i}: {}",
            p.body
        );
    }
    let p = attacker
        .sign_in_password(PRESIDIUM_USER, PRESIDIUM_PASSWORD)
        .await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS, "{}", p.body);
    assert!(p.contains(RATE_LIMITED), "{}", p.body);
    assert!(p.session_cookie().is_none());
    // The user name is what is limited, whatever its spelling.
    let p = t
        .client()
        .sign_in_password(" ChuToa ", PRESIDIUM_PASSWORD)
        .await;
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS, "{}", p.body);
    let p = t
        .client()
        .sign_in_password(ADMIN_USER, ADMIN_PASSWORD)
        .await;
    assert_eq!(
        p.status,
        StatusCode::SEE_OTHER,
        "another user signs in: {}",
        p.body
    );

    // The window passes.
    t.clock.advance(chrono::Duration::minutes(6));
    let p = attacker
        .sign_in_password(PRESIDIUM_USER, PRESIDIUM_PASSWORD)
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    assert_eq!(p.location(), Some("/console"));
    assert_eq!(attacker.get("/console").await.status, StatusCode::OK);

    // A signed-in browser (a shared desk) opens the sign-in page and signs in as someone
    // else: the form it was given must be accepted.
    let desk = t.client();
    assert_eq!(
        desk.sign_in_password(PRESIDIUM_USER, PRESIDIUM_PASSWORD)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let p = desk.sign_in_password(ADMIN_USER, ADMIN_PASSWORD).await;
    assert_eq!(
        (p.status, p.location()),
        (StatusCode::SEE_OTHER, Some("/admin")),
        "signing in from a signed-in browser with the form /login served: {} {}",
        p.status,
        alert(&p.body)
    );
}

both_backends!(password_sign_in: password_sign_in_sqlite, password_sign_in_postgres);
