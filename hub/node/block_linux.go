package node

import (
	"errors"
	"net"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// waitClosed waits, without reading, until the peer of conn hangs up or
// the connection fails (true), or stopped says the wait is over (false:
// the caller set a read deadline in the past to interrupt it). Bytes the
// client sends meanwhile stay unread for its goroutine, as Redis keeps a
// blocked client's next commands; a hang-up is seen even behind them
// (POLLRDHUP). A read deadline that passes while not stopped (the idle
// timeout, which blocked clients are exempt from) is cleared.
func waitClosed(conn net.Conn, stopped func() bool) bool {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	for !stopped() {
		hup := false
		err := rc.Read(func(fd uintptr) bool {
			hup = peerHungUp(fd)
			return hup
		})
		switch {
		case hup:
			return true
		case errors.Is(err, os.ErrDeadlineExceeded):
			if stopped() {
				return false
			}
			_ = conn.SetReadDeadline(time.Time{})
		case err != nil:
			return true // closed (CLIENT KILL, shutdown) or failed
		}
	}
	return false
}

// peerHungUp polls fd at once for a hang-up or an error.
func peerHungUp(fd uintptr) bool {
	const pollERR, pollHUP, pollNVAL, pollRDHUP = 0x8, 0x10, 0x20, 0x2000
	pfd := struct {
		fd      int32
		events  int16
		revents int16
	}{fd: int32(fd), events: pollRDHUP}
	var ts syscall.Timespec
	n, _, errno := syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&pfd)), 1,
		uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
	if errno != 0 || n == 0 {
		return false
	}
	return pfd.revents&(pollRDHUP|pollHUP|pollERR|pollNVAL) != 0
}
