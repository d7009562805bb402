package meshe2e

import (
	"context"
	"testing"
	"time"
)

// TestMesh_Events: writes that arrive by replication wake clients blocked
// on their keys and raise keyspace notifications (SEMANTICS.md B10), and
// PUBLISH reaches subscribers on the other hubs.
func TestMesh_Events(t *testing.T) {
	c := startMesh(t, []string{"a", "b"})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	do(t, c, 1, "CONFIG", "SET", "notify-keyspace-events", "KEA")

	sub := c.Client(1).Subscribe(ctx, "news")
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil { // the subscription's confirmation
		t.Fatal(err)
	}
	events := c.Client(1).PSubscribe(ctx, "__keyspace@0__:*")
	defer events.Close()
	if _, err := events.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	popped := make(chan []string, 1)
	go func() {
		v, err := c.Client(1).BLPop(ctx, 0, "queue").Result()
		if err != nil {
			v = []string{"error", err.Error()}
		}
		popped <- v
	}()
	eventually(t, "the BLPOP to block", func() bool { return c.Info(ctx, 1, "blocked_clients") == "1" })

	do(t, c, 0, "RPUSH", "queue", "job")
	select {
	case v := <-popped:
		if len(v) != 2 || v[1] != "job" {
			t.Fatalf("BLPOP on b = %v", v)
		}
	case <-ctx.Done():
		t.Fatal("the replicated RPUSH did not wake the client blocked on b")
	}
	msg, err := events.ReceiveMessage(ctx)
	if err != nil || msg.Channel != "__keyspace@0__:queue" || msg.Payload != "rpush" {
		t.Fatalf("notification on b = %+v, %v; want rpush on queue", msg, err)
	}

	// Publish until the message gets through: the peer's link may still be
	// starting (PUBLISH across hubs is best-effort).
	got := make(chan string, 1)
	go func() {
		m, err := sub.ReceiveMessage(ctx)
		if err == nil {
			got <- m.Payload
		}
	}()
	for {
		do(t, c, 0, "PUBLISH", "news", "hello")
		select {
		case p := <-got:
			if p != "hello" {
				t.Fatalf("subscriber on b got %q", p)
			}
			return
		case <-time.After(100 * time.Millisecond): // best-effort: publish again
		case <-ctx.Done():
			t.Fatal("PUBLISH on a never reached the subscriber on b")
		}
	}
}
