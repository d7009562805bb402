package crdt_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"lattice/shared/crdt"
)

// Benchmarks of ZIndex at 100k and 1M members with uniform random scores
// and 10-to-16-byte members (STYLE R12). Run with
//
//	go test ./shared/crdt -run '^$' -bench ZIndex -benchmem
//
// Insert and Delete change the size; they run in batches of zBatch and
// undo each batch with the timer stopped, so the size stays put.
//
// Measured (best of 3, AMD EPYC, 2 shared vCPUs, Go 1.26), ns/op:
//
//	                  100k     1M
//	Insert             453   1261   Set of a new member
//	Delete             874   1714
//	Update            1290   2539   Set of a present member to a new score
//	Rank               733   1431
//	Score              144    377   the map lookup alone, for scale
//	RangeByRank 10     165    614
//	RangeByScore 10    369   1120   LIMIT 0 10
//	CountByScore       562   1116
//	Build/member       650   1505   from empty, random order
//	heap B/member       74     96   member strings excluded

var zSizes = []int{100_000, 1_000_000}

const zBatch = 4096

func sizeName(n int) string {
	if n >= 1_000_000 {
		return fmt.Sprintf("members=%dM", n/1_000_000)
	}
	return fmt.Sprintf("members=%dk", n/1000)
}

// zFixture is an index of n members and the data to drive it.
type zFixture struct {
	x       *crdt.ZIndex
	members []string // members[:n] are in x
	r       *rand.Rand
}

func newZFixture(n, extra int) *zFixture {
	f := &zFixture{x: &crdt.ZIndex{}, r: rand.New(rand.NewPCG(uint64(n), 1))}
	for i := range n + extra {
		f.members = append(f.members, fmt.Sprintf("member:%d", i))
	}
	for _, m := range f.members[:n] {
		f.x.Set(m, f.r.Float64())
	}
	return f
}

func forSizes(b *testing.B, extra int, run func(b *testing.B, f *zFixture, n int)) {
	for _, n := range zSizes {
		b.Run(sizeName(n), func(b *testing.B) {
			f := newZFixture(n, extra)
			b.ReportAllocs()
			run(b, f, n)
		})
	}
}

func BenchmarkZIndex_Insert(b *testing.B) {
	forSizes(b, zBatch, func(b *testing.B, f *zFixture, n int) {
		fresh := f.members[n:]
		i := 0
		for b.Loop() {
			f.x.Set(fresh[i], f.r.Float64())
			if i++; i == len(fresh) {
				b.StopTimer()
				for _, m := range fresh {
					f.x.Delete(m)
				}
				i = 0
				b.StartTimer()
			}
		}
	})
}

func BenchmarkZIndex_Delete(b *testing.B) {
	forSizes(b, 0, func(b *testing.B, f *zFixture, n int) {
		order := f.r.Perm(n) // distinct victims, batch after batch
		i := 0
		for b.Loop() {
			f.x.Delete(f.members[order[i]])
			if i++; i%zBatch == 0 {
				b.StopTimer()
				for _, k := range order[i-zBatch : i] {
					f.x.Set(f.members[k], f.r.Float64())
				}
				if i+zBatch > n {
					i = 0
				}
				b.StartTimer()
			}
		}
	})
}

// BenchmarkZIndex_Update moves a member to a new score (ZADD of an
// existing member, ZINCRBY): a delete and an insert at constant size.
func BenchmarkZIndex_Update(b *testing.B) {
	forSizes(b, 0, func(b *testing.B, f *zFixture, n int) {
		for b.Loop() {
			f.x.Set(f.members[f.r.IntN(n)], f.r.Float64())
		}
	})
}

func BenchmarkZIndex_Rank(b *testing.B) {
	forSizes(b, 0, func(b *testing.B, f *zFixture, n int) {
		for b.Loop() {
			f.x.Rank(f.members[f.r.IntN(n)], false)
		}
	})
}

func BenchmarkZIndex_Score(b *testing.B) {
	forSizes(b, 0, func(b *testing.B, f *zFixture, n int) {
		for b.Loop() {
			f.x.Score(f.members[f.r.IntN(n)])
		}
	})
}

// BenchmarkZIndex_RangeByRank is ZRANGE key i i+9.
func BenchmarkZIndex_RangeByRank(b *testing.B) {
	forSizes(b, 0, func(b *testing.B, f *zFixture, n int) {
		dst := make([]crdt.ZEntry, 0, 10)
		for b.Loop() {
			i := f.r.IntN(n - 10)
			dst = f.x.RangeByRank(dst[:0], i, i+9, false)
		}
	})
}

// BenchmarkZIndex_RangeByScore is ZRANGEBYSCORE key s +inf LIMIT 0 10.
func BenchmarkZIndex_RangeByScore(b *testing.B) {
	forSizes(b, 0, func(b *testing.B, f *zFixture, n int) {
		dst := make([]crdt.ZEntry, 0, 10)
		for b.Loop() {
			r := crdt.ScoreRange{Min: f.r.Float64() * 0.99, Max: math.Inf(1)}
			dst = f.x.RangeByScore(dst[:0], r, false, 0, 10)
		}
	})
}

// BenchmarkZIndex_CountByScore is ZCOUNT key a b.
func BenchmarkZIndex_CountByScore(b *testing.B) {
	forSizes(b, 0, func(b *testing.B, f *zFixture, n int) {
		for b.Loop() {
			a := f.r.Float64()
			f.x.CountByScore(crdt.ScoreRange{Min: a, Max: a + 0.1})
		}
	})
}

// BenchmarkZIndex_Build fills an index from empty in random order and
// reports the heap it holds per member, member strings excluded.
func BenchmarkZIndex_Build(b *testing.B) {
	for _, n := range zSizes {
		b.Run(sizeName(n), func(b *testing.B) {
			f := newZFixture(0, n)
			scores := make([]float64, n)
			for i := range scores {
				scores[i] = f.r.Float64()
			}
			perMember := heapPerMember(f.members, scores)
			for b.Loop() {
				var x crdt.ZIndex
				for i, m := range f.members {
					x.Set(m, scores[i])
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/member")
			b.ReportMetric(perMember, "B/member") // after b.Loop, whose start drops metrics
		})
	}
}

func heapPerMember(members []string, scores []float64) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var x crdt.ZIndex
	for i, m := range members {
		x.Set(m, scores[i])
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(&x)
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(len(members))
}
