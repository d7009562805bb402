//go:build !unix

package node

import "time"

// cpuTimes is not measured on this platform.
func cpuTimes() (sys, user time.Duration) { return 0, 0 }
