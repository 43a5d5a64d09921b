package main

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestGoRedisDefaultsAndParityProbeGetPONG: a default go-redis client opens
// with HELLO 3 and CLIENT SETINFO and must fall back to RESP2; parity's probe
// sends AUTH and SELECT.
func TestGoRedisDefaultsAndParityProbeGetPONG(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	for _, opts := range []*redis.Options{
		{Addr: ln.Addr().String()},
		{Addr: ln.Addr().String(), Password: "secret", DB: 2, Protocol: 2, DisableIdentity: true},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c := redis.NewClient(opts)
		pong, err := c.Ping(ctx).Result()
		c.Close()
		cancel()
		if err != nil || pong != "PONG" {
			t.Fatalf("ping with %+v: %q, %v", opts, pong, err)
		}
	}
}
