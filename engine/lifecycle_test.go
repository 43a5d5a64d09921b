package engine

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parity-dev/parity/engine/docker"
	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/stacks"
)

// Invariant I3: a service's data volume, the password its container gets
// and the check of one against the other agree, for every kind with and
// without a password, across up -> down -> up, docker stop -> up and
// down --volumes -> up; and the app's variables carry that same password.

// lifecycleKind is one row of the matrix: a kind, and how a manifest gives
// it a password.
type lifecycleKind struct {
	name  string
	image string
	// authImage is the image when the manifest gives a password, where the
	// kind's official image has no authentication (memcached); "" is image.
	authImage string
	// alwaysAuth: a manifest that names no password still gets one, which
	// parity generates.
	alwaysAuth bool
	// noAuth: the kind has no password at all (Kafka).
	noAuth bool
	// inData: the kind writes its credentials into its data directory at
	// initialisation, so data initialised with one password keeps it.
	// This is the image's behaviour, stated here independently of
	// stacks.CredentialsInData, which the matrix checks.
	inData bool
	// volume: the kind keeps data in a volume parity creates.
	volume bool
	// urlCarries: the service's URL carries its password.
	urlCarries bool
	// variable is the manifest's variable in the "var" and "dotenv" cells.
	variable string
	// env and cmd are the service's environment and command; pw is the
	// password as the manifest writes it, nil when it names none.
	env func(pw manifest.Value) map[string]manifest.Value
	cmd func(pw manifest.Value) []manifest.Value
	// carried is the password the container is configured with, read from
	// its environment and command.
	carried func(env map[string]string, cmd []string) string
	// identity is what else the data is initialised with and must stay
	// the same while the data lives (Kafka's cluster ID); nil for none.
	identity func(env map[string]string) string
}

func envWith(pw manifest.Value, base map[string]string, key string) map[string]manifest.Value {
	out := map[string]manifest.Value{}
	if pw == nil {
		return out
	}
	for k, v := range base {
		out[k] = manifest.Text(v)
	}
	out[key] = pw
	return out
}

func fromEnv(key string) func(map[string]string, []string) string {
	return func(env map[string]string, _ []string) string { return env[key] }
}

func argAfter(flag string) func(map[string]string, []string) string {
	return func(_ map[string]string, cmd []string) string {
		for i, a := range cmd {
			if a == flag && i+1 < len(cmd) {
				return cmd[i+1]
			}
		}
		return ""
	}
}

// userOrRoot reads the app user's password when the container creates one,
// else root's (the official MySQL and MariaDB images).
func userOrRoot(prefix string) func(map[string]string, []string) string {
	return func(env map[string]string, _ []string) string {
		if env[prefix+"USER"] != "" {
			return env[prefix+"PASSWORD"]
		}
		return env[prefix+"ROOT_PASSWORD"]
	}
}

func noCmd(manifest.Value) []manifest.Value { return nil }

func lifecycleKinds() []lifecycleKind {
	return []lifecycleKind{
		{
			name: "postgres", image: "postgres:16", alwaysAuth: true, inData: true, volume: true, urlCarries: true,
			variable: "PG_PASSWORD",
			env: func(pw manifest.Value) map[string]manifest.Value {
				env := envWith(pw, map[string]string{"POSTGRES_USER": "app", "POSTGRES_DB": "app"}, "POSTGRES_PASSWORD")
				return env
			},
			cmd: noCmd, carried: fromEnv("POSTGRES_PASSWORD"),
		},
		{
			name: "redis", image: "redis:7", volume: true, urlCarries: true,
			variable: "REDIS_AUTH", // bound by its place after --requirepass
			env:      func(manifest.Value) map[string]manifest.Value { return nil },
			cmd: func(pw manifest.Value) []manifest.Value {
				if pw == nil {
					return nil
				}
				return []manifest.Value{manifest.Text("redis-server"), manifest.Text("--requirepass"), pw}
			},
			carried: argAfter("--requirepass"),
		},
		{
			name: "mysql", image: "mysql:8.0", alwaysAuth: true, inData: true, volume: true, urlCarries: true,
			variable: "MYSQL_APP_PASSWORD",
			env: func(pw manifest.Value) map[string]manifest.Value {
				return envWith(pw, map[string]string{"MYSQL_USER": "app", "MYSQL_DATABASE": "app"}, "MYSQL_PASSWORD")
			},
			cmd: noCmd, carried: userOrRoot("MYSQL_"),
		},
		{
			name: "mariadb", image: "mariadb:11", alwaysAuth: true, inData: true, volume: true, urlCarries: true,
			variable: "MARIADB_APP_PASSWORD",
			env: func(pw manifest.Value) map[string]manifest.Value {
				return envWith(pw, map[string]string{"MARIADB_USER": "app", "MARIADB_DATABASE": "app"}, "MARIADB_PASSWORD")
			},
			cmd: noCmd, carried: userOrRoot("MARIADB_"),
		},
		{
			name: "mongo", image: "mongo:7", inData: true, volume: true, urlCarries: true,
			variable: "MONGO_ROOT_PASS",
			env: func(pw manifest.Value) map[string]manifest.Value {
				return envWith(pw, map[string]string{"MONGO_INITDB_ROOT_USERNAME": "root"}, "MONGO_INITDB_ROOT_PASSWORD")
			},
			cmd: noCmd, carried: fromEnv("MONGO_INITDB_ROOT_PASSWORD"),
		},
		{
			name: "rabbitmq", image: "rabbitmq:3.13", alwaysAuth: true, inData: true, volume: true, urlCarries: true,
			variable: "RABBITMQ_PASS",
			env: func(pw manifest.Value) map[string]manifest.Value {
				return envWith(pw, map[string]string{"RABBITMQ_DEFAULT_USER": "app"}, "RABBITMQ_DEFAULT_PASS")
			},
			cmd: noCmd, carried: fromEnv("RABBITMQ_DEFAULT_PASS"),
		},
		{
			name: "memcached", image: "memcached:1.6", authImage: "bitnami/memcached:1.6",
			variable: "CACHE_SECRET",
			env: func(pw manifest.Value) map[string]manifest.Value {
				return envWith(pw, map[string]string{"MEMCACHED_USERNAME": "app"}, "MEMCACHED_PASSWORD")
			},
			cmd: noCmd, carried: fromEnv("MEMCACHED_PASSWORD"),
		},
		{
			name: "nats", image: "nats:2.10", urlCarries: true,
			variable: "NATS_CREDENTIAL", // bound by its place after --pass
			env:      func(manifest.Value) map[string]manifest.Value { return nil },
			cmd: func(pw manifest.Value) []manifest.Value {
				if pw == nil {
					return nil
				}
				return []manifest.Value{manifest.Text("--user"), manifest.Text("app"), manifest.Text("--pass"), pw}
			},
			carried: argAfter("--pass"),
		},
		{
			name: "kafka", image: "apache/kafka:3.7.0", noAuth: true, volume: true,
			env:      func(manifest.Value) map[string]manifest.Value { return nil },
			cmd:      noCmd,
			carried:  func(map[string]string, []string) string { return "" },
			identity: func(env map[string]string) string { return env["CLUSTER_ID"] },
		},
		{
			name: "elasticsearch", image: "elasticsearch:8.13.0", inData: true, volume: true, urlCarries: true,
			variable: "ES_PASSWORD",
			env: func(pw manifest.Value) map[string]manifest.Value {
				return envWith(pw, nil, "ELASTIC_PASSWORD")
			},
			cmd: noCmd, carried: fromEnv("ELASTIC_PASSWORD"),
		},
		{
			// The security plugin initialises its index, admin's password
			// hash included, from the demo configuration on first start
			// only; later starts read the index in the data directory.
			name: "opensearch", image: "opensearchproject/opensearch:2.13.0", alwaysAuth: true, inData: true, volume: true, urlCarries: true,
			variable: "OS_ADMIN_PASSWORD",
			env: func(pw manifest.Value) map[string]manifest.Value {
				return envWith(pw, nil, "OPENSEARCH_INITIAL_ADMIN_PASSWORD")
			},
			cmd: noCmd, carried: fromEnv("OPENSEARCH_INITIAL_ADMIN_PASSWORD"),
		},
		{
			name: "minio", image: "minio/minio:RELEASE.2024-01-01T00-00-00Z", alwaysAuth: true, volume: true,
			variable: "S3_SECRET",
			env: func(pw manifest.Value) map[string]manifest.Value {
				return envWith(pw, map[string]string{"MINIO_ROOT_USER": "app"}, "MINIO_ROOT_PASSWORD")
			},
			cmd: func(manifest.Value) []manifest.Value {
				return []manifest.Value{manifest.Text("server"), manifest.Text("/data")}
			},
			carried: fromEnv("MINIO_ROOT_PASSWORD"),
		},
		{
			// A third-party image parity does not know: it gets the manifest's
			// values as they are, and a variable only a backing service binds.
			name: "generic", image: "acme/admin-ui:2.1",
			variable: "ADMIN_PASSWORD",
			env: func(pw manifest.Value) map[string]manifest.Value {
				return envWith(pw, map[string]string{"ADMIN_USER": "app"}, "ADMIN_PASSWORD")
			},
			cmd: noCmd, carried: fromEnv("ADMIN_PASSWORD"),
		},
	}
}

// The ways a manifest gives the password.
const (
	authNone    = "none"    // it names none
	authLiteral = "literal" // committed in the manifest
	authVar     = "var"     // ${VAR}, unset on this machine: generated per variable
	authDotenv  = "dotenv"  // ${VAR} set in .env: the value arrives literal
	authChanged = "changed" // a literal, changed between the two runs
)

// The lifecycle step between the two runs.
const (
	stepDown        = "down-up"
	stepStop        = "stop-up"
	stepDownVolumes = "down-volumes-up"
)

const (
	literalPassword = "Lit3ral:p@ss/1" // needs escaping in a URL
	changedPassword = "Chang3d-Lit3ral-2"
	dotenvPassword  = "D0tenv-pw-3"
	lifecycleProj   = "life"
)

// lifecycleRun is one `parity up` of a cell: the manifest and the
// developer's .env it runs with.
type lifecycleRun struct {
	proj   *manifest.Project
	dotenv map[string]string
}

// lifecycleProject is the project of a cell: the service "svc" of kind k
// with the password given as auth says (password is the literal's text),
// and an app whose variable of the same name reads it. A generic service
// whose variable is unset shares it with a Postgres that binds it.
func lifecycleProject(k lifecycleKind, auth, password string) lifecycleRun {
	var pw manifest.Value
	run := lifecycleRun{dotenv: map[string]string{}}
	proj := &manifest.Project{Name: lifecycleProj, Files: []string{"/src/life/compose.yaml"}}
	appEnv := map[string]manifest.Value{}
	switch auth {
	case authLiteral, authChanged:
		pw = manifest.Text(password)
		appEnv[k.variable] = pw
	case authVar:
		pw = manifest.Unset(k.variable)
		appEnv[k.variable] = pw
		proj.Unset = []string{k.variable}
	case authDotenv:
		// Compose substitutes the .env value everywhere the manifest
		// writes ${VAR}; the app's .env layer has it too.
		pw = manifest.Text(password)
		appEnv[k.variable] = pw
		run.dotenv[k.variable] = password
	}
	image := k.image
	if pw != nil && k.authImage != "" {
		image = k.authImage
	}
	proj.Services = append(proj.Services,
		manifest.Service{Name: "app", Build: true, Environment: appEnv},
		manifest.Service{Name: "svc", Image: image, Environment: k.env(pw), Command: k.cmd(pw)},
	)
	if k.name == "generic" && auth == authVar {
		proj.Services = append(proj.Services, manifest.Service{Name: "db", Image: "postgres:16", Environment: map[string]manifest.Value{
			"POSTGRES_PASSWORD": manifest.Unset(k.variable),
		}})
	}
	run.proj = proj
	return run
}

// lifecycleSession is a session of run on f with the project's state in stateDir.
func lifecycleSession(t *testing.T, run lifecycleRun, f *docker.Fake, stateDir string) *Session {
	t.Helper()
	for _, svc := range run.proj.Services {
		if svc.Image != "" {
			f.AddRegistryImage(stacks.MirrorRef(svc.Image, "127.0.0.1:5959"), "sha256:"+svc.Name)
		}
	}
	s := testSession(t, run.proj, f, &recorder{}, stateDir)
	s.dotenv = run.dotenv
	return s
}

// observed is what one run left: the container of svc and the password
// it carries, the app's environment, the data volume.
type observed struct {
	id       string
	spec     docker.ContainerSpec
	password string
	identity string
	env      map[string]EnvVar
	volume   *docker.Volume
}

func containerEnv(spec docker.ContainerSpec) map[string]string {
	env := map[string]string{}
	for _, kv := range spec.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return env
}

// observe reads what an up of s left and checks that the container, the
// plan, the app's variables and the volume's label agree on one password.
func observe(t *testing.T, k lifecycleKind, s *Session, f *docker.Fake) observed {
	t.Helper()
	ctx := context.Background()
	var o observed
	o.id = s.id("svc")
	spec, ok := f.Spec(o.id)
	if !ok {
		t.Fatalf("no container for svc (id %q)", o.id)
	}
	o.spec = spec
	cenv := containerEnv(spec)
	o.password = k.carried(cenv, spec.Cmd)
	if k.identity != nil {
		o.identity = k.identity(cenv)
	}
	ps := s.plan.service("svc")
	if ps.Role == RoleBacking && ps.Credentials.Password != o.password {
		t.Errorf("the container is configured with password %q, the plan (probe, URLs) with %q", o.password, ps.Credentials.Password)
	}

	vars, _, err := s.Env(ctx)
	if err != nil {
		t.Fatal(err)
	}
	o.env = envMap(vars)
	checkAppEnv(t, k, o)

	if k.volume {
		vol, err := f.Volume(ctx, volumeName(lifecycleProj, "svc"))
		if err != nil {
			t.Fatalf("data volume: %v", err)
		}
		o.volume = &vol
	}
	return o
}

// checkAppEnv checks that every variable of the app that carries svc's
// password carries the container's.
func checkAppEnv(t *testing.T, k lifecycleKind, o observed) {
	t.Helper()
	pw := o.password
	if k.name != "generic" {
		if got, ok := o.env["SVC_PASSWORD"]; pw != "" && got.Value != pw {
			t.Errorf("SVC_PASSWORD = %q, want the container's %q", got.Value, pw)
		} else if pw == "" && ok && got.Value != "" {
			t.Errorf("SVC_PASSWORD = %q for a service without a password", got.Value)
		}
		u := o.env["SVC_URL"].Value
		if u == "" {
			t.Errorf("no SVC_URL")
		}
		if got, has := urlPassword(u); pw == "" && has {
			t.Errorf("SVC_URL %s has a password, the service none", u)
		} else if pw != "" && k.urlCarries && got != pw {
			t.Errorf("SVC_URL %s carries password %q, want the container's %q", u, got, pw)
		}
	}
	if k.variable != "" {
		if v, ok := o.env[k.variable]; ok && v.Value != pw {
			t.Errorf("the app's %s = %q, want the container's %q", k.variable, v.Value, pw)
		}
	}
	// Every other variable that points at svc and holds a password: the
	// conventional ones (DATABASE_URL, AWS_SECRET_ACCESS_KEY...).
	for _, v := range o.env {
		if v.Service != "svc" || v.Value == "" {
			continue
		}
		if got, has := urlPassword(v.Value); has && got != pw {
			t.Errorf("%s = %s carries password %q, want the container's %q", v.Key, v.Value, got, pw)
		} else if !has && v.Secret && stacks.IsPasswordVar(v.Key) && v.Value != pw {
			t.Errorf("secret %s = %q, want the container's password %q", v.Key, v.Value, pw)
		}
	}
}

// urlPassword is the password a URL carries (a NATS token stands as the
// user), and whether it carries one.
func urlPassword(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || u.User == nil || u.Scheme == "" {
		return "", false
	}
	if p, ok := u.User.Password(); ok {
		return p, true
	}
	if u.Scheme == "nats" && u.User.Username() != "" {
		return u.User.Username(), true
	}
	return "", false
}

// stepBetween runs the lifecycle step between the two ups.
func stepBetween(t *testing.T, step string, f *docker.Fake, stateDir string) {
	t.Helper()
	ctx := context.Background()
	switch step {
	case stepDown, stepDownVolumes:
		if _, err := down(ctx, f, stateDir, lifecycleProj, nil, step == stepDownVolumes); err != nil {
			t.Fatalf("down: %v", err)
		}
	case stepStop:
		// `docker stop` of every container, behind parity's back.
		cs, err := f.Containers(ctx, map[string]string{LabelProject: lifecycleProj})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if err := f.Stop(ctx, c.ID, 10*time.Second); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func volumeCreates(f *docker.Fake, name string) int {
	n := 0
	for _, c := range f.Calls() {
		if c.Method == "CreateVolume" && c.Arg == name {
			n++
		}
	}
	return n
}

func TestLifecyclePasswordsDataAndAppAgreeForEveryKind(t *testing.T) {
	kinds := lifecycleKinds()
	// Every kind parity knows, and a container it does not.
	covered := map[string]bool{}
	for _, k := range kinds {
		covered[kindOf(k)] = true
	}
	for _, st := range append(stacks.All(), stacks.Generic(0)) {
		if !covered[st.Kind()] {
			t.Errorf("kind %s has no row in the matrix", st.Kind())
		}
	}
	for _, k := range kinds {
		auths := []string{authNone, authLiteral, authVar, authDotenv, authChanged}
		if k.noAuth {
			auths = []string{authNone}
		}
		for _, auth := range auths {
			for _, step := range []string{stepDown, stepStop, stepDownVolumes} {
				t.Run(k.name+"/"+auth+"/"+step, func(t *testing.T) {
					lifecycleCell(t, k, auth, step)
				})
			}
		}
	}
}

func kindOf(k lifecycleKind) string {
	if st := stacks.ForImage(k.image); st != nil {
		return st.Kind()
	}
	return "generic"
}

func lifecycleCell(t *testing.T, k lifecycleKind, auth, step string) {
	ctx := context.Background()
	f := docker.NewFake()
	stateDir := t.TempDir()
	first := literalPassword
	if auth == authDotenv {
		first = dotenvPassword
	}

	s1 := lifecycleSession(t, lifecycleProject(k, auth, first), f, stateDir)
	if err := s1.startAndWait(ctx); err != nil {
		t.Fatalf("first up: %v", err)
	}
	o1 := observe(t, k, s1, f)
	checkFirstPassword(t, k, auth, first, o1, stateDir)
	if o1.volume != nil && kindOf(k) != "generic" {
		if got, want := o1.volume.Labels[LabelSecretHash], secretHash(o1.password); got != want {
			t.Errorf("volume labelled with secret hash %s, want %s, the hash of the password the container got", got, want)
		}
	}

	stepBetween(t, step, f, stateDir)

	second := first
	if auth == authChanged {
		second = changedPassword
	}
	s2 := lifecycleSession(t, lifecycleProject(k, auth, second), f, stateDir)
	err := s2.startAndWait(ctx)
	vol := volumeName(lifecycleProj, "svc")

	if auth == authChanged && k.inData && k.volume && step != stepDownVolumes {
		// The data keeps its first password: starting it with another
		// would leave the app and the probe locked out.
		if err == nil {
			t.Fatalf("second up with another password on data initialised with the first one succeeded; want a refusal")
		}
		for _, want := range []string{vol, "svc", "parity down --volumes", "set it back"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("refusal %q does not name %q", err, want)
			}
		}
		if step == stepStop {
			if _, ierr := f.Inspect(ctx, o1.id); ierr != nil {
				t.Errorf("the refused up removed the stopped container: %v", ierr)
			}
		}
		if n := f.CallCount("Create"); n != 1 {
			t.Errorf("%d containers created, want only the first run's: the refusal comes before any", n)
		}
		return
	}
	if err != nil {
		t.Fatalf("second up: %v", err)
	}
	o2 := observe(t, k, s2, f)

	switch {
	case auth == authChanged:
		if o2.password != changedPassword {
			t.Errorf("second run's container has password %q, want the manifest's new %q", o2.password, changedPassword)
		}
	case step == stepDownVolumes && o1.password != "" && (auth == authVar || auth == authNone):
		// The generated password went with its data; a new one is made.
		if o2.password == o1.password || o2.password == "" {
			t.Errorf("after down --volumes the generated password is %q, want a new one (was %q)", o2.password, o1.password)
		}
	default:
		if o2.password != o1.password {
			t.Errorf("second run's container has password %q, want the first run's %q", o2.password, o1.password)
		}
	}
	if k.identity != nil && step != stepDownVolumes && o2.identity != o1.identity {
		t.Errorf("data identity changed from %q to %q while the data was kept", o1.identity, o2.identity)
	}

	if step == stepStop && o2.id != o1.id && auth != authChanged {
		t.Errorf("after docker stop, up created a new container instead of starting the stopped one")
	}
	if c, err := f.Inspect(ctx, o2.id); err != nil || !c.Running {
		t.Errorf("svc's container after the second up: running=%v err=%v", c.Running, err)
	}
	if k.volume {
		wantCreates := 1
		if step == stepDownVolumes {
			wantCreates = 2
		}
		if got := volumeCreates(f, vol); got != wantCreates {
			t.Errorf("volume %s created %d times, want %d", vol, got, wantCreates)
		}
		if len(o2.spec.Mounts) == 0 || o2.spec.Mounts[0].Source != vol {
			t.Errorf("svc mounts %+v, want its data volume %s", o2.spec.Mounts, vol)
		}
		wantHash := secretHash(o2.password)
		if auth == authChanged && step != stepDownVolumes {
			wantHash = secretHash(o1.password) // the data's first password
		}
		if got := o2.volume.Labels[LabelSecretHash]; got != wantHash {
			t.Errorf("volume labelled with secret hash %s, want %s", got, wantHash)
		}
	}
}

// checkFirstPassword checks the password the first run chose, by where
// the manifest gives it.
func checkFirstPassword(t *testing.T, k lifecycleKind, auth, given string, o observed, stateDir string) {
	t.Helper()
	sf, err := openState(context.Background(), stateDir, lifecycleProj, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sf.Close()
	switch auth {
	case authNone:
		switch {
		case k.alwaysAuth:
			if o.password == "" || !strings.Contains(o.password, sf.Secrets["svc"]) {
				t.Errorf("password %q, want one generated from svc's remembered secret %q", o.password, sf.Secrets["svc"])
			}
		case o.password != "":
			t.Errorf("password %q for a manifest that names none", o.password)
		}
	case authLiteral, authChanged, authDotenv:
		if o.password != given {
			t.Errorf("password %q, want the manifest's %q", o.password, given)
		}
	case authVar:
		if o.password == "" || o.password != sf.VarSecrets[k.variable] {
			t.Errorf("password %q, want the secret generated for ${%s} (%q)", o.password, k.variable, sf.VarSecrets[k.variable])
		}
		if v := o.env[k.variable]; v.Value != o.password {
			t.Errorf("the app's %s = %q, want the container's %q", k.variable, v.Value, o.password)
		}
	}
}

// sharedProject runs three kinds on one unset password variable, as a
// manifest does where ops set one secret for all of them, and an app that
// reads the variable and URLs built from it.
func sharedProject() lifecycleRun {
	pw := manifest.Unset("SHARED_PASSWORD")
	return lifecycleRun{dotenv: map[string]string{}, proj: &manifest.Project{
		Name: lifecycleProj, Files: []string{"/src/life/compose.yaml"}, Unset: []string{"SHARED_PASSWORD"},
		Services: []manifest.Service{
			{Name: "app", Build: true, Environment: map[string]manifest.Value{
				"SHARED_PASSWORD": pw,
				"DATABASE_URL":    tv("postgres://app:${SHARED_PASSWORD}@db:5432/app"),
				"AMQP_URL":        tv("amqp://app:${SHARED_PASSWORD}@mq:5672/"),
			}},
			{Name: "cache", Image: "redis:7", Command: tcmd([]string{"redis-server", "--requirepass", "${SHARED_PASSWORD}"})},
			{Name: "db", Image: "postgres:16", Environment: map[string]manifest.Value{
				"POSTGRES_USER": manifest.Text("app"), "POSTGRES_PASSWORD": pw,
			}},
			{Name: "mq", Image: "rabbitmq:3.13", Environment: map[string]manifest.Value{
				"RABBITMQ_DEFAULT_USER": manifest.Text("app"), "RABBITMQ_DEFAULT_PASS": pw,
			}},
		},
	}}
}

// sharedPasswords checks invariant I1 on a run of sharedProject: every
// service and every app variable has the one password, which it returns.
func sharedPasswords(t *testing.T, s *Session, f *docker.Fake) string {
	t.Helper()
	var names []string
	for _, ps := range s.plan.containers() {
		names = append(names, ps.Name)
	}
	if len(names) < 2 {
		t.Fatalf("services %v: nothing shares the variable", names)
	}
	carried := map[string]func(map[string]string, []string) string{
		"cache": argAfter("--requirepass"), "db": fromEnv("POSTGRES_PASSWORD"), "mq": fromEnv("RABBITMQ_DEFAULT_PASS"),
	}
	var pw string
	for _, name := range names {
		spec, ok := f.Spec(s.id(name))
		if !ok {
			t.Fatalf("no container for %s", name)
		}
		got := carried[name](containerEnv(spec), spec.Cmd)
		if pw == "" {
			pw = got
		}
		if got == "" || got != pw {
			t.Errorf("%s has password %q, cache %q: one variable, one password", name, got, pw)
		}
		if c := s.plan.service(name).Credentials.Password; c != got {
			t.Errorf("%s's plan has password %q, its container %q", name, c, got)
		}
		if !stacks.CredentialsInData(s.plan.service(name).Stack.Kind()) {
			continue // its volume's label is of no consequence
		}
		if vol, err := f.Volume(context.Background(), volumeName(lifecycleProj, name)); err != nil || vol.Labels[LabelSecretHash] != secretHash(got) {
			t.Errorf("%s's volume: labels %v, err %v; want the hash of %q", name, vol.Labels, err, got)
		}
	}
	vars, _, err := s.Env(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	env := envMap(vars)
	if env["SHARED_PASSWORD"].Value != pw {
		t.Errorf("the app's SHARED_PASSWORD = %q, the services' %q", env["SHARED_PASSWORD"].Value, pw)
	}
	urls := []string{"DATABASE_URL"}
	if s.plan.service("mq") != nil {
		urls = append(urls, "AMQP_URL")
	}
	for _, name := range names {
		urls = append(urls, envName(name)+"_URL")
	}
	for _, k := range urls {
		if got, _ := urlPassword(env[k].Value); got != pw {
			t.Errorf("%s = %s carries %q, want %q", k, env[k].Value, got, pw)
		}
	}
	for _, name := range names {
		if k := envName(name) + "_PASSWORD"; env[k].Value != pw {
			t.Errorf("%s = %q, want %q", k, env[k].Value, pw)
		}
	}
	return pw
}

// I1 through the lifecycle: services sharing an unset password variable
// get one password, the app's variable of that name is it, and it lives
// as long as the data.
func TestLifecycleSharedPasswordVariable(t *testing.T) {
	for _, step := range []string{stepDown, stepStop, stepDownVolumes} {
		t.Run(step, func(t *testing.T) {
			ctx := context.Background()
			f := docker.NewFake()
			stateDir := t.TempDir()
			s1 := lifecycleSession(t, sharedProject(), f, stateDir)
			if err := s1.startAndWait(ctx); err != nil {
				t.Fatalf("first up: %v", err)
			}
			pw1 := sharedPasswords(t, s1, f)
			stepBetween(t, step, f, stateDir)
			s2 := lifecycleSession(t, sharedProject(), f, stateDir)
			if err := s2.startAndWait(ctx); err != nil {
				t.Fatalf("second up: %v", err)
			}
			pw2 := sharedPasswords(t, s2, f)
			if step == stepDownVolumes && pw2 == pw1 {
				t.Errorf("after down --volumes the shared password is still %q, want a new one", pw1)
			}
			if step != stepDownVolumes && pw2 != pw1 {
				t.Errorf("shared password changed from %q to %q while the data was kept", pw1, pw2)
			}
		})
	}
}

// A project whose state predates per-variable secrets has each service's
// own generated password, and its data initialised with it. When services
// share the variable, the one whose data keeps its password must keep it;
// the others read theirs at every start and take it.
func TestLifecycleSharedVariableFromOlderStateKeepsTheDatasPassword(t *testing.T) {
	ctx := context.Background()
	f := docker.NewFake()
	stateDir := t.TempDir()
	// Redis, first by name, reads its password at every start; Postgres
	// keeps the one its data was initialised with.
	run := sharedProject()
	run.proj.Services = slices.DeleteFunc(run.proj.Services, func(svc manifest.Service) bool { return svc.Name == "mq" })
	delete(run.proj.Services[0].Environment, "AMQP_URL")
	s1 := lifecycleSession(t, run, f, stateDir)
	if err := s1.startAndWait(ctx); err != nil {
		t.Fatalf("first up: %v", err)
	}
	// Rewrite the state and the labels as an older parity left them: a
	// password per service, the volumes initialised with each.
	sf, err := openState(context.Background(), stateDir, lifecycleProj, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := map[string]string{"cache": "CacheOwnSecret1", "db": "DbOwnSecret2"}
	sf.Secrets, sf.VarSecrets = map[string]string{}, map[string]string{}
	for name, secret := range old {
		sf.Secrets[name] = secret
	}
	if err := sf.Save(); err != nil {
		t.Fatal(err)
	}
	sf.Close()
	if _, err := down(ctx, f, stateDir, lifecycleProj, nil, false); err != nil {
		t.Fatal(err)
	}
	for name, secret := range old {
		vol := volumeName(lifecycleProj, name)
		if err := f.RemoveVolume(ctx, vol); err != nil {
			t.Fatal(err)
		}
		if err := f.CreateVolume(ctx, vol, map[string]string{LabelProject: lifecycleProj, LabelService: name, LabelSecretHash: secretHash(secret)}); err != nil {
			t.Fatal(err)
		}
	}

	s2 := lifecycleSession(t, run, f, stateDir)
	if err := s2.startAndWait(ctx); err != nil {
		t.Fatalf("up on an older project's data: %v", err)
	}
	if pw := sharedPasswords(t, s2, f); pw != old["db"] {
		t.Errorf("shared password %q, want db's %q, which its data was initialised with", pw, old["db"])
	}
}
