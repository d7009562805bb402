package meshe2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"lattice/hub/meshtest"
)

// sameDigest polls until hubs is answer the same CRDT.DIGEST.
func sameDigest(t *testing.T, c *meshtest.Cluster, hubs ...int) {
	t.Helper()
	ctx := context.Background()
	eventually(t, "the hubs to converge", func() bool {
		first, err := c.Digest(ctx, hubs[0])
		if err != nil {
			return false
		}
		for _, i := range hubs[1:] {
			if d, err := c.Digest(ctx, i); err != nil || d != first {
				return false
			}
		}
		return true
	})
}

// TestMesh_Secret: hubs with the same --mesh-secret replicate; a hub with
// another secret is refused both ways, with a log line saying why.
func TestMesh_Secret(t *testing.T) {
	c := startMeshPer(t, []string{"a", "b", "c"},
		[][]string{{"--mesh-secret", "s3cret"}, {"--mesh-secret", "s3cret"}, {"--mesh-secret", "wrong"}})
	do(t, c, 0, "SET", "k", "from-a")
	do(t, c, 2, "SET", "other", "from-c")
	sameDigest(t, c, 0, 1)
	if got := do(t, c, 1, "GET", "k"); got != "from-a" {
		t.Fatalf("b GET k = %s", got)
	}
	eventually(t, "the refusals to be logged", func() bool {
		return strings.Contains(c.Logs(0), "mesh secret check") && strings.Contains(c.Logs(2), "mesh secret check")
	})
	if _, err := c.Client(2).Get(context.Background(), "k").Result(); err == nil {
		t.Fatal("the hub with the wrong secret received a write")
	}
	if _, err := c.Client(0).Get(context.Background(), "other").Result(); err == nil {
		t.Fatal("a write of the hub with the wrong secret was accepted")
	}
}

// TestMesh_MutualTLS: with --tls-cert, --tls-key and --tls-ca the hubs
// replicate over wss with client certificates; a plain ws link, and a TLS
// link without a client certificate, are refused.
func TestMesh_MutualTLS(t *testing.T) {
	dir := shortDir(t)
	caPEM, certPEM, keyPEM := testPKI(t)
	files := map[string][]byte{"ca.pem": caPEM, "cert.pem": certPEM, "key.pem": keyPEM}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c := startMesh(t, []string{"a", "b", "c"}, "--tls-cert", filepath.Join(dir, "cert.pem"),
		"--tls-key", filepath.Join(dir, "key.pem"), "--tls-ca", filepath.Join(dir, "ca.pem"))
	do(t, c, 0, "SADD", "s", "a")
	do(t, c, 1, "SADD", "s", "b")
	do(t, c, 2, "SADD", "s", "c")
	converge(t, c)
	if got := do(t, c, 2, "SCARD", "s"); got != "3" {
		t.Fatalf("SCARD = %s", got)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	addr := c.Hubs[0].HTTP
	if _, _, err := websocket.Dial(ctx, "ws://"+addr+"/sync", nil); err == nil {
		t.Fatal("a plain ws link was accepted")
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	noCert := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	_, resp, err := websocket.Dial(ctx, "wss://"+addr+"/sync", &websocket.DialOptions{HTTPClient: noCert})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a TLS link without a client certificate: err %v, response %v; want 403", err, resp)
	}
	// Scrapers need no certificate.
	r, err := noCert.Get("https://" + addr + "/healthz")
	if err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("/healthz over TLS without a client certificate: %v %v", r, err)
	}
	r.Body.Close()
}

// testPKI makes a CA and one certificate for 127.0.0.1 that it signed,
// usable as server and client certificate.
func testPKI(t *testing.T) (caPEM, certPEM, keyPEM []byte) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "lattice test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "hub"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}

// TestMesh_ClockOffset: a hub whose clock runs 5 s ahead (more than the
// 500 ms max offset, SEMANTICS.md B1) is flagged on every link in INFO
// and the metrics; its deltas stamped ahead are refused with a log line,
// nothing the others accepted is lost, and its peers' deltas still reach
// it.
func TestMesh_ClockOffset(t *testing.T) {
	c := startMeshPer(t, []string{"a", "b", "c"}, [][]string{nil, nil, {"--clock-offset", "5s"}})
	ctx := context.Background()
	do(t, c, 0, "SET", "from-a", "1")
	do(t, c, 2, "SET", "from-c", "1")
	eventually(t, "c's write to reach nobody and a's to reach c", func() bool {
		v, err := c.Client(2).Get(ctx, "from-a").Result()
		return err == nil && v == "1"
	})
	eventually(t, "a to flag c's clock", func() bool {
		return strings.Contains(c.Info(ctx, 0, "crdt_peer1"), "clock_skewed=1") ||
			strings.Contains(c.Info(ctx, 0, "crdt_peer0"), "clock_skewed=1")
	})
	eventually(t, "a to refuse c's delta", func() bool { return infoInt(t, c, 0, "crdt_deltas_refused") > 0 })
	if !strings.Contains(c.Logs(0), "refusing peer deltas") {
		t.Fatal("no log line for the refused deltas")
	}
	if _, err := c.Client(0).Get(ctx, "from-c").Result(); err == nil {
		t.Fatal("a accepted a write stamped 5 s ahead")
	}
	resp, err := http.Get("http://" + c.Hubs[0].HTTP + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 64<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.WriteString(string(buf[:n]))
		if err != nil {
			break
		}
	}
	if !strings.Contains(b.String(), `lattice_mesh_clock_skewed{peer="c"`) {
		t.Fatal("no clock_skewed metric for c")
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, `lattice_mesh_clock_skewed{peer="c"`) && strings.HasSuffix(line, " 0") {
			t.Fatalf("metric says c is not skewed: %s", line)
		}
	}
	sameDigest(t, c, 0, 1)
}
