package node

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// tlsConfigs are the HTTP listener's TLS (server) and the mesh links' TLS
// (client), both nil without --tls-cert.
type tlsConfigs struct{ server, client *tls.Config }

// tlsConfig builds the TLS settings: --tls-cert and --tls-key serve the
// HTTP listener (and so the sync endpoint) over TLS only, and present the
// same certificate to peers when dialling them; --tls-ca, if given, is the
// pool that peers' certificates must chain to, both ways (mutual TLS: an
// inbound link without a certificate from that CA is refused). Without
// --tls-ca the system roots verify peers.
func (c *Config) tlsConfig() (tlsConfigs, error) {
	if c.TLSCert == "" && c.TLSKey == "" {
		if c.TLSCA != "" {
			return tlsConfigs{}, errors.New("node: --tls-ca needs --tls-cert and --tls-key")
		}
		return tlsConfigs{}, nil
	}
	if c.TLSCert == "" || c.TLSKey == "" {
		return tlsConfigs{}, errors.New("node: --tls-cert and --tls-key go together")
	}
	cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
	if err != nil {
		return tlsConfigs{}, fmt.Errorf("node: load TLS key pair: %w", err)
	}
	srv := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	cli := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if c.TLSCA != "" {
		pem, err := os.ReadFile(c.TLSCA)
		if err != nil {
			return tlsConfigs{}, fmt.Errorf("node: read --tls-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return tlsConfigs{}, fmt.Errorf("node: --tls-ca %s holds no PEM certificate", c.TLSCA)
		}
		// Browsers and metrics scrapers reach the same listener without a
		// client certificate; the sync endpoint checks for one (mesh.go).
		srv.ClientAuth = tls.VerifyClientCertIfGiven
		srv.ClientCAs = pool
		cli.RootCAs = pool
	}
	return tlsConfigs{server: srv, client: cli}, nil
}
