//! Messages for the user (bad drops, saved files, level reloads): every scene says them and shows
//! the recent ones.

use std::time::Duration;

use web_time::Instant;

use bevy::prelude::*;

/// Messages, newest last.
#[derive(Resource, Default, Debug)]
pub struct Notices(pub Vec<(Instant, String)>);

impl Notices {
    /// The last few messages of the past 12 seconds, newest first: what every panel shows.
    pub fn recent(&self) -> impl Iterator<Item = &String> {
        self.0.iter().rev().filter(|(t, _)| t.elapsed() < Duration::from_secs(12)).take(5).map(|(_, m)| m)
    }

    pub fn say(&mut self, msg: impl Into<String>) {
        let msg = msg.into();
        info!("{msg}");
        self.0.push((Instant::now(), msg));
    }
}

/// Forgets messages older than a minute, whatever the scene.
pub fn prune(mut notices: ResMut<Notices>) {
    if notices.0.first().is_some_and(|(t, _)| t.elapsed() >= Duration::from_secs(60)) {
        notices.0.retain(|(t, _)| t.elapsed() < Duration::from_secs(60));
    }
}
