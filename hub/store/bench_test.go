package store

import (
	"fmt"
	"testing"
	"time"

	"lattice/shared/engine"
)

// BenchmarkRecover measures startup with 100k keys, from a log of 100k
// records and from one snapshot, on the real file system.
func BenchmarkRecover(b *testing.B) {
	const keys = 100_000
	for _, from := range []string{"log", "snapshot"} {
		b.Run(fmt.Sprintf("keys=100k/from=%s", from), func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.Dir, cfg.Fsync = b.TempDir(), No
			w := &writer{t: b, r: newReplica(b)}
			w.s = openT(b, cfg, w.r)
			for i := range keys {
				w.must("SET", fmt.Sprintf("key:%08d", i), fmt.Sprintf("value-%08d", i))
			}
			if from == "snapshot" {
				if err := w.s.SaveNow(w.r); err != nil {
					b.Fatal(err)
				}
			}
			w.s.Close()
			b.ReportAllocs()
			for b.Loop() {
				r := newReplica(b)
				s := openT(b, cfg, r)
				st := s.Stats()
				s.Close()
				b.ReportMetric(float64(st.LogBytes+st.SnapshotBytes)/keys, "disk-B/key")
			}
		})
	}
}

// BenchmarkAppend measures Append of one small delta per call (one
// pipeline of one SET) under each policy on the real file system.
func BenchmarkAppend(b *testing.B) {
	for _, p := range []Policy{No, EverySec, Always} {
		b.Run(p.String(), func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.Dir, cfg.Fsync = b.TempDir(), p
			r := newReplica(b)
			s := openT(b, cfg, r)
			defer s.Close()
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				i++
				_, d, _ := r.Do(baseNow+int64(i)*int64(time.Microsecond),
					[][]byte{[]byte("SET"), []byte(fmt.Sprintf("k%d", i%1000)), []byte("value")})
				if err := s.Append([]*engine.Delta{d}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
