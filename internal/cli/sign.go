package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/rekor/pkg/generated/models"
	"github.com/spf13/cobra"

	"github.com/provscope/provscope/inspect"
	"github.com/provscope/provscope/internal/safetext"
	"github.com/provscope/provscope/registry"
	"github.com/provscope/provscope/registry/cosignfmt"
	"github.com/provscope/provscope/rekor/client"
	"github.com/provscope/provscope/rekor/logs"
)

// signedEntry is what sign writes to provenance-entry.json.
type signedEntry struct {
	UUID           string `json:"uuid"`
	LogIndex       int64  `json:"logIndex"`
	Image          string `json:"image"`
	Digest         string `json:"digest"`
	IntegratedTime string `json:"integratedTime"`
	Log            string `json:"log"`
	Format         string `json:"format"`
	KeyFingerprint string `json:"keyFingerprint"`
	AlreadyLogged  bool   `json:"alreadyLogged,omitempty"`
	// SignatureRepository is where the signature was pushed when not
	// beside the image.
	SignatureRepository string `json:"signatureRepository,omitempty"`
}

// newSignCmd signs an image digest in cosign's formats and logs it.
func newSignCmd() *cobra.Command {
	var lf logFlags
	var rf registryFlags
	var out outputFlag
	var keyPath, keyDir, entryFile string
	var generate, newBundle, insecure bool
	cmd := &cobra.Command{
		Use:   "sign IMAGE (--key cosign.key | --generate-key)",
		Short: "Sign an image digest the way cosign does and record it in the log",
		Long: `sign resolves IMAGE to its digest, signs it with an ECDSA P-256 key in
cosign's format, uploads the entry to the transparency log and pushes the
signature to the registry: by default a .sig tag with the simple-signing
payload and the Rekor bundle annotation (hashedrekord entry); with
--new-bundle-format a Sigstore bundle stored as an OCI referrer (dsse entry).
cosign verify accepts what it writes.

--key reads a cosign key (ENCRYPTED SIGSTORE PRIVATE KEY, password in
$COSIGN_PASSWORD); --generate-key writes a new pair, cosign.key and
cosign.pub, into --key-dir. The entry (UUID, log index, image, digest,
integrated time) is written to provenance-entry.json.

With --signature-repository (or $COSIGN_REPOSITORY) the .sig tag or the
bundle referrer is written into that repository instead of beside the
image, as cosign does; verify finds it there with the same setting.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.check(); err != nil {
				return err
			}
			if (keyPath == "") == !generate {
				return usageErr(errors.New("give exactly one of --key or --generate-key"))
			}
			rc := registry.Config{Insecure: insecure, UserAgent: "provscope/" + buildVersion()}
			if err := rf.apply(&rc); err != nil {
				return err
			}
			// Refuse a read-only log before writing a key pair.
			if sel, _, err := lf.selection(); err != nil {
				return err
			} else if sel.Log.Kind == logs.KindTiles {
				return usageErr(fmt.Errorf("log %s is a read-only tiles log: sign writes to Rekor v1 logs", sel.Log.URL))
			}
			password := []byte(os.Getenv("COSIGN_PASSWORD"))
			var signer *cosignfmt.Signer
			if generate {
				s, err := generateKeyPair(keyDir, password)
				if err != nil {
					return usageErr(err)
				}
				signer = s
				fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s and %s\n", filepath.Join(keyDir, "cosign.key"), filepath.Join(keyDir, "cosign.pub"))
			} else {
				b, err := readFileBounded(keyPath, maxKeyFile)
				if err != nil {
					return usageErr(fmt.Errorf("reading --key: %w", err))
				}
				if signer, err = cosignfmt.ImportEncryptedPrivateKey(b, password); err != nil {
					return usageErr(fmt.Errorf("reading --key %s (password from $COSIGN_PASSWORD): %w", keyPath, err))
				}
			}
			ctx := cmd.Context()
			l, _, err := lf.open(ctx)
			if err != nil {
				return err
			}
			se, err := signImage(ctx, l, signer, args[0], newBundle, rc)
			if err != nil {
				return err
			}
			b, err := jsonIndent(se)
			if err != nil {
				return err
			}
			if entryFile != "" {
				if err := os.WriteFile(entryFile, b, 0o644); err != nil { //nolint:gosec // G306, G703: the user names this file; a log entry is public
					return fmt.Errorf("writing %s: %w", entryFile, err)
				}
			}
			w := cmd.OutOrStdout()
			if out.json() {
				_, err = io.WriteString(w, safetext.Frame(string(b)))
				return err
			}
			_, err = fmt.Fprintf(w, "Signed %s\n  digest     %s\n  format     %s\n  log entry  %s\n  log index  %d, integrated %s\n  log        %s\n  key        %s\n",
				line(se.Image), line(se.Digest), line(se.Format), line(se.UUID), se.LogIndex, line(se.IntegratedTime), line(se.Log), line(se.KeyFingerprint))
			if err == nil && se.SignatureRepository != "" {
				_, err = fmt.Fprintf(w, "  pushed to  %s\n", line(se.SignatureRepository))
			}
			if err == nil && entryFile != "" {
				_, err = fmt.Fprintf(w, "Wrote %s\n", line(entryFile))
			}
			return err
		},
	}
	lf.register(cmd)
	rf.register(cmd)
	out.register(cmd)
	f := cmd.Flags()
	f.StringVar(&keyPath, "key", "", "cosign private key file (password in $COSIGN_PASSWORD)")
	f.BoolVar(&generate, "generate-key", false, "generate a new key pair (cosign.key, cosign.pub) and sign with it")
	f.StringVar(&keyDir, "key-dir", ".", "where --generate-key writes the key pair")
	f.BoolVar(&newBundle, "new-bundle-format", false, "store a Sigstore bundle as an OCI referrer instead of a .sig tag")
	f.StringVar(&entryFile, "entry-file", "provenance-entry.json", "where to write the log entry record (empty: don't)")
	f.BoolVar(&insecure, "allow-insecure-registry", false, "allow plain HTTP to non-loopback registries")
	return cmd
}

func jsonIndent(v any) ([]byte, error) {
	var b strings.Builder
	if err := writeJSONValue(&b, v); err != nil {
		return nil, err
	}
	return []byte(b.String()), nil
}

// generateKeyPair writes a new cosign key pair into dir, refusing to
// overwrite one.
func generateKeyPair(dir string, password []byte) (*cosignfmt.Signer, error) {
	priv, pub := filepath.Join(dir, "cosign.key"), filepath.Join(dir, "cosign.pub")
	for _, p := range []string{priv, pub} {
		if _, err := os.Stat(p); err == nil {
			return nil, fmt.Errorf("%s exists: not overwriting it (use --key)", p)
		}
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating key: %w", err)
	}
	s, err := cosignfmt.NewSigner(k)
	if err != nil {
		return nil, err
	}
	enc, err := s.EncryptedPrivateKeyPEM(password)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating %s: %w", dir, err)
	}
	if err := os.WriteFile(priv, enc, 0o600); err != nil { //nolint:gosec // G703: the user names the key directory
		return nil, fmt.Errorf("writing private key: %w", err)
	}
	if err := os.WriteFile(pub, s.PublicKeyPEM(), 0o644); err != nil { //nolint:gosec // G306: a public key, meant to be read by others
		return nil, fmt.Errorf("writing public key: %w", err)
	}
	return s, nil
}

// signImage signs ref's digest with s, logs it in l and pushes the
// signature beside the image or into rc's signature repository.
func signImage(ctx context.Context, l *inspect.Log, s *cosignfmt.Signer, ref string, newBundle bool, rc registry.Config) (*signedEntry, error) {
	reg := registry.New(rc)
	insecure := rc.Insecure
	img, err := reg.Resolve(ctx, ref)
	if err != nil {
		if registry.IsNotFound(err) {
			return nil, usageErr(fmt.Errorf("resolving %s: %w", ref, err))
		}
		return nil, fmt.Errorf("resolving %s: %w", ref, err)
	}
	parsed, err := reg.ParseReference(ref)
	if err != nil {
		return nil, usageErr(err)
	}
	var nameOpts []name.Option
	if insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	d, err := name.NewDigest(parsed.Context().Name()+"@"+img.Digest, nameOpts...)
	if err != nil {
		return nil, usageErr(fmt.Errorf("parsing %s: %w", ref, err))
	}
	// Where the attachment goes: cosign names it by the subject's digest
	// alone, so in a signature repository it lives at REPO@digest.
	target := d.Context()
	if sr := reg.SignatureRepository(); sr != "" {
		if target, err = name.NewRepository(sr, nameOpts...); err != nil {
			return nil, usageErr(fmt.Errorf("signature repository %q: %w", sr, err))
		}
	}
	ropts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}
	// upload logs pe and checks the log's answer (SET, inclusion proof,
	// signed checkpoint) before anything is pushed: a signature whose
	// log entry does not verify is never published.
	upload := func(pe models.ProposedEntry) (string, *models.LogEntryAnon, bool, error) {
		uuid, e, existed, err := l.Rekor.UploadAnon(ctx, pe)
		if err != nil {
			return "", nil, false, err
		}
		if err := checkLogged(l, uuid, e); err != nil {
			return "", nil, false, err
		}
		return uuid, e, existed, nil
	}
	se := &signedEntry{Image: ref, Digest: img.Digest, Log: l.Def.URL, KeyFingerprint: s.KeyFingerprint(), SignatureRepository: reg.SignatureRepository()}
	var uuid string
	var e *models.LogEntryAnon
	if newBundle {
		se.Format = "bundle"
		stmt, err := cosignfmt.CosignSignStatement(img.Digest)
		if err != nil {
			return nil, err
		}
		env, err := s.SignDSSE(registry.MediaTypeInToto, stmt)
		if err != nil {
			return nil, fmt.Errorf("signing: %w", err)
		}
		if uuid, e, se.AlreadyLogged, err = upload(cosignfmt.DSSEEntry(env, s.PublicKeyPEM())); err != nil {
			return nil, fmt.Errorf("logging the signature: %w", err)
		}
		b, err := s.DSSEBundle(env, e)
		if err != nil {
			return nil, err
		}
		if _, err := cosignfmt.WriteBundleReferrerIn(target, d, b, registry.PredicateCosignSign, time.Unix(*e.IntegratedTime, 0), ropts...); err != nil {
			return nil, fmt.Errorf("pushing the bundle: %w", err)
		}
	} else {
		se.Format = "legacy"
		payload, err := cosignfmt.SimpleSigningPayload(d.Context().Name(), img.Digest, nil)
		if err != nil {
			return nil, err
		}
		sig, err := s.SignMessage(strings.NewReader(string(payload)))
		if err != nil {
			return nil, fmt.Errorf("signing: %w", err)
		}
		if uuid, e, se.AlreadyLogged, err = upload(cosignfmt.HashedRekordEntry(payload, sig, s.PublicKeyPEM())); err != nil {
			return nil, fmt.Errorf("logging the signature: %w", err)
		}
		bundle, err := cosignfmt.LegacyBundleAnnotation(e)
		if err != nil {
			return nil, err
		}
		if err := cosignfmt.WriteAttached(target.Digest(img.Digest), registry.SuffixSignature, []cosignfmt.Layer{cosignfmt.SignatureLayer(payload, sig, bundle)}, true, ropts...); err != nil {
			return nil, fmt.Errorf("pushing the signature: %w", err)
		}
	}
	se.UUID = uuid
	if e.LogIndex != nil {
		se.LogIndex = *e.LogIndex
	}
	if e.IntegratedTime != nil {
		se.IntegratedTime = time.Unix(*e.IntegratedTime, 0).UTC().Format(time.RFC3339)
	}
	return se, nil
}

// checkLogged verifies the entry a log answered an upload with, as verify
// would: its SET, inclusion proof and signed checkpoint with the log's key.
// A log that answers with an entry that does not verify fails the command
// (exit 1) before the signature is pushed anywhere.
func checkLogged(l *inspect.Log, uuid string, anon *models.LogEntryAnon) error {
	if anon == nil {
		return failed(errors.New("the log answered the upload without an entry"))
	}
	e, err := client.ConvertEntry(uuid, *anon)
	if err != nil {
		return failed(fmt.Errorf("reading the log's answer: %w", err))
	}
	c := l.VerifyEntry(*e, time.Now())
	if f := c.Result.FirstFailure(); f != nil {
		return failed(fmt.Errorf("the log's answer to the upload does not verify: %s: %s", f.Title, f.Detail))
	}
	return nil
}
