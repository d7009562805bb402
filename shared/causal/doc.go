// Package causal defines replica identities, dots, version vectors and causal
// contexts: the vocabulary of delta-state CRDTs with causal contexts
// (Almeida, Shoker, Baquero, "Delta State Replicated Data Types", 2018, §5).
//
// A dot (replica, seq) names one write event uniquely and forever. A causal
// context is a set of dots, kept compact as a version vector plus a "cloud"
// of dots that arrived out of order. Joining two causal contexts is set union;
// it is commutative, associative and idempotent.
//
// Package causal imports only the standard library.
//
// Nothing here is safe for concurrent use; one owner at a time.
package causal
