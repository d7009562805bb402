package engine

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestScanScript checks SCAN, HSCAN and SSCAN argument handling; every
// reply was recorded from redis-server 7.0.15 (FLUSHALL, then the
// script). With one key, every call returns it with cursor 0, as Redis does
// for a small keyspace; cursors in general differ (see cmd_scan.go).
func TestScanScript(t *testing.T) {
	t.Parallel()
	ktRun(t, newTestReplica(t, 1), ktNow, `
scan 0	["0" []]
scan	-ERR wrong number of arguments for 'scan' command
set a 1	+OK
scan 0	["0" ["a"]]
scan x	-ERR invalid cursor
scan -1	["0" []]
scan ""	["0" ["a"]]
scan " 1"	-ERR invalid cursor
scan "1 "	-ERR invalid cursor
scan +0	["0" ["a"]]
scan -0	["0" ["a"]]
scan +	-ERR invalid cursor
scan -	-ERR invalid cursor
scan 18446744073709551615	["0" []]
scan 18446744073709551616	-ERR invalid cursor
scan -18446744073709551616	-ERR invalid cursor
scan 0x10	-ERR invalid cursor
scan "0\x00zz"	["0" ["a"]]
scan 0 count 0	-ERR syntax error
scan 0 count -1	-ERR syntax error
scan 0 count x	-ERR value is not an integer or out of range
scan 0 count	-ERR syntax error
scan 0 count 99999999999999999999	-ERR value is not an integer or out of range
scan 0 COUNT 5	["0" ["a"]]
scan 0 match	-ERR syntax error
scan 0 match a	["0" ["a"]]
scan 0 MATCH b	["0" []]
scan 0 match * count 100	["0" ["a"]]
scan 0 type	-ERR syntax error
scan 0 type string	["0" ["a"]]
scan 0 type STRING	["0" ["a"]]
scan 0 type hash	["0" []]
scan 0 type foo	["0" []]
scan 0 type "string\x00x"	["0" ["a"]]
scan 0 foo	-ERR syntax error
scan 0 foo bar	-ERR syntax error
scan 0 count 1 foo	-ERR syntax error
scan x count 0	-ERR invalid cursor
scan 0 count 0 match	-ERR syntax error
hscan nokey x	-ERR invalid cursor
hscan nokey 0 foo	["0" []]
hscan nokey 0 count 0	["0" []]
hscan a 0	-WRONGTYPE Operation against a key holding the wrong kind of value
hscan a 0 foo	-WRONGTYPE Operation against a key holding the wrong kind of value
hscan a x	-ERR invalid cursor
sscan nokey x	-ERR invalid cursor
sscan nokey 0 foo	["0" []]
sscan a 0	-WRONGTYPE Operation against a key holding the wrong kind of value
sscan a x	-ERR invalid cursor
hscan	-ERR wrong number of arguments for 'hscan' command
hscan a	-ERR wrong number of arguments for 'hscan' command
sscan a	-ERR wrong number of arguments for 'sscan' command
`)
}

func TestParseCursor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{in: "0", want: 0, ok: true},
		{in: "", want: 0, ok: true},
		{in: "42", want: 42, ok: true},
		{in: "+7", want: 7, ok: true},
		{in: "-0", want: 0, ok: true},
		{in: "-1", want: 1<<64 - 1, ok: true},
		{in: "-18446744073709551615", want: 1, ok: true},
		{in: "18446744073709551615", want: 1<<64 - 1, ok: true},
		{in: "18446744073709551616", ok: false},
		{in: "-18446744073709551616", ok: false},
		{in: "99999999999999999999", ok: false},
		{in: "5\x00junk", want: 5, ok: true},
		{in: "\x00", want: 0, ok: true},
		{in: " 1", ok: false},
		{in: "\t1", ok: false},
		{in: "1 ", ok: false},
		{in: "+", ok: false},
		{in: "-", ok: false},
		{in: "+-1", ok: false},
		{in: "0x10", ok: false},
		{in: "1e3", ok: false},
	}
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.in), func(t *testing.T) {
			got, ok := parseCursor([]byte(tt.in))
			if ok != tt.ok || ok && got != tt.want {
				t.Errorf("parseCursor(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestScanFromRuns uses a hash with many collisions: a call never stops
// inside a run of equal hashes, and cursors strictly increase.
func TestScanFromRuns(t *testing.T) {
	t.Parallel()
	hash := func(s string) uint64 { return uint64(len(s)) } // runs by length
	var order []string
	for n := 1; n <= 6; n++ {
		for c := byte('a'); c < 'a'+byte(n); c++ {
			order = append(order, strings.Repeat(string(c), n))
		}
	}
	slices.SortFunc(order, func(a, b string) int {
		if len(a) != len(b) {
			return len(a) - len(b)
		}
		return strings.Compare(a, b)
	})
	for count := int64(1); count <= 25; count++ {
		var seen []string
		cursor, calls := uint64(0), 0
		for {
			var batch []string
			next := scanFrom(order, hash, cursor, count, func(n string) { batch = append(batch, n) })
			calls++
			if len(batch) < int(count) && next != 0 {
				t.Fatalf("count %d: call returned %d names and cursor %d", count, len(batch), next)
			}
			for _, n := range batch {
				if next != 0 && hash(n) >= next {
					t.Fatalf("count %d: returned %q beyond cursor %d", count, n, next)
				}
			}
			if next != 0 && next <= cursor {
				t.Fatalf("count %d: cursor went from %d to %d", count, cursor, next)
			}
			seen = append(seen, batch...)
			if next == 0 {
				break
			}
			cursor = next
		}
		if !slices.Equal(seen, order) {
			t.Fatalf("count %d: saw %v", count, seen)
		}
	}
}

// ktScanAll runs a full scan (SCAN, or HSCAN/SSCAN of key) with the given
// options and returns the items; it fails on a cursor that does not
// advance or on too many calls.
func ktScanAll(t *testing.T, r *Replica, now int64, cmd, key string, opts ...string) []string {
	t.Helper()
	var items []string
	cursor := "0"
	for calls := 0; ; calls++ {
		if calls > 100_000 {
			t.Fatal("scan does not end")
		}
		args := [][]byte{[]byte(cmd)}
		if key != "" {
			args = append(args, []byte(key))
		}
		args = append(args, []byte(cursor))
		for _, o := range opts {
			args = append(args, []byte(o))
		}
		rep, d, err := r.Do(now, args)
		if err != nil || rep.Kind != KindArray || len(rep.Elems) != 2 {
			t.Fatalf("%s: %s %v", args, ktFormat(rep), err)
		}
		if d != nil {
			t.Fatalf("%s wrote a delta", cmd)
		}
		for _, e := range rep.Elems[1].Elems {
			items = append(items, string(e.Str))
		}
		cursor = string(rep.Elems[0].Str)
		if cursor == "0" {
			return items
		}
	}
}

func TestScanCollections(t *testing.T) {
	t.Parallel()
	r := newTestReplica(t, 1)
	var fields, members, wantPairs, wantF1 []string
	for i := range 600 { // beyond hash-max-listpack-entries
		f, v := "f"+strconv.Itoa(i), "v"+strconv.Itoa(i)
		fields = append(fields, f, v)
		wantPairs = append(wantPairs, f+"="+v)
		members = append(members, "m"+strconv.Itoa(i))
		if strings.HasPrefix(f, "f1") {
			wantF1 = append(wantF1, f+"="+v)
		}
	}
	slices.Sort(wantPairs)
	slices.Sort(members)
	ktWrite(r, ktNow, ktSeedHash("h", fields...))
	ktWrite(r, ktNow, ktSeedSet("s", members...))
	pairs := func(items []string) []string {
		var out []string
		for i := 0; i+1 < len(items); i += 2 {
			out = append(out, items[i]+"="+items[i+1])
		}
		slices.Sort(out)
		return out
	}
	for _, count := range []string{"1", "7", "10", "1000"} {
		t.Run("count "+count, func(t *testing.T) {
			if got := pairs(ktScanAll(t, r, ktNow, "hscan", "h", "count", count)); !slices.Equal(got, wantPairs) {
				t.Errorf("HSCAN returned %d pairs, want %d", len(got), len(wantPairs))
			}
			got := ktScanAll(t, r, ktNow, "sscan", "s", "COUNT", count)
			slices.Sort(got)
			if !slices.Equal(got, members) {
				t.Errorf("SSCAN returned %d members, want %d", len(got), len(members))
			}
		})
	}
	t.Run("match", func(t *testing.T) {
		slices.Sort(wantF1)
		if got := pairs(ktScanAll(t, r, ktNow, "hscan", "h", "match", "f1*", "count", "3")); !slices.Equal(got, wantF1) {
			t.Errorf("HSCAN MATCH f1* = %v, want %v", got, wantF1)
		}
		got := ktScanAll(t, r, ktNow, "sscan", "s", "match", "m?")
		slices.Sort(got)
		if want := []string{"m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"}; !slices.Equal(got, want) {
			t.Errorf("SSCAN MATCH m? = %v", got)
		}
	})
	t.Run("deleted fields", func(t *testing.T) {
		r2 := newTestReplica(t, 2)
		var kv []string
		for i := range 600 {
			kv = append(kv, "f"+strconv.Itoa(i), "v")
		}
		ktWrite(r2, ktNow, ktSeedHash("h", kv...))
		ktWrite(r2, ktNow, func(c *call) {
			for i := 1; i < 600; i++ {
				c.hdel("h", "f"+strconv.Itoa(i))
			}
		})
		if got := pairs(ktScanAll(t, r2, ktNow, "hscan", "h", "count", "1")); !slices.Equal(got, []string{"f0=v"}) {
			t.Errorf("HSCAN after HDEL = %v", got)
		}
	})
	t.Run("expired", func(t *testing.T) {
		r2 := newTestReplica(t, 2)
		ktWrite(r2, ktNow, ktSeedSet("s", "x"))
		ktDo(t, r2, ktNow, "pexpire s 5")
		ktRun(t, r2, ktNow+5*ktMs, `
sscan s 0	["0" []]
sscan s 0 count 0	["0" []]
`)
	})
}

func TestScanTypeFilter(t *testing.T) {
	t.Parallel()
	r := newTestReplica(t, 1)
	ktDo(t, r, ktNow, "set str 1")
	ktDo(t, r, ktNow, "set gone 1")
	ktDo(t, r, ktNow, "del gone")
	ktDo(t, r, ktNow, "incr tomb")
	ktDo(t, r, ktNow, "del tomb")
	ktDo(t, r, ktNow, "set old 1")
	ktDo(t, r, ktNow, "pexpire old 1")
	ktWrite(r, ktNow, ktSeedHash("h", "f", "v"))
	ktWrite(r, ktNow, ktSeedSet("s", "m"))
	now := ktNow + ktMs
	tests := []struct {
		name string
		opts []string
		want []string
	}{
		{name: "all", want: []string{"h", "s", "str"}},
		{name: "string", opts: []string{"type", "string"}, want: []string{"str"}},
		{name: "hash upper", opts: []string{"TYPE", "HASH"}, want: []string{"h"}},
		{name: "set", opts: []string{"type", "set"}, want: []string{"s"}},
		{name: "unknown type", opts: []string{"type", "zset"}},
		{name: "none", opts: []string{"type", "none"}},
		{name: "match and type", opts: []string{"match", "s*", "type", "string", "count", "1"}, want: []string{"str"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ktScanAll(t, r, now, "scan", "", tt.opts...)
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("SCAN %v = %v, want %v", tt.opts, got, tt.want)
			}
		})
	}
	got, _ := ktDo(t, r, now, "keys *")
	if ktSorted(got) != `["h" "s" "str"]` {
		t.Errorf("KEYS * = %s", got)
	}
}

// TestScanGuarantee is the SCAN contract under concurrent change: with
// keys inserted and deleted between calls, every key present for the whole
// scan is returned, no key is returned twice, every returned key existed
// when returned, and the cursor is 0 only at the end.
func TestScanGuarantee(t *testing.T) {
	t.Parallel()
	for seed := range uint64(30) {
		t.Run("seed "+strconv.FormatUint(seed, 10), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(seed, 99))
			r := newTestReplica(t, 1)
			live := map[string]bool{}
			name := func() string { return "k" + strconv.Itoa(rng.IntN(400)) }
			for range 200 {
				n := name()
				ktDo(t, r, ktNow, "set "+n+" 1")
				live[n] = true
			}
			stable := map[string]bool{} // present for the whole scan so far
			for n := range live {
				stable[n] = true
			}
			returned := map[string]bool{}
			cursor := "0"
			for calls := 0; ; calls++ {
				if calls > 10_000 {
					t.Fatal("scan does not end")
				}
				count := strconv.Itoa(1 + rng.IntN(20))
				rep, _, err := r.Do(ktNow, [][]byte{[]byte("scan"), []byte(cursor), []byte("count"), []byte(count)})
				if err != nil || rep.Kind != KindArray {
					t.Fatalf("scan %s: %s", cursor, ktFormat(rep))
				}
				for _, e := range rep.Elems[1].Elems {
					n := string(e.Str)
					if returned[n] {
						t.Errorf("%s returned twice", n)
					}
					if !live[n] {
						t.Errorf("%s returned but not live", n)
					}
					returned[n] = true
				}
				cursor = string(rep.Elems[0].Str)
				if cursor == "0" {
					break
				}
				for range rng.IntN(8) {
					n := name()
					if rng.IntN(2) == 0 {
						ktDo(t, r, ktNow, "set "+n+" 1")
						live[n] = true
					} else {
						ktDo(t, r, ktNow, "del "+n)
						delete(live, n)
						delete(stable, n)
					}
				}
			}
			for _, n := range sortedKeys(stable) {
				if !returned[n] {
					t.Errorf("%s present for the whole scan but never returned", n)
				}
			}
		})
	}
}

// TestScanOrderCache checks that the cached order follows keys added and
// removed, and that KEYS and SCAN agree on it.
func TestScanOrderCache(t *testing.T) {
	t.Parallel()
	r := newTestReplica(t, 1)
	check := func(want ...string) {
		t.Helper()
		slices.Sort(want)
		got := ktScanAll(t, r, ktNow, "scan", "", "count", "2")
		rep, _ := ktDo(t, r, ktNow, "keys *")
		sorted := slices.Clone(got)
		slices.Sort(sorted)
		if !slices.Equal(sorted, want) {
			t.Fatalf("SCAN = %v, want %v", got, want)
		}
		var q []string
		for _, n := range got {
			q = append(q, strconv.Quote(n))
		}
		if keys := "[" + strings.Join(q, " ") + "]"; rep != keys {
			t.Fatalf("KEYS * = %s, SCAN order %s", rep, keys)
		}
	}
	check()
	ktDo(t, r, ktNow, "set a 1")
	check("a")
	ktDo(t, r, ktNow, "set b 1")
	ktDo(t, r, ktNow, "set c 1")
	check("a", "b", "c")
	ktDo(t, r, ktNow, "del b")
	check("a", "c")
	ktDo(t, r, ktNow, "rename a d")
	check("c", "d")
	ktDo(t, r, ktNow, "flushall")
	check()
}

// TestScanCallBound checks the cost rule: a call that pays O(n) examines at
// least n/scanPasses names, so whole scans end in about scanPasses calls;
// with a warm keyspace cache, COUNT is exact.
func TestScanCallBound(t *testing.T) {
	t.Parallel()
	r := newTestReplica(t, 1)
	var members []string
	for i := range 6400 {
		members = append(members, "m"+strconv.Itoa(i))
	}
	ktWrite(r, ktNow, ktSeedSet("s", members...))
	// calls runs "prefix cursor opts" until the cursor is 0; with
	// writes, each call also adds a key, keeping the keyspace cache cold.
	calls := func(prefix, opts string, writes bool) int {
		cursor := "0"
		for n := 1; ; n++ {
			rep, d, err := r.Do(ktNow, ktArgs(t, prefix+" "+cursor+" "+opts))
			if err != nil || d != nil || rep.Kind != KindArray {
				t.Fatalf("%s: %s, delta %v, %v", prefix, ktFormat(rep), d != nil, err)
			}
			if cursor = string(rep.Elems[0].Str); cursor == "0" {
				return n
			}
			if writes {
				ktDo(t, r, ktNow, "set new"+strconv.Itoa(n)+" 1")
			}
		}
	}
	if n := calls("sscan s", "count 1", false); n > scanPasses+1 {
		t.Errorf("SSCAN COUNT 1 of 6400 members took %d calls", n)
	}
	for _, m := range members {
		ktDo(t, r, ktNow, "set "+m+" 1")
	}
	if n := calls("scan", "count 1", true); n > scanPasses+2 {
		t.Errorf("SCAN COUNT 1 of 6400 keys under writes took %d calls", n)
	}
	ktDo(t, r, ktNow, "scan 0") // warm the cache
	got, _ := ktDo(t, r, ktNow, "scan 0 count 3")
	if strings.Count(got, `"`) != 2+3*2 {
		t.Errorf("SCAN 0 COUNT 3 with a warm cache = %s", got)
	}
}

// TestScanSmallEncodings checks that HSCAN and SSCAN answer as Redis does
// for listpack hashes and intset sets: everything at once with cursor 0,
// whatever the cursor and COUNT; intsets in numeric order. Replies were
// recorded from redis-server 7.0.15 (hash order there is insertion order,
// here field order; the two agree in these cases).
func TestScanSmallEncodings(t *testing.T) {
	t.Parallel()
	r := newTestReplica(t, 1)
	x64, x65 := strings.Repeat("x", 64), strings.Repeat("x", 65)
	ktWrite(r, ktNow, ktSeedHash("h1", "f", x64, "g", "v"))
	ktWrite(r, ktNow, ktSeedHash("h2", "f", x65, "g", "v"))
	ktWrite(r, ktNow, ktSeedSet("s1", "1", "2", "-5", "10", "3"))
	ktWrite(r, ktNow, ktSeedSet("s2", "1", "01", "2"))
	ktRun(t, r, ktNow, `
sscan s1 0	["0" ["-5" "1" "2" "3" "10"]]
sscan s1 0 count 1 match 1*	["0" ["1" "10"]]
sscan s1 99	["0" ["-5" "1" "2" "3" "10"]]
sscan s1 99 count 0	-ERR syntax error
hscan h1 0 count 1	["0" ["f" "`+x64+`" "g" "v"]]
hscan h1 77 count 1	["0" ["f" "`+x64+`" "g" "v"]]
hscan h1 0 match g	["0" ["g" "v"]]
`)
	for _, key := range []string{"h2", "s2"} {
		cmd := "sscan"
		if key[0] == 'h' {
			cmd = "hscan"
		}
		rep, _, _ := r.Do(ktNow, [][]byte{[]byte(cmd), []byte(key), []byte("0"), []byte("count"), []byte("1")})
		if string(rep.Elems[0].Str) == "0" {
			t.Errorf("%s %s 0 COUNT 1 = %s: the large encoding should iterate", cmd, key, ktFormat(rep))
		}
	}
}
