//! Every collector sharing a database must hold the same server secret. Sessions, widget
//! tokens, campaign links and the erasure ledger's keyed hashes are all made with it: behind a
//! load balancer, a collector with another secret would refuse its peers' sessions and links
//! at random and, worse, would not recognise erased respondents among the records in its spool
//! and store them again. The first start records a fingerprint of the secret (an HMAC of a fixed
//! label: it reveals nothing about the secret); every later start compares and refuses to run
//! with another secret, naming the setting. An operator who changes the secret on purpose stops
//! every collector and runs `nps-collector adopt-server-secret` once with the new one.

use crate::store::DynStore;
use anyhow::Context;

/// The secret's fingerprint: HMAC-SHA256 keyed with it, of a label used for nothing else.
pub fn fingerprint(secret: &[u8]) -> String {
    hex::encode(crate::keyed_hash::hmac(secret, &[b"nps server secret fingerprint v1"]))
}

/// Refuses a secret other than the one this database was first used with.
pub async fn check(store: &DynStore, secret: &[u8], now: i64) -> anyhow::Result<()> {
    let ours = fingerprint(secret);
    let recorded = store.claim_secret_fingerprint(&ours, now).await.context("reading the server secret's fingerprint")?;
    anyhow::ensure!(
        recorded == ours,
        "this database was first used with another auth.server_secret (NPS_AUTH__SERVER_SECRET): every collector \
         sharing a database must be given the same secret. To change the secret on purpose, stop every collector, \
         run `nps-collector adopt-server-secret` with the new one, then start them all with it (sessions, widget \
         tokens and campaign links made with the old secret stop working)"
    );
    Ok(())
}

/// Makes `secret` the one this database expects from now on.
pub async fn adopt(store: &DynStore, secret: &[u8], now: i64) -> anyhow::Result<()> {
    store.replace_secret_fingerprint(&fingerprint(secret), now).await.context("recording the server secret's fingerprint")
}

#[cfg(test)]
mod tests {
    use super::fingerprint;

    #[test]
    fn the_fingerprint_depends_on_the_secret_and_is_not_it() {
        let a = fingerprint(b"0123456789abcdef0123456789abcdef");
        assert_eq!(a, fingerprint(b"0123456789abcdef0123456789abcdef"));
        assert_ne!(a, fingerprint(b"0123456789abcdef0123456789abcdeF"));
        assert_eq!(a.len(), 64);
        assert!(!a.contains("0123456789abcdef"));
    }
}
