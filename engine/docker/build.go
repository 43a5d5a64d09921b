package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// Build builds spec with the engine's classic builder, which every engine
// parity supports has and which needs no BuildKit session. The context
// directory is sent as a tar with its .dockerignore applied, as the docker
// CLI sends it. Images the Dockerfile starts FROM must be present locally:
// the builder would otherwise pull them, and parity pulls them itself
// (through its mirror) beforehand.
func (e *Engine) Build(ctx context.Context, spec BuildSpec, output func(line string)) (string, error) {
	if output == nil {
		output = func(string) {}
	}
	dockerfile, content, err := spec.dockerfile()
	if err != nil {
		return "", err
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeBuildContext(pw, spec.ContextDir, dockerfile, content)) }()
	defer pr.Close()

	args := make(map[string]*string, len(spec.Args))
	for k, v := range spec.Args {
		args[k] = &v
	}
	resp, err := e.cli.ImageBuild(ctx, pr, client.ImageBuildOptions{
		Tags:        []string{spec.Tag},
		Dockerfile:  dockerfile,
		BuildArgs:   args,
		Target:      spec.Target,
		Labels:      spec.Labels,
		Remove:      true,
		ForceRemove: true,
		Version:     build.BuilderV1,
	})
	if err != nil {
		return "", e.fail(err, "build image "+spec.Tag)
	}
	defer resp.Body.Close()
	id, err := readBuildStream(resp.Body, output)
	if err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("build image %s: %w", spec.Tag, ctx.Err())
		}
		return "", fmt.Errorf("build image %s: %w", spec.Tag, err)
	}
	if id == "" {
		img, err := e.cli.ImageInspect(ctx, spec.Tag)
		if err != nil {
			return "", e.fail(err, "inspect built image "+spec.Tag)
		}
		id = img.ID
	}
	return id, nil
}

// dockerfile is the Dockerfile's name in the context and, when parity sends
// its own text, that text (under a name no context uses, as the docker CLI
// does for a Dockerfile given on stdin).
func (s BuildSpec) dockerfile() (string, []byte, error) {
	if s.DockerfileContent == nil {
		name := s.Dockerfile
		if name == "" {
			name = "Dockerfile"
		}
		if filepath.IsAbs(name) {
			rel, err := filepath.Rel(s.ContextDir, name)
			if err != nil || strings.HasPrefix(rel, "..") {
				return "", nil, fmt.Errorf("build image %s: Dockerfile %s is outside the context %s and no text was given", s.Tag, name, s.ContextDir)
			}
			name = rel
		}
		return filepath.ToSlash(name), nil, nil
	}
	sum := sha256.Sum256(s.DockerfileContent)
	return ".parity.Dockerfile." + hex.EncodeToString(sum[:6]), s.DockerfileContent, nil
}

// writeBuildContext writes dir as a tar, leaving out what its .dockerignore
// excludes, then the Dockerfile text as name when given.
func writeBuildContext(w io.Writer, dir, name string, content []byte) error {
	pm, err := dockerignore(dir)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(w)
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		if pm != nil {
			skip, err := pm.MatchesOrParentMatches(rel)
			if err != nil {
				return err
			}
			if skip {
				if d.IsDir() && !pm.Exclusions() {
					return filepath.SkipDir
				}
				return nil // an exception ("!keep.sql") may still match inside
			}
		}
		return addToTar(tw, path, rel, d)
	})
	if err != nil {
		return fmt.Errorf("read build context %s: %w", dir, err)
	}
	if content != nil {
		hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(content); err != nil {
			return err
		}
	}
	return tw.Close()
}

func dockerignore(dir string) (*patternmatcher.PatternMatcher, error) {
	f, err := os.Open(filepath.Join(dir, ".dockerignore"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", f.Name(), err)
	}
	return patternmatcher.New(patterns)
}

func addToTar(tw *tar.Writer, path, rel string, d fs.DirEntry) error {
	fi, err := d.Info()
	if err != nil {
		return err
	}
	link := ""
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		if link, err = os.Readlink(path); err != nil {
			return err
		}
	case !fi.Mode().IsRegular() && !fi.IsDir():
		return nil // sockets, devices, pipes: nothing a build can copy
	}
	hdr, err := tar.FileInfoHeader(fi, link)
	if err != nil {
		return err
	}
	hdr.Name = rel
	if fi.IsDir() {
		hdr.Name += "/"
	}
	// Files in the image belong to root unless the Dockerfile says
	// otherwise, as with the docker CLI.
	hdr.Uid, hdr.Gid, hdr.Uname, hdr.Gname = 0, 0, "", ""
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(tw, f)
	return err
}

// readBuildStream passes the builder's output on line by line and returns
// the built image's ID; an error the builder reports comes back with the
// last lines of output, which say which step failed.
func readBuildStream(r io.Reader, output func(string)) (string, error) {
	dec := json.NewDecoder(r)
	var id string
	var last []string
	var partial bytes.Buffer
	for {
		var msg jsonstream.Message
		if err := dec.Decode(&msg); err != nil {
			if errors.Is(err, io.EOF) {
				return id, nil
			}
			return "", fmt.Errorf("read build output: %w", err)
		}
		if msg.Error != nil {
			text := strings.TrimSpace(msg.Error.Message)
			if len(last) > 0 {
				text += "\n  " + strings.Join(last, "\n  ")
			}
			return "", errors.New(text)
		}
		if msg.Aux != nil {
			var aux struct{ ID string }
			if json.Unmarshal(*msg.Aux, &aux) == nil && aux.ID != "" {
				id = aux.ID
			}
		}
		partial.WriteString(msg.Stream)
		for {
			line, err := partial.ReadString('\n')
			if err != nil {
				partial.Reset()
				partial.WriteString(line)
				break
			}
			line = strings.TrimRight(line, "\r\n")
			if strings.TrimSpace(line) == "" {
				continue
			}
			output(line)
			if last = append(last, line); len(last) > 10 {
				last = last[1:]
			}
		}
	}
}
