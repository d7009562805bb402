package node

import "lattice/shared/engine"

// afterWrite runs on the owner goroutine after deltas were applied (local
// pipelines, expiry, and later merged peer deltas): it wakes blocked
// clients and raises keyspace notifications. (Not yet.)
func (n *Node) afterWrite(ds []*engine.Delta) {}
