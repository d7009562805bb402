package simtest

import "errors"

// Shrink returns a smaller script that still fails Replay with the same
// kind of Failure: delta debugging (Zeller's ddmin) over the events, then
// over the commands of each MULTI batch, then dropping replicas that no
// event uses. tries bounds the number of replays (each replays the whole
// history and the final phase). It returns s itself when s does not fail.
func Shrink(s *Script, tries int) *Script {
	kind, ok := failKind(s)
	if !ok {
		return s
	}
	fails := func(c *Script) bool {
		if tries <= 0 {
			return false
		}
		tries--
		k, ok := failKind(c)
		return ok && k == kind
	}
	cur := s.clone()
	cur.Events = ddmin(cur.Events, func(evs []Event) bool {
		c := cur.clone()
		c.Events = evs
		return fails(c)
	})
	cur = shrinkBatches(cur, fails)
	return dropIdleReplicas(cur, fails)
}

func failKind(s *Script) (FailKind, bool) {
	_, err := Replay(s)
	var f *Failure
	if errors.As(err, &f) {
		return f.Kind, true
	}
	return "", false
}

// ddmin removes ever smaller chunks of evs while fails stays true.
func ddmin(evs []Event, fails func([]Event) bool) []Event {
	n := 2
	for len(evs) >= 2 {
		chunk := (len(evs) + n - 1) / n
		reduced := false
		for start := 0; start < len(evs); start += chunk {
			cand := append(append([]Event(nil), evs[:start]...), evs[min(start+chunk, len(evs)):]...)
			if fails(cand) {
				evs, reduced = cand, true
				n = max(n-1, 2)
				break
			}
		}
		if reduced {
			continue
		}
		if n >= len(evs) {
			break
		}
		n = min(2*n, len(evs))
	}
	if len(evs) == 1 {
		if fails(nil) {
			return nil
		}
	}
	return evs
}

// shrinkBatches removes single commands from MULTI batches; a batch left
// with one command becomes a plain command.
func shrinkBatches(s *Script, fails func(*Script) bool) *Script {
	for i := range s.Events {
		for j := 0; s.Events[i].Kind == EvExec && j < len(s.Events[i].Cmds) && len(s.Events[i].Cmds) > 1; {
			c := s.clone()
			ev := &c.Events[i]
			ev.Cmds = append(append([][][]byte(nil), ev.Cmds[:j]...), ev.Cmds[j+1:]...)
			if len(ev.Cmds) == 1 {
				ev.Kind = EvDo
			}
			if fails(c) {
				s = c
				continue
			}
			j++
		}
	}
	return s
}

// dropIdleReplicas removes replicas no event uses, keeping the others'
// ids (ids decide LWW ties, so they must not change).
func dropIdleReplicas(s *Script, fails func(*Script) bool) *Script {
	used := make([]bool, len(s.IDs))
	for _, ev := range s.Events {
		if ev.Kind != EvNet {
			used[ev.Replica] = true
		}
	}
	c := s.clone()
	c.IDs, c.FinalNow = nil, nil
	index := make([]int, len(s.IDs))
	for i, u := range used {
		if u {
			index[i] = len(c.IDs)
			c.IDs = append(c.IDs, s.IDs[i])
			c.FinalNow = append(c.FinalNow, s.FinalNow[i])
		}
	}
	if len(c.IDs) == len(s.IDs) || len(c.IDs) == 0 {
		return s
	}
	for i := range c.Events {
		c.Events[i].Replica = index[c.Events[i].Replica]
	}
	if fails(c) {
		return c
	}
	return s
}
