//! Sticky sampling: the same user is always in or out of a survey's sample.
//!
//! Re-rolling a random number on every trigger (as some tools do) means a 10% survey that
//! fires ten times reaches ~65% of users. Here a user's bucket is a hash of the survey id and
//! the user's stable key, so the decision never changes for a given rate, raising the rate only
//! adds users (bucket < rate), and two surveys sample independently of each other.

/// Everyone: 100% in basis points.
pub const FULL_RATE_BP: u32 = crate::basis_points::BasisPoints::EVERYONE.get();

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// The user's bucket for this survey, in `0..10000`.
///
/// The hash is written out here rather than taken from `std`: `DefaultHasher` is documented as
/// unspecified and may change between Rust releases (and `Hash` for `str`/integers is not
/// promised to be portable), so buckets, and with them who is in a running survey's sample, could
/// move on a compiler upgrade or differ between the collector (x86_64) and the widget (wasm32).
/// FNV-1a over explicit little-endian bytes is the same everywhere; it mixes its last bytes
/// poorly, so the murmur3 64-bit finaliser follows. The survey id is a fixed 8 bytes, so no two
/// (survey, key) pairs share an input. `% 10000` on a 64-bit value is biased by < 1e-15.
pub fn sampling_bucket(survey_id: i64, user_key: &str) -> u32 {
    let hash = fnv1a(fnv1a(FNV_OFFSET, &survey_id.to_le_bytes()), user_key.as_bytes());
    (fmix64(hash) % u64::from(FULL_RATE_BP)) as u32
}

/// Whether the user is in the survey's sample at `rate_bp` basis points.
pub fn is_sampled(survey_id: i64, user_key: &str, rate_bp: u32) -> bool {
    sampling_bucket(survey_id, user_key) < rate_bp
}

fn fnv1a(state: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(state, |h, b| (h ^ u64::from(*b)).wrapping_mul(FNV_PRIME))
}

/// MurmurHash3's 64-bit finaliser: every input bit affects every output bit.
fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}
