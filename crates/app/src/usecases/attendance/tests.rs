use std::sync::Arc;

use chrono::{TimeZone, Utc};
use daihoi_domain::attendance::{CheckInMethod, Presence};
use daihoi_domain::model::{AccountId, DelegateFields, DelegateId, DelegateKind, SessionId};
use daihoi_domain::poll::PollInput;
use daihoi_domain::state::SessionInput;
use daihoi_domain::{Error, Role};
use daihoi_store_sqlite::SqliteStore;

use super::*;
use crate::auth::Subject;
use crate::clock::FixedClock;
use crate::usecases::tests::{admin, setup_input};

fn delegate_row(code: &str, name: &str, delegation: &str, kind: DelegateKind) -> DelegateFields {
    let mut extra = std::collections::BTreeMap::new();
    if code == "DB001" {
        extra.insert("SỐ GHẾ".to_string(), "A-12".to_string());
    }
    DelegateFields {
        code: code.into(),
        full_name: name.into(),
        birth_date: None,
        gender: None,
        ethnicity: "Kinh".into(),
        position: String::new(),
        unit: String::new(),
        delegation: delegation.into(),
        group: "Tổ 1".into(),
        kind,
        shares: 0,
        photo: None,
        extra,
    }
}

struct Hall {
    app: Arc<App>,
    clock: Arc<FixedClock>,
    admin: Principal,
    ids: Vec<DelegateId>,
    session: SessionId,
    _dir: tempfile::TempDir,
}

/// Three official delegates in two delegations and one guest; one planned session.
async fn hall() -> Hall {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 12, 1, 7, 0, 0).unwrap(),
    ));
    let app = App::open(Arc::new(store), clock.clone(), "http://hall.local:8080/")
        .await
        .unwrap();
    app.setup(&setup_input()).await.unwrap();
    let a = admin(&app);
    let rows = vec![
        delegate_row(
            "DB001",
            "Nguyễn Văn An",
            "Đoàn Hà Nội",
            DelegateKind::Official,
        ),
        delegate_row(
            "DB002",
            "Trần Thị Bình",
            "Đoàn Hà Nội",
            DelegateKind::Official,
        ),
        delegate_row("DB003", "Lê Văn Cường", "Đoàn Huế", DelegateKind::Official),
        delegate_row("KM001", "Phạm Khách", "", DelegateKind::Invited),
    ];
    app.import_rows(&a, "t", rows).await.unwrap();
    let session = app
        .add_session(
            &a,
            &SessionInput {
                date: "01/12/2026".into(),
                title: "Phiên khai mạc".into(),
                kind: "plenary".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let ids = app.read(|s| {
        let mut v: Vec<_> = s
            .delegates()
            .map(|d| (d.fields.code.clone(), d.id))
            .collect();
        v.sort();
        v.into_iter().map(|(_, id)| id).collect()
    });
    Hall {
        app,
        clock,
        admin: a,
        ids,
        session,
        _dir: dir,
    }
}

fn device(role: Role) -> Principal {
    Principal {
        subject: Subject::Account(AccountId(9_999)),
        role,
        display_name: "Máy điểm danh cổng A".into(),
        csrf: None,
    }
}

fn voter(id: DelegateId) -> Principal {
    Principal {
        subject: Subject::Delegate(id),
        role: Role::Delegate,
        display_name: String::new(),
        csrf: None,
    }
}

/// The log's head: unchanged when a use case appends nothing.
fn seq(app: &App) -> i64 {
    app.engine.head_seq()
}

#[tokio::test]
async fn checking_in_twice_records_once_and_says_already() {
    let h = hall().await;
    let kiosk = device(Role::Kiosk);
    let face = CheckInMethod::Face {
        distance_milli: 312,
        confirmed_by: None,
    };
    let r = h
        .app
        .check_in(&kiosk, h.ids[0], face.clone())
        .await
        .unwrap();
    assert_eq!(r.session, h.session, "the next planned session");
    assert_eq!(r.session_title, "Phiên khai mạc");
    assert_eq!(r.name, "Nguyễn Văn An");
    assert_eq!(r.delegation, "Đoàn Hà Nội");
    assert_eq!(
        r.seat.as_deref(),
        Some("A-12"),
        "the seat column, whatever its case"
    );
    assert!(!r.already && !r.late);
    let before = seq(&h.app);
    let again = h
        .app
        .check_in(&kiosk, h.ids[0], CheckInMethod::Qr)
        .await
        .unwrap();
    assert!(again.already);
    assert_eq!(seq(&h.app), before, "nothing appended");
    h.app.read(|s| {
        assert!(matches!(
            s.attendance().presence(h.session, h.ids[0]),
            Some(Presence::Present { method, .. }) if *method == face
        ));
    });
    let other = h
        .app
        .check_in(&kiosk, h.ids[1], CheckInMethod::Qr)
        .await
        .unwrap();
    assert_eq!(other.seat, None);
}

#[tokio::test]
async fn no_session_to_check_in_for_is_a_conflict() {
    let h = hall().await;
    h.app.start_session(&h.admin, h.session).await.unwrap();
    h.app.end_session(&h.admin, h.session).await.unwrap();
    let e = h
        .app
        .check_in(&device(Role::Kiosk), h.ids[0], CheckInMethod::Qr)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "NO_SESSION");
}

#[tokio::test]
async fn arriving_after_the_grace_period_is_late() {
    let h = hall().await;
    let kiosk = device(Role::Kiosk);
    // Before the start nobody is late, however early.
    assert!(
        !h.app
            .check_in(&kiosk, h.ids[0], CheckInMethod::Qr)
            .await
            .unwrap()
            .late
    );
    h.app.start_session(&h.admin, h.session).await.unwrap();
    h.clock
        .advance(chrono::Duration::minutes(LATE_AFTER_MINUTES));
    assert!(
        !h.app
            .check_in(&kiosk, h.ids[1], CheckInMethod::Qr)
            .await
            .unwrap()
            .late
    );
    h.clock.advance(chrono::Duration::minutes(1));
    let r = h
        .app
        .check_in(&kiosk, h.ids[2], CheckInMethod::Qr)
        .await
        .unwrap();
    assert!(r.late);
    assert!(
        h.app
            .check_in(&kiosk, h.ids[2], CheckInMethod::Qr)
            .await
            .unwrap()
            .late
    );
    let sum = h.app.attendance_summary(&h.admin, h.session).unwrap();
    assert_eq!(sum.counts.present, 3);
    assert_eq!(sum.counts.late, 1);
    assert_eq!(sum.late.len(), 1);
    assert_eq!(sum.late[0].delegate, h.ids[2]);
}

#[tokio::test]
async fn badge_qr_checks_in_unless_revoked_or_foreign() {
    let h = hall().await;
    let kiosk = device(Role::Kiosk);
    let url = h.app.read(|s| h.app.qr_url(s.delegate(h.ids[0]).unwrap()));
    assert!(url.contains("/q/"));
    let r = h
        .app
        .check_in_by_qr(&kiosk, &format!("  {url}\n"))
        .await
        .unwrap();
    let after_first = seq(&h.app);
    assert_eq!(r.delegate, h.ids[0]);
    h.app.read(|s| {
        assert!(matches!(
            s.attendance().presence(h.session, h.ids[0]),
            Some(Presence::Present {
                method: CheckInMethod::Qr,
                ..
            })
        ));
    });
    // The bare token works as well.
    let token = url.rsplit("/q/").next().unwrap().to_string();
    assert!(h.app.check_in_by_qr(&kiosk, &token).await.unwrap().already);
    // Revoked: the old badge no longer checks in.
    let old = h.app.read(|s| h.app.qr_url(s.delegate(h.ids[1]).unwrap()));
    h.app.revoke_qr(&h.admin, h.ids[1]).await.unwrap();
    let e = h.app.check_in_by_qr(&kiosk, &old).await.unwrap_err();
    assert!(
        matches!(&e, Error::Invalid { field: "qr", problem } if problem.key == "revoked_badge"),
        "{e:?}"
    );
    // Garbage and forged codes.
    for bad in ["", "xin chào", "https://example.com/q/1.0.abc", "2.0.AAAA"] {
        let e = h.app.check_in_by_qr(&kiosk, bad).await.unwrap_err();
        assert!(
            matches!(&e, Error::Invalid { field: "qr", problem } if problem.key == "unknown_badge"),
            "{bad}: {e:?}"
        );
    }
    assert_eq!(seq(&h.app), after_first + 1, "only the revocation");
    // A delegate's own phone cannot check anyone in.
    assert_eq!(
        h.app
            .check_in_by_qr(&voter(h.ids[2]), &url)
            .await
            .unwrap_err(),
        Error::Forbidden
    );
}

#[tokio::test]
async fn manual_check_in_needs_a_reason_and_records_who() {
    let h = hall().await;
    let e = h
        .app
        .check_in_manual(&h.admin, h.session, h.ids[0], "  ")
        .await
        .unwrap_err();
    assert!(
        matches!(
            &e,
            Error::Invalid {
                field: "reason",
                ..
            }
        ),
        "{e:?}"
    );
    let r = h
        .app
        .check_in_manual(&h.admin, h.session, h.ids[0], "Quên thẻ")
        .await
        .unwrap();
    assert!(!r.already);
    h.app.read(|s| {
        assert_eq!(
            s.attendance().presence(h.session, h.ids[0]),
            Some(&Presence::Present {
                method: CheckInMethod::Manual {
                    by: "Quản trị viên".into(),
                    reason: "Quên thẻ".into()
                },
                late: false,
                at: h.app.now(),
            })
        );
    });
    // Even after the session has ended (a late correction).
    h.app.start_session(&h.admin, h.session).await.unwrap();
    h.app.end_session(&h.admin, h.session).await.unwrap();
    h.app
        .check_in_manual(&h.admin, h.session, h.ids[1], "Bổ sung sau phiên")
        .await
        .unwrap();
    // The kiosk cannot check in by hand.
    assert_eq!(
        h.app
            .check_in_manual(&device(Role::Kiosk), h.session, h.ids[2], "Quên thẻ")
            .await
            .unwrap_err(),
        Error::Forbidden
    );
}

#[tokio::test]
async fn absent_with_or_without_reason_and_reset() {
    let h = hall().await;
    h.app
        .mark_absent(&h.admin, h.session, h.ids[0], "Ốm, có đơn xin phép")
        .await
        .unwrap();
    h.app
        .mark_absent(&h.admin, h.session, h.ids[1], "")
        .await
        .unwrap();
    let sum = h.app.attendance_summary(&h.admin, h.session).unwrap();
    assert_eq!(sum.counts.absent_with_reason, 1);
    assert_eq!(sum.counts.absent_without_reason, 1);
    assert_eq!(sum.counts.not_arrived, 1);
    assert_eq!(sum.counts.summoned, 3, "guests are not summoned");
    assert_eq!(sum.missing.len(), 3);
    assert!(matches!(
        &sum.missing[0].presence,
        Some(Presence::Absent { reason, by, .. }) if reason == "Ốm, có đơn xin phép" && by == "Quản trị viên"
    ));
    assert_eq!(sum.missing[2].status(), "not_arrived");
    // Per delegation, in list order.
    assert_eq!(sum.delegations.len(), 2);
    assert_eq!(sum.delegations[0].name, "Đoàn Hà Nội");
    assert_eq!(
        (sum.delegations[0].present, sum.delegations[0].summoned),
        (0, 2)
    );
    // Same absence again: nothing appended; reset: back to not arrived.
    let before = seq(&h.app);
    h.app
        .mark_absent(&h.admin, h.session, h.ids[1], "")
        .await
        .unwrap();
    assert_eq!(seq(&h.app), before);
    h.app
        .reset_attendance(&h.admin, h.session, h.ids[0])
        .await
        .unwrap();
    h.app
        .reset_attendance(&h.admin, h.session, h.ids[2])
        .await
        .unwrap();
    assert_eq!(
        seq(&h.app),
        before + 1,
        "nothing to reset for the one not arrived"
    );
    let sum = h.app.attendance_summary(&h.admin, h.session).unwrap();
    assert_eq!(sum.counts.not_arrived, 2);
}

#[tokio::test]
async fn leaving_early_removes_the_vote_until_checked_in_again() {
    let h = hall().await;
    h.app
        .record_base(&h.admin, 3, "Báo cáo thẩm tra tư cách")
        .await
        .unwrap();
    h.app.start_session(&h.admin, h.session).await.unwrap();
    h.app
        .mark_attendance_many(&h.admin, h.session, &h.ids, true)
        .await
        .unwrap();
    h.app.read(|s| {
        assert!(matches!(
            s.attendance().presence(h.session, h.ids[0]),
            Some(Presence::Present { method: CheckInMethod::Manual { by, reason }, .. })
                if by == "Quản trị viên" && reason == "Điểm danh tại hội trường"
        ));
    });
    // Leaving early requires being present first.
    h.app
        .leave_early(&h.admin, h.session, h.ids[0], "Công tác đột xuất")
        .await
        .unwrap();
    assert_eq!(
        h.app
            .leave_early(&h.admin, h.session, h.ids[0], "")
            .await
            .unwrap_err()
            .code(),
        "NOT_PRESENT"
    );
    let sum = h.app.attendance_summary(&h.admin, h.session).unwrap();
    assert_eq!((sum.counts.present, sum.counts.left_early), (2, 1));
    assert_eq!(sum.left_early[0].delegate, h.ids[0]);
    let poll = h
        .app
        .create_poll(
            &h.admin,
            &PollInput {
                title: "Thông qua chương trình Đại hội".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    h.app.open_poll(&h.admin, poll).await.unwrap();
    let e = h
        .app
        .cast_vote(&voter(h.ids[0]), poll, &["agree".into()], None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), "NOT_PRESENT");
    // Back in the hall: the vote counts again.
    let r = h
        .app
        .check_in(&device(Role::Kiosk), h.ids[0], CheckInMethod::Qr)
        .await
        .unwrap();
    assert!(!r.already);
    h.app
        .cast_vote(&voter(h.ids[0]), poll, &["agree".into()], None)
        .await
        .unwrap();
}

#[tokio::test]
async fn who_may_do_what() {
    let h = hall().await;
    let kiosk = device(Role::Kiosk);
    h.app
        .check_in(&kiosk, h.ids[0], CheckInMethod::Qr)
        .await
        .unwrap();
    assert_eq!(
        h.app
            .mark_absent(&kiosk, h.session, h.ids[1], "")
            .await
            .unwrap_err(),
        Error::Forbidden
    );
    assert_eq!(
        h.app
            .leave_early(&kiosk, h.session, h.ids[0], "")
            .await
            .unwrap_err(),
        Error::Forbidden
    );
    assert_eq!(
        h.app
            .reset_attendance(&kiosk, h.session, h.ids[0])
            .await
            .unwrap_err(),
        Error::Forbidden
    );
    // The kiosk sees the counts; the hall screen too, but cannot check in.
    assert!(h.app.attendance_summary(&kiosk, h.session).is_ok());
    let screen = device(Role::HallScreen);
    assert_eq!(
        h.app
            .checkin_counts(&screen)
            .unwrap()
            .map(|(s, c)| (s, c.present)),
        Some((h.session, 1))
    );
    assert_eq!(
        h.app
            .check_in(&screen, h.ids[1], CheckInMethod::Qr)
            .await
            .unwrap_err(),
        Error::Forbidden
    );
    let d = voter(h.ids[1]);
    assert_eq!(
        h.app
            .check_in(&d, h.ids[1], CheckInMethod::Qr)
            .await
            .unwrap_err(),
        Error::Forbidden
    );
    assert_eq!(
        h.app
            .check_in_manual(&d, h.session, h.ids[1], "x")
            .await
            .unwrap_err(),
        Error::Forbidden
    );
    assert_eq!(
        h.app
            .mark_absent(&d, h.session, h.ids[1], "")
            .await
            .unwrap_err(),
        Error::Forbidden
    );
    assert_eq!(
        h.app
            .leave_early(&d, h.session, h.ids[0], "")
            .await
            .unwrap_err(),
        Error::Forbidden
    );
    assert_eq!(
        h.app
            .reset_attendance(&d, h.session, h.ids[0])
            .await
            .unwrap_err(),
        Error::Forbidden
    );
    assert_eq!(
        h.app.attendance_summary(&d, h.session).unwrap_err(),
        Error::Forbidden
    );
    assert_eq!(h.app.checkin_counts(&d).unwrap_err(), Error::Forbidden);
}
