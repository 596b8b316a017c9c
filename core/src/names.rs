//! Enums that travel and are stored as their snake-case names (rules, kinds, statuses, roles):
//! one macro writes each one's list, its names and the parsing back, so a variant cannot be
//! added to the type and forgotten in its name table. The names are serde's (`rename_all =
//! "snake_case"` or per-variant renames); the test below holds the two together.

/// `names!(Type { Variant => "name", ... })`: `Type::ALL` (in the order given), `as_str`,
/// `parse` and `TryFrom<String>` (how the store reads a name back, naming the bad value).
macro_rules! names {
    ($type:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $type {
            /// Every variant, in the order the type lists them.
            pub const ALL: [$type; [$($name),+].len()] = [$($type::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($type::$variant => $name),+
                }
            }

            pub fn parse(name: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.as_str() == name)
            }
        }

        impl TryFrom<String> for $type {
            type Error = String;

            fn try_from(name: String) -> Result<Self, String> {
                Self::parse(&name).ok_or_else(|| format!("is not a {}: `{name}`", stringify!($type)))
            }
        }
    };
}

pub(crate) use names;

#[cfg(test)]
mod tests {
    use serde::Serialize;

    /// Each variant's name is the one serde writes and reads, and parses back to the variant.
    fn names_are_serdes<
        T: Serialize + for<'de> serde::Deserialize<'de> + Copy + PartialEq + std::fmt::Debug,
    >(
        all: &[T],
        as_str: fn(T) -> &'static str,
        parse: fn(&str) -> Option<T>,
    ) {
        for &v in all {
            let json = serde_json::to_value(v).expect("serialises");
            assert_eq!(
                json,
                serde_json::Value::String(as_str(v).to_owned()),
                "{v:?}"
            );
            assert_eq!(parse(as_str(v)), Some(v));
            assert_eq!(serde_json::from_value::<T>(json).expect("reads back"), v);
        }
    }

    macro_rules! check {
        ($($type:ty),+ $(,)?) => {
            $(names_are_serdes::<$type>(&<$type>::ALL, <$type>::as_str, <$type>::parse);)+
        };
    }

    #[test]
    fn every_name_is_the_serde_name() {
        use crate::eligibility::{Op, Rule};
        use crate::followup::FollowUpStatus;
        use crate::score::Band;
        use crate::text::sentiment::SentimentLabel;
        use crate::webhooks::{Channel, DeliveryStatus, WebhookEvent, WebhookFormat};
        use crate::wire::{
            AdminRole, Anonymity, AuditKind, FeedbackKind, SurveyKind, SurveyStatus,
        };
        check!(
            Op,
            Rule,
            FollowUpStatus,
            Band,
            SentimentLabel,
            Channel,
            DeliveryStatus,
            WebhookEvent,
            WebhookFormat
        );
        check!(
            AdminRole,
            Anonymity,
            AuditKind,
            FeedbackKind,
            SurveyKind,
            SurveyStatus
        );
    }

    #[test]
    fn an_unknown_name_is_refused_with_the_type_and_the_value() {
        use crate::wire::SurveyKind;
        assert_eq!(
            SurveyKind::try_from("nps".to_owned()),
            Err("is not a SurveyKind: `nps`".to_owned())
        );
        assert_eq!(SurveyKind::parse("Tnps"), None);
    }
}
