package engine

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/parity-dev/parity/engine/docker"
	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/engine/volumes"
)

func withName(p *manifest.Project, name string) *manifest.Project {
	p.Name = name
	return p
}

// The first cold start of a kind whose passwords parity can change keeps
// its data as a template; a second project with other passwords gets a
// copy, is told so, and owes its data a password change (done by the
// probe, which these tests replace) before it is reported ready.
func TestASecondProjectCopiesTheFirstOnesTemplateAndNotesItsPasswords(t *testing.T) {
	f := fakeWithImages()
	first := testSession(t, withName(quickstart(), "one"), f, &recorder{}, "")
	first.opts.NoTemplates = false
	up(t, first)
	tmpl, err := f.Volumes(context.Background(), map[string]string{volumes.LabelTemplate: ""})
	if err != nil {
		t.Fatal(err)
	}
	if len(tmpl) != 1 || tmpl[0].Labels[volumes.LabelTemplateKind] != "postgres" {
		t.Fatalf("templates after the first cold start: %+v", tmpl)
	}
	if _, ok := tmpl[0].Labels[LabelProject]; ok {
		t.Errorf("a template carries a project label, so that project's down --volumes would remove it")
	}
	firstSecrets, _ := volumes.TemplateSecrets(tmpl[0])

	rec := &recorder{}
	second := testSession(t, withName(quickstart(), "two"), f, rec, "")
	second.opts.NoTemplates = false
	up(t, second)
	var said bool
	for _, ev := range rec.of(EventPhase, "db") {
		said = said || (ev.Phase == PhaseReady && ev.Reason == "from template")
	}
	if !said {
		t.Errorf("db's ready event does not say it came from the template: %+v", rec.of(EventPhase, "db"))
	}
	got := second.st.Rekey["db"]
	if got == nil || got["POSTGRES_PASSWORD"] != firstSecrets["POSTGRES_PASSWORD"] {
		t.Errorf("the copy's passwords are not noted for the change: %v, template has %v", got, firstSecrets)
	}
	if own := secretValues(second.currentPlan().service("db")); own["POSTGRES_PASSWORD"] == firstSecrets["POSTGRES_PASSWORD"] {
		t.Errorf("the second project's db has the first one's password")
	}
	if o := second.st.Origins["db"]; o.From != "template" || o.Name != tmpl[0].Name {
		t.Errorf("db's origin: %+v", o)
	}
	if o := second.st.Origins["cache"]; o.From != "initialised" {
		t.Errorf("cache (no template for its kind) origin: %+v", o)
	}
}

// The key leaves out the passwords (each project has its own) and keeps
// what decides the initialised data.
func TestTheTemplateKeyIgnoresPasswordsAndSeesInitSettings(t *testing.T) {
	f := fakeWithImages()
	f.AddImage("127.0.0.1:5959/library/postgres:15.4", "sha256:aaa")
	ctx := context.Background()
	key := func(p *Session) string {
		t.Helper()
		sf, err := p.prepare(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sf.Close()
		k, err := p.templateKey(ctx, p.currentPlan().service("db"))
		if err != nil || k == "" {
			t.Fatalf("key %q, %v", k, err)
		}
		return k
	}
	a := testSession(t, withName(quickstart(), "a"), f, &recorder{}, "")
	b := testSession(t, withName(quickstart(), "b"), f, &recorder{}, "")
	a.opts.NoTemplates, b.opts.NoTemplates = false, false
	if key(a) != key(b) {
		t.Error("two projects differing only in passwords have different keys")
	}
	changed := withName(quickstart(), "c")
	for i := range changed.Services {
		if changed.Services[i].Name == "db" {
			changed.Services[i].Environment["POSTGRES_INITDB_ARGS"] = tenv(map[string]string{"x": "--locale=C"})["x"]
		}
	}
	c := testSession(t, changed, f, &recorder{}, "")
	c.opts.NoTemplates = false
	if key(c) == key(a) {
		t.Error("a changed POSTGRES_INITDB_ARGS kept the key")
	}
	a.opts.NoTemplates = true
	if k, _ := a.templateKey(ctx, a.currentPlan().service("db")); k != "" {
		t.Error("--no-templates still gave a key")
	}
	if k, _ := a.templateKey(ctx, a.currentPlan().service("cache")); k != "" {
		t.Error("redis (passwords on its command line, nothing to change in its data) got a key")
	}
}

// A template copy that fails leaves no volume behind: half a copy must not
// become the service's data on the next up.
func TestAFailedTemplateCopyLeavesNoVolume(t *testing.T) {
	f := fakeWithImages()
	first := testSession(t, withName(quickstart(), "one"), f, &recorder{}, "")
	first.opts.NoTemplates = false
	up(t, first)

	f.ScriptCopies()
	f.OnStart(func(c docker.Container) {
		if c.Labels[volumes.LabelHelper] == "copy" {
			f.Log(c.ID, "stderr", "cp: write error: No space left on device")
			f.Exit(c.ID, 1)
		}
	})
	second := testSession(t, withName(quickstart(), "two"), f, &recorder{}, "")
	second.opts.NoTemplates = false
	err := second.start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "No space left") {
		t.Fatalf("up with a failing copy: %v", err)
	}
	if _, err := f.Volume(context.Background(), "parity-two-db-data"); !errors.Is(err, docker.ErrNotFound) {
		t.Errorf("the half-copied volume is still there: %v", err)
	}
	if second.st.Rekey["db"] != nil {
		t.Errorf("a password change is still noted for data that is gone")
	}
}
