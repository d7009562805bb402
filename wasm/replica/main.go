//go:build wasip1

// Command replica is the wasip1 reactor build of the core: only
// //go:wasmexport glue over shared/engine, loaded by edge/host through wazero
// and by wasm/js in the browser. Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o build/replica.wasm ./wasm/replica
//
// Package main must not import hub or edge.
package main

// main is never called in a c-shared (reactor) build; the host calls
// _initialize and then the exports.
func main() {}

// latticeVersion returns the ABI version, so that a host can refuse a guest
// it does not understand before calling anything else.
//
//go:wasmexport lattice_version
func latticeVersion() int32 { return 1 }
