use super::*;
use chrono::TimeZone;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap()
}

fn run(state: &mut CongressState, events: Vec<Event>) {
    for e in &events {
        state.apply(e);
    }
}

fn configured() -> CongressState {
    let mut s = CongressState::default();
    let ev = s
        .decide_configure(&CongressInput {
            name: "Đại hội đại biểu Đảng bộ tỉnh lần thứ XV".into(),
            place: "Hội trường tỉnh".into(),
            starts_on: "24/11/2026".into(),
            ends_on: "26/11/2026".into(),
            kind: "party_congress".into(),
        })
        .unwrap();
    run(&mut s, ev);
    s
}

fn add_session(s: &mut CongressState, date: &str, title: &str) -> SessionId {
    let (id, ev) = s
        .decide_add_session(&SessionInput {
            date: date.into(),
            title: title.into(),
            kind: "plenary".into(),
            ..Default::default()
        })
        .unwrap();
    run(s, ev);
    id
}

fn add_item(s: &mut CongressState, session: SessionId, title: &str) -> ItemId {
    let (id, ev) = s
        .decide_add_item(
            session,
            &ItemInput {
                title: title.into(),
                ..Default::default()
            },
        )
        .unwrap();
    run(s, ev);
    id
}

#[test]
fn congress_input_is_validated_field_by_field() {
    let s = CongressState::default();
    let mut input = CongressInput {
        name: " ".into(),
        ..Default::default()
    };
    assert_eq!(
        s.decide_configure(&input).unwrap_err(),
        Error::invalid("name", "required")
    );
    input.name = "Đại hội".into();
    input.place = "Hà Nội".into();
    input.starts_on = "31/02/2026".into();
    assert_eq!(
        s.decide_configure(&input).unwrap_err(),
        Error::invalid("starts_on", "invalid_date")
    );
    input.starts_on = "26/11/2026".into();
    input.ends_on = "24/11/2026".into();
    assert_eq!(
        s.decide_configure(&input).unwrap_err(),
        Error::invalid("ends_on", "date_before_start")
    );
    input.ends_on = "27/11/2026".into();
    input.kind = "monarchy".into();
    assert_eq!(
        s.decide_configure(&input).unwrap_err(),
        Error::invalid("kind", "invalid_choice")
    );
}

#[test]
fn days_cover_the_congress_dates() {
    let s = configured();
    let days: Vec<String> = s
        .days()
        .iter()
        .map(|d| d.format("%d/%m").to_string())
        .collect();
    assert_eq!(days, ["24/11", "25/11", "26/11"]);
}

#[test]
fn sessions_must_fall_within_the_congress() {
    let s = configured();
    let err = s
        .decide_add_session(&SessionInput {
            date: "30/11/2026".into(),
            title: "x".into(),
            kind: "plenary".into(),
            ..Default::default()
        })
        .unwrap_err();
    assert!(
        matches!(err, Error::Invalid { field: "date", ref problem } if problem.key == "date_outside_congress")
    );
}

#[test]
fn running_a_session_moves_through_its_items() {
    let mut s = configured();
    let a = add_session(&mut s, "24/11/2026", "Phiên trù bị");
    let b = add_session(&mut s, "24/11/2026", "Phiên khai mạc");
    let i1 = add_item(&mut s, a, "Bầu Đoàn Chủ tịch");
    let i2 = add_item(&mut s, a, "Thông qua chương trình");

    {
        let ev = s.decide_start_session(a, now()).unwrap();
        run(&mut s, ev);
    }
    assert_eq!(
        s.live,
        Live {
            session: Some(a),
            item: Some(i1)
        }
    );
    assert_eq!(
        s.decide_start_session(b, now()).unwrap_err().code(),
        "ANOTHER_SESSION_RUNNING"
    );
    assert_eq!(
        s.decide_start_session(a, now()).unwrap_err().code(),
        "SESSION_ALREADY_RUNNING"
    );

    {
        let ev = s.decide_next_item().unwrap();
        run(&mut s, ev);
    }
    assert_eq!(s.live.item, Some(i2));
    assert_eq!(s.decide_next_item().unwrap_err().code(), "NO_NEXT_ITEM");
    {
        let ev = s.decide_previous_item().unwrap();
        run(&mut s, ev);
    }
    assert_eq!(s.live.item, Some(i1));

    let other = add_item(&mut s, b, "Khai mạc");
    assert_eq!(
        s.decide_set_item(Some(other)).unwrap_err().code(),
        "ITEM_NOT_IN_RUNNING_SESSION"
    );
    assert_eq!(
        s.decide_remove_item(i1).unwrap_err().code(),
        "ITEM_IS_CURRENT"
    );

    {
        let ev = s.decide_end_session(a, now()).unwrap();
        run(&mut s, ev);
    }
    assert_eq!(s.live, Live::default());
    assert_eq!(s.session(a).unwrap().status, SessionStatus::Ended);
    assert_eq!(
        s.decide_start_session(a, now()).unwrap_err().code(),
        "SESSION_ALREADY_ENDED"
    );
    assert_eq!(
        s.decide_end_session(a, now()).unwrap_err().code(),
        "SESSION_NOT_RUNNING"
    );
    assert_eq!(
        s.decide_next_item().unwrap_err().code(),
        "NO_SESSION_RUNNING"
    );
    assert_eq!(
        s.decide_remove_session(a).unwrap_err().code(),
        "SESSION_NOT_PLANNED"
    );
}

#[test]
fn reordering_and_removing() {
    let mut s = configured();
    let a = add_session(&mut s, "25/11/2026", "Phiên 1");
    let b = add_session(&mut s, "25/11/2026", "Phiên 2");
    {
        let ev = s.decide_move_session(b, Direction::Up).unwrap();
        run(&mut s, ev);
    }
    let titles: Vec<_> = s
        .sessions()
        .iter()
        .map(|x| x.fields.title.clone())
        .collect();
    assert_eq!(titles, ["Phiên 2", "Phiên 1"]);
    assert!(
        s.decide_move_session(b, Direction::Up).unwrap().is_empty(),
        "already first"
    );

    let i1 = add_item(&mut s, a, "Một");
    let i2 = add_item(&mut s, a, "Hai");
    {
        let ev = s.decide_move_item(i1, Direction::Down).unwrap();
        run(&mut s, ev);
    }
    assert_eq!(
        s.items_of(a).iter().map(|i| i.id).collect::<Vec<_>>(),
        [i2, i1]
    );

    {
        let ev = s.decide_remove_session(a).unwrap();
        run(&mut s, ev);
    }
    assert!(
        s.item(i1).is_none() && s.item(i2).is_none(),
        "items go with their session"
    );
    assert_eq!(s.sessions().len(), 1);
}

fn delegate(code: &str, name: &str) -> DelegateFields {
    DelegateFields {
        code: code.into(),
        full_name: name.into(),
        birth_date: None,
        gender: Some(Gender::Female),
        ethnicity: "Kinh".into(),
        position: String::new(),
        unit: String::new(),
        delegation: "Đoàn 1".into(),
        group: "Tổ 1".into(),
        kind: DelegateKind::Official,
        shares: 0,
        photo: None,
        extra: Default::default(),
    }
}

#[test]
fn import_is_idempotent_and_updates_by_code() {
    let mut s = configured();
    let rows = vec![
        delegate("DB001", "Nguyễn Thị An"),
        delegate("DB002", "Trần Văn Bình"),
    ];
    let (sum, ev) = s.decide_import("ds.csv", rows.clone()).unwrap();
    assert_eq!((sum.created, sum.updated, sum.unchanged), (2, 0, 0));
    run(&mut s, ev);
    let id1 = s.delegate_by_code("DB001").unwrap().id;

    let (sum, ev) = s.decide_import("ds.csv", rows.clone()).unwrap();
    assert_eq!((sum.created, sum.updated, sum.unchanged), (0, 0, 2));
    assert!(ev.is_empty(), "same file again changes nothing");

    let mut changed = rows;
    changed[0].position = "Bí thư".into();
    let (sum, ev) = s.decide_import("ds.csv", changed).unwrap();
    assert_eq!((sum.created, sum.updated, sum.unchanged), (0, 1, 1));
    run(&mut s, ev);
    let d = s.delegate_by_code("DB001").unwrap();
    assert_eq!((d.id, d.fields.position.as_str()), (id1, "Bí thư"));

    let dup = vec![delegate("X", "a"), delegate("X", "b")];
    assert!(s.decide_import("x", dup).is_err());
}

#[test]
fn revoking_a_qr_bumps_the_epoch() {
    let mut s = configured();
    {
        let ev = s
            .decide_import("f", vec![delegate("A1", "Lê Văn Cường")])
            .unwrap()
            .1;
        run(&mut s, ev);
    }
    let id = s.delegate_by_code("A1").unwrap().id;
    {
        let ev = s.decide_revoke_qr(id).unwrap();
        run(&mut s, ev);
    }
    assert_eq!(s.delegate(id).unwrap().qr_epoch, 1);
}

#[test]
fn the_last_admin_cannot_be_removed() {
    let mut s = configured();
    let (admin, ev) = s
        .decide_create_account("admin", "Quản trị", Role::Admin, None)
        .unwrap();
    run(&mut s, ev);
    assert_eq!(
        s.decide_edit_account(admin, "Quản trị", Role::Presidium, true)
            .unwrap_err()
            .code(),
        "LAST_ADMIN"
    );
    assert_eq!(
        s.decide_edit_account(admin, "Quản trị", Role::Admin, false)
            .unwrap_err()
            .code(),
        "LAST_ADMIN"
    );
    let err = s
        .decide_create_account("ADMIN", "Khác", Role::Secretariat, None)
        .unwrap_err();
    assert!(
        matches!(err, Error::Invalid { field: "username", ref problem } if problem.key == "username_taken")
    );
    let (_, ev) = s
        .decide_create_account("admin2", "Quản trị 2", Role::Admin, None)
        .unwrap();
    run(&mut s, ev);
    {
        let ev = s
            .decide_edit_account(admin, "Quản trị", Role::Admin, false)
            .unwrap();
        run(&mut s, ev);
    }
    let a = s.account(admin).unwrap();
    assert!(!a.active);
    assert_eq!(a.epoch, 1, "disabling revokes sessions");
}

#[test]
fn announcements_newest_first_and_withdrawn_hidden() {
    let mut s = configured();
    {
        let ev = s.decide_announce("Một", "ĐCT", now()).unwrap().1;
        run(&mut s, ev);
    }
    {
        let ev = s.decide_announce("Hai", "ĐCT", now()).unwrap().1;
        run(&mut s, ev);
    }
    let ids: Vec<_> = s.announcements().map(|a| a.text.clone()).collect();
    assert_eq!(ids, ["Hai", "Một"]);
    let first = s.announcements().last().unwrap().id;
    {
        let ev = s.decide_withdraw_announcement(first).unwrap();
        run(&mut s, ev);
    }
    assert_eq!(s.announcements().count(), 1);
    assert_eq!(
        s.decide_announce("  ", "x", now()).unwrap_err(),
        Error::invalid("text", "required")
    );
}

#[test]
fn ids_are_never_reused_after_replay() {
    let mut s = configured();
    let a = add_session(&mut s, "24/11/2026", "A");
    // Replaying the same events must give the same next id.
    let mut replayed = CongressState {
        info: s.info.clone(),
        ..Default::default()
    };
    replayed.apply(&Event::SessionAdded {
        id: a,
        fields: s.session(a).unwrap().fields.clone(),
    });
    let (next, _) = replayed
        .decide_add_session(&SessionInput {
            date: "24/11/2026".into(),
            title: "B".into(),
            kind: "other".into(),
            ..Default::default()
        })
        .unwrap();
    assert!(next.0 > a.0);
}

#[test]
fn natural_order_of_groups() {
    let mut v = vec!["Tổ 10", "Tổ 2", "tổ 1"];
    v.sort_by_key(|s| natural_key(s));
    assert_eq!(v, ["tổ 1", "Tổ 2", "Tổ 10"]);
}

// ----- documents -----------------------------------------------------------------------

fn file(name: &str) -> crate::docs::StoredFile {
    crate::docs::StoredFile {
        sha256: "ab".repeat(32),
        name: name.into(),
        kind: "pdf".into(),
        size: 10,
    }
}

fn doc_input(title: &str, access: &str, groups: &str) -> crate::docs::DocInput {
    crate::docs::DocInput {
        title: title.into(),
        access: access.into(),
        groups: groups.into(),
        ..Default::default()
    }
}

#[test]
fn folders_are_unique_by_folded_name_and_removed_only_when_empty() {
    let mut s = configured();
    let (f, ev) = s.decide_create_folder("Báo cáo chính trị").unwrap();
    run(&mut s, ev);
    assert_eq!(
        s.decide_create_folder("BAO CAO CHINH TRI").unwrap_err(),
        Error::conflict("FOLDER_EXISTS")
    );
    let mut input = doc_input("Báo cáo", "", "");
    input.folder = f.to_string();
    let (_, ev) = s
        .decide_add_document(input.parse().unwrap(), file("bc.pdf"), "", "", now())
        .unwrap();
    run(&mut s, ev);
    assert_eq!(
        s.decide_remove_folder(f).unwrap_err(),
        Error::conflict("FOLDER_NOT_EMPTY")
    );
    input.folder = "999".into();
    assert_eq!(
        s.decide_add_document(input.parse().unwrap(), file("x.pdf"), "", "", now())
            .unwrap_err(),
        Error::invalid("folder", "unknown_folder")
    );
}

#[test]
fn versions_count_up_and_extraction_settles_once() {
    let mut s = configured();
    let (d, ev) = s
        .decide_add_document(
            doc_input("Dự thảo Nghị quyết", "", "").parse().unwrap(),
            file("nq.pdf"),
            "Dự thảo 1",
            "",
            now(),
        )
        .unwrap();
    run(&mut s, ev);
    let (no, ev) = s
        .decide_add_version(d, file("nq2.pdf"), "Dự thảo 2", "Sửa mục 3", now())
        .unwrap();
    run(&mut s, ev);
    assert_eq!(no, 2);
    assert_eq!(s.docs().pending(), vec![(d, 1), (d, 2)]);
    let text = crate::docs::TextInfo {
        blob: "cd".repeat(32),
        pages: 3,
        method: "text_layer".into(),
        legacy: None,
        pdf: None,
    };
    let ev = s.decide_extraction_result(d, 1, Ok(text.clone())).unwrap();
    run(&mut s, ev);
    assert_eq!(
        s.decide_extraction_result(d, 1, Ok(text)).unwrap_err(),
        Error::conflict("EXTRACTION_FINISHED"),
        "a resumed job's second result changes nothing"
    );
    // Version 2 is still pending: the readable one is version 1.
    let doc = s.docs().document(d).unwrap();
    assert_eq!(doc.readable().unwrap().0.info.no, 1);
    let ev = s
        .decide_extraction_result(d, 2, Err(("DOC_ENCRYPTED".into(), "encrypted".into())))
        .unwrap();
    run(&mut s, ev);
    let doc = s.docs().document(d).unwrap();
    assert_eq!(
        doc.readable().unwrap().0.info.no,
        1,
        "a failed version is not read"
    );
    assert!(s.docs().pending().is_empty());
}

#[test]
fn who_may_read_what() {
    use crate::docs::{Access, Scope};
    let mut s = configured();
    let (_, ev) = s
        .decide_import("ds.csv", vec![delegate("DB001", "Nguyễn Thị An")])
        .unwrap();
    run(&mut s, ev);
    let d = s.delegate_by_code("DB001").unwrap().clone();
    let groups = doc_input("x", "groups", "TỔ 1\nĐoàn 9")
        .parse()
        .unwrap()
        .access;
    let other = doc_input("x", "groups", "Tổ 2").parse().unwrap().access;
    let cases = [
        (Access::Public, [true, true, true, true, false]),
        (Access::Delegates, [true, true, false, true, false]),
        (Access::Presidium, [false, false, false, true, false]),
        (groups, [true, false, false, true, false]),
        (other, [false, false, false, true, false]),
    ];
    for (access, want) in cases {
        let got = [
            Scope::of(Role::Delegate, Some(&d)).permits(&access),
            Scope::of(Role::CountingCommittee, None).permits(&access),
            Scope::of(Role::Guest, None).permits(&access),
            Scope::of(Role::Presidium, None).permits(&access),
            Scope::of(Role::HallScreen, None).permits(&access),
        ];
        assert_eq!(got, want, "{access:?}");
    }
    assert_eq!(
        doc_input("x", "groups", " , ").parse().unwrap_err(),
        Error::invalid("groups", "required")
    );
    assert_eq!(
        doc_input("x", "secret", "").parse().unwrap_err(),
        Error::invalid("access", "unknown_access")
    );
    assert_eq!(
        doc_input("  ", "", "").parse().unwrap_err(),
        Error::invalid("title", "required")
    );
}
