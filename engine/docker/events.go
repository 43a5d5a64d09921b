package docker

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/events"
	"github.com/moby/moby/client"
)

// Events streams container events for containers carrying the labels until
// ctx ends, when both channels are closed. Exec events (exec_create,
// exec_start, exec_die), which healthchecks cause every interval, are left out. If the stream breaks first, the
// error channel receives one error and both are closed.
func (e *Engine) Events(ctx context.Context, labels map[string]string) (<-chan Event, <-chan error) {
	out := make(chan Event, 16)
	errs := make(chan error, 1)
	f := labelFilters(labels).Add("type", string(events.ContainerEventType))
	stream := e.cli.Events(ctx, client.EventsListOptions{Filters: f})
	msgs, sdkErrs := stream.Messages, stream.Err
	go func() {
		defer close(out)
		defer close(errs)
		for {
			select {
			case <-ctx.Done():
				return
			case err := <-sdkErrs:
				if ctx.Err() != nil {
					return
				}
				if err == nil || errors.Is(err, io.EOF) {
					err = io.ErrUnexpectedEOF
				}
				errs <- e.fail(err, "watch docker events")
				return
			case m := <-msgs:
				if strings.HasPrefix(string(m.Action), "exec_") {
					continue // a healthcheck runs one exec per interval: noise to parity
				}
				select {
				case out <- fromMessage(m):
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, errs
}

// eventAttributes are the attributes the engine adds to a container's labels
// in its events.
var eventAttributes = map[string]bool{"name": true, "image": true, "exitCode": true, "signal": true, "execID": true}

func fromMessage(m events.Message) Event {
	ev := Event{
		ContainerID: m.Actor.ID,
		Name:        m.Actor.Attributes["name"],
		Action:      string(m.Action),
		Time:        time.Unix(0, m.TimeNano),
	}
	if m.TimeNano == 0 {
		ev.Time = time.Unix(m.Time, 0)
	}
	if code, ok := m.Actor.Attributes["exitCode"]; ok {
		ev.ExitCode, _ = strconv.Atoi(code)
	}
	for k, v := range m.Actor.Attributes {
		if eventAttributes[k] {
			continue
		}
		if ev.Labels == nil {
			ev.Labels = map[string]string{}
		}
		ev.Labels[k] = v
	}
	return ev
}
