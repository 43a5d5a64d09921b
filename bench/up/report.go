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
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CASE\tMEDIAN\tMIN\t× FLOOR\tTARGET\t\tSAMPLES")
	median := func(name string) time.Duration { return rig.Median(b.results[name]) }
	for _, c := range []struct {
		name, floor string // floor: the case it is compared with
		target      string
		met         func(median time.Duration) bool
	}{
		{caseFloor, caseFloor, "", nil},
		{caseCold, caseFloor, fmt.Sprintf("≤ %.1f× floor", coldFactor), func(m time.Duration) bool { return float64(m) <= coldFactor*float64(median(caseFloor)) }},
		{caseCompose, caseFloor, "", nil},
		{caseFloorWarm, caseFloorWarm, "", nil},
		{caseWarm, caseFloorWarm, "≤ " + rig.Seconds(warmMax), func(m time.Duration) bool { return m <= warmMax }},
		{caseNoop, "", "≤ " + rig.Seconds(noopMax), func(m time.Duration) bool { return m <= noopMax }},
		{caseEnv, "", "", nil},
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
	fmt.Println("floor, warm: `docker start` of both stopped floor containers at once, then the same probes; warm")
	fmt.Println("  parity is compared with it (× FLOOR), the cold cases with the cold floor.")
	fmt.Printf("compose: %s; done when db's healthcheck (pg_isready, interval 10s) says healthy\n", composeInfo)
	fmt.Println("  and cache runs (the manifest gives cache no healthcheck).")
	fmt.Println("The targets compare medians.")
	if b.trace {
		b.reportTraces()
	}
}

// reportTraces prints where each traced parity run spent its time.
func (b *bench) reportTraces() {
	fmt.Println("\nwhere parity's time went (from `up --detach --json` event timestamps):")
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\texec→plan\tplan→create\tcreate\tstart\tprobing\tready→exit\tprobe per service\t")
	for _, name := range []string{caseCold, caseWarm, caseNoop} {
		for i, tr := range b.traces[name] {
			label := fmt.Sprintf("%s #%d", strings.TrimPrefix(name, "parity up --detach, "), i+1)
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
