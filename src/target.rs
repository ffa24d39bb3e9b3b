//! Training targets: any image the `image` crate reads, made into the premultiplied RGBA grid the
//! trainer compares against.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageReader, Limits, Rgba, Rgba32FImage, RgbaImage, imageops::FilterType};
use serde::{Deserialize, Serialize};

use crate::fsio::FileError;
use crate::limits::{
    LimitError, MAX_DECODE_BYTES, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE as MAX_SIDE, MAX_PADDING, MAX_TARGET_SIZE,
};

/// Why an image does not become a target: its file could not be read, or the image (of the file
/// named, if any) is not one morphogen takes.
#[derive(Debug)]
pub enum TargetError {
    File(FileError),
    Image { file: Option<PathBuf>, problem: ImageProblem },
}

/// What is wrong with an image as a target.
#[derive(Debug)]
pub enum ImageProblem {
    /// The bytes could not be read to guess a format.
    Unreadable(std::io::Error),
    /// No format morphogen reads.
    NotAnImage,
    /// A side over [`MAX_SIDE`] pixels, found in the header.
    SideTooLarge,
    /// More pixels than [`MAX_IMAGE_PIXELS`], found in the header.
    TooManyPixels { w: u32, h: u32 },
    /// Decoding would take more than [`MAX_DECODE_BYTES`].
    DecodeTooLarge,
    /// The decoder's own error.
    Corrupt(image::ImageError),
    /// A target stored in a creature file that does not decode.
    Stored(image::ImageError),
    /// No pixels.
    Empty,
    /// A texture example under 8 pixels a side.
    TooSmall { w: u32, h: u32 },
    /// Nothing opaque enough to grow.
    Transparent,
    /// A size or padding outside its limits.
    Limit(LimitError),
}

impl TargetError {
    fn image(problem: ImageProblem) -> Self {
        TargetError::Image { file: None, problem }
    }

    /// The same error, naming `path` (the image came from that file).
    fn of(self, path: &Path) -> Self {
        match self {
            TargetError::Image { file: None, problem } => TargetError::Image { file: Some(path.into()), problem },
            e => e,
        }
    }
}

impl std::fmt::Display for ImageProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImageProblem::Unreadable(e) => write!(f, "cannot read image: {e}"),
            ImageProblem::NotAnImage => {
                write!(f, "not an image in a format morphogen reads (PNG, JPEG, GIF, BMP, TIFF, WebP)")
            }
            ImageProblem::SideTooLarge => write!(f, "image too large (over {MAX_SIDE} pixels a side)"),
            ImageProblem::TooManyPixels { w, h } => {
                let n = *w as u64 * *h as u64;
                let mb = n * 20 / 1_000_000;
                write!(
                    f,
                    "image is {w}x{h} = {n} pixels, over the limit of {MAX_IMAGE_PIXELS} ({mb} MB to decode and prepare)"
                )
            }
            ImageProblem::DecodeTooLarge => write!(
                f,
                "image too large (over {MAX_SIDE} pixels a side or {} MB decoded)",
                MAX_DECODE_BYTES / 1_000_000
            ),
            ImageProblem::Corrupt(e) => write!(f, "corrupt or unsupported image: {e}"),
            ImageProblem::Stored(e) => write!(f, "target image: {e}"),
            ImageProblem::Empty => write!(f, "image is empty (0 pixels)"),
            ImageProblem::TooSmall { w, h } => {
                write!(f, "image is {w}x{h}: a texture example needs at least 8 pixels a side")
            }
            ImageProblem::Transparent => write!(f, "image is fully transparent: there is no shape to grow"),
            ImageProblem::Limit(e) => write!(f, "{e}"),
        }
    }
}

impl std::fmt::Display for TargetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TargetError::File(e) => write!(f, "{e}"),
            TargetError::Image { file: Some(p), problem } => write!(f, "{}: {problem}", p.display()),
            TargetError::Image { file: None, problem } => write!(f, "{problem}"),
        }
    }
}

impl std::error::Error for TargetError {}

impl From<FileError> for TargetError {
    fn from(e: FileError) -> Self {
        TargetError::File(e)
    }
}

impl From<LimitError> for TargetError {
    fn from(e: LimitError) -> Self {
        TargetError::image(ImageProblem::Limit(e))
    }
}

/// Where the message is all the caller keeps (the CLI, the UI, layers not yet typed).
impl From<TargetError> for String {
    fn from(e: TargetError) -> String {
        e.to_string()
    }
}

/// How to treat an image that has no transparency of its own.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Background {
    /// Use the image's alpha; an image without alpha is opaque everywhere.
    #[default]
    Keep,
    /// Make pixels close to this colour transparent (soft edge by distance).
    Key([u8; 3]),
    /// Key out the colour of the top-left pixel.
    Corner,
}

impl std::str::FromStr for Background {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        match s {
            "keep" | "none" => Ok(Background::Keep),
            "corner" | "auto" => Ok(Background::Corner),
            _ => {
                // Read as characters: a byte offset could fall inside a multi-byte character.
                let digits: Vec<u32> =
                    s.trim_start_matches('#').chars().map(|c| c.to_digit(16)).collect::<Option<_>>().ok_or_else(
                        || format!("background '{s}': expected keep, corner or a hex colour like #ffffff"),
                    )?;
                if digits.len() != 6 {
                    return Err(format!("background '{s}': expected keep, corner or a hex colour like #ffffff"));
                }
                let p = |i: usize| (digits[i] * 16 + digits[i + 1]) as u8;
                Ok(Background::Key([p(0), p(2), p(4)]))
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TargetOptions {
    /// The image is resized to fit in `size` x `size` pixels.
    pub size: u32,
    /// Empty cells around it on every side.
    pub padding: u32,
    pub background: Background,
}

impl TargetOptions {
    /// Sizes a file or an argument may give, checked before any pixel is touched.
    pub fn validate(&self) -> Result<(), LimitError> {
        crate::limits::within("target.size", self.size, 1, MAX_TARGET_SIZE)?;
        crate::limits::within("target.padding", self.padding, 0, MAX_PADDING)?;
        Ok(())
    }

    /// The side of the grid a creature's target is laid in: the size and the padding each side.
    pub fn side(&self) -> usize {
        self.size as usize + 2 * self.padding as usize
    }
}

impl Default for TargetOptions {
    fn default() -> Self {
        Self { size: 40, padding: 16, background: Background::Keep }
    }
}

/// A prepared target: premultiplied RGBA, row-major, `height * width * 4` values in [0, 1].
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub width: usize,
    pub height: usize,
    pub rgba: Vec<f32>,
}

impl Target {
    pub fn from_file(path: &Path, opts: &TargetOptions) -> Result<Self, TargetError> {
        let img = decode_file(path)?;
        Self::from_image(&img, opts).map_err(|e| e.of(path))
    }

    /// The target a training config wants from an image: a creature's shape (fitted and padded),
    /// or a texture's example (fitted, as it is).
    pub fn for_training(img: &DynamicImage, cfg: &crate::train::TrainConfig) -> Result<Self, TargetError> {
        if cfg.mode == crate::train::Mode::Texture {
            Self::example(img, cfg.target.size)
        } else {
            Self::from_image(img, &cfg.target)
        }
    }

    /// [`for_training`](Self::for_training) of an image file, naming it in every error.
    pub fn from_file_for(path: &Path, cfg: &crate::train::TrainConfig) -> Result<Self, TargetError> {
        let img = decode_file(path)?;
        Self::for_training(&img, cfg).map_err(|e| e.of(path))
    }

    /// A texture's example: the image fitted into `size` x `size` pixels (its proportions kept),
    /// transparency over black, fully opaque.
    pub fn example(img: &DynamicImage, size: u32) -> Result<Self, TargetError> {
        crate::limits::within("target.size", size, 8, MAX_TARGET_SIZE)?;
        let (w, h) = (img.width(), img.height());
        if w < 8 || h < 8 {
            return Err(TargetError::image(ImageProblem::TooSmall { w, h }));
        }
        let scale = (size as f32 / w.max(h) as f32).min(1.0);
        let nw = ((w as f32 * scale).round() as u32).max(8);
        let nh = ((h as f32 * scale).round() as u32).max(8);
        let px = img.to_rgba32f();
        let small = if (nw, nh) == (w, h) { px } else { image::imageops::resize(&px, nw, nh, FilterType::Lanczos3) };
        let rgba = small
            .pixels()
            .flat_map(|p| {
                let a = p.0[3].clamp(0.0, 1.0);
                [p.0[0].clamp(0.0, 1.0) * a, p.0[1].clamp(0.0, 1.0) * a, p.0[2].clamp(0.0, 1.0) * a, 1.0]
            })
            .collect();
        Ok(Target { width: nw as usize, height: nh as usize, rgba })
    }

    /// The RGB values, `h * w * 3` (premultiplied colour; a texture example is opaque).
    pub fn rgb(&self) -> Vec<f32> {
        self.rgba.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect()
    }

    pub fn from_image(img: &DynamicImage, opts: &TargetOptions) -> Result<Self, TargetError> {
        opts.validate()?;
        let (w, h) = (img.width(), img.height());
        if w == 0 || h == 0 {
            return Err(TargetError::image(ImageProblem::Empty));
        }
        let has_alpha = img.color().has_alpha();
        let mut px: Rgba32FImage = img.to_rgba32f();
        if !has_alpha {
            px.pixels_mut().for_each(|p| p.0[3] = 1.0);
        }
        let key = match opts.background {
            Background::Keep => None,
            Background::Key(c) => Some(c.map(|v| v as f32 / 255.0)),
            Background::Corner => {
                let p = px.get_pixel(0, 0).0;
                Some([p[0], p[1], p[2]])
            }
        };
        if let Some(k) = key {
            for p in px.pixels_mut() {
                let d = ((p.0[0] - k[0]).powi(2) + (p.0[1] - k[1]).powi(2) + (p.0[2] - k[2]).powi(2)).sqrt();
                // Fully keyed within 0.1 of the colour, fully kept beyond 0.25: a soft edge so
                // that anti-aliased outlines do not leave a halo of the background.
                let a = ((d - 0.1) / 0.15).clamp(0.0, 1.0);
                p.0[3] *= a;
            }
        }
        // Premultiply *before* resampling: filtering straight-alpha colours drags the (often
        // black) colour of transparent pixels into the edges, the classic dark fringe.
        for p in px.pixels_mut() {
            let a = p.0[3].clamp(0.0, 1.0);
            p.0 = [p.0[0].clamp(0.0, 1.0) * a, p.0[1].clamp(0.0, 1.0) * a, p.0[2].clamp(0.0, 1.0) * a, a];
        }
        let scale = opts.size as f32 / w.max(h) as f32;
        let nw = ((w as f32 * scale).round() as u32).clamp(1, opts.size);
        let nh = ((h as f32 * scale).round() as u32).clamp(1, opts.size);
        let filter = if nw < w { FilterType::Lanczos3 } else { FilterType::CatmullRom };
        let small = if (nw, nh) == (w, h) { px } else { image::imageops::resize(&px, nw, nh, filter) };
        let side = opts.side();
        let (ox, oy) = (opts.padding + (opts.size - nw) / 2, opts.padding + (opts.size - nh) / 2);
        let mut rgba = vec![0.0f32; side * side * 4];
        for (x, y, p) in small.enumerate_pixels() {
            // Resampling filters overshoot: clamp back into a valid premultiplied colour.
            let a = p.0[3].clamp(0.0, 1.0);
            let i = (((oy + y) as usize) * side + (ox + x) as usize) * 4;
            rgba[i] = p.0[0].clamp(0.0, a);
            rgba[i + 1] = p.0[1].clamp(0.0, a);
            rgba[i + 2] = p.0[2].clamp(0.0, a);
            rgba[i + 3] = a;
        }
        if !rgba.chunks_exact(4).any(|p| p[3] > crate::nca::spec::ALIVE_THRESHOLD) {
            return Err(TargetError::image(ImageProblem::Transparent));
        }
        Ok(Target { width: side, height: side, rgba })
    }

    /// Straight-alpha RGBA8 PNG of the prepared target (what image viewers expect).
    pub fn to_png(&self) -> Vec<u8> {
        let img = RgbaImage::from_fn(self.width as u32, self.height as u32, |x, y| {
            let i = (y as usize * self.width + x as usize) * 4;
            let a = self.rgba[i + 3];
            let un = |c: f32| if a > 0.0 { (c / a).clamp(0.0, 1.0) } else { 0.0 };
            let q = |v: f32| (v * 255.0).round() as u8;
            Rgba([q(un(self.rgba[i])), q(un(self.rgba[i + 1])), q(un(self.rgba[i + 2])), q(a)])
        });
        let mut out = Vec::new();
        img.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).expect("PNG encoding to memory");
        out
    }

    /// Reads back a target stored by [`Target::to_png`].
    pub fn from_png(bytes: &[u8]) -> Result<Self, TargetError> {
        let mut reader = ImageReader::with_format(Cursor::new(bytes), image::ImageFormat::Png);
        let mut limits = Limits::default();
        limits.max_image_width = Some(crate::limits::MAX_GRID as u32);
        limits.max_image_height = Some(crate::limits::MAX_GRID as u32);
        reader.limits(limits);
        let img = reader.decode().map_err(|e| TargetError::image(ImageProblem::Stored(e)))?.to_rgba8();
        let (w, h) = (img.width() as usize, img.height() as usize);
        let mut rgba = Vec::with_capacity(w * h * 4);
        for p in img.pixels() {
            let a = p.0[3] as f32 / 255.0;
            rgba.extend([p.0[0], p.0[1], p.0[2]].map(|c| c as f32 / 255.0 * a));
            rgba.push(a);
        }
        Ok(Target { width: w, height: h, rgba })
    }

    /// The target laid into a `[h, w, 4]` host array of a grid of the given size (centred; a
    /// larger target is cropped around its centre).
    pub fn fit(&self, h: usize, w: usize) -> Vec<f32> {
        let mut out = vec![0.0; h * w * 4];
        let oy = (h as isize - self.height as isize) / 2;
        let ox = (w as isize - self.width as isize) / 2;
        for y in 0..self.height {
            for x in 0..self.width {
                let (ty, tx) = (y as isize + oy, x as isize + ox);
                if ty < 0 || tx < 0 || ty >= h as isize || tx >= w as isize {
                    continue;
                }
                let s = (y * self.width + x) * 4;
                let d = (ty as usize * w + tx as usize) * 4;
                out[d..d + 4].copy_from_slice(&self.rgba[s..s + 4]);
            }
        }
        out
    }
}

/// Files taken as images (a drop on the window goes to the lab; creature files and models go to
/// the library).
pub fn is_image(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        matches!(e.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg" | "gif" | "bmp" | "tif" | "tiff" | "webp")
    })
}

/// Decodes an image with size limits, naming the file in every error.
pub fn decode_file(path: &Path) -> Result<DynamicImage, TargetError> {
    let bytes = crate::fsio::read_limited(path, "image", crate::limits::MAX_IMAGE_FILE)?;
    decode_bytes(&bytes).map_err(|e| e.of(path))
}

/// Decodes an image with size limits: its header is read first, and an image over the limits is
/// refused before its pixels are allocated.
pub fn decode_bytes(bytes: &[u8]) -> Result<DynamicImage, TargetError> {
    let fail = |p| TargetError::image(p);
    let guess =
        || ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| fail(ImageProblem::Unreadable(e)));
    let mut reader = guess()?;
    if reader.format().is_none() {
        return Err(fail(ImageProblem::NotAnImage));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits.clone());
    // The header's size first: what decoding and preparing would take follows from the pixels.
    let mut probe = guess()?;
    probe.limits(limits);
    let (w, h) = probe.into_dimensions().map_err(|e| match e {
        image::ImageError::Limits(_) => fail(ImageProblem::SideTooLarge),
        e => fail(ImageProblem::Corrupt(e)),
    })?;
    if w as u64 * h as u64 > MAX_IMAGE_PIXELS {
        return Err(fail(ImageProblem::TooManyPixels { w, h }));
    }
    reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => fail(ImageProblem::DecodeTooLarge),
        e => fail(ImageProblem::Corrupt(e)),
    })
}
