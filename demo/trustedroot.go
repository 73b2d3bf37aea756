package demo

import (
	"fmt"
	"time"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	prototrustroot "github.com/sigstore/protobuf-specs/gen/pb-go/trustroot/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// trustedRoot returns a Sigstore trusted root (JSON) with the demo log as
// its only transparency log, valid from 2020-01-01: what
// `cosign trusted-root create --rekor "url=…,public-key=…,start-time=2020-01-01T00:00:00Z"`
// writes. cosign verify --new-bundle-format --key needs it.
func trustedRoot(logURL string, logKeyPEM []byte) ([]byte, error) {
	der, id, err := logKeyID(logKeyPEM)
	if err != nil {
		return nil, err
	}
	tr := &prototrustroot.TrustedRoot{
		MediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
		Tlogs: []*prototrustroot.TransparencyLogInstance{{
			BaseUrl:       logURL,
			HashAlgorithm: protocommon.HashAlgorithm_SHA2_256,
			PublicKey: &protocommon.PublicKey{
				RawBytes:   der,
				KeyDetails: protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256,
				ValidFor:   &protocommon.TimeRange{Start: timestamppb.New(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))},
			},
			LogId: &protocommon.LogId{KeyId: id},
		}},
	}
	b, err := protojson.MarshalOptions{Multiline: true}.Marshal(tr)
	if err != nil {
		return nil, fmt.Errorf("encoding trusted root: %w", err)
	}
	return b, nil
}
