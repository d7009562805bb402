// Package syncproto is the replication protocol between replicas, as pure
// state with no transport: hosts move its messages over WebSocket binary
// frames (one CBOR Message per frame) and call it to decide what to send.
//
// # Logs and origins
//
// Every replica numbers the deltas it makes: its id and 1, 2, 3, ... (the
// delta's origin, engine.Delta.Origin). A hub's log holds every delta it
// applied, its own and those it merged, in the order it applied them; a
// position in it is a log sequence number (LSN), per connection. A link
// carries one replica's log to another: the side that dials is the sink,
// the side dialled is the source. A mesh of hubs is every hub pulling
// every peer's log, so each direction of each pair is its own link and can
// fail (or be cut) alone, and a delta reaches a hub by every path that is
// up: what a hub cannot get from its origin, it gets from any hub that has
// it. Sinks drop the deltas whose origins they hold (duplicates are
// harmless; the hub counts them).
//
//	sink                                   source
//	Hello{id, name, now, nonce}       ->
//	                                  <-   Hello{id, name, now, head, nonce, proof}
//	Pull{applied, proof}              ->
//	                                  <-   Snapshot chunks (only when the source's
//	                                       backlog no longer holds what the sink lacks)
//	                                  <-   Deltas{lsn, [deltas], [origins]}
//	                                  <-   CaughtUp{lsn} (once, when the stream
//	                                       first has nothing more to send)
//	Ack{lsn, version vector}          ->   (after the deltas are durable)
//	Ping{now} / Pong{echo}            <->  (both ways, for liveness and clocks)
//
// Resumption: the Pull carries the origins of everything the sink holds
// (its causal context of origins: one entry per replica when complete), so
// a link that drops resumes from any hub, without offsets (partial sync).
// When the source's backlog has evicted something the sink lacks, the
// source sends a full-state snapshot (with the origins it holds) in chunks;
// a sink cut off mid-transfer resumes it with Pull{SnapID, Offset} while the
// source still has it. Merging a snapshot is a join, so a sink that starts
// empty never wipes anything, and a source never takes anything from a
// sink: the two directions are separate links.
//
// Acks carry the sink's version vector, so the source skips deltas the sink
// got from elsewhere; a source never sends a sink its own deltas. A sink
// pulls through one link at a time until that link is caught up, so after
// a partition it takes what it missed from one peer, not from all of them.
//
// Authentication: each side sends a random nonce in Hello; the other
// answers with Proof(secret, side, nonce), an HMAC under the mesh secret,
// so the secret never crosses the link. Flow control: the source keeps at
// most Window deltas and WindowBytes bytes unacknowledged.
package syncproto
