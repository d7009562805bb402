package engine

import (
	"cmp"
	"math"
	"slices"
	"strconv"

	"lattice/shared/crdt"
)

// scanCommands: SCAN, HSCAN, SSCAN, ZSCAN (cursor iteration).
//
// Cursors. Names are visited in scan order: by the 64-bit FNV-1a hash of
// the name, then by name. A cursor is the hash to resume from: a call
// visits every name whose hash is at least the cursor, in order, until it
// has visited COUNT names and reached the end of a run of equal hashes,
// and returns the hash of the next name (0 when none is left). Each call
// thus covers the whole hash range [cursor, next), whatever was inserted or
// deleted in between, so a name present for the whole scan is returned
// (exactly once: the ranges do not overlap), and the next cursor is always
// greater than the hashes just visited, hence never 0 mid-scan. COUNT
// counts names examined, before MATCH and TYPE filter them, as Redis counts
// buckets, so a call may return nothing with a non-zero cursor.
//
// Cost. A call that has to look at the whole collection (HSCAN and SSCAN
// always, since hashes and sets are Go maps; SCAN when a keyspace change
// made it rebuild the cached order) examines at least 1/scanPasses of it,
// whatever COUNT says, so that a whole scan pays that O(n) price at most
// about scanPasses times instead of n/COUNT times. COUNT is only a hint in
// Redis too.
//
// Small collections. Redis stores small hashes and sorted sets as
// listpacks and small sets of integers as intsets, and HSCAN, SSCAN and
// ZSCAN of those ignore the cursor and COUNT and return everything with
// cursor 0 (intsets in numeric order, sorted sets in rank order). We do the same whenever the collection would have that encoding
// in a fresh redis-server 7.0.15 (default limits below); Redis keeps a
// collection that once outgrew them in the large encoding, which we cannot
// tell from its contents.
var scanCommands = []command{
	{name: "scan", arity: -2, flags: flagReadonly, run: cmdScan},
	{name: "hscan", arity: -3, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, run: cmdHScan},
	{name: "sscan", arity: -3, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, run: cmdSScan},
	{name: "zscan", arity: -3, flags: flagReadonly, firstKey: 1, lastKey: 1, step: 1, run: cmdZScan},
}

// scanHash is 64-bit FNV-1a, the scan order's hash.
func scanHash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// sortScan sorts names into scan order.
func sortScan(names []string) {
	type item struct {
		h    uint64
		name string
	}
	items := make([]item, len(names))
	for i, n := range names {
		items[i] = item{h: scanHash(n), name: n}
	}
	slices.SortFunc(items, func(a, b item) int {
		if c := cmp.Compare(a.h, b.h); c != 0 {
			return c
		}
		return cmp.Compare(a.name, b.name)
	})
	for i := range items {
		names[i] = items[i].name
	}
}

// The small-encoding limits of redis-server 7.0.15's default config.
const (
	hashMaxListpackEntries = 512 // hash-max-listpack-entries
	hashMaxListpackValue   = 64  // hash-max-listpack-value
	setMaxIntsetEntries    = 512 // set-max-intset-entries
	zsetMaxListpackEntries = 128 // zset-max-listpack-entries
	zsetMaxListpackValue   = 64  // zset-max-listpack-value
)

// scanPasses bounds how many calls a whole scan takes when each call costs
// O(n) (see scanCommands).
const scanPasses = 64

// scanBatch is the number of names a call that paid O(n) examines.
func scanBatch(count int64, n int) int64 { return max(count, int64(n/scanPasses)) }

// scanOrder returns every stored name (tombstones and expired keys
// included) in scan order. The order is cached in r.keyOrder, which
// joinKey clears whenever a name is added or removed, and rebuilt here on
// demand. Callers must not modify it.
func (r *Replica) scanOrder() []string {
	if r.keyOrder == nil && len(r.keys) > 0 {
		names := make([]string, 0, len(r.keys))
		for name := range r.keys {
			names = append(names, name)
		}
		sortScan(names)
		r.keyOrder = names
	}
	return r.keyOrder
}

// scanFrom visits names (sorted by hash, the scan order for scanHash)
// from cursor on: at least count of them, never stopping inside a run of
// equal hashes. It returns the next cursor, 0 when the end was reached.
func scanFrom(order []string, hash func(string) uint64, cursor uint64, count int64, visit func(name string)) uint64 {
	i, _ := slices.BinarySearchFunc(order, cursor, func(name string, c uint64) int {
		return cmp.Compare(hash(name), c)
	})
	var n int64
	var last uint64
	for ; i < len(order); i++ {
		h := hash(order[i])
		if n >= count && h != last {
			return h
		}
		visit(order[i])
		n++
		last = h
	}
	return 0
}

// parseCursor is parseScanCursorOrReply: strtoul in base 10 on the C
// string, refusing a leading space, trailing bytes and overflow. As strtoul
// does, it accepts a sign (a negative cursor wraps around) and reads the
// empty string as 0.
func parseCursor(b []byte) (uint64, bool) {
	b = cstr(b)
	if len(b) == 0 {
		return 0, true
	}
	switch b[0] {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return 0, false
	}
	neg := false
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var n uint64
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		if n > (^uint64(0)-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	if neg {
		n = -n
	}
	return n, true
}

// scanOpts are the options of SCAN, HSCAN and SSCAN.
type scanOpts struct {
	count int64
	pat   []byte // nil: match everything
	typ   []byte // SCAN's TYPE; nil: any type
}

// parseScanOpts parses args[from:] as db.c scanGenericCommand does; TYPE
// only for SCAN (keyspace true).
func parseScanOpts(args [][]byte, from int, keyspace bool) (scanOpts, Reply, bool) {
	o := scanOpts{count: 10}
	for i := from; i < len(args); i += 2 {
		hasArg := i+1 < len(args)
		switch {
		case isOpt(args[i], "count") && hasArg:
			n, ok := crdt.ParseInt(args[i+1])
			if !ok {
				return o, errNotInt, false
			}
			if n < 1 {
				return o, errSyntax, false
			}
			o.count = n
		case isOpt(args[i], "match") && hasArg:
			o.pat = args[i+1]
			if len(o.pat) == 1 && o.pat[0] == '*' {
				o.pat = nil
			}
		case isOpt(args[i], "type") && keyspace && hasArg:
			o.typ = cstr(args[i+1])
		default:
			return o, errSyntax, false
		}
	}
	return o, Reply{}, true
}

// matches applies MATCH.
func (o *scanOpts) matches(name string) bool {
	return o.pat == nil || globMatch(o.pat, []byte(name), false)
}

// scanReply is the two-element reply: the next cursor and the items.
func scanReply(next uint64, items []Reply) Reply {
	return array([]Reply{bulkStr(strconv.FormatUint(next, 10)), array(items)})
}

// cmdScan is SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. TYPE
// compares with the TYPE command's word, ignoring ASCII case; logically
// expired keys are skipped.
func cmdScan(c *call) Reply {
	cursor, ok := parseCursor(c.args[1])
	if !ok {
		return errInvalidCur
	}
	o, errR, ok := parseScanOpts(c.args, 2, true)
	if !ok {
		return errR
	}
	count := o.count
	if c.r.keyOrder == nil {
		count = scanBatch(count, len(c.r.keys))
	}
	var items []Reply
	next := scanFrom(c.r.scanOrder(), scanHash, cursor, count, func(name string) {
		k := c.lookup(name)
		if k == nil || !o.matches(name) {
			return
		}
		if o.typ != nil && !equalFoldASCII(o.typ, k.Type().Name()) {
			return
		}
		items = append(items, bulkStr(name))
	})
	return scanReply(next, items)
}

// emptyScan is the reply for HSCAN and SSCAN of a missing key, given
// before the options are looked at.
func emptyScan() Reply { return scanReply(0, nil) }

// cmdHScan is HSCAN key cursor [MATCH pattern] [COUNT count]: field and
// value pairs, MATCH applying to the field.
func cmdHScan(c *call) Reply {
	cursor, ok := parseCursor(c.args[2])
	if !ok {
		return errInvalidCur
	}
	k, wrong := c.lookupType(string(c.args[1]), TypeHash)
	switch {
	case wrong:
		return errWrongType
	case k == nil:
		return emptyScan()
	}
	o, errR, ok := parseScanOpts(c.args, 3, false)
	if !ok {
		return errR
	}
	if fields, ok := listpackFields(k); ok {
		var items []Reply
		for _, f := range fields {
			if o.matches(f) {
				val, _ := k.Hash[f].Get()
				items = append(items, bulkStr(f), bulk(val))
			}
		}
		return scanReply(0, items)
	}
	var fields []string
	for f, v := range k.Hash {
		if !v.Empty() && scanHash(f) >= cursor {
			fields = append(fields, f)
		}
	}
	sortScan(fields)
	var items []Reply
	next := scanFrom(fields, scanHash, cursor, scanBatch(o.count, k.hashLive), func(f string) {
		if !o.matches(f) {
			return
		}
		val, _ := k.Hash[f].Get()
		items = append(items, bulkStr(f), bulk(val))
	})
	return scanReply(next, items)
}

// cmdSScan is SSCAN key cursor [MATCH pattern] [COUNT count].
func cmdSScan(c *call) Reply {
	cursor, ok := parseCursor(c.args[2])
	if !ok {
		return errInvalidCur
	}
	k, wrong := c.lookupType(string(c.args[1]), TypeSet)
	switch {
	case wrong:
		return errWrongType
	case k == nil:
		return emptyScan()
	}
	o, errR, ok := parseScanOpts(c.args, 3, false)
	if !ok {
		return errR
	}
	if ints, ok := intsetMembers(k.Set); ok {
		var items []Reply
		for _, m := range ints {
			if o.matches(m) {
				items = append(items, bulkStr(m))
			}
		}
		return scanReply(0, items)
	}
	var members []string
	for m := range k.Set {
		if scanHash(m) >= cursor {
			members = append(members, m)
		}
	}
	sortScan(members)
	var items []Reply
	next := scanFrom(members, scanHash, cursor, scanBatch(o.count, len(k.Set)), func(m string) {
		if o.matches(m) {
			items = append(items, bulkStr(m))
		}
	})
	return scanReply(next, items)
}

// listpackFields returns the live fields of hash k sorted by name when
// Redis would keep the hash as a listpack; ok is false otherwise.
func listpackFields(k *Key) (fields []string, ok bool) {
	if k.hashLive > hashMaxListpackEntries {
		return nil, false
	}
	for f, v := range k.Hash {
		if v.Empty() {
			continue
		}
		val, _ := v.Get()
		if len(f) > hashMaxListpackValue || len(val) > hashMaxListpackValue {
			return nil, false
		}
		fields = append(fields, f)
	}
	slices.Sort(fields)
	return fields, true
}

// intsetMembers returns the members of set s in numeric order when Redis
// would keep the set as an intset (every member an integer in canonical
// form); ok is false otherwise.
func intsetMembers(s crdt.ORSet) (members []string, ok bool) {
	if len(s) > setMaxIntsetEntries {
		return nil, false
	}
	type num struct {
		n int64
		m string
	}
	nums := make([]num, 0, len(s))
	for m := range s {
		n, ok := crdt.ParseInt([]byte(m))
		if !ok {
			return nil, false
		}
		nums = append(nums, num{n: n, m: m})
	}
	slices.SortFunc(nums, func(a, b num) int { return cmp.Compare(a.n, b.n) })
	members = make([]string, len(nums))
	for i := range nums {
		members[i] = nums[i].m
	}
	return members, true
}

// cmdZScan is ZSCAN key cursor [MATCH pattern] [COUNT count]: member and
// score pairs, MATCH applying to the member. Scores are bulk strings in
// RESP3 too, with the text of ZSCORE, as Redis sends them.
func cmdZScan(c *call) Reply {
	cursor, ok := parseCursor(c.args[2])
	if !ok {
		return errInvalidCur
	}
	k, wrong := c.lookupType(string(c.args[1]), TypeZSet)
	switch {
	case wrong:
		return errWrongType
	case k == nil:
		return emptyScan()
	}
	o, errR, ok := parseScanOpts(c.args, 3, false)
	if !ok {
		return errR
	}
	if es, ok := listpackEntries(k.zidx); ok {
		var items []Reply
		for _, e := range es {
			if o.matches(e.Member) {
				items = append(items, bulkStr(e.Member), bulkStr(listpackScore(e.Score)))
			}
		}
		return scanReply(0, items)
	}
	var members []string
	for m := range k.ZSet {
		if _, live := k.zidx.Score(m); live && scanHash(m) >= cursor {
			members = append(members, m)
		}
	}
	sortScan(members)
	var items []Reply
	next := scanFrom(members, scanHash, cursor, scanBatch(o.count, k.zidx.Len()), func(m string) {
		if o.matches(m) {
			f, _ := k.zidx.Score(m)
			items = append(items, bulkStr(m), bulk(crdt.AppendScore(nil, f)))
		}
	})
	return scanReply(next, items)
}

// listpackScore is a score as a listpack stores it, which ZSCAN of a small
// sorted set returns verbatim: an integral score within ±2^62 (Redis's
// double2ll) as an integer ("1000000000000000000", where ZSCORE says
// "1e+18"), any other as printf "%.17g".
func listpackScore(f float64) string {
	const lim = 1 << 62
	if f >= -lim && f <= lim && f == math.Trunc(f) {
		return strconv.FormatInt(int64(f), 10)
	}
	return string(crdt.AppendScore(nil, f))
}

// listpackEntries returns the entries of x in rank order when Redis would
// keep the sorted set as a listpack; ok is false otherwise.
func listpackEntries(x *crdt.ZIndex) (es []crdt.ZEntry, ok bool) {
	if x.Len() > zsetMaxListpackEntries {
		return nil, false
	}
	es = x.RangeByRank(nil, 0, -1, false)
	for _, e := range es {
		if len(e.Member) > zsetMaxListpackValue {
			return nil, false
		}
	}
	return es, true
}
