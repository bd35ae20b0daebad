//! Tests of the search index: analysis, ranking, filters, robustness, commits.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use unicode_normalization::UnicodeNormalization;

use crate::{
    Allowed, Fragment, PageDoc, Query, SCHEMA_VERSION, SearchError, SearchIndex, VERSION_FILE,
    fold, highlight_ranges, nfc,
};

fn page(doc: i64, page: u32, text: &str) -> PageDoc {
    PageDoc {
        doc,
        version: 1,
        page,
        title: format!("Tài liệu {doc}"),
        folder: None,
        items: Vec::new(),
        access: vec!["public".into()],
        text: text.into(),
    }
}

fn index_with(pages: Vec<PageDoc>) -> SearchIndex {
    let index = SearchIndex::in_memory().unwrap();
    let mut by_doc: std::collections::BTreeMap<i64, Vec<PageDoc>> = Default::default();
    for p in pages {
        by_doc.entry(p.doc).or_default().push(p);
    }
    for (doc, pages) in by_doc {
        index.replace_document(doc, pages).unwrap();
    }
    index
}

fn all(text: &str) -> Query {
    Query::new(text, Allowed::All)
}

fn typing(text: &str) -> Query {
    Query {
        prefix_last: true,
        ..all(text)
    }
}

/// (doc, page) of the hits, best first.
fn found(index: &SearchIndex, q: &Query) -> Vec<(i64, u32)> {
    index
        .search(q)
        .unwrap()
        .hits
        .iter()
        .map(|h| (h.doc, h.page))
        .collect()
}

fn highlighted(snippet: &[Fragment]) -> Vec<&str> {
    snippet
        .iter()
        .filter(|f| f.highlighted)
        .map(|f| f.text.as_str())
        .collect()
}

fn nfd(s: &str) -> String {
    s.nfd().collect()
}

#[test]
fn fold_strips_every_vietnamese_mark_and_maps_d_bar() {
    assert_eq!(
        fold("Đại hội ĐẢNG BỘ lần thứ XIV"),
        "dai hoi dang bo lan thu xiv"
    );
    assert_eq!(fold("hoá"), fold("hóa"));
    assert_eq!(fold(&nfd("Nghị quyết")), "nghi quyet");
    // All 12 vowels x 6 tones x 2 cases, built from base + marks and normalised: ASCII.
    let tones = ["", "\u{300}", "\u{301}", "\u{309}", "\u{303}", "\u{323}"];
    let vowels = [
        ("a", ""),
        ("a", "\u{306}"),
        ("a", "\u{302}"),
        ("e", ""),
        ("e", "\u{302}"),
        ("i", ""),
        ("o", ""),
        ("o", "\u{302}"),
        ("o", "\u{31b}"),
        ("u", ""),
        ("u", "\u{31b}"),
        ("y", ""),
    ];
    let mut letters = 0;
    for (base, shape) in vowels {
        for tone in tones {
            for b in [base.to_string(), base.to_uppercase()] {
                let letter = nfc(&format!("{b}{shape}{tone}"));
                assert_eq!(
                    letter.chars().count(),
                    1,
                    "{letter:?} composes to one letter"
                );
                assert_eq!(fold(&letter), base, "{letter}");
                letters += 1;
            }
        }
    }
    assert_eq!(letters, 144);
    assert_eq!(fold("Đđ"), "dd");
}

#[test]
fn nfd_pages_and_nfd_queries_work_exactly_like_nfc() {
    let text = "Báo cáo chính trị của Ban Chấp hành Đảng bộ tỉnh khoá XV trình Đại hội.";
    let nfc_index = index_with(vec![page(1, 1, text)]);
    let nfd_index = index_with(vec![page(1, 1, &nfd(text))]);
    for q in ["đảng bộ", "Đại hội", "báo cáo chính trị", "khoá"] {
        for index in [&nfc_index, &nfd_index] {
            for query in [all(q), all(&nfd(q))] {
                let r = index.search(&query).unwrap();
                assert_eq!(r.total, 1, "{q:?}");
                let hl = highlighted(&r.hits[0].snippet);
                assert!(!hl.is_empty());
                for w in hl {
                    assert!(text.contains(w), "highlight {w:?} is NFC text of the page");
                }
            }
        }
    }
    // The stored text is NFC: same snippets from both indexes.
    let a = nfc_index.search(&all("đảng bộ")).unwrap();
    let b = nfd_index.search(&all(&nfd("đảng bộ"))).unwrap();
    assert_eq!(a.hits[0].snippet, b.hits[0].snippet);
    assert_eq!(a.hits[0].terms, vec!["Đảng", "bộ"]);
}

#[test]
fn accent_and_case_insensitive() {
    let index = index_with(vec![
        page(1, 1, "Đại hội Đảng bộ tỉnh lần thứ XVI"),
        page(2, 1, "Phân công nhiệm vụ cho các tổ"),
    ]);
    for q in [
        "dai hoi dang bo",
        "DAI HOI DANG BO",
        "đại hội đảng bộ",
        "ĐẠI HỘI ĐẢNG BỘ",
        "Dại Hoi dảng Bộ",
    ] {
        assert_eq!(found(&index, &all(q)), vec![(1, 1)], "{q:?}");
    }
    let r = index.search(&all("dai hoi dang bo")).unwrap();
    assert_eq!(
        highlighted(&r.hits[0].snippet),
        vec!["Đại", "hội", "Đảng", "bộ"],
        "highlights land on the accented words as written"
    );
}

#[test]
fn exact_accents_rank_above_folded_matches() {
    let index = index_with(vec![
        page(1, 1, "Bài phát biểu dài hơi của đồng chí về kinh tế"),
        page(2, 1, "Khai mạc đại hội của đồng chí về kinh tế"),
    ]);
    assert_eq!(found(&index, &all("đại hội")), vec![(2, 1), (1, 1)]);
    assert_eq!(found(&index, &all("dài hơi")), vec![(1, 1), (2, 1)]);
    // Without accents both match; neither is preferred by accents.
    assert_eq!(index.search(&all("dai hoi")).unwrap().total, 2);
}

#[test]
fn old_and_new_tone_placement_match_each_other() {
    let index = index_with(vec![
        page(1, 1, "Chương trình chuyển đổi số và văn hoá cơ sở"),
        page(2, 1, "Nghị quyết về văn hóa và con người"),
    ]);
    for q in ["văn hoá", "văn hóa", "van hoa", "hoá", "hóa"] {
        let mut got = found(&index, &all(q));
        got.sort();
        assert_eq!(got, vec![(1, 1), (2, 1)], "{q:?}");
    }
}

#[test]
fn adjacent_syllables_rank_above_scattered_ones_and_quotes_require_them() {
    let index = index_with(vec![
        page(
            1,
            1,
            "Phát huy dân chủ trong đảng, đẩy mạnh sản xuất; triển lãm thành tựu về kinh tế.",
        ),
        page(
            2,
            1,
            "Mục tiêu phát triển kinh tế nhanh và bền vững trong giai đoạn tới.",
        ),
        page(3, 1, "Báo cáo công tác tổ chức cán bộ."),
        page(4, 1, "Phát triển, triển khai kinh tế số."),
    ]);
    // "phát triển kinh tế": every word on pages 1, 2 and 4; the whole phrase only on page
    // 2; "phát triển" and "kinh tế" on page 4; only "kinh tế" on page 1.
    for q in ["phat trien kinh te", "phát triển kinh tế"] {
        assert_eq!(found(&index, &all(q)), vec![(2, 1), (4, 1), (1, 1)], "{q}");
    }
    // Quoted: a strict phrase (page 4 has each pair of it, but not in one run).
    assert_eq!(found(&index, &all("\"phát triển kinh tế\"")), vec![(2, 1)]);
    assert_eq!(found(&index, &all("\"phát triển kinh\"")), vec![(2, 1)]);
    assert_eq!(found(&index, &all("“phat trien” kinh")).len(), 2);
    assert_eq!(found(&index, &all("\"triển kinh\"")), vec![(2, 1)]);
    assert_eq!(found(&index, &all("\"kinh\" \"phát\"")).len(), 3);
    // Every word required: "phát triển xã hội" is on no page.
    assert_eq!(index.search(&all("phát triển xã hội")).unwrap().total, 0);
    // Two words in reverse order still match the pages, without the adjacency boost.
    assert_eq!(index.search(&all("tế kinh")).unwrap().total, 3);
}

#[test]
fn as_you_type_treats_the_last_word_as_a_prefix() {
    let index = index_with(vec![
        page(1, 1, "Khai mạc Đại hội Đảng bộ tỉnh. Bầu Ban Chấp hành."),
        page(
            2,
            1,
            "Đại hội bàn về đảng viên mới, báo cáo, biểu quyết, bổ sung.",
        ),
        page(3, 1, "Lịch làm việc của các tổ."),
    ]);
    let r = index.search(&typing("dai hoi dang b")).unwrap();
    assert_eq!(
        r.total, 1,
        "the word being typed follows the word before it: page 2 has 'đảng viên', and \
         words in b elsewhere"
    );
    assert_eq!(r.hits[0].doc, 1);
    assert_eq!(found(&index, &typing("dai hoi dang v")), vec![(2, 1)]);
    // A trade-off of as-you-type, documented: while typed, "dang" must follow "hoi"; once
    // complete (a space after it, or prefix_last off), it may be anywhere.
    assert_eq!(index.search(&typing("dai hoi dang")).unwrap().total, 1);
    assert_eq!(index.search(&typing("dai hoi dang ")).unwrap().total, 2);
    assert_eq!(index.search(&all("dai hoi dang")).unwrap().total, 2);
    assert!(
        r.hits[0].terms.contains(&"bộ".to_string()),
        "{:?}",
        r.hits[0].terms
    );
    assert!(
        !r.hits[0].terms.contains(&"Bầu".to_string()),
        "only the b-word after 'đảng' is highlighted: {:?}",
        r.hits[0].terms
    );
    assert!(highlighted(&r.hits[0].snippet).contains(&"bộ"));
    // Without prefix_last, "b" is a whole word that no page has.
    assert_eq!(index.search(&all("dai hoi dang b")).unwrap().total, 0);
    // A space after the last word: it is complete.
    assert_eq!(index.search(&typing("dai hoi dang b ")).unwrap().total, 0);
    // Prefix inside quotes: a phrase prefix.
    assert_eq!(found(&index, &typing("\"dai hoi dang b")), vec![(1, 1)]);
    assert_eq!(found(&index, &typing("lich lam v")), vec![(3, 1)]);
    assert_eq!(found(&index, &typing("Đại h")).len(), 2);
    assert_eq!(index.search(&typing("zzq")).unwrap().total, 0);
}

#[test]
fn hits_are_pages_with_numbers_and_plain_text_snippets() {
    let filler = "Nội dung trình bày các vấn đề chung của công tác. ".repeat(20);
    let index = index_with(vec![
        page(
            7,
            1,
            &format!("{filler} Ngân sách năm 2025 <b>tăng</b> & ổn định."),
        ),
        page(7, 2, "Không liên quan."),
        page(7, 3, "Dự toán ngân sách các xã."),
    ]);
    let r = index.search(&all("ngân sách")).unwrap();
    assert_eq!(r.total, 2);
    let mut pages: Vec<u32> = r.hits.iter().map(|h| h.page).collect();
    pages.sort();
    assert_eq!(
        pages,
        vec![1, 3],
        "a hit per page; several pages of one document"
    );
    for h in &r.hits {
        assert_eq!(h.doc, 7);
        assert_eq!(h.version, 1);
        assert_eq!(h.title, "Tài liệu 7");
        assert!(h.score > 0.0);
        let expected = if h.page == 1 {
            ["Ngân", "sách"]
        } else {
            ["ngân", "sách"]
        };
        assert_eq!(highlighted(&h.snippet), expected);
    }
    let long = r.hits.iter().find(|h| h.page == 1).unwrap();
    assert_eq!(
        long.snippet.first().unwrap().text,
        "…",
        "a passage from inside the page"
    );
    let joined: String = long.snippet.iter().map(|f| f.text.as_str()).collect();
    assert!(
        joined.contains("<b>tăng</b> &"),
        "raw text, not HTML: {joined}"
    );
    assert!(joined.len() < 400);
}

#[test]
fn folder_and_agenda_item_filters() {
    let mut a = page(1, 1, "Báo cáo tài chính");
    a.folder = Some(10);
    a.items = vec![100, 101];
    let mut b = page(2, 1, "Báo cáo nhân sự");
    b.folder = Some(11);
    b.items = vec![101];
    let c = page(3, 1, "Báo cáo chung");
    let index = index_with(vec![a, b, c]);
    let q = |folder, item| Query {
        folder,
        item,
        ..all("bao cao")
    };
    assert_eq!(index.search(&q(None, None)).unwrap().total, 3);
    assert_eq!(found(&index, &q(Some(10), None)), vec![(1, 1)]);
    assert_eq!(found(&index, &q(Some(11), None)), vec![(2, 1)]);
    assert_eq!(found(&index, &q(None, Some(100))), vec![(1, 1)]);
    assert_eq!(index.search(&q(None, Some(101))).unwrap().total, 2);
    assert_eq!(found(&index, &q(Some(11), Some(101))), vec![(2, 1)]);
    assert_eq!(index.search(&q(Some(10), Some(999))).unwrap().total, 0);
}

#[test]
fn access_tokens_hide_pages_from_hits_totals_and_snippets() {
    let mut secret = page(
        1,
        1,
        "Danh sách nhân sự dự kiến bầu vào Ban Chấp hành: bí mật",
    );
    secret.access = vec!["presidium".into()];
    let mut group = page(2, 1, "Nhân sự tổ 7 thảo luận");
    group.access = vec!["group:7".into(), "presidium".into()];
    let public = page(3, 1, "Thông báo nhân sự công khai");
    let mut nobody = page(4, 1, "Nhân sự chưa phân quyền");
    nobody.access = Vec::new();
    let index = index_with(vec![secret, group, public, nobody]);
    let tokens = |t: &[&str]| Allowed::Tokens(t.iter().map(|s| s.to_string()).collect());

    let delegate = Query::new("nhân sự", tokens(&["public", "delegates"]));
    let r = index.search(&delegate).unwrap();
    assert_eq!(r.total, 1, "only the public page is counted");
    assert_eq!(r.hits.len(), 1);
    assert_eq!(r.hits[0].doc, 3);
    for h in &r.hits {
        let text: String = h.snippet.iter().map(|f| f.text.as_str()).collect();
        assert!(!text.contains("bí mật") && !text.contains("dự kiến"));
    }
    // Searching for the secret's own words finds nothing and counts nothing.
    let probe = Query::new("bí mật dự kiến", tokens(&["public", "delegates"]));
    assert_eq!(index.search(&probe).unwrap(), Default::default());
    let probe = Query { limit: 0, ..probe };
    assert_eq!(index.search(&probe).unwrap().total, 0);

    let member = Query::new("nhân sự", tokens(&["public", "group:7"]));
    let mut got = found(&index, &member);
    got.sort();
    assert_eq!(got, vec![(2, 1), (3, 1)]);

    let presidium = Query::new("nhân sự", tokens(&["presidium", "public"]));
    assert_eq!(index.search(&presidium).unwrap().total, 3);
    assert_eq!(
        index.search(&all("nhân sự")).unwrap().total,
        4,
        "staff see all"
    );
    assert_eq!(
        index
            .search(&Query::new("nhân sự", tokens(&[])))
            .unwrap()
            .total,
        0,
        "no tokens, no pages"
    );
}

#[test]
fn any_user_input_is_a_query_and_empty_finds_nothing() {
    let index = index_with(vec![page(
        1,
        1,
        "Đại hội AND và OR not: (dự thảo) [báo cáo] *",
    )]);
    let long = "đại hội ".repeat(200);
    let nasty = [
        "",
        "   ",
        "\"",
        "\"\"",
        "\"đại",
        "đại\"",
        "title:đại",
        "text:\"hội\"",
        "(đại OR hội)",
        "[1 TO 5]",
        "{a TO b}",
        "AND",
        "OR NOT",
        "*",
        "đại*",
        "-hội",
        "+đại +hội",
        "~2",
        "đại^3",
        "\\",
        "'",
        "``",
        "\u{0}",
        "😀",
        "🇻🇳 đại",
        "đại hội: 'báo cáo' (dự thảo) [x] {y} <z> & | ! ? / \\",
        &long,
        &"x".repeat(10_000),
    ];
    for text in nasty {
        for prefix_last in [false, true] {
            let q = Query {
                prefix_last,
                ..all(text)
            };
            let r = index.search(&q);
            assert!(r.is_ok(), "{text:?}: {r:?}");
        }
    }
    for text in ["", "  ", "\"\"", "*", "()", "?!", "\u{301}"] {
        assert_eq!(
            index.search(&all(text)).unwrap(),
            Default::default(),
            "{text:?}"
        );
    }
    // Operators are words like any other.
    assert_eq!(index.search(&all("AND")).unwrap().total, 1);
    assert_eq!(
        index.search(&all("title:đại")).unwrap().total,
        0,
        "'title' is a word"
    );
    assert_eq!(index.search(&all("(đại OR hội)")).unwrap().total, 1);
    assert_eq!(
        index.search(&all(&long)).unwrap().total,
        1,
        "a long query is cut"
    );
}

#[test]
fn limit_offset_and_count_only() {
    let pages = (1..=30)
        .map(|i| page(1, i, &format!("biểu quyết lần {i}")))
        .collect();
    let index = index_with(pages);
    let q = all("biểu quyết");
    let first = index.search(&q).unwrap();
    assert_eq!(first.total, 30);
    assert_eq!(first.hits.len(), 10);
    let second = index
        .search(&Query {
            offset: 10,
            ..q.clone()
        })
        .unwrap();
    assert_eq!(second.total, 30);
    assert_eq!(second.hits.len(), 10);
    for h in &second.hits {
        assert!(!first.hits.iter().any(|f| f.page == h.page), "no overlap");
    }
    let count = index
        .search(&Query {
            limit: 0,
            ..q.clone()
        })
        .unwrap();
    assert_eq!((count.total, count.hits.len()), (30, 0));
    let big = index
        .search(&Query {
            limit: 10_000,
            ..q.clone()
        })
        .unwrap();
    assert_eq!(big.hits.len(), 30);
    let far = index
        .search(&Query {
            offset: 1_000_000,
            ..q
        })
        .unwrap();
    assert_eq!((far.total, far.hits.len()), (30, 0));
}

#[test]
fn replace_remove_clear_and_page_count() {
    let index = SearchIndex::in_memory().unwrap();
    index
        .replace_document(1, vec![page(1, 1, "dự thảo cũ"), page(1, 2, "trang hai")])
        .unwrap();
    index
        .replace_document(2, vec![page(2, 1, "văn bản khác")])
        .unwrap();
    assert_eq!(index.page_count(), 3);
    let mut v2 = page(1, 1, "dự thảo mới");
    v2.version = 2;
    index.replace_document(1, vec![v2]).unwrap();
    assert_eq!(index.page_count(), 2, "every old page of the document went");
    assert_eq!(index.search(&all("cũ")).unwrap().total, 0);
    assert_eq!(index.search(&all("trang hai")).unwrap().total, 0);
    let r = index.search(&all("dự thảo")).unwrap();
    assert_eq!((r.total, r.hits[0].version), (1, 2));
    index.remove_document(1).unwrap();
    assert_eq!(index.page_count(), 1);
    index.remove_document(99).unwrap();
    index.clear().unwrap();
    assert_eq!(index.page_count(), 0);
    assert_eq!(index.search(&all("văn bản")).unwrap().total, 0);

    // Invalid pages are refused, and nothing of the call is committed.
    let err = index.replace_document(3, vec![page(3, 1, "một"), page(4, 1, "hai")]);
    assert!(matches!(err, Err(SearchError::InvalidPage(_))));
    let err = index.replace_document(3, vec![page(3, 0, "không")]);
    assert!(matches!(err, Err(SearchError::InvalidPage(_))));
    let err = index.replace_documents(vec![
        (5, vec![page(5, 1, "năm")]),
        (6, vec![page(7, 1, "sáu")]),
    ]);
    assert!(matches!(err, Err(SearchError::InvalidPage(_))));
    assert_eq!(
        index.page_count(),
        0,
        "the valid document of the batch was rolled back"
    );
    index.replace_document(5, vec![page(5, 1, "năm")]).unwrap();
    assert_eq!(index.page_count(), 1);

    index
        .replace_documents((10..20).map(|d| (d, vec![page(d, 1, "hàng loạt"), page(d, 2, "x")])))
        .unwrap();
    assert_eq!(index.page_count(), 21);
    index.merge_all().unwrap();
    assert_eq!(index.segment_count(), 1);
    assert_eq!(index.search(&all("hàng loạt")).unwrap().total, 10);
}

#[test]
fn concurrent_searches_see_either_the_old_or_the_new_pages() {
    let index = Arc::new(SearchIndex::in_memory().unwrap());
    let version = |v: u32, n: u32| -> Vec<PageDoc> {
        (1..=n)
            .map(|i| PageDoc {
                version: v,
                ..page(1, i, &format!("nghị quyết phiên bản {v} trang {i}"))
            })
            .collect()
    };
    index.replace_document(1, version(1, 3)).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let searchers: Vec<_> = (0..3)
        .map(|_| {
            let index = Arc::clone(&index);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut seen = 0;
                while !stop.load(Ordering::Relaxed) {
                    let q = Query {
                        limit: 20,
                        ..all("nghị quyết")
                    };
                    let r = index.search(&q).unwrap();
                    let v = r.hits.first().map(|h| h.version).unwrap_or(0);
                    assert!(
                        r.hits.iter().all(|h| h.version == v),
                        "one version at a time"
                    );
                    let expected = if v % 2 == 1 { 3 } else { 5 };
                    assert_eq!(r.total, expected, "never half-indexed (version {v})");
                    assert_eq!(r.hits.len(), expected);
                    seen += 1;
                }
                seen
            })
        })
        .collect();
    for v in 2..=40 {
        let n = if v % 2 == 1 { 3 } else { 5 };
        index.replace_document(1, version(v, n)).unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    for s in searchers {
        assert!(s.join().unwrap() > 0);
    }
    let r = index.search(&all("nghị quyết")).unwrap();
    assert!(r.hits.iter().all(|h| h.version == 40));
}

#[test]
fn index_is_send_and_sync() {
    fn shared<T: Send + Sync>() {}
    shared::<SearchIndex>();
    shared::<Arc<SearchIndex>>();
}

#[test]
fn open_persists_and_detects_what_needs_a_rebuild() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("search");
    {
        let index = SearchIndex::open(&dir).unwrap();
        index
            .replace_document(1, vec![page(1, 1, "lưu trên đĩa")])
            .unwrap();
        // The directory is locked while the index is open.
        assert!(matches!(SearchIndex::open(&dir), Err(SearchError::Locked)));
    }
    let index = SearchIndex::open(&dir).unwrap();
    assert_eq!(index.search(&all("luu tren dia")).unwrap().total, 1);
    index.close().unwrap();

    // Another schema version.
    std::fs::write(dir.join(VERSION_FILE), format!("{}\n", SCHEMA_VERSION + 1)).unwrap();
    assert!(matches!(
        SearchIndex::open(&dir),
        Err(SearchError::NeedsRebuild(_))
    ));
    std::fs::remove_file(dir.join(VERSION_FILE)).unwrap();
    assert!(matches!(
        SearchIndex::open(&dir),
        Err(SearchError::NeedsRebuild(_))
    ));

    // A corrupt index.
    std::fs::write(dir.join(VERSION_FILE), format!("{SCHEMA_VERSION}\n")).unwrap();
    std::fs::write(dir.join("meta.json"), "{ not json").unwrap();
    assert!(matches!(
        SearchIndex::open(&dir),
        Err(SearchError::NeedsRebuild(_))
    ));

    // Rebuild.
    let index = SearchIndex::recreate(&dir).unwrap();
    assert_eq!(index.page_count(), 0);
    index.replace_document(1, vec![page(1, 1, "mới")]).unwrap();
    drop(index);
    assert_eq!(SearchIndex::open(&dir).unwrap().page_count(), 1);

    // recreate never deletes a directory that is not an index.
    let other = tmp.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("keep.txt"), "x").unwrap();
    assert!(matches!(
        SearchIndex::recreate(&other),
        Err(SearchError::NotAnIndex(_))
    ));
    assert!(other.join("keep.txt").exists());
}

#[test]
fn corrupt_segment_files_need_a_rebuild() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("search");
    {
        let index = SearchIndex::open(&dir).unwrap();
        index.replace_document(1, vec![page(1, 1, "hỏng")]).unwrap();
    }
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.ends_with(".idx") || name.ends_with(".term") || name.ends_with(".store") {
            std::fs::write(&path, b"garbage").unwrap();
        }
    }
    assert!(matches!(
        SearchIndex::open(&dir),
        Err(SearchError::NeedsRebuild(_))
    ));
}

#[test]
fn highlight_ranges_find_query_words_accent_insensitively() {
    let text = "Đại hội Đảng bộ; dài hơi. HỘI NGHỊ";
    let ranges = highlight_ranges(text, "dai hoi");
    let words: Vec<&str> = ranges.iter().map(|&(a, b)| &text[a..b]).collect();
    assert_eq!(words, vec!["Đại", "hội", "dài", "hơi", "HỘI"]);
    assert_eq!(
        highlight_ranges(text, &nfd("ĐẢNG")),
        vec![(
            text.find("Đảng").unwrap(),
            text.find("Đảng").unwrap() + "Đảng".len()
        )]
    );
    assert!(highlight_ranges(text, "").is_empty());
    assert!(highlight_ranges(text, "\"*:").is_empty());
    // NFD text: ranges into its NFC form.
    let decomposed = nfd(text);
    let composed = nfc(&decomposed);
    let words: Vec<&str> = highlight_ranges(&decomposed, "bo")
        .iter()
        .map(|&(a, b)| &composed[a..b])
        .collect();
    assert_eq!(words, vec!["bộ"]);
}
