package store

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

const (
	formatVersion = 1
	headerSize    = 24 // magic(8) version(4) gen(8) crc(4)
	recordHeader  = 8  // length(4) crc(4)
)

var (
	logMagic   = [8]byte{'L', 'A', 'T', 'T', 'L', 'O', 'G', '1'}
	snapMagic  = [8]byte{'L', 'A', 'T', 'T', 'S', 'N', 'P', '1'}
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
)

// appendHeader appends a file header.
func appendHeader(dst []byte, magic [8]byte, gen uint64) []byte {
	start := len(dst)
	dst = append(dst, magic[:]...)
	dst = binary.LittleEndian.AppendUint32(dst, formatVersion)
	dst = binary.LittleEndian.AppendUint64(dst, gen)
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

// checkHeader validates a file header read from b (headerSize bytes).
func checkHeader(b []byte, magic [8]byte, gen uint64) error {
	if len(b) < headerSize {
		return errors.New("short header")
	}
	if crc32.Checksum(b[:20], castagnoli) != binary.LittleEndian.Uint32(b[20:]) {
		return errors.New("header checksum mismatch")
	}
	if [8]byte(b[:8]) != magic {
		return fmt.Errorf("bad magic %q", b[:8])
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != formatVersion {
		return fmt.Errorf("unknown format version %d", v)
	}
	if g := binary.LittleEndian.Uint64(b[12:]); g != gen {
		return fmt.Errorf("header says generation %d, file name says %d", g, gen)
	}
	return nil
}

// recordCRC is the CRC32-C of a record's length bytes and payload.
func recordCRC(lenBytes, payload []byte) uint32 {
	return crc32.Update(crc32.Checksum(lenBytes, castagnoli), castagnoli, payload)
}

// appendRecord appends one framed record.
func appendRecord(dst, payload []byte) []byte {
	var l [4]byte
	binary.LittleEndian.PutUint32(l[:], uint32(len(payload)))
	dst = append(dst, l[:]...)
	dst = binary.LittleEndian.AppendUint32(dst, recordCRC(l[:], payload))
	return append(dst, payload...)
}

// errBadRecord reports a record cut short or failing its checksum: a torn
// tail, or corruption if a valid record follows.
var errBadRecord = errors.New("bad record")

// recordReader reads framed records from one file after its header.
type recordReader struct {
	br   *bufio.Reader
	off  int64 // offset of the next record
	size int64 // file size
	max  int64 // largest payload accepted
	buf  []byte
}

func newRecordReader(r io.ReaderAt, start, size, limit int64) *recordReader {
	bufSize := int(min(max(size-start, 16), 1<<20))
	return &recordReader{br: bufio.NewReaderSize(io.NewSectionReader(r, start, size-start), bufSize),
		off: start, size: size, max: limit}
}

// next returns the next payload (valid until the next call), io.EOF at a
// clean end, errBadRecord at a torn or corrupt record (off is left at its
// start), or an I/O error.
func (rr *recordReader) next() ([]byte, error) {
	if rr.off == rr.size {
		return nil, io.EOF
	}
	var h [recordHeader]byte
	if rr.size-rr.off < recordHeader {
		return nil, errBadRecord
	}
	if _, err := io.ReadFull(rr.br, h[:]); err != nil {
		return nil, err
	}
	n := int64(binary.LittleEndian.Uint32(h[:4]))
	if n == 0 || n > rr.max || n > rr.size-rr.off-recordHeader {
		return nil, errBadRecord
	}
	if int64(cap(rr.buf)) < n {
		rr.buf = make([]byte, n)
	}
	p := rr.buf[:n]
	if _, err := io.ReadFull(rr.br, p); err != nil {
		return nil, err
	}
	if recordCRC(h[:4], p) != binary.LittleEndian.Uint32(h[4:]) {
		return nil, errBadRecord
	}
	rr.off += recordHeader + n
	return p, nil
}

// findRecord returns the offset in b of the first position where a valid
// record starts, or -1. Recovery uses it to tell a torn tail (nothing
// valid after the bad record) from corruption in the middle. A candidate
// needs a plausible length, a payload that starts as every
// engine.EncodeDelta envelope does (a CBOR map of two entries, key 1 the
// version, then key 2: a2 01 vv 02), and a matching checksum. The
// checksums computed are bounded (a tail crafted with many plausible
// lengths could otherwise cost quadratic time); past the bound it returns
// errScanBudget, and recovery refuses to guess.
func findRecord(b []byte, max int64) (int, error) {
	budget := 8*int64(len(b)) + 64<<20
	for i := 0; i+recordHeader < len(b); i++ {
		n := int64(binary.LittleEndian.Uint32(b[i:]))
		if n < 4 || n > max || n > int64(len(b)-i-recordHeader) {
			continue
		}
		p := b[i+recordHeader : i+recordHeader+int(n)]
		if p[0] != 0xa2 || p[1] != 0x01 || p[3] != 0x02 {
			continue
		}
		if budget -= n; budget < 0 {
			return -1, errScanBudget
		}
		if recordCRC(b[i:i+4], p) == binary.LittleEndian.Uint32(b[i+4:]) {
			return i, nil
		}
	}
	return -1, nil
}

var errScanBudget = errors.New("too many candidate records after the bad one to tell a torn tail from corruption")
