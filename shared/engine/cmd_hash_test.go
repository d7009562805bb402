package engine

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// hsNow is the fixed time of the hash and set tests (2023-11-14, Unix s).
const hsNow = int64(1_700_000_000) * int64(time.Second)

// hsBig is what redis-server 7.0.15 answers to HINCRBYFLOAT of 1e308 on a
// field holding "1e308": long double range, printed with %.17Lf.
const hsBig = "199999999999999999993371759311691291321120199694831134415594095989843469737676123744200253843777078640893494450108026446304269499187921167194841628860392837535918200039206381557326219209014213335878306791577877829121087126122536729803237260434173178506889763247582601711514636284849020905456510092687857156096"

// hsCase is one command run on a fresh replica after the table's base
// setup and the case's own. Replies are written as hsText writes them.
// Every expectation was taken from redis-server 7.0.15 (FLUSHALL, base,
// setup, cmd, check), except that members and fields come in byte order
// where Redis lists them in its hash-table or insertion order.
type hsCase struct {
	name      string
	setup     []string // commands run first; they must not fail
	cmd       string   // split by hsArgs
	want      string
	check     string // optional command run after cmd
	checkWant string
}

// hsHashBase is the setup of every hash case: a hash h and a string s.
var hsHashBase = []string{"HSET h a 1 b 2 c 3", "SET s v"}

const hsWrongType = "-WRONGTYPE Operation against a key holding the wrong kind of value"

var hsHashCases = []hsCase{
	// HSET, HMSET, HSETNX
	{name: "hset new fields", cmd: "HSET n x 1 y 2", want: ":2", check: "HGETALL n", checkWant: "%[$x, $1, $y, $2]"},
	{name: "hset duplicate field last wins", cmd: "HSET n a 1 b 2 a 3", want: ":2", check: "HGETALL n", checkWant: "%[$a, $3, $b, $2]"},
	{name: "hset existing field", cmd: "HSET h a 9 d 4", want: ":1", check: "HGET h a", checkWant: "$9"},
	{name: "hset same value", cmd: "HSET h a 1", want: ":0", check: "HLEN h", checkWant: ":3"},
	{name: "hset empty field and value", cmd: `HSET h "" ""`, want: ":1", check: `HSTRLEN h ""`, checkWant: ":0"},
	{name: "hset odd pairs", cmd: "HSET h a 1 b", want: "-ERR wrong number of arguments for 'hset' command", check: "HGET h b", checkWant: "$2"},
	{name: "hset arity", cmd: "HSET h a", want: "-ERR wrong number of arguments for 'hset' command"},
	{name: "hset wrong type", cmd: "HSET s a 1", want: hsWrongType, check: "GET s", checkWant: "$v"},
	{name: "hset wrong type odd pairs", cmd: "HSET s a 1 b", want: "-ERR wrong number of arguments for 'hset' command"},
	{name: "hset binary", cmd: "HSET n \"f\x00\" \"v\r\n\"", want: ":1", check: "HGET n \"f\x00\"", checkWant: "$v\r\n"},
	{name: "hmset", cmd: "HMSET n x 1 x 2", want: "+OK", check: "HGET n x", checkWant: "$2"},
	{name: "hmset existing", cmd: "HMSET h a 5", want: "+OK", check: "HGET h a", checkWant: "$5"},
	{name: "hmset arity", cmd: "HMSET h", want: "-ERR wrong number of arguments for 'hmset' command"},
	{name: "hmset odd pairs", cmd: "HMSET h x", want: "-ERR wrong number of arguments for 'hmset' command"},
	{name: "hmset odd pairs long", cmd: "HMSET h x 1 y", want: "-ERR wrong number of arguments for 'hmset' command"},
	{name: "hmset wrong type", cmd: "HMSET s x 1", want: hsWrongType},
	{name: "hsetnx present", cmd: "HSETNX h a 9", want: ":0", check: "HGET h a", checkWant: "$1"},
	{name: "hsetnx new field", cmd: "HSETNX h z 9", want: ":1", check: "HGET h z", checkWant: "$9"},
	{name: "hsetnx new key", cmd: "HSETNX n z 9", want: ":1", check: "HGETALL n", checkWant: "%[$z, $9]"},
	{name: "hsetnx empty field", cmd: `HSETNX h "" x`, want: ":1", check: `HGET h ""`, checkWant: "$x"},
	{name: "hsetnx wrong type", cmd: "HSETNX s a 1", want: hsWrongType},
	{name: "hsetnx arity", cmd: "HSETNX s a", want: "-ERR wrong number of arguments for 'hsetnx' command"},

	{name: "hset keeps ttl", setup: []string{"EXPIRE h 100"}, cmd: "HSET h d 4", want: ":1", check: "TTL h", checkWant: ":100"},
	{name: "hdel keeps ttl", setup: []string{"EXPIRE h 100"}, cmd: "HDEL h a", want: ":1", check: "TTL h", checkWant: ":100"},
	{name: "hincrby keeps ttl", setup: []string{"EXPIRE h 100"}, cmd: "HINCRBY h c 1", want: ":4", check: "TTL h", checkWant: ":100"},

	// HGET, HMGET, HEXISTS, HLEN, HSTRLEN
	{name: "hget", cmd: "HGET h b", want: "$2"},
	{name: "hget missing field", cmd: "HGET h z", want: "$-1"},
	{name: "hget missing key", cmd: "HGET n a", want: "$-1"},
	{name: "hget wrong type", cmd: "HGET s a", want: hsWrongType},
	{name: "hget arity", cmd: "HGET h", want: "-ERR wrong number of arguments for 'hget' command"},
	{name: "hmget", cmd: "HMGET h a nope c a", want: "*[$1, $-1, $3, $1]"},
	{name: "hmget missing key", cmd: "HMGET n a b", want: "*[$-1, $-1]"},
	{name: "hmget wrong type", cmd: "HMGET s a", want: hsWrongType},
	{name: "hmget arity", cmd: "HMGET h", want: "-ERR wrong number of arguments for 'hmget' command"},
	{name: "hexists", cmd: "HEXISTS h b", want: ":1"},
	{name: "hexists missing field", cmd: "HEXISTS h z", want: ":0"},
	{name: "hexists missing key", cmd: "HEXISTS n z", want: ":0"},
	{name: "hexists wrong type", cmd: "HEXISTS s a", want: hsWrongType},
	{name: "hexists arity", cmd: "HEXISTS h a b", want: "-ERR wrong number of arguments for 'hexists' command"},
	{name: "hlen", cmd: "HLEN h", want: ":3"},
	{name: "hlen missing key", cmd: "HLEN n", want: ":0"},
	{name: "hlen wrong type", cmd: "HLEN s", want: hsWrongType},
	{name: "hlen arity", cmd: "HLEN h x", want: "-ERR wrong number of arguments for 'hlen' command"},
	{name: "hstrlen", setup: []string{"HSET h long abcdef"}, cmd: "HSTRLEN h long", want: ":6"},
	{name: "hstrlen counter", setup: []string{"HINCRBY h n -100"}, cmd: "HSTRLEN h n", want: ":4"},
	{name: "hstrlen missing field", cmd: "HSTRLEN h z", want: ":0"},
	{name: "hstrlen missing key", cmd: "HSTRLEN n z", want: ":0"},
	{name: "hstrlen wrong type", cmd: "HSTRLEN s a", want: hsWrongType},
	{name: "hstrlen arity", cmd: "HSTRLEN h", want: "-ERR wrong number of arguments for 'hstrlen' command"},

	// HDEL
	{name: "hdel", cmd: "HDEL h a nope a", want: ":1", check: "HGETALL h", checkWant: "%[$b, $2, $c, $3]"},
	{name: "hdel last field deletes key", cmd: "HDEL h a b c", want: ":3", check: "HLEN h", checkWant: ":0"},
	{name: "hdel then recreate", setup: []string{"HDEL h a b c"}, cmd: "HSET h a 7", want: ":1", check: "HGETALL h", checkWant: "%[$a, $7]"},
	{name: "hdel missing key", cmd: "HDEL n a", want: ":0"},
	{name: "hdel wrong type", cmd: "HDEL s a", want: hsWrongType},
	{name: "hdel arity", cmd: "HDEL h", want: "-ERR wrong number of arguments for 'hdel' command"},
	{name: "hdel counter field", setup: []string{"HINCRBY h n 5"}, cmd: "HDEL h n", want: ":1", check: "HINCRBY h n 1", checkWant: ":1"},

	// HKEYS, HVALS, HGETALL
	{name: "hkeys", cmd: "HKEYS h", want: "*[$a, $b, $c]"},
	{name: "hkeys byte order", cmd: "HSET n b 1 B 2 a 3 \"\" 4", want: ":4", check: "HKEYS n", checkWant: `*[$, $B, $a, $b]`},
	{name: "hkeys missing key", cmd: "HKEYS n", want: "*[]"},
	{name: "hkeys wrong type", cmd: "HKEYS s", want: hsWrongType},
	{name: "hkeys arity", cmd: "HKEYS", want: "-ERR wrong number of arguments for 'hkeys' command"},
	{name: "hvals", cmd: "HVALS h", want: "*[$1, $2, $3]"},
	{name: "hvals counter", setup: []string{"HINCRBY h a 10"}, cmd: "HVALS h", want: "*[$11, $2, $3]"},
	{name: "hvals missing key", cmd: "HVALS n", want: "*[]"},
	{name: "hvals wrong type", cmd: "HVALS s", want: hsWrongType},
	{name: "hvals arity", cmd: "HVALS h h", want: "-ERR wrong number of arguments for 'hvals' command"},
	{name: "hgetall", cmd: "HGETALL h", want: "%[$a, $1, $b, $2, $c, $3]"},
	{name: "hgetall missing key", cmd: "HGETALL n", want: "%[]"},
	{name: "hgetall wrong type", cmd: "HGETALL s", want: hsWrongType},
	{name: "hgetall arity", cmd: "HGETALL", want: "-ERR wrong number of arguments for 'hgetall' command"},

	// HINCRBY
	{name: "hincrby", cmd: "HINCRBY h b 5", want: ":7", check: "HGET h b", checkWant: "$7"},
	{name: "hincrby new field", cmd: "HINCRBY h new -5", want: ":-5", check: "HGET h new", checkWant: "$-5"},
	{name: "hincrby new key", cmd: "HINCRBY n f 3", want: ":3", check: "HGETALL n", checkWant: "%[$f, $3]"},
	{name: "hincrby twice", setup: []string{"HINCRBY h b 5"}, cmd: "HINCRBY h b -10", want: ":-3"},
	{name: "hincrby after hset", setup: []string{"HINCRBY h b 5", "HSET h b 100"}, cmd: "HINCRBY h b 1", want: ":101"},
	{name: "hincrby zero", cmd: "HINCRBY h b 0", want: ":2"},
	{name: "hincrby bad increment", cmd: "HINCRBY h b x", want: "-ERR value is not an integer or out of range"},
	{name: "hincrby float increment", cmd: "HINCRBY h b 1.5", want: "-ERR value is not an integer or out of range"},
	{name: "hincrby increment beyond int64", cmd: "HINCRBY h b 9223372036854775808", want: "-ERR value is not an integer or out of range"},
	{name: "hincrby bad increment missing key", cmd: "HINCRBY n b x", want: "-ERR value is not an integer or out of range", check: "EXISTS n", checkWant: ":0"},
	{name: "hincrby wrong type", cmd: "HINCRBY s b 1", want: hsWrongType},
	{name: "hincrby wrong type bad increment", cmd: "HINCRBY s b x", want: "-ERR value is not an integer or out of range"},
	{name: "hincrby text", setup: []string{"HSET h str abc"}, cmd: "HINCRBY h str 1", want: "-ERR hash value is not an integer", check: "HGET h str", checkWant: "$abc"},
	{name: "hincrby space", setup: []string{`HSET h sp " 1"`}, cmd: "HINCRBY h sp 1", want: "-ERR hash value is not an integer"},
	{name: "hincrby exponent", setup: []string{"HSET h e 1e2"}, cmd: "HINCRBY h e 1", want: "-ERR hash value is not an integer"},
	{name: "hincrby big value", setup: []string{"HSET h big 99999999999999999999"}, cmd: "HINCRBY h big 1", want: "-ERR hash value is not an integer"},
	{name: "hincrby overflow", setup: []string{"HSET h big 9223372036854775807"}, cmd: "HINCRBY h big 1", want: "-ERR increment or decrement would overflow", check: "HGET h big", checkWant: "$9223372036854775807"},
	{name: "hincrby underflow", setup: []string{"HSET h small -9223372036854775808"}, cmd: "HINCRBY h small -1", want: "-ERR increment or decrement would overflow"},
	{name: "hincrby overflow counter", setup: []string{"HINCRBY h n 9223372036854775807"}, cmd: "HINCRBY h n 1", want: "-ERR increment or decrement would overflow", check: "HGET h n", checkWant: "$9223372036854775807"},
	{name: "hincrby to min", cmd: "HINCRBY h n -9223372036854775808", want: ":-9223372036854775808"},
	{name: "hincrby max then down", setup: []string{"HSET h big 9223372036854775807"}, cmd: "HINCRBY h big -1", want: ":9223372036854775806"},
	{name: "hincrby after hincrbyfloat", setup: []string{"HSET h f 10", "HINCRBYFLOAT h f 0.1", "HINCRBYFLOAT h f -0.1"}, cmd: "HINCRBY h f 1", want: ":11"},
	{name: "hincrby hex from float", setup: []string{"HSET h hx 0x10", "HINCRBYFLOAT h hx 1"}, cmd: "HINCRBY h hx 1", want: ":18"},
	{name: "hincrby on a float result beyond int64", setup: []string{"HSET h f 1", "HINCRBYFLOAT h f 1e400"}, cmd: "HINCRBY h f 1", want: "-ERR hash value is not an integer"},
	{name: "hincrby on a float result of 1e19", setup: []string{"HINCRBYFLOAT h g 1e19"}, cmd: "HINCRBY h g 1", want: "-ERR hash value is not an integer", check: "HGET h g", checkWant: "$10000000000000000000"},
	{name: "hincrby on an int then float chain", setup: []string{"HINCRBY h i 5", "HINCRBYFLOAT h i 1e19"}, cmd: "HINCRBY h i 1", want: "-ERR hash value is not an integer", check: "HGET h i", checkWant: "$10000000000000000005"},
	{name: "hincrby arity", cmd: "HINCRBY h b", want: "-ERR wrong number of arguments for 'hincrby' command"},

	// HINCRBYFLOAT
	{name: "hincrbyfloat", setup: []string{"HSET h f 1.5"}, cmd: "HINCRBYFLOAT h f 0.1", want: "$1.6", check: "HGET h f", checkWant: "$1.6"},
	{name: "hincrbyfloat new field", cmd: "HINCRBYFLOAT h new 0.5", want: "$0.5"},
	{name: "hincrbyfloat half quarter", setup: []string{"HINCRBYFLOAT h new 0.5"}, cmd: "HINCRBYFLOAT h new 0.25", want: "$0.75", check: "HGET h new", checkWant: "$0.75"},
	{name: "hincrbyfloat integer value", cmd: "HINCRBYFLOAT h c 1e3", want: "$1003"},
	{name: "hincrbyfloat trailing zeros", cmd: "HINCRBYFLOAT h c 1.0000", want: "$4", check: "HGET h c", checkWant: "$4"},
	{name: "hincrbyfloat back to integer", setup: []string{"HSET h f 10", "HINCRBYFLOAT h f 0.1"}, cmd: "HINCRBYFLOAT h f -0.1", want: "$10", check: "HGET h f", checkWant: "$10"},
	{name: "hincrbyfloat point one point two", setup: []string{"HINCRBYFLOAT h x 0.1"}, cmd: "HINCRBYFLOAT h x 0.2", want: "$0.3", check: "HGET h x", checkWant: "$0.3"},
	{name: "hincrbyfloat small", cmd: "HINCRBYFLOAT h g 1e-5", want: "$0.00001"},
	{name: "hincrbyfloat hex increment", cmd: "HINCRBYFLOAT h g 0x10", want: "$16"},
	{name: "hincrbyfloat hex value", setup: []string{"HSET h hx 0x10"}, cmd: "HINCRBYFLOAT h hx 1", want: "$17", check: "HGET h hx", checkWant: "$17"},
	{name: "hincrbyfloat exponent value", setup: []string{"HSET h e 1e3"}, cmd: "HINCRBYFLOAT h e 0", want: "$1000", check: "HGET h e", checkWant: "$1000"},
	{name: "hincrbyfloat leading dot", cmd: "HINCRBYFLOAT h g .5", want: "$0.5"},
	{name: "hincrbyfloat trailing dot", cmd: "HINCRBYFLOAT h g 5.", want: "$5"},
	{name: "hincrbyfloat minus zero", cmd: "HINCRBYFLOAT h g -0", want: "$0", check: "HEXISTS h g", checkWant: ":1"},
	{name: "hincrbyfloat subnormal", cmd: "HINCRBYFLOAT h g 1e-4950", want: "$0"},
	{name: "hincrbyfloat long double", setup: []string{"HSET h hug 1e308"}, cmd: "HINCRBYFLOAT h hug 1e308", want: "$" + hsBig, check: "HGET h hug", checkWant: "$" + hsBig},
	{name: "hincrbyfloat bad increment", cmd: "HINCRBYFLOAT h a x", want: "-ERR value is not a valid float"},
	{name: "hincrbyfloat nan", cmd: "HINCRBYFLOAT h a nan", want: "-ERR value is not a valid float"},
	{name: "hincrbyfloat space increment", cmd: `HINCRBYFLOAT h a " 1"`, want: "-ERR value is not a valid float"},
	{name: "hincrbyfloat out of range increment", cmd: "HINCRBYFLOAT h a 1e5000", want: "-ERR value is not a valid float"},
	{name: "hincrbyfloat inf increment", cmd: "HINCRBYFLOAT h a inf", want: "-ERR value is NaN or Infinity"},
	{name: "hincrbyfloat minus inf increment", cmd: "HINCRBYFLOAT h a -inf", want: "-ERR value is NaN or Infinity"},
	{name: "hincrbyfloat inf increment missing key", cmd: "HINCRBYFLOAT n a inf", want: "-ERR value is NaN or Infinity"},
	{name: "hincrbyfloat inf increment wrong type", cmd: "HINCRBYFLOAT s a inf", want: "-ERR value is NaN or Infinity"},
	{name: "hincrbyfloat wrong type", cmd: "HINCRBYFLOAT s a 1", want: hsWrongType},
	{name: "hincrbyfloat wrong type bad increment", cmd: "HINCRBYFLOAT s a x", want: "-ERR value is not a valid float"},
	{name: "hincrbyfloat text", setup: []string{"HSET h str abc"}, cmd: "HINCRBYFLOAT h str 1", want: "-ERR hash value is not a float"},
	{name: "hincrbyfloat space value", setup: []string{`HSET h sp " 1.5"`}, cmd: "HINCRBYFLOAT h sp 1", want: "-ERR hash value is not a float"},
	{name: "hincrbyfloat on inf", setup: []string{"HSET h i inf"}, cmd: "HINCRBYFLOAT h i 1", want: "-ERR increment would produce NaN or Infinity"},
	{name: "hincrbyfloat overflow", setup: []string{"HSET h hug 1e4932"}, cmd: "HINCRBYFLOAT h hug 1e4932", want: "-ERR increment would produce NaN or Infinity"},
	{name: "hincrbyfloat arity", cmd: "HINCRBYFLOAT h a", want: "-ERR wrong number of arguments for 'hincrbyfloat' command"},

	// HRANDFIELD (only the cases whose answer does not depend on chance)
	{name: "hrandfield missing key", cmd: "HRANDFIELD n", want: "$-1"},
	{name: "hrandfield missing key count", cmd: "HRANDFIELD n 2", want: "*[]"},
	{name: "hrandfield missing key negative", cmd: "HRANDFIELD n -2 WITHVALUES", want: "*[]"},
	{name: "hrandfield zero", cmd: "HRANDFIELD h 0", want: "*[]"},
	{name: "hrandfield zero withvalues", cmd: "HRANDFIELD h 0 withvalues", want: "*[]"},
	{name: "hrandfield whole hash", cmd: "HRANDFIELD h 5", want: "*[$a, $b, $c]"},
	{name: "hrandfield whole hash max", cmd: "HRANDFIELD h 9223372036854775807", want: "*[$a, $b, $c]"},
	{name: "hrandfield whole hash withvalues", cmd: "HRANDFIELD h 3 WITHVALUES", want: "*[$a, $1, $b, $2, $c, $3]"},
	{name: "hrandfield withvalues max", cmd: "HRANDFIELD h 4611686018427387903 withvalues", want: "*[$a, $1, $b, $2, $c, $3]"},
	{name: "hrandfield one field", setup: []string{"HSET n only v"}, cmd: "HRANDFIELD n", want: "$only"},
	{name: "hrandfield one field repeats", setup: []string{"HSET n only v"}, cmd: "HRANDFIELD n -3 withvalues", want: "*[$only, $v, $only, $v, $only, $v]"},
	{name: "hrandfield half range without values", cmd: "HRANDFIELD h 4611686018427387904", want: "*[$a, $b, $c]"},
	{name: "hrandfield withvalues too many", cmd: "HRANDFIELD h 4611686018427387904 withvalues", want: "-ERR value is out of range"},
	{name: "hrandfield withvalues too negative", cmd: "HRANDFIELD h -4611686018427387904 withvalues", want: "-ERR value is out of range"},
	{name: "hrandfield min int64", cmd: "HRANDFIELD h -9223372036854775808", want: "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"},
	{name: "hrandfield beyond int64", cmd: "HRANDFIELD h 9223372036854775808", want: "-ERR value is not an integer or out of range"},
	{name: "hrandfield bad count", cmd: "HRANDFIELD h x", want: "-ERR value is not an integer or out of range"},
	{name: "hrandfield float count", cmd: "HRANDFIELD h 1.5", want: "-ERR value is not an integer or out of range"},
	{name: "hrandfield bad count before syntax", cmd: "HRANDFIELD h x withvaluesx", want: "-ERR value is not an integer or out of range"},
	{name: "hrandfield bad option", cmd: "HRANDFIELD h 1 withvalue", want: "-ERR syntax error"},
	{name: "hrandfield bad option missing key", cmd: "HRANDFIELD n 1 withvaluesx", want: "-ERR syntax error"},
	{name: "hrandfield extra argument", cmd: "HRANDFIELD h 1 withvalues extra", want: "-ERR syntax error"},
	{name: "hrandfield option cut at nul", cmd: "HRANDFIELD h 3 \"withvalues\x00x\"", want: "*[$a, $1, $b, $2, $c, $3]"},
	{name: "hrandfield wrong type", cmd: "HRANDFIELD s", want: hsWrongType},
	{name: "hrandfield wrong type count", cmd: "HRANDFIELD s 1", want: hsWrongType},
	{name: "hrandfield wrong type zero", cmd: "HRANDFIELD s 0 withvalues", want: hsWrongType},
	{name: "hrandfield wrong type bad count", cmd: "HRANDFIELD s x", want: "-ERR value is not an integer or out of range"},
	{name: "hrandfield arity", cmd: "HRANDFIELD", want: "-ERR wrong number of arguments for 'hrandfield' command"},
}

// TestReplica_Do_hashes runs every case of hsHashCases on a fresh replica.
func TestReplica_Do_hashes(t *testing.T) {
	t.Parallel()
	hsRunCases(t, hsHashBase, hsHashCases)
}

// hsRunCases runs each case on a fresh replica after base and its setup.
func hsRunCases(t *testing.T, base []string, cases []hsCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestReplica(t, 1)
			for _, line := range append(slices.Clone(base), tt.setup...) {
				if got := hsDo(t, r, hsNow, line); strings.HasPrefix(got, "-") {
					t.Fatalf("setup %q: %s", line, got)
				}
			}
			if got := hsDo(t, r, hsNow, tt.cmd); got != tt.want {
				t.Errorf("%s: got %q, want %q", tt.cmd, got, tt.want)
			}
			if tt.check != "" {
				if got := hsDo(t, r, hsNow, tt.check); got != tt.checkWant {
					t.Errorf("then %s: got %q, want %q", tt.check, got, tt.checkWant)
				}
			}
		})
	}
}

// TestHashCommands_info checks the table against redis-server 7.0.15's
// COMMAND INFO (flags other than write, readonly and fast are not modelled;
// random marks the commands that draw from Config.Rand).
func TestHashCommands_info(t *testing.T) {
	t.Parallel()
	hsCheckInfo(t, hashCommands, []hsInfo{
		{name: "hset", arity: -4, flags: flagWrite | flagFast},
		{name: "hsetnx", arity: 4, flags: flagWrite | flagFast},
		{name: "hmset", arity: -4, flags: flagWrite | flagFast},
		{name: "hget", arity: 3, flags: flagReadonly | flagFast},
		{name: "hmget", arity: -3, flags: flagReadonly | flagFast},
		{name: "hdel", arity: -3, flags: flagWrite | flagFast},
		{name: "hexists", arity: 3, flags: flagReadonly | flagFast},
		{name: "hlen", arity: 2, flags: flagReadonly | flagFast},
		{name: "hkeys", arity: 2, flags: flagReadonly},
		{name: "hvals", arity: 2, flags: flagReadonly},
		{name: "hgetall", arity: 2, flags: flagReadonly},
		{name: "hincrby", arity: 4, flags: flagWrite | flagFast},
		{name: "hincrbyfloat", arity: 4, flags: flagWrite | flagFast},
		{name: "hstrlen", arity: 3, flags: flagReadonly | flagFast},
		{name: "hrandfield", arity: -2, flags: flagReadonly | flagRandom},
	})
}

// hsInfo is one expected command table entry; keys default to 1 1 1.
type hsInfo struct {
	name                    string
	arity                   int
	flags                   flag
	firstKey, lastKey, step int
	noKeys                  bool
}

func hsCheckInfo(t *testing.T, table []command, want []hsInfo) {
	t.Helper()
	if len(table) != len(want) {
		t.Errorf("table has %d entries, want %d", len(table), len(want))
	}
	for _, tt := range want {
		if tt.firstKey == 0 && !tt.noKeys {
			tt.firstKey, tt.lastKey, tt.step = 1, 1, 1
		}
		t.Run(tt.name, func(t *testing.T) {
			cmd := commandTable[tt.name]
			if cmd == nil {
				t.Fatalf("%s not registered", tt.name)
			}
			if cmd.arity != tt.arity || cmd.flags != tt.flags || cmd.firstKey != tt.firstKey ||
				cmd.lastKey != tt.lastKey || cmd.step != tt.step {
				t.Errorf("got arity %d flags %b keys %d,%d,%d; want %d %b %d,%d,%d", cmd.arity, cmd.flags,
					cmd.firstKey, cmd.lastKey, cmd.step, tt.arity, tt.flags, tt.firstKey, tt.lastKey, tt.step)
			}
		})
	}
}

// TestReplica_Do_hrandfield checks the replies that depend on the random
// source: shape, membership, distinctness, and that the same seed gives
// the same answers.
func TestReplica_Do_hrandfield(t *testing.T) {
	t.Parallel()
	fields := map[string]string{"a": "1", "b": "2", "c": "3", "d": "4", "e": "5"}
	tests := []struct {
		name       string
		cmd        string
		n          int // reply elements (fields, or fields and values)
		withValues bool
		distinct   bool
	}{
		{name: "no count", cmd: "HRANDFIELD h", n: 1},
		{name: "one", cmd: "HRANDFIELD h 1", n: 1, distinct: true},
		{name: "some distinct", cmd: "HRANDFIELD h 3", n: 3, distinct: true},
		{name: "all but one", cmd: "HRANDFIELD h 4 withvalues", n: 8, withValues: true, distinct: true},
		{name: "negative", cmd: "HRANDFIELD h -20", n: 20},
		{name: "negative withvalues", cmd: "HRANDFIELD h -7 WITHVALUES", n: 14, withValues: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var replies [2]string
			for i := range replies {
				r := newTestReplica(t, 1)
				hsDo(t, r, hsNow, "HSET h a 1 b 2 c 3 d 4 e 5")
				rep, d, err := r.Do(hsNow, lineArgs(tt.cmd))
				if err != nil || d != nil {
					t.Fatalf("err %v, delta %v", err, d)
				}
				replies[i] = hsText(rep)
				elems := rep.Elems
				if rep.Kind == KindBulk {
					elems = []Reply{rep}
				}
				if len(elems) != tt.n {
					t.Fatalf("%s: %d elements, want %d", replies[i], len(elems), tt.n)
				}
				seen := map[string]bool{}
				step := 1
				if tt.withValues {
					step = 2
				}
				for j := 0; j < len(elems); j += step {
					f := string(elems[j].Str)
					v, ok := fields[f]
					if !ok || tt.withValues && string(elems[j+1].Str) != v {
						t.Fatalf("%s: bad field or value at %d", replies[i], j)
					}
					if tt.distinct && seen[f] {
						t.Fatalf("%s: %s repeated", replies[i], f)
					}
					seen[f] = true
				}
			}
			if replies[0] != replies[1] {
				t.Errorf("same seed, different answers: %s and %s", replies[0], replies[1])
			}
		})
	}
}

// TestReplica_Do_hrandfieldSpread checks that a negative count draws from
// the whole hash, not from one end of the sorted fields.
func TestReplica_Do_hrandfieldSpread(t *testing.T) {
	t.Parallel()
	r := newTestReplica(t, 3)
	hsDo(t, r, hsNow, "HSET h a 1 b 2 c 3 d 4")
	rep, _ := doStr(t, r, hsNow, "HRANDFIELD h -400")
	count := map[string]int{}
	for _, e := range rep.Elems {
		count[string(e.Str)]++
	}
	for _, f := range []string{"a", "b", "c", "d"} {
		if count[f] < 50 {
			t.Errorf("field %s drawn %d times in 400", f, count[f])
		}
	}
}

// TestReplica_Do_randomBound checks the bound on negative counts.
func TestReplica_Do_randomBound(t *testing.T) {
	t.Parallel()
	r := newTestReplica(t, 1)
	hsDo(t, r, hsNow, "HSET h a 1")
	hsDo(t, r, hsNow, "SADD k a")
	tests := []struct {
		name, cmd, want string
	}{
		{name: "hrandfield below bound", cmd: "HRANDFIELD h -1000", want: ":1000"},
		{name: "hrandfield beyond bound", cmd: "HRANDFIELD h -" + strconv.Itoa(maxRandomReply+1), want: "-ERR value is out of range"},
		{name: "srandmember beyond bound", cmd: "SRANDMEMBER k -9223372036854775807", want: "-ERR value is out of range"},
		{name: "srandmember beyond bound missing key", cmd: "SRANDMEMBER n -9223372036854775807", want: ":0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, _ := doStr(t, r, hsNow, tt.cmd)
			got := hsText(rep)
			if rep.Kind == KindArray {
				got = ":" + strconv.Itoa(len(rep.Elems))
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestReplica_Do_hashDeltas checks which hash commands write: reads,
// errors and no-ops produce no delta.
func TestReplica_Do_hashDeltas(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cmd   string
		write bool
	}{
		{name: "hset", cmd: "HSET h a 1", write: true},
		{name: "hset same value", cmd: "HSET h a 1", write: true},
		{name: "hsetnx present", cmd: "HSETNX h a 2"},
		{name: "hdel missing field", cmd: "HDEL h zz"},
		{name: "hdel missing key", cmd: "HDEL n zz"},
		{name: "hdel", cmd: "HDEL h b", write: true},
		{name: "hincrby error", cmd: "HINCRBY h str 1"},
		{name: "hincrby", cmd: "HINCRBY h a 1", write: true},
		{name: "hincrbyfloat error", cmd: "HINCRBYFLOAT h str 1"},
		{name: "hset wrong type", cmd: "HSET s a 1"},
		{name: "hget", cmd: "HGET h a"},
		{name: "hgetall", cmd: "HGETALL h"},
		{name: "hrandfield", cmd: "HRANDFIELD h -5 withvalues"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestReplica(t, 1)
			hsDo(t, r, hsNow, "HSET h a 1 b 2 str x")
			hsDo(t, r, hsNow, "SET s v")
			_, d, err := r.Do(hsNow, lineArgs(tt.cmd))
			if err != nil {
				t.Fatal(err)
			}
			if (d != nil) != tt.write {
				t.Errorf("delta %v, want write %v", d, tt.write)
			}
		})
	}
}

// TestReplica_Do_hashExpired checks that a logically expired hash reads as
// missing, and that a write on it starts a new hash.
func TestReplica_Do_hashExpired(t *testing.T) {
	t.Parallel()
	const sec = int64(time.Second)
	at := strconv.FormatInt(hsNow/int64(time.Millisecond)+1000, 10)
	tests := []struct {
		name, cmd, want, check, checkWant string
	}{
		{name: "hget", cmd: "HGET h a", want: "$-1"},
		{name: "hlen", cmd: "HLEN h", want: ":0"},
		{name: "hdel", cmd: "HDEL h a", want: ":0"},
		{name: "hset counts as new", cmd: "HSET h a 9 z 1", want: ":2", check: "HGETALL h", checkWant: "%[$a, $9, $z, $1]"},
		{name: "hsetnx", cmd: "HSETNX h a 9", want: ":1", check: "HGETALL h", checkWant: "%[$a, $9]"},
		{name: "hincrby starts at zero", cmd: "HINCRBY h a 5", want: ":5", check: "HLEN h", checkWant: ":1"},
		{name: "hincrbyfloat starts at zero", cmd: "HINCRBYFLOAT h a 0.5", want: "$0.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newTestReplica(t, 1)
			hsDo(t, r, hsNow, "HSET h a 1 b 2")
			hsDo(t, r, hsNow, "PEXPIREAT h "+at)
			later := hsNow + 2*sec
			if got := hsDo(t, r, later, tt.cmd); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if tt.check != "" {
				if got := hsDo(t, r, later, tt.check); got != tt.checkWant {
					t.Errorf("then %s: got %q, want %q", tt.check, got, tt.checkWant)
				}
			}
		})
	}
}

// hsStep is one step of a two-replica script: a command on replica a or
// b, or a full sync ("sync"), with the reply it must give.
type hsStep struct {
	on   string // "a", "b" or "sync"
	cmd  string
	want string // "" skips the check
}

// hsScript runs steps on two replicas, a second apart; "sync" merges
// every delta not yet delivered both ways, in the order they were made.
// After the script it syncs, checks that both states are byte-identical,
// and that every final read answers the same on both.
func hsScript(t *testing.T, steps []hsStep, finals []string) {
	t.Helper()
	a, b := newTestReplica(t, 1), newTestReplica(t, 2)
	var toA, toB []*Delta
	now := hsNow
	sync := func() {
		for _, d := range toA {
			hsMerge(t, a, now, d)
		}
		for _, d := range toB {
			hsMerge(t, b, now, d)
		}
		toA, toB = nil, nil
	}
	for i, s := range steps {
		now += int64(time.Second)
		if s.on == "sync" {
			sync()
			continue
		}
		r, out := a, &toB
		if s.on == "b" {
			r, out = b, &toA
		}
		rep, d, err := r.Do(now, lineArgs(s.cmd))
		if err != nil {
			t.Fatal(err)
		}
		if d != nil {
			*out = append(*out, d)
		}
		if got := hsText(rep); s.want != "" && got != s.want {
			t.Errorf("step %d %s: %s: got %q, want %q", i, s.on, s.cmd, got, s.want)
		}
	}
	sync()
	if sa, sb := hsState(t, a), hsState(t, b); !bytes.Equal(sa, sb) {
		t.Errorf("states differ after sync")
	}
	for _, f := range finals {
		if ga, gb := hsDo(t, a, now, f), hsDo(t, b, now, f); ga != gb {
			t.Errorf("%s: a %q, b %q", f, ga, gb)
		}
	}
}

// TestConverge_hashes covers the hash rules of SEMANTICS.md A5 and
// scenarios 18-22 of reference/redis-active-active.md §17.
func TestConverge_hashes(t *testing.T) {
	t.Parallel()
	finals := []string{"HGETALL h", "HLEN h", "EXISTS h", "TYPE h"}
	tests := []struct {
		name  string
		steps []hsStep
	}{
		{name: "concurrent hset of different fields: union (18)", steps: []hsStep{
			{on: "a", cmd: "HSET h field1 a", want: ":1"},
			{on: "b", cmd: "HSET h field2 b", want: ":1"},
			{on: "a", cmd: "HGETALL h", want: "%[$field1, $a]"},
			{on: "b", cmd: "HGETALL h", want: "%[$field2, $b]"},
			{on: "sync"},
			{on: "a", cmd: "HGETALL h", want: "%[$field1, $a, $field2, $b]"},
			{on: "b", cmd: "HGETALL h", want: "%[$field1, $a, $field2, $b]"},
		}},
		{name: "hdel vs concurrent hset: update wins (19)", steps: []hsStep{
			{on: "a", cmd: "HSET h f 1"},
			{on: "sync"},
			{on: "a", cmd: "HDEL h f", want: ":1"},
			{on: "b", cmd: "HSET h f 2", want: ":0"},
			{on: "sync"},
			{on: "a", cmd: "HGET h f", want: "$2"},
			{on: "b", cmd: "HGET h f", want: "$2"},
		}},
		{name: "hdel of last field vs concurrent hset of another", steps: []hsStep{
			{on: "a", cmd: "HSET h f 1"},
			{on: "sync"},
			{on: "a", cmd: "HDEL h f", want: ":1"},
			{on: "b", cmd: "HSET h g 2", want: ":1"},
			{on: "sync"},
			{on: "a", cmd: "HGETALL h", want: "%[$g, $2]"},
		}},
		{name: "field value lww (20)", steps: []hsStep{
			{on: "a", cmd: "HSET h f x"},
			{on: "b", cmd: "HSET h f y"},
			{on: "sync"},
			{on: "a", cmd: "HGET h f", want: "$y"},
			{on: "b", cmd: "HGET h f", want: "$y"},
		}},
		{name: "concurrent hincrby: sum (21)", steps: []hsStep{
			{on: "a", cmd: "HINCRBY h n 5", want: ":5"},
			{on: "b", cmd: "HINCRBY h n 7", want: ":7"},
			{on: "sync"},
			{on: "a", cmd: "HGET h n", want: "$12"},
			{on: "b", cmd: "HINCRBY h n 1", want: ":13"},
			{on: "sync"},
			{on: "a", cmd: "HGET h n", want: "$13"},
		}},
		{name: "concurrent hincrbyfloat: sum (21)", steps: []hsStep{
			{on: "a", cmd: "HINCRBYFLOAT h f 0.5", want: "$0.5"},
			{on: "b", cmd: "HINCRBYFLOAT h f 0.25", want: "$0.25"},
			{on: "sync"},
			{on: "a", cmd: "HGET h f", want: "$0.75"},
			{on: "b", cmd: "HINCRBYFLOAT h f 0.1", want: "$0.85"},
			{on: "sync"},
			{on: "a", cmd: "HGET h f", want: "$0.85"},
		}},
		{name: "hincrby on a synced value", steps: []hsStep{
			{on: "a", cmd: "HSET h n 10"},
			{on: "sync"},
			{on: "a", cmd: "HINCRBY h n 1", want: ":11"},
			{on: "b", cmd: "HINCRBY h n 2", want: ":12"},
			{on: "sync"},
			{on: "a", cmd: "HGET h n", want: "$13"},
		}},
		{name: "concurrent hincrby beyond int64: exact, then overflow (B11)", steps: []hsStep{
			{on: "a", cmd: "HINCRBY h n 9223372036854775807"},
			{on: "b", cmd: "HINCRBY h n 2"},
			{on: "sync"},
			{on: "a", cmd: "HGET h n", want: "$9223372036854775809"},
			{on: "a", cmd: "HINCRBY h n -1", want: "-ERR increment or decrement would overflow"},
			{on: "b", cmd: "HINCRBYFLOAT h n -10", want: "$9223372036854775799"},
			{on: "sync"},
			{on: "a", cmd: "HINCRBY h n 1", want: ":9223372036854775800"},
		}},
		{name: "hdel vs concurrent hincrby: the unseen increment stays", steps: []hsStep{
			{on: "a", cmd: "HSET h n 10"},
			{on: "sync"},
			{on: "a", cmd: "HDEL h n", want: ":1"},
			{on: "b", cmd: "HINCRBY h n 5", want: ":15"},
			{on: "sync"},
			{on: "a", cmd: "HGET h n", want: "$5"},
		}},
		{name: "del hash vs hset new field (22)", steps: []hsStep{
			{on: "a", cmd: "HSET h f1 v1"},
			{on: "sync"},
			{on: "a", cmd: "DEL h", want: ":1"},
			{on: "b", cmd: "HSET h f2 v", want: ":1"},
			{on: "sync"},
			{on: "a", cmd: "HGETALL h", want: "%[$f2, $v]"},
		}},
		{name: "duplicate fields in one hset", steps: []hsStep{
			{on: "a", cmd: "HSET h f 1 g 2 f 3 f 4", want: ":2"},
			{on: "sync"},
			{on: "b", cmd: "HGETALL h", want: "%[$f, $4, $g, $2]"},
		}},
		{name: "duplicate fields vs concurrent hset", steps: []hsStep{
			{on: "b", cmd: "HSET h f x"},
			{on: "a", cmd: "HSET h f 1 f 2"},
			{on: "sync"},
			{on: "b", cmd: "HGET h f", want: "$2"},
		}},
		{name: "concurrent hsetnx: both succeed, lww", steps: []hsStep{
			{on: "a", cmd: "HSETNX h f a", want: ":1"},
			{on: "b", cmd: "HSETNX h f b", want: ":1"},
			{on: "sync"},
			{on: "a", cmd: "HGET h f", want: "$b"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hsScript(t, tt.steps, finals)
		})
	}
}

// TestConverge_hsetDuplicateDelta merges the delta of an HSET with a
// repeated field into a second replica: the last value must win there too,
// whatever else the delta carries.
func TestConverge_hsetDuplicateDelta(t *testing.T) {
	t.Parallel()
	a, b := newTestReplica(t, 1), newTestReplica(t, 2)
	_, d, err := a.Do(hsNow, lineArgs("HSET h f 1 f 2 f 3"))
	if err != nil {
		t.Fatal(err)
	}
	hsMerge(t, b, hsNow, d)
	hsMerge(t, b, hsNow, d) // idempotent
	if got := hsDo(t, b, hsNow, "HGETALL h"); got != "%[$f, $3]" {
		t.Errorf("got %q", got)
	}
	if !bytes.Equal(hsState(t, a), hsState(t, b)) {
		t.Error("states differ")
	}
}

// hsDo runs one command line and returns its reply as hsText.
func hsDo(t *testing.T, r *Replica, now int64, line string) string {
	t.Helper()
	rep, _, err := r.Do(now, lineArgs(line))
	if err != nil {
		t.Fatal(err)
	}
	return hsText(rep)
}

// hsText writes a reply compactly: +OK, -ERR ..., :1, $bulk, $-1 for
// null, *[a, b] for arrays, ~[a, b] for sets, %[k, v] for maps.
func hsText(r Reply) string {
	var open string
	switch r.Kind {
	case KindSimple:
		return "+" + string(r.Str)
	case KindError:
		return "-" + string(r.Str)
	case KindInt:
		return ":" + strconv.FormatInt(r.Int, 10)
	case KindBulk, KindDouble:
		return "$" + string(r.Str)
	case KindNull:
		return "$-1"
	case KindNullArray:
		return "*-1"
	case KindSet:
		open = "~["
	case KindMap:
		open = "%["
	default:
		open = "*["
	}
	parts := make([]string, len(r.Elems))
	for i, e := range r.Elems {
		parts[i] = hsText(e)
	}
	return open + strings.Join(parts, ", ") + "]"
}

func hsMerge(t *testing.T, r *Replica, now int64, d *Delta) {
	t.Helper()
	if err := r.Merge(now, d); err != nil {
		t.Fatal(err)
	}
}

// hsState encodes a replica's keys and context, leaving out its clock.
func hsState(t *testing.T, r *Replica) []byte {
	t.Helper()
	s := r.Snapshot()
	b, err := EncodeDelta(&Delta{Keys: s.Keys, CC: s.CC, Full: true})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
