//! burn on Bevy's own wgpu device: one device, one queue, so the world's buffers can be copied
//! into textures without leaving the GPU.

use bevy::prelude::*;
use bevy::render::RenderApp;
use bevy::render::renderer::{RenderAdapter, RenderDevice, RenderInstance, RenderQueue};
use burn_wgpu::{RuntimeOptions, WgpuSetup, init_device};

pub type Gpu = burn::backend::Wgpu;

pub struct BurnOnBevyPlugin;

impl Plugin for BurnOnBevyPlugin {
    fn build(&self, _app: &mut App) {}

    // After the render plugin's `finish`, which is when Bevy's device exists.
    fn finish(&self, app: &mut App) {
        let instance = app.sub_app(RenderApp).world().resource::<RenderInstance>().0.clone();
        let world = app.world();
        let device = world.resource::<RenderDevice>().wgpu_device().clone();
        let queue = world.resource::<RenderQueue>().0.clone();
        let adapter = world.resource::<RenderAdapter>().0.clone();
        let backend = adapter.get_info().backend;
        let setup = WgpuSetup {
            instance: (**instance).clone(),
            adapter: (**adapter).clone(),
            device,
            queue: (**queue).clone(),
            backend,
        };
        let dev = init_device(setup, RuntimeOptions::default());
        crate::kernels::lanes::register(&dev, &adapter.get_info());
        if let Err(e) = crate::kernels::lanes::check_env().and_then(|_| crate::kernels::tune::check_env()) {
            warn!("{e}; the world steps with the device's default");
        }
        info!("burn runs on Bevy's device: {} ({:?})", adapter.get_info().name, backend);
        app.insert_resource(super::sim::BackendDevice::<Gpu>(dev));
    }
}
