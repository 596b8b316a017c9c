//! Small fixed-size pieces of the in-memory eligibility facts: ids that rarely need a heap
//! allocation, and a reference-counted string table so that the few distinct attribute keys
//! and values (plan, country, role, language) are stored once instead of once per user.

use hashbrown::HashTable;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::num::NonZeroU32;

/// Ids up to this many bytes are kept inline.
const SHORT: usize = 22;
const UUID_TEXT: usize = 36;

/// A client-generated id (user id, display, answer or action id), in 24 bytes: a canonical
/// lowercase uuid as its 16 bytes, a short id inline, anything else boxed. Why: a `String` is
/// 24 bytes plus a heap block, and these ids exist once per user and once per event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompactId {
    Uuid([u8; 16]),
    Short { len: u8, bytes: [u8; SHORT] },
    Long(Box<str>),
}

impl CompactId {
    pub fn new(id: &str) -> Self {
        if id.len() == UUID_TEXT
            && let Ok(uuid) = uuid::Uuid::try_parse(id)
        {
            let mut text = [0u8; UUID_TEXT];
            // Only the exact text the uuid prints back to: an upper-case or braced id must stay
            // a different id from its canonical spelling, as it is in SQL.
            if uuid.hyphenated().encode_lower(&mut text).as_bytes() == id.as_bytes() {
                return Self::Uuid(uuid.into_bytes());
            }
        }
        match u8::try_from(id.len()) {
            Ok(len) if id.len() <= SHORT => {
                let mut bytes = [0u8; SHORT];
                bytes[..id.len()].copy_from_slice(id.as_bytes());
                Self::Short { len, bytes }
            }
            _ => Self::Long(id.into()),
        }
    }

    /// The id's text as bytes, written into `buffer` when it is not stored as text.
    pub fn bytes<'a>(&'a self, buffer: &'a mut [u8; UUID_TEXT]) -> &'a [u8] {
        match self {
            Self::Uuid(bytes) => uuid::Uuid::from_bytes(*bytes).hyphenated().encode_lower(buffer).as_bytes(),
            Self::Short { len, bytes } => &bytes[..usize::from(*len)],
            Self::Long(text) => text.as_bytes(),
        }
    }

    pub fn is(&self, id: &str) -> bool {
        let mut buffer = [0u8; UUID_TEXT];
        self.bytes(&mut buffer) == id.as_bytes()
    }
}

/// A string of a [`Symbols`] table. `Option<Sym>` is 4 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sym(NonZeroU32);

impl Sym {
    fn index(self) -> usize {
        (self.0.get() - 1) as usize
    }
}

#[derive(Debug)]
struct Slot {
    text: Box<str>,
    /// How many places hold this symbol; at 0 the slot is free for another string.
    refs: u32,
}

/// Interned strings, counted: a string is kept while something refers to it, so an erased
/// user's unique values (an e-mail address) leave memory with the user, and an attribute whose
/// value changes on every identify does not grow the table.
#[derive(Debug, Default)]
pub struct Symbols {
    table: HashTable<u32>,
    slots: Vec<Slot>,
    free: Vec<u32>,
    hasher: RandomState,
}

impl Symbols {
    fn hash(hasher: &RandomState, text: &str) -> u64 {
        let mut h = hasher.build_hasher();
        h.write(text.as_bytes());
        h.finish()
    }

    /// The symbol of `text`, counted once more.
    pub fn intern(&mut self, text: &str) -> Sym {
        let hash = Self::hash(&self.hasher, text);
        let slots = &mut self.slots;
        if let Some(&index) = self.table.find(hash, |&i| &*slots[i as usize].text == text) {
            slots[index as usize].refs += 1;
            return Self::sym(index);
        }
        let slot = Slot { text: text.into(), refs: 1 };
        let index = match self.free.pop() {
            Some(index) => {
                slots[index as usize] = slot;
                index
            }
            None => {
                slots.push(slot);
                u32::try_from(slots.len() - 1).unwrap_or(u32::MAX - 1)
            }
        };
        let hasher = &self.hasher;
        self.table.insert_unique(hash, index, |&i| Self::hash(hasher, &slots[i as usize].text));
        Self::sym(index)
    }

    fn sym(index: u32) -> Sym {
        Sym(NonZeroU32::MIN.saturating_add(index))
    }

    pub fn resolve(&self, sym: Sym) -> &str {
        self.slots.get(sym.index()).map_or("", |slot| &slot.text)
    }

    /// One holder of `sym` let go of it.
    pub fn release(&mut self, sym: Sym) {
        let index = sym.index();
        let Some(slot) = self.slots.get_mut(index) else { return };
        slot.refs = slot.refs.saturating_sub(1);
        if slot.refs > 0 {
            return;
        }
        let text = std::mem::take(&mut slot.text);
        let hash = Self::hash(&self.hasher, &text);
        if let Ok(entry) = self.table.find_entry(hash, |&i| i as usize == index) {
            entry.remove();
        }
        self.free.push(sym.0.get() - 1);
    }

    pub fn release_all(&mut self, pairs: &[(Sym, Sym)]) {
        for &(key, value) in pairs {
            self.release(key);
            self.release(value);
        }
    }

    /// Distinct strings held (for tests and the start-up log).
    pub fn len(&self) -> usize {
        self.table.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_keep_their_exact_text() {
        let canonical = "0b9a3c1e-5a8e-4a4e-9d6f-1f2e3d4c5b6a";
        for id in [canonical, "0B9A3C1E-5A8E-4A4E-9D6F-1F2E3D4C5B6A", "user-12", "", &"x".repeat(22), &"é".repeat(40)] {
            let compact = CompactId::new(id);
            assert!(compact.is(id), "{id:?} lost its text");
            assert!(!compact.is(&format!("{id}!")));
        }
        assert!(matches!(CompactId::new(canonical), CompactId::Uuid(_)));
        assert!(!CompactId::new(canonical).is(&canonical.to_uppercase()), "case matters, as in SQL");
        assert!(matches!(CompactId::new(&"x".repeat(22)), CompactId::Short { .. }));
        assert!(matches!(CompactId::new(&"x".repeat(23)), CompactId::Long(_)));
        assert_eq!(std::mem::size_of::<CompactId>(), 24);
    }

    #[test]
    fn symbols_are_shared_and_freed_with_their_last_holder() {
        let mut symbols = Symbols::default();
        let pro = symbols.intern("pro");
        assert_eq!(symbols.intern("pro"), pro);
        let free = symbols.intern("free");
        assert_ne!(pro, free);
        assert_eq!((symbols.resolve(pro), symbols.resolve(free), symbols.len()), ("pro", "free", 2));
        symbols.release(pro);
        assert_eq!(symbols.resolve(pro), "pro", "one holder is left");
        symbols.release(pro);
        assert_eq!(symbols.len(), 1, "the last holder let go");
        let team = symbols.intern("team");
        assert_eq!(team, pro, "the freed slot is reused");
        assert_eq!(symbols.resolve(team), "team");
        assert_eq!(symbols.intern("pro"), symbols.intern("pro"), "a freed string can come back");
        assert_eq!(symbols.len(), 3);
    }
}
