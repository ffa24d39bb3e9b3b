//! The lab's pictures on screen: the textures the panels keep between frames, and what the form
//! and the centre need to draw them. Shared by the panels, so it depends on none of them.

use bevy::prelude::*;
use bevy_egui::EguiContexts;

use crate::app::shell::textures::LiveTexture;

/// The lab's pictures, each with the key of what it shows now.
#[derive(Resource, Default)]
pub struct LabTextures {
    pub(super) target: Option<LiveTexture>,
    pub(super) target_key: Option<u64>,
    pub(super) batch: Option<LiveTexture>,
    pub(super) batch_key: Option<(u64, u64)>,
    pub(super) preview: Option<LiveTexture>,
    pub(super) preview_key: Option<u64>,
}

/// What `side` and `centre` need to put pictures on screen.
pub(super) struct Painting<'a, 'w, 's> {
    pub images: &'a mut Assets<Image>,
    pub contexts: &'a mut EguiContexts<'w, 's>,
    pub tex: &'a mut LabTextures,
}
