// Package store keeps a hub's replica durable: an append-only log of the
// deltas the replica accepted, plus snapshots that compact it.
//
// # Files
//
// All files live in one directory (the hub's --dir), next to files the
// store does not own, which it ignores:
//
//	log-<gen>.aof        a log generation: a header, then records
//	snapshot-<gen>.snap  the whole state as it was when log <gen> began
//	*.tmp                a snapshot being written; removed at startup
//
// <gen> is a generation number in 16 hex digits. Snapshot <gen> holds the
// state before log <gen>, so recovery is: the newest valid snapshot G,
// then the logs G, G+1, ... in order. A directory with no snapshot starts
// from the empty state at generation 1. A gap in that chain (a missing
// log, or logs without the snapshot they follow) stops startup with an
// error rather than losing data silently.
//
// A file starts with a 24-byte header: an 8-byte magic ("LATTLOG1" or
// "LATTSNP1"), the format version (u32), the generation (u64) and the
// CRC32-C of those 20 bytes (u32). Then come records:
//
//	[u32 length][u32 CRC32-C of the length bytes and the payload][payload]
//
// little-endian, where the payload is engine.EncodeDelta bytes: one delta
// per log record, and one full-state delta (engine.Replica.Snapshot) as
// the only record of a snapshot. A length is checked against
// Config.MaxRecord (log records) and against the bytes left in the file
// before anything is allocated, so a corrupt length never allocates more
// than the file holds. A snapshot is one record, so it is limited to
// 4 GiB and to codec.MaxElements keys; writing it in chunks needs an
// engine API that restores a state in parts.
//
// # Writing and appendfsync
//
// Append encodes a pipeline's deltas, writes them with one write call and,
// under Always, fsyncs once before it returns (group commit per pipeline):
// the hub sends replies only after Append returns, so with Always every
// acknowledged write is on disk. Under EverySec a background goroutine
// fsyncs the current log once per Config.SyncInterval when it has new
// bytes: a power loss loses at most the last interval or two of
// acknowledged writes. Under No the store never fsyncs the log during
// normal operation (the OS flushes it). Under every policy the bytes are
// written to the OS before Append returns, so a process crash (SIGKILL)
// loses nothing; the policies differ on power loss, which the tests
// simulate with MemFS.
//
// # Snapshots and log rewrite
//
// Snapshot encodes the replica's state on the caller's goroutine (the
// hub's owner goroutine: a snapshot shares the replica's memory), then
// rotates the log (fsyncs the old generation, creates the next one with
// its header, fsyncs it and the directory), and writes the snapshot in a
// background goroutine: to a .tmp file, fsync, rename, fsync the
// directory. Only then are the older snapshot and logs deleted. A crash at
// any point leaves a complete chain: the old snapshot with both logs, or
// the new snapshot with the new log. WantsRewrite reports when the log has
// grown past Config.RewriteMinSize and Config.RewritePercent of the last
// snapshot (Redis's auto-aof-rewrite rule); the hub then snapshots.
//
// # Recovery
//
// Open loads the newest valid snapshot and replays the logs after it into
// the replica (Replica.Restore, a plain join), then keeps appending to the
// last log. A record cut short, or failing its CRC, with no valid record
// after it in that log or any later one, is a torn tail: the file is
// truncated there and one log line gives the file, offset and bytes
// dropped. A bad record followed by a valid one is corruption in the
// middle: Open fails with an error naming the file and offset, since
// going on would silently drop the acknowledged writes after it. The
// search for a valid record after a bad one takes a candidate only if its
// length is plausible, its payload starts as every delta envelope does and
// its checksum matches; its cost is bounded, and past the bound Open fails
// rather than guess.
//
// # Write errors
//
// A failed write or fsync puts the store in a failed state: Append returns
// the error (the hub answers MISCONF and does not acknowledge) and never
// retries an fsync on that file (after a failed fsync the kernel may have
// dropped the dirty pages, so a later fsync could succeed falsely). SaveNow
// repairs it: a snapshot of the whole in-memory state into a new
// generation; if that succeeds the store is healthy again.
//
// # Concurrency
//
// Open, Append, Snapshot, SaveNow, WantsRewrite and Close are called by
// one goroutine at a time (the hub's owner), which is also the only one
// that starts snapshots: Snapshot returns ErrSaveInProgress while a
// background snapshot is being written, and SaveNow waits for it. Stats is safe on any
// goroutine. The store runs at most two goroutines of its own: the
// EverySec syncer and one background snapshot writer; Close waits for
// both.
package store
