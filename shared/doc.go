// Package shared holds no code: its subpackages are Lattice's pure core,
// which builds and tests unchanged on native, GOOS=wasip1 and GOOS=js.
//
// purity_test.go enforces the rules of STYLE R3 on every subpackage:
//
//  1. Direct imports of non-test files come from the standard-library
//     allowlist, fxamacker/cbor and lattice/shared/...; math/rand/v2 only
//     in simtest.
//  2. Packages import only lower layers: hlc, causal → codec, resp → crdt →
//     engine, syncproto → abi → simtest.
//  3. No goroutines, channels, select, or clock reads (time.Now and
//     friends): time and randomness are arguments.
//
// It also checks the direction between the shells: edge never imports hub
// or wasm, wasm never imports hub or edge.
package shared
