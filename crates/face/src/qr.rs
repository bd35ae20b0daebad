//! Badge QR codes read from a kiosk frame (the fallback when a face is not recognised).

use image::RgbImage;

/// The text of every QR code found in the frame.
pub fn read_codes(img: &RgbImage) -> Vec<String> {
    let grey = image::DynamicImage::ImageRgb8(img.clone()).to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(grey);
    prepared
        .detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_in_a_plain_frame() {
        assert!(read_codes(&RgbImage::from_pixel(64, 48, image::Rgb([200, 200, 200]))).is_empty());
    }
}
