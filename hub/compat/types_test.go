package compat

import "lattice/shared/resp"

// Keyspace dumps, rebuilds and random-reply snapshots of the types beyond
// strings, hashes and sets.

// dumpValue describes a sorted set (members and scores, in order) or a
// list (its elements); other types by their type alone.
func dumpValue(do func([]string) resp.Value, key, typ string) string {
	switch typ {
	case "zset":
		return describe(do([]string{"ZRANGE", key, "0", "-1", "WITHSCORES"}))
	case "list":
		return describe(do([]string{"LRANGE", key, "0", "-1"}))
	}
	return ""
}

// rebuildCmd is the command that writes redis-server's sorted set or list
// key into the system under test.
func (r *run) rebuildCmd(key, typ string) []string {
	if typ == "list" {
		return append([]string{"RPUSH", key}, strs(r.value(r.ref, "LRANGE", key, "0", "-1"))...)
	}
	kv := strs(r.value(r.ref, "ZRANGE", key, "0", "-1", "WITHSCORES"))
	cmd := []string{"ZADD", key}
	for i := 0; i+1 < len(kv); i += 2 {
		cmd = append(cmd, kv[i+1], kv[i])
	}
	return cmd
}

// dropHLL deletes a HyperLogLog from redis-server during a rebuild: its
// registers cannot be written into the engine through commands (PFADD
// takes elements, not registers), so after a difference both sides go on
// without it.
func (r *run) dropHLL(key string) {
	r.value(r.ref, "DEL", key)
	r.t.Logf("seed %d: rebuild drops HyperLogLog %q on both sides", r.seed, key)
}

// snapshotZSet records a sorted set's members and scores for ZRANDMEMBER.
func (r *run) snapshotZSet(s *snapshot, key string) {
	if string(r.value(r.ref, "TYPE", key).Str) != "zset" {
		return
	}
	kv := r.value(r.ref, "ZRANGE", key, "0", "-1", "WITHSCORES").Elems
	for i := 0; i+1 < len(kv); i += 2 {
		s.members[string(kv[i].Str)] = string(kv[i+1].Str)
	}
}
