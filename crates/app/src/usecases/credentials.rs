//! The credentials report (báo cáo thẩm tra tư cách đại biểu): figures, structure of the delegates, PDF and DOCX.
//!
//! The figures come from `daihoi_data::credentials::figures` (pure, over the state); this
//! module puts them into words once, in the reader's language, as a
//! `daihoi_data::credentials::Report`, which the page renders as HTML and the exports as PDF
//! and DOCX: the three say the same thing. Every percentage names its base.

use daihoi_data::credentials::{
    AGE_BANDS, Bar, Block, Credentials, Figures, MAX_DISTINCT, Person, Report, Share, figures,
    report_docx, report_pdf,
};
use daihoi_domain::model::{CongressKind, DelegateKind, SessionId};
use daihoi_domain::{Capability, CongressState, Error, Result};

use super::App;
use crate::auth::Principal;
use crate::i18n::{Catalogue, Lang};
use crate::pollview::format_count;

/// Puts figures into words in one language.
struct Words<'a> {
    cat: &'a Catalogue,
    lang: Lang,
}

impl Words<'_> {
    fn t(&self, key: &str) -> String {
        self.cat
            .get(self.lang, &format!("credentials.{key}"))
            .to_owned()
    }
    fn f(&self, key: &str, args: &[(&str, String)]) -> String {
        self.cat
            .format(self.lang, &format!("credentials.{key}"), args)
    }
    fn n(&self, n: u64) -> String {
        format_count(n, self.lang)
    }
    fn pct(&self, s: Share) -> String {
        s.percent(if self.lang == Lang::Vi { ',' } else { '.' })
    }
    /// "43,2% của 449 đại biểu chính thức": `of` is the key of the base's noun.
    fn share(&self, part: u64, base: u64, of: &str) -> String {
        self.f(
            "share",
            &[
                ("percent", self.pct(Share::new(part, base))),
                ("base", self.n(base)),
                ("of", self.t(of)),
            ],
        )
    }
    /// A chart bar: "201 · 44,8% của 449".
    fn bar(&self, label: String, part: u64, base: u64) -> Bar {
        Bar {
            text: self.f(
                "bar",
                &[
                    ("count", self.n(part)),
                    ("percent", self.pct(Share::new(part, base))),
                    ("base", self.n(base)),
                ],
            ),
            label,
            value: part,
        }
    }
    fn date(&self, d: Option<chrono::NaiveDate>) -> String {
        d.map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_else(|| self.t("unknown"))
    }
    fn delegation(&self, d: &str) -> String {
        if d.trim().is_empty() {
            self.t("no_delegation")
        } else {
            d.to_owned()
        }
    }
    fn kind(&self, k: DelegateKind) -> String {
        self.t(&format!("kind.{}", k.as_str()))
    }

    /// A numbered list of people: TT, name, delegation (and the reason when asked).
    fn people(&self, list: &[Person], reason: bool) -> Block {
        let mut header = vec![
            self.t("col.no"),
            self.t("col.name"),
            self.t("col.delegation"),
        ];
        if reason {
            header.push(self.t("col.reason"));
        }
        let rows = list
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut r = vec![
                    (i + 1).to_string(),
                    p.name.clone(),
                    self.delegation(&p.delegation),
                ];
                if reason {
                    r.push(if p.reason.trim().is_empty() {
                        self.t("no_reason")
                    } else {
                        p.reason.clone()
                    });
                }
                r
            })
            .collect();
        Block::Table { header, rows }
    }

    /// The youngest or oldest: name, delegation, birth date, age.
    fn ages(&self, list: &[Person]) -> Block {
        Block::Table {
            header: vec![
                self.t("col.name"),
                self.t("col.delegation"),
                self.t("col.birth_date"),
                self.t("col.age"),
            ],
            rows: list
                .iter()
                .map(|p| {
                    vec![
                        p.name.clone(),
                        self.delegation(&p.delegation),
                        self.date(p.birth_date),
                        p.age.map(|a| a.to_string()).unwrap_or_default(),
                    ]
                })
                .collect(),
        }
    }
}

/// The report in words. `session_label` names the chosen session; `base` is the recorded B.
fn report(s: &CongressState, fig: &Figures, session_label: &str, w: &Words<'_>) -> Result<Report> {
    let info = s
        .info
        .as_ref()
        .ok_or_else(|| Error::conflict("CONGRESS_NOT_CONFIGURED"))?;
    let st = &fig.structure;
    let mut b: Vec<Block> = Vec::new();

    // I. Attendance of the chosen session.
    b.push(Block::Heading(w.t("section.attendance")));
    match &fig.attendance {
        None => b.push(Block::Para(w.t("no_sessions"))),
        Some(a) => {
            let absent = a.absent_with_reason.len() + a.absent_without_reason.len();
            b.push(Block::Para(
                w.f("session_line", &[("session", session_label.to_owned())]),
            ));
            b.push(Block::Para(
                w.f("summoned_line", &[("summoned", w.n(a.summoned))]),
            ));
            let base = a.summoned;
            let row = |key: &str, n: u64| vec![w.t(key), w.n(n), w.share(n, base, "of_summoned")];
            b.push(Block::Table {
                header: vec![w.t("col.item"), w.t("col.count"), w.t("col.share")],
                rows: vec![
                    row("present", a.present),
                    row("late", a.late),
                    row("left_early", a.left_early.len() as u64),
                    row("absent", absent as u64),
                    row("absent_with_reason", a.absent_with_reason.len() as u64),
                    row(
                        "absent_without_reason",
                        a.absent_without_reason.len() as u64,
                    ),
                    row("not_arrived", a.not_arrived.len() as u64),
                ],
            });
            b.push(Block::Chart {
                title: w.f("chart.attendance", &[("base", w.n(base))]),
                bars: vec![
                    w.bar(w.t("present"), a.present, base),
                    w.bar(w.t("left_early"), a.left_early.len() as u64, base),
                    w.bar(
                        w.t("absent_with_reason"),
                        a.absent_with_reason.len() as u64,
                        base,
                    ),
                    w.bar(
                        w.t("absent_without_reason"),
                        a.absent_without_reason.len() as u64,
                        base,
                    ),
                    w.bar(w.t("not_arrived"), a.not_arrived.len() as u64, base),
                ],
            });
            for (key, list, reason) in [
                ("list.absent_with_reason", &a.absent_with_reason, true),
                (
                    "list.absent_without_reason",
                    &a.absent_without_reason,
                    false,
                ),
                ("list.left_early", &a.left_early, true),
                ("list.not_arrived", &a.not_arrived, false),
            ] {
                if !list.is_empty() {
                    b.push(Block::Para(w.f(key, &[("count", w.n(list.len() as u64))])));
                    b.push(w.people(list, reason));
                }
            }
        }
    }

    // II. Structure of the official delegates.
    let base = st.officials;
    b.push(Block::Heading(w.t("section.structure")));
    b.push(Block::Para(w.f("structure_base", &[("base", w.n(base))])));
    let row = |label: String, n: u64| vec![label, w.n(n), w.share(n, base, "of_officials")];
    let mut rows = vec![
        row(w.t("women"), st.women),
        row(w.t("minorities"), st.minorities),
    ];
    if st.gender_unknown > 0 {
        rows.push(row(w.t("gender_unknown"), st.gender_unknown));
    }
    if st.ethnicity_unknown > 0 {
        rows.push(row(w.t("ethnicity_unknown"), st.ethnicity_unknown));
    }
    b.push(Block::Table {
        header: vec![w.t("col.item"), w.t("col.count"), w.t("col.share")],
        rows,
    });
    if !st.minority_groups.is_empty() {
        b.push(Block::Chart {
            title: w.f("chart.minorities", &[("base", w.n(base))]),
            bars: st
                .minority_groups
                .iter()
                .map(|(e, n)| w.bar(e.clone(), *n, base))
                .collect(),
        });
    }

    // Ages.
    b.push(Block::Heading(w.t("section.ages")));
    b.push(Block::Para(
        w.f("ages_as_of", &[("date", w.date(Some(fig.as_of)))]),
    ));
    let mut bars: Vec<Bar> = AGE_BANDS
        .iter()
        .zip(st.age_bands)
        .map(|(band, n)| w.bar(w.t(&format!("age.{}", band.key)), n, base))
        .collect();
    if st.age_unknown > 0 {
        bars.push(w.bar(w.t("age.unknown"), st.age_unknown, base));
    }
    b.push(Block::Chart {
        title: w.f("chart.ages", &[("base", w.n(base))]),
        bars,
    });
    if !st.youngest.is_empty() {
        b.push(Block::Para(w.t("youngest")));
        b.push(w.ages(&st.youngest));
        b.push(Block::Para(w.t("oldest")));
        b.push(w.ages(&st.oldest));
    }

    // Kinds over the whole list.
    b.push(Block::Heading(w.t("section.kinds")));
    b.push(Block::Chart {
        title: w.f("chart.kinds", &[("base", w.n(st.listed))]),
        bars: st
            .kinds
            .iter()
            .map(|(k, n)| w.bar(w.kind(*k), *n, st.listed))
            .collect(),
    });

    // Delegations.
    if !st.delegations.is_empty() {
        b.push(Block::Heading(w.t("section.delegations")));
        b.push(Block::Chart {
            title: w.f("chart.delegations", &[("base", w.n(base))]),
            bars: st
                .delegations
                .iter()
                .map(|(d, n)| w.bar(w.delegation(d), *n, base))
                .collect(),
        });
    }

    // Further columns of the import.
    if !st.columns.is_empty() || !st.skipped.is_empty() {
        b.push(Block::Heading(w.t("section.columns")));
    }
    for c in &st.columns {
        let mut bars: Vec<Bar> = c
            .values
            .iter()
            .map(|(v, n)| w.bar(v.clone(), *n, base))
            .collect();
        if c.not_stated > 0 {
            bars.push(w.bar(w.t("not_stated"), c.not_stated, base));
        }
        b.push(Block::Chart {
            title: w.f(
                "chart.column",
                &[("column", c.header.clone()), ("base", w.n(base))],
            ),
            bars,
        });
    }
    if !st.skipped.is_empty() {
        let list = st
            .skipped
            .iter()
            .map(|x| {
                w.f(
                    "skipped_one",
                    &[
                        ("column", x.header.clone()),
                        ("count", w.n(x.distinct as u64)),
                    ],
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        b.push(Block::Para(w.f(
            "skipped",
            &[("max", MAX_DISTINCT.to_string()), ("columns", list)],
        )));
    }

    // III. The base B.
    b.push(Block::Heading(w.t("section.base")));
    b.push(Block::Para(w.f(
        "base_rule",
        &[
            ("summoned", w.n(st.officials)),
            ("absent", w.n(fig.absent_throughout.len() as u64)),
            ("ended", w.n(fig.ended_sessions)),
            ("base", w.n(fig.suggested_base)),
        ],
    )));
    if fig.ended_sessions == 0 {
        b.push(Block::Para(w.t("base_no_ended")));
    }
    if !fig.absent_throughout.is_empty() {
        b.push(w.people(&fig.absent_throughout, true));
    }
    b.push(Block::Para(w.t("base_confirm")));
    if info.kind == CongressKind::PartyCongress {
        b.push(Block::Para(match s.party_base() {
            Some((base, note)) if note.trim().is_empty() => {
                w.f("base_recorded", &[("base", w.n(base))])
            }
            Some((base, note)) => w.f(
                "base_recorded_note",
                &[("base", w.n(base)), ("note", note.to_owned())],
            ),
            None => w.t("base_not_recorded"),
        }));
    }

    Ok(Report {
        title: w.t("title"),
        congress: info.name.clone(),
        place_dates: format!(
            "{}, {} – {}",
            info.place,
            info.starts_on.format("%d/%m/%Y"),
            info.ends_on.format("%d/%m/%Y")
        ),
        blocks: b,
        page_label: w.t("page"),
    })
}

impl App {
    /// The credentials report of `session` (default: the program's first session), in
    /// `lang`. Staff who may see the delegate list may read it.
    pub fn credentials(
        &self,
        p: &Principal,
        session: Option<SessionId>,
        lang: Lang,
    ) -> Result<Credentials> {
        p.require(Capability::ViewDelegates)?;
        let w = Words {
            cat: &self.catalogue,
            lang,
        };
        self.read(|s| {
            let chosen = match session {
                Some(id) => Some(s.session(id).ok_or(Error::NotFound { what: "session" })?),
                None => s.sessions().into_iter().next(),
            };
            let fig = figures(s, chosen.map(|x| x.id))
                .ok_or_else(|| Error::conflict("CONGRESS_NOT_CONFIGURED"))?;
            let label = chosen
                .map(|x| format!("{} ({})", x.fields.title, x.fields.date.format("%d/%m/%Y")))
                .unwrap_or_default();
            let report = report(s, &fig, &label, &w)?;
            Ok(Credentials {
                session: chosen.map(|x| x.id),
                figures: fig,
                report,
            })
        })
    }

    /// The report as a PDF, and its file name in `lang`.
    pub fn credentials_pdf(
        &self,
        p: &Principal,
        session: Option<SessionId>,
        lang: Lang,
    ) -> Result<(Vec<u8>, String)> {
        let c = self.credentials(p, session, lang)?;
        let bytes = report_pdf(&c.report).map_err(|e| Error::Storage(e.to_string()))?;
        Ok((bytes, self.credentials_file(lang, "pdf")))
    }

    /// The report as a DOCX, and its file name in `lang`.
    pub fn credentials_docx(
        &self,
        p: &Principal,
        session: Option<SessionId>,
        lang: Lang,
    ) -> Result<(Vec<u8>, String)> {
        let c = self.credentials(p, session, lang)?;
        Ok((report_docx(&c.report), self.credentials_file(lang, "docx")))
    }

    fn credentials_file(&self, lang: Lang, ext: &str) -> String {
        format!(
            "{}.{ext}",
            self.catalogue.get(lang, "credentials.file_name")
        )
    }
}

#[cfg(test)]
mod tests;
