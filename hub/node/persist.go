package node

import "lattice/shared/engine"

// commit makes a pipeline's deltas durable as --appendfsync says, on the
// owner goroutine, before their replies are sent. (Persistence: not yet.)
func (n *Node) commit(ds []*engine.Delta) {}
