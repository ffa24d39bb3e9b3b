//! Single-precision matrix products on host memory, for the host kernel, its gradient and the
//! texture loss: `matrixmultiply`'s SGEMM on one thread (callers spread their units of work over
//! the cores themselves, so each product's result does not depend on the number of cores).

/// C[m, n] = A[m, k] B[k, n] + beta C, with A and B given by their row and column strides (so a
/// transpose costs nothing).
#[allow(clippy::too_many_arguments)]
pub fn gemm(
    m: usize,
    k: usize,
    n: usize,
    a: &[f32],
    (rsa, csa): (usize, usize),
    b: &[f32],
    (rsb, csb): (usize, usize),
    beta: f32,
    c: &mut [f32],
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(c.len() >= m * n);
    assert!(k == 0 || (a.len() > (m - 1) * rsa + (k - 1) * csa && b.len() > (k - 1) * rsb + (n - 1) * csb));
    // SAFETY: the asserts above keep every index the strides reach inside the slices.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            rsa as isize,
            csa as isize,
            b.as_ptr(),
            rsb as isize,
            csb as isize,
            beta,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

/// C[m, n] = A[m, k] B[k, n] + bias (row-major, contiguous; an empty bias is zero).
pub fn gemm_bias(a: &[f32], b: &[f32], bias: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
    let mut c: Vec<f32> = Vec::with_capacity(m * n);
    if bias.is_empty() {
        c.resize(m * n, 0.0);
    } else {
        for _ in 0..m {
            c.extend_from_slice(bias);
        }
    }
    gemm(m, k, n, a, (k, 1), b, (n, 1), 1.0, &mut c);
    c
}
