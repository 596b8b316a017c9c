//! Account aggregates (migration 0019): per in-app survey and account one row whose `cells`
//! text holds one [`Cell`] per calendar quarter (see the migration for the format), plus each
//! user's latest answer per survey for the silent-detractor signal. The account reports read
//! these instead of every answer (`routes/admin/account_source.rs`).
//!
//! Kept exact the way the report rollups are: the drainer adds the answers that got their
//! score in the transaction that stores them (after the attribute and account snapshot, so a
//! replay adds nothing and each answer counts with the account it keeps); erasure takes the
//! respondent's answers out again, counts subtracted and an extreme they held (first or last
//! answer, a role's latest) taken from the answers still stored; retention leaves the cells
//! alone (the trend stays) and deletes the latest answers it makes older than the cut-off; a
//! survey changing kind into or out of tNPS/rNPS is rebuilt from the raw rows or forgotten.
//! Employee and partner answers never enter.

use super::StoreResult;
use super::sql::Dialect;
use async_trait::async_trait;
use nps_core::NpsScore;
use nps_core::churn::Answer;
use nps_core::churn::cells::{AccountCells, Cell, Latest, ROLE_CLASSES, Tally};
use nps_core::wire::SurveyKind;

#[async_trait]
pub trait AccountRollupStore: Send + Sync {
    /// The cells of these surveys: every account's row and each survey's own row
    /// (`SURVEY_TOTAL`); with `account`, only that account's rows and the surveys' own.
    async fn account_cells(&self, survey_ids: &[i64], account: Option<&str>) -> StoreResult<Vec<AccountCells>>;
    /// Each survey's latest answer of every user who may be a silent detractor: users whose
    /// latest answer to one of these surveys is a detractor's (of `account`, when given) and
    /// who since then were shown one of them, declined one or opted out. All of such a user's
    /// latest answers come back, so the caller can tell which one is the latest overall.
    async fn silent_candidates(&self, project_id: i64, survey_ids: &[i64], account: Option<&str>) -> StoreResult<Vec<Answer>>;
    /// The scored answers to these surveys of each account in its own window, oldest first.
    async fn account_answers(&self, project_id: i64, survey_ids: &[i64], windows: &[AnswerWindow]) -> StoreResult<Vec<Answer>>;
    /// Builds one survey's aggregates again from its stored answers, with the drainer's own
    /// arithmetic (for answers that reached SQL another way: a restore, history loaded by
    /// hand; `nps-collector rebuild-account-aggregates`). Answers being stored wait for it.
    /// A survey whose kind the account reports do not read is left with none. The number of
    /// answers counted.
    async fn rebuild_account_rollups(&self, survey_id: i64) -> StoreResult<u64>;
}

/// One account's answers in `[from, to)` (unix ms).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerWindow {
    pub account: String,
    pub from: i64,
    pub to: i64,
}

impl AnswerWindow {
    /// Every answer of the account.
    pub fn all(account: &str) -> Self {
        AnswerWindow { account: account.to_owned(), from: i64::MIN, to: i64::MAX }
    }
}

/// Whether answers of this kind are kept in the account aggregates: the customer surveys the
/// account reports read, never employee or partner NPS.
pub fn kept_for_accounts(kind: SurveyKind) -> bool {
    matches!(kind, SurveyKind::Tnps | SurveyKind::Rnps)
}

/// The kinds of [`kept_for_accounts`] as SQL.
pub(crate) const ACCOUNT_KINDS_SQL: &str = "('tnps', 'rnps')";

/// `answered_at * 16 + score`: a role's latest answer in one number, so SQL's `MAX` picks it
/// (the later answer, then the higher score, as `Latest` orders them).
fn encode_latest(latest: Option<Latest>) -> String {
    latest.map(|l| (l.at * 16 + i64::from(l.score.value())).to_string()).unwrap_or_default()
}

fn decode_latest(field: &str) -> Option<Option<Latest>> {
    if field.is_empty() {
        return Some(None);
    }
    let value: i64 = field.parse().ok()?;
    Some(Some(Latest { at: value.div_euclid(16), score: NpsScore::new(value.rem_euclid(16)).ok()? }))
}

/// The `cells` text of a row (cells with no answer left are dropped).
pub fn encode_cells(cells: &[Cell]) -> String {
    let mut out = String::with_capacity(cells.len() * 72);
    for cell in cells.iter().filter(|c| c.tally.answers() > 0) {
        if !out.is_empty() {
            out.push(' ');
        }
        let t = &cell.tally;
        out.push_str(&format!(
            "{},{},{},{},{},{}",
            cell.quarter, t.counts.promoters, t.counts.passives, t.counts.detractors, t.first_at, t.last_at
        ));
        for latest in t.latest {
            out.push(',');
            out.push_str(&encode_latest(latest));
        }
    }
    out
}

fn decode_cell(text: &str) -> Option<Cell> {
    // Into a fixed array, not a `Vec`: the account reports decode every cell of a project
    // per request (hundreds of thousands), and an allocation each showed in their profile.
    let mut fields = [""; 6 + ROLE_CLASSES];
    let mut split = text.split(',');
    for field in &mut fields {
        *field = split.next()?;
    }
    if split.next().is_some() {
        return None;
    }
    let int = |i: usize| fields[i].parse::<i64>().ok();
    let count = |i: usize| fields[i].parse::<u64>().ok();
    let mut tally = Tally { first_at: int(4)?, last_at: int(5)?, ..Tally::default() };
    tally.counts = nps_core::BandCounts::new(count(1)?, count(2)?, count(3)?);
    for (slot, field) in tally.latest.iter_mut().zip(&fields[6..]) {
        *slot = decode_latest(field)?;
    }
    Some(Cell { quarter: int(0)?, tally })
}

/// Reads a `cells` text, quarters in order (the migration's SQL writes them in any order).
pub fn decode_cells(text: &str) -> StoreResult<Vec<Cell>> {
    let mut cells = text
        .split_ascii_whitespace()
        .map(|c| decode_cell(c).ok_or_else(|| super::StoreError::Corrupt(format!("account cell `{c}`"))))
        .collect::<StoreResult<Vec<Cell>>>()?;
    cells.sort_by_key(|c| c.quarter);
    Ok(cells)
}

/// Rows from this many up are decoded on every core.
const PARALLEL_FROM_ROWS: usize = 2_000;

/// The cells of `rows`, each read by `read`. A whole project's rows (20,000 accounts, 14 MB of
/// text at 1,000,000 answers: 40 ms on one core here) are decoded off the async worker, which
/// would otherwise serve nothing else meanwhile, and split over the cores.
pub(crate) async fn decode_rows<R: Send + Sync + 'static>(rows: Vec<R>, read: fn(&R) -> StoreResult<AccountCells>) -> StoreResult<Vec<AccountCells>> {
    if rows.len() < PARALLEL_FROM_ROWS {
        return rows.iter().map(read).collect();
    }
    let decode = move || {
        let threads = std::thread::available_parallelism().map_or(1, usize::from).min(8);
        let per_thread = rows.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let parts: Vec<_> = rows.chunks(per_thread).map(|part| scope.spawn(move || part.iter().map(read).collect::<StoreResult<Vec<_>>>())).collect();
            let mut cells = Vec::with_capacity(rows.len());
            for part in parts {
                cells.extend(part.join().map_err(|_| anyhow::anyhow!("decoding account cells panicked"))??);
            }
            Ok(cells)
        })
    };
    tokio::task::spawn_blocking(decode).await.map_err(|e| anyhow::anyhow!("decoding account cells: {e}"))?
}

/// What is left of a cell once the `erased` answers are taken out: their counts subtracted, and
/// each extreme they may have held (first or last answer, a role's latest) taken from
/// `remaining`, the cell's answers still stored. Retention may already have deleted older
/// answers of the cell: they are never the last or a latest the erased answers displaced,
/// except when nothing newer is left, and then the last answer falls back to the first and the
/// role loses its latest (the only inexact case; it needs an erasure in the quarter of the
/// retention cut-off). `None`: no answer left.
pub fn without(old: &Tally, erased: &Tally, remaining: &Tally) -> Option<Tally> {
    let c = |a: u64, b: u64| a.saturating_sub(b);
    let counts = nps_core::BandCounts::new(
        c(old.counts.promoters, erased.counts.promoters),
        c(old.counts.passives, erased.counts.passives),
        c(old.counts.detractors, erased.counts.detractors),
    );
    if counts.n() == 0 {
        return None;
    }
    let known = remaining.answers() > 0;
    let first_at = if old.first_at < erased.first_at || !known { old.first_at } else { remaining.first_at };
    let last_at = match (old.last_at > erased.last_at, known) {
        (true, _) => old.last_at,
        (false, true) => remaining.last_at,
        (false, false) => first_at,
    };
    let mut latest = old.latest;
    for (class, slot) in latest.iter_mut().enumerate() {
        if erased.latest[class].is_some() && *slot <= erased.latest[class] {
            *slot = remaining.latest[class];
        }
    }
    Some(Tally { counts, first_at, last_at, latest })
}

/// Whether [`without`] needs the cell's remaining answers (an extreme may be gone).
pub fn needs_remaining(old: &Tally, erased: &Tally) -> bool {
    old.first_at >= erased.first_at
        || old.last_at <= erased.last_at
        || (0..ROLE_CLASSES).any(|c| erased.latest[c].is_some() && old.latest[c] <= erased.latest[c])
}

/// Text comparison of response ids by bytes, as Rust compares strings (PostgreSQL would
/// otherwise use the database's collation).
pub(crate) fn bytewise(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "",
        Dialect::Postgres => " COLLATE \"C\"",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nps_core::BandCounts;

    fn tally(counts: (u64, u64, u64), first: i64, last: i64, latest: [Option<(i64, i64)>; 4]) -> Tally {
        Tally {
            counts: BandCounts::new(counts.0, counts.1, counts.2),
            first_at: first,
            last_at: last,
            latest: latest.map(|l| l.map(|(at, s)| Latest { at, score: NpsScore::new(s).expect("score") })),
        }
    }

    #[test]
    fn cells_read_back_as_written() {
        let cells = vec![
            Cell { quarter: 8_100, tally: tally((1, 0, 2), 5, 90, [None, Some((90, 3)), None, Some((7, 10))]) },
            Cell { quarter: 8_101, tally: tally((0, 1, 0), 100, 100, [None; 4]) },
        ];
        let text = encode_cells(&cells);
        assert_eq!(text, "8100,1,0,2,5,90,,1443,,122 8101,0,1,0,100,100,,,,");
        assert_eq!(decode_cells(&text).expect("decodes"), cells);
        let mut reversed: Vec<&str> = text.split(' ').collect();
        reversed.reverse();
        assert_eq!(decode_cells(&reversed.join(" ")).expect("decodes"), cells, "any order of cells");
        assert_eq!(decode_cells("").expect("empty"), vec![]);
        for bad in ["8100,1,0,2", "8100,1,0,2,5,90,,x,,", "8100,-1,0,2,5,90,,,,", "8100,1,0,2,5,90,,17,,,"] {
            assert!(decode_cells(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_erasure_takes_counts_and_the_extremes_it_held() {
        let old = tally((2, 1, 2), 10, 50, [Some((50, 2)), None, Some((20, 9)), None]);
        // The erased answers: the last one (the buyer's latest) and an end user's earlier one.
        let erased = tally((0, 0, 1), 15, 50, [Some((50, 2)), None, Some((15, 9)), None]);
        assert!(needs_remaining(&old, &erased));
        let remaining = tally((2, 1, 1), 10, 40, [Some((30, 8)), None, Some((20, 9)), None]);
        let left = without(&old, &erased, &remaining).expect("answers left");
        assert_eq!(left, tally((2, 1, 1), 10, 40, [Some((30, 8)), None, Some((20, 9)), None]));
        // Nothing of theirs was an extreme: no need to read the cell's answers.
        let inner = tally((1, 0, 0), 20, 30, [None, None, Some((19, 9)), None]);
        assert!(!needs_remaining(&old, &inner));
        assert_eq!(without(&old, &old, &Tally::default()), None, "the last answers of a cell");
        // Older answers gone by retention, the erased one the newest: last falls back to first.
        let only_old = without(&old, &erased, &Tally::default()).expect("answers left");
        assert_eq!((only_old.first_at, only_old.last_at, only_old.latest[0]), (10, 10, None));
    }
}

