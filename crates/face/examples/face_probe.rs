//! Developer probe: detection, pose, sharpness and pairwise distances of the sample photos.
//! `cargo run --release -p daihoi-face --example face_probe -- models`
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "models".into());
    let t0 = std::time::Instant::now();
    let eng = daihoi_face::FaceEngine::load(Path::new(&dir))?;
    println!("load {:?}", t0.elapsed());
    let mut reads = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(Path::new(&dir).join("samples"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    names.sort();
    for p in names {
        let bytes = std::fs::read(&p)?;
        let img = daihoi_face::picture::decode(&bytes)?;
        let t = std::time::Instant::now();
        let faces = eng.detect(&img, 40.0, daihoi_face::mtcnn::PHOTO)?;
        let dt = t.elapsed();
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        println!(
            "{name} {:?} faces={} detect={dt:?}",
            img.dimensions(),
            faces.len()
        );
        for (i, d) in faces.iter().enumerate() {
            let r = eng.read(&img, d)?;
            println!(
                "  #{i} box={:?} score={:.3} eyes={:.0} yaw={:.3} roll={:.1} sharp={:.0}",
                d.bbox.map(|v| v.round()),
                d.score,
                d.eye_distance(),
                r.pose.yaw,
                r.pose.roll,
                r.sharpness
            );
            r.chip.save(format!("/tmp/face/chip-{name}-{i}.png"))?;
            reads.push((format!("{name}#{i}"), r.template));
        }
        match eng.enrol(&bytes, &daihoi_face::DEFAULT_RULES) {
            Ok(e) => println!("  enrol ok eyes={} sharp={:.0}", e.eyes_px, e.sharpness),
            Err(e) => println!("  enrol refused: {} ({e})", e.code()),
        }
    }
    let photo = |s: &str| s.split('#').next().unwrap_or("").to_string();
    let obama = |s: &str| s.starts_with("obama");
    let (mut same, mut diff) = (Vec::new(), Vec::new());
    for i in 0..reads.len() {
        for j in i + 1..reads.len() {
            let d = reads[i].1.distance(&reads[j].1);
            let (a, b) = (&reads[i].0, &reads[j].0);
            if obama(a) && obama(b) {
                same.push((d, a.clone(), b.clone()));
            } else if photo(a) == photo(b)
                || obama(a)
                || obama(b)
                || a.starts_with("biden")
                || b.starts_with("biden")
            {
                diff.push((d, a.clone(), b.clone()));
            }
        }
    }
    same.sort_by(|a, b| a.0.total_cmp(&b.0));
    diff.sort_by(|a, b| a.0.total_cmp(&b.0));
    println!(
        "same person: {} pairs, {:.3}..{:.3}",
        same.len(),
        same[0].0,
        same[same.len() - 1].0
    );
    println!(
        "different people: {} pairs, {:.3}..{:.3}; closest {:?}",
        diff.len(),
        diff[0].0,
        diff[diff.len() - 1].0,
        &diff[..3]
    );
    // Kiosk frame timing: obama.jpg fitted into 640x480.
    let img =
        daihoi_face::picture::decode(&std::fs::read(Path::new(&dir).join("samples/obama.jpg"))?)?;
    let small = image::imageops::resize(&img, 384, 480, image::imageops::FilterType::Triangle);
    let mut frame = image::RgbImage::from_pixel(640, 480, image::Rgb([90, 90, 90]));
    image::imageops::overlay(&mut frame, &small, 128, 0);
    let jpeg = daihoi_face::picture::jpeg(&frame, 85)?;
    let mut times = Vec::new();
    for _ in 0..30 {
        let t = std::time::Instant::now();
        let r = eng.frame(&jpeg)?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(r.face.is_some());
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "frame 640x480: first {:.1} ms, median {:.1} ms, p90 {:.1} ms",
        times[29], times[15], times[27]
    );
    println!("  min {:.1} ms", times[0]);
    let dec = daihoi_face::picture::decode(&jpeg)?;
    let faces = eng.detect(&dec, 60.0, daihoi_face::mtcnn::KIOSK)?;
    let mut best = [f64::MAX; 4];
    for _ in 0..30 {
        let t = std::time::Instant::now();
        let _ = daihoi_face::picture::decode(&jpeg)?;
        best[0] = best[0].min(t.elapsed().as_secs_f64() * 1e3);
        let t = std::time::Instant::now();
        let _ = eng.detect(&dec, 60.0, daihoi_face::mtcnn::KIOSK)?;
        best[1] = best[1].min(t.elapsed().as_secs_f64() * 1e3);
        let t = std::time::Instant::now();
        let chip = daihoi_face::align::chip(&dec, &faces[0].landmarks);
        best[2] = best[2].min(t.elapsed().as_secs_f64() * 1e3);
        let t = std::time::Instant::now();
        let _ = eng.read(&dec, &faces[0])?;
        best[3] = best[3].min(t.elapsed().as_secs_f64() * 1e3);
        drop(chip);
    }
    println!(
        "  fastest: decode {:.1} detect {:.1} align {:.1} align+embed {:.1} ms",
        best[0], best[1], best[2], best[3]
    );
    Ok(())
}
