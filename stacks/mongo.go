package stacks

import (
	"context"
	"errors"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Mongo is MongoDB, as packaged by the official mongo image or by Bitnami.
// The zero value is the official image.
//
// Not verified end-to-end here: Debian ships no MongoDB server, so the
// probe is tested against network fakes only (refused, no answer, silence).
type Mongo struct {
	bitnami bool
}

var mongoImages = slices.Concat(imageTable[bool]{
	{"mongo", false},
	{"mongodb/mongodb-community-server", false},
	{"mongodb/mongodb-enterprise-server", false},
}, bitnami("mongodb", true))

func mongoFor(img Image) (Mongo, bool) {
	bitnami, ok := mongoImages.match(img)
	return Mongo{bitnami: bitnami}, ok
}

func (Mongo) Kind() string { return "mongo" }

func (Mongo) Port() int { return 27017 }

func (m Mongo) DataDir() string {
	if m.bitnami {
		return "/bitnami/mongodb"
	}
	return "/data/db"
}

// Configure: Whether clients log in is production's
// decision: the official image turns auth on when MONGO_INITDB_ROOT_USERNAME
// is set, and creates that user in the admin database with the password,
// which becomes parity's secret, on an empty data directory.
// MONGO_INITDB_DATABASE is the database the app's URL names.
func (m Mongo) Configure(svc Service, secret string) Config {
	env := cloneEnv(svc.Env)
	if m.bitnami {
		return Config{Credentials: configureBitnamiMongo(env, secret), Env: env, Command: cloneArgs(svc.Command)}
	}
	auth := anySet(env, "MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_USERNAME_FILE", "MONGO_INITDB_ROOT_PASSWORD", "MONGO_INITDB_ROOT_PASSWORD_FILE")
	for _, v := range []string{"MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_PASSWORD", "MONGO_INITDB_DATABASE"} {
		delete(env, v+"_FILE")
	}
	secret = password(env, secret, "MONGO_INITDB_ROOT_PASSWORD")
	db := firstSet(env, "MONGO_INITDB_DATABASE")
	fillEmpty(env, db, "MONGO_INITDB_DATABASE")
	if !auth {
		return Config{Credentials: Credentials{Database: db}, Env: env, Command: cloneArgs(svc.Command)}
	}
	user := firstSet(env, "MONGO_INITDB_ROOT_USERNAME")
	if user == "" {
		// Production reads it from a secret parity cannot see; the image
		// needs both or neither.
		user = "root"
	}
	env["MONGO_INITDB_ROOT_USERNAME"] = user
	env["MONGO_INITDB_ROOT_PASSWORD"] = secret
	return Config{Credentials: Credentials{User: user, Password: secret, Database: db}, Env: env, Command: cloneArgs(svc.Command)}
}

// configureBitnamiMongo follows Bitnami's mongodb-env.sh: the root user
// (MONGODB_ROOT_USER, "root") always has a password unless
// ALLOW_EMPTY_PASSWORD=yes; MONGODB_USERNAME/MONGODB_PASSWORD/MONGODB_DATABASE
// add a user of that database, which is then the app's.
func configureBitnamiMongo(env map[string]string, secret string) Credentials {
	for _, v := range []string{"MONGODB_ROOT_USER", "MONGODB_ROOT_PASSWORD", "MONGODB_USERNAME", "MONGODB_PASSWORD", "MONGODB_DATABASE"} {
		delete(env, v+"_FILE")
	}
	if !anySet(env, "MONGODB_ROOT_PASSWORD", "MONGODB_PASSWORD") && isYes(env["ALLOW_EMPTY_PASSWORD"]) {
		return Credentials{Database: firstSet(env, "MONGODB_DATABASE")}
	}
	delete(env, "ALLOW_EMPTY_PASSWORD")
	rootSecret := password(env, secret, "MONGODB_ROOT_PASSWORD")
	secret = password(env, secret, "MONGODB_PASSWORD")
	root := firstSet(env, "MONGODB_ROOT_USER")
	if root == "" {
		root = "root"
	}
	fillEmpty(env, root, "MONGODB_ROOT_USER")
	env["MONGODB_ROOT_PASSWORD"] = rootSecret
	user, db := firstSet(env, "MONGODB_USERNAME"), firstSet(env, "MONGODB_DATABASE")
	if user == "" || db == "" {
		return Credentials{User: root, Password: rootSecret}
	}
	env["MONGODB_PASSWORD"] = secret
	return Credentials{User: user, Password: secret, Database: db}
}

// Probe: it connects with the app's URL and pings. The
// official image initialises a new data directory on a temporary mongod
// that listens only inside the container, so until the real one listens
// Docker's port proxy hangs up (ErrNoAnswer).
func (m Mongo) Probe(ctx context.Context, ep Endpoint) error {
	timeout := probeTimeout(ctx)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	dialer := &probeDialer{}
	defer dialer.closeAll()
	opts := options.Client().ApplyURI(m.URL(ep)).
		SetAppName("parity probe").
		SetDialer(dialer).
		SetConnectTimeout(timeout).
		SetServerSelectionTimeout(timeout).
		SetMaxPoolSize(1).
		SetRetryReads(false).
		SetRetryWrites(false)
	client, err := mongo.Connect(opts)
	if err != nil {
		return err
	}
	defer func() { _ = client.Disconnect(context.WithoutCancel(ctx)) }()
	if err := client.Ping(ctx, nil); err != nil {
		return mongoFailed(ctx, dialer, err)
	}
	return nil
}

// Server error codes the probe tells apart.
const (
	mongoAuthFailed              = 18 // AuthenticationFailed
	mongoUnauthorized            = 13 // Unauthorized
	mongoNotPrimaryNoSecondaryOk = 13435
	mongoShutdownInProgress      = 91
)

func mongoFailed(ctx context.Context, dialer *probeDialer, err error) error {
	var cerr mongo.CommandError
	if errors.As(err, &cerr) {
		switch cerr.Code {
		case mongoAuthFailed, mongoUnauthorized:
			return probeFailed(ErrAuth, err)
		case mongoShutdownInProgress, mongoNotPrimaryNoSecondaryOk:
			return probeFailed(ErrStarting, err)
		}
	}
	// A failed login surfaces as a server selection error whose text
	// carries the handshake's error; the driver keeps no typed cause there.
	msg := err.Error()
	if strings.Contains(msg, "AuthenticationFailed") || strings.Contains(msg, "auth error") {
		return probeFailed(ErrAuth, err)
	}
	if cause := dialer.transportCause(); cause != nil {
		return cause
	}
	if reason := transportReason(err); reason != nil {
		return probeFailed(reason, err)
	}
	if ctx.Err() != nil {
		return ctxFailed(ctx)
	}
	return err
}

// URL: mongodb://user:pass@host:port/db?authSource=admin&directConnection=true.
// directConnection: a server that production runs as a one-member replica
// set announces itself under its container name, which a client on the
// laptop cannot resolve; a direct connection ignores that.
func (m Mongo) URL(ep Endpoint) string {
	c := ep.Credentials
	u := &url.URL{Scheme: "mongodb", Host: net.JoinHostPort(ep.Host, strconv.Itoa(ep.Port)), Path: "/" + c.Database}
	q := url.Values{}
	if c.User != "" {
		u.User = url.UserPassword(c.User, c.Password)
		// The official image creates its root user in admin; Bitnami's
		// app user lives in the app's database.
		source := "admin"
		if m.bitnami && c.Database != "" {
			source = c.Database
		}
		q.Set("authSource", source)
	}
	q.Set("directConnection", "true")
	u.RawQuery = q.Encode()
	return u.String()
}

func (Mongo) Schemes() []string { return []string{"mongodb"} }

func (Mongo) Vars() []string { return []string{"MONGODB_URI", "MONGO_URL"} }

// Shell: mongosh (images from MongoDB 6 on). mongosh reads
// no password from its environment, so with a password it starts without a
// connection and connects from a one-line script that reads the URL from
// the environment (mongosh is Node.js: process.env); --shell then leaves the
// prompt open on that connection. The URL and its password are in no argv.
func (m Mongo) Shell(creds Credentials) ShellCommand {
	url := m.URL(Endpoint{Host: "127.0.0.1", Port: 27017, Credentials: creds})
	if creds.Password == "" {
		return ShellCommand{Args: []string{"mongosh", "--quiet", url}}
	}
	return ShellCommand{
		Args: []string{"mongosh", "--quiet", "--nodb", "--shell", "--eval", "db = connect(process.env." + mongoShellURLVar + ")"},
		Env:  map[string]string{mongoShellURLVar: url},
	}
}

// mongoShellURLVar carries the connection URL to the shell's script.
const mongoShellURLVar = "PARITY_MONGODB_URL"
