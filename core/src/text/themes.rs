//! Tagging comments with themes from an editable keyword taxonomy.
//!
//! A theme is a name and a list of keywords. A keyword is one word or a phrase of several
//! words; both are matched on stems, so "crash" finds "crashes" and "load time" finds "loading
//! times". A keyword ending in `*` matches every word that starts with it ("integrat*" finds
//! "integration", "integrations", "integrates"). Negation is ignored on purpose: "not slow
//! anymore" is still a comment about performance; whether it is praise is the sentiment
//! scorer's business.

use super::tokenize::{Token, tokenize};
use serde::{Deserialize, Serialize};

/// The themes a project tags its comments with. Projects edit it (add or remove themes and
/// keywords), so it is plain data; [`Taxonomy::problems`] says what must be fixed before saving
/// (every such rule is in the schema), and [`Taxonomy::normalised`] is what is stored: themes
/// whose names differ only by case or surrounding spaces merged, keywords that repeat an
/// earlier one of their theme (same stems, same prefix) dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Taxonomy {
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub themes: Vec<Theme>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
// Named apart from the widget's colour `Theme` (`wire::Theme`): one name, one schema.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = TaxonomyTheme))]
pub struct Theme {
    /// Shown in reports and used as the key of a theme in [`ThemeMatch`] and the lift table.
    /// Not only spaces. A theme whose name repeats an earlier one's (ignoring case and
    /// surrounding spaces) is merged into it.
    #[cfg_attr(
        feature = "openapi",
        schema(schema_with = crate::patterns::not_blank)
    )]
    pub name: String,
    /// Words or phrases, written naturally ("load time"): each must contain a letter or digit
    /// (of the Basic Multilingual Plane), and a `*` only ends a single-word prefix of at least 3
    /// letters or digits ("integrat*"). A keyword that repeats an earlier one of its theme
    /// (same stems, or same prefix) is dropped.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, value_type = Vec<Keyword>))]
    pub keywords: Vec<String>,
}

/// One theme found in a comment, with the words of the comment that triggered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThemeMatch {
    pub theme: String,
    /// The matched words as they appear in the comment (lower-cased), first occurrence first,
    /// without repeats.
    pub evidence: Vec<String>,
}

/// Prefixes shorter than this would match far too much ("in*").
const MIN_PREFIX: usize = 3;

impl Taxonomy {
    /// Every theme whose keywords occur in `comment`, in taxonomy order.
    pub fn tag(&self, comment: &str) -> Vec<ThemeMatch> {
        let tokens = tokenize(comment);
        self.themes.iter().filter_map(|theme| theme.find(&tokens)).collect()
    }

    /// Just the theme names of [`Taxonomy::tag`].
    pub fn theme_names(&self, comment: &str) -> Vec<String> {
        self.tag(comment).into_iter().map(|m| m.theme).collect()
    }

    /// Problems an editor must fix before the taxonomy can be saved (empty = fine). Each
    /// message starts with the path of the field (`themes[2].keywords[0]`). Repeats are not
    /// problems: [`Taxonomy::normalised`] merges them.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.themes.is_empty() {
            out.push("themes must contain at least one theme".to_owned());
        }
        for (i, theme) in self.themes.iter().enumerate() {
            theme.problems(&format!("themes[{i}]"), &mut out);
        }
        out
    }

    /// The taxonomy as stored: a theme whose name repeats an earlier one's (ignoring case and
    /// surrounding spaces) merged into it (its keywords appended), and in each theme a keyword
    /// that repeats an earlier one (same stems, or same prefix) dropped. Order is kept.
    pub fn normalised(&self) -> Taxonomy {
        let mut themes: Vec<Theme> = Vec::new();
        for theme in &self.themes {
            match themes.iter_mut().find(|t| same_name(&t.name, &theme.name)) {
                Some(earlier) => earlier.keywords.extend(theme.keywords.iter().cloned()),
                None => themes.push(theme.clone()),
            }
        }
        for theme in &mut themes {
            let mut seen: Vec<Pattern> = Vec::new();
            theme.keywords.retain(|k| {
                let pattern = Pattern::parse(k);
                let new = !seen.contains(&pattern);
                if new {
                    seen.push(pattern);
                }
                new
            });
        }
        Taxonomy { themes }
    }
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

impl Theme {
    pub fn new(name: &str, keywords: &[&str]) -> Self {
        Self { name: name.to_owned(), keywords: keywords.iter().map(|k| (*k).to_owned()).collect() }
    }

    fn find(&self, tokens: &[Token]) -> Option<ThemeMatch> {
        let mut evidence: Vec<String> = Vec::new();
        for keyword in self.keywords.iter().map(|k| Pattern::parse(k)) {
            for found in keyword.occurrences(tokens) {
                if !evidence.contains(&found) {
                    evidence.push(found);
                }
            }
        }
        (!evidence.is_empty()).then(|| ThemeMatch { theme: self.name.clone(), evidence })
    }

    fn problems(&self, path: &str, out: &mut Vec<String>) {
        if self.name.trim().is_empty() {
            out.push(format!("{path}.name must not be empty"));
        }
        if self.keywords.is_empty() {
            out.push(format!("{path}.keywords must contain at least one keyword"));
        }
        for (j, keyword) in self.keywords.iter().enumerate() {
            if let Some(problem) = keyword_problem(keyword) {
                out.push(format!("{path}.keywords[{j}] {problem}"));
            }
        }
    }
}

/// A character a keyword's word is made of, as the schema's pattern lists them: a letter or
/// digit (`char::is_alphanumeric`, what the tokenizer keeps) of the Basic Multilingual Plane.
pub fn is_keyword_char(c: char) -> bool {
    c.is_alphanumeric() && u32::from(c) <= 0xFFFF
}

pub use crate::patterns::WHITESPACE_CLASS;

/// The rule of [`keyword_problem`] as a regular expression (the common subset: classes,
/// anchors, counted repetition): either no `*` and at least one letter or digit, or a
/// single-word prefix of at least 3 letters or digits ending in `*`, spaces around allowed.
pub fn keyword_pattern() -> String {
    let mut word = String::from("[");
    let mut start: Option<u32> = None;
    let push = |from: u32, to: u32, word: &mut String| {
        word.push_str(&format!("\\u{from:04X}"));
        if to > from {
            word.push_str(&format!("-\\u{to:04X}"));
        }
    };
    for code in 0..=0x1_0000u32 {
        let inside = char::from_u32(code).is_some_and(is_keyword_char);
        match (inside, start) {
            (true, None) => start = Some(code),
            (false, Some(from)) => {
                push(from, code - 1, &mut word);
                start = None;
            }
            _ => {}
        }
    }
    word.push(']');
    let space = format!("[{WHITESPACE_CLASS}]");
    format!(r"^[^*]*{word}[^*]*$|^{space}*{word}{{3,}}\*{space}*$")
}

/// Why `keyword` cannot be saved, if it cannot: exactly the strings [`keyword_pattern`]
/// refuses.
fn keyword_problem(keyword: &str) -> Option<String> {
    if !keyword.contains('*') {
        return (!keyword.chars().any(is_keyword_char)).then(|| "must contain a word (a letter or a digit)".to_owned());
    }
    let prefix = keyword.trim().strip_suffix('*').unwrap_or("*");
    let good = prefix.chars().count() >= MIN_PREFIX && prefix.chars().all(is_keyword_char);
    (!good).then(|| format!("\"{keyword}\": a * only ends a single-word prefix of at least {MIN_PREFIX} letters or digits"))
}

/// A keyword ready for matching: the stems of its words, the last one possibly a prefix.
#[derive(Debug, PartialEq, Eq)]
struct Pattern {
    stems: Vec<String>,
    prefix: Option<String>,
}

impl Pattern {
    fn parse(keyword: &str) -> Self {
        let trimmed = keyword.trim();
        match trimmed.strip_suffix('*') {
            // A prefix is compared with the word itself, not its stem: the editor wrote letters.
            Some(body) => Self { stems: Vec::new(), prefix: Some(body.trim().to_lowercase()) },
            None => Self { stems: tokenize(trimmed).into_iter().map(|t| t.stem).collect(), prefix: None },
        }
    }

    /// The comment's words at every place this keyword matches, joined by spaces.
    fn occurrences(&self, tokens: &[Token]) -> Vec<String> {
        match &self.prefix {
            Some(prefix) if !prefix.is_empty() => {
                tokens.iter().filter(|t| t.word.starts_with(prefix.as_str())).map(|t| t.word.clone()).collect()
            }
            Some(_) => Vec::new(),
            None if self.stems.is_empty() => Vec::new(),
            None => tokens
                .windows(self.stems.len())
                .filter(|w| w.iter().zip(&self.stems).all(|(t, s)| &t.stem == s))
                .map(|w| w.iter().map(|t| t.word.as_str()).collect::<Vec<_>>().join(" "))
                .collect(),
        }
    }
}

impl Default for Taxonomy {
    /// Ten themes that cover most product NPS comments; a starting point projects edit.
    fn default() -> Self {
        Self { themes: super::default_taxonomy::themes() }
    }
}

/// A keyword of a theme: a word or phrase with a letter or digit, or a single-word prefix of at
/// least 3 letters or digits ending in `*` ([`keyword_pattern`], which also enforces it).
#[cfg(feature = "openapi")]
pub struct Keyword;

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Keyword {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        static PATTERN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let pattern = PATTERN.get_or_init(keyword_pattern);
        ObjectBuilder::new().schema_type(SchemaType::Type(Type::String)).pattern(Some(pattern.as_str())).into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Keyword {}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(taxonomy: &Taxonomy, comment: &str) -> Vec<String> {
        taxonomy.theme_names(comment)
    }

    #[test]
    fn matches_words_phrases_and_prefixes_on_stems() {
        let taxonomy = Taxonomy {
            themes: vec![
                Theme::new("performance", &["slow", "load time"]),
                Theme::new("integrations", &["integrat*"]),
                Theme::new("pricing", &["price"]),
            ],
        };
        let found = taxonomy.tag("Slowly loading times, and the integrations are slow");
        assert_eq!(
            found,
            vec![
                ThemeMatch {
                    theme: "performance".into(),
                    evidence: vec!["slowly".into(), "slow".into(), "loading times".into()]
                },
                ThemeMatch { theme: "integrations".into(), evidence: vec!["integrations".into()] },
            ]
        );
        assert_eq!(names(&taxonomy, "Pricing is fair"), ["pricing"]);
        assert!(names(&taxonomy, "load the time sheet").is_empty(), "a phrase needs adjacent words");
    }

    #[test]
    fn negation_does_not_hide_a_theme() {
        let taxonomy = Taxonomy::default();
        assert_eq!(names(&taxonomy, "Not slow anymore"), ["performance"]);
    }

    #[test]
    fn default_taxonomy_has_the_ten_themes_and_no_problems() {
        let taxonomy = Taxonomy::default();
        let names: Vec<&str> = taxonomy.themes.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "usability",
                "performance",
                "bugs",
                "pricing",
                "support",
                "features",
                "onboarding",
                "integrations",
                "documentation",
                "reliability"
            ]
        );
        assert_eq!(taxonomy.problems(), Vec::<String>::new());
    }

    #[test]
    fn taxonomy_round_trips_through_json() {
        let taxonomy = Taxonomy::default();
        let json = serde_json::to_string(&taxonomy).expect("serialises");
        assert_eq!(serde_json::from_str::<Taxonomy>(&json).expect("deserialises"), taxonomy);
        let edited: Taxonomy =
            serde_json::from_str(r#"{"themes":[{"name":"sso","keywords":["single sign on","saml","okta"]}]}"#)
                .expect("hand-written taxonomy");
        assert_eq!(edited.theme_names("Please add single sign-on via Okta"), ["sso"]);
    }

    #[test]
    fn problems_name_the_field() {
        let taxonomy = Taxonomy {
            themes: vec![
                Theme::new("", &[]),
                Theme::new("speed", &["slow", "!!", "in*", "load time*", "a*b", "don't*", " fast* ", "日本", "🐛", "x"]),
            ],
        };
        assert_eq!(
            taxonomy.problems(),
            [
                "themes[0].name must not be empty",
                "themes[0].keywords must contain at least one keyword",
                "themes[1].keywords[1] must contain a word (a letter or a digit)",
                "themes[1].keywords[2] \"in*\": a * only ends a single-word prefix of at least 3 letters or digits",
                "themes[1].keywords[3] \"load time*\": a * only ends a single-word prefix of at least 3 letters or digits",
                "themes[1].keywords[4] \"a*b\": a * only ends a single-word prefix of at least 3 letters or digits",
                "themes[1].keywords[5] \"don't*\": a * only ends a single-word prefix of at least 3 letters or digits",
                "themes[1].keywords[8] must contain a word (a letter or a digit)",
            ]
        );
        assert_eq!(Taxonomy { themes: vec![] }.problems(), ["themes must contain at least one theme"]);
    }

    #[test]
    fn repeats_are_merged_not_refused() {
        let taxonomy = Taxonomy {
            themes: vec![
                Theme::new("speed", &["slow", "slowly", "integrat*"]),
                Theme::new("pricing", &["price"]),
                Theme::new(" Speed ", &["fast", "Slow", "INTEGRAT*", "load time", "loading times"]),
            ],
        };
        assert_eq!(taxonomy.problems(), Vec::<String>::new());
        assert_eq!(
            taxonomy.normalised(),
            Taxonomy { themes: vec![Theme::new("speed", &["slow", "integrat*", "fast", "load time"]), Theme::new("pricing", &["price"])] }
        );
        let default = Taxonomy::default();
        assert_eq!(default.normalised(), default, "the default taxonomy has no repeats");
    }

    #[test]
    fn the_keyword_pattern_lists_the_word_characters() {
        let pattern = keyword_pattern();
        assert!(pattern.starts_with("^[^*]*[\\u0030-\\u0039\\u0041-\\u005A\\u0061-\\u007A"), "{}", &pattern[..80]);
        assert!(pattern.contains("\\u4E00-"), "CJK ideographs are letters");
        assert!(!pattern.contains("\\uD800"), "no surrogates");
        assert!(pattern.ends_with(r"]{3,}\*[\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"));
    }
}
