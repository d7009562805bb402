package engine

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestStatsCounts: the O(1) counts of Stats (keys, keys with a TTL and the
// sum of their expiries, tombstones) equal a walk over the keys after a
// random history of writes, deletes, expiries, merges and collection.
func TestStatsCounts(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	rs := []*Replica{newTestReplica(t, 1), newTestReplica(t, 2)}
	var pending [2][]*Delta
	cmds := []string{"SET k%d v", "SET k%d v PX %d", "INCR k%d", "DEL k%d", "EXPIRE k%d %d", "PERSIST k%d",
		"HSET k%d f v", "HINCRBY k%d f 1", "SADD k%d m", "SREM k%d m", "RPUSH k%d x", "LPOP k%d", "PFADD k%d a"}
	now := ktNow
	for step := range 3000 {
		now += ktMs * int64(rng.IntN(50))
		i := rng.IntN(2)
		switch rng.IntN(10) {
		case 0: // deliver what the other replica made
			for _, d := range pending[1-i] {
				ktMerge(t, rs[i], now, ctWire(t, d))
			}
			pending[1-i] = nil
		case 1:
			if d := rs[i].Expire(now); d != nil {
				pending[i] = append(pending[i], d)
			}
		case 2:
			rs[i].CollectTombstones(rs[i].Version())
		default:
			c := cmds[rng.IntN(len(cmds))]
			line := fmt.Sprintf(c, rng.IntN(20), 1+rng.IntN(3000))
			if _, d := ktDo(t, rs[i], now, line); d != nil {
				pending[i] = append(pending[i], d)
			}
		}
		if step%100 != 99 {
			continue
		}
		for j, r := range rs {
			var keys, ttl, tomb int
			var sum float64
			for _, k := range r.keys {
				if k.Type() == TypeNone {
					tomb++
					continue
				}
				keys++
				if at, _, ok := k.Expiry(); ok {
					ttl++
					sum += float64(at)
				}
			}
			s := r.Stats()
			if s.Keys != keys || s.KeysWithTTL != ttl || s.TombstoneKeys != tomb || s.ExpirySumMs != sum {
				t.Fatalf("step %d, replica %d: stats keys %d ttl %d (sum %.0f) tombstones %d; walk %d %d (%.0f) %d",
					step, j, s.Keys, s.KeysWithTTL, s.ExpirySumMs, s.TombstoneKeys, keys, ttl, sum, tomb)
			}
		}
	}
}
