package main

import (
	"strings"
	"testing"

	"github.com/parity-dev/parity/engine"
)

// parity's own labels say who owns a container: PARITY_LABELS may add
// labels but never set one of them, or one project's down could remove
// another's containers.
func TestParseLabelsRejectsParityOwnLabels(t *testing.T) {
	for _, key := range []string{engine.LabelProject, engine.LabelService, engine.LabelConfigHash,
		engine.LabelImage, engine.LabelKind, engine.LabelSecretHash, "dev.parity.future"} {
		_, err := parseLabels("dev.parity.test=1," + key + "=other")
		if err == nil {
			t.Errorf("PARITY_LABELS with %s accepted", key)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "PARITY_LABELS") || !strings.Contains(msg, key) {
			t.Errorf("error %q does not name PARITY_LABELS and %s", msg, key)
		}
	}
	l, err := parseLabels("dev.parity.test=1, team=core")
	if err != nil || l["dev.parity.test"] != "1" || l["team"] != "core" {
		t.Errorf("parseLabels(test and team) = %v, %v", l, err)
	}
}

func TestEngineOptionsRefusesAnOwnershipLabelInTheEnvironment(t *testing.T) {
	io, _, _ := testStreams("PARITY_LABELS=dev.parity.project=other")
	g := &globalOptions{}
	if _, err := g.engineOptions(io); err == nil || !strings.Contains(err.Error(), "dev.parity.project") {
		t.Errorf("engineOptions with PARITY_LABELS=dev.parity.project=other: %v, want an error naming the key", err)
	}
}
