package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/distribution/reference"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"
)

// pullReportEvery spaces progress callbacks: the engine sends hundreds of
// messages a second, a renderer needs a few.
const pullReportEvery = 100 * time.Millisecond

// ImagePresent reports whether ref exists locally.
func (e *Engine) ImagePresent(ctx context.Context, ref string) (bool, error) {
	_, err := e.cli.ImageInspect(ctx, ref)
	if err == nil {
		return true, nil
	}
	err = e.fail(err, "inspect image "+ref)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return false, err
}

// Pull pulls ref, calling progress at most every 100ms and once at the end
// with the totals.
// A tag or repository the registry does not have is an error wrapping
// ErrNotFound that names the image and the registry.
func (e *Engine) Pull(ctx context.Context, ref string, progress func(PullProgress)) error {
	if _, err := reference.ParseNormalizedNamed(ref); err != nil {
		return fmt.Errorf("pull image %s: %w", ref, err)
	}
	opts := client.ImagePullOptions{}
	if named, err := reference.ParseNormalizedNamed(ref); err == nil {
		opts.RegistryAuth = registryAuth(reference.Domain(named))
	}
	rc, err := e.cli.ImagePull(ctx, ref, opts)
	if err != nil {
		if !client.IsErrConnectionFailed(err) && (cerrdefs.IsNotFound(err) || isMissingImage(err.Error())) {
			return missingImage(ref, err.Error())
		}
		return e.fail(err, "pull image "+ref)
	}
	defer rc.Close()
	if progress == nil {
		progress = func(PullProgress) {}
	}
	final, err := readPullStream(rc, ref, pullReportEvery, progress)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("pull image %s: %w", ref, ctx.Err())
		}
		return err
	}
	if final.Layers == 0 {
		// The engine lists no layers when it already holds the image under
		// another name; they are all present, so report them as done.
		if img, err := e.cli.ImageInspect(ctx, ref); err == nil {
			final.Layers = len(img.RootFS.Layers)
			final.LayersDone = final.Layers
		}
	}
	progress(final)
	return nil
}

// ImageDigest returns the repo digest (sha256:...) ref was pulled by, "" for
// an image built locally. The digest of ref's own repository is preferred,
// since an image can be known under several registries.
func (e *Engine) ImageDigest(ctx context.Context, ref string) (string, error) {
	img, err := e.cli.ImageInspect(ctx, ref)
	if err != nil {
		return "", e.fail(err, "inspect image "+ref)
	}
	return pickDigest(ref, img.RepoDigests), nil
}

// ImageID returns the local image's ID.
func (e *Engine) ImageID(ctx context.Context, ref string) (string, error) {
	img, err := e.cli.ImageInspect(ctx, ref)
	if err != nil {
		return "", e.fail(err, "inspect image "+ref)
	}
	return img.ID, nil
}

// pickDigest chooses among "repo@sha256:..." entries the one of ref's
// repository, else the first.
func pickDigest(ref string, repoDigests []string) string {
	if len(repoDigests) == 0 {
		return ""
	}
	want := ""
	if named, err := reference.ParseNormalizedNamed(ref); err == nil {
		want = named.Name()
	}
	for _, rd := range repoDigests {
		named, err := reference.ParseNormalizedNamed(rd)
		if err != nil {
			continue
		}
		if canonical, ok := named.(reference.Canonical); ok && named.Name() == want {
			return canonical.Digest().String()
		}
	}
	if _, d, ok := strings.Cut(repoDigests[0], "@"); ok {
		return d
	}
	return ""
}

// layerPull is what is known of one layer during a pull.
type layerPull struct {
	done         bool
	current, max int64
}

// readPullStream decodes the engine's pull message stream, folding per-layer
// messages into totals, and returns the final totals. progress is called
// when at least every has passed since the last call. An error message in
// the stream (the registry refused, the tag is missing) ends the pull.
func readPullStream(r io.Reader, ref string, every time.Duration, progress func(PullProgress)) (PullProgress, error) {
	dec := json.NewDecoder(r)
	layers := map[string]*layerPull{}
	var order []string
	p := PullProgress{Ref: ref}
	var last time.Time
	for {
		var msg pullMessage
		if err := dec.Decode(&msg); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return p, fmt.Errorf("read pull progress of %s: %w", ref, err)
		}
		if msg.Error != nil || msg.ErrorMessage != "" {
			text := msg.ErrorMessage
			if msg.Error != nil && msg.Error.Message != "" {
				text = msg.Error.Message
			}
			if isMissingImage(text) {
				return p, missingImage(ref, text)
			}
			return p, fmt.Errorf("pull image %s: %s", ref, text)
		}
		if msg.Status != "" {
			p.Status = msg.Status
		}
		if isLayerMessage(msg) {
			l, ok := layers[msg.ID]
			if !ok {
				l = &layerPull{}
				layers[msg.ID] = l
				order = append(order, msg.ID)
			}
			switch {
			case msg.Status == "Downloading" && msg.Progress != nil:
				l.current = msg.Progress.Current
				if msg.Progress.Total > 0 {
					l.max = msg.Progress.Total
				}
			case msg.Status == "Download complete" || msg.Status == "Verifying Checksum":
				l.current = l.max
			case msg.Status == "Pull complete" || msg.Status == "Already exists":
				l.current = l.max
				l.done = true
			}
		}
		p.Layers, p.LayersDone, p.BytesDone, p.BytesTotal = len(order), 0, 0, 0
		for _, id := range order {
			l := layers[id]
			if l.done {
				p.LayersDone++
			}
			p.BytesDone += l.current
			p.BytesTotal += l.max
		}
		if now := time.Now(); now.Sub(last) >= every {
			last = now
			progress(p)
		}
	}
	return p, nil
}

// isLayerMessage tells per-layer messages (ID is a layer) from the ones about
// the image as a whole ("Pulling from library/redis", whose ID is the tag).
func isLayerMessage(msg pullMessage) bool {
	if msg.ID == "" {
		return false
	}
	return !strings.HasPrefix(msg.Status, "Pulling from") &&
		!strings.HasPrefix(msg.Status, "Digest:") &&
		!strings.HasPrefix(msg.Status, "Status:")
}

// isMissingImage recognises the registry's ways of saying a tag or
// repository does not exist.
func isMissingImage(text string) bool {
	t := strings.ToLower(text)
	return strings.Contains(t, "manifest unknown") ||
		strings.Contains(t, "not found") ||
		strings.Contains(t, "repository does not exist") ||
		strings.Contains(t, "name unknown")
}

// missingImage words a missing image for the developer: which image, which
// registry, and the registry's own reason.
func missingImage(ref, text string) error {
	text = strings.TrimPrefix(text, "Error response from daemon: ")
	reason := text
	if i := strings.LastIndex(text, ": "); i >= 0 {
		reason = text[i+2:]
	}
	registry := "docker.io"
	if named, err := reference.ParseNormalizedNamed(ref); err == nil {
		registry = reference.Domain(named)
	}
	return &kindError{kind: ErrNotFound, cause: fmt.Errorf("image %s not found in registry %s: %s", ref, registry, reason)}
}

// pullMessage is one message of the engine's pull stream. Engines also send
// an error's text in the older "error" field, which jsonstream.Message no
// longer reads.
type pullMessage struct {
	jsonstream.Message
	ErrorMessage string `json:"error,omitempty"`
}
