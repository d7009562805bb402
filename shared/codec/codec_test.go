package codec_test

import (
	"bytes"
	"errors"
	"testing"

	"lattice/shared/causal"
	"lattice/shared/codec"
	"lattice/shared/hlc"
)

// fuzzMessage has the shapes the wire uses (integer keys, toarray structs,
// byte strings, maps, nesting, causal contexts, timestamps) without
// depending on any package above codec's layer.
type fuzzMessage struct {
	Version int                  `cbor:"1,keyasint"`
	Name    string               `cbor:"2,keyasint,omitempty"`
	Data    []byte               `cbor:"3,keyasint,omitempty"`
	Items   []fuzzItem           `cbor:"4,keyasint,omitempty"`
	Counts  map[string]int64     `cbor:"5,keyasint,omitempty"`
	CC      causal.Context       `cbor:"6,keyasint,omitempty"`
	TS      hlc.Timestamp        `cbor:"7,keyasint"`
	Dots    []causal.Dot         `cbor:"8,keyasint,omitempty"`
	Float   float64              `cbor:"9,keyasint,omitempty"`
	Next    *fuzzMessage         `cbor:"10,keyasint,omitempty"`
	Fields  map[string]*fuzzItem `cbor:"11,keyasint,omitempty"`
	Flag    bool                 `cbor:"12,keyasint,omitempty"`
}

type fuzzItem struct {
	_   struct{} `cbor:",toarray"`
	Dot causal.Dot
	N   uint64
	Val []byte
}

// FuzzDecode feeds arbitrary bytes to the decoder, into a typed message and
// into an untyped value. Decoding never panics; a successful decode
// re-encodes to bytes that decode and re-encode to the same bytes (the
// encoding is a fixed point); Unmarshal and UnmarshalFirst agree.
func FuzzDecode(f *testing.F) {
	for _, m := range fuzzSeedMessages() {
		b, err := codec.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{0x9f, 0xff})             // indefinite-length array: forbidden
	f.Add([]byte{0xc1, 0x00})             // tag: forbidden
	f.Add([]byte{0xa2, 0x01, 0x00, 0x01}) // duplicate key
	f.Add([]byte{0x62, 0xff, 0xfe})       // invalid UTF-8
	f.Add([]byte{0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		var m fuzzMessage
		if err := codec.Unmarshal(data, &m); err == nil {
			checkFixedPoint(t, &m, func() any { return new(fuzzMessage) })
		} else if !errors.Is(err, codec.ErrDecode) {
			t.Fatalf("error %v does not wrap ErrDecode", err)
		}
		var v any
		err := codec.Unmarshal(data, &v)
		if err == nil {
			checkFixedPoint(t, v, func() any { return new(any) })
		}
		var w any
		rest, errFirst := codec.UnmarshalFirst(data, &w)
		switch {
		case err == nil && (errFirst != nil || len(rest) != 0):
			t.Fatalf("Unmarshal accepts what UnmarshalFirst refuses: rest %d, %v", len(rest), errFirst)
		case errFirst == nil && len(rest) == 0 && err != nil:
			t.Fatalf("UnmarshalFirst accepts what Unmarshal refuses: %v", err)
		case errFirst == nil && len(rest) >= len(data):
			t.Fatalf("UnmarshalFirst consumed nothing")
		}
	})
}

// checkFixedPoint encodes v, decodes the encoding into a fresh value, and
// checks that it encodes to the same bytes.
func checkFixedPoint(t *testing.T, v any, fresh func() any) {
	t.Helper()
	b1, err := codec.Marshal(v)
	if err != nil {
		return // e.g. an untyped map whose keys cannot be re-encoded
	}
	v2 := fresh()
	if err := codec.Unmarshal(b1, v2); err != nil {
		t.Fatalf("re-encoding does not decode: %v\n%x", err, b1)
	}
	b2, err := codec.Marshal(v2)
	if err != nil {
		t.Fatalf("second encoding: %v", err)
	}
	if !bytes.Equal(b1, b2) {
		t.Fatalf("encoding is not stable:\n%x\n%x", b1, b2)
	}
}

func fuzzSeedMessages() []any {
	id := causal.ReplicaID{0xab, 15: 1}
	var cc causal.Context
	cc.Add(causal.Dot{Replica: id, Seq: 1})
	cc.Add(causal.Dot{Replica: id, Seq: 3})
	return []any{
		fuzzMessage{Version: 1},
		fuzzMessage{
			Version: 1, Name: "snapshot", Data: []byte{0, 1, 0xff}, CC: cc,
			TS:     hlc.Timestamp{Wall: 1_700_000_000_000, Logical: 3},
			Items:  []fuzzItem{{Dot: causal.Dot{Replica: id, Seq: 1}, N: 7, Val: []byte("v")}},
			Counts: map[string]int64{"a": -1, "b": 1 << 40}, Float: 1.5,
			Dots:   []causal.Dot{{Replica: id, Seq: 3}},
			Next:   &fuzzMessage{Version: 2, Flag: true},
			Fields: map[string]*fuzzItem{"f": {N: 1}},
		},
		map[string]any{"k": []any{int64(1), "s", []byte("b"), 2.5, nil, true}},
		[]any{uint64(1) << 63, int64(-1) << 62, float32(0.1)},
	}
}

// TestRoundTrip checks that the seed messages survive a round trip and that
// encoding is deterministic across map insertion orders.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for i, m := range fuzzSeedMessages() {
		b, err := codec.Marshal(m)
		if err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		checkFixedPoint(t, m, func() any { return new(any) })
		if _, ok := m.(fuzzMessage); ok {
			var back fuzzMessage
			if err := codec.Unmarshal(b, &back); err != nil {
				t.Fatalf("seed %d: %v", i, err)
			}
		}
	}
	a := map[string]int{}
	b := map[string]int{}
	for i := range 100 {
		a[string(rune('a'+i%26))+string(rune('0'+i/26))] = i
	}
	for i := 99; i >= 0; i-- {
		b[string(rune('a'+i%26))+string(rune('0'+i/26))] = i
	}
	ea, _ := codec.Marshal(a)
	eb, _ := codec.Marshal(b)
	if !bytes.Equal(ea, eb) {
		t.Fatal("equal maps encode differently")
	}
}

// TestDecodeBounds checks that the decoder refuses what codec's doc says it
// refuses, with an error wrapping ErrDecode.
func TestDecodeBounds(t *testing.T) {
	t.Parallel()
	deep := bytes.Repeat([]byte{0x81}, codec.MaxNesting+1)
	deep = append(deep, 0x00)
	tests := []struct {
		name string
		data []byte
	}{
		{name: "empty", data: []byte{}},
		{name: "indefinite length", data: []byte{0x9f, 0x01, 0xff}},
		{name: "tag", data: []byte{0xc1, 0x00}},
		{name: "duplicate map key", data: []byte{0xa2, 0x01, 0x00, 0x01, 0x00}},
		{name: "invalid utf-8", data: []byte{0x62, 0xff, 0xfe}},
		{name: "too deep", data: deep},
		{name: "huge declared length", data: []byte{0x9b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{name: "trailing bytes", data: []byte{0x01, 0x02}},
		{name: "truncated", data: []byte{0x82, 0x01}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var v any
			if err := codec.Unmarshal(tc.data, &v); !errors.Is(err, codec.ErrDecode) {
				t.Fatalf("Unmarshal(%x) = %v, want ErrDecode", tc.data, err)
			}
		})
	}
}
