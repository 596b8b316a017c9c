//! Free-form attributes: what the host app tells about a user or an account (plan, country,
//! MRR, ...). Targeting and triggers read them, the wire carries them; they sit below both.

/// Free-form attributes of a user or an account.
pub type Attributes = serde_json::Map<String, serde_json::Value>;
