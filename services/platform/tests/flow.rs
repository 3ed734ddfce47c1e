//! The platform's case flow end to end on a real case database, with a manual clock and
//! recording fakes for the listing service and the seller: every path of the machine under
//! each regime, the windows on their calendars, retries of failed effects, repeat infringers
//! and metrics.

mod common;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use takedown_model::Notice;
use takedown_platform::{
    CaseFlow, CaseStore, Clock, Event, FlowError, ManualClock, RecordingListings, RecordingSellers,
    Regime, RepeatPolicy, State,
    flow::{EventKind, TransitionError},
    measures::ListingCall,
    metrics::metrics,
    repeat::{repeat_infringers, to_csv},
    spawn_ticker,
};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

struct World {
    flow: CaseFlow,
    store: CaseStore,
    clock: ManualClock,
    listings: RecordingListings,
    sellers: RecordingSellers,
    _dir: tempfile::TempDir,
}

async fn world(regime: Regime, start: &str) -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(at(start));
    let store = common::open_cases(dir.path())
        .await
        .with_clock(Arc::new(clock.clone()))
        .with_default_regime(regime);
    let listings = RecordingListings::default();
    let sellers = RecordingSellers::default();
    let flow = CaseFlow::new(
        store.clone(),
        Arc::new(clock.clone()),
        Arc::new(listings.clone()),
        Arc::new(sellers.clone()),
    );
    World {
        flow,
        store,
        clock,
        listings,
        sellers,
        _dir: dir,
    }
}

fn notice(id: &str, platform: &str, seller: &str) -> Notice {
    Notice {
        id: id.into(),
        match_id: format!("mat_{id}"),
        owner_id: "acme".into(),
        owner_name: "Acme GmbH".into(),
        platform: platform.into(),
        listing_url: format!("http://shop.test/item/{id}"),
        seller: seller.into(),
        right_id: "r1".into(),
        right_kind: "word_mark".into(),
        registration_number: "EUTM 1".into(),
        explanation: "uses the mark".into(),
        evidence: vec!["cap_1".into()],
        good_faith_statement: "good faith".into(),
        filed_at: at("2026-01-01T00:00:00Z"),
    }
}

impl World {
    async fn open(&self, id: &str, seller: &str) -> String {
        let (case_id, new) = self
            .store
            .open_case(&notice(id, "shop", seller), "{}")
            .await
            .unwrap();
        assert!(new);
        case_id
    }

    async fn apply(&self, case_id: &str, event: Event) -> State {
        self.flow
            .apply(case_id, event, "op-1")
            .await
            .unwrap()
            .case
            .state
    }

    async fn state(&self, case_id: &str) -> State {
        self.flow.case(case_id).await.unwrap().case.state
    }

    /// The case's trail as (event, from, to, actor).
    async fn trail(&self, case_id: &str) -> Vec<(String, Option<String>, String, String)> {
        self.flow
            .case(case_id)
            .await
            .unwrap()
            .events
            .into_iter()
            .map(|e| (e.event, e.from, e.to, e.actor))
            .collect()
    }
}

fn measures(reasons: Option<&str>) -> Event {
    Event::TakeMeasures {
        statement_of_reasons: reasons.map(str::to_owned),
    }
}

fn counter(evidence: &[&str]) -> Event {
    Event::CounterNotice {
        declaration: "These are genuine goods bought from the brand's distributor".into(),
        evidence: evidence.iter().map(|s| s.to_string()).collect(),
    }
}

fn step(
    event: &str,
    from: Option<&str>,
    to: &str,
    actor: &str,
) -> (String, Option<String>, String, String) {
    (
        event.into(),
        from.map(str::to_owned),
        to.into(),
        actor.into(),
    )
}

async fn cn_without_counter_notice_is_upheld_when_the_window_ends() {
    let w = world(Regime::CnEcommerce, "2026-03-02T02:00:00Z").await;
    let case = w.open("ntc_1", "S1").await;
    assert_eq!(
        w.apply(&case, Event::Acknowledge).await,
        State::Acknowledged
    );
    w.clock.advance(Duration::hours(3));
    // Measures, then the seller is told at once: the case waits for a counter-notice.
    assert_eq!(w.apply(&case, measures(None)).await, State::SellerNotified);
    assert_eq!(
        w.listings.calls(),
        vec![ListingCall::TakeDown("http://shop.test/item/ntc_1".into())]
    );
    let told = w.sellers.messages();
    assert_eq!(told.len(), 1);
    // 15 CN days from Mon 2 Mar (Beijing): through Tue 17 Mar.
    assert_eq!(told[0].answer_by, Some(at("2026-03-18T00:00:00+08:00")));

    w.clock.set(at("2026-03-17T23:59:00+08:00"));
    assert!(w.flow.tick().await.unwrap().expired.is_empty());
    assert_eq!(w.state(&case).await, State::SellerNotified);
    w.clock.set(at("2026-03-18T00:00:00+08:00"));
    assert_eq!(w.flow.tick().await.unwrap().expired, vec![case.clone()]);
    assert_eq!(w.state(&case).await, State::ClosedUpheld);
    assert_eq!(
        w.trail(&case).await,
        vec![
            step("received", None, "received", "notifier"),
            step("acknowledge", Some("received"), "acknowledged", "op-1"),
            step(
                "take_measures",
                Some("acknowledged"),
                "measures_taken",
                "op-1"
            ),
            step(
                "seller_notified",
                Some("measures_taken"),
                "seller_notified",
                "system"
            ),
            step(
                "window_expired",
                Some("seller_notified"),
                "closed_upheld",
                "clock"
            ),
        ]
    );
    // A closed case takes nothing more.
    let err = w
        .flow
        .apply(&case, counter(&["invoice"]), "seller")
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        FlowError::Transition(TransitionError::Illegal {
            state: State::ClosedUpheld,
            event: EventKind::CounterNotice,
            ..
        })
    ));
}

async fn cn_counter_notice_window_runs_from_arrival_and_past_spring_festival() {
    let w = world(Regime::CnEcommerce, "2026-01-20T02:00:00Z").await;
    let case = w.open("ntc_2", "S2").await;
    w.apply(&case, measures(None)).await;
    // The declaration needs preliminary evidence under ECL 43.
    let err = w
        .flow
        .apply(&case, counter(&[]), "seller")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("evidence"), "{err}");
    w.clock.advance(Duration::days(2));
    assert_eq!(
        w.apply(&case, counter(&["invoice-2026-001.pdf"])).await,
        State::CounterNoticeReceived
    );
    // Forwarded on 22 Jan, but it reached the complainant only on Tue 3 Feb 10:00 Beijing:
    // the 15 days run from then, end on 18 Feb inside the Spring Festival holiday (15–23 Feb)
    // and so move to Tue 24 Feb.
    let view = w
        .flow
        .apply(
            &case,
            Event::CounterForwarded {
                reached_at: Some(at("2026-02-03T10:00:00+08:00")),
            },
            "op-1",
        )
        .await
        .unwrap();
    assert_eq!(view.case.state, State::CounterForwarded);
    assert_eq!(view.case.deadline, Some(at("2026-02-25T00:00:00+08:00")));

    w.clock.set(at("2026-02-18T12:00:00+08:00"));
    w.flow.tick().await.unwrap();
    w.clock.set(at("2026-02-24T23:59:59+08:00"));
    w.flow.tick().await.unwrap();
    assert_eq!(w.state(&case).await, State::CounterForwarded);

    w.clock.set(at("2026-02-25T00:00:00+08:00"));
    let report = w.flow.tick().await.unwrap();
    assert_eq!(report.expired, vec![case.clone()]);
    assert_eq!(w.state(&case).await, State::ClosedRestored);
    assert_eq!(
        w.listings.calls(),
        vec![
            ListingCall::TakeDown("http://shop.test/item/ntc_2".into()),
            ListingCall::Restore("http://shop.test/item/ntc_2".into()),
        ]
    );
    let trail = w.trail(&case).await;
    assert_eq!(
        trail[trail.len() - 2..],
        [
            step(
                "window_expired",
                Some("counter_forwarded"),
                "measures_ended",
                "clock"
            ),
            step(
                "restored",
                Some("measures_ended"),
                "closed_restored",
                "system"
            ),
        ]
    );
    // The declaration and its evidence are on the record.
    let events = w.flow.case(&case).await.unwrap().events;
    let counter_event = events.iter().find(|e| e.event == "counter_notice").unwrap();
    assert_eq!(counter_event.detail["evidence"][0], "invoice-2026-001.pdf");
}

async fn escalation_keeps_measures_past_the_window_until_resolved() {
    let w = world(Regime::CnEcommerce, "2026-03-02T02:00:00Z").await;
    let upheld = w.open("ntc_3", "S3").await;
    let reversed = w.open("ntc_4", "S3").await;
    for case in [&upheld, &reversed] {
        w.apply(case, measures(None)).await;
        w.apply(case, counter(&["receipt"])).await;
        w.apply(case, Event::CounterForwarded { reached_at: None })
            .await;
        // The complainant reports a lawsuit within the window.
        assert_eq!(
            w.apply(
                case,
                Event::Escalate {
                    reference: "(2026) Zhe 0192 Min Chu 123".into()
                }
            )
            .await,
            State::Escalated
        );
    }
    w.clock.advance(Duration::days(60));
    assert!(w.flow.tick().await.unwrap().expired.is_empty());
    assert_eq!(w.state(&upheld).await, State::Escalated);

    let resolve = |upheld| Event::Resolved {
        upheld,
        reference: "judgment of 2026-05-01".into(),
    };
    assert_eq!(w.apply(&upheld, resolve(true)).await, State::ClosedUpheld);
    assert_eq!(
        w.apply(&reversed, resolve(false)).await,
        State::ClosedRestored
    );
    assert_eq!(
        w.listings
            .calls()
            .iter()
            .filter(|c| matches!(c, ListingCall::Restore(_)))
            .count(),
        1
    );
}

async fn dmca_restores_ten_business_days_after_the_counter_notice_skipping_thanksgiving() {
    // Counter-notice received Thu 19 Nov 2026, 12:00 Eastern; Thanksgiving is 26 Nov.
    let w = world(Regime::UsDmca, "2026-11-10T15:00:00Z").await;
    let case = w.open("ntc_5", "S5").await;
    w.apply(&case, measures(None)).await;
    w.clock.set(at("2026-11-19T12:00:00-05:00"));
    w.apply(&case, counter(&[])).await;
    // Forwarded the next day; the DMCA window counts from the counter-notice's receipt.
    w.clock.set(at("2026-11-20T09:00:00-05:00"));
    let view = w
        .flow
        .apply(&case, Event::CounterForwarded { reached_at: None }, "op-1")
        .await
        .unwrap();
    assert_eq!(view.case.deadline, Some(at("2026-12-05T00:00:00-05:00")));
    assert_eq!(view.case.restore_by, Some(at("2026-12-11T00:00:00-05:00")));

    w.clock.set(at("2026-12-04T12:00:00-05:00"));
    w.flow.tick().await.unwrap();
    assert_eq!(w.state(&case).await, State::CounterForwarded);
    w.clock.set(at("2026-12-05T00:00:00-05:00"));
    w.flow.tick().await.unwrap();
    assert_eq!(w.state(&case).await, State::ClosedRestored);

    // With a suit filed in time, the listing stays down.
    let sued = w.open("ntc_6", "S5").await;
    w.apply(&sued, measures(None)).await;
    w.apply(&sued, counter(&[])).await;
    w.apply(&sued, Event::CounterForwarded { reached_at: None })
        .await;
    w.apply(
        &sued,
        Event::Escalate {
            reference: "N.D. Cal. 5:26-cv-01234".into(),
        },
    )
    .await;
    w.clock.advance(Duration::days(30));
    w.flow.tick().await.unwrap();
    assert_eq!(w.state(&sued).await, State::Escalated);
}

async fn dsa_requires_reasons_and_decides_internal_complaints_itself() {
    let w = world(Regime::EuDsa, "2026-04-10T08:00:00Z").await;
    let case = w.open("ntc_7", "S7").await;
    let err = w
        .flow
        .apply(&case, measures(None), "op-1")
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        FlowError::Transition(TransitionError::Missing {
            field: "statement_of_reasons",
            ..
        })
    ));
    assert!(
        w.listings.calls().is_empty(),
        "a refused decision took the listing down"
    );
    let view = w
        .flow
        .apply(
            &case,
            measures(Some("Counterfeit of EUTM 1 (art. 9 EUTMR)")),
            "op-1",
        )
        .await
        .unwrap();
    assert_eq!(view.case.state, State::SellerNotified);
    // Art. 20: complaints taken for six months from the decision.
    assert_eq!(view.case.complaint_until, Some(at("2026-10-10T08:00:00Z")));
    let told = &w.sellers.messages()[0];
    assert_eq!(
        told.statement_of_reasons.as_deref(),
        Some("Counterfeit of EUTM 1 (art. 9 EUTMR)")
    );
    assert_eq!(told.answer_by, Some(at("2026-10-10T08:00:00Z")));

    // The seller's internal complaint is decided by the platform, not forwarded.
    w.apply(&case, counter(&[])).await;
    let forward = w
        .flow
        .apply(&case, Event::CounterForwarded { reached_at: None }, "op-1")
        .await
        .unwrap_err();
    assert!(
        forward.to_string().contains("counter_forwarded"),
        "{forward}"
    );
    let reversed = Event::ReviewDecided {
        upheld: false,
        reason: "seller showed authorisation".into(),
    };
    assert_eq!(w.apply(&case, reversed).await, State::ClosedRestored);

    let kept = w.open("ntc_8", "S7").await;
    w.apply(&kept, measures(Some("counterfeit"))).await;
    w.apply(&kept, counter(&[])).await;
    let upheld = Event::ReviewDecided {
        upheld: true,
        reason: "no authorisation shown".into(),
    };
    assert_eq!(w.apply(&kept, upheld).await, State::ClosedUpheld);

    // No complaint within six months: upheld.
    let quiet = w.open("ntc_9", "S9").await;
    w.apply(&quiet, measures(Some("counterfeit"))).await;
    w.clock.advance(Duration::days(182));
    w.flow.tick().await.unwrap();
    assert_eq!(
        w.state(&quiet).await,
        State::SellerNotified,
        "before 10 Oct"
    );
    w.clock.advance(Duration::days(1));
    w.flow.tick().await.unwrap();
    assert_eq!(w.state(&quiet).await, State::ClosedUpheld);
}

async fn rejection_needs_a_reason_and_only_precedes_measures() {
    let w = world(Regime::EuDsa, "2026-04-10T08:00:00Z").await;
    let case = w.open("ntc_10", "S10").await;
    let view = w
        .flow
        .apply(
            &case,
            Event::Reject {
                reason: "no registration found for EUTM 1".into(),
            },
            "op-2",
        )
        .await
        .unwrap();
    assert_eq!(view.case.state, State::Rejected);
    assert_eq!(view.case.complaint_until, Some(at("2026-10-10T08:00:00Z")));
    assert_eq!(
        view.events.last().unwrap().detail["reason"],
        "no registration found for EUTM 1"
    );
    assert!(w.listings.calls().is_empty());
}

async fn trade_fair_complaint_runs_on_a_24_hour_clock() {
    let w = world(Regime::TradeFair, "2026-04-15T01:00:00Z").await;
    let case = w.open("ntc_11", "Booth 3.1 B21").await;
    let view = w.flow.case(&case).await.unwrap();
    assert_eq!(view.measures_due, Some(at("2026-04-16T01:00:00Z")));
    assert!(!view.measures_overdue);
    w.clock.advance(Duration::hours(25));
    assert!(w.flow.case(&case).await.unwrap().measures_overdue);

    let on_time = w.open("ntc_12", "Booth 3.1 B21").await;
    w.clock.advance(Duration::hours(2));
    let view = w
        .flow
        .apply(&on_time, measures(None), "office")
        .await
        .unwrap();
    assert!(!view.measures_overdue);
    assert_eq!(view.case.deadline, Some(at("2026-04-17T04:00:00Z")));
    // The exhibitor does not answer within 24 hours.
    w.clock.advance(Duration::hours(24));
    w.flow.tick().await.unwrap();
    assert_eq!(w.state(&on_time).await, State::ClosedUpheld);

    // An exhibitor that answers: the complainant has 24 hours from receiving the answer.
    let answered = w.open("ntc_13", "Booth 5.2 C03").await;
    w.apply(&answered, measures(None)).await;
    w.apply(&answered, counter(&["design patent ZL2025..."]))
        .await;
    let reached = w.clock.now();
    w.apply(
        &answered,
        Event::CounterForwarded {
            reached_at: Some(reached),
        },
    )
    .await;
    w.clock.advance(Duration::hours(24));
    w.flow.tick().await.unwrap();
    assert_eq!(w.state(&answered).await, State::ClosedRestored);
}

async fn withdrawal_restores_only_what_was_taken_down() {
    let w = world(Regime::CnEcommerce, "2026-03-02T02:00:00Z").await;
    let early = w.open("ntc_14", "S14").await;
    let withdraw = || Event::Withdraw {
        reason: "settled".into(),
    };
    assert_eq!(w.apply(&early, withdraw()).await, State::Withdrawn);
    assert!(w.listings.calls().is_empty());

    let late = w.open("ntc_15", "S14").await;
    w.apply(&late, measures(None)).await;
    w.apply(&late, counter(&["licence"])).await;
    w.apply(&late, Event::CounterForwarded { reached_at: None })
        .await;
    assert_eq!(w.apply(&late, withdraw()).await, State::Withdrawn);
    assert_eq!(
        w.listings.calls().last(),
        Some(&ListingCall::Restore("http://shop.test/item/ntc_15".into()))
    );
    // The window of a withdrawn case no longer fires.
    w.clock.advance(Duration::days(40));
    assert!(w.flow.tick().await.unwrap().expired.is_empty());
}

async fn failed_effects_leave_the_case_in_place_and_tick_retries_them() {
    let w = world(Regime::CnEcommerce, "2026-03-02T02:00:00Z").await;
    let case = w.open("ntc_16", "S16").await;

    w.listings.set_failing(true);
    let err = w
        .flow
        .apply(&case, measures(None), "op-1")
        .await
        .unwrap_err();
    assert!(matches!(err, FlowError::Measure { .. }), "{err}");
    assert_eq!(w.state(&case).await, State::Received);
    w.listings.set_failing(false);

    w.sellers.set_failing(true);
    assert_eq!(w.apply(&case, measures(None)).await, State::MeasuresTaken);
    let report = w.flow.tick().await.unwrap();
    assert_eq!(report.failed.len(), 1);
    w.sellers.set_failing(false);
    assert_eq!(w.flow.tick().await.unwrap().completed, vec![case.clone()]);
    assert_eq!(w.state(&case).await, State::SellerNotified);

    w.apply(&case, counter(&["invoice"])).await;
    w.apply(&case, Event::CounterForwarded { reached_at: None })
        .await;
    w.listings.set_failing(true);
    w.clock.advance(Duration::days(20));
    w.flow.tick().await.unwrap();
    assert_eq!(w.state(&case).await, State::MeasuresEnded);
    w.listings.set_failing(false);
    w.flow.tick().await.unwrap();
    assert_eq!(w.state(&case).await, State::ClosedRestored);
}

async fn system_events_and_unknown_cases_are_refused() {
    let w = world(Regime::CnEcommerce, "2026-03-02T02:00:00Z").await;
    let case = w.open("ntc_17", "S17").await;
    let err = w
        .flow
        .apply(&case, Event::WindowExpired, "op-1")
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        FlowError::SystemEvent {
            event: EventKind::WindowExpired
        }
    ));
    let err = w
        .flow
        .apply("case_nope", Event::Acknowledge, "op-1")
        .await
        .unwrap_err();
    assert!(matches!(err, FlowError::NotFound { .. }));
    let err = w
        .flow
        .apply(&case, counter(&["x"]), "seller")
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "event counter_notice is not allowed in state received under cn_ecommerce"
    );
}

async fn repeat_infringers_are_flagged_at_the_threshold_and_exported() {
    let w = world(Regime::CnEcommerce, "2026-03-02T02:00:00Z").await;
    let mut cases = Vec::new();
    for (id, seller, delay_hours) in [
        ("ntc_20", "Repeat, Ltd", 1),
        ("ntc_21", "Repeat, Ltd", 3),
        ("ntc_22", "Once", 10),
    ] {
        let case = w.open(id, seller).await;
        w.clock.advance(Duration::hours(delay_hours));
        w.apply(&case, measures(None)).await;
        cases.push(case);
    }
    w.clock.advance(Duration::days(30));
    w.flow.tick().await.unwrap();

    let list = repeat_infringers(&w.store, RepeatPolicy { threshold: 2 })
        .await
        .unwrap();
    let summary: Vec<(&str, u32, bool)> = list
        .iter()
        .map(|r| (r.seller.as_str(), r.upheld, r.flagged))
        .collect();
    assert_eq!(summary, vec![("Repeat, Ltd", 2, true), ("Once", 1, false)]);

    w.store
        .set_appeal(
            "shop",
            "Repeat, Ltd",
            "second listing was a reseller's genuine stock",
            w.clock.now(),
        )
        .await
        .unwrap();
    let list = repeat_infringers(&w.store, RepeatPolicy::default())
        .await
        .unwrap();
    assert!(list[0].appealed && list[0].flagged);
    let csv = to_csv(&list).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("platform,seller,upheld,flagged,appealed,appeal_reason,appealed_at")
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("shop,\"Repeat, Ltd\",2,true,true,"),
        "{csv}"
    );

    let m = metrics(&w.store).await.unwrap();
    assert_eq!(m.time_to_measures.len(), 1);
    let shop = &m.time_to_measures[0];
    // Received at t0, t0+1h, t0+4h; measures at t0+1h, t0+4h, t0+14h → waits 1h, 3h, 10h.
    assert_eq!(
        (shop.measured, shop.p50_secs, shop.max_secs),
        (3, 3 * 3600, 10 * 3600)
    );
    assert_eq!(m.states.get("closed_upheld"), Some(&3));
}

async fn the_background_ticker_applies_expired_windows() {
    let w = world(Regime::TradeFair, "2026-04-15T01:00:00Z").await;
    let case = w.open("ntc_30", "Booth 1").await;
    w.apply(&case, measures(None)).await;
    w.clock.advance(Duration::hours(24));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    // The interval only paces the ticks; the window is decided by the manual clock. (Paused
    // tokio time would also fire the case database's pool timeouts, so the pace is real.)
    let ticker = spawn_ticker(w.flow.clone(), std::time::Duration::from_millis(5), async {
        let _ = stopped.await;
    });
    // Bounded wait for the background task to have ticked at least once.
    for _ in 0..2000 {
        if w.state(&case).await == State::ClosedUpheld {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(w.state(&case).await, State::ClosedUpheld);
    let _ = stop.send(());
    ticker.await.unwrap();
}

/// From 1 January 2027 the built-in tables end: a CN case whose window runs into 2027 must
/// keep moving with its deadline shown as unknown, and importing the year later fixes it.
async fn cn_window_in_a_year_without_a_table_is_unknown_then_set_when_the_year_is_imported() {
    let w = world(Regime::CnEcommerce, "2026-12-24T02:00:00Z").await;
    let case = w.open("ntc_y", "S1").await;
    // Measures on 24 Dec: the seller's 15 CN days end in 2027, which has no table.
    assert_eq!(w.apply(&case, measures(None)).await, State::SellerNotified);
    let told = w.sellers.messages();
    assert_eq!(
        told.len(),
        1,
        "the seller is told even though the date is unknown"
    );
    assert_eq!(told[0].answer_by, None);
    let view = w.flow.case(&case).await.unwrap();
    assert_eq!(view.case.deadline, None);
    assert_eq!(
        view.deadline_unknown.as_deref(),
        Some(
            "deadline unknown: no CN calendar for 2027: load its holiday table with `takedown calendar import`"
        )
    );
    assert_eq!(metrics(&w.store).await.unwrap().deadlines_unknown, 1);

    // Ticks without the table leave it waiting, never expire it, never fail it.
    w.clock.set(at("2027-01-05T00:00:00+08:00"));
    let report = w.flow.tick().await.unwrap();
    assert!(
        report.expired.is_empty() && report.failed.is_empty() && report.deadlines_set.is_empty()
    );
    assert_eq!(w.state(&case).await, State::SellerNotified);

    // A year's table, as `takedown calendar import` stores it (a test table: New Year only).
    let file = takedown_platform::calendar::CalendarFile::parse(
        r#"
region = "CN"
year = 2027
source = "test table"
holidays = [{ name = "New Year's Day", from = "2027-01-01", to = "2027-01-01" }]
"#,
    )
    .unwrap();
    w.store.import_calendar(&file).await.unwrap();
    let report = w.flow.tick().await.unwrap();
    assert_eq!(report.deadlines_set, vec![case.clone()]);
    // 15 days from Thu 24 Dec (Beijing) is Fri 8 Jan 2027, a working day: ends 24:00 that day.
    let view = w.flow.case(&case).await.unwrap();
    assert_eq!(view.case.deadline, Some(at("2027-01-09T00:00:00+08:00")));
    assert_eq!(view.deadline_unknown, None);
    assert_eq!(metrics(&w.store).await.unwrap().deadlines_unknown, 0);
    assert!(w.trail(&case).await.contains(&step(
        "deadline_set",
        Some("seller_notified"),
        "seller_notified",
        "calendar"
    )));
    assert!(w.flow.tick().await.unwrap().expired.is_empty());
    w.clock.set(at("2027-01-09T00:00:00+08:00"));
    assert_eq!(w.flow.tick().await.unwrap().expired, vec![case.clone()]);
    assert_eq!(w.state(&case).await, State::ClosedUpheld);
}

async fn dsa_internal_complaints_are_taken_for_six_months_once_and_decided_by_a_person() {
    let w = world(Regime::EuDsa, "2026-04-10T08:00:00Z").await;
    let complaint = |grounds: &str| Event::Complaint {
        grounds: grounds.into(),
        evidence: vec!["registration-extract.pdf".into()],
    };
    // The notifier complains about a rejection; the review reverses it: measures now.
    let rejected = w.open("ntc_c1", "S1").await;
    let reject = Event::Reject {
        reason: "no registration found".into(),
    };
    w.apply(&rejected, reject).await;
    w.clock.advance(Duration::days(30));
    let lodged = complaint("EUTM 1 is registered; extract attached");
    assert_eq!(w.apply(&rejected, lodged).await, State::ComplaintReceived);
    let reversed = Event::ReviewDecided {
        upheld: true,
        reason: "the registration exists; counterfeit of EUTM 1".into(),
    };
    let view = w.flow.apply(&rejected, reversed, "Li Wei").await.unwrap();
    assert_eq!(view.case.state, State::SellerNotified);
    assert_eq!(w.listings.calls().len(), 1, "the listing is taken down");
    // The new decision opens the seller's own six months.
    assert_eq!(view.case.complaint_until, Some(at("2026-11-10T08:00:00Z")));
    let decided = view
        .events
        .iter()
        .find(|e| e.event == "review_decided")
        .unwrap();
    assert_eq!(
        (decided.actor.as_str(), &decided.detail["reverses"]),
        ("Li Wei", &serde_json::json!("rejection"))
    );

    // The seller complains about those measures within the window; the review ends them.
    w.apply(&rejected, complaint("I bought from the owner"))
        .await;
    assert_eq!(w.state(&rejected).await, State::CounterNoticeReceived);
    let ended = Event::ReviewDecided {
        upheld: false,
        reason: "invoice from the owner's distributor".into(),
    };
    assert_eq!(w.apply(&rejected, ended).await, State::ClosedRestored);

    // A rejection whose complaint was dismissed takes no second complaint.
    let dismissed = w.open("ntc_c2", "S2").await;
    let reject = Event::Reject {
        reason: "not the mark".into(),
    };
    w.apply(&dismissed, reject).await;
    w.apply(&dismissed, complaint("it is the mark")).await;
    let stands = Event::ReviewDecided {
        upheld: false,
        reason: "different goods".into(),
    };
    assert_eq!(w.apply(&dismissed, stands).await, State::Rejected);
    let again = w
        .flow
        .apply(&dismissed, complaint("still the mark"), "op-1")
        .await
        .unwrap_err();
    assert!(
        matches!(again, FlowError::ComplaintWindow { .. }),
        "{again}"
    );

    // After six months no complaint is taken.
    let late = w.open("ntc_c3", "S3").await;
    let reject = Event::Reject {
        reason: "not the mark".into(),
    };
    w.apply(&late, reject).await;
    w.clock.advance(Duration::days(185));
    let err = w
        .flow
        .apply(&late, complaint("late"), "op-1")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("window ended"), "{err}");
    assert_eq!(w.state(&late).await, State::Rejected);
}

async fn gauges_count_cases_by_state_and_regime_and_the_deadlines_the_platform_missed() {
    use takedown_platform::telemetry::DeskGauges;
    // A fair complaint left unattended past its 24 hours.
    let fair = world(Regime::TradeFair, "2026-04-15T01:00:00Z").await;
    let idle = fair.open("ntc_g1", "Booth 1").await;
    let quick = fair.open("ntc_g2", "Booth 2").await;
    fair.apply(&quick, measures(None)).await;
    let gauges = DeskGauges::read(&fair.flow).await.unwrap();
    assert_eq!(gauges.measures_missed, 0);
    fair.clock.advance(Duration::hours(25));
    let gauges = DeskGauges::read(&fair.flow).await.unwrap();
    assert_eq!(gauges.measures_missed, 1, "{idle} is overdue");
    let count = |state: State| {
        gauges
            .cases
            .iter()
            .find(|(s, r, _)| *s == state && *r == Regime::TradeFair)
            .map(|(_, _, n)| *n)
    };
    assert_eq!(count(State::Received), Some(1));
    assert_eq!(count(State::SellerNotified), Some(1));
    assert_eq!(count(State::Rejected), Some(0), "every pair is reported");
    assert_eq!(gauges.cases.len(), State::ALL.len() * Regime::ALL.len());

    // A DMCA listing still down after its latest restoration day (no tick ran).
    let dmca = world(Regime::UsDmca, "2026-11-10T15:00:00Z").await;
    let case = dmca.open("ntc_g3", "S").await;
    dmca.apply(&case, measures(None)).await;
    dmca.apply(&case, counter(&[])).await;
    dmca.apply(&case, Event::CounterForwarded { reached_at: None })
        .await;
    assert_eq!(
        DeskGauges::read(&dmca.flow)
            .await
            .unwrap()
            .restorations_missed,
        0
    );
    dmca.clock.advance(Duration::days(30));
    assert_eq!(
        DeskGauges::read(&dmca.flow)
            .await
            .unwrap()
            .restorations_missed,
        1
    );
}

common::on_both_backends!(
    cn_without_counter_notice_is_upheld_when_the_window_ends,
    cn_counter_notice_window_runs_from_arrival_and_past_spring_festival,
    escalation_keeps_measures_past_the_window_until_resolved,
    dmca_restores_ten_business_days_after_the_counter_notice_skipping_thanksgiving,
    dsa_requires_reasons_and_decides_internal_complaints_itself,
    rejection_needs_a_reason_and_only_precedes_measures,
    trade_fair_complaint_runs_on_a_24_hour_clock,
    withdrawal_restores_only_what_was_taken_down,
    failed_effects_leave_the_case_in_place_and_tick_retries_them,
    system_events_and_unknown_cases_are_refused,
    repeat_infringers_are_flagged_at_the_threshold_and_exported,
    the_background_ticker_applies_expired_windows,
    cn_window_in_a_year_without_a_table_is_unknown_then_set_when_the_year_is_imported,
    dsa_internal_complaints_are_taken_for_six_months_once_and_decided_by_a_person,
    gauges_count_cases_by_state_and_regime_and_the_deadlines_the_platform_missed,
);
