package simtest

import (
	"bytes"
	"encoding/binary"
	"hash"
	"maps"
	"slices"
	"strconv"
	"strings"

	"lattice/shared/codec"
	"lattice/shared/engine"
)

// formatReply renders a reply readably and unambiguously (no reflection):
// two replies format alike exactly when they are equal.
func formatReply(r engine.Reply) string {
	return string(appendReply(nil, r))
}

func appendReply(dst []byte, r engine.Reply) []byte {
	switch r.Kind {
	case engine.KindSimple:
		return append(append(dst, '+'), r.Str...)
	case engine.KindError:
		return append(append(dst, '-'), r.Str...)
	case engine.KindInt:
		return strconv.AppendInt(append(dst, ':'), r.Int, 10)
	case engine.KindBulk:
		return strconv.AppendQuote(append(dst, '$'), string(r.Str))
	case engine.KindDouble:
		return append(append(dst, ','), r.Str...)
	case engine.KindNull:
		return append(dst, "(nil)"...)
	case engine.KindNullArray:
		return append(dst, "(nil array)"...)
	}
	open, close := byte('['), byte(']')
	switch r.Kind {
	case engine.KindMap:
		open, close = '{', '}'
	case engine.KindSet:
		open, close = '<', '>'
	case engine.KindArray, engine.KindPairs:
	default:
		dst = strconv.AppendInt(append(dst, "kind"...), int64(r.Kind), 10)
	}
	dst = append(dst, open)
	for i, e := range r.Elems {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = appendReply(dst, e)
	}
	return append(dst, close)
}

// hashReply feeds every field of a reply to h, for the run digest.
func hashReply(h hash.Hash64, r engine.Reply) {
	var buf [8]byte
	h.Write([]byte{byte(r.Kind)})
	binary.LittleEndian.PutUint64(buf[:], uint64(len(r.Str)))
	h.Write(buf[:])
	h.Write(r.Str)
	binary.LittleEndian.PutUint64(buf[:], uint64(r.Int))
	h.Write(buf[:])
	binary.LittleEndian.PutUint64(buf[:], uint64(len(r.Elems)))
	h.Write(buf[:])
	for _, e := range r.Elems {
		hashReply(h, e)
	}
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// diffSnapshots explains how two encoded snapshots differ: the clock, the
// context, and up to three keys, in diagnostic notation.
func diffSnapshots(a, b []byte) string {
	da, errA := engine.DecodeDelta(a)
	db, errB := engine.DecodeDelta(b)
	if errA != nil || errB != nil {
		return "undecodable: " + strings.TrimSpace(errString(errA)+" "+errString(errB))
	}
	var out []string
	if da.TS != db.TS {
		out = append(out, "TS "+da.TS.String()+" vs "+db.TS.String())
	}
	if ca, cb := encode(da.CC), encode(db.CC); !bytes.Equal(ca, cb) {
		out = append(out, "context\n  "+diag(ca)+"\n  "+diag(cb))
	}
	names := sortedKeys(da.Keys)
	for n := range db.Keys {
		if _, ok := da.Keys[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	shown := 0
	for _, n := range names {
		ka, kb := encode(da.Keys[n]), encode(db.Keys[n])
		if bytes.Equal(ka, kb) || shown == 3 {
			continue
		}
		shown++
		out = append(out, "key "+strconv.Quote(n)+"\n  "+diag(ka)+"\n  "+diag(kb))
	}
	if len(out) == 0 {
		return "no visible difference"
	}
	return strings.Join(out, "\n")
}

func encode(v any) []byte {
	b, err := codec.Marshal(v)
	if err != nil {
		return []byte(err.Error())
	}
	return b
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
