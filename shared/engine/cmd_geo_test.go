package engine

import (
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// geoBase is the setup of every geoCases case: the Sicily example of the
// Redis documentation, and a string s.
var geoBase = []string{"GEOADD Sicily 13.361389 38.115556 Palermo 15.087269 37.502669 Catania", "SET s v"}

// geoCase is one command after geoBase and setup, on a fresh replica, with
// its raw reply in RESP2 and RESP3 ("" when the same), and optionally a
// command run after it with its RESP2 reply. Every expected reply was
// recorded from redis-server 7.0.15.
type geoCase struct {
	name          string
	setup         []string
	cmd           string
	resp2, resp3  string
	check, check2 string
}

var geoCases = []geoCase{
	{name: "geoadd new members", cmd: "GEOADD k 1 2 a 3 4 b", resp2: ":2\r\n", check: "ZRANGE k 0 -1 WITHSCORES", check2: "*4\r\n$1\r\na\r\n$16\r\n3378080408407459\r\n$1\r\nb\r\n$16\r\n3379626039612548\r\n"},
	{name: "geoadd existing moved", cmd: "GEOADD Sicily 13 38 Palermo 1 1 x", resp2: ":1\r\n", check: "GEOPOS Sicily Palermo", check2: "*1\r\n*2\r\n$20\r\n12.99999922513961792\r\n$19\r\n38.0000009925631943\r\n"},
	{name: "geoadd ch", cmd: "GEOADD Sicily CH 13 38 Palermo 1 1 x", resp2: ":2\r\n"},
	{name: "geoadd ch unchanged", cmd: "GEOADD Sicily ch 13.361389 38.115556 Palermo", resp2: ":0\r\n"},
	{name: "geoadd nx", cmd: "GEOADD Sicily NX CH 13 38 Palermo 1 1 x", resp2: ":1\r\n", check: "GEOPOS Sicily Palermo x", check2: "*2\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*2\r\n$19\r\n0.99999994039535522\r\n$19\r\n0.99999945914297683\r\n"},
	{name: "geoadd xx", cmd: "GEOADD Sicily xx CH 13 38 Palermo 1 1 x", resp2: ":1\r\n", check: "GEOPOS Sicily Palermo x", check2: "*2\r\n*2\r\n$20\r\n12.99999922513961792\r\n$19\r\n38.0000009925631943\r\n*-1\r\n"},
	{name: "geoadd xx missing key", cmd: "GEOADD k XX 1 1 x", resp2: ":0\r\n", check: "EXISTS k", check2: ":0\r\n"},
	{name: "geoadd same member twice", cmd: "GEOADD k CH 1 1 x 2 2 x", resp2: ":2\r\n", check: "GEOPOS k x", check2: "*1\r\n*2\r\n$19\r\n2.00000256299972534\r\n$18\r\n2.0000001856465488\r\n"},
	{name: "geoadd nx xx", cmd: "GEOADD k NX XX 1 1 x", resp2: "-ERR syntax error\r\n"},
	{name: "geoadd options only", cmd: "GEOADD k ch ch ch", resp2: "-ERR syntax error\r\n"},
	{name: "geoadd gt", cmd: "GEOADD k GT 1 1 x", resp2: "-ERR syntax error\r\n"},
	{name: "geoadd option with nul", cmd: "GEOADD k \"NX\\x00z\" 1 1 x", resp2: ":1\r\n"},
	{name: "geoadd partial triple", cmd: "GEOADD k 1 2 x 3 4", resp2: "-ERR syntax error\r\n"},
	{name: "geoadd longitude range", cmd: "GEOADD k 200 10 x", resp2: "-ERR invalid longitude,latitude pair 200.000000,10.000000\r\n"},
	{name: "geoadd latitude range", cmd: "GEOADD k 10 85.051128781 x", resp2: "-ERR invalid longitude,latitude pair 10.000000,85.051129\r\n"},
	{name: "geoadd second point out of range", cmd: "GEOADD k 1 2 x -180.5 -90 y", resp2: "-ERR invalid longitude,latitude pair -180.500000,-90.000000\r\n", check: "EXISTS k", check2: ":0\r\n"},
	{name: "geoadd infinite", cmd: "GEOADD k -inf 1 x", resp2: "-ERR invalid longitude,latitude pair -inf,1.000000\r\n"},
	{name: "geoadd not a float", cmd: "GEOADD k 1 abc x", resp2: "-ERR value is not a valid float\r\n"},
	{name: "geoadd nan", cmd: "GEOADD k nan 1 x", resp2: "-ERR value is not a valid float\r\n"},
	{name: "geoadd hex", cmd: "GEOADD k 0x10 1 x", resp2: ":1\r\n", check: "GEOPOS k x", check2: "*1\r\n*2\r\n$20\r\n16.00000172853469849\r\n$19\r\n0.99999945914297683\r\n"},
	{name: "geoadd limits", cmd: "GEOADD k 180 85.05112878 ne -180 -85.05112878 sw", resp2: ":2\r\n", check: "ZRANGE k 0 -1 WITHSCORES", check2: "*4\r\n$2\r\nsw\r\n$1\r\n0\r\n$2\r\nne\r\n$17\r\n13510798882111488\r\n"},
	{name: "geoadd wrong type", cmd: "GEOADD s 1 1 x", resp2: "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
	{name: "geoadd wrong type bad point", cmd: "GEOADD s 1 100 x", resp2: "-ERR invalid longitude,latitude pair 1.000000,100.000000\r\n"},
	{name: "geoadd arity", cmd: "GEOADD k 1 1", resp2: "-ERR wrong number of arguments for 'geoadd' command\r\n"},
	{name: "geopos", cmd: "GEOPOS Sicily Palermo nosuch Catania", resp2: "*3\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*-1\r\n*2\r\n$20\r\n15.08726745843887329\r\n$20\r\n37.50266842333162032\r\n", resp3: "*3\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n*2\r\n,15.08726745843887329\r\n,37.50266842333162032\r\n"},
	{name: "geopos limits", setup: []string{"GEOADD k 180 85.05112878 ne -180 -85.05112878 sw 0 0 o"}, cmd: "GEOPOS k ne sw o", resp2: "*3\r\n*2\r\n$3\r\n180\r\n$19\r\n85.0511287799999991\r\n*2\r\n$22\r\n-179.99999731779098511\r\n$21\r\n-85.05112751263942528\r\n*2\r\n$19\r\n0.00000268220901489\r\n$19\r\n0.00000126736058093\r\n", resp3: "*3\r\n*2\r\n,180\r\n,85.0511287799999991\r\n*2\r\n,-179.99999731779098511\r\n,-85.05112751263942528\r\n*2\r\n,0.00000268220901489\r\n,0.00000126736058093\r\n"},
	{name: "geopos zadd scores", setup: []string{"ZADD z -1.5 neg inf pinf -inf ninf 0.5 half 1e300 big"}, cmd: "GEOPOS z neg pinf ninf half big", resp2: "*5\r\n*2\r\n$3\r\n180\r\n$19\r\n85.0511287799999991\r\n*2\r\n$22\r\n-179.99999731779098511\r\n$21\r\n-85.05112751263942528\r\n*2\r\n$3\r\n180\r\n$21\r\n-85.05112751263942528\r\n*2\r\n$22\r\n-179.99999731779098511\r\n$21\r\n-85.05112751263942528\r\n*2\r\n$22\r\n-179.99999731779098511\r\n$21\r\n-85.05112751263942528\r\n", resp3: "*5\r\n*2\r\n,180\r\n,85.0511287799999991\r\n*2\r\n,-179.99999731779098511\r\n,-85.05112751263942528\r\n*2\r\n,180\r\n,-85.05112751263942528\r\n*2\r\n,-179.99999731779098511\r\n,-85.05112751263942528\r\n*2\r\n,-179.99999731779098511\r\n,-85.05112751263942528\r\n"},
	{name: "geopos missing key", cmd: "GEOPOS k a b", resp2: "*2\r\n*-1\r\n*-1\r\n", resp3: "*2\r\n_\r\n_\r\n"},
	{name: "geopos no members", cmd: "GEOPOS Sicily", resp2: "*0\r\n"},
	{name: "geopos wrong type", cmd: "GEOPOS s a", resp2: "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
	{name: "geopos arity", cmd: "GEOPOS", resp2: "-ERR wrong number of arguments for 'geopos' command\r\n"},
	{name: "geohash", cmd: "GEOHASH Sicily Palermo nosuch Catania", resp2: "*3\r\n$11\r\nsqc8b49rny0\r\n$-1\r\n$11\r\nsqdtr74hyu0\r\n", resp3: "*3\r\n$11\r\nsqc8b49rny0\r\n_\r\n$11\r\nsqdtr74hyu0\r\n"},
	{name: "geohash limits", setup: []string{"GEOADD k 180 85.05112878 ne -180 -85.05112878 sw"}, cmd: "GEOHASH k ne sw", resp2: "*2\r\n$11\r\nbp05b5048p0\r\n$11\r\n00bh0hbj200\r\n"},
	{name: "geohash missing key", cmd: "GEOHASH k a", resp2: "*1\r\n$-1\r\n", resp3: "*1\r\n_\r\n"},
	{name: "geohash wrong type", cmd: "GEOHASH s a", resp2: "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
	{name: "geodist", cmd: "GEODIST Sicily Palermo Catania", resp2: "$11\r\n166274.1516\r\n"},
	{name: "geodist km", cmd: "GEODIST Sicily Palermo Catania km", resp2: "$8\r\n166.2742\r\n"},
	{name: "geodist mi", cmd: "GEODIST Sicily Palermo Catania MI", resp2: "$8\r\n103.3182\r\n"},
	{name: "geodist ft", cmd: "GEODIST Sicily Palermo Catania ft", resp2: "$11\r\n545518.8700\r\n"},
	{name: "geodist same member", cmd: "GEODIST Sicily Palermo Palermo", resp2: "$6\r\n0.0000\r\n"},
	{name: "geodist small", setup: []string{"GEOADD k 0 0 a 0.000001 0 b"}, cmd: "GEODIST k a b", resp2: "$6\r\n0.0000\r\n"},
	{name: "geodist same longitude", setup: []string{"GEOADD k 10 10 a 10 -20 b"}, cmd: "GEODIST k a b km", resp2: "$9\r\n3336.7892\r\n"},
	{name: "geodist antipodes", setup: []string{"GEOADD k 0 10 a 180 -10 b -180 0 w 180 0 e"}, cmd: "GEODIST k a b", resp2: "$13\r\n20020733.7314\r\n", check: "GEODIST k w e", check2: "$6\r\n0.2983\r\n"},
	{name: "geodist missing member", cmd: "GEODIST Sicily Palermo nosuch", resp2: "$-1\r\n", resp3: "_\r\n"},
	{name: "geodist missing key", cmd: "GEODIST k a b", resp2: "$-1\r\n", resp3: "_\r\n"},
	{name: "geodist bad unit", cmd: "GEODIST Sicily Palermo Catania cm", resp2: "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n"},
	{name: "geodist unit with nul", cmd: "GEODIST Sicily Palermo Catania \"km\\x00x\"", resp2: "$8\r\n166.2742\r\n"},
	{name: "geodist extra argument", cmd: "GEODIST Sicily Palermo Catania km x", resp2: "-ERR syntax error\r\n"},
	{name: "geodist wrong type", cmd: "GEODIST s a b", resp2: "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
	{name: "geodist wrong type bad unit", cmd: "GEODIST s a b cm", resp2: "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n"},
	{name: "geodist arity", cmd: "GEODIST Sicily Palermo", resp2: "-ERR wrong number of arguments for 'geodist' command\r\n"},
	{name: "geosearch radius", cmd: "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km", resp2: "*2\r\n$7\r\nPalermo\r\n$7\r\nCatania\r\n"},
	{name: "geosearch radius asc", cmd: "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km ASC", resp2: "*2\r\n$7\r\nCatania\r\n$7\r\nPalermo\r\n"},
	{name: "geosearch radius desc", cmd: "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km DESC", resp2: "*2\r\n$7\r\nPalermo\r\n$7\r\nCatania\r\n"},
	{name: "geosearch with all", cmd: "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km WITHCOORD WITHDIST WITHHASH ASC", resp2: "*2\r\n*4\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n:3479447370796909\r\n*2\r\n$20\r\n15.08726745843887329\r\n$20\r\n37.50266842333162032\r\n*4\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n:3479099956230698\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n", resp3: "*2\r\n*4\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n:3479447370796909\r\n*2\r\n,15.08726745843887329\r\n,37.50266842333162032\r\n*4\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n:3479099956230698\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n"},
	{name: "geosearch with dist", cmd: "GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 200 km withdist", resp2: "*2\r\n*2\r\n$7\r\nPalermo\r\n$6\r\n0.0000\r\n*2\r\n$7\r\nCatania\r\n$8\r\n166.2742\r\n"},
	{name: "geosearch with coord", cmd: "GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 200 km WITHCOORD", resp2: "*2\r\n*2\r\n$7\r\nPalermo\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*2\r\n$7\r\nCatania\r\n*2\r\n$20\r\n15.08726745843887329\r\n$20\r\n37.50266842333162032\r\n", resp3: "*2\r\n*2\r\n$7\r\nPalermo\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n*2\r\n$7\r\nCatania\r\n*2\r\n,15.08726745843887329\r\n,37.50266842333162032\r\n"},
	{name: "geosearch count", cmd: "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT 1", resp2: "*1\r\n$7\r\nCatania\r\n"},
	{name: "geosearch count any", cmd: "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT 1 ANY", resp2: "*1\r\n$7\r\nPalermo\r\n"},
	{name: "geosearch count desc", cmd: "GEOSEARCH Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT 1 DESC", resp2: "*1\r\n$7\r\nPalermo\r\n"},
	{name: "geosearch box", cmd: "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 400 400 km ASC WITHDIST", resp2: "*2\r\n*2\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n"},
	{name: "geosearch box narrow", cmd: "GEOSEARCH Sicily FROMLONLAT 15 37 BYBOX 100 400 km ASC", resp2: "*1\r\n$7\r\nCatania\r\n"},
	{name: "geosearch nothing", cmd: "GEOSEARCH Sicily FROMLONLAT 0 0 BYRADIUS 1 m", resp2: "*0\r\n"},
	{name: "geosearch missing key", cmd: "GEOSEARCH k FROMMEMBER x BYRADIUS 1 m", resp2: "*0\r\n"},
	{name: "geosearch missing member", cmd: "GEOSEARCH Sicily FROMMEMBER x BYRADIUS 1 m", resp2: "-ERR could not decode requested zset member\r\n"},
	{name: "geosearch wrong type", cmd: "GEOSEARCH s FROMLONLAT 200 0 BYRADIUS 1 m", resp2: "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
	{name: "geosearch bad point", cmd: "GEOSEARCH Sicily FROMLONLAT 200 0 BYRADIUS 1 m", resp2: "-ERR invalid longitude,latitude pair 200.000000,0.000000\r\n"},
	{name: "geosearch no from", cmd: "GeoSearch Sicily BYRADIUS 1 m ASC", resp2: "-ERR wrong number of arguments for 'geosearch' command\r\n"},
	{name: "geosearch no by", cmd: "GEOSEARCH Sicily FROMMEMBER Palermo ASC", resp2: "-ERR wrong number of arguments for 'geosearch' command\r\n"},
	{name: "geosearch from twice", cmd: "GEOSEARCH Sicily FROMMEMBER Palermo FROMLONLAT 1 1 BYRADIUS 1 m", resp2: "-ERR syntax error\r\n"},
	{name: "geosearch by twice", cmd: "GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 1 1 m BYRADIUS 1 m", resp2: "-ERR syntax error\r\n"},
	{name: "geosearch any without count", cmd: "GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 1 m ANY", resp2: "-ERR the ANY argument requires COUNT argument\r\n"},
	{name: "geosearch count zero", cmd: "GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 1 m COUNT 0", resp2: "-ERR COUNT must be > 0\r\n"},
	{name: "geosearch count not integer", cmd: "GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 1 m COUNT 1.5", resp2: "-ERR value is not an integer or out of range\r\n"},
	{name: "geosearch count last", cmd: "GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 1 m COUNT", resp2: "-ERR syntax error\r\n"},
	{name: "geosearch negative radius", cmd: "GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS -1 m", resp2: "-ERR radius cannot be negative\r\n"},
	{name: "geosearch radius not a number", cmd: "GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS x m", resp2: "-ERR need numeric radius\r\n"},
	{name: "geosearch bad unit", cmd: "GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 1 cm", resp2: "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n"},
	{name: "geosearch box width", cmd: "GEOSEARCH Sicily FROMMEMBER Palermo BYBOX x y m", resp2: "-ERR need numeric width\r\n"},
	{name: "geosearch box height", cmd: "GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 1 y m", resp2: "-ERR need numeric height\r\n"},
	{name: "geosearch box negative", cmd: "GEOSEARCH Sicily FROMMEMBER Palermo BYBOX 1 -1 cm", resp2: "-ERR height or width cannot be negative\r\n"},
	{name: "geosearch storedist", cmd: "GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 1 m STOREDIST", resp2: "-ERR syntax error\r\n"},
	{name: "geosearch unknown option", cmd: "GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 1 m foo COUNT 0", resp2: "-ERR syntax error\r\n"},
	{name: "geosearch arity", cmd: "GEOSEARCH Sicily FROMMEMBER Palermo BYRADIUS 1", resp2: "-ERR wrong number of arguments for 'geosearch' command\r\n"},
	{name: "geosearchstore", cmd: "GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km", resp2: ":2\r\n", check: "ZRANGE d 0 -1 WITHSCORES", check2: "*4\r\n$7\r\nPalermo\r\n$16\r\n3479099956230698\r\n$7\r\nCatania\r\n$16\r\n3479447370796909\r\n"},
	{name: "geosearchstore storedist", cmd: "GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST", resp2: ":2\r\n", check: "ZRANGE d 0 -1 WITHSCORES", check2: "*4\r\n$7\r\nCatania\r\n$18\r\n56.441257870158204\r\n$7\r\nPalermo\r\n$18\r\n190.44242984775784\r\n"},
	{name: "geosearchstore count", cmd: "GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km COUNT 1 storedist", resp2: ":1\r\n", check: "ZRANGE d 0 -1 WITHSCORES", check2: "*2\r\n$7\r\nCatania\r\n$18\r\n56.441257870158204\r\n"},
	{name: "geosearchstore over string", cmd: "GEOSEARCHSTORE s Sicily FROMLONLAT 15 37 BYRADIUS 200 km", resp2: ":2\r\n", check: "TYPE s", check2: "+zset\r\n"},
	{name: "geosearchstore drops ttl", setup: []string{"GEOADD d 1 1 x", "EXPIRE d 100"}, cmd: "GEOSEARCHSTORE d Sicily FROMLONLAT 15 37 BYRADIUS 200 km", resp2: ":2\r\n", check: "TTL d", check2: ":-1\r\n"},
	{name: "geosearchstore nothing deletes", setup: []string{"GEOADD d 1 1 x"}, cmd: "GEOSEARCHSTORE d Sicily FROMLONLAT 0 0 BYRADIUS 1 m", resp2: ":0\r\n", check: "EXISTS d", check2: ":0\r\n"},
	{name: "geosearchstore missing source deletes", cmd: "GEOSEARCHSTORE s k FROMMEMBER x BYRADIUS 1 m", resp2: ":0\r\n", check: "EXISTS s", check2: ":0\r\n"},
	{name: "geosearchstore into source", cmd: "GEOSEARCHSTORE Sicily Sicily FROMMEMBER Palermo BYRADIUS 100 km STOREDIST", resp2: ":1\r\n", check: "ZRANGE Sicily 0 -1 WITHSCORES", check2: "*2\r\n$7\r\nPalermo\r\n$1\r\n0\r\n"},
	{name: "geosearchstore with dist", cmd: "GEOSEARCHSTORE d Sicily FROMMEMBER Palermo BYRADIUS 1 m WITHDIST", resp2: "-ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options\r\n"},
	{name: "geosearchstore store", cmd: "GEOSEARCHSTORE d Sicily FROMMEMBER Palermo BYRADIUS 1 m STORE x", resp2: "-ERR syntax error\r\n"},
	{name: "geosearchstore wrong type", cmd: "GEOSEARCHSTORE d s FROMMEMBER Palermo BYRADIUS 1 m", resp2: "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
	{name: "geosearchstore arity", cmd: "GEOSEARCHSTORE d Sicily FROMMEMBER Palermo BYRADIUS 1", resp2: "-ERR wrong number of arguments for 'geosearchstore' command\r\n"},
}

func TestGeo_commands(t *testing.T) {
	t.Parallel()
	for _, tt := range geoCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want3 := tt.resp3
			if want3 == "" {
				want3 = tt.resp2
			}
			for proto, want := range map[int]string{2: tt.resp2, 3: want3} {
				r := newTestReplica(t, 1)
				for _, line := range append(slices.Clone(geoBase), tt.setup...) {
					if rep, _ := geoDo(t, r, line); rep.IsError() {
						t.Fatalf("setup %q: %s", line, rep.Str)
					}
				}
				rep, d := geoDo(t, r, tt.cmd)
				if got := string(AppendReply(nil, rep, proto)); got != want {
					t.Errorf("RESP%d %s:\n got %q\nwant %q", proto, tt.cmd, got, want)
				}
				if spec := lookup(ktArgs(t, tt.cmd)[0]); d != nil && (rep.IsError() || spec.flags&flagReadonly != 0) {
					t.Errorf("%s answered %q with a delta", tt.cmd, rep.Str)
				}
				if tt.check == "" || proto != 2 {
					continue
				}
				if rep, _ := geoDo(t, r, tt.check); string(AppendReply(nil, rep, 2)) != tt.check2 {
					t.Errorf("then %s:\n got %q\nwant %q", tt.check, AppendReply(nil, rep, 2), tt.check2)
				}
			}
		})
	}
}

func geoDo(t *testing.T, r *Replica, line string) (Reply, *Delta) {
	t.Helper()
	rep, d, err := r.Do(ktNow, ktArgs(t, line))
	if err != nil {
		t.Fatal(err)
	}
	return rep, d
}

// TestGeo_info checks arity, flags and key positions against COMMAND INFO
// of redis-server 7.0.15.
func TestGeo_info(t *testing.T) {
	hsCheckInfo(t, geoCommands, []hsInfo{
		{name: "geoadd", arity: -5, flags: flagWrite},
		{name: "geopos", arity: -2, flags: flagReadonly},
		{name: "geohash", arity: -2, flags: flagReadonly},
		{name: "geodist", arity: -4, flags: flagReadonly},
		{name: "geosearch", arity: -7, flags: flagReadonly},
		{name: "geosearchstore", arity: -8, flags: flagWrite, firstKey: 1, lastKey: 2, step: 1},
	})
}

// TestGeo_degToRad: C folds M_PI / 180.0 to this double (printed by gcc).
func TestGeo_degToRad(t *testing.T) {
	if got := math.Float64bits(geoDegToRad); got != 0x3f91df46a2529d39 {
		t.Fatalf("geoDegToRad bits %#x", got)
	}
}

// TestGeo_uint64 checks the x86-64 conversion of scores to geohash bits,
// as redis-server decodes them (GEOPOS after ZADD of these scores).
func TestGeo_uint64(t *testing.T) {
	for _, tt := range []struct {
		f    float64
		want uint64
	}{
		{0, 0}, {0.5, 0}, {3.9, 3}, {-1.5, math.MaxUint64}, {-0.5, 0}, {1 << 52, 1 << 52},
		{1 << 63, 1 << 63}, {1<<63 + 4096, 1<<63 + 4096}, {1 << 64, 0}, {1e300, 0}, {math.Inf(1), 0},
		{math.Inf(-1), 1 << 63}, {-9.3e18, 1 << 63}, {-(1 << 63), 1 << 63}, {math.NaN(), 1 << 63},
	} {
		if got := geoUint64(tt.f); got != tt.want {
			t.Errorf("geoUint64(%v) = %#x, want %#x", tt.f, got, tt.want)
		}
	}
}

// TestGeo_formatDist checks fixedpoint_d2string: the product rounded in
// float64, then ties to even, which differs from printf "%.4f".
func TestGeo_formatDist(t *testing.T) {
	for _, tt := range []struct {
		d    float64
		want string
	}{
		{0, "0.0000"}, {math.Copysign(0, -1), "0.0000"}, {1e-9, "0.0000"}, {0.00015, "0.0001"},
		{0.00025, "0.0002"}, {0.00035, "0.0004"}, {0.12345, "0.1234"}, {1.23456, "1.2346"}, // printf: 0.0003 0.0003 0.1235 {12345.67891, "12345.6789"}, {166274.15156960033, "166274.1516"},
		{-1.5, "-1.5000"}, {math.NaN(), "-922337203685477.5808"}, {1e300, "-922337203685477.5808"},
	} {
		if got := geoFormatDist(tt.d); got != tt.want {
			t.Errorf("geoFormatDist(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// TestGeo_correctlyRounded compares geoSin, geoCos and geoAsin with the
// correctly rounded results (Taylor series in 300-bit big.Float) on the
// arguments distances use.
func TestGeo_correctlyRounded(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for i := range n {
		x := (r.Float64()*2 - 1) * math.Pi
		switch i % 3 {
		case 1:
			x = (r.Float64()*2 - 1) * 1.5
		case 2:
			x = r.Float64() * r.Float64() * 1e-3
		}
		if got, want := geoSin(x), geoRefSin(x); got != want {
			t.Errorf("geoSin(%b) = %b, want %b", x, got, want)
		}
		if got, want := geoCos(x), geoRefCos(x); got != want {
			t.Errorf("geoCos(%b) = %b, want %b", x, got, want)
		}
		a := math.Abs(x) / 4
		if i%7 == 0 {
			a = 1 - r.Float64()*1e-9
		}
		if got, want := geoAsin(a), geoRefAsin(a); got != want {
			t.Errorf("geoAsin(%b) = %b, want %b", a, got, want)
		}
	}
}

const geoRefPrec = 300

func geoRefSin(x float64) float64 {
	f, _ := geoRefSeries(new(big.Float).SetPrec(geoRefPrec).SetFloat64(x), 1).Float64()
	return f
}

func geoRefCos(x float64) float64 {
	f, _ := geoRefSeries(new(big.Float).SetPrec(geoRefPrec).SetFloat64(x), 0).Float64()
	return f
}

// geoRefAsin solves sin y = x by Newton's method in big.Float.
func geoRefAsin(x float64) float64 {
	y := new(big.Float).SetPrec(geoRefPrec).SetFloat64(math.Asin(x))
	bx := new(big.Float).SetPrec(geoRefPrec).SetFloat64(x)
	for range 5 {
		s := geoRefSeries(y, 1)
		s.Sub(s, bx)
		s.Quo(s, geoRefSeries(y, 0))
		y.Sub(y, s)
	}
	f, _ := y.Float64()
	return f
}

// geoRefSeries sums Σ (-1)^n x^(2n+odd) / (2n+odd)!: sin x (odd 1) or
// cos x (odd 0).
func geoRefSeries(x *big.Float, odd int) *big.Float {
	sum := new(big.Float).SetPrec(geoRefPrec)
	term := new(big.Float).SetPrec(geoRefPrec).SetInt64(1)
	if odd == 1 {
		term.Set(x)
	}
	x2 := new(big.Float).SetPrec(geoRefPrec).Mul(x, x)
	for n := odd; term.Sign() != 0 && term.MantExp(nil) > -geoRefPrec-10; n += 2 {
		sum.Add(sum, term)
		term.Mul(term, x2)
		term.Quo(term, new(big.Float).SetInt64(int64(-(n+1)*(n+2))))
	}
	return sum
}

// TestGeo_sort checks the partial quicksort against a full sort: the
// first n points are the n nearest, in order.
func TestGeo_sort(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		pts := make([]geoPoint, 1+r.IntN(120))
		for i := range pts {
			pts[i] = geoPoint{dist: float64(r.IntN(20)), member: strings.Repeat("m", i)}
		}
		n := 1 + r.IntN(len(pts))
		full := slices.Clone(pts)
		geoSortPoints(full, geoSortAsc, len(full))
		geoSortPoints(pts, geoSortAsc, n)
		for i := range n {
			if pts[i].dist != full[i].dist {
				t.Fatalf("n=%d of %d: position %d holds %v, want %v", n, len(pts), i, pts[i].dist, full[i].dist)
			}
		}
		if !slices.IsSortedFunc(full, func(a, b geoPoint) int { return geoCmpAsc(&a, &b) }) {
			t.Fatal("merge sort left points out of order")
		}
	}
}
