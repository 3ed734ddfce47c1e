//! The web console's sessions: an API key exchanged for a session cookie.
//!
//! Only the SHA-256 of the session token is stored (the caller hashes it), so the table
//! cannot be used to sign in. A session names the API key it was opened with and nothing
//! else about the caller: the console resolves that key on every request, exactly as the
//! API resolves a bearer key, so a revoked key ends its sessions and the tenant a session
//! reaches is always the key's. Expiry is the caller's policy; this module keeps the two
//! times it needs (last seen, absolute end) and refuses a session past either.

use chrono::{DateTime, Utc};

use crate::{Store, StoreResult, time_text};

/// A live console session.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ConsoleSession {
    /// Hex SHA-256 of the cookie's token: the session's key in the table.
    pub token_hash: String,
    /// The API key that signed in; resolved again on every request.
    pub key_id: String,
    /// The synchronizer token every form of this session must carry.
    pub csrf_token: String,
    /// RFC 3339 time the session was opened.
    pub created_at: String,
    /// RFC 3339 time of the session's latest request (idle expiry counts from it).
    pub last_seen_at: String,
    /// RFC 3339 time after which the session is refused however active it is.
    pub expires_at: String,
}

impl Store {
    /// Opens a session for `key_id` under `token_hash`, ending absolutely at `expires_at`.
    pub async fn insert_console_session(
        &self,
        token_hash: &str,
        key_id: &str,
        csrf_token: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let now = time_text(now);
        sqlx::query(
            "INSERT INTO console_sessions
                 (token_hash, key_id, csrf_token, created_at, last_seen_at, expires_at)
             VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(token_hash)
        .bind(key_id)
        .bind(csrf_token)
        .bind(&now)
        .bind(time_text(expires_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session under `token_hash` if it is live at `now`: not past its absolute end and
    /// seen at or after `idle_since`. A live session's last-seen time moves to `now`; an
    /// expired one is deleted and `None` is returned, as for an unknown token.
    pub async fn live_console_session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> StoreResult<Option<ConsoleSession>> {
        let now = time_text(now);
        let touched = sqlx::query(
            "UPDATE console_sessions SET last_seen_at = $2
             WHERE token_hash = $1 AND expires_at > $2 AND last_seen_at >= $3",
        )
        .bind(token_hash)
        .bind(&now)
        .bind(time_text(idle_since))
        .execute(&self.pool)
        .await?;
        if touched.rows_affected() == 0 {
            self.delete_console_session(token_hash).await?;
            return Ok(None);
        }
        let session = sqlx::query_as(
            "SELECT token_hash, key_id, csrf_token, created_at, last_seen_at, expires_at
             FROM console_sessions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(session)
    }

    /// Ends the session under `token_hash` (sign-out); false if there was none.
    pub async fn delete_console_session(&self, token_hash: &str) -> StoreResult<bool> {
        let done = sqlx::query("DELETE FROM console_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes every session past its absolute end or idle since before `idle_since`;
    /// returns how many.
    pub async fn delete_expired_console_sessions(
        &self,
        now: DateTime<Utc>,
        idle_since: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let done =
            sqlx::query("DELETE FROM console_sessions WHERE expires_at <= $1 OR last_seen_at < $2")
                .bind(time_text(now))
                .bind(time_text(idle_since))
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::testkit::on_both_backends;

    on_both_backends!(
        a_session_lives_until_idle_or_absolute_expiry,
        sign_out_deletes_the_session,
    );

    async fn a_session_lives_until_idle_or_absolute_expiry(store: Store) {
        let start = Utc::now();
        let idle = Duration::minutes(30);
        store
            .insert_console_session("h1", "key1", "csrf1", start, start + Duration::hours(12))
            .await
            .expect("insert");
        let later = start + Duration::minutes(20);
        let live = store
            .live_console_session("h1", later, later - idle)
            .await
            .expect("read")
            .expect("live within the idle window");
        assert_eq!(
            (live.key_id.as_str(), live.csrf_token.as_str()),
            ("key1", "csrf1")
        );
        // Seen at +20 min, so still live at +45 min; then idle for an hour: gone for good.
        let at = start + Duration::minutes(45);
        assert!(
            store
                .live_console_session("h1", at, at - idle)
                .await
                .expect("read")
                .is_some()
        );
        let at = start + Duration::minutes(105);
        assert!(
            store
                .live_console_session("h1", at, at - idle)
                .await
                .expect("read")
                .is_none()
        );
        assert!(
            !store.delete_console_session("h1").await.expect("delete"),
            "already deleted"
        );

        // However active, a session ends at its absolute expiry.
        store
            .insert_console_session("h2", "key1", "csrf2", start, start + Duration::hours(1))
            .await
            .expect("insert");
        let at = start + Duration::minutes(61);
        assert!(
            store
                .live_console_session("h2", at, at - idle)
                .await
                .expect("read")
                .is_none()
        );
        assert!(
            store
                .live_console_session("nope", at, at - idle)
                .await
                .expect("read")
                .is_none()
        );
    }

    async fn sign_out_deletes_the_session(store: Store) {
        let now = Utc::now();
        let idle = Duration::minutes(30);
        for hash in ["a", "b"] {
            store
                .insert_console_session(hash, "k", "c", now, now + Duration::hours(1))
                .await
                .expect("insert");
        }
        assert!(store.delete_console_session("a").await.expect("delete"));
        assert!(
            store
                .live_console_session("a", now, now - idle)
                .await
                .expect("read")
                .is_none()
        );
        assert!(
            store
                .live_console_session("b", now, now - idle)
                .await
                .expect("read")
                .is_some()
        );
        let swept = store
            .delete_expired_console_sessions(now + Duration::hours(2), now)
            .await
            .expect("sweep");
        assert_eq!(swept, 1);
    }
}
