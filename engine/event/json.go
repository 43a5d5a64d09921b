package event

import (
	"encoding/json"
	"math"
	"time"
)

// MarshalJSON writes ReadyIn as readyInSeconds (1.25, not 1250000000): a
// number in JSON should carry its unit in its name and be one a reader can
// use without knowing Go's time.Duration.
func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event
	return json.Marshal(struct {
		plain
		ReadyInSeconds float64 `json:"readyInSeconds,omitempty"`
	}{plain(e), e.ReadyIn.Seconds()})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (e *Event) UnmarshalJSON(b []byte) error {
	type plain Event
	var v struct {
		plain
		ReadyInSeconds float64 `json:"readyInSeconds"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*e = Event(v.plain)
	e.ReadyIn = Seconds(v.ReadyInSeconds)
	return nil
}

// Seconds converts a JSON seconds field back to a duration, to the nanosecond.
func Seconds(s float64) time.Duration {
	return time.Duration(math.Round(s * float64(time.Second)))
}
