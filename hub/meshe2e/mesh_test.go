// Package meshe2e runs meshes of real hub processes on loopback, with a
// proxy on every link (package meshtest), and talks to them with a real
// Redis client.
package meshe2e

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"lattice/hub/meshtest"
)

var hubBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lattice-mesh")
	if err != nil {
		panic(err)
	}
	hubBin, err = meshtest.BuildHub(dir, raceEnabled)
	if err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// startMesh starts hubs named names; they stop when the test ends, and
// their logs are shown if it failed.
func startMesh(t *testing.T, names []string, args ...string) *meshtest.Cluster {
	t.Helper()
	return startMeshPer(t, names, nil, args...)
}

// startMeshPer is startMesh with extra flags per hub (by index).
func startMeshPer(t *testing.T, names []string, perHub [][]string, args ...string) *meshtest.Cluster {
	t.Helper()
	c, err := meshtest.Start(meshtest.Config{Bin: hubBin, Dir: shortDir(t), Names: names, Args: args,
		HubArgs: perHub, Race: raceEnabled})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		for i := range names {
			logs := c.Logs(i)
			if strings.Contains(logs, "WARNING: DATA RACE") {
				t.Errorf("hub %s reported a data race", names[i])
			}
			if t.Failed() {
				t.Logf("hub %s log:\n%s", names[i], logs)
			}
		}
	})
	return c
}

// eventually polls cond every 20 ms until it holds; the test fails after
// 60 s (a loaded 2-core machine is slow, never that slow).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after 60 s waiting for %s", what)
		}
		select {
		case <-time.After(20 * time.Millisecond): // polling, with the deadline above
		case <-t.Context().Done():
			t.FailNow()
		}
	}
}

// shortDir is a temp dir with a short path (unix socket paths are short).
func shortDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "lm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func converge(t *testing.T, c *meshtest.Cluster) time.Duration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, took, err := c.WaitConverged(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return took
}

func do(t *testing.T, c *meshtest.Cluster, i int, args ...any) string {
	t.Helper()
	v, err := c.Client(i).Do(context.Background(), args...).Result()
	if err != nil {
		t.Fatalf("hub %d %v: %v", i, args, err)
	}
	return fmt.Sprint(v)
}

func infoInt(t *testing.T, c *meshtest.Cluster, i int, field string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(c.Info(context.Background(), i, field), 10, 64)
	if err != nil {
		t.Fatalf("hub %d INFO %s: %v", i, field, err)
	}
	return v
}

// TestMesh_Basic: writes on every hub reach every hub; a partition heals;
// a killed hub catches up by partial sync; a wiped hub by full sync.
func TestMesh_Basic(t *testing.T) {
	c := startMesh(t, []string{"a", "b", "c"}, "--repl-backlog-size", "64kb")
	do(t, c, 0, "SET", "k", "a")
	do(t, c, 1, "INCR", "n")
	do(t, c, 2, "INCR", "n")
	do(t, c, 1, "SADD", "s", "x")
	do(t, c, 2, "SADD", "s", "y")
	converge(t, c)
	for i := range 3 {
		if got := do(t, c, i, "MGET", "k", "n"); got != "[a 2]" {
			t.Fatalf("hub %d MGET = %s", i, got)
		}
	}

	c.Partition([]int{0}, []int{1, 2})
	for i := range 3 {
		for range 10 {
			do(t, c, i, "INCR", "n")
		}
	}
	c.Heal()
	t.Logf("healed partition converged in %v", converge(t, c))
	for i := range 3 {
		if got := do(t, c, i, "GET", "n"); got != "32" {
			t.Fatalf("hub %d GET n = %s, want 32", i, got)
		}
	}

	c.Kill(1)
	for range 100 {
		do(t, c, 0, "INCR", "n")
	}
	if err := c.Restart(1, false); err != nil {
		t.Fatal(err)
	}
	took := converge(t, c)
	t.Logf("killed hub converged in %v", took)
	if got := do(t, c, 1, "GET", "n"); got != "132" {
		t.Fatalf("restarted hub GET n = %s, want 132", got)
	}
	if p := infoInt(t, c, 1, "crdt_full_syncs"); p != 0 {
		t.Fatalf("restarted hub took %d full syncs, want partial syncs only", p)
	}

	// Enough writes that the backlogs no longer reach back to the start.
	pipe := c.Client(0).Pipeline()
	for range 2000 {
		pipe.Incr(context.Background(), "n")
	}
	if _, err := pipe.Exec(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.Kill(2)
	if err := c.Restart(2, true); err != nil {
		t.Fatal(err)
	}
	t.Logf("wiped hub converged in %v", converge(t, c))
	if got := do(t, c, 2, "GET", "n"); got != "2132" {
		t.Fatalf("wiped hub GET n = %s, want 132", got)
	}
	// The first peer's snapshot brings everything, so the second link
	// resumes from its backlog.
	if f := infoInt(t, c, 2, "crdt_full_syncs"); f < 1 {
		t.Fatalf("wiped hub took %d full syncs, want at least one", f)
	}
	for i := range 3 {
		if got := do(t, c, i, "SMEMBERS", "s"); got != "[x y]" && got != "[y x]" {
			t.Fatalf("hub %d SMEMBERS = %s", i, got)
		}
	}
}
