//! Splitting a comment into lower-case words and their stems.
//!
//! Words are runs of Unicode letters and digits (`char::is_alphanumeric`), so "café" and
//! "naïve" stay whole. An apostrophe inside a word is kept ("isn't", "don't") because the
//! negation rules of the sentiment scorer need it; the typographic ’ is read as '. Hyphens and
//! every other character split words ("user-friendly" → "user", "friendly").
//!
//! Punctuation that ends a clause (. , ; : ! ? and dashes and brackets) is remembered on the
//! next token, so the sentiment scorer does not carry a negation across "Not great. Fast
//! though".

/// One word of a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The word, lower-cased, apostrophes normalised to '.
    pub word: String,
    /// [`stem`] of the word.
    pub stem: String,
    /// A clause boundary (. , ; : ! ? …) came between the previous word and this one.
    pub clause_start: bool,
}

/// Lower-cased words of `text` with their stems.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut boundary = true;
    for c in text.chars() {
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if is_apostrophe(c) && !word.is_empty() {
            word.push('\'');
        } else {
            push_word(&mut tokens, &mut word, &mut boundary);
            boundary |= ends_clause(c);
        }
    }
    push_word(&mut tokens, &mut word, &mut boundary);
    tokens
}

/// Only the stems, for matching keywords.
pub fn stems(text: &str) -> Vec<String> {
    tokenize(text).into_iter().map(|t| t.stem).collect()
}

fn push_word(tokens: &mut Vec<Token>, word: &mut String, boundary: &mut bool) {
    // A trailing apostrophe is a quote mark or a plural possessive, not part of the word.
    let trimmed = word.trim_end_matches('\'');
    if !trimmed.is_empty() {
        tokens.push(Token { word: trimmed.to_owned(), stem: stem(trimmed), clause_start: *boundary });
        *boundary = false;
    }
    word.clear();
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{2018}')
}

fn ends_clause(c: char) -> bool {
    matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '(' | ')' | '\u{2013}' | '\u{2014}' | '\n')
}

/// A light English stemmer: strips one common suffix, then a final "e".
///
/// It is deliberately cruder than Porter's: the aim is only that the forms a comment uses
/// ("crashes", "crashed", "crashing") meet the forms a taxonomy editor writes ("crash"), and
/// that "price"/"prices"/"pricing" all become "pric". Short words (3 letters or fewer) and
/// words with an apostrophe are left alone. Possessive "'s" is dropped.
pub fn stem(word: &str) -> String {
    let word = word.strip_suffix("'s").unwrap_or(word);
    if word.chars().count() <= 3 || word.contains('\'') || !word.is_ascii() {
        return word.to_owned();
    }
    let base = strip_suffix(word);
    strip_final_e(&base).to_owned()
}

fn strip_suffix(word: &str) -> String {
    if let Some(root) = word.strip_suffix("ies").filter(|r| r.len() >= 2) {
        return format!("{root}y");
    }
    if let Some(root) = word.strip_suffix("ied").filter(|r| r.len() >= 2) {
        return format!("{root}y");
    }
    if let Some(root) = word.strip_suffix("ily").filter(|r| r.len() >= 3) {
        return format!("{root}y");
    }
    for suffix in ["ing", "ed"] {
        // "speed", "need": the "ed" is part of the word.
        if suffix == "ed" && word.ends_with("eed") {
            return word.to_owned();
        }
        if let Some(root) = word.strip_suffix(suffix).filter(|r| r.len() >= 3 && has_vowel(r)) {
            return undouble(root).to_owned();
        }
    }
    if let Some(root) = word.strip_suffix("ly").filter(|r| r.len() >= 4) {
        return root.to_owned();
    }
    if let Some(root) = word.strip_suffix('s').filter(|r| !r.ends_with(['s', 'u', 'i'])) {
        return root.to_owned();
    }
    word.to_owned()
}

fn has_vowel(s: &str) -> bool {
    s.contains(['a', 'e', 'i', 'o', 'u', 'y'])
}

/// "stopp" → "stop", "lagg" → "lag"; "ll", "ss" and "zz" stay ("install", "miss", "buzz").
fn undouble(root: &str) -> &str {
    let bytes = root.as_bytes();
    match bytes {
        [.., a, b] if a == b && !matches!(a, b'l' | b's' | b'z') && !has_vowel(&root[root.len() - 1..]) => {
            &root[..root.len() - 1]
        }
        _ => root,
    }
}

/// "freeze"/"freez(ing)" and "price"/"pric(ing)" meet on the form without the "e"; "free",
/// "agree" keep theirs.
fn strip_final_e(word: &str) -> &str {
    match word.strip_suffix('e') {
        Some(root) if root.len() >= 3 && !root.ends_with('e') => root,
        _ => word,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokenize(text).into_iter().map(|t| t.word).collect()
    }

    #[test]
    fn splits_on_unicode_word_boundaries_and_keeps_apostrophes() {
        assert_eq!(
            words("It ISN’T slow—the café's UI is user-friendly!"),
            ["it", "isn't", "slow", "the", "café's", "ui", "is", "user", "friendly"]
        );
        assert_eq!(words("'quoted' words'"), ["quoted", "words"]);
        assert!(tokenize("  ... !!").is_empty());
    }

    #[test]
    fn marks_clause_starts() {
        let starts: Vec<bool> = tokenize("not great. fast, though").iter().map(|t| t.clause_start).collect();
        assert_eq!(starts, [true, false, true, true]);
    }

    #[test]
    fn inflections_meet_on_one_stem() {
        let groups: &[&[&str]] = &[
            &["crash", "crashes", "crashed", "crashing"],
            &["price", "prices", "pricing", "priced"],
            &["freeze", "freezes", "freezing"],
            &["lag", "lags", "lagging", "lagged"],
            &["load", "loads", "loading", "loaded"],
            &["company", "companies"],
            &["try", "tried"],
            &["feature", "features"],
            &["integrate", "integrated", "integrates", "integrating"],
            &["easy", "easily"],
            &["slow", "slowly", "slows"],
        ];
        for group in groups {
            let expected = stem(group[0]);
            for word in *group {
                assert_eq!(stem(word), expected, "{word} vs {}", group[0]);
            }
        }
    }

    #[test]
    fn leaves_short_and_special_words_alone() {
        for word in ["bug", "ui", "speed", "need", "status", "miss", "install", "isn't", "free", "café"] {
            assert_eq!(stem(word), word);
        }
        assert_eq!(stem("bugs"), "bug");
        assert_eq!(stem("team's"), "team");
    }
}
