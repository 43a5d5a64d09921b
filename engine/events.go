package engine

import "github.com/parity-dev/parity/engine/event"

// The engine reports in the event package's vocabulary; these names let
// callers of the engine say engine.Event without importing it separately.
type (
	Phase          = event.Phase
	EventType      = event.EventType
	Event          = event.Event
	PullStatus     = event.PullStatus
	PlanSummary    = event.PlanSummary
	ServiceSummary = event.ServiceSummary
	PortHolder     = event.PortHolder
	Sink           = event.Sink
)

// Phases, event types and the app source, as in package event.
const (
	PhasePending    = event.PhasePending
	PhasePulling    = event.PhasePulling
	PhaseBuilding   = event.PhaseBuilding
	PhaseCreating   = event.PhaseCreating
	PhaseStarting   = event.PhaseStarting
	PhaseWaiting    = event.PhaseWaiting
	PhaseReady      = event.PhaseReady
	PhaseDone       = event.PhaseDone
	PhaseExited     = event.PhaseExited
	PhaseRestarting = event.PhaseRestarting
	PhaseStopping   = event.PhaseStopping
	PhaseStopped    = event.PhaseStopped
	PhaseRunning    = event.PhaseRunning
	PhaseFailed     = event.PhaseFailed
	EventPlan       = event.EventPlan
	EventPhase      = event.EventPhase
	EventPull       = event.EventPull
	EventLog        = event.EventLog
	EventWarning    = event.EventWarning
	EventEngine     = event.EventEngine
	AppSource       = event.AppSource
)
