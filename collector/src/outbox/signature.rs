//! Standard Webhooks signatures: `webhook-signature: v1,<base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))>`
//! where the key is the base64-decoded part of the `whsec_...` secret. Receivers recompute it
//! with the secret and compare in constant time; the timestamp lets them refuse old replays.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use rand::Rng;
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

pub const SECRET_PREFIX: &str = "whsec_";

/// A new endpoint secret: 32 random bytes, `whsec_<base64>`.
pub fn generate_secret() -> String {
    format!("{SECRET_PREFIX}{}", B64.encode(rand::rng().random::<[u8; 32]>()))
}

/// The signing key a secret stands for (the bytes after `whsec_`, base64-decoded).
pub fn secret_key(secret: &str) -> anyhow::Result<Vec<u8>> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    B64.decode(encoded).map_err(|e| anyhow::anyhow!("the webhook secret is not whsec_<base64>: {e}"))
}

/// The `webhook-signature` header value for one attempt.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> anyhow::Result<String> {
    let key = secret_key(secret)?;
    let mut mac = HmacSha256::new_from_slice(&key).map_err(|e| anyhow::anyhow!("{e}"))?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(format!("v1,{}", B64.encode(mac.finalize().into_bytes())))
}

/// Whether any of the space-separated `v1,...` signatures in `header` is right (what a
/// receiver does; used by the tests and documented in the README).
pub fn verify(secret: &str, id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
    let Ok(key) = secret_key(secret) else { return false };
    header.split(' ').filter_map(|s| s.strip_prefix("v1,")).any(|candidate| {
        let Ok(expected) = B64.decode(candidate) else { return false };
        let Ok(mut mac) = HmacSha256::new_from_slice(&key) else { return false };
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body);
        mac.verify_slice(&expected).is_ok()
    })
}

/// The `webhook-id` of an outbox message: stable for the message (so receivers can drop
/// repeats), and header-safe whatever characters the ids it is built from contain.
pub fn webhook_id(outbox_id: &str) -> String {
    format!("msg_{}", &hex::encode(Sha256::digest(outbox_id.as_bytes()))[..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector of the Standard Webhooks reference libraries.
    #[test]
    fn signs_the_standard_webhooks_reference_vector() -> anyhow::Result<()> {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let (id, timestamp, body) = ("msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, br#"{"test": 2432232314}"#);
        let expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        assert_eq!(sign(secret, id, timestamp, body)?, expected);
        assert!(verify(secret, id, timestamp, body, expected));
        assert!(verify(secret, id, timestamp, body, &format!("v1,bm9wZQ== {expected}")));
        assert!(!verify(secret, id, timestamp + 1, body, expected));
        assert!(!verify(secret, id, timestamp, br#"{"test": 2432232315}"#, expected));
        Ok(())
    }

    #[test]
    fn generated_secrets_decode_to_32_bytes_and_differ() -> anyhow::Result<()> {
        let (a, b) = (generate_secret(), generate_secret());
        assert!(a.starts_with("whsec_") && a != b);
        assert_eq!(secret_key(&a)?.len(), 32);
        Ok(())
    }

    #[test]
    fn webhook_ids_are_stable_and_header_safe() {
        let id = webhook_id("wh:1:réponse ☃:response.created");
        assert_eq!(id, webhook_id("wh:1:réponse ☃:response.created"));
        assert_ne!(id, webhook_id("wh:1:réponse ☃:response.completed"));
        assert!(id.starts_with("msg_") && id.len() == 36 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    }
}
