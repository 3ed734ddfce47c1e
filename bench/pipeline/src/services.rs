//! The servers a Kafka + PostgreSQL run needs: a fresh tansu broker per run (in-memory
//! storage, a port of its own — the topic and group names are fixed, so sharing another
//! engineer's broker would split partitions with their consumers), and a fresh database per
//! run on a PostgreSQL server the caller names.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use tokio::process::{Child, Command};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("starting tansu ({path}): {source}")]
    Spawn {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("tansu did not accept connections on {0} within 30 s (log: {1})")]
    NotReady(String, PathBuf),
    #[error("tansu exited at start (log: {0})")]
    Exited(PathBuf),
    #[error("finding a free port: {0}")]
    Port(std::io::Error),
    #[error("running psql: {0}")]
    Psql(std::io::Error),
    #[error("psql failed: {0}")]
    PsqlFailed(String),
    #[error("the PostgreSQL URL {0:?} does not end in /DATABASE")]
    BadUrl(String),
}

/// A running tansu broker; killed when dropped.
pub struct Broker {
    pub brokers: String,
    pub child: Child,
}

impl Broker {
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }
}

fn free_port() -> Result<u16, ServiceError> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(ServiceError::Port)?;
    Ok(listener.local_addr().map_err(ServiceError::Port)?.port())
}

/// Starts `tansu` on a free port with in-memory storage, as `.ci/services/kafka.sh` does,
/// and waits (bounded) until it accepts connections.
pub async fn start_broker(tansu: &Path, log: &Path) -> Result<Broker, ServiceError> {
    let port = free_port()?;
    let url = format!("tcp://127.0.0.1:{port}");
    let log_file = std::fs::File::create(log).map_err(|source| ServiceError::Spawn {
        path: log.to_owned(),
        source,
    })?;
    let err_file = log_file.try_clone().map_err(|source| ServiceError::Spawn {
        path: log.to_owned(),
        source,
    })?;
    let mut child = Command::new(tansu)
        .args([
            "broker",
            "--listener-url",
            &url,
            "--advertised-listener-url",
            &url,
        ])
        .args(["--storage-engine", "memory://tansu/"])
        .stdin(Stdio::null())
        .stdout(log_file)
        .stderr(err_file)
        .kill_on_drop(true)
        .spawn()
        .map_err(|source| ServiceError::Spawn {
            path: tansu.to_owned(),
            source,
        })?;
    let address = format!("127.0.0.1:{port}");
    for _ in 0..120 {
        if let Ok(Some(_)) = child.try_wait() {
            return Err(ServiceError::Exited(log.to_owned()));
        }
        if tokio::net::TcpStream::connect(&address).await.is_ok() {
            return Ok(Broker {
                brokers: address,
                child,
            });
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Err(ServiceError::NotReady(address, log.to_owned()))
}

fn psql(server: &str, statements: &[String]) -> Result<(), ServiceError> {
    let mut command = std::process::Command::new("psql");
    command.arg(server).args(["-v", "ON_ERROR_STOP=1", "-q"]);
    for statement in statements {
        command.arg("-c").arg(statement);
    }
    let out = command.output().map_err(ServiceError::Psql)?;
    if !out.status.success() {
        return Err(ServiceError::PsqlFailed(
            String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        ));
    }
    Ok(())
}

/// Creates (after dropping any leftover) database `name` on `server`
/// (`postgres://…/SOMEDB`); returns its URL.
pub fn fresh_database(server: &str, name: &str) -> Result<String, ServiceError> {
    psql(
        server,
        &[
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name}"),
        ],
    )?;
    let (base, _) = server
        .rsplit_once('/')
        .ok_or_else(|| ServiceError::BadUrl(server.to_owned()))?;
    Ok(format!("{base}/{name}"))
}

pub fn drop_database(server: &str, name: &str) -> Result<(), ServiceError> {
    psql(
        server,
        &[format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")],
    )
}
