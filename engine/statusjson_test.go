package engine

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestStatusUptimeIsSecondsInJSON(t *testing.T) {
	st := ServiceStatus{Name: "db", Role: "backing", State: "running", Ready: true, Uptime: 90 * time.Second}
	b, err := json.Marshal([]ServiceStatus{st})
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); !strings.Contains(s, `"uptimeSeconds":90`) || strings.Contains(s, "uptimeNs") || !strings.Contains(s, `"name":"db"`) {
		t.Errorf("JSON %s: want uptimeSeconds 90, no uptimeNs, the other fields kept", s)
	}
	var back []ServiceStatus
	if err := json.Unmarshal(b, &back); err != nil || len(back) != 1 || back[0] != st {
		t.Errorf("round trip %+v (%v), want %+v", back, err, st)
	}
}
