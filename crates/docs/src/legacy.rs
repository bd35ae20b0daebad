//! Vietnamese legacy font encodings: detection and conversion to Unicode.
//!
//! Before Unicode, Vietnamese documents were typed with 8-bit fonts that drew Vietnamese
//! letters in place of Western ones. Text extracted from such files (PDF, DOCX) is a string
//! of Latin-1 / Windows-1252 look-alikes:
//!
//! * **TCVN3** (ABC; fonts `.VnTime`, `.VnArial`, …): one byte per letter, lower-case toned
//!   letters and Ă Â Ê Ô Ơ Ư Đ in 0xA1–0xFF. "Đại hội Đảng bộ" comes out as
//!   "§¹i héi §¶ng bé". Upper-case toned letters of the full TCVN 5712 table sit in
//!   0x01–0x17 and 0x80–0x9F; the latter are converted only inside a word (in Windows-1252
//!   they are quotes, dashes and bullets, which stay). Headings typed with the `.VnTimeH`
//!   capitals fonts use the lower-case codes and come out in lower case.
//! * **VNI** (VNI-Windows; fonts `VNI-Times`, …): a base letter followed by a mark byte;
//!   "Đại hội Đảng bộ" comes out as "Ñaïi hoäi Ñaûng boä".
//!
//! [`detect`] decides per document. It counts the words that the encoding would change and
//! no Unicode Vietnamese letter is in, and fires only when (a) there are at least three,
//! (b) at least 70% of them become well-formed Vietnamese syllables (onset, vowel cluster,
//! final consonant, one tone, stop finals only with sắc/nặng, spelling rules like "k" before
//! i/e/ê), (c) words with real Unicode Vietnamese letters are fewer than a tenth of them,
//! and for TCVN3 (d) at least a sixth hold a symbol that never sits inside a Western word
//! (§ ¸ ¹ µ ¶ ­ …). Unicode Vietnamese fails (c), English has no candidates, and French,
//! German or Spanish words rarely decode to Vietnamese syllables, so they fail (b).
//!
//! [`to_unicode`] converts line by line and leaves alone a line that has more Unicode
//! Vietnamese words than legacy ones (mixed documents: a heading retyped in Unicode above a
//! `.VnTime` body), and any word that already holds a Unicode Vietnamese letter. A word
//! written all in capitals stays in capitals.

use unicode_normalization::UnicodeNormalization;

/// A legacy Vietnamese font encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Legacy {
    /// TCVN 5712 / TCVN3 ("ABC"), fonts `.VnTime` etc.
    Tcvn3,
    /// VNI-Windows, fonts `VNI-Times` etc.
    Vni,
}

impl Legacy {
    /// `"tcvn3"` or `"vni"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Legacy::Tcvn3 => "tcvn3",
            Legacy::Vni => "vni",
        }
    }
}

/// The legacy encoding `text` was typed in, if it clearly was (see the module docs).
pub fn detect(text: &str) -> Option<Legacy> {
    let mut best: Option<(Legacy, usize)> = None;
    for enc in [Legacy::Tcvn3, Legacy::Vni] {
        let score = Score::of(text, enc);
        if score.is_legacy(enc) && best.is_none_or(|(_, valid)| score.valid > valid) {
            best = Some((enc, score.valid));
        }
    }
    best.map(|(enc, _)| enc)
}

/// `text` converted from `enc` to Unicode (NFC), line by line (see the module docs).
pub fn to_unicode(text: &str, enc: Legacy) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let score = Score::of(line, enc);
        if score.unicode > score.candidates {
            out.push_str(line);
            continue;
        }
        // Whitespace-separated runs, whitespace kept as it is.
        let mut run = String::new();
        for c in line.chars() {
            if c.is_whitespace() {
                out.push_str(&decode_run(&run, enc));
                run.clear();
                out.push(c);
            } else {
                run.push(c);
            }
        }
        out.push_str(&decode_run(&run, enc));
    }
    out.nfc().collect()
}

/// One whitespace-free run: decoded unless it already holds Unicode Vietnamese. A run with
/// two or more capitals and no ASCII small letter is put all in capitals (TCVN3 has no
/// capital toned letters in its usual range: "§¹I HéI" is "ĐẠI HỘI").
fn decode_run(run: &str, enc: Legacy) -> String {
    if run.is_empty() || run.chars().any(is_unicode_vietnamese) {
        return run.to_owned();
    }
    let decoded = decode(run, enc);
    let upper = decoded.chars().filter(|c| c.is_uppercase()).count();
    let lower = decoded.chars().filter(|c| c.is_ascii_lowercase()).count();
    if upper >= 2 && lower == 0 {
        decoded.to_uppercase()
    } else {
        decoded
    }
}

fn decode(s: &str, enc: Legacy) -> String {
    match enc {
        Legacy::Tcvn3 => decode_tcvn3(s),
        Legacy::Vni => decode_vni(s),
    }
}

// ----- scoring ---------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Score {
    /// Words the encoding would change that hold no Unicode Vietnamese letter.
    candidates: usize,
    /// Candidates that decode to a well-formed Vietnamese syllable.
    valid: usize,
    /// Candidates with a character no Western word has inside it (TCVN3 only).
    strong: usize,
    /// Words with a Unicode Vietnamese letter outside Latin-1 (ạ, ơ, đ, …).
    unicode: usize,
}

impl Score {
    fn of(text: &str, enc: Legacy) -> Score {
        let mut s = Score::default();
        let words = text
            .split(|c: char| c.is_whitespace() || c.is_ascii_punctuation() || c.is_ascii_digit());
        for word in words.filter(|w| !w.is_empty()) {
            if word.chars().any(is_unicode_vietnamese) {
                s.unicode += 1;
                continue;
            }
            let decoded = decode(word, enc);
            if decoded == word {
                continue;
            }
            s.candidates += 1;
            if is_syllable(&decoded) {
                s.valid += 1;
            }
            if enc == Legacy::Tcvn3 && word.chars().any(is_tcvn3_symbol) {
                s.strong += 1;
            }
        }
        s
    }

    fn is_legacy(&self, enc: Legacy) -> bool {
        self.candidates >= 3
            && self.valid * 10 >= self.candidates * 7
            && self.unicode * 10 < self.candidates
            && (enc != Legacy::Tcvn3 || self.strong * 6 >= self.candidates)
    }
}

/// A Vietnamese letter that Latin-1 does not have: proof of Unicode Vietnamese.
fn is_unicode_vietnamese(c: char) -> bool {
    matches!(
        c,
        'ă' | 'Ă' | 'đ' | 'Đ' | 'ĩ' | 'Ĩ' | 'ũ' | 'Ũ' | 'ơ' | 'Ơ' | 'ư' | 'Ư' | '\u{1EA0}'
            ..='\u{1EF9}'
    )
}

/// A TCVN3 letter that is a symbol in Latin-1 / Windows-1252 (never inside a Western word).
fn is_tcvn3_symbol(c: char) -> bool {
    !c.is_alphabetic() && legacy_byte(c).and_then(tcvn3).is_some()
}

// ----- TCVN3 -----------------------------------------------------------------------------------

/// The byte a Latin-1 / Windows-1252 character stands for.
fn legacy_byte(c: char) -> Option<u8> {
    let b = match c {
        '\u{0}'..='\u{FF}' => return u8::try_from(u32::from(c)).ok(),
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        _ => return None,
    };
    Some(b)
}

/// The TCVN 5712 letter at byte `b` (bytes that are ASCII or unassigned: `None`).
fn tcvn3(b: u8) -> Option<char> {
    let c = match b {
        0x01 => 'Ú',
        0x02 => 'Ụ',
        0x04 => 'Ừ',
        0x05 => 'Ử',
        0x06 => 'Ữ',
        0x11 => 'Ứ',
        0x12 => 'Ự',
        0x13 => 'Ỳ',
        0x14 => 'Ỷ',
        0x15 => 'Ỹ',
        0x16 => 'Ý',
        0x17 => 'Ỵ',
        0x80 => 'À',
        0x81 => 'Ả',
        0x82 => 'Ã',
        0x83 => 'Á',
        0x84 => 'Ạ',
        0x85 => 'Ặ',
        0x86 => 'Ậ',
        0x87 => 'È',
        0x88 => 'Ẻ',
        0x89 => 'Ẽ',
        0x8A => 'É',
        0x8B => 'Ẹ',
        0x8C => 'Ệ',
        0x8D => 'Ì',
        0x8E => 'Ỉ',
        0x8F => 'Ĩ',
        0x90 => 'Í',
        0x91 => 'Ị',
        0x92 => 'Ò',
        0x93 => 'Ỏ',
        0x94 => 'Õ',
        0x95 => 'Ó',
        0x96 => 'Ọ',
        0x97 => 'Ộ',
        0x98 => 'Ờ',
        0x99 => 'Ở',
        0x9A => 'Ỡ',
        0x9B => 'Ớ',
        0x9C => 'Ợ',
        0x9D => 'Ù',
        0x9E => 'Ủ',
        0x9F => 'Ũ',
        0xA1 => 'Ă',
        0xA2 => 'Â',
        0xA3 => 'Ê',
        0xA4 => 'Ô',
        0xA5 => 'Ơ',
        0xA6 => 'Ư',
        0xA7 => 'Đ',
        0xA8 => 'ă',
        0xA9 => 'â',
        0xAA => 'ê',
        0xAB => 'ô',
        0xAC => 'ơ',
        0xAD => 'ư',
        0xAE => 'đ',
        0xAF => 'Ằ',
        0xB5 => 'à',
        0xB6 => 'ả',
        0xB7 => 'ã',
        0xB8 => 'á',
        0xB9 => 'ạ',
        0xBA => 'Ẳ',
        0xBB => 'ằ',
        0xBC => 'ẳ',
        0xBD => 'ẵ',
        0xBE => 'ắ',
        0xBF => 'Ẵ',
        0xC0 => 'Ắ',
        0xC1 => 'Ầ',
        0xC2 => 'Ẩ',
        0xC3 => 'Ẫ',
        0xC4 => 'Ấ',
        0xC5 => 'Ề',
        0xC6 => 'ặ',
        0xC7 => 'ầ',
        0xC8 => 'ẩ',
        0xC9 => 'ẫ',
        0xCA => 'ấ',
        0xCB => 'ậ',
        0xCC => 'è',
        0xCD => 'Ể',
        0xCE => 'ẻ',
        0xCF => 'ẽ',
        0xD0 => 'é',
        0xD1 => 'ẹ',
        0xD2 => 'ề',
        0xD3 => 'ể',
        0xD4 => 'ễ',
        0xD5 => 'ế',
        0xD6 => 'ệ',
        0xD7 => 'ì',
        0xD8 => 'ỉ',
        0xD9 => 'Ễ',
        0xDA => 'Ế',
        0xDB => 'Ồ',
        0xDC => 'ĩ',
        0xDD => 'í',
        0xDE => 'ị',
        0xDF => 'ò',
        0xE0 => 'Ổ',
        0xE1 => 'ỏ',
        0xE2 => 'õ',
        0xE3 => 'ó',
        0xE4 => 'ọ',
        0xE5 => 'ồ',
        0xE6 => 'ổ',
        0xE7 => 'ỗ',
        0xE8 => 'ố',
        0xE9 => 'ộ',
        0xEA => 'ờ',
        0xEB => 'ở',
        0xEC => 'ỡ',
        0xED => 'ớ',
        0xEE => 'ợ',
        0xEF => 'ù',
        0xF0 => 'Ỗ',
        0xF1 => 'ủ',
        0xF2 => 'ũ',
        0xF3 => 'ú',
        0xF4 => 'ụ',
        0xF5 => 'ừ',
        0xF6 => 'ử',
        0xF7 => 'ữ',
        0xF8 => 'ứ',
        0xF9 => 'ự',
        0xFA => 'ỳ',
        0xFB => 'ỷ',
        0xFC => 'ỹ',
        0xFD => 'ý',
        0xFE => 'ỵ',
        0xFF => 'Ố',
        _ => return None,
    };
    Some(c)
}

fn decode_tcvn3(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let letter_like = |c: char| {
        c.is_alphabetic() || legacy_byte(c).is_some_and(|b| b >= 0xA1 && tcvn3(b).is_some())
    };
    let mut out = String::with_capacity(s.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let decoded = match legacy_byte(c) {
            Some(b @ 0x80..=0x9F) => {
                // Windows-1252 punctuation unless it sits inside a word.
                let inside = i > 0
                    && chars.get(i + 1).is_some_and(|&n| letter_like(n))
                    && chars.get(i - 1).is_some_and(|&p| letter_like(p));
                if inside { tcvn3(b) } else { None }
            }
            Some(b) => tcvn3(b),
            None => None,
        };
        out.push(decoded.unwrap_or(c));
    }
    out
}

// ----- VNI -------------------------------------------------------------------------------------

const GRAVE: char = '\u{0300}';
const ACUTE: char = '\u{0301}';
const TILDE: char = '\u{0303}';
const HOOK: char = '\u{0309}';
const DOT: char = '\u{0323}';
const CIRCUMFLEX: char = '\u{0302}';
const BREVE: char = '\u{0306}';
const HORN: char = '\u{031B}';

/// A VNI mark byte (as its Latin-1 character, lower-case form): the vowel modifier it adds
/// (circumflex, breve or none) and the tone.
fn vni_mark(c: char) -> Option<(Option<char>, Option<char>)> {
    let lower = match c {
        'À'..='Þ' => char::from_u32(u32::from(c) + 0x20)?,
        _ => c,
    };
    Some(match lower {
        'ù' => (None, Some(ACUTE)),
        'ø' => (None, Some(GRAVE)),
        'û' => (None, Some(HOOK)),
        'õ' => (None, Some(TILDE)),
        'ï' => (None, Some(DOT)),
        'â' => (Some(CIRCUMFLEX), None),
        'á' => (Some(CIRCUMFLEX), Some(ACUTE)),
        'à' => (Some(CIRCUMFLEX), Some(GRAVE)),
        'å' => (Some(CIRCUMFLEX), Some(HOOK)),
        'ã' => (Some(CIRCUMFLEX), Some(TILDE)),
        'ä' => (Some(CIRCUMFLEX), Some(DOT)),
        'ê' => (Some(BREVE), None),
        'é' => (Some(BREVE), Some(ACUTE)),
        'è' => (Some(BREVE), Some(GRAVE)),
        'ú' => (Some(BREVE), Some(HOOK)),
        'ü' => (Some(BREVE), Some(TILDE)),
        'ë' => (Some(BREVE), Some(DOT)),
        _ => return None,
    })
}

/// A VNI base letter that takes a mark: the ASCII letter and the horn it already has
/// (ô is ơ and ö is ư in VNI).
fn vni_base(c: char) -> Option<(char, Option<char>)> {
    match c {
        'a' | 'e' | 'o' | 'u' | 'y' | 'A' | 'E' | 'O' | 'U' | 'Y' => Some((c, None)),
        'ô' => Some(('o', Some(HORN))),
        'Ô' => Some(('O', Some(HORN))),
        'ö' => Some(('u', Some(HORN))),
        'Ö' => Some(('U', Some(HORN))),
        _ => None,
    }
}

/// VNI letters of one byte.
fn vni_single(c: char) -> Option<char> {
    Some(match c {
        'ô' => 'ơ',
        'Ô' => 'Ơ',
        'ö' => 'ư',
        'Ö' => 'Ư',
        'ñ' => 'đ',
        'Ñ' => 'Đ',
        'æ' => 'ỉ',
        'Æ' => 'Ỉ',
        'ó' => 'ĩ',
        'Ó' => 'Ĩ',
        'ò' => 'ị',
        'Ò' => 'Ị',
        'î' => 'ỵ',
        'Î' => 'Ỵ',
        _ => return None,
    })
}

/// One precomposed letter from a base letter and combining marks, if Unicode has it.
fn compose(base: char, marks: &[Option<char>]) -> Option<char> {
    let s: String = std::iter::once(base)
        .chain(marks.iter().flatten().copied())
        .collect();
    let mut composed = s.nfc();
    let c = composed.next()?;
    composed.next().is_none().then_some(c)
}

fn decode_vni(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if let (Some((base, horn)), Some(&next)) = (vni_base(c), chars.get(i + 1))
            && let Some((modifier, tone)) = vni_mark(next)
        {
            let applies = match modifier {
                None => true,
                Some(CIRCUMFLEX) => {
                    horn.is_none() && matches!(base, 'a' | 'e' | 'o' | 'A' | 'E' | 'O')
                }
                Some(_) => horn.is_none() && matches!(base, 'a' | 'A'),
            };
            if applies && let Some(letter) = compose(base, &[horn, modifier, tone]) {
                out.push(letter);
                i += 2;
                continue;
            }
        }
        out.push(vni_single(c).unwrap_or(c));
        i += 1;
    }
    out
}

// ----- Vietnamese syllables --------------------------------------------------------------------

const ONSETS: &[&str] = &[
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d", "đ", "g",
    "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
];
/// Vowel clusters with the final glide in them: no final consonant may follow.
const CLOSED_NUCLEI: &[&str] = &[
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi", "ơi", "ua", "ui", "ưa",
    "ưi", "ưu", "iêu", "yêu", "oai", "oao", "oay", "oeo", "uây", "uôi", "ươi", "ươu", "uya", "uyu",
];
/// Vowel clusters that need a final consonant.
const NEEDS_CODA: &[&str] = &["ă", "â", "iê", "yê", "uô", "ươ", "uâ", "oă", "uyê"];
/// Vowel clusters that may end a syllable or take a final consonant.
const OPEN_NUCLEI: &[&str] = &[
    "a", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "oa", "oe", "oo", "uê", "uơ", "uy",
];
const CODAS: &[&str] = &["", "c", "ch", "m", "n", "ng", "nh", "p", "t"];

fn is_vowel(c: char) -> bool {
    matches!(
        c,
        'a' | 'ă' | 'â' | 'e' | 'ê' | 'i' | 'o' | 'ô' | 'ơ' | 'u' | 'ư' | 'y'
    )
}

/// Whether `word` is a well-formed Vietnamese syllable (any case, NFC or NFD).
fn is_syllable(word: &str) -> bool {
    let mut skeleton: Vec<char> = Vec::new();
    let mut tone = None;
    for c in word.to_lowercase().nfd() {
        match c {
            'a'..='z' | 'đ' => skeleton.push(c),
            CIRCUMFLEX | BREVE | HORN => {
                let Some(last) = skeleton.last_mut() else {
                    return false;
                };
                *last = match (*last, c) {
                    ('a', CIRCUMFLEX) => 'â',
                    ('e', CIRCUMFLEX) => 'ê',
                    ('o', CIRCUMFLEX) => 'ô',
                    ('a', BREVE) => 'ă',
                    ('o', HORN) => 'ơ',
                    ('u', HORN) => 'ư',
                    _ => return false,
                };
            }
            GRAVE | ACUTE | TILDE | HOOK | DOT => {
                if tone.replace(c).is_some() {
                    return false;
                }
            }
            _ => return false,
        }
    }
    let skeleton: String = skeleton.into_iter().collect();
    ONSETS.iter().any(|onset| {
        skeleton
            .strip_prefix(onset)
            .is_some_and(|rest| is_rime(onset, rest, tone))
    })
}

fn is_rime(onset: &str, rest: &str, tone: Option<char>) -> bool {
    let split = rest
        .char_indices()
        .find(|&(_, c)| !is_vowel(c))
        .map_or(rest.len(), |(i, _)| i);
    let (nucleus, coda) = rest.split_at(split);
    if nucleus.is_empty() || !CODAS.contains(&coda) {
        return false;
    }
    let nucleus_ok = if CLOSED_NUCLEI.contains(&nucleus) {
        coda.is_empty()
    } else if NEEDS_CODA.contains(&nucleus) {
        !coda.is_empty()
    } else {
        OPEN_NUCLEI.contains(&nucleus)
    };
    if !nucleus_ok {
        return false;
    }
    // Stop finals take only the sắc or nặng tone.
    if matches!(coda, "c" | "ch" | "p" | "t") && !matches!(tone, Some(ACUTE | DOT)) {
        return false;
    }
    // "ch" and "nh" follow only a, ê, i, y.
    if matches!(coda, "ch" | "nh") && !nucleus.ends_with(['a', 'ê', 'i', 'y']) {
        return false;
    }
    // Spelling: k, gh, ngh before i, e, ê (and k before y); c, g, ng elsewhere.
    let first = nucleus.chars().next().unwrap_or('a');
    let front = matches!(first, 'i' | 'e' | 'ê' | 'y');
    match onset {
        "k" => front,
        "gh" | "ngh" => matches!(first, 'i' | 'e' | 'ê'),
        "c" | "ng" => !front,
        "g" => !matches!(first, 'e' | 'ê'),
        "qu" => first != 'u',
        _ => true,
    }
}

// ----- test-only encoders ----------------------------------------------------------------------

/// Unicode to TCVN3 as Latin-1 / Windows-1252 text, the way a PDF extractor sees it.
#[cfg(test)]
pub(crate) fn encode_tcvn3(s: &str) -> String {
    let from_byte = |b: u8| -> char {
        if (0x80..=0x9F).contains(&b) {
            (0x80u32..=0x9F)
                .filter_map(char::from_u32)
                .chain("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ".chars())
                .find(|&c| c != char::from(b) && legacy_byte(c) == Some(b))
                .unwrap_or(char::from(b))
        } else {
            char::from(b)
        }
    };
    s.nfc()
        .map(|c| {
            (1u8..=255)
                .find(|&b| tcvn3(b) == Some(c))
                .map_or(c, from_byte)
        })
        .collect()
}

/// Unicode to VNI-Windows as Latin-1 text.
#[cfg(test)]
pub(crate) fn encode_vni(s: &str) -> String {
    let mut out = String::new();
    for c in s.nfc() {
        if "íÍìÌ".contains(c) {
            out.push(c);
            continue;
        }
        if let Some(single) = "ôÔöÖñÑæÆóÓòÒîÎ".chars().find(|&v| vni_single(v) == Some(c))
        {
            out.push(single);
            continue;
        }
        let parts: Vec<char> = c.to_string().nfd().collect();
        let Some((&base, marks)) = parts.split_first() else {
            continue;
        };
        if !base.is_ascii_alphabetic() || marks.is_empty() {
            out.push(c);
            continue;
        }
        let horn = marks.contains(&HORN);
        let modifier = marks
            .iter()
            .copied()
            .find(|&m| m == CIRCUMFLEX || m == BREVE);
        let tone = marks
            .iter()
            .copied()
            .find(|&m| matches!(m, GRAVE | ACUTE | TILDE | HOOK | DOT));
        let upper = base.is_ascii_uppercase();
        match (base.to_ascii_lowercase(), horn) {
            ('o', true) => out.push(if upper { 'Ô' } else { 'ô' }),
            ('u', true) => out.push(if upper { 'Ö' } else { 'ö' }),
            _ => out.push(base),
        }
        if modifier.is_some() || tone.is_some() {
            let mark = "ùøûõïâáàåãäêéèúüë"
                .chars()
                .find(|&m| vni_mark(m) == Some((modifier, tone)));
            if let Some(m) = mark {
                out.push(if upper {
                    m.to_uppercase().next().unwrap_or(m)
                } else {
                    m
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SENTENCES: &[&str] = &[
        "Đại hội Đảng bộ tỉnh lần thứ XV, nhiệm kỳ 2025 - 2030 đã thành công tốt đẹp.",
        "Báo cáo chính trị của Ban Chấp hành Đảng bộ trình Đại hội gồm năm phần.",
        "Tăng trưởng kinh tế bình quân hằng năm đạt khoảng 7,5%; thu nhập bình quân đầu người \
         tăng gấp đôi so với đầu nhiệm kỳ.",
        "Đồng chí Nguyễn Văn An được bầu làm Bí thư với số phiếu tán thành cao.",
        "Các đại biểu thảo luận tại tổ về dự thảo nghị quyết, quy chế bầu cử và chương trình \
         hành động của Đại hội.",
        "Hội nghị biểu quyết thông qua danh sách đoàn chủ tịch, đoàn thư ký và ban kiểm phiếu.",
        "Người đứng đầu cấp ủy chịu trách nhiệm trước tập thể về việc thực hiện nghị quyết.",
        "Xây dựng, chỉnh đốn Đảng và hệ thống chính trị trong sạch, vững mạnh toàn diện; \
         phát huy dân chủ, tăng cường đoàn kết.",
    ];

    #[test]
    fn tcvn3_round_trips_congress_sentences() {
        for s in SENTENCES {
            let legacy = encode_tcvn3(s);
            assert_ne!(&legacy, s);
            assert_eq!(to_unicode(&legacy, Legacy::Tcvn3), *s, "from {legacy}");
        }
    }

    #[test]
    fn vni_round_trips_congress_sentences() {
        for s in SENTENCES {
            let legacy = encode_vni(s);
            assert_ne!(&legacy, s);
            assert_eq!(to_unicode(&legacy, Legacy::Vni), *s, "from {legacy}");
        }
    }

    #[test]
    fn the_examples_of_the_font_era_convert() {
        assert_eq!(encode_tcvn3("Đại hội Đảng bộ"), "§¹i héi §¶ng bé");
        assert_eq!(encode_vni("Đại hội Đảng bộ"), "Ñaïi hoäi Ñaûng boä");
        assert_eq!(detect("§¹i héi §¶ng bé"), Some(Legacy::Tcvn3));
        assert_eq!(detect("Ñaïi hoäi Ñaûng boä"), Some(Legacy::Vni));
        assert_eq!(
            to_unicode("§¹i héi §¶ng bé", Legacy::Tcvn3),
            "Đại hội Đảng bộ"
        );
        assert_eq!(
            to_unicode("Ñaïi hoäi Ñaûng boä", Legacy::Vni),
            "Đại hội Đảng bộ"
        );
    }

    #[test]
    fn capitals_stay_capitals() {
        // VNI has capital marks; TCVN3 (.VnTime) has lower-case toned letters only.
        let vni = encode_vni("BÁO CÁO CHÍNH TRỊ TẠI ĐẠI HỘI");
        assert_eq!(vni, "BAÙO CAÙO CHÍNH TRÒ TAÏI ÑAÏI HOÄI");
        assert_eq!(
            to_unicode(&vni, Legacy::Vni),
            "BÁO CÁO CHÍNH TRỊ TẠI ĐẠI HỘI"
        );
        assert_eq!(
            to_unicode("B¸O C¸O CHÝNH TRÞ T¹I §¹I HéI", Legacy::Tcvn3),
            "BÁO CÁO CHÍNH TRỊ TẠI ĐẠI HỘI"
        );
    }

    #[test]
    fn tcvn3_capitals_in_the_windows_1252_range_convert_only_inside_words() {
        // TCVN 5712 capitals: Ộ is 0x97 (an em dash in Windows-1252), Ư is 0xA6.
        let legacy = encode_tcvn3("CỘNG HÒA");
        assert_eq!(legacy, "C—NG H’A");
        assert_eq!(to_unicode(&legacy, Legacy::Tcvn3), "CỘNG HÒA");
        // A dash between words and quotes around them stay.
        assert_eq!(
            to_unicode("§¹i héi — “§¶ng bé”", Legacy::Tcvn3),
            "Đại hội — “Đảng bộ”"
        );
    }

    #[test]
    fn detection_picks_the_encoding_of_a_paragraph() {
        let text = SENTENCES.join(" ");
        assert_eq!(detect(&encode_tcvn3(&text)), Some(Legacy::Tcvn3));
        assert_eq!(detect(&encode_vni(&text)), Some(Legacy::Vni));
    }

    #[test]
    fn detection_does_not_fire_on_unicode_or_western_text() {
        let samples = [
            SENTENCES.join(" "),
            "BÁO CÁO CHÍNH TRỊ TẠI ĐẠI HỘI ĐẢNG BỘ LẦN THỨ XV".to_owned(),
            "Báo cáo tài chính và các tài liệu khác".to_owned(),
            "Dai hoi Dang bo tinh lan thu XV da thanh cong tot dep".to_owned(),
            "The congress adopted the political report and elected the executive committee."
                .to_owned(),
            "Le congrès a adopté à l'unanimité la résolution sur la coopération économique; \
             où en sommes-nous après l'été ? Déjà, ça va être très intéressant. Noël, maïs, \
             naïve, goût, côté, août."
                .to_owned(),
            "Der Parteitag hat die Beschlüsse für die nächsten fünf Jahre verabschiedet; \
             über Größe und Schönheit wurde nicht gesprochen. Müller, Bär, Häuser."
                .to_owned(),
            "El congreso aprobó la resolución; el señor presidente habló de España y del año \
             próximo. Canción, nación, acción, corazón."
                .to_owned(),
            "Vertrag über € 200 – „gültig“ • “quoted” … ‘single’ — Œuvre".to_owned(),
            String::new(),
        ];
        for s in &samples {
            assert_eq!(detect(s), None, "{s}");
        }
    }

    #[test]
    fn a_mixed_document_keeps_its_unicode_heading() {
        let heading = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
        let body = SENTENCES.join(" ");
        let text = format!("{heading}\n{}", encode_tcvn3(&body));
        assert_eq!(detect(&text), Some(Legacy::Tcvn3));
        assert_eq!(
            to_unicode(&text, Legacy::Tcvn3),
            format!("{heading}\n{body}")
        );
    }

    #[test]
    fn syllables() {
        for ok in [
            "đại",
            "hội",
            "người",
            "nghiêng",
            "khuya",
            "quyết",
            "giường",
            "gì",
            "tuyển",
            "oanh",
            "thuở",
            "kỳ",
            "chính",
            "được",
            "Đảng",
            "XÃ",
            "ngoài",
            "khoẻ",
            "hoá",
        ] {
            assert!(is_syllable(ok), "{ok}");
        }
        for bad in [
            "ộtộ", "chớnh", "maïs", "cit", "kan", "ghá", "tát́", "strong", "nạve", "gỏt", "tổi̇",
            "â", "ain", "Noël",
        ] {
            assert!(!is_syllable(bad), "{bad}");
        }
    }
}
