//! The world texture: a sprite of the world's size, pixel-exact (nearest sampling), filled every
//! frame by a buffer-to-texture copy on the GPU (or from host memory on the CPU backend).

use bevy::asset::RenderAssetUsages;
use bevy::image::ImageSampler;
use bevy::prelude::*;
use bevy::render::extract_resource::{ExtractResource, ExtractResourcePlugin};
use bevy::render::render_asset::RenderAssets;
use bevy::render::renderer::{RenderDevice, RenderQueue};
use bevy::render::texture::GpuImage;
use bevy::render::{Render, RenderApp, RenderSystems};
use wgpu::{Extent3d, TextureDimension, TextureFormat, TextureUsages};

use super::sim::{DeviceFrame, HostFrame};
use crate::world::params::row_stride;

/// The world's image and the frame to copy into it, as the render world sees them.
#[derive(Resource, Clone, ExtractResource)]
pub struct WorldTexture {
    pub image: Handle<Image>,
    pub width: u32,
    pub height: u32,
    pub frame: Option<crate::world::FrameBuffer>,
}

/// Marks the sprite that shows the world.
#[derive(Component)]
pub struct WorldSprite;

pub struct DisplayPlugin;

impl Plugin for DisplayPlugin {
    fn build(&self, app: &mut App) {
        app.add_plugins(ExtractResourcePlugin::<WorldTexture>::default())
            .add_systems(Startup, spawn_world_sprite)
            .add_systems(PostUpdate, (hand_frame_to_render, upload_host_frame));
        app.sub_app_mut(RenderApp).add_systems(Render, copy_frame_into_texture.in_set(RenderSystems::PrepareResources));
    }
}

fn spawn_world_sprite(mut commands: Commands, mut images: ResMut<Assets<Image>>, opts: Res<super::PlayOptions>) {
    let (w, h) = (opts.size.width as u32, opts.size.height as u32);
    let mut image = Image::new_fill(
        Extent3d { width: w, height: h, depth_or_array_layers: 1 },
        TextureDimension::D2,
        &[247, 247, 242, 255],
        // The state's colours are the emoji's sRGB values, shown as they are, as in the paper.
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::RENDER_WORLD | RenderAssetUsages::MAIN_WORLD,
    );
    image.texture_descriptor.usage |= TextureUsages::COPY_DST;
    image.sampler = ImageSampler::nearest();
    let handle = images.add(image);
    commands.spawn((
        Sprite { image: handle.clone(), custom_size: Some(Vec2::new(w as f32, h as f32)), ..default() },
        WorldSprite,
    ));
    commands.insert_resource(WorldTexture { image: handle, width: w, height: h, frame: None });
}

/// A frame stepped on the host: into the sprite's image, which Bevy uploads.
fn upload_host_frame(tex: Option<Res<WorldTexture>>, mut frame: ResMut<HostFrame>, mut images: ResMut<Assets<Image>>) {
    let (Some(tex), Some(img)) = (tex, frame.0.take()) else { return };
    if img.len() == tex.width as usize * tex.height as usize * 4
        && let Some(mut image) = images.get_mut(&tex.image)
    {
        image.data = Some(img);
    }
}

fn hand_frame_to_render(mut tex: ResMut<WorldTexture>, mut frame: ResMut<DeviceFrame>) {
    tex.frame = frame.0.take();
}

fn copy_frame_into_texture(
    tex: Option<Res<WorldTexture>>,
    images: Res<RenderAssets<GpuImage>>,
    device: Res<RenderDevice>,
    queue: Res<RenderQueue>,
) {
    let Some(tex) = tex else { return };
    let Some(frame) = &tex.frame else { return };
    let Some(gpu) = images.get(tex.image.id()) else { return };
    let stride = row_stride(tex.width as usize) as u32 * 4;
    if frame.size < stride as u64 * tex.height as u64 {
        return;
    }
    let mut enc = device
        .wgpu_device()
        .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("world frame copy") });
    enc.copy_buffer_to_texture(
        wgpu::TexelCopyBufferInfo {
            buffer: &frame.buffer,
            layout: wgpu::TexelCopyBufferLayout {
                offset: frame.offset,
                bytes_per_row: Some(stride),
                rows_per_image: Some(tex.height),
            },
        },
        gpu.texture.as_image_copy(),
        Extent3d { width: tex.width, height: tex.height, depth_or_array_layers: 1 },
    );
    queue.submit([enc.finish()]);
}
