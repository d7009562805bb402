package hlc

import (
	"errors"
	"fmt"
	"time"
)

// Timestamp is a hybrid logical clock reading. Wall is Unix milliseconds.
type Timestamp struct {
	_       struct{} `cbor:",toarray"`
	Wall    int64
	Logical uint32
}

// Compare orders timestamps by Wall, then Logical.
func (t Timestamp) Compare(o Timestamp) int {
	switch {
	case t.Wall < o.Wall:
		return -1
	case t.Wall > o.Wall:
		return 1
	case t.Logical < o.Logical:
		return -1
	case t.Logical > o.Logical:
		return 1
	}
	return 0
}

// Less reports t < o.
func (t Timestamp) Less(o Timestamp) bool { return t.Compare(o) < 0 }

func (t Timestamp) String() string { return fmt.Sprintf("%d.%d", t.Wall, t.Logical) }

// DefaultMaxOffset is the largest clock offset tolerated between replicas.
const DefaultMaxOffset = 500 * time.Millisecond

// OffsetError reports a remote timestamp too far ahead to be trusted.
type OffsetError struct {
	Remote   Timestamp
	Physical int64 // local physical time, Unix ms
	Max      time.Duration
}

func (e *OffsetError) Error() string {
	return fmt.Sprintf("hlc: remote wall time %d is %dms ahead of local %d (max offset %v)",
		e.Remote.Wall, e.Remote.Wall-e.Physical, e.Physical, e.Max)
}

// ErrOffset matches any *OffsetError with errors.Is.
var ErrOffset = errors.New("hlc: remote clock too far ahead")

// Is lets errors.Is(err, ErrOffset) match.
func (e *OffsetError) Is(target error) bool { return target == ErrOffset }

// Clock is a hybrid logical clock. The zero Clock is usable with no offset
// check; set MaxOffset to enable it.
type Clock struct {
	last      Timestamp
	MaxOffset time.Duration // 0 disables the check
}

// NewClock returns a clock that refuses remote timestamps more than maxOffset ahead.
func NewClock(maxOffset time.Duration) *Clock { return &Clock{MaxOffset: maxOffset} }

// Last returns the latest timestamp issued or observed.
func (c *Clock) Last() Timestamp { return c.last }

// Now returns a timestamp later than every one issued or observed before.
// physical is Unix nanoseconds.
func (c *Clock) Now(physical int64) Timestamp {
	ms := physical / int64(time.Millisecond)
	if ms > c.last.Wall {
		c.last = Timestamp{Wall: ms}
	} else {
		c.last.Logical++
		if c.last.Logical == 0 { // logical overflow: borrow a millisecond
			c.last.Wall++
		}
	}
	return c.last
}

// Check reports whether remote is acceptable at local physical time
// (Unix nanoseconds) without changing the clock.
func (c *Clock) Check(remote Timestamp, physical int64) error {
	ms := physical / int64(time.Millisecond)
	if c.MaxOffset > 0 && remote.Wall-ms > c.MaxOffset.Milliseconds() {
		return &OffsetError{Remote: remote, Physical: ms, Max: c.MaxOffset}
	}
	return nil
}

// Update observes a remote timestamp so later Now readings exceed it. It
// returns an *OffsetError, and leaves the clock unchanged, when remote is
// more than MaxOffset ahead of physical (Unix nanoseconds).
func (c *Clock) Update(remote Timestamp, physical int64) error {
	if err := c.Check(remote, physical); err != nil {
		return err
	}
	if c.last.Less(remote) {
		c.last = remote
	}
	return nil
}

// Restore sets the clock's high-water mark, for recovery from a snapshot.
func (c *Clock) Restore(t Timestamp) {
	if c.last.Less(t) {
		c.last = t
	}
}
