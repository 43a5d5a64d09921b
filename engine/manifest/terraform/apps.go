package terraform

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/parity-dev/parity/engine/manifest"
	"github.com/zclconf/go-cty/cty"
)

// appTypes are the resource types that run the team's own code; their
// environment is the app's production environment.
var appTypes = map[string]bool{
	"aws_ecs_task_definition":     true,
	"aws_lambda_function":         true,
	"aws_apprunner_service":       true,
	"google_cloud_run_v2_service": true,
	"google_cloud_run_service":    true,
	"kubernetes_deployment":       true,
	"kubernetes_deployment_v1":    true,
}

// container is one container of an app resource, as parity reads it.
type container struct {
	name  string
	image cty.Value
	env   []envEntry
}

// envEntry is one environment variable: a value, or a secret reference
// (ref names where production reads it from; "" when it is a plain value).
type envEntry struct {
	name   string
	value  cty.Value
	secret bool
	ref    string
}

// appServices makes the app services of one app resource instance.
func (e *evaluator) appServices(inst *instance) []manifest.Service {
	var cs []container
	w := inst.val
	switch inst.r.typ {
	case "aws_ecs_task_definition":
		cs = e.ecsContainers(inst)
	case "aws_lambda_function":
		c := container{name: inst.name, image: get(w, "image_uri")}
		c.env = mapEntries(get(w, "environment", 0, "variables"))
		cs = []container{c}
	case "aws_apprunner_service":
		img := get(w, "source_configuration", 0, "image_repository", 0)
		c := container{name: inst.name, image: get(img, "image_identifier")}
		c.env = mapEntries(get(img, "image_configuration", 0, "runtime_environment_variables"))
		for _, s := range mapEntries(get(img, "image_configuration", 0, "runtime_environment_secrets")) {
			s.secret, s.ref = true, stringOr(s.value)
			c.env = append(c.env, s)
		}
		code := get(w, "source_configuration", 0, "code_repository", 0, "code_configuration", 0, "code_configuration_values", 0)
		c.env = append(c.env, mapEntries(get(code, "runtime_environment_variables"))...)
		cs = []container{c}
	case "google_cloud_run_v2_service":
		cs = containersOf(get(w, "template", 0, "containers"), inst.name, "value_source")
	case "google_cloud_run_service":
		cs = containersOf(get(w, "template", 0, "spec", 0, "containers"), inst.name, "value_from")
	case "kubernetes_deployment", "kubernetes_deployment_v1":
		cs = containersOf(get(w, "spec", 0, "template", 0, "spec", 0, "container"), inst.name, "value_from")
	}
	var out []manifest.Service
	for _, c := range cs {
		svc := manifest.Service{Name: serviceName(c.name), App: true, Origin: e.l.line(inst.r.defRange)}
		if s, ok := str(c.image); ok {
			if v, ok := e.secrets.value(s); ok && v.Literal() {
				svc.Image = v.String()
			}
		}
		env := map[string]manifest.Value{}
		for _, en := range c.env {
			if en.name == "" {
				continue
			}
			if en.secret {
				env[en.name] = e.secretValue(en)
				continue
			}
			if !isSet(en.value) {
				continue
			}
			v, ok := e.valueOf(en.value)
			if !ok {
				e.l.warn("%s: %s of %s cannot be evaluated without applying; left out of the app's environment", e.l.line(inst.r.defRange), en.name, inst.r.addr())
				continue
			}
			env[en.name] = v
		}
		if len(env) > 0 {
			svc.Environment = env
		}
		out = append(out, svc)
	}
	return out
}

// ecsContainers reads an ECS task definition's container_definitions, a
// JSON document written with jsonencode(...), a heredoc or file().
func (e *evaluator) ecsContainers(inst *instance) []container {
	raw, ok := str(get(inst.val, "container_definitions"))
	if !ok {
		e.l.warn("%s; the task's containers are not read", inst.explain("container_definitions"))
		return nil
	}
	if strings.EqualFold(strings.TrimSpace(raw), unknownToken) {
		e.l.warn("%s: container_definitions of %s cannot be evaluated without applying; the task's containers are not read", e.l.line(inst.r.defRange), inst.r.addr())
		return nil
	}
	var defs []struct {
		Name        string `json:"name"`
		Image       any    `json:"image"`
		Environment []struct {
			Name  string `json:"name"`
			Value any    `json:"value"`
		} `json:"environment"`
		Secrets []struct {
			Name      string `json:"name"`
			ValueFrom string `json:"valueFrom"`
		} `json:"secrets"`
		// FirelensConfiguration marks the task's log router (aws-for-fluent-bit).
		FirelensConfiguration any `json:"firelensConfiguration"`
	}
	if err := json.Unmarshal([]byte(raw), &defs); err != nil {
		e.l.warn("%s: container_definitions of %s is not a JSON list of containers (%v); the task's containers are not read", e.l.line(inst.r.defRange), inst.r.addr(), err)
		return nil
	}
	var cs []container
	for _, d := range defs {
		if d.FirelensConfiguration != nil {
			continue // a sidecar shipping the app's logs, not the team's code
		}
		c := container{name: cmpOr(d.Name, inst.name), image: jsonScalar(d.Image)}
		for _, en := range d.Environment {
			c.env = append(c.env, envEntry{name: en.Name, value: jsonScalar(en.Value)})
		}
		for _, s := range d.Secrets {
			c.env = append(c.env, envEntry{name: s.Name, secret: true, ref: s.ValueFrom})
		}
		cs = append(cs, c)
	}
	return cs
}

// jsonScalar is a decoded JSON scalar as a cty value (null for anything else).
func jsonScalar(v any) cty.Value {
	switch x := v.(type) {
	case string:
		return cty.StringVal(x)
	case float64:
		return cty.StringVal(strings.TrimSuffix(fmt.Sprintf("%v", x), ".0"))
	case bool:
		return cty.BoolVal(x)
	}
	return cty.NullVal(cty.String)
}

// containersOf reads containers written as blocks (Cloud Run, Kubernetes),
// each with env blocks of name and value, or a secret reference in refAttr.
func containersOf(list cty.Value, fallback, refAttr string) []container {
	var cs []container
	for i, c := range elems(list) {
		name, _ := str(get(c, "name"))
		if name == "" {
			name = fallback
			if i > 0 {
				name = fmt.Sprintf("%s-%d", fallback, i)
			}
		}
		out := container{name: name, image: get(c, "image")}
		for _, en := range elems(get(c, "env")) {
			n, _ := str(get(en, "name"))
			entry := envEntry{name: n, value: get(en, "value")}
			if ref := get(en, refAttr); isSet(ref) && len(elems(ref)) > 0 {
				entry.secret = true
				entry.ref = secretRefName(get(ref, 0))
			}
			out.env = append(out.env, entry)
		}
		cs = append(cs, out)
	}
	return cs
}

// secretRefName is the name of the secret a Kubernetes or Cloud Run
// reference points at (secret_key_ref's name/secret), "" when unnamed.
func secretRefName(ref cty.Value) string {
	for _, path := range [][]any{{"secret_key_ref", 0, "secret"}, {"secret_key_ref", 0, "name"}} {
		if s, ok := str(get(ref, path...)); ok {
			return s
		}
	}
	return ""
}

// mapEntries is a map or object attribute as environment entries, by name.
func mapEntries(v cty.Value) []envEntry {
	if !isSet(v) || !v.IsKnown() || !(v.Type().IsMapType() || v.Type().IsObjectType()) {
		return nil
	}
	var out []envEntry
	for it := v.ElementIterator(); it.Next(); {
		k, val := it.Element()
		out = append(out, envEntry{name: k.AsString(), value: val})
	}
	return out
}

func stringOr(v cty.Value) string {
	s, _ := str(v)
	return s
}

// secretValue is the value of an environment variable production reads
// from a secret store. A reference to a secret this configuration fills
// (a Secrets Manager secret whose version is a random_password, an RDS
// managed master password) is that secret's unset variable, the same one
// the database's password is; any other is an unset variable named after
// the environment variable.
func (e *evaluator) secretValue(en envEntry) manifest.Value {
	if v, ok := e.secrets.value(en.ref); ok {
		if names := v.UnsetVars(); len(names) > 0 {
			return manifest.Unset(names[0])
		}
	}
	if v, ok := e.secretStoreValue(en.ref); ok {
		return v
	}
	return manifest.Unset(envName(en.name))
}

// secretStoreValue resolves a valueFrom naming a secret or parameter of
// this configuration ("parity:aws_secretsmanager_secret.db" or that with
// ":json-key::" after it) to the value its version holds.
func (e *evaluator) secretStoreValue(ref string) (manifest.Value, bool) {
	if !strings.HasPrefix(ref, "parity:") {
		return nil, false
	}
	id, rest, _ := strings.Cut(strings.TrimPrefix(ref, "parity:"), ":")
	id = "parity:" + id
	key, _, _ := strings.Cut(rest, ":")
	for _, s := range e.scopes {
		for _, st := range s.res {
			for _, o := range st.insts {
				var holder cty.Value
				switch {
				case o.r.typ == "aws_secretsmanager_secret_version" && !o.r.data && stringOr(get(o.val, "secret_id")) == id:
					holder = secretAttr(o.val, "secret_string")
				case o.r.typ == "aws_ssm_parameter" && !o.r.data && localID(o) == id:
					holder = secretAttr(o.val, "value")
				default:
					continue
				}
				text, ok := str(holder)
				if !ok {
					return nil, false
				}
				if key != "" {
					var doc map[string]any
					if json.Unmarshal([]byte(text), &doc) != nil {
						return nil, false
					}
					field, ok := str(jsonScalar(doc[key]))
					if !ok {
						return nil, false
					}
					text = field
				}
				return e.secrets.value(text)
			}
		}
	}
	return nil, false
}
