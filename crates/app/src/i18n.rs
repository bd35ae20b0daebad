//! The translation catalogue: Vietnamese first, English second. Entries live in TOML files
//! embedded at build time (`i18n/<lang>.toml` of this crate and of daihoi-data), flattened
//! to dotted keys; `{name}` placeholders are filled from arguments.

use std::collections::HashMap;

use daihoi_domain::{Error, Problem};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn other(self) -> Lang {
        match self {
            Lang::Vi => Lang::En,
            Lang::En => Lang::Vi,
        }
    }
}

const SOURCES: &[(Lang, &str, &str)] = &[
    (Lang::Vi, "app/vi.toml", include_str!("../i18n/vi.toml")),
    (Lang::En, "app/en.toml", include_str!("../i18n/en.toml")),
    (
        Lang::Vi,
        "app/admin.vi.toml",
        include_str!("../i18n/admin.vi.toml"),
    ),
    (
        Lang::En,
        "app/admin.en.toml",
        include_str!("../i18n/admin.en.toml"),
    ),
    (
        Lang::Vi,
        "app/vote.vi.toml",
        include_str!("../i18n/vote.vi.toml"),
    ),
    (
        Lang::En,
        "app/vote.en.toml",
        include_str!("../i18n/vote.en.toml"),
    ),
    (
        Lang::Vi,
        "app/ui_vote.vi.toml",
        include_str!("../i18n/ui_vote.vi.toml"),
    ),
    (
        Lang::En,
        "app/ui_vote.en.toml",
        include_str!("../i18n/ui_vote.en.toml"),
    ),
    (
        Lang::Vi,
        "app/ui_polls.vi.toml",
        include_str!("../i18n/ui_polls.vi.toml"),
    ),
    (
        Lang::En,
        "app/ui_polls.en.toml",
        include_str!("../i18n/ui_polls.en.toml"),
    ),
    (
        Lang::Vi,
        "data/vi.toml",
        include_str!("../../data/i18n/vi.toml"),
    ),
    (
        Lang::En,
        "data/en.toml",
        include_str!("../../data/i18n/en.toml"),
    ),
    (
        Lang::Vi,
        "app/docs.vi.toml",
        include_str!("../i18n/docs.vi.toml"),
    ),
    (
        Lang::En,
        "app/docs.en.toml",
        include_str!("../i18n/docs.en.toml"),
    ),
    (
        Lang::Vi,
        "app/docs_admin.vi.toml",
        include_str!("../i18n/docs_admin.vi.toml"),
    ),
    (
        Lang::En,
        "app/docs_admin.en.toml",
        include_str!("../i18n/docs_admin.en.toml"),
    ),
    (
        Lang::Vi,
        "app/attendance.vi.toml",
        include_str!("../i18n/attendance.vi.toml"),
    ),
    (
        Lang::En,
        "app/attendance.en.toml",
        include_str!("../i18n/attendance.en.toml"),
    ),
    (
        Lang::Vi,
        "app/credentials.vi.toml",
        include_str!("../i18n/credentials.vi.toml"),
    ),
    (
        Lang::En,
        "app/credentials.en.toml",
        include_str!("../i18n/credentials.en.toml"),
    ),
    (
        Lang::Vi,
        "app/faces.vi.toml",
        include_str!("../i18n/faces.vi.toml"),
    ),
    (
        Lang::En,
        "app/faces.en.toml",
        include_str!("../i18n/faces.en.toml"),
    ),
];

#[derive(Debug)]
pub struct Catalogue {
    vi: HashMap<String, String>,
    en: HashMap<String, String>,
}

fn flatten(prefix: &str, v: &toml::Value, out: &mut HashMap<String, String>) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        toml::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

impl Catalogue {
    /// Parse the embedded catalogue. The files are part of the binary, so a parse error is
    /// a build defect; the unit tests make sure it cannot ship.
    pub fn load() -> Result<Catalogue, String> {
        let mut c = Catalogue {
            vi: HashMap::new(),
            en: HashMap::new(),
        };
        for (lang, name, text) in SOURCES {
            let v: toml::Value = toml::from_str(text).map_err(|e| format!("{name}: {e}"))?;
            let map = match lang {
                Lang::Vi => &mut c.vi,
                Lang::En => &mut c.en,
            };
            flatten("", &v, map);
        }
        Ok(c)
    }

    fn map(&self, lang: Lang) -> &HashMap<String, String> {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        }
    }

    pub fn has(&self, lang: Lang, key: &str) -> bool {
        self.map(lang).contains_key(key)
    }

    /// The entry, or the key itself when missing (visible, never a crash).
    pub fn get<'a>(&'a self, lang: Lang, key: &'a str) -> &'a str {
        match self.map(lang).get(key) {
            Some(s) => s,
            None => {
                tracing::warn!(key, lang = lang.code(), "missing translation");
                key
            }
        }
    }

    pub fn format(&self, lang: Lang, key: &str, args: &[(&str, String)]) -> String {
        let mut s = self.get(lang, key).to_string();
        for (name, value) in args {
            s = s.replace(&format!("{{{name}}}"), value);
        }
        s
    }

    pub fn problem(&self, lang: Lang, p: &Problem) -> String {
        self.format(lang, &format!("err.{}", p.key), &p.args)
    }

    pub fn field(&self, lang: Lang, field: &str) -> String {
        self.get(lang, &format!("field.{field}")).to_string()
    }

    /// The message a user sees for an error, naming the field when there is one.
    pub fn error(&self, lang: Lang, e: &Error) -> String {
        match e {
            Error::Invalid { field, problem } => format!(
                "{}: {}",
                self.field(lang, field),
                self.problem(lang, problem)
            ),
            Error::Conflict(p) => self.problem(lang, p),
            Error::NotFound { what } => self.format(
                lang,
                "err.not_found",
                &[("what", self.get(lang, &format!("what.{what}")).to_string())],
            ),
            Error::Unauthenticated => self.get(lang, "err.unauthenticated").to_string(),
            Error::Forbidden => self.get(lang, "err.forbidden").to_string(),
            Error::RateLimited => self.get(lang, "err.rate_limited").to_string(),
            Error::TooLarge { limit_bytes } => self.format(
                lang,
                "err.too_large",
                &[("limit", format!("{} MB", limit_bytes / 1_000_000))],
            ),
            Error::ImportRejected(p) => self.format(
                lang,
                "err.import_rejected",
                &[("count", p.len().to_string())],
            ),
            Error::Storage(_) => self.get(lang, "err.storage").to_string(),
        }
    }

    pub fn keys(&self, lang: Lang) -> impl Iterator<Item = &String> {
        self.map(lang).keys()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn both_languages_have_the_same_keys() {
        let c = Catalogue::load().unwrap();
        let vi: BTreeSet<_> = c.keys(Lang::Vi).collect();
        let en: BTreeSet<_> = c.keys(Lang::En).collect();
        let only_vi: Vec<_> = vi.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&vi).collect();
        assert!(
            only_vi.is_empty() && only_en.is_empty(),
            "only in vi: {only_vi:?}; only in en: {only_en:?}"
        );
    }

    #[test]
    fn vietnamese_entries_are_nfc() {
        let c = Catalogue::load().unwrap();
        for k in c.keys(Lang::Vi) {
            assert!(
                unicode_normalization::is_nfc(c.get(Lang::Vi, k)),
                "{k} is not NFC"
            );
        }
    }

    #[test]
    fn every_document_error_code_is_translated() {
        // Extraction failures are stored by code and shown translated (`err.<CODE>`).
        let c = Catalogue::load().unwrap();
        let src = include_str!("../../docs/src/error.rs");
        let codes: Vec<&str> = src
            .split("=> \"")
            .skip(1)
            .filter_map(|p| p.split('"').next())
            .filter(|k| k.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_'))
            .collect();
        assert!(codes.len() >= 15, "codes found: {codes:?}");
        for lang in [Lang::Vi, Lang::En] {
            for code in &codes {
                assert!(
                    c.has(lang, &format!("err.{code}")),
                    "err.{code} missing ({lang:?})"
                );
            }
        }
    }

    /// Every problem key and field name written in the domain, app and data sources has a
    /// catalogue entry in both languages.
    #[test]
    fn every_problem_key_and_field_is_translated() {
        let c = Catalogue::load().unwrap();
        let sources = [
            include_str!("../../domain/src/state.rs"),
            include_str!("../../domain/src/poll.rs"),
            include_str!("../../domain/src/text.rs"),
            include_str!("../../domain/src/error.rs"),
            include_str!("auth.rs"),
            include_str!("usecases.rs"),
            include_str!("../../data/src/import.rs"),
            include_str!("../../domain/src/docs.rs"),
            include_str!("../../domain/src/state/docs.rs"),
            include_str!("usecases/docs.rs"),
        ];
        let mut missing = Vec::new();
        for src in sources {
            for (marker, prefix, arg) in [
                ("Problem::new(\"", "err.", 0),
                ("Error::conflict(\"", "err.", 0),
                ("Error::invalid(\"", "field.", 0),
                ("Error::invalid(\"", "err.", 1),
                ("field: \"", "field.", 0),
                ("NotFound { what: \"", "what.", 0),
            ] {
                for part in src.split(marker).skip(1) {
                    let mut quoted = part.split('"');
                    let first = quoted.next().unwrap_or_default();
                    let key = if arg == 0 {
                        first
                    } else {
                        // second string literal: `Error::invalid("field", "key")`
                        quoted.nth(1).unwrap_or_default()
                    };
                    if key.is_empty() || key.contains(char::is_whitespace) || key.contains('{') {
                        continue;
                    }
                    let full = format!("{prefix}{key}");
                    for lang in [Lang::Vi, Lang::En] {
                        if !c.has(lang, &full) {
                            missing.push(format!("{}:{full}", lang.code()));
                        }
                    }
                }
            }
        }
        missing.sort();
        missing.dedup();
        assert!(missing.is_empty(), "missing catalogue entries: {missing:?}");
    }

    #[test]
    fn errors_name_the_field_in_both_languages() {
        let c = Catalogue::load().unwrap();
        let e = Error::invalid("name", "required");
        assert_eq!(
            c.error(Lang::Vi, &e),
            format!(
                "{}: {}",
                c.get(Lang::Vi, "field.name"),
                c.get(Lang::Vi, "err.required")
            )
        );
        assert_ne!(c.error(Lang::Vi, &e), c.error(Lang::En, &e));
        let p = Problem::new("too_long").arg("max", 10).arg("len", 12);
        assert!(c.problem(Lang::En, &p).contains("10"));
    }
}
