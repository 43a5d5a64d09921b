package stacks

import (
	"net/url"
	"testing"
	"time"
)

func TestMongoConfigure(t *testing.T) {
	checkConfigure(t, []configureCase{
		{
			"official with a root user",
			"mongo:7",
			map[string]string{"MONGO_INITDB_ROOT_USERNAME": "root", "MONGO_INITDB_ROOT_PASSWORD": "", "MONGO_INITDB_DATABASE": "app"},
			Credentials{User: "root", Password: secret, Database: "app"},
			map[string]string{"MONGO_INITDB_ROOT_PASSWORD": secret},
		},
		{
			"official, password from a secret file only",
			"mongo:7",
			map[string]string{"MONGO_INITDB_ROOT_PASSWORD_FILE": "/run/secrets/pw"},
			Credentials{User: "root", Password: secret},
			map[string]string{"MONGO_INITDB_ROOT_USERNAME": "root", "MONGO_INITDB_ROOT_PASSWORD": secret, "MONGO_INITDB_ROOT_PASSWORD_FILE": ""},
		},
		{
			"official without auth, as production",
			"mongo:6.0",
			map[string]string{"MONGO_INITDB_DATABASE": "app"},
			Credentials{Database: "app"},
			map[string]string{"MONGO_INITDB_ROOT_PASSWORD": ""},
		},
		{
			"bitnami with an app user",
			"bitnami/mongodb:7.0",
			map[string]string{"MONGODB_ROOT_PASSWORD": "", "MONGODB_USERNAME": "app", "MONGODB_PASSWORD": "", "MONGODB_DATABASE": "app"},
			Credentials{User: "app", Password: secret, Database: "app"},
			map[string]string{"MONGODB_ROOT_PASSWORD": secret, "MONGODB_PASSWORD": secret},
		},
		{
			"bitnami without a password",
			"bitnami/mongodb:7.0",
			map[string]string{"ALLOW_EMPTY_PASSWORD": "yes"},
			Credentials{},
			map[string]string{"MONGODB_ROOT_PASSWORD": ""},
		},
	})
}

func TestMongoURL(t *testing.T) {
	ep := Endpoint{Host: "127.0.0.1", Port: 27018, Credentials: Credentials{User: "root", Password: "p/w", Database: "app"}}
	u, err := url.Parse(ForImage("mongo:7").URL(ep))
	if err != nil {
		t.Fatal(err)
	}
	if pw, _ := u.User.Password(); u.Scheme != "mongodb" || u.Host != "127.0.0.1:27018" || pw != "p/w" || u.Path != "/app" ||
		u.Query().Get("authSource") != "admin" || u.Query().Get("directConnection") != "true" {
		t.Errorf("official URL = %s", u)
	}
	ep.Credentials.User = "app"
	u, _ = url.Parse(ForImage("bitnami/mongodb:7.0").URL(ep))
	if u.Query().Get("authSource") != "app" {
		t.Errorf("bitnami URL = %s, want authSource=app (its app user lives there)", u)
	}
	noAuth := ForImage("mongo:7").URL(Endpoint{Host: "127.0.0.1", Port: 27017})
	if noAuth != "mongodb://127.0.0.1:27017/?directConnection=true" {
		t.Errorf("URL without auth = %q", noAuth)
	}
}

// Debian has no MongoDB server, so the probe is checked here only for the
// network states a starting container goes through.
func TestMongoProbeReasons(t *testing.T) {
	m := ForImage("mongo:7")
	creds := Credentials{User: "root", Password: "x"}
	checkProbeReasons(t, m, creds, []probeCase{
		{"nothing listens", closedPort(t), 1500 * time.Millisecond, ErrRefused},
		{"proxy with nobody behind it", serve(t, hangUp), 1500 * time.Millisecond, ErrNoAnswer},
		{"accepts and says nothing", serve(t, hold), 500 * time.Millisecond, ErrTimeout},
	})
}
