package main

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/parity-dev/parity/bench/internal/rig"
)

// report prints the table: each case's median and minimum, the ratio of
// its median to the floor's, and issue 3's target for it.
func (b *bench) report(composeInfo string) {
	fmt.Printf("\nparity up benchmark: quickstart manifest (postgres:15 + redis:7), %d repetitions, images present\n", b.n)
	fmt.Printf("targets: issue 3 (cold with no template, warm, no-op), issue 14 (template hit, reset, restore)\n")
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CASE\tMEDIAN\tMIN\t× FLOOR\tTARGET\t\tSAMPLES")
	median := func(name string) time.Duration { return rig.Median(b.results[name]) }
	for _, c := range []struct {
		name, floor string // floor: the case it is compared with
		target      string
		met         func(median time.Duration) bool
	}{
		{caseFloor, caseFloor, "", nil},
		{caseColdEmpty, caseFloor, fmt.Sprintf("≤ %.1f× floor", coldFactor), func(m time.Duration) bool { return float64(m) <= coldFactor*float64(median(caseFloor)) }},
		{caseColdTemplate, caseFloor, fmt.Sprintf("≤ %.1f× floor", templateFactor), func(m time.Duration) bool { return float64(m) <= templateFactor*float64(median(caseFloor)) }},
		{caseCompose, caseFloor, "", nil},
		{caseFloorWarm, caseFloorWarm, "", nil},
		{caseWarm, caseFloorWarm, "≤ " + rig.Seconds(warmMax), func(m time.Duration) bool { return m <= warmMax }},
		{caseNoop, "", "≤ " + rig.Seconds(noopMax), func(m time.Duration) bool { return m <= noopMax }},
		{caseEnv, "", "", nil},
		{caseReset, "", "≤ " + rig.Seconds(resetMax), func(m time.Duration) bool { return m <= resetMax }},
		{caseResetOwn, "", "", nil},
		{caseRestore, "", "≤ " + rig.Seconds(restoreMax), func(m time.Duration) bool { return m <= restoreMax }},
		{caseRestoreOwn, "", "", nil},
	} {
		ds := b.results[c.name]
		if len(ds) == 0 {
			continue
		}
		med := rig.Median(ds)
		verdict := ""
		if c.met != nil {
			verdict = "missed"
			if c.met(med) {
				verdict = "met"
			}
		}
		ratio := "-"
		if c.floor != "" && len(b.results[c.floor]) > 0 {
			ratio = fmt.Sprintf("%.2f", float64(med)/float64(median(c.floor)))
		}
		samples := make([]string, len(ds))
		for i, d := range ds {
			samples[i] = rig.Seconds(d)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.name, rig.Seconds(med), rig.Seconds(rig.Min(ds)),
			ratio, c.target, verdict, strings.Join(samples, " "))
	}
	tw.Flush()
	fmt.Println("\nfloor: `docker run -d -p 127.0.0.1::PORT` of both images at once, each polled by parity's own probe")
	fmt.Println("  (stacks.ForImage(...).Probe) every 20ms doubling to 100ms, from before `docker run` until both answer.")
	fmt.Println("cold, no template: `up --detach --no-templates` in a never-seen project (new state dir, no containers or")
	fmt.Println("  volumes): Postgres runs initdb, as in the floor's fresh container; what \"cold\" measured before templates.")
	fmt.Println("cold, template hit: `up --detach` in a never-seen project while a template of db's key exists (made by an")
	fmt.Println("  unmeasured up + `down --volumes` in a priming project): db's new volume gets the template's copy, then")
	fmt.Println("  its password is changed; each run's --json says db was ready \"from template\", else the bench fails.")
	fmt.Printf("compose: %s; done when db's healthcheck (pg_isready, interval 10s) says healthy\n", composeInfo)
	fmt.Println("  and cache runs (the manifest gives cache no healthcheck).")
	fmt.Println("floor, warm: `docker start` of both stopped floor containers at once, then the same probes; warm")
	fmt.Println("  parity is compared with it (× FLOOR), the cold cases with the cold floor.")
	fmt.Println("warm: `up --detach` with the project's containers stopped; no-op: with them running; env: `parity env`.")
	fmt.Printf("reset db: `parity reset db --yes` in a running project, db from %s: stop db, copy, start, ready.\n", describeFrom(b.resetFrom))
	fmt.Printf("snapshot restore: `parity snapshot restore big --yes` of a snapshot of db filled to %.0f MB (as `snapshot save`\n", float64(b.snapshotSize)/(1<<20))
	fmt.Println("  reports it), in a running project: stop db, copy, start, ready.")
	fmt.Println("parity's own figure: duration_seconds from the command's --format json (stop to ready, without the")
	fmt.Println("  process's start, opening the project and exit).")
	fmt.Println("The targets compare medians.")
	if b.trace {
		b.reportTraces()
		b.reportDBTraces()
	}
}

// describeFrom says where the resets took db's data from: "template" when
// all did.
func describeFrom(from []string) string {
	seen := map[string]bool{}
	var out []string
	for _, f := range from {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return "-"
	}
	return strings.Join(out, "/")
}

// reportDBTraces prints the steps of db's copy in each template-hit,
// reset and restore run.
func (b *bench) reportDBTraces() {
	fmt.Println("\nwhere db's copy went (from parity's --debug lines: each Docker call's end and duration):")
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\twall\tbefore\tstop\tcopy\t(create\tstart\tcp\trm)\tdb create\tdb start\treadiness\tother\t")
	for _, c := range []struct{ name, label string }{{caseColdTemplate, "template hit"}, {caseReset, "reset"}, {caseRestore, "restore"}} {
		for i, tr := range b.dbTraces[c.name] {
			label := fmt.Sprintf("%s #%d", c.label, i+1)
			if !tr.complete {
				fmt.Fprintf(tw, "%s\t%s\t(no copy, start or ok probe in --debug)\t\t\t\t\t\t\t\t\t\t\t\n", label, rig.Seconds(tr.wall))
				continue
			}
			dash := func(d time.Duration) string {
				if d == 0 {
					return "-"
				}
				return rig.Seconds(d)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", label, rig.Seconds(tr.wall), rig.Seconds(tr.before),
				dash(tr.stop), rig.Seconds(tr.copy), rig.Seconds(tr.copyCreate), rig.Seconds(tr.copyStart), rig.Seconds(tr.copyRun),
				rig.Seconds(tr.copyRemove), dash(tr.create), rig.Seconds(tr.start), rig.Seconds(tr.ready), rig.Seconds(tr.other()))
		}
	}
	tw.Flush()
	fmt.Println("before: parity's start to db's first step (process, manifest, Docker connection, state; for up also the")
	fmt.Println("network and volumes). stop: db's stop call. copy: the copy container from its create to its removal:")
	fmt.Println("create, start call, cp (its script: empty the volume, cp -a, du; until Wait returns), rm (logs, remove).")
	fmt.Println("db start: db's start call. readiness: from then until db's probe answers (after a template copy it")
	fmt.Println("first changes the password). other: the rest of the wall time (gaps between steps, state, exit).")
	fmt.Println("These runs carry --debug (one stderr line per Docker call and probe); -trace=false runs them without.")
}

// reportTraces prints where each traced parity run spent its time.
func (b *bench) reportTraces() {
	fmt.Println("\nwhere parity's time went (from `up --detach --json` event timestamps):")
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\texec→plan\tplan→create\tcreate\tstart\tprobing\tready→exit\tprobe per service\t")
	for _, c := range []struct{ name, label string }{{caseColdEmpty, "cold, no template"}, {caseWarm, "warm"}, {caseNoop, "no-op"}} {
		for i, tr := range b.traces[c.name] {
			label := fmt.Sprintf("%s #%d", c.label, i+1)
			if !tr.complete {
				fmt.Fprintf(tw, "%s\t(no plan or ready events)\t\t\t\t\t\t\t\n", label)
				continue
			}
			var per []string
			svcs := make([]string, 0, len(tr.readyIn))
			for s := range tr.readyIn {
				svcs = append(svcs, s)
			}
			sort.Strings(svcs)
			for _, s := range svcs {
				per = append(per, s+" "+rig.Seconds(tr.readyIn[s]))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", label, rig.Seconds(tr.plan), rig.Seconds(tr.prepare),
				rig.Seconds(tr.create), rig.Seconds(tr.start), rig.Seconds(tr.probe), rig.Seconds(tr.exit), strings.Join(per, ", "))
		}
	}
	tw.Flush()
	fmt.Println("exec→plan: process start, manifest, Docker connection, state lock; plan→create: network, orphans,")
	fmt.Println("volumes, image check; create: container create; start: container start until probing begins.")
	fmt.Println("the floors, per service: the docker command, then probing until it answers:")
	for _, name := range []string{caseFloor, caseFloorWarm} {
		for i, tr := range b.floorTraces[name] {
			var docker, probe []string
			for _, svc := range []string{"db", "cache"} {
				docker = append(docker, svc+" "+rig.Seconds(tr.docker[svc]))
				probe = append(probe, svc+" "+rig.Seconds(tr.probe[svc]))
			}
			label := "floor"
			if name == caseFloorWarm {
				label = "warm floor"
			}
			fmt.Printf("  %-11s #%d  docker run/start: %s;  probing: %s\n", label, i+1, strings.Join(docker, ", "), strings.Join(probe, ", "))
		}
	}
}
