package testbed

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// HoldPorts makes the usual ports busy for the rest of the test, as a
// developer's own PostgreSQL, Redis, MySQL or RabbitMQ would: a decoy
// listens on 127.0.0.1:PORT, accepts connections and refuses every login
// at protocol level, so a client that reaches it fails with an
// authentication error instead of "connection refused":
//
//   - 5432: answers the startup message with ErrorResponse 28P01
//     (declining SSL and GSS encryption first);
//   - 6379: answers every command with -WRONGPASS;
//   - 3306: sends a handshake, then ERR 1045 to the client's reply;
//   - 5672: closes the connection after the protocol header;
//   - any other port: closes each connection at once.
//
// A port another program already holds is left to it (and logged): it is
// held either way. Cleanup closes the listeners and every open connection.
func HoldPorts(t testing.TB, ports ...int) {
	t.Helper()
	for _, port := range ports {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		l, err := net.Listen("tcp", addr)
		if err != nil {
			if errors.Is(err, syscall.EADDRINUSE) {
				t.Logf("port %d is already held by another program; it stays held", port)
				continue
			}
			t.Fatalf("hold port %d: %v", port, err)
		}
		startDecoy(t, l, decoyFor(port))
	}
}

// startDecoy serves l with serve until the test ends.
func startDecoy(t testing.TB, l net.Listener, serve func(net.Conn)) {
	d := &decoy{l: l, serve: serve, conns: map[net.Conn]struct{}{}}
	d.wg.Add(1)
	go d.accept()
	t.Cleanup(d.close)
}

type decoy struct {
	l     net.Listener
	serve func(net.Conn)
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	done  bool
}

func (d *decoy) accept() {
	defer d.wg.Done()
	for {
		c, err := d.l.Accept()
		if err != nil {
			return
		}
		d.mu.Lock()
		if d.done {
			d.mu.Unlock()
			c.Close()
			return
		}
		d.conns[c] = struct{}{}
		d.wg.Add(1)
		d.mu.Unlock()
		go func() {
			defer d.wg.Done()
			defer func() {
				d.mu.Lock()
				delete(d.conns, c)
				d.mu.Unlock()
				c.Close()
			}()
			_ = c.SetDeadline(time.Now().Add(time.Minute))
			d.serve(c)
		}()
	}
}

func (d *decoy) close() {
	d.mu.Lock()
	d.done = true
	for c := range d.conns {
		c.Close()
	}
	d.mu.Unlock()
	d.l.Close()
	d.wg.Wait()
}

func decoyFor(port int) func(net.Conn) {
	switch port {
	case 5432:
		return decoyPostgres
	case 6379:
		return decoyRedis
	case 3306:
		return decoyMySQL
	case 5672:
		return decoyAMQP
	}
	return func(net.Conn) {}
}

// decoyPostgres reads startup messages, declining SSLRequest and
// GSSENCRequest, and answers the real one with FATAL 28P01.
func decoyPostgres(c net.Conn) {
	for {
		var hdr [8]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint32(hdr[:4]))
		code := binary.BigEndian.Uint32(hdr[4:])
		if n < 8 || n > 1<<16 {
			return
		}
		if _, err := io.CopyN(io.Discard, c, int64(n-8)); err != nil {
			return
		}
		if code == 80877103 || code == 80877104 { // SSLRequest, GSSENCRequest
			if _, err := c.Write([]byte{'N'}); err != nil {
				return
			}
			continue
		}
		var body []byte
		for _, f := range []struct {
			t byte
			v string
		}{
			{'S', "FATAL"}, {'V', "FATAL"}, {'C', "28P01"},
			{'M', "password authentication failed (a decoy holds 127.0.0.1:5432, as a local PostgreSQL would)"},
		} {
			body = append(append(append(body, f.t), f.v...), 0)
		}
		body = append(body, 0)
		msg := []byte{'E', 0, 0, 0, 0}
		binary.BigEndian.PutUint32(msg[1:], uint32(len(body)+4))
		_, _ = c.Write(append(msg, body...))
		return
	}
}

// decoyRedis answers every command (RESP arrays, or inline commands) with
// WRONGPASS, one reply per command, so pipelining clients get theirs.
func decoyRedis(c net.Conn) {
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if strings.HasPrefix(line, "*") {
			n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
			if err != nil {
				return
			}
			for i := 0; i < n; i++ {
				bulk, err := r.ReadString('\n')
				if err != nil || !strings.HasPrefix(bulk, "$") {
					return
				}
				size, err := strconv.Atoi(strings.TrimSpace(bulk[1:]))
				if err != nil || size < 0 || size > 1<<20 {
					return
				}
				if _, err := io.CopyN(io.Discard, r, int64(size)+2); err != nil {
					return
				}
			}
		} else if strings.TrimSpace(line) == "" {
			continue
		}
		if _, err := c.Write([]byte("-WRONGPASS invalid username-password pair or user is disabled.\r\n")); err != nil {
			return
		}
	}
}

// decoyMySQL sends a protocol-10 handshake, reads the client's login and
// answers ERR 1045.
func decoyMySQL(c net.Conn) {
	const (
		longPassword     = 0x1
		connectWithDB    = 0x8
		protocol41       = 0x200
		transactions     = 0x2000
		secureConnection = 0x8000
		pluginAuth       = 0x80000
	)
	caps := uint32(longPassword | connectWithDB | protocol41 | transactions | secureConnection | pluginAuth)
	scramble := []byte("decoydecoydecoydecoy") // 20 bytes
	p := []byte{10}
	p = append(append(p, "8.0.0-decoy"...), 0)
	p = binary.LittleEndian.AppendUint32(p, 1)
	p = append(append(p, scramble[:8]...), 0)
	p = binary.LittleEndian.AppendUint16(p, uint16(caps))
	p = append(p, 0x21)
	p = binary.LittleEndian.AppendUint16(p, 0x0002)
	p = binary.LittleEndian.AppendUint16(p, uint16(caps>>16))
	p = append(p, 21)
	p = append(p, make([]byte, 10)...)
	p = append(append(p, scramble[8:]...), 0)
	p = append(append(p, "mysql_native_password"...), 0)
	if err := writeMySQLPacket(c, 0, p); err != nil {
		return
	}
	var hdr [4]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return
	}
	n := int(hdr[0]) | int(hdr[1])<<8 | int(hdr[2])<<16
	if _, err := io.CopyN(io.Discard, c, int64(n)); err != nil {
		return
	}
	e := []byte{0xff}
	e = binary.LittleEndian.AppendUint16(e, 1045)
	e = append(e, "#28000"...)
	e = append(e, "Access denied for user (a decoy holds 127.0.0.1:3306, as a local MySQL would)"...)
	_ = writeMySQLPacket(c, hdr[3]+1, e)
}

func writeMySQLPacket(c net.Conn, seq byte, payload []byte) error {
	n := len(payload)
	_, err := c.Write(append([]byte{byte(n), byte(n >> 8), byte(n >> 16), seq}, payload...))
	return err
}

// decoyAMQP reads the 8-byte protocol header and hangs up, as a broker
// does that refuses the connection.
func decoyAMQP(c net.Conn) {
	var hdr [8]byte
	_, _ = io.ReadFull(c, hdr[:])
}
