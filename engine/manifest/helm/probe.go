package helm

import (
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
)

var _ = loader.Load
var _ = engine.Render
var _ = chartutil.ToRenderValues
