// Package codec owns the one deterministic, bounded CBOR mode used for every
// delta, snapshot and message, on the wire and on disk.
//
// # Determinism
//
// Encoding uses RFC 8949 core deterministic encoding (cbor.CoreDetEncOptions):
// shortest integer forms, map keys sorted bytewise, no indefinite lengths.
// Nil and empty containers encode alike, so two equal states always encode
// to the same bytes on every platform (native, wasip1, js).
//
// # Bounds
//
// Decoding rejects nesting deeper than MaxNesting, arrays and maps larger
// than MaxElements, indefinite lengths, tags, duplicate map keys and invalid
// UTF-8. The decoder checks well-formedness before it allocates, so a
// declared length can never exceed the input; callers bound the input size
// (the WebSocket read limit, the log record length).
//
// Package codec imports only the standard library and fxamacker/cbor. It is
// safe for concurrent use (the modes are immutable).
package codec
