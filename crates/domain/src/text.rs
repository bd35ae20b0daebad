//! Parsed text inputs. Every string that enters the domain passes through here: it is
//! normalised to NFC (Vietnamese typed on some keyboards, and all text extracted from PDFs,
//! arrives decomposed), trimmed, and checked for length.

use crate::error::{Error, Problem, Result};
use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;

/// NFC, with runs of whitespace (including newlines and tabs) collapsed to one space.
pub fn clean_line(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// NFC, trimmed, with line breaks kept (for announcements and notes) but `\r\n` unified
/// and control characters other than newline removed.
pub fn clean_text(s: &str) -> String {
    let nfc: String = s.replace("\r\n", "\n").nfc().collect();
    nfc.chars()
        .filter(|c| *c == '\n' || !c.is_control())
        .collect::<String>()
        .trim()
        .to_string()
}

/// A required single-line field of at most `max` characters.
pub fn required_line(field: &'static str, s: &str, max: usize) -> Result<String> {
    let v = clean_line(s);
    if v.is_empty() {
        return Err(Error::invalid(field, "required"));
    }
    check_len(field, v, max)
}

/// An optional single-line field of at most `max` characters (empty is allowed).
pub fn optional_line(field: &'static str, s: &str, max: usize) -> Result<String> {
    check_len(field, clean_line(s), max)
}

/// A required multi-line text of at most `max` characters.
pub fn required_text(field: &'static str, s: &str, max: usize) -> Result<String> {
    let v = clean_text(s);
    if v.is_empty() {
        return Err(Error::invalid(field, "required"));
    }
    check_len(field, v, max)
}

pub fn optional_text(field: &'static str, s: &str, max: usize) -> Result<String> {
    check_len(field, clean_text(s), max)
}

fn check_len(field: &'static str, v: String, max: usize) -> Result<String> {
    let n = v.chars().count();
    if n > max {
        return Err(Error::Invalid {
            field,
            problem: Problem::new("too_long").arg("max", max).arg("len", n),
        });
    }
    Ok(v)
}

/// Sign-in names: 2 to 32 of a-z, 0-9, '.', '_', '-'; stored lower-case.
pub fn username(s: &str) -> Result<String> {
    let v = s.trim().to_lowercase();
    if v.is_empty() {
        return Err(Error::invalid("username", "required"));
    }
    let ok = (2..=32).contains(&v.len())
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
    if !ok {
        return Err(Error::invalid("username", "username_format"));
    }
    Ok(v)
}

/// Passwords: at least 10 characters, at most 200 (argon2 input stays bounded).
pub fn password(s: &str) -> Result<&str> {
    let n = s.chars().count();
    if n < 10 {
        return Err(Error::Invalid {
            field: "password",
            problem: Problem::new("password_short").arg("min", 10),
        });
    }
    if n > 200 {
        return Err(Error::Invalid {
            field: "password",
            problem: Problem::new("too_long").arg("max", 200).arg("len", n),
        });
    }
    Ok(s)
}

/// A date as Vietnamese organisers write it: `dd/mm/yyyy` (also `d/m/yyyy`, `dd-mm-yyyy`,
/// `dd.mm.yyyy`) or ISO `yyyy-mm-dd` as HTML date inputs send it.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Some(d);
    }
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    if parts.len() != 3 || parts[2].len() != 4 {
        return None;
    }
    let d: u32 = parts[0].parse().ok()?;
    let m: u32 = parts[1].parse().ok()?;
    let y: i32 = parts[2].parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

pub fn required_date(field: &'static str, s: &str) -> Result<NaiveDate> {
    if s.trim().is_empty() {
        return Err(Error::invalid(field, "required"));
    }
    parse_date(s).ok_or_else(|| Error::invalid(field, "invalid_date"))
}

/// Strip Vietnamese diacritics and lower-case: used to compare names and headers
/// whatever the keyboard ("Họ và tên", "HO VA TEN", "ho va ten" are the same header).
pub fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .collect::<String>()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nfd_input_becomes_nfc() {
        let nfd: String = "Nguyễn Thị Ánh".nfd().collect();
        assert_ne!(nfd, "Nguyễn Thị Ánh");
        assert_eq!(clean_line(&nfd), "Nguyễn Thị Ánh");
    }

    #[test]
    fn dates_in_vietnamese_and_iso_forms() {
        let d = NaiveDate::from_ymd_opt(1975, 4, 30).unwrap();
        for s in [
            "30/04/1975",
            "30/4/1975",
            "30-04-1975",
            "30.04.1975",
            "1975-04-30",
        ] {
            assert_eq!(parse_date(s), Some(d), "{s}");
        }
        assert_eq!(parse_date("31/02/2020"), None);
        assert_eq!(parse_date("04/30/75"), None);
        assert_eq!(parse_date(""), None);
    }

    #[test]
    fn fold_removes_marks_and_d_stroke() {
        assert_eq!(fold("Đại hội  ĐẢNG bộ"), "dai hoi dang bo");
        assert_eq!(fold("Họ và tên"), "ho va ten");
    }

    #[test]
    fn required_and_length() {
        assert_eq!(
            required_line("name", "  \t ", 10),
            Err(Error::invalid("name", "required"))
        );
        assert!(
            matches!(required_line("name", "abcdefghijk", 10), Err(Error::Invalid { problem, .. }) if problem.key == "too_long")
        );
        assert_eq!(required_line("name", " a \n b ", 10).unwrap(), "a b");
    }

    #[test]
    fn usernames() {
        assert_eq!(username(" Admin ").unwrap(), "admin");
        assert!(username("a").is_err());
        assert!(username("có dấu").is_err());
    }

    proptest! {
        #[test]
        fn clean_line_is_idempotent_and_nfc(s in "\\PC{0,40}") {
            let once = clean_line(&s);
            prop_assert_eq!(clean_line(&once), once.clone());
            prop_assert!(unicode_normalization::is_nfc(&once));
        }
    }
}
