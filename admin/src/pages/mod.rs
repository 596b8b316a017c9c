//! The screens of the app.

pub mod projects;
pub mod report;
pub mod responses;
pub mod sign_in;
pub mod survey_editor;
