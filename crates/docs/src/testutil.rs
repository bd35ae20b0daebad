//! Test fixtures made on the spot: Vietnamese PDFs, DOCX files, scans, ZIP archives; and a
//! character error rate.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{Cursor, Write};
use std::process::Command;

use image::{GrayImage, ImageFormat};
use printpdf::{Image, ImageTransform, ImageXObject, Mm, PdfDocument, Px};
use unicode_normalization::UnicodeNormalization;

use crate::pdfgen::{Font, mm, save};

/// Fails the test with the fix when a program the crate needs is missing.
pub(crate) fn need(tools: &[&str]) {
    for tool in tools {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            found,
            "{tool} is not installed: run scripts/setup.sh (it installs poppler-utils, \
             tesseract-ocr, tesseract-ocr-vie and qpdf)"
        );
    }
    if tools.contains(&"tesseract") {
        let langs = Command::new("tesseract")
            .arg("--list-langs")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        assert!(
            langs.lines().any(|l| l.trim() == "vie"),
            "the Vietnamese tesseract model is not installed: run scripts/setup.sh \
             (Debian package tesseract-ocr-vie)"
        );
    }
}

/// A paragraph of a congress report, for dense pages.
pub(crate) const REPORT: &str = "Báo cáo chính trị của Ban Chấp hành Đảng bộ tỉnh khóa XIV \
tại Đại hội đại biểu lần thứ XV, nhiệm kỳ 2025 - 2030. Trong nhiệm kỳ qua, Đảng bộ và nhân \
dân trong tỉnh đã đoàn kết, nỗ lực vượt qua nhiều khó khăn, thách thức, thực hiện đạt và vượt \
phần lớn các chỉ tiêu Nghị quyết Đại hội đề ra. Tốc độ tăng trưởng kinh tế bình quân đạt \
7,2% mỗi năm; cơ cấu kinh tế chuyển dịch đúng hướng; thu ngân sách trên địa bàn tăng gấp \
1,6 lần so với đầu nhiệm kỳ. Văn hóa, xã hội có nhiều tiến bộ; đời sống vật chất và tinh thần \
của nhân dân được cải thiện rõ rệt; tỷ lệ hộ nghèo giảm còn 1,8%. Quốc phòng, an ninh được \
giữ vững; công tác đối ngoại được mở rộng. Công tác xây dựng, chỉnh đốn Đảng và hệ thống \
chính trị được chú trọng; năng lực lãnh đạo và sức chiến đấu của tổ chức cơ sở đảng được \
nâng lên. Tuy nhiên, chất lượng tăng trưởng chưa cao; kết cấu hạ tầng còn thiếu đồng bộ; \
cải cách hành chính có mặt còn chậm; một số cán bộ, đảng viên chưa thật sự gương mẫu. \
Phương hướng nhiệm kỳ tới là tiếp tục đẩy mạnh đổi mới, phát huy sức mạnh đại đoàn kết toàn \
dân, huy động mọi nguồn lực để phát triển nhanh và bền vững; giữ vững ổn định chính trị, \
bảo đảm quốc phòng, an ninh; xây dựng Đảng bộ trong sạch, vững mạnh toàn diện. Đại hội \
thống nhất mười chỉ tiêu chủ yếu, ba khâu đột phá và sáu nhóm nhiệm vụ, giải pháp trọng tâm. \
Các đại biểu thảo luận sôi nổi tại tổ, góp ý thẳng thắn, trách nhiệm vào dự thảo văn kiện. Về công tác nhân sự, Đại hội đã tiến hành bầu Ban Chấp hành Đảng bộ tỉnh khóa XV gồm 53 đồng chí và bầu đoàn đại biểu dự Đại hội toàn quốc gồm 15 đồng chí chính thức, 2 đồng chí dự khuyết. Ban kiểm phiếu đã làm việc khách quan, chính xác, đúng quy chế; kết quả kiểm phiếu được công bố công khai trước Đại hội. Đại hội kêu gọi toàn thể cán bộ, đảng viên, các tầng lớp nhân dân trong tỉnh phát huy truyền thống cách mạng, tinh thần đoàn kết, chủ động, sáng tạo, quyết tâm thực hiện thắng lợi Nghị quyết Đại hội, xây dựng quê hương ngày càng giàu đẹp, văn minh.";

/// A text PDF: one page (`w` x `h` points) per entry, each line at `size` points from the
/// top-left margin.
pub(crate) fn text_pdf(pages: &[Vec<String>], size: f32, w: f32, h: f32) -> Vec<u8> {
    let (doc, p0, l0) = PdfDocument::new("Tài liệu", mm(w), mm(h), "text");
    let font = Font::load(&doc).unwrap();
    for (i, lines) in pages.iter().enumerate() {
        let layer = if i == 0 {
            doc.get_page(p0).get_layer(l0)
        } else {
            let (p, l) = doc.add_page(mm(w), mm(h), "text");
            doc.get_page(p).get_layer(l)
        };
        let mut y = h - 50.0;
        for line in lines {
            font.show(&layer, size, 45.0, y, 0.0, line);
            y -= size * 1.5;
        }
    }
    save(doc).unwrap()
}

pub(crate) const A4: (f32, f32) = (595.28, 841.89);
pub(crate) const A6: (f32, f32) = (297.64, 419.53);

/// The dense page of the OCR test: the report wrapped in A4 at 11 pt (about 25 lines).
pub(crate) fn dense_page(font_for_wrap: &Font) -> Vec<String> {
    crate::write::wrap(font_for_wrap, REPORT, 11.0, A4.0 - 90.0)
}

/// A throwaway document just to measure text with the embedded font.
pub(crate) fn with_font<T>(f: impl FnOnce(&Font) -> T) -> T {
    let (doc, _, _) = PdfDocument::new("m", Mm(10.0), Mm(10.0), "m");
    let font = Font::load(&doc).unwrap();
    f(&font)
}

/// Page `page` of `pdf` as a grey image at `dpi` (pdftoppm -gray).
pub(crate) fn render_gray(pdf: &[u8], page: u32, dpi: u32) -> GrayImage {
    let dir = crate::tool::workdir().unwrap();
    std::fs::write(dir.path().join("in.pdf"), pdf).unwrap();
    let (p, r) = (page.to_string(), dpi.to_string());
    cli(
        "pdftoppm",
        &[
            "-gray",
            "-png",
            "-r",
            &r,
            "-f",
            &p,
            "-l",
            &p,
            "-singlefile",
            "in.pdf",
            "out",
        ],
        dir.path(),
    );
    let png = std::fs::read(dir.path().join("out.png")).unwrap();
    image::load_from_memory_with_format(&png, ImageFormat::Png)
        .unwrap()
        .into_luma8()
}

/// A small xorshift generator: deterministic noise without a dependency.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Standard normal (Box-Muller).
    fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.unit(), self.unit());
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// A scanner's damage: turned by `degrees` (bilinear), blurred (Gaussian `blur`), grainy
/// (Gaussian noise of standard deviation `noise`). Written for speed in unoptimised test
/// builds: flat buffers, no per-pixel closures, noise from a table.
pub(crate) fn degrade(
    img: &GrayImage,
    degrees: f32,
    blur: f32,
    noise: f64,
    seed: u64,
) -> GrayImage {
    let (w, h) = img.dimensions();
    let (wu, hu) = (w as usize, h as usize);
    let src = img.as_raw();
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let mut turned = vec![255u8; wu * hu];
    for y in 0..hu {
        let dy = y as f32 - cy;
        // The source point of (x, y) moves by (cos, -sin) per step in x.
        let mut sx = cos * -cx + sin * dy + cx;
        let mut sy = -sin * -cx + cos * dy + cy;
        let row = &mut turned[y * wu..(y + 1) * wu];
        for out in row.iter_mut() {
            let (x0, y0) = (sx.floor(), sy.floor());
            if x0 >= 0.0 && y0 >= 0.0 && x0 + 1.0 < w as f32 && y0 + 1.0 < h as f32 {
                let (fx, fy) = (sx - x0, sy - y0);
                let i = y0 as usize * wu + x0 as usize;
                let top = f32::from(src[i]) * (1.0 - fx) + f32::from(src[i + 1]) * fx;
                let bottom = f32::from(src[i + wu]) * (1.0 - fx) + f32::from(src[i + wu + 1]) * fx;
                *out = (top * (1.0 - fy) + bottom * fy + 0.5) as u8;
            }
            sx += cos;
            sy -= sin;
        }
    }
    let turned = GrayImage::from_raw(w, h, turned).unwrap();
    // DynamicImage's blur is compiled (optimised) in the image crate; the generic
    // `imageops::blur` would be compiled here, unoptimised.
    let mut out = image::DynamicImage::ImageLuma8(turned)
        .blur(blur)
        .into_luma8();
    let mut rng = Rng::new(seed);
    let table: Vec<i16> = (0..65_536)
        .map(|_| (rng.normal() * noise).round().clamp(-255.0, 255.0) as i16)
        .collect();
    for p in out.iter_mut() {
        let n = table[(rng.next_u64() & 0xFFFF) as usize];
        *p = (i16::from(*p) + n).clamp(0, 255) as u8;
    }
    out
}

pub(crate) fn jpeg(img: &GrayImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::L8,
        )
        .unwrap();
    out
}

pub(crate) fn encode(img: &GrayImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A TIFF with one frame per image.
pub(crate) fn tiff(frames: &[GrayImage]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut enc = tiff::encoder::TiffEncoder::new(&mut out).unwrap();
    for f in frames {
        enc.write_image::<tiff::encoder::colortype::Gray8>(f.width(), f.height(), f.as_raw())
            .unwrap();
    }
    out.into_inner()
}

/// A page of [`scanned_pdf`].
pub(crate) enum Page<'a> {
    /// A greyscale JPEG of `width` x `height` pixels covering the page; no text layer.
    Scan(&'a [u8], u32, u32),
    /// Lines of text at 11 pt.
    Text(Vec<String>),
}

/// A PDF of scanned and text pages, each `w` x `h` points.
pub(crate) fn scanned_pdf(pages: &[Page<'_>], w: f32, h: f32) -> Vec<u8> {
    let (doc, p0, l0) = PdfDocument::new("Bản chụp", mm(w), mm(h), "scan");
    let font = Font::load(&doc).unwrap();
    for (i, page) in pages.iter().enumerate() {
        let layer = if i == 0 {
            doc.get_page(p0).get_layer(l0)
        } else {
            let (p, l) = doc.add_page(mm(w), mm(h), "scan");
            doc.get_page(p).get_layer(l)
        };
        match page {
            Page::Scan(jpeg, px_w, px_h) => {
                let image = Image::from(ImageXObject {
                    width: Px(*px_w as usize),
                    height: Px(*px_h as usize),
                    color_space: printpdf::ColorSpace::Greyscale,
                    bits_per_component: printpdf::ColorBits::Bit8,
                    interpolate: false,
                    image_data: jpeg.to_vec(),
                    image_filter: Some(printpdf::ImageFilter::DCT),
                    smask: None,
                    clipping_bbox: None,
                });
                // Scaled to cover the page: dpi = pixels / inches.
                let dpi = *px_w as f32 / (w / 72.0);
                image.add_to_layer(
                    layer,
                    ImageTransform {
                        dpi: Some(dpi),
                        ..Default::default()
                    },
                );
            }
            Page::Text(lines) => {
                let mut y = h - 50.0;
                for line in lines {
                    font.show(&layer, 11.0, 45.0, y, 0.0, line);
                    y -= 16.5;
                }
            }
        }
    }
    save(doc).unwrap()
}

/// A DOCX whose body is `body` (WordprocessingML paragraphs).
pub(crate) fn docx(body: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#
                .to_owned(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#
                .to_owned(),
        ),
        (
            "word/document.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>"#
            ),
        ),
    ];
    for (name, content) in parts {
        zip.start_file(name, opts).unwrap();
        zip.write_all(content.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A paragraph of one run.
pub(crate) fn para(text: &str) -> String {
    format!("<w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>")
}

/// Runs the program with arguments; panics with its error output when it fails.
pub(crate) fn cli(program: &str, args: &[&str], dir: &std::path::Path) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Levenshtein distance over NFC characters with white space made single spaces, divided by
/// the reference length.
pub(crate) fn cer(reference: &str, hypothesis: &str) -> f64 {
    let norm = |s: &str| -> Vec<char> {
        s.nfc()
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .collect()
    };
    let (a, b) = (norm(reference), norm(hypothesis));
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()] as f64 / a.len().max(1) as f64
}

// ----- allocation high-water mark of the current thread ---------------------------------------

struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn account(delta: isize) {
    let _ = LIVE.try_with(|live| {
        let now = live.get().wrapping_add(delta);
        live.set(now);
        let _ = PEAK.try_with(|peak| {
            if now > peak.get() {
                peak.set(now);
            }
        });
    });
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            account(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        account(-(layout.size() as isize));
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            account(layout.size() as isize);
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            account(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// `f()` and the most heap memory this thread held during it beyond what it held before.
pub(crate) fn peak_heap<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(base));
    let out = f();
    let peak = PEAK.with(Cell::get);
    (out, usize::try_from(peak - base).unwrap_or(0))
}
