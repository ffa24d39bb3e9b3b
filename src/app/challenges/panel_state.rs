//! What the level panel, its HUD and its board share: the world's picture kept between frames and
//! the buttons pressed this frame. A leaf, so that the three depend on it and not on each other.

use bevy::prelude::*;

use crate::app::shell::textures::LiveTexture;

#[derive(Resource, Default)]
pub struct ChallengeTexture {
    pub(super) world: Option<LiveTexture>,
    pub(super) key: Option<(String, u64)>,
    /// Where a scalpel drag started, in cells.
    pub(super) drag_from: Option<(f32, f32)>,
}

/// A button pressed this frame, carried out after the panel is drawn.
pub(super) enum Ask {
    Play(String, bool),
    Restart,
    Quit,
    /// A player's action from the HUD (a turn of the rotation tool).
    Act(crate::level::Action),
}
