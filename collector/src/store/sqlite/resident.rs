//! The start-up load of the eligibility facts from SQLite, in chunks.
//!
//! Why chunks of JSON: sqlx hands each row from its SQLite worker thread to the reader through a
//! channel, after copying every column into a fresh allocation; at a million users that was
//! most of a 9-second load. Here SQLite packs a few thousand rows into one JSON array
//! (`json_group_array`, keyset-paged on the table's key), which crosses once, and the rows are
//! read in place: strings borrowed from the chunk, attribute values written into one reused
//! buffer.

use super::SqliteStore;
use crate::store::resident::{
    AttributeTexts, ResidentAccount, ResidentCount, ResidentEvent, ResidentSink, ResidentStore, ResidentUser, history_kind,
};
use crate::store::{StoreError, StoreResult};
use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use sqlx::{Sqlite, SqliteConnection};
use std::fmt;

/// Rows per chunk: a few hundred kilobytes of JSON.
const CHUNK: i64 = 2_048;

const USERS: &str = "SELECT max(k), json_group_array(json_array(project_id, external_id, created_at, first_seen_at, language, \
     account_id, account_role, json(attributes))) \
     FROM (SELECT rowid AS k, * FROM app_users WHERE rowid > $1 ORDER BY rowid LIMIT $2)";
const ACCOUNTS: &str = "SELECT max(k), json_group_array(json_array(project_id, external_id, json(attributes))) \
     FROM (SELECT rowid AS k, * FROM accounts WHERE rowid > $1 ORDER BY rowid LIMIT $2)";
const DISPLAYS: &str = "SELECT max(id), json_group_array(json_array(project_id, user_id, survey_id, id, 'display', created_at)) \
     FROM (SELECT * FROM displays WHERE id > $1 AND created_at >= $3 ORDER BY id LIMIT $2)";
const RESPONSES: &str = "SELECT max(id), json_group_array(json_array(project_id, user_id, survey_id, id, 'response', created_at)) \
     FROM (SELECT * FROM responses WHERE id > $1 AND created_at >= $3 AND score IS NOT NULL ORDER BY id LIMIT $2)";
const FEEDBACK: &str = "SELECT max(id), json_group_array(json_array(project_id, user_id, survey_id, id, kind, created_at)) \
     FROM (SELECT * FROM feedback WHERE id > $1 \
       AND ((created_at >= $3 AND survey_id IS NOT NULL AND kind IN ('decline', 'snooze')) OR kind = 'opt_out') \
     ORDER BY id LIMIT $2)";

#[async_trait::async_trait]
impl ResidentStore for SqliteStore {
    async fn resident_load(&self, since: i64, sink: &mut dyn ResidentSink) -> StoreResult<bool> {
        let mut conn = self.resident_connection().await?;
        let (users, accounts): (i64, i64) = sqlx::query_as("SELECT (SELECT COUNT(*) FROM app_users), (SELECT COUNT(*) FROM accounts)")
            .fetch_one(&mut *conn)
            .await?;
        if !sink.sizes(users.max(0) as u64, accounts.max(0) as u64) {
            return Ok(false);
        }
        let mut rows = Rows { sink, texts: AttributeTexts::default() };
        each_chunk(&mut conn, ACCOUNTS, None, i64::MIN, |json| read_chunk(json, &mut rows, account_row)).await?;
        each_chunk(&mut conn, USERS, None, i64::MIN, |json| read_chunk(json, &mut rows, user_row)).await?;
        for events in [DISPLAYS, RESPONSES, FEEDBACK] {
            each_chunk(&mut conn, events, Some(since), String::new(), |json| read_chunk(json, &mut rows, event_row)).await?;
        }
        Ok(true)
    }

    async fn resident_counts(&self, day_start: i64) -> StoreResult<Vec<ResidentCount>> {
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT survey_id, COUNT(*), COALESCE(SUM(CASE WHEN created_at >= $1 THEN 1 ELSE 0 END), 0) \
             FROM responses WHERE score IS NOT NULL GROUP BY survey_id",
        )
        .bind(day_start)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(survey_id, total, today)| ResidentCount { survey_id, total: total.max(0) as u64, today: today.max(0) as u64 })
            .collect())
    }
}

/// Runs a chunk query from the start of its table to the end: `$1` is the last key of the
/// previous chunk (`first` before the first), `$2` the chunk size, `$3` the `since` of events.
async fn each_chunk<K>(
    conn: &mut SqliteConnection,
    sql: &'static str,
    since: Option<i64>,
    first: K,
    mut read: impl FnMut(&str) -> StoreResult<()> + Send,
) -> StoreResult<()>
where
    K: for<'q> sqlx::Encode<'q, Sqlite> + for<'r> sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite> + Send + Unpin + 'static,
{
    let mut last = first;
    loop {
        let mut query = sqlx::query_as::<_, (Option<K>, String)>(sql).bind(last).bind(CHUNK);
        if let Some(since) = since {
            query = query.bind(since);
        }
        let (next, json) = query.fetch_one(&mut *conn).await?;
        let Some(next) = next else { return Ok(()) };
        read(&json)?;
        last = next;
    }
}

/// Reads one chunk (a JSON array of row arrays), handing each row to `row`.
fn read_chunk(json: &str, rows: &mut Rows<'_>, row: RowFn) -> StoreResult<()> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    deserializer.deserialize_seq(Chunk { rows, row })?;
    deserializer.end()?;
    Ok(())
}

/// Where the rows go, and the buffer their attributes are read into.
struct Rows<'s> {
    sink: &'s mut dyn ResidentSink,
    texts: AttributeTexts,
}

/// Reads one row from its array and hands it to the sink.
type RowFn = for<'de> fn(&mut Rows<'_>, &mut dyn RowAccess<'de>) -> StoreResult<()>;

/// The elements of one row array, in order (object-safe, so one reader serves every table).
trait RowAccess<'de> {
    fn int(&mut self) -> StoreResult<Option<i64>>;
    fn text(&mut self) -> StoreResult<Option<Text<'de>>>;
    fn attributes(&mut self, into: &mut AttributeTexts) -> StoreResult<()>;
}

fn required<T>(value: Option<T>) -> StoreResult<T> {
    value.ok_or_else(|| StoreError::Corrupt("a resident row lacks a value".into()))
}

// Free functions, not methods: a method's `Rows` lifetime is the impl's, and a `RowFn` must
// take any.
fn account_row(rows: &mut Rows<'_>, row: &mut dyn RowAccess<'_>) -> StoreResult<()> {
    let project_id = required(row.int()?)?;
    let account_id = required(row.text()?)?;
    row.attributes(&mut rows.texts)?;
    rows.sink.account(ResidentAccount { project_id, account_id: account_id.as_str(), attributes: &rows.texts })
}

fn user_row(rows: &mut Rows<'_>, row: &mut dyn RowAccess<'_>) -> StoreResult<()> {
    let (project_id, user_id) = (required(row.int()?)?, required(row.text()?)?);
    let (created_at, first_seen_at) = (row.int()?, required(row.int()?)?);
    let (language, account_id, account_role) = (row.text()?, row.text()?, row.text()?);
    row.attributes(&mut rows.texts)?;
    rows.sink.user(ResidentUser {
        project_id,
        user_id: user_id.as_str(),
        created_at,
        first_seen_at,
        attributes: &rows.texts,
        language: language.as_ref().map(Text::as_str),
        account_id: account_id.as_ref().map(Text::as_str),
        account_role: account_role.as_ref().map(Text::as_str),
    })
}

fn event_row(rows: &mut Rows<'_>, row: &mut dyn RowAccess<'_>) -> StoreResult<()> {
    let (project_id, user_id, survey_id) = (required(row.int()?)?, required(row.text()?)?, row.int()?);
    let (id, kind, at) = (required(row.text()?)?, required(row.text()?)?, required(row.int()?)?);
    let kind = history_kind(kind.as_str())?;
    rows.sink.event(ResidentEvent { project_id, user_id: user_id.as_str(), survey_id, id: id.as_str(), kind, at })
}

struct Chunk<'r, 's> {
    rows: &'r mut Rows<'s>,
    row: RowFn,
}

impl<'de> Visitor<'de> for Chunk<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of rows")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(RowSeed { rows: &mut *self.rows, row: self.row })?.is_some() {}
        Ok(())
    }
}

struct RowSeed<'r, 's> {
    rows: &'r mut Rows<'s>,
    row: RowFn,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a row array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let mut access = Access(seq);
        (self.row)(self.rows, &mut access).map_err(A::Error::custom)?;
        // Nothing may be left over: a longer row than the query makes is not this row.
        match access.0.next_element::<serde::de::IgnoredAny>()? {
            None => Ok(()),
            Some(_) => Err(A::Error::custom("a resident row has more values than expected")),
        }
    }
}

struct Access<A>(A);

impl<'de, A: SeqAccess<'de>> RowAccess<'de> for Access<A> {
    fn int(&mut self) -> StoreResult<Option<i64>> {
        let value: Option<Option<i64>> = self.0.next_element().map_err(|e| StoreError::Corrupt(e.to_string()))?;
        required(value)
    }

    fn text(&mut self) -> StoreResult<Option<Text<'de>>> {
        let value: Option<Option<Text<'de>>> = self.0.next_element().map_err(|e| StoreError::Corrupt(e.to_string()))?;
        required(value)
    }

    fn attributes(&mut self, into: &mut AttributeTexts) -> StoreResult<()> {
        into.clear();
        let read = self.0.next_element_seed(AttributesSeed(into)).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        required(read)
    }
}

/// A string, borrowed from the chunk unless it had to be unescaped.
pub(crate) enum Text<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Text<'_> {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Text::Borrowed(s) => s,
            Text::Owned(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text::Borrowed(v))
            }
            fn visit_str<E: Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text::Owned(v.to_owned()))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// Reads an attributes object into [`AttributeTexts`].
struct AttributesSeed<'a>(&'a mut AttributeTexts);

impl<'de> DeserializeSeed<'de> for AttributesSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for AttributesSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of attributes")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Text<'de>>()? {
            self.0.push(key.as_str(), |text| map.next_value_seed(ValueText(text)))?;
        }
        Ok(())
    }
}

/// Writes a value's JSON text as serde_json prints a `Value`, so the same value read here and
/// from an identify is one interned string. Objects and arrays, rare in attributes, go through
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
    fn attribute_texts_print_values_as_serde_json_does() {
        let json = r#"{"plan":"pro","seats":12,"ratio":0.5,"beta":true,"gone":null,"tags":["a",1],"addr":{"city":"Lyon"},"k\"q":"v\u00e9"}"#;
        let parsed: nps_core::wire::Attributes = serde_json::from_str(json).expect("valid");
        let mut texts = AttributeTexts::default();
        AttributesSeed(&mut texts).deserialize(&mut serde_json::Deserializer::from_str(json)).expect("valid");
        let read: Vec<(String, String)> = texts.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        let printed: Vec<(String, String)> =
            parsed.iter().map(|(k, v)| (k.clone(), serde_json::to_string(v).expect("prints"))).collect();
        let (mut read, mut printed) = (read, printed);
        read.sort();
        printed.sort();
        assert_eq!(read, printed);
    }
}
