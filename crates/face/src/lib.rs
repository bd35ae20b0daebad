//! Face check-in, in pure Rust on the organiser's machine: decode a photo or a camera frame,
//! find faces (MTCNN), align each to dlib's 150x150 chip, compute dlib's 128-d descriptor,
//! check enrolment photos, match 1:N ([`gallery`]) and run the head-turn liveness
//! challenge ([`liveness`]). Models come from registry packages via
//! `scripts/fetch-models.sh`; nothing is downloaded at run time.

pub mod align;
pub mod embed;
pub mod error;
pub mod gallery;
pub mod liveness;
pub mod mtcnn;
mod net;
pub mod picture;
pub mod qr;

use std::path::Path;

use image::RgbImage;

pub use error::{FaceError, Result};
pub use gallery::{DEFAULT_POLICY, Decision, Gallery, Match, MatchPolicy, Template};
pub use liveness::{Attempt, Challenge, LiveState, Pose};
pub use mtcnn::Detection;

/// What an enrolment photo must show.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhotoRules {
    /// Pixels between the eyes, in the photo as taken.
    pub min_eyes_px: u32,
    /// Variance of the Laplacian of the aligned chip.
    pub min_sharpness: f32,
    /// |yaw| at most (eye distances).
    pub max_yaw: f32,
    /// |roll| at most, degrees.
    pub max_roll: f32,
}

/// Measured on the registry packages' photos (README "Face check-in").
pub const DEFAULT_RULES: PhotoRules = PhotoRules {
    min_eyes_px: 28,
    min_sharpness: 40.0,
    max_yaw: 0.25,
    max_roll: 20.0,
};

/// The longer side detection works on: larger photos are shrunk first.
const WORK_SIDE: u32 = 1024;

/// One face read from an image: where, its pose, sharpness and descriptor.
#[derive(Debug, Clone)]
pub struct FaceRead {
    pub detection: Detection,
    pub pose: Pose,
    pub sharpness: f32,
    pub template: Template,
    /// The aligned 150x150 chip.
    pub chip: RgbImage,
}

/// A frame from the kiosk's camera: the largest face, and how many faces there were.
#[derive(Debug, Clone)]
pub struct FrameRead {
    pub face: Option<FaceRead>,
    pub faces: usize,
    pub width: u32,
    pub height: u32,
}

/// An accepted enrolment photo.
#[derive(Debug, Clone)]
pub struct Enrolled {
    pub template: Template,
    /// The portrait kept for the kiosk and the lists: the face with some margin, ≤ 480 px.
    pub portrait_jpeg: Vec<u8>,
    pub eyes_px: u32,
    pub sharpness: f32,
    pub pose: Pose,
}

pub struct FaceEngine {
    mtcnn: mtcnn::Mtcnn,
    embedder: embed::Embedder,
}

/// Variance of the Laplacian of the chip's grey levels: low when blurred.
pub fn sharpness(chip: &RgbImage) -> f32 {
    let (w, h) = chip.dimensions();
    let grey = |x: u32, y: u32| {
        let p = chip.get_pixel(x, y).0;
        0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2])
    };
    // The middle of the chip only: the face, not the background.
    let (x0, x1, y0, y1) = (w / 4, w * 3 / 4, h / 4, h * 3 / 4);
    let mut vals = Vec::new();
    for y in y0.max(1)..y1.min(h - 1) {
        for x in x0.max(1)..x1.min(w - 1) {
            vals.push(
                grey(x - 1, y) + grey(x + 1, y) + grey(x, y - 1) + grey(x, y + 1)
                    - 4.0 * grey(x, y),
            );
        }
    }
    let n = vals.len().max(1) as f32;
    let mean = vals.iter().sum::<f32>() / n;
    vals.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / n
}

impl FaceEngine {
    /// Load the models from `dir` (see `scripts/fetch-models.sh`).
    pub fn load(dir: &Path) -> Result<FaceEngine> {
        let missing = |f: &str, e: String| FaceError::ModelsMissing {
            dir: dir.display().to_string(),
            detail: format!("{f}: {e}"),
        };
        let net = |f: &str| -> Result<net::Net> {
            let path = dir.join(f);
            if !path.is_file() {
                return Err(missing(f, "not found".into()));
            }
            let model = tract_onnx::prelude::Framework::model_for_path(&tract_onnx::onnx(), &path)
                .map_err(|e| missing(f, format!("{e:#}")))?;
            Ok(net::Net::new(model))
        };
        let mtcnn = mtcnn::Mtcnn {
            pnet: net("pnet.onnx")?,
            rnet: net("rnet.onnx")?,
            onet: net("onet.onnx")?,
        };
        let embedder = embed::Embedder::load(dir).map_err(|e| match e {
            FaceError::ModelsMissing { detail, .. } => missing("face_recognition_model", detail),
            other => other,
        })?;
        Ok(FaceEngine { mtcnn, embedder })
    }

    /// Faces in the image, largest first, in the image's coordinates. `min_face` in pixels
    /// of the image as given.
    pub fn detect(
        &self,
        img: &RgbImage,
        min_face: f32,
        budget: mtcnn::Budget,
    ) -> Result<Vec<Detection>> {
        let (work, f) = picture::shrink(img, WORK_SIDE);
        let mut faces = self.mtcnn.detect(&work, (min_face / f).max(20.0), budget)?;
        for d in faces.iter_mut() {
            d.bbox = d.bbox.map(|v| v * f);
            for p in d.landmarks.iter_mut() {
                *p = [p[0] * f, p[1] * f];
            }
        }
        faces.sort_by(|a, b| b.area().total_cmp(&a.area()));
        Ok(faces)
    }

    /// Align, describe and measure one detected face.
    pub fn read(&self, img: &RgbImage, d: &Detection) -> Result<FaceRead> {
        let chip = align::chip(img, &d.landmarks);
        let template = Template(self.embedder.embed(&chip)?);
        Ok(FaceRead {
            detection: *d,
            pose: Pose::from_landmarks(&d.landmarks),
            sharpness: sharpness(&chip),
            template,
            chip,
        })
    }

    /// A kiosk frame: the largest face (faces smaller than 1/8 of the frame's shorter side
    /// are ignored: they are people further back in the queue).
    pub fn frame(&self, bytes: &[u8]) -> Result<FrameRead> {
        let img = picture::decode(bytes)?;
        self.frame_image(&img)
    }

    pub fn frame_image(&self, img: &RgbImage) -> Result<FrameRead> {
        let (width, height) = img.dimensions();
        let min_face = (width.min(height) as f32 / 8.0).max(24.0);
        let faces = self.detect(img, min_face, mtcnn::KIOSK)?;
        let face = match faces.first() {
            Some(d) => Some(self.read(img, d)?),
            None => None,
        };
        Ok(FrameRead {
            face,
            faces: faces.len(),
            width,
            height,
        })
    }

    /// Check an enrolment photo and compute its template and portrait.
    pub fn enrol(&self, bytes: &[u8], rules: &PhotoRules) -> Result<Enrolled> {
        let img = picture::decode(bytes)?;
        self.enrol_image(&img, rules)
    }

    pub fn enrol_image(&self, img: &RgbImage, rules: &PhotoRules) -> Result<Enrolled> {
        let (w, h) = img.dimensions();
        // Find faces down to the size rule (and not smaller than 1/40 of the photo).
        let min_face = (rules.min_eyes_px as f32 * 1.6).max(w.min(h) as f32 / 40.0);
        let faces = self.detect(img, min_face.min(w.min(h) as f32), mtcnn::PHOTO)?;
        let Some(main) = faces.first() else {
            return Err(FaceError::NoFace);
        };
        // Another face of comparable size: a group photo, or two people.
        let others = faces[1..]
            .iter()
            .filter(|d| d.eye_distance() >= 0.5 * main.eye_distance() && d.score >= 0.9)
            .count();
        if others > 0 {
            return Err(FaceError::SeveralFaces(others + 1));
        }
        let eyes = main.eye_distance();
        if eyes < rules.min_eyes_px as f32 {
            return Err(FaceError::FaceTooSmall {
                eyes_px: eyes.round() as u32,
                min_px: rules.min_eyes_px,
            });
        }
        let [x1, y1, x2, y2] = main.bbox;
        let slack = 0.08 * (x2 - x1);
        if x1 < -slack || y1 < -slack || x2 > w as f32 + slack || y2 > h as f32 + slack {
            return Err(FaceError::FaceCutOff);
        }
        let read = self.read(img, main)?;
        if read.pose.yaw.abs() > rules.max_yaw || read.pose.roll.abs() > rules.max_roll {
            return Err(FaceError::NotFrontal {
                yaw_percent: (read.pose.yaw * 100.0).round() as i32,
                roll_degrees: read.pose.roll.round() as i32,
            });
        }
        if read.sharpness < rules.min_sharpness {
            return Err(FaceError::Blurry {
                sharpness: read.sharpness.round() as u32,
                min: rules.min_sharpness.round() as u32,
            });
        }
        Ok(Enrolled {
            template: read.template,
            portrait_jpeg: portrait(img, main)?,
            eyes_px: eyes.round() as u32,
            sharpness: read.sharpness,
            pose: read.pose,
        })
    }
}

/// The face with a margin (head and shoulders), at most 480 px high, as JPEG.
pub fn portrait(img: &RgbImage, d: &Detection) -> Result<Vec<u8>> {
    let (w, h) = img.dimensions();
    let [x1, y1, x2, y2] = d.bbox;
    let (cx, cy) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
    let side = (x2 - x1).max(y2 - y1) * 1.8;
    let left = (cx - side / 2.0).max(0.0) as u32;
    let top = (cy - side / 2.0).max(0.0) as u32;
    let cw = (side as u32).min(w - left.min(w)).max(1);
    let ch = ((side * 1.2) as u32).min(h - top.min(h)).max(1);
    let crop = image::imageops::crop_imm(img, left, top, cw, ch).to_image();
    let (crop, _) = picture::shrink(&crop, 480);
    picture::jpeg(&crop, 85)
}

#[cfg(test)]
mod tests;
