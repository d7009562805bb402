package resp_test

import (
	"fmt"
	"testing"

	"lattice/shared/resp"
)

func BenchmarkParse(b *testing.B) {
	set := "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"
	for _, depth := range []int{1, 16, 128} {
		var buf []byte
		for range depth {
			buf = append(buf, set...)
		}
		b.Run(fmt.Sprintf("pipeline=%d", depth), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(buf)))
			args := make([][]byte, 0, 8)
			for b.Loop() {
				for rest := buf; len(rest) > 0; {
					var n int
					var err error
					args, n, err = resp.ParseInto(args, rest, resp.Limits{})
					if err != nil {
						b.Fatal(err)
					}
					rest = rest[n:]
				}
			}
		})
	}
	b.Run("inline", func(b *testing.B) {
		b.ReportAllocs()
		buf := []byte("SET key value\r\n")
		args := make([][]byte, 0, 8)
		for b.Loop() {
			args, _, _ = resp.ParseInto(args, buf, resp.Limits{})
		}
	})
}

func BenchmarkAppend(b *testing.B) {
	out := make([]byte, 0, 1024)
	val := []byte("value")
	b.Run("GET", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out = resp.AppendBulk(out[:0], val)
		}
	})
	b.Run("SET", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out = resp.AppendSimple(out[:0], "OK")
		}
	})
	b.Run("array=16", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out = resp.AppendArrayHeader(out[:0], 16)
			for range 16 {
				out = resp.AppendBulk(out, val)
			}
		}
	})
}

func BenchmarkReadReply(b *testing.B) {
	for _, n := range []int{1, 16} {
		buf := resp.AppendArrayHeader(nil, n)
		for range n {
			buf = resp.AppendBulk(buf, "value")
		}
		b.Run(fmt.Sprintf("array=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(buf)))
			for b.Loop() {
				if _, _, err := resp.ReadReply(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
