package docker

import (
	"context"

	"github.com/moby/moby/client"
)

// RootDir is the engine's data directory (DockerRootDir, e.g.
// /var/lib/docker), where images and volumes take their disk space. It is
// not part of Client: only `parity doctor` asks, to check free disk, and it
// is meaningful only when the engine runs on this machine.
func (e *Engine) RootDir(ctx context.Context) (string, error) {
	info, err := e.cli.Info(ctx, client.InfoOptions{})
	if err != nil {
		return "", e.fail(err, "read docker engine info")
	}
	return info.Info.DockerRootDir, nil
}
