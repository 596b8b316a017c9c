//! The word lists of the sentiment scorer.
//!
//! Valences follow the VADER convention (Hutto & Gilbert 2014): roughly -4..=4, with ±1 mild,
//! ±2 clear and ±3 strong. Words are written plainly and stemmed when the table is built, so one
//! entry covers "crash", "crashes" and "crashing". On top of a general list there are
//! product-feedback words that general lexicons miss or get backwards ("slow", "lag", "outage",
//! "intuitive", "seamless").

use super::tokenize::{stem, tokenize};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Single words and their valence.
#[rustfmt::skip]
const WORDS: &[(&str, f64)] = &[
    // General praise.
    ("good", 1.9), ("great", 3.1), ("excellent", 3.2), ("amazing", 2.8), ("awesome", 3.1), ("fantastic", 2.6),
    ("love", 3.2), ("loved", 2.9), ("best", 3.2), ("better", 1.9), ("nice", 1.8), ("happy", 2.7), ("happier", 2.7),
    ("glad", 2.0), ("satisfied", 1.8), ("perfect", 2.7), ("brilliant", 2.8), ("superb", 3.0),
    ("wonderful", 2.7), ("outstanding", 3.0), ("exceptional", 2.8), ("impressive", 2.3), ("impressed", 2.1),
    ("recommend", 1.5), ("worth", 1.5), ("enjoy", 2.2), ("thanks", 1.9), ("thank", 1.5), ("solid", 1.6),
    ("decent", 0.9), ("helpful", 1.8), ("useful", 1.9), ("handy", 1.5), ("improved", 1.8), ("improvement", 1.5),
    ("fixed", 1.0), ("favorite", 2.0), ("favourite", 2.0), ("pleasant", 2.0), ("delight", 2.8), ("beautiful", 2.9),
    ("clean", 1.5), ("clear", 1.2), ("thorough", 1.4), ("cares", 1.5), ("patient", 1.2), ("knowledgeable", 1.8),
    ("win", 2.0), ("fan", 1.5), ("gem", 2.0), ("genuinely", 0.5),
    // Product praise.
    ("easy", 1.9), ("easiest", 2.0), ("easier", 1.6), ("simple", 1.0), ("intuitive", 2.0), ("fast", 1.5), ("faster", 1.5),
    ("quick", 1.2), ("quickly", 1.2), ("snappy", 1.8), ("responsive", 1.5), ("instantly", 1.2), ("smooth", 1.8),
    ("seamless", 2.2), ("seamlessly", 2.2), ("flawless", 2.7), ("flawlessly", 2.7), ("reliable", 2.0),
    ("dependable", 2.0), ("stable", 1.5), ("friendly", 1.8), ("painless", 2.0), ("effortless", 2.2),
    ("effortlessly", 2.2), ("affordable", 1.5), ("cheap", 0.5), ("cheaper", 1.2), ("fair", 1.3), ("generous", 2.0),
    ("powerful", 2.0), ("flexible", 1.5), ("efficient", 1.8), ("convenient", 1.6), ("saves", 1.5), ("saved", 1.5),
    ("works", 0.8), ("blazing", 1.5), ("lightning", 1.0), ("straightforward", 1.2), ("valuable", 2.0),
    // General complaint.
    ("bad", -2.5), ("terrible", -3.1), ("awful", -3.1), ("horrible", -3.1), ("worst", -3.1), ("worse", -2.1),
    ("poor", -2.1), ("hate", -2.7), ("disappointed", -2.3), ("disappointing", -2.2), ("annoying", -2.2),
    ("frustrating", -2.2), ("frustrated", -2.1), ("useless", -2.5), ("unacceptable", -2.5), ("ridiculous", -2.0),
    ("nightmare", -2.8), ("mess", -2.0), ("painful", -2.0), ("problem", -1.5),
    ("issue", -1.2), ("complain", -1.5), ("complaint", -1.5), ("waste", -2.0), ("meh", -1.0), ("sucks", -2.5),
    ("garbage", -2.8), ("junk", -2.5), ("hard", -1.0), ("difficult", -1.5), ("impossible", -2.0),
    ("unbearably", -1.5), ("dealbreaker", -2.5), ("mistake", -1.8), ("wrong", -1.8), ("fail", -2.0),
    ("failure", -2.2), ("lost", -1.5), ("lose", -1.5), ("loss", -1.5), ("missing", -1.2), ("lack", -1.2),
    ("lacking", -1.5), ("limited", -1.2), ("outdated", -1.5), ("incomplete", -1.5), ("unfortunately", -1.5),
    ("sadly", -1.5), ("chase", -1.2), ("ignored", -1.8), ("refuse", -1.5), ("forever", -1.0), ("wait", -0.8),
    ("awkward", -1.5), ("overwhelming", -1.5), ("stuck", -1.5),
    // Product complaint.
    ("slow", -1.8), ("slower", -1.8), ("sluggish", -2.0), ("lag", -1.8), ("laggy", -2.0), ("freeze", -2.0),
    ("frozen", -1.8), ("hang", -1.5), ("crash", -2.2), ("bug", -1.8), ("buggy", -2.3), ("glitch", -1.8),
    ("glitchy", -2.0), ("broken", -2.3), ("broke", -2.0), ("error", -1.8), ("outage", -2.2), ("downtime", -2.0),
    ("unreliable", -2.3), ("unstable", -2.2), ("confusing", -2.0), ("confused", -1.8), ("clunky", -2.0),
    ("cluttered", -1.8), ("complicated", -1.6), ("unintuitive", -2.0), ("unusable", -2.6), ("expensive", -1.8),
    ("overpriced", -2.3), ("pricey", -1.2), ("costly", -1.6), ("delay", -1.3), ("timeout", -1.5),
    ("duplicate", -1.0), ("randomly", -0.8), ("silently", -1.0), ("rejected", -1.5), ("tiny", -0.5),
    ("unresponsive", -2.2), ("disappear", -1.8), ("stopped", -1.2),
    ("alternatives", -1.0), ("maze", -1.5),
];

/// Phrases whose meaning is not the sum of their words. Matched before single words; their
/// tokens are then not scored again.
#[rustfmt::skip]
const PHRASES: &[(&str, f64)] = &[
    ("couldn't be happier", 3.0), ("could not be happier", 3.0), ("can't complain", 1.5),
    ("above and beyond", 2.8), ("game changer", 2.8), ("no brainer", 2.0), ("just works", 2.0),
    ("up and running", 1.2), ("worth every penny", 2.5), ("value for money", 1.5), ("rock solid", 2.5),
    ("takes forever", -2.0), ("takes ages", -2.0), ("went down", -2.0), ("goes down", -2.0),
    ("gone down", -2.0), ("let us down", -2.2), ("let me down", -2.2), ("time out", -1.5),
    ("waste of time", -2.5), ("waste of money", -2.5), ("half baked", -2.0), ("half finished", -2.0),
    ("hidden fees", -2.0), ("arm and a leg", -2.0), ("learning curve", -0.8), ("no way to", -1.2),
    // Wishes are requests, not praise: "would love dark mode" says nothing about the product yet.
    ("would love", 0.0), ("would like", 0.0), ("i'd love", 0.0), ("i'd like", 0.0), ("would be nice", 0.0),
    ("would be great", 0.0), ("would be good", 0.0), ("it'd be nice", 0.0), ("it'd be great", 0.0),
];

/// Words that make the next sentiment word stronger, and how much.
#[rustfmt::skip]
const BOOSTERS: &[(&str, f64)] = &[
    ("very", 1.3), ("really", 1.3), ("extremely", 1.5), ("incredibly", 1.5), ("super", 1.3), ("so", 1.2),
    ("soooo", 1.4), ("too", 1.3), ("absolutely", 1.4), ("totally", 1.3), ("completely", 1.3), ("highly", 1.3),
    ("truly", 1.3), ("way", 1.2), ("insanely", 1.5), ("constantly", 1.3), ("always", 1.1),
    ("slightly", 0.6), ("somewhat", 0.7), ("bit", 0.7), ("little", 0.7), ("kinda", 0.7), ("fairly", 0.8),
    ("pretty", 0.9), ("mostly", 0.8),
];

/// Words that turn the polarity of what follows.
#[rustfmt::skip]
const NEGATORS: &[&str] = &[
    "not", "no", "never", "none", "nothing", "nobody", "nowhere", "neither", "nor", "without", "cannot",
    "hardly", "barely", "dont", "doesnt", "didnt", "isnt", "wasnt", "arent", "werent", "cant", "couldnt", "wont",
    "wouldnt", "shouldnt", "havent", "hasnt", "hadnt", "aint",
];

pub(super) struct Lexicon {
    words: HashMap<String, f64>,
    /// Stems of each phrase, longest first so the longest match wins.
    phrases: Vec<(Vec<String>, f64)>,
    boosters: HashMap<String, f64>,
}

impl Lexicon {
    pub(super) fn get() -> &'static Lexicon {
        static LEXICON: OnceLock<Lexicon> = OnceLock::new();
        LEXICON.get_or_init(Lexicon::build)
    }

    fn build() -> Self {
        let words = WORDS.iter().map(|(w, v)| (stem(w), *v)).collect();
        let mut phrases: Vec<(Vec<String>, f64)> =
            PHRASES.iter().map(|(p, v)| (tokenize(p).into_iter().map(|t| t.stem).collect(), *v)).collect();
        phrases.sort_by_key(|(stems, _)| std::cmp::Reverse(stems.len()));
        let boosters = BOOSTERS.iter().map(|(w, v)| ((*w).to_owned(), *v)).collect();
        Self { words, phrases, boosters }
    }

    pub(super) fn word(&self, stem: &str) -> Option<f64> {
        self.words.get(stem).copied()
    }

    /// The longest phrase starting at the front of `stems`: (its length, its valence).
    pub(super) fn phrase(&self, stems: &[&str]) -> Option<(usize, f64)> {
        self.phrases.iter().find_map(|(phrase, valence)| {
            let fits = phrase.len() <= stems.len() && phrase.iter().zip(stems).all(|(p, s)| p == s);
            fits.then_some((phrase.len(), *valence))
        })
    }

    pub(super) fn booster(&self, word: &str) -> Option<f64> {
        self.boosters.get(word).copied()
    }
}

/// "not", "never", "isn't", "dont" (typed without the apostrophe) ...
pub(super) fn is_negator(word: &str) -> bool {
    word.ends_with("n't") || NEGATORS.contains(&word)
}

/// Words after which the rest of the sentence carries the speaker's point.
pub(super) fn is_contrast(word: &str) -> bool {
    matches!(word, "but" | "however")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two entries that stem alike must agree, or one silently overrides the other.
    #[test]
    fn entries_that_share_a_stem_agree() {
        let mut seen: HashMap<String, (&str, f64)> = HashMap::new();
        for (word, valence) in WORDS {
            if let Some((other, v)) = seen.insert(stem(word), (word, *valence)) {
                assert!((v - valence).abs() < 0.5, "{word} ({valence}) and {other} ({v}) share a stem");
            }
        }
    }

    #[test]
    fn every_phrase_has_at_least_two_words() {
        for (phrase, _) in PHRASES {
            assert!(tokenize(phrase).len() >= 2, "{phrase}");
        }
    }
}
