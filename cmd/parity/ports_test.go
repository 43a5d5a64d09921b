package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/parity-dev/parity/engine"
)

// movedDB is a Postgres service off its usual port because another parity
// project holds it.
var movedDB = struct {
	address, note string
	holder        *engine.PortHolder
}{"127.0.0.1:54322", "5432 held by parity project billing, service db", &engine.PortHolder{Project: "billing", Service: "db", Container: "parity-billing-db"}}

func TestStatusTableAndJSONSayWhyAServiceIsOffItsUsualPort(t *testing.T) {
	st := []engine.ServiceStatus{
		{Name: "cache", Role: "backing", Kind: "redis", Image: "redis:7", State: "running", Ready: true, Address: "127.0.0.1:6379", UsualPort: 6379},
		{Name: "db", Role: "backing", Kind: "postgres", Image: "postgres:16", State: "running", Ready: true,
			Address: movedDB.address, UsualPort: 5432, PortNote: movedDB.note, PortHeldBy: movedDB.holder},
	}
	io, out, _ := testStreams()
	if err := printStatus(io, st, false); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	if !strings.Contains(lines[2], "127.0.0.1:54322 (5432 held by parity project billing, service db)") {
		t.Errorf("status table row of db: %q", lines[2])
	}
	if !strings.Contains(lines[1], "127.0.0.1:6379 ") || strings.Contains(lines[1], "held") {
		t.Errorf("status table row of cache: %q", lines[1])
	}

	io, out, _ = testStreams()
	if err := printStatus(io, st, true); err != nil {
		t.Fatal(err)
	}
	var got []struct {
		Name       string
		UsualPort  int    `json:"usualPort"`
		PortNote   string `json:"portNote"`
		PortHeldBy *struct {
			Project, Service, Container string
		} `json:"portHeldBy"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got[0].UsualPort != 6379 || got[0].PortNote != "" || got[0].PortHeldBy != nil {
		t.Errorf("cache JSON %+v", got[0])
	}
	if h := got[1].PortHeldBy; got[1].UsualPort != 5432 || got[1].PortNote != movedDB.note || h == nil || h.Project != "billing" || h.Service != "db" || h.Container != "parity-billing-db" {
		t.Errorf("db JSON %s", out.String())
	}
}

func TestUpDetachSummarySaysWhyAServiceIsOffItsUsualPort(t *testing.T) {
	sum := engine.PlanSummary{Project: "shop", Services: []engine.ServiceSummary{
		{Name: "app", Role: "app"},
		{Name: "db", Role: "backing", Kind: "postgres", Image: "postgres:16", Address: movedDB.address, URL: "postgres://shop:****@127.0.0.1:54322/shop",
			UsualPort: 5432, PortNote: movedDB.note, PortHeldBy: movedDB.holder},
	}}
	io, out, _ := testStreams()
	if err := printSummary(io, sum, false); err != nil {
		t.Fatal(err)
	}
	want := "db       postgres  postgres:16  127.0.0.1:54322 (5432 held by parity project billing, service db)  postgres://shop:****@127.0.0.1:54322/shop\n"
	if !strings.HasSuffix(out.String(), want) {
		t.Errorf("up --detach summary:\n%s\nwant it to end with:\n%s", out.String(), want)
	}
	io, out, _ = testStreams()
	if err := printSummary(io, sum, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"usualPort":5432,"portNote":"5432 held by parity project billing, service db","portHeldBy":{"project":"billing","service":"db","container":"parity-billing-db"}`) {
		t.Errorf("up --detach --json summary: %s", out.String())
	}
}
