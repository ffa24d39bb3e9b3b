//! The challenges scene: the shipped levels and the player's (reloaded when their file is saved),
//! a level list with locks and best results, and levels played with budgets, a live shape % and
//! a result screen. Best results persist in the user's data folder (`level::score::SaveFile`).

mod board;
mod hud;
pub mod levels;
pub mod panel;
mod panel_state;
pub mod play;

use std::marker::PhantomData;
use std::path::PathBuf;

use bevy::prelude::*;
use bevy_egui::EguiPrimaryContextPass;

use super::Scene;
use super::shell::Notices;
use crate::rule::RuleBackend;
pub use levels::Levels;
pub use play::{Challenge, LevelTool};

/// Where the levels and the save file live.
#[derive(Resource, Clone, Debug)]
pub struct ChallengeOptions {
    /// The levels' folders, in order: a later file replaces an earlier one of the same name.
    pub levels: Vec<PathBuf>,
    pub data_dir: PathBuf,
}

pub struct ChallengesPlugin<B> {
    opts: ChallengeOptions,
    _b: PhantomData<B>,
}

impl<B> ChallengesPlugin<B> {
    pub fn new(opts: ChallengeOptions) -> Self {
        Self { opts, _b: PhantomData }
    }
}

impl<B: RuleBackend> Plugin for ChallengesPlugin<B> {
    fn build(&self, app: &mut App) {
        app.insert_resource(Levels::new(self.opts.levels.clone()))
            .insert_resource(self.opts.clone())
            .init_resource::<panel_state::ChallengeTexture>()
            .add_systems(Startup, open_challenges::<B>)
            .add_systems(Update, levels::scan)
            .add_systems(Update, play::advance::<B>.after(levels::scan).run_if(in_state(Scene::Challenges)))
            .add_systems(
                EguiPrimaryContextPass,
                panel::panel::<B>.run_if(in_state(Scene::Challenges)).in_set(super::shell::Panels),
            );
    }
}

fn open_challenges<B: RuleBackend>(mut commands: Commands, opts: Res<ChallengeOptions>, mut notices: ResMut<Notices>) {
    commands.insert_resource(Challenge::<B>::new(opts.data_dir.clone(), &mut notices));
}
