//! The adversary of employee NPS: owner, HR, analyst and partner-manager sessions send every
//! read endpoint generated filter combinations (group values, crossed groups, bands, text,
//! comment presence, date ranges, granularities, waves) over generated organisations whose
//! groups sit around k, collect every number that comes back, and a solver subtracts every
//! pair of released counts whose filters nest. It must never isolate 1..k-1 people.
//!
//! Run on SQLite and PostgreSQL against the real binary.

use nps_core::wire::{Project, Survey, SurveyKind};
use nps_e2e::{Admin, Backend, Installation, live_survey, on_both_backends};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

const K: u64 = 5;
const WORDS: [&str; 5] = ["pay", "manager", "tools", "growth", "workload"];

type Fixture = Installation;

async fn fixture(backend: Backend) -> anyhow::Result<Fixture> {
    Installation::start(backend).await
}

/// A small deterministic generator (xorshift), so a failure names its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Person {
    email: String,
    department: String,
    location: String,
    score: u64,
    comment: String,
}

/// Departments of 1 to 9 people (around k = 5), two locations, scores and comments at random.
fn organisation(seed: u64) -> Vec<Person> {
    let mut rng = Rng(seed);
    let mut people = Vec::new();
    for d in 0..(3 + rng.below(3)) {
        for _ in 0..(1 + rng.below(9)) {
            let comment = if rng.below(3) > 0 { format!("{} {}", WORDS[rng.below(5) as usize], WORDS[rng.below(5) as usize]) } else { String::new() };
            people.push(Person {
                email: format!("p{}@corp.test", people.len()),
                department: format!("d{d}"),
                location: format!("l{}", rng.below(2)),
                score: rng.below(11),
                comment,
            });
        }
    }
    people
}

/// An eNPS survey with an anonymous campaign (k = 5, groups department and location) that
/// every person of the organisation answered.
async fn answered_survey(f: &Fixture, project: &Project, people: &[Person]) -> anyhow::Result<Survey> {
    let survey = f.owner.create_survey(project.id, &live_survey("eNPS", SurveyKind::Enps)).await?;
    let mut csv = String::from("email,department,location\n");
    for p in people {
        csv.push_str(&format!("{},{},{}\n", p.email, p.department, p.location));
    }
    let fields = json!({ "survey_id": survey.id, "name": "Q1", "anonymity": "anonymous", "min_group": K, "group_attributes": ["department", "location"] });
    let campaign = f.owner.create_campaign(&fields, &csv).await?;
    let links = nps_e2e::links::personal_links(&f.db.url, &f.collector.url, campaign["id"].as_i64().unwrap_or_default()).await?;
    for (email, url) in &links {
        let person = people.iter().find(|p| &p.email == email).ok_or_else(|| anyhow::anyhow!("unknown recipient {email}"))?;
        let (status, _) = nps_e2e::links::answer(url, u8::try_from(person.score)?, &person.comment).await?;
        anyhow::ensure!((200..300).contains(&status), "answering as {email}: {status}");
    }
    Ok(survey)
}

/// A number a reader got: the people it counts are described by its constraints.
#[derive(Debug, Clone)]
struct Released {
    survey: i64,
    constraints: BTreeSet<String>,
    n: u64,
    from: String,
}

/// Filter combinations: every single group value, crossed groups, and random mixes of the
/// finer filters.
fn queries(people: &[Person], rng: &mut Rng) -> Vec<Vec<(&'static str, String)>> {
    let mut groups: Vec<Option<String>> = vec![None, Some("email:p0@corp.test".into()), Some("wave:1".into())];
    let departments: BTreeSet<&str> = people.iter().map(|p| p.department.as_str()).collect();
    for d in &departments {
        groups.push(Some(format!("department:{d}")));
        groups.push(Some(format!("department:{d};location:l0")));
    }
    groups.push(Some("location:l0".into()));
    groups.push(Some("location:l1".into()));
    let mut out: Vec<Vec<(&'static str, String)>> = groups.iter().map(|g| g.iter().map(|a| ("attr", a.clone())).collect()).collect();
    for _ in 0..40 {
        let mut q = Vec::new();
        if let Some(g) = &groups[rng.below(groups.len() as u64) as usize] {
            q.push(("attr", g.clone()));
        }
        match rng.below(4) {
            0 => q.push(("band", ["detractor", "passive", "promoter"][rng.below(3) as usize].to_owned())),
            1 => q.push(("q", WORDS[rng.below(5) as usize].to_owned())),
            2 => q.push(("has_comment", ["true", "false"][rng.below(2) as usize].to_owned())),
            _ => {}
        }
        if rng.below(3) == 0 {
            q.push(("from", "0".to_owned()));
            q.push(("to", (4_102_444_800_000u64 - rng.below(1_000) * 86_400_000).to_string()));
        }
        if rng.below(2) == 0 {
            q.push(("granularity", ["day", "week", "month"][rng.below(3) as usize].to_owned()));
        }
        out.push(q);
    }
    out
}

/// The constraints a filter set puts on the people counted.
fn constraints(q: &[(&'static str, String)]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (key, value) in q {
        match *key {
            "attr" => out.extend(value.split(';').map(str::to_owned)),
            "granularity" | "by" => {}
            other => {
                out.insert(format!("{other}={value}"));
            }
        }
    }
    out
}

fn url_query(q: &[(&'static str, String)]) -> String {
    q.iter().map(|(k, v)| format!("&{k}={}", v.replace(';', "%3B").replace(':', "%3A"))).collect()
}

/// Sends one request and collects the counts it releases.
async fn harvest(reader: &Admin, survey: i64, endpoint: &str, q: &[(&'static str, String)], out: &mut Vec<Released>) -> anyhow::Result<()> {
    let path = format!("{endpoint}?survey_id={survey}{}", url_query(q));
    let response = reader.http.get(format!("{}{path}", reader.base)).send().await?;
    let status = response.status().as_u16();
    let body = response.text().await?;
    assert!(status < 500, "{path}: {status} {body}");
    if status != 200 {
        return Ok(());
    }
    let base = constraints(q);
    let mut push = |extra: &[String], n: u64| {
        let mut c = base.clone();
        c.extend(extra.iter().cloned());
        out.push(Released { survey, constraints: c, n, from: path.clone() });
    };
    if endpoint.ends_with("/responses") {
        panic!("{path} released answer rows of employee NPS: {body}");
    }
    let v: Value = serde_json::from_str(&body)?;
    if endpoint.ends_with("/nps") {
        push(&[], v["overall"]["n"].as_u64().unwrap_or(0));
    } else if endpoint.ends_with("/segments") {
        let dimension = path.split("by=attr%3A").nth(1).unwrap_or("").split('&').next().unwrap_or("").to_owned();
        let overall = v["overall"]["n"].as_u64().unwrap_or(0);
        push(&[], overall);
        let mut visible = 0;
        for s in v["segments"].as_array().into_iter().flatten().filter(|s| !s["summary"].is_null()) {
            let n = s["summary"]["n"].as_u64().unwrap_or(0);
            visible += n;
            push(&[format!("{dimension}:{}", s["value"].as_str().unwrap_or("(none)"))], n);
        }
        let left = overall.saturating_sub(visible);
        assert!(left == 0 || left >= K, "{path}: total minus the visible segments leaves {left}: {body}");
    } else if endpoint.ends_with("/themes") {
        let comments = v["comments"].as_u64().unwrap_or(0);
        push(&["has_comment=true".into()], comments);
        for t in v["themes"].as_array().into_iter().flatten() {
            if let Some(n) = t["comments"].as_u64() {
                push(&["has_comment=true".into(), format!("theme={}", t["theme"])], n);
            }
        }
        for (label, n) in v["sentiment"].as_object().into_iter().flatten() {
            push(&["has_comment=true".into(), format!("sentiment={label}")], n.as_u64().unwrap_or(0));
        }
    } else if endpoint.ends_with("/comments") {
        push(&["has_comment=true".into()], v["comments"].as_array().map_or(0, |c| c.len() as u64));
    }
    Ok(())
}

/// Every released count is 0 or >= k, and so is the difference of any two whose filters nest.
fn solve(released: &[Released]) {
    for r in released {
        assert!(r.n == 0 || r.n >= K, "{} released a count of {}", r.from, r.n);
    }
    for outer in released {
        for inner in released.iter().filter(|i| i.survey == outer.survey && i.constraints.is_superset(&outer.constraints)) {
            let difference = outer.n.abs_diff(inner.n);
            assert!(
                difference == 0 || difference >= K,
                "subtracting {} (n = {}) from {} (n = {}) isolates {difference} people",
                inner.from, inner.n, outer.from, outer.n
            );
        }
    }
}

/// The people a released number counts, when its filters are group values only (the whole
/// wave, `department:d1`, `location:l0`, or both); none for other filters.
fn counted<'a>(r: &Released, people: &'a [Person]) -> Option<Vec<&'a Person>> {
    let mut wanted: Vec<(&str, &str)> = Vec::new();
    for c in &r.constraints {
        let (key, value) = c.split_once(':')?;
        if !matches!(key, "department" | "location") {
            return None;
        }
        wanted.push((key, value));
    }
    let matches = |p: &Person, (key, value): (&str, &str)| if key == "department" { p.department == value } else { p.location == value };
    Some(people.iter().filter(|p| wanted.iter().all(|w| matches(p, *w))).collect())
}

/// The solver across tables (stop 32's review): the reader knows who is in which department
/// and location, so every released group number is a set of known people. Cut the people into
/// atoms, those counted by exactly the same released numbers; every sum or difference of
/// released numbers is a sum of atoms, so every atom must be 0 or at least k.
fn solve_atoms(released: &[Released], survey: i64, people: &[Person]) {
    let sets: Vec<(&Released, Vec<&str>)> = released
        .iter()
        .filter(|r| r.survey == survey)
        .filter_map(|r| counted(r, people).map(|c| (r, c.iter().map(|p| p.email.as_str()).collect::<Vec<_>>())))
        // A withheld figure reads 0: it says nothing about its people.
        .filter(|(r, set)| r.n > 0 || set.is_empty())
        .collect();
    for (r, set) in &sets {
        assert_eq!(r.n, set.len() as u64, "{} counted {} of {} people", r.from, r.n, set.len());
    }
    let mut atoms: BTreeMap<Vec<usize>, Vec<&str>> = BTreeMap::new();
    for p in people {
        let signature: Vec<usize> = sets.iter().enumerate().filter(|(_, (_, s))| s.contains(&p.email.as_str())).map(|(i, _)| i).collect();
        atoms.entry(signature).or_default().push(p.email.as_str());
    }
    for (signature, members) in atoms.iter().filter(|(s, _)| !s.is_empty()) {
        let n = members.len() as u64;
        let from: Vec<String> = signature.iter().map(|&i| format!("{:?} n={}", sets[i].0.constraints, sets[i].0.n)).collect();
        assert!(n >= K, "{n} people ({members:?}) are told apart by the released numbers of {from:?}...");
    }
}

async fn no_sequence_of_reads_isolates_fewer_than_k(f: Fixture) -> anyhow::Result<()> {
    let project = f.owner.create_project(&["*"]).await?;
    let mut surveys = Vec::new();
    for seed in [0x9E37_79B9_7F4A_7C15u64, 0xD1B5_4A32_D192_ED03] {
        let people = organisation(seed);
        surveys.push((answered_survey(&f, &project, &people).await?, people, seed));
    }
    let readers = [
        f.user("hr@corp.test", "hr").await?,
        f.user("analyst@corp.test", "analyst").await?,
        f.user("pm@corp.test", "partner_manager").await?,
        Admin::sign_in(&f.collector.url, nps_e2e::admin::OWNER_EMAIL, nps_e2e::admin::OWNER_PASSWORD).await?,
    ];
    let endpoints = [
        "/api/admin/reports/nps",
        "/api/admin/reports/segments",
        "/api/admin/reports/themes",
        "/api/admin/reports/comments",
        "/api/admin/responses",
    ];
    let mut released = Vec::new();
    for (survey, people, seed) in &surveys {
        let mut rng = Rng(*seed ^ 0xA5A5);
        for q in queries(people, &mut rng) {
            for reader in &readers {
                for endpoint in endpoints {
                    if endpoint.ends_with("/segments") {
                        for by in ["attr:department", "attr:location", "language", "survey", "attr:email"] {
                            let mut with_by = q.clone();
                            with_by.push(("by", by.to_owned()));
                            harvest(reader, survey.id, endpoint, &with_by, &mut released).await?;
                        }
                    } else {
                        harvest(reader, survey.id, endpoint, &q, &mut released).await?;
                    }
                }
            }
        }
        // The reports are not simply silent: the whole wave is released when it is large enough.
        let whole = released.iter().find(|r| r.survey == survey.id && r.constraints.is_empty()).map(|r| r.n);
        let expected = if people.len() as u64 >= K { people.len() as u64 } else { 0 };
        assert_eq!(whole, Some(expected), "seed {seed:#x}: the whole wave of {} answers", people.len());
    }
    solve(&released);
    for (survey, people, _) in &surveys {
        solve_atoms(&released, survey.id, people);
    }
    // And the owner's listing of every answer leaves employee NPS out.
    let rows: Vec<Value> = readers[3].get("/api/admin/responses").await?;
    assert!(rows.iter().all(|r| surveys.iter().all(|(s, ..)| r["survey_id"] != json!(s.id))), "employee answers listed");
    Ok(())
}

on_both_backends!(no_sequence_of_reads_isolates_fewer_than_k);
