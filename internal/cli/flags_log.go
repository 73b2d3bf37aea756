// --log: which transparency log a command reads, and what it opens with it.

package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/state"
)

// logFlags are the flags every log-reading command shares: which log, and
// its key.
type logFlags struct {
	log    string
	logKey string
	// trusted, when set, are the logs of a trust root fetched through TUF
	// (logs.Config.Trusted): "rekor-v2" follows its signing config.
	trusted []logs.Log
}

func (f *logFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.log, "log", "", "log name or URL (default: $PROVSCOPE_LOG, $COSIGN_REKOR_URL, the config default, public-good)")
	cmd.Flags().StringVar(&f.logKey, "log-key", "", "file with the log's public key, PEM or a note verifier key (pins it)")
}

// open resolves the log (flag, environment, config file) and opens it. A
// name or key that cannot be used is a usage error.
func (f *logFlags) open(ctx context.Context) (*inspect.Log, logs.Selection, error) {
	sel, _, err := f.selection()
	if err != nil {
		return nil, sel, err
	}
	var key []byte
	if f.logKey != "" {
		if key, err = readLogKey(f.logKey); err != nil {
			return nil, sel, err
		}
	}
	if sel.Log.Kind == logs.KindTiles && key == nil && sel.Log.PublicKey == "" {
		// A tiles log serves no key of its own: the user must pin one.
		return nil, sel, usageErr(fmt.Errorf("log %s is a tlog-tiles log and serves no public key: pin it with --log-key PEM or publicKey in logs.json", sel.Log.URL))
	}
	l, err := inspect.OpenLog(ctx, sel.Log, inspect.LogOptions{KeyPEM: key, UserAgent: "provscope/" + buildVersion()})
	if err != nil {
		// The log could not be reached or sent no usable key: nothing
		// could be verified.
		return nil, sel, failed(err)
	}
	return l, sel, nil
}

// readLogKey reads --log-key's file: a PEM public key or a note verifier
// key, returned as PEM. Anything else is a usage error.
func readLogKey(path string) ([]byte, error) {
	key, err := readFileBounded(path, maxKeyFile)
	if err != nil {
		return nil, usageErr(fmt.Errorf("reading --log-key: %w", err))
	}
	if key, err = logKeyPEM(key); err != nil {
		return nil, usageErr(fmt.Errorf("reading --log-key %s: %w", path, err))
	}
	if _, err := inspect.KeyFingerprint(key); err != nil {
		return nil, usageErr(fmt.Errorf("reading --log-key %s: %w", path, err))
	}
	return key, nil
}

// selection resolves which log the flags, environment and config file
// name, without opening it, and returns the config file's content too.
// Errors are usage errors.
func (f *logFlags) selection() (logs.Selection, *logs.Config, error) {
	path, err := logs.ConfigPath(os.Getenv)
	if err != nil {
		return logs.Selection{}, nil, usageErr(err)
	}
	cfg, err := logs.LoadConfig(path)
	if err != nil {
		return logs.Selection{}, nil, usageErr(err)
	}
	if len(f.trusted) > 0 {
		if cfg == nil {
			cfg = &logs.Config{}
		}
		cfg.Trusted = f.trusted
	}
	sel, err := logs.Resolve(f.log, os.Getenv, cfg)
	if err != nil {
		return logs.Selection{}, cfg, usageErr(err)
	}
	return sel, cfg, nil
}

// exportDeps opens the registry, the log lf names and the checkpoint store.
func exportDeps(cmd *cobra.Command, lf *logFlags) (inspect.Deps, error) {
	sel, _, err := lf.selection()
	if err != nil {
		return inspect.Deps{}, err
	}
	if sel.Log.Kind == logs.KindTiles {
		return inspect.Deps{}, usageErr(&tilesSearchError{Log: sel.Log})
	}
	l, _, err := lf.open(cmd.Context())
	if err != nil {
		return inspect.Deps{}, err
	}
	sdir, err := state.DefaultDir(os.Getenv)
	if err != nil {
		return inspect.Deps{}, usageErr(err)
	}
	return inspect.Deps{
		Registry: registry.New(registry.Config{UserAgent: "provscope/" + buildVersion()}),
		Log:      l,
		Store:    &state.Store{Dir: sdir},
	}, nil
}

// tilesSearchError explains why search refuses a tlog-tiles log.
type tilesSearchError struct{ Log logs.Log }

func (e *tilesSearchError) Error() string {
	name := e.Log.Name
	if name == "" {
		name = e.Log.URL
	}
	return fmt.Sprintf("log %s is a tlog-tiles log (Rekor v2): it serves only its checkpoint, tiles and entry bundles, "+
		"and has no search index by digest, key, email or subject (finding an entry would mean downloading every entry bundle). "+
		"Read it by position instead: provscope get --log-index N, provscope proof --log-index N, provscope loginfo; "+
		"or search the Rekor v1 log that indexes the entries (--log public-good)", name)
}
