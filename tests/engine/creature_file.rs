//! Creature files: round trip, and every way a file can be bad.

use image::{DynamicImage, Rgba, RgbaImage};
use morphogen::creature::{Creature, CreatureMeta, CreatureMode, Problem};
use morphogen::nca::{ModelSpec, NcaConfig, PARAM_COUNT};
use morphogen::target::{Target, TargetOptions};

use crate::common::*;

fn sample() -> Creature {
    let img = DynamicImage::ImageRgba8(RgbaImage::from_pixel(10, 10, Rgba([250, 100, 0, 255])));
    let target = Target::from_image(&img, &TargetOptions::default()).unwrap();
    let mut meta = CreatureMeta::new(
        "blob",
        ModelSpec::GROWING,
        CreatureMode::Regenerate,
        "trained by morphogen",
        NcaConfig { angle: 0.5, ..Default::default() },
        [72, 72],
    );
    meta.iterations = 1234;
    meta.final_loss = Some(0.00123);
    Creature { meta, weights: random_weights(9), target: Some(target) }
}

/// Rewrites the trailing checksum so that a deliberate edit reaches the later checks.
fn fix_crc(b: &mut [u8]) {
    let n = b.len() - 4;
    let crc = crc32fast::hash(&b[..n]);
    b[n..].copy_from_slice(&crc.to_le_bytes());
}

fn meta_span(b: &[u8]) -> (usize, usize) {
    let len = u32::from_le_bytes(b[12..16].try_into().unwrap()) as usize;
    (16, 16 + len)
}

#[test]
fn save_and_load_round_trip() {
    let dir = tmpdir("roundtrip");
    let c = sample();
    let path = dir.join("blob.creature");
    c.save(&path).unwrap();
    let back = Creature::load(&path).unwrap();
    assert_eq!(back.meta, c.meta);
    assert_eq!(back.weights, c.weights);
    assert_eq!(back.weights.len(), PARAM_COUNT);
    let (t, bt) = (c.target.unwrap(), back.target.clone().unwrap());
    assert_eq!((bt.width, bt.height), (t.width, t.height));
    // Saving again replaces the file atomically and leaves no temporary file behind.
    back.save(&path).unwrap();
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn truncated_files_are_reported_as_truncated_at_every_length() {
    let b = sample().to_bytes();
    for cut in (0..b.len()).step_by(97).chain([b.len() - 1, b.len() - 4, 9, 13]) {
        match Creature::from_bytes(&b[..cut]) {
            Err(Problem::Truncated { .. }) | Err(Problem::NotACreature) => {}
            other => panic!("cut at {cut}: {:?}", other.map(|_| ())),
        }
    }
}

#[test]
fn other_versions_are_refused_by_number() {
    let mut b = sample().to_bytes();
    b[8..12].copy_from_slice(&3u32.to_le_bytes());
    assert_eq!(Creature::from_bytes(&b).unwrap_err(), Problem::Version(3));
}

#[test]
fn wrong_magic_and_flipped_bits_are_caught() {
    let mut b = sample().to_bytes();
    b[0] = b'X';
    assert_eq!(Creature::from_bytes(&b).unwrap_err(), Problem::NotACreature);
    let mut b = sample().to_bytes();
    let mid = b.len() / 2;
    b[mid] ^= 0x40;
    assert_eq!(Creature::from_bytes(&b).unwrap_err(), Problem::Checksum);
}

#[test]
fn wrong_tensor_shapes_are_refused() {
    let mut b = sample().to_bytes();
    let (s, e) = meta_span(&b);
    let meta = String::from_utf8(b[s..e].to_vec()).unwrap();
    // Same length, different shape: w1 claims [48, 129].
    let edited = meta.replacen("128\n", "129\n", 1);
    assert_ne!(edited, meta);
    b[s..e].copy_from_slice(edited.as_bytes());
    fix_crc(&mut b);
    match Creature::from_bytes(&b).unwrap_err() {
        Problem::Shape(m) => assert!(m.contains("w1"), "{m}"),
        p => panic!("{p:?}"),
    }
}

#[test]
fn nan_weights_are_refused() {
    let mut b = sample().to_bytes();
    let (_, e) = meta_span(&b);
    // After the meta: the weights' length, then the weights.
    let at = e + 4 + 4 * 100;
    b[at..at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
    fix_crc(&mut b);
    match Creature::from_bytes(&b).unwrap_err() {
        Problem::NonFinite(m) => assert!(m.contains("w1") && m.contains("100"), "{m}"),
        p => panic!("{p:?}"),
    }
}

#[test]
fn errors_name_the_file() {
    let dir = tmpdir("errors");
    let path = dir.join("broken.creature");
    std::fs::write(&path, b"MORPHOGN\x01\x00\x00\x00").unwrap();
    let e = Creature::load(&path).unwrap_err().to_string();
    assert!(e.contains("broken.creature") && e.contains("truncated"), "{e}");
    let e = Creature::load(&dir.join("missing.creature")).unwrap_err().to_string();
    assert!(e.contains("missing.creature"), "{e}");
}
