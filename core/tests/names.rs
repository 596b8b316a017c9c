//! Every enum that travels and is stored by name (`names!`, `core/src/names.rs`): its names are
//! the ones serde writes and reads, so the store, the wire and the admin agree.

use nps_core::eligibility::{Op, Rule};
use nps_core::followup::FollowUpStatus;
use nps_core::score::Band;
use nps_core::text::sentiment::SentimentLabel;
use nps_core::webhooks::{Channel, DeliveryStatus, WebhookEvent, WebhookFormat};
use nps_core::wire::{AdminRole, Anonymity, AuditKind, FeedbackKind, SurveyKind, SurveyStatus};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Each variant's name is the one serde writes and reads, and parses back to the variant.
fn names_are_serdes<T: Serialize + DeserializeOwned + Copy + PartialEq + std::fmt::Debug>(all: &[T], as_str: fn(T) -> &'static str, parse: fn(&str) -> Option<T>) {
    for &v in all {
        let json = serde_json::to_value(v).expect("serialises");
        assert_eq!(json, serde_json::Value::String(as_str(v).to_owned()), "{v:?}");
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
    check!(Op, Rule, FollowUpStatus, Band, SentimentLabel, Channel, DeliveryStatus, WebhookEvent, WebhookFormat);
    check!(AdminRole, Anonymity, AuditKind, FeedbackKind, SurveyKind, SurveyStatus);
}

#[test]
fn an_unknown_name_is_refused_with_the_type_and_the_value() {
    assert_eq!(SurveyKind::try_from("nps".to_owned()), Err("is not a SurveyKind: `nps`".to_owned()));
    assert_eq!(SurveyKind::parse("Tnps"), None);
}
