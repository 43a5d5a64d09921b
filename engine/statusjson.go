package engine

import (
	"encoding/json"

	"github.com/parity-dev/parity/engine/event"
)

// MarshalJSON writes Uptime as uptimeSeconds, a number whose name says its
// unit, as the events' readyInSeconds.
func (s ServiceStatus) MarshalJSON() ([]byte, error) {
	type plain ServiceStatus
	return json.Marshal(struct {
		plain
		UptimeSeconds float64 `json:"uptimeSeconds,omitempty"`
	}{plain(s), s.Uptime.Seconds()})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *ServiceStatus) UnmarshalJSON(b []byte) error {
	type plain ServiceStatus
	var v struct {
		plain
		UptimeSeconds float64 `json:"uptimeSeconds"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = ServiceStatus(v.plain)
	s.Uptime = event.Seconds(v.UptimeSeconds)
	return nil
}
