package scenarios

import "github.com/upsertbench/upsertbench/emulator"

// The emulator owns the syntax of its latency and fault specs; checking them
// here with its own parsers means a scenario that loads is one it accepts.

func checkLatency(spec string) error {
	_, err := emulator.ParseLatency(spec)
	return err
}

func checkFault(spec string) error {
	_, err := emulator.ParseFault(spec)
	return err
}
