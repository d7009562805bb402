package compat

import (
	"time"

	"lattice/shared/causal"
	"lattice/shared/engine"
)

// side is one end of a comparison: the reference redis-server, or the
// system under test (the engine; another redis-server in TestCompatSelf).
type side interface {
	label() string
	// do runs one command and returns its RESP2 reply.
	do(args [][]byte) ([]byte, error)
	// reset empties the keyspace.
	reset() error
	// reap reclaims keys that have expired but are still counted by
	// DBSIZE (a no-op where there are none).
	reap() error
}

// engineSide runs commands on an in-process replica at the host's current
// time, as a hub does, and writes the replies with engine.AppendReply.
type engineSide struct {
	r *engine.Replica
}

func (e *engineSide) label() string { return "engine" }

func (e *engineSide) do(args [][]byte) ([]byte, error) {
	reply, _, err := e.r.Do(time.Now().UnixNano(), args)
	if err != nil {
		return nil, err
	}
	return engine.AppendReply(nil, reply, 2), nil
}

func (e *engineSide) reset() error {
	r, err := engine.New(causal.ReplicaID{15: 1}, engine.DefaultConfig())
	e.r = r
	return err
}

func (e *engineSide) reap() error { return nil }

// redisSide talks to a redis-server.
type redisSide struct {
	conn *redisConn
	name string // default "redis-server"
}

func (s *redisSide) label() string {
	if s.name == "" {
		return "redis-server"
	}
	return s.name
}

func (s *redisSide) do(args [][]byte) ([]byte, error) { return s.conn.do(args) }

func (s *redisSide) reset() error {
	_, err := s.conn.do(byteArgs("FLUSHALL"))
	return err
}

// reap makes redis-server delete the keys that have expired but that its
// active expiry cycle has not reclaimed yet (SET ... PXAT in the past
// stores such a key), by scanning the keyspace: SCAN deletes the expired
// keys it meets. DBSIZE counts them until then, so without this its
// answer would depend on redis-server's timing.
func (s *redisSide) reap() error {
	cursor := []byte("0")
	for range 100_000 {
		raw, err := s.conn.do([][]byte{[]byte("SCAN"), cursor, []byte("COUNT"), []byte("1000")})
		if err != nil {
			return err
		}
		v := parseReplyRaw(raw)
		if len(v.Elems) != 2 {
			return errNotScan
		}
		if cursor = v.Elems[0].Str; string(cursor) == "0" {
			return nil
		}
	}
	return errNotScan
}
