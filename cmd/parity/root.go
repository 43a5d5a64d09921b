package main

import (
	"fmt"
	stdio "io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/parity-dev/parity/engine"
)

// globalOptions are the flags every command shares.
type globalOptions struct {
	projectName string
	files       []string
	profiles    []string
	envFiles    []string
	mirror      string
	projectDir  string
	values      []string
	debug       bool
}

func newRootCmd(io *streams) *cobra.Command {
	g := &globalOptions{}
	root := &cobra.Command{
		Use:   "parity",
		Short: "Run production's backing services locally, at production's versions",
		Long: `parity reads the production service manifest (a Compose file, Terraform,
Kubernetes manifests, a Helm chart, render.yaml, .do/app.yaml or app.json), starts the
backing services production runs (Postgres, Redis, ...) at exactly the pinned
versions, waits until each really answers, and runs your app with
DATABASE_URL, REDIS_URL and the manifest's own variables pointed at them.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
	}
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.Err)
	pf := root.PersistentFlags()
	pf.StringVarP(&g.projectName, "project-name", "p", "", "project name (default: the manifest's name, else the directory's, normalised as Compose does)")
	pf.StringArrayVarP(&g.files, "file", "f", nil, "production manifest (repeatable, merged in order; - reads standard input; default: COMPOSE_FILE, parity.yaml, then compose.yaml ...)")
	pf.StringArrayVar(&g.profiles, "profile", nil, "Compose profile to enable (repeatable)")
	pf.StringArrayVar(&g.envFiles, "env-file", nil, "env file for the manifest's variables and the app, instead of .env (repeatable, a later file wins)")
	pf.StringArrayVar(&g.values, "values", nil, "Terraform -var-file or Helm values file for the production source (repeatable, after parity.yaml's values:)")
	pf.StringVar(&g.projectDir, "project-directory", "", "directory parity.yaml, the manifest (without -f), .env and the manifest's relative paths are found in (default: the working directory)")
	pf.StringVar(&g.mirror, "registry-mirror", io.getenv("PARITY_REGISTRY_MIRROR"), "pull Docker Hub images through this registry (HOST[:PORT]; env PARITY_REGISTRY_MIRROR)")
	pf.BoolVar(&g.debug, "debug", debugFromEnv(io.getenv(debugEnv)), "log each Docker API call and probe attempt to stderr, secrets masked; up shows plain lines (env PARITY_DEBUG=1)")

	root.AddCommand(
		newUpCmd(io, g, nil),
		newDownCmd(io, g, nil),
		newRunCmd(io, g, nil),
		newLogsCmd(io, g, nil),
		newShellCmd(io, g, nil),
		newRestartCmd(io, g, nil),
		newStopCmd(io, g, nil),
		newResetCmd(io, g, nil),
		newSnapshotCmd(io, g),
		newTemplatesCmd(io, g, nil),
		newEnvCmd(io, g, nil),
		newStatusCmd(io, g, nil),
		newCheckCmd(io, g, nil),
		newLockCmd(io, g, nil),
		newDoctorCmd(io, g, nil),
		newInitCmd(io, g, nil),
		newCompletionCmd(io),
		newVersionCmd(io),
		newManCmd(io),
	)
	registerCompletions(root, io, g)
	return root
}

// engineOptions converts the shared flags into the engine's options.
func (g *globalOptions) engineOptions(io *streams) (engine.Options, error) {
	wd, err := io.Getwd()
	if err != nil {
		return engine.Options{}, fmt.Errorf("find working dir: %w", err)
	}
	labels, err := parseLabels(io.getenv("PARITY_LABELS"))
	if err != nil {
		return engine.Options{}, err
	}
	var stdin stdio.Reader
	if slices.Contains(g.files, "-") {
		stdin = io.In // -f -: the manifest comes from standard input
	}
	return engine.Options{
		WorkingDir:  wd,
		ProjectDir:  g.projectDir,
		ValueFiles:  absAll(wd, g.values),
		Stdin:       stdin,
		Files:       g.files,
		ProjectName: g.projectName,
		Profiles:    g.profiles,
		EnvFiles:    g.envFiles,
		Mirror:      g.mirror,
		ExtraLabels: labels,
		Environ:     io.Environ,
		Debug:       g.debugWriter(io),
	}, nil
}

// parseLabels reads PARITY_LABELS ("k=v,k2=v2"): labels added to everything
// parity creates, so a test harness or CI can find and remove its objects.
// parity's own labels (dev.parity.*) say who owns an object; letting the
// environment set them would let one project's `down` remove another's
// containers, so only the test harness's dev.parity.test is allowed.
func parseLabels(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("read PARITY_LABELS: %q is not KEY=VALUE", kv)
		}
		if strings.HasPrefix(k, parityLabelPrefix) && k != testLabel {
			return nil, fmt.Errorf("read PARITY_LABELS: %s is one of parity's own labels, which say who owns a container; remove it from PARITY_LABELS (only %s may be set)", k, testLabel)
		}
		out[k] = v
	}
	return out, nil
}

const (
	// parityLabelPrefix starts every label parity sets itself (engine.Label*).
	parityLabelPrefix = "dev.parity."
	// testLabel marks what test harnesses create, for their cleanup.
	testLabel = "dev.parity.test"
)

// absAll makes paths given on the command line absolute against wd.
func absAll(wd string, paths []string) []string {
	var out []string
	for _, p := range paths {
		if !filepath.IsAbs(p) {
			p = filepath.Join(wd, p)
		}
		out = append(out, p)
	}
	return out
}
