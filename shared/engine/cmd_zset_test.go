package engine

import (
	"bytes"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// zsBase is the setup of every sorted-set case: z with scores 1 to 5, l
// with six members of score 0 (for lex ranges), and a string s.
var zsBase = []string{"ZADD z 1 a 2 b 3 c 4 d 5 e", "ZADD l 0 a 0 b 0 c 0 d 0 e 0 f", "SET s v"}

// zsCases: every expectation was taken from redis-server 7.0.15 (FLUSHALL,
// base, setup, cmd, check), RESP2 replies written as hsText writes them.
// ZRANDMEMBER and ZSCAN cases are those whose answer does not depend on
// chance or on hash order.
var zsCases = []hsCase{
	{name: "zadd new key", cmd: "ZADD k 1 x 2 y", want: ":2", check: "ZRANGE k 0 -1 WITHSCORES", checkWant: "*[$x, $1, $y, $2]"},
	{name: "zadd present and new", cmd: "ZADD z 9 a 6 f", want: ":1", check: "ZRANGE z 0 -1 WITHSCORES", checkWant: "*[$b, $2, $c, $3, $d, $4, $e, $5, $f, $6, $a, $9]"},
	{name: "zadd same score", cmd: "ZADD z 1 a", want: ":0", check: "ZSCORE z a", checkWant: "$1"},
	{name: "zadd repeated member", cmd: "ZADD k 1 x 2 x", want: ":1", check: "ZRANGE k 0 -1 WITHSCORES", checkWant: "*[$x, $2]"},
	{name: "zadd ch", cmd: "ZADD z CH 9 a 2 b 7 g", want: ":2", check: "ZRANGE z 0 -1 WITHSCORES", checkWant: "*[$b, $2, $c, $3, $d, $4, $e, $5, $g, $7, $a, $9]"},
	{name: "zadd ch repeated member", cmd: "ZADD k ch 1 x 2 x", want: ":2"},
	{name: "zadd nx", cmd: "ZADD z NX 9 a 7 g", want: ":1", check: "ZRANGE z 0 -1 WITHSCORES", checkWant: "*[$a, $1, $b, $2, $c, $3, $d, $4, $e, $5, $g, $7]"},
	{name: "zadd nx ch", cmd: "ZADD z nx ch 9 a 7 g", want: ":1"},
	{name: "zadd xx", cmd: "ZADD z XX 9 a 7 g", want: ":0", check: "ZRANGE z 0 -1 WITHSCORES", checkWant: "*[$b, $2, $c, $3, $d, $4, $e, $5, $a, $9]"},
	{name: "zadd xx ch", cmd: "ZADD z xx ch 9 a 7 g", want: ":1"},
	{name: "zadd xx missing key", cmd: "ZADD k XX 1 a", want: ":0", check: "EXISTS k", checkWant: ":0"},
	{name: "zadd xx incr missing key", cmd: "ZADD k XX INCR 1 a", want: "$-1", check: "EXISTS k", checkWant: ":0"},
	{name: "zadd gt", cmd: "ZADD z GT CH 0 a 9 b 7 g", want: ":2", check: "ZRANGE z 0 -1 WITHSCORES", checkWant: "*[$a, $1, $c, $3, $d, $4, $e, $5, $g, $7, $b, $9]"},
	{name: "zadd lt", cmd: "ZADD z LT CH 0 a 9 b 7 g", want: ":2", check: "ZRANGE z 0 -1 WITHSCORES", checkWant: "*[$a, $0, $b, $2, $c, $3, $d, $4, $e, $5, $g, $7]"},
	{name: "zadd gt equal", cmd: "ZADD z GT CH 1 a", want: ":0"},
	{name: "zadd xx gt", cmd: "ZADD z XX GT CH 9 a 0 b 7 g", want: ":1", check: "ZRANGE z 0 -1 WITHSCORES", checkWant: "*[$b, $2, $c, $3, $d, $4, $e, $5, $a, $9]"},
	{name: "zadd xx lt", cmd: "ZADD z xx lt ch 9 a 0 b 7 g", want: ":1", check: "ZRANGE z 0 -1 WITHSCORES", checkWant: "*[$b, $0, $a, $1, $c, $3, $d, $4, $e, $5]"},
	{name: "zadd repeated options", cmd: "ZADD z ch ch xx xx 9 a", want: ":1"},
	{name: "zadd option cut at nul", cmd: "ZADD z \"ch\x00x\" 9 a", want: ":1"},
	{name: "zadd incr new", cmd: "ZADD k INCR 1.5 x", want: "$1.5", check: "ZSCORE k x", checkWant: "$1.5"},
	{name: "zadd incr present", cmd: "ZADD z INCR 1.5 b", want: "$3.5", check: "ZSCORE z b", checkWant: "$3.5"},
	{name: "zadd incr zero", cmd: "ZADD z INCR 0 b", want: "$2", check: "ZSCORE z b", checkWant: "$2"},
	{name: "zadd incr nx present", cmd: "ZADD z NX INCR 1 a", want: "$-1", check: "ZSCORE z a", checkWant: "$1"},
	{name: "zadd incr nx new", cmd: "ZADD z NX INCR 1 g", want: "$1", check: "ZSCORE z g", checkWant: "$1"},
	{name: "zadd incr xx present", cmd: "ZADD z XX INCR 1 a", want: "$2"},
	{name: "zadd incr xx absent", cmd: "ZADD z XX INCR 1 g", want: "$-1", check: "ZSCORE z g", checkWant: "$-1"},
	{name: "zadd incr gt refused", cmd: "ZADD z GT INCR -1 b", want: "$-1", check: "ZSCORE z b", checkWant: "$2"},
	{name: "zadd incr gt", cmd: "ZADD z GT INCR 1 b", want: "$3"},
	{name: "zadd incr lt refused", cmd: "ZADD z LT INCR 1 b", want: "$-1"},
	{name: "zadd incr lt", cmd: "ZADD z lt incr -1 b", want: "$1"},
	{name: "zadd incr ch", cmd: "ZADD z incr ch 1 b", want: "$3"},
	{name: "zadd incr nan", setup: []string{"ZADD z inf a"}, cmd: "ZADD z INCR -inf a", want: "-ERR resulting score is not a number (NaN)", check: "ZSCORE z a", checkWant: "$inf"},
	{name: "zadd incr inf", cmd: "ZADD z INCR inf a", want: "$inf", check: "ZSCORE z a", checkWant: "$inf"},
	{name: "zadd incr new negative zero", cmd: "ZADD k INCR -0 x", want: "$-0", check: "ZSCORE k x", checkWant: "$0"},
	{name: "zadd negative zero", cmd: "ZADD k -0 x", want: ":1", check: "ZSCORE k x", checkWant: "$0"},
	{name: "zadd nx xx", cmd: "ZADD z NX XX 1 a", want: "-ERR XX and NX options at the same time are not compatible"},
	{name: "zadd nx gt", cmd: "ZADD z nx gt 1 a", want: "-ERR GT, LT, and/or NX options at the same time are not compatible"},
	{name: "zadd nx lt", cmd: "ZADD z NX LT 1 a", want: "-ERR GT, LT, and/or NX options at the same time are not compatible"},
	{name: "zadd gt lt", cmd: "ZADD z GT LT 1 a", want: "-ERR GT, LT, and/or NX options at the same time are not compatible"},
	{name: "zadd incr two pairs", cmd: "ZADD z INCR 1 a 2 b", want: "-ERR INCR option supports a single increment-element pair"},
	{name: "zadd conflict before incr", cmd: "ZADD z NX XX INCR 1 a 2 b", want: "-ERR XX and NX options at the same time are not compatible"},
	{name: "zadd odd pairs", cmd: "ZADD z 1 a 2", want: "-ERR syntax error"},
	{name: "zadd only options", cmd: "ZADD z nx xx 1", want: "-ERR syntax error"},
	{name: "zadd no pair", cmd: "ZADD z nx ch", want: "-ERR syntax error"},
	{name: "zadd syntax before conflict", cmd: "ZADD z nx xx 1", want: "-ERR syntax error"},
	{name: "zadd bad score", cmd: "ZADD z 1 a x b", want: "-ERR value is not a valid float", check: "ZCARD z", checkWant: ":5"},
	{name: "zadd nan score", cmd: "ZADD z nan a", want: "-ERR value is not a valid float"},
	{name: "zadd overflow score", cmd: "ZADD z 1e400 a", want: "-ERR value is not a valid float"},
	{name: "zadd underflow score", cmd: "ZADD z 1e-400 a", want: "-ERR value is not a valid float"},
	{name: "zadd subnormal score", cmd: "ZADD k 5e-324 a", want: ":1", check: "ZSCORE k a", checkWant: "$4.9406564584124654e-324"},
	{name: "zadd hex score", cmd: "ZADD k 0x10 a", want: ":1", check: "ZSCORE k a", checkWant: "$16"},
	{name: "zadd leading space", cmd: "ZADD k \" 1\" a", want: "-ERR value is not a valid float"},
	{name: "zadd trailing space", cmd: "ZADD k \"1 \" a", want: "-ERR value is not a valid float"},
	{name: "zadd empty score", cmd: "ZADD k \"\" a", want: "-ERR value is not a valid float"},
	{name: "zadd infinities", cmd: "ZADD k +inf a -INFINITY b", want: ":2", check: "ZRANGE k 0 -1 WITHSCORES", checkWant: "*[$b, $-inf, $a, $inf]"},
	{name: "zadd empty member", cmd: "ZADD k 1 \"\"", want: ":1", check: "ZRANGE k 0 -1 WITHSCORES", checkWant: "*[$, $1]"},
	{name: "zadd binary member", cmd: "ZADD k 1 \"a\x00b\"", want: ":1", check: "ZRANGE k 0 -1", checkWant: "*[$a\x00b]"},
	{name: "zadd float text", cmd: "ZADD k 0.1 a 1e20 b 1e-5 c 123456789012345678 d", want: ":4", check: "ZRANGE k 0 -1 WITHSCORES", checkWant: "*[$c, $1.0000000000000001e-05, $a, $0.10000000000000001, $d, $1.2345678901234568e+17, $b, $1e+20]"},
	{name: "zadd wrong type", cmd: "ZADD s 1 a", want: hsWrongType, check: "GET s", checkWant: "$v"},
	{name: "zadd bad score before wrong type", cmd: "ZADD s x a", want: "-ERR value is not a valid float"},
	{name: "zadd syntax before wrong type", cmd: "ZADD s 1", want: "-ERR wrong number of arguments for 'zadd' command"},
	{name: "zadd keeps ttl", setup: []string{"EXPIRE z 100"}, cmd: "ZADD z 9 a", want: ":0", check: "TTL z", checkWant: ":100"},
	{name: "zadd arity", cmd: "ZADD z 1", want: "-ERR wrong number of arguments for 'zadd' command"},
	{name: "zadd arity no key", cmd: "ZADD", want: "-ERR wrong number of arguments for 'zadd' command"},
	{name: "zincrby new member", cmd: "ZINCRBY z 1.5 g", want: "$1.5", check: "ZSCORE z g", checkWant: "$1.5"},
	{name: "zincrby new key", cmd: "ZINCRBY k -2 x", want: "$-2", check: "ZRANGE k 0 -1 WITHSCORES", checkWant: "*[$x, $-2]"},
	{name: "zincrby present", cmd: "ZINCRBY z 0.1 a", want: "$1.1000000000000001", check: "ZSCORE z a", checkWant: "$1.1000000000000001"},
	{name: "zincrby float text", setup: []string{"ZINCRBY z 0.1 a"}, cmd: "ZINCRBY z 0.2 a", want: "$1.3", check: "ZSCORE z a", checkWant: "$1.3"},
	{name: "zincrby zero", cmd: "ZINCRBY z 0 a", want: "$1"},
	{name: "zincrby negative zero new", cmd: "ZINCRBY k -0 x", want: "$-0", check: "ZSCORE k x", checkWant: "$0"},
	{name: "zincrby to infinity", cmd: "ZINCRBY z inf a", want: "$inf", check: "ZSCORE z a", checkWant: "$inf"},
	{name: "zincrby overflow sum", setup: []string{"ZADD k 1e308 x"}, cmd: "ZINCRBY k 1e308 x", want: "$inf", check: "ZSCORE k x", checkWant: "$inf"},
	{name: "zincrby nan", setup: []string{"ZADD z inf a"}, cmd: "ZINCRBY z -inf a", want: "-ERR resulting score is not a number (NaN)", check: "ZSCORE z a", checkWant: "$inf"},
	{name: "zincrby bad increment", cmd: "ZINCRBY z x a", want: "-ERR value is not a valid float"},
	{name: "zincrby option word", cmd: "ZINCRBY z nx a", want: "-ERR syntax error"},
	{name: "zincrby incr word", cmd: "ZINCRBY z INCR a", want: "-ERR syntax error"},
	{name: "zincrby ch word", cmd: "ZINCRBY z ch a", want: "-ERR syntax error"},
	{name: "zincrby wrong type", cmd: "ZINCRBY s 1 a", want: hsWrongType},
	{name: "zincrby bad increment wrong type", cmd: "ZINCRBY s x a", want: "-ERR value is not a valid float"},
	{name: "zincrby arity", cmd: "ZINCRBY z 1", want: "-ERR wrong number of arguments for 'zincrby' command"},
	{name: "zrem", cmd: "ZREM z a a x c", want: ":2", check: "ZRANGE z 0 -1", checkWant: "*[$b, $d, $e]"},
	{name: "zrem last members delete key", cmd: "ZREM z a b c d e", want: ":5", check: "EXISTS z", checkWant: ":0"},
	{name: "zrem missing key", cmd: "ZREM k a", want: ":0"},
	{name: "zrem absent", cmd: "ZREM z x", want: ":0"},
	{name: "zrem wrong type", cmd: "ZREM s a", want: hsWrongType},
	{name: "zrem keeps ttl", setup: []string{"EXPIRE z 100"}, cmd: "ZREM z a", want: ":1", check: "TTL z", checkWant: ":100"},
	{name: "zrem arity", cmd: "ZREM z", want: "-ERR wrong number of arguments for 'zrem' command"},
	{name: "zscore", cmd: "ZSCORE z c", want: "$3"},
	{name: "zscore absent", cmd: "ZSCORE z x", want: "$-1"},
	{name: "zscore missing key", cmd: "ZSCORE k x", want: "$-1"},
	{name: "zscore wrong type", cmd: "ZSCORE s x", want: hsWrongType},
	{name: "zscore arity", cmd: "ZSCORE z a b", want: "-ERR wrong number of arguments for 'zscore' command"},
	{name: "zmscore", cmd: "ZMSCORE z a x e a", want: "*[$1, $-1, $5, $1]"},
	{name: "zmscore missing key", cmd: "ZMSCORE k a b", want: "*[$-1, $-1]"},
	{name: "zmscore wrong type", cmd: "ZMSCORE s a", want: hsWrongType},
	{name: "zmscore arity", cmd: "ZMSCORE z", want: "-ERR wrong number of arguments for 'zmscore' command"},
	{name: "zcard", cmd: "ZCARD z", want: ":5"},
	{name: "zcard missing key", cmd: "ZCARD k", want: ":0"},
	{name: "zcard wrong type", cmd: "ZCARD s", want: hsWrongType},
	{name: "zcard arity", cmd: "ZCARD z z", want: "-ERR wrong number of arguments for 'zcard' command"},
	{name: "zcount", cmd: "ZCOUNT z 2 4", want: ":3"},
	{name: "zcount exclusive", cmd: "ZCOUNT z (2 (4", want: ":1"},
	{name: "zcount infinite", cmd: "ZCOUNT z -inf +inf", want: ":5"},
	{name: "zcount exclusive infinite", cmd: "ZCOUNT z (-inf (+inf", want: ":5"},
	{name: "zcount empty range", cmd: "ZCOUNT z 4 2", want: ":0"},
	{name: "zcount empty bound", cmd: "ZCOUNT z \"\" 3", want: ":3"},
	{name: "zcount open paren", cmd: "ZCOUNT z ( 3", want: ":3"},
	{name: "zcount leading space", cmd: "ZCOUNT z \" 2\" 3", want: ":2"},
	{name: "zcount nul ends bound", cmd: "ZCOUNT z \"2\x00x\" 3", want: ":2"},
	{name: "zcount overflow bound", cmd: "ZCOUNT z -1e400 1e400", want: ":5"},
	{name: "zcount bad bound", cmd: "ZCOUNT z x 3", want: "-ERR min or max is not a float"},
	{name: "zcount nan bound", cmd: "ZCOUNT z nan 3", want: "-ERR min or max is not a float"},
	{name: "zcount missing key", cmd: "ZCOUNT k 1 2", want: ":0"},
	{name: "zcount wrong type", cmd: "ZCOUNT s 1 2", want: hsWrongType},
	{name: "zcount bad bound before wrong type", cmd: "ZCOUNT s x 2", want: "-ERR min or max is not a float"},
	{name: "zcount arity", cmd: "ZCOUNT z 1", want: "-ERR wrong number of arguments for 'zcount' command"},
	{name: "zlexcount", cmd: "ZLEXCOUNT l [b (e", want: ":3"},
	{name: "zlexcount all", cmd: "ZLEXCOUNT l - +", want: ":6"},
	{name: "zlexcount reversed", cmd: "ZLEXCOUNT l + -", want: ":0"},
	{name: "zlexcount same exclusive", cmd: "ZLEXCOUNT l (b (b", want: ":0"},
	{name: "zlexcount same inclusive", cmd: "ZLEXCOUNT l [b [b", want: ":1"},
	{name: "zlexcount empty value", cmd: "ZLEXCOUNT l [ +", want: ":6"},
	{name: "zlexcount plus nul", cmd: "ZLEXCOUNT l - \"+\x00x\"", want: ":6"},
	{name: "zlexcount plus junk", cmd: "ZLEXCOUNT l - +x", want: "-ERR min or max not valid string range item"},
	{name: "zlexcount bad bound", cmd: "ZLEXCOUNT l a +", want: "-ERR min or max not valid string range item"},
	{name: "zlexcount empty bound", cmd: "ZLEXCOUNT l \"\" +", want: "-ERR min or max not valid string range item"},
	{name: "zlexcount missing key", cmd: "ZLEXCOUNT k - +", want: ":0"},
	{name: "zlexcount wrong type", cmd: "ZLEXCOUNT s - +", want: hsWrongType},
	{name: "zlexcount bad bound before wrong type", cmd: "ZLEXCOUNT s a +", want: "-ERR min or max not valid string range item"},
	{name: "zlexcount mixed scores", cmd: "ZLEXCOUNT z [b [d", want: ":3"},
	{name: "zlexcount arity", cmd: "ZLEXCOUNT l -", want: "-ERR wrong number of arguments for 'zlexcount' command"},
	{name: "zrange", cmd: "ZRANGE z 0 -1", want: "*[$a, $b, $c, $d, $e]"},
	{name: "zrange withscores", cmd: "ZRANGE z 1 2 WITHSCORES", want: "*[$b, $2, $c, $3]"},
	{name: "zrange negative", cmd: "ZRANGE z -2 -1", want: "*[$d, $e]"},
	{name: "zrange clamped", cmd: "ZRANGE z -100 100", want: "*[$a, $b, $c, $d, $e]"},
	{name: "zrange empty", cmd: "ZRANGE z 3 1", want: "*[]"},
	{name: "zrange start beyond", cmd: "ZRANGE z 5 10", want: "*[]"},
	{name: "zrange extreme", cmd: "ZRANGE z -9223372036854775808 9223372036854775807", want: "*[$a, $b, $c, $d, $e]"},
	{name: "zrange rev", cmd: "ZRANGE z 0 1 REV WITHSCORES", want: "*[$e, $5, $d, $4]"},
	{name: "zrange limit by rank", cmd: "ZRANGE z 0 -1 LIMIT 0 1", want: "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"},
	{name: "zrange limit minus one by rank", cmd: "ZRANGE z 0 -1 LIMIT 5 -1", want: "*[$a, $b, $c, $d, $e]"},
	{name: "zrange limit short", cmd: "ZRANGE z 0 -1 LIMIT 0", want: "-ERR syntax error"},
	{name: "zrange limit bad", cmd: "ZRANGE z 0 -1 LIMIT x 1", want: "-ERR value is not an integer or out of range"},
	{name: "zrange limit bad count", cmd: "ZRANGE z 0 -1 BYSCORE LIMIT 1 x", want: "-ERR value is not an integer or out of range"},
	{name: "zrange bad index", cmd: "ZRANGE z 0 x", want: "-ERR value is not an integer or out of range"},
	{name: "zrange float index", cmd: "ZRANGE z 0 1.0", want: "-ERR value is not an integer or out of range"},
	{name: "zrange unknown option", cmd: "ZRANGE z 0 -1 foo", want: "-ERR syntax error"},
	{name: "zrange rev twice", cmd: "ZRANGE z 0 -1 REV REV", want: "-ERR syntax error"},
	{name: "zrange byscore bylex", cmd: "ZRANGE z 0 -1 BYSCORE BYLEX", want: "-ERR syntax error"},
	{name: "zrange byscore twice", cmd: "ZRANGE z 0 -1 byscore byscore", want: "-ERR syntax error"},
	{name: "zrange withscores twice", cmd: "ZRANGE z 0 0 withscores withscores", want: "*[$a, $1]"},
	{name: "zrange option cut at nul", cmd: "ZRANGE z 0 0 \"withscores\x00x\"", want: "*[$a, $1]"},
	{name: "zrange missing key", cmd: "ZRANGE k 0 -1", want: "*[]"},
	{name: "zrange missing key bad option", cmd: "ZRANGE k 0 -1 foo", want: "-ERR syntax error"},
	{name: "zrange wrong type", cmd: "ZRANGE s 0 -1", want: hsWrongType},
	{name: "zrange bad index before wrong type", cmd: "ZRANGE s x 1", want: "-ERR value is not an integer or out of range"},
	{name: "zrange arity", cmd: "ZRANGE z 0", want: "-ERR wrong number of arguments for 'zrange' command"},
	{name: "zrange byscore", cmd: "ZRANGE z (1 4 BYSCORE WITHSCORES", want: "*[$b, $2, $c, $3, $d, $4]"},
	{name: "zrange byscore limit", cmd: "ZRANGE z -inf +inf BYSCORE LIMIT 1 2", want: "*[$b, $c]"},
	{name: "zrange byscore rev", cmd: "ZRANGE z 4 (1 BYSCORE REV", want: "*[$d, $c, $b]"},
	{name: "zrange byscore rev limit", cmd: "ZRANGE z +inf -inf byscore rev limit 1 2 withscores", want: "*[$d, $4, $c, $3]"},
	{name: "zrange byscore rev wrong order", cmd: "ZRANGE z 1 4 BYSCORE REV", want: "*[]"},
	{name: "zrange byscore bad bound", cmd: "ZRANGE z a b BYSCORE", want: "-ERR min or max is not a float"},
	{name: "zrange byscore negative offset", cmd: "ZRANGE z -inf +inf BYSCORE LIMIT -1 2", want: "*[]"},
	{name: "zrange byscore negative count", cmd: "ZRANGE z -inf +inf BYSCORE LIMIT 1 -5", want: "*[$b, $c, $d, $e]"},
	{name: "zrange byscore zero count", cmd: "ZRANGE z -inf +inf BYSCORE LIMIT 1 0", want: "*[]"},
	{name: "zrange byscore offset beyond", cmd: "ZRANGE z -inf +inf BYSCORE LIMIT 5 1", want: "*[]"},
	{name: "zrange byscore limit before option", cmd: "ZRANGE z -inf +inf LIMIT 1 1 BYSCORE", want: "*[$b]"},
	{name: "zrangebyscore", cmd: "ZRANGEBYSCORE z 2 4", want: "*[$b, $c, $d]"},
	{name: "zrangebyscore withscores limit", cmd: "ZRANGEBYSCORE z -inf +inf WITHSCORES LIMIT 1 2", want: "*[$b, $2, $c, $3]"},
	{name: "zrangebyscore exclusive", cmd: "ZRANGEBYSCORE z (2 (4", want: "*[$c]"},
	{name: "zrangebyscore float bounds", cmd: "ZRANGEBYSCORE z 1.5 3.5", want: "*[$b, $c]"},
	{name: "zrangebyscore rev option", cmd: "ZRANGEBYSCORE z 2 4 REV", want: "-ERR syntax error"},
	{name: "zrangebyscore byscore option", cmd: "ZRANGEBYSCORE z 2 4 BYSCORE", want: "-ERR syntax error"},
	{name: "zrangebyscore bad bound", cmd: "ZRANGEBYSCORE z 2 x", want: "-ERR min or max is not a float"},
	{name: "zrangebyscore missing key", cmd: "ZRANGEBYSCORE k 2 4", want: "*[]"},
	{name: "zrangebyscore wrong type", cmd: "ZRANGEBYSCORE s 2 4", want: hsWrongType},
	{name: "zrangebyscore arity", cmd: "ZRANGEBYSCORE z 2", want: "-ERR wrong number of arguments for 'zrangebyscore' command"},
	{name: "zrevrangebyscore", cmd: "ZREVRANGEBYSCORE z 4 2 WITHSCORES", want: "*[$d, $4, $c, $3, $b, $2]"},
	{name: "zrevrangebyscore wrong order", cmd: "ZREVRANGEBYSCORE z 2 4", want: "*[]"},
	{name: "zrevrangebyscore limit", cmd: "ZREVRANGEBYSCORE z +inf -inf LIMIT 1 2", want: "*[$d, $c]"},
	{name: "zrevrangebyscore limit beyond", cmd: "ZREVRANGEBYSCORE z +inf -inf LIMIT 9 2", want: "*[]"},
	{name: "zrevrangebyscore bad bound", cmd: "ZREVRANGEBYSCORE z x 2", want: "-ERR min or max is not a float"},
	{name: "zrevrangebyscore wrong type", cmd: "ZREVRANGEBYSCORE s 4 2", want: hsWrongType},
	{name: "zrange bylex", cmd: "ZRANGE l [b (e BYLEX", want: "*[$b, $c, $d]"},
	{name: "zrange bylex limit", cmd: "ZRANGE l - + BYLEX LIMIT 1 2", want: "*[$b, $c]"},
	{name: "zrange bylex rev", cmd: "ZRANGE l [e (b BYLEX REV", want: "*[$e, $d, $c]"},
	{name: "zrange bylex withscores", cmd: "ZRANGE l - + BYLEX WITHSCORES", want: "-ERR syntax error, WITHSCORES not supported in combination with BYLEX"},
	{name: "zrange bylex bad bound", cmd: "ZRANGE l a b BYLEX", want: "-ERR min or max not valid string range item"},
	{name: "zrangebylex", cmd: "ZRANGEBYLEX l (a [c", want: "*[$b, $c]"},
	{name: "zrangebylex all", cmd: "ZRANGEBYLEX l - +", want: "*[$a, $b, $c, $d, $e, $f]"},
	{name: "zrangebylex limit", cmd: "ZRANGEBYLEX l - + LIMIT 2 2", want: "*[$c, $d]"},
	{name: "zrangebylex limit negative count", cmd: "ZRANGEBYLEX l - + LIMIT 4 -1", want: "*[$e, $f]"},
	{name: "zrangebylex limit negative offset", cmd: "ZRANGEBYLEX l - + LIMIT -1 1", want: "*[]"},
	{name: "zrangebylex withscores", cmd: "ZRANGEBYLEX l - + WITHSCORES", want: "-ERR syntax error, WITHSCORES not supported in combination with BYLEX"},
	{name: "zrangebylex reversed bounds", cmd: "ZRANGEBYLEX l + -", want: "*[]"},
	{name: "zrangebylex minus minus", cmd: "ZRANGEBYLEX l - -", want: "*[]"},
	{name: "zrangebylex empty value", cmd: "ZRANGEBYLEX l [ (c", want: "*[$a, $b]"},
	{name: "zrangebylex bad bound", cmd: "ZRANGEBYLEX l b +", want: "-ERR min or max not valid string range item"},
	{name: "zrangebylex mixed scores", cmd: "ZRANGEBYLEX z [b [d", want: "*[$b, $c, $d]"},
	{name: "zrangebylex wrong type", cmd: "ZRANGEBYLEX s - +", want: hsWrongType},
	{name: "zrangebylex bad bound before wrong type", cmd: "ZRANGEBYLEX s x +", want: "-ERR min or max not valid string range item"},
	{name: "zrangebylex arity", cmd: "ZRANGEBYLEX l -", want: "-ERR wrong number of arguments for 'zrangebylex' command"},
	{name: "zrevrangebylex", cmd: "ZREVRANGEBYLEX l [e (b", want: "*[$e, $d, $c]"},
	{name: "zrevrangebylex limit", cmd: "ZREVRANGEBYLEX l + - LIMIT 1 2", want: "*[$e, $d]"},
	{name: "zrevrangebylex wrong order", cmd: "ZREVRANGEBYLEX l (b [e", want: "*[]"},
	{name: "zrevrangebylex bad bound", cmd: "ZREVRANGEBYLEX l + x", want: "-ERR min or max not valid string range item"},
	{name: "zrevrangebylex wrong type", cmd: "ZREVRANGEBYLEX s + -", want: hsWrongType},
	{name: "zrevrange", cmd: "ZREVRANGE z 0 1", want: "*[$e, $d]"},
	{name: "zrevrange withscores", cmd: "ZREVRANGE z -2 -1 WITHSCORES", want: "*[$b, $2, $a, $1]"},
	{name: "zrevrange limit", cmd: "ZREVRANGE z 0 1 LIMIT 0 1", want: "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"},
	{name: "zrevrange rev option", cmd: "ZREVRANGE z 0 1 REV", want: "-ERR syntax error"},
	{name: "zrevrange byscore option", cmd: "ZREVRANGE z 0 1 BYSCORE", want: "-ERR syntax error"},
	{name: "zrevrange missing key", cmd: "ZREVRANGE k 0 1", want: "*[]"},
	{name: "zrevrange wrong type", cmd: "ZREVRANGE s 0 1", want: hsWrongType},
	{name: "zrevrange arity", cmd: "ZREVRANGE z 0", want: "-ERR wrong number of arguments for 'zrevrange' command"},
	{name: "zrank", cmd: "ZRANK z c", want: ":2"},
	{name: "zrank absent", cmd: "ZRANK z x", want: "$-1"},
	{name: "zrank missing key", cmd: "ZRANK k x", want: "$-1"},
	{name: "zrank wrong type", cmd: "ZRANK s x", want: hsWrongType},
	{name: "zrank withscore is arity", cmd: "ZRANK z a WITHSCORE", want: "-ERR wrong number of arguments for 'zrank' command"},
	{name: "zrank ties by member", cmd: "ZRANK l d", want: ":3"},
	{name: "zrevrank", cmd: "ZREVRANK z a", want: ":4"},
	{name: "zrevrank absent", cmd: "ZREVRANK z x", want: "$-1"},
	{name: "zrevrank wrong type", cmd: "ZREVRANK s x", want: hsWrongType},
	{name: "zrevrank arity", cmd: "ZREVRANK z", want: "-ERR wrong number of arguments for 'zrevrank' command"},
	{name: "zpopmin", cmd: "ZPOPMIN z", want: "*[$a, $1]", check: "ZRANGE z 0 -1", checkWant: "*[$b, $c, $d, $e]"},
	{name: "zpopmin count", cmd: "ZPOPMIN z 2", want: "*[$a, $1, $b, $2]", check: "ZRANGE z 0 -1", checkWant: "*[$c, $d, $e]"},
	{name: "zpopmin all", cmd: "ZPOPMIN z 9223372036854775807", want: "*[$a, $1, $b, $2, $c, $3, $d, $4, $e, $5]", check: "EXISTS z", checkWant: ":0"},
	{name: "zpopmin zero", cmd: "ZPOPMIN z 0", want: "*[]", check: "ZCARD z", checkWant: ":5"},
	{name: "zpopmin missing key", cmd: "ZPOPMIN k", want: "*[]"},
	{name: "zpopmin missing key count", cmd: "ZPOPMIN k 2", want: "*[]"},
	{name: "zpopmin negative", cmd: "ZPOPMIN z -1", want: "-ERR value is out of range, must be positive"},
	{name: "zpopmin bad count", cmd: "ZPOPMIN z x", want: "-ERR value is out of range, must be positive"},
	{name: "zpopmin float count", cmd: "ZPOPMIN z 1.5", want: "-ERR value is out of range, must be positive"},
	{name: "zpopmin extra argument", cmd: "ZPOPMIN z 1 2", want: "-ERR syntax error"},
	{name: "zpopmin wrong type", cmd: "ZPOPMIN s", want: hsWrongType},
	{name: "zpopmin wrong type zero", cmd: "ZPOPMIN s 0", want: hsWrongType},
	{name: "zpopmin bad count wrong type", cmd: "ZPOPMIN s x", want: "-ERR value is out of range, must be positive"},
	{name: "zpopmin last member", setup: []string{"ZADD k 1 x"}, cmd: "ZPOPMIN k", want: "*[$x, $1]", check: "EXISTS k", checkWant: ":0"},
	{name: "zpopmin keeps ttl", setup: []string{"EXPIRE z 100"}, cmd: "ZPOPMIN z", want: "*[$a, $1]", check: "TTL z", checkWant: ":100"},
	{name: "zpopmin arity", cmd: "ZPOPMIN", want: "-ERR wrong number of arguments for 'zpopmin' command"},
	{name: "zpopmax", cmd: "ZPOPMAX z", want: "*[$e, $5]", check: "ZRANGE z 0 -1", checkWant: "*[$a, $b, $c, $d]"},
	{name: "zpopmax count", cmd: "ZPOPMAX z 3", want: "*[$e, $5, $d, $4, $c, $3]", check: "ZRANGE z 0 -1", checkWant: "*[$a, $b]"},
	{name: "zpopmax ties", cmd: "ZPOPMAX l 2", want: "*[$f, $0, $e, $0]", check: "ZRANGE l 0 -1", checkWant: "*[$a, $b, $c, $d]"},
	{name: "zpopmax missing key", cmd: "ZPOPMAX k", want: "*[]"},
	{name: "zpopmax wrong type", cmd: "ZPOPMAX s 1", want: hsWrongType},
	{name: "zrangestore", cmd: "ZRANGESTORE d z 1 2", want: ":2", check: "ZRANGE d 0 -1 WITHSCORES", checkWant: "*[$b, $2, $c, $3]"},
	{name: "zrangestore rev", cmd: "ZRANGESTORE d z 0 1 REV", want: ":2", check: "ZRANGE d 0 -1 WITHSCORES", checkWant: "*[$d, $4, $e, $5]"},
	{name: "zrangestore byscore limit", cmd: "ZRANGESTORE d z (1 +inf BYSCORE LIMIT 1 2", want: ":2", check: "ZRANGE d 0 -1 WITHSCORES", checkWant: "*[$c, $3, $d, $4]"},
	{name: "zrangestore byscore rev", cmd: "ZRANGESTORE d z +inf 3 BYSCORE REV", want: ":3", check: "ZRANGE d 0 -1 WITHSCORES", checkWant: "*[$c, $3, $d, $4, $e, $5]"},
	{name: "zrangestore bylex", cmd: "ZRANGESTORE d l [b [d BYLEX", want: ":3", check: "ZRANGE d 0 -1 WITHSCORES", checkWant: "*[$b, $0, $c, $0, $d, $0]"},
	{name: "zrangestore bylex rev limit", cmd: "ZRANGESTORE d l + - BYLEX REV LIMIT 0 2", want: ":2", check: "ZRANGE d 0 -1", checkWant: "*[$e, $f]"},
	{name: "zrangestore over other type", cmd: "ZRANGESTORE s z 0 0", want: ":1", check: "TYPE s", checkWant: "+zset"},
	{name: "zrangestore over zset", cmd: "ZRANGESTORE l z 0 0", want: ":1", check: "ZRANGE l 0 -1 WITHSCORES", checkWant: "*[$a, $1]"},
	{name: "zrangestore clears ttl", setup: []string{"ZADD d 1 q", "EXPIRE d 100"}, cmd: "ZRANGESTORE d z 0 0", want: ":1", check: "TTL d", checkWant: ":-1"},
	{name: "zrangestore to itself", cmd: "ZRANGESTORE z z 1 2", want: ":2", check: "ZRANGE z 0 -1 WITHSCORES", checkWant: "*[$b, $2, $c, $3]"},
	{name: "zrangestore empty deletes", cmd: "ZRANGESTORE s z 5 10", want: ":0", check: "EXISTS s", checkWant: ":0"},
	{name: "zrangestore missing source", cmd: "ZRANGESTORE s k 0 -1", want: ":0", check: "EXISTS s", checkWant: ":0"},
	{name: "zrangestore missing both", cmd: "ZRANGESTORE d k 0 -1", want: ":0", check: "EXISTS d", checkWant: ":0"},
	{name: "zrangestore withscores", cmd: "ZRANGESTORE d z 0 -1 WITHSCORES", want: "-ERR syntax error"},
	{name: "zrangestore limit by rank", cmd: "ZRANGESTORE d z 0 -1 LIMIT 0 1", want: "-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"},
	{name: "zrangestore bad option", cmd: "ZRANGESTORE d z 0 -1 foo", want: "-ERR syntax error"},
	{name: "zrangestore bad bound", cmd: "ZRANGESTORE d z x 1", want: "-ERR value is not an integer or out of range"},
	{name: "zrangestore wrong type", cmd: "ZRANGESTORE d s 0 -1", want: hsWrongType, check: "EXISTS d", checkWant: ":0"},
	{name: "zrangestore wrong type keeps destination", cmd: "ZRANGESTORE z s 0 -1", want: hsWrongType, check: "ZCARD z", checkWant: ":5"},
	{name: "zrangestore arity", cmd: "ZRANGESTORE d z 0", want: "-ERR wrong number of arguments for 'zrangestore' command"},
	{name: "zremrangebyrank", cmd: "ZREMRANGEBYRANK z 1 2", want: ":2", check: "ZRANGE z 0 -1", checkWant: "*[$a, $d, $e]"},
	{name: "zremrangebyrank negative", cmd: "ZREMRANGEBYRANK z -2 -1", want: ":2", check: "ZRANGE z 0 -1", checkWant: "*[$a, $b, $c]"},
	{name: "zremrangebyrank all", cmd: "ZREMRANGEBYRANK z 0 -1", want: ":5", check: "EXISTS z", checkWant: ":0"},
	{name: "zremrangebyrank empty", cmd: "ZREMRANGEBYRANK z 3 1", want: ":0"},
	{name: "zremrangebyrank beyond", cmd: "ZREMRANGEBYRANK z 5 10", want: ":0"},
	{name: "zremrangebyrank bad index", cmd: "ZREMRANGEBYRANK z 0 x", want: "-ERR value is not an integer or out of range"},
	{name: "zremrangebyrank missing key", cmd: "ZREMRANGEBYRANK k 0 -1", want: ":0"},
	{name: "zremrangebyrank wrong type", cmd: "ZREMRANGEBYRANK s 0 -1", want: hsWrongType},
	{name: "zremrangebyrank bad index before wrong type", cmd: "ZREMRANGEBYRANK s x 1", want: "-ERR value is not an integer or out of range"},
	{name: "zremrangebyrank arity", cmd: "ZREMRANGEBYRANK z 0", want: "-ERR wrong number of arguments for 'zremrangebyrank' command"},
	{name: "zremrangebyscore", cmd: "ZREMRANGEBYSCORE z (1 3", want: ":2", check: "ZRANGE z 0 -1", checkWant: "*[$a, $d, $e]"},
	{name: "zremrangebyscore all", cmd: "ZREMRANGEBYSCORE z -inf +inf", want: ":5", check: "EXISTS z", checkWant: ":0"},
	{name: "zremrangebyscore none", cmd: "ZREMRANGEBYSCORE z 10 20", want: ":0"},
	{name: "zremrangebyscore bad bound", cmd: "ZREMRANGEBYSCORE z x 1", want: "-ERR min or max is not a float"},
	{name: "zremrangebyscore missing key", cmd: "ZREMRANGEBYSCORE k 0 1", want: ":0"},
	{name: "zremrangebyscore wrong type", cmd: "ZREMRANGEBYSCORE s 0 1", want: hsWrongType},
	{name: "zremrangebyscore keeps ttl", setup: []string{"EXPIRE z 100"}, cmd: "ZREMRANGEBYSCORE z 1 1", want: ":1", check: "TTL z", checkWant: ":100"},
	{name: "zremrangebylex", cmd: "ZREMRANGEBYLEX l (a [c", want: ":2", check: "ZRANGE l 0 -1", checkWant: "*[$a, $d, $e, $f]"},
	{name: "zremrangebylex all", cmd: "ZREMRANGEBYLEX l - +", want: ":6", check: "EXISTS l", checkWant: ":0"},
	{name: "zremrangebylex none", cmd: "ZREMRANGEBYLEX l (x +", want: ":0"},
	{name: "zremrangebylex bad bound", cmd: "ZREMRANGEBYLEX l a b", want: "-ERR min or max not valid string range item"},
	{name: "zremrangebylex missing key", cmd: "ZREMRANGEBYLEX k - +", want: ":0"},
	{name: "zremrangebylex wrong type", cmd: "ZREMRANGEBYLEX s - +", want: hsWrongType},
	{name: "zremrangebylex arity", cmd: "ZREMRANGEBYLEX l -", want: "-ERR wrong number of arguments for 'zremrangebylex' command"},
	{name: "zrandmember missing key", cmd: "ZRANDMEMBER k", want: "$-1"},
	{name: "zrandmember missing key count", cmd: "ZRANDMEMBER k 2", want: "*[]"},
	{name: "zrandmember missing key negative", cmd: "ZRANDMEMBER k -2 WITHSCORES", want: "*[]"},
	{name: "zrandmember zero", cmd: "ZRANDMEMBER z 0", want: "*[]"},
	{name: "zrandmember zero withscores", cmd: "ZRANDMEMBER z 0 WITHSCORES", want: "*[]"},
	{name: "zrandmember whole set", cmd: "ZRANDMEMBER z 5", want: "*[$e, $d, $c, $b, $a]"},
	{name: "zrandmember whole set withscores", cmd: "ZRANDMEMBER z 9 withscores", want: "*[$e, $5, $d, $4, $c, $3, $b, $2, $a, $1]"},
	{name: "zrandmember whole set max", cmd: "ZRANDMEMBER z 9223372036854775807", want: "*[$e, $d, $c, $b, $a]"},
	{name: "zrandmember withscores bound", cmd: "ZRANDMEMBER z 4611686018427387903 WITHSCORES", want: "*[$e, $5, $d, $4, $c, $3, $b, $2, $a, $1]"},
	{name: "zrandmember withscores beyond bound", cmd: "ZRANDMEMBER z 4611686018427387904 WITHSCORES", want: "-ERR value is out of range"},
	{name: "zrandmember withscores beyond negative bound", cmd: "ZRANDMEMBER z -4611686018427387904 WITHSCORES", want: "-ERR value is out of range"},
	{name: "zrandmember only member", setup: []string{"ZADD k 1 x"}, cmd: "ZRANDMEMBER k", want: "$x"},
	{name: "zrandmember only member repeats", setup: []string{"ZADD k 1.5 x"}, cmd: "ZRANDMEMBER k -3 WITHSCORES", want: "*[$x, $1.5, $x, $1.5, $x, $1.5]"},
	{name: "zrandmember min int64", cmd: "ZRANDMEMBER z -9223372036854775808", want: "-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"},
	{name: "zrandmember beyond int64", cmd: "ZRANDMEMBER z 9223372036854775808", want: "-ERR value is not an integer or out of range"},
	{name: "zrandmember bad count", cmd: "ZRANDMEMBER z x", want: "-ERR value is not an integer or out of range"},
	{name: "zrandmember bad option", cmd: "ZRANDMEMBER z 1 withscore", want: "-ERR syntax error"},
	{name: "zrandmember extra argument", cmd: "ZRANDMEMBER z 1 withscores x", want: "-ERR syntax error"},
	{name: "zrandmember bad count before option", cmd: "ZRANDMEMBER z x withscoresx", want: "-ERR value is not an integer or out of range"},
	{name: "zrandmember bad option missing key", cmd: "ZRANDMEMBER k 1 withscoresx", want: "-ERR syntax error"},
	{name: "zrandmember option cut at nul", cmd: "ZRANDMEMBER z 5 \"withscores\x00x\"", want: "*[$e, $5, $d, $4, $c, $3, $b, $2, $a, $1]"},
	{name: "zrandmember wrong type", cmd: "ZRANDMEMBER s", want: hsWrongType},
	{name: "zrandmember wrong type count", cmd: "ZRANDMEMBER s 1", want: hsWrongType},
	{name: "zrandmember wrong type zero", cmd: "ZRANDMEMBER s 0", want: hsWrongType},
	{name: "zrandmember wrong type bad count", cmd: "ZRANDMEMBER s x", want: "-ERR value is not an integer or out of range"},
	{name: "zrandmember arity", cmd: "ZRANDMEMBER", want: "-ERR wrong number of arguments for 'zrandmember' command"},
	{name: "zscan", cmd: "ZSCAN z 0", want: "*[$0, *[$a, $1, $b, $2, $c, $3, $d, $4, $e, $5]]"},
	{name: "zscan match", cmd: "ZSCAN z 0 MATCH [b-d]", want: "*[$0, *[$b, $2, $c, $3, $d, $4]]"},
	{name: "zscan count ignored", cmd: "ZSCAN z 0 COUNT 1", want: "*[$0, *[$a, $1, $b, $2, $c, $3, $d, $4, $e, $5]]"},
	{name: "zscan cursor ignored", cmd: "ZSCAN z 123", want: "*[$0, *[$a, $1, $b, $2, $c, $3, $d, $4, $e, $5]]"},
	{name: "zscan scores", setup: []string{"ZADD k 0.1 a 1e20 b inf c -inf d 2.5 e 9007199254740993 f"}, cmd: "ZSCAN k 0", want: "*[$0, *[$d, $-inf, $a, $0.10000000000000001, $e, $2.5, $f, $9007199254740992, $b, $1e+20, $c, $inf]]"},
	{name: "zscan integral scores", setup: []string{"ZADD k 1e18 a 123456789012345678 b -1e18 c 4611686018427387904 d 4611686018427388928 e -0 f 9.2e18 g"}, cmd: "ZSCAN k 0", want: "*[$0, *[$c, $-1000000000000000000, $f, $0, $b, $123456789012345680, $a, $1000000000000000000, $d, $4611686018427387904, $e, $4.6116860184273889e+18, $g, $9.2e+18]]"},
	{name: "zscan bad cursor", cmd: "ZSCAN z x", want: "-ERR invalid cursor"},
	{name: "zscan bad count", cmd: "ZSCAN z 0 COUNT x", want: "-ERR value is not an integer or out of range"},
	{name: "zscan zero count", cmd: "ZSCAN z 0 COUNT 0", want: "-ERR syntax error"},
	{name: "zscan bad option", cmd: "ZSCAN z 0 foo", want: "-ERR syntax error"},
	{name: "zscan type option", cmd: "ZSCAN z 0 TYPE zset", want: "-ERR syntax error"},
	{name: "zscan missing key", cmd: "ZSCAN k 0", want: "*[$0, *[]]"},
	{name: "zscan missing key bad option", cmd: "ZSCAN k 0 foo", want: "*[$0, *[]]"},
	{name: "zscan missing key bad cursor", cmd: "ZSCAN k x", want: "-ERR invalid cursor"},
	{name: "zscan wrong type", cmd: "ZSCAN s 0", want: hsWrongType},
	{name: "zscan wrong type bad option", cmd: "ZSCAN s 0 foo", want: hsWrongType},
	{name: "zscan arity", cmd: "ZSCAN z", want: "-ERR wrong number of arguments for 'zscan' command"},
}

// TestReplica_Do_zsets runs every case of zsCases on a fresh replica.
func TestReplica_Do_zsets(t *testing.T) {
	t.Parallel()
	hsRunCases(t, zsBase, zsCases)
}

// zsProtoCases are exact wire replies of redis-server 7.0.15 in RESP2 and
// RESP3 (after "ZADD z 1 a 2.5 b inf c" and "SET s v"): scores are doubles
// in RESP3, WITHSCORES pairs nested, ZPOPMIN nested only with a count,
// ZSCAN scores bulk strings in both.
var zsProtoCases = []struct {
	setup        []string
	cmd          string
	resp2, resp3 string
}{
	{cmd: "ZSCORE z b", resp2: "$3\r\n2.5\r\n", resp3: ",2.5\r\n"},
	{cmd: "ZSCORE z c", resp2: "$3\r\ninf\r\n", resp3: ",inf\r\n"},
	{cmd: "ZSCORE z x", resp2: "$-1\r\n", resp3: "_\r\n"},
	{cmd: "ZMSCORE z a x", resp2: "*2\r\n$1\r\n1\r\n$-1\r\n", resp3: "*2\r\n,1\r\n_\r\n"},
	{cmd: "ZINCRBY z 0.1 a", resp2: "$18\r\n1.1000000000000001\r\n", resp3: ",1.1000000000000001\r\n"},
	{cmd: "ZADD z INCR 1 a", resp2: "$1\r\n2\r\n", resp3: ",2\r\n"},
	{cmd: "ZADD z XX INCR 1 x", resp2: "$-1\r\n", resp3: "_\r\n"},
	{cmd: "ZRANGE z 0 -1", resp2: "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", resp3: "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"},
	{cmd: "ZRANGE z 0 -1 WITHSCORES", resp2: "*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\nc\r\n$3\r\ninf\r\n", resp3: "*3\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n*2\r\n$1\r\nc\r\n,inf\r\n"},
	{cmd: "ZRANGE z 5 9 WITHSCORES", resp2: "*0\r\n", resp3: "*0\r\n"},
	{cmd: "ZRANGE k 0 -1 WITHSCORES", resp2: "*0\r\n", resp3: "*0\r\n"},
	{cmd: "ZRANGEBYSCORE z -inf +inf WITHSCORES LIMIT 1 5", resp2: "*4\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\nc\r\n$3\r\ninf\r\n", resp3: "*2\r\n*2\r\n$1\r\nb\r\n,2.5\r\n*2\r\n$1\r\nc\r\n,inf\r\n"},
	{cmd: "ZREVRANGE z 0 0 WITHSCORES", resp2: "*2\r\n$1\r\nc\r\n$3\r\ninf\r\n", resp3: "*1\r\n*2\r\n$1\r\nc\r\n,inf\r\n"},
	{cmd: "ZREVRANGEBYSCORE z +inf 2 WITHSCORES", resp2: "*4\r\n$1\r\nc\r\n$3\r\ninf\r\n$1\r\nb\r\n$3\r\n2.5\r\n", resp3: "*2\r\n*2\r\n$1\r\nc\r\n,inf\r\n*2\r\n$1\r\nb\r\n,2.5\r\n"},
	{cmd: "ZPOPMIN z", resp2: "*2\r\n$1\r\na\r\n$1\r\n1\r\n", resp3: "*2\r\n$1\r\na\r\n,1\r\n"},
	{cmd: "ZPOPMIN z 1", resp2: "*2\r\n$1\r\na\r\n$1\r\n1\r\n", resp3: "*1\r\n*2\r\n$1\r\na\r\n,1\r\n"},
	{cmd: "ZPOPMAX z 2", resp2: "*4\r\n$1\r\nc\r\n$3\r\ninf\r\n$1\r\nb\r\n$3\r\n2.5\r\n", resp3: "*2\r\n*2\r\n$1\r\nc\r\n,inf\r\n*2\r\n$1\r\nb\r\n,2.5\r\n"},
	{cmd: "ZPOPMIN z 0", resp2: "*0\r\n", resp3: "*0\r\n"},
	{cmd: "ZPOPMIN k", resp2: "*0\r\n", resp3: "*0\r\n"},
	{cmd: "ZPOPMAX k 1", resp2: "*0\r\n", resp3: "*0\r\n"},
	{cmd: "ZRANDMEMBER z 5 WITHSCORES", resp2: "*6\r\n$1\r\nc\r\n$3\r\ninf\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\na\r\n$1\r\n1\r\n", resp3: "*3\r\n*2\r\n$1\r\nc\r\n,inf\r\n*2\r\n$1\r\nb\r\n,2.5\r\n*2\r\n$1\r\na\r\n,1\r\n"},
	{setup: []string{"ZADD k 3 x"}, cmd: "ZRANDMEMBER k -2 WITHSCORES", resp2: "*4\r\n$1\r\nx\r\n$1\r\n3\r\n$1\r\nx\r\n$1\r\n3\r\n", resp3: "*2\r\n*2\r\n$1\r\nx\r\n,3\r\n*2\r\n$1\r\nx\r\n,3\r\n"},
	{setup: []string{"ZADD k 3 x"}, cmd: "ZRANDMEMBER k -2", resp2: "*2\r\n$1\r\nx\r\n$1\r\nx\r\n", resp3: "*2\r\n$1\r\nx\r\n$1\r\nx\r\n"},
	{cmd: "ZRANDMEMBER k", resp2: "$-1\r\n", resp3: "_\r\n"},
	{cmd: "ZRANDMEMBER k 1 WITHSCORES", resp2: "*0\r\n", resp3: "*0\r\n"},
	{cmd: "ZRANK z x", resp2: "$-1\r\n", resp3: "_\r\n"},
	{cmd: "ZRANK z b", resp2: ":1\r\n", resp3: ":1\r\n"},
	{cmd: "ZSCAN z 0", resp2: "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\nc\r\n$3\r\ninf\r\n", resp3: "*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n$1\r\nc\r\n$3\r\ninf\r\n"},
	{cmd: "ZSCAN k 0", resp2: "*2\r\n$1\r\n0\r\n*0\r\n", resp3: "*2\r\n$1\r\n0\r\n*0\r\n"},
	{cmd: "ZRANGESTORE d z 0 -1", resp2: ":3\r\n", resp3: ":3\r\n"},
	{cmd: "ZCARD z", resp2: ":3\r\n", resp3: ":3\r\n"},
	{cmd: "ZADD s 1 a", resp2: "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", resp3: "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
}

func TestReplica_Do_zsetProtocols(t *testing.T) {
	t.Parallel()
	for _, tt := range zsProtoCases {
		t.Run(tt.cmd, func(t *testing.T) {
			r := newTestReplica(t, 1)
			for _, line := range append([]string{"ZADD z 1 a 2.5 b inf c", "SET s v"}, tt.setup...) {
				hsDo(t, r, hsNow, line)
			}
			rep, _, err := r.Do(hsNow, lineArgs(tt.cmd))
			if err != nil {
				t.Fatal(err)
			}
			checkWire(t, tt.cmd, rep, tt.resp2, tt.resp3)
		})
	}
}

// TestZsetCommands_info checks the table against redis-server 7.0.15's
// COMMAND INFO (random marks the commands that draw from Config.Rand).
func TestZsetCommands_info(t *testing.T) {
	t.Parallel()
	hsCheckInfo(t, zsetCommands, []hsInfo{
		{name: "zadd", arity: -4, flags: flagWrite | flagFast},
		{name: "zincrby", arity: 4, flags: flagWrite | flagFast},
		{name: "zrem", arity: -3, flags: flagWrite | flagFast},
		{name: "zscore", arity: 3, flags: flagReadonly | flagFast},
		{name: "zmscore", arity: -3, flags: flagReadonly | flagFast},
		{name: "zcard", arity: 2, flags: flagReadonly | flagFast},
		{name: "zcount", arity: 4, flags: flagReadonly | flagFast},
		{name: "zlexcount", arity: 4, flags: flagReadonly | flagFast},
		{name: "zrange", arity: -4, flags: flagReadonly},
		{name: "zrangebyscore", arity: -4, flags: flagReadonly},
		{name: "zrevrangebyscore", arity: -4, flags: flagReadonly},
		{name: "zrangebylex", arity: -4, flags: flagReadonly},
		{name: "zrevrangebylex", arity: -4, flags: flagReadonly},
		{name: "zrevrange", arity: -4, flags: flagReadonly},
		{name: "zrank", arity: 3, flags: flagReadonly | flagFast},
		{name: "zrevrank", arity: 3, flags: flagReadonly | flagFast},
		{name: "zpopmin", arity: -2, flags: flagWrite | flagFast},
		{name: "zpopmax", arity: -2, flags: flagWrite | flagFast},
		{name: "zrangestore", arity: -5, flags: flagWrite, firstKey: 1, lastKey: 2, step: 1},
		{name: "zremrangebyrank", arity: 4, flags: flagWrite},
		{name: "zremrangebyscore", arity: 4, flags: flagWrite},
		{name: "zremrangebylex", arity: 4, flags: flagWrite},
		{name: "zrandmember", arity: -2, flags: flagReadonly | flagRandom},
	})
	if cmd := commandTable["zscan"]; cmd == nil || cmd.arity != -3 || cmd.flags != flagReadonly ||
		cmd.firstKey != 1 || cmd.lastKey != 1 || cmd.step != 1 {
		t.Errorf("zscan entry %+v", cmd)
	}
}

// TestReplica_Do_zsetDeltas checks which commands write: reads, errors and
// commands that change nothing (as Redis changes nothing) give no delta.
func TestReplica_Do_zsetDeltas(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cmd   string
		write bool
	}{
		{cmd: "ZADD z 9 a", write: true},
		{cmd: "ZADD z 9 new", write: true},
		{cmd: "ZADD z 1 a"},
		{cmd: "ZADD z -0 l0"},
		{cmd: "ZADD z NX 9 a"},
		{cmd: "ZADD z XX 9 new"},
		{cmd: "ZADD n XX 9 new"},
		{cmd: "ZADD z GT 0 a"},
		{cmd: "ZADD z LT 9 a"},
		{cmd: "ZADD z INCR 0 a"},
		{cmd: "ZADD z INCR -inf i"},
		{cmd: "ZADD s 1 a"},
		{cmd: "ZINCRBY z 1 a", write: true},
		{cmd: "ZINCRBY z 0 a"},
		{cmd: "ZINCRBY z -inf i"},
		{cmd: "ZREM z a", write: true},
		{cmd: "ZREM z zz"},
		{cmd: "ZREM n a"},
		{cmd: "ZPOPMIN z", write: true},
		{cmd: "ZPOPMAX z 0"},
		{cmd: "ZPOPMAX n 3"},
		{cmd: "ZRANGESTORE d z 0 0", write: true},
		{cmd: "ZRANGESTORE d z 9 10"},
		{cmd: "ZRANGESTORE s z 9 10", write: true},
		{cmd: "ZRANGESTORE d n 0 -1"},
		{cmd: "ZREMRANGEBYRANK z 0 0", write: true},
		{cmd: "ZREMRANGEBYRANK z 9 10"},
		{cmd: "ZREMRANGEBYSCORE z 1 1", write: true},
		{cmd: "ZREMRANGEBYSCORE z 10 20"},
		{cmd: "ZREMRANGEBYLEX l - +", write: true},
		{cmd: "ZREMRANGEBYLEX l (x +"},
		{cmd: "ZRANGE z 0 -1 WITHSCORES"},
		{cmd: "ZRANDMEMBER z -5"},
		{cmd: "ZSCAN z 0"},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			t.Parallel()
			r := newTestReplica(t, 1)
			for _, line := range append(slices.Clone(zsBase), "ZADD z 0 l0 inf i") {
				hsDo(t, r, hsNow, line)
			}
			rep, d, err := r.Do(hsNow, lineArgs(tt.cmd))
			if err != nil {
				t.Fatal(err)
			}
			if (d != nil) != tt.write {
				t.Errorf("%s answered %s, delta %v, want a delta: %v", tt.cmd, hsText(rep), d != nil, tt.write)
			}
		})
	}
}

// TestReplica_Do_zsetExpired checks that a logically expired sorted set
// reads as missing and that a write on it starts a new one.
func TestReplica_Do_zsetExpired(t *testing.T) {
	t.Parallel()
	ktRun(t, newTestReplica(t, 1), ktNow, `
zadd z 1 a 2 b	:2
pexpire z 5	:1
zadd z 3 c	:1
pttl z	:5
zincrby z 1 a	"2"
pttl z	:5
@+5
zcard z	:0
zscore z a	(nil)
zrange z 0 -1	[]
zpopmin z	[]
zrangestore d z 0 -1	:0
zadd z xx 1 a	:0
zadd z 7 b	:1
zrange z 0 -1 withscores	["b" "7"]
pttl z	:-1
zadd d 1 x	:1
pexpire d 5	:1
@+5
zrangestore d z 0 -1	:1
zrange d 0 -1 withscores	["b" "7"]
pttl d	:-1
`)
}

// TestReplica_Do_zrandmember checks the replies that depend on the random
// source: shape, membership, distinctness, and that the same seed gives
// the same answers.
func TestReplica_Do_zrandmember(t *testing.T) {
	t.Parallel()
	scores := map[string]string{"a": "1", "b": "2.5", "c": "3", "d": "4", "e": "5"}
	tests := []struct {
		name       string
		cmd        string
		n          int // members drawn
		withScores bool
		distinct   bool
	}{
		{name: "no count", cmd: "ZRANDMEMBER z", n: 1},
		{name: "one", cmd: "ZRANDMEMBER z 1", n: 1, distinct: true},
		{name: "some distinct", cmd: "ZRANDMEMBER z 3", n: 3, distinct: true},
		{name: "all but one", cmd: "ZRANDMEMBER z 4 withscores", n: 4, withScores: true, distinct: true},
		{name: "negative", cmd: "ZRANDMEMBER z -20", n: 20},
		{name: "negative withscores", cmd: "ZRANDMEMBER z -7 WITHSCORES", n: 7, withScores: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var replies [2]string
			for i := range replies {
				r := newTestReplica(t, 1)
				hsDo(t, r, hsNow, "ZADD z 1 a 2.5 b 3 c 4 d 5 e")
				rep, d, err := r.Do(hsNow, lineArgs(tt.cmd))
				if err != nil || d != nil {
					t.Fatalf("err %v, delta %v", err, d)
				}
				replies[i] = hsText(rep)
				elems := rep.Elems
				if rep.Kind == KindBulk {
					elems = []Reply{rep}
				}
				step := 1
				if tt.withScores {
					step = 2
					if rep.Kind != KindPairs {
						t.Fatalf("%s: kind %d, want pairs", replies[i], rep.Kind)
					}
				}
				if len(elems) != tt.n*step {
					t.Fatalf("%s: %d elements, want %d", replies[i], len(elems), tt.n*step)
				}
				seen := map[string]bool{}
				for j := 0; j < len(elems); j += step {
					m := string(elems[j].Str)
					sc, ok := scores[m]
					if !ok || tt.withScores && string(elems[j+1].Str) != sc {
						t.Fatalf("%s: bad member or score at %d", replies[i], j)
					}
					if tt.distinct && seen[m] {
						t.Fatalf("%s: %s repeated", replies[i], m)
					}
					seen[m] = true
				}
			}
			if replies[0] != replies[1] {
				t.Errorf("same seed, different answers: %s and %s", replies[0], replies[1])
			}
		})
	}
}

// TestReplica_Do_zrandmemberSpread checks that draws cover the whole set,
// not one end of it, with a negative and a positive count.
func TestReplica_Do_zrandmemberSpread(t *testing.T) {
	t.Parallel()
	r := newTestReplica(t, 3)
	hsDo(t, r, hsNow, "ZADD z 1 a 2 b 3 c 4 d")
	count := map[string]int{}
	rep, _ := doStr(t, r, hsNow, "ZRANDMEMBER z -400")
	for _, e := range rep.Elems {
		count[string(e.Str)]++
	}
	for range 400 {
		rep, _ := doStr(t, r, hsNow, "ZRANDMEMBER z 1")
		count[string(rep.Elems[0].Str)]++
	}
	for _, m := range []string{"a", "b", "c", "d"} {
		if count[m] < 100 {
			t.Errorf("member %s drawn %d times in 800", m, count[m])
		}
	}
}

// TestReplica_Do_zrandmemberBound checks the bound on negative counts.
func TestReplica_Do_zrandmemberBound(t *testing.T) {
	t.Parallel()
	r := newTestReplica(t, 1)
	hsDo(t, r, hsNow, "ZADD z 1 a")
	tests := []struct {
		cmd, want string
	}{
		{cmd: "ZRANDMEMBER z -1000", want: ":1000"},
		{cmd: "ZRANDMEMBER z -" + strconv.Itoa(maxRandomReply), want: ":" + strconv.Itoa(maxRandomReply)},
		{cmd: "ZRANDMEMBER z -" + strconv.Itoa(maxRandomReply+1), want: "-ERR value is out of range"},
		{cmd: "ZRANDMEMBER z -9223372036854775807", want: "-ERR value is out of range"},
		{cmd: "ZRANDMEMBER z -4611686018427387903 WITHSCORES", want: "-ERR value is out of range"},
		{cmd: "ZRANDMEMBER n -9223372036854775807", want: ":0"},
	}
	for _, tt := range tests {
		rep, _ := doStr(t, r, hsNow, tt.cmd)
		got := hsText(rep)
		if rep.Kind == KindArray {
			got = ":" + strconv.Itoa(len(rep.Elems))
		}
		if got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.cmd, got, tt.want)
		}
	}
}

// TestScanZSet scans sorted sets too large for a listpack: every member
// once, with its score, whatever COUNT, and MATCH on members.
func TestScanZSet(t *testing.T) {
	t.Parallel()
	r := newTestReplica(t, 1)
	var want []string
	ktWrite(r, ktNow, func(c *call) {
		for i := range 300 {
			m := "m" + strconv.Itoa(i)
			c.zadd("z", m, float64(i)/4)
			want = append(want, m+"="+string(appendScoreText(float64(i)/4)))
		}
		c.zadd("long", strings.Repeat("x", 65), 1)
		c.zadd("long", "y", 1e18)
	})
	slices.Sort(want)
	pairsOf := func(items []string) []string {
		var out []string
		for i := 0; i+1 < len(items); i += 2 {
			out = append(out, items[i]+"="+items[i+1])
		}
		slices.Sort(out)
		return out
	}
	for _, count := range []string{"1", "7", "10", "1000"} {
		if got := pairsOf(ktScanAll(t, r, ktNow, "zscan", "z", "count", count)); !slices.Equal(got, want) {
			t.Errorf("COUNT %s: %d pairs, want %d", count, len(got), len(want))
		}
	}
	got := pairsOf(ktScanAll(t, r, ktNow, "zscan", "z", "match", "m1?"))
	if len(got) != 10 || got[0] != "m10=2.5" {
		t.Errorf("MATCH m1? = %v", got)
	}
	got = pairsOf(ktScanAll(t, r, ktNow, "zscan", "long", "count", "1"))
	if !slices.Equal(got, []string{strings.Repeat("x", 65) + "=1", "y=1e+18"}) { // a skiplist prints %.17g
		t.Errorf("long member set = %v", got)
	}
	// A scan that goes on while members leave still returns the others.
	ktWrite(r, ktNow, func(c *call) {
		for i := 1; i < 300; i++ {
			c.zrem("z", "m"+strconv.Itoa(i))
		}
	})
	ktWrite(r, ktNow, func(c *call) { c.zadd("z", strings.Repeat("q", 70), 9) })
	got = pairsOf(ktScanAll(t, r, ktNow, "zscan", "z", "count", "1"))
	if !slices.Equal(got, []string{"m0=0", strings.Repeat("q", 70) + "=9"}) {
		t.Errorf("after ZREM: %v", got)
	}
}

func appendScoreText(f float64) []byte { return []byte(zScoreText(f)) }

// TestZsetRangeCost checks that a small range reads only what it returns:
// the bytes it allocates do not grow with the set (an O(n) copy of 30k
// members would). Not parallel: other tests would add to the count.
func TestZsetRangeCost(t *testing.T) {
	cmds := []string{
		"ZRANGE z 500 509 WITHSCORES",
		"ZRANGEBYSCORE z (500 +inf LIMIT 0 10",
		"ZREVRANGEBYSCORE z +inf -inf WITHSCORES LIMIT 3 10",
		"ZRANGE l [m500 + BYLEX LIMIT 0 10",
		"ZCOUNT z 10 20",
		"ZLEXCOUNT l [m1 [m2",
		"ZRANK z m700",
		"ZRANDMEMBER z 5",
		"ZRANDMEMBER z -5 WITHSCORES",
	}
	perRun := func(n int) []uint64 {
		r := newTestReplica(t, 1)
		ktWrite(r, ktNow, func(c *call) {
			for i := range n {
				m := "m" + strconv.Itoa(i)
				c.zadd("z", m, float64(i))
				c.zadd("l", m, 0)
			}
		})
		out := make([]uint64, len(cmds))
		for i, cmd := range cmds {
			args := lineArgs(cmd)
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			for range 20 {
				r.Do(ktNow, args)
			}
			runtime.ReadMemStats(&m1)
			out[i] = (m1.TotalAlloc - m0.TotalAlloc) / 20
		}
		return out
	}
	small, big := perRun(1_000), perRun(30_000)
	for i, cmd := range cmds {
		if big[i] > 2*small[i]+1024 {
			t.Errorf("%s: %d bytes at 30k members, %d at 1k", cmd, big[i], small[i])
		}
	}
}

// zsStep is one step of a two-replica script: a command on replica a or
// b, or a sync ("sync"), with the reply it must give ("" skips the check).
// Steps are a millisecond apart, except a same step, which runs at the
// time of the step before (reference §6.3: the exact same timestamp).
type zsStep struct {
	on   string
	cmd  string
	want string
	same bool
}

// zsScript runs steps on replicas 1 (a) and 2 (b); "sync" delivers every
// delta not yet delivered, both ways, in order, through the wire encoding.
// After the script it syncs, checks that the states are identical, and
// that every final read answers the same on both.
func zsScript(t *testing.T, steps []zsStep, finals []string) {
	t.Helper()
	a, b := ctReplica(t, 1), ctReplica(t, 2)
	var fromA, fromB []*Delta
	now := hsNow
	sync := func() {
		ctSync(t, now, map[*Replica][]*Delta{a: fromA, b: fromB})
		fromA, fromB = nil, nil
	}
	for i, s := range steps {
		if !s.same {
			now += ktMs
		}
		if s.on == "sync" {
			sync()
			continue
		}
		r, out := a, &fromA
		if s.on == "b" {
			r, out = b, &fromB
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
	if !bytes.Equal(ktState(t, a), ktState(t, b)) {
		t.Fatal("states differ after sync")
	}
	ctSame(t, a, b)
	for _, f := range finals {
		if ga, gb := hsDo(t, a, now, f), hsDo(t, b, now, f); ga != gb {
			t.Errorf("%s: a %q, b %q", f, ga, gb)
		}
	}
}

// TestConverge_zsets covers SEMANTICS.md A6 with the example tables of
// reference/redis-active-active.md §6.1-6.5, and our answers to the gaps
// §6.6 names: ZADD vs ZINCRBY, pops, options, DEL and stores.
func TestConverge_zsets(t *testing.T) {
	t.Parallel()
	finals := []string{"ZRANGE z 0 -1 WITHSCORES", "ZCARD z", "EXISTS z", "TYPE z"}
	tests := []struct {
		name  string
		steps []zsStep
	}{
		{name: "6.1 non-concurrent adds", steps: []zsStep{
			{on: "a", cmd: "ZADD z 1.1 x", want: ":1"},
			{on: "sync"},
			{on: "b", cmd: "ZADD z 1.2 y", want: ":1"},
			{on: "sync"},
			{on: "a", cmd: "ZRANGE z 0 -1", want: "*[$x, $y]"},
			{on: "b", cmd: "ZRANGE z 0 -1", want: "*[$x, $y]"},
		}},
		{name: "6.2 concurrent add of the same member: later score wins", steps: []zsStep{
			{on: "a", cmd: "ZADD z 1.1 x", want: ":1"},
			{on: "b", cmd: "ZADD z 2.1 x", want: ":1"},
			{on: "a", cmd: "ZSCORE z x", want: "$1.1000000000000001"},
			{on: "b", cmd: "ZSCORE z x", want: "$2.1000000000000001"},
			{on: "sync"},
			{on: "a", cmd: "ZSCORE z x", want: "$2.1000000000000001"},
			{on: "b", cmd: "ZSCORE z x", want: "$2.1000000000000001"},
		}},
		{name: "6.3 concurrent add at the same time: smaller replica wins", steps: []zsStep{
			{on: "a", cmd: "ZADD z 1.1 x", want: ":1"},
			{on: "b", cmd: "ZADD z 2.1 x", want: ":1", same: true},
			{on: "a", cmd: "ZSCORE z x", want: "$1.1000000000000001"},
			{on: "b", cmd: "ZSCORE z x", want: "$2.1000000000000001"},
			{on: "sync"},
			{on: "a", cmd: "ZSCORE z x", want: "$1.1000000000000001"},
			{on: "b", cmd: "ZSCORE z x", want: "$1.1000000000000001"},
		}},
		{name: "6.4 concurrent increments add up", steps: []zsStep{
			{on: "a", cmd: "ZADD z 1.1 x"},
			{on: "sync"},
			{on: "a", cmd: "ZINCRBY z 1.0 x", want: "$2.1000000000000001"},
			{on: "b", cmd: "ZINCRBY z 1.0 x", want: "$2.1000000000000001"},
			{on: "sync"},
			{on: "a", cmd: "ZSCORE z x", want: "$3.1000000000000001"},
			{on: "b", cmd: "ZSCORE z x", want: "$3.1000000000000001"},
		}},
		{name: "6.5 remove vs concurrent increment: the increment stays", steps: []zsStep{
			{on: "a", cmd: "ZADD z 4.1 x"},
			{on: "sync"},
			{on: "a", cmd: "ZSCORE z x", want: "$4.0999999999999996"},
			{on: "b", cmd: "ZSCORE z x", want: "$4.0999999999999996"},
			{on: "a", cmd: "ZREM z x", want: ":1"},
			{on: "b", cmd: "ZINCRBY z 2.0 x", want: "$6.0999999999999996"},
			{on: "a", cmd: "ZSCORE z x", want: "$-1"},
			{on: "b", cmd: "ZSCORE z x", want: "$6.0999999999999996"},
			{on: "sync"},
			{on: "a", cmd: "ZSCORE z x", want: "$2"},
			{on: "b", cmd: "ZSCORE z x", want: "$2"},
		}},
		{name: "zincrby on a missing member adds up", steps: []zsStep{
			{on: "a", cmd: "ZINCRBY z 1 x", want: "$1"},
			{on: "b", cmd: "ZINCRBY z 2 x", want: "$2"},
			{on: "sync"},
			{on: "a", cmd: "ZSCORE z x", want: "$3"},
		}},
		{name: "zadd vs concurrent zincrby: the unseen increment adds on top", steps: []zsStep{
			{on: "a", cmd: "ZADD z 1 x"},
			{on: "sync"},
			{on: "b", cmd: "ZINCRBY z 2 x", want: "$3"},
			{on: "a", cmd: "ZADD z 10 x", want: ":0"},
			{on: "sync"},
			{on: "a", cmd: "ZSCORE z x", want: "$12"},
			{on: "b", cmd: "ZSCORE z x", want: "$12"},
		}},
		{name: "zadd incr vs concurrent zadd", steps: []zsStep{
			{on: "a", cmd: "ZADD z 1 x"},
			{on: "sync"},
			{on: "a", cmd: "ZADD z 5 x"},
			{on: "b", cmd: "ZADD z INCR 0.5 x", want: "$1.5"},
			{on: "sync"},
			{on: "a", cmd: "ZSCORE z x", want: "$5.5"},
		}},
		{name: "zrem vs concurrent zadd: add wins", steps: []zsStep{
			{on: "a", cmd: "ZADD z 1 x 2 y"},
			{on: "sync"},
			{on: "a", cmd: "ZREM z x", want: ":1"},
			{on: "b", cmd: "ZADD z 7 x", want: ":0"},
			{on: "sync"},
			{on: "a", cmd: "ZRANGE z 0 -1 WITHSCORES", want: "*[$y, $2, $x, $7]"},
		}},
		{name: "concurrent pops of the same member: at least once", steps: []zsStep{
			{on: "a", cmd: "ZADD z 1 x 2 y 3 w"},
			{on: "sync"},
			{on: "a", cmd: "ZPOPMIN z", want: "*[$x, $1]"},
			{on: "b", cmd: "ZPOPMIN z 2", want: "*[$x, $1, $y, $2]"},
			{on: "sync"},
			{on: "a", cmd: "ZRANGE z 0 -1", want: "*[$w]"},
			{on: "b", cmd: "ZRANGE z 0 -1", want: "*[$w]"},
		}},
		{name: "concurrent pops of everything", steps: []zsStep{
			{on: "a", cmd: "ZADD z 1 x 2 y"},
			{on: "sync"},
			{on: "a", cmd: "ZPOPMAX z 5", want: "*[$y, $2, $x, $1]"},
			{on: "b", cmd: "ZPOPMIN z", want: "*[$x, $1]"},
			{on: "sync"},
			{on: "a", cmd: "EXISTS z", want: ":0"},
			{on: "b", cmd: "EXISTS z", want: ":0"},
		}},
		{name: "pop vs concurrent zincrby: the increment stays", steps: []zsStep{
			{on: "a", cmd: "ZADD z 1 x 2 y"},
			{on: "sync"},
			{on: "a", cmd: "ZPOPMIN z", want: "*[$x, $1]"},
			{on: "b", cmd: "ZINCRBY z 5 x", want: "$6"},
			{on: "sync"},
			{on: "a", cmd: "ZRANGE z 0 -1 WITHSCORES", want: "*[$y, $2, $x, $5]"},
		}},
		{name: "pop vs concurrent zadd of a new member", steps: []zsStep{
			{on: "a", cmd: "ZADD z 5 x"},
			{on: "sync"},
			{on: "a", cmd: "ZPOPMIN z", want: "*[$x, $5]"},
			{on: "b", cmd: "ZADD z 1 y", want: ":1"},
			{on: "sync"},
			{on: "a", cmd: "ZRANGE z 0 -1", want: "*[$y]"},
		}},
		{name: "zadd nx on both replicas: later wins", steps: []zsStep{
			{on: "a", cmd: "ZADD z NX 1 x", want: ":1"},
			{on: "b", cmd: "ZADD z NX 2 x", want: ":1"},
			{on: "sync"},
			{on: "a", cmd: "ZSCORE z x", want: "$2"},
		}},
		{name: "zadd gt on both replicas: later wins", steps: []zsStep{
			{on: "a", cmd: "ZADD z 1 x"},
			{on: "sync"},
			{on: "a", cmd: "ZADD z GT 9 x", want: ":0"},
			{on: "b", cmd: "ZADD z GT 5 x", want: ":0"},
			{on: "sync"},
			{on: "a", cmd: "ZSCORE z x", want: "$5"},
		}},
		{name: "zremrangebyscore vs concurrent zadd of a new member", steps: []zsStep{
			{on: "a", cmd: "ZADD z 1 x 2 y"},
			{on: "sync"},
			{on: "a", cmd: "ZREMRANGEBYSCORE z -inf +inf", want: ":2"},
			{on: "b", cmd: "ZADD z 3 w", want: ":1"},
			{on: "sync"},
			{on: "a", cmd: "ZRANGE z 0 -1 WITHSCORES", want: "*[$w, $3]"},
		}},
		{name: "del vs concurrent zadd", steps: []zsStep{
			{on: "a", cmd: "ZADD z 1 x 2 y"},
			{on: "sync"},
			{on: "a", cmd: "DEL z", want: ":1"},
			{on: "b", cmd: "ZADD z 7 x", want: ":0"},
			{on: "sync"},
			{on: "a", cmd: "ZRANGE z 0 -1 WITHSCORES", want: "*[$x, $7]"},
		}},
		{name: "zrangestore vs concurrent zadd to the destination", steps: []zsStep{
			{on: "a", cmd: "ZADD src 1 x 2 y"},
			{on: "a", cmd: "ZADD z 5 old"},
			{on: "sync"},
			{on: "a", cmd: "ZRANGESTORE z src 0 0", want: ":1"},
			{on: "b", cmd: "ZADD z 9 new", want: ":1"},
			{on: "sync"},
			{on: "a", cmd: "ZRANGE z 0 -1 WITHSCORES", want: "*[$x, $1, $new, $9]"},
		}},
		{name: "zadd vs concurrent set: later type wins", steps: []zsStep{
			{on: "a", cmd: "ZADD z 1 x"},
			{on: "b", cmd: "SET z v"},
			{on: "sync"},
			{on: "a", cmd: "TYPE z", want: "+string"},
			{on: "a", cmd: "ZADD z 1 x", want: hsWrongType},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			zsScript(t, tt.steps, finals)
		})
	}
}
