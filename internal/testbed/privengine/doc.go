// Package privengine runs a private Docker engine for tests that kill,
// restart or delay an engine, never the shared one. It works on Linux only
// (namespaces, a reaper as PID 1); elsewhere the package is empty.
package privengine
