package engine

import (
	"context"
	"strings"
	"testing"
)

// An extra label naming another project must neither mislabel what this
// project creates nor make its down remove the other project's objects.
func TestExtraLabelsNeverOverrideOwnership(t *testing.T) {
	ctx := context.Background()
	f := fakeWithImages()
	other := quickstart()
	other.Name = "other"
	up(t, testSession(t, other, f, &recorder{}, ""))

	s := testSession(t, quickstart(), f, &recorder{}, "")
	s.opts.ExtraLabels = map[string]string{LabelProject: "other", "dev.parity.test": "1"}
	up(t, s)

	cs, err := f.Containers(ctx, map[string]string{LabelProject: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 {
		t.Fatalf("%d containers labelled shop, want db and cache", len(cs))
	}
	for _, c := range cs {
		if c.Labels["dev.parity.test"] != "1" {
			t.Errorf("%s labels %v: the extra test label is missing", c.Name, c.Labels)
		}
	}
	vol, err := f.Volume(ctx, "parity-shop-db-data")
	if err != nil || vol.Labels[LabelProject] != "shop" {
		t.Errorf("volume labels %v (%v), want project shop", vol.Labels, err)
	}
	nets, err := f.Networks(ctx, map[string]string{LabelProject: "shop"})
	if err != nil || len(nets) != 1 {
		t.Errorf("networks labelled shop: %v (%v), want parity-shop", nets, err)
	}

	res, err := down(ctx, f, s.stateDir, "shop", s.opts.ExtraLabels, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, names := range [][]string{res.Containers, res.Networks, res.Volumes} {
		for _, name := range names {
			if !strings.HasPrefix(name, "parity-shop") {
				t.Errorf("shop's down removed %s", name)
			}
		}
	}
	if left, _ := f.Containers(ctx, map[string]string{LabelProject: "other"}); len(left) != 2 {
		t.Errorf("project other has %d containers after shop's down, want 2", len(left))
	}
}

// The labels of networks, volumes and built images: parity's own are set last.
func TestSessionLabelsPutParityLabelsLast(t *testing.T) {
	s := testSession(t, quickstart(), fakeWithImages(), &recorder{}, "")
	s.opts.ExtraLabels = map[string]string{LabelProject: "other", LabelService: "x", "team": "core"}
	l := s.labels(map[string]string{LabelService: "db"})
	if l[LabelProject] != "shop" || l[LabelService] != "db" || l["team"] != "core" {
		t.Errorf("labels %v, want project shop, service db and the extra team label", l)
	}
}
