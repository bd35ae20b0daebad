//! Wiring: configuration, storage selection, the demo congress, serving.

pub mod config;
pub mod demo;

use std::sync::Arc;

use anyhow::Context;
use daihoi_app::{App, Clock, SystemClock};
use daihoi_store::Store;
use daihoi_store_postgres::PostgresStore;
use daihoi_store_sqlite::SqliteStore;

pub use config::{Config, Overrides};

/// Pick the backend from the URL, strictly: an unknown scheme is an error, never a new
/// empty SQLite file somewhere.
/// Which database `database_url` names, decided in one place: an unknown scheme is an
/// error, never a silent new empty SQLite file somewhere.
enum Database<'a> {
    /// Embedded SQLite in the data directory.
    DataDir,
    Sqlite(&'a str),
    Postgres(&'a str),
}

fn database(cfg: &Config) -> anyhow::Result<Database<'_>> {
    let url = cfg.database_url.0.trim();
    if url.is_empty() {
        Ok(Database::DataDir)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Database::Postgres(url))
    } else if url.starts_with("sqlite:") {
        Ok(Database::Sqlite(url))
    } else {
        let scheme = url.split(':').next().unwrap_or_default();
        anyhow::bail!(
            "DATABASE_URL scheme \"{scheme}\" is not supported: use postgres://, postgresql:// or sqlite:"
        )
    }
}

fn data_dir(cfg: &Config) -> anyhow::Result<()> {
    std::fs::create_dir_all(&cfg.data)
        .with_context(|| format!("cannot create data directory {}", cfg.data.display()))
}

/// Open the configured backend.
pub async fn open_store(cfg: &Config) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match database(cfg)? {
        Database::DataDir => {
            data_dir(cfg)?;
            let path = cfg.data.join("daihoi.db");
            let s = SqliteStore::open(&path)
                .await
                .with_context(|| format!("cannot open {}", path.display()))?;
            Arc::new(s)
        }
        Database::Postgres(url) => Arc::new(
            PostgresStore::connect(url)
                .await
                .context("cannot connect to PostgreSQL")?,
        ),
        Database::Sqlite(url) => Arc::new(
            SqliteStore::open_url(url)
                .await
                .context("cannot open the SQLite database")?,
        ),
    })
}

/// Proof that this process is the only one writing to the congress's database: the
/// server and the command-line tools that write hold it for as long as they run. SQLite:
/// an exclusive lock on `DATA/daihoi.lock` (the kernel frees it if the process dies);
/// PostgreSQL: a session advisory lock.
pub enum WriterLock {
    File(std::fs::File),
    Postgres(daihoi_store_postgres::WriterLock),
}

pub async fn claim_writer(cfg: &Config) -> anyhow::Result<WriterLock> {
    let busy = || {
        anyhow::anyhow!(
            "another daihoi process is writing to this congress's database (a running server?): \
             stop it first, or do this from the web pages"
        )
    };
    if let Database::Postgres(url) = database(cfg)? {
        return match daihoi_store_postgres::claim_writer(url).await? {
            Some(l) => Ok(WriterLock::Postgres(l)),
            None => Err(busy()),
        };
    }
    data_dir(cfg)?;
    let path = cfg.data.join("daihoi.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(WriterLock::File(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(busy()),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

pub async fn open_app(cfg: &Config) -> anyhow::Result<Arc<App>> {
    open_app_with_clock(cfg, Arc::new(SystemClock)).await
}

pub async fn open_app_with_clock(cfg: &Config, clock: Arc<dyn Clock>) -> anyhow::Result<Arc<App>> {
    let store = open_store(cfg).await?;
    App::open(store, clock, &cfg.public_url)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

pub fn router(app: Arc<App>, cfg: &Config) -> axum::Router {
    daihoi_web::router(
        app,
        daihoi_web::WebOptions {
            secure_cookies: cfg.tls.enabled,
            max_body_bytes: cfg.max_upload_mb * 1024 * 1024,
        },
    )
}

/// Close polls whose countdown has ended, a few times a second, so that every screen shows
/// the result within a second of the end.
pub fn spawn_countdown_closer(app: Arc<App>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(250));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            match app.close_expired_polls().await {
                Ok(closed) if !closed.is_empty() => {
                    tracing::info!(?closed, "closed polls at the end of their countdown")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "closing polls at the end of their countdown"),
            }
        }
    });
}

/// Serve until Ctrl-C / SIGTERM, over HTTPS when configured.
pub async fn serve(app: Arc<App>, cfg: &Config) -> anyhow::Result<()> {
    app.start_documents(Some(&cfg.data))
        .await
        .map_err(|e| anyhow::anyhow!("documents: {e}"))?;
    spawn_countdown_closer(app.clone());
    let router = router(app, cfg).into_make_service_with_connect_info::<std::net::SocketAddr>();
    if cfg.tls.enabled {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (cert, key) = tls_files(cfg)?;
        let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(&cert, &key)
            .await
            .with_context(|| {
                format!(
                    "cannot load TLS certificate {} / key {}",
                    cert.display(),
                    key.display()
                )
            })?;
        let handle = axum_server::Handle::new();
        let h = handle.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            h.graceful_shutdown(Some(std::time::Duration::from_secs(5)));
        });
        axum_server::bind_rustls(cfg.listen, tls)
            .handle(handle)
            .serve(router)
            .await?;
    } else {
        let listener = tokio::net::TcpListener::bind(cfg.listen)
            .await
            .with_context(|| format!("cannot listen on {}", cfg.listen))?;
        // Live streams never end by themselves: after the signal, open connections get a
        // few seconds to finish, then the server stops anyway.
        let stop = std::sync::Arc::new(tokio::sync::Notify::new());
        let graceful = stop.clone();
        let server = axum::serve(listener, router)
            .with_graceful_shutdown(async move { graceful.notified().await });
        let deadline = async {
            shutdown_signal().await;
            stop.notify_waiters();
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        };
        tokio::select! {
            r = server => r?,
            _ = deadline => tracing::info!("stopped with live connections still open"),
        }
    }
    Ok(())
}

/// The configured certificate, or a self-signed one made once in the data directory.
pub fn tls_files(cfg: &Config) -> anyhow::Result<(std::path::PathBuf, std::path::PathBuf)> {
    if !cfg.tls.cert_file.is_empty() {
        return Ok((
            cfg.tls.cert_file.clone().into(),
            cfg.tls.key_file.clone().into(),
        ));
    }
    let cert = cfg.data.join("tls-cert.pem");
    let key = cfg.data.join("tls-key.pem");
    if !cert.exists() || !key.exists() {
        let host = url_host(&cfg.public_url);
        self_signed(&host, &cert, &key)?;
    }
    Ok((cert, key))
}

fn url_host(url: &str) -> String {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let hostport = rest.split('/').next().unwrap_or(rest);
    match hostport.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => {
            h.trim_matches(['[', ']']).to_string()
        }
        _ => hostport.to_string(),
    }
}

/// Write a self-signed certificate for `host` (and localhost).
pub fn self_signed(
    host: &str,
    cert_path: &std::path::Path,
    key_path: &std::path::Path,
) -> anyhow::Result<()> {
    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    if !host.is_empty() && !names.contains(&host.to_string()) {
        names.push(host.to_string());
    }
    let c = rcgen::generate_simple_self_signed(names)?;
    if let Some(dir) = cert_path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(cert_path, c.cert.pem())?;
    std::fs::write(key_path, c.key_pair.serialize_pem())?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
