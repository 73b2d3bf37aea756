package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/internal/report"
	"github.com/provscope/provscope/model"
)

// newReportCmd writes the compliance report for many images.
func newReportCmd() *cobra.Command {
	var lf logFlags
	var pf policyFlags
	var outFile, format string
	var out outputFlag
	var parallel int
	cmd := &cobra.Command{
		Use:   "report IMAGE...",
		Short: "Write a provenance report (JSON or Markdown) for many images",
		Long: `report verifies every image like verify does, several at a time, and writes
one report: per image its reference, digest and verdict, and every attached
signature, attestation and SBOM with its log entry (UUID, global index,
integrated time in RFC 3339, signer), the outcome of every step with its
evidence and the checkpoint used; totals, the generation time and
provscope's version. Each image is the document verify --output json prints;
the JSON format is documented by docs/report-schema.json; --format markdown
renders it for humans. A progress bar is drawn on stderr when it is a
terminal.

Without --key or --certificate-identity/--certificate-oidc-issuer no image
can read "verified": an intact, logged signature by an unpinned signer is
"unpinned" (anyone can log a key).

Exit code 0 when every image verified, 3 when every image verified or is
unpinned (no signer pinned), 1 otherwise, 2 for a usage or input error.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case cmd.Flags().Changed("output") && cmd.Flags().Changed("format"):
				return usageErr(errors.New("give --format or --output, not both"))
			case out.format != "":
				if err := out.check(); err != nil {
					return err
				}
				format = "markdown"
				if out.json() {
					format = "json"
				}
			}
			if format != "json" && format != "markdown" {
				return usageErr(fmt.Errorf("--format %q: want json or markdown", format))
			}
			if parallel < 1 || parallel > 64 {
				return usageErr(fmt.Errorf("--parallel %d: want 1..64", parallel))
			}
			ctx := cmd.Context()
			pol, deps, err := pf.open(ctx, &lf)
			if err != nil {
				return err
			}
			bar := newProgressBar(terminalErr(cmd), len(args))
			images := verifyImages(ctx, deps, args, pol, parallel, bar.step)
			bar.done()
			r := inspect.BuildReport(images, inspect.ReportMeta{Generated: time.Now(), Version: buildVersion(), Log: deps.Log, Policy: pol})
			w := cmd.OutOrStdout()
			var f *os.File
			if outFile != "" && outFile != "-" {
				f, err = os.Create(outFile) //nolint:gosec // G304: the user names this file
				if err != nil {
					return usageErr(fmt.Errorf("creating report file: %w", err))
				}
				w = f
			}
			if format == "json" {
				err = writeJSON(w, r)
			} else {
				err = report.WriteMarkdown(w, r)
			}
			if f != nil {
				if cerr := f.Close(); err == nil {
					err = cerr
				}
				t := r.Totals
				fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s: %d image(s), %d verified, %d unpinned, %d failed, %d not logged, %d unsigned, %d error\n",
					line(outFile), t.Images, t.Verified, t.Unpinned, t.Failed, t.NotLogged, t.Unsigned, t.Error)
			}
			if err != nil {
				return fmt.Errorf("writing report: %w", err)
			}
			pf.printTrustMarker(cmd, true)
			return verdictExit(r.Verdict())
		},
	}
	lf.register(cmd)
	pf.register(cmd)
	f := cmd.Flags()
	f.StringVarP(&outFile, "out", "o", "", "write the report to this file (default: stdout)")
	f.StringVar(&format, "format", "json", "report format: json or markdown")
	f.StringVar(&out.format, "output", "", "json (same as --format json) or text (same as --format markdown)")
	f.IntVar(&parallel, "parallel", 4, "images verified at a time")
	return cmd
}

// verifyImages verifies refs with up to parallel workers and returns the
// reports in the order of refs; an image that cannot be read gets verdict
// error. step is called once per finished image.
func verifyImages(ctx context.Context, deps inspect.Deps, refs []string, pol inspect.Policy, parallel int, step func()) []*inspect.ImageReport {
	out := make([]*inspect.ImageReport, len(refs))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(parallel, len(refs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				rep, err := inspect.VerifyImage(ctx, deps, refs[i], pol, nil)
				if rep == nil {
					rep = &inspect.ImageReport{Reference: refs[i], Attachments: []inspect.AttachmentReport{}}
				}
				if err != nil && rep.Verdict == model.VerdictPending {
					rep.Verdict, rep.Reason = model.VerdictError, err.Error()
				}
				out[i] = rep
				step()
			}
		}()
	}
	for i := range refs {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return out
}

// progressBar draws "[####    ] 3/8 images" on a terminal and nothing
// elsewhere (pipes, files, tests).
type progressBar struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	n, of int
}

func newProgressBar(w io.Writer, of int) *progressBar {
	on := false
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		on = true
	}
	b := &progressBar{w: w, on: on, of: of}
	b.draw()
	return b
}

func (b *progressBar) step() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n++
	b.drawLocked()
}

func (b *progressBar) draw() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.drawLocked()
}

func (b *progressBar) drawLocked() {
	if !b.on {
		return
	}
	const width = 30
	filled := width * b.n / max(b.of, 1)
	fmt.Fprintf(b.w, "\r[%s%s] %d/%d images", strings.Repeat("#", filled), strings.Repeat(" ", width-filled), b.n, b.of)
}

func (b *progressBar) done() {
	if b.on {
		fmt.Fprint(b.w, "\r\033[K")
	}
}
