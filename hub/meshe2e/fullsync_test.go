package meshe2e

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestMesh_FullSyncResumes: a full sync cut in the middle resumes where it
// stopped (the source keeps the snapshot, the sink the bytes it has), and
// its progress shows in INFO and the logs.
func TestMesh_FullSyncResumes(t *testing.T) {
	c := startMesh(t, []string{"a", "b"}, "--repl-backlog-size", "64kb")
	ctx := context.Background()
	value := strings.Repeat("v", 1000)
	pipe := c.Client(0).Pipeline()
	for i := range 8000 { // about 8 MB of state, far beyond the backlog
		pipe.Set(ctx, fmt.Sprintf("key:%d", i), value, 0)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	converge(t, c)

	// b comes back empty, behind a slow link (2 MB/s: a 4 s transfer).
	c.Kill(1)
	c.Link(1, 0).Throttle(2 << 20)
	if err := c.Restart(1, true); err != nil {
		t.Fatal(err)
	}
	progress := regexp.MustCompile(`snapshot_bytes=(\d+)/(\d+)`)
	var got, size int64
	eventually(t, "the full sync to be a quarter done", func() bool {
		m := progress.FindStringSubmatch(c.Info(ctx, 1, "crdt_peer0"))
		if m == nil {
			return false
		}
		got, _ = strconv.ParseInt(m[1], 10, 64)
		size, _ = strconv.ParseInt(m[2], 10, 64)
		return size > 0 && got > size/4
	})
	if got >= size {
		t.Fatalf("the transfer finished (%d of %d) before it could be cut", got, size)
	}
	c.Link(1, 0).Cut()
	eventually(t, "the link to go down", func() bool {
		return strings.Contains(c.Info(ctx, 1, "crdt_peer0"), "state=down")
	})
	c.Link(1, 0).Throttle(0)
	c.Link(1, 0).Restore()
	converge(t, c)
	if got := do(t, c, 1, "DBSIZE"); got != "8000" {
		t.Fatalf("b DBSIZE = %s", got)
	}
	resumed := regexp.MustCompile(`msg="mesh: full sync to peer" peer=b bytes=\d+ resume_at=([1-9]\d*)`)
	if !resumed.MatchString(c.Logs(0)) {
		t.Fatalf("a did not resume the transfer; its log:\n%s", c.Logs(0))
	}
	if !strings.Contains(c.Logs(1), "mesh: full sync progress") {
		t.Fatal("b logged no progress")
	}
	if f := infoInt(t, c, 1, "crdt_full_syncs"); f != 1 {
		t.Fatalf("b completed %d full syncs, want 1", f)
	}
}
