package runjob

import (
	"bytes"
	"fmt"
	"github.com/upsertbench/upsertbench/internal/target"
	"io"
	"path/filepath"

	"github.com/upsertbench/upsertbench/contract"
	"github.com/upsertbench/upsertbench/emulator"
	"github.com/upsertbench/upsertbench/internal/results"
	"github.com/upsertbench/upsertbench/reports"
)

// Output files of the contract suite inside the run folder, besides
// reports.ContractFile (its JSON, which reports reads back).
const (
	ContractJUnitFile = "contract-junit.xml"
	ContractTextFile  = "contract.txt"
)

// StartSuiteEmulator serves on loopback the in-process emulator the
// contract suite runs against (the contract command's, and run's suite
// phase): real limits (contract.EmulatorTier), idProperty as its unique
// property, and a read-only token (readOnly, or a generated one, returned)
// so the 403 check runs. token "" lets the emulator generate one
// (srv.Token). opts come last and win.
func StartSuiteEmulator(token, readOnly, idProperty string, opts ...emulator.Option) (srv *emulator.Server, readOnlyToken string, err error) {
	base, readOnly, err := target.SuiteEmulatorOptions(token, readOnly, idProperty, contract.EmulatorTier)
	if err != nil {
		return nil, "", err
	}
	srv, err = emulator.Listen(emulator.DefaultAddr, append(base, opts...)...)
	if err != nil {
		return nil, "", err
	}
	return srv, readOnly, nil
}

// writeSuite writes the contract suite's JSON (read back by reports),
// JUnit and text into the run folder, each file atomically.
func writeSuite(dir string, r *contract.Report) error {
	for _, out := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{reports.ContractFile, r.WriteJSON},
		{ContractJUnitFile, r.WriteJUnit},
		{ContractTextFile, r.WriteText},
	} {
		var buf bytes.Buffer
		if err := out.write(&buf); err != nil {
			return fmt.Errorf("render %s: %w", out.name, err)
		}
		if err := results.WriteFileAtomic(filepath.Join(dir, out.name), buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}
