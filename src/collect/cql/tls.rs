//! TLS for the CQL connection (rustls): the CA to trust, an optional client certificate, or an
//! explicit opt-out of verification for throwaway clusters.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// PEM file of the CA (or the node certificates themselves) to trust.
    pub ca_file: Option<PathBuf>,
    /// Client certificate and key (PEM) for clusters that require client authentication.
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// Accept any server certificate. For throwaway test clusters only.
    pub insecure: bool,
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Builds the rustls client configuration, with errors naming the file that failed.
pub fn client_config(opts: &TlsOptions) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .context("TLS: no usable protocol version")?;
    let builder = if opts.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAny(provider())))
    } else {
        let Some(ca) = &opts.ca_file else {
            anyhow::bail!(
                "TLS needs the certificate authority to trust: give --tls-ca FILE (PEM), set \
                 [ssl] certfile in cqlshrc, or --tls-insecure for a test cluster"
            );
        };
        let mut roots = RootCertStore::empty();
        let certs = CertificateDer::pem_file_iter(ca)
            .with_context(|| format!("{}: cannot read the CA file", ca.display()))?;
        let mut n = 0;
        for c in certs {
            let c = c.with_context(|| format!("{}: not a PEM certificate", ca.display()))?;
            roots
                .add(c)
                .with_context(|| format!("{}: certificate rejected", ca.display()))?;
            n += 1;
        }
        anyhow::ensure!(
            n > 0,
            "{}: no PEM certificate in the CA file (expected -----BEGIN CERTIFICATE-----)",
            ca.display()
        );
        builder.with_root_certificates(roots)
    };
    let config = match (&opts.client_cert, &opts.client_key) {
        (Some(cert), Some(key)) => {
            let chain = CertificateDer::pem_file_iter(cert)
                .with_context(|| format!("{}: cannot read the client certificate", cert.display()))?
                .collect::<Result<Vec<_>, _>>()
                .with_context(|| format!("{}: not a PEM certificate", cert.display()))?;
            let key = PrivateKeyDer::from_pem_file(key)
                .with_context(|| format!("{}: not a PEM private key", key.display()))?;
            builder
                .with_client_auth_cert(chain, key)
                .context("TLS: client certificate and key do not match")?
        }
        (None, None) => builder.with_no_client_auth(),
        _ => anyhow::bail!("TLS: give both --tls-cert and --tls-key, or neither"),
    };
    Ok(Arc::new(config))
}

/// `--tls-insecure`: encrypts but verifies nothing. Signatures are still checked so the
/// handshake itself stays sound.
#[derive(Debug)]
struct AcceptAny(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
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
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
