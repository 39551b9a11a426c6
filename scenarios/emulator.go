package scenarios

// checkLatency and checkFault will use emulator.ParseLatency and
// emulator.ParseFault (the emulator owns that syntax) once the emulator
// package builds; until then specs are checked when the emulator starts.

func checkLatency(spec string) error { return nil }

func checkFault(spec string) error { return nil }
