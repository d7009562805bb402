package simtest

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"lattice/shared/causal"
	"lattice/shared/engine"
	"lattice/shared/hlc"
)

const ms = int64(time.Millisecond)

// Config configures one simulation run. Every choice derives from Seed.
type Config struct {
	// Seed names the run. Default: 1.
	Seed uint64
	// Replicas is the number of replicas. Default: 5.
	Replicas int
	// Ops is the number of steps (commands, deliveries, expiries,
	// snapshots, partition changes). Default: 300.
	Ops int
	// MaxSkew bounds each replica's clock offset from the global simulated
	// time; offsets wander inside ±MaxSkew. Default: 200ms.
	MaxSkew time.Duration
	// MaxOffset is the replicas' engine.Config.MaxOffset. With MaxSkew at
	// most half of it no merge may be refused. Default: hlc.DefaultMaxOffset.
	MaxOffset time.Duration
	// Keys is the size of the key space (k0, k1, ...). Small, so that
	// writes conflict and keys change type. Default: 6.
	Keys int
}

func (c Config) withDefaults() Config {
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Replicas == 0 {
		c.Replicas = 5
	}
	if c.Ops == 0 {
		c.Ops = 300
	}
	if c.MaxSkew == 0 {
		c.MaxSkew = 200 * time.Millisecond
	}
	if c.MaxOffset == 0 {
		c.MaxOffset = hlc.DefaultMaxOffset
	}
	if c.Keys == 0 {
		c.Keys = 6
	}
	return c
}

// Network behaviour, in percent.
const (
	dropPct = 10 // a message is lost on the way to one recipient
	dupPct  = 5  // a delivered message is delivered again later
)

// message is one delta (or snapshot) in flight to one replica.
type message struct {
	from int // ID of the producing event
	to   int // receiving replica
}

// Sim generates a random history step by step while running it. It owns
// the replicas, the simulated clocks and the simulated network.
type Sim struct {
	cfg   Config
	r     *rand.Rand
	x     *exec
	gens  []cmdGen
	cum   []int
	pool  []message
	group []int   // partition group of each replica
	skew  []int64 // clock offset of each replica, ns
	at    int64   // global simulated time, Unix ns
	// burst bounds the messages one delivery step delivers. Drawn per
	// seed: small bursts keep replicas far apart (much concurrency),
	// large ones keep them nearly in sync (long causal chains).
	burst int
}

// simStart is the global simulated time of the first step.
const simStart = int64(1_700_000_000_000) * ms

// New returns a simulation of cfg, ready to Step.
func New(cfg Config) (*Sim, error) {
	cfg = cfg.withDefaults()
	if cfg.Replicas < 1 || cfg.Replicas > 250 || cfg.Keys < 1 || 2*cfg.MaxSkew > cfg.MaxOffset {
		return nil, errors.New("simtest: bad config: need 1-250 replicas, keys, and MaxSkew <= MaxOffset/2")
	}
	s := &Sim{cfg: cfg, r: rand.New(rand.NewPCG(cfg.Seed, 0x5eed)), at: simStart}
	s.burst = []int{2, 4, 8, 32}[s.r.IntN(4)]
	s.gens, s.cum = available()
	if len(s.gens) == 0 {
		return nil, errors.New("simtest: the engine has none of the generated commands")
	}
	script := &Script{Seed: cfg.Seed, MaxOffset: cfg.MaxOffset, Start: simStart}
	for i := range cfg.Replicas {
		// Ids are distinct and not ordered like the indices, so that the
		// smaller-id tie-break does not always favour r0.
		id := causal.ReplicaID{0: byte(s.r.Uint32()), 14: byte(i >> 8), 15: byte(i + 1)}
		script.IDs = append(script.IDs, id)
		s.group = append(s.group, 0)
		s.skew = append(s.skew, s.r.Int64N(2*int64(cfg.MaxSkew)+1)-int64(cfg.MaxSkew))
	}
	x, err := newExec(script)
	if err != nil {
		return nil, err
	}
	s.x = x
	return s, nil
}

// Run generates and runs one history, then the final phase and checks.
// The Result (with its Script, for Shrink and Replay) is returned even
// when the run fails.
func Run(cfg Config) (*Result, error) {
	s, err := New(cfg)
	if err != nil {
		return nil, err
	}
	for range s.cfg.Ops {
		if err := s.Step(); err != nil {
			s.seal()
			return &Result{Script: s.x.s}, err
		}
	}
	return s.Finish()
}

// Replay runs a recorded script, then the final phase and checks.
func Replay(script *Script) (*Result, error) {
	if len(script.FinalNow) != len(script.IDs) {
		return nil, errors.New("simtest: script has no final times")
	}
	x, err := newExec(script)
	if err != nil {
		return nil, err
	}
	for i := range script.Events {
		if err := x.apply(&script.Events[i]); err != nil {
			return &Result{Script: script}, err
		}
	}
	res, err := x.finish()
	if err != nil {
		return &Result{Script: script}, err
	}
	return res, nil
}

// Replicas returns the number of replicas.
func (s *Sim) Replicas() int { return len(s.x.reps) }

// Snapshot returns replica i's current snapshot, encoded.
func (s *Sim) Snapshot(i int) ([]byte, error) { return engine.EncodeDelta(s.x.reps[i].Snapshot()) }

// Now returns the global simulated time, Unix ns.
func (s *Sim) Now() int64 { return s.at }

// Finish ends the run: the network heals, every message ever sent reaches
// every replica, owners expire what is due, and all replicas must agree.
func (s *Sim) Finish() (*Result, error) {
	s.seal()
	res, err := s.x.finish()
	if err != nil {
		return &Result{Script: s.x.s}, err
	}
	return res, nil
}

// seal records the final phase's times in the script, making it
// replayable.
func (s *Sim) seal() {
	s.at += ms
	script := s.x.s
	script.FinalNow = make([]int64, len(s.skew))
	for i := range s.skew {
		script.FinalNow[i] = s.now(i)
	}
	script.ReadNow = s.at
}

// now is replica i's physical clock.
func (s *Sim) now(i int) int64 { return s.at + s.skew[i] }

// Step advances simulated time and takes one random action.
func (s *Sim) Step() error {
	s.at += s.r.Int64N(41) * ms // 0-40 ms: equal milliseconds happen
	s.wander()
	i := s.r.IntN(len(s.skew))
	switch x := s.r.IntN(100); {
	case x < 55:
		return s.emit(Event{Kind: EvDo, Replica: i, Now: s.now(i), Cmds: [][][]byte{s.command()}})
	case x < 62:
		cmds := make([][][]byte, 2+s.r.IntN(3))
		for j := range cmds {
			cmds[j] = s.command()
		}
		return s.emit(Event{Kind: EvExec, Replica: i, Now: s.now(i), Cmds: cmds})
	case x < 88:
		return s.deliverSome(1 + s.r.IntN(s.burst))
	case x < 94:
		return s.emit(Event{Kind: EvExpire, Replica: i, Now: s.now(i)})
	case x < 96:
		return s.emit(Event{Kind: EvSnapshot, Replica: i, Now: s.now(i)})
	case x < 98:
		return s.emit(Event{Kind: EvCheck, Replica: i, Now: s.now(i)})
	}
	return s.partition()
}

// wander moves one replica's clock offset a little, inside ±MaxSkew, so
// that physical clocks drift and sometimes step back.
func (s *Sim) wander() {
	i := s.r.IntN(len(s.skew))
	maxSkew := int64(s.cfg.MaxSkew)
	s.skew[i] = min(max(s.skew[i]+(s.r.Int64N(41)-20)*ms, -maxSkew), maxSkew)
}

// command draws one command from the generators the engine has.
func (s *Sim) command() [][]byte {
	n := s.r.IntN(s.cum[len(s.cum)-1])
	k := 0
	for s.cum[k] <= n {
		k++
	}
	g := &argGen{r: s.r, keys: s.cfg.Keys, ms: s.at / ms}
	return toArgs(s.gens[k].gen(g))
}

// emit records and runs an event; a message it produces is sent to every
// other replica, except where the network loses it.
func (s *Sim) emit(ev Event) error {
	script := s.x.s
	ev.ID = len(script.Events)
	script.Events = append(script.Events, ev)
	if err := s.x.apply(&script.Events[ev.ID]); err != nil {
		return err
	}
	if _, ok := s.x.payloads[ev.ID]; !ok || ev.Kind == EvDeliver {
		return nil
	}
	for to := range s.skew {
		if to != ev.Replica && s.r.IntN(100) >= dropPct {
			s.pool = append(s.pool, message{from: ev.ID, to: to})
		}
	}
	return nil
}

// deliverSome delivers up to n random messages in flight. A message across
// a partition is lost or retried later, at random.
func (s *Sim) deliverSome(n int) error {
	for range n {
		if len(s.pool) == 0 {
			return nil
		}
		k := s.r.IntN(len(s.pool))
		m := s.pool[k]
		s.pool[k] = s.pool[len(s.pool)-1]
		s.pool = s.pool[:len(s.pool)-1]
		if s.group[s.x.origin[m.from]] != s.group[m.to] {
			if s.r.IntN(2) == 0 {
				s.pool = append(s.pool, m)
			}
			continue
		}
		if s.r.IntN(100) < dupPct {
			s.pool = append(s.pool, m)
		}
		if err := s.emit(Event{Kind: EvDeliver, Replica: m.to, Now: s.now(m.to), From: m.from}); err != nil {
			return err
		}
	}
	return nil
}

// partition heals the network, splits it in two halves, or isolates one
// replica.
func (s *Sim) partition() error {
	n := len(s.group)
	var note string
	switch x := s.r.IntN(10); {
	case x < 4 || n == 1:
		clear(s.group)
		note = "heal"
	case x < 7:
		perm := s.r.Perm(n)
		for j, i := range perm {
			s.group[i] = j % 2
		}
		note = "halves " + s.groups()
	default:
		clear(s.group)
		i := s.r.IntN(n)
		s.group[i] = 1
		note = "isolate r" + strconv.Itoa(i)
	}
	return s.emit(Event{Kind: EvNet, Note: note})
}

func (s *Sim) groups() string {
	var parts [2][]string
	for i, g := range s.group {
		parts[g] = append(parts[g], "r"+strconv.Itoa(i))
	}
	return "{" + strings.Join(parts[0], " ") + "} {" + strings.Join(parts[1], " ") + "}"
}
