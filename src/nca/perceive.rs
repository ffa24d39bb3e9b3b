//! Perception: what each cell sees of its 3x3 neighbourhood.
//!
//! Per channel: the value itself, Sobel-x/8 and Sobel-y/8 (cross-correlation, x to the right,
//! y = row index downward) and, for specs that have it, the Laplacian/16, ordered by band
//! [identity | Sobel-x | Sobel-y | Laplacian], with the gradient pair turned by the perception
//! angle. The filters are separable, so each band is a few shifted slices rather than a
//! convolution; that is exact and cheap on every backend.

use burn::tensor::{Tensor, backend::Backend};

use super::config::Border;
use super::spec::{Filter, ModelSpec};

/// Adds one cell on every side of the two spatial axes of `[n, h, w, c]`: zeros or the opposite
/// edge, by the border mode.
pub fn pad_hw<B: Backend>(x: Tensor<B, 4>, border: Border) -> Tensor<B, 4> {
    let [n, h, w, c] = x.dims();
    let device = x.device();
    match border {
        Border::Zero => {
            let row = Tensor::zeros([n, 1, w, c], &device);
            let x = Tensor::cat(vec![row.clone(), x, row], 1);
            let col = Tensor::zeros([n, h + 2, 1, c], &device);
            Tensor::cat(vec![col.clone(), x, col], 2)
        }
        Border::Wrap => {
            let top = x.clone().narrow(1, h - 1, 1);
            let bottom = x.clone().narrow(1, 0, 1);
            let x = Tensor::cat(vec![top, x, bottom], 1);
            let left = x.clone().narrow(2, w - 1, 1);
            let right = x.clone().narrow(2, 0, 1);
            Tensor::cat(vec![left, x, right], 2)
        }
    }
}

/// `[n, h, w, channels]` -> `[n, h, w, features]`: one band per filter of the spec, in band order.
pub fn perceive<B: Backend>(x: Tensor<B, 4>, spec: &ModelSpec, angle: f32, border: Border) -> Tensor<B, 4> {
    let [_, h, w, _] = x.dims();
    let p = pad_hw(x.clone(), border);
    let left = p.clone().narrow(2, 0, w);
    let mid = p.clone().narrow(2, 1, w);
    let right = p.narrow(2, 2, w);
    // Horizontal [1 2 1] smoothing, shared by Sobel-y and the Laplacian.
    let smooth = left.clone() + mid.clone() * 2.0 + right.clone();
    let mut bands = vec![x];
    if spec.rotates() {
        // Sobel-x = vertical [1 2 1] smoothing of the horizontal difference.
        let diff = right.clone() - left.clone();
        let gx = (diff.clone().narrow(1, 0, h) + diff.clone().narrow(1, 1, h) * 2.0 + diff.narrow(1, 2, h)) * 0.125;
        // Sobel-y = vertical difference of the horizontal [1 2 1] smoothing.
        let gy = (smooth.clone().narrow(1, 2, h) - smooth.clone().narrow(1, 0, h)) * 0.125;
        let (gx, gy) = if angle == 0.0 {
            (gx, gy)
        } else {
            let (s, c) = angle.sin_cos();
            (gx.clone() * c - gy.clone() * s, gx * s + gy * c)
        };
        bands.push(gx);
        bands.push(gy);
    }
    if spec.filters.contains(Filter::Laplacian) {
        // [[1 2 1] [2 -12 2] [1 2 1]] / 16: the smoothed rows above and below, the sides twice,
        // the centre -12 times.
        let rows = smooth.clone().narrow(1, 0, h) + smooth.narrow(1, 2, h);
        let sides = (left.narrow(1, 1, h) + right.narrow(1, 1, h)) * 2.0;
        let centre = mid.narrow(1, 1, h) * 12.0;
        bands.push((rows + sides - centre) * 0.0625);
    }
    Tensor::cat(bands, 3)
}

/// 3x3 maximum of a `[n, h, w, 1]` field (zero outside a zero border, which is equivalent to
/// minus infinity for the alive test since its threshold is positive).
pub fn max3x3<B: Backend>(a: Tensor<B, 4>, border: Border) -> Tensor<B, 4> {
    let [_, h, w, _] = a.dims();
    let p = pad_hw(a, border);
    let rows = p.clone().narrow(2, 0, w).max_pair(p.clone().narrow(2, 1, w)).max_pair(p.narrow(2, 2, w));
    rows.clone().narrow(1, 0, h).max_pair(rows.clone().narrow(1, 1, h)).max_pair(rows.narrow(1, 2, h))
}
