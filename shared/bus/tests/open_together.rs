//! Issue 21 finding 9: many openers of one fresh bus file at the same instant (stage
//! processes started together) all succeed. SQLite locks between connections of one process
//! as between processes, so concurrent opens here race as `takedown serve STAGE` processes
//! do; a barrier starts them together.

use std::sync::Arc;

use takedown_bus::EmbeddedBus;
use tokio::sync::Barrier;

const OPENERS: usize = 16;
const ROUNDS: usize = 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_openers_of_one_fresh_bus_file_at_once_all_succeed() {
    for round in 0..ROUNDS {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = Arc::new(dir.path().join("bus.db"));
        let barrier = Arc::new(Barrier::new(OPENERS));
        let openers: Vec<_> = (0..OPENERS)
            .map(|_| {
                let (path, barrier) = (path.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    EmbeddedBus::open(&path).await
                })
            })
            .collect();
        for (i, opener) in openers.into_iter().enumerate() {
            if let Err(e) = opener.await.expect("join") {
                panic!("round {round}: opener {i} failed: {e}");
            }
        }
    }
}
