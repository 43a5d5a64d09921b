package connstr_test

import (
	"fmt"

	"github.com/parity-dev/parity/engine/connstr"
)

// Pointing a production value at a local container: every host that names
// the service goes to the local port, hosts that became equal are given
// once, and the credentials are the local server's.
func Example() {
	c, ok := connstr.ParseStrict("mongodb://app:pa/ss#1@m1:27017,m2:27017/app?replicaSet=rs0&tls=true")
	if !ok {
		return
	}
	fmt.Println(c.Masked())
	for i := range c.Hosts() {
		c.SetHost(i, "127.0.0.1", 27018)
	}
	c.DedupHosts()
	c.SetPassword("local pw")
	c.SetParam("tls", "false")
	fmt.Println(c)
	fmt.Println(c.Masked())
	// Output:
	// mongodb://app:****@m1:27017,m2:27017/app?replicaSet=rs0&tls=true
	// mongodb://app:local%20pw@127.0.0.1:27018/app?replicaSet=rs0&tls=false
	// mongodb://app:****@127.0.0.1:27018/app?replicaSet=rs0&tls=false
}

// A bare word is a host only where the variable's name says so.
func ExampleParseStrict() {
	for _, v := range []string{"redis", "redis:6379", "redis://redis:6379", "Host=db;Password=x"} {
		_, strict := connstr.ParseStrict(v)
		c, _ := connstr.Parse(v)
		fmt.Println(v, strict, c.Form(), c.Hosts())
	}
	// Output:
	// redis false HostPort [{redis 0 false}]
	// redis:6379 false HostPort [{redis 6379 true}]
	// redis://redis:6379 true URL [{redis 6379 true}]
	// Host=db;Password=x true ADONet [{db 0 false}]
}

func ExampleConn_SetPassword() {
	for _, v := range []string{
		"postgres://app:old@db/app",
		"host=db user=app password=old",
		"Host=db;Username=app;Password=old",
		"jdbc:sqlserver://db:1433;user=sa;password=old",
	} {
		c, _ := connstr.Parse(v)
		c.SetPassword(`it's a "p@ss;word"`)
		fmt.Println(c)
	}
	// Output:
	// postgres://app:it%27s%20a%20%22p%40ss%3Bword%22@db/app
	// host=db user=app password='it\'s a "p@ss;word"'
	// Host=db;Username=app;Password="it's a ""p@ss;word"""
	// jdbc:sqlserver://db:1433;user=sa;password={it's a "p@ss;word"}
}
