package docker

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/moby/moby/api/types/volume"
	"github.com/moby/moby/client"
)

// Volume returns the named volume, or ErrNotFound.
func (e *Engine) Volume(ctx context.Context, name string) (Volume, error) {
	v, err := e.cli.VolumeInspect(ctx, name, client.VolumeInspectOptions{})
	if err != nil {
		return Volume{}, e.fail(err, "inspect volume "+name)
	}
	return fromVolume(v.Volume), nil
}

// CreateVolume creates the named volume with the labels. The engine would
// silently hand back an existing volume of that name; one without the
// labels is ErrConflict instead, since parity would otherwise adopt (and
// later offer to delete) data it does not own.
func (e *Engine) CreateVolume(ctx context.Context, name string, labels map[string]string) error {
	existing, err := e.Volume(ctx, name)
	switch {
	case err == nil:
		if !hasLabels(existing.Labels, labels) {
			return fmt.Errorf("create volume %s: %w by a volume parity did not create (labels %v)", name, ErrConflict, existing.Labels)
		}
		return nil
	case !errors.Is(err, ErrNotFound):
		return err
	}
	_, err = e.cli.VolumeCreate(ctx, client.VolumeCreateOptions{Name: name, Labels: labels})
	return e.fail(err, "create volume "+name)
}

// Volumes lists the volumes carrying all the labels.
func (e *Engine) Volumes(ctx context.Context, labels map[string]string) ([]Volume, error) {
	resp, err := e.cli.VolumeList(ctx, client.VolumeListOptions{Filters: labelFilters(labels)})
	if err != nil {
		return nil, e.fail(err, "list volumes")
	}
	out := make([]Volume, 0, len(resp.Items))
	for _, v := range resp.Items {
		out = append(out, fromVolume(v))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// VolumeSizes asks the engine's disk usage report for its volumes' sizes.
// The engine walks every volume for it, so it is for listings only.
func (e *Engine) VolumeSizes(ctx context.Context) (map[string]int64, error) {
	du, err := e.cli.DiskUsage(ctx, client.DiskUsageOptions{Volumes: true, Verbose: true})
	if err != nil {
		return nil, e.fail(err, "read disk usage")
	}
	out := map[string]int64{}
	for _, v := range du.Volumes.Items {
		size := int64(-1)
		if v.UsageData != nil {
			size = v.UsageData.Size
		}
		out[v.Name] = size
	}
	return out, nil
}

// RemoveVolume removes the volume, never forcibly: a volume still mounted by
// a container is ErrConflict.
func (e *Engine) RemoveVolume(ctx context.Context, name string) error {
	_, err := e.cli.VolumeRemove(ctx, name, client.VolumeRemoveOptions{})
	return e.fail(err, "remove volume "+name)
}

func fromVolume(v volume.Volume) Volume {
	out := Volume{Name: v.Name, Labels: v.Labels}
	if t, err := time.Parse(time.RFC3339, v.CreatedAt); err == nil {
		out.CreatedAt = t
	}
	return out
}
