package tui

import "github.com/charmbracelet/bubbles/key"

// keyMap is every key the UI answers to, with the help text shown for it.
type keyMap struct {
	Up, Down, Focus, Back                 key.Binding
	Restart, Reset, Shell, Env, Reveal    key.Binding
	Copy                                  key.Binding
	Search, PageUp, PageDown, Top, Bottom key.Binding
	Help, Quit, Leave                     key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Focus:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "focus")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Restart:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "restart")),
		Reset:    key.NewBinding(key.WithKeys("D"), key.WithHelp("D", "reset data")),
		Shell:    key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "shell")),
		Env:      key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "env")),
		Reveal:   key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "secrets")),
		Copy:     key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy")),
		Search:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search")),
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("home"), key.WithHelp("home", "oldest")),
		Bottom:   key.NewBinding(key.WithKeys("end"), key.WithHelp("end", "follow")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Leave:    key.NewBinding(key.WithKeys("Q"), key.WithHelp("Q", "leave")),
	}
}

// selectKeys is the one help entry standing for ↑/↓ in the short help.
var selectKeys = key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "select"))

// shortHelp is the one-line help bar; the env view adds its reveal key.
func (k keyMap) shortHelp(envOpen bool) []key.Binding {
	b := []key.Binding{selectKeys, k.Focus, k.Restart, k.Shell, k.Env}
	if envOpen {
		b = append(b, k.Reveal)
	}
	return append(b, k.Copy, k.Search, k.Quit, k.Leave, k.Help)
}

// dropOrder is which help entries a narrow help bar leaves out first; quit
// and help always stay, and `?` lists the rest.
func (k keyMap) dropOrder() []key.Binding {
	return []key.Binding{k.Shell, k.Copy, k.Leave, k.Search, k.Env, k.Restart, k.Focus, selectKeys}
}

// fullHelp is the `?` view, one column per group, with longer descriptions
// than the help bar has room for.
func (k keyMap) fullHelp() [][]key.Binding {
	long := func(b key.Binding, desc string) key.Binding {
		b.SetHelp(b.Help().Key, desc)
		return b
	}
	return [][]key.Binding{
		{k.Up, k.Down, long(k.Focus, "logs of the selected row only"), long(k.Back, "all logs, close view")},
		{long(k.Restart, "restart selected"), long(k.Reset, "reset its data (asks)"), long(k.Shell, "shell in selected (psql…)"), long(k.Copy, "copy its URL"),
			long(k.Env, "app environment"), long(k.Reveal, "show/hide secrets")},
		{long(k.Search, "search logs"), k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Help, long(k.Quit, "quit, stop everything"), long(k.Leave, "quit, keep services")},
	}
}
