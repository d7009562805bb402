// Package engine is the replica: a keyspace of CRDT keys behind Redis's
// command table. It turns a command into a reply and a delta, and merges
// the deltas of other replicas.
//
// # Usage
//
//	r, _ := engine.New(id, engine.DefaultConfig())
//	reply, delta, _ := r.Do(now, [][]byte{[]byte("INCR"), []byte("visits")})
//	// persist and ship delta (EncodeDelta); on another replica:
//	_ = other.Merge(now, delta)
//
// The host must:
//
//  1. Call every method from one goroutine at a time (a Replica is not safe
//     for concurrent use; the hub has one owner goroutine).
//  2. Pass physical time (Unix nanoseconds) to every call; pass a seeded
//     random Source in Config.
//  3. Persist a delta before acknowledging the write it came from, and ship
//     every non-nil delta, including those of Expire, to the other replicas.
//  4. Call Expire periodically (NextExpiry says when it is due).
//
// # Determinism
//
// Do, Exec, Merge and Expire are deterministic functions of the replica's
// state and their arguments. Nothing iterates a Go map to produce output or
// order: keys, fields and members are sorted. The same history therefore
// gives the same replies and byte-identical snapshots natively, under
// wazero and in the browser.
//
// # Semantics
//
// Conflicts resolve as ../../shared/SEMANTICS.md says; the rules are stated
// on Key, crdt.Value, crdt.ORSet and crdt.ORMap. Replies and error strings
// match redis-server 7 for a single replica, with the differences listed
// in the README. Redis-visible errors are Reply values from errors.go; Go
// errors are system faults (a malformed or untrusted delta).
//
// # Dependencies
//
// Package engine imports causal, hlc, codec, resp and crdt, and the
// standard library; never syncproto, abi or simtest.
package engine
