package fnproc

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// The tests start this test binary as a stand-in function (fakeFunction)
// for what only depends on the process, and the real function for gRPC,
// plain and with mTLS.

// fakeEnv selects the stand-in's behaviour when the test binary runs as one.
const fakeEnv = "FNPROC_FAKE_FUNCTION"

// Behaviours of the stand-in.
const (
	fakeServe      = "serve"       // listen on --address until SIGTERM
	fakeIgnoreTerm = "ignore-term" // listen, and ignore SIGTERM
	fakeBadFlag    = "bad-flag"    // exit 2 with a message, as on a bad flag
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeEnv); mode != "" {
		os.Exit(fakeFunction(mode))
	}
	os.Exit(m.Run())
}

// fakeFunction plays a function binary: it takes the flags Start passes,
// prints them, and listens as asked.
func fakeFunction(mode string) int {
	fs := flag.NewFlagSet("fake", flag.ContinueOnError)
	addr := fs.String("address", "", "")
	fs.Bool("insecure", false, "")
	fs.String("tls-certs-dir", "", "")
	fs.String("metrics-address", ":8080", "")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	_, _ = fmt.Fprintln(os.Stdout, "args:", strings.Join(os.Args[1:], " "))
	switch mode {
	case fakeBadFlag:
		_, _ = fmt.Fprintln(os.Stderr, "error: unknown flag --no-such-flag")
		return 2
	case fakeIgnoreTerm:
		signal.Ignore(syscall.SIGTERM)
	}
	var lc net.ListenConfig
	l, err := lc.Listen(context.Background(), "tcp", *addr)
	if err != nil {
		// The real function prints the same net error.
		_, _ = fmt.Fprintln(os.Stderr, "cannot listen:", err)
		return 1
	}
	defer func() { _ = l.Close() }()
	for {
		c, err := l.Accept()
		if err != nil {
			return 1
		}
		_ = c.Close()
	}
}

// fakeOptions run the test binary as a stand-in function.
func fakeOptions(t *testing.T, mode string) Options {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Options{Binary: exe, Insecure: true, Env: []string{fakeEnv + "=" + mode}, StartTimeout: 10 * time.Second}
}

func TestStartAndStop(t *testing.T) {
	p, err := Start(t.Context(), fakeOptions(t, fakeServe))
	if err != nil {
		t.Fatal(err)
	}
	if host, _, err := net.SplitHostPort(p.Address()); err != nil || host != "127.0.0.1" {
		t.Errorf("Address() = %q, want 127.0.0.1:<port> (%v)", p.Address(), err)
	}
	var dialer net.Dialer
	if !canConnect(t.Context(), &dialer, p.Address()) {
		t.Errorf("the function does not listen on %s after Start", p.Address())
	}
	if p.ListeningAfter() <= 0 {
		t.Errorf("ListeningAfter() = %s, want > 0", p.ListeningAfter())
	}
	if err := p.Stop(); err != nil {
		t.Errorf("Stop() = %v, want nil: SIGTERM is a clean stop", err)
	}
	if err := p.Stop(); err != nil {
		t.Errorf("second Stop() = %v, want nil", err)
	}
	if canConnect(t.Context(), &dialer, p.Address()) {
		t.Errorf("something still listens on %s after Stop", p.Address())
	}
	want := "args: --address=" + p.Address() + " --insecure --metrics-address="
	if !strings.Contains(p.Log(), want) {
		t.Errorf("Log() = %q, want it to hold %q", p.Log(), want)
	}
}

func TestStartPassesFlags(t *testing.T) {
	cases := map[string]struct {
		opts func(o Options) Options
		want string
	}{
		"TLS": {
			opts: func(o Options) Options { o.Insecure, o.TLSCertsDir = false, "/certs"; return o },
			want: " --tls-certs-dir=/certs --metrics-address=",
		},
		"ExtraArgs": {
			opts: func(o Options) Options { o.Args = []string{"--metrics-address", "127.0.0.1:0"}; return o },
			want: " --insecure --metrics-address 127.0.0.1:0\n",
		},
		"NoMetricsFlag": {
			opts: func(o Options) Options { o.NoMetricsFlag = true; return o },
			want: " --insecure\n",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p, err := Start(t.Context(), tc.opts(fakeOptions(t, fakeServe)))
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Stop(); err != nil {
				t.Error(err)
			}
			if !strings.Contains(p.Log(), "args: --address="+p.Address()+tc.want) {
				t.Errorf("Log() = %q, want the flags %q after --address", p.Log(), tc.want)
			}
		})
	}
}

func TestStartRejectsOptions(t *testing.T) {
	cases := map[string]struct {
		opts func(o Options) Options
		want string
	}{
		"NoBinary":       {opts: func(o Options) Options { o.Binary = ""; return o }, want: "Binary is empty"},
		"NoCredentials":  {opts: func(o Options) Options { o.Insecure = false; return o }, want: "set Insecure or TLSCertsDir"},
		"TwoCredentials": {opts: func(o Options) Options { o.TLSCertsDir = "/certs"; return o }, want: "not both"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Start(t.Context(), tc.opts(fakeOptions(t, fakeServe)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Start() error = %v, want one that says %q", err, tc.want)
			}
		})
	}
}

// TestStartReportsExit: a function that exits before it listens is an error
// that holds what it printed, without waiting for the timeout.
func TestStartReportsExit(t *testing.T) {
	o := fakeOptions(t, fakeBadFlag)
	o.StartTimeout = time.Minute
	start := time.Now()
	_, err := Start(t.Context(), o)
	if err == nil || !strings.Contains(err.Error(), "unknown flag --no-such-flag") {
		t.Errorf("Start() error = %v, want the function's own message", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Start() took %s to notice the exit", d)
	}
}

// TestStartRetriesTakenPort: when another process holds the port, the
// function fails to listen and Start tries another port.
func TestStartRetriesTakenPort(t *testing.T) {
	taken := takenPort(t)
	picks := 0
	pick := func() (string, error) {
		picks++
		if picks == 1 {
			return taken.Addr().String(), nil
		}
		return freeAddress()
	}
	p, err := start(t.Context(), fakeOptions(t, fakeServe), pick)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Stop() }()
	if picks != 2 || p.Address() == taken.Addr().String() {
		t.Errorf("picked %d ports, serving on %s (taken: %s); want a second, free one", picks, p.Address(), taken.Addr())
	}
}

// TestStartGivesUpOnTakenPorts: a port clash on every attempt ends in an
// error that says so.
func TestStartGivesUpOnTakenPorts(t *testing.T) {
	taken := takenPort(t)
	_, err := start(t.Context(), fakeOptions(t, fakeServe), func() (string, error) { return taken.Addr().String(), nil })
	if !errors.Is(err, errAddressInUse) || !strings.Contains(err.Error(), "no free port after 3 attempts") {
		t.Errorf("start() error = %v, want no free port after 3 attempts", err)
	}
}

// takenPort listens on a free loopback port until the test ends.
func takenPort(t *testing.T) net.Listener {
	t.Helper()
	var lc net.ListenConfig
	l, err := lc.Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// TestStopKills: a function that ignores SIGTERM is killed after the grace
// period, and Stop says so.
func TestStopKills(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the grace period")
	}
	p, err := Start(t.Context(), fakeOptions(t, fakeIgnoreTerm))
	if err != nil {
		t.Fatal(err)
	}
	err = p.Stop()
	if err == nil || !strings.Contains(err.Error(), "was killed") {
		t.Errorf("Stop() = %v, want it to say the function was killed", err)
	}
}

// TestStopReportsEarlyExit: a function that died by itself is a failure at
// Stop, with its log.
func TestStopReportsEarlyExit(t *testing.T) {
	p, err := Start(t.Context(), fakeOptions(t, fakeServe))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(p.Pid(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited
	err = p.Stop()
	if err == nil || !strings.Contains(err.Error(), "signal: killed") || !strings.Contains(err.Error(), "args: --address=") {
		t.Errorf("Stop() = %v, want the failure and the log", err)
	}
}

// TestRealFunction serves RunFunction from the real binary, in plain text
// as crossplane render calls it and with mTLS as Crossplane calls it.
func TestRealFunction(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the function")
	}
	bin, err := Build(t.Context(), filepath.Join("..", ".."), filepath.Join(t.TempDir(), "function"))
	if err != nil {
		t.Fatal(err)
	}
	certs := writeCerts(t)

	t.Run("Insecure", func(t *testing.T) {
		p := startReal(t, Options{Binary: bin, Insecure: true})
		runFunction(t, p.Address(), insecure.NewCredentials())
	})
	t.Run("MTLS", func(t *testing.T) {
		p := startReal(t, Options{Binary: bin, TLSCertsDir: certs.dir})
		runFunction(t, p.Address(), credentials.NewTLS(certs.client))
	})
	t.Run("MTLSFromEnv", func(t *testing.T) {
		// The SDK reads the directory from TLS_SERVER_CERTS_DIR too; the
		// flag Start sets wins over a stale one in the environment.
		p := startReal(t, Options{Binary: bin, TLSCertsDir: certs.dir, Env: []string{"TLS_SERVER_CERTS_DIR=/nonexistent"}})
		runFunction(t, p.Address(), credentials.NewTLS(certs.client))
	})
}

func startReal(t *testing.T, o Options) *Proc {
	t.Helper()
	p, err := Start(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Stop(); err != nil {
			t.Error(err)
		}
	})
	return p
}

// runFunction calls RunFunction with an empty request: the function answers
// with a Fatal result (there is no XR), which proves it served the call.
func runFunction(t *testing.T, addr string, creds credentials.TransportCredentials) {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	rsp, err := fnv1.NewFunctionRunnerServiceClient(conn).RunFunction(ctx, &fnv1.RunFunctionRequest{})
	if err != nil {
		t.Fatalf("RunFunction: %v", err)
	}
	if len(rsp.GetResults()) == 0 || rsp.GetResults()[0].GetSeverity() != fnv1.Severity_SEVERITY_FATAL {
		t.Errorf("RunFunction(empty request) = %v, want a Fatal result", rsp)
	}
}

// testCerts are a CA, a server certificate for 127.0.0.1 in dir as the
// function reads them, and a client TLS config with a certificate of the
// same CA.
type testCerts struct {
	dir    string
	client *tls.Config
}

func writeCerts(t *testing.T) testCerts {
	t.Helper()
	caKey, caCert := newCert(t, nil, nil, &x509.Certificate{
		Subject: pkix.Name{CommonName: "fnproc test CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign,
	})
	srvKey, srvCert := newCert(t, caKey, caCert, &x509.Certificate{
		Subject: pkix.Name{CommonName: "function"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	cliKey, cliCert := newCert(t, caKey, caCert, &x509.Certificate{
		Subject:  pkix.Name{CommonName: "crossplane"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	dir := t.TempDir()
	writePEM(t, filepath.Join(dir, "ca.crt"), "CERTIFICATE", caCert.Raw)
	writePEM(t, filepath.Join(dir, "tls.crt"), "CERTIFICATE", srvCert.Raw)
	writePEM(t, filepath.Join(dir, "tls.key"), "EC PRIVATE KEY", marshalKey(t, srvKey))
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return testCerts{dir: dir, client: &tls.Config{
		MinVersion:   tls.VersionTLS12,
		RootCAs:      pool,
		Certificates: []tls.Certificate{{Certificate: [][]byte{cliCert.Raw}, PrivateKey: cliKey}},
	}}
}

// newCert makes a key and a certificate from tmpl, signed by the parent
// (self-signed when parent is nil).
func newCert(t *testing.T, parentKey *ecdsa.PrivateKey, parent, tmpl *x509.Certificate) (*ecdsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

func marshalKey(t *testing.T, key *ecdsa.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
