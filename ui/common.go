package ui

import (
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/provscope/provscope/model"
)

// Common is the per-session context every pane gets in its constructor:
// styles, key map, size, the backend, a logger and a clock. One explorer
// session (a terminal, or one SSH connection) owns one Common; nothing in
// this package is shared between sessions.
type Common struct {
	Styles Styles
	Keys   KeyMap
	// Width and Height are the terminal size; the App keeps them current.
	Width, Height int
	// IsDark says whether the terminal background is dark; the App updates
	// it from tea.BackgroundColorMsg unless NoColor.
	IsDark bool
	// NoColor disables colour (NO_COLOR).
	NoColor bool

	Backend Backend
	Logger  *slog.Logger
	// Now is the clock (tests pin it).
	Now func() time.Time

	// RegistryHost and LogName label the header.
	RegistryHost string
	LogName      string
	// Signer labels the header with the signer verification requires (a
	// key fingerprint or a certificate identity); empty when none is
	// pinned.
	Signer string
	// TrustMarker, when not empty, is shown in the header: the Sigstore
	// trust root in use is stale or only the one compiled in ("trust root
	// as of DATE, not refreshed", trust.Material.Marker).
	TrustMarker string
	// Logs are the choices of the log picker; OpenLog switches to one and
	// returns the backend to use from then on. Either may be empty/nil,
	// which disables the picker.
	Logs    []LogChoice
	OpenLog func(ctx context.Context, c LogChoice) (Backend, error)
	// PinSigner changes, for this session, who image verification requires
	// to have signed (the P key). spec is what the user typed: "IDENTITY
	// ISSUER" (either written ~REGEXP for a regular expression), "key
	// FILE" or "none". It returns the backend to use from then on, derived
	// from b, and the header's Signer label. Nil disables the key.
	PinSigner func(ctx context.Context, b Backend, spec string) (Backend, string, error)
	// LogTrusted says whether the log with this hex log ID is one the
	// session trusts (its trusted root lists it, or its key was pinned),
	// and if not, why and what to do. The proof pane shows "✓ match" only
	// for a trusted log's entry. Nil trusts every log.
	LogTrusted func(logID string) (ok bool, why string)

	// ExportDir is where `e` writes evidence; empty disables export (for
	// example over SSH, where the files would land on the server).
	ExportDir string
	// Remembered, when set, is the checkpoint new heads and `c` are
	// checked against from the start, instead of the one the Backend's
	// CheckpointMemory recalls (or, without a memory, the first head).
	Remembered *model.LogInfo
	// MaxRows bounds the log entries a list keeps cached (it pages the
	// rest in as they scroll into view); 0 means 4096. SSH sessions pass
	// their Limits.MaxRows. Values below 200 are taken as 200, so a
	// screenful and its neighbouring pages always fit.
	MaxRows int
	// RefreshInterval is how often the log head is polled; 0 disables it.
	RefreshInterval time.Duration
	// Ctx bounds every request of the session; cancelling it abandons them.
	Ctx context.Context
}

// NewCommon returns a Common with default styles (dark, or none when
// noColor), the default key map, a discarding logger and the real clock.
func NewCommon(b Backend, isDark, noColor bool) Common {
	c := Common{
		Keys:            DefaultKeyMap(),
		IsDark:          isDark,
		NoColor:         noColor,
		Backend:         b,
		Logger:          slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now:             time.Now,
		RefreshInterval: 5 * time.Second,
		Ctx:             context.Background(),
	}
	c.Styles = c.makeStyles()
	return c
}

func (c Common) makeStyles() Styles {
	if c.NoColor {
		return NoColorStyles()
	}
	return DefaultStyles(c.IsDark)
}

func (c Common) ctx() context.Context {
	if c.Ctx == nil {
		return context.Background()
	}
	return c.Ctx
}

func (c Common) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}
