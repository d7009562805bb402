// Package hlc implements a hybrid logical clock (Kulkarni et al., "Logical
// Physical Clocks", 2014), shaped like CockroachDB's pkg/util/hlc but purer:
// physical time is always an argument, never read.
//
// A Timestamp is (Wall milliseconds, Logical counter). Timestamps of one clock
// strictly increase, and a clock that has seen a remote timestamp issues only
// later ones, so causally ordered writes never lose to a skewed clock
// (SEMANTICS.md B1). Update refuses remote timestamps more than MaxOffset
// ahead of the local physical clock, so a replica whose clock runs hours
// ahead cannot drag everyone forward or win every write.
//
// Package hlc imports only the standard library. A Clock is not safe for
// concurrent use.
package hlc
