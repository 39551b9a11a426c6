// Command cannedserver answers every request with one fixed, real
// 100-result batch-upsert answer (made once by the emulator at start). It is
// the target of scripts/bench-load.sh, which compares the load engine with
// the vegeta CLI: a server that does no work per request, so the load
// generator is what is measured.
//
//	go run ./scripts/cannedserver -addr 127.0.0.1:18080
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/generators"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18080", "listen address (loopback)")
	flag.Parse()
	if !strings.HasPrefix(*addr, "127.0.0.1:") && !strings.HasPrefix(*addr, "localhost:") {
		log.Fatalf("cannedserver: listen on loopback only, not %s", *addr)
	}
	body, header, err := cannedAnswer()
	if err != nil {
		log.Fatalf("cannedserver: %v", err)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		for k, v := range header {
			w.Header()[k] = v
		}
		_, _ = w.Write(body)
	})
	srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	fmt.Fprintf(os.Stderr, "cannedserver: %d-byte answer on http://%s\n", len(body), *addr)
	log.Fatal(srv.ListenAndServe())
}

// cannedAnswer asks an emulator for its answer to a 100-input batch.
func cannedAnswer() ([]byte, http.Header, error) {
	gen, err := generators.New(generators.WithSeed(1))
	if err != nil {
		return nil, nil, err
	}
	emu := emulator.New(emulator.WithToken("canned"))
	defer emu.Close()
	req := httptest.NewRequest(http.MethodPost, gen.Path(), strings.NewReader(string(gen.AppendBatch(nil, 0))))
	req.Header.Set("Authorization", "Bearer canned")
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	emu.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return nil, nil, fmt.Errorf("emulator answered %d: %s", rec.Code, rec.Body.String())
	}
	h := http.Header{"Content-Type": rec.Header().Values("Content-Type")}
	return rec.Body.Bytes(), h, nil
}
