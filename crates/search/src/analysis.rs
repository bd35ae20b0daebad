//! Text analysis: NFC normalisation, the accent folding shared by the index and the queries,
//! and the two tantivy analyzers (folded, exact).

use tantivy::tokenizer::{
    LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token, TokenFilter, TokenStream,
    Tokenizer,
};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// Name of the folded analyzer in the index's tokenizer manager.
pub(crate) const FOLDED: &str = "daihoi_vi_folded";
/// Name of the exact-accent analyzer (lower case, marks kept).
pub(crate) const EXACT: &str = "daihoi_vi_exact";
/// Name of the analyzer of adjacent pairs of folded words ("đại hội" → "dai hoi").
pub(crate) const PAIRS: &str = "daihoi_vi_pairs";
/// Tokens longer than this many bytes (URLs, base64, garbage from extraction) are not
/// indexed. A Vietnamese syllable is at most 7 letters.
pub(crate) const MAX_TOKEN_BYTES: usize = 64;

/// `s` in Unicode NFC (composed). PDF extractors and some phone keyboards produce NFD,
/// where a tokenizer would split "ệ" into "e" and two marks.
pub fn nfc(s: &str) -> String {
    if unicode_normalization::is_nfc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes {
        s.to_string()
    } else {
        s.nfc().collect()
    }
}

/// Fold one character of NFC text into `out`: lower case, Vietnamese (and other Latin)
/// marks stripped, đ → d.
fn fold_char(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    for l in c.to_lowercase() {
        if l == 'đ' {
            out.push('d');
        } else if l.is_ascii() {
            out.push(l);
        } else {
            decompose_canonical(l, |d| {
                if !is_combining_mark(d) {
                    out.push(d);
                }
            });
        }
    }
}

/// The folding the index uses, as a plain function: NFC, lower case, Vietnamese marks
/// stripped, đ → d. `fold("Đại hội ĐẢNG BỘ") == "dai hoi dang bo"`; "hoá" and "hóa" both
/// fold to "hoa". Characters that are not letters are kept as they are.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfc() {
        fold_char(c, &mut out);
    }
    out
}

/// Fold a token (already NFC; may already be lower case).
pub(crate) fn fold_token(t: &str, out: &mut String) {
    out.clear();
    for c in t.chars() {
        fold_char(c, out);
    }
}

/// Token filter applying [`fold`] to every token.
#[derive(Clone)]
pub(crate) struct FoldFilter;

impl TokenFilter for FoldFilter {
    type Tokenizer<T: Tokenizer> = FoldTokenizer<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> FoldTokenizer<T> {
        FoldTokenizer {
            inner: tokenizer,
            buffer: String::new(),
        }
    }
}

#[derive(Clone)]
pub(crate) struct FoldTokenizer<T> {
    inner: T,
    buffer: String,
}

impl<T: Tokenizer> Tokenizer for FoldTokenizer<T> {
    type TokenStream<'a> = FoldTokenStream<'a, T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        FoldTokenStream {
            tail: self.inner.token_stream(text),
            buffer: &mut self.buffer,
        }
    }
}

pub(crate) struct FoldTokenStream<'a, S> {
    tail: S,
    buffer: &'a mut String,
}

impl<S: TokenStream> TokenStream for FoldTokenStream<'_, S> {
    fn advance(&mut self) -> bool {
        if !self.tail.advance() {
            return false;
        }
        let token = self.tail.token_mut();
        if token.text.is_ascii() {
            token.text.make_ascii_lowercase();
        } else {
            fold_token(&token.text, self.buffer);
            std::mem::swap(&mut token.text, self.buffer);
        }
        true
    }

    fn token(&self) -> &Token {
        self.tail.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.tail.token_mut()
    }
}

/// Words (runs of letters and digits) → folded terms. Input must be NFC.
pub(crate) fn folded_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(FoldFilter)
        .build()
}

/// Adjacent pairs of words of the inner tokenizer: "Đại hội Đảng bộ" → "dai hoi" (at
/// position 0), "hoi dang" (1), "dang bo" (2). A Vietnamese word is mostly two syllables,
/// so a pair is most often a word: phrases become term lookups instead of position checks.
#[derive(Clone)]
pub(crate) struct PairTokenizer<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for PairTokenizer<T> {
    type TokenStream<'a> = PairTokenStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        PairTokenStream {
            tail: self.inner.token_stream(text),
            previous: None,
            previous_text: String::new(),
            token: Token::default(),
        }
    }
}

pub(crate) struct PairTokenStream<S> {
    tail: S,
    /// Position and start offset of the previous word (its text in `previous_text`).
    previous: Option<(usize, usize)>,
    previous_text: String,
    token: Token,
}

impl<S: TokenStream> TokenStream for PairTokenStream<S> {
    fn advance(&mut self) -> bool {
        while self.tail.advance() {
            let current = self.tail.token();
            let previous = self
                .previous
                .replace((current.position, current.offset_from));
            let adjacent = previous.filter(|(position, _)| current.position == position + 1);
            if let Some((position, offset_from)) = adjacent {
                self.token.text.clear();
                self.token.text.push_str(&self.previous_text);
                self.token.text.push(' ');
                self.token.text.push_str(&current.text);
                self.token.offset_from = offset_from;
                self.token.offset_to = current.offset_to;
                self.token.position = position;
                self.token.position_length = 2;
            }
            self.previous_text.clear();
            self.previous_text.push_str(&current.text);
            if adjacent.is_some() {
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// Adjacent pairs of folded words, joined by a space. Input must be NFC.
pub(crate) fn pairs_analyzer() -> TextAnalyzer {
    let words = FoldFilter
        .transform(RemoveLongFilter::limit(MAX_TOKEN_BYTES).transform(SimpleTokenizer::default()));
    TextAnalyzer::builder(PairTokenizer { inner: words }).build()
}

/// The pair term of two folded words.
pub(crate) fn pair(a: &str, b: &str) -> String {
    format!("{a} {b}")
}

/// Words → lower-case terms with their marks. Input must be NFC.
pub(crate) fn exact_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .build()
}

/// One word of analysed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word {
    /// Lower case, marks kept (the exact field's term).
    pub exact: String,
    /// Folded (the folded field's term).
    pub folded: String,
    /// Byte range in the analysed (NFC) text.
    pub from: usize,
    pub to: usize,
}

/// The words of NFC `text`, as both analyzers see them (same tokenizer, same length limit,
/// so the two token streams align one to one).
pub(crate) fn words(text: &str) -> Vec<Word> {
    let mut analyzer = exact_analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    let mut folded = String::new();
    while let Some(t) = stream.next() {
        fold_token(&t.text, &mut folded);
        out.push(Word {
            exact: t.text.clone(),
            folded: folded.clone(),
            from: t.offset_from,
            to: t.offset_to,
        });
    }
    out
}

/// Byte ranges in `text` of the words that match a word of `query` accent-insensitively
/// (whole words: "hoi" matches "Hội" and "hỏi", not "hội nghị"'s "nghị"). For the reading
/// view, which highlights a search's words in a page's full text.
///
/// The ranges refer to `text` as given when it is NFC (as the index stores it: every
/// page text it returns is NFC); otherwise to `nfc(text)`. Quotes and other
/// punctuation in the query are ignored; the last word is not treated as a prefix (use
/// [`crate::Hit::terms`] for the words an as-you-type search matched).
pub fn highlight_ranges(text: &str, query: &str) -> Vec<(usize, usize)> {
    let query = nfc(query);
    let wanted: std::collections::HashSet<String> =
        words(&query).into_iter().map(|w| w.folded).collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    let text = nfc(text);
    let mut analyzer = folded_analyzer();
    let mut stream = analyzer.token_stream(&text);
    let mut out = Vec::new();
    while let Some(t) = stream.next() {
        if wanted.contains(&t.text) {
            out.push((t.offset_from, t.offset_to));
        }
    }
    out
}
