package engine

import (
	"bytes"
	"fmt"

	"lattice/shared/codec"
)

// DeltaVersion is the version of the delta encoding. Decoders refuse
// versions they do not know.
const DeltaVersion = 1

// deltaEnvelope is the versioned wire and disk form of a Delta.
type deltaEnvelope struct {
	Version int    `cbor:"1,keyasint"`
	Delta   *Delta `cbor:"2,keyasint"`
}

// EncodeDelta returns the deterministic CBOR encoding of d: equal deltas
// (and equal snapshots) encode to equal bytes on every platform.
func EncodeDelta(d *Delta) ([]byte, error) {
	if b, ok := appendDelta(make([]byte, 0, 256), d); ok {
		if fastEncodeCheck {
			want, err := codec.Marshal(deltaEnvelope{Version: DeltaVersion, Delta: d})
			if err != nil || !bytes.Equal(b, want) {
				panic(fmt.Sprintf("engine: the fast delta encoder disagrees with codec (err %v):\n fast  %x\n codec %x", err, b, want))
			}
		}
		return b, nil
	}
	return codec.Marshal(deltaEnvelope{Version: DeltaVersion, Delta: d})
}

// DecodeDelta decodes and validates an encoded delta. It never panics and
// bounds every allocation (see package codec).
func DecodeDelta(b []byte) (*Delta, error) {
	var env deltaEnvelope
	if err := codec.Unmarshal(b, &env); err != nil {
		return nil, fmt.Errorf("decode delta: %w", err)
	}
	if env.Version != DeltaVersion {
		return nil, fmt.Errorf("%w: version %d", ErrMalformedDelta, env.Version)
	}
	if env.Delta == nil {
		return nil, fmt.Errorf("%w: no delta", ErrMalformedDelta)
	}
	d := env.Delta
	if err := validate(d); err != nil {
		return nil, err
	}
	for _, k := range d.Keys {
		k.fix()
	}
	return d, nil
}
