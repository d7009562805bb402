package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"lattice/hub/bench/benchkit"
)

// startHub runs the hub binary on port 0 with a fresh data directory and
// waits until it reports its address and answers PING.
func startHub(bin, cpu, dir, fsync string) (*benchkit.Server, error) {
	data := filepath.Join(dir, "hub-data")
	addrFile := filepath.Join(dir, "hub.addr")
	if err := os.RemoveAll(data); err != nil {
		return nil, err
	}
	os.Remove(addrFile)
	s, err := benchkit.StartProcess("hub", dir, benchkit.Pinned(cpu, bin, "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0",
		"--dir", data, "--appendfsync", fsync, "--addr-file", addrFile))
	if err != nil {
		return nil, err
	}
	err = s.WaitUntil(func() bool {
		b, err := os.ReadFile(addrFile)
		if err != nil {
			return false
		}
		for line := range strings.SplitSeq(string(b), "\n") {
			if addr, ok := strings.CutPrefix(line, "resp="); ok {
				s.Addr = addr
				return benchkit.Ping(addr)
			}
		}
		return false
	})
	return s, err
}

// rss is the process's resident set size in bytes (VmRSS).
func rss(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}
