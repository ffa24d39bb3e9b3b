//! Target preparation on ordinary and unusual images, and bad images.

use image::{DynamicImage, GrayImage, ImageBuffer, Luma, Rgb, RgbImage, Rgba, RgbaImage};
use morphogen::target::{Background, ImageProblem, Target, TargetError, TargetOptions, decode_bytes};

fn opts() -> TargetOptions {
    TargetOptions::default()
}

fn alpha_at(t: &Target, y: usize, x: usize) -> f32 {
    t.rgba[(y * t.width + x) * 4 + 3]
}

#[test]
fn an_image_without_alpha_is_opaque_in_its_box_and_padded() {
    let img = DynamicImage::ImageRgb8(RgbImage::from_pixel(10, 10, Rgb([200, 50, 25])));
    let t = Target::from_image(&img, &opts()).unwrap();
    assert_eq!((t.width, t.height), (72, 72));
    assert!(alpha_at(&t, 36, 36) > 0.999);
    assert!(alpha_at(&t, 16, 16) > 0.999);
    assert!(alpha_at(&t, 55, 55) > 0.999);
    assert_eq!(alpha_at(&t, 15, 36), 0.0);
    assert_eq!(alpha_at(&t, 56, 36), 0.0);
    let i = (36 * 72 + 36) * 4;
    assert!((t.rgba[i] - 200.0 / 255.0).abs() < 0.01);
}

#[test]
fn grayscale_and_16_bit_images_are_read() {
    let g = DynamicImage::ImageLuma8(GrayImage::from_pixel(8, 8, Luma([128])));
    let t = Target::from_image(&g, &opts()).unwrap();
    let i = (36 * 72 + 36) * 4;
    assert!((t.rgba[i] - 0.502).abs() < 0.01 && (t.rgba[i + 1] - t.rgba[i]).abs() < 1e-6);
    assert!(t.rgba[i + 3] > 0.999);
    let img16: ImageBuffer<Rgba<u16>, Vec<u16>> = ImageBuffer::from_pixel(20, 20, Rgba([65535, 0, 0, 32768]));
    let t = Target::from_image(&DynamicImage::ImageRgba16(img16), &opts()).unwrap();
    assert!((t.rgba[i + 3] - 0.5).abs() < 0.01);
    assert!((t.rgba[i] - 0.5).abs() < 0.01, "premultiplied red");
}

#[test]
fn a_1x1_image_fills_the_box() {
    let img = DynamicImage::ImageRgba8(RgbaImage::from_pixel(1, 1, Rgba([0, 255, 0, 255])));
    let t = Target::from_image(&img, &opts()).unwrap();
    let opaque = t.rgba.chunks_exact(4).filter(|p| p[3] > 0.99).count();
    assert_eq!(opaque, 40 * 40);
}

#[test]
fn a_large_image_is_fitted_keeping_its_aspect() {
    let img = DynamicImage::ImageRgb8(RgbImage::from_pixel(300, 150, Rgb([10, 20, 30])));
    let t = Target::from_image(&img, &opts()).unwrap();
    let opaque = t.rgba.chunks_exact(4).filter(|p| p[3] > 0.5).count();
    assert_eq!(opaque, 40 * 20);
    let custom = TargetOptions { size: 24, padding: 4, ..opts() };
    let t = Target::from_image(&img, &custom).unwrap();
    assert_eq!(t.width, 32);
}

#[test]
fn resampling_premultiplied_leaves_no_dark_fringe() {
    // A red disc on fully transparent *black*: a straight-alpha resize would darken its rim.
    let img = RgbaImage::from_fn(64, 64, |x, y| {
        let d = ((x as f32 - 31.5).powi(2) + (y as f32 - 31.5).powi(2)).sqrt();
        if d < 24.0 { Rgba([255, 0, 0, 255]) } else { Rgba([0, 0, 0, 0]) }
    });
    let t = Target::from_image(&DynamicImage::ImageRgba8(img), &opts()).unwrap();
    let mut rim = 0;
    for p in t.rgba.chunks_exact(4) {
        assert!(p[0] <= p[3] + 1e-6 && p[1] <= p[3] + 1e-6, "premultiplied: colour <= alpha");
        if p[3] > 0.05 && p[3] < 0.95 {
            rim += 1;
            assert!(p[0] / p[3] > 0.97, "un-premultiplied rim colour stays red: {:?}", p);
        }
    }
    assert!(rim > 10, "the disc has a soft rim");
}

#[test]
fn a_background_colour_can_be_keyed_out() {
    let img =
        RgbImage::from_fn(20, 20, |x, _| if (5..15).contains(&x) { Rgb([0, 0, 200]) } else { Rgb([255, 255, 255]) });
    let img = DynamicImage::ImageRgb8(img);
    let kept = Target::from_image(&img, &opts()).unwrap();
    assert!(alpha_at(&kept, 36, 17) > 0.999, "without keying, white is opaque");
    for bg in [Background::Key([255, 255, 255]), Background::Corner] {
        let t = Target::from_image(&img, &TargetOptions { background: bg, ..opts() }).unwrap();
        assert!(alpha_at(&t, 36, 17) < 0.001, "{bg:?}: white keyed out");
        assert!(alpha_at(&t, 36, 36) > 0.999, "{bg:?}: blue kept");
    }
    assert_eq!("#ffffff".parse::<Background>().unwrap(), Background::Key([255, 255, 255]));
    assert!("#fff".parse::<Background>().is_err());
}

#[test]
fn bad_images_give_clear_errors() {
    let clear = DynamicImage::ImageRgba8(RgbaImage::from_pixel(8, 8, Rgba([255, 0, 0, 0])));
    let problem = |e: TargetError| match e {
        TargetError::Image { problem, .. } => problem,
        TargetError::File(e) => panic!("an image error, not a file's: {e}"),
    };
    let e = Target::from_image(&clear, &opts()).unwrap_err();
    assert!(e.to_string().contains("fully transparent"), "{e}");
    assert!(matches!(problem(e), ImageProblem::Transparent));
    let e = decode_bytes(b"hello, not an image").unwrap_err();
    assert!(e.to_string().contains("not an image"), "{e}");
    assert!(matches!(problem(e), ImageProblem::NotAnImage));
    // A valid PNG signature and header followed by garbage.
    let mut png = Vec::new();
    DynamicImage::ImageRgb8(RgbImage::new(4, 4))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let cut = &png[..png.len() / 2];
    let e = decode_bytes(cut).unwrap_err();
    assert!(e.to_string().contains("corrupt"), "{e}");
    assert!(matches!(problem(e), ImageProblem::Corrupt(_)));
    // A PNG whose header claims 100000 x 100000 pixels.
    let mut huge = png.clone();
    huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    huge[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let crc = crc32fast::hash(&huge[12..29]);
    huge[29..33].copy_from_slice(&crc.to_be_bytes());
    let e = decode_bytes(&huge).unwrap_err();
    assert!(e.to_string().contains("too large"), "{e}");
    assert!(matches!(problem(e), ImageProblem::SideTooLarge));
    // A missing file is told from a bad image, and the message names it.
    let missing = Target::from_file(std::path::Path::new("/nonexistent/x.png"), &opts()).unwrap_err();
    assert!(missing.to_string().starts_with("/nonexistent/x.png: "), "{missing}");
    assert!(matches!(&missing, TargetError::File(e) if e.is_missing()), "{missing}");
    // A bad image read from a file names the file once.
    let bad = std::env::temp_dir().join(format!("morphogen-not-an-image-{}.png", std::process::id()));
    std::fs::write(&bad, b"hello").unwrap();
    let e = Target::from_file(&bad, &opts()).unwrap_err().to_string();
    std::fs::remove_file(&bad).unwrap();
    assert_eq!(e.matches(&*bad.to_string_lossy()).count(), 1, "{e}");
    assert!(e.contains("not an image"), "{e}");
}

#[test]
fn the_target_png_round_trips() {
    let img = RgbaImage::from_fn(16, 16, |x, y| Rgba([x as u8 * 16, y as u8 * 16, 99, (x * 16 + 15) as u8]));
    let t = Target::from_image(&DynamicImage::ImageRgba8(img), &opts()).unwrap();
    let back = Target::from_png(&t.to_png()).unwrap();
    assert_eq!((back.width, back.height), (t.width, t.height));
    let d = t.rgba.iter().zip(&back.rgba).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
    assert!(d < 0.01, "{d}");
}
