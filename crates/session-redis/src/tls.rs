//! TLS material for `rediss://` connections: a private CA to trust and an optional client
//! certificate (mutual TLS). Without a CA, the operating system's roots are trusted.

use session_core::{Error, Result};

/// PEM bytes, read once at start-up.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RedisTls {
    /// The CA that signed the server's certificate (`store.tls_ca_file`).
    pub ca_pem: Option<Vec<u8>>,
    /// The client certificate (`store.tls_cert_file`).
    pub client_cert_pem: Option<Vec<u8>>,
    /// Its private key (`store.tls_key_file`).
    pub client_key_pem: Option<Vec<u8>>,
}

impl std::fmt::Debug for RedisTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTls")
            .field("ca", &self.ca_pem.is_some())
            .field("client_cert", &self.client_cert_pem.is_some())
            .finish_non_exhaustive()
    }
}

impl RedisTls {
    /// Reads the files named (each optional; a client certificate needs its key and the other
    /// way round). The error names the setting and the file.
    pub fn from_files(ca: Option<&str>, cert: Option<&str>, key: Option<&str>) -> Result<Self> {
        let read = |setting: &str, path: Option<&str>| -> Result<Option<Vec<u8>>> {
            path.map(|p| {
                std::fs::read(p)
                    .map_err(|e| Error::invalid(setting, format!("cannot read {p}: {e}")))
            })
            .transpose()
        };
        let tls = Self {
            ca_pem: read("store.tls_ca_file", ca)?,
            client_cert_pem: read("store.tls_cert_file", cert)?,
            client_key_pem: read("store.tls_key_file", key)?,
        };
        if tls.client_cert_pem.is_some() != tls.client_key_pem.is_some() {
            return Err(Error::invalid(
                "store.tls_cert_file",
                "a client certificate needs store.tls_key_file, and the other way round",
            ));
        }
        Ok(tls)
    }

    /// Whether anything beyond the system roots is configured.
    pub fn is_custom(&self) -> bool {
        self.ca_pem.is_some() || self.client_cert_pem.is_some()
    }

    /// Makes `ring` the process's TLS crypto provider unless one is installed already (several
    /// crates of the build enable different providers, so rustls cannot pick one by itself).
    pub(crate) fn install_provider() {
        let _ = rustls::crypto::ring::default_provider().install_default();
    }

    /// The material as the `redis` crate takes it.
    pub(crate) fn certificates(&self) -> redis::TlsCertificates {
        redis::TlsCertificates {
            client_tls: match (&self.client_cert_pem, &self.client_key_pem) {
                (Some(cert), Some(key)) => Some(redis::ClientTlsConfig {
                    client_cert: cert.clone(),
                    client_key: key.clone(),
                }),
                _ => None,
            },
            root_cert: self.ca_pem.clone(),
        }
    }
}
