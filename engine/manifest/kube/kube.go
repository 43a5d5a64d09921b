// Package kube reads Kubernetes manifests (multi-document YAML, a
// directory of them, or a kustomization rendered in-process) into parity's
// model: workloads whose images are backing services, database operators'
// clusters (CloudNativePG, Zalando, Crunchy), and the team's own workloads
// as the app, with their environment resolved from the Secrets and
// ConfigMaps the manifests define. It is the only package that imports
// kustomize; the Helm reader feeds it rendered templates.
package kube

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/parity-dev/parity/engine/manifest"
)

// ErrNoBackingService is returned when the manifests define no backing
// service: parity would have nothing to start.
var ErrNoBackingService = errors.New("no backing service")

// Document is one YAML stream to read: a manifest file's content, or the
// output of one template.
type Document struct {
	// Origin names where Data comes from, relative to the working
	// directory ("k8s/db.yaml", "chart/templates/db.yaml"); each service's
	// Origin is this and the line its object starts on.
	Origin string
	Data   []byte
}

// Detect reports whether path holds Kubernetes manifests: a kustomization,
// a directory with one, or a .yaml/.yml file (or a directory of them, top
// level only) with a document that has apiVersion and kind.
func Detect(path string) bool {
	info, err := os.Stat(path)
	if err != nil {
		return false
	}
	if !info.IsDir() {
		if isKustomization(filepath.Base(path)) {
			return true
		}
		return isManifest(path)
	}
	if kustomizationIn(path) != "" {
		return true
	}
	files, _ := manifestFiles(path)
	for _, f := range files {
		if isManifest(f) {
			return true
		}
	}
	return false
}

// isManifest reports whether file is YAML with at least one Kubernetes object.
func isManifest(file string) bool {
	if !isYAML(file) {
		return false
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return false
	}
	objs, _ := decodeObjects(file, data, 1)
	return len(objs) > 0
}

func isYAML(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

// manifestFiles are the YAML files at the top level of dir, in name order.
// Subdirectories are not read: a kustomization says which of them belong
// together (a base and one overlay, not every overlay).
func manifestFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if e.Type().IsRegular() && isYAML(e.Name()) {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	return files, nil
}

// Load reads the manifests at opts.Path: a file, a directory's top-level
// YAML files, or a kustomization (the directory's, or the file named)
// built in-process, without fetching remote bases.
func Load(ctx context.Context, opts manifest.SourceOptions) (*manifest.Project, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	info, err := os.Stat(opts.Path)
	if err != nil {
		return nil, fmt.Errorf("read kubernetes manifests: %w", err)
	}
	dir := opts.Path
	if !info.IsDir() {
		dir = filepath.Dir(opts.Path)
		if !isKustomization(filepath.Base(opts.Path)) {
			dir = ""
		}
	}
	if dir != "" && kustomizationIn(dir) != "" {
		return loadKustomization(dir, opts)
	}
	files := []string{opts.Path}
	if info.IsDir() {
		if files, err = manifestFiles(opts.Path); err != nil {
			return nil, fmt.Errorf("read kubernetes manifests: %w", err)
		}
	}
	var docs []Document
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read kubernetes manifests: %w", err)
		}
		docs = append(docs, Document{Origin: manifest.DisplayPath(opts.WorkingDir, f), Data: data})
	}
	p, err := FromDocuments(docs, opts)
	if err != nil {
		return nil, err
	}
	p.Files = manifest.AbsFiles(files)
	return p, nil
}

// FromDocuments reads docs as one set of manifests applied together.
func FromDocuments(docs []Document, opts manifest.SourceOptions) (*manifest.Project, error) {
	return FromRenderings(docs, nil, opts)
}

// FromRenderings reads a templated source (a Helm chart) rendered twice:
// a Secret value that differs between first and second is one the
// templates make anew at each install (randAlphaNum when no password is
// given), so production's value is not in the repository; it is read as
// an unset variable, like a Secret kept outside it. second may be nil.
func FromRenderings(first, second []Document, opts manifest.SourceOptions) (*manifest.Project, error) {
	objs, err := decodeAll(first)
	if err != nil {
		return nil, err
	}
	r := newReader(objs, opts)
	if second != nil {
		again, err := decodeAll(second)
		if err != nil {
			return nil, err
		}
		r.markGenerated(again)
	}
	return r.project()
}

func decodeAll(docs []Document) ([]*object, error) {
	var objs []*object
	for _, d := range docs {
		o, err := decodeObjects(d.Origin, d.Data, 1)
		if err != nil {
			return nil, fmt.Errorf("read kubernetes manifests: %w", err)
		}
		objs = append(objs, o...)
	}
	return objs, nil
}
