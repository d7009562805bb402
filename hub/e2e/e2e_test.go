// Package e2e runs the hub binary as a real process on loopback and talks to
// it with real Redis clients.
package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

var hubBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lattice-e2e")
	if err != nil {
		panic(err)
	}
	hubBin = filepath.Join(dir, "hub")
	out, err := exec.Command("go", "build", "-o", hubBin, "lattice/hub").CombinedOutput()
	if err != nil {
		panic("build hub: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// startHub starts a hub on port 0 and returns its RESP address.
func startHub(t *testing.T, args ...string) string {
	t.Helper()
	dir := t.TempDir()
	addrFile := filepath.Join(dir, "addr")
	cmd := exec.Command(hubBin, append([]string{"--listen", "127.0.0.1:0", "--http", "127.0.0.1:0",
		"--dir", filepath.Join(dir, "data"), "--addr-file", addrFile}, args...)...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(addrFile); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if addr, ok := strings.CutPrefix(line, "resp="); ok {
					return addr
				}
			}
		}
		time.Sleep(10 * time.Millisecond) // polling for the file, with a deadline
	}
	t.Fatal("hub did not report its address")
	return ""
}

func TestE2E_GoRedis(t *testing.T) {
	addr := startHub(t)
	for _, proto := range []int{2, 3} {
		t.Run(map[int]string{2: "resp2", 3: "resp3"}[proto], func(t *testing.T) {
			ctx := context.Background()
			c := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto})
			defer c.Close()
			key := "k" + string(rune('0'+proto))
			if err := c.Set(ctx, key, "v", 0).Err(); err != nil {
				t.Fatal(err)
			}
			if v, err := c.Get(ctx, key).Result(); err != nil || v != "v" {
				t.Fatalf("GET = %q, %v", v, err)
			}
			if n, err := c.Incr(ctx, key+"n").Result(); err != nil || n != 1 {
				t.Fatalf("INCR = %d, %v", n, err)
			}
			if err := c.HSet(ctx, key+"h", "f", "1", "g", "2").Err(); err != nil {
				t.Fatal(err)
			}
			m, err := c.HGetAll(ctx, key+"h").Result()
			if err != nil || m["f"] != "1" || m["g"] != "2" {
				t.Fatalf("HGETALL = %v, %v", m, err)
			}
			cmds, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.SAdd(ctx, key+"s", "a", "b")
				p.SCard(ctx, key+"s")
				return nil
			})
			if err != nil || cmds[1].(*redis.IntCmd).Val() != 2 {
				t.Fatalf("MULTI/EXEC: %v %v", cmds, err)
			}
			if _, err := c.Get(ctx, "missing").Result(); err != redis.Nil {
				t.Fatalf("GET missing: %v", err)
			}
			if err := c.Do(ctx, "NOSUCHCOMMAND", "x").Err(); err == nil || !strings.Contains(err.Error(), "unknown command") {
				t.Fatalf("unknown command: %v", err)
			}
		})
	}
}

func TestE2E_RequirePass(t *testing.T) {
	addr := startHub(t, "--requirepass", "secret")
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
	defer c.Close()
	if err := c.Set(ctx, "k", "v", 0).Err(); err == nil || !strings.HasPrefix(err.Error(), "NOAUTH") {
		t.Fatalf("unauthenticated SET: %v", err)
	}
	a := redis.NewClient(&redis.Options{Addr: addr, Password: "secret"})
	defer a.Close()
	if err := a.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
}

// TestE2E_Watch runs go-redis's optimistic locking (WATCH, MULTI, EXEC)
// against the hub: a transaction whose watched key another client changed
// fails with TxFailedErr, and the retry succeeds.
func TestE2E_Watch(t *testing.T) {
	addr := startHub(t)
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 3})
	defer c.Close()
	other := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
	defer other.Close()
	if err := c.Set(ctx, "n", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	incr := func(interfere bool) error {
		return c.Watch(ctx, func(tx *redis.Tx) error {
			n, err := tx.Get(ctx, "n").Int()
			if err != nil {
				return err
			}
			if interfere {
				if err := other.Set(ctx, "n", "100", 0).Err(); err != nil {
					return err
				}
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Set(ctx, "n", n+1, 0)
				p.Ping(ctx)
				return nil
			})
			return err
		}, "n")
	}
	if err := incr(true); err != redis.TxFailedErr {
		t.Fatalf("transaction after a concurrent SET: %v, want TxFailedErr", err)
	}
	if err := incr(false); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if v, err := c.Get(ctx, "n").Result(); err != nil || v != "101" {
		t.Fatalf("GET n = %q, %v; want 101", v, err)
	}
}
