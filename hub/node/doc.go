// Package node runs a hub: it owns the replica in one goroutine (the raft
// node.go pattern) and wires the listeners to it. Connections never touch
// the replica; they send whole pipelines to the owner and write the replies
// back in one write.
//
// Package node imports shared/* and never edge/ or wasm/.
//
// # Goroutines
//
// Run starts: the owner loop, the RESP accept loop, one goroutine per
// client connection, and the HTTP server. All stop when Run's context is
// cancelled; Run returns after they have.
package node
