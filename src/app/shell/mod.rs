//! The shell under every scene: what the sandbox, the lab and the challenges share and none of
//! them owns. The notices (with their pruning, in every scene), the egui pieces every panel is
//! built from, pictures that change while they are shown, and where the user's focus is. Scenes
//! depend on the shell, never the other way.

#[cfg(target_arch = "wasm32")]
pub mod browser_files;
pub mod notices;
pub mod textures;
pub mod widgets;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass};

pub use notices::Notices;

use super::Scene;

/// Where the user's pointer and keys go, set once a frame after every panel has been drawn: tools,
/// the camera and the shortcuts leave the world alone while egui has them.
#[derive(Resource, Default, Debug, Clone, Copy)]
pub struct UiFocus {
    /// The pointer is over a panel (or the scene is all panels: the lab, the challenges).
    pub pointer: bool,
    /// A text field has the keyboard.
    pub keyboard: bool,
}

/// The scenes' egui panels; the focus is read after them.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct Panels;

#[derive(Default)]
pub struct ShellPlugin;

impl Plugin for ShellPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<Notices>()
            .init_resource::<UiFocus>()
            .add_systems(Update, notices::prune)
            .add_systems(EguiPrimaryContextPass, update_focus.after(Panels));
        #[cfg(target_arch = "wasm32")]
        app.add_plugins(browser_files::BrowserFilesPlugin);
    }
}

fn update_focus(mut contexts: EguiContexts, scene: Res<State<Scene>>, mut focus: ResMut<UiFocus>) -> Result {
    let ctx = contexts.ctx_mut()?;
    // Only the sandbox shows the world under its panel; the other scenes are panels throughout.
    focus.pointer = *scene.get() != Scene::Sandbox || ctx.is_pointer_over_egui() || ctx.egui_wants_pointer_input();
    focus.keyboard = ctx.egui_wants_keyboard_input();
    Ok(())
}
