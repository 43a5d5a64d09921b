package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/parity-dev/parity/engine/docker"
	datavol "github.com/parity-dev/parity/engine/volumes"
)

// DownResult says what Down removed.
type DownResult struct {
	// App is the app an earlier parity left running (killed before it
	// could stop it), stopped by down; "" when there was none.
	App        string
	Containers []string
	Networks   []string
	Volumes    []string
}

// Down removes parity's containers and network for the project, found by
// label only. Volumes — the data — are removed only when volumes is set,
// and their generated passwords are forgotten with them. The project is
// opts.ProjectName, else the manifest's.
func Down(ctx context.Context, opts Options, volumes bool) (DownResult, error) {
	project, err := ResolveProject(ctx, opts)
	if err != nil {
		return DownResult{}, err
	}
	client, err := machineDocker(ctx, opts)
	if err != nil {
		return DownResult{}, err
	}
	stateDir := opts.StateDir
	if stateDir == "" {
		if stateDir, err = StateDir(); err != nil {
			return DownResult{}, err
		}
	}
	return down(ctx, client, stateDir, project, opts.ExtraLabels, volumes)
}

func down(ctx context.Context, client docker.Client, stateDir, project string, extraLabels map[string]string, volumes bool) (DownResult, error) {
	var res DownResult
	if r := orphanApp(stateDir, project); r != nil {
		res.App = r.describe()
		stopOrphan(stateDir, project, r, defaultStopTimeout)
	}
	sel := map[string]string{}
	for k, v := range extraLabels {
		sel[k] = v
	}
	sel[LabelProject] = project // last: an extra label never selects another project
	cs, err := client.Containers(ctx, sel)
	if err != nil {
		return res, err
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].Name < cs[j].Name })
	for _, c := range cs {
		if c.Running {
			if err := client.Stop(ctx, c.ID, 10*time.Second); err != nil && !errors.Is(err, docker.ErrNotFound) {
				return res, fmt.Errorf("stop %s: %w", c.Name, err)
			}
		}
		if err := client.Remove(ctx, c.ID); err != nil && !errors.Is(err, docker.ErrNotFound) {
			return res, fmt.Errorf("remove %s: %w", c.Name, err)
		}
		res.Containers = append(res.Containers, c.Name)
	}
	nets, err := client.Networks(ctx, sel)
	if err != nil {
		return res, err
	}
	for _, n := range nets {
		if err := client.RemoveNetwork(ctx, n); err != nil && !errors.Is(err, docker.ErrNotFound) {
			return res, fmt.Errorf("remove network %s: %w", n, err)
		}
		res.Networks = append(res.Networks, n)
	}
	if !volumes {
		return res, nil
	}
	vols, err := client.Volumes(ctx, sel)
	if err != nil {
		return res, err
	}
	sf, err := openState(ctx, stateDir, project, nil)
	if err != nil {
		return res, err
	}
	defer sf.Close()
	for _, v := range vols {
		if v.Labels[datavol.LabelSnapshot] != "" {
			continue // a copy saved by name goes with snapshot rm only
		}
		if err := client.RemoveVolume(ctx, v.Name); err != nil && !errors.Is(err, docker.ErrNotFound) {
			return res, fmt.Errorf("remove volume %s: %w", v.Name, err)
		}
		res.Volumes = append(res.Volumes, v.Name)
	}
	// Every generated password belongs to the data it was initialised with:
	// with the data gone, the next up generates new ones.
	sf.Secrets = map[string]string{}
	sf.VarSecrets = map[string]string{}
	sf.Rekey, sf.Origins = nil, nil // with the data they were about
	if err := sf.Save(); err != nil {
		return res, err
	}
	return res, nil
}

// ResolveProject finds the project name for commands that may run without a
// readable manifest (down): -p, else the manifest's, else the directory's.
func ResolveProject(ctx context.Context, opts Options) (string, error) {
	if opts.ProjectName != "" {
		return opts.ProjectName, nil
	}
	s, err := Open(ctx, opts, false)
	if err == nil {
		return s.Project(), nil
	}
	wd := opts.WorkingDir
	if wd == "" {
		if wd, err = os.Getwd(); err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("find project for %s: %w (or name it with -p)", wd, err)
}
