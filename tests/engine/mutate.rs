//! Mutations of valid files for the hostile-input test: text edits that put extreme values where
//! numbers were, byte edits, and edits of the JSON inside the binary formats with their lengths and
//! checksums made right again, so that the edit reaches the validation behind them.

use rand::{Rng, rngs::StdRng};

const EXTREMES: &[&str] = &[
    "0",
    "-1",
    "1e30",
    "-1e30",
    "NaN",
    "inf",
    "1e9",
    "2147483647",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "-9223372036854775808",
    "3e38",
    "100000",
    "100000000",
    "-0.0",
    "5e18",
    "1e-45",
    "65536",
    "1e12",
];
const INSERTS: &[&str] = &["€", "\u{feff}", "\0", "\"", "(", ")", "[", "]", ",", ":", "a€bc", "\u{1b}[31m", "-", "9"];

fn boundary(s: &str, rng: &mut StdRng) -> usize {
    let mut i = rng.random_range(0..=s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// One to three edits of a text file: a number replaced by an extreme value (most often, since
/// that is what reaches the validators), a span cut or repeated, a character inserted, the end cut.
pub fn mutate_text(rng: &mut StdRng, s: &str) -> String {
    let mut s = s.to_string();
    for _ in 0..rng.random_range(1..=3) {
        let numbers: Vec<(usize, usize)> = {
            let b = s.as_bytes();
            let mut v = Vec::new();
            let mut i = 0;
            while i < b.len() {
                if b[i].is_ascii_digit() {
                    let start = if i > 0 && b[i - 1] == b'-' { i - 1 } else { i };
                    while i < b.len() && (b[i].is_ascii_digit() || b".eE+-".contains(&b[i])) {
                        i += 1;
                    }
                    v.push((start, i));
                } else {
                    i += 1;
                }
            }
            v
        };
        match rng.random_range(0..10) {
            0..=5 if !numbers.is_empty() => {
                let (a, b) = numbers[rng.random_range(0..numbers.len())];
                let with = EXTREMES[rng.random_range(0..EXTREMES.len())];
                s.replace_range(a..b, with);
            }
            6 => {
                let a = boundary(&s, rng);
                let mut b = (a + rng.random_range(1..40)).min(s.len());
                while !s.is_char_boundary(b) {
                    b -= 1;
                }
                if rng.random_bool(0.5) {
                    s.replace_range(a..b, "");
                } else {
                    let dup = s[a..b].to_string();
                    s.insert_str(b, &dup);
                }
            }
            7 | 8 => {
                let at = boundary(&s, rng);
                s.insert_str(at, INSERTS[rng.random_range(0..INSERTS.len())]);
            }
            _ => {
                let at = boundary(&s, rng);
                s.truncate(at);
            }
        }
    }
    s
}

/// Byte edits: bits flipped, bytes set to extremes, a span cut or repeated, the end cut.
pub fn mutate_bytes(rng: &mut StdRng, b: &[u8]) -> Vec<u8> {
    let mut v = b.to_vec();
    for _ in 0..rng.random_range(1..=4) {
        if v.is_empty() {
            break;
        }
        let i = rng.random_range(0..v.len());
        match rng.random_range(0..6) {
            0 | 1 => v[i] ^= 1 << rng.random_range(0..8),
            2 => v[i] = [0x00, 0xff, 0x7f, 0x80][rng.random_range(0..4)],
            3 => {
                let j = (i + rng.random_range(1..64)).min(v.len());
                v.drain(i..j);
            }
            4 => {
                let j = (i + rng.random_range(1..64)).min(v.len());
                let dup = v[i..j].to_vec();
                v.splice(j..j, dup);
            }
            _ => v.truncate(i),
        }
    }
    v
}

/// Four bytes at `at` set to an extreme integer or float (lengths, sizes, weights).
fn poke_word(rng: &mut StdRng, v: &mut [u8], at: usize) {
    if at + 4 > v.len() {
        return;
    }
    let word: [u8; 4] = match rng.random_range(0..6) {
        0 => u32::MAX.to_le_bytes(),
        1 => 0u32.to_le_bytes(),
        2 => 0x8000_0000u32.to_le_bytes(),
        3 => f32::NAN.to_le_bytes(),
        4 => f32::INFINITY.to_le_bytes(),
        _ => 1e30f32.to_le_bytes(),
    };
    v[at..at + 4].copy_from_slice(&word);
}

fn reseal(v: &mut [u8]) {
    if v.len() >= 4 {
        let n = v.len() - 4;
        let crc = crc32fast::hash(&v[..n]);
        v[n..].copy_from_slice(&crc.to_le_bytes());
    }
}

/// A creature file with its JSON metadata (or one of its numbers) edited and the lengths and the
/// checksum made right again, so that the edit reaches the validation behind them.
pub fn mutate_creature(rng: &mut StdRng, b: &[u8]) -> Vec<u8> {
    let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap()) as usize;
    let meta_end = 16 + u32_at(12);
    match rng.random_range(0..4) {
        0 => mutate_bytes(rng, b),
        1 => {
            let mut v = b.to_vec();
            let at = rng.random_range(8..v.len() - 4) & !3;
            poke_word(rng, &mut v, at);
            reseal(&mut v);
            v
        }
        _ => {
            let meta = std::str::from_utf8(&b[16..meta_end]).unwrap();
            let m = mutate_text(rng, meta);
            let mut v = b[..12].to_vec();
            v.extend_from_slice(&(m.len() as u32).to_le_bytes());
            v.extend_from_slice(m.as_bytes());
            v.extend_from_slice(&b[meta_end..]);
            reseal(&mut v);
            v
        }
    }
}

/// The same for a checkpoint: its JSON header, or a word of its body, with the checksum resealed.
pub fn mutate_checkpoint(rng: &mut StdRng, b: &[u8]) -> Vec<u8> {
    let hlen = u32::from_le_bytes(b[12..16].try_into().unwrap()) as usize;
    match rng.random_range(0..4) {
        0 => mutate_bytes(rng, b),
        1 => {
            let mut v = b.to_vec();
            let at = 16 + hlen + rng.random_range(0..(v.len() - 20 - hlen) / 4) * 4;
            poke_word(rng, &mut v, at);
            reseal(&mut v);
            v
        }
        _ => {
            let h = mutate_text(rng, std::str::from_utf8(&b[16..16 + hlen]).unwrap());
            let mut v = b[..12].to_vec();
            v.extend_from_slice(&(h.len() as u32).to_le_bytes());
            v.extend_from_slice(h.as_bytes());
            v.extend_from_slice(&b[16 + hlen..]);
            reseal(&mut v);
            v
        }
    }
}

/// Images: bytes flipped anywhere, or a PNG whose header claims another size (its chunk checksum
/// made right, so the claim is believed), or a BMP's size words (BMP has no checksum).
pub fn mutate_image(rng: &mut StdRng, b: &[u8]) -> Vec<u8> {
    let mut v = b.to_vec();
    if b.starts_with(b"\x89PNG") && rng.random_bool(0.5) {
        // IHDR's data is bytes 16..29 and its CRC 29..33.
        let side = [0u32, 1, 7, 16_000, 16_384, 16_385, 100_000, u32::MAX >> 1][rng.random_range(0..8)];
        let at = if rng.random_bool(0.5) { 16 } else { 20 };
        v[at..at + 4].copy_from_slice(&side.to_be_bytes());
        let crc = crc32fast::hash(&v[12..29]);
        v[29..33].copy_from_slice(&crc.to_be_bytes());
        return v;
    }
    if b.starts_with(b"BM") && rng.random_bool(0.5) {
        let at = [18, 22, 2, 10, 14, 28, 34][rng.random_range(0..7)];
        poke_word(rng, &mut v, at);
        return v;
    }
    mutate_bytes(rng, &v)
}
