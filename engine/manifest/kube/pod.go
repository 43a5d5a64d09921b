package kube

import (
	"fmt"
	"maps"
	"strings"

	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/stacks"
)

type podTemplate struct {
	Metadata objectMeta `yaml:"metadata"`
	Spec     podSpec    `yaml:"spec"`
}

type podSpec struct {
	Containers []container `yaml:"containers"`
}

type container struct {
	Name    string          `yaml:"name"`
	Image   string          `yaml:"image"`
	Command []string        `yaml:"command"`
	Args    []string        `yaml:"args"`
	Env     []envVar        `yaml:"env"`
	EnvFrom []envFromSource `yaml:"envFrom"`
	Ports   []containerPort `yaml:"ports"`
}

type envVar struct {
	Name      string        `yaml:"name"`
	Value     string        `yaml:"value"`
	ValueFrom *envVarSource `yaml:"valueFrom"`
}

type envVarSource struct {
	SecretKeyRef    *keySelector `yaml:"secretKeyRef"`
	ConfigMapKeyRef *keySelector `yaml:"configMapKeyRef"`
	FieldRef        *struct {
		FieldPath string `yaml:"fieldPath"`
	} `yaml:"fieldRef"`
}

type keySelector struct {
	Name     string `yaml:"name"`
	Key      string `yaml:"key"`
	Optional bool   `yaml:"optional"`
}

type envFromSource struct {
	Prefix       string       `yaml:"prefix"`
	SecretRef    *keySelector `yaml:"secretRef"`
	ConfigMapRef *keySelector `yaml:"configMapRef"`
}

type containerPort struct {
	Name          string `yaml:"name"`
	ContainerPort int    `yaml:"containerPort"`
	Protocol      string `yaml:"protocol"`
}

// workload is a Deployment, StatefulSet, Job, CronJob or Pod: the pod
// it runs and how.
type workload struct {
	obj      *object
	pod      podTemplate
	replicas *int
	// serviceName is a StatefulSet's governing Service, which gives its
	// pods DNS names (postgres-0.postgres).
	serviceName string
	oneOff      bool // a Job or CronJob: runs to completion, not a server
}

// readWorkloads makes a service of each container that is a backing
// service or the team's own code.
func (r *reader) readWorkloads() {
	for _, o := range r.objs {
		w, ok := r.decodeWorkload(o)
		if !ok {
			continue
		}
		r.readWorkload(w)
	}
}

func (r *reader) decodeWorkload(o *object) (*workload, bool) {
	w := &workload{obj: o}
	var err error
	switch {
	case o.Kind == "Pod" && o.APIVersion == "v1":
		err = o.node.Decode(&w.pod)
	case (o.Kind == "Deployment" || o.Kind == "StatefulSet" || o.Kind == "ReplicaSet") && o.group() == "apps":
		var s struct {
			Spec struct {
				Replicas    *int        `yaml:"replicas"`
				ServiceName string      `yaml:"serviceName"`
				Template    podTemplate `yaml:"template"`
			} `yaml:"spec"`
		}
		err = o.node.Decode(&s)
		w.pod, w.replicas, w.serviceName = s.Spec.Template, s.Spec.Replicas, s.Spec.ServiceName
	case o.Kind == "Job" && o.group() == "batch":
		var s struct {
			Spec struct {
				Template podTemplate `yaml:"template"`
			} `yaml:"spec"`
		}
		err = o.node.Decode(&s)
		w.pod, w.oneOff = s.Spec.Template, true
	case o.Kind == "CronJob" && o.group() == "batch":
		var s struct {
			Spec struct {
				JobTemplate struct {
					Spec struct {
						Template podTemplate `yaml:"template"`
					} `yaml:"spec"`
				} `yaml:"jobTemplate"`
			} `yaml:"spec"`
		}
		err = o.node.Decode(&s)
		w.pod, w.oneOff = s.Spec.JobTemplate.Spec.Template, true
	default:
		return nil, false
	}
	if err != nil {
		r.warnf("%s: %s %s: %v: not read", o.origin, o.Kind, o.Metadata.Name, yamlMessage(err))
		return nil, false
	}
	if o.Kind == "Pod" {
		w.pod.Metadata = o.Metadata
	}
	return w, true
}

// yamlMessage is a decoding error without the YAML library's prefix.
func yamlMessage(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	msg = strings.TrimPrefix(msg, "construct errors:\n  ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n  ")
	return strings.ReplaceAll(msg, "\n  ", "; ")
}

// role is what a container is to parity.
type role int

const (
	roleNone    role = iota // a sidecar or proxy production adds around the app
	roleBacking             // a database, cache or broker image
	roleApp                 // the team's own code
)

func (r *reader) readWorkload(w *workload) {
	o := w.obj
	if w.replicas != nil && *w.replicas == 0 {
		r.warnf("%s: %s %s runs 0 replicas: not run", o.origin, o.Kind, o.Metadata.Name)
		return
	}
	type run struct {
		c    container
		role role
	}
	var runs []run
	for _, c := range w.pod.Spec.Containers {
		if c.Image == "" {
			continue
		}
		rl := classify(c.Image)
		if w.oneOff {
			// A Job is a one-off task, not a server, even when it runs a
			// database image (psql loading a dump).
			r.warnf("%s: %s %s runs %s once (a migration or batch task): parity does not run it; run its command with `parity run -- ...`", o.origin, o.Kind, o.Metadata.Name, c.Image)
			continue
		}
		if rl == roleNone {
			if proxy := databaseProxy(c.Image); proxy {
				r.warnf("%s: %s %s reaches its database through the %s sidecar: parity does not run it, so the app's URLs that name localhost are not pointed at parity's database; name the database's Service instead", o.origin, o.Kind, o.Metadata.Name, c.Image)
			}
			continue
		}
		runs = append(runs, run{c, rl})
	}
	ns := o.namespace()
	for _, run := range runs {
		name := o.Metadata.Name
		if len(runs) > 1 {
			name += "-" + run.c.Name
		}
		s := &service{
			namespace:  ns,
			podLabels:  w.pod.Metadata.Labels,
			namedPorts: map[string]int{},
			workload:   o.Metadata.Name,
		}
		s.Name = r.uniqueName(name, ns, o)
		s.Image = run.c.Image
		s.App = run.role == roleApp
		s.Origin = o.origin
		s.Labels = maps.Clone(w.pod.Metadata.Labels)
		for _, p := range run.c.Ports {
			if p.ContainerPort <= 0 {
				continue
			}
			s.Ports = append(s.Ports, manifest.Port{Target: p.ContainerPort, Protocol: strings.ToLower(cmpOr(p.Protocol, "tcp"))})
			if p.Name != "" {
				s.namedPorts[p.Name] = p.ContainerPort
			}
		}
		env, lookup := r.containerEnv(ns, o.Metadata.Name, w.pod.Metadata.Labels, run.c, o.origin)
		s.Environment = env
		s.Entrypoint, s.Command = commandLine(run.c, lookup)
		if w.serviceName != "" {
			host := o.Metadata.Name + "-0." + w.serviceName
			s.Aliases = append(s.Aliases, dnsNames(host, ns)...)
		}
		r.services = append(r.services, s)
	}
}

func cmpOr(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// uniqueName is name, or name-namespace when another workload of another
// namespace took it first.
func (r *reader) uniqueName(name, ns string, o *object) string {
	taken := func(n string) bool {
		for _, s := range r.services {
			if s.Name == n {
				return true
			}
		}
		return false
	}
	if !taken(name) {
		return name
	}
	alt := name + "-" + ns
	for i := 2; taken(alt); i++ {
		alt = fmt.Sprintf("%s-%s-%d", name, ns, i)
	}
	r.warnf("%s: %s %s: another workload is called %s too: this one is service %s", o.origin, o.Kind, o.Metadata.Name, name, alt)
	return alt
}

// classify says what a container image is to parity.
func classify(image string) role {
	if stacks.ForImage(image) != nil {
		return roleBacking
	}
	if sidecar(image) {
		return roleNone
	}
	return roleApp
}

// sidecarNames are parts of image names that production runs beside the
// app, not as it: service-mesh proxies, database proxies, agents and
// metrics exporters.
var sidecarNames = []string{
	"istio/proxy", "envoyproxy/", "linkerd", "cloud-sql-proxy", "cloudsql-docker/gce-proxy",
	"cloud-sql-connectors", "pgbouncer", "datadog/agent", "fluent-bit", "fluentd",
	"opentelemetry-collector", "otel/", "jaeger-agent", "vault", "oauth2-proxy",
	"exporter", "cloudflared", "aws-xray", "newrelic/",
}

func sidecar(image string) bool {
	img := strings.ToLower(stacks.ParseImage(image).Repo)
	for _, n := range sidecarNames {
		if strings.Contains(img, n) {
			return true
		}
	}
	return false
}

func databaseProxy(image string) bool {
	img := strings.ToLower(image)
	return strings.Contains(img, "sql-proxy") || strings.Contains(img, "gce-proxy") ||
		strings.Contains(img, "cloud-sql-connectors") || strings.Contains(img, "pgbouncer")
}

// commandLine is the container's command and args as parity's entrypoint
// and command, with $(VAR) expanded as the kubelet does. Kubernetes'
// command replaces the image's entrypoint and args its command; when a
// command is given, its first word stays the entrypoint and the rest
// leads the command. The process is the same, and the server's options
// (redis-server --requirepass ...) stay in the command, where the stacks
// look for them.
func commandLine(c container, lookup func(string) (manifest.Value, bool)) (entrypoint, command []manifest.Value) {
	expandAll := func(ss []string) []manifest.Value {
		if ss == nil {
			return nil
		}
		out := make([]manifest.Value, len(ss))
		for i, s := range ss {
			out[i] = expand(s, lookup)
		}
		return out
	}
	if len(c.Command) == 0 {
		return nil, expandAll(c.Args)
	}
	entrypoint = expandAll(c.Command[:1])
	command = expandAll(append(c.Command[1:len(c.Command):len(c.Command)], c.Args...))
	if command == nil {
		command = []manifest.Value{}
	}
	return entrypoint, command
}

// containerEnv is a container's environment as the kubelet builds it:
// envFrom sources first (a later one wins), then env in order, each value
// with $(VAR) expanded from the variables before it. It returns the
// lookup commands are expanded with.
func (r *reader) containerEnv(ns, podName string, podLabels map[string]string, c container, origin string) (map[string]manifest.Value, func(string) (manifest.Value, bool)) {
	env := map[string]manifest.Value{}
	for _, from := range c.EnvFrom {
		var st *store
		switch {
		case from.SecretRef != nil:
			st = r.lookupStore("Secret", ns, from.SecretRef.Name, from.SecretRef.Optional, origin)
		case from.ConfigMapRef != nil:
			st = r.lookupStore("ConfigMap", ns, from.ConfigMapRef.Name, from.ConfigMapRef.Optional, origin)
		}
		if st == nil {
			continue
		}
		for k, v := range st.values {
			env[from.Prefix+k] = v
		}
	}
	lookup := func(name string) (manifest.Value, bool) {
		if v, ok := env[name]; ok {
			return v, true
		}
		return r.serviceLinkVar(ns, name)
	}
	for _, e := range c.Env {
		if e.Name == "" {
			continue
		}
		if e.ValueFrom == nil {
			env[e.Name] = expand(e.Value, lookup)
			continue
		}
		if v, ok := r.valueFrom(ns, podName, podLabels, e.ValueFrom, origin); ok {
			env[e.Name] = v
		}
	}
	return env, lookup
}

// valueFrom resolves an env entry's valueFrom; false when the kubelet
// would leave the variable out (an optional key that is absent).
func (r *reader) valueFrom(ns, podName string, podLabels map[string]string, src *envVarSource, origin string) (manifest.Value, bool) {
	switch {
	case src.SecretKeyRef != nil:
		return r.keyValue("Secret", ns, src.SecretKeyRef, origin)
	case src.ConfigMapKeyRef != nil:
		return r.keyValue("ConfigMap", ns, src.ConfigMapKeyRef, origin)
	case src.FieldRef != nil:
		path := src.FieldRef.FieldPath
		switch {
		case path == "metadata.name":
			return manifest.Text(podName), true
		case path == "metadata.namespace":
			return manifest.Text(ns), true
		case path == "status.podIP", path == "status.hostIP":
			// The app runs on this machine.
			return manifest.Text("127.0.0.1"), true
		case path == "spec.nodeName":
			return manifest.Text("localhost"), true
		case path == "spec.serviceAccountName":
			return manifest.Text("default"), true
		case strings.HasPrefix(path, "metadata.labels['") && strings.HasSuffix(path, "']"):
			label := strings.TrimSuffix(strings.TrimPrefix(path, "metadata.labels['"), "']")
			if v, ok := podLabels[label]; ok {
				return manifest.Text(v), true
			}
		}
	}
	return nil, false
}

// keyValue is one key of a Secret or ConfigMap. A key of one the
// manifests lack is an unset variable (see unsetName); an absent optional
// one leaves the variable out, as the kubelet does.
func (r *reader) keyValue(kind, ns string, sel *keySelector, origin string) (manifest.Value, bool) {
	st := r.lookupStore(kind, ns, sel.Name, sel.Optional, origin)
	if st != nil {
		v, ok := st.values[sel.Key]
		if ok {
			return v, true
		}
		if sel.Optional {
			return nil, false
		}
		r.warnf("%s: %s %s has no key %s (the pod would not start): read as unset variable %s", origin, kind, sel.Name, sel.Key, unsetName(sel.Name, sel.Key))
		return manifest.Unset(unsetName(sel.Name, sel.Key)), true
	}
	if sel.Optional {
		return nil, false
	}
	m := r.missing[ref{kind, ns, sel.Name}]
	m.keys[sel.Key] = true
	return manifest.Unset(unsetName(sel.Name, sel.Key)), true
}

// lookupStore finds a Secret or ConfigMap; one the manifests lack is
// recorded as missing (unless optional) and nil returned.
func (r *reader) lookupStore(kind, ns, name string, optional bool, origin string) *store {
	k := ref{kind, ns, name}
	var st *store
	if kind == "Secret" {
		st = r.secrets[k]
	} else {
		st = r.configMaps[k]
	}
	if st != nil || optional {
		return st
	}
	if r.missing[k] == nil {
		r.missing[k] = &missingRef{origin: origin, keys: map[string]bool{}}
	}
	return nil
}

// expand replaces $(VAR) in s with VAR's value where lookup knows it, and
// $$ with $, as Kubernetes expands env values, command and args; an
// unknown $(VAR) stays as written.
func expand(s string, lookup func(string) (manifest.Value, bool)) manifest.Value {
	var v manifest.Value
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			v = append(v, manifest.Part{Text: text.String()})
			text.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			text.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			text.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				text.WriteString(s[i:])
				i = len(s)
				continue
			}
			name := s[i+2 : i+2+end]
			if val, ok := lookup(name); ok {
				for _, p := range val {
					if p.Unset != "" {
						flush()
						v = append(v, p)
					} else {
						text.WriteString(p.Text)
					}
				}
			} else {
				text.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			text.WriteByte('$')
		}
	}
	flush()
	return v
}
