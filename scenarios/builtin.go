package scenarios

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
)

//go:embed builtin/*.yaml
var builtinFS embed.FS

const builtinPrefix = "builtin:"

// BuiltinNames lists the embedded scenarios, sorted.
func BuiltinNames() []string {
	entries, err := builtinFS.ReadDir("builtin")
	if err != nil {
		return nil // cannot happen: the directory is embedded
	}
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// Builtin parses the embedded scenario of that name; each call returns a
// fresh copy. Its Source is "builtin:<name>".
func Builtin(name string) (*Scenario, error) {
	name = strings.TrimPrefix(name, builtinPrefix)
	data, err := builtinFS.ReadFile(path.Join("builtin", name+".yaml"))
	if err != nil || strings.ContainsAny(name, `/\`) {
		return nil, &Error{File: name, Msg: fmt.Sprintf("no built-in scenario %q", name), Fix: "built-ins: " + strings.Join(BuiltinNames(), ", ")}
	}
	return Parse(builtinPrefix+name, data)
}

// Load reads and parses a scenario file.
func Load(file string) (*Scenario, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		msg := "cannot read the scenario file"
		switch {
		case errors.Is(err, fs.ErrNotExist):
			msg = "no such scenario file"
		case errors.Is(err, fs.ErrPermission):
			msg = "no permission to read the scenario file"
		}
		return nil, &Error{File: file, Msg: msg, Fix: "give a YAML file path or a built-in: " + strings.Join(BuiltinNames(), ", ")}
	}
	return Parse(file, data)
}

// Resolve accepts a built-in name ("smoke", or "builtin:smoke") or a file
// path. A bare name that is both a built-in and a file in the current
// directory is the built-in; write ./name for the file.
func Resolve(nameOrPath string) (*Scenario, error) {
	if n, ok := strings.CutPrefix(nameOrPath, builtinPrefix); ok {
		return Builtin(n)
	}
	if slices.Contains(BuiltinNames(), nameOrPath) {
		return Builtin(nameOrPath)
	}
	if _, err := os.Stat(nameOrPath); err != nil && !strings.ContainsAny(nameOrPath, `/\.`) {
		return nil, &Error{File: nameOrPath, Msg: fmt.Sprintf("unknown scenario %q", nameOrPath), Fix: "use a YAML file path or a built-in: " + strings.Join(BuiltinNames(), ", ")}
	}
	return Load(nameOrPath)
}
