package compat

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"lattice/shared/causal"
	"lattice/shared/engine"
	"lattice/shared/resp"
)

// TestCompatGeo (random points) and TestCompatGeoEdges (fixed edge cases)
// compare the geo commands byte for byte with redis-server, reads in RESP2
// and RESP3. The geo generators of TestCompat are in commands_test.go and
// gen_types_test.go.

// geoConn is one side of TestCompatGeo: a RESP2 and a RESP3 view of the
// same keyspace.
type geoConn interface {
	do(proto int, args []string) []byte
}

type geoRedis struct {
	t      *testing.T
	c2, c3 *redisConn
}

func (s *geoRedis) do(proto int, args []string) []byte {
	c := s.c2
	if proto == 3 {
		c = s.c3
	}
	out, err := c.do(byteArgs(args...))
	if err != nil {
		s.t.Fatalf("redis-server %s: %v", quoteCmd(args), err)
	}
	return out
}

// geoEngine renders the reply of one command in either protocol.
type geoEngine struct {
	t *testing.T
	r *engine.Replica
}

func (s *geoEngine) do(proto int, args []string) []byte {
	reply, _, err := s.r.Do(time.Now().UnixNano(), byteArgs(args...))
	if err != nil {
		s.t.Fatalf("engine %s: %v", quoteCmd(args), err)
	}
	return engine.AppendReply(nil, reply, proto)
}

// geoDiff runs TestCompatGeo's commands: writes once in RESP2, reads in
// both protocols; it reports the first 3 differences of each command.
type geoDiff struct {
	t        *testing.T
	ref, sut geoConn
	n, bad   int
	ulps     int // STOREDIST scores a few ulps apart (libm, see below)
	perCmd   map[string]int
}

func (d *geoDiff) write(args ...string) { d.compare(2, args, false) }

func (d *geoDiff) read(args ...string) {
	d.compare(2, args, false)
	d.compare(3, args, false)
}

// readDistances reads a sorted set of STOREDIST scores: they may differ
// in their last bits (cmd_geo.go: glibc's sin, cos and asin are not
// correctly rounded on about 0.1% of arguments, the engine's are), so
// scores up to 4 ulps apart are counted, not failed.
func (d *geoDiff) readDistances(args ...string) {
	d.compare(2, args, true)
	d.compare(3, args, true)
}

func (d *geoDiff) compare(proto int, args []string, nearScores bool) {
	d.n++
	want, got := d.ref.do(proto, args), d.sut.do(proto, args)
	if bytes.Equal(want, got) {
		return
	}
	if nearScores && geoNearScores(parseReplyRaw(want), parseReplyRaw(got)) {
		d.ulps++
		return
	}
	d.bad++
	if d.perCmd[args[0]]++; d.perCmd[args[0]] <= 3 {
		d.t.Errorf("RESP%d %s\n  redis-server: %q\n  engine:       %q", proto, quoteCmd(args), want, got)
	}
}

// geoNearScores reports whether two ZRANGE WITHSCORES replies (RESP2 flat
// or RESP3 pairs) have the same members in the same order and scores at
// most 4 ulps apart.
func geoNearScores(a, b resp.Value) bool {
	fa, fb := geoFlatten(a, nil), geoFlatten(b, nil)
	if len(fa) != len(fb) || len(fa)%2 != 0 {
		return false
	}
	for i := 0; i < len(fa); i += 2 {
		x, errX := strconv.ParseFloat(fa[i+1], 64)
		y, errY := strconv.ParseFloat(fb[i+1], 64)
		if fa[i] != fb[i] || errX != nil || errY != nil || x < 0 != (y < 0) {
			return false
		}
		if d := int64(math.Float64bits(x)) - int64(math.Float64bits(y)); d > 4 || d < -4 {
			return false
		}
	}
	return true
}

func geoFlatten(v resp.Value, out []string) []string {
	if v.Type != resp.TypeArray {
		return append(out, string(v.Str))
	}
	for _, e := range v.Elems {
		out = geoFlatten(e, out)
	}
	return out
}

// TestCompatGeo adds 200 random points and a few on the limits of the
// valid range (the poles at ±85.05112878, ±180) to one key, then compares
// GEOPOS and GEOHASH of every point, GEODIST of 600 pairs in every unit,
// 600 GEOSEARCHes and 150 GEOSEARCHSTOREs with random centres, shapes and
// options. Some points share a position, so sorts meet ties.
func TestCompatGeo(t *testing.T) {
	sock := startRedis(t)
	ref := &geoRedis{t: t, c2: dialRedis(t, sock), c3: dialRedis(t, sock)}
	if _, err := ref.c3.do(byteArgs("HELLO", "3")); err != nil {
		t.Fatal(err)
	}
	rep, err := engine.New(causal.ReplicaID{15: 1}, engine.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	d := &geoDiff{t: t, ref: ref, sut: &geoEngine{t: t, r: rep}, perCmd: map[string]int{}}
	r := rand.New(rand.NewPCG(7, 11))
	members := geoLoadPoints(d, r)
	for i := 0; i < len(members); i += 7 {
		d.read(append([]string{"GEOPOS", "g"}, members[i:min(i+7, len(members))]...)...)
		d.read(append([]string{"GEOHASH", "g", "nosuch"}, members[i:min(i+7, len(members))]...)...)
	}
	units := []string{"m", "km", "mi", "ft"}
	for range 600 {
		args := []string{"GEODIST", "g", members[r.IntN(len(members))], members[r.IntN(len(members))]}
		if r.IntN(5) > 0 {
			args = append(args, units[r.IntN(len(units))])
		}
		d.read(args...)
	}
	for i := range 750 {
		store := i >= 600
		args := geoRandomSearch(r, members, store)
		if !store {
			d.read(args...)
			continue
		}
		d.write(args...)
		d.read("GEOPOS", "dst", members[r.IntN(len(members))], members[r.IntN(len(members))])
		if !slices.ContainsFunc(engine.Commands(), func(c engine.CommandInfo) bool { return c.Name == "zrange" }) {
			continue
		}
		if args[len(args)-1] == "STOREDIST" {
			d.readDistances("ZRANGE", "dst", "0", "-1", "WITHSCORES")
		} else {
			d.read("ZRANGE", "dst", "0", "-1", "WITHSCORES")
		}
	}
	t.Logf("%d replies compared; %d differ; %d more hold STOREDIST scores a few ulps apart", d.n, d.bad, d.ulps)
	if d.bad > 0 {
		t.Errorf("%d of %d replies differ: %v", d.bad, d.n, d.perCmd)
	}
}

// geoLoadPoints adds the points to key g in batches, with random NX, XX
// and CH, and returns the members.
func geoLoadPoints(d *geoDiff, r *rand.Rand) []string {
	type pt struct{ lon, lat string }
	pts := []pt{{"180", "85.05112878"}, {"-180", "-85.05112878"}, {"180", "-85.05112878"},
		{"-180", "85.05112878"}, {"0", "0"}, {"180", "0"}, {"-180", "0"}, {"0", "85.05112878"},
		{"0", "-85.05112878"}, {"179.9999999", "85.0511"}, {"13.361389", "38.115556"},
		{"15.087269", "37.502669"}, {"-0", "-0"}, {"0.0000001", "-0.0000001"}}
	for range 200 {
		lon := strconv.FormatFloat((r.Float64()*2-1)*180, 'f', r.IntN(12), 64)
		lat := strconv.FormatFloat((r.Float64()*2-1)*85.05112878, 'f', r.IntN(12), 64)
		pts = append(pts, pt{lon, lat})
	}
	for i := range 20 { // shared positions: sort ties
		pts = append(pts, pts[14+i%5])
	}
	var members []string
	for i := 0; i < len(pts); i += 10 {
		args := []string{"GEOADD", "g"}
		switch r.IntN(6) {
		case 0:
			args = append(args, "CH")
		case 1:
			args = append(args, "NX", "CH")
		}
		for j := i; j < min(i+10, len(pts)); j++ {
			m := fmt.Sprintf("p%d", j)
			members = append(members, m)
			args = append(args, pts[j].lon, pts[j].lat, m)
		}
		d.write(args...)
	}
	d.write("GEOADD", "g", "XX", "CH", "10", "10", "p1", "11", "11", "new") // moves p1, skips new
	return members
}

// geoRandomSearch draws a GEOSEARCH (or GEOSEARCHSTORE into dst) around a
// member or a random point, by a radius or a box from a meter to 20,000 km.
func geoRandomSearch(r *rand.Rand, members []string, store bool) []string {
	args := []string{"GEOSEARCH", "g"}
	if store {
		args = []string{"GEOSEARCHSTORE", "dst", "g"}
	}
	if r.IntN(2) == 0 {
		args = append(args, "FROMMEMBER", members[r.IntN(len(members))])
	} else {
		args = append(args, "FROMLONLAT", strconv.FormatFloat((r.Float64()*2-1)*180, 'f', 5, 64),
			strconv.FormatFloat((r.Float64()*2-1)*85, 'f', 5, 64))
	}
	units := []string{"m", "km", "mi", "ft"}
	size := func() string { return strconv.FormatFloat(math.Pow(10, r.Float64()*7.3), 'f', 2, 64) }
	if r.IntN(2) == 0 {
		args = append(args, "BYRADIUS", size(), units[r.IntN(len(units))])
	} else {
		args = append(args, "BYBOX", size(), size(), units[r.IntN(len(units))])
	}
	switch r.IntN(3) {
	case 0:
		args = append(args, "ASC")
	case 1:
		args = append(args, "DESC")
	}
	if r.IntN(2) == 0 {
		args = append(args, "COUNT", strconv.Itoa(1+r.IntN(30)))
		if r.IntN(3) == 0 {
			args = append(args, "ANY")
		}
	}
	if store {
		if r.IntN(2) == 0 {
			args = append(args, "STOREDIST")
		}
		return args
	}
	for _, w := range []string{"WITHDIST", "WITHHASH", "WITHCOORD"} {
		if r.IntN(2) == 0 {
			args = append(args, w)
		}
	}
	return args
}

// geoEdges are fixed command lines (arguments separated by "|") for the
// edges: option parsing and its errors in Redis's order, WRONGTYPE, missing
// keys and members, scores no GEOADD writes, limits of the valid range,
// antipodes, ties under COUNT, and GEOSEARCHSTORE over its own source.
var geoEdges = []string{
	"GEOADD|Sicily|13.361389|38.115556|Palermo|15.087269|37.502669|Catania",
	"GEOADD|Sicily|CH|13.361389|38.115556|Palermo|13.4|38.1|Palermo",
	"GEOADD|Sicily|nx|ch|1|1|Palermo|2|2|x", "GEOADD|Sicily|XX|1|1|y", "GEOADD|none|XX|1|1|y", "EXISTS|none",
	"GEOADD|g|200|10|x", "GEOADD|g|10|86|x", "GEOADD|g|-180.0000001|0|x", "GEOADD|g|abc|0|x", "GEOADD|g|1|abc|x",
	"GEOADD|g|inf|1|x", "GEOADD|g|-inf|1|x", "GEOADD|g|1|-inf|x", "GEOADD|g|nan|1|x", "GEOADD|g|1e400|1|x",
	"GEOADD|g|0x10|1|x", "GEOADD|g|nx|xx|1|2|x", "GEOADD|g|ch|ch|ch", "GEOADD|g|gt|1|2|x", "GEOADD|g|1|2|x|200|1",
	"GEOADD|g|1|2|x|200|1|y", "GEOADD|g|NX\x00z|1|2|x", "GEOADD|g|1|2", "GEOADD|g",
	"GEOADD|g|180|85.05112878|n|-180|-85.05112878|s|180|-85.05112878|se|-180|85.05112878|nw|0|0|o",
	"GEOADD|g|180|0|e|-180|0|w|0|10|a|180|-10|b|90|0|c|-90|0|d|0|0|o2|0|0|o3|0|0|o4",
	"GEOPOS|g|n|s|se|nw|o|e|w|nosuch", "GEOHASH|g|n|s|se|nw|o|e|w|nosuch",
	"GEODIST|g|n|s", "GEODIST|g|a|b|km", "GEODIST|g|c|d|mi", "GEODIST|g|e|w|ft", "GEODIST|g|o|o",
	"GEODIST|g|o|nosuch", "GEODIST|nokey|a|b", "GEODIST|g|a|b|KM", "GEODIST|g|a|b|foo", "GEODIST|g|a|b|km|x",
	"GEODIST|nokey|a|b|foo", "GEODIST|g|a|b|m\x00x",
	"SET|str|v", "GEOADD|str|1|2|x", "GEOADD|str|200|2|x", "GEOPOS|str|x", "GEOHASH|str|x", "GEODIST|str|a|b",
	"GEODIST|str|a|b|foo", "GEOSEARCH|str|FROMLONLAT|200|0|BYRADIUS|1|m", "GEOSEARCHSTORE|d|str|FROMLONLAT|0|0|BYRADIUS|1|m",
	"GEOSEARCHSTORE|str|g|FROMLONLAT|0|0|BYRADIUS|100|km", "TYPE|str",
	"ZADD|z|-1.5|neg|1e300|big|inf|pinf|-inf|ninf|0.5|half|9223372036854775808|two63|18446744073709551616|two64|-9.3e18|vneg",
	"GEOPOS|z|neg|big|pinf|ninf|half|two63|two64|vneg", "GEOHASH|z|neg|big|pinf|ninf|half|two63|two64|vneg",
	"GEODIST|z|neg|vneg", "GEOSEARCH|z|FROMLONLAT|0|0|BYRADIUS|30000|km|WITHHASH|WITHDIST|WITHCOORD|ASC",
	"GEOSEARCH|z|FROMMEMBER|neg|BYBOX|100|100|km|WITHCOORD",
	"GEOSEARCH|g|FROMMEMBER|o|BYRADIUS|3000|km|WITHDIST|WITHCOORD|WITHHASH|ASC",
	"GEOSEARCH|g|FROMMEMBER|o|BYRADIUS|3000|km", "GEOSEARCH|g|FROMMEMBER|o|BYRADIUS|3000|km|DESC|WITHHASH",
	"GEOSEARCH|g|FROMMEMBER|o|BYRADIUS|3000|km|COUNT|2", "GEOSEARCH|g|FROMMEMBER|o|BYRADIUS|3000|km|COUNT|2|ANY",
	"GEOSEARCH|g|FROMMEMBER|o|BYRADIUS|3000|km|COUNT|3|DESC", "GEOSEARCH|g|any|FROMMEMBER|o|COUNT|1|BYRADIUS|1|m",
	"GEOSEARCH|g|FROMMEMBER|o|BYRADIUS|0|m|WITHDIST", "GEOSEARCH|g|FROMLONLAT|0|0|BYBOX|0|0|m|WITHDIST",
	"GEOSEARCH|g|FROMLONLAT|0|0|BYRADIUS|20000|km|ASC|WITHDIST", "GEOSEARCH|g|FROMLONLAT|180|85|BYBOX|40000|400|km|ASC",
	"GEOSEARCH|g|FROMLONLAT|-180|-85.05112878|BYRADIUS|1e10|m|ASC|WITHDIST", "GEOSEARCH|g|FROMLONLAT|0|0|BYRADIUS|inf|m|COUNT|3",
	"GEOSEARCH|g|FROMMEMBER|n|BYRADIUS|1000|km|WITHCOORD", "GEOSEARCH|g|frommember|e|byradius|1000|km|withcoord",
	"GEOSEARCH|g|FROMMEMBER|nosuch|BYRADIUS|1|m", "GEOSEARCH|nokey|FROMMEMBER|nosuch|BYRADIUS|1|m",
	"GEOSEARCH|nokey|FROMLONLAT|200|0|BYRADIUS|1|m", "GEOSEARCH|g|FROMLONLAT|0|0|FROMMEMBER|o|BYRADIUS|1|m",
	"GEOSEARCH|g|FROMMEMBER|o|FROMMEMBER|a|BYRADIUS|2000|km", "GEOSEARCH|g|FROMMEMBER|o|FROMLONLAT|0|0|BYRADIUS|1|m",
	"GEOSEARCH|g|FROMMEMBER|o|BYRADIUS|1|m|BYBOX|1|1|m", "GEOSEARCH|g|FROMMEMBER|o|BYBOX|1|1|m|BYRADIUS|1|m",
	"GEOSEARCH|g|FROMMEMBER|o|BYRADIUS|1|m|BYRADIUS|2000|km", "GEOSEARCH|g|BYRADIUS|1|m|FROMMEMBER",
	"geosearch|g|BYRADIUS|1|m|WITHDIST|ASC", "GeoSearch|g|FROMMEMBER|o|WITHDIST|ASC|DESC", "GEOSEARCH|g|FROMMEMBER|o|ASC|DESC|ANY",
	"GEOSEARCHSTORE|d|g|BYRADIUS|1|m|COUNT|1", "geoSearchStore|d|g|FROMMEMBER|o|COUNT|1|ANY", "GEOSEARCHSTORE|d|g|FROMMEMBER|o|ANY|ASC|DESC",
	"GEOSEARCH|g|FROMMEMBER|o|WITHDIST|WITHHASH|ANY", "GEOSEARCH|g|FROMMEMBER|o|WITHDIST|x|y",
	"GEOSEARCH|g|FROMMEMBER|o|BYRADIUS|1|m|ANY", "GEOSEARCH|g|FROMMEMBER|o|BYRADIUS|-1|m", "GEOSEARCH|g|FROMMEMBER|o|BYRADIUS|x|m",
	"GEOSEARCH|g|FROMMEMBER|o|BYRADIUS|1|cm", "GEOSEARCH|g|FROMMEMBER|o|BYBOX|-1|1|m", "GEOSEARCH|g|FROMMEMBER|o|BYBOX|1|-1|cm",
	"GEOSEARCH|g|FROMMEMBER|o|BYBOX|x|y|m", "GEOSEARCH|g|FROMMEMBER|o|BYBOX|1|y|m", "GEOSEARCH|g|FROMMEMBER|o|BYBOX|1|1|cm",
	"GEOSEARCH|g|FROMMEMBER|o|BYBOX|1|1", "GEOSEARCH|g|FROMMEMBER|o|BYRADIUS|1|m|COUNT|0", "GEOSEARCH|g|FROMMEMBER|o|BYRADIUS|1|m|COUNT|x",
	"GEOSEARCH|g|FROMMEMBER|o|BYRADIUS|1|m|COUNT", "GEOSEARCH|g|FROMMEMBER|o|BYRADIUS|1|m|STOREDIST",
	"GEOSEARCH|g|FROMMEMBER|o|BYRADIUS|1|m|STORE|x", "GEOSEARCH|g|FROMMEMBER|o|BYRADIUS|1|m|COUNT|-5|x",
	"GEOSEARCH|g|FROMMEMBER|o|BYRADIUS|1|m|foo|COUNT|0", "GEOSEARCH|g|FROMLONLAT|0|BYRADIUS|1|m",
	"GEOSEARCH|g|FROMMEMBER|o|BYRADIUS|1|m|COUNT|9223372036854775808",
	"GEOSEARCHSTORE|d|g|FROMMEMBER|o|BYRADIUS|3000|km|WITHDIST", "GEOSEARCHSTORE|d|g|FROMMEMBER|o|BYRADIUS|3000|km|STORE|x",
	"GEOSEARCHSTORE|d|g|FROMMEMBER|o|BYRADIUS|3000|km", "ZRANGE|d|0|-1|WITHSCORES",
	"GEOSEARCHSTORE|d|g|FROMMEMBER|o|BYRADIUS|3000|km|STOREDIST|COUNT|2", "ZRANGE|d|0|-1|WITHSCORES",
	"EXPIRE|d|100", "GEOSEARCHSTORE|d|g|FROMMEMBER|o|BYRADIUS|1|m", "TTL|d",
	"GEOSEARCHSTORE|d|g|FROMLONLAT|100|10|BYRADIUS|1|m", "EXISTS|d", "GEOSEARCHSTORE|d|nokey|FROMMEMBER|x|BYRADIUS|1|m",
	"SET|d|x", "GEOSEARCHSTORE|d|nokey|FROMMEMBER|x|BYRADIUS|1|m", "EXISTS|d",
	"GEOSEARCHSTORE|g|g|FROMMEMBER|o|BYRADIUS|3000|km|storedist", "ZRANGE|g|0|-1|WITHSCORES", "GEOPOS|g|o|a|d",
	"GEOADD|t|1|1|a|1|1|b|1|1|c|1|1|d|1|1|e|1|1|f|1|1|g|1|1|h|1|1|i|1|1|j|2|2|k",
	"GEOSEARCH|t|FROMLONLAT|1|1|BYRADIUS|500|km|COUNT|3", "GEOSEARCH|t|FROMLONLAT|1|1|BYRADIUS|500|km|COUNT|8|DESC",
	"GEOSEARCH|t|FROMLONLAT|1|1|BYRADIUS|500|km|COUNT|10", "GEOSEARCH|t|FROMLONLAT|1|1|BYRADIUS|500|km|DESC",
}

// TestCompatGeoEdges compares geoEdges byte for byte, reads in RESP2 and
// RESP3.
func TestCompatGeoEdges(t *testing.T) {
	sock := startRedis(t)
	ref := &geoRedis{t: t, c2: dialRedis(t, sock), c3: dialRedis(t, sock)}
	if _, err := ref.c3.do(byteArgs("HELLO", "3")); err != nil {
		t.Fatal(err)
	}
	rep, err := engine.New(causal.ReplicaID{15: 1}, engine.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	d := &geoDiff{t: t, ref: ref, sut: &geoEngine{t: t, r: rep}, perCmd: map[string]int{}}
	reads := map[string]bool{"GEOPOS": true, "GEOHASH": true, "GEODIST": true, "GEOSEARCH": true, "ZRANGE": true, "TTL": true}
	for _, line := range geoEdges {
		args := strings.Split(line, "|")
		if reads[strings.ToUpper(args[0])] {
			d.read(args...)
		} else {
			d.write(args...)
		}
	}
	t.Logf("%d replies compared", d.n)
	if d.bad > 0 {
		t.Errorf("%d of %d replies differ", d.bad, d.n)
	}
}
