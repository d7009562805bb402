package node

import (
	"bytes"
	"flag"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lattice/shared/engine"
	"lattice/shared/resp"
)

var updateCommands = flag.Bool("update-commands", false,
	"regenerate commands.resp from a local redis-server 7.0 (needs redis-server on PATH)")

// TestCommandsData checks that commands.resp holds Redis's metadata for
// every command the hub lists that Redis has; with -update-commands it
// first regenerates the file from redis-server.
func TestCommandsData(t *testing.T) {
	if *updateCommands {
		regenerateCommands(t)
	}
	info, docs := parseCommandsData()
	if len(info) == 0 || len(docs) == 0 {
		t.Fatal("commands.resp holds no COMMAND INFO or DOCS reply")
	}
	for _, name := range cmdNames {
		if strings.HasPrefix(name, "crdt.") {
			continue
		}
		if _, ok := info[name]; !ok {
			t.Errorf("commands.resp has no COMMAND INFO for %q; run with -update-commands", name)
		}
		if _, ok := docs[name]; !ok {
			t.Errorf("commands.resp has no COMMAND DOCS for %q; run with -update-commands", name)
		}
	}
	metas, names := commandMetas()
	for _, name := range names {
		m := metas[name]
		if len(m.info.Elems) != 10 || m.docs.Kind != engine.KindMap {
			t.Errorf("%s: malformed metadata", name)
		}
	}
}

func regenerateCommands(t *testing.T) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("-update-commands needs redis-server:", err)
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "redis.sock")
	cmd := exec.Command(bin, "--port", "0", "--unixsocket", sock, "--save", "", "--appendonly", "no", "--dir", dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var conn net.Conn
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if conn, err = net.Dial("unix", sock); err == nil {
			break
		}
	}
	if conn == nil {
		t.Fatal("redis-server did not start:", err)
	}
	defer conn.Close()
	// Every command redis-server has, so that commands the engine gains
	// later find their metadata here already.
	var req []byte
	for _, c := range [][]string{{"HELLO", "3"}, {"COMMAND", "INFO"}, {"COMMAND", "DOCS"}} {
		req = resp.AppendArrayHeader(req, len(c))
		for _, a := range c {
			req = resp.AppendBulk(req, a)
		}
	}
	if _, err := conn.Write(req); err != nil {
		t.Fatal(err)
	}
	var buf []byte
	var replies [][]byte
	chunk := make([]byte, 64<<10)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for len(replies) < 3 {
		m, err := conn.Read(chunk)
		if err != nil {
			t.Fatal(err)
		}
		buf = append(buf, chunk[:m]...)
		for len(replies) < 3 {
			_, k, err := resp.ReadReply(buf)
			if err != nil {
				break
			}
			replies, buf = append(replies, bytes.Clone(buf[:k])), buf[k:]
		}
	}
	out := append(replies[1], replies[2]...)
	if err := os.WriteFile("commands.resp", out, 0o644); err != nil {
		t.Fatal(err)
	}
	commandsData = out
	t.Logf("wrote commands.resp: %d bytes", len(out))
}
