//! How well the default taxonomy and the sentiment scorer agree with hand labels.
//!
//! `data/comments.jsonl` holds NPS comments labelled by a person (themes and sentiment) for what
//! the comment says, not for what the tagger would find. Run with
//! `cargo test -p nps-core --test text_quality -- --nocapture` to see the tables.
//!
//! The set was written by the same author as the keyword lists and lexicon. The first 248
//! comments were written before the rules and then used to tune them; the last 30 were written
//! afterwards and never tuned on. On those 30 alone the rules reached micro F1 0.61 and
//! sentiment accuracy 0.57, against 0.86 and 0.84 on the first 248: expect real comments to
//! land nearer the lower figures. The floors below guard against regressions; each sits a few
//! points below what the whole set reached when it was set.

use nps_core::text::{SentimentLabel, Taxonomy, sentiment};
use proptest::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Micro-averaged F1 over all themes: 0.835 when set.
const MIN_MICRO_F1: f64 = 0.80;
/// The weakest themes (usability, bugs) reached 0.754 when set.
const MIN_THEME_F1: f64 = 0.70;
/// Three-way accuracy: 0.806 when set.
const MIN_SENTIMENT_ACCURACY: f64 = 0.77;

#[derive(Deserialize)]
struct Labelled {
    text: String,
    themes: Vec<String>,
    sentiment: String,
}

fn labelled() -> Vec<Labelled> {
    include_str!("data/comments.jsonl")
        .lines()
        .filter(|line| !line.trim().is_empty())
        .enumerate()
        .map(|(i, line)| serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}", i + 1)))
        .collect()
}

/// `TEXT_QUALITY_VERBOSE=1` also prints every comment the rules get wrong.
fn verbose() -> bool {
    std::env::var_os("TEXT_QUALITY_VERBOSE").is_some()
}

#[derive(Default, Clone, Copy)]
struct Counts {
    tp: u32,
    fp: u32,
    fn_: u32,
}

impl Counts {
    fn precision(self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    fn recall(self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    fn f1(self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) }
    }
    fn add(&mut self, other: Counts) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.fn_ += other.fn_;
    }
}

/// An empty denominator means nothing was wrong.
fn ratio(num: u32, den: u32) -> f64 {
    if den == 0 { 1.0 } else { f64::from(num) / f64::from(den) }
}

#[test]
fn the_labelled_set_is_big_and_covers_every_theme() {
    let set = labelled();
    assert!(set.len() >= 220, "{} comments", set.len());
    let taxonomy = Taxonomy::default();
    for theme in &taxonomy.themes {
        let n = set.iter().filter(|c| c.themes.contains(&theme.name)).count();
        assert!(n >= 12, "{} has only {n} comments", theme.name);
    }
    for comment in &set {
        assert!(SentimentLabel::parse(&comment.sentiment).is_some(), "{}", comment.sentiment);
        for theme in &comment.themes {
            assert!(taxonomy.themes.iter().any(|t| &t.name == theme), "unknown theme {theme}");
        }
    }
}

#[test]
fn themes_agree_with_the_labels() {
    let taxonomy = Taxonomy::default();
    let mut per_theme: BTreeMap<String, Counts> =
        taxonomy.themes.iter().map(|t| (t.name.clone(), Counts::default())).collect();
    for comment in labelled() {
        let found = taxonomy.theme_names(&comment.text);
        if verbose() && !same_set(&found, &comment.themes) {
            println!("themes {:?} as {:?}: {}", comment.themes, found, comment.text);
        }
        for (theme, counts) in per_theme.iter_mut() {
            let (predicted, actual) = (found.contains(theme), comment.themes.contains(theme));
            counts.tp += u32::from(predicted && actual);
            counts.fp += u32::from(predicted && !actual);
            counts.fn_ += u32::from(!predicted && actual);
        }
    }
    let mut micro = Counts::default();
    println!("\n{:<14} {:>4} {:>4} {:>4} {:>9} {:>7} {:>6}", "theme", "tp", "fp", "fn", "precision", "recall", "f1");
    for (theme, counts) in &per_theme {
        print_row(theme, *counts);
        micro.add(*counts);
    }
    print_row("micro", micro);
    for (theme, counts) in &per_theme {
        assert!(counts.f1() >= MIN_THEME_F1, "{theme}: F1 {:.3} < {MIN_THEME_F1}", counts.f1());
    }
    assert!(micro.f1() >= MIN_MICRO_F1, "micro F1 {:.3} < {MIN_MICRO_F1}", micro.f1());
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

fn print_row(name: &str, c: Counts) {
    println!(
        "{name:<14} {:>4} {:>4} {:>4} {:>9.3} {:>7.3} {:>6.3}",
        c.tp,
        c.fp,
        c.fn_,
        c.precision(),
        c.recall(),
        c.f1()
    );
}

#[test]
fn sentiment_agrees_with_the_labels() {
    let set = labelled();
    // confusion[actual][predicted], in SentimentLabel::ALL order.
    let mut confusion = [[0u32; 3]; 3];
    for comment in &set {
        let actual = SentimentLabel::parse(&comment.sentiment).expect("valid label");
        let predicted = sentiment(&comment.text).label;
        confusion[index(actual)][index(predicted)] += 1;
        if verbose() && actual != predicted {
            println!("sentiment {} as {}: {}", actual.as_str(), predicted.as_str(), comment.text);
        }
    }
    let correct: u32 = (0..3).map(|i| confusion[i][i]).sum();
    let accuracy = f64::from(correct) / set.len() as f64;
    println!("\nsentiment accuracy {accuracy:.3} ({correct}/{})", set.len());
    println!("{:<18} {:>9} {:>8} {:>9}", "actual \\ predicted", "negative", "neutral", "positive");
    for label in SentimentLabel::ALL {
        let row = confusion[index(label)];
        println!("{:<18} {:>9} {:>8} {:>9}", label.as_str(), row[0], row[1], row[2]);
    }
    assert!(accuracy >= MIN_SENTIMENT_ACCURACY, "accuracy {accuracy:.3} < {MIN_SENTIMENT_ACCURACY}");
}

fn index(label: SentimentLabel) -> usize {
    SentimentLabel::ALL.iter().position(|l| *l == label).expect("in ALL")
}

const POSITIVE: &[&str] =
    &["good", "great", "excellent", "amazing", "fast", "reliable", "intuitive", "easy to use", "helpful", "awesome"];

proptest! {
    #[test]
    fn score_is_always_within_minus_one_and_one(text in any::<String>()) {
        let s = sentiment(&text).score;
        prop_assert!((-1.0..=1.0).contains(&s), "{s}");
    }

    #[test]
    fn scores_of_lexicon_heavy_text_stay_bounded(words in prop::collection::vec(
        prop::sample::select(vec!["great", "slow", "not", "very", "but", "crash", "love", "too", "!", "."]), 0..200,
    )) {
        let s = sentiment(&words.join(" ")).score;
        prop_assert!((-1.0..=1.0).contains(&s), "{s}");
    }

    #[test]
    fn negating_praise_never_raises_the_score(
        subject in "[a-z]{1,10}( [a-z]{1,10}){0,2}",
        adjective in prop::sample::select(POSITIVE.to_vec()),
    ) {
        let praise = sentiment(&format!("{subject} is {adjective}")).score;
        let negated = sentiment(&format!("{subject} is not {adjective}")).score;
        prop_assert!(negated <= praise, "{negated} > {praise}");
    }
}
