package crdt

import "slices"

// seqFanout is the most elements a leaf holds and the most children an
// inner node holds. At 64 a 1M-element list is four levels deep, and a
// leaf's pointers fill eight cache lines.
const seqFanout = 64

// seqNode is a node of the order-statistic B-tree that keeps a Sequence's
// integrated elements, tombstones included, in list order. Every node
// counts the elements (n) and the live elements (live) below it, so that
// a position, counted with or without tombstones, is found in
// O(seqFanout · depth) and a liveness change costs one walk to the root.
// Leaves are linked both ways for iteration. Splits never leave a node
// empty, and nothing is removed from the tree yet (see Sequence,
// "Tombstones").
type seqNode struct {
	parent     *seqNode
	kids       []*seqNode // inner nodes only
	elems      []*seqElem // leaves only
	prev, next *seqNode   // neighbouring leaves
	n, live    int
	leaf       bool
}

// seqTree is the tree with its first and last leaves.
type seqTree struct {
	root        *seqNode
	first, last *seqNode
}

func newSeqTree() seqTree {
	l := newSeqLeaf()
	return seqTree{root: l, first: l, last: l}
}

func newSeqLeaf() *seqNode { return &seqNode{leaf: true} }

// insertElem inserts e at i, growing the leaf's array by doubling from 4
// up to seqFanout+1 slots, so that a short list stays small.
func (l *seqNode) insertElem(i int, e *seqElem) {
	if len(l.elems) == cap(l.elems) {
		grown := make([]*seqElem, len(l.elems), min(max(2*cap(l.elems), 4), seqFanout+1))
		copy(grown, l.elems)
		l.elems = grown
	}
	l.elems = slices.Insert(l.elems, i, e)
}

// seqCursor is a position in list order: elems[i] of leaf, or past the
// last element when leaf is nil.
type seqCursor struct {
	leaf *seqNode
	i    int
}

func (c seqCursor) elem() *seqElem {
	if c.leaf == nil {
		return nil
	}
	return c.leaf.elems[c.i]
}

// norm moves a cursor that points past its leaf to the next element.
func (c seqCursor) norm() seqCursor {
	for c.leaf != nil && c.i >= len(c.leaf.elems) {
		c = seqCursor{leaf: c.leaf.next}
	}
	return c
}

func (t *seqTree) begin() seqCursor { return seqCursor{leaf: t.first}.norm() }

// next returns the cursor of the following element, tombstones included.
func (c seqCursor) next() seqCursor {
	c.i++
	return c.norm()
}

// nextLive returns the cursor of the following live element, skipping
// leaves without one in O(1) each.
func (c seqCursor) nextLive() seqCursor {
	c.i++
	for c.leaf != nil {
		if c.leaf.live > 0 {
			for ; c.i < len(c.leaf.elems); c.i++ {
				if !c.leaf.elems[c.i].dead {
					return c
				}
			}
		}
		c = seqCursor{leaf: c.leaf.next}
	}
	return c
}

// prev returns the cursor of the preceding element; its leaf is nil
// before the first one.
func (c seqCursor) prev() seqCursor {
	c.i--
	for c.leaf != nil && c.i < 0 {
		c.leaf = c.leaf.prev
		if c.leaf != nil {
			c.i = len(c.leaf.elems) - 1
		}
	}
	return c
}

// at returns the cursor of an integrated element.
func (t *seqTree) at(e *seqElem) seqCursor {
	return seqCursor{leaf: e.leaf, i: slices.Index(e.leaf.elems, e)}
}

func (t *seqTree) firstElem() *seqElem { return t.begin().elem() }

func (t *seqTree) lastElem() *seqElem {
	if t.last == nil {
		return nil
	}
	return seqCursor{leaf: t.last, i: len(t.last.elems)}.prev().elem()
}

func (n *seqNode) count(live bool) int {
	if live {
		return n.live
	}
	return n.n
}

// rank returns the number of elements before e (live ones only, or all).
func (t *seqTree) rank(e *seqElem, live bool) int {
	r := 0
	for _, x := range e.leaf.elems {
		if x == e {
			break
		}
		if !live || !x.dead {
			r++
		}
	}
	child := e.leaf
	for p := child.parent; p != nil; child, p = p, p.parent {
		for _, k := range p.kids {
			if k == child {
				break
			}
			r += k.count(live)
		}
	}
	return r
}

// locate returns the cursor of the i-th element (live ones only, or all).
// i must be in range.
func (t *seqTree) locate(i int, live bool) seqCursor {
	n := t.root
	for !n.leaf {
		var next *seqNode
		for _, k := range n.kids {
			if c := k.count(live); i >= c {
				i -= c
				continue
			}
			next = k
			break
		}
		if next == nil {
			panic("crdt: sequence position out of range")
		}
		n = next
	}
	for j, e := range n.elems {
		if live && e.dead {
			continue
		}
		if i == 0 {
			return seqCursor{leaf: n, i: j}
		}
		i--
	}
	panic("crdt: sequence position out of range")
}

// insert puts e before the element at c (at the end when c is past the
// last element) and splits the leaf if it overflows.
func (t *seqTree) insert(c seqCursor, e *seqElem) {
	if c.leaf == nil {
		c = seqCursor{leaf: t.last, i: len(t.last.elems)}
	}
	l := c.leaf
	l.insertElem(c.i, e)
	e.leaf = l
	live := 0
	if !e.dead {
		live = 1
	}
	for n := l; n != nil; n = n.parent {
		n.n++
		n.live += live
	}
	if len(l.elems) > seqFanout {
		t.splitLeaf(l, c.i)
	}
}

// splitAt chooses where an overflowing node of size n splits after an
// insertion at index at. Pushes at either end leave full nodes behind
// (a list built by RPUSH or LPUSH alone fills its leaves); anything else
// splits in half.
func splitAt(n, at int) int {
	switch at {
	case n - 1:
		return at
	case 0:
		return 1
	}
	return n / 2
}

// splitLeaf moves the elements of l from the split point into a new leaf
// after l.
func (t *seqTree) splitLeaf(l *seqNode, at int) {
	mid := splitAt(len(l.elems), at)
	r := newSeqLeaf()
	r.elems = slices.Clone(l.elems[mid:])
	clear(l.elems[mid:])
	l.elems = l.elems[:mid]
	for _, e := range r.elems {
		e.leaf = r
		r.n++
		if !e.dead {
			r.live++
		}
	}
	l.n -= r.n
	l.live -= r.live
	r.prev, r.next = l, l.next
	if l.next != nil {
		l.next.prev = r
	} else {
		t.last = r
	}
	l.next = r
	t.addSibling(l, r)
}

// addSibling inserts r after l under l's parent, splitting inner nodes up
// the tree as they overflow.
func (t *seqTree) addSibling(l, r *seqNode) {
	for {
		p := l.parent
		if p == nil {
			root := &seqNode{kids: make([]*seqNode, 0, seqFanout+1)}
			root.kids = append(root.kids, l, r)
			root.n, root.live = l.n+r.n, l.live+r.live
			l.parent, r.parent = root, root
			t.root = root
			return
		}
		at := slices.Index(p.kids, l) + 1
		p.kids = slices.Insert(p.kids, at, r)
		r.parent = p
		if len(p.kids) <= seqFanout {
			return
		}
		l, r = p, splitInner(p, at)
	}
}

// splitInner moves the children of p from the split point into a new
// inner node and returns it; the caller links it in.
func splitInner(p *seqNode, at int) *seqNode {
	mid := splitAt(len(p.kids), at)
	q := &seqNode{kids: make([]*seqNode, 0, seqFanout+1)}
	q.kids = append(q.kids, p.kids[mid:]...)
	clear(p.kids[mid:])
	p.kids = p.kids[:mid]
	for _, k := range q.kids {
		k.parent = q
		q.n += k.n
		q.live += k.live
	}
	p.n -= q.n
	p.live -= q.live
	return q
}

// setDead changes the liveness of an integrated element and the counts
// above it.
func (t *seqTree) setDead(e *seqElem, dead bool) {
	d := 1
	if dead {
		d = -1
	}
	e.dead = dead
	for n := e.leaf; n != nil; n = n.parent {
		n.live += d
	}
}

// load replaces the tree with elems in the given order, packing full
// nodes bottom-up in O(len(elems)) without recursion.
func (t *seqTree) load(elems []*seqElem) {
	*t = newSeqTree()
	if len(elems) == 0 {
		return
	}
	var level []*seqNode
	for i := 0; i < len(elems); i += seqFanout {
		l := newSeqLeaf()
		l.elems = slices.Clone(elems[i:min(i+seqFanout, len(elems))])
		for _, e := range l.elems {
			e.leaf = l
			l.n++
			if !e.dead {
				l.live++
			}
		}
		if len(level) > 0 {
			l.prev = level[len(level)-1]
			l.prev.next = l
		}
		level = append(level, l)
	}
	t.first, t.last = level[0], level[len(level)-1]
	for len(level) > 1 {
		up := make([]*seqNode, 0, (len(level)+seqFanout-1)/seqFanout)
		for i := 0; i < len(level); i += seqFanout {
			p := &seqNode{kids: make([]*seqNode, 0, seqFanout+1)}
			for _, k := range level[i:min(i+seqFanout, len(level))] {
				k.parent = p
				p.kids = append(p.kids, k)
				p.n += k.n
				p.live += k.live
			}
			up = append(up, p)
		}
		level = up
	}
	t.root = level[0]
}
