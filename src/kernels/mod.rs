//! Our WGSL kernels on burn's wgpu stream: the parameter blocks they read (`layout`, typed once in
//! Rust and declared to the WGSL from the same definition) and their launching on burn's own
//! buffers (`launch`), each dispatch timed on request (`profile`), and the variants of the step
//! kernels timed on the device that runs them, the fastest kept (`tune`). Every kernel is a variant of an enum; its source is the prelude, the shared
//! WGSL files and its own, with `{{ name }}` values registered through burn's `SourceTemplate`.

pub mod batch;
pub mod fused;
pub mod lanes;
pub mod launch;
pub mod layout;
pub mod profile;
pub mod step;
pub mod train_kernels;
pub mod tune;
