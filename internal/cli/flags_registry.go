package cli

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/provscope/provscope/registry"
)

// registryFlags are the registry flags shared by every command that reads
// or writes images: where cosign's attachments live.
type registryFlags struct {
	signatureRepository string
}

func (f *registryFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.signatureRepository, "signature-repository", "",
		"`REPO` (host/path) holding signatures, attestations and SBOMs, as cosign's $COSIGN_REPOSITORY (default $COSIGN_REPOSITORY, else beside the image)")
}

// apply sets c.SignatureRepository from the flag; without the flag c keeps
// reading $COSIGN_REPOSITORY (registry.New does). A repository that does
// not parse is a usage error.
func (f *registryFlags) apply(c *registry.Config) error {
	repo := strings.TrimSpace(f.signatureRepository)
	if repo == "" {
		return nil
	}
	var opts []name.Option
	if c.Insecure {
		opts = append(opts, name.Insecure)
	}
	if _, err := name.NewRepository(repo, opts...); err != nil {
		return usageErr(fmt.Errorf("--signature-repository %q: %w", repo, err))
	}
	c.SignatureRepository = repo
	return nil
}

// check reports a --signature-repository that does not parse (a usage
// error), for commands that pass the flag on later.
func (f *registryFlags) check(insecure bool) error {
	return f.apply(&registry.Config{Insecure: insecure})
}
