package crdt

import (
	"iter"
	"slices"

	"lattice/shared/causal"
	"lattice/shared/hlc"
)

// Sequence is the list CRDT behind Redis lists (SEMANTICS.md A7, B7): an
// ordered collection of distinct elements, each named by the dot of the
// write that inserted it and holding a value; equal values are unrelated
// elements. It belongs to the YATA family (Nicolaescu, Jahns, Derntl and
// Klamma, "Near Real-Time Peer-to-Peer Shared Editing on Extensible Data
// Types", GROUP 2016), the algorithm behind Yjs.
//
// # Order and tie-break
//
// Every element records its left and right origin: the elements between
// which it was inserted, counting removed ones (a zero dot stands for the
// start or the end of the list). Local inserts therefore keep Redis's
// sequential behaviour: LINSERT AFTER x a, then LINSERT AFTER x b on the
// same replica gives x b a, because b's right origin is a; LPUSH a then
// LPUSH b gives b a. Where an element lands among elements inserted
// concurrently between the same neighbours is decided by YATA's
// integration as Yjs runs it, in the variant Gentle's reference-crdts
// calls YjsMod (scan right from the left origin, up to the right origin):
//
//   - Two elements with the same left and the same right origin are
//     ordered by dot: the smaller replica id first (then the smaller seq,
//     which honest replicas never need). So x; A: LINSERT AFTER x y1 ‖
//     B: LINSERT AFTER x y2 gives x y1 y2 on every replica when A's id is
//     the smaller (reference §7.2).
//   - Otherwise, among elements with the same left origin, the one whose
//     right origin lies further right comes first, and every element
//     travels with the elements later inserted next to it.
//
// Equivalently, the order is the in-order walk of Weidner, Gentle and
// Kleppmann's FugueMax tree ("The Art of the Fugue", 2023): an element is
// a left child of its right origin when that is a descendant of its left
// origin, else a right child of its left origin; left siblings are sorted
// by dot, right siblings by right origin, the rightmost first, then by
// dot. That tree is a function of the set of elements alone, so the list
// order does not depend on delivery order; sequence_converge_test.go
// checks the integration against a direct implementation of the tree.
//
// # Elements, liveness and values
//
// The state is three parts: a grow-only set of element records (id and
// origins, never changed once created); liveness, a causal dot store of
// element ids (an element is live while its id is, under the join of the
// package doc, so removal is observed-remove); and per live element its
// value, a multi-value register in causal form like Value's assignments.
// The insert writes the first value entry (its dot is the element's id);
// LSET (Set) writes an entry with its own dot and removes the entries it
// observed, so a write that saw another wins whatever the clocks say. Of
// concurrent entries the reader shows the LWW winner: the greater
// hlc.Timestamp, an exact tie to the smaller replica id (then the greater
// seq, which honest replicas never need).
//
// Set carries no liveness of its own: LSET concurrent with a pop or LREM
// of the same element loses and the element stays removed (a popped
// element must not come back, A7; the reference leaves this open, §7
// GAP). A removed element keeps its record, as a tombstone, and drops its
// value.
//
// # Join
//
// Join is the product of the joins: union of records, causal join of
// liveness and of value entries. It is commutative, associative and
// idempotent, and a delta may arrive in any order, twice, or after a later
// one. Every delta carries the records of the elements it touches (an
// LSET's and a removal's too), so nothing arrives without its record. An
// element whose origins have not arrived yet is buffered: kept (and
// encoded) as pending, invisible, and integrated as soon as both origins
// are, so the result does not depend on arrival order.
//
// A delta must name every element whose id its context removes, as a
// tombstone record (Remove and Clear do so), because a delta join visits
// only what the delta names. A full state is joined with full set.
//
// # Costs
//
// Elements sit in an order-statistic B-tree (fanout 64, four levels at 1M
// elements) that counts live elements, plus a map from id to element.
// Push at either end, Insert next to an element, Remove, Set and a local
// insert's join are O(log n); At and Find are O(64 · log₆₄ n); Range(i, j)
// is O(log n + (j-i) + tombstones skipped inside partly live leaves); Len
// is O(1). Integrating a remote element costs O(log n) when nothing was
// inserted concurrently between its origins, O(k log n) for k such
// elements (a hostile delta can make k large). Measured on a 1M-element
// list (sequence_bench_test.go; one core, GC off, so mostly cache misses
// on the id map and the tree): LINDEX of the middle 0.11 µs, LRANGE of
// 100 there 0.8 µs, RPUSH or LPUSH (delta and join) 0.8-1.3 µs with 2
// allocations, LINSERT in the middle 1.4-1.7 µs, LPOP or RPOP 1 µs with
// none, LSET 0.6 µs. Memory: 238 bytes of heap per element, values aside
// (the element 144, its map entry about 70, its leaf slot 8).
//
// # Tombstones
//
// A tombstone is a removed element's record: id and origins, no value. It
// costs the same heap as a live element (the value entry is stored
// inline) and about 65 encoded bytes. It stays because origins name
// neighbours including removed ones: an insert made concurrently with the
// removal, or by any replica that still shows the tombstone next to its
// insertion point, may name it, and could not be placed without it.
//
// Collection is not done yet. Given a causal-stability horizon (the dots
// every replica has delivered), it may drop a tombstone t only when no
// element can ever be integrated against t again:
//
//  1. t is removed everywhere: its insert and its removal are stable.
//     Removal is told by context, so the collector needs the removing
//     event's dot; the tombstone record would carry it, joined by union.
//  2. Every element that names t as an origin is stable, hence integrated
//     everywhere.
//  3. No replica names t again. Local inserts name tombstones, so the
//     replicas must first agree to stop: for instance the key's owner (as
//     for expiry, A10) replicates a "retired" mark for t once 1 and 2
//     hold; inserts made after seeing it name unretired neighbours and
//     are integrated only where the mark is, like an origin; t goes once
//     the mark and every write concurrent with it are stable. That
//     integration rule needs its own convergence tests.
//
// The structure is ready for it: a tombstone is an ordinary record in the
// id map and in the tree (a leaf slot to delete), the buffer of pending
// elements already handles a missing origin, and the encoding can gain a
// field without renumbering.
//
// # Encoding
//
// MarshalCBOR writes exactly what codec.Marshal gives for Snapshot:
// elements in list order, then pending elements sorted by id, each record
// a flat array. Equal states encode to equal bytes whatever their
// history, and nothing recurses: a 1M-element list with 8-byte values is
// 115 MB, written in about 0.6 s, and decoded (through codec, which caps
// a list at codec.MaxElements records) in about 3.5 s. Decoding trusts
// the listed order of a snapshot after checking that every element lies
// between its origins; Join re-integrates whatever it receives.
//
// A Sequence is not safe for concurrent use.
type Sequence struct {
	tree    seqTree
	byID    map[causal.Dot]*seqElem     // integrated and pending elements
	pending map[causal.Dot]seqOrigins   // pending id -> its origins; nil when none yet
	waiting map[causal.Dot][]causal.Dot // missing origin -> pending ids; likewise
}

// seqElem is one element. Origins are pointers once integrated (nil: the
// start or the end); leaf is nil while the element is pending.
type seqElem struct {
	id          causal.Dot
	left, right *seqElem
	leaf        *seqNode
	vals        []SeqVal  // value entries sorted by dot; none when dead
	one         [1]SeqVal // backing of vals for the usual single entry
	dead        bool
}

// seqOrigins are a pending element's origins, as dots.
type seqOrigins struct{ left, right causal.Dot }

// setVals stores value entries, copying them so that e owns its memory.
func (e *seqElem) setVals(vs []SeqVal) {
	switch len(vs) {
	case 0:
		e.vals = nil
	case 1:
		e.one[0] = vs[0]
		e.vals = e.one[:1:1]
	default:
		e.vals = slices.Clone(vs)
	}
}

// value returns the LWW winner among e's value entries.
func (e *seqElem) value() []byte {
	if len(e.vals) == 0 {
		return nil
	}
	w := &e.vals[0]
	for i := 1; i < len(e.vals); i++ {
		if v := &e.vals[i]; Later(v.TS, v.Dot.Replica, w.TS, w.Dot.Replica) ||
			v.TS == w.TS && v.Dot.Replica == w.Dot.Replica && v.Dot.Seq > w.Dot.Seq {
			w = v
		}
	}
	return w.Val
}

// SeqDelta is the flat form of a Sequence: a delta, or a whole state as
// Snapshot returns it. In a state, Elems are in list order and Pending is
// sorted by id; a delta may list records in any order, in either field.
type SeqDelta struct {
	Elems   []SeqElem `cbor:"1,keyasint,omitempty"`
	Pending []SeqElem `cbor:"2,keyasint,omitempty"` // waiting for an origin
}

// SeqElem is one element record with its value entries, sorted by dot.
// A tombstone (Dead) has none.
type SeqElem struct {
	_     struct{} `cbor:",toarray"`
	ID    causal.Dot
	Left  causal.Dot // left origin; zero: the start of the list
	Right causal.Dot // right origin; zero: the end of the list
	Dead  bool
	Vals  []SeqVal
}

// SeqVal is one value entry: the insert's (Dot is the element's id) or an
// LSET's.
type SeqVal struct {
	_   struct{} `cbor:",toarray"`
	Dot causal.Dot
	TS  hlc.Timestamp
	Val []byte
}

func valDot(v *SeqVal) causal.Dot { return v.Dot }

// NewSequence returns an empty sequence. The zero Sequence is empty too,
// and ready to use.
func NewSequence() *Sequence {
	return &Sequence{tree: newSeqTree(), byID: map[causal.Dot]*seqElem{}}
}

// Len returns the number of live elements, in O(1); 0 for a nil s.
func (s *Sequence) Len() int {
	if s == nil || s.tree.root == nil {
		return 0
	}
	return s.tree.root.live
}

// Tombstones returns the number of removed elements kept as anchors.
func (s *Sequence) Tombstones() int {
	if s.tree.root == nil {
		return 0
	}
	return s.tree.root.n - s.tree.root.live
}

// At returns the id and value of the live element at index i, which must
// be in [0, Len()).
func (s *Sequence) At(i int) (causal.Dot, []byte) {
	if i < 0 || i >= s.Len() {
		panic("crdt: Sequence.At index out of range")
	}
	e := s.tree.locate(i, true).elem()
	return e.id, e.value()
}

// Find returns the index of live element id.
func (s *Sequence) Find(id causal.Dot) (int, bool) {
	e := s.byID[id]
	if e == nil || e.leaf == nil || e.dead {
		return 0, false
	}
	return s.tree.rank(e, true), true
}

// Range yields the live elements with index in [i, j), clamped to the
// list. The values are the Sequence's own and must not be modified, nor
// may s change during the iteration.
func (s *Sequence) Range(i, j int) iter.Seq2[causal.Dot, []byte] {
	return func(yield func(causal.Dot, []byte) bool) {
		i, j := max(i, 0), min(j, s.Len())
		if i >= j {
			return
		}
		for c := s.tree.locate(i, true); i < j; c = c.nextLive() {
			e := c.elem()
			if !yield(e.id, e.value()) {
				return
			}
			i++
		}
	}
}

// live returns integrated live element id, or nil.
func (s *Sequence) live(id causal.Dot) *seqElem {
	e := s.byID[id]
	if e == nil || e.leaf == nil || e.dead {
		return nil
	}
	return e
}

// Push returns the delta of LPUSH (back false) or RPUSH (back true) of one
// value: the new element id goes before everything, tombstones included,
// or after everything. The delta's context must hold id; val is retained.
func (s *Sequence) Push(back bool, id causal.Dot, ts hlc.Timestamp, val []byte) SeqDelta {
	if back {
		return insertDelta(id, s.tree.lastElem(), nil, ts, val)
	}
	return insertDelta(id, nil, s.tree.firstElem(), ts, val)
}

// InsertAt returns the delta of inserting a value so that it becomes the
// live element at index i, in [0, Len()]: right after live element i-1
// (before any tombstones that follow it), or first of all when i is 0.
func (s *Sequence) InsertAt(i int, id causal.Dot, ts hlc.Timestamp, val []byte) SeqDelta {
	if i < 0 || i > s.Len() {
		panic("crdt: Sequence.InsertAt index out of range")
	}
	if i == 0 {
		return s.Push(false, id, ts, val)
	}
	c := s.tree.locate(i-1, true)
	return insertDelta(id, c.elem(), c.next().elem(), ts, val)
}

// Insert returns the delta of LINSERT AFTER (after true) or BEFORE the
// live element pivot: the new element goes right next to the pivot. It
// reports false when pivot is not a live element.
func (s *Sequence) Insert(pivot causal.Dot, after bool, id causal.Dot, ts hlc.Timestamp, val []byte) (SeqDelta, bool) {
	p := s.live(pivot)
	if p == nil {
		return SeqDelta{}, false
	}
	c := s.tree.at(p)
	if after {
		return insertDelta(id, p, c.next().elem(), ts, val), true
	}
	return insertDelta(id, c.prev().elem(), p, ts, val), true
}

func insertDelta(id causal.Dot, l, r *seqElem, ts hlc.Timestamp, val []byte) SeqDelta {
	return oneRecord(SeqElem{ID: id, Left: l.dot(), Right: r.dot()}, SeqVal{Dot: id, TS: ts, Val: val})
}

// oneRecord returns a delta of record r with value entry v, in one
// allocation.
func oneRecord(r SeqElem, v SeqVal) SeqDelta {
	b := &struct {
		r [1]SeqElem
		v [1]SeqVal
	}{r: [1]SeqElem{r}, v: [1]SeqVal{v}}
	b.r[0].Vals = b.v[:]
	return SeqDelta{Elems: b.r[:]}
}

// dot returns e's id, or the zero dot for a nil element (start or end).
func (e *seqElem) dot() causal.Dot {
	if e == nil {
		return causal.Dot{}
	}
	return e.id
}

// Set returns the delta of LSET of live element id to val, written at ts
// by the write whose own dot is dot: the element's record with one new
// value entry. It appends the dots of the entries it replaces to rm; the
// delta's context must hold them and dot. It reports false when id is not
// live.
func (s *Sequence) Set(id, dot causal.Dot, ts hlc.Timestamp, val []byte, rm []causal.Dot) (SeqDelta, []causal.Dot, bool) {
	e := s.live(id)
	if e == nil {
		return SeqDelta{}, rm, false
	}
	for _, v := range e.vals {
		rm = append(rm, v.Dot)
	}
	r := SeqElem{ID: id, Left: e.left.dot(), Right: e.right.dot()}
	return oneRecord(r, SeqVal{Dot: dot, TS: ts, Val: val}), rm, true
}

// Remove returns the delta removing live element id (a pop, or one
// element of LREM or LTRIM): its tombstone record. The delta's context
// must hold id. It reports false when id is not live.
func (s *Sequence) Remove(id causal.Dot) (SeqDelta, bool) {
	e := s.live(id)
	if e == nil {
		return SeqDelta{}, false
	}
	return SeqDelta{Elems: []SeqElem{tombstone(e)}}, true
}

func tombstone(e *seqElem) SeqElem {
	return SeqElem{ID: e.id, Left: e.left.dot(), Right: e.right.dot(), Dead: true}
}

// Clear returns the delta removing every live element (DEL of the list,
// or a write of another type over it) and the removed ids, which the
// delta's context must hold. Pending elements were never shown, so they
// are not observed and stay.
func (s *Sequence) Clear() (SeqDelta, []causal.Dot) {
	n := s.Len()
	if n == 0 {
		return SeqDelta{}, nil
	}
	d := SeqDelta{Elems: make([]SeqElem, 0, n)}
	rm := make([]causal.Dot, 0, n)
	for c := s.tree.locate(0, true); c.leaf != nil; c = c.nextLive() {
		e := c.elem()
		d.Elems = append(d.Elems, tombstone(e))
		rm = append(rm, e.id)
	}
	return d, rm
}
