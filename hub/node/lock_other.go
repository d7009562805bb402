//go:build !unix

package node

import "os"

// lockDir does nothing where flock is missing: run one hub per directory.
func lockDir(string) (*os.File, error) { return nil, nil }
