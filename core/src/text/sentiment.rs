//! Lexicon-based sentiment of a comment, in the manner of VADER (Hutto & Gilbert 2014).
//!
//! Each word or phrase of the lexicon contributes its valence, changed by what comes before it
//! in the same clause:
//! - a negator ("not", "never", "no", "isn't", "without" ...) among the [`NEGATION_WINDOW`]
//!   words before it turns it round and damps it ([`NEGATION_SCALAR`], VADER's -0.74): "not
//!   good" is bad but less bad than "bad"; "no problems" and "isn't slow" are mildly good;
//! - boosters just before it ("very", "really", "extremely") scale it up, dampeners ("a bit",
//!   "slightly") down;
//! - "too" before a word with no valence makes it a complaint ("too many clicks");
//! - a verbal denial that negates no sentiment word ("never replied", "won't start") is a
//!   mild complaint of its own.
//!
//! A contrast ("but", "however") moves the weight to what follows it: everything after the last
//! contrast word counts [`AFTER_CONTRAST`] times, everything before it [`BEFORE_CONTRAST`] times
//! ("pricey but worth it" is positive).
//!
//! The sum `s` is squashed into (-1, 1) by `s / sqrt(s² + 15)` (VADER's normalisation) and
//! labelled with a neutral band of ±[`NEUTRAL_BAND`]: at least +0.05 is positive, at most -0.05
//! negative. Since the mildest lexicon entry alone scores about ±0.13, "neutral" in practice
//! means "no sentiment words, or praise and complaint that cancel out".

use crate::names::names;
use super::lexicon::{Lexicon, is_contrast, is_negator};
use super::tokenize::{Token, tokenize};
use serde::{Deserialize, Serialize};

/// Scores strictly inside (-NEUTRAL_BAND, NEUTRAL_BAND) are neutral.
pub const NEUTRAL_BAND: f64 = 0.05;
/// How many words before a sentiment word a negator may stand.
pub const NEGATION_WINDOW: usize = 3;
/// What a negated valence is multiplied by.
pub const NEGATION_SCALAR: f64 = -0.74;
pub const BEFORE_CONTRAST: f64 = 0.5;
pub const AFTER_CONTRAST: f64 = 1.5;
/// VADER's normalisation constant: a sum of ±3.9 (one strong word) maps to about ±0.7.
const ALPHA: f64 = 15.0;
/// Boosters are looked for this many words back.
const BOOST_WINDOW: usize = 2;
/// Valence of the word after "too" when the word has none of its own.
const TOO_VALENCE: f64 = -1.0;
/// Valence of a denial that negates no sentiment word ("never replied").
const DANGLING_DENIAL: f64 = -0.6;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sentiment {
    /// In [-1, 1]; 0 when the comment holds no sentiment words.
    pub score: f64,
    pub label: SentimentLabel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SentimentLabel {
    Negative,
    Neutral,
    Positive,
}

impl SentimentLabel {
    pub fn of(score: f64) -> Self {
        if score >= NEUTRAL_BAND {
            SentimentLabel::Positive
        } else if score <= -NEUTRAL_BAND {
            SentimentLabel::Negative
        } else {
            SentimentLabel::Neutral
        }
    }
}

names!(SentimentLabel { Negative => "negative", Neutral => "neutral", Positive => "positive" });

/// The sentiment of one comment.
pub fn sentiment(comment: &str) -> Sentiment {
    let tokens = tokenize(comment);
    let score = normalise(weighted_sum(&tokens));
    Sentiment { score, label: SentimentLabel::of(score) }
}

/// Sum of the valences, each weighted by its side of the last contrast word.
fn weighted_sum(tokens: &[Token]) -> f64 {
    let contrast = tokens.iter().rposition(|t| is_contrast(&t.word));
    valences(tokens)
        .into_iter()
        .map(|(at, valence)| match contrast {
            Some(c) if at < c => valence * BEFORE_CONTRAST,
            Some(_) => valence * AFTER_CONTRAST,
            None => valence,
        })
        .sum()
}

/// (position, valence after negation and boosters) of every sentiment word or phrase, plus
/// the denials that had nothing to turn round.
fn valences(tokens: &[Token]) -> Vec<(usize, f64)> {
    let lexicon = Lexicon::get();
    let stems: Vec<&str> = tokens.iter().map(|t| t.stem.as_str()).collect();
    let mut out = Vec::new();
    // Negators that negated something or sit inside a phrase ("couldn't be happier").
    let mut used = vec![false; tokens.len()];
    let mut i = 0;
    while i < tokens.len() {
        let (len, base) = lexicon
            .phrase(&stems[i..])
            .or_else(|| lexicon.word(stems[i]).map(|v| (1, v)))
            .unwrap_or_else(|| (1, after_too(tokens, i)));
        if len > 1 {
            used[i..i + len].iter_mut().for_each(|u| *u = true);
        }
        if base != 0.0 {
            let boosted = base * boost(lexicon, tokens, i);
            let negator = clause_before(tokens, i, NEGATION_WINDOW).find(|&j| is_negator(&tokens[j].word));
            if let Some(j) = negator {
                used[j] = true;
            }
            out.push((i, if negator.is_some() { boosted * NEGATION_SCALAR } else { boosted }));
        }
        i += len;
    }
    out.extend(dangling_denials(tokens, &used).map(|j| (j, DANGLING_DENIAL)));
    out
}

/// Verbal denials ("never replied", "won't start", "can't connect", "nobody noticed") that
/// negate no sentiment word. In feedback they report something that does not happen as it
/// should, so each counts as a mild complaint. "no", "nothing" and "without" are left out: "no
/// opinion yet", "nothing special" and "without help" are not complaints.
fn dangling_denials<'a>(tokens: &'a [Token], used: &'a [bool]) -> impl Iterator<Item = usize> + 'a {
    tokens.iter().enumerate().filter(move |(j, t)| !used[*j] && is_denial(&t.word)).map(|(j, _)| j)
}

fn is_denial(word: &str) -> bool {
    is_negator(word)
        && !matches!(word, "no" | "none" | "nothing" | "without" | "hardly" | "barely" | "neither" | "nor" | "nowhere")
}

/// The positions of the words before `tokens[i]` in its clause, nearest first, at most `n`;
/// stops at a contrast word so "not great but fast" does not negate "fast".
fn clause_before(tokens: &[Token], i: usize, n: usize) -> impl Iterator<Item = usize> + '_ {
    let start = tokens[..=i].iter().rposition(|t| t.clause_start).unwrap_or(0);
    (start..i).rev().take(n).take_while(|&j| !is_contrast(&tokens[j].word))
}

/// Product of the boosters just before `tokens[i]` ("really very slow" counts both).
fn boost(lexicon: &Lexicon, tokens: &[Token], i: usize) -> f64 {
    clause_before(tokens, i, BOOST_WINDOW).filter_map(|j| lexicon.booster(&tokens[j].word)).product()
}

/// "too many", "too long": excess is a complaint even when the word itself is neutral.
fn after_too(tokens: &[Token], i: usize) -> f64 {
    let word = &tokens[i].word;
    let follows_too = i > 0 && tokens[i - 1].word == "too" && !tokens[i].clause_start;
    let modifier = is_negator(word) || is_contrast(word) || Lexicon::get().booster(word).is_some();
    if follows_too && !modifier { TOO_VALENCE } else { 0.0 }
}

/// VADER's squashing into (-1, 1); the clamp only guards against rounding.
fn normalise(sum: f64) -> f64 {
    (sum / (sum * sum + ALPHA).sqrt()).clamp(-1.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(text: &str) -> f64 {
        sentiment(text).score
    }

    fn label(text: &str) -> &'static str {
        sentiment(text).label.as_str()
    }

    #[test]
    fn plain_words_carry_their_polarity() {
        assert_eq!(label("Great product"), "positive");
        assert_eq!(label("The app is slow"), "negative");
        assert_eq!(label("I use it for invoices"), "neutral");
        assert_eq!(sentiment(""), Sentiment { score: 0.0, label: SentimentLabel::Neutral });
    }

    #[test]
    fn negation_flips_within_the_window_and_clause() {
        for text in ["not good", "never works", "I would not recommend it"] {
            assert_eq!(label(text), "negative", "{text}");
        }
        for text in ["isn't slow", "not slow anymore", "no problems at all", "never had an issue", "without any bugs"] {
            assert_eq!(label(text), "positive", "{text}");
        }
        assert!(score("not good") > score("bad"), "a negated word is damped");
        assert_eq!(label("not that it matters, the tool is great"), "positive", "a comma ends the negation");
        assert_eq!(label("no idea why people like it because it is great"), "positive", "beyond the window");
    }

    #[test]
    fn boosters_and_dampeners_scale() {
        assert!(score("very good") > score("good"));
        assert!(score("really extremely slow") < score("very slow"));
        assert!(score("a bit slow") > score("slow"));
        assert_eq!(label("too many clicks"), "negative");
    }

    #[test]
    fn the_clause_after_but_counts_more() {
        assert_eq!(label("A bit pricey but worth it"), "positive");
        assert_eq!(label("Great support, but the app is slow and buggy"), "negative");
        // 1.9 before "but" at half weight, -1.8 after at 1.5 times: (0.95 - 2.7) / sqrt(... + 15).
        let sum: f64 = 0.5 * 1.9 - 1.5 * 1.8;
        assert!((score("good but slow") - sum / (sum * sum + 15.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn phrases_beat_their_words() {
        assert_eq!(label("Couldn't be happier"), "positive");
        assert_eq!(label("Hasn't gone down once"), "positive");
        assert_eq!(label("It went down twice"), "negative");
        assert_eq!(label("A real game changer"), "positive");
    }

    #[test]
    fn a_denial_with_nothing_to_negate_is_a_mild_complaint() {
        for text in ["Support never replied", "The app won't start", "Can't connect it to Okta"] {
            assert_eq!(label(text), "negative", "{text}");
        }
        for text in ["No opinion yet", "Nothing special", "Learned it without help"] {
            assert_eq!(label(text), "neutral", "{text}");
        }
        assert_eq!(label("couldn't be happier"), "positive", "a denial inside a phrase is used");
    }

    #[test]
    fn wishes_are_not_praise() {
        for text in ["Would love a dark mode", "It would be great to have custom fields", "I'd like bulk editing"] {
            assert_eq!(label(text), "neutral", "{text}");
        }
        assert_eq!(label("I would recommend it"), "positive");
    }

    #[test]
    fn labels_use_the_neutral_band() {
        assert_eq!(SentimentLabel::of(0.05), SentimentLabel::Positive);
        assert_eq!(SentimentLabel::of(0.049), SentimentLabel::Neutral);
        assert_eq!(SentimentLabel::of(-0.05), SentimentLabel::Negative);
        assert_eq!(SentimentLabel::parse("neutral"), Some(SentimentLabel::Neutral));
        assert_eq!(serde_json::to_string(&SentimentLabel::Positive).expect("serialises"), "\"positive\"");
    }
}
