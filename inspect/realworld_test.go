package inspect

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/provscope/provscope/internal/testenv"
	"github.com/provscope/provscope/rekor/logs"
)

// TestBuiltinKeysVerifyRealCheckpoints checks the built-in public-good logs'
// keys and origins against real checkpoints: Rekor v1 (ECDSA, both shards)
// and Rekor v2 log2025-1 (Ed25519, C2SP).
func TestBuiltinKeysVerifyRealCheckpoints(t *testing.T) {
	dir := filepath.Join(testenv.RealWorld(t), "checkpoints")
	tests := []struct {
		log, file string
		size      uint64
	}{
		{logs.PublicGood, "extracted_prod_1193050959916656506_1511664856.txt", 1511664856},
		{logs.PublicGood, "extracted_prod_2605736670972794746_55510966.txt", 55510966},
		{logs.Log2025_1, "extracted_prod-v2_log2025-1_544347.txt", 544347},
		{logs.Log2025_1, "extracted_prod-v2_log2025-1_4855115.txt", 4855115},
	}
	for _, tt := range tests {
		def, err := logs.Lookup(tt.log, nil)
		if err != nil {
			t.Fatal(err)
		}
		note, err := os.ReadFile(filepath.Join(dir, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		l := &Log{Def: def, KeyPEM: []byte(def.PublicKey)}
		cp, err := l.VerifyNote(string(note))
		if err != nil {
			t.Errorf("%s: VerifyNote(%s): %v", tt.log, tt.file, err)
			continue
		}
		if cp.Size != tt.size {
			t.Errorf("%s: size %d, want %d", tt.file, cp.Size, tt.size)
		}
		// The other log's key must not verify it.
		other := logs.Log2025_1
		if tt.log == logs.Log2025_1 {
			other = logs.PublicGood
		}
		od, _ := logs.Lookup(other, nil)
		if _, err := (&Log{Def: def, KeyPEM: []byte(od.PublicKey)}).VerifyNote(string(note)); err == nil {
			t.Errorf("%s verified with the %s key", tt.file, other)
		}
	}
}
