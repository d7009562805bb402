package compat

import (
	"fmt"
	"strings"
	"testing"
)

// scripts are fixed command sequences for edges that random streams reach
// only rarely, and reproducers of mismatches the random streams found.
// Each runs on an empty keyspace, compared as TestCompat compares.
var scripts = []struct {
	name string
	cmds []string // one command per entry, arguments separated by "|"
}{
	{name: "counter near max", cmds: []string{
		"SET|a|-1", "INCRBY|a|9223372036854775807", "INCR|a", "GET|a", "INCR|a", "GET|a",
		"SET|k|-326", "DECRBY|k|-9223372036854775807", "INCR|k", "GET|k",
	}},
	{name: "counter near min", cmds: []string{
		"SET|a|0", "DECRBY|a|9223372036854775807", "DECR|a", "GET|a", "DECR|a", "GET|a",
		"DECRBY|b|-9223372036854775808", "INCRBY|b|-9223372036854775808", "GET|b",
	}},
	{name: "incr on a float result beyond int64", cmds: []string{
		"SET|i|1", "INCRBYFLOAT|i|9223372036854775807", "GET|i", "INCR|i", "DECRBY|i|1",
		"SET|f|1", "INCRBYFLOAT|f|1e30", "INCR|f",
		"SET|g|18446744073709551616", "INCR|g",
	}},
	{name: "hincrby on a float result beyond int64", cmds: []string{
		"HSET|h|f|1", "HINCRBYFLOAT|h|f|1e400", "HGET|h|f", "HINCRBY|h|f|1",
		"HSET|h|g|9223372036854775807", "HINCRBY|h|g|1", "HINCRBY|h|g|-1", "HGET|h|g",
	}},
	{name: "unknown command with nul", cmds: []string{
		"x\x00y|a\x00b|c", "foo|q\x00r",
	}},
	{name: "expired set pxat", cmds: []string{
		"SET|a|1|PXAT|1", "DBSIZE", "EXISTS|a", "SET|b||EXAT|1", "DBSIZE", "GETEX|b|PXAT|1", "DBSIZE",
	}},
}

func TestCompatScripts(t *testing.T) {
	ref := &redisSide{conn: dialRedis(t, startRedis(t))}
	for _, sc := range scripts {
		t.Run(sc.name, func(t *testing.T) {
			sut := &engineSide{}
			rep := &report{t: t, sut: sut.label(), perCmd: map[string]int{}, first: map[string]string{}}
			r := newRun(t, 0, ref, sut, nil, rep)
			r.script = sc.name
			for i, line := range sc.cmds {
				r.index = i
				cmd := strings.Split(line, "|")
				r.step(cmd)
				r.history = append(r.history, fmt.Sprintf("#%d %s", i, quoteCmd(cmd)))
			}
			r.checkState()
		})
	}
}
