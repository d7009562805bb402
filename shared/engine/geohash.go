package engine

import "math"

// The arithmetic of the geo commands, ported from Redis 7.0.15's
// geohash.c and geohash_helper.c: 52-bit interleaved geohashes, cells and
// their neighbours, the cells a search scans, and haversine distances.

// Redis's geo constants (geo.h, geohash_helper.c).
const (
	geoStepMax  = 26 // 26 bits per coordinate: 52-bit scores
	geoLatMin   = -85.05112878
	geoLatMax   = 85.05112878
	geoLonMin   = -180.0
	geoLonMax   = 180.0
	geoRadius   = 6372797.560856 // EARTH_RADIUS_IN_METERS
	geoMercator = 20037726.37    // MERCATOR_MAX
	geoDegToRad = math.Pi / 180  // the float64 nearest π/180, as C folds M_PI / 180.0
)

// geoShape is a search area: a circle of radius, or a width × height box,
// around (x, y); sizes are in the unit, conversion meters per unit.
type geoShape struct {
	box                   bool
	x, y                  float64
	conversion            float64
	radius, width, height float64
	bounds                [4]float64 // min lon, min lat, max lon, max lat
}

// Geohash arithmetic (geohash.c, geohash_helper.c). Products that C
// rounds before adding are wrapped in float64() so that Go never fuses
// them into one FMA (it may on arm64), which would change the last bit.

type geoRange struct{ min, max float64 }

// geoBits is a geohash of step bits per coordinate: latitude bits at even
// positions, longitude bits at odd ones.
type geoBits struct {
	bits uint64
	step uint
}

type geoArea struct{ lon, lat geoRange }

type geoNeighbors struct {
	north, east, west, south                   geoBits
	northEast, southEast, northWest, southWest geoBits
}

// geoAreas is the search cell and its neighbours (GeoHashRadius).
type geoAreas struct {
	hash geoBits
	area geoArea
	n    geoNeighbors
}

var (
	geoWorldLon = geoRange{geoLonMin, geoLonMax}
	geoWorldLat = geoRange{geoLatMin, geoLatMax}
)

func (h geoBits) zero() bool { return h.bits == 0 && h.step == 0 }

// align52 is geohashAlign52Bits: the score of the cell's first point.
func (h geoBits) align52() uint64 { return h.bits << (52 - h.step*2) }

// geoEncode is geohashEncode; it fails outside the WGS84 limits or the
// ranges.
func geoEncode(lon, lat geoRange, x, y float64, step uint) (geoBits, bool) {
	if x > geoLonMax || x < geoLonMin || y > geoLatMax || y < geoLatMin ||
		y < lat.min || y > lat.max || x < lon.min || x > lon.max {
		return geoBits{step: step}, false
	}
	latOff := (y - lat.min) / (lat.max - lat.min) * float64(uint64(1)<<step)
	lonOff := (x - lon.min) / (lon.max - lon.min) * float64(uint64(1)<<step)
	return geoBits{bits: geoInterleave(uint32(latOff), uint32(lonOff)), step: step}, true
}

// geoDecode is geohashDecode: the cell's bounds.
func geoDecode(lon, lat geoRange, h geoBits) geoArea {
	sep := geoDeinterleave(h.bits)
	ilat, ilon := uint32(sep), uint32(sep>>32)
	div := float64(uint64(1) << h.step)
	latScale, lonScale := lat.max-lat.min, lon.max-lon.min
	return geoArea{
		lat: geoRange{
			lat.min + float64(float64(ilat)/div*latScale),
			lat.min + float64(float64(ilat+1)/div*latScale), // uint32: wraps as in C
		},
		lon: geoRange{
			lon.min + float64(float64(ilon)/div*lonScale),
			lon.min + float64(float64(ilon+1)/div*lonScale),
		},
	}
}

// geoDecodeScore is decodeGeohash: the centre of the score's cell, clamped
// to the WGS84 limits. The score goes through C's (uint64_t) cast.
func geoDecodeScore(score float64) (x, y float64) {
	a := geoDecode(geoWorldLon, geoWorldLat, geoBits{bits: geoUint64(score), step: geoStepMax})
	x = min(max((a.lon.min+a.lon.max)/2, geoLonMin), geoLonMax)
	y = min(max((a.lat.min+a.lat.max)/2, geoLatMin), geoLatMax)
	return x, y
}

// geoUint64 is gcc's double to uint64_t conversion on x86-64 (cvttsd2si,
// with 2^63 subtracted first for large values): negative values wrap,
// NaN and values beyond the range give 2^63 or 0 as the instruction does.
// Any score a client stored (ZADD -1.5, 1e300, inf) decodes as in Redis.
func geoUint64(f float64) uint64 {
	const two63 = 1 << 63
	if f >= two63 {
		f -= two63
		if f >= two63 {
			return 0 // the indefinite 2^63, xor 2^63
		}
		return uint64(int64(f)) ^ two63
	}
	if !(f > -two63) { // NaN, or at or below the int64 minimum
		return two63
	}
	return uint64(int64(f))
}

// geoInterleave spreads x over the even bits and y over the odd ones.
func geoInterleave(xlo, ylo uint32) uint64 {
	return geoSpread(uint64(xlo)) | geoSpread(uint64(ylo))<<1
}

func geoSpread(v uint64) uint64 {
	v = (v | v<<16) & 0x0000FFFF0000FFFF
	v = (v | v<<8) & 0x00FF00FF00FF00FF
	v = (v | v<<4) & 0x0F0F0F0F0F0F0F0F
	v = (v | v<<2) & 0x3333333333333333
	return (v | v<<1) & 0x5555555555555555
}

// geoDeinterleave returns the even bits in the low half and the odd bits
// in the high half.
func geoDeinterleave(v uint64) uint64 {
	return geoSqueeze(v) | geoSqueeze(v>>1)<<32
}

func geoSqueeze(v uint64) uint64 {
	v &= 0x5555555555555555
	v = (v | v>>1) & 0x3333333333333333
	v = (v | v>>2) & 0x0F0F0F0F0F0F0F0F
	v = (v | v>>4) & 0x00FF00FF00FF00FF
	v = (v | v>>8) & 0x0000FFFF0000FFFF
	return (v | v>>16) & 0x00000000FFFFFFFF
}

// Axes of a geohash: longitude bits are the odd ones.
const (
	geoLonBits = 0xaaaaaaaaaaaaaaaa
	geoLatBits = 0x5555555555555555
)

// move is geohash_move_x (axis geoLonBits: east for d > 0, west) and
// geohash_move_y (geoLatBits: north, south): one cell over, wrapping.
func (h *geoBits) move(axis uint64, d int) {
	shift := 64 - h.step*2
	v, keep, zz := h.bits&axis, h.bits&^axis, ^axis>>shift
	if d > 0 {
		v += zz + 1
	} else {
		v = (v | zz) - (zz + 1)
	}
	h.bits = v&(axis>>shift) | keep
}

// geoNeighborsOf is geohashNeighbors.
func geoNeighborsOf(h geoBits) geoNeighbors {
	at := func(dx, dy int) geoBits {
		n := h
		if dx != 0 {
			n.move(geoLonBits, dx)
		}
		if dy != 0 {
			n.move(geoLatBits, dy)
		}
		return n
	}
	return geoNeighbors{north: at(0, 1), east: at(1, 0), west: at(-1, 0), south: at(0, -1),
		northEast: at(1, 1), southEast: at(1, -1), northWest: at(-1, 1), southWest: at(-1, -1)}
}

// geoEstimateSteps is geohashEstimateStepsByRadius: the cell size whose
// 3×3 block covers the radius, one or two steps coarser near the poles.
func geoEstimateSteps(meters, lat float64) uint {
	if meters == 0 {
		return geoStepMax
	}
	step := 1
	for meters < geoMercator {
		meters *= 2
		step++
	}
	step -= 2
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint(min(max(step, 1), geoStepMax))
}

// boundingBox is geohashBoundingBox: the shape's extent in degrees, the
// longitude span taken at the latitude edge nearer the pole.
func (s *geoShape) boundingBox() {
	height, width := s.radius, s.radius
	if s.box {
		height, width = s.height/2, s.width/2
	}
	height, width = s.conversion*height, s.conversion*width
	latDelta := height / geoRadius / geoDegToRad
	lonDeltaTop := width / geoRadius / geoCos(float64((s.y+latDelta)*geoDegToRad)) / geoDegToRad
	lonDeltaBottom := width / geoRadius / geoCos(float64((s.y-latDelta)*geoDegToRad)) / geoDegToRad
	lonDelta := lonDeltaTop
	if s.y < 0 {
		lonDelta = lonDeltaBottom
	}
	s.bounds = [4]float64{s.x - lonDelta, s.y - latDelta, s.x + lonDelta, s.y + latDelta}
}

// geoAreasByShape is geohashCalculateAreasByShapeWGS84: the cell holding
// the centre at the estimated step (one coarser if a side neighbour does
// not reach the bounding box) and its neighbours, minus those the box
// does not reach.
func geoAreasByShape(s *geoShape) geoAreas {
	s.boundingBox()
	minLon, minLat, maxLon, maxLat := s.bounds[0], s.bounds[1], s.bounds[2], s.bounds[3]
	meters := s.radius
	if s.box {
		meters = math.Sqrt(float64(s.width/2*(s.width/2)) + float64(s.height/2*(s.height/2)))
	}
	meters *= s.conversion
	steps := geoEstimateSteps(meters, s.y)
	a := geoAreasAt(s.x, s.y, steps)
	north := geoDecode(geoWorldLon, geoWorldLat, a.n.north)
	south := geoDecode(geoWorldLon, geoWorldLat, a.n.south)
	east := geoDecode(geoWorldLon, geoWorldLat, a.n.east)
	west := geoDecode(geoWorldLon, geoWorldLat, a.n.west)
	if steps > 1 && (north.lat.max < maxLat || south.lat.min > minLat || east.lon.max < maxLon || west.lon.min > minLon) {
		steps--
		a = geoAreasAt(s.x, s.y, steps)
	}
	if steps >= 2 {
		if a.area.lat.min < minLat {
			a.n.south, a.n.southWest, a.n.southEast = geoBits{}, geoBits{}, geoBits{}
		}
		if a.area.lat.max > maxLat {
			a.n.north, a.n.northEast, a.n.northWest = geoBits{}, geoBits{}, geoBits{}
		}
		if a.area.lon.min < minLon {
			a.n.west, a.n.southWest, a.n.northWest = geoBits{}, geoBits{}, geoBits{}
		}
		if a.area.lon.max > maxLon {
			a.n.east, a.n.southEast, a.n.northEast = geoBits{}, geoBits{}, geoBits{}
		}
	}
	return a
}

func geoAreasAt(x, y float64, steps uint) geoAreas {
	h, _ := geoEncode(geoWorldLon, geoWorldLat, x, y, steps)
	return geoAreas{hash: h, area: geoDecode(geoWorldLon, geoWorldLat, h), n: geoNeighborsOf(h)}
}

// geoLatDistance is geohashGetLatDistance: the meridian arc between two
// latitudes.
func geoLatDistance(lat1, lat2 float64) float64 {
	return geoRadius * math.Abs(float64(lat2*geoDegToRad)-float64(lat1*geoDegToRad))
}

// geoDistance is geohashGetDistance (haversine), with Redis 7.0.6's
// shortcut when the longitudes are the same. Near-antipodal points can
// round the haversine term above 1, making the distance NaN, as in Redis.
func geoDistance(lon1, lat1, lon2, lat2 float64) float64 {
	lon1r, lon2r := float64(lon1*geoDegToRad), float64(lon2*geoDegToRad)
	v := geoSin((lon2r - lon1r) / 2)
	if v == 0 {
		return geoLatDistance(lat1, lat2)
	}
	lat1r, lat2r := float64(lat1*geoDegToRad), float64(lat2*geoDegToRad)
	u := geoSin((lat2r - lat1r) / 2)
	a := float64(u*u) + float64(float64(float64(geoCos(lat1r)*geoCos(lat2r))*v)*v)
	return 2.0 * geoRadius * geoAsin(math.Sqrt(a))
}

// contains returns the distance of (x, y) from the centre if the point is
// in the shape (geoAppendIfWithinShape).
func (s *geoShape) contains(x, y float64) (float64, bool) {
	if !s.box {
		d := geoDistance(s.x, s.y, x, y)
		return d, !(d > s.radius*s.conversion)
	}
	w, h := s.width*s.conversion, s.height*s.conversion
	if geoLatDistance(y, s.y) > h/2 {
		return 0, false
	}
	if geoDistance(x, y, s.x, y) > w/2 {
		return 0, false
	}
	return geoDistance(s.x, s.y, x, y), true
}

// Correctly rounded sin, cos and asin. Redis calls glibc's, which are
// within 0.55 ulp; Go's differ from them in the last bit on 10 to 25% of
// arguments, and STOREDIST shows every bit of a distance (%.17g). glibc's
// agree with the correctly rounded results on all but about 0.1% of
// arguments, so these compute those: in double-double arithmetic (about
// 100 bits), rounded once. Measured on 12,000 distances stored by
// redis-server: Go's functions gave another double for 42% of them, these
// for 0.2%. Cost: about a microsecond per distance.

// geoDD is the unevaluated sum hi + lo, normalized: hi = fl(hi + lo).
type geoDD struct{ hi, lo float64 }

// geoPio2 is π/2 as the sum of three doubles (about 160 bits).
var geoPio2 = [3]float64{0x1.921fb54442d18p0, 0x1.1a62633145c07p-54, -0x1.f1976b7ed8fbcp-110}

// geoTwoSum returns a + b exactly (Knuth's TwoSum).
func geoTwoSum(a, b float64) geoDD {
	s := a + b
	bb := s - a
	return geoDD{s, (a - (s - bb)) + (b - bb)}
}

func (x geoDD) add(y geoDD) geoDD {
	s, t := geoTwoSum(x.hi, y.hi), geoTwoSum(x.lo, y.lo)
	s = geoTwoSum(s.hi, s.lo+t.hi)
	return geoTwoSum(s.hi, s.lo+t.lo)
}

// addNear adds y to an x that dominates it (Horner's steps): one TwoSum.
func (x geoDD) addNear(y geoDD) geoDD {
	s := geoTwoSum(x.hi, y.hi)
	hi := s.hi + (s.lo + x.lo + y.lo)
	return geoDD{hi, (s.lo + x.lo + y.lo) - (hi - s.hi)}
}

func (x geoDD) mul(y geoDD) geoDD {
	p := x.hi * y.hi
	return geoTwoSum(p, math.FMA(x.hi, y.hi, -p)+float64(x.hi*y.lo)+float64(x.lo*y.hi))
}

// div divides by d, a small integer.
func (x geoDD) div(d float64) geoDD {
	q := x.hi / d
	p := q * d
	return geoTwoSum(q, ((x.hi-p)-math.FMA(q, d, -p)+x.lo)/d)
}

// geoInvFact[n] is 1/n!, to about 100 bits.
var geoInvFact = func() (t [32]geoDD) {
	t[0] = geoDD{1, 0}
	for n := 1; n < len(t); n++ {
		t[n] = t[n-1].div(float64(n))
	}
	return t
}()

// geoSinCos returns sin x, or cos x when cos is set, for |x| ≤ 8: x is
// reduced by a multiple k of π/2 to r, |r| ≤ π/4, and the Taylor series
// of sin r or cos r is summed by Horner's rule from the first term below
// 2^-110 (at most 15 terms).
func geoSinCos(x float64, cos bool) geoDD {
	k := math.RoundToEven(x / geoPio2[0])
	r := geoDD{x, 0}
	for _, p := range geoPio2 {
		hi := k * p
		r = r.add(geoDD{-hi, -math.FMA(k, p, -hi)})
	}
	q := int(k) & 3
	if cos {
		q++
	}
	odd := 1 // sin r = r Σ (-r²)^n/(2n+1)!, cos r = Σ (-r²)^n/(2n)!
	if q&1 != 0 {
		odd = 0
	}
	r2 := r.mul(r)
	n := 0
	for t := 1.0; t > 0x1p-110 && 2*n+odd+2 < len(geoInvFact); n++ {
		t *= r2.hi / float64((2*n+odd+1)*(2*n+odd+2))
	}
	sum := geoDD{}
	for ; n >= 0; n-- {
		c := geoInvFact[2*n+odd]
		if n%2 == 1 {
			c = geoDD{-c.hi, -c.lo}
		}
		sum = c.addNear(sum.mul(r2))
	}
	if odd == 1 {
		sum = sum.mul(r)
	}
	if q&2 != 0 {
		return geoDD{-sum.hi, -sum.lo}
	}
	return sum
}

func geoSin(x float64) float64 {
	if x == 0 || !(math.Abs(x) <= 8) { // ±0; NaN, ±Inf and far arguments, which no distance has
		return math.Sin(x)
	}
	return geoSinCos(x, false).hi
}

func geoCos(x float64) float64 {
	if !(math.Abs(x) <= 8) {
		return math.Cos(x)
	}
	return geoSinCos(x, true).hi
}

// geoAsin refines Go's asin (within an ulp or two) by a Newton step on
// sin y = x in double-double, which squares the error: below 2^-100, or
// 2^-79 next to x = 1, where cos y is small.
func geoAsin(x float64) float64 {
	if !(x > 0 && x < 1) {
		return math.Asin(x) // 0, 1, NaN beyond 1
	}
	y := math.Asin(x)
	f := geoSinCos(y, false).add(geoDD{-x, 0})
	return geoDD{y, 0}.add(geoDD{-f.hi / geoSinCos(y, true).hi, 0}).hi
}
