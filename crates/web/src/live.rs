//! Live updates. After each commit the engine publishes a small notice (sequence number,
//! topics); every page holds one Server-Sent Events stream and, for each notice whose
//! topics concern a region of the page, re-reads that region from `/fragments/{name}`.
//! A client that reconnects compares the sequence number in the `hello` event with the
//! last one it saw and re-reads everything if it missed anything.
//!
//! Shared fragments are rendered once per (name, language, sequence number), so ten
//! thousand phones re-reading after a notice cost one render.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Mutex;

use bytes::Bytes;
use std::time::Duration;

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use daihoi_app::Lang;
use daihoi_domain::{Capability, Error};
use futures::stream::{self, Stream, StreamExt};
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

use crate::Web;
use crate::extract::Caller;
use crate::views::*;

/// (fragment name, language) → (sequence number it was rendered at, HTML).
type Rendered = HashMap<(&'static str, Lang), (i64, Bytes)>;

#[derive(Default)]
pub struct FragmentCache {
    map: Mutex<Rendered>,
    /// The same, gzip-compressed: compressed once per sequence number, not once per
    /// re-read (10,000 screens re-reading the result chart after a close each paid for
    /// their own compression).
    gzip: Mutex<Rendered>,
}

/// Below this size a fragment goes out as it is (as the compression layer decides).
const COMPRESS_FROM: usize = 1400;

/// Names of the fragments every signed-in role may read.
const SHARED: [&str; 4] = ["live", "announcements", "program", "hall"];

fn render_shared(web: &Web, name: &str, lang: Lang) -> Option<String> {
    use crate::pages::vote;
    let tr = Tr::new(web, lang);
    web.app.read(|s| match name {
        "live" => Some(render_string(&LiveFragment {
            v: live_view(s, &tr),
            poll: vote::banner(s, &web.app.catalogue, lang),
            poll_state: vote::poll_state(s),
            tr: tr.clone(),
        })),
        "announcements" => Some(render_string(&AnnouncementsFragment {
            list: announcements(s, &tr, 30),
            tr: tr.clone(),
        })),
        "program" => Some(render_string(&ProgramFragment {
            days: program_view(s, &tr),
            tr: tr.clone(),
        })),
        "hall" => Some(render_string(&HallFragment {
            v: live_view(s, &tr),
            announcement: announcements(s, &tr, 1).into_iter().next(),
            open_poll: s
                .open_poll()
                .and_then(|p| vote::open_panel(s, &web.app.catalogue, lang, p.id)),
            result_poll: vote::hall_result(s, &web.app.catalogue, lang),
            tr: tr.clone(),
        })),
        _ => None,
    })
}

/// A shared fragment, from the cache when nothing changed since it was rendered.
pub fn render_fragment(web: &Web, name: &str, lang: Lang) -> Option<String> {
    fragment_bytes(web, name, lang).map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// The shared fragment as shared bytes: thousands of phones re-reading after one notice
/// get the same buffer, no copy.
fn fragment_bytes(web: &Web, name: &str, lang: Lang) -> Option<Bytes> {
    let key = SHARED.iter().find(|n| **n == name)?;
    let seq = web.app.engine.head_seq();
    if let Ok(map) = web.fragments.map.lock()
        && let Some((s, html)) = map.get(&(*key, lang))
        && *s == seq
    {
        return Some(html.clone());
    }
    let html = Bytes::from(render_shared(web, name, lang)?);
    if let Ok(mut map) = web.fragments.map.lock() {
        map.insert((*key, lang), (seq, html.clone()));
    }
    Some(html)
}

/// The shared fragment gzip-compressed, from the cache when nothing changed since.
fn fragment_gzip(web: &Web, name: &str, lang: Lang) -> Option<Bytes> {
    let key = SHARED.iter().find(|n| **n == name)?;
    let seq = web.app.engine.head_seq();
    if let Ok(map) = web.fragments.gzip.lock()
        && let Some((s, gz)) = map.get(&(*key, lang))
        && *s == seq
    {
        return Some(gz.clone());
    }
    let raw = fragment_bytes(web, name, lang)?;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, &raw).ok()?;
    let gz = Bytes::from(enc.finish().ok()?);
    if let Ok(mut map) = web.fragments.gzip.lock() {
        map.insert((*key, lang), (seq, gz.clone()));
    }
    Some(gz)
}

fn accepts_gzip(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|e| {
            let mut parts = e.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|q| q.trim().replace(' ', "") == "q=0");
            name.eq_ignore_ascii_case("gzip") && !refused
        })
}

pub async fn fragment(
    c: Caller,
    Path(name): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    // A large shared fragment, to a client that takes gzip: the copy compressed once.
    if SHARED.contains(&name.as_str())
        && accepts_gzip(&headers)
        && c.require(Capability::ViewProgram).is_ok()
        && fragment_bytes(&c.web, &name, c.lang).is_some_and(|b| b.len() >= COMPRESS_FROM)
        && let Some(gz) = fragment_gzip(&c.web, &name, c.lang)
    {
        return (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                (header::CONTENT_ENCODING, HeaderValue::from_static("gzip")),
                (header::VARY, HeaderValue::from_static("accept-encoding")),
            ],
            gz,
        )
            .into_response();
    }
    let html = if name == "console" {
        crate::pages::console::console_fragment(&c).map(Bytes::from)
    } else if name == "polls" {
        crate::pages::polls::polls_fragment(&c).map(Bytes::from)
    } else if name == "poll-count" {
        crate::pages::polls::count_fragment(&c).map(Bytes::from)
    } else if name == "attendance" {
        crate::pages::polls::attendance_fragment(&c).map(Bytes::from)
    } else {
        c.require(Capability::ViewProgram).and_then(|_| {
            fragment_bytes(&c.web, &name, c.lang).ok_or(Error::NotFound { what: "page" })
        })
    };
    match html {
        Ok(h) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/html; charset=utf-8"),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            h,
        )
            .into_response(),
        Err(e) => c.api_err(e).into_response(),
    }
}

/// Topics that change what the small shared fragments show.
const EMBED_TOPICS: [&str; 4] = ["live", "program", "congress", "announcements"];

fn notice_event(seq: i64, topics: &[&str], fragments: &[(&str, Bytes)]) -> Event {
    let embedded: serde_json::Map<String, serde_json::Value> = fragments
        .iter()
        .map(|(name, html)| {
            (
                (*name).to_string(),
                String::from_utf8_lossy(html).into_owned().into(),
            )
        })
        .collect();
    let data = serde_json::json!({ "seq": seq, "topics": topics, "fragments": embedded });
    Event::default()
        .event("notice")
        .id(seq.to_string())
        .data(data.to_string())
}

/// `GET /events`: the live stream for any signed-in caller.
pub async fn events(c: Caller) -> Response {
    if let Err(e) = c.signed_in() {
        return c.api_err(e).into_response();
    }
    let rx = c.web.app.engine.subscribe();
    let seq = c.web.app.engine.head_seq();
    // The one small fragment this caller's page shows live travels inside the notice, so
    // ten thousand phones need no second request (the re-read storm was the slow part of
    // the fan-out). Everything else is re-read as before.
    let embed: &'static str = match c.principal.as_ref().map(|p| p.role) {
        Some(daihoi_domain::Role::HallScreen | daihoi_domain::Role::Kiosk) => "hall",
        _ => "live",
    };
    let (web, lang) = (c.web.clone(), c.lang);
    let hello = stream::once(async move {
        Ok::<Event, Infallible>(
            Event::default()
                .event("hello")
                .id(seq.to_string())
                .data(format!("{{\"seq\":{seq}}}")),
        )
    });
    // Delegates' phones do not follow the voted/eligible counters: a burst of 1,600 votes
    // would otherwise send 1,600 notices to each of 1,600 phones. Ballots come on a channel
    // of their own, which only the other roles' streams subscribe to.
    let follows_votes = c
        .principal
        .as_ref()
        .is_some_and(|p| p.role != daihoi_domain::Role::Delegate);
    let main = BroadcastStream::new(rx);
    let notices: std::pin::Pin<
        Box<dyn Stream<Item = Result<daihoi_app::Notice, BroadcastStreamRecvError>> + Send>,
    > = if follows_votes {
        let ballots = BroadcastStream::new(c.web.app.engine.subscribe_ballots());
        Box::pin(stream::select(main, ballots))
    } else {
        Box::pin(main)
    };
    // Audit-only events (no topic) concern no page.
    let notices = notices
        .filter(|r| futures::future::ready(r.as_ref().map_or(true, |n| !n.topics.is_empty())));
    let notices = notices.map(move |r| {
        Ok::<Event, Infallible>(match r {
            Ok(n) => {
                let topics: Vec<&str> = n.topics.iter().map(|t| t.as_str()).collect();
                let fragments: Vec<(&str, Bytes)> =
                    if topics.iter().any(|t| EMBED_TOPICS.contains(t)) {
                        fragment_bytes(&web, embed, lang)
                            .map(|b| (embed, b))
                            .into_iter()
                            .collect()
                    } else {
                        Vec::new()
                    };
                notice_event(n.seq, &topics, &fragments)
            }
            // This client fell behind: tell it to re-read everything.
            Err(BroadcastStreamRecvError::Lagged(_)) => Event::default().event("resync").data("{}"),
        })
    });
    let stream: std::pin::Pin<Box<dyn Stream<Item = Result<Event, Infallible>> + Send>> =
        Box::pin(hello.chain(notices));
    let mut res = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    res.headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
