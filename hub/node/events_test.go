package node

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"lattice/shared/causal"
	"lattice/shared/engine"
)

// TestEvents_MergedDeltaWakesBlocked checks SEMANTICS.md B10 on the hub's
// side: a delta merged from a peer (applied, committed, then handed to
// afterWrite as the mesh will) wakes the client blocked on its key and
// raises keyspace notifications, like a local write.
func TestEvents_MergedDeltaWakesBlocked(t *testing.T) {
	n, _ := startNode(t, t.TempDir(), "no")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addr := n.RESPAddr().String()
	c := redis.NewClient(&redis.Options{Addr: addr, ReadTimeout: -1})
	defer c.Close()
	if err := c.ConfigSet(ctx, "notify-keyspace-events", "KEA").Err(); err != nil {
		t.Fatal(err)
	}
	ps := c.PSubscribe(ctx, "__keyevent@0__:*")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}

	popped := make(chan []string, 1)
	go func() {
		v, err := c.BLPop(ctx, 0, "k").Result()
		if err != nil {
			t.Error(err)
		}
		popped <- v
	}()
	waitFor(t, "a blocked client", func() bool {
		for _, cl := range n.snapshotClients() {
			if cl.blocked.Load() {
				return true
			}
		}
		return false
	})

	peer, err := engine.New(causal.ReplicaID{15: 0xee}, engine.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	merge := func(cmd ...string) {
		t.Helper()
		args := make([][]byte, len(cmd))
		for i, a := range cmd {
			args[i] = []byte(a)
		}
		_, d, err := peer.Do(time.Now().UnixNano(), args)
		if err != nil || d == nil {
			t.Fatalf("peer %v: %v", cmd, err)
		}
		var merr error
		if !n.onOwner(ctx, func() {
			if merr = n.replica.Merge(time.Now().UnixNano(), d); merr == nil {
				ds := []*engine.Delta{d}
				if merr = n.commit(ds); merr == nil {
					n.afterWrite(ds)
				}
			}
		}) {
			t.Fatal("node stopped")
		}
		if merr != nil {
			t.Fatal(merr)
		}
	}
	merge("RPUSH", "k", "from-peer")
	select {
	case v := <-popped:
		if len(v) != 2 || v[0] != "k" || v[1] != "from-peer" {
			t.Errorf("BLPOP = %v", v)
		}
	case <-ctx.Done():
		t.Fatal("the merged push did not wake the blocked client")
	}
	merge("SET", "s", "v")
	merge("DEL", "s")
	var got []string
	for len(got) < 5 {
		m, err := ps.ReceiveMessage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m.Channel+" "+m.Payload)
	}
	want := []string{
		"__keyevent@0__:rpush k", // the merged push, named after its command
		"__keyevent@0__:lpop k",  // the woken BLPOP's pop
		"__keyevent@0__:del k",
		"__keyevent@0__:set s",
		"__keyevent@0__:del s",
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("message %d: %q, want %q", i, got[i], want[i])
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling, with a deadline
	}
}

// TestEvents_ParseTimeout checks blocking timeouts against what
// redis-server 7.0.15 answers on x86-64 (long double arithmetic).
func TestEvents_ParseTimeout(t *testing.T) {
	const forever, negative, notFloat = 0, -1, -2
	for _, tt := range []struct {
		in   string
		want int64
	}{
		{"0", forever}, {"5", 5000}, {"1.5e3", 1500000}, {"0.001", 1}, {"0.0001", 1}, {"1e-400", 1},
		{"1e-4940", 1}, {"0x0.01p-2", 1}, {"0x10", 16000}, {"1.", 1000}, {".1", 100}, {"+0.1", 100},
		{"-0.001", forever}, {"-1e-3", forever}, {"-1e-4940", forever}, {"-0.002", negative}, {"-0.0015", negative},
		{"-0.0010000000000000001", negative}, {"-1", negative}, {"inf", negative}, {"INF", negative},
		{"infinity", negative}, {"-inf", negative}, {"1e400", negative}, {"1e4000", negative},
		{"9300000000000000", negative}, {"9200000000000000", 9200000000000000000},
		{"nan", notFloat}, {"1e5000", notFloat}, {"1e-5000", notFloat}, {" 1", notFloat}, {"1 ", notFloat},
		{"", notFloat}, {"1e", notFloat}, {"0.1\x00", notFloat}, {"--1", notFloat}, {"+-1", notFloat},
		{"0x", notFloat}, {"0x1p", notFloat}, {"1_0", notFloat}, {"x", notFloat},
	} {
		ms, rej := parseTimeout([]byte(tt.in))
		got := ms
		switch string(rej.Str) {
		case "ERR timeout is negative":
			got = negative
		case "ERR timeout is not a float or out of range":
			got = notFloat
		case "":
		default:
			t.Fatalf("%q: %s", tt.in, rej.Str)
		}
		if got != tt.want {
			t.Errorf("%q: %d, want %d", tt.in, got, tt.want)
		}
	}
}

// TestEvents_NotifyFlags checks notify-keyspace-events' parsing and
// printing against redis-server 7.0.15's CONFIG SET and GET.
func TestEvents_NotifyFlags(t *testing.T) {
	for in, want := range map[string]string{
		"KEA": "AKE", "": "", "A": "A", "gA": "A", "KA$lshzxetd": "AK", "gl$": "g$l", "n": "n", "nm": "nm",
		"KEAnm": "AKEm", "Ex": "xE", "d": "d", "dt": "td", "K$lshzxetdg": "AK", "Egx": "gxE",
	} {
		f, ok := parseNotifyFlags(in)
		if !ok {
			t.Errorf("%q refused", in)
			continue
		}
		if got := formatNotifyFlags(f); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
	for _, bad := range []string{"Q", "KEA ", "a", "k"} {
		if _, ok := parseNotifyFlags(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestEvents_UnblockClient checks unblockClient (CLIENT UNBLOCK): the
// blocked command answers a timeout's null or the UNBLOCKED error, and the
// client goes on with its pipeline.
func TestEvents_UnblockClient(t *testing.T) {
	n, _ := startNode(t, t.TempDir(), "no")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := redis.NewClient(&redis.Options{Addr: n.RESPAddr().String(), ReadTimeout: -1, PoolSize: 1})
	defer c.Close()
	id, err := c.ClientID(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	if n.unblockClient(ctx, id, false) {
		t.Error("unblockClient of a client that is not blocked reported true")
	}
	for _, withError := range []bool{false, true} {
		res := make(chan error, 1)
		go func() { res <- c.BLPop(ctx, 0, "nokey").Err() }()
		waitFor(t, "a blocked client", func() bool {
			for _, cl := range n.snapshotClients() {
				if cl.blocked.Load() {
					return true
				}
			}
			return false
		})
		if !n.unblockClient(ctx, id, withError) {
			t.Fatal("unblockClient reported false")
		}
		err := <-res
		switch {
		case !withError && err != redis.Nil:
			t.Errorf("TIMEOUT: %v, want nil", err)
		case withError && (err == nil || err.Error() != "UNBLOCKED client unblocked via CLIENT UNBLOCK"):
			t.Errorf("ERROR: %v", err)
		}
	}
	if err := c.Ping(ctx).Err(); err != nil {
		t.Error(err)
	}
}
