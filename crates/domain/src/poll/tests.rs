use super::*;
use crate::state::{CongressInput, SessionInput};
use crate::{CongressState, DelegateFields, DelegateKind};
use chrono::TimeZone;
use proptest::prelude::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap()
}

fn run(s: &mut CongressState, events: &[Event]) {
    for e in events {
        s.apply(e);
    }
}

fn delegate(i: usize, shares: u64) -> DelegateFields {
    DelegateFields {
        code: format!("D{i:05}"),
        full_name: format!("Đại biểu {i}"),
        birth_date: None,
        gender: None,
        ethnicity: String::new(),
        position: String::new(),
        unit: String::new(),
        delegation: String::new(),
        group: String::new(),
        kind: DelegateKind::Official,
        shares,
        photo: None,
        extra: Default::default(),
    }
}

/// A congress of `kind` with one running session and the given delegates (by shares),
/// every one of them marked present unless `absent` says otherwise.
struct Hall {
    s: CongressState,
    session: SessionId,
    ids: Vec<DelegateId>,
}

fn hall(kind: &str, shares: &[u64], present: impl Fn(usize) -> bool) -> Hall {
    let mut s = CongressState::default();
    let ev = s
        .decide_configure(&CongressInput {
            name: "Đại hội".into(),
            place: "Hội trường".into(),
            starts_on: "24/11/2026".into(),
            ends_on: "26/11/2026".into(),
            kind: kind.into(),
        })
        .unwrap();
    run(&mut s, &ev);
    let (session, ev) = s
        .decide_add_session(&SessionInput {
            date: "24/11/2026".into(),
            title: "Phiên toàn thể".into(),
            kind: "plenary".into(),
            ..Default::default()
        })
        .unwrap();
    run(&mut s, &ev);
    let rows = shares
        .iter()
        .enumerate()
        .map(|(i, sh)| delegate(i, *sh))
        .collect();
    let (_, ev) = s.decide_import("test", rows).unwrap();
    run(&mut s, &ev);
    let ids: Vec<DelegateId> = (0..shares.len())
        .map(|i| s.delegate_by_code(&format!("D{i:05}")).unwrap().id)
        .collect();
    {
        let ev = s.decide_start_session(session, now()).unwrap();
        run(&mut s, &ev);
    }
    for (i, d) in ids.iter().enumerate() {
        if present(i) {
            {
                let ev = s.decide_mark_attendance(session, *d, true).unwrap();
                run(&mut s, &ev);
            }
        }
    }
    Hall { s, session, ids }
}

fn party(n: usize) -> Hall {
    hall("party_congress", &vec![0; n], |_| true)
}

fn input(title: &str) -> PollInput {
    PollInput {
        title: title.into(),
        ..Default::default()
    }
}

fn create(h: &mut Hall, input: &PollInput) -> PollId {
    let (id, ev) = h.s.decide_create_poll(input).unwrap();
    run(&mut h.s, &ev);
    id
}

fn open(h: &mut Hall, id: PollId) {
    let ev = h.s.decide_open_poll(id, now()).unwrap();
    run(&mut h.s, &ev);
}

fn keys(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Cast and apply; secret ballots go to `agg`. Returns the outcome.
fn cast(
    h: &mut Hall,
    poll: PollId,
    voter: DelegateId,
    choices: &[&str],
    agg: &mut Tally,
) -> CastOutcome {
    let out =
        h.s.decide_cast(poll, voter, &keys(choices), None, now())
            .unwrap();
    run(&mut h.s, &out.events);
    if let Some(b) = &out.secret {
        agg.add(b.weight, &b.choices).unwrap();
    }
    out
}

fn close(h: &mut Hall, poll: PollId, agg: Tally) {
    let secret = (h.s.poll(poll).unwrap().fields.mode == PollMode::Secret).then_some(agg);
    let ev = h.s.decide_close_poll(poll, now(), secret).unwrap();
    run(&mut h.s, &ev);
}

fn record_base(h: &mut Hall, b: u64) {
    let ev =
        h.s.decide_record_base(b, "Báo cáo thẩm tra tư cách")
            .unwrap();
    run(&mut h.s, &ev);
}

/// Votes `counts[k]` delegates (in order) for option k on a single-question poll.
fn vote_counts(h: &mut Hall, poll: PollId, counts: &[(&str, usize)]) -> Tally {
    let mut agg = h.s.poll(poll).unwrap().empty_tally();
    let mut i = 0;
    for (key, n) in counts {
        for _ in 0..*n {
            let d = h.ids[i];
            cast(h, poll, d, &[key], &mut agg);
            i += 1;
        }
    }
    agg
}

/// Worked case 7: B = 448; 224 yes, 200 no, 16 abstain FAILS (needs 225).
#[test]
fn case_7_party_resolution_needs_more_than_half_of_b() {
    for (mode, yes, passes) in [
        ("named", 224, false),
        ("secret", 224, false),
        ("named", 225, true),
    ] {
        let mut h = party(450);
        record_base(&mut h, 448);
        let id = create(
            &mut h,
            &PollInput {
                mode: mode.into(),
                ..input("Nghị quyết đại hội")
            },
        );
        open(&mut h, id);
        let agg = vote_counts(
            &mut h,
            id,
            &[("agree", yes), ("disagree", 200), ("abstain", 16)],
        );
        close(&mut h, id, agg);
        let r = h.s.poll_result(id).unwrap();
        let q = &r.questions[0];
        assert_eq!(
            q.base,
            Share {
                part: 448,
                base: 448,
                kind: BaseKind::PartyBase
            }
        );
        assert_eq!(q.needed, 225);
        assert_eq!(q.counts[0].1.part, yes as u64);
        assert_eq!(q.counts[0].1.kind, BaseKind::PartyBase);
        assert_eq!(q.outcome == Outcome::Passed, passes, "{mode} {yes}");
        assert_eq!(r.ballots, yes as u64 + 216);
    }
}

#[test]
fn party_polls_need_the_recorded_base() {
    let mut h = party(10);
    let id = create(&mut h, &input("Thông qua chương trình"));
    assert_eq!(
        h.s.decide_open_poll(id, now()).unwrap_err(),
        Error::conflict("BASE_NOT_RECORDED")
    );
    assert_eq!(
        h.s.decide_record_base(0, "").unwrap_err().code(),
        "INVALID_INPUT"
    );
    assert_eq!(
        h.s.decide_record_base(11, "").unwrap_err().code(),
        "INVALID_INPUT"
    );
    record_base(&mut h, 10);
    assert_eq!(h.s.party_base(), Some((10, "Báo cáo thẩm tra tư cách")));
    open(&mut h, id);
    let sh = hall("shareholders_meeting", &[10], |_| true);
    assert_eq!(
        sh.s.decide_record_base(1, "").unwrap_err(),
        Error::conflict("NOT_PARTY_CONGRESS")
    );
}

/// 10,000,000 voting shares in 100 holdings of 100,000; the first `present` attend.
fn shareholders(present: usize) -> Hall {
    hall("shareholders_meeting", &[100_000; 100], |i| i < present)
}

/// Worked case 8: quorum through the poll API.
#[test]
fn case_8_shareholder_quorum() {
    for (meeting, present, met) in [
        ("1", 50, false),
        ("1", 51, true),
        ("2", 33, true),
        ("2", 32, false),
        ("3", 1, true),
    ] {
        let mut h = shareholders(present);
        let id = create(
            &mut h,
            &PollInput {
                meeting: meeting.into(),
                ..input("Báo cáo tài chính")
            },
        );
        open(&mut h, id);
        // everyone present agrees
        let agg = vote_counts(&mut h, id, &[("agree", present)]);
        close(&mut h, id, agg);
        let r = h.s.poll_result(id).unwrap();
        let q = r.quorum.unwrap();
        assert_eq!(
            q.attending,
            Share {
                part: present as u64 * 100_000,
                base: 10_000_000,
                kind: BaseKind::SharesTotal
            }
        );
        assert_eq!(q.met, met, "meeting {meeting}, {present}% present");
        let passed = r.questions[0].outcome == Outcome::Passed;
        assert_eq!(passed, met, "without quorum nothing passes");
    }
}

/// Worked case 9: 3,900,000 yes of 6,000,000 attending = exactly 65%: a special matter passes.
#[test]
fn case_9_special_matter_at_exactly_65_percent() {
    for (yes, special, passes) in [
        (39, true, true),
        (38, true, false),
        (31, false, true),
        (30, false, false),
    ] {
        let mut h = shareholders(60);
        let id = create(
            &mut h,
            &PollInput {
                special_matter: special,
                mode: "secret".into(),
                ..input("Thay đổi ngành nghề kinh doanh")
            },
        );
        open(&mut h, id);
        let agg = vote_counts(&mut h, id, &[("agree", yes), ("disagree", 60 - yes)]);
        close(&mut h, id, agg);
        let q = &h.s.poll_result(id).unwrap().questions[0];
        assert_eq!(
            q.base,
            Share {
                part: 6_000_000,
                base: 6_000_000,
                kind: BaseKind::SharesAttending
            }
        );
        assert_eq!(q.counts[0].1.part, yes as u64 * 100_000);
        assert_eq!(
            q.outcome == Outcome::Passed,
            passes,
            "{yes} special={special}"
        );
        if special {
            assert_eq!(q.majority, Majority::AtLeast(6500));
            assert_eq!(q.needed, 3_900_000);
            if yes == 39 {
                assert_eq!(q.counts[0].1.format(false), "65.00%");
            }
        }
    }
}

/// A weighted (shares) secret poll: the weights of unequal holdings add exactly.
#[test]
fn weighted_votes_are_exact() {
    let holdings = [u64::MAX / 4, u64::MAX / 4, 3, 1];
    let mut h = hall("shareholders_meeting", &holdings, |_| true);
    let id = create(
        &mut h,
        &PollInput {
            mode: "secret".into(),
            ..input("Cổ tức")
        },
    );
    open(&mut h, id);
    let mut agg = h.s.poll(id).unwrap().empty_tally();
    for (d, c) in h
        .ids
        .clone()
        .into_iter()
        .zip(["agree", "disagree", "agree", "abstain"])
    {
        cast(&mut h, id, d, &[c], &mut agg);
    }
    assert_eq!(agg.counts[0], vec![u64::MAX / 4 + 3, u64::MAX / 4, 1]);
    assert_eq!(agg.weight, holdings.iter().sum::<u64>());
    close(&mut h, id, agg);
    let q = &h.s.poll_result(id).unwrap().questions[0];
    assert_eq!(q.outcome, Outcome::Passed);
}

/// rules.md §4: the same 40 yes against different bases, each named.
#[test]
fn percentages_name_their_base() {
    // 100 entitled, 80 present; 40 yes / 30 no / 6 abstain (76 ballots).
    for (base, expected_kind, expected) in [
        ("entitled", BaseKind::Entitled, "40.00%"),
        ("present", BaseKind::Present, "50.00%"),
    ] {
        let mut h = hall("general_assembly", &[0; 100], |i| i < 80);
        let id = create(
            &mut h,
            &PollInput {
                base: base.into(),
                ..input("Quy chế làm việc")
            },
        );
        open(&mut h, id);
        let agg = vote_counts(
            &mut h,
            id,
            &[("agree", 40), ("disagree", 30), ("abstain", 6)],
        );
        close(&mut h, id, agg);
        let q = &h.s.poll_result(id).unwrap().questions[0];
        assert_eq!(q.counts[0].1.kind, expected_kind);
        assert_eq!(q.counts[0].1.format(false), expected);
        // 40 of 80 present is not more than half; of 100 entitled neither.
        assert_eq!(q.outcome, Outcome::NotPassed);
        // For comparison: yes of the ballots cast (76) is 52.63%, a base no rule uses here.
        assert_eq!(
            Share {
                part: 40,
                base: 76,
                kind: BaseKind::Valid
            }
            .format(false),
            "52.63%"
        );
    }
    // A configured two-thirds rule.
    let mut h = hall("general_assembly", &[0; 9], |_| true);
    let id = create(
        &mut h,
        &PollInput {
            majority: "at_least:6667".into(),
            ..input("Sửa điều lệ")
        },
    );
    open(&mut h, id);
    let agg = vote_counts(&mut h, id, &[("agree", 6), ("disagree", 3)]);
    close(&mut h, id, agg);
    let q = &h.s.poll_result(id).unwrap().questions[0];
    assert_eq!((q.needed, q.outcome), (7, Outcome::NotPassed));
}

#[test]
fn a_batch_has_one_outcome_per_question() {
    let mut h = party(5);
    record_base(&mut h, 5);
    let id = create(
        &mut h,
        &PollInput {
            questions: "Chỉ tiêu 1\n\n Chỉ tiêu 2 \nChỉ tiêu 3".into(),
            ..input("Các chỉ tiêu nghị quyết")
        },
    );
    assert_eq!(h.s.poll(id).unwrap().fields.questions.len(), 3);
    open(&mut h, id);
    let d = h.ids[0];
    assert_eq!(
        h.s.decide_cast(id, d, &keys(&["agree"]), None, now())
            .unwrap_err(),
        Error::invalid("choice", "WRONG_CHOICE_COUNT")
    );
    let mut agg = h.s.poll(id).unwrap().empty_tally();
    for d in h.ids.clone() {
        cast(&mut h, id, d, &["agree", "disagree", "agree"], &mut agg);
    }
    close(&mut h, id, agg);
    let r = h.s.poll_result(id).unwrap();
    let outcomes: Vec<_> = r.questions.iter().map(|q| q.outcome).collect();
    assert_eq!(
        outcomes,
        vec![Outcome::Passed, Outcome::NotPassed, Outcome::Passed]
    );
}

#[test]
fn bad_casts_are_refused_with_their_codes() {
    let mut h = hall("general_assembly", &[0; 4], |i| i != 3);
    let id = create(&mut h, &input("Biểu quyết"));
    let (a, absent) = (h.ids[0], h.ids[3]);
    let ballot = keys(&["agree"]);
    let code = |h: &Hall, voter, choices: &[String]| {
        h.s.decide_cast(id, voter, choices, None, now())
            .unwrap_err()
    };
    assert_eq!(code(&h, a, &ballot), Error::conflict("POLL_NOT_OPEN"));
    open(&mut h, id);
    assert_eq!(code(&h, absent, &ballot), Error::conflict("NOT_PRESENT"));
    assert_eq!(
        code(&h, DelegateId(999_999), &ballot),
        Error::conflict("NOT_ELIGIBLE")
    );
    assert_eq!(
        code(&h, a, &keys(&["yes"])),
        Error::invalid("choice", "UNKNOWN_OPTION")
    );
    assert_eq!(
        code(&h, a, &keys(&[])),
        Error::invalid("choice", "WRONG_CHOICE_COUNT")
    );
    assert_eq!(
        code(&h, a, &keys(&["agree", "agree"])),
        Error::invalid("choice", "WRONG_CHOICE_COUNT")
    );
    let mut agg = Tally::new(1, 3);
    cast(&mut h, id, a, &["agree"], &mut agg);
    assert_eq!(code(&h, a, &ballot), Error::conflict("ALREADY_VOTED"));
    assert_eq!(
        h.s.decide_cast(PollId(12345), a, &ballot, None, now())
            .unwrap_err(),
        Error::NotFound { what: "poll" }
    );
    close(&mut h, id, agg);
    assert_eq!(code(&h, h.ids[1], &ballot), Error::conflict("POLL_CLOSED"));
    // An invited guest never votes.
    let mut g = hall("general_assembly", &[0; 2], |_| true);
    let mut row = delegate(7, 0);
    row.kind = DelegateKind::Invited;
    let (_, ev) = g.s.decide_import("guests", vec![row]).unwrap();
    run(&mut g.s, &ev);
    let guest = g.s.delegate_by_code("D00007").unwrap().id;
    {
        let ev = g.s.decide_mark_attendance(g.session, guest, true).unwrap();
        run(&mut g.s, &ev);
    }
    let gid = create(&mut g, &input("X"));
    open(&mut g, gid);
    assert_eq!(
        g.s.decide_cast(gid, guest, &ballot, None, now())
            .unwrap_err(),
        Error::conflict("NOT_ELIGIBLE")
    );
}

#[test]
fn all_voting_members_may_vote_without_being_present() {
    let mut h = hall("general_assembly", &[0; 3], |_| false);
    let id = create(
        &mut h,
        &PollInput {
            eligibility: "all_voting_members".into(),
            ..input("Thư")
        },
    );
    open(&mut h, id);
    let mut agg = Tally::new(1, 3);
    let d = h.ids[2];
    cast(&mut h, id, d, &["disagree"], &mut agg);
}

#[test]
fn countdown_refuses_late_casts() {
    let mut h = party(3);
    record_base(&mut h, 3);
    let id = create(
        &mut h,
        &PollInput {
            countdown_secs: "60".into(),
            ..input("Nhanh")
        },
    );
    open(&mut h, id);
    let Some(PollStatus::Open {
        closes_at: Some(end),
        ..
    }) = h.s.poll(id).map(|p| p.status.clone())
    else {
        panic!("not open with a countdown");
    };
    assert_eq!(end, now() + chrono::Duration::seconds(60));
    let d = h.ids[0];
    assert!(
        h.s.decide_cast(id, d, &keys(&["agree"]), None, end).is_ok(),
        "at the second itself"
    );
    assert_eq!(
        h.s.decide_cast(
            id,
            d,
            &keys(&["agree"]),
            None,
            end + chrono::Duration::seconds(1)
        )
        .unwrap_err(),
        Error::conflict("COUNTDOWN_OVER")
    );
}

#[test]
fn lifecycle_is_enforced() {
    let mut h = party(3);
    record_base(&mut h, 3);
    let id = create(&mut h, &input("Một"));
    let other = create(&mut h, &input("Hai"));
    let t = now();
    let c = |e: Result<Vec<Event>>| e.unwrap_err();
    assert_eq!(
        c(h.s.decide_close_poll(id, t, None)),
        Error::conflict("POLL_NOT_OPEN")
    );
    assert_eq!(
        c(h.s.decide_publish_poll(id, t)),
        Error::conflict("POLL_NOT_CLOSED")
    );
    assert_eq!(h.s.poll_result(id).unwrap_err().code(), "POLL_NOT_CLOSED");
    assert!(
        !h.s.decide_edit_poll(id, &input("Một (sửa)"))
            .unwrap()
            .is_empty()
    );
    open(&mut h, id);
    assert_eq!(
        h.s.decide_edit_poll(id, &input("Một (sửa)")).unwrap_err(),
        Error::conflict("POLL_NOT_DRAFT")
    );
    assert_eq!(
        c(h.s.decide_open_poll(id, t)),
        Error::conflict("POLL_NOT_DRAFT")
    );
    assert_eq!(
        c(h.s.decide_open_poll(other, t)).code(),
        "ANOTHER_POLL_OPEN"
    );
    assert_eq!(
        c(h.s.decide_publish_poll(id, t)),
        Error::conflict("POLL_NOT_CLOSED")
    );
    close(&mut h, id, Tally::new(1, 3));
    assert_eq!(
        c(h.s.decide_close_poll(id, t, None)),
        Error::conflict("POLL_NOT_OPEN")
    );
    let ev = h.s.decide_publish_poll(id, t).unwrap();
    run(&mut h.s, &ev);
    assert!(matches!(
        h.s.poll(id).unwrap().status,
        PollStatus::Published { .. }
    ));
    assert!(h.s.decide_publish_poll(id, t).unwrap().is_empty());
    // The hall is free again.
    open(&mut h, other);
    // Void and re-run.
    assert_eq!(
        c(h.s.decide_void_poll(other, "  ", t)),
        Error::invalid("reason", "VOID_NEEDS_REASON")
    );
    assert_eq!(
        h.s.decide_rerun_poll(other).unwrap_err(),
        Error::conflict("POLL_NOT_VOIDED")
    );
    let ev = h.s.decide_void_poll(other, "Lỗi thiết bị", t).unwrap();
    run(&mut h.s, &ev);
    assert_eq!(
        c(h.s.decide_void_poll(other, "lại", t)),
        Error::conflict("POLL_VOIDED")
    );
    assert!(h.s.open_poll().is_none());
    let d = h.ids[0];
    assert_eq!(
        h.s.decide_cast(other, d, &keys(&["agree"]), None, t)
            .unwrap_err(),
        Error::conflict("POLL_CLOSED")
    );
    let (rerun, ev) = h.s.decide_rerun_poll(other).unwrap();
    run(&mut h.s, &ev);
    let r = h.s.poll(rerun).unwrap();
    assert_eq!((r.rerun_of, &r.status), (Some(other), &PollStatus::Draft));
    assert_eq!(r.fields, h.s.poll(other).unwrap().fields);
}

#[test]
fn present_only_needs_a_running_session() {
    let mut h = hall("general_assembly", &[0; 2], |_| true);
    {
        let ev = h.s.decide_end_session(h.session, now()).unwrap();
        run(&mut h.s, &ev);
    }
    let id = create(&mut h, &input("X"));
    assert_eq!(
        h.s.decide_open_poll(id, now()).unwrap_err(),
        Error::conflict("NO_SESSION_RUNNING")
    );
}

#[test]
fn attendance_can_be_unmarked() {
    let mut h = hall("general_assembly", &[0; 2], |_| true);
    let d = h.ids[0];
    assert!(
        h.s.decide_mark_attendance(h.session, d, true)
            .unwrap()
            .is_empty()
    );
    {
        let ev = h.s.decide_mark_attendance(h.session, d, false).unwrap();
        run(&mut h.s, &ev);
    }
    assert!(!h.s.is_present(h.session, d));
    assert_eq!(h.s.present_in(h.session).count(), 1);
}

#[test]
fn input_is_validated() {
    let bad = |i: PollInput| i.parse().unwrap_err();
    assert_eq!(bad(input(" ")), Error::invalid("title", "required"));
    assert_eq!(
        bad(PollInput {
            mode: "secret".into(),
            allow_change: true,
            ..input("X")
        }),
        Error::invalid("allow_change", "secret_no_change")
    );
    assert_eq!(
        bad(PollInput {
            mode: "open".into(),
            ..input("X")
        }),
        Error::invalid("mode", "invalid_choice")
    );
    assert_eq!(
        bad(PollInput {
            options: "yes".into(),
            ..input("X")
        }),
        Error::invalid("options", "option_format")
    );
    assert_eq!(
        bad(PollInput {
            options: "a: A\na: B".into(),
            ..input("X")
        }),
        Error::invalid("options", "duplicate_option")
    );
    assert_eq!(
        bad(PollInput {
            options: "a: A".into(),
            ..input("X")
        }),
        Error::invalid("options", "option_count")
    );
    assert_eq!(
        bad(PollInput {
            countdown_secs: "0".into(),
            ..input("X")
        }),
        Error::invalid("countdown_secs", "invalid_countdown")
    );
    assert_eq!(
        bad(PollInput {
            majority: "at_least:0".into(),
            ..input("X")
        }),
        Error::invalid("majority", "invalid_choice")
    );
    assert_eq!(
        bad(PollInput {
            base: "valid".into(),
            ..input("X")
        }),
        Error::invalid("base", "invalid_choice")
    );
    assert_eq!(
        bad(PollInput {
            meeting: "4".into(),
            ..input("X")
        }),
        Error::invalid("meeting", "invalid_choice")
    );
    assert_eq!(
        bad(PollInput {
            item_id: "x".into(),
            ..input("X")
        }),
        Error::invalid("item_id", "invalid_id")
    );
    let f = PollInput {
        options: "yes: Đồng ý\nno: Không đồng ý".into(),
        ..input("X")
    }
    .parse()
    .unwrap();
    assert_eq!(
        f.options.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(),
        ["yes", "no"]
    );
    assert_eq!(f.questions, vec!["X".to_string()]);
    let d = input("X").parse().unwrap();
    assert_eq!(d.options, default_options());
    assert_eq!(
        (d.mode, d.eligibility, d.meeting),
        (PollMode::Named, Eligibility::PresentOnly, 1)
    );
    // An unknown agenda item is refused by the decision.
    let h = party(1);
    assert_eq!(
        h.s.decide_create_poll(&PollInput {
            item_id: "424242".into(),
            ..input("X")
        })
        .unwrap_err(),
        Error::NotFound {
            what: "agenda_item"
        }
    );
}

#[test]
fn a_wrong_secret_aggregate_is_refused_at_close() {
    let mut h = party(3);
    record_base(&mut h, 3);
    let id = create(
        &mut h,
        &PollInput {
            mode: "secret".into(),
            ..input("Kín")
        },
    );
    open(&mut h, id);
    let mut agg = Tally::new(1, 3);
    let d = h.ids[0];
    cast(&mut h, id, d, &["agree"], &mut agg);
    let mut wrong = agg.clone();
    wrong.add(1, &[0]).unwrap();
    for t in [None, Some(wrong), Some(Tally::new(2, 3))] {
        assert_eq!(
            h.s.decide_close_poll(id, now(), t).unwrap_err(),
            Error::conflict("TALLY_MISMATCH")
        );
    }
    close(&mut h, id, agg);
}

#[test]
fn tally_refuses_bad_shapes_and_overflow_unchanged() {
    let mut t = Tally::new(2, 3);
    assert!(t.add(1, &[0]).is_err());
    assert!(t.add(1, &[0, 3]).is_err());
    t.add(u64::MAX, &[0, 1]).unwrap();
    let before = t.clone();
    assert_eq!(
        t.add(1, &[0, 1]).unwrap_err(),
        Error::conflict("WEIGHT_OVERFLOW")
    );
    assert_eq!(t, before);
    assert!(t.merge(&Tally::new(1, 3)).is_err());
}

/// Events of a secret poll, serialized, for the secrecy test.
fn secret_poll_events(choices: &[usize]) -> (Vec<Event>, Vec<String>) {
    let opts = ["alpha", "bravo", "charlie", "delta"];
    let mut h = hall("general_assembly", &vec![0; choices.len()], |_| true);
    let mut log = Vec::new();
    let (id, ev) =
        h.s.decide_create_poll(&PollInput {
            mode: "secret".into(),
            options: opts
                .iter()
                .map(|o| format!("{o}: {o}"))
                .collect::<Vec<_>>()
                .join("\n"),
            ..input("Kín")
        })
        .unwrap();
    run(&mut h.s, &ev);
    let ev2 = h.s.decide_open_poll(id, now()).unwrap();
    run(&mut h.s, &ev2);
    let mut agg = h.s.poll(id).unwrap().empty_tally();
    let mut casts = Vec::new();
    for (d, c) in h.ids.clone().into_iter().zip(choices) {
        let out = cast(&mut h, id, d, &[opts[*c]], &mut agg);
        assert!(!out.receipt_basis.contains(opts[*c]));
        casts.extend(out.events);
    }
    let close_ev = h.s.decide_close_poll(id, now(), Some(agg)).unwrap();
    log.extend(ev);
    log.extend(ev2);
    log.extend(casts);
    log.extend(close_ev);
    (log, opts.iter().map(|s| s.to_string()).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The tally does not depend on the order of the ballots.
    #[test]
    fn tally_is_order_independent(
        ballots in proptest::collection::vec(
            (1u64..1_000_000, proptest::collection::vec(0u32..3, 4)),
            0..40,
        ),
        seed in any::<u64>(),
    ) {
        let mut a = Tally::new(4, 3);
        for (w, c) in &ballots { a.add(*w, c).unwrap(); }
        let mut shuffled = ballots.clone();
        // Fisher–Yates with a small LCG: deterministic per seed.
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (x >> 33) as usize % (i + 1));
        }
        let mut b = Tally::new(4, 3);
        for (w, c) in &shuffled { b.add(*w, c).unwrap(); }
        prop_assert_eq!(&a, &b);
        // Merging halves gives the same.
        let (l, r) = ballots.split_at(ballots.len() / 2);
        let (mut m, mut n) = (Tally::new(4, 3), Tally::new(4, 3));
        for (w, c) in l { m.add(*w, c).unwrap(); }
        for (w, c) in r { n.add(*w, c).unwrap(); }
        m.merge(&n).unwrap();
        prop_assert_eq!(&a, &m);
        // Counts add up; weights are exact.
        prop_assert!(a.is_consistent());
        prop_assert_eq!(a.ballots, ballots.len() as u64);
        prop_assert_eq!(a.weight, ballots.iter().map(|(w, _)| *w).sum::<u64>());
    }

    /// Through the poll API: per question the counts add up to the number of ballots;
    /// nobody counts twice (a second cast is refused and changes nothing).
    #[test]
    fn nobody_counts_twice(
        choices in proptest::collection::vec(proptest::collection::vec(0usize..3, 2), 1..25),
        secret in any::<bool>(),
    ) {
        let mut h = hall("general_assembly", &vec![0; choices.len()], |_| true);
        let id = create(&mut h, &PollInput {
            mode: if secret { "secret" } else { "named" }.into(),
            questions: "Một\nHai".into(),
            ..input("P")
        });
        open(&mut h, id);
        let opts = ["agree", "disagree", "abstain"];
        let mut agg = Tally::new(2, 3);
        for (d, c) in h.ids.clone().into_iter().zip(&choices) {
            let ks: Vec<&str> = c.iter().map(|i| opts[*i]).collect();
            cast(&mut h, id, d, &ks, &mut agg);
            let before = h.s.poll(id).unwrap().clone();
            prop_assert_eq!(
                h.s.decide_cast(id, d, &keys(&ks), None, now()).unwrap_err(),
                Error::conflict("ALREADY_VOTED")
            );
            prop_assert_eq!(h.s.poll(id).unwrap(), &before);
        }
        close(&mut h, id, agg);
        let r = h.s.poll_result(id).unwrap();
        prop_assert_eq!(r.ballots, choices.len() as u64);
        for (q, qr) in r.questions.iter().enumerate() {
            let sum: u64 = qr.counts.iter().map(|(_, s)| s.part).sum();
            prop_assert_eq!(sum, choices.len() as u64);
            for (k, (_, s)) in qr.counts.iter().enumerate() {
                prop_assert_eq!(s.part, choices.iter().filter(|c| c[q] == k).count() as u64);
            }
        }
    }

    /// Named polls with changes allowed: the last ballot replaces the earlier ones.
    #[test]
    fn allow_change_replaces(changes in proptest::collection::vec(0usize..3, 1..6)) {
        let mut h = hall("general_assembly", &[0; 2], |_| true);
        let id = create(&mut h, &PollInput { allow_change: true, ..input("Đổi") });
        open(&mut h, id);
        let opts = ["agree", "disagree", "abstain"];
        let mut agg = Tally::new(1, 3);
        let d = h.ids[0];
        for c in &changes {
            cast(&mut h, id, d, &[opts[*c]], &mut agg);
        }
        let t = h.s.poll(id).unwrap().tally().unwrap();
        prop_assert_eq!(t.ballots, 1);
        let last = changes[changes.len() - 1];
        for k in 0..3 {
            prop_assert_eq!(t.counts[0][k], u64::from(k == last));
        }
    }

    /// A secret poll's log never carries a voter's choice: no option key appears in any
    /// VoterMarked event, and the close carries the aggregate only.
    #[test]
    fn secret_events_never_hold_the_choice(choices in proptest::collection::vec(0usize..4, 1..15)) {
        let (log, opts) = secret_poll_events(&choices);
        let mut marked = 0;
        for e in &log {
            let json = serde_json::to_string(e).unwrap();
            match e {
                Event::VoterMarked { .. } => {
                    marked += 1;
                    for o in &opts {
                        prop_assert!(!json.contains(o.as_str()), "{} in {}", o, json);
                    }
                    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
                    let obj = v.as_object().unwrap();
                    let mut fields: Vec<&str> = obj.keys().map(|k| k.as_str()).collect();
                    fields.sort();
                    prop_assert_eq!(fields, vec!["poll", "type", "voter"]);
                }
                Event::VoteCast { .. } => prop_assert!(false, "a secret poll emitted VoteCast"),
                Event::PollClosed { secret_tally, .. } => {
                    let t = secret_tally.as_ref().unwrap();
                    prop_assert_eq!(t.ballots, choices.len() as u64);
                    for (k, c) in t.counts[0].iter().enumerate() {
                        prop_assert_eq!(*c, choices.iter().filter(|x| **x == k).count() as u64);
                    }
                    // Only counts: no delegate id in the aggregate.
                    let v: serde_json::Value = serde_json::to_value(t).unwrap();
                    let mut fields: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
                    fields.sort();
                    prop_assert_eq!(fields, vec!["ballots", "counts", "weight"]);
                }
                _ => {}
            }
        }
        prop_assert_eq!(marked, choices.len());
    }
}

#[test]
fn a_resubmission_with_the_same_key_returns_the_same_receipt_and_counts_once() {
    for mode in ["named", "secret"] {
        let mut h = party(3);
        record_base(&mut h, 3);
        let id = create(
            &mut h,
            &PollInput {
                mode: mode.into(),
                ..input("Thông qua chương trình")
            },
        );
        open(&mut h, id);
        let d = h.ids[0];
        let first =
            h.s.decide_cast(id, d, &keys(&["agree"]), Some("k-0123456789"), now())
                .unwrap();
        assert_eq!(first.events.len(), 1);
        run(&mut h.s, &first.events);
        // The answer was lost; the phone sends again with the same key, even another choice.
        let again =
            h.s.decide_cast(id, d, &keys(&["disagree"]), Some("k-0123456789"), now())
                .unwrap();
        assert!(again.events.is_empty() && again.secret.is_none());
        assert_eq!(again.receipt_basis, first.receipt_basis);
        // A new key is a second vote, refused.
        let e =
            h.s.decide_cast(id, d, &keys(&["agree"]), Some("k-other-key"), now())
                .unwrap_err();
        assert_eq!(e.code(), "ALREADY_VOTED");
        assert_eq!(h.s.poll(id).unwrap().voted.len(), 1);
        // After the close the resubmission still gets its receipt.
        let mut agg = h.s.poll(id).unwrap().empty_tally();
        if let Some(b) = &first.secret {
            agg.add(b.weight, &b.choices).unwrap();
        }
        close(&mut h, id, agg);
        let late =
            h.s.decide_cast(id, d, &keys(&["agree"]), Some("k-0123456789"), now())
                .unwrap();
        assert_eq!(late.receipt_basis, first.receipt_basis);
        assert_eq!(h.s.poll(id).unwrap().tally().unwrap().ballots, 1);
    }
}

#[test]
fn bad_idempotency_keys_are_refused() {
    let mut h = party(1);
    record_base(&mut h, 1);
    let id = create(&mut h, &input("Q"));
    open(&mut h, id);
    for bad in [
        "short",
        "has space in it",
        "ключ-ключ-ключ",
        &"x".repeat(65),
    ] {
        let e =
            h.s.decide_cast(id, h.ids[0], &keys(&["agree"]), Some(bad), now())
                .unwrap_err();
        assert_eq!(e.code(), "INVALID_INPUT", "{bad}");
    }
    assert!(h.s.poll(id).unwrap().voted.is_empty());
}

fn manual(ballots: &str, counts: &[&[&str]]) -> ManualCountInput {
    ManualCountInput {
        ballots: ballots.into(),
        counts: counts
            .iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect(),
    }
}

#[test]
fn a_hand_count_counts_only_once_a_second_staff_member_confirms_it() {
    let mut h = party(10);
    record_base(&mut h, 10);
    let id = create(&mut h, &input("Biểu quyết giơ tay"));
    let clerk = Actor::Account(AccountId(1));
    let second = Actor::Account(AccountId(2));
    let ev =
        h.s.decide_enter_manual_count(id, &manual("9", &[&["6", "2", "1"]]), &clerk)
            .unwrap();
    run(&mut h.s, &ev);
    // Not yet counted, and nothing else may happen to the poll meanwhile.
    assert!(h.s.poll_result(id).is_err());
    assert_eq!(
        h.s.decide_open_poll(id, now()).unwrap_err().code(),
        "MANUAL_COUNT_PENDING"
    );
    assert_eq!(
        h.s.decide_confirm_manual_count(id, &clerk, now())
            .unwrap_err()
            .code(),
        "SAME_STAFF_CONFIRM"
    );
    let ev = h.s.decide_confirm_manual_count(id, &second, now()).unwrap();
    run(&mut h.s, &ev);
    let r = h.s.poll_result(id).unwrap();
    assert_eq!(r.ballots, 9);
    assert_eq!(r.questions[0].counts[0].1.part, 6);
    assert_eq!(r.questions[0].base.part, 10);
    assert_eq!(r.questions[0].outcome, Outcome::Passed);
    assert!(matches!(
        h.s.poll(id).unwrap().status,
        PollStatus::Closed { .. }
    ));
}

#[test]
fn a_hand_count_can_be_discarded_and_is_validated() {
    let mut h = party(4);
    record_base(&mut h, 4);
    let id = create(&mut h, &input("Q"));
    open(&mut h, id);
    let clerk = Actor::Account(AccountId(1));
    for (bad, code) in [
        (manual("x", &[&["1", "1", "1"]]), "INVALID_INPUT"),
        (manual("3", &[&["1", "1"]]), "INVALID_INPUT"),
        (manual("3", &[&["1", "-1", "3"]]), "INVALID_INPUT"),
        (manual("9", &[&["3", "3", "3"]]), "INVALID_INPUT"),
    ] {
        assert_eq!(
            h.s.decide_enter_manual_count(id, &bad, &clerk)
                .unwrap_err()
                .code(),
            code
        );
    }
    // Rows of a batch must add up to the same total.
    let mut b = party(4);
    record_base(&mut b, 4);
    let bid = create(
        &mut b,
        &PollInput {
            questions: "Chỉ tiêu 1\nChỉ tiêu 2".into(),
            ..input("Batch")
        },
    );
    assert_eq!(
        b.s.decide_enter_manual_count(
            bid,
            &manual("4", &[&["3", "1", ""], &["2", "1", "0"]]),
            &clerk
        )
        .unwrap_err()
        .code(),
        "INVALID_INPUT"
    );
    let ev =
        h.s.decide_enter_manual_count(id, &manual("3", &[&["2", "1", "0"]]), &clerk)
            .unwrap();
    run(&mut h.s, &ev);
    // Devices cannot vote while hands are being counted.
    assert_eq!(
        h.s.decide_cast(id, h.ids[0], &keys(&["agree"]), None, now())
            .unwrap_err()
            .code(),
        "MANUAL_COUNT_PENDING"
    );
    let ev = h.s.decide_discard_manual_count(id, &clerk).unwrap();
    run(&mut h.s, &ev);
    assert!(h.s.poll(id).unwrap().manual.is_none());
    // After a device vote, no hand count.
    let out =
        h.s.decide_cast(id, h.ids[0], &keys(&["agree"]), None, now())
            .unwrap();
    run(&mut h.s, &out.events);
    assert_eq!(
        h.s.decide_enter_manual_count(id, &manual("3", &[&["2", "1", "0"]]), &clerk)
            .unwrap_err()
            .code(),
        "DEVICE_VOTES_EXIST"
    );
}
