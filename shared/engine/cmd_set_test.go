package engine

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hsSetBase is the setup of every set case: sets a and b, and a string s.
var hsSetBase = []string{"SADD a 1 2 3", "SADD b 2 3 4", "SET s v"}

var hsSetCases = []hsCase{
	// SADD, SREM
	{name: "sadd new key", cmd: "SADD k x y x z", want: ":3", check: "SMEMBERS k", checkWant: "~[$x, $y, $z]"},
	{name: "sadd present members", cmd: "SADD a 1 9 2", want: ":1", check: "SMEMBERS a", checkWant: "~[$1, $2, $3, $9]"},
	{name: "sadd all present", cmd: "SADD a 1", want: ":0", check: "SCARD a", checkWant: ":3"},
	{name: "sadd empty member", cmd: `SADD k ""`, want: ":1", check: `SISMEMBER k ""`, checkWant: ":1"},
	{name: "sadd binary", cmd: "SADD k \"a\x00b\" \"a\"", want: ":2", check: "SMEMBERS k", checkWant: "~[$a, $a\x00b]"},
	{name: "sadd wrong type", cmd: "SADD s a", want: hsWrongType, check: "GET s", checkWant: "$v"},
	{name: "sadd arity", cmd: "SADD k", want: "-ERR wrong number of arguments for 'sadd' command"},
	{name: "sadd no key", cmd: "SADD", want: "-ERR wrong number of arguments for 'sadd' command"},
	{name: "srem", cmd: "SREM a 1 1 9", want: ":1", check: "SMEMBERS a", checkWant: "~[$2, $3]"},
	{name: "srem last member deletes key", cmd: "SREM a 1 2 3", want: ":3", check: "EXISTS a", checkWant: ":0"},
	{name: "srem then sadd", setup: []string{"SREM a 1 2 3"}, cmd: "SADD a 5", want: ":1", check: "SMEMBERS a", checkWant: "~[$5]"},
	{name: "srem missing key", cmd: "SREM k a", want: ":0"},
	{name: "srem wrong type", cmd: "SREM s a", want: hsWrongType},
	{name: "srem arity", cmd: "SREM a", want: "-ERR wrong number of arguments for 'srem' command"},

	{name: "sadd keeps ttl", setup: []string{"EXPIRE a 100"}, cmd: "SADD a 9", want: ":1", check: "TTL a", checkWant: ":100"},
	{name: "srem keeps ttl", setup: []string{"EXPIRE a 100"}, cmd: "SREM a 1", want: ":1", check: "TTL a", checkWant: ":100"},

	// SMEMBERS, SISMEMBER, SMISMEMBER, SCARD
	{name: "smembers", cmd: "SMEMBERS a", want: "~[$1, $2, $3]"},
	{name: "smembers byte order", setup: []string{"SADD k b B a 10 9"}, cmd: "SMEMBERS k", want: "~[$10, $9, $B, $a, $b]"},
	{name: "smembers missing key", cmd: "SMEMBERS k", want: "~[]"},
	{name: "smembers wrong type", cmd: "SMEMBERS s", want: hsWrongType},
	{name: "smembers arity", cmd: "SMEMBERS a b", want: "-ERR wrong number of arguments for 'smembers' command"},
	{name: "sismember", cmd: "SISMEMBER a 2", want: ":1"},
	{name: "sismember absent", cmd: "SISMEMBER a 9", want: ":0"},
	{name: "sismember missing key", cmd: "SISMEMBER k 9", want: ":0"},
	{name: "sismember wrong type", cmd: "SISMEMBER s v", want: hsWrongType},
	{name: "sismember arity", cmd: "SISMEMBER a", want: "-ERR wrong number of arguments for 'sismember' command"},
	{name: "smismember", cmd: "SMISMEMBER a 2 9 2", want: "*[:1, :0, :1]"},
	{name: "smismember missing key", cmd: "SMISMEMBER k a", want: "*[:0]"},
	{name: "smismember wrong type", cmd: "SMISMEMBER s a", want: hsWrongType},
	{name: "smismember arity", cmd: "SMISMEMBER a", want: "-ERR wrong number of arguments for 'smismember' command"},
	{name: "scard", cmd: "SCARD a", want: ":3"},
	{name: "scard missing key", cmd: "SCARD k", want: ":0"},
	{name: "scard wrong type", cmd: "SCARD s", want: hsWrongType},
	{name: "scard arity", cmd: "SCARD", want: "-ERR wrong number of arguments for 'scard' command"},

	// SPOP (only the cases whose answer does not depend on chance)
	{name: "spop missing key", cmd: "SPOP k", want: "$-1"},
	{name: "spop missing key count", cmd: "SPOP k 2", want: "~[]"},
	{name: "spop missing key zero", cmd: "SPOP k 0", want: "~[]"},
	{name: "spop zero", cmd: "SPOP a 0", want: "~[]", check: "SCARD a", checkWant: ":3"},
	{name: "spop all", cmd: "SPOP a 9223372036854775807", want: "~[$1, $2, $3]", check: "EXISTS a", checkWant: ":0"},
	{name: "spop exactly all", cmd: "SPOP a 3", want: "~[$1, $2, $3]", check: "EXISTS a", checkWant: ":0"},
	{name: "spop only member", setup: []string{"SADD k x"}, cmd: "SPOP k", want: "$x", check: "EXISTS k", checkWant: ":0"},
	{name: "spop negative", cmd: "SPOP a -1", want: "-ERR value is out of range, must be positive"},
	{name: "spop negative missing key", cmd: "SPOP k -1", want: "-ERR value is out of range, must be positive"},
	{name: "spop bad count", cmd: "SPOP a x", want: "-ERR value is out of range, must be positive"},
	{name: "spop float count", cmd: "SPOP a 1.5", want: "-ERR value is out of range, must be positive"},
	{name: "spop count beyond int64", cmd: "SPOP a 9223372036854775808", want: "-ERR value is out of range, must be positive"},
	{name: "spop extra argument", cmd: "SPOP a 1 2", want: "-ERR syntax error"},
	{name: "spop extra argument bad count", cmd: "SPOP a x 2", want: "-ERR syntax error"},
	{name: "spop wrong type", cmd: "SPOP s", want: hsWrongType},
	{name: "spop wrong type count", cmd: "SPOP s 1", want: hsWrongType},
	{name: "spop wrong type zero", cmd: "SPOP s 0", want: hsWrongType},
	{name: "spop wrong type bad count", cmd: "SPOP s x", want: "-ERR value is out of range, must be positive"},
	{name: "spop arity", cmd: "SPOP", want: "-ERR wrong number of arguments for 'spop' command"},

	// SRANDMEMBER (only the cases whose answer does not depend on chance)
	{name: "srandmember missing key", cmd: "SRANDMEMBER k", want: "$-1"},
	{name: "srandmember missing key count", cmd: "SRANDMEMBER k 2", want: "*[]"},
	{name: "srandmember missing key negative", cmd: "SRANDMEMBER k -2", want: "*[]"},
	{name: "srandmember zero", cmd: "SRANDMEMBER a 0", want: "*[]"},
	{name: "srandmember whole set", cmd: "SRANDMEMBER a 5", want: "*[$1, $2, $3]", check: "SCARD a", checkWant: ":3"},
	{name: "srandmember whole set max", cmd: "SRANDMEMBER a 9223372036854775807", want: "*[$1, $2, $3]"},
	{name: "srandmember only member", setup: []string{"SADD k x"}, cmd: "SRANDMEMBER k", want: "$x"},
	{name: "srandmember only member repeats", setup: []string{"SADD k x"}, cmd: "SRANDMEMBER k -3", want: "*[$x, $x, $x]"},
	{name: "srandmember min int64", cmd: "SRANDMEMBER a -9223372036854775808", want: "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"},
	{name: "srandmember beyond int64", cmd: "SRANDMEMBER a 9223372036854775808", want: "-ERR value is not an integer or out of range"},
	{name: "srandmember bad count", cmd: "SRANDMEMBER a x", want: "-ERR value is not an integer or out of range"},
	{name: "srandmember extra argument", cmd: "SRANDMEMBER a 1 2", want: "-ERR syntax error"},
	{name: "srandmember wrong type", cmd: "SRANDMEMBER s", want: hsWrongType},
	{name: "srandmember wrong type count", cmd: "SRANDMEMBER s 1", want: hsWrongType},
	{name: "srandmember wrong type zero", cmd: "SRANDMEMBER s 0", want: hsWrongType},
	{name: "srandmember wrong type bad count", cmd: "SRANDMEMBER s x", want: "-ERR value is not an integer or out of range"},
	{name: "srandmember arity", cmd: "SRANDMEMBER", want: "-ERR wrong number of arguments for 'srandmember' command"},

	// SMOVE
	{name: "smove", cmd: "SMOVE a b 1", want: ":1", check: "SMEMBERS b", checkWant: "~[$1, $2, $3, $4]"},
	{name: "smove removes from source", cmd: "SMOVE a b 1", want: ":1", check: "SMEMBERS a", checkWant: "~[$2, $3]"},
	{name: "smove member in both", cmd: "SMOVE a b 2", want: ":1", check: "SMEMBERS a", checkWant: "~[$1, $3]"},
	{name: "smove absent member", cmd: "SMOVE a b 9", want: ":0"},
	{name: "smove to new key", cmd: "SMOVE a k 1", want: ":1", check: "SMEMBERS k", checkWant: "~[$1]"},
	{name: "smove last member", setup: []string{"SADD k x"}, cmd: "SMOVE k a x", want: ":1", check: "EXISTS k", checkWant: ":0"},
	{name: "smove missing source", cmd: "SMOVE k b 1", want: ":0"},
	{name: "smove missing source wrong destination", cmd: "SMOVE k s 9", want: ":0"},
	{name: "smove same key", cmd: "SMOVE a a 2", want: ":1", check: "SMEMBERS a", checkWant: "~[$1, $2, $3]"},
	{name: "smove same key absent", cmd: "SMOVE a a 9", want: ":0"},
	{name: "smove same missing key", cmd: "SMOVE k k 9", want: ":0"},
	{name: "smove wrong source", cmd: "SMOVE s b 1", want: hsWrongType},
	{name: "smove wrong source missing destination", cmd: "SMOVE s k 9", want: hsWrongType},
	{name: "smove wrong destination", cmd: "SMOVE a s 2", want: hsWrongType, check: "SCARD a", checkWant: ":3"},
	{name: "smove wrong destination absent member", cmd: "SMOVE a s 9", want: hsWrongType},
	{name: "smove keeps destination ttl", setup: []string{"EXPIRE b 100"}, cmd: "SMOVE a b 1", want: ":1", check: "TTL b", checkWant: ":100"},
	{name: "smove arity", cmd: "SMOVE a b", want: "-ERR wrong number of arguments for 'smove' command"},

	// SUNION, SINTER, SDIFF
	{name: "sunion", cmd: "SUNION a k b", want: "~[$1, $2, $3, $4]"},
	{name: "sunion one key", cmd: "SUNION a", want: "~[$1, $2, $3]"},
	{name: "sunion missing", cmd: "SUNION k", want: "~[]"},
	{name: "sunion wrong type", cmd: "SUNION k s", want: hsWrongType},
	{name: "sunion arity", cmd: "SUNION", want: "-ERR wrong number of arguments for 'sunion' command"},
	{name: "sinter", cmd: "SINTER a b", want: "~[$2, $3]"},
	{name: "sinter same key", cmd: "SINTER a a", want: "~[$1, $2, $3]"},
	{name: "sinter missing", cmd: "SINTER a k", want: "~[]"},
	{name: "sinter missing then wrong type", cmd: "SINTER k s", want: hsWrongType},
	{name: "sinter wrong type then missing", cmd: "SINTER s k", want: hsWrongType},
	{name: "sinter wrong type last", cmd: "SINTER a k s", want: hsWrongType},
	{name: "sinter arity", cmd: "SINTER", want: "-ERR wrong number of arguments for 'sinter' command"},
	{name: "sdiff", cmd: "SDIFF a b", want: "~[$1]"},
	{name: "sdiff several", setup: []string{"SADD k 1"}, cmd: "SDIFF a k b", want: "~[]"},
	{name: "sdiff missing other", cmd: "SDIFF a k", want: "~[$1, $2, $3]"},
	{name: "sdiff missing first", cmd: "SDIFF k a", want: "~[]"},
	{name: "sdiff one key", cmd: "SDIFF b", want: "~[$2, $3, $4]"},
	{name: "sdiff self", cmd: "SDIFF a a", want: "~[]"},
	{name: "sdiff missing then wrong type", cmd: "SDIFF k s", want: hsWrongType},
	{name: "sdiff wrong type first", cmd: "SDIFF s k", want: hsWrongType},
	{name: "sdiff arity", cmd: "SDIFF", want: "-ERR wrong number of arguments for 'sdiff' command"},

	// SUNIONSTORE, SINTERSTORE, SDIFFSTORE
	{name: "sunionstore", cmd: "SUNIONSTORE d a b", want: ":4", check: "SMEMBERS d", checkWant: "~[$1, $2, $3, $4]"},
	{name: "sunionstore overwrites set", setup: []string{"SADD d x y"}, cmd: "SUNIONSTORE d a", want: ":3", check: "SMEMBERS d", checkWant: "~[$1, $2, $3]"},
	{name: "sunionstore overwrites string", cmd: "SUNIONSTORE s a", want: ":3", check: "TYPE s", checkWant: "+set"},
	{name: "sunionstore overwrites hash", setup: []string{"HSET d f v"}, cmd: "SUNIONSTORE d a", want: ":3", check: "SMEMBERS d", checkWant: "~[$1, $2, $3]"},
	{name: "sunionstore empty deletes", setup: []string{"SADD d x"}, cmd: "SUNIONSTORE d k", want: ":0", check: "EXISTS d", checkWant: ":0"},
	{name: "sunionstore empty deletes string", cmd: "SUNIONSTORE s k", want: ":0", check: "EXISTS s", checkWant: ":0"},
	{name: "sunionstore empty on missing", cmd: "SUNIONSTORE d k", want: ":0", check: "EXISTS d", checkWant: ":0"},
	{name: "sunionstore into source", cmd: "SUNIONSTORE a a b", want: ":4", check: "SMEMBERS a", checkWant: "~[$1, $2, $3, $4]"},
	{name: "sunionstore wrong type source", setup: []string{"SADD d x"}, cmd: "SUNIONSTORE d s a", want: hsWrongType, check: "SMEMBERS d", checkWant: "~[$x]"},
	{name: "sunionstore clears ttl", setup: []string{"SADD d x", "EXPIRE d 100"}, cmd: "SUNIONSTORE d a", want: ":3", check: "TTL d", checkWant: ":-1"},
	{name: "sinterstore into source clears ttl", setup: []string{"EXPIRE a 100"}, cmd: "SINTERSTORE a a", want: ":3", check: "TTL a", checkWant: ":-1"},
	{name: "sunionstore arity", cmd: "SUNIONSTORE d", want: "-ERR wrong number of arguments for 'sunionstore' command"},
	{name: "sinterstore", cmd: "SINTERSTORE d a b", want: ":2", check: "SMEMBERS d", checkWant: "~[$2, $3]"},
	{name: "sinterstore into string", cmd: "SINTERSTORE s a b", want: ":2", check: "SMEMBERS s", checkWant: "~[$2, $3]"},
	{name: "sinterstore missing deletes", setup: []string{"SADD d x"}, cmd: "SINTERSTORE d a k", want: ":0", check: "EXISTS d", checkWant: ":0"},
	{name: "sinterstore missing deletes string", cmd: "SINTERSTORE s k", want: ":0", check: "TYPE s", checkWant: "+none"},
	{name: "sinterstore into source", cmd: "SINTERSTORE b b a", want: ":2", check: "SMEMBERS b", checkWant: "~[$2, $3]"},
	{name: "sinterstore disjoint into source", setup: []string{"SADD k 9"}, cmd: "SINTERSTORE b b k", want: ":0", check: "EXISTS b", checkWant: ":0"},
	{name: "sinterstore wrong type", cmd: "SINTERSTORE d k s", want: hsWrongType},
	{name: "sinterstore wrong type first", cmd: "SINTERSTORE d s k", want: hsWrongType},
	{name: "sinterstore arity", cmd: "SINTERSTORE d", want: "-ERR wrong number of arguments for 'sinterstore' command"},
	{name: "sdiffstore", cmd: "SDIFFSTORE d b a", want: ":1", check: "SMEMBERS d", checkWant: "~[$4]"},
	{name: "sdiffstore empty deletes", setup: []string{"SADD d x"}, cmd: "SDIFFSTORE d a a", want: ":0", check: "EXISTS d", checkWant: ":0"},
	{name: "sdiffstore into source", cmd: "SDIFFSTORE a a b", want: ":1", check: "SMEMBERS a", checkWant: "~[$1]"},
	{name: "sdiffstore wrong type source", cmd: "SDIFFSTORE s s", want: hsWrongType, check: "TYPE s", checkWant: "+string"},
	{name: "sdiffstore wrong type later", cmd: "SDIFFSTORE d k s", want: hsWrongType},
	{name: "sdiffstore arity", cmd: "SDIFFSTORE d", want: "-ERR wrong number of arguments for 'sdiffstore' command"},

	// SINTERCARD
	{name: "sintercard", cmd: "SINTERCARD 2 a b", want: ":2"},
	{name: "sintercard one key", cmd: "SINTERCARD 1 a", want: ":3"},
	{name: "sintercard missing", cmd: "SINTERCARD 2 a k", want: ":0"},
	{name: "sintercard limit", cmd: "SINTERCARD 1 a LIMIT 2", want: ":2"},
	{name: "sintercard limit zero", cmd: "SINTERCARD 2 a b limit 0", want: ":2"},
	{name: "sintercard limit above", cmd: "SINTERCARD 2 a b limit 10", want: ":2"},
	{name: "sintercard limit twice", cmd: "SINTERCARD 1 a limit 1 limit 2", want: ":2"},
	{name: "sintercard limit negative", cmd: "SINTERCARD 2 a b limit -1", want: "-ERR LIMIT can't be negative"},
	{name: "sintercard limit not integer", cmd: "SINTERCARD 2 a b limit x", want: "-ERR LIMIT can't be negative"},
	{name: "sintercard limit float", cmd: "SINTERCARD 1 a limit 1.0", want: "-ERR LIMIT can't be negative"},
	{name: "sintercard limit beyond int64", cmd: "SINTERCARD 1 a limit 9223372036854775808", want: "-ERR LIMIT can't be negative"},
	{name: "sintercard limit before type", cmd: "SINTERCARD 1 s limit x", want: "-ERR LIMIT can't be negative"},
	{name: "sintercard limit without value", cmd: "SINTERCARD 2 a b limit", want: "-ERR syntax error"},
	{name: "sintercard unknown option", cmd: "SINTERCARD 2 a b foo", want: "-ERR syntax error"},
	{name: "sintercard extra key", cmd: "SINTERCARD 1 a b", want: "-ERR syntax error"},
	{name: "sintercard limit cut at nul", cmd: "SINTERCARD 1 a \"limit\x00x\" 1", want: ":1"},
	{name: "sintercard numkeys zero", cmd: "SINTERCARD 0 a", want: "-ERR numkeys should be greater than 0"},
	{name: "sintercard numkeys negative", cmd: "SINTERCARD -1 a", want: "-ERR numkeys should be greater than 0"},
	{name: "sintercard numkeys not integer", cmd: "SINTERCARD x a", want: "-ERR numkeys should be greater than 0"},
	{name: "sintercard numkeys float", cmd: "SINTERCARD 1.5 a", want: "-ERR numkeys should be greater than 0"},
	{name: "sintercard numkeys beyond int64", cmd: "SINTERCARD 9223372036854775808 a", want: "-ERR numkeys should be greater than 0"},
	{name: "sintercard numkeys too many", cmd: "SINTERCARD 3 a b", want: "-ERR Number of keys can't be greater than number of args"},
	{name: "sintercard numkeys max", cmd: "SINTERCARD 9223372036854775807 a", want: "-ERR Number of keys can't be greater than number of args"},
	{name: "sintercard wrong type", cmd: "SINTERCARD 2 a s", want: hsWrongType},
	{name: "sintercard missing then wrong type", cmd: "SINTERCARD 2 k s", want: hsWrongType},
	{name: "sintercard arity", cmd: "SINTERCARD 1", want: "-ERR wrong number of arguments for 'sintercard' command"},
}

// TestReplica_Do_sets runs every case of hsSetCases on a fresh replica.
func TestReplica_Do_sets(t *testing.T) {
	t.Parallel()
	hsRunCases(t, hsSetBase, hsSetCases)
}

// TestSetCommands_info checks the table against redis-server 7.0.15's
// COMMAND INFO.
func TestSetCommands_info(t *testing.T) {
	t.Parallel()
	const w, ro, f = flagWrite, flagReadonly, flagFast
	hsCheckInfo(t, setCommands, []hsInfo{
		{name: "sadd", arity: -3, flags: w | f},
		{name: "srem", arity: -3, flags: w | f},
		{name: "smembers", arity: 2, flags: ro},
		{name: "sismember", arity: 3, flags: ro | f},
		{name: "smismember", arity: -3, flags: ro | f},
		{name: "scard", arity: 2, flags: ro | f},
		{name: "spop", arity: -2, flags: w | f | flagRandom},
		{name: "srandmember", arity: -2, flags: ro | flagRandom},
		{name: "smove", arity: 4, flags: w | f, firstKey: 1, lastKey: 2, step: 1},
		{name: "sunion", arity: -2, flags: ro, firstKey: 1, lastKey: -1, step: 1},
		{name: "sinter", arity: -2, flags: ro, firstKey: 1, lastKey: -1, step: 1},
		{name: "sdiff", arity: -2, flags: ro, firstKey: 1, lastKey: -1, step: 1},
		{name: "sunionstore", arity: -3, flags: w, firstKey: 1, lastKey: -1, step: 1},
		{name: "sinterstore", arity: -3, flags: w, firstKey: 1, lastKey: -1, step: 1},
		{name: "sdiffstore", arity: -3, flags: w, firstKey: 1, lastKey: -1, step: 1},
		{name: "sintercard", arity: -3, flags: ro, noKeys: true},
	})
}

// TestReplica_Do_setRandom checks SPOP and SRANDMEMBER replies that depend
// on the random source: shape, membership, distinctness, what SPOP
// removes, and that the same seed gives the same answers.
func TestReplica_Do_setRandom(t *testing.T) {
	t.Parallel()
	all := []string{"a", "b", "c", "d", "e"}
	tests := []struct {
		name     string
		cmd      string
		n        int
		distinct bool
		pops     bool
	}{
		{name: "spop", cmd: "SPOP k", n: 1, pops: true},
		{name: "spop one", cmd: "SPOP k 1", n: 1, distinct: true, pops: true},
		{name: "spop some", cmd: "SPOP k 3", n: 3, distinct: true, pops: true},
		{name: "spop all but one", cmd: "SPOP k 4", n: 4, distinct: true, pops: true},
		{name: "srandmember", cmd: "SRANDMEMBER k", n: 1},
		{name: "srandmember some", cmd: "SRANDMEMBER k 3", n: 3, distinct: true},
		{name: "srandmember all but one", cmd: "SRANDMEMBER k 4", n: 4, distinct: true},
		{name: "srandmember negative", cmd: "SRANDMEMBER k -20", n: 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var replies [2]string
			for i := range replies {
				r := newTestReplica(t, 1)
				hsDo(t, r, hsNow, "SADD k "+strings.Join(all, " "))
				rep, d, err := r.Do(hsNow, lineArgs(tt.cmd))
				if err != nil {
					t.Fatal(err)
				}
				if (d != nil) != tt.pops {
					t.Errorf("delta %v, want write %v", d, tt.pops)
				}
				replies[i] = hsText(rep)
				var got []string
				if rep.Kind == KindBulk {
					got = []string{string(rep.Str)}
				}
				for _, e := range rep.Elems {
					got = append(got, string(e.Str))
				}
				if len(got) != tt.n {
					t.Fatalf("%s: %d members, want %d", replies[i], len(got), tt.n)
				}
				for _, m := range got {
					if !slices.Contains(all, m) {
						t.Fatalf("%s: %q is no member", replies[i], m)
					}
				}
				if tt.distinct && len(slices.Compact(slices.Sorted(slices.Values(got)))) != len(got) {
					t.Fatalf("%s: repeated member", replies[i])
				}
				left := hsDo(t, r, hsNow, "SCARD k")
				want := ":5"
				if tt.pops {
					want = ":" + strconv.Itoa(5-tt.n)
					for _, m := range got {
						if hsDo(t, r, hsNow, "SISMEMBER k "+m) != ":0" {
							t.Errorf("%s still a member after %s", m, tt.cmd)
						}
					}
				}
				if left != want {
					t.Errorf("SCARD after %s: %s, want %s", tt.cmd, left, want)
				}
			}
			if replies[0] != replies[1] {
				t.Errorf("same seed, different answers: %s and %s", replies[0], replies[1])
			}
		})
	}
}

// TestReplica_Do_spopSpread checks that SPOP draws from the whole set: in
// 200 single-member pops from a fresh 4-member set, each member comes up.
func TestReplica_Do_spopSpread(t *testing.T) {
	t.Parallel()
	r := newTestReplica(t, 5)
	count := map[string]int{}
	for range 200 {
		hsDo(t, r, hsNow, "SADD k a b c d")
		count[strings.TrimPrefix(hsDo(t, r, hsNow, "SPOP k"), "$")]++
		hsDo(t, r, hsNow, "DEL k")
	}
	for _, m := range []string{"a", "b", "c", "d"} {
		if count[m] < 20 {
			t.Errorf("member %s popped %d times in 200", m, count[m])
		}
	}
}

// TestReplica_Do_setDeltas checks which set commands write: reads, errors
// and no-ops produce no delta; SADD of a present member does write (a new
// dot, so it wins over a concurrent SREM).
func TestReplica_Do_setDeltas(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cmd   string
		write bool
	}{
		{name: "sadd", cmd: "SADD a 9", write: true},
		{name: "sadd present", cmd: "SADD a 1", write: true},
		{name: "sadd wrong type", cmd: "SADD s 1"},
		{name: "srem absent", cmd: "SREM a 9"},
		{name: "srem missing key", cmd: "SREM k 9"},
		{name: "srem", cmd: "SREM a 1", write: true},
		{name: "spop missing key", cmd: "SPOP k"},
		{name: "spop zero", cmd: "SPOP a 0"},
		{name: "spop", cmd: "SPOP a", write: true},
		{name: "smove absent", cmd: "SMOVE a b 9"},
		{name: "smove same key", cmd: "SMOVE a a 1"},
		{name: "smove", cmd: "SMOVE a b 1", write: true},
		{name: "sunionstore empty on missing", cmd: "SUNIONSTORE d k"},
		{name: "sunionstore empty on present", cmd: "SUNIONSTORE a k", write: true},
		{name: "sinterstore", cmd: "SINTERSTORE d a b", write: true},
		{name: "sinterstore wrong type", cmd: "SINTERSTORE d a s"},
		{name: "smembers", cmd: "SMEMBERS a"},
		{name: "srandmember", cmd: "SRANDMEMBER a -5"},
		{name: "sintercard", cmd: "SINTERCARD 2 a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestReplica(t, 1)
			for _, line := range hsSetBase {
				hsDo(t, r, hsNow, line)
			}
			_, d, err := r.Do(hsNow, lineArgs(tt.cmd))
			if err != nil {
				t.Fatal(err)
			}
			if (d != nil) != tt.write {
				t.Errorf("delta %v, want write %v", d, tt.write)
			}
		})
	}
}

// TestReplica_Do_setExpired checks that a logically expired set reads as
// missing, and that writes on it start a new set.
func TestReplica_Do_setExpired(t *testing.T) {
	t.Parallel()
	at := hsNow/int64(time.Millisecond) + 1000
	tests := []struct {
		name, cmd, want, check, checkWant string
	}{
		{name: "smembers", cmd: "SMEMBERS a", want: "~[]"},
		{name: "scard", cmd: "SCARD a", want: ":0"},
		{name: "srem", cmd: "SREM a 1", want: ":0"},
		{name: "spop", cmd: "SPOP a", want: "$-1"},
		{name: "smove from expired", cmd: "SMOVE a b 1", want: ":0", check: "SMEMBERS b", checkWant: "~[$2, $3, $4]"},
		{name: "sadd counts as new", cmd: "SADD a 1 9", want: ":2", check: "SMEMBERS a", checkWant: "~[$1, $9]"},
		{name: "sunion skips expired", cmd: "SUNION a b", want: "~[$2, $3, $4]"},
		{name: "smove into expired", cmd: "SMOVE b a 4", want: ":1", check: "SMEMBERS a", checkWant: "~[$4]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestReplica(t, 1)
			hsDo(t, r, hsNow, "SADD a 1 2 3")
			hsDo(t, r, hsNow, "SADD b 2 3 4")
			c := r.newCall(hsNow, nil)
			c.setTTL("a", at)
			later := hsNow + 2*int64(time.Second)
			if got := hsDo(t, r, later, tt.cmd); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if tt.check != "" {
				if got := hsDo(t, r, later, tt.check); got != tt.checkWant {
					t.Errorf("then %s: got %q, want %q", tt.check, got, tt.checkWant)
				}
			}
		})
	}
}

// TestConverge_sets covers the set rules of SEMANTICS.md A4, A8 and B7 and
// scenarios 14-17 of reference/redis-active-active.md §17.
func TestConverge_sets(t *testing.T) {
	t.Parallel()
	finals := []string{"SMEMBERS key1", "SMEMBERS s", "SMEMBERS d", "SCARD s", "EXISTS s", "EXISTS d"}
	tests := []struct {
		name  string
		steps []hsStep
	}{
		{name: "add-wins union (14)", steps: []hsStep{
			{on: "a", cmd: "SADD key1 a", want: ":1"},
			{on: "b", cmd: "SADD key1 b", want: ":1"},
			{on: "a", cmd: "SMEMBERS key1", want: "~[$a]"},
			{on: "b", cmd: "SMEMBERS key1", want: "~[$b]"},
			{on: "sync"},
			{on: "a", cmd: "SMEMBERS key1", want: "~[$a, $b]"},
			{on: "b", cmd: "SMEMBERS key1", want: "~[$a, $b]"},
		}},
		{name: "observed remove (15)", steps: []hsStep{
			{on: "a", cmd: "SADD key1 a b"},
			{on: "sync"},
			{on: "a", cmd: "SREM key1 a", want: ":1"},
			{on: "b", cmd: "SADD key1 c", want: ":1"},
			{on: "a", cmd: "SREM key1 c", want: ":0"},
			{on: "sync"},
			{on: "a", cmd: "SMEMBERS key1", want: "~[$b, $c]"},
			{on: "b", cmd: "SMEMBERS key1", want: "~[$b, $c]"},
		}},
		{name: "sadd vs concurrent srem: add wins (16)", steps: []hsStep{
			{on: "a", cmd: "SADD s x"},
			{on: "sync"},
			{on: "a", cmd: "SREM s x", want: ":1"},
			{on: "b", cmd: "SADD s x", want: ":0"},
			{on: "sync"},
			{on: "a", cmd: "SISMEMBER s x", want: ":1"},
			{on: "b", cmd: "SISMEMBER s x", want: ":1"},
		}},
		{name: "del vs sadd (17)", steps: []hsStep{
			{on: "a", cmd: "SADD s e1"},
			{on: "sync"},
			{on: "a", cmd: "SCARD s", want: ":1"},
			{on: "b", cmd: "SCARD s", want: ":1"},
			{on: "a", cmd: "SADD s e2", want: ":1"},
			{on: "b", cmd: "DEL s", want: ":1"},
			{on: "a", cmd: "SCARD s", want: ":2"},
			{on: "b", cmd: "SCARD s", want: ":0"},
			{on: "sync"},
			{on: "a", cmd: "SCARD s", want: ":1"},
			{on: "b", cmd: "EXISTS s", want: ":1"},
			{on: "b", cmd: "SMEMBERS s", want: "~[$e2]"},
		}},
		{name: "concurrent spop of the only member: at-least-once", steps: []hsStep{
			{on: "a", cmd: "SADD s x"},
			{on: "sync"},
			{on: "a", cmd: "SPOP s", want: "$x"},
			{on: "b", cmd: "SPOP s", want: "$x"},
			{on: "sync"},
			{on: "a", cmd: "EXISTS s", want: ":0"},
			{on: "b", cmd: "EXISTS s", want: ":0"},
		}},
		{name: "concurrent spop of everything", steps: []hsStep{
			{on: "a", cmd: "SADD s x y z"},
			{on: "sync"},
			{on: "a", cmd: "SPOP s 3", want: "~[$x, $y, $z]"},
			{on: "b", cmd: "SPOP s 5", want: "~[$x, $y, $z]"},
			{on: "sync"},
			{on: "a", cmd: "EXISTS s", want: ":0"},
		}},
		{name: "spop vs concurrent sadd of the popped member", steps: []hsStep{
			{on: "a", cmd: "SADD s x"},
			{on: "sync"},
			{on: "a", cmd: "SPOP s", want: "$x"},
			{on: "b", cmd: "SADD s x", want: ":0"},
			{on: "sync"},
			{on: "a", cmd: "SMEMBERS s", want: "~[$x]"},
		}},
		{name: "smove arrives whole", steps: []hsStep{
			{on: "a", cmd: "SADD s x y"},
			{on: "sync"},
			{on: "a", cmd: "SMOVE s d x", want: ":1"},
			{on: "sync"},
			{on: "b", cmd: "SMEMBERS s", want: "~[$y]"},
			{on: "b", cmd: "SMEMBERS d", want: "~[$x]"},
		}},
		{name: "smove vs concurrent sadd to the source", steps: []hsStep{
			{on: "a", cmd: "SADD s x"},
			{on: "sync"},
			{on: "a", cmd: "SMOVE s d x", want: ":1"},
			{on: "b", cmd: "SADD s x", want: ":0"},
			{on: "sync"},
			{on: "a", cmd: "SMEMBERS s", want: "~[$x]"},
			{on: "a", cmd: "SMEMBERS d", want: "~[$x]"},
		}},
		{name: "smove vs concurrent srem from the destination", steps: []hsStep{
			{on: "a", cmd: "SADD s x"},
			{on: "a", cmd: "SADD d x"},
			{on: "sync"},
			{on: "a", cmd: "SMOVE s d x", want: ":1"},
			{on: "b", cmd: "SREM d x", want: ":1"},
			{on: "sync"},
			{on: "b", cmd: "SMEMBERS d", want: "~[$x]"},
			{on: "b", cmd: "EXISTS s", want: ":0"},
		}},
		{name: "store vs concurrent sadd to the destination", steps: []hsStep{
			{on: "a", cmd: "SADD d old"},
			{on: "a", cmd: "SADD s 1 2"},
			{on: "sync"},
			{on: "a", cmd: "SUNIONSTORE d s", want: ":2"},
			{on: "b", cmd: "SADD d new", want: ":1"},
			{on: "sync"},
			{on: "a", cmd: "SMEMBERS d", want: "~[$1, $2, $new]"},
		}},
		{name: "store vs concurrent sadd to the source", steps: []hsStep{
			{on: "a", cmd: "SADD s 1"},
			{on: "sync"},
			{on: "a", cmd: "SINTERSTORE d s", want: ":1"},
			{on: "b", cmd: "SADD s 2", want: ":1"},
			{on: "sync"},
			{on: "a", cmd: "SMEMBERS d", want: "~[$1]"},
			{on: "a", cmd: "SMEMBERS s", want: "~[$1, $2]"},
		}},
		{name: "empty store vs concurrent sadd to the destination", steps: []hsStep{
			{on: "a", cmd: "SADD d old"},
			{on: "sync"},
			{on: "a", cmd: "SDIFFSTORE d nokey", want: ":0"},
			{on: "b", cmd: "SADD d new", want: ":1"},
			{on: "sync"},
			{on: "a", cmd: "SMEMBERS d", want: "~[$new]"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hsScript(t, tt.steps, finals)
		})
	}
}

// TestConverge_spopRandom pops from two replicas concurrently, many times
// with different seeds: after sync the union of what was popped is gone
// everywhere, and the rest is still there.
func TestConverge_spopRandom(t *testing.T) {
	t.Parallel()
	all := []string{"a", "b", "c", "d", "e", "f"}
	for seed := byte(1); seed <= 20; seed++ {
		a, b := newTestReplica(t, seed), newTestReplica(t, seed+100)
		_, d := doStr(t, a, hsNow, "SADD s "+strings.Join(all, " "))
		hsMerge(t, b, hsNow, d)
		ra, da := doStr(t, a, hsNow+1, "SPOP s 2")
		rb, db := doStr(t, b, hsNow+1, "SPOP s")
		hsMerge(t, a, hsNow+2, db)
		hsMerge(t, b, hsNow+2, da)
		popped := map[string]bool{string(rb.Str): true}
		for _, e := range ra.Elems {
			popped[string(e.Str)] = true
		}
		var want []string
		for _, m := range all {
			if !popped[m] {
				want = append(want, "$"+m)
			}
		}
		wantText := "~[" + strings.Join(want, ", ") + "]"
		for _, r := range []*Replica{a, b} {
			if got := hsDo(t, r, hsNow+2, "SMEMBERS s"); got != wantText {
				t.Errorf("seed %d: got %s, want %s (popped %v)", seed, got, wantText, popped)
			}
		}
	}
}
