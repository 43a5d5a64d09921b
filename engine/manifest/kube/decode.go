package kube

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"

	"go.yaml.in/yaml/v4"
)

// object is one Kubernetes object of the manifests, with where it is written.
type object struct {
	APIVersion string     `yaml:"apiVersion"`
	Kind       string     `yaml:"kind"`
	Metadata   objectMeta `yaml:"metadata"`

	node   *yaml.Node // the whole object, decoded again per kind
	origin string     // "k8s/db.yaml:12"
}

type objectMeta struct {
	Name        string            `yaml:"name"`
	Namespace   string            `yaml:"namespace"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// namespace is the object's namespace; objects written without one are
// applied to "default" (kubectl's namespace when none is set).
func (o *object) namespace() string {
	if o.Metadata.Namespace == "" {
		return "default"
	}
	return o.Metadata.Namespace
}

// group is the API group of the object's apiVersion, "" for the core group.
func (o *object) group() string {
	for i := len(o.APIVersion) - 1; i >= 0; i-- {
		if o.APIVersion[i] == '/' {
			return o.APIVersion[:i]
		}
	}
	return ""
}

// decodeObjects reads every YAML document of data (one file, or one
// template's output) as a Kubernetes object. Documents that are empty or
// are not objects (no apiVersion or kind) are skipped: a directory of
// manifests may hold other YAML. A List's items are its objects. name
// is the file's name for origins and errors; line is where data starts in
// it (1 for a whole file).
func decodeObjects(name string, data []byte, line int) ([]*object, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var objs []*object
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, syntaxError(name, line, err)
		}
		if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			continue
		}
		root := doc.Content[0]
		var o object
		if err := root.Decode(&o); err != nil {
			// apiVersion, kind or metadata of the wrong type: not an object
			// Kubernetes would accept, so not one parity reads.
			continue
		}
		if o.APIVersion == "" || o.Kind == "" {
			continue
		}
		if o.Kind == "List" {
			items := mappingValue(root, "items")
			if items == nil || items.Kind != yaml.SequenceNode {
				continue
			}
			for _, item := range items.Content {
				var io object
				if item.Kind != yaml.MappingNode || item.Decode(&io) != nil || io.APIVersion == "" || io.Kind == "" {
					continue
				}
				io.node = item
				io.origin = fmt.Sprintf("%s:%d", name, item.Line+line-1)
				objs = append(objs, &io)
			}
			continue
		}
		o.node = root
		o.origin = fmt.Sprintf("%s:%d", name, root.Line+line-1)
		objs = append(objs, &o)
	}
}

// mappingValue is the value node of key in mapping node m, nil when absent.
func mappingValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// markRE finds the positions a YAML parser error names: the last one is
// where parsing failed ("while parsing a block mapping at line 3, column 1:
// line 5, column 3: did not find expected key").
var markRE = regexp.MustCompile(`line (\d+)(?:, column (\d+))?: `)

// syntaxError says where data's YAML is broken as name:line:col, the form
// editors jump to.
func syntaxError(name string, line int, err error) error {
	msg := err.Error()
	marks := markRE.FindAllStringSubmatchIndex(msg, -1)
	if len(marks) == 0 {
		return fmt.Errorf("%s: %s: fix the YAML syntax", name, msg)
	}
	m := marks[len(marks)-1]
	l, _ := strconv.Atoi(msg[m[2]:m[3]])
	pos := fmt.Sprintf("%s:%d", name, l+line-1)
	if m[4] >= 0 {
		pos += ":" + msg[m[4]:m[5]]
	}
	return fmt.Errorf("%s: %s: fix the YAML syntax", pos, msg[m[1]:])
}
