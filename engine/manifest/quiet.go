package manifest

import (
	"io"

	"github.com/sirupsen/logrus"
)

// compose-go reports some manifest oddities (an obsolete `version:`, "yes"
// for a boolean) through logrus' global logger, straight to stderr, where
// they would garble the live view. parity reports problems it acts on
// itself, so those lines are dropped.
func init() { logrus.SetOutput(io.Discard) }
