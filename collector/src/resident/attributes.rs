//! Attribute maps as a boxed slice of interned `(key, value)` pairs: 8 bytes per attribute
//! instead of a B-tree node, a `String` and a `Value` per user. A value is interned as its JSON
//! text, so `"pro"` and `7` are stored once however many users share them.

use super::compact::{Sym, Symbols};
use crate::store::resident::AttributeTexts;
use nps_core::wire::Attributes;
use serde_json::Value;

pub type Pairs = Box<[(Sym, Sym)]>;

/// Interns a parsed map (an identify's attributes).
pub fn intern_map(symbols: &mut Symbols, attributes: &Attributes) -> Pairs {
    let mut text = Vec::new();
    attributes
        .iter()
        .map(|(key, value)| {
            text.clear();
            // Writing a `Value` into a `Vec` cannot fail.
            let _ = serde_json::to_writer(&mut text, value);
            (symbols.intern(key), symbols.intern(std::str::from_utf8(&text).unwrap_or("null")))
        })
        .collect()
}

/// Interns a map read from a stored row.
pub fn intern_texts(symbols: &mut Symbols, attributes: &AttributeTexts) -> Pairs {
    attributes.iter().map(|(key, value)| (symbols.intern(key), symbols.intern(value))).collect()
}

/// The map the rules read, rebuilt from its pairs.
pub fn resolve(symbols: &Symbols, pairs: &[(Sym, Sym)]) -> Attributes {
    pairs
        .iter()
        .map(|&(key, value)| {
            // The text was written by serde_json from a value, so it parses back to it.
            let value = serde_json::from_str(symbols.resolve(value)).unwrap_or(Value::Null);
            (symbols.resolve(key).to_owned(), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_and_identified_maps_share_symbols_and_round_trip() {
        let parsed: Attributes =
            serde_json::from_str(r#"{"plan":"pro","seats":12,"ratio":0.5,"beta":true,"gone":null,"tags":["a",1]}"#).expect("valid");
        let mut texts = AttributeTexts::default();
        for (key, value) in &parsed {
            texts.push(key, |text| serde_json::to_writer(text, value)).expect("prints");
        }
        let mut symbols = Symbols::default();
        let stored = intern_texts(&mut symbols, &texts);
        let distinct = symbols.len();
        let identified = intern_map(&mut symbols, &parsed);
        assert_eq!(symbols.len(), distinct, "the same values, however they arrived, are the same symbols");
        assert_eq!(stored, identified);
        assert_eq!(resolve(&symbols, &stored), parsed);
        symbols.release_all(&stored);
        symbols.release_all(&identified);
        assert_eq!(symbols.len(), 0);
    }
}
