package stacks

import (
	"net/url"
	"strings"
	"testing"
)

// Every kind's shell keeps the password out of every argument: command
// lines are visible to every user of the host through ps. Where the kind
// has a client, the password still reaches it, through Env.
func TestShellNeverPutsThePasswordInAnArgument(t *testing.T) {
	const password = "Pw-s3cret_Zq9"
	creds := Credentials{User: "app", Password: password, Database: "shop"}
	for _, image := range []string{
		"postgres:15", "bitnami/postgresql:16", "redis:7", "bitnami/redis:7.2", "valkey/valkey:8",
		"eqalpha/keydb:latest", "mysql:8.0", "mariadb:11.4", "bitnami/mariadb:11.4", "percona:8.0",
		"mongo:7", "bitnami/mongodb:7.0", "rabbitmq:3-management", "memcached:1.6", "nats:2.10",
		"apache/kafka:3.8.0", "elasticsearch:8.15.0", "opensearchproject/opensearch:2.17.0",
		"minio/minio:RELEASE.2024-08-17T01-24-54Z", "axllent/mailpit:v1",
	} {
		st := ForImage(image)
		if st == nil {
			st = Generic(1025)
		}
		sh := st.Shell(creds)
		for _, arg := range sh.Args {
			if strings.Contains(arg, password) || strings.Contains(arg, url.QueryEscape(password)) {
				t.Errorf("%s (%s): the password is in argument %q", image, st.Kind(), arg)
			}
		}
		if len(sh.Args) == 0 {
			if len(sh.Env) != 0 {
				t.Errorf("%s (%s): no client but an environment %v", image, st.Kind(), sh.Env)
			}
			continue
		}
		carried := false
		for _, v := range sh.Env {
			carried = carried || strings.Contains(v, password)
		}
		if !carried {
			t.Errorf("%s (%s): the client %q gets the password nowhere (env %v)", image, st.Kind(), sh.Args, sh.Env)
		}
	}
}

func TestMongoShellReadsItsURLFromTheEnvironment(t *testing.T) {
	sh := ForImage("mongo:7").Shell(Credentials{User: "root", Password: "pw", Database: "shop"})
	want := "mongosh --quiet --nodb --shell --eval db = connect(process.env." + mongoShellURLVar + ")"
	if got := strings.Join(sh.Args, " "); got != want {
		t.Errorf("Args %q, want %q", got, want)
	}
	u, err := url.Parse(sh.Env[mongoShellURLVar])
	if err != nil {
		t.Fatal(err)
	}
	if pw, _ := u.User.Password(); pw != "pw" || u.Host != "127.0.0.1:27017" || u.Path != "/shop" {
		t.Errorf("%s = %s, want the root user's URL to the container's own port", mongoShellURLVar, u)
	}
	if sh := ForImage("mongo:7").Shell(Credentials{}); len(sh.Env) != 0 || sh.Args[len(sh.Args)-1] != "mongodb://127.0.0.1:27017/?directConnection=true" {
		t.Errorf("without a password: %+v, want the URL as the argument", sh)
	}
}
