package node

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"lattice/hub/store"
	"lattice/shared/engine"
)

// startNode runs an in-process node on dir with port 0 listeners and
// returns it with a function that stops it (gracefully) and waits.
func startNode(t *testing.T, dir, policy string) (*Node, func()) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Listen, cfg.HTTP, cfg.Dir, cfg.AppendFsync = "127.0.0.1:0", "127.0.0.1:0", dir, policy
	n, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	select {
	case <-n.Ready():
	case err := <-done:
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(stop)
	return n, stop
}

func TestPersist_RestartKeepsData(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	for round, policy := range []string{"always", "everysec", "no"} {
		n, stop := startNode(t, dir, policy)
		c := redis.NewClient(&redis.Options{Addr: n.RESPAddr().String()})
		if round > 0 {
			if v, err := c.Get(ctx, "k").Result(); err != nil || v != "v" {
				t.Fatalf("round %d: GET k = %q, %v", round, v, err)
			}
			if v, err := c.Get(ctx, "c").Int(); err != nil || v != round {
				t.Fatalf("round %d: GET c = %d, %v", round, v, err)
			}
		}
		if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
		if err := c.Incr(ctx, "c").Err(); err != nil {
			t.Fatal(err)
		}
		if round == 1 {
			before, err := c.LastSave(ctx).Result()
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Save(ctx).Err(); err != nil {
				t.Fatal(err)
			}
			after, _ := c.LastSave(ctx).Result()
			if after < before {
				t.Fatalf("LASTSAVE went back: %d then %d", before, after)
			}
			if s, err := c.BgSave(ctx).Result(); err != nil || !strings.HasPrefix(s, "Background saving") {
				t.Fatalf("BGSAVE = %q, %v", s, err)
			}
			if err := c.Incr(ctx, "after-save").Err(); err != nil {
				t.Fatal(err)
			}
		}
		info := infoFields(n)
		if info["aof_enabled"] != "1" || info["appendfsync"] != policy || info["aof_last_write_status"] != "ok" {
			t.Fatalf("persistence info: %v", info)
		}
		c.Close()
		stop()
	}
}

func infoFields(n *Node) map[string]string {
	m := map[string]string{}
	for _, kv := range n.persistenceInfo() {
		m[kv[0]] = kv[1]
	}
	return m
}

// TestPersist_WriteErrorMISCONF: when the log cannot be written, writes
// get Redis's MISCONF error and reads still work; once the disk works
// again, a repair snapshot makes everything durable and writes succeed.
func TestPersist_WriteErrorMISCONF(t *testing.T) {
	n, _ := startNode(t, t.TempDir(), "always")
	// Swap in a store on a MemFS whose writes can fail. The owner is idle
	// (no client yet), and the replica is empty like the new store.
	m := store.NewMemFS()
	sc := store.DefaultConfig()
	sc.FS, sc.Fsync = m.Process(), store.Always
	old := n.persist.st
	st, err := store.Open(sc, n.replica)
	if err != nil {
		t.Fatal(err)
	}
	n.persist.st = st
	old.Close()
	n.mu.Lock() // orders the swap before the connection's goroutines (accept locks n.mu)
	n.mu.Unlock()

	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: n.RESPAddr().String(), MaxRetries: -1})
	defer c.Close()
	if err := c.Set(ctx, "a", "1", 0).Err(); err != nil {
		t.Fatal(err)
	}
	m.SetFault(func(op, name string) error {
		if op == "write" || op == "create" {
			return syscall.ENOSPC
		}
		return nil
	})
	err = c.Set(ctx, "b", "2", 0).Err()
	if err == nil || err.Error() != "MISCONF Errors writing to the AOF file: No space left on device" {
		t.Fatalf("SET on a full disk: %v", err)
	}
	if v, err := c.Get(ctx, "a").Result(); err != nil || v != "1" {
		t.Fatalf("GET while the log is failed: %q, %v", v, err)
	}
	if infoFields(n)["aof_last_write_status"] != "err" {
		t.Fatal("aof_last_write_status should be err")
	}
	m.SetFault(nil)
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := c.Set(ctx, "c", "3", 0).Err()
		if err == nil {
			break
		}
		if !strings.HasPrefix(err.Error(), "MISCONF") || time.Now().After(deadline) {
			t.Fatalf("SET after the disk recovered: %v", err)
		}
		time.Sleep(50 * time.Millisecond) // polling for the repair (at most once a second), with a deadline
	}
	if infoFields(n)["aof_last_write_status"] != "ok" {
		t.Fatal("aof_last_write_status should be ok again")
	}
	// Everything in memory, the refused SET b included, is now durable.
	m.Crash(store.DropUnsynced, nil)
	r2, err := engine.New(n.replica.ID(), engine.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	sc.FS = m.Process()
	st2, err := store.Open(sc, r2)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	for _, k := range []string{"a", "b", "c"} {
		reply, _, _ := r2.Do(time.Now().UnixNano(), [][]byte{[]byte("GET"), []byte(k)})
		if len(reply.Str) != 1 {
			t.Fatalf("after the crash, GET %s = %v", k, reply)
		}
	}
}
