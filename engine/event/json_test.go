package event

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestReadyInIsSecondsInJSON(t *testing.T) {
	ev := Event{Type: EventPhase, Source: "db", Phase: PhaseReady, ReadyIn: 1250 * time.Millisecond, Plan: &PlanSummary{Project: "shop"}}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); !strings.Contains(s, `"readyInSeconds":1.25`) || strings.Contains(s, `"readyIn"`) || !strings.Contains(s, `"project":"shop"`) {
		t.Errorf("JSON %s: want readyInSeconds 1.25, no readyIn, the other fields kept", s)
	}
	var back Event
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.ReadyIn != ev.ReadyIn || back.Source != "db" || back.Plan == nil {
		t.Errorf("round trip %+v, want %+v", back, ev)
	}
	b, _ = json.Marshal(Event{Type: EventLog, Line: "x"})
	if strings.Contains(string(b), "readyIn") {
		t.Errorf("an event that is not ready has no readyInSeconds: %s", b)
	}
}
