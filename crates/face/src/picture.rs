//! Decoding photos and frames: JPEG, PNG, WebP; EXIF orientation applied; grey and alpha
//! turned into RGB; a pixel limit so that a hostile file cannot exhaust memory.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage, imageops};

use crate::error::{FaceError, Result};

/// 6000x4000 photos (24 MP) are welcome; 50 MP is the limit.
pub const MAX_PIXELS: u64 = 50_000_000;

pub fn decode(bytes: &[u8]) -> Result<RgbImage> {
    let format = image::guess_format(bytes).map_err(|_| FaceError::NotAnImage)?;
    if !matches!(
        format,
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP
    ) {
        return Err(FaceError::NotAnImage);
    }
    if format == ImageFormat::Jpeg && !ends_with_eoi(bytes) {
        return Err(FaceError::CorruptImage("the JPEG file is cut short".into()));
    }
    let reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| FaceError::CorruptImage(e.to_string()))?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(FaceError::TooLarge {
            width: w,
            height: h,
            max_pixels: MAX_PIXELS,
        });
    }
    if w == 0 || h == 0 {
        return Err(FaceError::CorruptImage("empty image".into()));
    }
    let orientation = decoder.orientation().ok();
    let mut img =
        DynamicImage::from_decoder(decoder).map_err(|e| FaceError::CorruptImage(e.to_string()))?;
    if let Some(o) = orientation {
        img.apply_orientation(o);
    }
    Ok(img.to_rgb8())
}

/// A whole JPEG ends with the EOI marker (some writers pad after it).
fn ends_with_eoi(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(256)..];
    tail.windows(2).any(|w| w == [0xFF, 0xD9])
}

/// A copy whose longer side is at most `max_side` (or the image itself), and the factor
/// from the copy's coordinates to the original's.
pub fn shrink(img: &RgbImage, max_side: u32) -> (std::borrow::Cow<'_, RgbImage>, f32) {
    let (w, h) = img.dimensions();
    let long = w.max(h);
    if long <= max_side {
        return (std::borrow::Cow::Borrowed(img), 1.0);
    }
    let f = long as f32 / max_side as f32;
    let nw = ((w as f32 / f).round() as u32).max(1);
    let nh = ((h as f32 / f).round() as u32).max(1);
    let small = imageops::resize(img, nw, nh, imageops::FilterType::Triangle);
    (std::borrow::Cow::Owned(small), f)
}

/// Encode as JPEG (portraits kept for the kiosk and the enrolment list).
pub fn jpeg(img: &RgbImage, quality: u8) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
    img.write_with_encoder(enc)
        .map_err(|e| FaceError::Inference(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(img: &DynamicImage, f: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, f).expect("encode");
        out.into_inner()
    }

    #[test]
    fn reads_jpeg_png_webp_and_grey() {
        let rgb = DynamicImage::ImageRgb8(RgbImage::from_pixel(40, 30, image::Rgb([200, 10, 10])));
        for f in [ImageFormat::Jpeg, ImageFormat::Png, ImageFormat::WebP] {
            let img = decode(&encode(&rgb, f)).expect("decode");
            assert_eq!(img.dimensions(), (40, 30), "{f:?}");
        }
        let grey =
            DynamicImage::ImageLuma8(image::GrayImage::from_pixel(10, 20, image::Luma([90])));
        let img = decode(&encode(&grey, ImageFormat::Png)).expect("grey");
        assert_eq!(img.get_pixel(3, 3).0, [90, 90, 90]);
    }

    #[test]
    fn refuses_what_is_not_a_readable_image() {
        assert_eq!(decode(b"").unwrap_err().code(), "IMAGE_UNSUPPORTED");
        assert_eq!(
            decode(b"%PDF-1.4 hello").unwrap_err().code(),
            "IMAGE_UNSUPPORTED"
        );
        let rgb = DynamicImage::ImageRgb8(RgbImage::from_pixel(64, 64, image::Rgb([1, 2, 3])));
        let mut bytes = encode(&rgb, ImageFormat::Jpeg);
        bytes.truncate(bytes.len() / 3);
        assert_eq!(decode(&bytes).unwrap_err().code(), "IMAGE_CORRUPT");
        let gif = [b"GIF89a".as_slice(), &[0u8; 20]].concat();
        assert_eq!(decode(&gif).unwrap_err().code(), "IMAGE_UNSUPPORTED");
    }

    #[test]
    fn refuses_more_pixels_than_the_limit_from_the_header() {
        // A PNG header claiming 10000x10000 pixels, with no data behind it.
        let img = DynamicImage::ImageLuma8(image::GrayImage::new(1, 1));
        let mut png = encode(&img, ImageFormat::Png);
        png[16..20].copy_from_slice(&10_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&10_000u32.to_be_bytes());
        let e = decode(&png).unwrap_err();
        assert!(
            matches!(e, FaceError::TooLarge { .. } | FaceError::CorruptImage(_)),
            "{e:?}"
        );
    }
}
