//! Page text clean-up shared by every extractor.

use unicode_normalization::UnicodeNormalization;

/// NFC (Vietnamese letters as one code point each; PDF extractors emit NFD).
pub(crate) fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// The final form of a page's text: NFC; line ends as `\n`; no control characters other
/// than `\n` and `\t`; no invisible characters (soft hyphen, zero-width space, BOM); Latin
/// ligatures (ﬁ, ﬂ, …) spelt out; no trailing spaces on a line; at most one blank line in a
/// row; no blank lines at the start or the end.
///
/// Run legacy-encoding conversion before this: TCVN3 uses the soft hyphen and control
/// characters for letters.
pub(crate) fn clean_page(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank_run = 0usize;
    let normalised = s.replace("\r\n", "\n").replace('\r', "\n");
    for line in normalised.split('\n') {
        let mut l = String::with_capacity(line.len());
        for c in line.nfc() {
            match c {
                '\t' => l.push('\t'),
                '\u{00AD}' | '\u{200B}' | '\u{2060}' | '\u{FEFF}' => {}
                '\u{FB00}' => l.push_str("ff"),
                '\u{FB01}' => l.push_str("fi"),
                '\u{FB02}' => l.push_str("fl"),
                '\u{FB03}' => l.push_str("ffi"),
                '\u{FB04}' => l.push_str("ffl"),
                '\u{FB05}' | '\u{FB06}' => l.push_str("st"),
                c if c.is_control() => l.push(' '),
                c => l.push(c),
            }
        }
        let l = l.trim_end();
        if l.trim().is_empty() {
            blank_run += 1;
            if blank_run > 1 {
                continue;
            }
            out.push('\n');
        } else {
            blank_run = 0;
            out.push_str(l);
            out.push('\n');
        }
    }
    out.trim_matches(|c: char| c == '\n' || c == ' ' || c == '\t')
        .to_owned()
}

/// Letters and digits on a page: the measure of "has text".
pub(crate) fn alnum_count(s: &str) -> usize {
    s.chars().filter(|c| c.is_alphanumeric()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfd_becomes_nfc() {
        let nfd = "Đa\u{0323}i ho\u{0302}\u{0323}i";
        assert_eq!(clean_page(nfd), "Đại hội");
        assert_eq!(nfc(nfd), "Đại hội");
    }

    #[test]
    fn clean_page_tidies_lines() {
        let raw = "\n\n  Dòng một  \r\nDòng\u{00AD}hai\u{0007}x\n\n\n\nﬁn\t \n\n";
        assert_eq!(clean_page(raw), "Dòng một\nDònghai x\n\nfin");
    }
}
