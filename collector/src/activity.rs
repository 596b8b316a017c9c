//! "Check installation": the last requests each project's widget made to this collector, with
//! what became of them, so a vendor pasting the snippet sees at once whether anything arrives
//! and why it is refused (an origin that is not allowed, a missing identity token, a survey id
//! from another project).
//!
//! Kept in memory per collector process (a few dozen entries per project key): it is a
//! diagnostic of the last minutes, not a record. Behind several collectors each shows its own.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// Entries kept per project key.
const KEPT: usize = 50;

pub use nps_core::wire::ActivityEntry;

#[derive(Default)]
pub struct Activity {
    by_key: Mutex<HashMap<String, VecDeque<ActivityEntry>>>,
}

impl Activity {
    pub fn record(&self, key: &str, entry: ActivityEntry) {
        let mut by_key = self.by_key.lock().unwrap_or_else(|p| p.into_inner());
        let ring = match by_key.get_mut(key) {
            Some(ring) => ring,
            None => by_key.entry(key.to_owned()).or_default(),
        };
        if ring.len() == KEPT {
            ring.pop_front();
        }
        ring.push_back(entry);
    }

    /// Newest first.
    pub fn recent(&self, key: &str) -> Vec<ActivityEntry> {
        let by_key = self.by_key.lock().unwrap_or_else(|p| p.into_inner());
        by_key.get(key).map(|ring| ring.iter().rev().cloned().collect()).unwrap_or_default()
    }
}

/// Longest text kept from a request (endpoint, origin): they come from untrusted clients.
const MAX_TEXT_BYTES: usize = 200;

/// `text` cut to at most [`MAX_TEXT_BYTES`] bytes, on a character boundary.
pub fn bounded(text: &str) -> &str {
    if text.len() <= MAX_TEXT_BYTES {
        return text;
    }
    let mut end = MAX_TEXT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The client endpoint a path names: `/v1/p/{key}/responses/{id}/complete` is `complete`.
pub fn endpoint_of(path: &str) -> &str {
    let mut segments = path.trim_end_matches('/').split('/').skip(4);
    match (segments.next(), segments.nth(1)) {
        (Some(_), Some(last)) => last,
        (Some(first), None) => first,
        (None, _) => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(status: u16) -> ActivityEntry {
        ActivityEntry { at: 1, endpoint: "responses".into(), method: "POST".into(), status, origin: None }
    }

    #[test]
    fn keeps_the_newest_entries_per_key() {
        let activity = Activity::default();
        for status in 0..(KEPT as u16 + 5) {
            activity.record("pk_a", entry(status));
        }
        activity.record("pk_b", entry(403));
        let recent = activity.recent("pk_a");
        assert_eq!(recent.len(), KEPT);
        assert_eq!(recent[0].status, KEPT as u16 + 4, "newest first");
        assert_eq!(recent[KEPT - 1].status, 5, "the oldest fell off");
        assert_eq!(activity.recent("pk_b").len(), 1);
        assert!(activity.recent("pk_c").is_empty());
    }

    #[test]
    fn names_the_endpoint_of_a_path() {
        assert_eq!(endpoint_of("/v1/p/pk_1/identify"), "identify");
        assert_eq!(endpoint_of("/v1/p/pk_1/responses/r1/complete"), "complete");
        assert_eq!(endpoint_of("/v1/p/pk_1/config"), "config");
        assert_eq!(endpoint_of("/v1/p/pk_1"), "");
    }
}
