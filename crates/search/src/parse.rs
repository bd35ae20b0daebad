//! The user's query text → words grouped as typed. Never fails: any text parses, at worst to
//! nothing (which searches for nothing).

use crate::analysis::{Word, nfc, words};

/// At most this many characters of a query are read (the rest is ignored).
pub(crate) const MAX_QUERY_CHARS: usize = 1_000;
/// At most this many words of a query are used; a longer query is cut. Every word is a
/// required clause, so more would only slow the search down without finding other pages.
pub(crate) const MAX_WORDS: usize = 24;

/// A parsed query: free words (all required, adjacency boosted) and quoted phrases (strict).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub free: Vec<Word>,
    pub phrases: Vec<Vec<Word>>,
    /// Where the last word, to be matched as a prefix, is (as-you-type).
    pub prefix: Option<PrefixAt>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrefixAt {
    /// The last of `free`.
    Free,
    /// The last word of `phrases[i]`.
    Phrase(usize),
}

impl Parsed {
    pub fn is_empty(&self) -> bool {
        self.free.is_empty() && self.phrases.is_empty()
    }
}

/// Parse `text`. Text between double quotes (straight or curly) is a phrase; an unclosed
/// quote runs to the end (the user is still typing it). With `prefix_last`, the last word
/// is a prefix when the text ends inside it (not after a space or a closing quote).
pub(crate) fn parse(text: &str, prefix_last: bool) -> Parsed {
    let text: String = text.chars().take(MAX_QUERY_CHARS).collect();
    let text = nfc(&text);
    let mut parsed = Parsed::default();
    let mut count = 0usize;
    // The group whose last word ends the text, if one does: "đảng b" yes, "đảng bộ " or
    // "\"đảng bộ\"" no.
    let mut tail: Option<PrefixAt> = None;
    for (i, segment) in text.split(['"', '“', '”']).enumerate() {
        let quoted = i % 2 == 1;
        let mut ws = words(segment);
        ws.truncate(MAX_WORDS.saturating_sub(count));
        let ends_segment = ws.last().is_some_and(|w| w.to == segment.len());
        if ws.is_empty() {
            tail = None;
            continue;
        }
        count += ws.len();
        let group = if quoted {
            parsed.phrases.push(ws);
            PrefixAt::Phrase(parsed.phrases.len() - 1)
        } else {
            parsed.free.extend(ws);
            PrefixAt::Free
        };
        tail = ends_segment.then_some(group);
        if count >= MAX_WORDS {
            break;
        }
    }
    // A cut query never ends in a prefix.
    let cut = count >= MAX_WORDS || text.chars().count() >= MAX_QUERY_CHARS;
    if prefix_last && !cut {
        parsed.prefix = tail;
    }
    parsed
}
