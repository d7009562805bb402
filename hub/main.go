// Command hub runs a Lattice region hub: a replica that speaks RESP to Redis
// clients. See README.md and ../shared/ARCHITECTURE.md for the interface.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"

	"lattice/hub/node"
)

// peers collects repeated --peer flags.
type peers []string

func (p *peers) String() string     { return strings.Join(*p, ",") }
func (p *peers) Set(s string) error { *p = append(*p, s); return nil }

// memory is a flag holding a byte count written with redis.conf's units
// (512mb, 1gb, 100k).
type memory struct{ p *int64 }

func (m memory) String() string {
	if m.p == nil {
		return ""
	}
	return strconv.FormatInt(*m.p, 10)
}

func (m memory) Set(s string) error {
	v, err := node.ParseMemory(s)
	if err != nil {
		return err
	}
	*m.p = v
	return nil
}

// level is --log-level: slog's names, or Redis's loglevel names.
type level struct{ v *slog.LevelVar }

func (l level) String() string {
	if l.v == nil {
		return "info"
	}
	return strings.ToLower(l.v.Level().String())
}

func (l level) Set(s string) error {
	switch strings.ToLower(s) {
	case "verbose":
		s = "debug"
	case "notice":
		s = "info"
	case "warning":
		s = "warn"
	}
	return l.v.UnmarshalText([]byte(s))
}

const usageHead = `Usage: hub [flags]

A Lattice region hub: a Redis-compatible CRDT replica. It serves RESP2 and
RESP3 on --listen and HTTP (/healthz, /metrics, and /sync, the WebSocket
endpoint where peer hubs pull its deltas) on --http, keeps its data in
--dir, and stops gracefully on SIGTERM or SIGINT (and on SHUTDOWN from a
client).

Mesh: give every peer hub's --http address with --peer (repeat it); every
hub writes, and each pulls every peer's deltas, resuming where it stopped
or taking a full sync. Start each hub with the same --mesh-secret to
authenticate the links; with --tls-cert/--tls-key the HTTP listener speaks
TLS only (wss), and with --tls-ca peers must present certificates from
that CA (mutual TLS). Plain ws without a secret is for loopback and tests.

Port 0 picks a free port; the hub logs the addresses it bound and, with
--addr-file, writes them as "resp=HOST:PORT" and "http=HOST:PORT" lines.

--config FILE reads settings from FILE: one "key value" per line, with the
flag names below as keys (with or without the leading dashes), "#" starting
a comment line; a value may be double-quoted. Repeat "peer" lines for
several peers. Flags given on the command line override the file.

Sizes take redis.conf's units: 1k = 1000, 1kb = 1024, and m/mb, g/gb alike.

Flags:
`

func main() {
	cfg := node.DefaultConfig()
	var lv slog.LevelVar
	cfg.LogLevel = &lv
	fs := flag.NewFlagSet("hub", flag.ExitOnError)
	var ps peers
	var configFile, logFormat string
	fs.StringVar(&configFile, "config", "", "read settings from this file (flags override it)")
	fs.StringVar(&cfg.ID, "id", cfg.ID, "name of this hub (stable; default: generated once and kept in --dir)")
	fs.StringVar(&cfg.Listen, "listen", cfg.Listen, "RESP listener address (port 0 picks a free port)")
	fs.StringVar(&cfg.HTTP, "http", cfg.HTTP, "HTTP listener: /healthz, /metrics, /sync for peer hubs (port 0 picks a free port)")
	fs.StringVar(&cfg.Dir, "dir", cfg.Dir, "data directory")
	fs.Var(&ps, "peer", "a peer hub's --http address (`host:port`); repeat for each peer")
	fs.StringVar(&cfg.MeshSecret, "mesh-secret", cfg.MeshSecret, "shared `secret` that authenticates links between hubs (same on every hub)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", cfg.TLSCert, "PEM certificate `file`: serve --http with TLS only and present it to peers")
	fs.StringVar(&cfg.TLSKey, "tls-key", cfg.TLSKey, "PEM private key `file` of --tls-cert")
	fs.StringVar(&cfg.TLSCA, "tls-ca", cfg.TLSCA, "PEM CA `file`: peers' certificates must chain to it, both ways (mutual TLS)")
	fs.DurationVar(&cfg.ClockOffset, "clock-offset", 0, "testing aid: run this hub's clock this far ahead (negative: behind), to exercise\n"+
		"the max clock offset check between hubs (500ms, SEMANTICS.md B1)")
	fs.Var(memory{&cfg.BacklogBytes}, "repl-backlog-size", "memory (`size`) kept of this hub's recent deltas, so that peers resume by partial sync (default 32mb)")
	fs.StringVar(&cfg.AppendFsync, "appendfsync", cfg.AppendFsync, "when the log is fsynced: always | everysec | no")
	fs.StringVar(&cfg.RequirePass, "requirepass", cfg.RequirePass, "Redis AUTH password (empty: no AUTH)")
	fs.StringVar(&cfg.AddrFile, "addr-file", cfg.AddrFile, "write the bound RESP and HTTP addresses to this file")
	fs.IntVar(&cfg.Timeout, "timeout", cfg.Timeout, "close a client idle this many seconds (0: never)")
	fs.IntVar(&cfg.MaxClients, "maxclients", cfg.MaxClients, "most clients connected at once")
	fs.Var(memory{&cfg.ProtoMaxBulkLen}, "proto-max-bulk-len", "largest bulk argument (`size`) a client may send (at least 1mb)")
	fs.Var(memory{&cfg.ClientQueryBufferLimit}, "client-query-buffer-limit",
		"largest unparsed input (`size`) a client may hold before it is closed (at least 1mb)")
	fs.StringVar(&cfg.ClientOutputBufferLimit, "client-output-buffer-limit", cfg.ClientOutputBufferLimit,
		"`limits` as \"CLASS HARD SOFT SECONDS ...\" for the classes normal, replica and pubsub: a client whose unsent replies\n"+
			"exceed HARD, or SOFT for SECONDS, is closed (0 disables a bound; normal clients are capped at 256mb so\n"+
			"that a client that never reads cannot exhaust memory; Redis leaves them unlimited)")
	fs.Var(level{&lv}, "log-level", "`level`: debug | info | warn | error (Redis's verbose, notice, warning work too)")
	fs.StringVar(&logFormat, "log-format", "text", "`format` of the logs: text | json")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageHead)
		fs.PrintDefaults()
	}
	_ = fs.Parse(os.Args[1:])
	if fs.NArg() > 0 {
		fail(2, fmt.Errorf("unexpected argument %q (flags start with --)", fs.Arg(0)))
	}
	if configFile != "" {
		if err := applyConfigFile(fs, configFile); err != nil {
			fail(2, err)
		}
		cfg.ConfigFile = configFile
	}
	cfg.Peers = ps
	switch logFormat {
	case "text":
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: &lv}))
	case "json":
		cfg.Logger = slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: &lv}))
	default:
		fail(2, fmt.Errorf("--log-format must be text or json, not %q", logFormat))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// LATTICE_CPUPROFILE=FILE writes a CPU profile of the whole run (a
	// development aid for `go tool pprof`; not a flag, not for production).
	if path := os.Getenv("LATTICE_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fail(2, err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fail(2, err)
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	n, err := node.New(cfg)
	if err != nil {
		fail(2, err)
	}
	if err := n.Run(ctx); err != nil {
		fail(1, err)
	}
}

// applyConfigFile sets, from the file, every flag the command line did
// not set.
func applyConfigFile(fs *flag.FlagSet, name string) error {
	entries, err := node.ReadConfigFile(name)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	onCommandLine := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { onCommandLine[f.Name] = true })
	for _, e := range entries {
		f := fs.Lookup(e.Key)
		switch {
		case f == nil || e.Key == "config":
			return fmt.Errorf("config file %s:%d: unknown key %q", name, e.Line, e.Key)
		case onCommandLine[e.Key]:
			continue
		}
		if err := fs.Set(e.Key, e.Value); err != nil {
			return fmt.Errorf("config file %s:%d: %s: %w", name, e.Line, e.Key, err)
		}
	}
	return nil
}

func fail(code int, err error) {
	var msg string
	if errors.Is(err, flag.ErrHelp) {
		code = 0
	}
	msg = err.Error()
	fmt.Fprintln(os.Stderr, "hub:", msg)
	os.Exit(code)
}
