//! The wall clock, in the unit everything stored uses: Unix milliseconds.

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
