package simtest

import (
	"strconv"
	"strings"
	"time"

	"lattice/shared/causal"
)

// EventKind says what an Event does.
type EventKind uint8

// Event kinds.
const (
	// EvDo runs Cmds[0] on Replica.
	EvDo EventKind = iota
	// EvExec runs Cmds on Replica as one MULTI/EXEC batch.
	EvExec
	// EvExpire runs Replica.Expire.
	EvExpire
	// EvSnapshot takes Replica's snapshot as a message (state-based
	// anti-entropy, merged as a full delta).
	EvSnapshot
	// EvDeliver merges, on Replica, the message produced by event From.
	EvDeliver
	// EvNet records a partition change; it has no effect on replay,
	// where the deliveries that happened say everything.
	EvNet
	// EvCheck requires Replica to read like a replica restored from its
	// snapshot; it changes nothing.
	EvCheck
)

// Event is one step of a recorded history.
type Event struct {
	// ID names the event for EvDeliver.From. IDs survive shrinking, so a
	// delivery keeps naming its message when other events are removed.
	ID      int
	Kind    EventKind
	Replica int
	// Now is the replica's physical time (Unix ns): the global simulated
	// time plus the replica's clock skew.
	Now  int64
	Cmds [][][]byte
	From int
	Note string
}

// Script is a complete, replayable history: the replicas, the events, and
// the times of the final phase (heal, deliver everything everywhere,
// expire, compare).
type Script struct {
	Seed      uint64
	IDs       []causal.ReplicaID
	MaxOffset time.Duration
	Events    []Event
	// FinalNow is each replica's physical time in the final phase.
	FinalNow []int64
	// ReadNow is the common time of the final reads, so that logically
	// expired keys read alike everywhere.
	ReadNow int64
	// Start is the global simulated time of the first step, for display.
	Start int64
	// PropagatePanics lets engine panics through instead of reporting them
	// as a Failure, so that a replay shows the stack trace.
	PropagatePanics bool
}

// clone returns a copy whose event slice can be edited.
func (s *Script) clone() *Script {
	c := *s
	c.IDs = append([]causal.ReplicaID(nil), s.IDs...)
	c.Events = append([]Event(nil), s.Events...)
	c.FinalNow = append([]int64(nil), s.FinalNow...)
	return &c
}

// String renders the script one event per line, in the style of the
// golden scripts: "#12 r0 +1234ms: SET k1 5".
func (s *Script) String() string {
	var b strings.Builder
	b.WriteString("seed=" + strconv.FormatUint(s.Seed, 10) + " replicas:")
	for i, id := range s.IDs {
		b.WriteString(" r" + strconv.Itoa(i) + "=" + id.String())
	}
	b.WriteString("\n")
	for i := range s.Events {
		b.WriteString(s.Events[i].format(s.Start))
		b.WriteString("\n")
	}
	b.WriteString("end: heal; deliver every message to every replica; expire; compare\n")
	return b.String()
}

func (ev *Event) format(start int64) string {
	head := "#" + strconv.Itoa(ev.ID) + " r" + strconv.Itoa(ev.Replica) +
		" +" + strconv.FormatInt((ev.Now-start)/int64(time.Millisecond), 10) + "ms: "
	switch ev.Kind {
	case EvDo:
		return head + formatArgs(ev.Cmds[0])
	case EvExec:
		parts := make([]string, len(ev.Cmds))
		for i, c := range ev.Cmds {
			parts[i] = formatArgs(c)
		}
		return head + "MULTI [" + strings.Join(parts, "; ") + "]"
	case EvExpire:
		return head + "expire"
	case EvSnapshot:
		return head + "snapshot"
	case EvDeliver:
		return head + "<- #" + strconv.Itoa(ev.From)
	case EvCheck:
		return head + "check against a restored copy"
	}
	return "#" + strconv.Itoa(ev.ID) + " net: " + ev.Note
}

// formatArgs quotes arguments that would not read back as one word.
func formatArgs(args [][]byte) string {
	parts := make([]string, len(args))
	for i, a := range args {
		s := string(a)
		if s == "" || strings.ContainsAny(s, " \"\\") || !strconv.CanBackquote(s) {
			s = strconv.Quote(s)
		}
		parts[i] = s
	}
	return strings.Join(parts, " ")
}
