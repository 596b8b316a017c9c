//! Surveys: kinds, status, texts per language, appearance and rules.

use crate::names::names;
use super::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum SurveyKind {
    /// Transactional: after an event or page in the host app.
    Tnps,
    /// Relational: on a cadence per user.
    Rnps,
    /// Employee NPS, by link, anonymous or confidential.
    Enps,
    /// Partner NPS, by link to partner contacts.
    Partner,
}

impl SurveyKind {
    /// Answered in the host app through the widget. Employee and partner NPS are answered
    /// only through personal links: the public project key must never write into them.
    pub fn is_in_app(self) -> bool {
        matches!(self, SurveyKind::Tnps | SurveyKind::Rnps)
    }

    /// Whether a survey of this kind may be edited into `other`. Only between the customer
    /// kinds: employee and partner answers were given under a promise of protection (or read
    /// under the partner managers' scope), and a kind that reads them as plain rows, or a
    /// customer survey whose answers nobody protected turning protected, would break what was
    /// promised when they were given. A different kind is a new survey.
    pub fn may_become(self, other: SurveyKind) -> bool {
        self == other || (self.is_in_app() && other.is_in_app())
    }
}

names!(SurveyKind { Tnps => "tnps", Rnps => "rnps", Enps => "enps", Partner => "partner" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum SurveyStatus {
    #[default]
    Draft,
    Live,
    Paused,
    Closed,
}

names!(SurveyStatus { Draft => "draft", Live => "live", Paused => "paused", Closed => "closed" });

/// One value per band (follow-up questions, thank-you messages).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PerBand<T> {
    pub detractor: T,
    pub passive: T,
    pub promoter: T,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum ExtraQuestionKind {
    /// 1 to 5.
    Rating,
    Text,
    YesNo,
}

/// An optional question after the follow-up (support responsiveness, value for money, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ExtraQuestion {
    pub id: String,
    pub text: String,
    pub kind: ExtraQuestionKind,
}

/// Everything a respondent reads, in one language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SurveyTexts {
    /// Not only spaces.
    #[cfg_attr(
        feature = "openapi",
        schema(schema_with = super::limits::not_blank)
    )]
    pub question: String,
    pub follow_up: PerBand<String>,
    pub thank_you: PerBand<String>,
    #[serde(default)]
    pub extra_questions: Vec<ExtraQuestion>,
    /// Optional call to action shown to promoters (review site, referral page).
    pub promoter_link: Option<String>,
}

impl Default for SurveyTexts {
    fn default() -> Self {
        Self {
            question: "How likely are you to recommend us to a friend or colleague?".to_owned(),
            follow_up: PerBand {
                detractor: "What is the main reason for your score?".to_owned(),
                passive: "What is the main reason for your score?".to_owned(),
                promoter: "What is the main reason for your score?".to_owned(),
            },
            thank_you: PerBand {
                detractor: "Thank you. We read every answer and will work on it.".to_owned(),
                passive: "Thank you for your feedback.".to_owned(),
                promoter: "Thank you! We are glad you like it.".to_owned(),
            },
            extra_questions: Vec::new(),
            promoter_link: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Placement {
    #[default]
    BottomRight,
    BottomLeft,
    Centre,
    BottomSheet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Theme {
    Light,
    Dark,
    #[default]
    Auto,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Appearance {
    pub placement: Placement,
    pub theme: Theme,
    /// CSS colour of the brand, `#rgb` or `#rrggbb` (e.g. `#4f46e5`).
    #[cfg_attr(feature = "openapi", schema(pattern = r"^#([0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})$"))]
    pub brand_colour: String,
}

impl Appearance {
    /// `#rgb` or `#rrggbb`: what the editor's colour picker gives, and nothing the widget's
    /// stylesheet could read as anything but a colour.
    pub fn has_hex_colour(&self) -> bool {
        let hex = self.brand_colour.strip_prefix('#');
        hex.is_some_and(|h| matches!(h.len(), 3 | 6) && h.chars().all(|c| c.is_ascii_hexdigit()))
    }
}

impl Default for Appearance {
    fn default() -> Self {
        Self { placement: Placement::default(), theme: Theme::default(), brand_colour: "#4f46e5".to_owned() }
    }
}

/// The content of a survey: texts per language and appearance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SurveyDefinition {
    pub default_language: String,
    /// Texts per language code. When there is no entry for `default_language`, the built-in
    /// texts (English) are stored under it, for the editor to translate.
    pub texts: BTreeMap<String, SurveyTexts>,
    pub appearance: Appearance,
}

impl Default for SurveyDefinition {
    fn default() -> Self {
        Self {
            default_language: "en".to_owned(),
            texts: BTreeMap::from([("en".to_owned(), SurveyTexts::default())]),
            appearance: Appearance::default(),
        }
    }
}

impl SurveyDefinition {
    /// The texts in `language` if the survey has them, else in its default language.
    pub fn texts_for(&self, language: Option<&str>) -> Option<&SurveyTexts> {
        language
            .and_then(|l| self.texts.get(l).or_else(|| self.texts.get(l.split('-').next().unwrap_or(l))))
            .or_else(|| self.texts.get(&self.default_language))
    }

    /// Problems an editor must fix before the survey can be saved, one message each (every
    /// such rule is in the schema).
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (language, texts) in &self.texts {
            if texts.question.trim().is_empty() {
                problems.push(format!("definition.texts.{language}.question must not be empty"));
            }
        }
        if !self.appearance.has_hex_colour() {
            problems.push("definition.appearance.brand_colour must be a colour like #4f46e5".to_owned());
        }
        problems
    }

    /// The definition as stored: the built-in texts fill a missing entry for the default
    /// language, so every survey has texts to fall back on.
    pub fn normalised(mut self) -> Self {
        self.texts.entry(self.default_language.clone()).or_default();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_default_language_gets_the_built_in_texts() {
        let texts = SurveyTexts { question: "Würden Sie uns empfehlen?".into(), ..SurveyTexts::default() };
        let definition = SurveyDefinition { default_language: "fr".into(), texts: BTreeMap::from([("de".into(), texts.clone())]), ..Default::default() };
        assert!(definition.problems().is_empty());
        let stored = definition.normalised();
        assert_eq!(stored.texts.get("fr"), Some(&SurveyTexts::default()));
        assert_eq!(stored.texts.get("de"), Some(&texts), "the other languages are kept");
        assert_eq!(stored.clone().normalised(), stored);
    }

    #[test]
    fn the_brand_colour_must_be_hex() {
        let with = |colour: &str| SurveyDefinition {
            appearance: Appearance { brand_colour: colour.into(), ..Appearance::default() },
            ..Default::default()
        };
        for good in ["#4f46e5", "#FFF", "#abcdef"] {
            assert!(with(good).problems().is_empty(), "{good} refused");
        }
        for bad in ["4f46e5", "#4f46e", "red", "#ggg", "#4f46e5;}body{", ""] {
            assert_eq!(with(bad).problems(), ["definition.appearance.brand_colour must be a colour like #4f46e5"], "{bad}");
        }
    }

    #[test]
    fn only_the_customer_kinds_change_into_each_other() {
        use SurveyKind::*;
        let kinds = [Tnps, Rnps, Enps, Partner];
        for from in kinds {
            for to in kinds {
                let allowed = from == to || (from.is_in_app() && to.is_in_app());
                assert_eq!(from.may_become(to), allowed, "{from:?} -> {to:?}");
            }
        }
        assert!(Tnps.may_become(Rnps) && !Enps.may_become(Tnps) && !Tnps.may_become(Enps) && !Partner.may_become(Rnps));
    }
}
