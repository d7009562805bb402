// Command hub runs a Lattice region hub: a replica that speaks RESP to Redis
// clients. See README.md and ../shared/ARCHITECTURE.md for the interface.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"lattice/hub/node"
)

// peers collects repeated --peer flags.
type peers []string

func (p *peers) String() string     { return fmt.Sprint(*p) }
func (p *peers) Set(s string) error { *p = append(*p, s); return nil }

func main() {
	cfg := node.DefaultConfig()
	fs := flag.NewFlagSet("hub", flag.ExitOnError)
	fs.StringVar(&cfg.ID, "id", cfg.ID, "name of this hub (stable; default: generated once and kept in --dir)")
	fs.StringVar(&cfg.Listen, "listen", cfg.Listen, "RESP listener address (port 0 picks a free port)")
	fs.StringVar(&cfg.HTTP, "http", cfg.HTTP, "HTTP listener: /healthz now; WebSocket sync and /metrics later (port 0 picks a free port)")
	fs.StringVar(&cfg.Dir, "dir", cfg.Dir, "data directory")
	var ps peers
	fs.Var(&ps, "peer", "a peer hub's --http address; repeat for each peer (replication arrives with the mesh)")
	fs.StringVar(&cfg.AppendFsync, "appendfsync", cfg.AppendFsync, "always | everysec | no (persistence arrives with the hub issue; accepted now)")
	fs.StringVar(&cfg.RequirePass, "requirepass", cfg.RequirePass, "Redis AUTH password (empty: no AUTH)")
	fs.StringVar(&cfg.AddrFile, "addr-file", cfg.AddrFile, "write the bound RESP and HTTP addresses to this file (for tests)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: hub [flags]\n\nA Lattice region hub: a Redis-compatible CRDT replica.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	_ = fs.Parse(os.Args[1:])
	cfg.Peers = ps
	cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	n, err := node.New(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hub:", err)
		os.Exit(2)
	}
	if err := n.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "hub:", err)
		os.Exit(1)
	}
}
