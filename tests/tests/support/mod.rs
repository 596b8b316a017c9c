//! What the storage tests share (they drive `nps_collector`'s store directly, which the
//! harness in `tests/src` does not depend on): a store on a fresh database with a project and a
//! survey, and the ingest records the drainer applies, as the client API would have built them.
// Each test binary that includes this module uses a part of it.
#![allow(dead_code)]

use nps_collector::ingest::IngestRecord;
use nps_collector::store::{DynStore, connect};
use nps_core::NpsScore;
use nps_core::wire::{Attributes, ClientId, CommentText, CompleteRequest, DisplayRequest, FeedbackKind, FeedbackRequest, ResponseRequest, SurveyKind};
use nps_e2e::{Admin, Backend, Collector, Installation, TestDatabase, live_survey, project_input};
use serde_json::Value;

/// When the store fixture's project and survey are created: 2026-01-01T00:00:00Z.
pub const T0: i64 = 1_767_225_600_000;

/// A store on a fresh database of either backend, with a project and a live survey created at
/// [`T0`].
pub struct StoreFixture {
    pub store: DynStore,
    pub project_id: i64,
    pub survey_id: i64,
    /// The database's URL, for a second connection of a test's own.
    pub url: String,
    pub dir: tempfile::TempDir,
}

pub async fn store_with_survey(backend: Backend, kind: SurveyKind) -> anyhow::Result<StoreFixture> {
    let dir = tempfile::tempdir()?;
    let db = TestDatabase::new(backend, dir.path()).await?;
    let store = connect(&db.url).await?;
    let project = store.create_project(&project_input("p", &[])?, &format!("pk_{}", uuid::Uuid::new_v4().simple()), "secret", T0).await?;
    let survey = store.create_survey(project.id, &live_survey("s", kind), T0).await?;
    Ok(StoreFixture { store, project_id: project.id, survey_id: survey.id, url: db.url, dir })
}

/// A collector on a fresh database with its owner signed in and a project (any origin), and the
/// store of that database opened beside it: for tests that write as the drainer writes and read
/// through the admin API.
pub struct StoreBeside {
    pub dir: tempfile::TempDir,
    pub collector: Collector,
    pub admin: Admin,
    pub store: DynStore,
    pub project_id: i64,
}

pub async fn store_beside_a_collector(backend: Backend) -> anyhow::Result<StoreBeside> {
    let Installation { dir, db, collector, owner } = Installation::start(backend).await?;
    let project = owner.create_project(&["*"]).await?;
    let store = connect(&db.url).await?;
    Ok(StoreBeside { dir, collector, admin: owner, store, project_id: project.id })
}

/// Records of the fixture's project and survey.
impl StoreFixture {
    pub fn response(&self, id: &str, user: &str, score: i64, at: i64) -> IngestRecord {
        response(self.project_id, self.survey_id, id, user, score, at)
    }

    pub fn complete(&self, id: &str, user: &str, comment: &str, at: i64) -> IngestRecord {
        complete(self.project_id, self.survey_id, id, user, comment, at)
    }

    pub fn display(&self, id: &str, user: &str, at: i64) -> IngestRecord {
        display(self.project_id, self.survey_id, id, user, at)
    }

    /// An opt-out is of no survey (it is global); other feedback is of the fixture's survey.
    pub fn feedback(&self, id: &str, user: &str, kind: FeedbackKind, at: i64) -> IngestRecord {
        feedback(self.project_id, (kind != FeedbackKind::OptOut).then_some(self.survey_id), id, user, kind, at)
    }
}

/// A JSON object as attributes (anything else: none).
pub fn attrs(value: Value) -> Attributes {
    value.as_object().cloned().unwrap_or_default()
}

fn client_id(id: &str) -> ClientId {
    ClientId::parse(id).expect("a valid client id")
}

/// A score, with nothing else the widget may send.
pub fn response(project_id: i64, survey_id: i64, id: &str, user: &str, score: i64, at: i64) -> IngestRecord {
    let response = ResponseRequest {
        response_id: client_id(id),
        survey_id,
        user_id: client_id(user),
        display_id: None,
        score: NpsScore::new(score).expect("a score in range"),
        language: None,
        device: None,
        trigger: None,
        sampling_rate_bp: None,
    };
    IngestRecord::Response { project_id, at, response }
}

/// The same record as a widget that samples sends it: `basis_points` of the users are asked.
pub fn sampled(mut record: IngestRecord, basis_points: u32) -> IngestRecord {
    if let IngestRecord::Response { response, .. } = &mut record {
        response.sampling_rate_bp = nps_core::wire::BasisPoints::new(basis_points);
    }
    record
}

/// The comment that completes answer `id` (it may arrive before the score).
pub fn complete(project_id: i64, survey_id: i64, id: &str, user: &str, comment: &str, at: i64) -> IngestRecord {
    let complete = CompleteRequest {
        survey_id,
        user_id: client_id(user),
        comment: Some(CommentText::parse(comment).expect("a valid comment")),
        extra_answers: Default::default(),
    };
    IngestRecord::Complete { project_id, at, response_id: id.into(), complete }
}

pub fn display(project_id: i64, survey_id: i64, id: &str, user: &str, at: i64) -> IngestRecord {
    let display = DisplayRequest {
        display_id: client_id(id),
        survey_id,
        user_id: client_id(user),
        trigger: None,
        url: None,
        language: None,
        device: None,
        sampling_rate_bp: None,
    };
    IngestRecord::Display { project_id, at, display }
}

pub fn feedback(project_id: i64, survey_id: Option<i64>, id: &str, user: &str, kind: FeedbackKind, at: i64) -> IngestRecord {
    let feedback = FeedbackRequest { action_id: client_id(id), survey_id, user_id: client_id(user), kind };
    IngestRecord::Feedback { project_id, at, feedback }
}
