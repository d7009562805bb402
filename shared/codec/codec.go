package codec

import (
	"errors"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

const (
	// MaxNesting bounds the depth of decoded items.
	MaxNesting = 16
	// MaxElements bounds the length of any decoded array or map. A snapshot
	// is written in chunks well below it.
	MaxElements = 1 << 22
)

var (
	encMode cbor.EncMode
	decMode cbor.DecMode
)

func init() {
	eo := cbor.CoreDetEncOptions()
	eo.NilContainers = cbor.NilContainerAsEmpty
	// Go strings hold Redis keys, fields and members, which are binary:
	// encode them as byte strings, since a text string must be valid UTF-8
	// and the decoder (rightly) refuses one that is not.
	eo.String = cbor.StringToByteString
	var err error
	if encMode, err = eo.EncMode(); err != nil {
		panic("codec: invalid encoding options: " + err.Error())
	}
	do := cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		MaxNestedLevels:   MaxNesting,
		MaxArrayElements:  MaxElements,
		MaxMapPairs:       MaxElements,
		UTF8:              cbor.UTF8RejectInvalid,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
		// Byte strings decode into Go strings (see String above).
		ByteStringToString: cbor.ByteStringToStringAllowed,
	}
	if decMode, err = do.DecMode(); err != nil {
		panic("codec: invalid decoding options: " + err.Error())
	}
}

// ErrDecode wraps every decoding failure.
var ErrDecode = errors.New("codec: malformed input")

// Marshal encodes v deterministically.
func Marshal(v any) ([]byte, error) { return encMode.Marshal(v) }

// Unmarshal decodes data into v (a pointer to a typed struct), rejecting
// trailing bytes and anything outside the bounds.
func Unmarshal(data []byte, v any) error {
	if err := decMode.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%w: %w", ErrDecode, err)
	}
	return nil
}

// UnmarshalFirst decodes the first item of data and returns the rest, for
// streams of concatenated items (snapshot chunks, log records).
func UnmarshalFirst(data []byte, v any) (rest []byte, err error) {
	rest, err = decMode.UnmarshalFirst(data, v)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecode, err)
	}
	return rest, nil
}
