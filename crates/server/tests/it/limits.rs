//! Request bodies over the configured limit are refused up front with a translated 413.

use std::net::SocketAddr;
use std::time::Duration;

use daihoi_testkit::{Backend, StatusCode, spawn_app_with};
use daihoi_web::WebOptions;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const MB: usize = 1024 * 1024;

/// Send a request head announcing `content_length` bytes, without the body (the server
/// must answer from the head alone), and read the answer: (status, body).
async fn declare_body(
    addr: SocketAddr,
    method_path: &str,
    headers: &[(&str, &str)],
    content_length: usize,
) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut head = format!(
        "{method_path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {content_length}\r\nConnection: close\r\n"
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.expect("write head");
    let mut buf = Vec::new();
    let read = async {
        let mut chunk = [0u8; 8192];
        loop {
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            if let Some(end) = find(&buf, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                let len = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok());
                if len.is_some_and(|n| buf.len() >= end + 4 + n) {
                    break;
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("the server answers without waiting for the body");
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn find(h: &[u8], n: &[u8]) -> Option<usize> {
    h.windows(n.len()).position(|w| w == n)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_upload_is_refused_with_the_translated_message() {
    let t = spawn_app_with(
        Backend::Sqlite,
        WebOptions {
            secure_cookies: false,
            max_body_bytes: MB,
        },
    )
    .await;
    t.setup_congress().await;
    // The raw requests need the session cookie by value.
    let raw = t.client();
    let signed = raw
        .sign_in_password(daihoi_testkit::ADMIN_USER, daihoi_testkit::ADMIN_PASSWORD)
        .await;
    let cookie = format!(
        "daihoi_session={}",
        signed.session_cookie().expect("cookie")
    );
    let csrf_raw = raw.csrf().await.expect("token");
    // Creating the API token is itself an event: before taking the head.
    let token = t.token(daihoi_domain::Role::Secretariat).await;
    let head = t.app.engine.head_seq();

    // Each case is checked and every problem reported together.
    let mut problems: Vec<String> = Vec::new();

    // The organiser's upload form, 2 MB against a 1 MB limit.
    let (status, body) = declare_body(
        t.addr,
        &format!("POST /admin/delegates/import?_csrf={csrf_raw}"),
        &[
            ("Cookie", &cookie),
            ("Content-Type", "multipart/form-data; boundary=X"),
        ],
        2 * MB,
    )
    .await;
    if status != 413 || !body.contains("Tệp gửi lên quá lớn (tối đa 1 MB).") {
        problems.push(format!(
            "upload form: expected 413 with the Vietnamese message, got {status}: {body:.300}"
        ));
    }

    // The API: the same as JSON.
    let (status, body) = declare_body(
        t.addr,
        "POST /api/v1/delegates/import",
        &[
            ("Authorization", &format!("Bearer {token}")),
            ("Content-Type", "text/csv"),
        ],
        2 * MB,
    )
    .await;
    let j: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    if status != 413
        || j["code"] != "PAYLOAD_TOO_LARGE"
        || !j["message"].as_str().is_some_and(|m| m.contains("quá lớn"))
    {
        problems.push(format!(
            "API: expected 413 JSON PAYLOAD_TOO_LARGE, got {status}: {body:.300}"
        ));
    }

    // Any form, in English when the browser asked for it.
    let (status, body) = declare_body(
        t.addr,
        "POST /console/announce",
        &[
            ("Cookie", &format!("{cookie}; daihoi_lang=en")),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        2 * MB,
    )
    .await;
    if status != 413 || !body.contains("The upload is too large (at most 1 MB).") {
        problems.push(format!(
            "form in English: expected 413 with the English message, got {status}: {body:.300}"
        ));
    }
    assert!(
        problems.is_empty(),
        "{} of 3 oversized requests answered wrongly:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert_eq!(t.app.engine.head_seq(), head, "nothing was written");

    // Under the limit, the same route works.
    let p = raw
        .post_form("/console/announce", &[("text", "Thông báo ngắn")])
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
}
