//! One typed configuration, layered: built-in defaults, then a TOML file (`--config`, or
//! `daihoi.toml` in the data directory), then `DAIHOI_*` environment variables (and the
//! conventional `DATABASE_URL`), then command-line flags.

use std::net::SocketAddr;
use std::path::PathBuf;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// A value that never shows up in logs or `Debug` output.
#[derive(Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() {
            "\"\""
        } else {
            "\"<redacted>\""
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Directory for the SQLite database, certificates and other files.
    pub data: PathBuf,
    /// Address and port to listen on. Use 0.0.0.0:443 (or :8443) to serve the hall's LAN.
    pub listen: SocketAddr,
    /// The address phones use to reach this server, printed in QR codes and sign-in
    /// links, e.g. `https://192.168.1.10:8443`. Defaults to the listen address.
    pub public_url: String,
    /// Empty: embedded SQLite in the data directory. `postgres://user@host/db`: PostgreSQL.
    /// `sqlite:///path/file.db`: SQLite elsewhere. Any other scheme is refused.
    pub database_url: Secret,
    /// Largest accepted request body (uploads included), in megabytes.
    pub max_upload_mb: usize,
    /// Serve HTTPS. Phones only allow installing the app (service worker) over HTTPS.
    pub tls: Tls,
    /// Log filter, e.g. `info` or `daihoi=debug,info`.
    pub log: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Tls {
    pub enabled: bool,
    /// PEM certificate chain. Empty with `enabled`: a self-signed certificate is made in
    /// the data directory on first start (`daihoi cert` makes one explicitly).
    pub cert_file: String,
    /// PEM private key.
    pub key_file: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data: PathBuf::from("daihoi-data"),
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: String::new(),
            database_url: Secret::default(),
            max_upload_mb: 50,
            tls: Tls::default(),
            log: "info".into(),
        }
    }
}

/// The top-level keys of [`Config`], for picking `DAIHOI_*` environment variables.
const CONFIG_KEYS: &[&str] = &[
    "data",
    "listen",
    "public_url",
    "database_url",
    "max_upload_mb",
    "tls",
    "log",
];

/// What the command line may override.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub data: Option<PathBuf>,
    pub listen: Option<SocketAddr>,
}

impl Config {
    pub fn load(o: &Overrides) -> anyhow::Result<Config> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        let data_dir = o
            .data
            .clone()
            .or_else(|| std::env::var_os("DAIHOI_DATA").map(PathBuf::from))
            .unwrap_or_else(|| Config::default().data);
        let file = o
            .config_file
            .clone()
            .unwrap_or_else(|| data_dir.join("daihoi.toml"));
        if o.config_file.is_some() && !file.exists() {
            anyhow::bail!("configuration file {} does not exist", file.display());
        }
        fig = fig.merge(Toml::file(&file));
        if let Ok(url) = std::env::var("DATABASE_URL") {
            fig = fig.merge(Serialized::default("database_url", url));
        }
        // Only the configuration's own keys: other DAIHOI_* variables (tests, tools) are not
        // configuration and must not be refused as unknown keys.
        fig = fig.merge(
            Env::prefixed("DAIHOI_")
                .filter(|k| {
                    let k = k.as_str().to_ascii_lowercase();
                    let top = k.split("__").next().unwrap_or_default().to_string();
                    CONFIG_KEYS.contains(&top.as_str())
                })
                .split("__"),
        );
        if let Some(d) = &o.data {
            fig = fig.merge(Serialized::default("data", d));
        }
        if let Some(l) = &o.listen {
            fig = fig.merge(Serialized::default("listen", l.to_string()));
        }
        let mut cfg: Config = fig
            .extract()
            .map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
        if cfg.public_url.is_empty() {
            let scheme = if cfg.tls.enabled { "https" } else { "http" };
            cfg.public_url = format!("{scheme}://{}", cfg.listen);
        }
        Ok(cfg)
    }

    /// The documented example configuration, generated from the defaults.
    pub fn example() -> String {
        let body = toml::to_string_pretty(&Config::default()).unwrap_or_default();
        format!(
            "# daihoi configuration (generated by `daihoi config example`).\n\
             # Every key can also be set as an environment variable: DAIHOI_LISTEN, DAIHOI_PUBLIC_URL,\n\
             # DAIHOI_TLS__ENABLED, ... and DATABASE_URL. Command-line flags win over both.\n\n{body}"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted() {
        let c = Config {
            database_url: Secret("postgres://u:pw@h/db".into()),
            ..Config::default()
        };
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("pw@"), "{dbg}");
        assert!(dbg.contains("<redacted>"));
    }

    #[test]
    fn example_round_trips_to_the_defaults() {
        let ex = Config::example();
        let parsed: Config = toml::from_str(&ex).unwrap();
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn config_keys_list_every_field() {
        let v = toml::Value::try_from(Config::default()).unwrap();
        let mut keys: Vec<&str> = v.as_table().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        let mut known = CONFIG_KEYS.to_vec();
        known.sort();
        assert_eq!(keys, known);
    }

    #[test]
    fn layers_file_then_flags() {
        let dir = std::env::temp_dir().join(format!("daihoi-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("daihoi.toml"),
            "listen = \"0.0.0.0:9000\"\nmax_upload_mb = 7\n",
        )
        .unwrap();
        let c = Config::load(&Overrides {
            data: Some(dir.clone()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!((c.listen.port(), c.max_upload_mb), (9000, 7));
        let c = Config::load(&Overrides {
            data: Some(dir.clone()),
            listen: Some("127.0.0.1:7000".parse().unwrap()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(c.listen.port(), 7000);
        assert_eq!(c.public_url, "http://127.0.0.1:7000");
        std::fs::write(dir.join("daihoi.toml"), "lisen = 1\n").unwrap();
        assert!(
            Config::load(&Overrides {
                data: Some(dir),
                ..Default::default()
            })
            .is_err(),
            "unknown keys are refused"
        );
    }
}
