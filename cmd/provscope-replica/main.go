// Command provscope-replica runs the public-world replica's registry on
// loopback for trying provscope by hand the way ghcr.io and Docker Hub
// behave: no catalog, bearer tokens per repository, pull-quota headers.
// It prints two addresses: the front (what a client uses) and the backend
// (unauthenticated, for seeding it, e.g. with `crane copy`).
//
//	provscope-replica [-quota N] [-catalog unsupported|refused|forbidden|open]
//
// Tests start the same replica in-process (internal/replica); this command
// only serves it until interrupted. It listens on 127.0.0.1 only.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/provscope/provscope/internal/replica"
)

func main() {
	quota := flag.Int("quota", 100, "manifest GETs allowed before 429 (0: unlimited)")
	catalog := flag.String("catalog", "unsupported", "how _catalog answers: unsupported (404 UNSUPPORTED, as ghcr.io), refused (401), forbidden (403), open")
	flag.Parse()
	opts := replica.RegistryOptions{Quota: *quota}
	switch *catalog {
	case "unsupported":
		opts.Catalog = replica.CatalogUnsupported
	case "refused":
		opts.Catalog = replica.CatalogUnauthorized
	case "forbidden":
		opts.Catalog = replica.CatalogForbidden
	case "open":
		opts.Catalog = replica.CatalogAllowed
	default:
		fmt.Fprintf(os.Stderr, "provscope-replica: -catalog %q: want unsupported, refused, forbidden or open\n", *catalog)
		os.Exit(2)
	}
	r := replica.StartRegistry(opts)
	defer r.Close()
	fmt.Printf("front   %s   (no catalog, bearer tokens per repository, quota %d)\nbackend %s   (unauthenticated: seed it here)\n", r.Host(), *quota, r.Backend())
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt)
	<-stop
}
