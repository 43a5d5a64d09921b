package testbed

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// decoyProtocol is how a decoy on a port answers a client: like the server
// usually found there, up to refusing its credentials.
type decoyProtocol int

const (
	decoyClose    decoyProtocol = iota // accept, then close
	decoyPostgres                      // startup packet, then ErrorResponse 28P01
	decoyRedis                         // -WRONGPASS to every command
	decoyMySQL                         // protocol-10 handshake, then ERR 1045
	decoyAMQP                          // read the protocol header, then close
)

// decoyProtocols are the usual ports of the servers the decoys stand in for.
// Other ports (memcached's 11211, NATS's 4222, ...) accept and close.
var decoyProtocols = map[int]decoyProtocol{
	5432: decoyPostgres,
	6379: decoyRedis,
	3306: decoyMySQL,
	5672: decoyAMQP,
}

// HoldPorts stands in for servers a developer already runs on the usual
// ports (a local Postgres on 5432, a Redis on 6379, ...): for each port free
// on 127.0.0.1 it listens there until the test ends, with a decoy that
// accepts connections and refuses to authenticate any client, in the
// protocol of the server usually found on that port. An app handed such a
// port fails loudly instead of working by accident. A port some other
// process already holds is logged and left alone: it is held all the same.
func HoldPorts(t testing.TB, ports ...int) {
	t.Helper()
	for _, port := range ports {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			t.Logf("port %d is already held by another process (%v); leaving it to that one", port, err)
			continue
		}
		d := serveDecoy(l, decoyProtocols[port])
		t.Cleanup(d.close)
	}
}

type decoy struct {
	l    net.Listener
	mu   sync.Mutex
	open map[net.Conn]struct{}
	wg   sync.WaitGroup
}

// serveDecoy answers every connection l accepts with proto until close.
func serveDecoy(l net.Listener, proto decoyProtocol) *decoy {
	d := &decoy{l: l, open: map[net.Conn]struct{}{}}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return // closed
			}
			d.mu.Lock()
			d.open[c] = struct{}{}
			d.mu.Unlock()
			d.wg.Add(1)
			go func() {
				defer d.wg.Done()
				defer func() {
					d.mu.Lock()
					delete(d.open, c)
					d.mu.Unlock()
					c.Close()
				}()
				// A client that never speaks must not keep the test waiting.
				_ = c.SetDeadline(time.Now().Add(30 * time.Second))
				answerDecoy(c, proto)
			}()
		}
	}()
	return d
}

// close stops accepting, drops the connections still open and waits for
// their goroutines.
func (d *decoy) close() {
	d.l.Close()
	d.mu.Lock()
	for c := range d.open {
		c.Close()
	}
	d.mu.Unlock()
	d.wg.Wait()
}

func answerDecoy(c net.Conn, proto decoyProtocol) {
	switch proto {
	case decoyPostgres:
		postgresDecoy(c)
	case decoyRedis:
		redisDecoy(c)
	case decoyMySQL:
		mysqlDecoy(c)
	case decoyAMQP:
		var header [8]byte
		_, _ = io.ReadFull(c, header[:])
	}
}

// Postgres request codes that come in place of a startup packet's version.
const (
	pgSSLRequest    = 80877103
	pgGSSENCRequest = 80877104
	pgCancelRequest = 80877102
)

// postgresDecoy declines TLS and GSS encryption, reads the startup packet
// and answers it as a server whose password check failed.
func postgresDecoy(c net.Conn) {
	user := ""
	for {
		var head [8]byte
		if _, err := io.ReadFull(c, head[:]); err != nil {
			return
		}
		n := binary.BigEndian.Uint32(head[:4])
		code := binary.BigEndian.Uint32(head[4:])
		if n < 8 || n > 1<<16 {
			return
		}
		body := make([]byte, n-8)
		if _, err := io.ReadFull(c, body); err != nil {
			return
		}
		switch code {
		case pgSSLRequest, pgGSSENCRequest:
			if _, err := c.Write([]byte{'N'}); err != nil {
				return
			}
			continue
		case pgCancelRequest:
			return
		}
		// Startup parameters: name\0value\0 ... \0
		fields := strings.Split(string(body), "\x00")
		for i := 0; i+1 < len(fields); i += 2 {
			if fields[i] == "user" {
				user = fields[i+1]
			}
		}
		break
	}
	var msg []byte
	for _, f := range []struct {
		tag byte
		v   string
	}{
		{'S', "FATAL"}, {'V', "FATAL"}, {'C', "28P01"},
		{'M', fmt.Sprintf("password authentication failed for user %q", user)},
	} {
		msg = append(msg, f.tag)
		msg = append(msg, f.v...)
		msg = append(msg, 0)
	}
	msg = append(msg, 0)
	out := []byte{'E', 0, 0, 0, 0}
	binary.BigEndian.PutUint32(out[1:], uint32(4+len(msg)))
	_, _ = c.Write(append(out, msg...))
}

const redisWrongPass = "-WRONGPASS invalid username-password pair or user is disabled.\r\n"

// redisDecoy answers every command, RESP array or inline, with WRONGPASS,
// as a server with a password the client does not know.
func redisDecoy(c net.Conn) {
	r := bufio.NewReader(c)
	for {
		if err := readRedisCommand(r); err != nil {
			return
		}
		if _, err := io.WriteString(c, redisWrongPass); err != nil {
			return
		}
	}
}

func readRedisCommand(r *bufio.Reader) error {
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	line = strings.TrimRight(line, "\r\n")
	if !strings.HasPrefix(line, "*") {
		return nil // an inline command: the whole line
	}
	n, err := strconv.Atoi(line[1:])
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		head, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		head = strings.TrimRight(head, "\r\n")
		if !strings.HasPrefix(head, "$") {
			return fmt.Errorf("redis decoy: %q is not a bulk string", head)
		}
		size, err := strconv.Atoi(head[1:])
		if err != nil || size < 0 || size > 1<<20 {
			return fmt.Errorf("redis decoy: bulk length %q", head)
		}
		if _, err := io.CopyN(io.Discard, r, int64(size)+2); err != nil {
			return err
		}
	}
	return nil
}

// MySQL capability flags the decoy announces: enough for current clients to
// go on with a protocol-4.1 handshake response, and no TLS.
const (
	mysqlLongPassword     = 0x00000001
	mysqlConnectWithDB    = 0x00000008
	mysqlProtocol41       = 0x00000200
	mysqlTransactions     = 0x00002000
	mysqlSecureConnection = 0x00008000
	mysqlPluginAuth       = 0x00080000
)

// mysqlDecoy sends a protocol-10 handshake, reads the client's response
// and refuses it with ERR 1045 (access denied).
func mysqlDecoy(c net.Conn) {
	caps := uint32(mysqlLongPassword | mysqlConnectWithDB | mysqlProtocol41 | mysqlTransactions | mysqlSecureConnection | mysqlPluginAuth)
	scramble := []byte("decoy-scramble-20byt") // 20 bytes
	var p []byte
	p = append(p, 10)
	p = append(p, "5.7.0-parity-testbed-decoy"...)
	p = append(p, 0)
	p = binary.LittleEndian.AppendUint32(p, 1) // connection id
	p = append(p, scramble[:8]...)
	p = append(p, 0)
	p = binary.LittleEndian.AppendUint16(p, uint16(caps))
	p = append(p, 33)                          // utf8_general_ci
	p = binary.LittleEndian.AppendUint16(p, 2) // SERVER_STATUS_AUTOCOMMIT
	p = binary.LittleEndian.AppendUint16(p, uint16(caps>>16))
	p = append(p, byte(len(scramble)+1))
	p = append(p, make([]byte, 10)...)
	p = append(p, scramble[8:]...)
	p = append(p, 0)
	p = append(p, "mysql_native_password"...)
	p = append(p, 0)
	if err := writeMySQLPacket(c, 0, p); err != nil {
		return
	}
	var head [4]byte
	if _, err := io.ReadFull(c, head[:]); err != nil {
		return
	}
	n := int(head[0]) | int(head[1])<<8 | int(head[2])<<16
	resp := make([]byte, n)
	if _, err := io.ReadFull(c, resp); err != nil {
		return
	}
	user := ""
	// HandshakeResponse41: caps(4) max packet(4) charset(1) reserved(23) user\0
	if len(resp) > 32 {
		if i := strings.IndexByte(string(resp[32:]), 0); i >= 0 {
			user = string(resp[32 : 32+i])
		}
	}
	e := []byte{0xff}
	e = binary.LittleEndian.AppendUint16(e, 1045)
	e = append(e, "#28000"...)
	e = append(e, fmt.Sprintf("Access denied for user '%s'@'localhost' (using password: YES)", user)...)
	_ = writeMySQLPacket(c, head[3]+1, e)
}

func writeMySQLPacket(w io.Writer, seq byte, payload []byte) error {
	if len(payload) >= 1<<24 {
		return errors.New("mysql decoy: packet too large")
	}
	n := len(payload)
	_, err := w.Write(append([]byte{byte(n), byte(n >> 8), byte(n >> 16), seq}, payload...))
	return err
}
