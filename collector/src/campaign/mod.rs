//! Link campaigns beyond the links themselves: waves (a recurring campaign gives every
//! recipient a new single-use link each wave), e-mail delivery through the outbox in the
//! recipient's language, reminders to those who have not answered, and the scheduler that
//! runs all of it by itself.

pub mod i18n;
pub mod links;
pub mod mail;
pub mod scheduler;
pub use crate::store::campaign_mail::{Schedule, Wave};
pub use links::{invitation_id, personal_link, reminder_id, wave_token_id};
pub use nps_core::wire::DeliverySettings;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wave_one_keeps_the_original_token_and_later_waves_get_new_ones() {
        assert_eq!(wave_token_id("t", 1), "t");
        assert_ne!(wave_token_id("t", 2), wave_token_id("t", 3));
        assert_eq!(invitation_id(3, 2, "r1"), "invite:3:2:r1");
        assert_eq!(reminder_id(3, 2, "r1", 1), "remind:3:2:r1:1");
        let bad = DeliverySettings { reminder_after_days: Some(0), max_reminders: 9, cadence_days: Some(0) };
        assert_eq!(bad.problems().len(), 3);
        assert!(DeliverySettings { reminder_after_days: Some(3), max_reminders: 2, cadence_days: Some(90) }.problems().is_empty());
    }
}
