// Package deps pins the modules parity's packages are being written against,
// so `go mod tidy` keeps them while those packages land. Remove once every
// module is imported by real code.
package deps

import (
	_ "github.com/charmbracelet/bubbles/viewport"
	_ "github.com/charmbracelet/bubbletea"
	_ "github.com/charmbracelet/lipgloss"
	_ "github.com/charmbracelet/x/exp/teatest"
	_ "github.com/compose-spec/compose-go/v2/loader"
	_ "github.com/docker/docker/client"
	_ "github.com/jackc/pgx/v5"
	_ "github.com/joho/godotenv"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/spf13/cobra"
	_ "golang.org/x/term"
)
