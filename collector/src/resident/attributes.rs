//! Attribute maps as a boxed slice of interned `(key, value)` pairs: 8 bytes per attribute
//! instead of a B-tree node, a `String` and a `Value` per user. A value is interned as its JSON
//! text, so `"pro"` and `7` are stored once however many users share them.

use super::compact::{Sym, Symbols};
use nps_core::wire::Attributes;
use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

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

/// Interns a map stored as JSON text (a row read at start-up), without building the map:
/// keys are borrowed from the text when they have no escapes and scalar values are written
/// straight into `scratch`, so a row costs no allocation beyond the pairs it keeps.
pub fn intern_json(symbols: &mut Symbols, json: &str, scratch: &mut Scratch) -> serde_json::Result<Pairs> {
    scratch.pairs.clear();
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let read = PairsSeed { symbols: &mut *symbols, scratch: &mut *scratch }
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end());
    match read {
        Ok(()) => Ok(scratch.pairs.as_slice().into()),
        Err(e) => {
            symbols.release_all(&scratch.pairs);
            Err(e)
        }
    }
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

/// Buffers reused across the rows of a load.
#[derive(Default)]
pub struct Scratch {
    pairs: Vec<(Sym, Sym)>,
    text: Vec<u8>,
}

struct PairsSeed<'a> {
    symbols: &'a mut Symbols,
    scratch: &'a mut Scratch,
}

impl<'de> DeserializeSeed<'de> for PairsSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PairsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of attributes")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Key<'de>>()? {
            self.scratch.text.clear();
            map.next_value_seed(ValueText(&mut self.scratch.text))?;
            let value = std::str::from_utf8(&self.scratch.text).map_err(A::Error::custom)?;
            let pair = (self.symbols.intern(key.as_str()), self.symbols.intern(value));
            self.scratch.pairs.push(pair);
        }
        Ok(())
    }
}

/// A map key, borrowed from the JSON text unless it had to be unescaped.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(v))
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_owned()))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Writes a value's JSON text as serde_json prints a `Value` (so the same value read from SQL
/// and from an identify share one symbol). Objects and arrays, rare in attributes, go through
/// a `Value`.
struct ValueText<'a>(&'a mut Vec<u8>);

impl ValueText<'_> {
    fn write<E: Error>(self, value: &impl serde::Serialize) -> Result<(), E> {
        serde_json::to_writer(self.0, value).map_err(E::custom)
    }
}

impl<'de> DeserializeSeed<'de> for ValueText<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueText<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: Error>(self, v: bool) -> Result<(), E> {
        self.write(&v)
    }
    fn visit_i64<E: Error>(self, v: i64) -> Result<(), E> {
        self.write(&v)
    }
    fn visit_u64<E: Error>(self, v: u64) -> Result<(), E> {
        self.write(&v)
    }
    fn visit_f64<E: Error>(self, v: f64) -> Result<(), E> {
        self.write(&Value::from(v))
    }
    fn visit_str<E: Error>(self, v: &str) -> Result<(), E> {
        self.write(&v)
    }
    fn visit_unit<E: Error>(self) -> Result<(), E> {
        self.write(&Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let value = Value::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
        self.write(&value)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let value = Value::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        self.write(&value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_text_and_parsed_maps_share_symbols_and_round_trip() {
        let json = r#"{"plan":"pro","seats":12,"ratio":0.5,"beta":true,"gone":null,"tags":["a",1],"addr":{"city":"Lyon"},"k\"q":"v\u00e9"}"#;
        let parsed: Attributes = serde_json::from_str(json).expect("valid");
        let mut symbols = Symbols::default();
        let from_text = intern_json(&mut symbols, json, &mut Scratch::default()).expect("valid");
        let distinct = symbols.len();
        let from_map = intern_map(&mut symbols, &parsed);
        assert_eq!(symbols.len(), distinct, "the same values, however they arrived, are the same symbols");
        let mut a = from_text.to_vec();
        let mut b = from_map.to_vec();
        a.sort_by_key(|(k, _)| symbols.resolve(*k).to_owned());
        b.sort_by_key(|(k, _)| symbols.resolve(*k).to_owned());
        assert_eq!(a, b);
        assert_eq!(resolve(&symbols, &from_text), parsed);
        assert_eq!(resolve(&symbols, &from_map), parsed);
    }

    #[test]
    fn a_bad_row_keeps_no_symbols() {
        let mut symbols = Symbols::default();
        assert!(intern_json(&mut symbols, r#"{"plan":"pro","seats":}"#, &mut Scratch::default()).is_err());
        assert!(intern_json(&mut symbols, r#"["not", "a map"]"#, &mut Scratch::default()).is_err());
        assert_eq!(symbols.len(), 0);
    }
}
