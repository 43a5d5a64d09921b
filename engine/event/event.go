// Package event is the vocabulary the engine reports in: phases, pull
// progress, log lines, warnings. It depends on nothing, so the live view and
// the printers that consume events need neither Docker nor compose-go.
package event

import (
	"fmt"
	"time"
)

// Phase is where a service (or the app) stands.
type Phase string

const (
	PhasePending    Phase = "pending"    // known, nothing done yet
	PhasePulling    Phase = "pulling"    // image being pulled (see Event.Pull)
	PhaseBuilding   Phase = "building"   // image being built from the manifest's Dockerfile
	PhaseCreating   Phase = "creating"   // container being created
	PhaseStarting   Phase = "starting"   // container started, probe not yet run
	PhaseWaiting    Phase = "waiting"    // probe failing; Event.Reason says why
	PhaseReady      Phase = "ready"      // probe succeeded; Event.ReadyIn says how fast
	PhaseDone       Phase = "done"       // a one-shot job exited 0, as it should
	PhaseExited     Phase = "exited"     // container or app exited; Event.ExitCode
	PhaseRestarting Phase = "restarting" // being restarted
	PhaseStopping   Phase = "stopping"
	PhaseStopped    Phase = "stopped"
	PhaseRunning    Phase = "running" // the app process is running
	PhaseFailed     Phase = "failed"  // could not be started; Event.Reason says why
)

// EventType tells which fields of an Event are meaningful.
type EventType string

const (
	// EventPlan announces the project and every service before anything starts.
	EventPlan EventType = "plan"
	// EventPhase is a phase change of one service or the app.
	EventPhase EventType = "phase"
	// EventPull is pull progress of one service's image.
	EventPull EventType = "pull"
	// EventLog is one line of output of a service or the app.
	EventLog EventType = "log"
	// EventWarning is something the developer should know (unpinned image, replaced .env value...).
	EventWarning EventType = "warning"
	// EventEngine reports the Docker engine going away (Reason set) or coming back.
	EventEngine EventType = "engine"
)

// AppSource is the Event.Source of the developer's app process.
const AppSource = "app"

// Event is one thing the engine reports. The TUI, the plain printer and the
// JSON output all consume the same stream.
type Event struct {
	Time   time.Time `json:"time"`
	Type   EventType `json:"type"`
	Source string    `json:"source,omitempty"` // service name, or AppSource

	Phase    Phase         `json:"phase,omitempty"`
	Reason   string        `json:"reason,omitempty"` // short: "connection refused", "auth failed"
	ExitCode int           `json:"exitCode,omitempty"`
	ReadyIn  time.Duration `json:"-"`                  // in JSON: readyInSeconds
	Pid      int           `json:"pid,omitempty"`      // app process
	LastLogs []string      `json:"lastLogs,omitempty"` // on exit/failure: the last lines

	Pull *PullStatus `json:"pull,omitempty"`

	Stream string `json:"stream,omitempty"` // log: stdout or stderr
	Line   string `json:"line,omitempty"`   // log line, or warning text

	Plan *PlanSummary `json:"plan,omitempty"`
}

// PullStatus is pull progress.
type PullStatus struct {
	Image      string `json:"image"`
	Layers     int    `json:"layers"`
	LayersDone int    `json:"layersDone"`
	BytesDone  int64  `json:"bytesDone"`
	BytesTotal int64  `json:"bytesTotal"`
}

// Percent is the share pulled so far, 0-100.
func (p PullStatus) Percent() int {
	if p.BytesTotal <= 0 {
		return 0
	}
	return int(p.BytesDone * 100 / p.BytesTotal)
}

// PlanSummary describes the project as the engine is about to run it.
type PlanSummary struct {
	Project        string           `json:"project"`
	Files          []string         `json:"files"`
	DockerEndpoint string           `json:"dockerEndpoint"`
	EngineVersion  string           `json:"engineVersion"`
	AppCommand     []string         `json:"appCommand,omitempty"`
	Services       []ServiceSummary `json:"services"`
}

// ServiceSummary is one service as planned.
type ServiceSummary struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`          // postgres, redis, generic
	Role    string `json:"role"`          // "backing", "generic" or "app"
	Why     string `json:"why"`           // why it has that role
	Image   string `json:"image"`         // as pinned
	Address string `json:"address"`       // 127.0.0.1:PORT, "" for the app
	URL     string `json:"url,omitempty"` // password masked
	// UsualPort is the host port the service would normally have: the
	// manifest's published port, else the kind's (5432, 6379...).
	UsualPort int `json:"usualPort,omitempty"`
	// PortNote says why Address is not on UsualPort, "" when it is:
	// "5432 held by parity project shop, service db". An app that ignores
	// the port parity gives it reaches whoever holds UsualPort.
	PortNote string `json:"portNote,omitempty"`
	// PortHeldBy is who holds UsualPort, when parity can tell.
	PortHeldBy *PortHolder `json:"portHeldBy,omitempty"`
}

// PortHolder is who holds a host port parity wanted: a parity project's
// container, another container, or a program on this machine.
type PortHolder struct {
	Project   string `json:"project,omitempty"`   // parity project owning the container
	Service   string `json:"service,omitempty"`   // its service in that project
	Container string `json:"container,omitempty"` // container name
	Program   string `json:"program,omitempty"`   // process name, when no container holds it
	PID       int    `json:"pid,omitempty"`
}

// String names the holder for a sentence: "parity project shop, service
// db", "container pg", "program postgres (pid 812)" or "another program".
func (h PortHolder) String() string {
	switch {
	case h.Project != "" && h.Service != "":
		return "parity project " + h.Project + ", service " + h.Service
	case h.Project != "":
		return "parity project " + h.Project
	case h.Container != "":
		return "container " + h.Container
	case h.Program != "" && h.PID != 0:
		return fmt.Sprintf("program %s (pid %d)", h.Program, h.PID)
	case h.Program != "":
		return "program " + h.Program
	}
	return "another program"
}

// Sink receives engine events. It must not block for long.
type Sink func(Event)
