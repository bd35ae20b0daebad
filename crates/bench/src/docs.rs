//! `docs-search`: the full-text index of congress documents (`daihoi-search`) at 10,000
//! and 100,000 pages of generated Vietnamese congress-like text: build time, size on disk,
//! and query latency with 10 highlighted snippets for a mix of queries.
//!
//! The text is generated deterministically from a seed: sentences of words drawn with a
//! Zipf distribution (exponent 1) from a vocabulary of about 250 real multi-syllable words
//! and 350 real syllables of political and administrative Vietnamese, ranked by hand,
//! followed by a few thousand generated syllables (initial + rhyme + tone) as the long
//! tail. One document in ten is decomposed (NFD), as PDF extractors produce.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use daihoi_search::{Allowed, PageDoc, Query, SearchIndex};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::stats::{Summary, summarize};

/// Options of the benchmark.
#[derive(Debug, Clone)]
pub struct DocsOptions {
    /// Index sizes, in pages; one run each.
    pub sizes: Vec<usize>,
    /// Syllables per page (about; sentences are not cut).
    pub syllables_per_page: usize,
    /// Times each query of the mix runs (after one warm-up run).
    pub repeats: usize,
    /// Documents (and so commits) replaced one at a time into the full index.
    pub replaces: usize,
    pub seed: u64,
    /// Where the indexes are built (default: the system's temporary directory).
    pub dir: Option<PathBuf>,
}

impl Default for DocsOptions {
    fn default() -> Self {
        DocsOptions {
            sizes: vec![10_000, 100_000],
            syllables_per_page: 450,
            repeats: 30,
            replaces: 20,
            seed: 2026,
            dir: None,
        }
    }
}

/// Latencies of one kind of query.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QueryKind {
    pub kind: String,
    pub examples: Vec<String>,
    /// Mean hits (pages matching, `total`) per query of this kind.
    pub mean_total: f64,
    pub latency: Summary,
}

/// Query latencies over one state of the index.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QueryRun {
    /// "as built" (segments as the writer left them) or "merged" (one segment).
    pub state: String,
    pub segments: usize,
    pub kinds: Vec<QueryKind>,
    pub all: Summary,
}

/// One index size.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DocsRun {
    pub pages: usize,
    pub documents: usize,
    pub syllables: u64,
    pub text_bytes: u64,
    /// Generating the text (not included in the build time).
    pub generate_s: f64,
    /// `replace_documents` in batches of about 2,000 pages, one commit each.
    pub build_s: f64,
    pub pages_per_sec: f64,
    pub commits: usize,
    /// Merging all segments into one, after the build.
    pub merge_s: f64,
    pub size_bytes_built: u64,
    pub size_bytes_merged: u64,
    /// `replace_document` of one 20-page document (one commit) into the full index.
    pub replace: Summary,
    pub queries: Vec<QueryRun>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DocsReport {
    pub syllables_per_page: usize,
    pub repeats: usize,
    pub seed: u64,
    pub vocabulary: usize,
    pub runs: Vec<DocsRun>,
}

/// splitmix64: small, fast, deterministic.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [lo, hi] (hi >= lo).
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as usize
    }
}

/// Real multi-syllable words of congress documents, roughly most frequent first.
const WORDS: &str = "đại hội, đảng bộ, phát triển, kinh tế, xã hội, nhân dân, đại biểu, ban chấp hành, \
nghị quyết, nhiệm kỳ, chính trị, báo cáo, tổ chức, cán bộ, đảng viên, thực hiện, lãnh đạo, \
công tác, nhiệm vụ, mục tiêu, chỉ đạo, quốc gia, tỉnh ủy, thành ủy, huyện ủy, bí thư, \
phó bí thư, ủy viên, thường vụ, chủ tịch, đoàn chủ tịch, thư ký, ban kiểm phiếu, biểu quyết, \
bầu cử, phiếu bầu, tán thành, không tán thành, ý kiến, thảo luận, góp ý, dự thảo, văn kiện, \
chương trình, kế hoạch, giải pháp, đột phá, chiến lược, quy hoạch, đầu tư, ngân sách, tài chính, \
doanh nghiệp, nông nghiệp, công nghiệp, dịch vụ, du lịch, thương mại, xuất khẩu, hạ tầng, \
giao thông, đô thị, nông thôn, nông thôn mới, môi trường, biến đổi khí hậu, tài nguyên, \
khoa học, công nghệ, chuyển đổi số, đổi mới sáng tạo, giáo dục, đào tạo, nguồn nhân lực, y tế, \
chăm sóc sức khỏe, văn hóa, văn hoá, thể thao, an sinh xã hội, giảm nghèo, việc làm, lao động, \
quốc phòng, an ninh, trật tự, an toàn, đối ngoại, hội nhập, quốc tế, hợp tác, hệ thống chính trị, \
mặt trận tổ quốc, đoàn thể, công đoàn, đoàn thanh niên, hội phụ nữ, hội nông dân, cựu chiến binh, \
xây dựng, chỉnh đốn, kiểm tra, giám sát, kỷ luật, kỷ cương, tham nhũng, lãng phí, tiêu cực, \
phòng chống, cải cách hành chính, thủ tục, chính quyền, hội đồng nhân dân, ủy ban nhân dân, \
quốc hội, chính phủ, trung ương, địa phương, cơ sở, tổ chức cơ sở đảng, chi bộ, đảng ủy, \
tăng trưởng, bình quân, tổng sản phẩm, thu nhập, bình quân đầu người, tỷ lệ, chỉ tiêu, \
hoàn thành, vượt, đạt, tồn tại, hạn chế, nguyên nhân, khách quan, chủ quan, bài học, kinh nghiệm, \
tầm nhìn, định hướng, quan điểm, tư tưởng, chủ nghĩa, Mác, Lênin, Hồ Chí Minh, đạo đức, \
phong cách, học tập, làm theo, tấm gương, đoàn kết, thống nhất, dân chủ, tập trung, trách nhiệm, \
người đứng đầu, phân cấp, phân quyền, ủy quyền, bộ máy, tinh gọn, hiệu lực, hiệu quả, \
sắp xếp, đơn vị hành chính, biên chế, tinh giản, vị trí việc làm, quy hoạch cán bộ, \
luân chuyển, bổ nhiệm, đánh giá, xếp loại, khen thưởng, thi đua, phong trào, \
tuyên truyền, tuyên giáo, dân vận, nội chính, ban tổ chức, ủy ban kiểm tra, văn phòng, \
đồng chí, kính thưa, trân trọng, đề nghị, thông qua, danh sách, nhân sự, đề án, tờ trình, \
quy chế, làm việc, phiên họp, phiên bế mạc, khai mạc, bế mạc, diễn văn, tham luận, \
phát biểu, chủ trì, điều hành, tổng hợp, tiếp thu, giải trình, ghi nhận, biểu dương, \
năm, tháng, giai đoạn, năm năm, 2020, 2025, 2030, 2045, lần thứ, khóa, khoá, tổng số, \
phần trăm, nghìn tỷ đồng, triệu đồng, hộ nghèo, xã, phường, thị trấn, huyện, tỉnh, thành phố";

/// Real single syllables (function words first).
const SYLLABLES: &str = "của và các là có được trong những cho với đã một không người \
này đến theo về từ tại để khi cũng như trên đó nhiều hơn còn ra vào mới đều bộ \
phải sẽ rất hết sự việc làm nên thì mà vì do bởi qua sau trước giữa ngoài dưới cùng \
tiếp tục tăng cường nâng cao đẩy mạnh chú trọng quan tâm tập trung bảo đảm \
hiện nay tới tiếp theo đồng thời nhất là trong đó bên cạnh mặt khác \
đạt được kết quả quan trọng toàn diện tích cực rõ nét cơ bản vững chắc \
dân nước nhà đất vùng miền biển đảo núi sông rừng đường cầu điện trường học \
bệnh viện chợ nhà máy khu cụm làng bản thôn ấp tổ đội nhóm hội đoàn ban \
ủy phòng sở cục vụ viện bộ ngành cấp chi đảng nhân viên chức công \
tổng số lượng chất giá trị lợi ích quyền nghĩa vụ pháp luật chính sách \
chế độ văn bản quy định hướng dẫn thông tư nghị định quyết định chỉ thị \
kết luận thông báo công văn biên bản tờ trình đề án dự án công trình \
mở rộng thu hút huy động sử dụng quản lý khai thác bảo vệ phát huy \
tiềm năng lợi thế thế mạnh cơ hội thách thức khó khăn vướng mắc bất cập \
yếu kém chậm thấp cao lớn nhỏ mạnh yếu tốt xấu đúng sai đủ thiếu \
một hai ba bốn năm sáu bảy tám chín mười trăm nghìn triệu tỷ \
thứ nhất thứ hai lần đợt kỳ khóa phiên buổi ngày giờ phút \
anh chị em ông bà cô chú bác cháu con cha mẹ vợ chồng gia đình dòng họ \
thanh niên phụ nữ nông dân công nhân trí thức doanh nhân cựu chiến binh \
học sinh sinh viên giáo viên bác sĩ kỹ sư bộ đội công an \
đi đến về ở lên xuống ra vào nói nghe nhìn thấy biết hiểu nghĩ muốn \
mong đợi hy vọng tin tưởng quyết tâm phấn đấu cố gắng nỗ lực \
bền vững nhanh chóng kịp thời đồng bộ hiện đại văn minh giàu đẹp \
hạnh phúc ấm no tự do độc lập chủ quyền toàn vẹn lãnh thổ hòa bình";

const INITIALS: [&str; 26] = [
    "b", "c", "ch", "d", "đ", "g", "gi", "h", "k", "kh", "l", "m", "n", "ng", "nh", "p", "ph",
    "qu", "r", "s", "t", "th", "tr", "v", "x", "",
];
/// Rhymes, with the vowel that takes the tone mark at `.1` (byte index of a char).
const RHYMES: [&str; 40] = [
    "a", "ai", "am", "an", "ang", "anh", "ao", "au", "ay", "ăm", "ăn", "ăng", "âm", "ân", "âu",
    "ây", "e", "em", "en", "eo", "ê", "êm", "ên", "ênh", "êu", "i", "im", "in", "inh", "o", "oi",
    "om", "on", "ong", "ô", "ôi", "ôm", "ông", "ơi", "ơn",
];
/// Combining tone marks (none, grave, acute, hook above, tilde, dot below).
const TONES: [&str; 6] = ["", "\u{300}", "\u{301}", "\u{309}", "\u{303}", "\u{323}"];

/// A generated syllable: initial + rhyme, the tone on the rhyme's first vowel (or its
/// marked vowel).
fn synth_syllable(initial: &str, rhyme: &str, tone: &str) -> String {
    let decomposed: String = rhyme.nfd().collect();
    let chars: Vec<char> = decomposed.chars().collect();
    // Put the tone after the vowel and its shape mark (ă, â, ê, ô, ơ), if any.
    let marked = chars
        .iter()
        .position(|c| matches!(*c, '\u{306}' | '\u{302}' | '\u{31b}'));
    let at = marked.map(|i| i + 1).unwrap_or(1).min(chars.len());
    let mut s = String::from(initial);
    s.extend(&chars[..at]);
    s.push_str(tone);
    s.extend(&chars[at..]);
    s.nfc().collect()
}

/// The vocabulary, most frequent first: real words and syllables interleaved, then the
/// generated tail.
pub fn vocabulary() -> Vec<String> {
    let words: Vec<String> = WORDS.split(',').map(|w| w.trim().to_string()).collect();
    let syllables: Vec<String> = SYLLABLES
        .split_whitespace()
        .map(|w| w.to_string())
        .collect();
    let mut out: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let (mut w, mut s) = (words.iter(), syllables.iter());
    loop {
        let a = w.next();
        // Two syllables for each multi-syllable word: function words dominate text.
        let b = s.next();
        let c = s.next();
        if a.is_none() && b.is_none() {
            break;
        }
        for x in [b, a, c].into_iter().flatten() {
            if seen.insert(x.clone()) {
                out.push(x.clone());
            }
        }
    }
    for rhyme in RHYMES {
        for initial in INITIALS {
            for tone in TONES {
                let syl = synth_syllable(initial, rhyme, tone);
                if seen.insert(syl.clone()) {
                    out.push(syl);
                }
            }
        }
    }
    out
}

/// Draws ranks with probability ∝ 1/(rank+1).
pub struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize, exponent: f64) -> Zipf {
        let mut total = 0.0;
        let cumulative = (0..n)
            .map(|r| {
                total += 1.0 / ((r + 1) as f64).powf(exponent);
                total
            })
            .collect();
        Zipf { cumulative }
    }
    pub fn sample(&self, rng: &mut Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let x = rng.unit() * total;
        self.cumulative
            .partition_point(|&c| c < x)
            .min(self.cumulative.len().saturating_sub(1))
    }
}

/// Generates documents of congress-like pages.
pub struct Corpus {
    vocab: Vec<String>,
    zipf: Zipf,
    rng: Rng,
    syllables_per_page: usize,
    next_doc: i64,
}

fn capitalize(w: &str) -> String {
    let mut c = w.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl Corpus {
    pub fn new(seed: u64, syllables_per_page: usize) -> Corpus {
        let vocab = vocabulary();
        let zipf = Zipf::new(vocab.len(), 1.0);
        Corpus {
            vocab,
            zipf,
            rng: Rng::new(seed),
            syllables_per_page,
            next_doc: 1,
        }
    }

    fn page_text(&mut self) -> (String, u64) {
        let mut text = String::with_capacity(self.syllables_per_page * 6);
        let mut syllables = 0usize;
        while syllables < self.syllables_per_page {
            let len = self.rng.range(6, 22);
            for i in 0..len {
                let w = &self.vocab[self.zipf.sample(&mut self.rng)];
                syllables += w.split_whitespace().count();
                if i == 0 {
                    if !text.is_empty() {
                        text.push(' ');
                    }
                    text.push_str(&capitalize(w));
                } else {
                    text.push_str(if self.rng.range(0, 9) == 0 { ", " } else { " " });
                    text.push_str(w);
                }
            }
            text.push_str(if self.rng.range(0, 7) == 0 { ":" } else { "." });
            if self.rng.range(0, 5) == 0 {
                text.push('\n');
            }
        }
        (text, syllables as u64)
    }

    /// The next document: 1-40 pages (20 on average), its folder, items and access.
    pub fn document(&mut self) -> (i64, Vec<PageDoc>, u64) {
        let doc = self.next_doc;
        self.next_doc += 1;
        let pages = self.rng.range(1, 39);
        let folder = Some(self.rng.range(1, 20) as i64);
        let mut items = vec![self.rng.range(1, 30) as i64];
        if self.rng.range(0, 2) == 0 {
            items.push(self.rng.range(1, 30) as i64);
        }
        let access: Vec<String> = match self.rng.range(0, 19) {
            0..=13 => vec!["public".into()],
            14..=16 => vec!["delegates".into()],
            17..=18 => vec!["presidium".into()],
            _ => vec![
                format!("group:{}", self.rng.range(1, 12)),
                "presidium".into(),
            ],
        };
        let decomposed = self.rng.range(0, 9) == 0;
        let mut title_words = Vec::new();
        for _ in 0..self.rng.range(3, 8) {
            title_words.push(self.vocab[self.zipf.sample(&mut self.rng)].clone());
        }
        let title = capitalize(&title_words.join(" "));
        let mut syllables = 0;
        let mut out = Vec::with_capacity(pages);
        for page in 1..=pages {
            let (text, n) = self.page_text();
            syllables += n;
            out.push(PageDoc {
                doc,
                version: 1,
                page: page as u32,
                title: title.clone(),
                folder,
                items: items.clone(),
                access: access.clone(),
                text: if decomposed {
                    text.nfd().collect()
                } else {
                    text
                },
            });
        }
        (doc, out, syllables)
    }
}

/// One query of the mix.
#[derive(Debug, Clone)]
pub struct MixQuery {
    pub kind: &'static str,
    pub text: &'static str,
    pub prefix_last: bool,
    /// The caller's access tokens; `None`: staff, who see everything.
    pub tokens: Option<Vec<String>>,
}

/// The query mix.
pub fn query_mix() -> Vec<MixQuery> {
    let delegate = || Some(vec!["public".to_string(), "delegates".to_string()]);
    vec![
        MixQuery {
            kind: "1 syllable, diacritics",
            text: "đảng",
            prefix_last: false,
            tokens: None,
        },
        MixQuery {
            kind: "1 syllable, diacritics",
            text: "nghị",
            prefix_last: false,
            tokens: None,
        },
        MixQuery {
            kind: "1 syllable, diacritics",
            text: "biển",
            prefix_last: false,
            tokens: None,
        },
        MixQuery {
            kind: "1 syllable, no diacritics",
            text: "kinh",
            prefix_last: false,
            tokens: None,
        },
        MixQuery {
            kind: "1 syllable, no diacritics",
            text: "hoi",
            prefix_last: false,
            tokens: None,
        },
        MixQuery {
            kind: "1 syllable, no diacritics",
            text: "chuong",
            prefix_last: false,
            tokens: None,
        },
        MixQuery {
            kind: "2 syllables, diacritics",
            text: "đại hội",
            prefix_last: false,
            tokens: None,
        },
        MixQuery {
            kind: "2 syllables, diacritics",
            text: "nhân sự",
            prefix_last: false,
            tokens: None,
        },
        MixQuery {
            kind: "2 syllables, diacritics",
            text: "chuyển đổi",
            prefix_last: false,
            tokens: None,
        },
        MixQuery {
            kind: "2 syllables, no diacritics",
            text: "dai hoi",
            prefix_last: false,
            tokens: None,
        },
        MixQuery {
            kind: "2 syllables, no diacritics",
            text: "ngan sach",
            prefix_last: false,
            tokens: None,
        },
        MixQuery {
            kind: "2 syllables, no diacritics",
            text: "tham nhung",
            prefix_last: false,
            tokens: None,
        },
        MixQuery {
            kind: "3 syllables, diacritics",
            text: "ban chấp hành",
            prefix_last: false,
            tokens: None,
        },
        MixQuery {
            kind: "3 syllables, diacritics",
            text: "chuyển đổi số",
            prefix_last: false,
            tokens: None,
        },
        MixQuery {
            kind: "3 syllables, no diacritics",
            text: "ban chap hanh",
            prefix_last: false,
            tokens: None,
        },
        MixQuery {
            kind: "3 syllables, no diacritics",
            text: "hoi dong nhan dan",
            prefix_last: false,
            tokens: None,
        },
        MixQuery {
            kind: "quoted phrase",
            text: "\"phát triển kinh tế\"",
            prefix_last: false,
            tokens: None,
        },
        MixQuery {
            kind: "as-you-type prefix",
            text: "dai hoi d",
            prefix_last: true,
            tokens: None,
        },
        MixQuery {
            kind: "as-you-type prefix",
            text: "ban chap h",
            prefix_last: true,
            tokens: None,
        },
        MixQuery {
            kind: "as-you-type prefix",
            text: "phat tr",
            prefix_last: true,
            tokens: None,
        },
        MixQuery {
            kind: "as-you-type prefix",
            text: "ng",
            prefix_last: true,
            tokens: None,
        },
        MixQuery {
            kind: "as-you-type prefix",
            text: "chuyển đổi s",
            prefix_last: true,
            tokens: None,
        },
        MixQuery {
            kind: "access filter (delegate)",
            text: "đại hội",
            prefix_last: false,
            tokens: delegate(),
        },
        MixQuery {
            kind: "access filter (delegate)",
            text: "ngan sach",
            prefix_last: false,
            tokens: delegate(),
        },
        MixQuery {
            kind: "access filter (delegate)",
            text: "ban chap h",
            prefix_last: true,
            tokens: delegate(),
        },
        MixQuery {
            kind: "access filter (delegate)",
            text: "nhân sự",
            prefix_last: false,
            tokens: delegate(),
        },
    ]
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

pub fn measure_queries(
    index: &SearchIndex,
    state: &str,
    repeats: usize,
) -> anyhow::Result<QueryRun> {
    #[derive(Default)]
    struct Samples {
        examples: Vec<String>,
        times: Vec<Duration>,
        totals: Vec<usize>,
    }
    let mut by_kind: BTreeMap<&str, Samples> = BTreeMap::new();
    let mut all = Vec::new();
    let mut kinds_in_order: Vec<&str> = Vec::new();
    for MixQuery {
        kind,
        text,
        prefix_last,
        tokens,
    } in query_mix()
    {
        let q = Query {
            prefix_last,
            limit: 10,
            ..Query::new(
                text,
                match tokens {
                    Some(t) => Allowed::Tokens(t),
                    None => Allowed::All,
                },
            )
        };
        // Warm-up (and a check that the hits carry snippets).
        let r = index.search(&q)?;
        anyhow::ensure!(
            r.hits
                .iter()
                .all(|h| h.snippet.iter().any(|f| f.highlighted)),
            "{text:?}: a hit without a highlighted snippet"
        );
        if !kinds_in_order.contains(&kind) {
            kinds_in_order.push(kind);
        }
        let entry = by_kind.entry(kind).or_default();
        entry.examples.push(text.to_string());
        for _ in 0..repeats {
            let start = Instant::now();
            let r = index.search(&q)?;
            let took = start.elapsed();
            std::hint::black_box(&r);
            entry.times.push(took);
            entry.totals.push(r.total);
            all.push(took);
        }
    }
    let kinds = kinds_in_order
        .into_iter()
        .filter_map(|k| by_kind.remove(k).map(|v| (k, v)))
        .map(|(kind, v)| QueryKind {
            kind: kind.to_string(),
            examples: v.examples,
            mean_total: v.totals.iter().sum::<usize>() as f64 / v.totals.len().max(1) as f64,
            latency: summarize(v.times),
        })
        .collect();
    Ok(QueryRun {
        state: state.to_string(),
        segments: index.segment_count(),
        kinds,
        all: summarize(all),
    })
}

/// Build an index of `pages` pages in `dir` and measure it.
pub fn run_size(opts: &DocsOptions, pages: usize, dir: &Path) -> anyhow::Result<DocsRun> {
    let mut corpus = Corpus::new(opts.seed, opts.syllables_per_page);
    let start = Instant::now();
    let mut docs = Vec::new();
    let (mut generated, mut syllables, mut text_bytes) = (0usize, 0u64, 0u64);
    while generated < pages {
        let (doc, mut p, n) = corpus.document();
        p.truncate(pages - generated);
        generated += p.len();
        syllables += n;
        text_bytes += p.iter().map(|p| p.text.len() as u64).sum::<u64>();
        docs.push((doc, p));
    }
    let generate_s = start.elapsed().as_secs_f64();

    let index = SearchIndex::recreate(dir)?;
    let start = Instant::now();
    let mut commits = 0;
    let mut batch = Vec::new();
    let mut batch_pages = 0;
    let documents = docs.len();
    for (doc, p) in docs {
        batch_pages += p.len();
        batch.push((doc, p));
        if batch_pages >= 2_000 {
            index.replace_documents(std::mem::take(&mut batch))?;
            commits += 1;
            batch_pages = 0;
        }
    }
    if !batch.is_empty() {
        index.replace_documents(batch)?;
        commits += 1;
    }
    let build_s = start.elapsed().as_secs_f64();
    anyhow::ensure!(index.page_count() == pages as u64, "every page indexed");
    // Let the writer's background merges finish (they would compete with the queries for
    // the two cores), then measure the index as the writer left it.
    index.close()?;
    let index = SearchIndex::open(dir)?;
    let size_bytes_built = dir_size(dir);

    let mut queries = vec![measure_queries(&index, "as built", opts.repeats)?];

    let start = Instant::now();
    index.merge_all()?;
    let merge_s = start.elapsed().as_secs_f64();
    let size_bytes_merged = dir_size(dir);
    queries.push(measure_queries(&index, "merged", opts.repeats)?);

    // Replacing one 20-page document at a time: one commit each.
    let mut replace = Vec::new();
    for i in 0..opts.replaces {
        let (_, mut p, _) = corpus.document();
        p.truncate(20);
        let doc = 1 + i as i64;
        for page in &mut p {
            page.doc = doc;
            page.version = 2;
        }
        let start = Instant::now();
        index.replace_document(doc, p)?;
        replace.push(start.elapsed());
    }
    index.close()?;

    Ok(DocsRun {
        pages,
        documents,
        syllables,
        text_bytes,
        generate_s,
        build_s,
        pages_per_sec: pages as f64 / build_s.max(1e-9),
        commits,
        merge_s,
        size_bytes_built,
        size_bytes_merged,
        replace: summarize(replace),
        queries,
    })
}

pub fn run(opts: &DocsOptions) -> anyhow::Result<DocsReport> {
    let tmp = match &opts.dir {
        Some(d) => tempfile::tempdir_in(d)?,
        None => tempfile::tempdir()?,
    };
    let mut runs = Vec::new();
    for &pages in &opts.sizes {
        let dir = tmp.path().join(format!("index-{pages}"));
        eprintln!("docs-search: {pages} pages in {}", dir.display());
        let run = run_size(opts, pages, &dir)?;
        std::fs::remove_dir_all(&dir)?;
        runs.push(run);
    }
    Ok(DocsReport {
        syllables_per_page: opts.syllables_per_page,
        repeats: opts.repeats,
        seed: opts.seed,
        vocabulary: vocabulary().len(),
        runs,
    })
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// The results as a markdown section.
pub fn markdown(r: &DocsReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "### Document search (`daihoi-bench docs-search`)\n");
    let _ = writeln!(
        out,
        "Generated congress-like Vietnamese, ~{} syllables a page (vocabulary {} words and syllables, Zipf), seed {}; each query {} times after a warm-up, 10 hits with highlighted snippets.\n",
        r.syllables_per_page, r.vocabulary, r.seed, r.repeats
    );
    let _ = writeln!(
        out,
        "| pages | documents | text | build | pages/s | commits | size | merge | size merged | replace 20 pages p50 / p99 |"
    );
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for run in &r.runs {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.1} s | {:.0} | {} | {} | {:.1} s | {} | {:.1} / {:.1} ms |",
            run.pages,
            run.documents,
            mb(run.text_bytes),
            run.build_s,
            run.pages_per_sec,
            run.commits,
            mb(run.size_bytes_built),
            run.merge_s,
            mb(run.size_bytes_merged),
            run.replace.p50_ms,
            run.replace.p99_ms
        );
    }
    let _ = writeln!(out);
    for run in &r.runs {
        for q in &run.queries {
            let _ = writeln!(
                out,
                "Queries at {} pages, {} ({} segments): all p50 **{:.2} ms**, p99 **{:.2} ms**, max {:.2} ms{}\n",
                run.pages,
                q.state,
                q.segments,
                q.all.p50_ms,
                q.all.p99_ms,
                q.all.max_ms,
                if run.pages >= 100_000 {
                    if q.all.p99_ms < 20.0 {
                        " (target p99 < 20 ms: met)"
                    } else {
                        " (target p99 < 20 ms: missed)"
                    }
                } else {
                    ""
                }
            );
            let _ = writeln!(
                out,
                "| kind | queries | mean pages matched | p50 ms | p99 ms | max ms |"
            );
            let _ = writeln!(out, "|---|---|---:|---:|---:|---:|");
            for k in &q.kinds {
                let _ = writeln!(
                    out,
                    "| {} | {} | {:.0} | {:.2} | {:.2} | {:.2} |",
                    k.kind,
                    k.examples
                        .iter()
                        .map(|e| format!("`{}`", e.replace('|', "\\|")))
                        .collect::<Vec<_>>()
                        .join(", "),
                    k.mean_total,
                    k.latency.p50_ms,
                    k.latency.p99_ms,
                    k.latency.max_ms
                );
            }
            let _ = writeln!(out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_is_deterministic_vietnamese_and_the_harness_runs_at_a_tiny_size() {
        let vocab = vocabulary();
        assert!(vocab.len() > 3_000, "{}", vocab.len());
        assert!(vocab.contains(&"đại hội".to_string()));
        let mut a = Corpus::new(7, 450);
        let mut b = Corpus::new(7, 450);
        let (_, pa, na) = a.document();
        let (_, pb, _) = b.document();
        assert_eq!(pa, pb, "same seed, same text");
        assert!(na >= 450 * pa.len() as u64);

        let tmp = tempfile::tempdir().unwrap();
        let opts = DocsOptions {
            sizes: vec![300],
            repeats: 2,
            replaces: 2,
            dir: Some(tmp.path().to_path_buf()),
            ..DocsOptions::default()
        };
        let r = run(&opts).unwrap();
        let run = &r.runs[0];
        assert_eq!(run.pages, 300);
        assert!(run.size_bytes_built > 0);
        assert_eq!(run.replace.count, 2);
        assert_eq!(run.queries.len(), 2);
        for q in &run.queries {
            assert_eq!(q.all.count, query_mix().len() * 2);
            let common = q
                .kinds
                .iter()
                .find(|k| k.kind.starts_with("2 syllables, diacritics"));
            assert!(common.unwrap().mean_total > 0.0, "common words are found");
        }
        assert_eq!(run.queries[1].segments, 1);
        assert!(markdown(&r).contains("| 300 |"));
    }
}
