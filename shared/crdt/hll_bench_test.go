package crdt_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"lattice/shared/codec"
	"lattice/shared/crdt"
)

// Benchmarks of the HLL (STYLE R12). Run with
//
//	go test ./shared/crdt -run '^$' -bench HLL -benchmem

// hllBenchElems returns n distinct 16-byte elements.
func hllBenchElems(n int) [][]byte {
	r := rand.New(rand.NewPCG(uint64(n), 11))
	out := make([][]byte, n)
	for i := range out {
		out[i] = fmt.Appendf(nil, "%016x", r.Uint64())
	}
	return out
}

// hllWithRegisters returns an HLL with exactly n non-zero registers, with
// the values n random elements would give them.
func hllWithRegisters(n int, seed uint64) *crdt.HLL {
	r := rand.New(rand.NewPCG(seed, 12))
	var h crdt.HLL
	for nz := 0; nz < n; {
		e := fmt.Appendf(nil, "%x", r.Uint64())
		var one crdt.HLL
		one.Add(e)
		for i := range one.All() {
			if h.Register(i) == 0 {
				nz++
			}
		}
		h.Add(e)
	}
	return &h
}

// BenchmarkHLL_Add measures one PFADD element. "dense" adds new elements
// to a dense HLL of 100k elements (most leave it unchanged, as in the
// steady state). "sparse=fill" builds a sparse HLL from empty up to the
// dense switch, 4,700 elements, and reports the cost per element, which
// includes every insertion into the sorted list; "dense=fill" adds the
// same elements to a dense HLL for comparison.
func BenchmarkHLL_Add(b *testing.B) {
	elems := hllBenchElems(1 << 16)
	b.Run("dense", func(b *testing.B) {
		h := hllOf(hllBenchElems(100_000))
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			h.Add(elems[i&(len(elems)-1)])
			i++
		}
	})
	fill := hllBenchElems(4700)
	b.Run("sparse=fill", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var h crdt.HLL
			for _, e := range fill {
				h.Add(e)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(fill)), "ns/elem")
	})
	b.Run("dense=fill", func(b *testing.B) {
		b.ReportAllocs()
		base := hllWithRegisters(5000, 1)
		h := base.Clone()
		for b.Loop() {
			copy(h.Dense, base.Dense)
			for _, e := range fill {
				h.Add(e)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(fill)), "ns/elem")
	})
}

// BenchmarkHLL_Count measures PFCOUNT of one HLL by its number of non-zero
// registers; up to 4096 it is sparse.
func BenchmarkHLL_Count(b *testing.B) {
	for _, n := range []int{10, 1000, 4096, 16384} {
		h := hllWithRegisters(n, 2)
		name := "sparse"
		if h.Dense != nil {
			name = "dense"
		}
		b.Run(fmt.Sprintf("%s/registers=%d", name, n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				h.Count()
			}
		})
	}
}

// BenchmarkHLL_Join measures joining o into h, h restored by a copy
// before each join; a delta is one register, as one PFADD makes.
func BenchmarkHLL_Join(b *testing.B) {
	tests := []struct {
		name string
		h, o int // non-zero registers
	}{
		{name: "sparse+delta", h: 1000, o: 1},
		{name: "sparse+sparse", h: 2000, o: 2000},
		{name: "dense+delta", h: 16000, o: 1},
		{name: "dense+sparse", h: 16000, o: 2000},
		{name: "dense+dense", h: 16000, o: 16000},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			base, o := hllWithRegisters(tt.h, 3), hllWithRegisters(tt.o, 4)
			h := base.Clone()
			b.ReportAllocs()
			for b.Loop() {
				if base.Dense != nil {
					copy(h.Dense, base.Dense)
				} else {
					h.Sparse = append(h.Sparse[:0], base.Sparse...)
				}
				h.Join(o)
			}
		})
	}
}

// BenchmarkHLL_Encode measures the CBOR encoding of a sparse and a dense HLL.
func BenchmarkHLL_Encode(b *testing.B) {
	for _, n := range []int{1000, 16000} {
		h := hllWithRegisters(n, 5)
		b.Run(fmt.Sprintf("registers=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := codec.Marshal(h); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
