//go:build !linux

package node

import "net"

// waitClosed would watch a blocked client's socket for a hang-up; off
// Linux a blocked client that disconnects stays parked until it is served
// or times out (its pop is then written to a closed socket).
func waitClosed(conn net.Conn, stopped func() bool) bool { return false }
