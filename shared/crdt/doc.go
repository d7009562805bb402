// Package crdt holds the delta-state CRDTs of the core, in the causal form of
// Almeida, Shoker and Baquero ("Delta State Replicated Data Types", JPDC
// 2018, §6 "causal CRDTs"): each type is a dot store, a replica keeps one
// causal context for its whole state, and a delta carries its own small
// context (the dots it creates and the dots it removes).
//
// # Join
//
// Joining (store a, context ca) with (store b, context cb) keeps an entry
// when both stores hold it, or when one store holds it and the other
// context has never seen its dot. This is set union on the
// contexts and on the "alive" parts of the stores, so every join here is
// commutative, associative and idempotent, and a delta may be joined in any
// order, more than once, or after a later delta.
//
// Removal needs no per-element tombstone: a removed dot stays in the causal
// context, which compacts to a version vector sized by the number of
// replicas that minted dots. The exceptions, documented per type, are the
// counter reset records of Value, which remember what a reset removed so that
// increments made concurrently keep only their own part, and the removed
// elements of a Sequence, which stay as anchors for concurrent inserts.
//
// # Dependencies
//
// Package crdt imports causal, hlc and the standard library; it never
// imports engine or codec envelopes.
//
// # Concurrency
//
// No type here is safe for concurrent use.
package crdt
