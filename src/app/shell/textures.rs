//! Pictures that change while they are shown (the batch, the preview) as Bevy images registered
//! with egui. An egui-managed texture that is replaced every frame is re-created as a new image
//! and is never ready in time to be drawn; a Bevy image changed in place is uploaded in the
//! same frame.

use bevy::asset::RenderAssetUsages;
use bevy::image::ImageSampler;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiTextureHandle, egui};
use wgpu::{Extent3d, TextureDimension, TextureFormat};

pub struct LiveTexture {
    handle: Handle<Image>,
    pub id: egui::TextureId,
    dims: [usize; 2],
}

impl LiveTexture {
    pub fn size(&self) -> egui::Vec2 {
        egui::vec2(self.dims[0] as f32, self.dims[1] as f32)
    }
}

/// Puts `rgba` (RGBA8, `w * h * 4` bytes) into `slot`, in place when the size is unchanged.
pub fn upload(
    slot: &mut Option<LiveTexture>,
    images: &mut Assets<Image>,
    contexts: &mut EguiContexts,
    [w, h]: [usize; 2],
    rgba: Vec<u8>,
) {
    debug_assert_eq!(rgba.len(), w * h * 4);
    if let Some(t) = slot.as_mut()
        && t.dims == [w, h]
        && let Some(mut img) = images.get_mut(&t.handle)
    {
        img.data = Some(rgba);
        return;
    }
    if let Some(old) = slot.take() {
        contexts.remove_image(&old.handle);
    }
    let mut img = Image::new(
        Extent3d { width: w as u32, height: h as u32, depth_or_array_layers: 1 },
        TextureDimension::D2,
        rgba,
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::RENDER_WORLD | RenderAssetUsages::MAIN_WORLD,
    );
    img.sampler = ImageSampler::nearest();
    let handle = images.add(img);
    let id = contexts.add_image(EguiTextureHandle::Strong(handle.clone()));
    *slot = Some(LiveTexture { handle, id, dims: [w, h] });
}
