//! The generated data of `bench-accounts`: N answers over two years from six users per account
//! (an executive buyer, an admin, three end users and a custom role), most accounts steady,
//! some mixed, a few unhappy or declining in the last half year; displays after the last
//! answer of one user in a hundred (the silent detractors among them); MRR or ARR, renewal
//! dates and churn for the business data.

use nps_core::churn::calendar::date_of;
use nps_e2e::Lcg;
use nps_e2e::bench::{ROWS_PER_INSERT, copy_postgres, insert_sqlite};
use serde_json::{Value, json};
use sqlx::Connection;

const DAY: i64 = 86_400_000;
const SPAN_DAYS: i64 = 730;
const USERS_PER_ACCOUNT: u64 = 6;
const ROLES: [&str; 6] = ["executive_buyer", "admin", "end_user", "end_user", "end_user", "champion"];
const CHUNK: u64 = 100_000;
/// Accounts per business-data import (the admin API takes bodies up to 1 MB).
const ACCOUNTS_PER_IMPORT: usize = 5_000;

pub struct Shape {
    pub answers: u64,
    pub accounts: u64,
}

/// Whole days: the two years end at the start of today (UTC).
fn today() -> i64 {
    let now = nps_e2e::now_ms();
    now - now.rem_euclid(DAY)
}

struct Gen {
    rng: Lcg,
    users: u64,
    accounts: u64,
    start: i64,
}

struct Answer {
    user: u64,
    account: u64,
    score: i64,
    at: i64,
}

impl Gen {
    /// A user's usual score: the account's mood (fixed per account) and the user's seat in it
    /// decide it.
    fn usual(seat: u64, account: u64, late: bool) -> i64 {
        let mood = account.wrapping_mul(2_654_435_761) % 100;
        match mood {
            0..=54 => 9 + (seat % 2) as i64,
            55..=79 => 7 + (seat % 2) as i64,
            80..=94 => [10, 9, 8, 7, 3, 9][seat as usize],
            95..=97 => 2 + (seat % 5) as i64,
            _ if late => 3 + (seat % 3) as i64,
            _ => 9 + (seat % 2) as i64,
        }
    }

    fn answer(&mut self) -> Answer {
        let user = self.rng.below(self.users);
        let account = user % self.accounts;
        let day = self.rng.below(SPAN_DAYS as u64) as i64;
        let late = day > SPAN_DAYS - 180;
        let wobble = match self.rng.below(40) {
            0 => -1,
            1 => 1,
            _ => 0,
        };
        let score = (Self::usual(user / self.accounts % USERS_PER_ACCOUNT, account, late) + wobble).clamp(0, 10);
        Answer { user, account, score, at: self.start + day * DAY + self.rng.below(DAY as u64) as i64 }
    }
}

fn role(user: u64, accounts: u64) -> &'static str {
    ROLES[(user / accounts % USERS_PER_ACCOUNT) as usize]
}

/// The answers into `responses` (bulk, as the drainer would have stored them), and the
/// displays that follow some users' last answer.
pub async fn load(url: &str, project_id: i64, survey_id: i64, shape: &Shape) -> anyhow::Result<()> {
    let mut generator = Gen { rng: Lcg(42), users: shape.accounts * USERS_PER_ACCOUNT, accounts: shape.accounts, start: today() - SPAN_DAYS * DAY };
    let mut i = 0u64;
    while i < shape.answers {
        let size = CHUNK.min(shape.answers - i);
        let answers: Vec<Answer> = (0..size).map(|_| generator.answer()).collect();
        if url.starts_with("sqlite") {
            load_sqlite(url, project_id, survey_id, i, &answers, shape.accounts).await?;
        } else {
            load_postgres(url, project_id, survey_id, i, &answers, shape.accounts).await?;
        }
        i += size;
        if i.is_multiple_of(500_000) || i == shape.answers {
            println!("   {i} / {} answers", shape.answers);
        }
    }
    displays(url, project_id, survey_id, generator.users).await
}

async fn load_sqlite(url: &str, project_id: i64, survey_id: i64, first: u64, answers: &[Answer], accounts: u64) -> anyhow::Result<()> {
    let mut conn = sqlx::SqliteConnection::connect(url).await?;
    sqlx::query("PRAGMA synchronous = OFF").execute(&mut conn).await?;
    let insert = "INSERT INTO responses (id, project_id, survey_id, user_id, score, attributes, account_id, account_role, created_at) ";
    insert_sqlite(&mut conn, insert, answers, |mut b, j, a| {
        b.push_bind(format!("r{:012}", first + j as u64))
            .push_bind(project_id)
            .push_bind(survey_id)
            .push_bind(format!("u{}", a.user))
            .push_bind(a.score)
            .push_bind("{}")
            .push_bind(format!("acct-{}", a.account))
            .push_bind(role(a.user, accounts))
            .push_bind(a.at);
    })
    .await
}

async fn load_postgres(url: &str, project_id: i64, survey_id: i64, first: u64, answers: &[Answer], accounts: u64) -> anyhow::Result<()> {
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let mut text = String::with_capacity(answers.len() * 80);
    for (j, a) in answers.iter().enumerate() {
        // COPY text format: tab-separated; the generated values hold no tabs or backslashes.
        text.push_str(&format!(
            "r{:012}\t{project_id}\t{survey_id}\tu{}\t{}\t{{}}\tacct-{}\t{}\t{}\n",
            first + j as u64,
            a.user,
            a.score,
            a.account,
            role(a.user, accounts),
            a.at
        ));
    }
    let copy = "COPY responses (id, project_id, survey_id, user_id, score, attributes, account_id, account_role, created_at) FROM STDIN";
    copy_postgres(&mut conn, copy, text).await
}

/// Two displays after the two years for one user in a hundred: those whose last answer was a
/// detractor's are silent detractors.
async fn displays(url: &str, project_id: i64, survey_id: i64, users: u64) -> anyhow::Result<()> {
    let shown: Vec<(String, String, i64)> =
        (0..users).filter(|u| u % 100 == 7).flat_map(|u| (1..=2).map(move |k| (format!("d{u}-{k}"), format!("u{u}"), today() + k * 60_000))).collect();
    let sql = "INSERT INTO displays (id, project_id, survey_id, user_id, created_at) ";
    for rows in shown.chunks(ROWS_PER_INSERT) {
        if url.starts_with("sqlite") {
            let mut conn = sqlx::SqliteConnection::connect(url).await?;
            let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(sql);
            qb.push_values(rows, |mut b, (id, user, at)| {
                b.push_bind(id).push_bind(project_id).push_bind(survey_id).push_bind(user).push_bind(at);
            });
            qb.build().execute(&mut conn).await?;
        } else {
            let mut conn = sqlx::PgConnection::connect(url).await?;
            let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new(sql);
            qb.push_values(rows, |mut b, (id, user, at)| {
                b.push_bind(id).push_bind(project_id).push_bind(survey_id).push_bind(user).push_bind(at);
            });
            qb.build().execute(&mut conn).await?;
        }
    }
    Ok(())
}

/// Business data in imports the admin API takes: MRR for nine accounts in ten (ARR for the
/// tenth), a renewal within the year for each, one account in 33 churned.
pub fn business(shape: &Shape) -> Vec<Value> {
    let accounts: Vec<Value> = (0..shape.accounts)
        .map(|k| {
            let mut a = if k % 10 == 9 { json!({ "arr": 6_000 + (k * 53 % 50_000) }) } else { json!({ "mrr": 50 + (k * 37 % 2_000) }) };
            a["account_id"] = json!(format!("acct-{k}"));
            a["renewal_date"] = json!(date_of(today() + (1 + (k * 7 % 365) as i64) * DAY));
            if k % 33 == 0 {
                a["churn_date"] = json!(date_of(today() - (k % 200) as i64 * DAY));
            }
            a
        })
        .collect();
    accounts.chunks(ACCOUNTS_PER_IMPORT).map(|chunk| json!({ "accounts": chunk })).collect()
}
