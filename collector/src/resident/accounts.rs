//! The B2B accounts users act for: each account's id and attributes are stored once, and a user
//! refers to its account by a 4-byte position. Accounts are never removed (erasing a user does
//! not erase the company they worked for), so positions stay valid.

use super::attributes::{self, Pairs};
use crate::store::resident::AttributeTexts;
use super::compact::{CompactId, Symbols};
use super::users::key_hash;
use hashbrown::HashTable;
use nps_core::wire::Attributes;
use std::hash::RandomState;

#[derive(Debug)]
struct Account {
    project_id: i64,
    id: CompactId,
    /// `None`: referred to by a user but never described (no row, no identify with it).
    attributes: Option<Pairs>,
}

fn account_hash(hasher: &RandomState, account: &Account) -> u64 {
    let mut buffer = [0u8; 36];
    key_hash(hasher, account.project_id, account.id.bytes(&mut buffer))
}

#[derive(Debug, Default)]
pub struct Accounts {
    index: HashTable<u32>,
    accounts: Vec<Account>,
    symbols: Symbols,
    hasher: RandomState,
}

impl Accounts {
    /// The account's position, added without attributes if it is new.
    pub fn position(&mut self, project_id: i64, account_id: &str) -> u32 {
        let hash = key_hash(&self.hasher, project_id, account_id.as_bytes());
        let accounts = &self.accounts;
        if let Some(&i) = self.index.find(hash, |&i| {
            let account = &accounts[i as usize];
            account.project_id == project_id && account.id.is(account_id)
        }) {
            return i;
        }
        self.accounts.push(Account { project_id, id: CompactId::new(account_id), attributes: None });
        let last = (self.accounts.len() - 1) as u32;
        let (accounts, hasher) = (&self.accounts, &self.hasher);
        self.index.insert_unique(hash, last, |&i| account_hash(hasher, &accounts[i as usize]));
        last
    }

    /// Replaces the account's attributes (an identify carries the account's current ones).
    pub fn describe(&mut self, position: u32, attributes: &Attributes) {
        let pairs = attributes::intern_map(&mut self.symbols, attributes);
        self.set(position, pairs);
    }

    /// Sets the attributes read from a stored row.
    pub fn describe_stored(&mut self, position: u32, attributes: &AttributeTexts) {
        let pairs = attributes::intern_texts(&mut self.symbols, attributes);
        self.set(position, pairs);
    }

    fn set(&mut self, position: u32, pairs: Pairs) {
        let Some(account) = self.accounts.get_mut(position as usize) else {
            self.symbols.release_all(&pairs);
            return;
        };
        if let Some(old) = account.attributes.replace(pairs) {
            self.symbols.release_all(&old);
        }
    }

    pub fn attributes(&self, position: u32) -> Option<Attributes> {
        let pairs = self.accounts.get(position as usize)?.attributes.as_deref()?;
        Some(attributes::resolve(&self.symbols, pairs))
    }

    /// Room for `accounts` more accounts without growing.
    pub fn reserve(&mut self, accounts: usize) {
        self.accounts.reserve(accounts);
        let (records, hasher) = (&self.accounts, &self.hasher);
        self.index.reserve(accounts, |&i| account_hash(hasher, &records[i as usize]));
    }

    pub fn len(&self) -> usize {
        self.accounts.len()
    }
}
