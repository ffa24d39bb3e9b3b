//! Every WGSL kernel, as the launcher assembles it, parses and validates. cubecl skips a kernel
//! whose source fails to compile without a word (its outputs are left as they were), so this is
//! checked here, on naga alone, with or without a GPU.

use burn_wgpu::KernelSource;
use morphogen::kernels::fused::{GROUPS, GemmBlock, Grouped, TrainKernel, Wgrad};
use morphogen::kernels::lanes::{self, Spread};
use morphogen::kernels::step::StepKernel;
use morphogen::world::gpu::WorldKernel;
use wgpu::naga;

fn check(name: &str, source: String) -> Result<(), String> {
    let module = naga::front::wgsl::parse_str(&source).map_err(|e| format!("{name}: {}", e.emit_to_string(&source)))?;
    naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::empty())
        .validate(&module)
        .map_err(|e| format!("{name}: {}", e.emit_to_string(&source)))?;
    Ok(())
}

#[test]
fn every_kernel_parses_and_validates() {
    let world = [WorldKernel::Edit, WorldKernel::Pack].map(|k| (format!("{k:?}"), k.source()));
    let step = StepKernel::ALL.map(|k| (format!("step {k:?}"), k.source()));
    let train = TrainKernel::ALL.map(|k| (format!("train {k:?}"), k.source()));
    // The weight-gradient product in every block `kernels::tune` times.
    let wgrad = GemmBlock::ALL.map(|block| (format!("Wgrad {block:?}"), Wgrad { block }.source()));
    // The gather in every workgroup size.
    let gather =
        GROUPS.map(|size| (format!("Gather in {size}"), Grouped { kernel: TrainKernel::Gather, size }.source()));
    // The step kernels as built for every other lane count a cell.
    let spread = lanes::ALLOWED.into_iter().flat_map(|n| {
        [
            (format!("Step, {n} lanes"), Spread { kernel: StepKernel::Step, lanes: n }.source()),
            (format!("train Back, {n} lanes"), Spread { kernel: TrainKernel::Back, lanes: n }.source()),
        ]
    });
    let errors: Vec<String> = world
        .into_iter()
        .chain(step)
        .chain(train)
        .chain(wgrad)
        .chain(gather)
        .chain(spread)
        .filter_map(|(name, src)| check(&name, src.complete()).err())
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}
