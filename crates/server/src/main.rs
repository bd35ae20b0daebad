//! The `daihoi` command.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use daihoi_domain::Role;
use daihoi_server::{Config, Overrides};

#[derive(Parser)]
#[command(
    name = "daihoi",
    version,
    about = "Paperless congress server / Hệ thống đại hội không giấy"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone, Default)]
struct Common {
    /// Data directory (SQLite database, certificates). Default ./daihoi-data
    #[arg(long)]
    data: Option<PathBuf>,
    /// Configuration file (TOML). Default DATA/daihoi.toml when it exists.
    #[arg(long)]
    config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Create the demo congress (once) and serve it; prints one sign-in link per role.
    Demo {
        #[command(flatten)]
        common: Common,
        /// Address to listen on. Default 127.0.0.1:8080
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Serve the congress in the data directory.
    Serve {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// API tokens for automation.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The hash-chained audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Congress documents.
    Docs {
        #[command(subcommand)]
        command: DocsCommand,
    },
    /// Print the example configuration file.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Make a self-signed TLS certificate for the hall's address.
    Cert {
        #[command(flatten)]
        common: Common,
        /// Host name or IP address phones will use, e.g. 192.168.1.10
        #[arg(long)]
        host: String,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it (shown once).
    Create {
        #[command(flatten)]
        common: Common,
        /// admin, presidium, secretariat, counting_committee, guest, kiosk, hall_screen
        #[arg(long)]
        role: String,
        #[arg(long, default_value = "")]
        label: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check every link of the chain; names the first broken one.
    Verify {
        #[command(flatten)]
        common: Common,
    },
    /// Write the log as JSON lines (to stdout, or --out FILE).
    Export {
        #[command(flatten)]
        common: Common,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum DocsCommand {
    /// Rebuild the search index from the stored texts (the server must be stopped).
    Reindex {
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    Example,
}

fn load(common: &Common, listen: Option<SocketAddr>) -> anyhow::Result<Config> {
    Config::load(&Overrides {
        config_file: common.config.clone(),
        data: common.data.clone(),
        listen,
    })
}

fn init_logs(cfg: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("RUST_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&cfg.log));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Demo { common, listen } => {
            let cfg = load(&common, listen)?;
            init_logs(&cfg);
            let _writer = daihoi_server::claim_writer(&cfg).await?;
            let app = daihoi_server::open_app(&cfg).await?;
            let created = daihoi_server::demo::seed(&app).await?;
            eprintln!(
                "{} {} ({})",
                if created {
                    "Created the demo congress in"
                } else {
                    "Using the existing congress in"
                },
                cfg.data.display(),
                app.engine.store().backend()
            );
            for (role, url) in daihoi_server::demo::links(&app) {
                println!("{role}: {url}");
            }
            eprintln!("Serving on {}  (GET /healthz)", cfg.public_url);
            daihoi_server::serve(app, &cfg).await
        }
        Command::Serve { common, listen } => {
            let cfg = load(&common, listen)?;
            init_logs(&cfg);
            let _writer = daihoi_server::claim_writer(&cfg).await?;
            let app = daihoi_server::open_app(&cfg).await?;
            if app.needs_setup() {
                eprintln!(
                    "No congress yet: open {}/setup to create it and its first administrator.",
                    cfg.public_url
                );
            }
            eprintln!("Serving on {}", cfg.public_url);
            daihoi_server::serve(app, &cfg).await
        }
        Command::Token {
            command:
                TokenCommand::Create {
                    common,
                    role,
                    label,
                },
        } => {
            let cfg = load(&common, None)?;
            let role = Role::parse(&role).filter(|r| *r != Role::Delegate).with_context(|| {
                format!("unknown role \"{role}\": use admin, presidium, secretariat, counting_committee, guest, kiosk or hall_screen")
            })?;
            let _writer = daihoi_server::claim_writer(&cfg).await?;
            let app = daihoi_server::open_app(&cfg).await?;
            let token = app
                .create_token_system(&label, role)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{token}");
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify { common },
        } => {
            let cfg = load(&common, None)?;
            let store = daihoi_server::open_store(&cfg).await?;
            let r = daihoi_store::verify_chain(&*store).await?;
            match r.broken {
                None => {
                    let head = r
                        .head
                        .map(|(s, h)| format!("{s} {}", to_hex(&h)))
                        .unwrap_or_else(|| "empty".into());
                    println!("OK: {} events, chain intact; head {head}", r.events);
                    Ok(())
                }
                Some(b) => {
                    println!("BROKEN at event {}: {}", b.seq, b.reason);
                    std::process::exit(1);
                }
            }
        }
        Command::Audit {
            command: AuditCommand::Export { common, out },
        } => {
            let cfg = load(&common, None)?;
            let store = daihoi_server::open_store(&cfg).await?;
            let mut w: Box<dyn std::io::Write> = match out {
                Some(p) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(&p)
                        .with_context(|| format!("cannot write {}", p.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let mut after = 0;
            loop {
                let page = store.read(after, 5000).await?;
                let Some(last) = page.last() else { break };
                after = last.seq;
                for e in &page {
                    serde_json::to_writer(&mut w, e)?;
                    w.write_all(b"\n")?;
                }
            }
            w.flush()?;
            Ok(())
        }
        Command::Docs {
            command: DocsCommand::Reindex { common },
        } => {
            let cfg = load(&common, None)?;
            init_logs(&cfg);
            let _writer = daihoi_server::claim_writer(&cfg).await?;
            let app = daihoi_server::open_app(&cfg).await?;
            let pages = app
                .rebuild_document_index(&cfg.data)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("Reindexed {pages} pages.");
            Ok(())
        }
        Command::Config {
            command: ConfigCommand::Example,
        } => {
            print!("{}", Config::example());
            Ok(())
        }
        Command::Cert { common, host } => {
            let cfg = load(&common, None)?;
            let cert = cfg.data.join("tls-cert.pem");
            let key = cfg.data.join("tls-key.pem");
            daihoi_server::self_signed(&host, &cert, &key)?;
            println!(
                "Wrote {} and {}. Set tls.enabled = true and public_url = \"https://{host}:PORT\".",
                cert.display(),
                key.display()
            );
            Ok(())
        }
    }
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
