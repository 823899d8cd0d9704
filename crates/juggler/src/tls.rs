//! rustls configurations for the server (`pem_file`) and the client (trust).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};

use crate::error::{Error, Result};

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A server TLS configuration from one PEM file holding the certificate
/// chain and the private key (what the reference's `pem_file` holds).
pub fn server_config_from_pem_file(path: &Path) -> Result<Arc<rustls::ServerConfig>> {
    let pem = std::fs::read(path)
        .map_err(|e| Error::Tls(format!("cannot read PEM file {}: {e}", path.display())))?;
    server_config_from_pem(&pem).map_err(|e| match e {
        // Name the file without a second "TLS:" in front of the reason.
        Error::Tls(why) => Error::Tls(format!("{}: {why}", path.display())),
        e => e,
    })
}

/// A server TLS configuration from PEM text holding certificates and a key.
pub fn server_config_from_pem(pem: &[u8]) -> Result<Arc<rustls::ServerConfig>> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::Tls(format!("invalid certificate: {e}")))?;
    if certs.is_empty() {
        return Err(Error::Tls(
            "no CERTIFICATE block found; the PEM file must hold the certificate and the key".into(),
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(pem).map_err(|e| {
        Error::Tls(format!(
            "no usable PRIVATE KEY block ({e}); the PEM file must hold the certificate and the key"
        ))
    })?;
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| Error::Tls(format!("certificate and key do not fit: {e}")))?;
    Ok(Arc::new(config))
}

/// Which server certificates a client accepts.
#[derive(Debug, Clone, Default)]
pub enum Trust {
    /// The operating system's trusted roots.
    #[default]
    System,
    /// The system's roots plus the CA certificates in this PEM file.
    CaFile(PathBuf),
    /// Only the CA certificates in this PEM text.
    CaPem(Vec<u8>),
    /// Any certificate, unverified: for development against self-signed
    /// servers only.
    AcceptAny,
}

/// A client TLS configuration for `trust`.
pub fn client_config(trust: &Trust) -> Result<Arc<rustls::ClientConfig>> {
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(e.to_string()))?;
    let config = match trust {
        Trust::AcceptAny => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAny(provider())))
            .with_no_client_auth(),
        _ => {
            let mut roots = rustls::RootCertStore::empty();
            if matches!(trust, Trust::System | Trust::CaFile(_)) {
                for cert in rustls_native_certs::load_native_certs().certs {
                    // A system root rustls cannot parse is skipped, as browsers do.
                    let _ = roots.add(cert);
                }
            }
            let extra = match trust {
                Trust::CaFile(path) => Some(std::fs::read(path).map_err(|e| {
                    Error::Tls(format!("cannot read CA file {}: {e}", path.display()))
                })?),
                Trust::CaPem(pem) => Some(pem.clone()),
                _ => None,
            };
            let mut pinned = Vec::new();
            if let Some(pem) = extra {
                for cert in CertificateDer::pem_slice_iter(&pem) {
                    let cert =
                        cert.map_err(|e| Error::Tls(format!("invalid CA certificate: {e}")))?;
                    roots
                        .add(cert.clone())
                        .map_err(|e| Error::Tls(format!("unusable CA certificate: {e}")))?;
                    pinned.push(cert);
                }
                if pinned.is_empty() {
                    return Err(Error::Tls("the CA file holds no CERTIFICATE block".into()));
                }
            }
            let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
                Arc::new(roots),
                provider(),
            )
            .build()
            .map_err(|e| Error::Tls(format!("no usable trusted root: {e}")))?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(PinnedOrWebPki { webpki, pinned }))
                .with_no_client_auth()
        }
    };
    Ok(Arc::new(config))
}

/// WebPKI verification, plus: a server certificate that is itself one of
/// the certificates of the given CA file is trusted. `openssl req -x509`
/// makes self-signed certificates marked as CAs, which WebPKI refuses as a
/// server's own ("CaUsedAsEndEntity") while Python's ssl accepts them.
#[derive(Debug)]
struct PinnedOrWebPki {
    webpki: Arc<rustls::client::WebPkiServerVerifier>,
    pinned: Vec<CertificateDer<'static>>,
}

impl rustls::client::danger::ServerCertVerifier for PinnedOrWebPki {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(v) => Ok(v),
            Err(e) => {
                if self
                    .pinned
                    .iter()
                    .any(|p| p.as_ref() == end_entity.as_ref())
                {
                    Ok(rustls::client::danger::ServerCertVerified::assertion())
                } else {
                    Err(e)
                }
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

#[derive(Debug)]
struct AcceptAny(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> std::result::Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
