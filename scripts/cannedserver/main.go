// Command cannedserver answers batch upserts the way a faithful target
// would, at a fixed small cost: each request gets results for its own
// inputs (same unique values, a stable id per unique value, new only the
// first time, trace ids echoed, updatedAt never backwards), laid out from
// a template the emulator makes once at start (internal/cannedtarget,
// which the load engine's benchmarks serve in-process too). It is the
// target of scripts/bench-load.sh, which compares the load engine with the
// vegeta CLI: the load generator, not the server, is what is measured, and
// a client that checks every answer against what it sent sees the clean
// path.
//
//	go run ./scripts/cannedserver -addr 127.0.0.1:18080
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/upsertbench/upsertbench/internal/cannedtarget"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18080", "listen address (loopback)")
	flag.Parse()
	if !strings.HasPrefix(*addr, "127.0.0.1:") && !strings.HasPrefix(*addr, "localhost:") {
		log.Fatalf("cannedserver: listen on loopback only, not %s", *addr)
	}
	target, err := cannedtarget.New()
	if err != nil {
		log.Fatalf("cannedserver: %v", err)
	}
	srv := &http.Server{Addr: *addr, Handler: target, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	fmt.Fprintf(os.Stderr, "cannedserver: answer on http://%s (results for each request's own inputs)\n", *addr)
	log.Fatal(srv.ListenAndServe())
}
