package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/parity-dev/parity/engine/docker"
	"github.com/parity-dev/parity/engine/dockerfile"
	"github.com/parity-dev/parity/engine/manifest"
	"github.com/parity-dev/parity/stacks"
)

// LabelBuiltImage is the ID of the image parity built for a container, so
// a rebuild that changed the image (an edited init script) recreates the
// container, and one that did not keeps it.
const LabelBuiltImage = "dev.parity.built-image"

// imageBuild is a backing service's image as its manifest builds it: a
// Dockerfile whose final stage starts FROM a known image (FROM postgres:16
// plus init scripts or extensions).
//
// Parity builds it through the engine rather than running the base image
// with the Dockerfile's files mounted: that is the image production runs,
// whatever its Dockerfile does (RUN apt-get install postgresql-16-pgvector,
// multi-stage builds of an extension, COPY --chown), not only the
// Dockerfiles that merely copy files.
type imageBuild struct {
	Context    string            // the build context directory
	Dockerfile string            // path as the manifest names it; "" for dockerfile_inline
	Content    []byte            // the Dockerfile's text
	Args       map[string]string // build args, unset variables empty
	Target     string            // stage to build, "" for the last
	Base       string            // the image the built stage starts FROM
	Images     []string          // every image the build starts FROM, Base included
}

// source names the Dockerfile for messages, relative to dir where it can.
func (b *imageBuild) source(dir string) string {
	if b.Dockerfile == "" {
		return "the dockerfile_inline of " + relPath(dir, b.Context)
	}
	p := b.Dockerfile
	if !filepath.IsAbs(p) {
		p = filepath.Join(b.Context, p)
	}
	return relPath(dir, p)
}

// planBuild reads the service's Dockerfile and returns how to build it and
// the stack of the image its final stage starts FROM; nil, nil when that
// image is no known kind, or the Dockerfile cannot be read (a remote
// context): then the service is the team's own code.
func planBuild(svc *manifest.Service) (*imageBuild, stacks.Stack) {
	spec := svc.BuildSpec
	if spec == nil || !filepath.IsAbs(spec.Context) {
		return nil, nil
	}
	b := &imageBuild{Context: spec.Context, Dockerfile: spec.Dockerfile, Target: spec.Target, Args: map[string]string{}}
	for k, v := range spec.Args {
		b.Args[k] = v
	}
	if spec.DockerfileInline != "" {
		b.Content = []byte(spec.DockerfileInline)
	} else {
		path := spec.Dockerfile
		if !filepath.IsAbs(path) {
			path = filepath.Join(spec.Context, path)
		}
		content, err := os.ReadFile(path)
		if err != nil {
			return nil, nil
		}
		b.Content = content
	}
	f, err := dockerfile.Parse(b.Content)
	if err != nil {
		return nil, nil
	}
	if b.Base, err = f.Base(b.Args, b.Target); err != nil || b.Base == "" {
		return nil, nil
	}
	st := stacks.ForImage(b.Base)
	if st == nil {
		return nil, nil
	}
	b.Images, _ = f.Images(b.Args, b.Target)
	return b, st
}

// builtTag is the name parity gives a service's built image, beside its
// container's name.
func builtTag(project, service string) string {
	return strings.ToLower(containerName(project, service)) + ":latest"
}

// buildImage builds the service's image and points its container at it.
// No registry need be reachable from the builder: the images the
// Dockerfile starts FROM are pulled first, through the mirror when one is
// set, and the Dockerfile is sent with them renamed to what was pulled.
// The build runs on every up; the builder's cache makes an unchanged one
// quick and gives it the same ID, so its container is kept.
func (s *Session) buildImage(ctx context.Context, ps *plannedService) error {
	b := ps.Build
	renamed := map[string]string{}
	for _, ref := range b.Images {
		pull := stacks.MirrorRef(ref, s.opts.Mirror)
		if ref == b.Base {
			pull = ps.PullRef // as planned: the mirror's name, or a locked digest
		}
		if err := s.ensureRef(ctx, ps.Name, pull); err != nil {
			return err
		}
		if pull != ref {
			renamed[ref] = pull
		}
	}
	f, err := dockerfile.Parse(b.Content)
	if err != nil {
		return fmt.Errorf("build %s for service %s: %w", b.source(s.project.WorkingDir), ps.Name, err)
	}
	content := f.Rewrite(b.Args, func(ref string) string {
		if to, ok := renamed[ref]; ok {
			return to
		}
		return ref
	})

	s.emit(Event{Type: EventPhase, Source: ps.Name, Phase: PhaseBuilding})
	tag := builtTag(s.project.Name, ps.Name)
	id, err := s.docker.Build(ctx, docker.BuildSpec{
		ContextDir:        b.Context,
		Dockerfile:        b.Dockerfile,
		DockerfileContent: content,
		Args:              b.Args,
		Target:            b.Target,
		Tag:               tag,
		Labels:            s.labels(map[string]string{LabelService: ps.Name}),
	}, func(line string) {
		s.emit(Event{Type: EventLog, Source: ps.Name, Stream: "stdout", Line: line})
	})
	if err != nil {
		return fmt.Errorf("build %s for service %s: %w", b.source(s.project.WorkingDir), ps.Name, err)
	}
	s.planMu.Lock()
	ps.Spec.Image = tag
	ps.Spec.Labels[LabelBuiltImage] = id
	ps.Spec.Labels[LabelConfigHash] = configHash(ps.Spec)
	s.planMu.Unlock()
	return nil
}
