//! Projects and their surveys.

use super::*;
use async_trait::async_trait;

#[async_trait]
pub trait ProjectStore: Send + Sync {
    async fn create_project(&self, input: &ProjectInput, public_key: &str, secret: &str, now: i64) -> StoreResult<Project>;
    async fn update_project(&self, id: i64, input: &ProjectInput) -> StoreResult<Option<Project>>;
    async fn set_identity_secret(&self, id: i64, secret: &str) -> StoreResult<Option<Project>>;
    async fn list_projects(&self) -> StoreResult<Vec<Project>>;
    async fn get_project(&self, id: i64) -> StoreResult<Option<Project>>;
    async fn project_by_key(&self, public_key: &str) -> StoreResult<Option<Project>>;

    async fn create_survey(&self, project_id: i64, input: &SurveyInput, now: i64) -> StoreResult<Survey>;
    async fn update_survey(&self, id: i64, input: &SurveyInput, now: i64) -> StoreResult<Option<Survey>>;
    async fn get_survey(&self, id: i64) -> StoreResult<Option<Survey>>;
    async fn list_surveys(&self, project_id: Option<i64>) -> StoreResult<Vec<Survey>>;
}
