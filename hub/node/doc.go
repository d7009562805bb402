// Package node runs a hub: it owns the replica in one goroutine (the raft
// node.go pattern) and wires the listeners to it. Connections never touch
// the replica; they send whole pipelines to the owner and write the replies
// back in one write.
//
// Package node imports shared/* and never edge/ or wasm/.
//
// # Goroutines
//
// Run starts: the owner loop, the RESP accept loop (which waits for the
// connection goroutines it started), one goroutine per client connection,
// a writer goroutine for a client that reads its replies slowly, on Linux a
// hang-up watcher per blocked client (BLPOP ...), the stats sampler behind
// INFO's instantaneous rates, the persistence syncer (everysec) and
// background snapshot writer (hub/store), and the HTTP server. All stop
// when Run's context is cancelled; Run returns after they have.
package node
