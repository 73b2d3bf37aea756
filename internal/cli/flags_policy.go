// --key, --identity, --issuer...: the signer an image must be signed by.

package cli

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/proof"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/rekor/logs"
	"github.com/provscope/provscope/rekor/state"
)

// policyFlags are the flags saying what a valid signature is, shared by
// verify and report.
type policyFlags struct {
	key, identity, identityRegexp, issuer, issuerRegexp, trustedRoot string
	insecureRegistry                                                 bool
	reg                                                              registryFlags
	trust                                                            trustFlags
	// trustMarker is set by open: "trust root as of DATE, not refreshed"
	// when the trust root in use is stale or only the embedded one.
	trustMarker string
	// logKeyMarker is set by open when the log's key was fetched from the
	// log itself (trust on first use) rather than pinned.
	logKeyMarker string
}

func (p *policyFlags) register(cmd *cobra.Command) {
	p.registerSigner(cmd)
	f := cmd.Flags()
	f.StringVar(&p.trustedRoot, "trusted-root", "", "trusted_root.json for Sigstore bundles (default: the public-good root)")
	f.BoolVar(&p.insecureRegistry, "allow-insecure-registry", false, "allow plain HTTP to non-loopback registries")
	p.reg.register(cmd)
	p.trust.register(cmd)
}

// registerSigner registers the flags that say who must have signed: a key
// or a certificate identity.
func (p *policyFlags) registerSigner(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&p.key, "key", "", "PEM public key the signatures must verify with")
	f.StringVar(&p.identity, "certificate-identity", "", "certificate identity (SAN) keyless signatures must carry")
	f.StringVar(&p.identityRegexp, "certificate-identity-regexp", "", "regular expression for the certificate identity")
	f.StringVar(&p.issuer, "certificate-oidc-issuer", "", "OIDC issuer the certificate must name")
	f.StringVar(&p.issuerRegexp, "certificate-oidc-issuer-regexp", "", "regular expression for the OIDC issuer")
}

func (p *policyFlags) policy() (inspect.Policy, error) {
	var pol inspect.Policy
	hasID := p.identity != "" || p.identityRegexp != "" || p.issuer != "" || p.issuerRegexp != ""
	if p.key != "" && hasID {
		return pol, usageErr(errors.New("give --key or a certificate identity, not both"))
	}
	if p.key != "" {
		b, err := readFileBounded(p.key, maxKeyFile)
		if err != nil {
			return pol, usageErr(fmt.Errorf("reading --key: %w", err))
		}
		if err := checkPublicKey(p.key, b); err != nil {
			return pol, usageErr(err)
		}
		pol.KeyPEM = b
	}
	if hasID {
		if (p.identity == "" && p.identityRegexp == "") || (p.issuer == "" && p.issuerRegexp == "") {
			return pol, usageErr(errors.New("a certificate identity needs both --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp]"))
		}
		pol.Identity = &proof.IdentityPolicy{SAN: p.identity, SANRegexp: p.identityRegexp, Issuer: p.issuer, IssuerRegexp: p.issuerRegexp}
	}
	if p.trustedRoot != "" {
		b, err := readFileBounded(p.trustedRoot, maxTrustedRootFile)
		if err != nil {
			return pol, usageErr(fmt.Errorf("reading --trusted-root: %w", err))
		}
		if _, err := proof.ParseTrustedRoot(b); err != nil {
			return pol, usageErr(fmt.Errorf("reading --trusted-root %s: %w", p.trustedRoot, err))
		}
		pol.TrustedRoot = b
	}
	return pol, nil
}

// checkPublicKey checks that b, read from path, is a PEM public key; a
// private key (cosign's encrypted one, PKCS#8, SEC 1) gets a message
// saying how to get the public one.
func checkPublicKey(path string, b []byte) error {
	for rest := b; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if strings.Contains(blk.Type, "PRIVATE KEY") {
			return fmt.Errorf("--key %s: this is a private key; pass the public key (cosign public-key --key %s > key.pub)", path, path)
		}
	}
	if _, err := inspect.KeyFingerprint(b); err != nil {
		return fmt.Errorf("reading --key %s: %w", path, err)
	}
	return nil
}

// open reads the policy, then opens the log lf names, and returns what
// verifying images needs: the registry, the log and the checkpoint store.
// Errors are already usage or failure errors.
func (p *policyFlags) open(ctx context.Context, lf *logFlags) (inspect.Policy, inspect.Deps, error) {
	pol, err := p.policy()
	if err != nil {
		return pol, inspect.Deps{}, err
	}
	if p.trustedRoot == "" {
		m, err := p.trust.load()
		if err != nil {
			return pol, inspect.Deps{}, err
		}
		if pol.TrustedRoot, lf.trusted, err = trustedRoot(m, time.Now()); err != nil {
			return pol, inspect.Deps{}, err
		}
		p.trustMarker = m.Marker()
	}
	rc := registry.Config{Insecure: p.insecureRegistry, UserAgent: "provscope/" + buildVersion()}
	if err := p.reg.apply(&rc); err != nil {
		return pol, inspect.Deps{}, err
	}
	l, _, err := lf.open(ctx)
	if err != nil {
		return pol, inspect.Deps{}, err
	}
	if l.KeySource == inspect.KeyFetched {
		p.logKeyMarker = logKeyMarker(l.Def.URL)
	}
	_, cfg, err := lf.selection()
	if err != nil {
		return pol, inspect.Deps{}, err
	}
	dir, err := state.DefaultDir(os.Getenv)
	if err != nil {
		return pol, inspect.Deps{}, usageErr(err)
	}
	return pol, inspect.Deps{
		Registry: registry.New(rc),
		Log:      l,
		Store:    &state.Store{Dir: dir},
		// A bundle's checkpoint may come from another known log.
		OtherLogs: logs.All(cfg),
	}, nil
}

// logKeyMarker is the note shown when a log's key was fetched from the log
// itself: every signature of the log (SETs, checkpoints) then verifies
// with whatever key that server chose to send.
func logKeyMarker(url string) string {
	return "the key of log " + url + " was fetched from the log itself, not pinned: its signatures show only that this server signed (pin it with --log-key FILE)"
}
