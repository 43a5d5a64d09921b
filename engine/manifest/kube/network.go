package kube

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/parity-dev/parity/engine/manifest"
)

// k8sService is a Kubernetes Service: a DNS name for the pods its
// selector matches.
type k8sService struct {
	obj      *object
	selector map[string]string
	ports    []servicePort
}

type servicePort struct {
	Name       string    `yaml:"name"`
	Port       int       `yaml:"port"`
	TargetPort yaml.Node `yaml:"targetPort"`
}

func (r *reader) addK8sService(o *object) {
	var s struct {
		Spec struct {
			Selector map[string]string `yaml:"selector"`
			Ports    []servicePort     `yaml:"ports"`
		} `yaml:"spec"`
	}
	if err := o.node.Decode(&s); err != nil {
		r.warnf("%s: Service %s: %v: not read", o.origin, o.Metadata.Name, yamlMessage(err))
		return
	}
	r.k8sSvcs = append(r.k8sSvcs, &k8sService{obj: o, selector: s.Spec.Selector, ports: s.Spec.Ports})
}

// dnsNames are the names a Service's clients may use for it: name,
// name.ns, name.ns.svc and name.ns.svc.cluster.local.
func dnsNames(name, ns string) []string {
	return []string{name, name + "." + ns, name + "." + ns + ".svc", name + "." + ns + ".svc.cluster.local"}
}

// targetPort is the container port a Service port forwards to, resolving
// a named port against the service's containers; 0 when unknown.
func (p servicePort) targetPort(named map[string]int) int {
	if p.TargetPort.Kind != yaml.ScalarNode || p.TargetPort.Value == "" {
		return p.Port
	}
	if n, err := strconv.Atoi(p.TargetPort.Value); err == nil {
		return n
	}
	return named[p.TargetPort.Value]
}

// applyServiceNames gives each parity service the DNS names of the
// Kubernetes Services that select its pods, so the app's URLs naming them
// are pointed at it.
func (r *reader) applyServiceNames() {
	for _, ks := range r.k8sSvcs {
		if len(ks.selector) == 0 {
			continue
		}
		ns := ks.obj.namespace()
		var matched []*service
		for _, s := range r.services {
			if s.namespace == ns && selects(ks.selector, s.podLabels) {
				matched = append(matched, s)
			}
		}
		// Of a pod's containers, the Service reaches those whose ports it
		// forwards to.
		byPort := slices.DeleteFunc(slices.Clone(matched), func(s *service) bool {
			for _, p := range ks.ports {
				t := p.targetPort(s.namedPorts)
				if slices.ContainsFunc(s.Ports, func(sp manifest.Port) bool { return sp.Target == t }) {
					return false
				}
			}
			return true
		})
		if len(byPort) > 0 {
			matched = byPort
		}
		names := dnsNames(ks.obj.Metadata.Name, ns)
		for _, s := range matched {
			s.Aliases = append(s.Aliases, names...)
			r.warnPortMapping(ks, s, names)
		}
	}
}

func selects(selector, labels map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// warnPortMapping warns where a Service listens on another port than the
// container's and the app's environment names that port: production
// reaches the container through the Service's port mapping, which parity
// does not reproduce.
func (r *reader) warnPortMapping(ks *k8sService, target *service, names []string) {
	for _, p := range ks.ports {
		t := p.targetPort(target.namedPorts)
		if t == 0 || t == p.Port {
			continue
		}
		for _, app := range r.services {
			if !app.App {
				continue
			}
			for _, key := range slices.Sorted(maps.Keys(app.Environment)) {
				text := app.Environment[key].String()
				for _, n := range names {
					if strings.Contains(text, n+":"+strconv.Itoa(p.Port)) {
						r.warnf("%s: Service %s forwards port %d to port %d of %s, and %s's %s names %s:%d: parity's %s listens on %d; set the port in parity.yaml if the app does not reach it", ks.obj.origin, ks.obj.Metadata.Name, p.Port, t, target.Name, app.Name, key, n, p.Port, target.Name, t)
					}
				}
			}
		}
	}
}

// serviceLinkVar is one of the variables the kubelet gives every
// container for each Service of its namespace (REDIS_SERVICE_HOST,
// REDIS_SERVICE_PORT), which env values and args may name as $(VAR).
// The host is the Service's name, so the app's URL is pointed at parity's
// service like any other.
func (r *reader) serviceLinkVar(ns, name string) (manifest.Value, bool) {
	for _, ks := range r.k8sSvcs {
		if ks.obj.namespace() != ns || len(ks.ports) == 0 {
			continue
		}
		prefix := strings.ToUpper(strings.ReplaceAll(ks.obj.Metadata.Name, "-", "_"))
		switch name {
		case prefix + "_SERVICE_HOST":
			return manifest.Text(ks.obj.Metadata.Name), true
		case prefix + "_SERVICE_PORT":
			return manifest.Text(fmt.Sprint(ks.ports[0].Port)), true
		}
	}
	return nil, false
}
