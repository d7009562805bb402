package e2e

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestE2E_DirLock: a second hub on a data directory in use refuses to
// start, saying why.
func TestE2E_DirLock(t *testing.T) {
	h := startHubProc(t)
	out, err := exec.Command(hubBin, "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--dir", h.dir).CombinedOutput()
	if err == nil {
		t.Fatal("a second hub started on a directory in use")
	}
	if !strings.Contains(string(out), "in use by another hub") {
		t.Fatalf("second hub's error: %s", out)
	}
}

// TestE2E_ConfigSetAppendfsync: CONFIG SET appendfsync changes the policy
// at run time (INFO persistence and CONFIG GET show it) and refuses other
// words as Redis does.
func TestE2E_ConfigSetAppendfsync(t *testing.T) {
	h := startHubProc(t)
	c := h.client(2)
	ctx := context.Background()
	for _, p := range []string{"always", "no", "everysec"} {
		if err := c.ConfigSet(ctx, "appendfsync", p).Err(); err != nil {
			t.Fatalf("CONFIG SET appendfsync %s: %v", p, err)
		}
		if got := c.ConfigGet(ctx, "appendfsync").Val()["appendfsync"]; got != p {
			t.Fatalf("CONFIG GET appendfsync = %q after setting %s", got, p)
		}
		if got := h.info("appendfsync"); got != p {
			t.Fatalf("INFO appendfsync = %q after setting %s", got, p)
		}
		if err := c.Set(ctx, "k", p, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	err := c.ConfigSet(ctx, "appendfsync", "sometimes").Err()
	if err == nil || !strings.Contains(err.Error(), "must be one of the following") {
		t.Fatalf("CONFIG SET appendfsync sometimes: %v", err)
	}
}

// TestE2E_ShutdownNosave: SHUTDOWN NOSAVE stops the hub without its
// shutdown snapshot, and the next start replays the log: nothing is lost.
func TestE2E_ShutdownNosave(t *testing.T) {
	h := startHubProc(t)
	c := h.client(2)
	ctx := context.Background()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	_ = c.Do(ctx, "SHUTDOWN", "NOSAVE").Err() // the connection closes
	if err := h.waitExit(15 * time.Second); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.logs.String(), "SHUTDOWN NOSAVE") {
		t.Fatalf("no NOSAVE log line:\n%s", h.logs.String())
	}
	snaps, _ := filepath.Glob(filepath.Join(h.dir, "snapshot-*.snap"))
	if len(snaps) != 0 {
		t.Fatalf("SHUTDOWN NOSAVE wrote %v", snaps)
	}
	h2 := startHubProc(t, "--dir", h.dir)
	if got, err := h2.client(2).Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("after restart GET k = %q, %v", got, err)
	}
}
