//! Notices filed (one per match) with their status and the platform's case id, and the case
//! events that moved them there.

use takedown_model::{CaseEvent, CaseEventKind, Notice, NoticeStatus};

use crate::{
    Store, StoreError, StoreResult,
    evidence_log::{LeafKind, case_event_leaf, case_event_ref, queue_leaf},
    from_json, now_text, to_json,
};

/// A notice as stored, with how far it has come.
#[derive(Debug, Clone, PartialEq)]
pub struct NoticeRecord {
    /// The notice as composed and sent.
    pub notice: Notice,
    /// Where it stands, moved by the platform's case events.
    pub status: NoticeStatus,
    /// The platform's case id, once the platform has opened one.
    pub case_id: Option<String>,
}

/// A `notices` row as every notice query selects it: the notice as JSON, its status and the
/// platform's case id once known.
#[derive(sqlx::FromRow)]
pub(crate) struct NoticeRow {
    body: String,
    status: String,
    case_id: Option<String>,
}

impl NoticeRow {
    /// Decodes the stored JSON and status; a row that does not decode is an error.
    pub(crate) fn into_record(self) -> StoreResult<NoticeRecord> {
        let status = self.status;
        Ok(NoticeRecord {
            notice: from_json("notice", &self.body)?,
            status: NoticeStatus::parse(&status)
                .ok_or_else(|| StoreError::NotFound(format!("notice status {status:?}")))?,
            case_id: self.case_id,
        })
    }
}

/// How an owner's recent notices on one platform ended, for the auto-filing pause.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoticeOutcomes {
    /// Notices the platform decided: measures taken (and kept or ended), upheld, rejected,
    /// or restored after a counter-notice.
    pub decided: u64,
    /// Of them, those rejected or restored after a counter-notice.
    pub bad: u64,
}

impl Store {
    /// How `owner`'s notices to `platform` whose status moved at or after `since` ended.
    pub async fn notice_outcomes(
        &self,
        owner: &str,
        platform: &str,
        since: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<NoticeOutcomes> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT status, COUNT(*) FROM notices
             WHERE owner_id = $1 AND platform = $2 AND updated_at >= $3
             GROUP BY status",
        )
        .bind(owner)
        .bind(platform)
        .bind(crate::time_text(since))
        .fetch_all(&self.pool)
        .await?;
        let mut outcomes = NoticeOutcomes::default();
        for (status, count) in rows {
            let count = u64::try_from(count).unwrap_or(0);
            match NoticeStatus::parse(&status) {
                Some(NoticeStatus::Rejected | NoticeStatus::ClosedRestored) => {
                    outcomes.decided += count;
                    outcomes.bad += count;
                }
                Some(NoticeStatus::MeasuresTaken | NoticeStatus::ClosedUpheld) => {
                    outcomes.decided += count;
                }
                _ => {}
            }
        }
        Ok(outcomes)
    }

    /// Files a notice unless one exists for its match; true if it was new.
    pub async fn insert_notice(&self, notice: &Notice) -> StoreResult<bool> {
        let result = sqlx::query(
            // No conflict target: a second notice for the same match (UNIQUE match_id) is
            // ignored just as one with the same id is.
            "INSERT INTO notices
                 (id, match_id, owner_id, platform, status, body, updated_at, seller, filed_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7)
             ON CONFLICT DO NOTHING",
        )
        .bind(&notice.id)
        .bind(&notice.match_id)
        .bind(&notice.owner_id)
        .bind(&notice.platform)
        .bind(NoticeStatus::Filed.as_str())
        .bind(to_json(notice))
        .bind(now_text())
        .bind(&notice.seller)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// How many notices `owner` filed against `seller` on `platform` since `since`, the
    /// notice of match `except` left out (a redelivered match is not counted against
    /// itself): the actioner's per-seller daily cap.
    pub async fn notices_against_seller(
        &self,
        owner: &str,
        platform: &str,
        seller: &str,
        since: chrono::DateTime<chrono::Utc>,
        except: &str,
    ) -> StoreResult<u64> {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM notices
             WHERE owner_id = $1 AND platform = $2 AND seller = $3 AND filed_at >= $4
               AND match_id <> $5",
        )
        .bind(owner)
        .bind(platform)
        .bind(seller)
        .bind(crate::time_text(since))
        .bind(except)
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Every notice, by id.
    pub async fn notices(&self) -> StoreResult<Vec<NoticeRecord>> {
        let rows: Vec<NoticeRow> =
            sqlx::query_as("SELECT body, status, case_id FROM notices ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        rows.into_iter().map(NoticeRow::into_record).collect()
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
        let kind = kind.trim_matches('"');
        let case_id = event.case_id.as_deref().unwrap_or("");
        let body = to_json(event);
        let at = crate::time_text(event.at);
        let inserted = sqlx::query(
            "INSERT INTO notice_events (notice_id, kind, case_id, body, at)
             SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM notices WHERE id = $1)
             ON CONFLICT DO NOTHING",
        )
        .bind(&event.notice_id)
        .bind(kind)
        .bind(case_id)
        .bind(&body)
        .bind(&at)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if inserted {
            // The event joins the evidence log with the row that records it.
            let leaf = case_event_leaf(&event.notice_id, kind, case_id, &at, &body);
            let leaf_ref = case_event_ref(&event.notice_id, kind, case_id);
            queue_leaf(&mut tx, LeafKind::CaseEvent, &leaf_ref, &leaf).await?;
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

    /// For every notice with a case event of `kind`, when the first such event happened (the
    /// platform's clock): e.g. when measures were first taken, for `takedown report sla`.
    pub async fn first_case_events(
        &self,
        kind: CaseEventKind,
    ) -> StoreResult<std::collections::HashMap<String, chrono::DateTime<chrono::Utc>>> {
        let kind = to_json(&kind);
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT notice_id, MIN(at) FROM notice_events WHERE kind = $1 GROUP BY notice_id",
        )
        .bind(kind.trim_matches('"'))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(notice, at)| {
                let at = chrono::DateTime::parse_from_rfc3339(&at)
                    .map_err(|_| StoreError::NotFound(format!("case event time {at:?}")))?;
                Ok((notice, at.with_timezone(&chrono::Utc)))
            })
            .collect()
    }

    /// The case events recorded for a notice, oldest first.
    pub async fn case_events(&self, notice_id: &str) -> StoreResult<Vec<CaseEvent>> {
        let bodies: Vec<String> =
            sqlx::query_scalar("SELECT body FROM notice_events WHERE notice_id = $1 ORDER BY at")
                .bind(notice_id)
                .fetch_all(&self.pool)
                .await?;
        bodies
            .iter()
            .map(|body| from_json("case event", body))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use takedown_model::{CaseEventKind, TenantKind};

    use super::*;
    use crate::{
        Delivery,
        testkit::{
            fixtures::{notice, tenant},
            on_both_backends,
        },
    };

    on_both_backends!(
        notices_events_and_deliveries_are_idempotent,
        notices_against_a_seller_count_one_owner_platform_and_day,
    );

    /// The per-seller daily cap's count: one owner, one platform, one seller, filed since the
    /// instant given, the asking match left out.
    async fn notices_against_a_seller_count_one_owner_platform_and_day(store: Store) {
        let filed = |id: &str, owner: &str, platform: &str, seller: &str| {
            let mut n = notice(id, owner, platform);
            n.seller = seller.into();
            n
        };
        for n in [
            filed("ntc_1", "acme", "shop", "Knockoff Co"),
            filed("ntc_2", "acme", "shop", "Knockoff Co"),
            filed("ntc_3", "acme", "shop", "Someone Else"),
            filed("ntc_4", "acme", "elsewhere", "Knockoff Co"),
            filed("ntc_5", "other", "shop", "Knockoff Co"),
        ] {
            assert!(store.insert_notice(&n).await.expect("insert"));
        }
        let an_hour_ago = Utc::now() - chrono::Duration::hours(1);
        let count = |since, except: &'static str| {
            let store = store.clone();
            async move {
                store
                    .notices_against_seller("acme", "shop", "Knockoff Co", since, except)
                    .await
                    .expect("count")
            }
        };
        assert_eq!(count(an_hour_ago, "mat_none").await, 2);
        assert_eq!(
            count(an_hour_ago, "m_ntc_1").await,
            1,
            "the asking match is left out"
        );
        let later = Utc::now() + chrono::Duration::hours(1);
        assert_eq!(
            count(later, "mat_none").await,
            0,
            "only notices filed since"
        );
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
}
