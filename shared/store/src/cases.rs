//! Matches, notices, the events that follow them, and the notifier's delivery outbox.

use chrono::{DateTime, Utc};
use sqlx::Row;
use takedown_model::{CaseEvent, Decision, Match, Notice, NoticeStatus};

use crate::{Store, StoreError, StoreResult, from_json, now_text, to_json};

#[derive(Debug, Clone, PartialEq)]
pub struct MatchRecord {
    pub found: Match,
    pub decision: Decision,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NoticeRecord {
    pub notice: Notice,
    pub status: NoticeStatus,
    pub case_id: Option<String>,
}

/// A notice waiting in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub notice_id: String,
    pub platform: String,
    pub attempts: u32,
    /// The exact bytes to send: the same on every retry.
    pub payload: String,
}

impl Store {
    pub async fn upsert_match(&self, found: &Match, decision: Decision) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO matches (id, listing_id, right_id, owner_id, decision, body, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (id) DO UPDATE SET decision = excluded.decision, body = excluded.body,
                 updated_at = excluded.updated_at",
        )
        .bind(&found.id)
        .bind(&found.listing_id)
        .bind(&found.right_id)
        .bind(&found.owner_id)
        .bind(to_json(&decision).trim_matches('"'))
        .bind(to_json(found))
        .bind(now_text())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn matches(&self) -> StoreResult<Vec<MatchRecord>> {
        let rows = sqlx::query("SELECT body, decision FROM matches ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let decision: String = r.get(1);
                Ok(MatchRecord {
                    found: from_json("match", &r.get::<String, _>(0))?,
                    decision: from_json("decision", &format!("\"{decision}\""))?,
                })
            })
            .collect()
    }

    /// Files a notice unless one exists for its match; true if it was new.
    pub async fn insert_notice(&self, notice: &Notice) -> StoreResult<bool> {
        let result = sqlx::query(
            // No conflict target: a second notice for the same match (UNIQUE match_id) is
            // ignored just as one with the same id is.
            "INSERT INTO notices (id, match_id, owner_id, platform, status, body, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT DO NOTHING",
        )
        .bind(&notice.id)
        .bind(&notice.match_id)
        .bind(&notice.owner_id)
        .bind(&notice.platform)
        .bind(NoticeStatus::Filed.as_str())
        .bind(to_json(notice))
        .bind(now_text())
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    pub async fn notices(&self) -> StoreResult<Vec<NoticeRecord>> {
        let rows = sqlx::query("SELECT body, status, case_id FROM notices ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.get(1);
                Ok(NoticeRecord {
                    notice: from_json("notice", &r.get::<String, _>(0))?,
                    status: NoticeStatus::parse(&status)
                        .ok_or_else(|| StoreError::NotFound(format!("notice status {status:?}")))?,
                    case_id: r.get(2),
                })
            })
            .collect()
    }

    /// Records an event from the platform and moves the notice's status; a repeated event
    /// changes nothing, nor does an event for a notice this store never filed (another
    /// deployment's, or a test's left on a shared topic): retrying it could never succeed, so
    /// it must not wedge the consumer. Returns true if the event was new.
    pub async fn record_case_event(
        &self,
        event: &CaseEvent,
        status: NoticeStatus,
    ) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let kind = to_json(&event.kind);
        let inserted = sqlx::query(
            "INSERT INTO notice_events (notice_id, kind, case_id, body, at)
             SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM notices WHERE id = $1)
             ON CONFLICT DO NOTHING",
        )
        .bind(&event.notice_id)
        .bind(kind.trim_matches('"'))
        .bind(event.case_id.as_deref().unwrap_or(""))
        .bind(to_json(event))
        .bind(crate::time_text(event.at))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if inserted {
            sqlx::query(
                "UPDATE notices SET status = $1, case_id = COALESCE($2, case_id), updated_at = $3
                 WHERE id = $4",
            )
            .bind(status.as_str())
            .bind(&event.case_id)
            .bind(now_text())
            .bind(&event.notice_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(inserted)
    }

    pub async fn case_events(&self, notice_id: &str) -> StoreResult<Vec<CaseEvent>> {
        let rows = sqlx::query("SELECT body FROM notice_events WHERE notice_id = $1 ORDER BY at")
            .bind(notice_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| from_json("case event", &r.get::<String, _>(0)))
            .collect()
    }

    /// Puts a notice in the outbox unless it is there already; true if it was new.
    pub async fn enqueue_delivery(&self, notice: &Notice, payload: &str) -> StoreResult<bool> {
        let result = sqlx::query(
            "INSERT INTO deliveries (notice_id, platform, state, next_attempt_at, payload)
             VALUES ($1, $2, 'pending', $3, $4)
             ON CONFLICT DO NOTHING",
        )
        .bind(&notice.id)
        .bind(&notice.platform)
        .bind(now_text())
        .bind(payload)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Pending deliveries whose next attempt is due.
    pub async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Delivery>> {
        let rows = sqlx::query(
            "SELECT notice_id, platform, attempts, payload FROM deliveries
             WHERE state = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2",
        )
        .bind(crate::time_text(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| Delivery {
                notice_id: r.get(0),
                platform: r.get(1),
                attempts: r.get::<i64, _>(2) as u32,
                payload: r.get(3),
            })
            .collect())
    }

    /// (state, attempts, last error) of a notice's delivery, if it is in the outbox.
    pub async fn delivery_state(
        &self,
        notice_id: &str,
    ) -> StoreResult<Option<(String, u32, Option<String>)>> {
        let row =
            sqlx::query("SELECT state, attempts, last_error FROM deliveries WHERE notice_id = $1")
                .bind(notice_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|r| (r.get(0), r.get::<i64, _>(1) as u32, r.get(2))))
    }

    pub async fn pending_deliveries(&self) -> StoreResult<u64> {
        let row = sqlx::query("SELECT COUNT(*) FROM deliveries WHERE state = 'pending'")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.get::<i64, _>(0) as u64)
    }

    /// Claims for `claimant` up to `limit` pending deliveries due at `now` that nobody holds
    /// (never claimed, released, or whose claim lapsed before `now`), until `until`; returns
    /// them. One statement, so two notifiers claiming at once get disjoint rows: SQLite runs
    /// writers one at a time, and PostgreSQL re-checks the `WHERE` of a row another
    /// transaction changed meanwhile (the second claimant skips it), which is why the
    /// conditions are repeated outside the subquery that picks the rows.
    pub async fn claim_deliveries(
        &self,
        claimant: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Delivery>> {
        let rows = sqlx::query(
            "UPDATE deliveries SET claimed_by = $1, claimed_until = $2
             WHERE state = 'pending' AND next_attempt_at <= $3
               AND (claimed_until IS NULL OR claimed_until <= $3)
               AND notice_id IN (
                 SELECT notice_id FROM deliveries
                 WHERE state = 'pending' AND next_attempt_at <= $3
                   AND (claimed_until IS NULL OR claimed_until <= $3)
                 ORDER BY next_attempt_at LIMIT $4)
             RETURNING notice_id, platform, attempts, payload",
        )
        .bind(claimant)
        .bind(crate::time_text(until))
        .bind(crate::time_text(now))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| Delivery {
                notice_id: r.get(0),
                platform: r.get(1),
                attempts: r.get::<i64, _>(2) as u32,
                payload: r.get(3),
            })
            .collect())
    }

    /// Extends every claim `claimant` still holds on a pending delivery to `until` (never
    /// shortens one); returns how many. A live notifier calls it while it works, so only a
    /// dead one's claims lapse.
    pub async fn renew_claims(&self, claimant: &str, until: DateTime<Utc>) -> StoreResult<u64> {
        let until = crate::time_text(until);
        let result = sqlx::query(
            "UPDATE deliveries SET claimed_until = $1
             WHERE claimed_by = $2 AND state = 'pending' AND claimed_until < $1",
        )
        .bind(&until)
        .bind(claimant)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected())
    }

    /// Ends a delivery `claimant` holds: `delivered` with the platform's case id, or
    /// `rejected` with why; releases the claim. False, changing nothing, when the claim is
    /// not (or no longer) `claimant`'s: its claim lapsed and another notifier took it over.
    pub async fn finish_delivery(
        &self,
        notice_id: &str,
        claimant: &str,
        case_id: Option<&str>,
        rejection: Option<&str>,
    ) -> StoreResult<bool> {
        let result = sqlx::query(
            "UPDATE deliveries SET state = $1, case_id = $2, last_error = $3, attempts = attempts + 1,
                 claimed_by = NULL, claimed_until = NULL
             WHERE notice_id = $4 AND claimed_by = $5",
        )
        .bind(if rejection.is_some() {
            "rejected"
        } else {
            "delivered"
        })
        .bind(case_id)
        .bind(rejection)
        .bind(notice_id)
        .bind(claimant)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Schedules another attempt after a failure that may pass (network, 5xx, 429) and
    /// releases `claimant`'s claim; false, changing nothing, when the claim is not theirs.
    pub async fn retry_delivery(
        &self,
        notice_id: &str,
        claimant: &str,
        error: &str,
        next_attempt_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let result = sqlx::query(
            "UPDATE deliveries SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2,
                 claimed_by = NULL, claimed_until = NULL
             WHERE notice_id = $3 AND claimed_by = $4",
        )
        .bind(error)
        .bind(crate::time_text(next_attempt_at))
        .bind(notice_id)
        .bind(claimant)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use takedown_model::{CaseEventKind, TenantKind};

    use super::*;
    use crate::testkit::{
        fixtures::{found, notice, tenant},
        on_both_backends,
    };

    on_both_backends!(
        notices_events_and_deliveries_are_idempotent,
        matches_keep_one_row_with_the_latest_decision,
        a_delivery_ends_delivered_or_rejected,
        two_claimers_get_disjoint_deliveries,
        a_lapsed_claim_is_taken_over_and_its_old_holder_refused,
        a_renewed_claim_does_not_lapse,
    );

    async fn enqueue(store: &Store, ids: impl IntoIterator<Item = String>) {
        for id in ids {
            store
                .enqueue_delivery(&notice(&id, "acme", "shop"), "{}")
                .await
                .expect("enqueue");
        }
    }

    fn ids(deliveries: &[Delivery]) -> std::collections::BTreeSet<String> {
        deliveries.iter().map(|d| d.notice_id.clone()).collect()
    }

    async fn two_claimers_get_disjoint_deliveries(store: Store) {
        enqueue(&store, (0..12).map(|i| format!("ntc_{i:02}"))).await;
        let now = Utc::now();
        let until = now + chrono::Duration::minutes(1);
        // Both claim at once, each wanting more than half: neither may get a row the other got.
        let (a, b) = tokio::join!(
            store.claim_deliveries("a", now, until, 8),
            store.claim_deliveries("b", now, until, 8),
        );
        let (a, b) = (ids(&a.expect("claim a")), ids(&b.expect("claim b")));
        assert!(a.is_disjoint(&b), "both claimed {:?}", a.intersection(&b));
        assert!(!a.is_empty() || !b.is_empty());
        // A third claimant gets exactly the rest; the held ones stay held.
        let c = ids(&store
            .claim_deliveries("c", now, until, 100)
            .await
            .expect("claim c"));
        assert!(c.is_disjoint(&a) && c.is_disjoint(&b));
        assert_eq!(
            a.len() + b.len() + c.len(),
            12,
            "every delivery claimed once"
        );
        assert!(
            store
                .claim_deliveries("d", now, until, 100)
                .await
                .expect("claim d")
                .is_empty(),
            "nothing left to claim while the claims hold"
        );
    }

    async fn a_lapsed_claim_is_taken_over_and_its_old_holder_refused(store: Store) {
        enqueue(&store, ["ntc_1".to_owned()]).await;
        let now = Utc::now();
        let lease = chrono::Duration::seconds(30);
        let first = store
            .claim_deliveries("dead", now, now + lease, 10)
            .await
            .expect("claim");
        assert_eq!(ids(&first), ["ntc_1".to_owned()].into());
        assert!(
            store
                .claim_deliveries(
                    "live",
                    now + chrono::Duration::seconds(29),
                    now + lease * 2,
                    10
                )
                .await
                .expect("claim")
                .is_empty(),
            "a claim holds until it lapses"
        );
        let after = now + lease + chrono::Duration::seconds(1);
        let taken = store
            .claim_deliveries("live", after, after + lease, 10)
            .await
            .expect("claim");
        assert_eq!(
            ids(&taken),
            ["ntc_1".to_owned()].into(),
            "lapsed claim taken over"
        );

        // The old holder comes back: whatever it tries is refused and changes nothing.
        assert!(
            !store
                .finish_delivery("ntc_1", "dead", Some("case_1"), None)
                .await
                .expect("finish")
        );
        assert!(
            !store
                .retry_delivery("ntc_1", "dead", "down", after)
                .await
                .expect("retry")
        );
        assert!(
            !store
                .postpone_delivery("ntc_1", "dead", after)
                .await
                .expect("postpone")
        );
        assert!(
            !store
                .dead_letter_claimed("ntc_1", "dead", "gone")
                .await
                .expect("dead letter")
        );
        assert_eq!(
            store.delivery_state("ntc_1").await.expect("state"),
            Some(("pending".into(), 0, None))
        );
        assert!(
            store
                .finish_delivery("ntc_1", "live", Some("case_1"), None)
                .await
                .expect("finish")
        );
        assert_eq!(
            store.delivery_state("ntc_1").await.expect("state"),
            Some(("delivered".into(), 1, None))
        );
    }

    async fn a_renewed_claim_does_not_lapse(store: Store) {
        enqueue(&store, ["ntc_1".to_owned(), "ntc_2".to_owned()]).await;
        let now = Utc::now();
        let claimed = store
            .claim_deliveries("a", now, now + chrono::Duration::seconds(10), 1)
            .await
            .expect("claim");
        assert_eq!(claimed.len(), 1);
        let later = now + chrono::Duration::seconds(60);
        assert_eq!(store.renew_claims("a", later).await.expect("renew"), 1);
        assert_eq!(
            store
                .renew_claims("a", now + chrono::Duration::seconds(5))
                .await
                .expect("renew"),
            0,
            "renewing never shortens a claim"
        );
        let at = now + chrono::Duration::seconds(30);
        let other = store
            .claim_deliveries("b", at, at + chrono::Duration::seconds(10), 10)
            .await
            .expect("claim");
        assert_eq!(other.len(), 1, "only the unclaimed one");
        assert_ne!(other[0].notice_id, claimed[0].notice_id);
    }

    async fn notices_events_and_deliveries_are_idempotent(store: Store) {
        store
            .upsert_tenant(&tenant("acme", TenantKind::BrandOwner))
            .await
            .expect("tenant");
        let n = notice("ntc_1", "acme", "shop");
        assert!(store.insert_notice(&n).await.expect("insert"));
        assert!(!store.insert_notice(&n).await.expect("insert again"));
        let mut same_match = notice("ntc_2", "acme", "shop");
        same_match.match_id = n.match_id.clone();
        assert!(
            !store.insert_notice(&same_match).await.expect("insert"),
            "one notice per match"
        );
        assert!(store.enqueue_delivery(&n, "{}").await.expect("enqueue"));
        assert!(
            !store
                .enqueue_delivery(&n, "{}")
                .await
                .expect("enqueue again")
        );
        assert_eq!(store.pending_deliveries().await.expect("pending"), 1);

        let later = Utc::now() + chrono::Duration::hours(1);
        let claimed = store
            .claim_deliveries("notifier-a", Utc::now(), later, 10)
            .await
            .expect("claim");
        assert_eq!(claimed.len(), 1);
        assert!(
            store
                .retry_delivery(&n.id, "notifier-a", "down", later)
                .await
                .expect("retry")
        );
        assert!(
            store
                .due_deliveries(Utc::now(), 10)
                .await
                .expect("due")
                .is_empty(),
            "not due before its time"
        );
        assert_eq!(
            store.due_deliveries(later, 10).await.expect("due"),
            [Delivery {
                notice_id: n.id.clone(),
                platform: "shop".into(),
                attempts: 1,
                payload: "{}".into(),
            }]
        );

        let event = CaseEvent {
            notice_id: n.id.clone(),
            kind: CaseEventKind::Acknowledged,
            case_id: Some("case_1".into()),
            detail: None,
            at: Utc::now(),
        };
        assert!(
            store
                .record_case_event(&event, NoticeStatus::Acknowledged)
                .await
                .expect("event")
        );
        assert!(
            !store
                .record_case_event(&event, NoticeStatus::Acknowledged)
                .await
                .expect("event again")
        );
        let notices = store.notices().await.expect("notices");
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].status, NoticeStatus::Acknowledged);
        assert_eq!(notices[0].case_id.as_deref(), Some("case_1"));
        // An event for a notice this store never filed is skipped, not an error that would
        // stop the case tracker on it for ever.
        let stranger = CaseEvent {
            notice_id: "ntc_not_ours".into(),
            case_id: Some("case_x".into()),
            ..event.clone()
        };
        assert_eq!(store.case_events(&n.id).await.expect("events"), [event]);

        assert!(
            !store
                .record_case_event(&stranger, NoticeStatus::Acknowledged)
                .await
                .expect("a stranger's event is not an error")
        );
        assert!(
            store
                .case_events("ntc_not_ours")
                .await
                .expect("events")
                .is_empty()
        );
    }

    async fn matches_keep_one_row_with_the_latest_decision(store: Store) {
        let (a, b) = (found("mat_a", "acme"), found("mat_b", "acme"));
        store
            .upsert_match(&b, Decision::Review)
            .await
            .expect("match");
        store
            .upsert_match(&a, Decision::AutoFile)
            .await
            .expect("match");
        store
            .upsert_match(&b, Decision::AutoFile)
            .await
            .expect("match again");
        assert_eq!(
            store.matches().await.expect("matches"),
            [
                MatchRecord {
                    found: a,
                    decision: Decision::AutoFile
                },
                MatchRecord {
                    found: b,
                    decision: Decision::AutoFile
                },
            ]
        );
    }

    async fn a_delivery_ends_delivered_or_rejected(store: Store) {
        let (ok, refused) = (
            notice("ntc_ok", "acme", "shop"),
            notice("ntc_no", "acme", "shop"),
        );
        for n in [&ok, &refused] {
            store.enqueue_delivery(n, "{}").await.expect("enqueue");
        }
        assert_eq!(store.delivery_state("ntc_x").await.expect("state"), None);
        let until = Utc::now() + chrono::Duration::minutes(1);
        let claimed = store
            .claim_deliveries("me", Utc::now(), until, 10)
            .await
            .expect("claim");
        assert_eq!(claimed.len(), 2);
        assert!(
            store
                .finish_delivery(&ok.id, "me", Some("case_9"), None)
                .await
                .expect("delivered")
        );
        assert!(
            store
                .finish_delivery(&refused.id, "me", None, Some("422: missing field"))
                .await
                .expect("rejected")
        );
        assert_eq!(
            store.delivery_state(&ok.id).await.expect("state"),
            Some(("delivered".into(), 1, None))
        );
        assert_eq!(
            store.delivery_state(&refused.id).await.expect("state"),
            Some(("rejected".into(), 1, Some("422: missing field".into())))
        );
        assert_eq!(store.pending_deliveries().await.expect("pending"), 0);
        assert!(
            store
                .due_deliveries(Utc::now() + chrono::Duration::days(1), 10)
                .await
                .expect("due")
                .is_empty()
        );
    }
}
