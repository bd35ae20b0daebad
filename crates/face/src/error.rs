//! Every way a photo or a frame can be refused, with a stable code the app translates.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum FaceError {
    #[error("the face models are not installed in {dir}: run ./scripts/fetch-models.sh ({detail})")]
    ModelsMissing { dir: String, detail: String },
    #[error("the face model could not be run: {0}")]
    Inference(String),
    #[error("not an image this system reads (JPEG, PNG, WebP)")]
    NotAnImage,
    #[error("the image is damaged and cannot be read: {0}")]
    CorruptImage(String),
    #[error("the image is too large ({width}x{height}; at most {max_pixels} pixels)")]
    TooLarge {
        width: u32,
        height: u32,
        max_pixels: u64,
    },
    #[error("no face found in the photo")]
    NoFace,
    #[error("{0} faces in the photo: a portrait must show exactly one")]
    SeveralFaces(usize),
    #[error("the face is too small ({eyes_px} px between the eyes; at least {min_px})")]
    FaceTooSmall { eyes_px: u32, min_px: u32 },
    #[error("the photo is not sharp enough (sharpness {sharpness}; at least {min})")]
    Blurry { sharpness: u32, min: u32 },
    #[error("the face is not frontal enough (turned {yaw_percent}% / tilted {roll_degrees}°)")]
    NotFrontal { yaw_percent: i32, roll_degrees: i32 },
    #[error("the face is cut off by the edge of the photo")]
    FaceCutOff,
    #[error("the face template is damaged")]
    BadTemplate,
}

impl FaceError {
    /// Stable code for the catalogue (`faces.error.<code>`) and the API.
    pub fn code(&self) -> &'static str {
        match self {
            FaceError::ModelsMissing { .. } => "FACE_MODELS_MISSING",
            FaceError::Inference(_) => "FACE_INFERENCE",
            FaceError::NotAnImage => "IMAGE_UNSUPPORTED",
            FaceError::CorruptImage(_) => "IMAGE_CORRUPT",
            FaceError::TooLarge { .. } => "IMAGE_TOO_LARGE",
            FaceError::NoFace => "FACE_NONE",
            FaceError::SeveralFaces(_) => "FACE_SEVERAL",
            FaceError::FaceTooSmall { .. } => "FACE_TOO_SMALL",
            FaceError::Blurry { .. } => "FACE_BLURRY",
            FaceError::NotFrontal { .. } => "FACE_NOT_FRONTAL",
            FaceError::FaceCutOff => "FACE_CUT_OFF",
            FaceError::BadTemplate => "FACE_BAD_TEMPLATE",
        }
    }
}

impl From<tract_onnx::prelude::TractError> for FaceError {
    fn from(e: tract_onnx::prelude::TractError) -> Self {
        FaceError::Inference(format!("{e:#}"))
    }
}

pub type Result<T> = std::result::Result<T, FaceError>;
