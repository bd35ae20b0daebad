//! Writing small PDFs with printpdf and the embedded DejaVu Sans font (all Vietnamese
//! letters, subset to the glyphs used, with a ToUnicode map so the text can be extracted).

use printpdf::lopdf::Object;
use printpdf::lopdf::content::Operation;
use printpdf::{IndirectFontRef, PdfDocumentReference, PdfLayerReference};

use crate::DocError;

/// DejaVu Sans embedded in a document, with its metrics.
pub(crate) struct Font {
    pdf: IndirectFontRef,
    face: ttf_parser::Face<'static>,
    units_per_em: f32,
}

impl Font {
    pub(crate) fn load(doc: &PdfDocumentReference) -> Result<Font, DocError> {
        let bytes = dejavu::sans::regular();
        let bad = |e: &dyn std::fmt::Display| DocError::Tool(format!("the PDF font: {e}"));
        let face = ttf_parser::Face::parse(bytes, 0).map_err(|e| bad(&e))?;
        let units_per_em = f32::from(face.units_per_em());
        if units_per_em <= 0.0 {
            return Err(bad(&"units per em is zero"));
        }
        let pdf = doc.add_external_font(bytes).map_err(|e| bad(&e))?;
        Ok(Font {
            pdf,
            face,
            units_per_em,
        })
    }

    /// `s` with the characters the font lacks replaced by "?".
    pub(crate) fn printable(&self, s: &str) -> String {
        s.chars()
            .map(|c| {
                if self.face.glyph_index(c).is_some() {
                    c
                } else {
                    '?'
                }
            })
            .collect()
    }

    /// Width of `s` in points at `size` (advance widths, no kerning, as it is written).
    pub(crate) fn width(&self, s: &str, size: f32) -> f32 {
        let units: u32 = s
            .chars()
            .filter_map(|c| self.face.glyph_index(c))
            .filter_map(|g| self.face.glyph_hor_advance(g))
            .map(u32::from)
            .sum();
        units as f32 / self.units_per_em * size
    }

    /// Shows `s` at (`x`, `y`) points, its baseline turned `angle` degrees counter-clockwise.
    pub(crate) fn show(
        &self,
        layer: &PdfLayerReference,
        size: f32,
        x: f32,
        y: f32,
        angle: f32,
        s: &str,
    ) {
        let (sin, cos) = angle.to_radians().sin_cos();
        layer.begin_text_section();
        layer.set_font(&self.pdf, size);
        layer.add_operation(Operation::new(
            "Tm",
            [cos, sin, -sin, cos, x, y].map(Object::Real).to_vec(),
        ));
        // Glyph ids straight from the font: `write_text` would copy the whole font per call.
        layer.write_codepoints(
            s.chars()
                .filter_map(|c| self.face.glyph_index(c))
                .map(|g| g.0),
        );
        layer.end_text_section();
    }
}

/// Turns glyph outlines into PDF path operations (font units; cubic curves for quadratic).
struct PathOps {
    ops: Vec<Operation>,
    dx: f32,
    last: (f32, f32),
}

impl PathOps {
    fn push(&mut self, op: &str, points: &[(f32, f32)]) {
        let operands = points
            .iter()
            .flat_map(|&(x, y)| [Object::Real(x + self.dx), Object::Real(y)])
            .collect();
        self.ops.push(Operation::new(op, operands));
        if let Some(&p) = points.last() {
            self.last = p;
        }
    }
}

impl ttf_parser::OutlineBuilder for PathOps {
    fn move_to(&mut self, x: f32, y: f32) {
        self.push("m", &[(x, y)]);
    }

    fn line_to(&mut self, x: f32, y: f32) {
        self.push("l", &[(x, y)]);
    }

    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let (x0, y0) = self.last;
        let c1 = (x0 + 2.0 / 3.0 * (x1 - x0), y0 + 2.0 / 3.0 * (y1 - y0));
        let c2 = (x + 2.0 / 3.0 * (x1 - x), y + 2.0 / 3.0 * (y1 - y));
        self.push("c", &[c1, c2, (x, y)]);
    }

    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.push("c", &[(x1, y1), (x2, y2), (x, y)]);
    }

    fn close(&mut self) {
        self.ops.push(Operation::new("h", vec![]));
    }
}

impl Font {
    /// Draws `s` as filled glyph outlines (no text object: viewers cannot select it and text
    /// extraction does not see it) at (`x`, `y`) points, turned `angle` degrees, in the
    /// current fill colour.
    pub(crate) fn outline(
        &self,
        layer: &PdfLayerReference,
        size: f32,
        x: f32,
        y: f32,
        angle: f32,
        s: &str,
    ) {
        let (sin, cos) = angle.to_radians().sin_cos();
        let k = size / self.units_per_em;
        layer.add_operation(Operation::new("q", vec![]));
        layer.add_operation(Operation::new(
            "cm",
            [cos * k, sin * k, -sin * k, cos * k, x, y]
                .map(Object::Real)
                .to_vec(),
        ));
        let mut path = PathOps {
            ops: Vec::new(),
            dx: 0.0,
            last: (0.0, 0.0),
        };
        for glyph in s.chars().filter_map(|c| self.face.glyph_index(c)) {
            let _ = self.face.outline_glyph(glyph, &mut path);
            path.dx += f32::from(self.face.glyph_hor_advance(glyph).unwrap_or(0));
        }
        for op in path.ops {
            layer.add_operation(op);
        }
        layer.add_operation(Operation::new("f", vec![]));
        layer.add_operation(Operation::new("Q", vec![]));
    }
}

pub(crate) fn save(doc: PdfDocumentReference) -> Result<Vec<u8>, DocError> {
    doc.save_to_bytes()
        .map_err(|e| DocError::Tool(format!("the PDF could not be written: {e}")))
}

/// Millimetres from points (printpdf sizes pages in millimetres).
pub(crate) fn mm(pt: f32) -> printpdf::Mm {
    printpdf::Mm(pt * 25.4 / 72.0)
}
