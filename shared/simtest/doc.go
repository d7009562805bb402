// Package simtest is test support for the pure core: a generic checker of
// the join-semilattice laws (CheckLaws) and a deterministic, seeded
// multi-replica convergence simulator over engine.Replica (Sim, Run,
// Replay, Shrink), in the manner of raft's rafttest and memberlist's
// MockNetwork.
//
// The simulator runs N replicas, each with its own skewed simulated clock,
// through random Redis commands on a small key space while a simulated
// network reorders, duplicates, drops and partitions the deltas they
// exchange. At the end it heals the network, delivers every delta ever
// produced to every replica (anti-entropy), and requires byte-identical
// snapshots and identical replies to a battery of reads on every replica.
// A run is a pure function of its Config: the same seed replays the same
// history, and a failing history can be shrunk to a short reproducer.
//
// Package simtest may import anything in shared/ and math/rand/v2, and is
// imported only by _test.go files. It does not import testing: the checkers
// take the small T interface, which *testing.T satisfies. It is pure: no
// goroutines, no I/O, no clock; randomness comes only from seeded PCGs.
//
// Nothing here is safe for concurrent use; each Sim has one owner.
package simtest
