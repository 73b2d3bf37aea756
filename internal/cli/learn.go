package cli

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"github.com/provscope/provscope/ui/learn"
	"github.com/provscope/provscope/ui/theme"
)

// newLearnCmd is `provscope learn`: the teaching mode on its own.
func newLearnCmd() *cobra.Command {
	var (
		seed   uint64
		lesson int
		free   bool
	)
	cmd := &cobra.Command{
		Use:   "learn",
		Short: "Learn how transparency logs work: grow, prove and break a real RFC 6962 tree",
		Long: `learn opens a playground over a small in-memory transparency log: append
leaves and watch the RFC 6962 Merkle tree grow, step through inclusion and
consistency proofs hash by hash, tamper with an entry and see which proofs
fail, and find where a leaf lives in C2SP tlog-tiles. Seven short guided
lessons walk through it all with the keyboard.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if lesson < 0 || lesson > 7 {
				return usageErr(fmt.Errorf("--lesson %d out of range, want 1 to 7 (0 for the list)", lesson))
			}
			if !cmd.Flags().Changed("seed") {
				seed = uint64(time.Now().UnixNano())
			}
			cfg := learn.Config{
				IsDark:       true,
				NoColor:      theme.NoColor(),
				Seed:         seed,
				NoLessonMenu: free,
				QuitHint:     "q quit",
			}
			root := newLearnRoot(cfg, lesson)
			p := tea.NewProgram(root, tea.WithInput(cmd.InOrStdin()), tea.WithOutput(terminalOut(cmd)))
			if _, err := p.Run(); err != nil {
				return fmt.Errorf("running learn: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().Uint64Var(&seed, "seed", 0, "seed for random leaves and the toy signing keys (default: from the clock)")
	cmd.Flags().IntVar(&lesson, "lesson", 0, "open lesson `N` (1-7) directly")
	cmd.Flags().BoolVar(&free, "free", false, "start in free play instead of on the lesson list")
	return cmd
}

// learnRoot is the tiny root model around the learn pane: quit keys,
// terminal size and background colour, alt screen.
type learnRoot struct {
	pane *learn.Model
}

func newLearnRoot(cfg learn.Config, lesson int) *learnRoot {
	pane := learn.New(cfg)
	if lesson > 0 {
		pane.StartLesson(lesson - 1)
	}
	return &learnRoot{pane: pane}
}

func (r *learnRoot) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, r.pane.Init())
}

func (r *learnRoot) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "ctrl+c":
			return r, tea.Quit
		case "q":
			if !r.pane.Capturing() {
				return r, tea.Quit
			}
		}
	}
	var cmd tea.Cmd
	r.pane, cmd = r.pane.Update(msg)
	return r, cmd
}

func (r *learnRoot) View() tea.View {
	v := tea.NewView(r.pane.View())
	v.AltScreen = true
	return v
}
