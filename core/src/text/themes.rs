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
/// keywords), so it is plain data; [`Taxonomy::problems`] says what must be fixed before saving.
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
    #[cfg_attr(feature = "openapi", schema(min_length = 1, pattern = r"\S"))]
    pub name: String,
    /// Words or phrases, written naturally ("load time"); a trailing `*` makes a prefix.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
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
    /// message starts with the path of the field (`themes[2].keywords[0]`).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.themes.is_empty() {
            out.push("themes must contain at least one theme".to_owned());
        }
        for (i, theme) in self.themes.iter().enumerate() {
            let path = format!("themes[{i}]");
            theme.problems(&path, &mut out);
            let duplicate = self.themes[..i].iter().any(|t| same_name(&t.name, &theme.name));
            if duplicate && !theme.name.trim().is_empty() {
                out.push(format!("{path}.name \"{}\" is used by an earlier theme", theme.name));
            }
        }
        out
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
            let at = format!("{path}.keywords[{j}]");
            if let Some(problem) = keyword_problem(keyword) {
                out.push(format!("{at} {problem}"));
            } else if self.keywords[..j].iter().any(|k| Pattern::parse(k) == Pattern::parse(keyword)) {
                out.push(format!("{at} \"{keyword}\" repeats an earlier keyword"));
            }
        }
    }
}

fn keyword_problem(keyword: &str) -> Option<String> {
    let trimmed = keyword.trim();
    let body = trimmed.strip_suffix('*').unwrap_or(trimmed);
    if tokenize(body).is_empty() {
        return Some("must contain a word".to_owned());
    }
    if body.contains('*') {
        return Some(format!("\"{keyword}\": * is only allowed at the end"));
    }
    if trimmed.ends_with('*') {
        let words = tokenize(body);
        if words.len() > 1 || body.chars().last().is_some_and(|c| !c.is_alphanumeric()) {
            return Some(format!("\"{keyword}\": a prefix (ending in *) must be a single word"));
        }
        if words[0].word.chars().count() < MIN_PREFIX {
            return Some(format!("\"{keyword}\": a prefix must have at least {MIN_PREFIX} letters"));
        }
    }
    None
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
                Theme::new("speed", &["slow", "slowly", "!!", "in*", "load time*", "a*b"]),
                Theme::new("Speed ", &["fast"]),
            ],
        };
        assert_eq!(
            taxonomy.problems(),
            [
                "themes[0].name must not be empty",
                "themes[0].keywords must contain at least one keyword",
                "themes[1].keywords[1] \"slowly\" repeats an earlier keyword",
                "themes[1].keywords[2] must contain a word",
                "themes[1].keywords[3] \"in*\": a prefix must have at least 3 letters",
                "themes[1].keywords[4] \"load time*\": a prefix (ending in *) must be a single word",
                "themes[1].keywords[5] \"a*b\": * is only allowed at the end",
                "themes[2].name \"Speed \" is used by an earlier theme",
            ]
        );
        assert_eq!(Taxonomy { themes: vec![] }.problems(), ["themes must contain at least one theme"]);
    }
}
