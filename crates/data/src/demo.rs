//! The generated demo congress: a fictitious provincial Party congress ("Đảng bộ tỉnh Thái
//! Hà") with 449 official delegates, a few alternates and invited guests, 20 delegations,
//! 12 discussion groups and a three-day program modelled on real provincial congresses.
//!
//! Everything is derived from a seed by a small built-in PRNG (SplitMix64): the same seed
//! always yields the same congress. All text is NFC. The province, its districts and every
//! person are invented.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, NaiveDate};
use daihoi_domain::state::{CongressInput, ItemInput, SessionInput};
use daihoi_domain::{DelegateFields, DelegateKind, Gender};

/// One session (phiên) of the demo program with its agenda items in order.
#[derive(Debug, Clone)]
pub struct DemoSession {
    pub input: SessionInput,
    pub items: Vec<ItemInput>,
}

/// A whole demo congress, ready to be fed to the domain's decisions.
#[derive(Debug, Clone)]
pub struct DemoCongress {
    pub congress: CongressInput,
    pub sessions: Vec<DemoSession>,
    pub delegates: Vec<DelegateFields>,
}

/// A provincial Party congress starting on `first_day` (3 days), generated from `seed` (same seed → same data).
pub fn provincial_party_congress(first_day: NaiveDate, seed: u64) -> DemoCongress {
    let day = |n: u64| {
        first_day
            .checked_add_days(Days::new(n))
            .unwrap_or(first_day)
    };
    let days = [day(0), day(1), day(2)];
    let mut g = Generator::new(seed);
    let people = g.delegates();
    let sessions = g.program(days, &people);
    DemoCongress {
        congress: CongressInput {
            name: format!(
                "Đại hội đại biểu Đảng bộ tỉnh {PROVINCE} lần thứ XVI, nhiệm kỳ 2025–2030"
            ),
            place: "Trung tâm Hội nghị tỉnh".into(),
            starts_on: dmy(days[0]),
            ends_on: dmy(days[2]),
            kind: "party_congress".into(),
        },
        sessions,
        delegates: people.delegates,
    }
}

const PROVINCE: &str = "Thái Hà";
const OFFICIAL_DELEGATES: usize = 449;
const GROUPS: usize = 12;
const EXTRA_EDUCATION: &str = "Trình độ chuyên môn";
const EXTRA_THEORY: &str = "Lý luận chính trị";
const EXTRA_PARTY_YEAR: &str = "Năm vào Đảng";

fn dmy(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

// ----- the PRNG ----------------------------------------------------------------------------

/// SplitMix64: tiny, fast, good enough for demo data, and stable across platforms.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed ^ 0x6A09_E667_F3BC_C908)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i32, hi: i32) -> i32 {
        if hi <= lo {
            lo
        } else {
            lo + self.below((hi - lo + 1) as usize) as i32
        }
    }

    /// True with probability `permille`/1000.
    fn chance(&mut self, permille: u32) -> bool {
        self.below(1000) < permille as usize
    }

    fn pick(&mut self, xs: &[&'static str]) -> &'static str {
        xs.get(self.below(xs.len())).copied().unwrap_or_default()
    }

    fn weighted(&mut self, xs: &[(&'static str, u32)]) -> &'static str {
        let total: u32 = xs.iter().map(|x| x.1).sum();
        let mut r = self.below(total as usize) as u32;
        for &(x, w) in xs {
            if r < w {
                return x;
            }
            r -= w;
        }
        xs.first().map(|x| x.0).unwrap_or_default()
    }
}

// ----- names -------------------------------------------------------------------------------

/// Kinh family names, weighted per mille of the population (Nguyễn ≈ 38–40%).
#[rustfmt::skip]
const KINH_FAMILY: &[(&str, u32)] = &[
    ("Nguyễn", 450), ("Trần", 110), ("Lê", 95), ("Phạm", 70), ("Hoàng", 40), ("Huỳnh", 11), ("Phan", 45), ("Vũ", 30),
    ("Võ", 9), ("Đặng", 21), ("Bùi", 20), ("Đỗ", 14), ("Hồ", 13), ("Ngô", 13), ("Dương", 10), ("Lý", 5), ("Đinh", 8),
    ("Trịnh", 7), ("Đào", 7), ("Lương", 5), ("Mai", 4), ("Tạ", 3), ("Cao", 4), ("Hà", 5), ("Lâm", 3), ("Tô", 3),
    ("Chu", 3), ("Kiều", 2), ("Quách", 2), ("Vương", 2), ("Đoàn", 5), ("Lại", 2), ("Nghiêm", 2), ("Khúc", 1),
    ("Triệu", 2), ("Lưu", 3), ("Đàm", 2), ("Tống", 2),
];

#[rustfmt::skip]
const MALE_MIDDLE: &[(&str, u32)] = &[
    ("Văn", 300), ("Hữu", 60), ("Đức", 80), ("Minh", 70), ("Quốc", 50), ("Công", 50), ("Xuân", 40), ("Thanh", 40),
    ("Ngọc", 30), ("Mạnh", 30), ("Quang", 40), ("Trọng", 30), ("Tiến", 30), ("Anh", 25), ("Duy", 20), ("Thế", 30),
    ("Đình", 50), ("Viết", 15), ("Hoàng", 20), ("Trung", 15), ("Bá", 15), ("Hồng", 15), ("Việt", 15),
];

#[rustfmt::skip]
const FEMALE_MIDDLE: &[(&str, u32)] = &[
    ("Thị", 450), ("Ngọc", 60), ("Thu", 60), ("Thanh", 60), ("Phương", 30), ("Minh", 30), ("Hồng", 40), ("Thúy", 30),
    ("Kim", 30), ("Bích", 20), ("Mai", 20), ("Hải", 15), ("Diệu", 10), ("Hoài", 15), ("Quỳnh", 15),
];

/// Second middle names of four-syllable names ("Nguyễn Thị Thu Hương", "Trần Quốc Anh Tuấn").
#[rustfmt::skip]
const FEMALE_SECOND_MIDDLE: &[&str] = &[
    "Thu", "Thanh", "Ngọc", "Hồng", "Minh", "Kim", "Phương", "Thúy", "Mai", "Bích", "Lan",
];
const MALE_FIRST_OF_TWO: &[&str] = &["Đức", "Hữu", "Quốc", "Đình", "Công", "Xuân"];
#[rustfmt::skip]
const MALE_SECOND_OF_TWO: &[&str] = &[
    "Anh", "Minh", "Hoàng", "Quang", "Việt", "Thanh", "Tuấn", "Mạnh",
];

#[rustfmt::skip]
const MALE_GIVEN: &[&str] = &[
    "Hùng", "Dũng", "Tuấn", "Thắng", "Cường", "Long", "Hải", "Sơn", "Bình", "Khánh", "Nam", "Trung", "Quang", "Hưng",
    "Thành", "Phong", "Hòa", "Tùng", "Đức", "Hiếu", "Huy", "Việt", "Thịnh", "Toàn", "Lâm", "Kiên", "Vinh", "Chiến",
    "Hoàng", "Tâm", "Phúc", "Quân", "Minh", "Lực", "Thuận", "Định", "Hiển", "Tiến", "Nghĩa", "Trường", "Hậu", "Vượng",
    "Khải", "Đông", "Bảo", "Tú", "Sáng", "Thái", "Hào", "Tín",
];

#[rustfmt::skip]
const FEMALE_GIVEN: &[&str] = &[
    "Lan", "Hương", "Hoa", "Mai", "Hằng", "Thảo", "Ngọc", "Trang", "Linh", "Yến", "Hà", "Thủy", "Nga", "Hạnh",
    "Huyền", "Nhung", "Oanh", "Liên", "Loan", "Dung", "Phượng", "Thúy", "Vân", "Anh", "Quyên", "Giang", "Hiền",
    "Nhàn", "Thanh", "Hồng", "Châm", "Thơ", "Duyên", "Tuyết",
];

/// Ethnic minorities of delegates, weighted; "Kinh" is decided before.
#[rustfmt::skip]
const MINORITIES: &[(&str, u32)] = &[
    ("Tày", 300), ("Thái", 200), ("Mường", 150), ("Nùng", 120), ("H'Mông", 120), ("Dao", 80), ("Khmer", 15),
    ("Ê Đê", 15),
];

#[rustfmt::skip]
const TAY_FAMILY: &[(&str, u32)] = &[
    ("Hoàng", 30), ("Nông", 25), ("Lục", 8), ("Ma", 8), ("Hà", 8), ("Lương", 8), ("Triệu", 5), ("Đàm", 5), ("Hứa", 5),
];
#[rustfmt::skip]
const NUNG_FAMILY: &[(&str, u32)] = &[
    ("Hoàng", 25), ("Nông", 20), ("Vi", 15), ("Lương", 10), ("Lý", 10), ("Chu", 8), ("Lăng", 6), ("Mã", 6),
];
#[rustfmt::skip]
const THAI_FAMILY: &[(&str, u32)] = &[
    ("Lò", 25), ("Lường", 20), ("Cầm", 15), ("Quàng", 10), ("Vi", 10), ("Hà", 10), ("Tòng", 5), ("Điêu", 5),
];
#[rustfmt::skip]
const MUONG_FAMILY: &[(&str, u32)] = &[
    ("Bùi", 35), ("Đinh", 30), ("Quách", 10), ("Hà", 10), ("Xa", 5), ("Trương", 5),
];
#[rustfmt::skip]
const DAO_FAMILY: &[(&str, u32)] = &[
    ("Triệu", 30), ("Bàn", 25), ("Đặng", 15), ("Lý", 12), ("Chảo", 10), ("Phùng", 8),
];
#[rustfmt::skip]
const MONG_FAMILY: &[(&str, u32)] = &[
    ("Giàng", 20), ("Vừ", 15), ("Sùng", 15), ("Thào", 15), ("Lầu", 10), ("Mùa", 8), ("Hầu", 7), ("Lý", 5),
    ("Vàng", 5),
];
#[rustfmt::skip]
const MONG_MALE_GIVEN: &[&str] = &[
    "Páo", "Dính", "Chư", "Sử", "Pó", "Tủa", "Chá", "Sình", "Dế", "Chính", "Lử", "Nhà", "Của", "Sào",
];
#[rustfmt::skip]
const MONG_FEMALE_GIVEN: &[&str] = &[
    "Mỷ", "Dợ", "Súa", "Máy", "Pà", "Dung", "Sy", "Chớ", "Mai", "Cở",
];
#[rustfmt::skip]
const DAO_MALE_MIDDLE: &[(&str, u32)] = &[
    ("Văn", 40), ("Tiến", 25), ("Kim", 15), ("Quý", 10), ("Đức", 10),
];
#[rustfmt::skip]
const DAO_MALE_GIVEN: &[&str] = &[
    "Sinh", "Mình", "Phin", "Liều", "Chòi", "Tòn", "Vinh", "Quảng", "Thành", "Hưng",
];
#[rustfmt::skip]
const DAO_FEMALE_GIVEN: &[&str] = &[
    "Mẩy", "Liên", "Nhất", "Quyên", "Hoa", "Hương", "Kiều", "Mai",
];
#[rustfmt::skip]
const KHMER_FAMILY: &[(&str, u32)] = &[
    ("Thạch", 30), ("Sơn", 25), ("Danh", 20), ("Kim", 10), ("Lâm", 10), ("Châu", 5),
];
#[rustfmt::skip]
const KHMER_MALE_GIVEN: &[&str] = &[
    "Sa Rinh", "Sô Phol", "Chanh Đa", "Sa Rươne", "Đa Ra", "Thol Ly", "Sô Phát", "Kim Sang",
];
#[rustfmt::skip]
const KHMER_FEMALE_GIVEN: &[&str] = &[
    "Sa Ly", "Sô Phi", "Đa Ni", "Phol", "Mây", "Sa Rết", "Kim Hoa",
];
#[rustfmt::skip]
const EDE_MALE_GIVEN: &[&str] = &[
    "Biêr", "Ngông", "Thông", "Khun", "Bhin", "Mơk", "Jut", "Luân", "Wem", "Yơn",
];
#[rustfmt::skip]
const EDE_MALE_FAMILY: &[&str] = &[
    "Niê", "Êban", "Byă", "Mlô", "Ksơr", "Adrơng", "Hwing", "Niê Kdăm",
];
const EDE_FEMALE_GIVEN: &[&str] = &["Hen", "Yim", "Bla", "Dăm", "Yâo", "Ruth", "Loan", "Hiệp"];
const EDE_FEMALE_FAMILY: &[&str] = &["Niê Kdăm", "Ê Ban", "Buôn Yă", "Mlô Duôn Du"];

/// Middle names of Tày, Nùng, Thái and Mường delegates (given names as for Kinh).
#[rustfmt::skip]
const NORTHERN_MALE_MIDDLE: &[(&str, u32)] = &[
    ("Văn", 70), ("Đức", 8), ("Thanh", 8), ("Minh", 7), ("Quang", 7),
];
const NORTHERN_FEMALE_MIDDLE: &[(&str, u32)] = &[("Thị", 80), ("Thu", 10), ("Hồng", 10)];

fn pick_given(rng: &mut Rng, list: &[&'static str], avoid: &[&str]) -> &'static str {
    let mut g = rng.pick(list);
    for _ in 0..8 {
        if !avoid.contains(&g) {
            break;
        }
        g = rng.pick(list);
    }
    g
}

fn kinh_name(rng: &mut Rng, female: bool) -> String {
    let family = rng.weighted(KINH_FAMILY);
    let middles: Vec<&str> = if rng.chance(120) {
        if female {
            vec!["Thị", pick_given(rng, FEMALE_SECOND_MIDDLE, &[family])]
        } else {
            let a = rng.pick(MALE_FIRST_OF_TWO);
            vec![a, pick_given(rng, MALE_SECOND_OF_TWO, &[family, a])]
        }
    } else {
        let mut m = rng.weighted(if female { FEMALE_MIDDLE } else { MALE_MIDDLE });
        for _ in 0..8 {
            if m != family {
                break;
            }
            m = rng.weighted(if female { FEMALE_MIDDLE } else { MALE_MIDDLE });
        }
        vec![m]
    };
    let mut avoid = middles.clone();
    avoid.push(family);
    let given = pick_given(rng, if female { FEMALE_GIVEN } else { MALE_GIVEN }, &avoid);
    let mut parts = vec![family];
    parts.extend(middles);
    parts.push(given);
    parts.join(" ")
}

fn minority_name(rng: &mut Rng, ethnicity: &str, female: bool) -> String {
    let simple = |rng: &mut Rng,
                  family: &[(&'static str, u32)],
                  middle: &'static str,
                  given: &[&'static str]| {
        let f = rng.weighted(family);
        let g = pick_given(rng, given, &[middle]);
        format!("{f} {middle} {g}")
    };
    match (ethnicity, female) {
        ("H'Mông", false) => {
            let middle = if rng.chance(800) { "A" } else { "Seo" };
            simple(rng, MONG_FAMILY, middle, MONG_MALE_GIVEN)
        }
        ("H'Mông", true) => simple(rng, MONG_FAMILY, "Thị", MONG_FEMALE_GIVEN),
        ("Dao", false) => {
            let middle = rng.weighted(DAO_MALE_MIDDLE);
            simple(rng, DAO_FAMILY, middle, DAO_MALE_GIVEN)
        }
        ("Dao", true) => simple(rng, DAO_FAMILY, "Thị", DAO_FEMALE_GIVEN),
        ("Khmer", false) => format!(
            "{} {}",
            rng.weighted(KHMER_FAMILY),
            rng.pick(KHMER_MALE_GIVEN)
        ),
        ("Khmer", true) => format!(
            "{} Thị {}",
            rng.weighted(KHMER_FAMILY),
            rng.pick(KHMER_FEMALE_GIVEN)
        ),
        ("Ê Đê", false) => format!(
            "Y {} {}",
            rng.pick(EDE_MALE_GIVEN),
            rng.pick(EDE_MALE_FAMILY)
        ),
        ("Ê Đê", true) => format!(
            "H'{} {}",
            rng.pick(EDE_FEMALE_GIVEN),
            rng.pick(EDE_FEMALE_FAMILY)
        ),
        (e, _) => {
            let family = match e {
                "Tày" => TAY_FAMILY,
                "Nùng" => NUNG_FAMILY,
                "Thái" => THAI_FAMILY,
                _ => MUONG_FAMILY,
            };
            let middle = rng.weighted(if female {
                NORTHERN_FEMALE_MIDDLE
            } else {
                NORTHERN_MALE_MIDDLE
            });
            simple(
                rng,
                family,
                middle,
                if female { FEMALE_GIVEN } else { MALE_GIVEN },
            )
        }
    }
}

// ----- places ------------------------------------------------------------------------------

#[rustfmt::skip]
const LOWLAND_A: &[&str] = &[
    "Tân", "An", "Hòa", "Phú", "Bình", "Đông", "Tây", "Nam", "Bắc", "Trung", "Quang", "Minh", "Hồng", "Kim", "Vĩnh",
    "Xuân", "Yên", "Mỹ", "Đồng", "Cẩm", "Thanh", "Liên", "Hợp", "Quảng", "Thượng", "Phúc", "Đức", "Thụy", "Hưng",
];
#[rustfmt::skip]
const LOWLAND_B: &[&str] = &[
    "Lập", "Tiến", "Thịnh", "Phong", "Hòa", "Lộc", "Hưng", "Thành", "An", "Bình", "Sơn", "Hà", "Lâm", "Phú", "Quang",
    "Xuyên", "Khê", "Điền", "Hải", "Trạch", "Nghĩa", "Tân", "Long", "Yên", "Thuận", "Lương", "Cường", "Phương",
];
#[rustfmt::skip]
const HIGHLAND_A: &[&str] = &[
    "Nà", "Bản", "Khau", "Pác", "Lũng", "Phiêng", "Nậm", "Mường", "Co", "Tà", "Khuổi", "Cốc", "Pù", "Thôm",
];
#[rustfmt::skip]
const HIGHLAND_B: &[&str] = &[
    "Phặc", "Cuôn", "Lìm", "Hin", "Mạ", "Chè", "Pồng", "Lầu", "Tông", "Khoa", "Sang", "Vài", "Luông", "Cáy", "Sán",
    "Ngàm", "Nọi", "Thẳm",
];
#[rustfmt::skip]
const LOWLAND_HAMLETS: &[&str] = &[
    "Đông", "Tây", "Trung", "Thượng", "Hạ", "Tiền Phong", "Đoàn Kết", "Tân Lập", "Đồng Tâm", "Quyết Tiến",
    "Thống Nhất",
];

// ----- roles -------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sex {
    Any,
    Male,
    Female,
}

/// Seniority of a role: it sets the age band, education and political-theory level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tier {
    Top,
    Senior,
    Mid,
    Base,
    Young,
    Veteran,
}

/// A role template. In local (city, town, district) templates `{U}` is the Party committee
/// ("Huyện ủy"), `{A}` the administrative unit ("huyện"), `{N}` the place, `{C}` the
/// commune word ("xã"), `{c}` the delegation's commune numbered by field 4, `{Y}` the youth
/// union, `{H}` the hamlet word and `{h}` a hamlet. Field 5 tags roles the program names.
struct Row(
    &'static str,
    &'static str,
    Sex,
    Tier,
    usize,
    Option<&'static str>,
);

use Sex::{Any, Female, Male};
use Tier::{Base, Mid, Senior, Top, Veteran, Young};

#[rustfmt::skip]
const LOCAL_ROWS: &[Row] = &[
    Row("Bí thư {U}", "{U} {N}", Any, Top, 0, Some("local_secretary")),
    Row("Phó Bí thư Thường trực {U}, Chủ tịch HĐND {A}", "{U} {N}", Any, Senior, 0, None),
    Row("Phó Bí thư {U}, Chủ tịch UBND {A}", "UBND {A} {N}", Any, Senior, 0, None),
    Row("Chủ nhiệm Ủy ban Kiểm tra {U}", "{U} {N}", Any, Senior, 0, None),
    Row("Trưởng Ban Tổ chức {U}", "{U} {N}", Any, Senior, 0, None),
    Row("Bí thư Đảng ủy {C} {c}", "Đảng ủy {C} {c}, {A} {N}", Any, Mid, 0, None),
    Row("Chỉ huy trưởng Ban Chỉ huy Quân sự {A}", "Ban Chỉ huy Quân sự {A} {N}", Male, Mid, 0, None),
    Row("Trưởng Công an {A}", "Công an {A} {N}", Male, Mid, 0, None),
    Row("Bí thư Đảng ủy {C} {c}", "Đảng ủy {C} {c}, {A} {N}", Any, Mid, 1, None),
    Row("Trưởng Ban Tuyên giáo {U}", "{U} {N}", Any, Senior, 0, None),
    Row("Phó Chủ tịch UBND {A}", "UBND {A} {N}", Any, Senior, 0, None),
    Row("Bí thư Đảng ủy {C} {c}", "Đảng ủy {C} {c}, {A} {N}", Any, Mid, 2, None),
    Row("Trưởng Ban Dân vận {U}, Chủ tịch Ủy ban MTTQ Việt Nam {A}", "Ủy ban MTTQ Việt Nam {A} {N}", Any, Senior, 0, None),
    Row("Chủ tịch Hội Liên hiệp Phụ nữ {A}", "Hội Liên hiệp Phụ nữ {A} {N}", Female, Mid, 0, None),
    Row("Bí thư Đảng ủy {C} {c}", "Đảng ủy {C} {c}, {A} {N}", Any, Mid, 3, None),
    Row("Chánh Văn phòng {U}", "{U} {N}", Any, Mid, 0, None),
    Row("Chủ tịch UBND {C} {c}", "UBND {C} {c}, {A} {N}", Any, Mid, 0, None),
    Row("Bí thư Đảng ủy {C} {c}", "Đảng ủy {C} {c}, {A} {N}", Any, Mid, 4, None),
    Row("Hiệu trưởng Trường THPT {N}", "Trường THPT {N}", Any, Mid, 0, None),
    Row("Chủ tịch Hội Nông dân {A}", "Hội Nông dân {A} {N}", Any, Mid, 0, None),
    Row("Bí thư Đảng ủy {C} {c}", "Đảng ủy {C} {c}, {A} {N}", Any, Mid, 5, None),
    Row("Giám đốc Trung tâm Y tế {A}", "Trung tâm Y tế {A} {N}", Any, Mid, 0, None),
    Row("Bí thư {Y}", "{Y} {N}", Any, Young, 0, None),
    Row("Bí thư Đảng ủy {C} {c}", "Đảng ủy {C} {c}, {A} {N}", Any, Mid, 6, None),
    Row("Giáo viên Trường THCS {c}", "Trường THCS {c}, {A} {N}", Any, Base, 1, None),
    Row("Chủ tịch UBND {C} {c}", "UBND {C} {c}, {A} {N}", Any, Mid, 2, None),
    Row("Bí thư Chi bộ {H} {h}", "Đảng ủy {C} {c}, {A} {N}", Any, Base, 3, None),
    Row("Trưởng phòng Tài chính – Kế hoạch", "UBND {A} {N}", Any, Mid, 0, None),
    Row("Bí thư Đảng ủy {C} {c}", "Đảng ủy {C} {c}, {A} {N}", Any, Mid, 7, None),
    Row("Chủ tịch Hội Cựu chiến binh {A}", "Hội Cựu chiến binh {A} {N}", Male, Veteran, 0, None),
    Row("Phó Chủ tịch HĐND {A}", "HĐND {A} {N}", Any, Mid, 0, None),
    Row("Bác sĩ Trung tâm Y tế {A}", "Trung tâm Y tế {A} {N}", Any, Base, 0, None),
    Row("Phó Bí thư Đảng ủy {C} {c}", "Đảng ủy {C} {c}, {A} {N}", Any, Base, 4, None),
    Row("Trưởng phòng Nội vụ", "UBND {A} {N}", Any, Mid, 0, None),
    Row("Chủ tịch UBND {C} {c}", "UBND {C} {c}, {A} {N}", Any, Mid, 5, None),
    Row("Giám đốc Hợp tác xã nông nghiệp {c}", "Hợp tác xã nông nghiệp {c}, {A} {N}", Any, Base, 6, None),
    Row("Bí thư Đảng ủy {C} {c}", "Đảng ủy {C} {c}, {A} {N}", Any, Mid, 8, None),
    Row("Giáo viên Trường Tiểu học {c}", "Trường Tiểu học {c}, {A} {N}", Female, Base, 9, None),
    Row("Trưởng phòng Giáo dục và Đào tạo", "UBND {A} {N}", Any, Mid, 0, None),
    Row("Bí thư Đảng ủy {C} {c}", "Đảng ủy {C} {c}, {A} {N}", Any, Mid, 9, None),
];

/// Alternates (đại biểu dự khuyết): one for the city, one for a district, one for the police.
const LOCAL_ALTERNATE: Row = Row(
    "Phó Chủ tịch UBND {C} {c}",
    "UBND {C} {c}, {A} {N}",
    Any,
    Base,
    10,
    None,
);

#[rustfmt::skip]
const PROVINCE_ORGAN_ROWS: &[Row] = &[
    Row("Bí thư Tỉnh ủy", "Tỉnh ủy Thái Hà", Any, Top, 0, Some("secretary")),
    Row("Phó Bí thư Thường trực Tỉnh ủy", "Tỉnh ủy Thái Hà", Any, Top, 0, Some("standing_deputy")),
    Row("Phó Bí thư Tỉnh ủy, Chủ tịch UBND tỉnh", "UBND tỉnh Thái Hà", Any, Top, 0, Some("governor")),
    Row("Phó Bí thư Tỉnh ủy, Chủ tịch HĐND tỉnh", "HĐND tỉnh Thái Hà", Any, Top, 0, None),
    Row("Trưởng Ban Tổ chức Tỉnh ủy", "Ban Tổ chức Tỉnh ủy", Any, Senior, 0, Some("organisation")),
    Row("Chủ nhiệm Ủy ban Kiểm tra Tỉnh ủy", "Ủy ban Kiểm tra Tỉnh ủy", Any, Senior, 0, None),
    Row("Trưởng Ban Tuyên giáo Tỉnh ủy", "Ban Tuyên giáo Tỉnh ủy", Any, Senior, 0, None),
    Row("Trưởng Ban Nội chính Tỉnh ủy", "Ban Nội chính Tỉnh ủy", Any, Senior, 0, None),
    Row("Trưởng Ban Dân vận Tỉnh ủy, Chủ tịch Ủy ban MTTQ Việt Nam tỉnh", "Ủy ban MTTQ Việt Nam tỉnh Thái Hà", Any, Senior, 0, None),
    Row("Chánh Văn phòng Tỉnh ủy", "Văn phòng Tỉnh ủy", Any, Senior, 0, None),
    Row("Phó Chủ tịch UBND tỉnh", "UBND tỉnh Thái Hà", Any, Senior, 0, None),
    Row("Phó Chủ tịch UBND tỉnh", "UBND tỉnh Thái Hà", Any, Senior, 0, None),
    Row("Phó Chủ tịch UBND tỉnh", "UBND tỉnh Thái Hà", Any, Senior, 0, None),
    Row("Phó Chủ tịch HĐND tỉnh", "HĐND tỉnh Thái Hà", Any, Senior, 0, None),
    Row("Giám đốc Sở Kế hoạch và Đầu tư", "Sở Kế hoạch và Đầu tư", Any, Senior, 0, Some("planning")),
    Row("Giám đốc Sở Tài chính", "Sở Tài chính", Any, Senior, 0, None),
    Row("Giám đốc Sở Nội vụ", "Sở Nội vụ", Any, Senior, 0, None),
    Row("Giám đốc Sở Giáo dục và Đào tạo", "Sở Giáo dục và Đào tạo", Any, Senior, 0, Some("education")),
    Row("Giám đốc Sở Y tế", "Sở Y tế", Any, Senior, 0, Some("health")),
    Row("Giám đốc Sở Nông nghiệp và Phát triển nông thôn", "Sở Nông nghiệp và Phát triển nông thôn", Any, Senior, 0, None),
    Row("Giám đốc Sở Xây dựng", "Sở Xây dựng", Any, Senior, 0, None),
    Row("Giám đốc Sở Công Thương", "Sở Công Thương", Any, Senior, 0, None),
    Row("Giám đốc Sở Tài nguyên và Môi trường", "Sở Tài nguyên và Môi trường", Any, Senior, 0, None),
    Row("Giám đốc Sở Giao thông vận tải", "Sở Giao thông vận tải", Any, Senior, 0, None),
    Row("Giám đốc Sở Văn hóa, Thể thao và Du lịch", "Sở Văn hóa, Thể thao và Du lịch", Any, Senior, 0, None),
    Row("Giám đốc Sở Lao động – Thương binh và Xã hội", "Sở Lao động – Thương binh và Xã hội", Any, Senior, 0, None),
    Row("Giám đốc Sở Tư pháp", "Sở Tư pháp", Any, Senior, 0, None),
    Row("Giám đốc Sở Khoa học và Công nghệ", "Sở Khoa học và Công nghệ", Any, Senior, 0, None),
    Row("Giám đốc Sở Thông tin và Truyền thông", "Sở Thông tin và Truyền thông", Any, Senior, 0, None),
    Row("Chánh Thanh tra tỉnh", "Thanh tra tỉnh Thái Hà", Any, Senior, 0, None),
    Row("Chánh án Tòa án nhân dân tỉnh", "Tòa án nhân dân tỉnh Thái Hà", Any, Senior, 0, None),
    Row("Viện trưởng Viện Kiểm sát nhân dân tỉnh", "Viện Kiểm sát nhân dân tỉnh Thái Hà", Any, Senior, 0, None),
    Row("Bí thư Tỉnh đoàn", "Tỉnh đoàn Thái Hà", Any, Young, 0, None),
    Row("Chủ tịch Hội Liên hiệp Phụ nữ tỉnh", "Hội Liên hiệp Phụ nữ tỉnh Thái Hà", Female, Senior, 0, None),
    Row("Chủ tịch Hội Nông dân tỉnh", "Hội Nông dân tỉnh Thái Hà", Any, Senior, 0, None),
    Row("Chủ tịch Liên đoàn Lao động tỉnh", "Liên đoàn Lao động tỉnh Thái Hà", Any, Senior, 0, None),
    Row("Chủ tịch Hội Cựu chiến binh tỉnh", "Hội Cựu chiến binh tỉnh Thái Hà", Male, Veteran, 0, None),
    Row("Giám đốc Bệnh viện Đa khoa tỉnh", "Bệnh viện Đa khoa tỉnh Thái Hà", Any, Senior, 0, None),
    Row("Hiệu trưởng Trường Chính trị tỉnh", "Trường Chính trị tỉnh Thái Hà", Any, Senior, 0, None),
    Row("Tổng Biên tập Báo Thái Hà", "Báo Thái Hà", Any, Mid, 0, None),
    Row("Hiệu trưởng Trường THPT Chuyên Thái Hà", "Trường THPT Chuyên Thái Hà", Any, Mid, 0, None),
    Row("Giáo viên Trường THPT Chuyên Thái Hà", "Trường THPT Chuyên Thái Hà", Any, Base, 0, None),
    Row("Bác sĩ Bệnh viện Đa khoa tỉnh", "Bệnh viện Đa khoa tỉnh Thái Hà", Any, Base, 0, None),
];

#[rustfmt::skip]
const ENTERPRISE_ROWS: &[Row] = &[
    Row("Bí thư Đảng ủy Khối Doanh nghiệp tỉnh", "Đảng ủy Khối Doanh nghiệp tỉnh", Any, Senior, 0, Some("enterprises")),
    Row("Phó Bí thư Thường trực Đảng ủy Khối Doanh nghiệp tỉnh", "Đảng ủy Khối Doanh nghiệp tỉnh", Any, Senior, 0, None),
    Row("Chủ nhiệm Ủy ban Kiểm tra Đảng ủy Khối", "Đảng ủy Khối Doanh nghiệp tỉnh", Any, Mid, 0, None),
    Row("Bí thư Đảng ủy, Giám đốc", "Công ty Điện lực Thái Hà", Any, Senior, 0, None),
    Row("Bí thư Đảng ủy, Chủ tịch HĐQT", "Công ty Cổ phần Xi măng Thái Hà", Any, Senior, 0, None),
    Row("Bí thư Đảng ủy, Giám đốc", "Ngân hàng Nông nghiệp và Phát triển nông thôn chi nhánh tỉnh Thái Hà", Any, Senior, 0, None),
    Row("Bí thư Chi bộ, Giám đốc", "Công ty Cổ phần Cấp nước Thái Hà", Any, Mid, 0, None),
    Row("Bí thư Đảng ủy, Tổng Giám đốc", "Công ty Cổ phần Môi trường và Công trình đô thị Thái Hà", Any, Mid, 0, None),
    Row("Bí thư Đảng ủy, Giám đốc", "Công ty TNHH MTV Khai thác công trình thủy lợi Thái Hà", Any, Mid, 0, None),
    Row("Bí thư Chi bộ, Giám đốc", "Bưu điện tỉnh Thái Hà", Any, Mid, 0, None),
    Row("Bí thư Chi bộ, Giám đốc", "Công ty Cổ phần Dược phẩm Thái Hà", Any, Mid, 0, None),
    Row("Bí thư Đảng ủy, Giám đốc", "Công ty TNHH MTV Lâm nghiệp Yên Sơn", Any, Mid, 0, None),
    Row("Chủ tịch Công đoàn", "Công ty Cổ phần May Thái Hà", Female, Mid, 0, None),
    Row("Trưởng Ban Tổ chức Đảng ủy Khối", "Đảng ủy Khối Doanh nghiệp tỉnh", Any, Mid, 0, None),
    Row("Phó Bí thư Đảng ủy, Phó Giám đốc", "Công ty Cổ phần Xi măng Thái Hà", Any, Mid, 0, None),
    Row("Bí thư Chi bộ, Giám đốc", "Công ty Cổ phần Chè Phú Lâm", Any, Mid, 0, None),
    Row("Kế toán trưởng", "Công ty Cổ phần Dược phẩm Thái Hà", Female, Mid, 0, None),
    Row("Kỹ sư", "Công ty Điện lực Thái Hà", Any, Base, 0, None),
    Row("Công nhân", "Công ty Cổ phần May Thái Hà", Female, Base, 0, None),
    Row("Bí thư Đoàn Khối Doanh nghiệp tỉnh", "Đảng ủy Khối Doanh nghiệp tỉnh", Any, Young, 0, None),
];

#[rustfmt::skip]
const MILITARY_ROWS: &[Row] = &[
    Row("Chỉ huy trưởng Bộ Chỉ huy Quân sự tỉnh", "Bộ Chỉ huy Quân sự tỉnh", Male, Senior, 0, Some("military")),
    Row("Chính ủy Bộ Chỉ huy Quân sự tỉnh", "Bộ Chỉ huy Quân sự tỉnh", Male, Senior, 0, None),
    Row("Phó Chỉ huy trưởng, Tham mưu trưởng", "Bộ Chỉ huy Quân sự tỉnh", Male, Senior, 0, None),
    Row("Phó Chính ủy", "Bộ Chỉ huy Quân sự tỉnh", Male, Senior, 0, None),
    Row("Phó Chỉ huy trưởng", "Bộ Chỉ huy Quân sự tỉnh", Male, Senior, 0, None),
    Row("Chủ nhiệm Chính trị", "Bộ Chỉ huy Quân sự tỉnh", Male, Mid, 0, None),
    Row("Chủ nhiệm Hậu cần – Kỹ thuật", "Bộ Chỉ huy Quân sự tỉnh", Male, Mid, 0, None),
    Row("Phó Tham mưu trưởng", "Bộ Chỉ huy Quân sự tỉnh", Male, Mid, 0, None),
    Row("Trung đoàn trưởng", "Trung đoàn 812, Bộ Chỉ huy Quân sự tỉnh", Male, Mid, 0, None),
    Row("Chính ủy Trung đoàn", "Trung đoàn 812, Bộ Chỉ huy Quân sự tỉnh", Male, Mid, 0, None),
    Row("Hiệu trưởng Trường Quân sự tỉnh", "Trường Quân sự tỉnh Thái Hà", Male, Mid, 0, None),
    Row("Trưởng ban Tác chiến", "Phòng Tham mưu, Bộ Chỉ huy Quân sự tỉnh", Male, Mid, 0, None),
    Row("Trưởng ban Quân lực", "Phòng Tham mưu, Bộ Chỉ huy Quân sự tỉnh", Male, Mid, 0, None),
    Row("Trưởng ban Tuyên huấn", "Phòng Chính trị, Bộ Chỉ huy Quân sự tỉnh", Any, Mid, 0, None),
    Row("Trưởng ban Dân vận", "Phòng Chính trị, Bộ Chỉ huy Quân sự tỉnh", Any, Mid, 0, None),
    Row("Trưởng ban Tài chính", "Bộ Chỉ huy Quân sự tỉnh", Any, Mid, 0, None),
    Row("Tiểu đoàn trưởng Tiểu đoàn Bộ binh 1", "Trung đoàn 812, Bộ Chỉ huy Quân sự tỉnh", Male, Base, 0, None),
    Row("Trợ lý Tổ chức", "Phòng Chính trị, Bộ Chỉ huy Quân sự tỉnh", Any, Base, 0, None),
    Row("Đại đội trưởng Đại đội Trinh sát", "Bộ Chỉ huy Quân sự tỉnh", Male, Young, 0, None),
];

#[rustfmt::skip]
const POLICE_ROWS: &[Row] = &[
    Row("Giám đốc Công an tỉnh", "Công an tỉnh Thái Hà", Male, Senior, 0, Some("police")),
    Row("Phó Giám đốc Công an tỉnh", "Công an tỉnh Thái Hà", Male, Senior, 0, None),
    Row("Phó Giám đốc Công an tỉnh", "Công an tỉnh Thái Hà", Male, Senior, 0, None),
    Row("Phó Giám đốc Công an tỉnh", "Công an tỉnh Thái Hà", Any, Senior, 0, None),
    Row("Trưởng phòng An ninh chính trị nội bộ", "Công an tỉnh Thái Hà", Male, Mid, 0, None),
    Row("Trưởng phòng An ninh kinh tế", "Công an tỉnh Thái Hà", Any, Mid, 0, None),
    Row("Trưởng phòng Cảnh sát hình sự", "Công an tỉnh Thái Hà", Male, Mid, 0, None),
    Row("Trưởng phòng Cảnh sát kinh tế", "Công an tỉnh Thái Hà", Any, Mid, 0, None),
    Row("Trưởng phòng Cảnh sát điều tra tội phạm về ma túy", "Công an tỉnh Thái Hà", Male, Mid, 0, None),
    Row("Trưởng phòng Cảnh sát giao thông", "Công an tỉnh Thái Hà", Male, Mid, 0, None),
    Row("Trưởng phòng Tham mưu", "Công an tỉnh Thái Hà", Any, Mid, 0, None),
    Row("Trưởng phòng Tổ chức cán bộ", "Công an tỉnh Thái Hà", Any, Mid, 0, None),
    Row("Trưởng phòng Công tác đảng và công tác chính trị", "Công an tỉnh Thái Hà", Any, Mid, 0, None),
    Row("Trưởng phòng Cảnh sát quản lý hành chính về trật tự xã hội", "Công an tỉnh Thái Hà", Any, Mid, 0, None),
    Row("Trưởng phòng An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao", "Công an tỉnh Thái Hà", Any, Mid, 0, None),
    Row("Trưởng phòng Cảnh sát phòng cháy, chữa cháy và cứu nạn, cứu hộ", "Công an tỉnh Thái Hà", Male, Mid, 0, None),
    Row("Trưởng phòng Hậu cần", "Công an tỉnh Thái Hà", Any, Mid, 0, None),
    Row("Giám thị Trại tạm giam", "Công an tỉnh Thái Hà", Male, Mid, 0, None),
    Row("Cán bộ Phòng Tham mưu", "Công an tỉnh Thái Hà", Any, Base, 0, None),
    Row("Bí thư Đoàn Thanh niên Công an tỉnh", "Công an tỉnh Thái Hà", Any, Young, 0, None),
];

const POLICE_ALTERNATE: Row = Row(
    "Phó Trưởng phòng Cảnh sát hình sự",
    "Công an tỉnh Thái Hà",
    Any,
    Base,
    0,
    None,
);

#[rustfmt::skip]
const BORDER_ROWS: &[Row] = &[
    Row("Chỉ huy trưởng Bộ đội Biên phòng tỉnh", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh", Male, Senior, 0, None),
    Row("Chính ủy Bộ đội Biên phòng tỉnh", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh", Male, Senior, 0, None),
    Row("Phó Chỉ huy trưởng, Tham mưu trưởng", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh", Male, Senior, 0, None),
    Row("Phó Chính ủy", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh", Male, Senior, 0, None),
    Row("Chủ nhiệm Chính trị", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh", Male, Mid, 0, None),
    Row("Đồn trưởng Đồn Biên phòng {c}", "Đồn Biên phòng {c}", Male, Mid, 0, None),
    Row("Chính trị viên Đồn Biên phòng {c}", "Đồn Biên phòng {c}", Male, Mid, 0, None),
    Row("Đồn trưởng Đồn Biên phòng {c}", "Đồn Biên phòng {c}", Male, Mid, 1, None),
    Row("Chính trị viên Đồn Biên phòng {c}", "Đồn Biên phòng {c}", Male, Mid, 2, None),
    Row("Trưởng phòng Phòng, chống ma túy và tội phạm", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh", Male, Mid, 0, None),
    Row("Chủ nhiệm Hậu cần – Kỹ thuật", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh", Male, Mid, 0, None),
    Row("Trợ lý Dân vận", "Phòng Chính trị, Bộ Chỉ huy Bộ đội Biên phòng tỉnh", Any, Base, 0, None),
    Row("Đội trưởng Đội đặc nhiệm phòng, chống ma túy và tội phạm", "Bộ Chỉ huy Bộ đội Biên phòng tỉnh", Male, Young, 0, None),
];

/// Invited guests (khách mời): they attend and never vote.
#[rustfmt::skip]
const GUEST_ROWS: &[(&str, &str, Tier, i32, i32)] = &[
    ("Ủy viên Bộ Chính trị", "Ban Chấp hành Trung ương Đảng", Top, 1962, 1968),
    ("Ủy viên Trung ương Đảng, Phó Trưởng Ban Tổ chức Trung ương", "Ban Tổ chức Trung ương", Top, 1965, 1972),
    ("Phó Chủ nhiệm Ủy ban Kiểm tra Trung ương", "Ủy ban Kiểm tra Trung ương", Senior, 1964, 1972),
    ("Nguyên Bí thư Tỉnh ủy", "Tỉnh ủy Thái Hà", Veteran, 1952, 1958),
    ("Nguyên Chủ tịch UBND tỉnh", "UBND tỉnh Thái Hà", Veteran, 1953, 1959),
    ("Anh hùng Lực lượng vũ trang nhân dân", "Hội Cựu chiến binh tỉnh Thái Hà", Veteran, 1950, 1956),
];

// ----- delegations -------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bloc {
    City,
    Town,
    District,
    Highland,
    ProvinceOrgans,
    Enterprises,
    Military,
    Police,
    BorderGuard,
}

struct Spec {
    bloc: Bloc,
    place: &'static str,
    size: usize,
}

const fn spec(bloc: Bloc, place: &'static str, size: usize) -> Spec {
    Spec { bloc, place, size }
}

/// The delegations in list order; their sizes sum to 449.
#[rustfmt::skip]
const DELEGATIONS: [Spec; 20] = [
    spec(Bloc::ProvinceOrgans, "", 40),
    spec(Bloc::City, "Thái Hà", 40),
    spec(Bloc::Town, "Phú Lâm", 28),
    spec(Bloc::District, "Yên Sơn", 26),
    spec(Bloc::District, "Tân Phong", 25),
    spec(Bloc::District, "Hòa Mỹ", 24),
    spec(Bloc::District, "Vĩnh Lạc", 23),
    spec(Bloc::District, "Thanh Vân", 23),
    spec(Bloc::District, "Đông Khê", 22),
    spec(Bloc::District, "An Thịnh", 21),
    spec(Bloc::District, "Kim Điền", 20),
    spec(Bloc::District, "Phù Vân", 18),
    spec(Bloc::Highland, "Ngọc Lâm", 19),
    spec(Bloc::Highland, "Sơn Lương", 18),
    spec(Bloc::Highland, "Hà Châu", 17),
    spec(Bloc::Highland, "Bản Liêng", 15),
    spec(Bloc::Enterprises, "", 20),
    spec(Bloc::Military, "", 18),
    spec(Bloc::Police, "", 20),
    spec(Bloc::BorderGuard, "", 12),
];

impl Spec {
    /// "Đảng bộ huyện Yên Sơn".
    fn party_body(&self) -> String {
        match self.bloc {
            Bloc::City => format!("Đảng bộ thành phố {}", self.place),
            Bloc::Town => format!("Đảng bộ thị xã {}", self.place),
            Bloc::District | Bloc::Highland => format!("Đảng bộ huyện {}", self.place),
            Bloc::ProvinceOrgans => "Đảng bộ Khối các cơ quan tỉnh".into(),
            Bloc::Enterprises => "Đảng bộ Khối Doanh nghiệp tỉnh".into(),
            Bloc::Military => "Đảng bộ Quân sự tỉnh".into(),
            Bloc::Police => "Đảng bộ Công an tỉnh".into(),
            Bloc::BorderGuard => "Đảng bộ Bộ đội Biên phòng tỉnh".into(),
        }
    }

    fn delegation(&self) -> String {
        format!("Đoàn đại biểu {}", self.party_body())
    }

    fn highland(&self) -> bool {
        matches!(self.bloc, Bloc::Highland | Bloc::BorderGuard)
    }

    /// Per-mille chance that a delegate belongs to an ethnic minority.
    fn minority_permille(&self) -> u32 {
        match self.bloc {
            Bloc::Highland => 380,
            Bloc::BorderGuard => 200,
            _ => 45,
        }
    }

    fn rows(&self) -> &'static [Row] {
        match self.bloc {
            Bloc::City | Bloc::Town | Bloc::District | Bloc::Highland => LOCAL_ROWS,
            Bloc::ProvinceOrgans => PROVINCE_ORGAN_ROWS,
            Bloc::Enterprises => ENTERPRISE_ROWS,
            Bloc::Military => MILITARY_ROWS,
            Bloc::Police => POLICE_ROWS,
            Bloc::BorderGuard => BORDER_ROWS,
        }
    }

    /// The words of a local Party committee: (committee, unit, commune, youth union, hamlet).
    fn words(&self) -> [&'static str; 5] {
        match self.bloc {
            Bloc::City => [
                "Thành ủy",
                "thành phố",
                "phường",
                "Thành đoàn",
                "tổ dân phố",
            ],
            Bloc::Town => ["Thị ủy", "thị xã", "phường", "Thị đoàn", "khu phố"],
            Bloc::Highland => ["Huyện ủy", "huyện", "xã", "Huyện đoàn", "bản"],
            _ => ["Huyện ủy", "huyện", "xã", "Huyện đoàn", "thôn"],
        }
    }
}

/// Group sizes: 449 = 5 × 38 + 7 × 37.
fn group_capacity(group: usize) -> usize {
    let base = OFFICIAL_DELEGATES / GROUPS;
    if group < OFFICIAL_DELEGATES % GROUPS {
        base + 1
    } else {
        base
    }
}

// ----- generation --------------------------------------------------------------------------

/// A role filled in for one delegation.
struct Role {
    position: String,
    unit: String,
    /// How a presenter is introduced ("Bí thư Huyện ủy Yên Sơn").
    title: String,
    sex: Sex,
    tier: Tier,
    tag: Option<&'static str>,
}

/// The generated delegates with the facts the program needs about them.
struct People {
    delegates: Vec<DelegateFields>,
    /// Presenter title of each delegate, parallel to `delegates`.
    titles: Vec<String>,
    /// Delegates holding a tagged role ("secretary", "local_secretary_highland", ...).
    tagged: BTreeMap<String, Vec<usize>>,
    /// "Tổ N" → the party bodies whose delegates sit in it, in order.
    groups: Vec<(String, Vec<String>)>,
}

struct Generator {
    rng: Rng,
    names: BTreeSet<String>,
    places: BTreeSet<String>,
}

impl Generator {
    fn new(seed: u64) -> Self {
        Generator {
            rng: Rng::new(seed),
            names: BTreeSet::new(),
            places: BTreeSet::new(),
        }
    }

    /// `n` commune (or ward, or border post) names not used elsewhere in the congress.
    fn communes(&mut self, highland: bool, n: usize) -> Vec<String> {
        let (a, b) = if highland {
            (HIGHLAND_A, HIGHLAND_B)
        } else {
            (LOWLAND_A, LOWLAND_B)
        };
        let mut out = Vec::with_capacity(n);
        let mut tries = 0;
        while out.len() < n && tries < 10_000 {
            tries += 1;
            let (x, y) = (self.rng.pick(a), self.rng.pick(b));
            let name = format!("{x} {y}");
            if x != y && self.places.insert(name.clone()) {
                out.push(name);
            }
        }
        out
    }

    fn hamlet(&mut self, spec: &Spec) -> String {
        match spec.bloc {
            Bloc::City | Bloc::Town => format!("số {}", self.rng.range(1, 18)),
            Bloc::Highland => format!(
                "{} {}",
                self.rng.pick(HIGHLAND_A),
                self.rng.pick(HIGHLAND_B)
            ),
            _ => self.rng.pick(LOWLAND_HAMLETS).to_string(),
        }
    }

    fn role(&mut self, spec: &Spec, row: &Row, communes: &[String]) -> Role {
        let [uy, admin, commune_word, youth, hamlet_word] = spec.words();
        let commune = communes
            .get(row.4 % communes.len().max(1))
            .map(String::as_str)
            .unwrap_or(spec.place);
        let hamlet = if row.0.contains("{h}") {
            self.hamlet(spec)
        } else {
            String::new()
        };
        let fill = |tpl: &str| {
            tpl.replace("{U}", uy)
                .replace("{A}", admin)
                .replace("{N}", spec.place)
                .replace("{C}", commune_word)
                .replace("{c}", commune)
                .replace("{Y}", youth)
                .replace("{H}", hamlet_word)
                .replace("{h}", &hamlet)
        };
        let position = fill(row.0);
        let unit = fill(row.1);
        let (title, tag) = match row.5 {
            Some("local_secretary") => {
                let tag = match spec.bloc {
                    Bloc::City => "city_secretary",
                    Bloc::Town => "town_secretary",
                    Bloc::Highland => "highland_secretary",
                    _ => "district_secretary",
                };
                (format!("{position} {}", spec.place), Some(tag))
            }
            tag => (position.clone(), tag),
        };
        Role {
            position,
            unit,
            title,
            sex: row.2,
            tier: row.3,
            tag,
        }
    }

    fn female(&mut self, sex: Sex, tier: Tier) -> bool {
        match sex {
            Female => true,
            Male => false,
            Any => self.rng.chance(match tier {
                Top => 80,
                Senior => 170,
                Mid => 230,
                Base | Young => 350,
                Veteran => 30,
            }),
        }
    }

    fn unique_name(&mut self, ethnicity: &str, female: bool) -> String {
        let mut name = String::new();
        for _ in 0..50 {
            name = if ethnicity == "Kinh" {
                kinh_name(&mut self.rng, female)
            } else {
                minority_name(&mut self.rng, ethnicity, female)
            };
            if !self.names.contains(&name) {
                break;
            }
        }
        self.names.insert(name.clone());
        name
    }

    fn birth_year(&mut self, tier: Tier) -> i32 {
        let (lo, hi) = match tier {
            Top => (1964, 1971),
            Senior => (1965, 1977),
            Mid => (1970, 1985),
            Base => (1976, 1992),
            Young => (1987, 1992),
            Veteran => (1962, 1966),
        };
        self.rng.range(lo, hi)
    }

    fn birth_date(&mut self, year: i32) -> Option<NaiveDate> {
        let month = self.rng.range(1, 12) as u32;
        let day = self.rng.range(1, 28) as u32;
        NaiveDate::from_ymd_opt(year, month, day)
    }

    fn extras(&mut self, tier: Tier, birth_year: i32) -> BTreeMap<String, String> {
        let education: &[(&str, u32)] = match tier {
            Top => &[("Tiến sĩ", 350), ("Thạc sĩ", 600), ("Đại học", 50)],
            Senior => &[("Tiến sĩ", 150), ("Thạc sĩ", 650), ("Đại học", 200)],
            Mid => &[("Tiến sĩ", 50), ("Thạc sĩ", 500), ("Đại học", 450)],
            Veteran => &[("Tiến sĩ", 20), ("Thạc sĩ", 300), ("Đại học", 680)],
            Base | Young => &[("Tiến sĩ", 20), ("Thạc sĩ", 250), ("Đại học", 730)],
        };
        let theory: &[(&str, u32)] = match tier {
            Top | Veteran => &[("Cao cấp", 850), ("Cử nhân", 150)],
            Senior => &[("Cao cấp", 800), ("Cử nhân", 200)],
            Mid => &[("Cao cấp", 800), ("Cử nhân", 100), ("Trung cấp", 100)],
            Base => &[("Cao cấp", 250), ("Trung cấp", 700), ("Cử nhân", 50)],
            Young => &[("Cao cấp", 400), ("Trung cấp", 550), ("Cử nhân", 50)],
        };
        let (lo, hi) = match tier {
            Base | Young => (19, 27),
            _ => (21, 29),
        };
        let joined = (birth_year + self.rng.range(lo, hi)).min(2021);
        BTreeMap::from([
            (
                EXTRA_EDUCATION.to_string(),
                self.rng.weighted(education).to_string(),
            ),
            (
                EXTRA_THEORY.to_string(),
                self.rng.weighted(theory).to_string(),
            ),
            (EXTRA_PARTY_YEAR.to_string(), joined.to_string()),
        ])
    }

    /// A delegate for `role`; code, kind, delegation and group are filled in by the caller.
    fn person(&mut self, role: &Role, minority_permille: u32, with_extras: bool) -> DelegateFields {
        let female = self.female(role.sex, role.tier);
        let ethnicity = if self.rng.chance(minority_permille) {
            self.rng.weighted(MINORITIES)
        } else {
            "Kinh"
        }
        .to_string();
        let full_name = self.unique_name(&ethnicity, female);
        let year = self.birth_year(role.tier);
        let birth_date = self.birth_date(year);
        let extra = if with_extras {
            self.extras(role.tier, year)
        } else {
            BTreeMap::new()
        };
        DelegateFields {
            code: String::new(),
            full_name,
            birth_date,
            gender: Some(if female { Gender::Female } else { Gender::Male }),
            ethnicity,
            position: role.position.clone(),
            unit: role.unit.clone(),
            delegation: String::new(),
            group: String::new(),
            kind: DelegateKind::Official,
            shares: 0,
            photo: None,
            extra,
        }
    }

    fn delegates(&mut self) -> People {
        let mut people = People {
            delegates: Vec::new(),
            titles: Vec::new(),
            tagged: BTreeMap::new(),
            groups: Vec::new(),
        };
        let mut members: Vec<Vec<String>> = vec![Vec::new(); GROUPS];
        let (mut group, mut filled) = (0usize, 0usize);
        let mut alternates = Vec::new();
        for (di, spec) in DELEGATIONS.iter().enumerate() {
            let communes = self.communes(spec.highland(), 12);
            let rows = spec.rows();
            let mut last_group = 0;
            for i in 0..spec.size {
                // A delegation larger than its role table (never the case) repeats its last row.
                let Some(row) = rows.get(i).or(rows.last()) else {
                    continue;
                };
                let role = self.role(spec, row, &communes);
                while group + 1 < GROUPS && filled >= group_capacity(group) {
                    group += 1;
                    filled = 0;
                }
                filled += 1;
                last_group = group;
                let body = spec.party_body();
                if let Some(m) = members.get_mut(group)
                    && m.last() != Some(&body)
                {
                    m.push(body);
                }
                let mut d = self.person(&role, spec.minority_permille(), true);
                d.code = format!("DB{:03}", people.delegates.len() + 1);
                d.delegation = spec.delegation();
                d.group = format!("Tổ {}", group + 1);
                if let Some(tag) = role.tag {
                    people
                        .tagged
                        .entry(tag.to_string())
                        .or_default()
                        .push(people.delegates.len());
                }
                people.titles.push(role.title);
                people.delegates.push(d);
            }
            // Alternates: one each for the city, the first district and the police.
            let alternate_row = match (spec.bloc, di) {
                (Bloc::City, _) | (Bloc::District, 3) => Some(&LOCAL_ALTERNATE),
                (Bloc::Police, _) => Some(&POLICE_ALTERNATE),
                _ => None,
            };
            if let Some(row) = alternate_row {
                let role = self.role(spec, row, &communes);
                let mut d = self.person(&role, spec.minority_permille(), true);
                d.kind = DelegateKind::Alternate;
                d.delegation = spec.delegation();
                d.group = format!("Tổ {}", last_group + 1);
                alternates.push((d, role.title));
            }
        }
        for (i, (mut d, title)) in alternates.into_iter().enumerate() {
            d.code = format!("DK{:02}", i + 1);
            people.titles.push(title);
            people.delegates.push(d);
        }
        for (i, &(position, unit, tier, lo, hi)) in GUEST_ROWS.iter().enumerate() {
            let role = Role {
                position: position.into(),
                unit: unit.into(),
                title: position.into(),
                sex: if tier == Veteran { Male } else { Any },
                tier,
                tag: None,
            };
            let mut d = self.person(&role, 45, false);
            let year = self.rng.range(lo, hi);
            d.birth_date = self.birth_date(year);
            d.code = format!("KM{:02}", i + 1);
            d.kind = DelegateKind::Invited;
            if i == 0 {
                people
                    .tagged
                    .entry("politburo".into())
                    .or_default()
                    .push(people.delegates.len());
            }
            people.titles.push(role.title);
            people.delegates.push(d);
        }
        people.groups = members
            .into_iter()
            .enumerate()
            .map(|(i, m)| (format!("Tổ {}", i + 1), m))
            .collect();
        people
    }

    /// "Đồng chí Nguyễn Văn Hùng, Bí thư Huyện ủy Yên Sơn" for a delegate with `tag`
    /// (chosen by the seed among several), or `fallback`.
    fn speaker(&mut self, people: &People, tag: &str, fallback: &str) -> String {
        let chosen = people
            .tagged
            .get(tag)
            .and_then(|ids| ids.get(self.rng.below(ids.len())));
        match chosen.and_then(|&i| Some((people.delegates.get(i)?, people.titles.get(i)?))) {
            Some((d, title)) => format!("Đồng chí {}, {}", d.full_name, title),
            None => fallback.to_string(),
        }
    }

    fn program(&mut self, days: [NaiveDate; 3], people: &People) -> Vec<DemoSession> {
        let secretary = self.speaker(people, "secretary", "Đồng chí Bí thư Tỉnh ủy");
        let standing = self.speaker(
            people,
            "standing_deputy",
            "Đồng chí Phó Bí thư Thường trực Tỉnh ủy",
        );
        let governor = self.speaker(people, "governor", "Đồng chí Chủ tịch UBND tỉnh");
        let organisation = self.speaker(
            people,
            "organisation",
            "Đồng chí Trưởng Ban Tổ chức Tỉnh ủy",
        );
        let politburo = self.speaker(people, "politburo", "Đồng chí đại diện Bộ Chính trị");
        let presidium = "Đoàn Chủ tịch Đại hội";
        let secretariat = "Đoàn Thư ký Đại hội";
        let organisers = "Ban Tổ chức Đại hội";
        let hall = "Hội trường lớn";

        let group_notes = people
            .groups
            .iter()
            .map(|(g, bodies)| format!("{g} (Phòng họp {g}): {}", bodies.join("; ")))
            .collect::<Vec<_>>()
            .join("\n");

        // Speeches in the plenary debate: three always, three more chosen by the seed.
        let mut speeches: Vec<(&str, &str)> = vec![
            (
                "city_secretary",
                "Xây dựng thành phố Thái Hà văn minh, hiện đại, xứng tầm đô thị trung tâm của tỉnh",
            ),
            (
                "district_secretary",
                "Xây dựng nông thôn mới nâng cao, nông thôn mới kiểu mẫu gắn với phát triển nông nghiệp hàng hóa",
            ),
            (
                "highland_secretary",
                "Giảm nghèo bền vững, phát triển kinh tế – xã hội vùng đồng bào dân tộc thiểu số và miền núi",
            ),
        ];
        let mut optional: Vec<(&str, &str)> = vec![
            (
                "planning",
                "Cải thiện môi trường đầu tư kinh doanh, huy động nguồn lực phát triển kết cấu hạ tầng",
            ),
            (
                "education",
                "Nâng cao chất lượng giáo dục và đào tạo, phát triển nguồn nhân lực chất lượng cao",
            ),
            (
                "health",
                "Nâng cao chất lượng chăm sóc sức khỏe nhân dân, phát triển y tế cơ sở",
            ),
            (
                "military",
                "Xây dựng khu vực phòng thủ tỉnh vững chắc, thế trận quốc phòng toàn dân",
            ),
            (
                "police",
                "Giữ vững an ninh chính trị, bảo đảm trật tự, an toàn xã hội trong tình hình mới",
            ),
            (
                "enterprises",
                "Phát huy vai trò của doanh nghiệp và tổ chức đảng trong doanh nghiệp",
            ),
        ];
        while optional.len() > 3 {
            let i = self.rng.below(optional.len());
            optional.remove(i);
        }
        speeches.extend(optional);
        let mut debate: Vec<ItemInput> = speeches
            .into_iter()
            .map(|(tag, topic)| {
                item(
                    &format!("Tham luận: {topic}"),
                    &self.speaker(people, tag, "Đại biểu được phân công"),
                    "",
                )
            })
            .collect();
        debate.push(item(
            "Báo cáo thẩm tra tư cách đại biểu",
            &format!("{organisation}, Trưởng Ban Thẩm tra tư cách đại biểu"),
            &format!("Tổng số đại biểu được triệu tập: {OFFICIAL_DELEGATES}."),
        ));
        debate.push(item(
            "Biểu quyết thông qua Báo cáo thẩm tra tư cách đại biểu",
            presidium,
            "",
        ));

        vec![
            session(
                days[0],
                ("Phiên trù bị", "preparatory", "07:30", "11:30", hall),
                vec![
                    item(
                        "Tuyên bố lý do, giới thiệu đại biểu dự phiên trù bị",
                        organisers,
                        "",
                    ),
                    item(
                        "Bầu Đoàn Chủ tịch, Đoàn Thư ký và Ban Thẩm tra tư cách đại biểu Đại hội",
                        &standing,
                        "Đoàn Chủ tịch 19 đồng chí, Đoàn Thư ký 5 đồng chí, Ban Thẩm tra tư cách đại biểu 9 đồng chí.",
                    ),
                    item(
                        "Thông qua chương trình, quy chế làm việc của Đại hội",
                        presidium,
                        "",
                    ),
                    item(
                        "Quán triệt nội dung, yêu cầu và nhiệm vụ của Đại hội",
                        &secretary,
                        "",
                    ),
                    item("Báo cáo công tác chuẩn bị Đại hội", &organisation, ""),
                    item(
                        "Phổ biến nội quy, hướng dẫn sinh hoạt Đại hội và sử dụng hệ thống Đại hội không giấy",
                        secretariat,
                        "",
                    ),
                ],
            ),
            session(
                days[0],
                (
                    "Thảo luận tổ",
                    "group_discussion",
                    "14:00",
                    "17:00",
                    "Các phòng họp tổ",
                ),
                vec![
                    item(
                        "Thảo luận dự thảo Báo cáo chính trị trình Đại hội",
                        "Tổ trưởng các tổ",
                        &group_notes,
                    ),
                    item(
                        "Thảo luận dự thảo Báo cáo kiểm điểm của Ban Chấp hành Đảng bộ tỉnh khóa XV",
                        "Tổ trưởng các tổ",
                        "",
                    ),
                    item(
                        "Góp ý dự thảo các văn kiện trình Đại hội đại biểu toàn quốc lần thứ XIV của Đảng",
                        "Tổ trưởng các tổ",
                        "",
                    ),
                    item(
                        "Tổng hợp ý kiến thảo luận, gửi Đoàn Thư ký Đại hội",
                        "Thư ký các tổ",
                        "Trước 17 giờ 30 cùng ngày.",
                    ),
                ],
            ),
            session(
                days[1],
                ("Phiên khai mạc", "opening", "07:30", "11:30", hall),
                vec![
                    item(
                        "Chương trình nghệ thuật chào mừng Đại hội",
                        "Nhà hát Nghệ thuật truyền thống tỉnh",
                        "",
                    ),
                    item(
                        "Chào cờ; tuyên bố lý do, giới thiệu đại biểu",
                        organisers,
                        "",
                    ),
                    item("Diễn văn khai mạc Đại hội", &secretary, ""),
                    item(
                        "Báo cáo chính trị của Ban Chấp hành Đảng bộ tỉnh khóa XV trình Đại hội",
                        &governor,
                        "",
                    ),
                    item(
                        "Phát biểu chỉ đạo của đồng chí đại diện Bộ Chính trị",
                        &politburo,
                        "",
                    ),
                    item(
                        "Báo cáo kiểm điểm sự lãnh đạo, chỉ đạo của Ban Chấp hành Đảng bộ tỉnh khóa XV, nhiệm kỳ 2020–2025",
                        &standing,
                        "",
                    ),
                    item(
                        "Báo cáo tổng hợp ý kiến góp ý dự thảo văn kiện Đại hội XIV của Đảng",
                        secretariat,
                        "",
                    ),
                ],
            ),
            session(
                days[1],
                (
                    "Phiên thảo luận tại hội trường",
                    "plenary",
                    "14:00",
                    "17:00",
                    hall,
                ),
                debate,
            ),
            session(
                days[2],
                ("Phiên bầu cử", "plenary", "07:30", "11:30", hall),
                vec![
                    item(
                        "Báo cáo công tác chuẩn bị nhân sự Ban Chấp hành Đảng bộ tỉnh khóa XVI",
                        &standing,
                        "",
                    ),
                    item(
                        "Thông qua số lượng và danh sách bầu cử Ban Chấp hành Đảng bộ tỉnh khóa XVI",
                        presidium,
                        "",
                    ),
                    item("Bầu Ban Kiểm phiếu", presidium, ""),
                    item(
                        "Bầu Ban Chấp hành Đảng bộ tỉnh khóa XVI, nhiệm kỳ 2025–2030",
                        "Ban Kiểm phiếu",
                        "",
                    ),
                    item(
                        "Bầu đại biểu dự Đại hội đại biểu toàn quốc lần thứ XIV của Đảng",
                        "Ban Kiểm phiếu",
                        "",
                    ),
                    item("Công bố kết quả bầu cử", "Trưởng Ban Kiểm phiếu", ""),
                ],
            ),
            session(
                days[2],
                ("Phiên bế mạc", "closing", "14:00", "16:30", hall),
                vec![
                    item(
                        "Ban Chấp hành Đảng bộ tỉnh khóa XVI ra mắt Đại hội",
                        presidium,
                        "",
                    ),
                    item("Thông qua Nghị quyết Đại hội", secretariat, ""),
                    item("Diễn văn bế mạc Đại hội", &secretary, ""),
                    item("Chào cờ bế mạc", presidium, ""),
                ],
            ),
        ]
    }
}

fn item(title: &str, presenter: &str, notes: &str) -> ItemInput {
    ItemInput {
        title: title.into(),
        presenter: presenter.into(),
        notes: notes.into(),
    }
}

/// `head` is (title, kind, starts_at, ends_at, location).
fn session(
    date: NaiveDate,
    head: (&str, &str, &str, &str, &str),
    items: Vec<ItemInput>,
) -> DemoSession {
    let (title, kind, starts_at, ends_at, location) = head;
    DemoSession {
        input: SessionInput {
            date: dmy(date),
            title: title.into(),
            kind: kind.into(),
            starts_at: starts_at.into(),
            ends_at: ends_at.into(),
            location: location.into(),
        },
        items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use daihoi_domain::CongressState;
    use daihoi_domain::state::natural_key;
    use std::collections::{BTreeMap, BTreeSet};
    use unicode_normalization::is_nfc;

    fn first_day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 9, 24).unwrap()
    }

    fn demo(seed: u64) -> DemoCongress {
        provincial_party_congress(first_day(), seed)
    }

    fn of_kind(c: &DemoCongress, kind: DelegateKind) -> Vec<&DelegateFields> {
        c.delegates.iter().filter(|d| d.kind == kind).collect()
    }

    #[test]
    fn counts_and_codes() {
        let c = demo(1);
        let official = of_kind(&c, DelegateKind::Official);
        let invited = of_kind(&c, DelegateKind::Invited);
        let alternates = of_kind(&c, DelegateKind::Alternate);
        assert_eq!(official.len(), 449);
        assert_eq!(invited.len(), 6);
        assert_eq!(alternates.len(), 3);
        for (i, d) in official.iter().enumerate() {
            assert_eq!(d.code, format!("DB{:03}", i + 1));
        }
        for (i, d) in invited.iter().enumerate() {
            assert_eq!(d.code, format!("KM{:02}", i + 1));
            assert!(d.delegation.is_empty() && d.group.is_empty());
        }
        for (i, d) in alternates.iter().enumerate() {
            assert_eq!(d.code, format!("DK{:02}", i + 1));
            assert!(!d.delegation.is_empty() && !d.group.is_empty());
        }
        let codes: BTreeSet<&str> = c.delegates.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes.len(), c.delegates.len());
        for d in &c.delegates {
            assert_eq!(d.shares, 0);
            assert!(d.photo.is_none());
            assert!(!d.position.is_empty() && !d.unit.is_empty(), "{d:?}");
            assert!(!d.position.contains('{') && !d.unit.contains('{'), "{d:?}");
        }
    }

    fn all_strings(c: &DemoCongress) -> Vec<&str> {
        let mut v: Vec<&str> = vec![
            &c.congress.name,
            &c.congress.place,
            &c.congress.starts_on,
            &c.congress.ends_on,
            &c.congress.kind,
        ];
        for s in &c.sessions {
            let i = &s.input;
            v.extend([
                &*i.date,
                &*i.title,
                &*i.kind,
                &*i.starts_at,
                &*i.ends_at,
                &*i.location,
            ]);
            for it in &s.items {
                v.extend([&*it.title, &*it.presenter, &*it.notes]);
            }
        }
        for d in &c.delegates {
            v.extend([
                &*d.code,
                &*d.full_name,
                &*d.ethnicity,
                &*d.position,
                &*d.unit,
                &*d.delegation,
                &*d.group,
            ]);
            for (k, x) in &d.extra {
                v.extend([k.as_str(), x.as_str()]);
            }
        }
        v
    }

    #[test]
    fn all_text_is_nfc() {
        for seed in [1, 2, 3, 42] {
            for s in all_strings(&demo(seed)) {
                assert!(is_nfc(s), "not NFC: {s:?}");
            }
        }
    }

    #[test]
    fn names_look_vietnamese() {
        for seed in [1, 7, 99] {
            let c = demo(seed);
            let n = c.delegates.len();
            let mut with_marks = 0;
            let mut nguyen = 0;
            let mut four = 0;
            for d in &c.delegates {
                let syllables = d.full_name.split_whitespace().count();
                assert!((3..=4).contains(&syllables), "{}", d.full_name);
                assert_eq!(d.full_name.trim(), d.full_name);
                with_marks += usize::from(!d.full_name.is_ascii());
                nguyen += usize::from(d.full_name.starts_with("Nguyễn "));
                four += usize::from(syllables == 4);
            }
            assert!(
                with_marks * 100 >= n * 90,
                "{with_marks} of {n} names with diacritics"
            );
            assert!(
                (30..=46).contains(&(nguyen * 100 / n)),
                "Nguyễn {nguyen} of {n}"
            );
            assert!(four * 100 >= n * 5, "{four} four-syllable names");
            let names: BTreeSet<&str> = c.delegates.iter().map(|d| d.full_name.as_str()).collect();
            assert_eq!(names.len(), n, "names are unique");
        }
    }

    #[test]
    fn delegations_and_groups() {
        let c = demo(5);
        let official = of_kind(&c, DelegateKind::Official);
        let mut delegations: BTreeMap<&str, usize> = BTreeMap::new();
        let mut groups: BTreeMap<&str, usize> = BTreeMap::new();
        let mut groups_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for d in &official {
            *delegations.entry(&d.delegation).or_default() += 1;
            *groups.entry(&d.group).or_default() += 1;
            groups_of.entry(&d.delegation).or_default().insert(&d.group);
        }
        assert_eq!(delegations.len(), 20);
        assert_eq!(delegations.values().sum::<usize>(), 449);
        for (name, n) in &delegations {
            assert!(name.starts_with("Đoàn đại biểu Đảng bộ "), "{name}");
            assert!((10..=40).contains(n), "{name}: {n}");
        }
        for (name, gs) in &groups_of {
            assert!(gs.len() <= 2, "{name} spread over {gs:?}");
        }
        let expected: BTreeSet<String> = (1..=12).map(|i| format!("Tổ {i}")).collect();
        let got: BTreeSet<String> = groups.keys().map(|s| s.to_string()).collect();
        assert_eq!(got, expected);
        for (g, n) in &groups {
            assert!((37..=38).contains(n), "{g}: {n}");
        }
        // Alternates sit with their delegation and add no new group or delegation.
        for d in of_kind(&c, DelegateKind::Alternate) {
            assert!(
                groups_of
                    .get(d.delegation.as_str())
                    .is_some_and(|gs| gs.contains(d.group.as_str())),
                "{d:?}"
            );
        }
        // The domain sorts groups naturally.
        let mut sorted: Vec<&str> = groups.keys().copied().collect();
        sorted.sort_by_key(|s| natural_key(s));
        assert_eq!(sorted.first(), Some(&"Tổ 1"));
        assert_eq!(sorted.last(), Some(&"Tổ 12"));
    }

    #[test]
    fn people_are_plausible() {
        for seed in [1, 2, 3, 4, 5, 6, 7, 8] {
            let c = demo(seed);
            let voters: Vec<&DelegateFields> = c
                .delegates
                .iter()
                .filter(|d| d.kind != DelegateKind::Invited)
                .collect();
            let n = voters.len();
            let female = voters
                .iter()
                .filter(|d| d.gender == Some(Gender::Female))
                .count();
            assert!(
                (15..=30).contains(&(female * 100 / n)),
                "seed {seed}: {female} women of {n}"
            );
            let minorities = voters.iter().filter(|d| d.ethnicity != "Kinh").count();
            assert!(
                (5..=16).contains(&(minorities * 100 / n)),
                "seed {seed}: {minorities} minorities of {n}"
            );
            for d in &voters {
                let born = d.birth_date.unwrap();
                assert!(
                    (1962..=1992).contains(&chrono::Datelike::year(&born)),
                    "{d:?}"
                );
                let joined: i32 = d.extra[EXTRA_PARTY_YEAR].parse().unwrap();
                assert!(
                    joined >= chrono::Datelike::year(&born) + 18 && joined <= 2021,
                    "{d:?}"
                );
                assert!(
                    ["Tiến sĩ", "Thạc sĩ", "Đại học"].contains(&d.extra[EXTRA_EDUCATION].as_str())
                );
                assert!(
                    ["Cao cấp", "Cử nhân", "Trung cấp"].contains(&d.extra[EXTRA_THEORY].as_str())
                );
            }
        }
    }

    #[test]
    fn inputs_parse_and_sessions_fall_within_the_congress() {
        for seed in [1, 2, 3] {
            let c = demo(seed);
            let info = c.congress.parse().unwrap();
            assert_eq!(info.starts_on, first_day());
            assert_eq!((info.ends_on - info.starts_on).num_days(), 2);
            assert_eq!(c.congress.starts_on, "24/09/2025");
            let kinds: Vec<&str> = c.sessions.iter().map(|s| s.input.kind.as_str()).collect();
            assert_eq!(
                kinds,
                [
                    "preparatory",
                    "group_discussion",
                    "opening",
                    "plenary",
                    "plenary",
                    "closing"
                ]
            );
            for s in &c.sessions {
                let f = s.input.parse().unwrap();
                assert!(f.date >= info.starts_on && f.date <= info.ends_on, "{s:?}");
                assert!(f.starts_at.is_some() && f.ends_at.is_some());
                assert!(
                    (3..=8).contains(&s.items.len()),
                    "{}: {} items",
                    f.title,
                    s.items.len()
                );
                for it in &s.items {
                    it.parse().unwrap();
                }
            }
        }
    }

    #[test]
    fn the_whole_demo_loads_into_the_domain() {
        let c = demo(11);
        let mut state = CongressState::default();
        let apply = |state: &mut CongressState, events: Vec<daihoi_domain::Event>| {
            for e in &events {
                state.apply(e);
            }
        };
        let ev = state.decide_configure(&c.congress).unwrap();
        apply(&mut state, ev);
        for s in &c.sessions {
            let (id, ev) = state.decide_add_session(&s.input).unwrap();
            apply(&mut state, ev);
            for it in &s.items {
                let (_, ev) = state.decide_add_item(id, it).unwrap();
                apply(&mut state, ev);
            }
        }
        let (summary, ev) = state.decide_import("demo", c.delegates.clone()).unwrap();
        apply(&mut state, ev);
        assert_eq!(summary.created, 458);
        assert_eq!(state.days().len(), 3);
        assert_eq!(state.sessions().len(), 6);
        assert_eq!(state.groups().len(), 12);
        assert_eq!(state.delegations().len(), 20);
        // Importing the same list again changes nothing.
        let (summary, ev) = state.decide_import("demo", c.delegates).unwrap();
        assert_eq!(summary.unchanged, 458);
        assert!(ev.is_empty());
    }

    #[test]
    fn presenters_are_named_delegates() {
        let c = demo(3);
        let secretary = c
            .delegates
            .iter()
            .find(|d| d.position == "Bí thư Tỉnh ủy")
            .unwrap();
        assert_eq!(secretary.code, "DB001");
        let opening = &c.sessions[2];
        assert!(opening.items.iter().any(|i| i.presenter == format!("Đồng chí {}, Bí thư Tỉnh ủy", secretary.full_name)));
        let debate = &c.sessions[3];
        let speeches = debate
            .items
            .iter()
            .filter(|i| i.title.starts_with("Tham luận: "))
            .count();
        assert_eq!(speeches, 6);
        for i in debate
            .items
            .iter()
            .filter(|i| i.title.starts_with("Tham luận: "))
        {
            assert!(i.presenter.starts_with("Đồng chí "), "{i:?}");
        }
        let groups = &c.sessions[1].items[0].notes;
        assert_eq!(groups.lines().count(), 12);
    }

    #[test]
    fn deterministic_by_seed() {
        let a = demo(2025);
        let b = demo(2025);
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        let other = demo(2026);
        let names = |c: &DemoCongress| {
            c.delegates
                .iter()
                .map(|d| d.full_name.clone())
                .collect::<Vec<_>>()
        };
        assert_ne!(names(&a), names(&other));
        let differing = names(&a)
            .iter()
            .zip(names(&other))
            .filter(|(x, y)| **x != *y)
            .count();
        assert!(differing > 400, "{differing}");
    }
}
