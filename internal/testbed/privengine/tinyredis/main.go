// Command tinyredis answers just enough of the Redis protocol for parity's
// redis probe (go-redis v9) on port 6379. It is packaged FROM scratch as a
// test image a few MB in size, because the private engine's vfs storage
// copies every layer and the real redis images are over 100 MB.
//
// HELLO is refused so a RESP3 client falls back to RESP2; AUTH, SELECT and
// CLIENT accept anything; PING answers PONG; QUIT closes the connection.
package main

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

func main() {
	addr := ":6379"
	if a := os.Getenv("TINYREDIS_ADDR"); a != "" {
		addr = a
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatalf("listen %s: %v", addr, err)
	}
	// PID 1 in a container gets no default signal handling: exit on the
	// engine's stop signal instead of waiting for its kill.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-sigs; os.Exit(0) }()
	fmt.Println("Ready to accept connections tcp")
	for {
		conn, err := ln.Accept()
		if err != nil {
			log.Fatalf("accept: %v", err)
		}
		go serve(conn)
	}
}

func serve(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	for {
		args, err := readCommand(r)
		if err != nil {
			return
		}
		if len(args) == 0 {
			continue
		}
		reply, quit := answer(args)
		if _, err := io.WriteString(conn, reply); err != nil || quit {
			return
		}
	}
}

func answer(args []string) (reply string, quit bool) {
	switch strings.ToUpper(args[0]) {
	case "PING":
		if len(args) > 1 {
			return bulk(args[1]), false
		}
		return "+PONG\r\n", false
	case "ECHO":
		if len(args) > 1 {
			return bulk(args[1]), false
		}
	case "AUTH", "SELECT", "CLIENT":
		return "+OK\r\n", false
	case "INFO":
		return bulk("# Server\r\nredis_version:7.0.0\r\nloading:0\r\n"), false
	case "QUIT":
		return "+OK\r\n", true
	}
	return fmt.Sprintf("-ERR unknown command '%s'\r\n", args[0]), false
}

func bulk(s string) string { return fmt.Sprintf("$%d\r\n%s\r\n", len(s), s) }

// readCommand reads one command: a RESP array of bulk strings, or an inline
// command line as redis-cli and telnet send.
func readCommand(r *bufio.Reader) ([]string, error) {
	line, err := readLine(r)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(line, "*") {
		return strings.Fields(line), nil
	}
	n, err := strconv.Atoi(line[1:])
	if err != nil {
		return nil, fmt.Errorf("parse array length %q: %w", line, err)
	}
	args := make([]string, 0, n)
	for range n {
		head, err := readLine(r)
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(head, "$") {
			return nil, fmt.Errorf("want bulk string, got %q", head)
		}
		size, err := strconv.Atoi(head[1:])
		if err != nil || size < 0 || size > 1<<20 {
			return nil, fmt.Errorf("parse bulk length %q", head)
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		args = append(args, string(buf[:size]))
	}
	return args, nil
}

func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}
