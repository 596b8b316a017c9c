//! The SQL of the audit log (see `store/audit.rs`), one text for both backends.

/// Every stored column, in the order of `INSERT`'s binds.
macro_rules! columns {
    () => {
        "seq, at, actor_id, actor_email, actor_role, kind, action, target, status, client_addr, user_agent, prev_hash, hash"
    };
}

/// The chain head; read under the chain lock by an append.
pub const HEAD: &str = "SELECT seq, hash FROM audit_chain WHERE id = 1";

/// `$1` seq ... `$13` hash, in the order of the columns.
pub const INSERT: &str =
    concat!("INSERT INTO audit_log (", columns!(), ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)");

/// `$1` seq, `$2` hash of the entry just inserted.
pub const ADVANCE_HEAD: &str = "UPDATE audit_chain SET seq = $1, hash = $2 WHERE id = 1";

/// Newest first. `$1` before (seq), `$2` actor id, `$3` actor e-mail (lower case), `$4` kind,
/// `$5` LIKE pattern on the lower-cased action, `$6` from, `$7` to (ms), `$8` limit; a NULL
/// filter is no filter.
pub const LIST: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM audit_log WHERE ($1 IS NULL OR seq < $1) AND ($2 IS NULL OR actor_id = $2) \
     AND ($3 IS NULL OR LOWER(actor_email) = $3) AND ($4 IS NULL OR kind = $4) \
     AND ($5 IS NULL OR LOWER(action) LIKE $5 ESCAPE '\\') AND ($6 IS NULL OR at >= $6) AND ($7 IS NULL OR at < $7) \
     ORDER BY seq DESC LIMIT $8"
);

/// Oldest first from `$1` (exclusive), `$2` rows.
pub const CHAIN_AFTER: &str = concat!("SELECT ", columns!(), " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_in_order_of_first_use() {
        for sql in [super::INSERT, super::LIST, super::CHAIN_AFTER, super::ADVANCE_HEAD] {
            let mut expected = 1;
            for part in sql.split('$').skip(1) {
                let n: usize = part.chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap_or(0);
                assert!(n <= expected, "{sql}: ${n} before ${expected}");
                if n == expected {
                    expected += 1;
                }
            }
        }
    }
}
