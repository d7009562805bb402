package engine

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lattice/shared/causal"
	"lattice/shared/crdt"
)

// ktNow is the fixed time of the keyspace tests (2023-11-14, Unix ns).
const ktNow = int64(1_700_000_000) * int64(time.Second)

// ktMs is one millisecond in Do's time unit.
const ktMs = int64(time.Millisecond)

// ktScripts are command scripts, one "command<TAB>reply" per line, each run
// on a fresh replica at ktNow. Every reply was recorded from redis-server
// 7.0.15 started with "databases 1" (FLUSHALL, then the script), with
// replies written as ktFormat writes them; the one exception is the TTL
// of an absolute expiry time, which depends on the clock and is written
// for ktNow. KEYS replies are compared as sets: our order is the scan
// order, not Redis's hash-table order.
var ktScripts = []struct {
	name   string
	script string
}{
	{name: "del unlink exists touch type", script: `
set a 1	+OK
set b 2	+OK
exists a a b a x	:4
del a a x	:1
unlink b b	:1
exists a b	:0
set a 1	+OK
set "" e	+OK
exists ""	:1
type a	+string
type nokey	+none
touch a a nokey ""	:3
dbsize	:2
del a "" a	:2
dbsize	:0
`},
	{name: "keys patterns", script: `
keys *	[]
set hello 1	+OK
set hallo 1	+OK
set hxllo 1	+OK
set hllo 1	+OK
set heeeello 1	+OK
set "h*llo" 1	+OK
set "" 1	+OK
keys *	["hello" "hallo" "hxllo" "h*llo" "heeeello" "" "hllo"]
keys h?llo	["hello" "hallo" "hxllo" "h*llo"]
keys h*llo	["hello" "hallo" "hxllo" "h*llo" "heeeello" "hllo"]
keys h[ae]llo	["hello" "hallo"]
keys h[^e]llo	["hallo" "hxllo" "h*llo"]
keys h[a-b]llo	["hallo"]
keys "h\\*llo"	["h*llo"]
keys **	["hello" "hallo" "hxllo" "h*llo" "heeeello" "hllo"]
keys ?*	["hello" "hallo" "hxllo" "h*llo" "heeeello" "hllo"]
keys nomatch	[]
keys h[	[]
keys [	[]
`},
	{name: "rename renamenx", script: `
rename nokey b	-ERR no such key
rename nokey nokey	-ERR no such key
renamenx nokey nokey	-ERR no such key
renamenx nokey b	-ERR no such key
set a 1	+OK
rename a a	+OK
renamenx a a	:0
get a	"1"
rename a b	+OK
get a	(nil)
get b	"1"
set a 2	+OK
renamenx a b	:0
get b	"1"
renamenx a c	:1
exists a	:0
get c	"2"
set d 4	+OK
rename c d	+OK
get d	"2"
exists c	:0
`},
	{name: "copy options", script: `
copy nokey s1	:0
copy nokey nokey	-ERR source and destination objects are the same
copy nokey x db 0	:0
set s1 v	+OK
copy s1 s1	-ERR source and destination objects are the same
copy s1 s1 replace	-ERR source and destination objects are the same
copy s1 s2	:1
copy s1 s2	:0
get s2	"v"
set s1 v2	+OK
copy s1 s2 replace	:1
get s2	"v2"
copy s1 s2 REPLACE replace	:1
copy s1 s2 db 0	:0
copy s1 s3 db 0	:1
get s3	"v2"
copy s1 s2 replace db 0	:1
copy s1 s2 db	-ERR syntax error
copy s1 s2 db 1	-ERR DB index is out of range
copy s1 s1 db 1	-ERR DB index is out of range
copy s1 s2 db -1	-ERR DB index is out of range
copy s1 s2 db x	-ERR value is not an integer or out of range
copy s1 s2 db 2147483648	-ERR value is out of range, value must between -2147483648 and 2147483647
copy s1 s2 db -2147483649	-ERR value is out of range, value must between -2147483648 and 2147483647
copy s1 s2 db 99999999999999999999	-ERR value is not an integer or out of range
copy s1 s2 foo	-ERR syntax error
copy s1 s2 foo db 1	-ERR syntax error
copy s1 s2 db 1 foo	-ERR DB index is out of range
copy s1 s2 "replace\x00junk"	:1
copy nokey x db 1	-ERR DB index is out of range
`},
	{name: "flush dbsize randomkey", script: `
flushall x	-ERR syntax error
flushall sync x	-ERR syntax error
flushall foo	-ERR syntax error
flushdb foo	-ERR syntax error
flushdb sync async	-ERR syntax error
set a 1	+OK
set b 2	+OK
flushall	+OK
dbsize	:0
set a 1	+OK
flushall async	+OK
dbsize	:0
set a 1	+OK
flushall SYNC	+OK
flushdb	+OK
flushdb Async	+OK
flushdb sync	+OK
flushall "sync\x00x"	+OK
dbsize	:0
randomkey	(nil)
set only 1	+OK
randomkey	"only"
`},
	{name: "expire options", script: `
set a 1	+OK
expire a 100 nx xx	-ERR NX and XX, GT or LT options at the same time are not compatible
expire a 100 nx gt	-ERR NX and XX, GT or LT options at the same time are not compatible
expire a 100 nx lt	-ERR NX and XX, GT or LT options at the same time are not compatible
expire a 100 xx gt	:0
expire a 100 xx lt	:0
expire a 100 gt lt	-ERR GT and LT options at the same time are not compatible
expire a 100 xx gt lt	-ERR GT and LT options at the same time are not compatible
expire a 100 nx xx gt lt	-ERR NX and XX, GT or LT options at the same time are not compatible
expire a 100 nx nx	:1
persist a	:1
expire a 100 foo	-ERR Unsupported option foo
expire a 100 nx foo	-ERR Unsupported option foo
expire a 100 foo nx xx	-ERR Unsupported option foo
expire a 100 "foo\x00bar"	-ERR Unsupported option foo
expire a 100 "foo\r\nbar"	-ERR Unsupported option foo  bar
expire a 100 "nx\x00zz"	:1
persist a	:1
expire a abc nx xx	-ERR NX and XX, GT or LT options at the same time are not compatible
expire a abc foo	-ERR Unsupported option foo
expire a abc	-ERR value is not an integer or out of range
expire a 1.5	-ERR value is not an integer or out of range
expire a ""	-ERR value is not an integer or out of range
expire a " 1"	-ERR value is not an integer or out of range
expire a 100 gt	:0
expire a 100 xx	:0
expire a 100 nx	:1
expire a 100 nx	:0
ttl a	:100
expire a 50 gt	:0
expire a 200 gt	:1
ttl a	:200
expire a 300 lt	:0
expire a 10 lt	:1
ttl a	:10
expire a 10 xx	:1
expire a 10 XX Gt	:0
expire a 10 lt xx	:0
persist a	:1
persist a	:0
expire a 100 xx	:0
expire a 100 lt	:1
ttl a	:100
expire a 100 Nx	:0
set a 1	+OK
ttl a	:-1
expire a 100 XX	:0
expire a -5 xx	:0
expire a -5 gt	:0
exists a	:1
expire a -5 lt	:1
exists a	:0
set a 1	+OK
expire a -5 nx	:1
exists a	:0
expire nokey 100	:0
expire nokey 100 xx	:0
expire nokey abc	-ERR value is not an integer or out of range
expire nokey 100 foo	-ERR Unsupported option foo
pexpire nokey 100	:0
expireat nokey 100	:0
pexpireat nokey 100	:0
persist nokey	:0
`},
	{name: "expire range", script: `
set a 1	+OK
expire a 9223372036854775807	-ERR invalid expire time in 'expire' command
expire a 9223372036854775	-ERR invalid expire time in 'expire' command
expire a 9223372036854774	-ERR invalid expire time in 'expire' command
expire a -9223372036854775807	-ERR invalid expire time in 'expire' command
expire a -9223372036854775	:1
expire a 99999999999999999999	-ERR value is not an integer or out of range
pexpire a 9223372036854775807	-ERR invalid expire time in 'pexpire' command
pexpire a 9223372036854000000	-ERR invalid expire time in 'pexpire' command
expireat a 9223372036854775807	-ERR invalid expire time in 'expireat' command
expireat a 9223372036854775	:0
expireat a -9223372036854775807	-ERR invalid expire time in 'expireat' command
expireat a -9223372036854775	:0
ttl a	:-2
expireat a 9223372036854774	:0
expiretime a	:-2
pexpiretime a	:-2
pexpireat a 9223372036854775807	:0
expiretime a	:-2
pexpiretime a	:-2
pexpireat a -9223372036854775808	:0
exists a	:0
set a 1	+OK
pexpire a -9223372036854775808	:1
exists a	:0
set a 1	+OK
expireat a 100	:1
exists a	:0
set a 1	+OK
expire a 0	:1
exists a	:0
set a 1	+OK
pexpire a 0	:1
exists a	:0
set a 1	+OK
expire a -1	:1
exists a	:0
`},
	{name: "ttl expiretime", script: `
ttl nokey	:-2
pttl nokey	:-2
expiretime nokey	:-2
pexpiretime nokey	:-2
set a 1	+OK
ttl a	:-1
pttl a	:-1
expiretime a	:-1
pexpiretime a	:-1
expireat a 4000000000	:1
ttl a	:2300000000
expiretime a	:4000000000
pexpiretime a	:4000000000000
pexpireat a 4000000000123	:1
expiretime a	:4000000000
pexpiretime a	:4000000000123
pexpireat a 4000000000499	:1
expiretime a	:4000000000
pexpireat a 4000000000500	:1
expiretime a	:4000000001
persist a	:1
expiretime a	:-1
ttl a	:-1
expire a 100	:1
ttl a	:100
set a 2	+OK
ttl a	:-1
`},
	{name: "ttl carried by rename and copy", script: `
set a 1	+OK
set b 2	+OK
pexpireat b 4000000000000	:1
rename b a	+OK
pexpiretime a	:4000000000000
exists b	:0
set b 3	+OK
rename b a	+OK
pexpiretime a	:-1
pexpireat a 4000000000000	:1
copy a c	:1
pexpiretime c	:4000000000000
pexpiretime a	:4000000000000
copy a c replace	:1
pexpiretime c	:4000000000000
set d 4	+OK
copy d c replace	:1
pexpiretime c	:-1
get c	"4"
renamenx a c	:0
pexpiretime c	:-1
renamenx a e	:1
pexpiretime e	:4000000000000
get e	"3"
`},
	{name: "arity", script: `
del	-ERR wrong number of arguments for 'del' command
unlink	-ERR wrong number of arguments for 'unlink' command
exists	-ERR wrong number of arguments for 'exists' command
touch	-ERR wrong number of arguments for 'touch' command
type	-ERR wrong number of arguments for 'type' command
type a b	-ERR wrong number of arguments for 'type' command
keys	-ERR wrong number of arguments for 'keys' command
keys a b	-ERR wrong number of arguments for 'keys' command
dbsize x	-ERR wrong number of arguments for 'dbsize' command
randomkey x	-ERR wrong number of arguments for 'randomkey' command
rename a	-ERR wrong number of arguments for 'rename' command
rename a b c	-ERR wrong number of arguments for 'rename' command
renamenx a	-ERR wrong number of arguments for 'renamenx' command
renamenx a b c	-ERR wrong number of arguments for 'renamenx' command
copy a	-ERR wrong number of arguments for 'copy' command
expire a	-ERR wrong number of arguments for 'expire' command
pexpire a	-ERR wrong number of arguments for 'pexpire' command
expireat a	-ERR wrong number of arguments for 'expireat' command
pexpireat a	-ERR wrong number of arguments for 'pexpireat' command
ttl	-ERR wrong number of arguments for 'ttl' command
ttl a b	-ERR wrong number of arguments for 'ttl' command
pttl	-ERR wrong number of arguments for 'pttl' command
expiretime	-ERR wrong number of arguments for 'expiretime' command
pexpiretime a b	-ERR wrong number of arguments for 'pexpiretime' command
persist	-ERR wrong number of arguments for 'persist' command
persist a b	-ERR wrong number of arguments for 'persist' command
scan	-ERR wrong number of arguments for 'scan' command
hscan a	-ERR wrong number of arguments for 'hscan' command
sscan a	-ERR wrong number of arguments for 'sscan' command
`},
}

func TestKeysScripts(t *testing.T) {
	t.Parallel()
	for _, tt := range ktScripts {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ktRun(t, newTestReplica(t, 1), ktNow, tt.script)
		})
	}
}

// ktRun runs a script of "command<TAB>reply" lines on r starting at now. A
// line "@+N" advances the clock by N milliseconds. Besides the reply it
// checks that read-only commands and error replies produce no delta.
func ktRun(t *testing.T, r *Replica, now int64, script string) {
	t.Helper()
	for _, line := range strings.Split(script, "\n") {
		if line == "" {
			continue
		}
		if ms, ok := strings.CutPrefix(line, "@+"); ok {
			n, err := strconv.ParseInt(ms, 10, 64)
			if err != nil {
				t.Fatalf("bad clock line %q", line)
			}
			now += n * ktMs
			continue
		}
		cmd, want, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("script line without a tab: %q", line)
		}
		args := ktArgs(t, cmd)
		rep, d, err := r.Do(now, args)
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		got := ktFormat(rep)
		if isOpt(args[0], "keys") {
			got, want = ktSorted(got), ktSorted(want)
		}
		if got != want {
			t.Errorf("%s\n got: %s\nwant: %s", cmd, got, want)
		}
		if spec := lookup(args[0]); d != nil && (rep.IsError() || spec != nil && spec.flags&flagReadonly != 0) {
			t.Errorf("%s: answered %s with a delta", cmd, got)
		}
	}
}

// ktArgs splits a command line on blanks; a word in double quotes is a Go
// string literal (so it may be empty or hold any byte).
func ktArgs(t *testing.T, line string) [][]byte {
	t.Helper()
	var out [][]byte
	for {
		line = strings.TrimLeft(line, " ")
		if line == "" {
			return out
		}
		if line[0] == '"' {
			q, err := strconv.QuotedPrefix(line)
			if err != nil {
				t.Fatalf("bad quoted word in %q", line)
			}
			s, err := strconv.Unquote(q)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, []byte(s))
			line = line[len(q):]
			continue
		}
		word, rest, _ := strings.Cut(line, " ")
		out = append(out, []byte(word))
		line = rest
	}
}

// ktFormat writes a reply on one line: +simple, -error, :int, "bulk" (Go
// quoted), (nil), (nil-array), [elements] (RESP2 shapes).
func ktFormat(r Reply) string {
	switch r.Kind {
	case KindSimple:
		return "+" + string(r.Str)
	case KindError:
		return "-" + string(r.Str)
	case KindInt:
		return ":" + strconv.FormatInt(r.Int, 10)
	case KindBulk, KindDouble:
		return strconv.Quote(string(r.Str))
	case KindNull:
		return "(nil)"
	case KindNullArray:
		return "(nil-array)"
	}
	parts := make([]string, len(r.Elems))
	for i, e := range r.Elems {
		parts[i] = ktFormat(e)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// ktSorted sorts the elements of a formatted flat array of bulks.
func ktSorted(s string) string {
	inner, ok := strings.CutPrefix(s, "[")
	if !ok {
		return s
	}
	inner = strings.TrimSuffix(inner, "]")
	var elems []string
	for inner != "" {
		q, err := strconv.QuotedPrefix(inner)
		if err != nil {
			return s
		}
		elems = append(elems, q)
		inner = strings.TrimPrefix(inner[len(q):], " ")
	}
	slices.Sort(elems)
	return "[" + strings.Join(elems, " ") + "]"
}

// TestKeysCommandTable checks arity, flags and key positions against
// COMMAND INFO of redis-server 7.0.15.
func TestKeysCommandTable(t *testing.T) {
	t.Parallel()
	want := map[string]CommandInfo{
		"del":         {Arity: -2, Write: true, FirstKey: 1, LastKey: -1, Step: 1},
		"unlink":      {Arity: -2, Write: true, Fast: true, FirstKey: 1, LastKey: -1, Step: 1},
		"exists":      {Arity: -2, Readonly: true, Fast: true, FirstKey: 1, LastKey: -1, Step: 1},
		"touch":       {Arity: -2, Readonly: true, Fast: true, FirstKey: 1, LastKey: -1, Step: 1},
		"type":        {Arity: 2, Readonly: true, Fast: true, FirstKey: 1, LastKey: 1, Step: 1},
		"keys":        {Arity: 2, Readonly: true},
		"scan":        {Arity: -2, Readonly: true},
		"hscan":       {Arity: -3, Readonly: true, FirstKey: 1, LastKey: 1, Step: 1},
		"sscan":       {Arity: -3, Readonly: true, FirstKey: 1, LastKey: 1, Step: 1},
		"rename":      {Arity: 3, Write: true, FirstKey: 1, LastKey: 2, Step: 1},
		"renamenx":    {Arity: 3, Write: true, Fast: true, FirstKey: 1, LastKey: 2, Step: 1},
		"copy":        {Arity: -3, Write: true, FirstKey: 1, LastKey: 2, Step: 1},
		"dbsize":      {Arity: 1, Readonly: true, Fast: true},
		"flushall":    {Arity: -1, Write: true},
		"flushdb":     {Arity: -1, Write: true},
		"randomkey":   {Arity: 1, Readonly: true},
		"expire":      {Arity: -3, Write: true, Fast: true, FirstKey: 1, LastKey: 1, Step: 1},
		"pexpire":     {Arity: -3, Write: true, Fast: true, FirstKey: 1, LastKey: 1, Step: 1},
		"expireat":    {Arity: -3, Write: true, Fast: true, FirstKey: 1, LastKey: 1, Step: 1},
		"pexpireat":   {Arity: -3, Write: true, Fast: true, FirstKey: 1, LastKey: 1, Step: 1},
		"ttl":         {Arity: 2, Readonly: true, Fast: true, FirstKey: 1, LastKey: 1, Step: 1},
		"pttl":        {Arity: 2, Readonly: true, Fast: true, FirstKey: 1, LastKey: 1, Step: 1},
		"expiretime":  {Arity: 2, Readonly: true, Fast: true, FirstKey: 1, LastKey: 1, Step: 1},
		"pexpiretime": {Arity: 2, Readonly: true, Fast: true, FirstKey: 1, LastKey: 1, Step: 1},
		"persist":     {Arity: 2, Write: true, Fast: true, FirstKey: 1, LastKey: 1, Step: 1},
	}
	got := map[string]CommandInfo{}
	for _, ci := range Commands() {
		got[ci.Name] = ci
	}
	for _, name := range sortedKeys(want) {
		t.Run(name, func(t *testing.T) {
			w := want[name]
			w.Name = name
			if g, ok := got[name]; !ok {
				t.Errorf("%s not registered", name)
			} else if g != w {
				t.Errorf("%s: got %+v, want %+v", name, g, w)
			}
		})
	}
}

// TestKeysExpiryClock drives the clock explicitly: TTL rounding
// ((ms+500)/1000), the moment of expiry, and how an expired key that its
// owner has not yet deleted looks to every command.
func TestKeysExpiryClock(t *testing.T) {
	t.Parallel()
	r := newTestReplica(t, 1)
	ktRun(t, r, ktNow, `
set a 1	+OK
set b 1	+OK
pexpire a 1500	:1
pttl a	:1500
ttl a	:2
pexpiretime a	:1700000001500
expiretime a	:1700000002
@+1
pttl a	:1499
ttl a	:1
@+999
pttl a	:500
ttl a	:1
@+1
pttl a	:499
ttl a	:0
@+498
pttl a	:1
ttl a	:0
exists a	:1
@+1
pttl a	:-2
ttl a	:-2
expiretime a	:-2
exists a	:0
get a	(nil)
type a	+none
keys *	["b"]
scan 0	["0" ["b"]]
dbsize	:2
del a	:0
persist a	:0
expire a 100	:0
rename a c	-ERR no such key
copy a c	:0
touch a b	:1
`)
	if d := r.Expire(ktNow + 2000*ktMs); d == nil {
		t.Fatal("Expire deleted nothing")
	}
	ktRun(t, r, ktNow+2000*ktMs, `
dbsize	:1
exists a	:0
`)
}

// TestKeysWriteOnExpired checks that a write on a logically expired key
// starts from nothing (A10): the old value and TTL are gone.
func TestKeysWriteOnExpired(t *testing.T) {
	t.Parallel()
	ktRun(t, newTestReplica(t, 1), ktNow, `
set a 1	+OK
pexpire a 10	:1
@+10
set a 2	+OK
ttl a	:-1
get a	"2"
pexpire a 10	:1
@+10
incr a	:1
set b x	+OK
pexpire b 10	:1
@+10
rename a b	+OK
get b	"1"
ttl b	:-1
`)
}

func TestKeysExpireFlagsAtTimes(t *testing.T) {
	t.Parallel()
	ktRun(t, newTestReplica(t, 1), ktNow, `
set a 1	+OK
pexpireat a 1700000010000 gt	:0
pexpireat a 1700000010000 lt	:1
pexpiretime a	:1700000010000
pexpireat a 1700000010000 gt	:0
pexpireat a 1700000010000 lt	:0
pexpireat a 1700000010001 gt	:1
pexpireat a 1700000009999 lt	:1
pexpireat a 1700000009999 nx	:0
pexpireat a 1700000020000 xx	:1
pexpiretime a	:1700000020000
pexpire a 10000 lt	:1
pexpiretime a	:1700000010000
expire a 10 gt	:0
expireat a 1700000011 gt	:1
pexpiretime a	:1700000011000
pexpireat a 1700000000000 lt	:1
exists a	:0
`)
}

// ktWrite runs fn as one command at now and returns its delta (white-box
// seeding of hashes and sets, whose commands live elsewhere).
func ktWrite(r *Replica, now int64, fn func(c *call)) *Delta {
	c := r.newCall(now, nil)
	fn(c)
	return c.delta()
}

// ktDo runs one command line and returns the formatted reply and delta.
func ktDo(t *testing.T, r *Replica, now int64, line string) (string, *Delta) {
	t.Helper()
	rep, d, err := r.Do(now, ktArgs(t, line))
	if err != nil {
		t.Fatal(err)
	}
	return ktFormat(rep), d
}

// ktMerge merges deltas into r.
func ktMerge(t *testing.T, r *Replica, now int64, ds ...*Delta) {
	t.Helper()
	for _, d := range ds {
		if err := r.Merge(now, d); err != nil {
			t.Fatal(err)
		}
	}
}

// ktHash returns the visible fields of hash name as "f=v" pairs, sorted.
func ktHash(r *Replica, now int64, name string) []string {
	k, _ := r.newCall(now, nil).lookupType(name, TypeHash)
	if k == nil {
		return nil
	}
	var out []string
	for _, f := range sortedKeys(k.Hash) {
		if v, ok := k.Hash[f].Get(); ok {
			out = append(out, f+"="+string(v))
		}
	}
	return out
}

// ktSet returns the members of set name, sorted.
func ktSet(r *Replica, now int64, name string) []string {
	k, _ := r.newCall(now, nil).lookupType(name, TypeSet)
	if k == nil {
		return nil
	}
	return sortedKeys(k.Set)
}

// ktState encodes the keys and context of r, for convergence checks.
func ktState(t *testing.T, r *Replica) []byte {
	t.Helper()
	s := r.Snapshot()
	b, err := EncodeDelta(&Delta{Keys: s.Keys, CC: s.CC, Full: true})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func ktSeedHash(name string, kv ...string) func(c *call) {
	return func(c *call) {
		for i := 0; i+1 < len(kv); i += 2 {
			c.hset(name, kv[i], []byte(kv[i+1]))
		}
	}
}

func ktSeedSet(name string, members ...string) func(c *call) {
	return func(c *call) {
		for _, m := range members {
			c.sadd(name, m)
		}
	}
}

// TestKeysCopyAndRenameCollections copies and renames hashes and sets,
// with TTLs, over keys of other types, and replicates the result.
func TestKeysCopyAndRenameCollections(t *testing.T) {
	t.Parallel()
	a, b := newTestReplica(t, 1), newTestReplica(t, 2)
	now := ktNow
	var ds []*Delta
	ds = append(ds, ktWrite(a, now, ktSeedHash("h", "f1", "v1", "f2", "v2", "n", "5")))
	ds = append(ds, ktWrite(a, now, func(c *call) { c.hincr("h", "n", 10, crdt.Decimal{}) }))
	ds = append(ds, ktWrite(a, now, ktSeedSet("s", "x", "y", "z")))
	steps := []struct{ cmd, want string }{
		{cmd: "pexpireat h 1700000100000", want: ":1"},
		{cmd: "set str v", want: "+OK"},
		{cmd: "copy h h2", want: ":1"},
		{cmd: "copy h str", want: ":0"},
		{cmd: "copy h str replace", want: ":1"},
		{cmd: "type str", want: "+hash"},
		{cmd: "pexpiretime str", want: ":1700000100000"},
		{cmd: "pexpiretime h2", want: ":1700000100000"},
		{cmd: "rename s h2", want: "+OK"},
		{cmd: "type h2", want: "+set"},
		{cmd: "ttl h2", want: ":-1"},
		{cmd: "exists s", want: ":0"},
		{cmd: "renamenx str s", want: ":1"},
		{cmd: "pexpiretime s", want: ":1700000100000"},
		{cmd: "copy h2 s3", want: ":1"},
	}
	for _, st := range steps {
		got, d := ktDo(t, a, now, st.cmd)
		if got != st.want {
			t.Fatalf("%s: got %s, want %s", st.cmd, got, st.want)
		}
		ds = append(ds, d)
	}
	wantHash := []string{"f1=v1", "f2=v2", "n=15"}
	for _, name := range []string{"h", "s"} {
		if got := ktHash(a, now, name); !slices.Equal(got, wantHash) {
			t.Errorf("hash %s = %v, want %v", name, got, wantHash)
		}
	}
	wantSet := []string{"x", "y", "z"}
	for _, name := range []string{"h2", "s3"} {
		if got := ktSet(a, now, name); !slices.Equal(got, wantSet) {
			t.Errorf("set %s = %v, want %v", name, got, wantSet)
		}
	}
	ktMerge(t, b, now, ds...)
	if !bytes.Equal(ktState(t, a), ktState(t, b)) {
		t.Fatal("replicas differ after merging every delta")
	}
}

// TestKeysDeterministicDeltas runs one history on two replicas with the
// same id: the deltas of COPY, RENAME and FLUSHALL must be byte-identical.
func TestKeysDeterministicDeltas(t *testing.T) {
	t.Parallel()
	run := func() [][]byte {
		r := newTestReplica(t, 1)
		var fields []string
		for i := range 50 {
			fields = append(fields, "f"+strconv.Itoa(i), "v"+strconv.Itoa(i))
		}
		ktWrite(r, ktNow, ktSeedHash("h", fields...))
		var members []string
		for i := range 50 {
			members = append(members, "m"+strconv.Itoa(i))
		}
		ktWrite(r, ktNow, ktSeedSet("s", members...))
		var out [][]byte
		for _, cmd := range []string{"copy h h2", "rename s s2", "copy s2 h replace", "set x 1", "flushall"} {
			_, d := ktDo(t, r, ktNow, cmd)
			b, err := EncodeDelta(d)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, b)
		}
		return out
	}
	first, second := run(), run()
	for i := range first {
		if !bytes.Equal(first[i], second[i]) {
			t.Fatalf("delta %d differs between identical runs", i)
		}
	}
}

// TestKeysConcurrent checks the conflict rules for the keyspace commands:
// each case runs setup on a and syncs it to b, then runs onA on a and onB
// on b concurrently, syncs both ways, and reads on both replicas.
func TestKeysConcurrent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		setup     []string
		seed      func(c *call)
		onA, onB  []string
		seedB     func(c *call)
		reads     []string // "command<TAB>reply" on both replicas
		checkSets map[string][]string
	}{
		{
			name:  "DEL || SET: the unseen SET survives (B3)",
			setup: []string{"set k 1"},
			onA:   []string{"del k"},
			onB:   []string{"set k 2"},
			reads: []string{"get k\t\"2\""},
		},
		{
			name:      "DEL of a set || SADD: the unseen member survives (A8)",
			seed:      ktSeedSet("s", "x"),
			onA:       []string{"del s"},
			seedB:     ktSeedSet("s", "y"),
			checkSets: map[string][]string{"s": {"y"}},
		},
		{
			name:  "RENAME || SET of the source: the unseen write stays at the source (B7)",
			setup: []string{"set k 1"},
			onA:   []string{"rename k k2"},
			onB:   []string{"set k 9"},
			reads: []string{"get k\t\"9\"", "get k2\t\"1\""},
		},
		{
			name:      "RENAME of a set || SADD to the source (B7)",
			seed:      ktSeedSet("s", "x"),
			onA:       []string{"rename s s2"},
			seedB:     ktSeedSet("s", "y"),
			checkSets: map[string][]string{"s": {"y"}, "s2": {"x"}},
		},
		{
			name:  "FLUSHALL || writes elsewhere: they survive (B8)",
			setup: []string{"set k1 1", "set k2 2"},
			onA:   []string{"flushall"},
			onB:   []string{"set k1 new", "set k3 3"},
			reads: []string{"get k1\t\"new\"", "exists k2\t:0", "get k3\t\"3\"", "dbsize\t:2"},
		},
		{
			name:  "PERSIST || EXPIRE: PERSIST wins (A10)",
			setup: []string{"set k 1", "expire k 100"},
			onA:   []string{"persist k"},
			onB:   []string{"expire k 500"},
			reads: []string{"ttl k\t:-1"},
		},
		{
			name:  "EXPIRE || EXPIRE: the longer TTL wins (A10)",
			setup: []string{"set k 1"},
			onA:   []string{"expire k 500"},
			onB:   []string{"expire k 100"},
			reads: []string{"ttl k\t:500"},
		},
		{
			name:  "DEL || EXPIRE: nothing left to expire (B5)",
			setup: []string{"set k 1"},
			onA:   []string{"del k"},
			onB:   []string{"expire k 100"},
			reads: []string{"exists k\t:0", "ttl k\t:-2"},
		},
		{
			name:  "EXPIRE in the past || nothing: the delete replicates",
			setup: []string{"set k 1"},
			onA:   []string{"expireat k 1"},
			reads: []string{"exists k\t:0"},
		},
		{
			name:  "SET without KEEPTTL || EXPIRE: the unseen EXPIRE survives (B5)",
			setup: []string{"set k 1"},
			onA:   []string{"set k 2"},
			onB:   []string{"expire k 100"},
			reads: []string{"get k\t\"2\"", "ttl k\t:100"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, b := newTestReplica(t, 1), newTestReplica(t, 2)
			now := ktNow
			var base []*Delta
			if tt.seed != nil {
				base = append(base, ktWrite(a, now, tt.seed))
			}
			for _, cmd := range tt.setup {
				_, d := ktDo(t, a, now, cmd)
				base = append(base, d)
			}
			ktMerge(t, b, now, base...)
			now += ktMs
			var da, db []*Delta
			for _, cmd := range tt.onA {
				_, d := ktDo(t, a, now, cmd)
				da = append(da, d)
			}
			if tt.seedB != nil {
				db = append(db, ktWrite(b, now, tt.seedB))
			}
			for _, cmd := range tt.onB {
				_, d := ktDo(t, b, now, cmd)
				db = append(db, d)
			}
			ktMerge(t, a, now, db...)
			ktMerge(t, b, now, da...)
			if !bytes.Equal(ktState(t, a), ktState(t, b)) {
				t.Fatal("replicas did not converge")
			}
			for _, r := range []*Replica{a, b} {
				ktRun(t, r, now, strings.Join(tt.reads, "\n"))
				for name, want := range tt.checkSets {
					if got := ktSet(r, now, name); !slices.Equal(got, want) {
						t.Errorf("set %s = %v, want %v", name, got, want)
					}
				}
			}
		})
	}
}

// ktFixedRand is a Source that always returns n.
type ktFixedRand struct{ n uint64 }

func (f *ktFixedRand) Uint64() uint64 { return f.n }

func TestKeysRandomKey(t *testing.T) {
	t.Parallel()
	t.Run("uniform and reproducible", func(t *testing.T) {
		t.Parallel()
		picks := func() []string {
			r := newTestReplica(t, 3)
			for _, k := range []string{"a", "b", "c", "d", "e"} {
				ktDo(t, r, ktNow, "set "+k+" 1")
			}
			ktDo(t, r, ktNow, "pexpire e 1")
			ktDo(t, r, ktNow, "del d")
			var out []string
			for range 300 {
				got, _ := ktDo(t, r, ktNow+ktMs, "randomkey")
				out = append(out, got)
			}
			return out
		}
		first := picks()
		if !slices.Equal(first, picks()) {
			t.Fatal("RANDOMKEY differs between identical runs")
		}
		seen := map[string]int{}
		for _, p := range first {
			seen[p]++
		}
		for _, k := range []string{`"a"`, `"b"`, `"c"`} {
			if seen[k] < 50 {
				t.Errorf("key %s picked %d times of 300", k, seen[k])
			}
		}
		if len(seen) != 3 {
			t.Errorf("picked %v, want only the live keys a, b, c", seen)
		}
	})
	t.Run("falls back when draws hit dead keys", func(t *testing.T) {
		t.Parallel()
		cfg := DefaultConfig()
		cfg.Rand = &ktFixedRand{}
		r, err := New(causal.ReplicaID{15: 1}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 10 {
			ktDo(t, r, ktNow, "set k"+strconv.Itoa(i)+" 1")
		}
		first := r.scanOrder()[0]
		ktDo(t, r, ktNow, "pexpire "+first+" 1")
		got, _ := ktDo(t, r, ktNow+ktMs, "randomkey")
		if want := strconv.Quote(r.scanOrder()[1]); got != want {
			t.Errorf("randomkey = %s, want %s", got, want)
		}
		ktDo(t, r, ktNow+ktMs, "flushall")
		if got, _ := ktDo(t, r, ktNow+ktMs, "randomkey"); got != "(nil)" {
			t.Errorf("randomkey on an empty keyspace = %s", got)
		}
	})
}

// TestKeysPersistDelta checks which commands write: PERSIST on any existing
// key (its mark beats concurrent EXPIREs, A10), EXPIRE with a failed
// condition never.
func TestKeysPersistDelta(t *testing.T) {
	t.Parallel()
	r := newTestReplica(t, 1)
	ktDo(t, r, ktNow, "set k 1")
	tests := []struct {
		cmd   string
		write bool
	}{
		{cmd: "persist k", write: true},
		{cmd: "persist nokey", write: false},
		{cmd: "expire k 100 xx", write: false},
		{cmd: "expire k 100 gt", write: false},
		{cmd: "expire k 100", write: true},
		{cmd: "expire k 100 nx", write: false},
		{cmd: "persist k", write: true},
		{cmd: "rename k k", write: false},
		{cmd: "renamenx k k", write: false},
		{cmd: "del nokey", write: false},
		{cmd: "flushall", write: true},
		{cmd: "flushall", write: false},
	}
	for _, tt := range tests {
		_, d := ktDo(t, r, ktNow, tt.cmd)
		if (d != nil) != tt.write {
			t.Errorf("%s: delta %v, want a delta: %v", tt.cmd, d != nil, tt.write)
		}
	}
}

// TestExpiryHeapBounded checks that refreshing a TTL many times keeps one
// schedule entry per key (a session-refresh workload), and that the key
// still expires at its latest time.
func TestExpiryHeapBounded(t *testing.T) {
	r := newTestReplica(t, 1)
	now := ktNow
	ktDo(t, r, now, "set session v")
	for i := 0; i < 10000; i++ {
		now += int64(time.Millisecond)
		ktDo(t, r, now, "expire session 3600")
		if i%1000 == 0 {
			r.Expire(now)
		}
	}
	if n := r.exp.Len(); n > 2 {
		t.Fatalf("expiry heap holds %d entries for one key", n)
	}
	if d := r.Expire(now + 3599*int64(time.Second)); d != nil {
		t.Fatal("expired before its latest TTL")
	}
	if d := r.Expire(now + 3601*int64(time.Second)); d == nil {
		t.Fatal("did not expire at its latest TTL")
	}
}
