package docker

import (
	"context"
	"errors"
	"fmt"
	"sort"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// EnsureNetwork creates a bridge network with the labels unless it exists.
// An existing network of that name is reused only if it carries the labels:
// one parity did not create may be someone else's, and attaching services
// to it silently would mix projects.
func (e *Engine) EnsureNetwork(ctx context.Context, name string, labels map[string]string) error {
	err := e.checkNetwork(ctx, name, labels)
	if !errors.Is(err, ErrNotFound) {
		return err
	}
	_, err = e.cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{Driver: "bridge", Labels: labels})
	if err == nil {
		return nil
	}
	err = e.fail(err, "create network "+name)
	if errors.Is(err, ErrConflict) {
		// Created concurrently (e.g. by a second parity): fine if it is ours.
		return e.checkNetwork(ctx, name, labels)
	}
	return err
}

// checkNetwork returns nil if the network exists with the labels, ErrNotFound
// if it does not exist, ErrConflict if it exists without them.
func (e *Engine) checkNetwork(ctx context.Context, name string, labels map[string]string) error {
	r, err := e.cli.NetworkInspect(ctx, name, client.NetworkInspectOptions{})
	if err != nil {
		return e.fail(err, "inspect network "+name)
	}
	n := r.Network
	if n.Name != name { // the engine also matches ID prefixes
		return fmt.Errorf("inspect network %s: %w", name, ErrNotFound)
	}
	if !hasLabels(n.Labels, labels) {
		return fmt.Errorf("ensure network %s: %w by a network parity did not create (labels %v); remove it with \"docker network rm %s\" or rename the project", name, ErrConflict, n.Labels, name)
	}
	return nil
}

// Networks returns the names of the networks carrying all the labels.
func (e *Engine) Networks(ctx context.Context, labels map[string]string) ([]string, error) {
	list, err := e.cli.NetworkList(ctx, client.NetworkListOptions{Filters: labelFilters(labels)})
	if err != nil {
		return nil, e.fail(err, "list networks")
	}
	names := make([]string, 0, len(list.Items))
	for _, n := range list.Items {
		names = append(names, n.Name)
	}
	sort.Strings(names)
	return names, nil
}

// RemoveNetwork removes the network; ErrConflict while running containers
// use it.
func (e *Engine) RemoveNetwork(ctx context.Context, name string) error {
	_, err := e.cli.NetworkRemove(ctx, name, client.NetworkRemoveOptions{})
	if cerrdefs.IsPermissionDenied(err) { // the engine answers 403 for "has active endpoints"
		return fmt.Errorf("remove network %s: %w", name, &kindError{kind: ErrConflict, cause: err})
	}
	return e.fail(err, "remove network "+name)
}
