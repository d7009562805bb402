package node

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParseMemory(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "100": 100, "1k": 1000, "1kb": 1024, "1KB": 1024, "512mb": 512 << 20, "1m": 1e6, "1gb": 1 << 30,
		"2g": 2e9, "7b": 7,
	} {
		if got, err := ParseMemory(in); err != nil || got != want {
			t.Errorf("ParseMemory(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "1tb", "mb", "1.5mb", "99999999999999999gb"} {
		if got, err := ParseMemory(in); err == nil {
			t.Errorf("ParseMemory(%q) = %d, want an error", in, got)
		}
	}
}

func TestParseBufferLimits(t *testing.T) {
	l, reason := parseBufferLimits(bufferLimits{}, DefaultOutputBufferLimit)
	if reason != "" || l.normal != (bufferLimit{hard: 256 << 20}) ||
		l.pubsub != (bufferLimit{hard: 32 << 20, soft: 8 << 20, seconds: 60}) {
		t.Fatalf("default limits = %+v, %q", l, reason)
	}
	if got := formatBufferLimits(l); got != "normal 268435456 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60" {
		t.Fatalf("formatted = %q", got)
	}
	l2, reason := parseBufferLimits(l, "pubsub 1mb 0 0")
	if reason != "" || l2.normal != l.normal || l2.pubsub != (bufferLimit{hard: 1 << 20}) {
		t.Fatalf("partial update = %+v, %q", l2, reason)
	}
	for in, want := range map[string]string{
		"normal 1 2":        "Wrong number of arguments in buffer limit configuration.",
		"master 1 2 3":      "Invalid client class specified in buffer limit configuration.",
		"normal x 0 0":      "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
		"normal 1mb 0 -1":   "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
		"replica 1 2 3 foo": "Wrong number of arguments in buffer limit configuration.",
	} {
		if _, reason := parseBufferLimits(l, in); reason != want {
			t.Errorf("parseBufferLimits(%q) = %q, want %q", in, reason, want)
		}
	}
}

func TestReadConfigFile(t *testing.T) {
	name := filepath.Join(t.TempDir(), "hub.conf")
	body := "# comment\n\n  listen 127.0.0.1:0  \n--peer a:1\npeer b:2\nrequirepass \"two words \"\nempty\n"
	if err := os.WriteFile(name, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := ReadConfigFile(name)
	if err != nil {
		t.Fatal(err)
	}
	want := []ConfigEntry{{3, "listen", "127.0.0.1:0"}, {4, "peer", "a:1"}, {5, "peer", "b:2"},
		{6, "requirepass", "two words "}, {7, "empty", ""}}
	if len(got) != len(want) {
		t.Fatalf("entries = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if _, err := ReadConfigFile(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing file gave no error")
	}
}

func TestLookupCommand(t *testing.T) {
	name, idx := lookupCommand([]byte("GeT"))
	if name != "get" || idx < 0 || cmdNames[idx] != "get" {
		t.Fatalf("lookupCommand(GeT) = %q, %d", name, idx)
	}
	if name, idx := lookupCommand([]byte("NoSuch")); name != "nosuch" || idx != -1 {
		t.Fatalf("lookupCommand(NoSuch) = %q, %d", name, idx)
	}
	long := make([]byte, 100)
	for i := range long {
		long[i] = 'A'
	}
	if name, idx := lookupCommand(long); len(name) != 100 || name[0] != 'a' || idx != -1 {
		t.Fatalf("lookupCommand(long) = %q, %d", name, idx)
	}
	if n := testing.AllocsPerRun(100, func() { lookupCommand([]byte("SET")) }); n != 0 {
		t.Errorf("lookupCommand of a known name allocates %v times", n)
	}
}

func TestFrameScan(t *testing.T) {
	frame := []byte("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nvalue\r\n")
	// Fed one byte at a time, the scan says "incomplete" until the last
	// byte and never rescans: pos only grows.
	var f frameScan
	last := 0
	for i := 1; i < len(frame); i++ {
		if f.mayBeComplete(frame[:i], 1<<20) {
			t.Fatalf("complete after %d of %d bytes", i, len(frame))
		}
		if f.pos < last {
			t.Fatalf("pos went back from %d to %d", last, f.pos)
		}
		last = f.pos
	}
	if !f.mayBeComplete(frame, 1<<20) {
		t.Fatal("the whole frame is not complete")
	}
	// Anything unusual is left to resp.Parse.
	for _, in := range []string{"PING\r\n", "*-1\r\n", "*0\r\n", "*x\r\n", "*2\r\n:1\r\n", "*1\r\n$-1\r\n",
		"*1\r\n$99999999999\r\n", "*9999999999\r\n", "*1\r\n$\x003\r\n"} {
		var f frameScan
		if !f.mayBeComplete([]byte(in), 1<<20) {
			t.Errorf("mayBeComplete(%q) = false", in)
		}
	}
}
