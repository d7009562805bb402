package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"lattice/shared/resp"
)

// Pub/sub and keyspace notifications: differential scripts against a
// real redis-server 7.0 and an in-process hub (raw bytes must match), and
// go-redis's PubSub in RESP2 and RESP3.

// TestPubSub_Differential compares subscriptions, messages, subscribed
// mode and PUBSUB's answers with redis-server 7.0.15.
func TestPubSub_Differential(t *testing.T) {
	t.Parallel()
	diffScripts(t, map[string][]string{
		"subscribe and publish": {
			"a: UNSUBSCRIBE", "a: PUNSUBSCRIBE", "a: UNSUBSCRIBE x",
			"a> SUBSCRIBE c1 c2 c1", "a< 3",
			"b: PUBLISH c1 hello", "a<", "b: PUBLISH c2 \"\"", "a<", "b: PUBLISH c3 x",
			"a> PSUBSCRIBE c* h?llo [ab]x", "a< 3",
			"b: PUBLISH c1 m", "a< 2", "b: PUBLISH hello m", "a<", "b: PUBLISH ax m", "a<", "b: PUBLISH \"\" m",
			"b: PUBSUB NUMSUB c1 c2 c3", "b: PUBSUB NUMSUB", "b: PUBSUB NUMPAT", "b: PUBSUB CHANNELS c1",
			"b: PUBSUB CHANNELS nomatch*", "b: PUBSUB SHARDCHANNELS", "b: PUBSUB SHARDNUMSUB x",
			"a> PUNSUBSCRIBE h?llo nope", "a< 2", "b: PUBLISH hello m",
			// Without arguments Redis leaves in its hash table's order: one at a time.
			"a: UNSUBSCRIBE c2", "a: UNSUBSCRIBE", "a: PUNSUBSCRIBE [ab]x", "a: PUNSUBSCRIBE", "a: UNSUBSCRIBE",
			"a: GET x",
			"b: PUBSUB NUMPAT", "b: PUBSUB CHANNELS",
		},
		"subscribed mode": {
			"a> SUBSCRIBE ch", "a<",
			"a: PING", "a: PING hi", "a: PING a b", "a: GET x", "a: SET x 1", "a: MULTI", "a: PUBLISH ch x",
			"a: PUBSUB NUMPAT", "a: CLIENT ID", "a: ECHO x", "a: BLPOP l 0", "a: NOSUCH", "a: GET", "a: SUBSCRIBE",
			"a: PUBSUB NOSUCH", "a> PSUBSCRIBE p*", "a<", "a: UNSUBSCRIBE ch", "a: GET x", "a: PUNSUBSCRIBE", "a: GET x",
			"b> SUBSCRIBE ch", "b<", "b: RESET", "b: GET x", "c: PUBLISH ch x",
			"d> SUBSCRIBE ch", "d<", "d: QUIT",
		},
		"resp3": {
			"a:~ HELLO 3", "a: SUBSCRIBE c1", "a: PSUBSCRIBE c*", "a: GET x", "a: PING", "a: SET k v",
			"b: PUBLISH c1 hi", "a< 2", "b: PUBLISH c2 hi", "a<",
			"a: UNSUBSCRIBE", "a: PUNSUBSCRIBE", "a: UNSUBSCRIBE", "a: PUNSUBSCRIBE x",
			"e:~ HELLO 3", "e> SUBSCRIBE x y", "e< 2", "e:~ HELLO 2", "b: PUBLISH x m", "e<",
		},
		"transactions": {
			"a: MULTI", "a: SUBSCRIBE tx", "a: EXEC", "b: PUBLISH tx m", "a<", "a: GET x",
			"c: MULTI", "c: PUBLISH tx m1", "c: SET k v", "c: PUBLISH tx m2", "c: EXEC", "a< 2",
			"c: MULTI", "c: PUBLISH tx", "c: EXEC", "c: MULTI", "c: PUBSUB NUMSUB tx", "c: PUBSUB NOSUCH", "c: EXEC",
		},
		"errors": {
			"a: PUBLISH", "a: PUBLISH c", "a: PUBLISH c m x", "a: SUBSCRIBE", "a: PSUBSCRIBE", "a: PUBSUB",
			"a: PUBSUB NOSUCH", "a: PUBSUB CHANNELS a b", "a: PUBSUB NUMPAT x", "a: PUBSUB HELP",
		},
	})
}

// ksSession records the keyspace notifications each command raises: a
// subscriber to every __key*@0__ channel, and a second connection that
// publishes a marker after each command, so that the events in between
// are the command's.
type ksSession struct {
	t        *testing.T
	cmd, pub *bkConn
	sub      *bkConn
}

func newKSSession(t *testing.T, s bkServer, flags string) *ksSession {
	t.Helper()
	k := &ksSession{t: t, cmd: bkDial(t, s), pub: bkDial(t, s), sub: bkDial(t, s)}
	k.cmd.do("FLUSHALL")
	if got := k.cmd.do("CONFIG", "SET", "notify-keyspace-events", flags); got != "+OK\r\n" {
		t.Fatalf("CONFIG SET notify-keyspace-events %s: %q", flags, got)
	}
	k.sub.do("PSUBSCRIBE", "__key*@0__:*")
	k.sub.do("SUBSCRIBE", "marker")
	return k
}

// run runs one command and returns its reply and the messages it raised.
func (k *ksSession) run(args ...string) string {
	k.t.Helper()
	rep := k.cmd.do(args...)
	k.pub.do("PUBLISH", "marker", "m")
	var evs []string
	for {
		m := k.sub.read()
		if strings.Contains(m, "$6\r\nmarker\r\n") {
			break
		}
		v, _, err := resp.ReadReply([]byte(m))
		if err != nil || len(v.Elems) != 4 {
			k.t.Fatalf("unexpected message %q", m)
		}
		evs = append(evs, string(v.Elems[2].Str)+" "+string(v.Elems[3].Str))
	}
	return fmt.Sprintf("%q -> %q", rep, evs)
}

// ksScripts are command sequences whose notifications must match Redis's.
var ksScripts = map[string][]string{
	"strings": {
		"SET k v", "SET k v EX 100", "SET k v KEEPTTL", "SET k v NX", "SET k2 v XX", "SET k v GET", "SETNX k v",
		"SETNX k3 v", "SETEX k 10 v", "PSETEX k 10000 v", "MSET a 1 b 2 a 3", "MSETNX a 1 z 2", "MSETNX y 1 z 2",
		"GETSET a 5", "GETDEL a", "GETDEL a", "GETEX b EX 100", "GETEX b PERSIST", "GETEX b", "GETEX b PXAT 1",
		"APPEND b x", `APPEND ap ""`, "SETRANGE b 1 x", `SETRANGE nb 0 ""`, `SETRANGE b 0 ""`, "INCR n", "DECR n",
		"INCRBY n 5", "DECRBY n 5", "INCRBYFLOAT n 1.5", "INCR k",
	},
	// A SET whose expiry is already past: Redis expires the key on the
	// next access with an "expired" event, the hub with its active expiry
	// (when the key is still there), so nothing may touch it afterwards.
	"past expiry": {"SET k v EXAT 1"},
	"keys": {
		"SET k v", "DEL k nokey k", "SET k v", "UNLINK k", "SET k v", "EXPIRE k 100", "PEXPIRE k 100000",
		"EXPIREAT k 99999999999", "PEXPIREAT k 99999999999999", "EXPIRE k 100 NX", "EXPIRE k 10 LT", "PERSIST k",
		"PERSIST k", "EXPIRE nokey 10", "EXPIRE k 0", "SET k v", "PEXPIREAT k 1", "SET k v", "RENAME k k",
		"RENAME k k4", "RENAMENX k4 k5", "SET k6 x", "RENAMENX k5 k6", "RENAME k5 k6", "COPY k6 k7", "COPY k6 k7",
		"COPY k6 k7 REPLACE", "COPY nokey k8", "FLUSHDB", "SET k v", "FLUSHALL",
	},
	"lists": {
		"LPUSH l a b c", "RPUSH l d", "LPUSHX l x", "RPUSHX l y", "LPUSHX nol x", "LPOP l", "RPOP l", "LPOP l 2",
		"LPOP nol", "LPOP l 0", "LSET l 0 z", "LINSERT l BEFORE z w", "LINSERT l BEFORE nope w", "LREM l 1 w",
		"LREM l 1 nope", "LTRIM l 0 -1", "LTRIM l 0 0", "LTRIM l 5 10", "LTRIM nol 0 1", "RPUSH l a b c",
		"LMOVE l l2 LEFT RIGHT", "RPOPLPUSH l l2", "LMOVE l l RIGHT LEFT", "LMPOP 2 nol l LEFT COUNT 5",
		"RPOPLPUSH nol l2", "RPUSH l3 a", "LMOVE l3 l3 LEFT RIGHT", "RPOPLPUSH l3 l3", "LPOP l3",
	},
	"hashes and sets": {
		"HSET h a 1 b 2", "HSET h a 1", "HSETNX h a 1", "HSETNX h c 1", "HMSET h d 1", "HDEL h a zz", "HDEL h zz",
		"HINCRBY h n 1", "HINCRBYFLOAT h n 1.5", "HDEL h b c d n",
		"SADD s a b", "SADD s a", "SREM s a", "SREM s zz", "SPOP s", "SADD s a", "SPOP s 2", "SPOP nos", "SPOP nos 3",
		"SADD s a b", "SADD d a", "SMOVE s d a", "SMOVE s d b", "SMOVE d d a", "SMOVE s d nope", "SADD s3 x",
		"SUNIONSTORE d2 d s3", "SINTERSTORE d2 d s3", "SDIFFSTORE d2 d s3", "SINTERSTORE d2 nokey s3",
		"SINTERSTORE d9 nokey s3",
	},
	"sorted sets and more": {
		"ZADD z 1 a 2 b", "ZADD z 1 a", "ZADD z INCR 1 a", "ZINCRBY z 1 a", "ZADD z XX 2 c", "ZADD z NX 2 a",
		"ZADD z CH 5 a", "ZADD z GT 1 a", "ZREM z a zz", "ZREM z zz", "ZPOPMIN z", "ZPOPMIN z",
		"ZADD z 1 a 2 b 3 c", "ZPOPMAX z 2", "ZREMRANGEBYRANK z 0 0", "ZREMRANGEBYSCORE z 0 0",
		"ZADD z 1 a 2 b 3 c", "ZREMRANGEBYLEX z [a [a", "ZMPOP 1 z MIN COUNT 10", "ZADD z 1 a 2 b",
		"ZRANGESTORE d z 0 -1", "ZUNIONSTORE d 1 z", "ZINTERSTORE d 1 z", "ZDIFFSTORE d 1 z", "ZRANGESTORE d z 5 6",
		"ZUNIONSTORE d9 1 nokey", "PFADD p a", "PFADD p a", "PFADD p2", "PFMERGE p3 p p2",
		"GEOADD g 13.361389 38.115556 Palermo", "GEOADD g 13.361389 38.115556 Palermo",
		"GEOSEARCHSTORE g2 g FROMLONLAT 15 37 BYRADIUS 200 km", "GEOSEARCHSTORE g2 g FROMLONLAT 15 37 BYRADIUS 1 km",
		"DEL g g2 p p2 p3 d",
	},
	"transactions and blocking pops": {
		"RPUSH l a", "MULTI", "SET k v", "LPOP l", "INCR n", "DEL k", "SADD s a", "GET k", "EXEC",
		"MULTI", "SET k v", "DISCARD",
		"MULTI", "HSET h a 1", "BLPOP l 0", "PUBLISH ch x", "LPUSH l2 x", "BLMOVE l2 l3 LEFT LEFT 0", "EXEC",
		"RPUSH bl a b c", "BLPOP bl 0", "BRPOP bl 0", "BLMOVE bl bl2 LEFT RIGHT 0", "BZPOPMIN nz 0.01",
		"ZADD z 1 a 2 b", "BZPOPMAX z 0", "BZMPOP 0 1 z MIN COUNT 5", "BLMPOP 0 2 nol bl2 LEFT COUNT 9",
	},
}

// TestKeyspace_Differential checks the notifications of the same commands
// against redis-server 7.0.15, for every class and for a few selections.
func TestKeyspace_Differential(t *testing.T) {
	t.Parallel()
	redisSrv, hubSrv := bkStartRedis(t), bkStartHub(t)
	runAll := func(t *testing.T, flags string, script []string) {
		want, got := newKSSession(t, redisSrv, flags), newKSSession(t, hubSrv, flags)
		for _, line := range script {
			w, g := want.run(splitArgs(line)...), got.run(splitArgs(line)...)
			if w != g {
				t.Errorf("%s\nredis: %s\nhub:   %s", line, w, g)
			}
		}
	}
	for name, script := range ksScripts {
		t.Run(name, func(t *testing.T) { runAll(t, "KEA", script) })
	}
	for _, flags := range []string{"KEAn", "El", "Kg$", "Ezsh", "Kx", "KA", "EA"} {
		t.Run("flags "+flags, func(t *testing.T) {
			var all []string
			for _, name := range []string{"strings", "keys", "lists", "hashes and sets", "sorted sets and more"} {
				all = append(all, ksScripts[name]...)
			}
			runAll(t, flags, all)
		})
	}
	t.Run("config", func(t *testing.T) {
		for _, srv := range []bkServer{redisSrv, hubSrv} {
			c := bkDial(t, srv)
			for _, v := range []string{"KEA", "", "A", "gA", "KA$lshzxetd", "gl$", "n", "nm", "KEAnm", "Ex", "d", "Q", "Kx!"} {
				set := c.do("CONFIG", "SET", "notify-keyspace-events", v)
				get := c.do("CONFIG", "GET", "notify-keyspace-events")
				want := map[string]string{
					"KEA": "AKE", "": "", "A": "A", "gA": "A", "KA$lshzxetd": "AK", "gl$": "g$l", "n": "n", "nm": "nm",
					"KEAnm": "AKEm", "Ex": "xE", "d": "d", "Q": "d", "Kx!": "d"}[v]
				wantGet := fmt.Sprintf("*2\r\n$22\r\nnotify-keyspace-events\r\n$%d\r\n%s\r\n", len(want), want)
				if get != wantGet {
					t.Errorf("%s: CONFIG SET %q then GET = %q, want %q", srv.network, v, get, wantGet)
				}
				if v == "Q" || v == "Kx!" {
					if set != "-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n" {
						t.Errorf("%s: CONFIG SET %q = %q", srv.network, v, set)
					}
				} else if set != "+OK\r\n" {
					t.Errorf("%s: CONFIG SET %q = %q", srv.network, v, set)
				}
			}
		}
	})
}

// TestKeyspace_Expired checks that the owner's expiry raises "expired".
func TestKeyspace_Expired(t *testing.T) {
	t.Parallel()
	srv := bkStartHub(t)
	ctx := context.Background()
	c := srv.client(2)
	defer c.Close()
	if err := c.ConfigSet(ctx, "notify-keyspace-events", "Ex").Err(); err != nil {
		t.Fatal(err)
	}
	ps := c.PSubscribe(ctx, "__keyevent@0__:*")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, "k", "v", 30*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	c.Set(ctx, "other", "v", 0) // no event: "$" is not selected
	ctx2, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	m, err := ps.ReceiveMessage(ctx2)
	if err != nil {
		t.Fatal(err)
	}
	if m.Channel != "__keyevent@0__:expired" || m.Payload != "k" {
		t.Errorf("got %s %s, want __keyevent@0__:expired k", m.Channel, m.Payload)
	}
}

// TestPubSub_GoRedis publishes to channel and pattern subscribers through
// go-redis in RESP2 and RESP3.
func TestPubSub_GoRedis(t *testing.T) {
	t.Parallel()
	srv := bkStartHub(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pub := srv.client(2)
	defer pub.Close()
	for _, proto := range []int{2, 3} {
		t.Run(protoName(proto), func(t *testing.T) {
			c := srv.client(proto)
			defer c.Close()
			p := strconv.Itoa(proto)
			ps := c.Subscribe(ctx, "news"+p)
			defer ps.Close()
			if err := ps.PSubscribe(ctx, "sport"+p+".*"); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if _, err := ps.Receive(ctx); err != nil { // the confirmations
					t.Fatal(err)
				}
			}
			if n := pub.Publish(ctx, "news"+p, "hello").Val(); n != 1 {
				t.Errorf("PUBLISH news = %d receivers, want 1", n)
			}
			if n := pub.Publish(ctx, "sport"+p+".tennis", "ace").Val(); n != 1 {
				t.Errorf("PUBLISH sport.tennis = %d receivers, want 1", n)
			}
			if n := pub.Publish(ctx, "weather", "rain").Val(); n != 0 {
				t.Errorf("PUBLISH weather = %d receivers, want 0", n)
			}
			m, err := ps.ReceiveMessage(ctx)
			if err != nil || m.Channel != "news"+p || m.Payload != "hello" || m.Pattern != "" {
				t.Fatalf("message %+v, %v", m, err)
			}
			m, err = ps.ReceiveMessage(ctx)
			if err != nil || m.Channel != "sport"+p+".tennis" || m.Payload != "ace" || m.Pattern != "sport"+p+".*" {
				t.Fatalf("pmessage %+v, %v", m, err)
			}
			if got := pub.PubSubNumSub(ctx, "news"+p).Val()["news"+p]; got != 1 {
				t.Errorf("PUBSUB NUMSUB = %d", got)
			}
			if err := ps.Unsubscribe(ctx, "news"+p); err != nil {
				t.Fatal(err)
			}
			if _, err := ps.Receive(ctx); err != nil {
				t.Fatal(err)
			}
			if n := pub.Publish(ctx, "news"+p, "again").Val(); n != 0 {
				t.Errorf("PUBLISH after UNSUBSCRIBE = %d receivers", n)
			}
			// A RESP3 client keeps running commands while subscribed.
			if proto == 3 {
				if err := c.Set(ctx, "k3", "v", 0).Err(); err != nil {
					t.Errorf("SET while subscribed (RESP3): %v", err)
				}
			}
		})
	}
}

// TestPubSub_ConfirmationFirst subscribes while another client publishes
// without a pause: the confirmation always comes before the messages.
func TestPubSub_ConfirmationFirst(t *testing.T) {
	t.Parallel()
	srv := bkStartHub(t)
	pub := bkDial(t, srv)
	var stop atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			pub.send("PUBLISH", "hot", "x")
			pub.read()
		}
	}()
	for i := range 30 {
		c := bkDial(t, srv)
		c.send("SUBSCRIBE", "hot")
		if got := c.read(); got != "*3\r\n$9\r\nsubscribe\r\n$3\r\nhot\r\n:1\r\n" {
			t.Fatalf("round %d: first reply %q, want the confirmation", i, got)
		}
		if got := c.read(); got != "*3\r\n$7\r\nmessage\r\n$3\r\nhot\r\n$1\r\nx\r\n" {
			t.Fatalf("round %d: then %q, want a message", i, got)
		}
		c.conn.Close()
	}
	stop.Store(true)
	wg.Wait()
}

// TestPubSub_SlowSubscriber checks that a subscriber that never reads is
// closed at the pubsub output buffer limit while PUBLISH keeps answering.
func TestPubSub_SlowSubscriber(t *testing.T) {
	t.Parallel()
	srv := bkStartHub(t)
	ctx := context.Background()
	c := srv.client(2)
	defer c.Close()
	if err := c.ConfigSet(ctx, "client-output-buffer-limit", "pubsub 256kb 0 0").Err(); err != nil {
		t.Fatal(err)
	}
	slow := bkDial(t, srv)
	slow.send("SUBSCRIBE", "firehose")
	slow.read()
	payload := strings.Repeat("x", 64<<10)
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, err := c.Publish(ctx, "firehose", payload).Result()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break // the slow subscriber was closed
		}
		if time.Now().After(deadline) {
			t.Fatal("the subscriber that never reads was not closed")
		}
	}
	if got := c.PubSubNumSub(ctx, "firehose").Val()["firehose"]; got != 0 {
		t.Errorf("NUMSUB after the close = %d", got)
	}
	if err := c.Ping(ctx).Err(); err != nil {
		t.Errorf("PING: %v", err)
	}
	_ = redis.Nil
}
