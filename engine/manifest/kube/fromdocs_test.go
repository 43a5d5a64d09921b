package kube

import (
	"strings"
	"testing"

	"github.com/parity-dev/parity/engine/manifest"
)

const secretDoc = `apiVersion: v1
kind: Secret
metadata:
  name: db
stringData:
  user: app
  password: %s
`

const dbDoc = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
        - name: db
          image: postgres:15.4
          env:
            - name: POSTGRES_USER
              valueFrom: {secretKeyRef: {name: db, key: user}}
            - name: POSTGRES_PASSWORD
              valueFrom: {secretKeyRef: {name: db, key: password}}
`

// A value a template makes anew at each render (Helm's randAlphaNum) is
// production's own secret: an unset variable, not the text one render made.
func TestFromRenderingsGeneratedSecret(t *testing.T) {
	render := func(pw string) []Document {
		return []Document{
			{Origin: "chart/templates/secret.yaml", Data: []byte(strings.Replace(secretDoc, "%s", pw, 1))},
			{Origin: "chart/templates/db.yaml", Data: []byte(dbDoc)},
		}
	}
	p, err := FromRenderings(render("x8Gq2"), render("Lm03z"), manifest.SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	db := svcNamed(t, p, "db")
	wantEnv(t, db, map[string]string{"POSTGRES_USER": "app", "POSTGRES_PASSWORD": "${DB_PASSWORD}"})
	if db.Origin != "chart/templates/db.yaml:1" {
		t.Errorf("origin = %q", db.Origin)
	}
	wantWarning(t, p, "chart/templates/secret.yaml:1", "Secret db: password generated at each install")

	p, err = FromDocuments(render("fixed"), manifest.SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantEnv(t, svcNamed(t, p, "db"), map[string]string{"POSTGRES_PASSWORD": "fixed"})
}

func TestExpand(t *testing.T) {
	vars := map[string]manifest.Value{
		"USER": manifest.Text("app"),
		"PW":   manifest.Unset("DB_PASSWORD"),
	}
	lookup := func(name string) (manifest.Value, bool) { v, ok := vars[name]; return v, ok }
	for in, want := range map[string]string{
		"postgres://$(USER):$(PW)@db/x": "postgres://app:${DB_PASSWORD}@db/x",
		"$$(USER)":                      "$(USER)",
		"$(NOPE) $(USER":                "$(NOPE) $(USER",
		"cost $5 $":                     "cost $5 $",
		"":                              "",
	} {
		if got := show(expand(in, lookup)); got != want {
			t.Errorf("expand(%q) = %q; want %q", in, got, want)
		}
	}
	v := expand("a$(PW)b", lookup)
	if len(v) != 3 || v[1].Unset != "DB_PASSWORD" {
		t.Errorf("expand keeps the unset variable as its own part: %#v", v)
	}
}

func TestUnsetName(t *testing.T) {
	for in, want := range map[[2]string]string{
		{"db-credentials", "password"}: "DB_CREDENTIALS_PASSWORD",
		{"shop.db", "redis-url"}:       "SHOP_DB_REDIS_URL",
		{"1password", "token"}:         "_1PASSWORD_TOKEN",
	} {
		if got := unsetName(in[0], in[1]); got != want {
			t.Errorf("unsetName(%q, %q) = %q; want %q", in[0], in[1], got, want)
		}
	}
}

// A Service that listens on another port than its pods' is reproduced by
// name only: the app's URL naming the Service's port is warned about.
func TestServicePortMapping(t *testing.T) {
	docs := []Document{{Origin: "k8s/all.yaml", Data: []byte(`apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  selector: {app: db}
  ports: [{port: 6543, targetPort: 5432}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db}
spec:
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: pg, image: "postgres:15.4", ports: [{containerPort: 5432}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: acme/web:1
          env: [{name: DATABASE_URL, value: "postgres://u:p@db:6543/x"}]
        - name: sql-proxy
          image: gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.8.0
`)}}
	p, err := FromDocuments(docs, manifest.SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantWarning(t, p, "k8s/all.yaml:1", "Service db forwards port 6543 to port 5432", "DATABASE_URL names db:6543")
	wantWarning(t, p, "k8s/all.yaml:17", "cloud-sql-proxy")
	if s := p.Service("web"); s == nil || !s.App {
		t.Errorf("web (its proxy sidecar left out) is not the app: %+v", p.Services)
	}
}
