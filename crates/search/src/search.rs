//! Searching: the parsed query → a tantivy query built clause by clause, the hits with
//! their snippets.

use std::collections::{BTreeMap, HashMap};

use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query as TantivyQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::snippet::{SnippetGenerator, collapse_overlapped_ranges};
use tantivy::tokenizer::TokenStream;
use tantivy::{DocAddress, Score, Searcher, TantivyDocument, Term};

use crate::analysis::{Word, folded_analyzer, pair};
use crate::parse::{Parsed, PrefixAt, parse};
use crate::{
    Allowed, Fragment, Hit, MAX_LIMIT, MAX_OFFSET, Query, Results, SearchError, SearchIndex,
};

/// A prefix (as-you-type) matches at most this many indexed words, the most frequent
/// ones that start with it.
const PREFIX_EXPANSIONS: usize = 64;
/// Weight of each adjacent pair of free words found adjacent on the page.
const PAIR_BOOST: Score = 2.0;
/// Weight of each word found with the accents as typed.
const EXACT_BOOST: Score = 1.5;
/// Length of a snippet, in bytes of UTF-8 (Vietnamese letters take 1-3).
const SNIPPET_BYTES: usize = 240;
/// At most this many access tokens of a caller are used.
const MAX_ACCESS_TOKENS: usize = 256;
/// At most this many distinct matched words are reported per hit.
const MAX_TERMS: usize = 32;

type BoxQuery = Box<dyn TantivyQuery>;

fn term(field: Field, text: &str) -> Term {
    Term::from_field_text(field, text)
}

fn term_query(field: Field, text: &str) -> BoxQuery {
    Box::new(TermQuery::new(
        term(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

fn boosted(q: impl TantivyQuery, boost: Score) -> BoxQuery {
    Box::new(BoostQuery::new(Box::new(q), boost))
}

/// A required clause that does not change the score.
fn filter(q: impl TantivyQuery) -> BoxQuery {
    Box::new(ConstScoreQuery::new(Box::new(q), 0.0))
}

/// The smallest byte string greater than every string that starts with `prefix`.
fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// The indexed words of `field` starting with `prefix`, most frequent first (at most
/// [`PREFIX_EXPANSIONS`]), with their document frequencies.
fn expand(
    searcher: &Searcher,
    field: Field,
    prefix: &str,
) -> Result<Vec<(String, u64)>, SearchError> {
    let end = prefix_end(prefix.as_bytes());
    let mut freq: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field)?;
        let mut range = inverted.terms().range().ge(prefix.as_bytes());
        if let Some(end) = &end {
            range = range.lt(end);
        }
        let mut stream = range.into_stream()?;
        while stream.advance() {
            *freq.entry(stream.key().to_vec()).or_default() += u64::from(stream.value().doc_freq);
        }
    }
    let mut words: Vec<(String, u64)> = freq
        .into_iter()
        .filter_map(|(k, n)| String::from_utf8(k).ok().map(|k| (k, n)))
        .collect();
    words.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    words.truncate(PREFIX_EXPANSIONS);
    Ok(words)
}

/// Score of a word in the snippet's choice of passage: rarer words weigh more (as in
/// tantivy's own snippet generator).
fn snippet_weight(doc_freq: u64) -> Score {
    1.0 / (1.0 + doc_freq as Score)
}

/// What to highlight in a hit's page.
#[derive(Debug, Default)]
struct Highlight {
    /// Folded words of the query → snippet weight.
    words: HashMap<String, Score>,
    /// The prefix's expansions → snippet weight, and the word typed before the prefix.
    prefix: Option<(HashMap<String, Score>, Option<String>)>,
}

/// The tantivy query for a parsed text (without filters), or `None` when nothing can match.
struct Plan {
    must: Vec<BoxQuery>,
    should: Vec<BoxQuery>,
    highlight: Highlight,
}

impl SearchIndex {
    fn plan(&self, searcher: &Searcher, parsed: &Parsed) -> Result<Option<Plan>, SearchError> {
        let (f, pairs) = (self.fields.text, self.fields.pairs);
        let mut plan = Plan {
            must: Vec::new(),
            should: Vec::new(),
            highlight: Highlight::default(),
        };
        let mut complete: Vec<&Word> = Vec::new();

        // Free words: each required anywhere; each adjacent pair boosted (a page with all
        // of them adjacent, in order, has every boost).
        let free_prefix = parsed.prefix == Some(PrefixAt::Free);
        let (free_complete, free_last) = match parsed.free.split_last() {
            Some((last, rest)) if free_prefix => (rest, Some(last)),
            _ => (&parsed.free[..], None),
        };
        for w in free_complete {
            plan.must.push(term_query(f, &w.folded));
            complete.push(w);
        }
        for two in free_complete.windows(2) {
            let t = pair(&two[0].folded, &two[1].folded);
            plan.should.push(boosted(
                TermQuery::new(term(pairs, &t), IndexRecordOption::WithFreqs),
                PAIR_BOOST,
            ));
        }
        if let Some(p) = free_last {
            let Some(clause) = self.prefix_clause(searcher, p, free_complete.last(), &mut plan)?
            else {
                return Ok(None);
            };
            plan.must.push(clause);
        }

        // Quoted phrases: required as phrases, on the pairs: "a b c" is "a b" at 0 then
        // "b c" at 1.
        for (i, phrase) in parsed.phrases.iter().enumerate() {
            let is_prefix = parsed.prefix == Some(PrefixAt::Phrase(i));
            let (phrase_complete, last) = match phrase.split_last() {
                Some((last, rest)) if is_prefix => (rest, Some(last)),
                _ => (&phrase[..], None),
            };
            complete.extend(phrase_complete.iter());
            match phrase_complete {
                [] => {}
                [w] => plan.must.push(term_query(f, &w.folded)),
                [a, b] => plan.must.push(Box::new(TermQuery::new(
                    term(pairs, &pair(&a.folded, &b.folded)),
                    IndexRecordOption::WithFreqs,
                ))),
                words => {
                    // Every pair, not only the non-overlapping ones: the rarest pair (most
                    // often one across two words, "triển kinh") drives the intersection, so
                    // positions are checked on few pages.
                    let terms = words
                        .windows(2)
                        .enumerate()
                        .map(|(o, two)| (o, term(pairs, &pair(&two[0].folded, &two[1].folded))))
                        .collect();
                    plan.must
                        .push(Box::new(PhraseQuery::new_with_offset(terms)));
                }
            }
            if let Some(p) = last {
                let Some(clause) =
                    self.prefix_clause(searcher, p, phrase_complete.last(), &mut plan)?
                else {
                    return Ok(None);
                };
                plan.must.push(clause);
            }
        }

        // Accents as typed: a boost on the exact field for every word typed with marks.
        for w in &complete {
            if w.exact != w.folded {
                let exact = TermQuery::new(
                    term(self.fields.exact, &w.exact),
                    IndexRecordOption::WithFreqs,
                );
                plan.should.push(boosted(exact, EXACT_BOOST));
            }
            let df = searcher.doc_freq(&term(f, &w.folded))?;
            plan.highlight
                .words
                .insert(w.folded.clone(), snippet_weight(df));
        }
        Ok(Some(plan))
    }

    /// The required clause for a word being typed, `p`: right after the word before it
    /// (`before`: a pair "before p…"), or anywhere when it is the first word. It matches the
    /// [`PREFIX_EXPANSIONS`] most frequent indexed words (pairs) that start so. Records them
    /// for highlighting; `None` when no indexed word starts so.
    fn prefix_clause(
        &self,
        searcher: &Searcher,
        p: &Word,
        before: Option<&Word>,
        plan: &mut Plan,
    ) -> Result<Option<BoxQuery>, SearchError> {
        let (field, prefix) = match before {
            Some(b) => (self.fields.pairs, pair(&b.folded, &p.folded)),
            None => (self.fields.text, p.folded.clone()),
        };
        let expansions = expand(searcher, field, &prefix)?;
        if expansions.is_empty() {
            return Ok(None);
        }
        let union = BooleanQuery::union(
            expansions
                .iter()
                .map(|(t, _)| -> BoxQuery {
                    Box::new(TermQuery::new(term(field, t), IndexRecordOption::WithFreqs))
                })
                .collect(),
        );
        // Highlight the typed word: the second word of a pair.
        let words = expansions
            .into_iter()
            .map(|(t, df)| {
                let word = match t.split_once(' ') {
                    Some((_, second)) if before.is_some() => second.to_string(),
                    _ => t,
                };
                (word, snippet_weight(df))
            })
            .collect();
        plan.highlight.prefix = Some((words, before.map(|w| w.folded.clone())));
        Ok(Some(Box::new(union)))
    }

    /// Search. See [`Query`] for the rules. Never fails on any text; an empty text finds
    /// nothing.
    pub fn search(&self, q: &Query) -> Result<Results, SearchError> {
        let parsed = parse(&q.text, q.prefix_last);
        if parsed.is_empty() {
            return Ok(Results::default());
        }
        let access = match &q.allowed {
            Allowed::All => None,
            Allowed::Tokens(tokens) => {
                let mut tokens: Vec<&String> = tokens.iter().collect();
                tokens.sort();
                tokens.dedup();
                tokens.truncate(MAX_ACCESS_TOKENS);
                if tokens.is_empty() {
                    return Ok(Results::default());
                }
                let clauses: Vec<BoxQuery> = tokens
                    .into_iter()
                    .map(|t| -> BoxQuery {
                        Box::new(TermQuery::new(
                            term(self.fields.access, t),
                            IndexRecordOption::Basic,
                        ))
                    })
                    .collect();
                Some(BooleanQuery::union(clauses))
            }
        };
        let searcher = self.reader.searcher();
        let Some(plan) = self.plan(&searcher, &parsed)? else {
            return Ok(Results::default());
        };
        let mut clauses: Vec<(Occur, BoxQuery)> = Vec::new();
        clauses.extend(plan.must.into_iter().map(|c| (Occur::Must, c)));
        clauses.extend(plan.should.into_iter().map(|c| (Occur::Should, c)));
        if let Some(access) = access {
            clauses.push((Occur::Must, filter(access)));
        }
        if let Some(folder) = q.folder {
            let t = Term::from_field_i64(self.fields.folder, folder);
            clauses.push((
                Occur::Must,
                filter(TermQuery::new(t, IndexRecordOption::Basic)),
            ));
        }
        if let Some(item) = q.item {
            let t = Term::from_field_i64(self.fields.item, item);
            clauses.push((
                Occur::Must,
                filter(TermQuery::new(t, IndexRecordOption::Basic)),
            ));
        }
        let query = BooleanQuery::new(clauses);

        let limit = q.limit.min(MAX_LIMIT);
        if limit == 0 || q.offset > MAX_OFFSET {
            let total = searcher.search(&query, &Count)?;
            return Ok(Results {
                total,
                hits: Vec::new(),
            });
        }
        let top = TopDocs::with_limit(limit)
            .and_offset(q.offset)
            .order_by_score();
        let (total, top) = searcher.search(&query, &(Count, top))?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            hits.push(self.hit(&searcher, score, address, &plan.highlight)?);
        }
        Ok(Results { total, hits })
    }

    fn hit(
        &self,
        searcher: &Searcher,
        score: Score,
        address: DocAddress,
        highlight: &Highlight,
    ) -> Result<Hit, SearchError> {
        let f = &self.fields;
        let d: TantivyDocument = searcher.doc(address)?;
        let int = |field: Field| d.get_first(field).and_then(|v| v.as_i64()).unwrap_or(0);
        let uint = |field: Field| {
            d.get_first(field)
                .and_then(|v| v.as_u64())
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or(0)
        };
        let text = d.get_first(f.text).and_then(|v| v.as_str()).unwrap_or("");
        let title = d.get_first(f.title).and_then(|v| v.as_str()).unwrap_or("");
        let (weights, terms) = matched_words(text, highlight);
        let generator = SnippetGenerator::new(weights, folded_analyzer(), f.text, SNIPPET_BYTES);
        Ok(Hit {
            doc: int(f.doc),
            version: uint(f.version),
            page: uint(f.page),
            title: title.to_string(),
            score,
            snippet: fragments(text, &generator),
            terms,
        })
    }
}

/// The words of `text` to highlight, as snippet weights by folded word, and their distinct
/// spellings in the text. A prefix's expansions count only right after the word typed
/// before the prefix ("đảng b" highlights "bộ" in "Đảng bộ", not every word in b) when
/// the page has that; otherwise wherever they are.
fn matched_words(text: &str, h: &Highlight) -> (BTreeMap<String, Score>, Vec<String>) {
    #[derive(PartialEq)]
    enum Kind {
        Word,
        PrefixAfter,
        PrefixElsewhere,
    }
    let mut found: Vec<(Kind, String, usize, usize)> = Vec::new();
    let mut analyzer = folded_analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut previous = String::new();
    while let Some(t) = stream.next() {
        if h.words.contains_key(&t.text) {
            found.push((Kind::Word, t.text.clone(), t.offset_from, t.offset_to));
        } else if let Some((expansions, before)) = &h.prefix
            && expansions.contains_key(&t.text)
        {
            let kind = match before {
                Some(b) if *b == previous => Kind::PrefixAfter,
                _ => Kind::PrefixElsewhere,
            };
            found.push((kind, t.text.clone(), t.offset_from, t.offset_to));
        }
        previous.clone_from(&t.text);
    }
    let after = found.iter().any(|f| f.0 == Kind::PrefixAfter);
    found.retain(|f| match f.0 {
        Kind::Word => true,
        Kind::PrefixAfter => true,
        Kind::PrefixElsewhere => !after,
    });
    let mut weights = BTreeMap::new();
    let mut terms: Vec<String> = Vec::new();
    for (_, word, from, to) in found {
        let weight = h
            .words
            .get(&word)
            .or_else(|| h.prefix.as_ref().and_then(|(e, _)| e.get(&word)))
            .copied()
            .unwrap_or(1.0);
        weights.insert(word, weight);
        let spelled = &text[from..to];
        if terms.len() < MAX_TERMS && !terms.iter().any(|t| t == spelled) {
            terms.push(spelled.to_string());
        }
    }
    (weights, terms)
}

fn piece(text: &str, highlighted: bool) -> Fragment {
    Fragment {
        text: text.to_string(),
        highlighted,
    }
}

/// The snippet of `text` as plain-text pieces.
fn fragments(text: &str, generator: &SnippetGenerator) -> Vec<Fragment> {
    let snippet = generator.snippet(text);
    let mut out = Vec::new();
    if snippet.is_empty() {
        // No highlighted word in the page (cannot happen for a hit, but be safe): its start.
        let mut end = SNIPPET_BYTES.min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let cut = text[..end]
            .rfind(char::is_whitespace)
            .filter(|_| end < text.len())
            .unwrap_or(end);
        if cut > 0 {
            out.push(piece(text[..cut].trim_end(), false));
        }
        if cut < text.len() {
            out.push(piece("…", false));
        }
        return out;
    }
    let range = snippet.fragment_range();
    let fragment = snippet.fragment();
    if range.start > 0 {
        out.push(piece("…", false));
    }
    let mut at = 0;
    for r in collapse_overlapped_ranges(snippet.highlighted()) {
        if r.start > at {
            out.push(piece(&fragment[at..r.start], false));
        }
        out.push(piece(&fragment[r.clone()], true));
        at = r.end;
    }
    if at < fragment.len() {
        out.push(piece(&fragment[at..], false));
    }
    if range.end < text.len() {
        out.push(piece("…", false));
    }
    out
}
